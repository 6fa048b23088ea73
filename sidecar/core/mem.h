/* SPDX-License-Identifier: MIT */
/*
 * Byte copies for core's own use. Plain loops instead of memcpy/memset:
 * the freestanding build has no libc, and -fno-builtin keeps the compiler
 * from turning these loops back into calls.
 */
#ifndef SIDECAR_CORE_MEM_H
#define SIDECAR_CORE_MEM_H

#include <stddef.h>
#include <stdint.h>

static inline void sc_copy_bytes(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;

	while (n--)
		*d++ = *s++;
}

static inline void sc_zero_bytes(void *dst, size_t n)
{
	uint8_t *d = (uint8_t *)dst;

	while (n--)
		*d++ = 0;
}

#endif /* SIDECAR_CORE_MEM_H */
