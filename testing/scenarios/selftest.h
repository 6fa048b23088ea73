/* SPDX-License-Identifier: MIT */
/*
 * hvsim-selftest: the address space the self-test builds "like the image"
 * and the data its started CPUs share with the BSP.
 *
 * Everything a started CPU touches lives in PML4 slot 511: the copy of the
 * hypercall page, the AP program (a page-aligned code section of the test
 * kernel, mapped there too), descriptor tables, shared data, and per VP a
 * data page, hypercall input/output, VP assist and register pages, VTL
 * return buffers and a 12 KiB stack. Its PML4 maps nothing else.
 */
#ifndef SCENARIOS_SELFTEST_H
#define SCENARIOS_SELFTEST_H

#include "hv/hvdef.h"

#define ST_BASE HV_U64(0xffffff8000000000)
#define ST_PAGE_VA (ST_BASE + 0x0000) /* the page copy, RX */
#define ST_CODE_VA (ST_BASE + 0x1000) /* the AP program, RX */
#define ST_CODE_MAX_PAGES 14
#define ST_GDT_VA (ST_BASE + 0x10000) /* R, NX */
#define ST_IDT_VA (ST_BASE + 0x11000) /* R, NX */
#define ST_SHARED_VA (ST_BASE + 0x20000) /* RW, NX */
#define ST_SHARED_PAGES 2
#define ST_VP_STRIDE 0x10000
#define ST_VP_VA(vp) (ST_BASE + 0x100000 + (vp) * HV_U64(ST_VP_STRIDE))
/* Offsets inside a VP's region (all RW, NX). */
#define ST_VP_DATA 0x0000
#define ST_VP_IN 0x1000
#define ST_VP_OUT 0x2000
#define ST_VP_ASSIST 0x3000
#define ST_VP_REGPAGE 0x4000
#define ST_VP_IO 0x5000 /* two pages */
#define ST_VP_STACK 0x8000 /* three pages, then an unmapped guard */
#define ST_VP_STACK_TOP 0xB000

#define ST_IRQ_VECTOR 0x20
#define ST_IDT_ENTRIES 33 /* 0..0x20, like the sidecar's */
#define ST_CS 0x10
#define ST_DS 0x18

/* AP progress, in struct st_vp.phase. */
#define ST_PHASE_NONE 0
#define ST_PHASE_ARRIVED 1
#define ST_PHASE_STARTED 2 /* done with the fan-out */
#define ST_PHASE_WAIT 3 /* about to wait in the model for an IPI */
#define ST_PHASE_DONE 4

#define ST_NR_TRANSLATE 10
#define ST_NR_VTL 3 /* intercept after 3 steps, pending IRQ, IPI wake */
#define ST_INTERCEPT_STEPS 3

/* The Get whose first call the BSP makes fail by injection. */
#define ST_INJECT_STATUS HV_STATUS_INSUFFICIENT_MEMORY
/* An always-failing injection on a code hvsim does not implement. */
#define ST_ALWAYS_CODE HV_CALL_TRANSLATE_VIRTUAL_ADDRESS
#define ST_ALWAYS_STATUS HV_STATUS_ACCESS_DENIED

#define ST_CRASH_P0 HV_U64(0x54534c4553495648) /* "HVSIMSLT" */

#define ST_SHARED_IRQS 3080 /* offsetof(struct st_shared, irqs) */

/* struct st_vtl_io offsets, for the assembly. */
#define ST_IO_IN 0
#define ST_IO_IN_CR2 128
#define ST_IO_OUT 136
#define ST_IO_OUT_CR2 264
#define ST_IO_ASSIST 272
#define ST_IO_TARGET 280
#define ST_IO_FX_IN 304
#define ST_IO_FX_OUT 816

#define ST_EXC_STUB_SIZE 16

/* Where st_ap_entry copies the 5 words below its initial RSP. */
#define ST_VP_BELOW_RSP 0
#define ST_BELOW_RSP_WORDS 5
#define ST_BELOW_RSP_CANARY HV_U64(0x5afe57acc0ffee00)

#ifndef __ASSEMBLER__

struct st_shared {
	uint32_t next; /* fan-out: the next index of order[] to claim */
	uint32_t count;
	uint32_t order[256];
	uint16_t enable_status[256];
	uint16_t start_status[256];
	uint32_t started_by[256];
	uint32_t irqs[256]; /* by x2APIC ID, counted by the IRQ handler */
	uint16_t vp_of_apic[256]; /* VP index by x2APIC ID (MADT order) */
};

/* One VP's part: set up by the BSP, results written by the VP. */
struct st_vp {
	/* From the VP: what was below its initial RSP when it started. */
	uint64_t below_rsp[ST_BELOW_RSP_WORDS]; /* at ST_VP_BELOW_RSP */
	/* From the BSP. */
	uint32_t vp;
	uint32_t bsp;
	uint64_t in_va, in_pa, out_va, out_pa;
	uint64_t assist_va, assist_pa, regpage_pa;
	uint64_t io_va, io_pa;
	uint64_t self_pa;
	uint64_t guest_cr3;
	uint64_t tr_gva[ST_NR_TRANSLATE];
	uint64_t tr_flags[ST_NR_TRANSLATE];
	uint32_t do_negative;
	uint32_t do_crash;
	uint32_t crash_len;
	uint8_t crash_msg[64];
	struct hv_initial_vp_context_x64 ctx; /* how to start this VP */
	/* VTL0: guest_steps (testing/guests), loaded by the BSP. */
	uint64_t g_cr0, g_cr3, g_cr4, g_efer, g_rip, g_hlt_rip;

