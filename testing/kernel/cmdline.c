/*
 * Command-line options: space-separated "key=value" (or bare "key").
 */
#include <stdint.h>

#include <kernel/cmdline.h>
#include <kernel/panic.h>
#include <kernel/string.h>

/* Finds key; its value goes to val and len (empty for a bare key). */
static int find(const char *s, const char *key, const char **val, size_t *len)
{
	size_t klen = strlen(key);

	while (*s) {
		const char *tok, *eq;

		while (*s == ' ')
			s++;
		tok = s;
		while (*s && *s != ' ')
			s++;
		if (s == tok)
			break;
		eq = tok;
		while (eq < s && *eq != '=')
			eq++;
		if ((size_t)(eq - tok) == klen && !strncmp(tok, key, klen)) {
			*val = eq < s ? eq + 1 : s;
			*len = (size_t)(s - *val);
			return 1;
		}
	}
	return 0;
}

void cmdline_check(const char *s, const char *const *known)
{
	while (*s) {
		const char *tok;
		size_t klen;
		int ok = 0;

		while (*s == ' ')
			s++;
		tok = s;
		while (*s && *s != ' ' && *s != '=')
			s++;
		klen = (size_t)(s - tok);
		while (*s && *s != ' ')
			s++;
		if (!klen)
			continue;
		for (const char *const *k = known; *k; k++)
			if (strlen(*k) == klen && !strncmp(*k, tok, klen))
				ok = 1;
		if (!ok)
			panic("cmdline: unknown option '%.*s'", (int)klen, tok);
	}
}

void cmdline_get_str(const char *s, const char *key, char *buf, size_t size,
		     const char *def)
{
	const char *val;
	size_t len;

	if (!find(s, key, &val, &len)) {
		val = def;
		len = strlen(def);
	}
	if (len >= size)
		panic("cmdline: value of %s too long", key);
	memcpy(buf, val, len);
	buf[len] = '\0';
}

uint64_t cmdline_get_u64(const char *s, const char *key, uint64_t def)
{
	const char *val;
	size_t len, i = 0;
	uint64_t v = 0, base = 10;

	if (!find(s, key, &val, &len))
		return def;
	if (len > 2 && val[0] == '0' && (val[1] == 'x' || val[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		panic("cmdline: %s needs a number", key);
	for (; i < len; i++) {
		char c = val[i];
		uint64_t d;

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (uint64_t)(c - 'A' + 10);
		else
			panic("cmdline: bad number '%.*s' for %s", (int)len,
			      val, key);
		if (v > (UINT64_MAX - d) / base)
			panic("cmdline: number for %s overflows", key);
		v = v * base + d;
	}
	return v;
}
