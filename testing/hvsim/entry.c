// SPDX-License-Identifier: MIT
/*
 * A VMMCALL of VTL2, from the hypercall page: the hypercall entry (RCX
 * the control word, RDX and R8 the input and output GPAs, the status in
 * RAX) or the VTL-return entry (HvCallVtlReturn in RCX, its input, the
 * caller's RCX, in RAX). QEMU saves no next RIP: VMMCALL is 3 bytes.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/tsc.h>

#include "internal.h"

#define RAX 0
#define RCX 1
#define RDX 2
#define R8 8
#define VECTOR_UD 6

void *hvsim_hypercall_buffer(uint64_t gpa, uint64_t size, uint16_t *status)
{
	void *p;

	/* TLFS: 8-byte aligned, within one page. */
	if ((gpa & 7) || (gpa & 0xFFF) + size > 4096) {
		*status = HV_STATUS_INVALID_ALIGNMENT;
		return NULL;
	}
	p = hvsim_phys(gpa, size);
	if (!p)
		*status = HV_STATUS_INVALID_PARAMETER;
	return p;
}

void hvsim_log_call(struct hvsim_vp *vp, uint16_t code, uint16_t status,
		    uint32_t aux, uint64_t tsc)
{
	/* Only the VP's own CPU writes its log. */
	struct hvsim_log_entry *e = &vp->log[vp->log_next % HVSIM_LOG_SIZE];

	e->tsc = tsc;
	e->aux = aux;
	e->code = code;
	e->status = status;
	__atomic_store_n(&vp->log_next, vp->log_next + 1, __ATOMIC_RELEASE);
}

/* Control bits hvsim does not implement: fast, variable header, nested. */
#define CONTROL_UNSUPPORTED                                         \
	(HV_HYPERCALL_CONTROL_FAST |                                \
	 ((uint64_t)HV_HYPERCALL_CONTROL_VARHEAD_MASK               \
	  << HV_HYPERCALL_CONTROL_VARHEAD_SHIFT) |                  \
	 HV_HYPERCALL_CONTROL_NESTED | HV_U64(0xF000000000000000) | \
	 HV_U64(0x0000F00000000000) | HV_U64(0x78000000))

static bool is_rep_call(uint16_t code)
{
	return code == HV_CALL_GET_VP_REGISTERS ||
	       code == HV_CALL_SET_VP_REGISTERS;
}

