/* SPDX-License-Identifier: MIT */
/*
 * snprintf for the kernel, with C99 semantics: the output is always
 * NUL-terminated when size > 0 and the return value is the length the full
 * output would have had.
 *
 * Conversions: %d %i %u %x %X %c %s %p %%. Length modifiers: hh h l ll z j t.
 * Flags: '-' '0' '#' '+' ' '. Width and precision, either of them may be '*';
 * precision limits %s (which then reads no further) and is the minimum digit
 * count of integers, as in C.
 *
 * Where C leaves the output to the implementation this follows glibc:
 * %s of NULL is "(null)", %p of NULL is "(nil)", other pointers print as
 * %#lx. An unsupported conversion is copied to the output as is.
 */
#ifndef SIDECAR_CORE_FORMAT_H
#define SIDECAR_CORE_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int sc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

int sc_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_FORMAT_H */
