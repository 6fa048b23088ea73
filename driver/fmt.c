// SPDX-License-Identifier: MIT
/* Bounded text building; see fmt.h. */
#include "fmt.h"

#include "sidecar/driver/errno.h"

void sd_buf_init(struct sd_buf *b, char *p, size_t size)
{
	b->p = p;
	b->size = size;
	b->len = 0;
	if (size)
		p[0] = '\0';
}

/*
 * The length of the first n bytes of p without a UTF-8 character that the
 * cut at n left incomplete.
 */
static size_t utf8_trim(const char *p, size_t n)
{
	size_t i = n, cont = 0, need;
	unsigned char lead;

	while (i > 0 && cont < 3 && ((unsigned char)p[i - 1] & 0xC0) == 0x80) {
		i--;
		cont++;
	}
	if (i == 0)
		return n;
	lead = (unsigned char)p[i - 1];
	need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
	return cont < need ? i - 1 : n;
}

void sd_buf_mem(struct sd_buf *b, const void *s, size_t n)
{
	const char *src = s;
	size_t room, k, end;

	if (b->len < b->size) {
		room = b->size - 1 - b->len;
		k = n < room ? n : room;
		for (size_t i = 0; i < k; i++)
			b->p[b->len + i] = src[i];
		end = b->len + k;
		if (k < n)
			end = utf8_trim(b->p, end);
		b->p[end] = '\0';
	}
	b->len += n;
}

void sd_buf_str(struct sd_buf *b, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	sd_buf_mem(b, s, n);
}

void sd_buf_u64(struct sd_buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sd_buf_mem(b, tmp + sizeof(tmp) - n, n);
}

void sd_buf_hex(struct sd_buf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[18];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v & 0xF];
		v >>= 4;
	} while (v);
	tmp[sizeof(tmp) - 1 - n++] = 'x';
	tmp[sizeof(tmp) - 1 - n++] = '0';
	sd_buf_mem(b, tmp + sizeof(tmp) - n, n);
}

const char *sd_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "OK";
	case SD_ENOENT:
		return "ENOENT";
	case SD_EINTR:
		return "EINTR";
	case SD_EIO:
		return "EIO";
	case SD_EAGAIN:
		return "EAGAIN";
	case SD_ENOMEM:
		return "ENOMEM";
	case SD_EBUSY:
		return "EBUSY";
	case SD_EINVAL:
		return "EINVAL";
	case SD_ETIMEDOUT:
		return "ETIMEDOUT";
	default:
		return "E?";
	}
}
