/* SPDX-License-Identifier: MIT */
/*
 * Error text of a command or of the entry point (struct
 * sidecar_command_error): UTF-8, at most SIDECAR_ERROR_MAX_LEN bytes,
 * truncated at a character boundary, not NUL terminated.
 */
#ifndef SIDECAR_CORE_ERROR_H
#define SIDECAR_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "sidecar/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The largest n <= min(len, max) such that s[0..n) does not end inside a
 * well-formed UTF-8 sequence. Ill-formed bytes count as one character each,
 * so a cut between them is allowed.
 */
size_t sc_utf8_truncate(const char *s, size_t len, size_t max);

/*
 * Formats (see format.h) into e->buf, truncated at a character boundary;
 * sets e->len and zeroes the unused bytes of e->buf.
 */
void sc_error_set(struct sidecar_command_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void sc_error_vset(struct sidecar_command_error *e, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* len = 0 and every byte of buf zero. */
void sc_error_clear(struct sidecar_command_error *e);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_ERROR_H */
