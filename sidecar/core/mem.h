/* SPDX-License-Identifier: MIT */
/*
 * Byte copies for core's own use. Plain loops instead of memcpy/memset:
 * the freestanding build has no libc, and -fno-builtin keeps the compiler
 * from turning these loops back into calls. Eight bytes a store where both
 * sides allow it: a command clears its 255-byte error text every time, and
 * bytewise that was most of a NONE's instructions.
 */
#ifndef SIDECAR_CORE_MEM_H
#define SIDECAR_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

/* A word that may alias anything (the pages are byte arrays to us). */
typedef uint64_t __attribute__((may_alias)) sc_word;

static inline void sc_copy_bytes(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(sc_word *)d = *(const sc_word *)s;
	}
	while (n--)
		*d++ = *s++;
}

static inline void sc_zero_bytes(void *dst, size_t n)
{
	uint8_t *d = (uint8_t *)dst;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = 0;
		n--;
	}
	for (; n >= 32; n -= 32, d += 32) {
		((sc_word *)d)[0] = 0;
		((sc_word *)d)[1] = 0;
		((sc_word *)d)[2] = 0;
		((sc_word *)d)[3] = 0;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(sc_word *)d = 0;
	while (n--)
		*d++ = 0;
}

#endif /* SIDECAR_CORE_MEM_H */
