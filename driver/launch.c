// SPDX-License-Identifier: MIT
/*
 * launch: CPU topology to struct sidecar_params and boot_cpus=, as the boot
 * shim does it before the main kernel starts.
 */
#include "sidecar/driver/launch.h"

#include "fmt.h"

/*
 * Walks the chunks: each run of consecutive CPUs on one NUMA node, split
 * as openhcl_boot splits it: into the fewest chunks of at most max_cpus,
 * each ceil(run_len / chunks) CPUs but the last, which takes what is left
 * (so 70 CPUs are 24, 24, 22). A node's VPs must be a contiguous range, so
 * a NUMA node whose CPUs are not consecutive gives several runs.
 */
struct chunk_iter {
	const struct sd_cpu *cpus;
	uint32_t count;
	uint32_t max_cpus;
	uint32_t pos;
	uint32_t run_end;
	uint32_t run_len;
	uint32_t run_size; /* every chunk's size but the last's */
};

static bool next_chunk(struct chunk_iter *it, uint32_t *base, uint32_t *len)
{
	uint32_t chunks;

	if (it->pos >= it->count)
		return false;
	if (it->pos == it->run_end) {
		uint32_t node = it->cpus[it->pos].numa_node;
		uint32_t end = it->pos + 1;

		while (end < it->count && it->cpus[end].numa_node == node)
			end++;
		it->run_end = end;
		it->run_len = end - it->pos;
		chunks = (it->run_len + it->max_cpus - 1) / it->max_cpus;
		it->run_size = (it->run_len + chunks - 1) / chunks;
	}
	*base = it->pos;
	*len = it->run_end - it->pos;
	if (*len > it->run_size)
		*len = it->run_size;
	it->pos += *len;
	return true;
}

static void chunk_iter_init(struct chunk_iter *it,
			    const struct sd_launch_config *cfg)
{
	sd_memzero(it, sizeof(*it));
	it->cpus = cfg->cpus;
	it->count = cfg->cpu_count;
	it->max_cpus = cfg->max_node_cpus ? cfg->max_node_cpus :
					    SD_MAX_NODE_CPUS;
}

static enum sd_launch_result fail(struct sd_launch_info *plan,
				  struct sidecar_params *params,
				  enum sd_launch_result r)
{
	params->node_count = 0;
	plan->result = r;
	return r;
}

/* Memory for one node: its own NUMA node first, then the next ones. */
static bool place(const struct sd_launch_config *cfg, uint32_t numa_count,
		  uint32_t local, uint64_t size, uint64_t *pa, uint32_t *where)
{
	for (uint32_t k = 0; k < numa_count; k++) {
		uint32_t n = (local + k) % numa_count;

		if (cfg->mem->alloc(cfg->mem->ctx, n, size, pa)) {
			*where = n;
			return true;
		}
	}
	return false;
}

static void release_all(const struct sd_launch_config *cfg,
			struct sidecar_params *params, uint32_t count)
{
	if (!cfg->mem->free)
		return;
	for (uint32_t i = 0; i < count; i++)
		cfg->mem->free(cfg->mem->ctx, params->nodes[i].memory_base,
			       params->nodes[i].memory_size);
}

/* HEAD's per-CPU state gives VP vp to the main kernel. */
static bool kernel_starts(const struct sidecar_params *params, uint32_t vp)
{
	const struct sidecar_per_cpu_state *s = &params->initial_state;

	return s->per_cpu_state_specified &&
	       vp < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE &&
	       !s->sidecar_starts_cpu[vp];
}

/* Node APs the per-CPU state gives to the main kernel. */
static uint32_t kernel_started(const struct sidecar_params *params)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < params->node_count; i++)
		for (uint32_t j = 1; j < params->nodes[i].vp_count; j++)
			n += kernel_starts(params,
					   params->nodes[i].base_vp + j);
	return n;
}

enum sd_launch_result sd_launch_plan(const struct sd_launch_config *cfg,
				     struct sidecar_params *params,
				     struct sd_launch_info *plan)
{
	struct chunk_iter it;
	struct sd_buf msg;
	uint32_t numa_count, nodes = 0, singles = 0, base, len;

	sd_memzero(params, sizeof(*params));
	sd_memzero(plan, sizeof(*plan));
	sd_buf_init(&msg, plan->message, sizeof(plan->message));

	if (!cfg->cpus || cfg->cpu_count == 0 || !cfg->mem ||
	    !cfg->mem->alloc) {
		sd_buf_str(&msg, "no CPUs or no memory allocator");
		return fail(plan, params, SD_LAUNCH_BAD_CONFIG);
	}
	if (cfg->max_node_cpus > SD_MAX_NODE_CPUS) {
		sd_buf_str(&msg, "max_node_cpus ");
		sd_buf_u64(&msg, cfg->max_node_cpus);
		sd_buf_str(&msg, " > ");
		sd_buf_u64(&msg, SD_MAX_NODE_CPUS);
		return fail(plan, params, SD_LAUNCH_BAD_CONFIG);
	}
	numa_count = cfg->numa_node_count;
	if (numa_count == 0) {
		for (uint32_t i = 0; i < cfg->cpu_count; i++)
			if (cfg->cpus[i].numa_node >= numa_count)
				numa_count = cfg->cpus[i].numa_node + 1;
	}
	for (uint32_t i = 0; i < cfg->cpu_count; i++) {
		if (cfg->cpus[i].numa_node >= numa_count) {
			sd_buf_str(&msg, "cpu ");
			sd_buf_u64(&msg, i);
			sd_buf_str(&msg, ": NUMA node ");
			sd_buf_u64(&msg, cfg->cpus[i].numa_node);
			sd_buf_str(&msg, " >= numa_node_count ");
			sd_buf_u64(&msg, numa_count);
			return fail(plan, params, SD_LAUNCH_BAD_CONFIG);
		}
	}

