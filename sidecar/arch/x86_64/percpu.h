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
	/* HEAD's per-CPU start state, copied: APs cannot see the params. */
	struct sidecar_per_cpu_state initial_state;
	struct sc_node nodes[SIDECAR_MAX_NODES];
};

extern struct sc_image_state sc_image;

/*
 * The 64-bit TSS. Only IST1 is used: the #DF gate's stack, so a stack
 * overflow (a #PF that cannot push its frame) is still reported.
 */
struct sc_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct sc_tss) == 104, "TSS size");

/* An AP's GDT: null, null, code 0x10, data 0x18, its TSS at 0x20. */
#define SC_GDT_ENTRIES 6
#define SC_SEL_TSS 0x20

struct sc_cpu {
	struct sc_cpu *self; /* %gs:0 */
	uint32_t online; /* set by the VP itself first thing: see sc_fan_out */
	uint32_t start_depth; /* in the start tree: the BSP 0, its VPs 1, ... */
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
	/*
	 * Per VP (ltr marks the TSS descriptor busy, so it cannot be shared),
	 * at the same address in every VP. Unused on the BSP.
	 */
	uint64_t gdt[SC_GDT_ENTRIES] __attribute__((aligned(16)));
	struct sc_tss tss __attribute__((aligned(16)));
};

_Static_assert(sizeof(struct sc_cpu) <= 4096, "an AP's globals page");

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
