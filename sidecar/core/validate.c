// SPDX-License-Identifier: MIT
#include "sidecar/core/error.h"
#include "sidecar/core/validate.h"

#define PAGE_MASK ((uint64_t)SIDECAR_PAGE_SIZE - 1)
#define MIN_VPS 2 /* the base VP is Linux's: a node needs one more */

/* The messages print u64 through %llx: the same type on every target. */
typedef unsigned long long ull;

/* [base, end) with end computed without wrapping: 2^64 saturates. */
static uint64_t range_end(uint64_t base, uint64_t size)
{
	return size > UINT64_MAX - base ? UINT64_MAX : base + size;
}

/* An empty range overlaps nothing, even inside another range. */
static bool ranges_overlap(uint64_t a, uint64_t a_end, uint64_t b,
			   uint64_t b_end)
{
	return a < a_end && b < b_end && a < b_end && b < a_end;
}

static bool check_node(const struct sidecar_node_params *n, uint32_t i,
		       struct sidecar_command_error *err)
{
	uint64_t required;

	if (n->vp_count < MIN_VPS || n->vp_count > SIDECAR_MAX_VPS_PER_NODE) {
		sc_error_set(err, "node %u: vp_count %u not in %u..=%u", i,
			     n->vp_count, MIN_VPS, SIDECAR_MAX_VPS_PER_NODE);
		return false;
	}
	if (n->memory_base == 0) {
		sc_error_set(err, "node %u: memory_base is zero", i);
		return false;
	}
	if (n->memory_base & PAGE_MASK) {
		sc_error_set(err,
			     "node %u: memory_base 0x%llx not page aligned", i,
			     (ull)n->memory_base);
		return false;
	}
	if (n->memory_size & PAGE_MASK) {
		sc_error_set(err,
			     "node %u: memory_size 0x%llx not a page multiple",
			     i, (ull)n->memory_size);
		return false;
	}
	required = sidecar_required_memory(n->vp_count);
	if (n->memory_size < required) {
		sc_error_set(err,
			     "node %u: memory_size 0x%llx < required 0x%llx", i,
			     (ull)n->memory_size, (ull)required);
		return false;
	}
	if (n->memory_size > UINT64_MAX - n->memory_base) {
		sc_error_set(
			err,
			"node %u: memory_base 0x%llx + memory_size 0x%llx overflows",
			i, (ull)n->memory_base, (ull)n->memory_size);
		return false;
	}
	if (n->vp_count > UINT32_MAX - n->base_vp) {
		sc_error_set(err, "node %u: base_vp %u + vp_count %u overflows",
			     i, n->base_vp, n->vp_count);
		return false;
	}
	return true;
}

static bool check_memory_pairs(const struct sidecar_params *p,
			       struct sidecar_command_error *err)
{
	for (uint32_t j = 1; j < p->node_count; j++) {
		const struct sidecar_node_params *b = &p->nodes[j];
		uint64_t b_end = b->memory_base + b->memory_size;

		for (uint32_t i = 0; i < j; i++) {
			const struct sidecar_node_params *a = &p->nodes[i];
			uint64_t a_end = a->memory_base + a->memory_size;

			if (!ranges_overlap(b->memory_base, b_end,
					    a->memory_base, a_end))
				continue;
			sc_error_set(
				err,
				"node %u: memory [0x%llx, 0x%llx) overlaps node %u memory [0x%llx, 0x%llx)",
				j, (ull)b->memory_base, (ull)b_end, i,
				(ull)a->memory_base, (ull)a_end);
			return false;
		}
	}
	return true;
}

static bool check_reserved(const struct sidecar_params *p,
			   const struct sc_reserved_range *reserved,
			   size_t n_reserved, struct sidecar_command_error *err)
{
	for (uint32_t j = 0; j < p->node_count; j++) {
		const struct sidecar_node_params *b = &p->nodes[j];
		uint64_t b_end = b->memory_base + b->memory_size;

		for (size_t r = 0; r < n_reserved; r++) {
			const struct sc_reserved_range *res = &reserved[r];
			uint64_t r_end = range_end(res->base, res->size);

			if (!ranges_overlap(b->memory_base, b_end, res->base,
					    r_end))
				continue;
			sc_error_set(
				err,
				"node %u: memory [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
				j, (ull)b->memory_base, (ull)b_end,
				res->what ? res->what : "a reserved range",
				(ull)res->base, (ull)r_end);
			return false;
		}
	}
	return true;
}

