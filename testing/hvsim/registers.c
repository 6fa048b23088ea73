// SPDX-License-Identifier: MIT
/*
 * HvCallGetVpRegisters / HvCallSetVpRegisters with one rep, as the sidecar
 * issues them: a register file per VP and VTL, VSM registers that answer
 * as configured, overlay pages checked, crash registers reported.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include "internal.h"

/* VsmVpStatus: active VTL 2, enabled VTLs 0 and 2 (bits 8-23). */
#define VSM_VP_STATUS (2 | (0x5 << 8))

static uint16_t resolve_vtl(uint8_t input_vtl, uint32_t *rf)
{
	if (input_vtl & HV_INPUT_VTL_RESERVED_MASK)
		return HV_STATUS_INVALID_PARAMETER;
	/* Every hvsim caller runs at VTL2: "current" is VTL2. */
	if (!hv_input_vtl_use_target(input_vtl)) {
		*rf = HVSIM_RF_VTL2;
		return HV_STATUS_SUCCESS;
	}
	switch (hv_input_vtl_target(input_vtl)) {
	case 0:
		*rf = HVSIM_RF_VTL0;
		return HV_STATUS_SUCCESS;
	case 1:
		return HV_STATUS_INVALID_VTL_STATE; /* never enabled */
	case 2:
		*rf = HVSIM_RF_VTL2;
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_INVALID_PARAMETER;
	}
}

static uint64_t read_only_value(const struct hvsim_vp *vp, uint32_t name)
{
	switch (name) {
	case HV_REGISTER_VSM_CODE_PAGE_OFFSETS:
		return ((uint64_t)HVSIM_PAGE_VTL_RETURN_OFFSET
			<< HV_VSM_CODE_PAGE_OFFSETS_RETURN_SHIFT) |
		       ((uint64_t)HVSIM_PAGE_VTL_CALL_OFFSET
			<< HV_VSM_CODE_PAGE_OFFSETS_CALL_SHIFT);
	case HV_REGISTER_VSM_CAPABILITIES:
		return hvsim.cfg.vsm_capabilities;
	case HV_REGISTER_VP_INDEX:
		return vp->rec.vp;
	case HV_REGISTER_VSM_VP_STATUS:
		return VSM_VP_STATUS;
	default:
		return 0;
	}
}

static uint16_t set_one(struct hvsim_vp *vp, uint32_t rf, uint32_t name,
			struct hv_u128 v)
{
	switch (hvsim_reg_classify(name)) {
	case HVSIM_REG_UNKNOWN:
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	case HVSIM_REG_READ_ONLY:
		return HV_STATUS_ACCESS_DENIED;
	case HVSIM_REG_PLAIN:
		if (rf == HVSIM_RF_VTL0 &&
		    hvsim_vtl0_value_check(name, v, hvsim.maxphyaddr))
			return HV_STATUS_INVALID_PARAMETER;
		break;
	case HVSIM_REG_OVERLAY:
		if (v.high || !hvsim_overlay_value_valid(v.low) ||
		    (hv_overlay_page_enabled(v.low) &&
		     !hvsim_phys(hv_overlay_page_pa(v.low), 4096)))
			return HV_STATUS_INVALID_REGISTER_VALUE;
		break;
	default:
		break;
	}
	hvsim_lock(vp);
	if (!hvsim_regfile_set(&vp->rf[rf], name, v)) {
		hvsim_unlock(vp);
		hvsim_fail(vp, "register file full (%u registers)",
			   HVSIM_REGFILE_MAX);
	}
	/* A VMM that moves a halted VTL0 elsewhere wakes it. */
	if (rf == HVSIM_RF_VTL0 && name == HV_REGISTER_RIP)
		vp->halted = false;
	hvsim_unlock(vp);
	if (name == HV_REGISTER_GUEST_CRASH_CTL)
		hvsim_crash_report(vp, rf);
	return HV_STATUS_SUCCESS;
}

static uint16_t get_one(struct hvsim_vp *vp, uint32_t rf, uint32_t name,
			struct hv_register_value *out)
{
	struct hv_u128 v;

