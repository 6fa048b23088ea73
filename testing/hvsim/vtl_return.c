// SPDX-License-Identifier: MIT
/*
 * VTL return: the lower VTL runs in hvsim's model until it exits. Its
 * RAX and RCX come from the VP assist page, the other GPRs from the
 * stub's frame, FX state and CR2 as they were live; the exit reason and
 * intercept message go to the assist page, the state to the register page
 * (when mapped) and to the VTL0 register file.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "internal.h"

#define RAX 0
#define RCX 1
#define RSP 4

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/*
 * Interrupts reach the image the way it expects: through its IDT with its
 * GS, on hvsim's stack and table (slot 511 stays mapped). With wait, this
 * CPU sleeps in hlt until one arrives instead of burning a host core;
 * without, an interrupt already pending is taken in a one-instruction
 * window. Taking it here matters: an image that polls for its next
 * command before sleeping leaves the request IPI pending and runs the
 * lower VTL with interrupts off, so an INTERRUPT exit that did not deliver
 * the interrupt would repeat forever.
 */
static void take_interrupt(struct hvsim_vp *vp, const struct hvsim_saved *s,
			   bool wait)
{
	struct desc_ptr ours;
	uint64_t gs = rdmsr(MSR_GS_BASE);

	__asm__ volatile("sidt %0" : "=m"(ours));
	if (wait)
		__atomic_store_n(&vp->waiting, 1, __ATOMIC_RELEASE);
	__asm__ volatile("lidt %0" : : "m"(s->idtr));
	wrmsr(MSR_GS_BASE, s->gs_base);
	if (wait)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	else
		__asm__ volatile("sti; nop; cli" : : : "memory");
	wrmsr(MSR_GS_BASE, gs);
	__asm__ volatile("lidt %0" : : "m"(ours));
	if (wait)
		__atomic_store_n(&vp->waiting, 0, __ATOMIC_RELEASE);
}

/* Runs guest steps until an exit; returns the entry reason. */
static uint32_t run_model(struct hvsim_vp *vp, const struct hvsim_saved *s,
			  uint64_t gprs[16], uint64_t *cr2, uint64_t *rip,
			  struct x86_fxsave *fx)
{
	struct hvsim_model_cfg cfg;

	hvsim_lock(vp);
	cfg = vp->model;
	hvsim_unlock(vp);
	for (;;) {
		if (hvsim_apic_irr_pending()) {
			take_interrupt(vp, s, false);
			return HV_VTL_ENTRY_REASON_INTERRUPT;
		}
		hvsim_model_step(&cfg, gprs, cr2, rip, fx);
		vp->rec.model_steps++;
		if (!cfg.intercept_after) {
			take_interrupt(vp, s, true);
			return HV_VTL_ENTRY_REASON_INTERRUPT;
		}
		if (++vp->steps_since_intercept < cfg.intercept_after)
			continue;
		vp->steps_since_intercept = 0;
		if (cfg.intercept_once) {
			hvsim_lock(vp);
			vp->model.intercept_after = 0;
			hvsim_unlock(vp);
		}
		return HV_VTL_ENTRY_REASON_INTERCEPT;
	}
}

static struct hv_u128 u128(uint64_t v)
{
	struct hv_u128 r = { v, 0 };

	return r;
}

static void fill_register_page(struct hvsim_vp *vp, uint64_t value,
			       const uint64_t gprs[16], uint64_t rip,
			       uint64_t rflags, const struct x86_fxsave *fx)
{
	static const uint32_t segs[6] = { HV_REGISTER_ES, HV_REGISTER_CS,
					  HV_REGISTER_SS, HV_REGISTER_DS,
					  HV_REGISTER_FS, HV_REGISTER_GS };
	const struct hvsim_regfile *rf = &vp->rf[HVSIM_RF_VTL0];
	struct hv_x64_register_page *rp;

	if (!hv_overlay_page_enabled(value))
		return;
	rp = hvsim_phys(hv_overlay_page_pa(value), sizeof(*rp));
	if (!rp)
		return; /* refused when it was set */
	__atomic_store_n(&rp->is_valid, 0, __ATOMIC_RELEASE);
	rp->version = 1;
	rp->vtl = 0;
	rp->dirty = 0;
	memcpy(rp->gp_registers, gprs, sizeof(rp->gp_registers));
	rp->rip = rip;
	rp->rflags = rflags;
	for (uint32_t i = 0; i < 6; i++) {
		struct hv_u128 sv = hvsim_regfile_get(rf, segs[i]);

		memcpy(&rp->xmm[i], fx->xmm[i], 16);
		memcpy(&rp->segment[i], &sv, sizeof(rp->segment[i]));
	}
	rp->cr0 = hvsim_regfile_get(rf, HV_REGISTER_CR0).low;
	rp->cr3 = hvsim_regfile_get(rf, HV_REGISTER_CR3).low;
	rp->cr4 = hvsim_regfile_get(rf, HV_REGISTER_CR4).low;
	rp->cr8 = hvsim_regfile_get(rf, HV_REGISTER_CR8).low;
	rp->efer = hvsim_regfile_get(rf, HV_REGISTER_EFER).low;
	rp->dr7 = hvsim_regfile_get(rf, HV_REGISTER_DR7).low;
	rp->pending_interruption =
		hvsim_regfile_get(rf, HV_REGISTER_PENDING_INTERRUPTION).low;
	rp->interrupt_state =
		hvsim_regfile_get(rf, HV_REGISTER_INTERRUPT_STATE).low;
	rp->instruction_emulation_hints = 0;
	__atomic_store_n(&rp->is_valid, 1, __ATOMIC_RELEASE);
}

