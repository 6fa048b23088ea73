// SPDX-License-Identifier: MIT
/*
 * HvCallEnableVpVtl and HvCallStartVirtualProcessor. Start writes the
 * context into the VP's VTL2 VMCB and kicks its parked CPU, which runs
 * it (host.c); it does not wait for the VP, like a hypervisor that only
 * schedules it.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/printf.h>

#include "internal.h"

uint16_t hvsim_call_enable_vp_vtl(struct hvsim_vp *caller, uint64_t in_gpa,
				  uint32_t *aux)
{
	uint16_t status = HV_STATUS_SUCCESS;
	const struct hv_enable_vp_vtl_x64 *in;
	struct hvsim_vp *vp;

	(void)caller;
	in = hvsim_hypercall_buffer(in_gpa, sizeof(*in), &status);
	if (!in)
		return status;
	*aux = in->vp_index;
	if (in->partition_id != HV_PARTITION_ID_SELF || in->reserved[0] ||
	    in->reserved[1] || in->reserved[2])
		return HV_STATUS_INVALID_PARAMETER;
	vp = hvsim_vp(in->vp_index);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	/* hvsim models VTL0 and VTL2 only; the sidecar enables VTL2. */
	if (in->target_vtl != HV_VTL2)
		return HV_STATUS_INVALID_PARAMETER;
	hvsim_lock(vp);
	if (vp->rec.vtl2_enabled) {
		status = HV_STATUS_VTL_ALREADY_ENABLED;
	} else {
		vp->enable_ctx = in->vp_vtl_context;
		__atomic_store_n(&vp->rec.vtl2_enabled, 1, __ATOMIC_RELEASE);
	}
	hvsim_unlock(vp);
	return status;
}

static bool mapped(uint64_t cr3, uint64_t va, uint32_t need_rights,
		   struct hvsim_mapping *m)
{
	struct hvsim_paging pg = {
		.cr3 = cr3,
		.efer = rdmsr(X86_MSR_EFER),
		.maxphyaddr = hvsim.maxphyaddr,
	};

	if (hvsim_pt_lookup(&pg, va, m) != HV_TRANSLATE_GVA_SUCCESS)
		return false;
	if ((need_rights & HVSIM_MAP_W) && !(m->rights & HVSIM_MAP_W))
		return false;
	/* need HVSIM_MAP_NX here means "must be executable". */
	if ((need_rights & HVSIM_MAP_NX) && (m->rights & HVSIM_MAP_NX))
		return false;
	return true;
}

/* NULL when hvsim can launch this context, else why not. */
static const char *check_context(const struct hv_initial_vp_context_x64 *c,
				 char *why, size_t size)
{
	const uint64_t *pml4;
	struct hvsim_mapping theirs;

	if ((c->efer & (X86_EFER_LME | X86_EFER_LMA)) !=
	    (X86_EFER_LME | X86_EFER_LMA))
		return "EFER lacks LME/LMA (hvsim starts VPs in long mode)";
	if ((c->cr0 & (X86_CR0_PE | X86_CR0_PG)) != (X86_CR0_PE | X86_CR0_PG))
		return "CR0 lacks PE/PG";
	if (!(c->cr4 & X86_CR4_PAE))
		return "CR4 lacks PAE";
	if (!(c->cs.attributes & X86_SEGMENT_ATTR_L))
		return "CS is not a 64-bit code segment";
	if (c->cr3 & 0xFFF)
		return "CR3 is not a bare page address";
	pml4 = hvsim_phys(c->cr3, 4096);
	if (!pml4)
		return "CR3 is not in RAM";
	if (!mapped(c->cr3, c->rip, HVSIM_MAP_NX, &theirs))
		return "RIP is not mapped executable";
	if (!mapped(c->cr3, c->rsp - 40, HVSIM_MAP_W, &theirs) ||
	    !mapped(c->cr3, c->rsp - 1, HVSIM_MAP_W, &theirs))
		return "the stack below RSP is not mapped writable";
	if (!mapped(c->cr3, c->gdtr.base, 0, &theirs))
		return "GDTR base is not mapped";
	if (!mapped(c->cr3, c->idtr.base, 0, &theirs))
		return "IDTR base is not mapped";
	return hvsim_check_segments(c, why, size);
}

uint16_t hvsim_call_start_vp(struct hvsim_vp *caller, uint64_t in_gpa,
			     uint32_t *aux)
{
	uint16_t status = HV_STATUS_SUCCESS;
	const struct hv_start_virtual_processor_x64 *in;
	const struct hv_initial_vp_context_x64 *c;
	uint32_t expected = HVSIM_VP_OFF;
	const char *why;
	char reason[200];
	struct hvsim_vp *vp;

	in = hvsim_hypercall_buffer(in_gpa, sizeof(*in), &status);
	if (!in)
		return status;
	c = &in->vp_context;
	*aux = in->vp_index;
	__atomic_fetch_add(&hvsim.start_requests, 1, __ATOMIC_RELAXED);
	if (in->partition_id != HV_PARTITION_ID_SELF || in->rsvd0 || in->rsvd1)
		return HV_STATUS_INVALID_PARAMETER;
	vp = hvsim_vp(in->vp_index);
	if (!vp)
		return HV_STATUS_INVALID_VP_INDEX;
	if (in->target_vtl != HV_VTL2)
		return HV_STATUS_INVALID_PARAMETER;
	if (!__atomic_load_n(&vp->rec.vtl2_enabled, __ATOMIC_ACQUIRE))
		return HV_STATUS_INVALID_VTL_STATE;
	if (__atomic_load_n(&vp->rec.state, __ATOMIC_ACQUIRE) != HVSIM_VP_OFF)
		return HV_STATUS_INVALID_VP_STATE;
	why = check_context(c, reason, sizeof(reason));
	if (why) {
		printf("hvsim: VP %u: StartVirtualProcessor(%u) refused: %s "
		       "(rip 0x%lx rsp 0x%lx cr3 0x%lx)\n",
		       caller->rec.vp, in->vp_index, why, c->rip, c->rsp,
		       c->cr3);
		return HV_STATUS_INVALID_REGISTER_VALUE;
	}
	hvsim_lock(vp);
	if (vp->rec.state != expected) {
		hvsim_unlock(vp);
		return HV_STATUS_INVALID_VP_STATE; /* lost a race */
	}
	hvsim_vtl2_load_context(vp, c);
	vp->rec.parent = caller->rec.vp;
	vp->rec.depth = caller->rec.depth + 1;
	vp->rec.cr3 = c->cr3;
	vp->rec.rip = c->rip;
	vp->rec.request_tsc = rdtsc();
	__atomic_store_n(&vp->rec.state, HVSIM_VP_STARTING, __ATOMIC_RELEASE);
	hvsim_unlock(vp);
	__atomic_fetch_add(&hvsim.started, 1, __ATOMIC_RELEASE);
	hvsim_kick(vp);
	return HV_STATUS_SUCCESS;
}
