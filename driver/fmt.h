/* SPDX-License-Identifier: MIT */
/*
 * Bounded text building for messages and boot_cpus=, without libc. Private
 * to the driver.
 */
#ifndef SIDECAR_DRIVER_FMT_H
#define SIDECAR_DRIVER_FMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * len counts every byte appended, even those that did not fit, so callers
 * can size a second attempt; p is NUL-terminated whenever size > 0 and
 * never ends in a partial UTF-8 character.
 */
struct sd_buf {
	char *p;
	size_t size;
	size_t len;
};

void sd_buf_init(struct sd_buf *b, char *p, size_t size);
void sd_buf_mem(struct sd_buf *b, const void *s, size_t n);
void sd_buf_str(struct sd_buf *b, const char *s);
void sd_buf_u64(struct sd_buf *b, uint64_t v);
/* "0x1b000" */
void sd_buf_hex(struct sd_buf *b, uint64_t v);

/*
 * Plain loops instead of memcpy/memset: the freestanding archive must not
 * need anything it does not define, and -fno-builtin keeps the compiler
 * from turning these back into calls. Struct copies go through them too.
 * Eight bytes a step where the alignment allows: every command clears an
 * error and register batches are copied twice, and bytewise that cost
 * more instructions than the command's round trip.
 */
typedef uint64_t __attribute__((may_alias)) sd_word;

static inline void sd_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(sd_word *)d = *(const sd_word *)s;
	}
	while (n--)
		*d++ = *s++;
}

static inline void sd_memzero(void *dst, size_t n)
{
	uint8_t *d = (uint8_t *)dst;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = 0;
		n--;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(sd_word *)d = 0;
	while (n--)
		*d++ = 0;
}

#endif /* SIDECAR_DRIVER_FMT_H */
