/*
 * Minimal printf family; see kernel/printf.h for what it understands.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/serial.h>
#include <kernel/string.h>

#define PRINTF_BUF 512

struct out {
	char *buf;
	size_t size;
	size_t len; /* would-be length, as C's snprintf counts */
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct spec {
	bool left;
	bool zero;
	int width;
	int precision; /* -1: none */
};

static void out_number(struct out *o, unsigned long long v, unsigned int base,
		       bool upper, bool neg, const char *prefix,
		       const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix) + (neg ? 1 : 0), pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = sp->width - n - plen;
	if (!sp->left && !sp->zero)
		out_pad(o, ' ', pad);
	if (neg)
		out_char(o, '-');
	while (*prefix)
		out_char(o, *prefix++);
	if (!sp->left && sp->zero)
		out_pad(o, '0', pad);
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static void out_string(struct out *o, const char *s, const struct spec *sp)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->precision < 0 || n < sp->precision))
		n++;
	if (!sp->left)
		out_pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - n);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	for (; *fmt; fmt++) {
		struct spec sp = { .precision = -1 };
		int lng = 0;
		bool size_t_arg = false;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			sp.precision = 0;
			if (*fmt == '*') {
				sp.precision = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				sp.precision =
					sp.precision * 10 + (*fmt++ - '0');
		}
		for (; *fmt == 'l'; fmt++)
			lng++;
		if (*fmt == 'z') {
			size_t_arg = true;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (size_t_arg)
				s = (long long)va_arg(ap, long);
			else if (lng >= 2)
				s = va_arg(ap, long long);
			else if (lng == 1)
				s = va_arg(ap, long);
			else
				s = va_arg(ap, int);
			u = s < 0 ? 0ULL - (unsigned long long)s :
				    (unsigned long long)s;
			out_number(&o, u, 10, false, s < 0, "", &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (size_t_arg)
				u = va_arg(ap, size_t);
			else if (lng >= 2)
				u = va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			out_number(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				   false, "", &sp);
			break;
		case 'p':
			sp.zero = true;
			sp.width = 18;
			out_number(&o, (uintptr_t)va_arg(ap, void *), 16, false,
				   false, "0x", &sp);
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), &sp);
			break;
		case 'c':
			out_pad(&o, ' ', sp.left ? 0 : sp.width - 1);
			out_char(&o, (char)va_arg(ap, int));
			out_pad(&o, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			fmt--; /* lone '%' at the end */
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	static const char trunc[] = "...[truncated]\n";
	char buf[PRINTF_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((size_t)n < sizeof(buf)) {
		serial_write(buf, (size_t)n);
	} else {
		/* Keep the line whole: overwrite the tail with a marker. */
		memcpy(buf + sizeof(buf) - sizeof(trunc), trunc, sizeof(trunc));
		serial_write(buf, sizeof(buf) - 1);
	}
	return n;
}
