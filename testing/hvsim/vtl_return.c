// SPDX-License-Identifier: MIT
/*
 * VTL return: the lower VTL runs on SVM until it exits. Its state is the
 * VP's VTL0 register file, loaded into the VP's VMCB; RAX and RCX come from
 * the VP assist page, the other GPRs, FX state and CR2 are VTL2's, shared
 * (hv_facts §7, §15). An exit for an interrupt of VTL2's
 * ends the run with INTERRUPT and leaves the interrupt pending for the
 * sidecar to take itself; an exit VTL2 must handle becomes the intercept
 * message (§14); HLT halts VTL0 until VTL0 has an interrupt to take.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "internal.h"

#define RAX 0
#define RCX 1
#define RDX 2
#define RSP 4
#define X2APIC_SELF_IPI_MSR 0x83F

static struct hv_u128 u128(uint64_t v)
{
	struct hv_u128 r = { v, 0 };

	return r;
}

/* HvX64PendingInterruptionRegister <-> EVENTINJ / EXITINTINFO. */
static uint64_t pending_to_eventinj(uint64_t p)
{
	uint64_t type = (p >> 1) & 7, ev = 0;

	if (!(p & 1))
		return 0;
	if (type != SVM_EVTINJ_TYPE_INTR && type != SVM_EVTINJ_TYPE_NMI &&
	    type != SVM_EVTINJ_TYPE_SOFT)
		type = SVM_EVTINJ_TYPE_EXCEPTION;
	if (p & (1u << 4))
		ev = SVM_EVTINJ_EV;
	return ((p >> 16) & SVM_EVTINJ_VECTOR_MASK) |
	       type << SVM_EVTINJ_TYPE_SHIFT | ev | SVM_EVTINJ_VALID |
	       (p & 0xFFFFFFFF00000000ull);
}

static uint64_t eventinj_to_pending(uint64_t e)
{
	if (!(e & SVM_EVTINJ_VALID))
		return 0;
	return 1 | ((e >> SVM_EVTINJ_TYPE_SHIFT) & 7) << 1 |
	       (e & SVM_EVTINJ_EV ? 1u << 4 : 0) |
	       (e & SVM_EVTINJ_VECTOR_MASK) << 16 | (e & 0xFFFFFFFF00000000ull);
}

/* Up to 16 bytes at the guest's RIP, through its own page tables. */
static void fetch_insn(const struct svm_vmcb *v, struct hvsim_exit *e)
{
	struct hvsim_paging pg = {
		.cr0 = v->save.cr0,
		.cr3 = v->save.cr3,
		.cr4 = v->save.cr4,
		.efer = v->save.efer & ~SVM_EFER_SVME,
		.cpl = v->save.cpl,
		.maxphyaddr = hvsim.maxphyaddr,
		.phys = hvsim_vtl0_phys,
	};
	uint64_t la = v->save.cs.base + v->save.rip;

	e->insn_count = 0;
	if (!(v->save.efer & X86_EFER_LMA))
		la &= 0xFFFFFFFF;
	for (unsigned int i = 0; i < 16; i++) {
		uint64_t gpa = la + i;
		struct hvsim_mapping m;
		const uint8_t *b;

		if (pg.cr0 & X86_CR0_PG) {
			if (hvsim_pt_lookup(&pg, la + i, &m) !=
			    HV_TRANSLATE_GVA_SUCCESS)
				break;
			gpa = m.pa + ((la + i) & (m.size - 1));
		}
		b = hvsim_vtl0_phys(gpa, 1);
		if (!b)
			break;
		e->insn[i] = *b;
		e->insn_count = (uint8_t)(i + 1);
	}
}

static void dump_state(const struct hvsim_vp *vp, const char *why)
{
	const struct svm_vmcb *v = vp->vmcb;

	printf("hvsim: VP %u: %s: exit 0x%lx info 0x%lx 0x%lx\n"
	       "hvsim:   rip 0x%lx rsp 0x%lx rflags 0x%lx cr0 0x%lx cr3 0x%lx "
	       "cr4 0x%lx efer 0x%lx\n"
	       "hvsim:   cs %04x/%03x/%x/%lx ss %04x/%03x ds %04x/%03x tr "
	       "%04x/%03x cpl %u\n",
	       vp->rec.vp, why, v->control.exit_code, v->control.exit_info_1,
	       v->control.exit_info_2, v->save.rip, v->save.rsp, v->save.rflags,
	       v->save.cr0, v->save.cr3, v->save.cr4, v->save.efer,
	       v->save.cs.selector, v->save.cs.attrib, v->save.cs.limit,
	       v->save.cs.base, v->save.ss.selector, v->save.ss.attrib,
	       v->save.ds.selector, v->save.ds.attrib, v->save.tr.selector,
	       v->save.tr.attrib, v->save.cpl);
}

