// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf: no floating point, no %n, no locale.
 */
#include <stdbool.h>
#include <stdint.h>

#include "sidecar/core/format.h"

/* Beyond any useful width; keeps the arithmetic far from overflow. */
#define FMT_MAX_WIDTH 0x100000

struct out {
	char *buf;
	size_t size;
	size_t pos; /* bytes the full output has so far */
};

struct spec {
	bool left; /* '-' */
	bool zero; /* '0' */
	bool alt; /* '#' */
	bool plus; /* '+' */
	bool space; /* ' ' */
	int width;
	int prec; /* -1: none */
};

static void put(struct out *o, char c)
{
	if (o->size && o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* The digits of v, least significant first; returns their count. */
static int digits(uint64_t v, unsigned int base, bool upper, char *d)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		d[n++] = set[v % base];
		v /= base;
	} while (v);
	return n;
}

static void put_int(struct out *o, const struct spec *s, uint64_t mag, bool neg,
		    bool is_signed, unsigned int base, bool upper, bool prefix)
{
	char d[24];
	const char *pre = "";
	int nd, zeros, pre_len, len;

	nd = digits(mag, base, upper, d);
	/* C: a zero value with precision 0 prints no digits at all. */
	if (s->prec == 0 && mag == 0)
		nd = 0;
	zeros = s->prec > nd ? s->prec - nd : 0;

	if (neg)
		pre = "-";
	else if (is_signed && s->plus)
		pre = "+";
	else if (is_signed && s->space)
		pre = " ";
	else if (prefix)
		pre = upper ? "0X" : "0x";
	pre_len = (pre[0] != 0) + (pre[0] != 0 && pre[1] != 0);

	len = pre_len + zeros + nd;
	if (s->zero && !s->left && s->prec < 0 && s->width > len) {
		zeros += s->width - len;
		len = s->width;
	}
	if (!s->left)
		put_n(o, ' ', s->width - len);
	for (int i = 0; i < pre_len; i++)
		put(o, pre[i]);
	put_n(o, '0', zeros);
	while (nd > 0)
		put(o, d[--nd]);
	if (s->left)
		put_n(o, ' ', s->width - len);
}

static void put_str(struct out *o, const struct spec *s, const char *str)
{
	int len = 0;

	if (!str)
		str = "(null)";
	/* With a precision, str need not be terminated: read no further. */
	while ((s->prec < 0 || len < s->prec) && str[len])
		len++;
	if (!s->left)
		put_n(o, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		put(o, str[i]);
	if (s->left)
		put_n(o, ' ', s->width - len);
}

/* Parses a decimal number, saturating at FMT_MAX_WIDTH. */
static int parse_num(const char **f)
{
	int v = 0;

	while (**f >= '0' && **f <= '9') {
		v = v * 10 + (**f - '0');
		if (v > FMT_MAX_WIDTH)
			v = FMT_MAX_WIDTH;
		(*f)++;
	}
	return v;
}

enum length { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static enum length parse_length(const char **f)
{
	switch (**f) {
	case 'h':
		if ((*f)[1] == 'h') {
			*f += 2;
			return LEN_HH;
		}
		(*f)++;
		return LEN_H;
	case 'l':
		if ((*f)[1] == 'l') {
			*f += 2;
			return LEN_LL;
		}
		(*f)++;
		return LEN_L;
	case 'z':
		(*f)++;
		return LEN_Z;
	case 'j':
		(*f)++;
		return LEN_J;
	case 't':
		(*f)++;
		return LEN_T;
	default:
		return LEN_INT;
	}
}

/* va_list is an array type on x86-64: pass it by pointer to helpers. */
static int64_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		/* The signed type of size_t's width. */
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static void parse_flags(const char **f, struct spec *s)
{
	for (;; (*f)++) {
		switch (**f) {
		case '-':
			s->left = true;
			break;
		case '0':
			s->zero = true;
			break;
		case '#':
			s->alt = true;
			break;
		case '+':
			s->plus = true;
			break;
		case ' ':
			s->space = true;
			break;
		default:
			return;
		}
	}
}

static void parse_width_prec(const char **f, struct spec *s, va_list *ap)
{
	if (**f == '*') {
		int w = va_arg(*ap, int);

		(*f)++;
		/* C: a negative width argument is '-' and its magnitude. */
		if (w < 0) {
			s->left = true;
			w = w < -FMT_MAX_WIDTH ? FMT_MAX_WIDTH : -w;
		}
		s->width = w > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : w;
	} else {
		s->width = parse_num(f);
	}
	s->prec = -1;
	if (**f != '.')
		return;
	(*f)++;
	if (**f == '*') {
		int p = va_arg(*ap, int);

		(*f)++;
		/* C: a negative precision argument is no precision. */
		s->prec = p < 0 ? -1 : p > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : p;
	} else {
		s->prec = parse_num(f);
	}
}

/* One conversion; *f points after the '%'. */
static void convert(struct out *o, const char **f, va_list *ap)
{
	const char *start = *f - 1;
	struct spec s = { 0 };
	enum length len;
	int64_t v;
	char c;

	parse_flags(f, &s);
	parse_width_prec(f, &s, ap);
	len = parse_length(f);
	c = **f;
	if (c)
		(*f)++;

	switch (c) {
	case 'd':
	case 'i':
		v = arg_signed(ap, len);
		put_int(o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, true,
			10, false, false);
		break;
	case 'u':
		put_int(o, &s, arg_unsigned(ap, len), false, false, 10, false,
			false);
		break;
	case 'x':
	case 'X': {
		uint64_t u = arg_unsigned(ap, len);

		put_int(o, &s, u, false, false, 16, c == 'X', s.alt && u);
		break;
	}
	case 'p': {
		uint64_t u = (uintptr_t)va_arg(*ap, void *);

		if (u) {
			put_int(o, &s, u, false, false, 16, false, true);
		} else {
			s.prec = -1;
			put_str(o, &s, "(nil)");
		}
		break;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		if (!s.left)
			put_n(o, ' ', s.width - 1);
		put(o, ch);
		if (s.left)
			put_n(o, ' ', s.width - 1);
		break;
	}
	case 's':
		put_str(o, &s, va_arg(*ap, const char *));
		break;
	case '%':
		put(o, '%');
		break;
	default:
		/* Not supported: show the conversion rather than guess. */
		while (start < *f)
			put(o, *start++);
		break;
	}
}

int sc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		convert(&o, &fmt, &args);
	}
	va_end(args);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	/* Saturate rather than wrap; no kernel message comes close. */
	return o.pos > (size_t)__INT_MAX__ ? __INT_MAX__ : (int)o.pos;
}

int sc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sc_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
