/* SPDX-License-Identifier: MIT */
/*
 * Where everything of a node lives in its reserved memory (hv_facts §12):
 *
 *   control page
 *   vp_count * 2 shared pages: VP i's command page, then its register page
 *   vp_count * 11 private pages: VP i's pml4, pdpt, pd, pt, 3 stack pages,
 *                                globals, VP assist, hypercall input, output
 *
 * used_size is sidecar_required_memory(vp_count). No overflow is possible
 * once sc_validate_params accepted the node.
 */
#ifndef SIDECAR_CORE_LAYOUT_H
#define SIDECAR_CORE_LAYOUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sc_node_layout {
	uint64_t control_pa;
	uint64_t shmem_base; /* SidecarNodeOutput.shmem_pages_base */
	uint64_t shmem_size; /* SidecarNodeOutput.shmem_pages_size */
	uint64_t private_base;
	uint64_t used_size;
	uint32_t vp_count;
};

/* Physical addresses of one VP's pages. */
struct sc_vp_layout {
	uint64_t command_pa;
	uint64_t register_pa;
	uint64_t pml4_pa;
	uint64_t pdpt_pa;
	uint64_t pd_pa;
	uint64_t pt_pa;
	uint64_t stack_pa; /* first of SIDECAR_STACK_PAGES */
	uint64_t globals_pa;
	uint64_t assist_pa;
	uint64_t hcall_input_pa;
	uint64_t hcall_output_pa;
};

void sc_node_layout(uint64_t memory_base, uint32_t vp_count,
		    struct sc_node_layout *out);

/* node_cpu_index < node->vp_count. */
void sc_vp_layout(const struct sc_node_layout *node, uint32_t node_cpu_index,
		  struct sc_vp_layout *out);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_LAYOUT_H */