/*
 * Halted VTL0 waits for an interrupt of VTL2's by running its own HLT
 * again with the HLT intercept off: the CPU sleeps in guest mode until an
 * interrupt makes the INTR exit, without hvsim taking it or spinning.
 */
static uint64_t wait_halted(struct hvsim_vp *vp, uint64_t gprs[16], void *fx)
{
	struct svm_vmcb *v = vp->vmcb;
	uint64_t code;

	v->control.intercept_misc1 &= ~SVM_INTERCEPT_HLT;
	v->save.rip = vp->halt_rip;
	__atomic_store_n(&vp->waiting, 1, __ATOMIC_RELEASE);
	code = hvsim_svm_enter(vp, gprs, fx);
	__atomic_store_n(&vp->waiting, 0, __ATOMIC_RELEASE);
	v->control.intercept_misc1 |= SVM_INTERCEPT_HLT;
	v->save.rip = vp->halt_rip + vp->halt_len;
	return code;
}

/* Runs VTL0 until an exit for VTL2; returns the entry reason. */
static uint32_t run(struct hvsim_vp *vp, uint64_t gprs[16], void *fx)
{
	struct svm_vmcb *v = vp->vmcb;
	struct hvsim_exit e;

	for (;;) {
		uint64_t code;

		if (vp->halted && (v->control.event_inj & SVM_EVTINJ_VALID))
			vp->halted = false; /* VTL0 has an interrupt to take */
		if (vp->halted)
			code = wait_halted(vp, gprs, fx);
		else
			code = hvsim_svm_enter(vp, gprs, fx);
		switch ((uint32_t)code) {
		case SVM_EXIT_INTR:
		case SVM_EXIT_NMI:
			return HV_VTL_ENTRY_REASON_INTERRUPT;
		case SVM_EXIT_HLT:
			if (vp->halted)
				hvsim_fail(vp, "HLT exit while halted");
			fetch_insn(v, &e);
			vp->halt_len = hvsim_insn_length(e.insn, e.insn_count);
			if (!vp->halt_len)
				hvsim_fail(vp,
					   "HLT exit at 0x%lx: no hlt there",
					   v->save.rip);
			vp->halt_rip = v->save.rip;
			v->save.rip += vp->halt_len;
			vp->halted = true;
			vp->rec.halts++;
			continue;
		case SVM_EXIT_SHUTDOWN:
			dump_state(vp, "VTL0 shut down (triple fault)");
			hvsim_fail(vp, "VTL0 triple fault");
		case SVM_EXIT_INVALID:
			dump_state(vp, "VMRUN refused the VTL0 state");
			hvsim_fail(vp, "VMRUN failed: invalid VTL0 state");
		default:
			break;
		}
		memset(&e, 0, sizeof(e));
		e.vp_index = vp->rec.vp;
		memcpy(e.gprs, gprs, sizeof(e.gprs));
		e.gprs[RAX] = v->save.rax;
		e.gprs[RSP] = v->save.rsp;
		fetch_insn(v, &e);
		e.insn_len = hvsim_insn_length(e.insn, e.insn_count);
		if (code == SVM_EXIT_CPUID) {
			uint32_t r[4];

			cpuid((uint32_t)v->save.rax, (uint32_t)gprs[RCX], &r[0],
			      &r[1], &r[2], &r[3]);
			memcpy(e.cpuid_default, r, sizeof(r));
		}
		if (!hvsim_exit_message(v, &e, &vp->last_message)) {
			dump_state(vp, "unexpected exit");
			hvsim_fail(vp, "VTL0 exit 0x%lx is not modelled", code);
		}
		return HV_VTL_ENTRY_REASON_INTERCEPT;
	}
}