static uint16_t dispatch(struct hvsim_vp *vp, uint32_t *aux, uint32_t *done)
{
	uint64_t control = vp->gprs[RCX];
	uint16_t code = (uint16_t)(control & HV_HYPERCALL_CONTROL_CODE_MASK);
	uint32_t reps =
		(uint32_t)(control >> HV_HYPERCALL_CONTROL_REP_COUNT_SHIFT) &
		HV_HYPERCALL_CONTROL_REP_COUNT_MASK;
	uint32_t start = hv_hypercall_control_rep_start(control);
	uint64_t in = vp->gprs[RDX], out = vp->gprs[R8];
	bool rep_call = is_rep_call(code);

	switch (code) {
	case HV_CALL_ENABLE_VP_VTL:
	case HV_CALL_START_VIRTUAL_PROCESSOR:
	case HV_CALL_GET_VP_REGISTERS:
	case HV_CALL_SET_VP_REGISTERS:
	case HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX:
		break;
	default:
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
	if (control & CONTROL_UNSUPPORTED)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* Rep calls: a rep start below the count; the others: neither. */
	if (rep_call ? reps == 0 || start >= reps : reps != 0 || start != 0)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;

	switch (code) {
	case HV_CALL_ENABLE_VP_VTL:
		return hvsim_call_enable_vp_vtl(vp, in, aux);
	case HV_CALL_START_VIRTUAL_PROCESSOR:
		return hvsim_call_start_vp(vp, in, aux);
	case HV_CALL_GET_VP_REGISTERS:
		return hvsim_call_get_set_registers(vp, false, start, reps, in,
						    out, aux, done);
	case HV_CALL_SET_VP_REGISTERS:
		return hvsim_call_get_set_registers(vp, true, start, reps, in,
						    out, aux, done);
	default:
		return hvsim_call_translate(vp, in, out, aux);
	}
}

static void trace(const struct hvsim_vp *vp, uint16_t code, uint16_t status,
		  uint32_t aux, bool injected)
{
	const char *name = hvsim_hypercall_name(code);
	const char *sname = hv_status_name(status);

	printf("hvsim: VP %u %s(0x%x) aux 0x%x -> %s (0x%x)%s\n", vp->rec.vp,
	       name ? name : "?", code, aux, sname ? sname : "?", status,
	       injected ? " [injected]" : "");
}

/*
 * Whom an injection rule's vp names: the VP being enabled or started for
 * EnableVpVtl and StartVirtualProcessor ("VP 5 fails to start"), the
 * calling VP for everything else.
 */
static uint32_t injection_vp(const struct hvsim_vp *vp, uint16_t code,
			     uint64_t in_gpa)
{
	const struct hv_enable_vp_vtl_x64 *in;
	uint16_t status;

	if (code != HV_CALL_ENABLE_VP_VTL &&
	    code != HV_CALL_START_VIRTUAL_PROCESSOR)
		return vp->rec.vp;
	in = hvsim_hypercall_buffer(in_gpa, sizeof(*in), &status);
	return in ? in->vp_index : vp->rec.vp;
}

/* The register a Get/SetVpRegisters names, for reg= rules; else 0. */
/* The register of the call's first rep (its rep start), or 0. */
static uint32_t injection_reg(uint64_t control, uint64_t in_gpa)
{
	uint16_t code = (uint16_t)(control & HV_HYPERCALL_CONTROL_CODE_MASK);
	uint64_t off = sizeof(struct hv_get_set_vp_registers);
	uint16_t status;
	const void *in;

	if (!is_rep_call(code))
		return 0;
	/* The name leads both the get's name and the set's assoc. */
	off += (uint64_t)hv_hypercall_control_rep_start(control) *
	       (code == HV_CALL_SET_VP_REGISTERS ?
			sizeof(struct hv_register_assoc) :
			4);
	in = hvsim_hypercall_buffer(in_gpa, off + 4, &status);
	return in ? *(const uint32_t *)((const char *)in + off) : 0;
}

/* Why a VP never started: kept with the target, the log may wrap. */
static void note_start_failure(const struct hvsim_vp *caller, uint16_t code,
			       uint16_t status, uint32_t target)
{
	struct hvsim_vp *t = hvsim_vp(target);

	if (!t || !status ||
	    (code == HV_CALL_ENABLE_VP_VTL &&
	     status == HV_STATUS_VTL_ALREADY_ENABLED))
		return;
	t->rec.start_failure_code = code;
	t->rec.start_failure_status = status;
	t->rec.start_failure_caller = caller->rec.vp;
}

static uint64_t hypercall(struct hvsim_vp *vp)
{
	uint64_t tsc = rdtsc(), control = vp->gprs[RCX], in = vp->gprs[RDX];
	uint16_t code = (uint16_t)control, status;
	uint32_t aux = 0, key = injection_vp(vp, code, in);
	uint32_t done = 0;
	bool injected;

	if (!vp->rec.first_call_tsc)
		vp->rec.first_call_tsc = tsc;
	vp->rec.calls++;
	injected = hvsim_injector_match(&hvsim.inject, code, key,
					injection_reg(control, in), &status);
	if (injected && !aux)
		aux = injection_reg(control, in);
	/* An injected failure is the failure of the first rep. */
	if (injected && is_rep_call(code))
		done = hv_hypercall_control_rep_start(control);
	if (!injected)
		status = dispatch(vp, &aux, &done);
	if (status)
		vp->rec.failed_calls++;
	if (code == HV_CALL_START_VIRTUAL_PROCESSOR ||
	    code == HV_CALL_ENABLE_VP_VTL) {
		aux = key; /* the VP being enabled or started */
		note_start_failure(vp, code, status, key);
	}
	hvsim_log_call(vp, code, status, aux, tsc);
	/*
	 * Only when asked (--trace): printed here, on whatever CPU made the
	 * call, a line can land inside one the image is writing on COM1
	 * under its own lock, and split it (faults_4_test lost its "failed
	 * to start VP 2" line that way). Injections are in the records.
	 */
	if (hvsim.cfg.trace)
		trace(vp, code, status, aux, injected);
	/* Reps complete, in success and in failure (TLFS). */
	return status | ((uint64_t)done << HV_HYPERCALL_OUTPUT_REPS_SHIFT);
}

static void record_caller(struct hvsim_vp *vp)
{
	const struct svm_vmcb *v = vp->vtl2;
	const uint64_t *pml4 = hvsim_phys(v->save.cr3 & HVSIM_PTE_ADDR, 4096);

	vp->rec.call_rsp = v->save.rsp;
	vp->rec.call_slot511 = pml4 ? pml4[511] : 0;
}

void hvsim_vmmcall(struct hvsim_vp *vp)
{
	struct svm_vmcb *v = vp->vtl2;
	uint64_t control = vp->gprs[RCX];

	if (hvsim_test_call_exit(vp)) {
		v->save.rip += 3;
		return;
	}
	if (v->save.rflags & RFLAGS_IF)
		hvsim_fail(vp, "hypercall 0x%lx with interrupts enabled",
			   control);
	vp->gprs[RAX] = v->save.rax;
	v->save.rip += 3;
	record_caller(vp);
	if (control == HV_CALL_VTL_RETURN) {
		/* The input: bit 0 asks for a fast return, the rest is 0. */
		if (vp->gprs[RAX] > 1) {
			hvsim_vtl2_inject(vp, VECTOR_UD, ~0u);
			return;
		}
		if (vp->gprs[RAX])
			hvsim_fail(vp, "fast VTL return is not modelled");
		hvsim_vtl_return(vp);
	} else {
		vp->gprs[RAX] = hypercall(vp);
	}
	v->save.rax = vp->gprs[RAX];
	hvsim_fault_apply(vp);
}
