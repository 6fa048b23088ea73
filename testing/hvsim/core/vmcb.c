// SPDX-License-Identifier: MIT
/*
 * A VP's VTL0 register file to and from the VMCB save area. Hyper-V names
 * the state by register; VMRUN takes it as one block. Only the save area
 * is touched: the control area (intercepts, nested paging, event
 * injection) is the run loop's.
 */
#include "hvsim/vmcb.h"

uint16_t hvsim_svm_attrib(uint16_t a)
{
	return (uint16_t)((a & 0xFFu) | ((a >> 4) & 0xF00u));
}

uint16_t hvsim_hv_attrib(uint16_t a)
{
	return (uint16_t)((a & 0xFFu) | ((a & 0xF00u) << 4));
}

static uint64_t get(const struct hvsim_regfile *rf, uint32_t name)
{
	return hvsim_regfile_get(rf, name).low;
}

static void put(struct hvsim_regfile *rf, uint32_t name, uint64_t v)
{
	struct hv_u128 r = { v, 0 };

	hvsim_regfile_set(rf, name, r);
}

static struct svm_segment seg_in(const struct hvsim_regfile *rf, uint32_t name)
{
	struct hv_u128 r = hvsim_regfile_get(rf, name);
	struct svm_segment s;

	/* HvX64SegmentRegister: base, limit, selector, attributes. */
	s.base = r.low;
	s.limit = (uint32_t)r.high;
	s.selector = (uint16_t)(r.high >> 32);
	s.attrib = hvsim_svm_attrib((uint16_t)(r.high >> 48));
	return s;
}

static void seg_out(struct hvsim_regfile *rf, uint32_t name,
		    const struct svm_segment *s)
{
	struct hv_u128 r;

	r.low = s->base;
	r.high = (uint64_t)s->limit | (uint64_t)s->selector << 32 |
		 (uint64_t)hvsim_hv_attrib(s->attrib) << 48;
	hvsim_regfile_set(rf, name, r);
}

/* HvX64TableRegister: limit in bits 48-63 of the low half, base high. */
static struct svm_segment table_in(const struct hvsim_regfile *rf,
				   uint32_t name)
{
	struct hv_u128 r = hvsim_regfile_get(rf, name);
	struct svm_segment s = { 0 };

	s.limit = (uint16_t)(r.low >> 48);
	s.base = r.high;
	return s;
}

static void table_out(struct hvsim_regfile *rf, uint32_t name,
		      const struct svm_segment *s)
{
	struct hv_u128 r;

	r.low = (uint64_t)(s->limit & 0xFFFF) << 48;
	r.high = s->base;
	hvsim_regfile_set(rf, name, r);
}

struct hv_x64_segment_register hvsim_vmcb_segment(const struct svm_segment *s)
{
	struct hv_x64_segment_register r;

	r.base = s->base;
	r.limit = s->limit;
	r.selector = s->selector;
	r.attributes = hvsim_hv_attrib(s->attrib);
	return r;
}

void hvsim_vmcb_load(struct svm_vmcb *v, const struct hvsim_regfile *rf,
		     uint64_t rax, uint64_t cr2)
{
	struct svm_vmcb_save *s = &v->save;

	s->es = seg_in(rf, HV_REGISTER_ES);
	s->cs = seg_in(rf, HV_REGISTER_CS);
	s->ss = seg_in(rf, HV_REGISTER_SS);
	s->ds = seg_in(rf, HV_REGISTER_DS);
	s->fs = seg_in(rf, HV_REGISTER_FS);
	s->gs = seg_in(rf, HV_REGISTER_GS);
	s->ldtr = seg_in(rf, HV_REGISTER_LDTR);
	s->tr = seg_in(rf, HV_REGISTER_TR);
	s->gdtr = table_in(rf, HV_REGISTER_GDTR);
	s->idtr = table_in(rf, HV_REGISTER_IDTR);
	/* The CPL is SS.DPL once protected mode is on (APM 15.5.1). */
	s->cpl = get(rf, HV_REGISTER_CR0) & X86_CR0_PE ?
			 (uint8_t)((s->ss.attrib >> 5) & 3) :
			 0;
	s->efer = get(rf, HV_REGISTER_EFER) | SVM_EFER_SVME;
	s->cr0 = get(rf, HV_REGISTER_CR0);
	s->cr3 = get(rf, HV_REGISTER_CR3);
	s->cr4 = get(rf, HV_REGISTER_CR4);
	s->dr6 = get(rf, HV_REGISTER_DR6);
	s->dr7 = get(rf, HV_REGISTER_DR7);
	s->rflags = get(rf, HV_REGISTER_RFLAGS);
	s->rip = get(rf, HV_REGISTER_RIP);
	s->rsp = get(rf, HV_REGISTER_RSP);
	s->rax = rax;
	s->cr2 = cr2;
	s->star = get(rf, HV_REGISTER_STAR);
	s->lstar = get(rf, HV_REGISTER_LSTAR);
	s->cstar = get(rf, HV_REGISTER_CSTAR);
	s->sfmask = get(rf, HV_REGISTER_SFMASK);
	s->kernel_gs_base = get(rf, HV_REGISTER_KERNEL_GS_BASE);
	s->sysenter_cs = get(rf, HV_REGISTER_SYSENTER_CS);
	s->sysenter_esp = get(rf, HV_REGISTER_SYSENTER_ESP);
	s->sysenter_eip = get(rf, HV_REGISTER_SYSENTER_EIP);
	s->g_pat = get(rf, HV_REGISTER_PAT);
	v->control.int_ctl = (v->control.int_ctl & ~(uint64_t)0xFF) |
			     (get(rf, HV_REGISTER_CR8) & 0xF);
}