static void fill_register_page(struct hvsim_vp *vp, uint64_t value,
			       const uint64_t gprs[16],
			       const struct x86_fxsave *fx)
{
	const struct svm_vmcb_save *s = &vp->vmcb->save;
	const struct svm_segment *segs[6] = { &s->es, &s->cs, &s->ss,
					      &s->ds, &s->fs, &s->gs };
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
	rp->rip = s->rip;
	rp->rflags = s->rflags;
	for (uint32_t i = 0; i < 6; i++) {
		memcpy(&rp->xmm[i], fx->xmm[i], 16);
		rp->segment[i] = hvsim_vmcb_segment(segs[i]);
	}
	rp->cr0 = s->cr0;
	rp->cr3 = s->cr3;
	rp->cr4 = s->cr4;
	rp->cr8 = vp->vmcb->control.int_ctl & 0xF;
	rp->efer = s->efer & ~SVM_EFER_SVME;
	rp->dr7 = s->dr7;
	rp->pending_interruption =
		hvsim_regfile_get(rf, HV_REGISTER_PENDING_INTERRUPTION).low;
	rp->interrupt_state =
		hvsim_regfile_get(rf, HV_REGISTER_INTERRUPT_STATE).low;
	rp->instruction_emulation_hints = 0;
	__atomic_store_n(&rp->is_valid, 1, __ATOMIC_RELEASE);
}

/*
 * VTL2's VMMCALL in the VTL-return entry: VTL0 runs with VTL2's GPRs
 * (shared, as are the FX state and CR2) but RAX and RCX, which come from
 * the assist page; when it exits, VTL2 goes on after the VMMCALL with
 * VTL0's GPRs, RAX and RCX included, and its own RSP, RIP and RFLAGS.
 */
void hvsim_vtl_return(struct hvsim_vp *vp)
{
	uint64_t tsc = rdtsc(), assist_value, regpage_value;
	struct hvsim_regfile *vtl0 = &vp->rf[HVSIM_RF_VTL0];
	struct svm_vmcb *v = vp->vmcb, *v2 = vp->vtl2;
	struct hv_vp_assist_page *assist;
	uint64_t *gprs = vp->gprs;
	uint32_t reason;

	hvsim_lock(vp);
	assist_value = hvsim_regfile_get(&vp->rf[HVSIM_RF_VTL2],
					 HV_REGISTER_VP_ASSIST_PAGE)
			       .low;
	regpage_value = hvsim_regfile_get(&vp->rf[HVSIM_RF_VTL2],
					  HV_REGISTER_REGISTER_PAGE)
				.low;
	hvsim_unlock(vp);
	if (!hv_overlay_page_enabled(assist_value))
		hvsim_fail(vp,
			   "VTL return without a VP assist page (set "
			   "VpAssistPage 0x%x first)",
			   HV_REGISTER_VP_ASSIST_PAGE);
	assist = hvsim_phys(hv_overlay_page_pa(assist_value), sizeof(*assist));

	gprs[RAX] = assist->vtl_control.registers[0];
	gprs[RCX] = assist->vtl_control.registers[1];
	vp->rec.vtl_returns++;

	hvsim_lock(vp);
	hvsim_svm_prepare(vp);
	hvsim_vmcb_load(v, vtl0, gprs[RAX], v2->save.cr2);
	v->control.event_inj = pending_to_eventinj(
		hvsim_regfile_get(vtl0, HV_REGISTER_PENDING_INTERRUPTION).low);
	hvsim_unlock(vp);

	if (vp->entry_irq) {
		/* Pending before VMRUN: the INTR exit comes at once. */
		wrmsr(X2APIC_SELF_IPI_MSR, vp->entry_irq);
		vp->entry_irq = 0;
		vp->rec.entry_irqs++;
	}
	reason = run(vp, gprs, vp->fx);

	gprs[RAX] = v->save.rax;
	gprs[RSP] = v->save.rsp;
	v2->save.cr2 = v->save.cr2;
	if (reason == HV_VTL_ENTRY_REASON_INTERCEPT) {
		memcpy(&assist->intercept_message, &vp->last_message,
		       sizeof(vp->last_message));
		vp->rec.exits_intercept++;
	} else {
		vp->rec.exits_interrupt++;
	}
	assist->vtl_control.entry_reason = reason;

	hvsim_lock(vp);
	hvsim_vmcb_store(v, vtl0);
	for (uint32_t i = 0; i < 16; i++)
		hvsim_regfile_set(vtl0, HV_REGISTER_RAX + i, u128(gprs[i]));
	hvsim_regfile_set(vtl0, HV_REGISTER_CR2, u128(v->save.cr2));
	hvsim_regfile_set(vtl0, HV_REGISTER_PENDING_INTERRUPTION,
			  u128(eventinj_to_pending(v->control.exit_int_info)));
	fill_register_page(vp, regpage_value, gprs, vp->fx);
	hvsim_unlock(vp);
	gprs[RSP] = 0; /* VTL2's RSP is in its VMCB */
	hvsim_log_call(vp, HV_CALL_VTL_RETURN, HV_STATUS_SUCCESS, reason, tsc);
}