	switch (hvsim_reg_classify(name)) {
	case HVSIM_REG_UNKNOWN:
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	case HVSIM_REG_READ_ONLY:
		v.low = read_only_value(vp, name);
		v.high = 0;
		break;
	default:
		hvsim_lock(vp);
		v = hvsim_regfile_get(&vp->rf[rf], name);
		hvsim_unlock(vp);
		break;
	}
	out->reg128 = v;
	return HV_STATUS_SUCCESS;
}

uint16_t hvsim_register_set(struct hvsim_vp *vp, uint32_t rf, uint32_t name,
			    uint64_t value)
{
	struct hv_u128 v = { value, 0 };

	return set_one(vp, rf, name, v);
}

uint64_t hvsim_register_get(struct hvsim_vp *vp, uint32_t rf, uint32_t name)
{
	struct hv_register_value v = { 0 };

	get_one(vp, rf, name, &v);
	return v.reg128.low;
}

uint16_t hvsim_call_get_set_registers(struct hvsim_vp *caller, bool set,
				      uint32_t start, uint32_t reps,
				      uint64_t in_gpa, uint64_t out_gpa,
				      uint32_t *aux, uint32_t *done)
{
	uint16_t status = HV_STATUS_SUCCESS;
	const struct hv_get_set_vp_registers *in;
	const struct hv_register_assoc *assoc;
	const uint32_t *names;
	struct hv_register_value *out = NULL;
	struct hvsim_vp *vp;
	uint32_t rf;
	size_t rep_size = set ? sizeof(struct hv_register_assoc) : 4;

	/* Nothing done until a rep is (the dispatcher checked start < reps). */
	*done = start;
	in = hvsim_hypercall_buffer(in_gpa, sizeof(*in) + reps * rep_size,
				    &status);
	if (!in)
		return status;
	if (!set) {
		out = hvsim_hypercall_buffer(out_gpa, reps * sizeof(*out),
					     &status);
		if (!out)
			return status;
	}
	names = (const uint32_t *)(in + 1);
	assoc = (const struct hv_register_assoc *)(in + 1);
	*aux = set ? assoc[start].name : names[start];
	if (in->partition_id != HV_PARTITION_ID_SELF || in->rsvd[0] ||
	    in->rsvd[1] || in->rsvd[2])
		return HV_STATUS_INVALID_PARAMETER;
	if (in->vp_index == HV_VP_INDEX_SELF)
		vp = caller;
	else if (!(vp = hvsim_vp(in->vp_index)))
		return HV_STATUS_INVALID_VP_INDEX;
	status = resolve_vtl(in->target_vtl, &rf);
	if (status)
		return status;
	/*
	 * As Hyper-V: rep by rep from the rep start; the first that fails
	 * ends the call with its status, the reps before it done (and a
	 * Get's values for them written), the caller may go on from there.
	 */
	for (uint32_t i = start; i < reps; i++) {
		*aux = set ? assoc[i].name : names[i];
		status = set ? set_one(vp, rf, assoc[i].name,
				       assoc[i].value.reg128) :
			       get_one(vp, rf, names[i], &out[i]);
		if (status)
			return status;
		*done = i + 1;
	}
	return HV_STATUS_SUCCESS;
}

struct hv_u128 host_get_register(uint32_t index, uint32_t vtl, uint32_t name)
{
	struct hvsim_vp *vp = hvsim_vp(index);
	struct hv_register_value v = { 0 };

	if (!vp ||
	    get_one(vp, vtl == 0 ? HVSIM_RF_VTL0 : HVSIM_RF_VTL2, name, &v))
		hvsim_fail(vp, "no register 0x%x at VTL%u", name, vtl);
	return v.reg128;
}

void host_set_register(uint32_t index, uint32_t vtl, uint32_t name,
		       struct hv_u128 value)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	if (!vp ||
	    set_one(vp, vtl == 0 ? HVSIM_RF_VTL0 : HVSIM_RF_VTL2, name, value))
		hvsim_fail(vp, "cannot set register 0x%x at VTL%u", name, vtl);
}
