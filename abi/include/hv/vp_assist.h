/* SPDX-License-Identifier: MIT */
/*
 * The VP assist page (HvVpAssistPage) and VTL entry reasons.
 *
 * The page is enabled through HV_REGISTER_VP_ASSIST_PAGE (or the MSR
 * HV_X64_MSR_VP_ASSIST_PAGE) with hv_overlay_page_value().
 */
#ifndef HV_VP_ASSIST_H
#define HV_VP_ASSIST_H

#include "hv/compiler.h"
#include "hv/message.h"
#include "hv/registers.h"

/* HvVtlEntryReason (u32): why the hypervisor entered this VTL. */
#define HV_VTL_ENTRY_REASON_RESERVED 0
#define HV_VTL_ENTRY_REASON_VTL_CALL 1
#define HV_VTL_ENTRY_REASON_INTERRUPT 2
#define HV_VTL_ENTRY_REASON_INTERCEPT 3 /* see intercept_message */

/* Offsets used by assembly; checked against the struct below. */
#define HV_VP_ASSIST_PAGE_ENTRY_REASON_OFFSET 8
#define HV_VP_ASSIST_PAGE_VTL_RETURN_REGISTERS_OFFSET 16
#define HV_VP_ASSIST_PAGE_INTERCEPT_MESSAGE_OFFSET 112

#ifndef __ASSEMBLER__

/* HvVpVtlControl. */
struct hv_vp_vtl_control {
	uint32_t entry_reason; /* HV_VTL_ENTRY_REASON_* */
	uint8_t vina_status;
	uint8_t reserved_z0;
	uint16_t reserved_z1;
	/* RAX and RCX that VTL return loads into the lower VTL. */
	uint64_t registers[2];
};

HV_ASSERT_LAYOUT(struct hv_vp_vtl_control, 24, 8);
HV_ASSERT_OFFSET(struct hv_vp_vtl_control, entry_reason, 0);
HV_ASSERT_OFFSET(struct hv_vp_vtl_control, vina_status, 4);
HV_ASSERT_OFFSET(struct hv_vp_vtl_control, reserved_z0, 5);
HV_ASSERT_OFFSET(struct hv_vp_vtl_control, reserved_z1, 6);
HV_ASSERT_OFFSET(struct hv_vp_vtl_control, registers, 8);

/* HvVpAssistPage (seed era: 8-aligned, like struct hv_message). */
struct hv_vp_assist_page {
	uint32_t apic_assist;
	uint32_t reserved_z0;
	struct hv_vp_vtl_control vtl_control;
	uint64_t nested_enlightenments_control;
	uint8_t enlighten_vm_entry;
	uint8_t reserved_z1[7];
	uint64_t current_nested_vmcs;
	uint8_t synthetic_time_unhalted_timer_expired;
	uint8_t reserved_z2[7];
	uint8_t virtualization_fault_information[40];
	uint64_t reserved_z3;
	struct hv_message intercept_message;
	uint8_t vtl_return_actions[256];
};

HV_ASSERT_LAYOUT(struct hv_vp_assist_page, 624, 8);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, apic_assist, 0);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, reserved_z0, 4);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, vtl_control, 8);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, vtl_control.entry_reason,
		 HV_VP_ASSIST_PAGE_ENTRY_REASON_OFFSET);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, vtl_control.registers,
		 HV_VP_ASSIST_PAGE_VTL_RETURN_REGISTERS_OFFSET);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, nested_enlightenments_control, 32);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, enlighten_vm_entry, 40);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, reserved_z1, 41);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, current_nested_vmcs, 48);
HV_ASSERT_OFFSET(struct hv_vp_assist_page,
		 synthetic_time_unhalted_timer_expired, 56);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, reserved_z2, 57);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, virtualization_fault_information,
		 64);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, reserved_z3, 104);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, intercept_message,
		 HV_VP_ASSIST_PAGE_INTERCEPT_MESSAGE_OFFSET);
HV_ASSERT_OFFSET(struct hv_vp_assist_page, vtl_return_actions, 368);

#endif /* !__ASSEMBLER__ */

#endif /* HV_VP_ASSIST_H */
