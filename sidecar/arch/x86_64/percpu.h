/* SPDX-License-Identifier: MIT */
/*
 * State of the image as a whole (written by the BSP before any AP starts,
 * read by all) and of one CPU (the BSP's in the image's BSS, an AP's at
 * the start of its globals page). GS.base points at the current CPU's.
 */
#ifndef SIDECAR_ARCH_PERCPU_H
#define SIDECAR_ARCH_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "sidecar/core/dispatch.h"
#include "sidecar/core/layout.h"
#include "sidecar/defs.h"

#define SC_REQUEST_VECTOR 0x20
#define SC_SPURIOUS_VECTOR 0xff

struct sc_node {
	struct sc_node_layout layout;
	uint32_t index;
	uint32_t base_vp;
	uint32_t vp_count;
	uint32_t next_index; /* fan-out claim counter, starts at 1 */
};

struct sc_image_state {
	uint64_t image_pa;
	uint64_t image_size;
	uint64_t image_pt_pa;
	uint32_t node_count;
	bool enable_logging;
	bool dr6_shared;
	uint16_t vtl_return_offset;
	uint32_t mxcsr_mask; /* from fxsave: the MXCSR bits fxrstor accepts */
	struct sc_node nodes[SIDECAR_MAX_NODES];
};

extern struct sc_image_state sc_image;

struct sc_cpu {
	struct sc_cpu *self; /* %gs:0 */
	uint32_t online; /* set by the VP itself first thing: see sc_fan_out */
	bool is_bsp;
	uint32_t vp_index; /* the hypervisor's VP index */
	uint32_t node;
	uint32_t node_cpu_index;
	struct sc_vp_layout layout;
	/* Hypercall input and output pages. */
	void *hcall_in;
	void *hcall_out;
	uint64_t hcall_in_pa;
	uint64_t hcall_out_pa;
	/* The temporary map: one PTE, one virtual page. */
	volatile uint64_t *temp_pte;
	uint64_t temp_va;
	/* This CPU's own pages (APs only). */
	volatile uint64_t *pt;
	struct sidecar_control_page *control;
	struct sidecar_command_page *command;
	struct hv_vp_assist_page *assist;
	void *register_page;
	struct sc_vp_state vp_state;
	bool assist_mapped;
	bool register_page_mapped;
	/* Where a fatal fault's text goes, for the guest crash registers. */
	uint64_t crash_msg_pa;
	char crash_msg[256];
};

static inline struct sc_cpu *sc_this_cpu(void)
{
	struct sc_cpu *cpu;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

/* The image's physical address of an image virtual address. */
static inline uint64_t sc_image_va_to_pa(const void *va)
{
	return sc_image.image_pa + ((uint64_t)va - 0xffffff8000000000ULL);
}

#endif
