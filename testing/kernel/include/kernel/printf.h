/*
 * Tiny printf: %d %i %u %x %X %p %s %c %%, flags '-' '0', width (also '*'),
 * precision for %s, length modifiers l, ll, z.
 */
#ifndef KERNEL_PRINTF_H
#define KERNEL_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define __printf(a, b) __attribute__((format(printf, a, b)))

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__printf(3, 0);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* Formats into a bounded buffer and writes it to COM1 in one piece. */
int printf(const char *fmt, ...) __printf(1, 2);

#endif
