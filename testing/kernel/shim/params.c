/*
 * SidecarParams for the tests: a minimal placement (driver/launch will
 * do the real one) and the --param overrides that scenarios use to hand
 * the image broken parameters on purpose.
 */
#include <stdint.h>

#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/string.h>

static void add_node(struct sidecar_params *p, uint32_t base, uint32_t count)
{
	struct sidecar_node_params *n;
	uint64_t size = sidecar_required_memory(count);

	if (p->node_count == SIDECAR_MAX_NODES)
		panic("shim: more than %u nodes", SIDECAR_MAX_NODES);
	n = &p->nodes[p->node_count++];
	n->base_vp = base;
	n->vp_count = count;
	n->memory_size = size;
	n->memory_base = pmem_alloc(size, 4096, "node memory");
}

void shim_build_params(struct sidecar_params *p, const struct shim_layout *l,
		       uint64_t hypercall_page)
{
	uint32_t numa[SHIM_MAX_NUMA], nr_numa = l->nr_numa, vp = 0, sum = 0;

	memset(p, 0, sizeof(*p));
	p->hypercall_page = hypercall_page;
	p->enable_logging = l->log;
	if (!l->node_size)
		panic("shim: node size 0");
	if (!nr_numa) {
		numa[0] = l->vps;
		nr_numa = 1;
	} else {
		memcpy(numa, l->numa, nr_numa * sizeof(numa[0]));
	}
	for (uint32_t i = 0; i < nr_numa; i++)
		sum += numa[i];
	if (sum != l->vps)
		panic("shim: NUMA nodes hold %u VPs, the machine has %u", sum,
		      l->vps);
	for (uint32_t i = 0; i < nr_numa; i++) {
		for (uint32_t done = 0; done < numa[i];) {
			uint32_t k = numa[i] - done < l->node_size ?
					     numa[i] - done :
					     l->node_size;

			/* A node needs an AP besides its base VP. */
			if (k >= 2)
				add_node(p, vp + done, k);
			done += k;
		}
		vp += numa[i];
	}
}

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
	printf("shim: params hypercall_page 0x%lx enable_logging %u "
	       "node_count %u\n",
	       p->hypercall_page, p->enable_logging, p->node_count);
	for (uint32_t i = 0; i < p->node_count && i < SIDECAR_MAX_NODES; i++)
		printf("shim: params node[%u] base_vp %u vp_count %u memory "
		       "0x%lx+0x%lx\n",
		       i, p->nodes[i].base_vp, p->nodes[i].vp_count,
		       p->nodes[i].memory_base, p->nodes[i].memory_size);
}