	/* From the VP. */
	uint32_t phase;
	uint32_t fault_vector; /* + 1 when its exception handler ran */
	uint64_t arrive_tsc;
	uint16_t neg_enable_self, neg_start_self, neg_start_bsp;
	uint16_t neg_enable_bad, neg_start_bad;
	uint16_t set_assist, set_regpage, set_assist_bad;
	uint16_t get_offsets, get_caps, get_vp_index;
	uint16_t get_unknown, set_unknown, set_read_only;
	uint16_t get_injected, get_after_injection;
	uint16_t always1, always2;
	uint16_t set_rip, get_rip, get_rip_vtl2;
	uint16_t get_vtl1, get_vtl3;
	uint64_t offsets, caps, vp_index_value, rip_back, rip_vtl2;
	uint16_t preserve_status;
	uint64_t preserve_mask; /* registers a hypercall changed */
	uint16_t tr_setup[4];
	uint16_t tr_status[ST_NR_TRANSLATE];
	uint64_t tr_result[ST_NR_TRANSLATE];
	uint64_t tr_gpa[ST_NR_TRANSLATE];
	uint16_t crash_status[6];
	uint32_t irq_before[ST_NR_VTL];
	uint32_t irq_after[ST_NR_VTL];
};

/* VTL return buffers (at ST_VP_IO); offsets are used by the assembly. */
struct st_vtl_result {
	uint64_t gprs[16];
	uint64_t cr2;
	uint32_t reason;
	uint32_t pad;
	struct x86_fxsave fx;
};

struct st_vtl_io {
	uint64_t in[16]; /* the lower VTL's GPRs, hvdef order; [4] unused */
	uint64_t in_cr2;
	uint64_t out[16];
	uint64_t out_cr2;
	uint64_t assist_va;
	uint64_t target; /* page copy + return offset */
	uint64_t pad[2];
	struct x86_fxsave fx_in;
	struct x86_fxsave fx_out;
	struct st_vtl_result res[ST_NR_VTL];
	struct hv_message msg; /* the intercept message after res[0] */
} __attribute__((aligned(16)));

_Static_assert(__builtin_offsetof(struct st_vtl_io, in_cr2) == ST_IO_IN_CR2,
	       "in_cr2");
_Static_assert(__builtin_offsetof(struct st_vtl_io, out) == ST_IO_OUT, "out");
_Static_assert(__builtin_offsetof(struct st_vp, below_rsp) == ST_VP_BELOW_RSP,
	       "below_rsp");
_Static_assert(__builtin_offsetof(struct st_vtl_io, out_cr2) == ST_IO_OUT_CR2,
	       "out_cr2");
_Static_assert(__builtin_offsetof(struct st_vtl_io, assist_va) == ST_IO_ASSIST,
	       "assist");
_Static_assert(__builtin_offsetof(struct st_vtl_io, target) == ST_IO_TARGET,
	       "target");
_Static_assert(__builtin_offsetof(struct st_vtl_io, fx_in) == ST_IO_FX_IN,
	       "fx_in");
_Static_assert(__builtin_offsetof(struct st_vtl_io, fx_out) == ST_IO_FX_OUT,
	       "fx_out");
_Static_assert(sizeof(struct st_vtl_io) <= 2 * 4096, "io fits");
_Static_assert(__builtin_offsetof(struct st_shared, irqs) == ST_SHARED_IRQS,
	       "irqs");
_Static_assert(sizeof(struct st_vp) <= 4096, "st_vp fits");
_Static_assert(sizeof(struct st_shared) <= ST_SHARED_PAGES * 4096,
	       "shared fits");

/* The AP program (selftest_ap.c, selftest_ap.S), in its own section. */
extern const char st_ap_start[], st_ap_end[];
extern const char st_ap_entry[], st_irq_entry[], st_exc_entries[];

/*
 * Claims indexes of sh->order and starts those VPs (EnableVpVtl, then
 * StartVirtualProcessor), at most max_claims of them: what the BSP and
 * every started VP do. d is the caller's own st_vp.
 */
void st_fanout(struct st_vp *d, struct st_shared *sh, uint32_t max_claims);
/* A VTL return the way the sidecar makes it (selftest_ap.S). */
void st_vtl_return(struct st_vtl_io *io);
/* Hypercall through the page copy; RAX (the HypercallOutput) returned. */
uint64_t st_hypercall(uint64_t control, uint64_t in_pa, uint64_t out_pa);
/* Get/SetVpRegisters of the caller (HV_VP_INDEX_SELF); the status. */
uint16_t st_get(struct st_vp *d, uint8_t vtl, uint32_t name, uint64_t *value);
uint16_t st_set(struct st_vp *d, uint8_t vtl, uint32_t name, uint64_t value);
/* EnableVpVtl or StartVirtualProcessor of target with ctx; the status. */
uint16_t st_vp_call(struct st_vp *d, uint16_t code, uint32_t target,
		    const struct hv_initial_vp_context_x64 *ctx);

#endif /* !__ASSEMBLER__ */

#endif