void hvsim_vmcb_store(const struct svm_vmcb *v, struct hvsim_regfile *rf)
{
	const struct svm_vmcb_save *s = &v->save;

	seg_out(rf, HV_REGISTER_ES, &s->es);
	seg_out(rf, HV_REGISTER_CS, &s->cs);
	seg_out(rf, HV_REGISTER_SS, &s->ss);
	seg_out(rf, HV_REGISTER_DS, &s->ds);
	seg_out(rf, HV_REGISTER_FS, &s->fs);
	seg_out(rf, HV_REGISTER_GS, &s->gs);
	seg_out(rf, HV_REGISTER_LDTR, &s->ldtr);
	seg_out(rf, HV_REGISTER_TR, &s->tr);
	table_out(rf, HV_REGISTER_GDTR, &s->gdtr);
	table_out(rf, HV_REGISTER_IDTR, &s->idtr);
	put(rf, HV_REGISTER_EFER, s->efer & ~SVM_EFER_SVME);
	put(rf, HV_REGISTER_CR0, s->cr0);
	put(rf, HV_REGISTER_CR3, s->cr3);
	put(rf, HV_REGISTER_CR4, s->cr4);
	put(rf, HV_REGISTER_DR6, s->dr6);
	put(rf, HV_REGISTER_DR7, s->dr7);
	put(rf, HV_REGISTER_RFLAGS, s->rflags);
	put(rf, HV_REGISTER_RIP, s->rip);
	put(rf, HV_REGISTER_RSP, s->rsp);
	put(rf, HV_REGISTER_STAR, s->star);
	put(rf, HV_REGISTER_LSTAR, s->lstar);
	put(rf, HV_REGISTER_CSTAR, s->cstar);
	put(rf, HV_REGISTER_SFMASK, s->sfmask);
	put(rf, HV_REGISTER_KERNEL_GS_BASE, s->kernel_gs_base);
	put(rf, HV_REGISTER_SYSENTER_CS, s->sysenter_cs);
	put(rf, HV_REGISTER_SYSENTER_ESP, s->sysenter_esp);
	put(rf, HV_REGISTER_SYSENTER_EIP, s->sysenter_eip);
	put(rf, HV_REGISTER_PAT, s->g_pat);
	put(rf, HV_REGISTER_CR8, v->control.int_ctl & 0xF);
}

uint16_t hvsim_vmcb_execution_state(const struct svm_vmcb *v)
{
	const struct svm_vmcb_save *s = &v->save;
	uint16_t st = s->cpl & HV_X64_VP_EXECUTION_STATE_CPL_MASK;

	if (s->cr0 & X86_CR0_PE)
		st |= HV_X64_VP_EXECUTION_STATE_CR0_PE;
	if (s->cr0 & X86_CR0_AM)
		st |= HV_X64_VP_EXECUTION_STATE_CR0_AM;
	if (s->efer & X86_EFER_LMA)
		st |= HV_X64_VP_EXECUTION_STATE_EFER_LMA;
	if (v->control.exit_int_info & SVM_EVTINJ_VALID)
		st |= HV_X64_VP_EXECUTION_STATE_INTERRUPTION_PENDING;
	if (v->control.int_state & SVM_INT_STATE_SHADOW)
		st |= HV_X64_VP_EXECUTION_STATE_INTERRUPT_SHADOW;
	return st; /* VTL 0: the vtl field stays 0 */
}
