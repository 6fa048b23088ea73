// SPDX-License-Identifier: MIT
#include "sidecar/core/layout.h"
#include "sidecar/defs.h"

#define PAGE ((uint64_t)SIDECAR_PAGE_SIZE)

/* Page indexes inside one VP's private pages (hv_facts §12). */
enum {
	VP_PML4,
	VP_PDPT,
	VP_PD,
	VP_PT,
	VP_STACK,
	VP_GLOBALS = VP_STACK + SIDECAR_STACK_PAGES,
	VP_ASSIST,
	VP_HCALL_INPUT,
	VP_HCALL_OUTPUT,
	VP_PAGES,
};

_Static_assert(VP_PAGES == SIDECAR_PER_VP_PAGES, "per-VP private pages");

void sc_node_layout(uint64_t memory_base, uint32_t vp_count,
		    struct sc_node_layout *out)
{
	out->control_pa = memory_base;
	out->shmem_base = memory_base + PAGE;
	out->shmem_size =
		(uint64_t)vp_count * SIDECAR_PER_VP_SHMEM_PAGES * PAGE;
	out->private_base = out->shmem_base + out->shmem_size;
	out->used_size = sidecar_required_memory(vp_count);
	out->vp_count = vp_count;
}

void sc_vp_layout(const struct sc_node_layout *node, uint32_t node_cpu_index,
		  struct sc_vp_layout *out)
{
	uint64_t shmem = node->shmem_base + (uint64_t)node_cpu_index *
						    SIDECAR_PER_VP_SHMEM_PAGES *
						    PAGE;
	uint64_t priv = node->private_base +
			(uint64_t)node_cpu_index * SIDECAR_PER_VP_PAGES * PAGE;

	out->command_pa = shmem;
	out->register_pa = shmem + PAGE;
	out->pml4_pa = priv + VP_PML4 * PAGE;
	out->pdpt_pa = priv + VP_PDPT * PAGE;
	out->pd_pa = priv + VP_PD * PAGE;
	out->pt_pa = priv + VP_PT * PAGE;
	out->stack_pa = priv + VP_STACK * PAGE;
	out->globals_pa = priv + VP_GLOBALS * PAGE;
	out->assist_pa = priv + VP_ASSIST * PAGE;
	out->hcall_input_pa = priv + VP_HCALL_INPUT * PAGE;
	out->hcall_output_pa = priv + VP_HCALL_OUTPUT * PAGE;
}