static bool check_vp_pairs(const struct sidecar_params *p,
			   struct sidecar_command_error *err)
{
	for (uint32_t j = 1; j < p->node_count; j++) {
		const struct sidecar_node_params *b = &p->nodes[j];
		uint32_t b_end = b->base_vp + b->vp_count;

		for (uint32_t i = 0; i < j; i++) {
			const struct sidecar_node_params *a = &p->nodes[i];
			uint32_t a_end = a->base_vp + a->vp_count;

			if (!(b->base_vp < a_end && a->base_vp < b_end))
				continue;
			sc_error_set(
				err,
				"node %u: VPs [%u, %u) overlap node %u VPs [%u, %u)",
				j, b->base_vp, b_end, i, a->base_vp, a_end);
			return false;
		}
	}
	return true;
}

/*
 * HEAD's per-CPU start state. A Rust bool other than 0 or 1 is not a
 * value the loader could have meant. A node must be covered by the array
 * (openhcl_boot only specifies it for VMs that fit), and must keep at
 * least one AP: the base VP is the main kernel's whatever its entry says,
 * and a node of the main kernel's CPUs only is no sidecar node.
 */
static bool check_initial_state(const struct sidecar_params *p,
				struct sidecar_command_error *err)
{
	const struct sidecar_per_cpu_state *s = &p->initial_state;
	const uint32_t cap = SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE;

	if (s->per_cpu_state_specified > 1) {
		sc_error_set(
			err,
			"initial_state.per_cpu_state_specified %u not 0 or 1",
			s->per_cpu_state_specified);
		return false;
	}
	if (!s->per_cpu_state_specified)
		return true;
	for (uint32_t i = 0; i < p->node_count; i++) {
		const struct sidecar_node_params *n = &p->nodes[i];
		uint32_t end = n->base_vp + n->vp_count, aps = 0;

		if (n->base_vp >= cap || n->vp_count > cap - n->base_vp) {
			sc_error_set(
				err,
				"node %u: VPs [%u, %u) beyond the %u entries of initial_state.sidecar_starts_cpu",
				i, n->base_vp, end, cap);
			return false;
		}
		for (uint32_t vp = n->base_vp; vp < end; vp++) {
			uint8_t v = s->sidecar_starts_cpu[vp];

			if (v > 1) {
				sc_error_set(
					err,
					"node %u: initial_state.sidecar_starts_cpu[%u] %u not 0 or 1",
					i, vp, v);
				return false;
			}
			if (vp != n->base_vp && v)
				aps++;
		}
		if (!aps) {
			sc_error_set(
				err,
				"node %u: no AP left to the sidecar: initial_state.sidecar_starts_cpu[%u..%u] all 0",
				i, n->base_vp + 1, end - 1);
			return false;
		}
	}
	return true;
}

bool sc_validate_params(const struct sidecar_params *p,
			const struct sc_reserved_range *reserved,
			size_t n_reserved, struct sidecar_command_error *err)
{
	if (p->node_count < 1 || p->node_count > SIDECAR_MAX_NODES) {
		sc_error_set(err, "node_count %u not in 1..=%u", p->node_count,
			     SIDECAR_MAX_NODES);
		return false;
	}
	if (p->hypercall_page == 0) {
		sc_error_set(err, "hypercall_page is zero");
		return false;
	}
	if (p->hypercall_page & PAGE_MASK) {
		sc_error_set(err, "hypercall_page 0x%llx not page aligned",
			     (ull)p->hypercall_page);
		return false;
	}
	for (uint32_t i = 0; i < p->node_count; i++)
		if (!check_node(&p->nodes[i], i, err))
			return false;
	return check_memory_pairs(p, err) &&
	       check_reserved(p, reserved, n_reserved, err) &&
	       check_vp_pairs(p, err) && check_initial_state(p, err);
}
