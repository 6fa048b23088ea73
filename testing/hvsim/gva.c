// SPDX-License-Identifier: MIT
/*
 * HvCallTranslateVirtualAddressEx: the walk runs on the paging state in
 * the register file of the VTL named by the control flags ("current" means
 * the lower VTL, VTL0: VTL2's own registers live in the CPU), reading
 * VTL0's tables through its nested paging (a table outside VTL0 RAM is
 * GPA_UNMAPPED). The call
 * succeeds whenever the walk completed; the result code carries the
 * translation's outcome, as in the TLFS.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include "internal.h"

uint16_t hvsim_call_translate(struct hvsim_vp *caller, uint64_t in_gpa,
			      uint64_t out_gpa, uint32_t *aux)
{
	uint16_t status = HV_STATUS_SUCCESS;
	const struct hv_translate_virtual_address_x64 *in;
	struct hv_translate_virtual_address_ex_output_x64 *out;
	struct hvsim_paging pg = { .maxphyaddr = hvsim.maxphyaddr };
	uint8_t input_vtl;
	uint64_t gpa_page = 0;
	uint32_t rf = HVSIM_RF_VTL0, rc;
	struct hvsim_vp *vp;

	in = hvsim_hypercall_buffer(in_gpa, sizeof(*in), &status);
	if (!in)
		return status;
	out = hvsim_hypercall_buffer(out_gpa, sizeof(*out), &status);
	if (!out)
		return status;
	*aux = (uint32_t)in->gva_page;
	if (in->partition_id != HV_PARTITION_ID_SELF || in->reserved)
		return HV_STATUS_INVALID_PARAMETER;
	if (in->vp_index == HV_VP_INDEX_SELF)
		vp = caller;
	else if (!(vp = hvsim_vp(in->vp_index)))
		return HV_STATUS_INVALID_VP_INDEX;
	input_vtl = hv_translate_gva_flags_input_vtl(in->control_flags);
	if (input_vtl & HV_INPUT_VTL_RESERVED_MASK)
		return HV_STATUS_INVALID_PARAMETER;
	if (hv_input_vtl_use_target(input_vtl)) {
		if (hv_input_vtl_target(input_vtl) == 2)
			rf = HVSIM_RF_VTL2;
		else if (hv_input_vtl_target(input_vtl) != 0)
			return HV_STATUS_INVALID_PARAMETER;
	}

	/* VTL0's tables are read as VTL0 sees memory: through nested paging. */
	if (rf == HVSIM_RF_VTL0)
		pg.phys = hvsim_vtl0_phys;
	hvsim_lock(vp);
	pg.cr0 = hvsim_regfile_get(&vp->rf[rf], HV_REGISTER_CR0).low;
	pg.cr3 = hvsim_regfile_get(&vp->rf[rf], HV_REGISTER_CR3).low;
	pg.cr4 = hvsim_regfile_get(&vp->rf[rf], HV_REGISTER_CR4).low;
	pg.efer = hvsim_regfile_get(&vp->rf[rf], HV_REGISTER_EFER).low;
	/* CPL: the DPL of SS (attributes bits 5-6). */
	pg.cpl = (hvsim_regfile_get(&vp->rf[rf], HV_REGISTER_SS).high >> 53) &
		 3;
	hvsim_unlock(vp);
	if (!hvsim_paging_supported(&pg)) {
		printf("hvsim: VP %u: translate: unsupported paging mode (CR0 "
		       "0x%lx CR4 0x%lx EFER 0x%lx)\n",
		       vp->rec.vp, pg.cr0, pg.cr4, pg.efer);
		return HV_STATUS_INVALID_VP_STATE;
	}
	rc = hvsim_translate(&pg, in->gva_page, in->control_flags, &gpa_page);
	out->translation_result.result = rc;
	out->translation_result.reserved = 0;
	out->translation_result.event_info.reg_0.low = 0;
	out->translation_result.event_info.reg_0.high = 0;
	out->translation_result.event_info.reg_1.low = 0;
	out->translation_result.event_info.reg_1.high = 0;
	out->gpa_page = rc == HV_TRANSLATE_GVA_SUCCESS ? gpa_page : 0;
	out->reserved = 0;
	if (rc == HV_TRANSLATE_GVA_SUCCESS)
		/* Write-back: what a RAM page in a normal guest is. */
		out->translation_result.result |=
			(uint64_t)6 << HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT;
	return HV_STATUS_SUCCESS;
}