	/* openhcl_boot specifies it only when every CPU has an entry. */
	if (cfg->initial_state && cfg->initial_state->per_cpu_state_specified &&
	    cfg->cpu_count > SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE) {
		sd_buf_str(&msg, "initial_state specified for ");
		sd_buf_u64(&msg, cfg->cpu_count);
		sd_buf_str(&msg, " CPUs > ");
		sd_buf_u64(&msg, SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE);
		return fail(plan, params, SD_LAUNCH_BAD_CONFIG);
	}

	/* The sidecar signals the main kernel through x2APIC MSRs only. */
	if (!cfg->x2apic) {
		sd_buf_str(&msg, "x2APIC not available; not using sidecar");
		return fail(plan, params, SD_LAUNCH_NO_X2APIC);
	}

	chunk_iter_init(&it, cfg);
	while (next_chunk(&it, &base, &len)) {
		if (len >= 2)
			nodes++;
		else
			singles++;
	}
	/* A one-CPU chunk is its own base CPU: nothing for the sidecar. */
	if (nodes == 0) {
		sd_buf_str(&msg, "all ");
		sd_buf_u64(&msg, singles);
		sd_buf_str(&msg, " chunks have one CPU; not using sidecar");
		return fail(plan, params, SD_LAUNCH_ONE_CPU_CHUNKS);
	}
	if (nodes > SIDECAR_MAX_NODES) {
		sd_buf_u64(&msg, nodes);
		sd_buf_str(&msg, " nodes > SIDECAR_MAX_NODES ");
		sd_buf_u64(&msg, SIDECAR_MAX_NODES);
		return fail(plan, params, SD_LAUNCH_TOO_MANY_NODES);
	}

	chunk_iter_init(&it, cfg);
	nodes = 0;
	while (next_chunk(&it, &base, &len)) {
		struct sidecar_node_params *np = &params->nodes[nodes];
		uint32_t local = cfg->cpus[base].numa_node;
		uint64_t size = sidecar_required_memory(len);

		if (len < 2)
			continue;
		if (!place(cfg, numa_count, local, size, &np->memory_base,
			   &plan->mem_numa[nodes])) {
			release_all(cfg, params, nodes);
			sd_memzero(params->nodes, sizeof(params->nodes));
			sd_buf_str(&msg, "node ");
			sd_buf_u64(&msg, nodes);
			sd_buf_str(&msg, " (VPs ");
			sd_buf_u64(&msg, base);
			sd_buf_str(&msg, "..");
			sd_buf_u64(&msg, base + len - 1);
			sd_buf_str(&msg, "): no NUMA node has ");
			sd_buf_hex(&msg, size);
			sd_buf_str(&msg, " bytes; not using sidecar");
			plan->total_memory = 0;
			return fail(plan, params, SD_LAUNCH_NO_MEMORY);
		}
		np->memory_size = size;
		np->base_vp = base;
		np->vp_count = len;
		plan->cpu_numa[nodes] = local;
		plan->total_memory += size;
		nodes++;
	}

	if (cfg->initial_state)
		sd_memcpy(&params->initial_state, cfg->initial_state,
			  sizeof(params->initial_state));
	params->hypercall_page = cfg->hypercall_page;
	params->enable_logging = cfg->enable_logging ? 1 : 0;
	params->node_count = nodes;
	plan->single_cpus = singles;
	plan->result = SD_LAUNCH_OK;
	sd_buf_u64(&msg, nodes);
	sd_buf_str(&msg, " nodes, ");
	sd_buf_u64(&msg,
		   cfg->cpu_count - nodes - singles - kernel_started(params));
	sd_buf_str(&msg, " sidecar CPUs, ");
	sd_buf_hex(&msg, plan->total_memory);
	sd_buf_str(&msg, " bytes");
	return SD_LAUNCH_OK;
}

/*
 * Whether the main kernel boots VP vp: a node's base, one the per-CPU
 * state gives it, or one in no node.
 */
static bool is_boot_cpu(const struct sidecar_params *params, uint32_t vp)
{
	for (uint32_t i = 0; i < params->node_count; i++) {
		const struct sidecar_node_params *np = &params->nodes[i];

		if (vp >= np->base_vp && vp - np->base_vp < np->vp_count)
			return vp == np->base_vp || kernel_starts(params, vp);
	}
	return true;
}

size_t sd_launch_boot_cpus(const struct sidecar_params *params,
			   uint32_t cpu_count, char *buf, size_t size)
{
	struct sd_buf b;
	const char *sep = "";

	sd_buf_init(&b, buf, size);
	sd_buf_str(&b, "boot_cpus=");
	for (uint32_t vp = 0; vp < cpu_count; vp++) {
		if (!is_boot_cpu(params, vp))
			continue;
		sd_buf_str(&b, sep);
		sd_buf_u64(&b, vp);
		sep = ",";
	}
	return b.len;
}

const char *sd_launch_result_name(enum sd_launch_result r)
{
	switch (r) {
	case SD_LAUNCH_OK:
		return "ok";
	case SD_LAUNCH_BAD_CONFIG:
		return "bad config";
	case SD_LAUNCH_NO_X2APIC:
		return "no x2apic";
	case SD_LAUNCH_ONE_CPU_CHUNKS:
		return "one-cpu chunks";
	case SD_LAUNCH_TOO_MANY_NODES:
		return "too many nodes";
	case SD_LAUNCH_NO_MEMORY:
		return "no memory";
	}
	return "?";
}
