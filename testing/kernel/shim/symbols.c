/*
 * Symbolic --param values: a test that wants node memory over the image or
 * the params page cannot know their addresses in advance, so it names
 * them ("node[0].memory_base=@image+0x1000") and the shim resolves them
 * after loading and placement.
 */
#include <stdint.h>

#include <kernel/shim.h>
#include <kernel/string.h>

static struct shim_symbols symbols;

void shim_set_symbols(const struct shim_symbols *s)
{
	symbols = *s;
}

static bool is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncmp(s, word, len);
}

/* "nodeN" or "nodeN_end": node N's memory as the params hold it now. */
static bool node_symbol(const struct sidecar_params *p, const char *s,
			size_t len, uint64_t *out)
{
	size_t digits = 4;
	uint64_t n;
	bool end;

	if (len < 5 || strncmp(s, "node", 4))
		return false;
	while (digits < len && s[digits] >= '0' && s[digits] <= '9')
		digits++;
	end = is(s + digits, len - digits, "_end");
	if ((digits != len && !end) ||
	    !shim_parse_number(s + 4, digits - 4, &n) || n >= SIDECAR_MAX_NODES)
		return false;
	*out = p->nodes[n].memory_base;
	if (end)
		*out += p->nodes[n].memory_size;
	return true;
}

static bool symbol(const struct sidecar_params *p, const char *s, size_t len,
		   uint64_t *out)
{
	if (is(s, len, "image"))
		*out = symbols.image;
	else if (is(s, len, "image_end"))
		*out = symbols.image_end;
	else if (is(s, len, "params"))
		*out = symbols.params;
	else if (is(s, len, "output"))
		*out = symbols.output;
	else if (is(s, len, "hypercall_page"))
		*out = symbols.hypercall_page;
	else
		return node_symbol(p, s, len, out);
	return true;
}

bool shim_param_value(const struct sidecar_params *p, const char *s, size_t len,
		      uint64_t *out)
{
	size_t op = 1;
	uint64_t base, delta;

	if (!len || s[0] != '@')
		return shim_parse_number(s, len, out);
	while (op < len && s[op] != '+' && s[op] != '-')
		op++;
	if (!symbol(p, s + 1, op - 1, &base))
		return false;
	if (op == len) {
		*out = base;
		return true;
	}
	if (!shim_parse_number(s + op + 1, len - op - 1, &delta))
		return false;
	/* Wrapping is the caller's business: it tests the validator. */
	*out = s[op] == '+' ? base + delta : base - delta;
	return true;
}
