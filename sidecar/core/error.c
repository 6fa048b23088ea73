// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "sidecar/core/error.h"
#include "sidecar/core/format.h"

/* The longest UTF-8 sequence. */
#define UTF8_MAX_SEQ 4

static bool is_cont(uint8_t b)
{
	return (b & 0xC0) == 0x80;
}

/*
 * Length of the well-formed sequence at s[0..avail) (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 1 when the
 * lead byte does not start one.
 */
static size_t utf8_seq_len(const uint8_t *s, size_t avail)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		n = 2;
	else if (b >= 0xE0 && b <= 0xEF)
		n = 3;
	else if (b >= 0xF0 && b <= 0xF4)
		n = 4;
	else
		return 1;
	/* The second byte's range is narrower after these leads. */
	if (b == 0xE0)
		lo = 0xA0;
	else if (b == 0xED)
		hi = 0x9F;
	else if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 1;
	for (size_t i = 2; i < n; i++)
		if (!is_cont(s[i]))
			return 1;
	return n;
}

size_t sc_utf8_truncate(const char *s, size_t len, size_t max)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t limit = len < max ? len : max;
	size_t i = 0;

	while (i < limit) {
		size_t n = utf8_seq_len(u + i, len - i);

		if (n > limit - i)
			break;
		i += n;
	}
	return i;
}

void sc_error_clear(struct sidecar_command_error *e)
{
	sc_word *w = (sc_word *)e;

	/*
	 * len and buf together: 256 bytes, 16-aligned in the command page,
	 * cleared on every command: 32 stores, no loop.
	 */
	if ((uintptr_t)e & 7) {
		sc_zero_bytes(e, sizeof(*e));
		return;
	}
	_Static_assert(sizeof(*e) == 32 * sizeof(sc_word), "error size");
#pragma clang loop unroll(full)
	for (unsigned int i = 0; i < 32; i++)
		w[i] = 0;
}

void sc_error_vset(struct sidecar_command_error *e, const char *fmt, va_list ap)
{
	/*
	 * Room for a sequence that starts in the last byte that fits, so the
	 * cut can tell whether it would complete.
	 */
	char text[SIDECAR_ERROR_MAX_LEN + UTF8_MAX_SEQ];
	size_t len, n;
	int r;

	r = sc_vsnprintf(text, sizeof(text), fmt, ap);
	len = r < 0 ? 0 : (size_t)r;
	if (len > sizeof(text) - 1)
		len = sizeof(text) - 1;
	n = sc_utf8_truncate(text, len, SIDECAR_ERROR_MAX_LEN);
	sc_copy_bytes(e->buf, text, n);
	sc_zero_bytes(e->buf + n, sizeof(e->buf) - n);
	e->len = (uint8_t)n;
}

void sc_error_set(struct sidecar_command_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sc_error_vset(e, fmt, ap);
	va_end(ap);
}
