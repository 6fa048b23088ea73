// SPDX-License-Identifier: MIT
/*
 * A started VP arrives here from the trampoline (arch/ap.S) on its hvsim
 * stack. It switches to its hvsim table, loads the context's control
 * registers while the kernel's IDT can still report a fault and leaves
 * through the launch stub of the page copy the starter called
 * (hvsim_launch_asm does the descriptor tables and segments). Nothing is
 * written into the VP's memory: the stub's iretq frame is on hvsim's
 * stack.
 */
#include <stddef.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>

#include "internal.h"

/* The offsets arch/ap.S uses. */
#define CTX_OFF(f) offsetof(struct hv_initial_vp_context_x64, f)
_Static_assert(CTX_OFF(ds.selector) == 40 + 12, "ds");
_Static_assert(CTX_OFF(fs.base) == 72, "fs");
_Static_assert(CTX_OFF(gs.base) == 88, "gs");
_Static_assert(CTX_OFF(tr.selector) == 120 + 12, "tr");
_Static_assert(CTX_OFF(ldtr.selector) == 136 + 12, "ldtr");
_Static_assert(CTX_OFF(idtr.limit) == 152 + 6, "idtr");
_Static_assert(CTX_OFF(gdtr.limit) == 168 + 6, "gdtr");
_Static_assert(CTX_OFF(gdtr.base) == 168 + 8, "gdtr base");
_Static_assert(CTX_OFF(cr3) == 200, "cr3");
_Static_assert(CTX_OFF(rip) == 0 && CTX_OFF(rsp) == 8 && CTX_OFF(rflags) == 16,
	       "rip rsp rflags");
_Static_assert(CTX_OFF(cs.selector) == 24 + 12, "cs");
_Static_assert(CTX_OFF(ss.selector) == 104 + 12, "ss");

void hvsim_ap_main(uint32_t apic_id)
{
	struct hvsim_vp *vp = hvsim_vp_by_apic(apic_id);
	struct cpu *c = vp ? vp->cpu : NULL;
	const struct hv_initial_vp_context_x64 *ctx;

	if (!c)
		halt_forever(); /* not ours: nobody to tell */
	percpu_set(c);
	idt_load();
	if (__atomic_load_n(&vp->rec.state, __ATOMIC_ACQUIRE) !=
	    HVSIM_VP_STARTING)
		panic("hvsim: VP %u (x2APIC ID %u) arrived without a start "
		      "request",
		      vp->rec.vp, apic_id);
	vp->rec.arrive_tsc = rdtsc();
	__atomic_store_n(&vp->rec.state, HVSIM_VP_ARRIVED, __ATOMIC_RELEASE);
	__atomic_store_n(&c->started, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);

	ctx = &vp->start_ctx;
	write_cr3((uintptr_t)vp->pml4);
	wrmsr(X86_MSR_PAT, ctx->msr_cr_pat);
	wrmsr(X86_MSR_EFER, ctx->efer);
	write_cr4(ctx->cr4);
	write_cr0(ctx->cr0);
	__atomic_store_n(&vp->rec.state, HVSIM_VP_RUNNING, __ATOMIC_RELEASE);
	hvsim_launch_asm(ctx, vp->page_va + HVSIM_PAGE_LAUNCH_OFFSET,
			 &vp->rec.launch_tsc);
}
