/*
 * The --param overrides that scenarios use to hand the image broken
 * parameters on purpose, applied after driver/launch placed everything
 * (shim/launch.c), and printing the result.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/string.h>

/* "0x..." or decimal, the whole of s[0..len). */
bool shim_parse_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		char c = s[i];
		uint64_t d;

		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (uint64_t)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (uint64_t)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncmp(s, word, len);
}

static const char *set_node_field(struct sidecar_node_params *n, const char *f,
				  size_t flen, uint64_t v)
{
	if (is(f, flen, "memory_base"))
		n->memory_base = v;
	else if (is(f, flen, "memory_size"))
		n->memory_size = v;
	else if (is(f, flen, "base_vp") && v <= UINT32_MAX)
		n->base_vp = (uint32_t)v;
	else if (is(f, flen, "vp_count") && v <= UINT32_MAX)
		n->vp_count = (uint32_t)v;
	else
		return "unknown node field or value out of range";
	return NULL;
}

/*
 * "per_cpu_state_specified" or "sidecar_starts_cpu[N]" of HEAD's
 * initial_state; any byte value, so a scenario can hand over a bad bool.
 */
static const char *set_initial_state(struct sidecar_per_cpu_state *st,
				     const char *f, size_t flen, uint64_t v)
{
	static const char starts[] = "sidecar_starts_cpu[";
	const size_t n = sizeof(starts) - 1;
	uint64_t vp;

	if (v > 0xff)
		return "initial_state values are bytes (0..255)";
	if (is(f, flen, "per_cpu_state_specified")) {
		st->per_cpu_state_specified = (uint8_t)v;
		return NULL;
	}
	if (flen < n + 2 || strncmp(f, starts, n) || f[flen - 1] != ']' ||
	    !shim_parse_number(f + n, flen - n - 1, &vp) ||
	    vp >= SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)
		return "expected initial_state.per_cpu_state_specified or "
		       "initial_state.sidecar_starts_cpu[N] with N < 400";
	st->sidecar_starts_cpu[vp] = (uint8_t)v;
	return NULL;
}

const char *shim_apply_param(struct sidecar_params *p, const char *s,
			     size_t len)
{
	const char *eq = s, *f = s;
	size_t flen;
	uint64_t v, node;

	while (eq < s + len && *eq != '=')
		eq++;
	if (eq == s + len ||
	    !shim_param_value(p, eq + 1, (size_t)(s + len - eq - 1), &v))
		return "expected FIELD=NUMBER or FIELD=@SYMBOL[+-NUMBER]";
	flen = (size_t)(eq - s);
	if (flen > 14 && !strncmp(s, "initial_state.", 14))
		return set_initial_state(&p->initial_state, s + 14, flen - 14,
					 v);
	if (flen > 5 && !strncmp(s, "node[", 5)) {
		const char *close = s + 5;

		while (close < eq && *close != ']')
			close++;
		if (close + 1 >= eq || close[1] != '.' ||
		    !shim_parse_number(s + 5, (size_t)(close - s - 5), &node) ||
		    node >= SIDECAR_MAX_NODES)
			return "expected node[i].FIELD with i < 128";
		f = close + 2;
		return set_node_field(&p->nodes[node], f, (size_t)(eq - f), v);
	}
	if (is(f, flen, "hypercall_page"))
		p->hypercall_page = v;
	else if (is(f, flen, "enable_logging") && v <= 0xff)
		p->enable_logging = (uint8_t)v;
	else if (is(f, flen, "node_count") && v <= UINT32_MAX)
		p->node_count = (uint32_t)v;
	else
		return "unknown field or value out of range";
	return NULL;
}

void shim_print_params(const struct sidecar_params *p)
{
	uint32_t end = 0;

	printf("shim: params hypercall_page 0x%lx enable_logging %u "
	       "node_count %u\n",
	       p->hypercall_page, p->enable_logging, p->node_count);
	for (uint32_t i = 0; i < p->node_count && i < SIDECAR_MAX_NODES; i++)
		printf("shim: params node[%u] base_vp %u vp_count %u memory "
		       "0x%lx+0x%lx\n",
		       i, p->nodes[i].base_vp, p->nodes[i].vp_count,
		       p->nodes[i].memory_base, p->nodes[i].memory_size);
	if (!p->initial_state.per_cpu_state_specified)
		return;
	/* The entries of node VPs only: the rest are of no one's CPU. */
	for (uint32_t i = 0; i < p->node_count && i < SIDECAR_MAX_NODES; i++)
		if (p->nodes[i].base_vp + p->nodes[i].vp_count > end)
			end = p->nodes[i].base_vp + p->nodes[i].vp_count;
	if (end > SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)
		end = SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE;
	printf("shim: params initial_state.per_cpu_state_specified %u, "
	       "VPs [0, %u) with sidecar_starts_cpu not 1:",
	       p->initial_state.per_cpu_state_specified, end);
	for (uint32_t vp = 0; vp < end; vp++)
		if (p->initial_state.sidecar_starts_cpu[vp] != 1)
			printf(" %u", vp);
	printf("\n");
}