void hvsim_vtl_return(struct hvsim_vp *vp, struct hvsim_frame *f,
		      const struct hvsim_saved *s)
{
	uint64_t tsc = rdtsc(), assist_value, regpage_value, rip, rflags;
	struct hv_vp_assist_page *assist;
	uint64_t gprs[16], cr2 = f->cr2;
	struct hvsim_regfile *vtl0 = &vp->rf[HVSIM_RF_VTL0];
	uint32_t reason;

	if (read_rflags() & RFLAGS_IF)
		hvsim_fail(vp, "VTL return with interrupts enabled");
	if (f->gpr[RCX])
		hvsim_fail(vp,
			   "VTL return with RCX 0x%lx (only the normal "
			   "return, RCX = 0, is modelled)",
			   f->gpr[RCX]);
	hvsim_lock(vp);
	assist_value = hvsim_regfile_get(&vp->rf[HVSIM_RF_VTL2],
					 HV_REGISTER_VP_ASSIST_PAGE)
			       .low;
	regpage_value = hvsim_regfile_get(&vp->rf[HVSIM_RF_VTL2],
					  HV_REGISTER_REGISTER_PAGE)
				.low;
	rip = hvsim_regfile_get(vtl0, HV_REGISTER_RIP).low;
	rflags = hvsim_regfile_get(vtl0, HV_REGISTER_RFLAGS).low;
	gprs[RSP] = hvsim_regfile_get(vtl0, HV_REGISTER_RSP).low;
	hvsim_unlock(vp);
	if (!hv_overlay_page_enabled(assist_value))
		hvsim_fail(vp,
			   "VTL return without a VP assist page (set "
			   "VpAssistPage 0x%x first)",
			   HV_REGISTER_VP_ASSIST_PAGE);
	assist = hvsim_phys(hv_overlay_page_pa(assist_value), sizeof(*assist));

	for (uint32_t i = 0; i < 16; i++)
		if (i != RSP)
			gprs[i] = f->gpr[i];
	gprs[RAX] = assist->vtl_control.registers[0];
	gprs[RCX] = assist->vtl_control.registers[1];
	vp->rec.vtl_returns++;

	reason = run_model(vp, s, gprs, &cr2, &rip, f->fx);

	for (uint32_t i = 0; i < 16; i++)
		if (i != RSP)
			f->gpr[i] = gprs[i];
	f->cr2 = cr2;
	if (reason == HV_VTL_ENTRY_REASON_INTERCEPT) {
		hvsim_model_message(&vp->model, vp->rec.vp, vp->intercepts++,
				    gprs, rip, rflags, &vp->last_message);
		memcpy(&assist->intercept_message, &vp->last_message,
		       sizeof(vp->last_message));
		vp->rec.exits_intercept++;
	} else {
		vp->rec.exits_interrupt++;
	}
	assist->vtl_control.entry_reason = reason;

	hvsim_lock(vp);
	for (uint32_t i = 0; i < 16; i++)
		if (i != RSP)
			hvsim_regfile_set(vtl0, HV_REGISTER_RAX + i,
					  u128(gprs[i]));
	hvsim_regfile_set(vtl0, HV_REGISTER_RIP, u128(rip));
	hvsim_regfile_set(vtl0, HV_REGISTER_CR2, u128(cr2));
	fill_register_page(vp, regpage_value, gprs, rip, rflags, f->fx);
	hvsim_unlock(vp);
	hvsim_log_call(vp, HV_CALL_VTL_RETURN, HV_STATUS_SUCCESS, reason, tsc);
}
