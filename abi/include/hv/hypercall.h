/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls: call codes, the control word and result value, HvInputVtl,
 * and the input/output structures of the hypercalls the sidecar issues.
 * Names follow hvdef's `hypercall` module; fields keep hvdef's names.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include "hv/compiler.h"
#include "hv/registers.h"

/* Call codes (hvdef HypercallCode). */
#define HV_CALL_ENABLE_VP_VTL 0x000F
#define HV_CALL_VTL_CALL 0x0011
#define HV_CALL_VTL_RETURN 0x0012
#define HV_CALL_GET_VP_REGISTERS 0x0050
#define HV_CALL_SET_VP_REGISTERS 0x0051
#define HV_CALL_TRANSLATE_VIRTUAL_ADDRESS 0x0052
#define HV_CALL_START_VIRTUAL_PROCESSOR 0x0099
#define HV_CALL_GET_VP_INDEX_FROM_APIC_ID 0x009A
#define HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX 0x00AC

/* Control word, passed in RCX (hvdef hypercall::Control). */
#define HV_HYPERCALL_CONTROL_CODE_MASK 0xFFFF
#define HV_HYPERCALL_CONTROL_FAST HV_BIT64(16)
#define HV_HYPERCALL_CONTROL_VARHEAD_SHIFT 17
#define HV_HYPERCALL_CONTROL_VARHEAD_MASK 0x3FF
#define HV_HYPERCALL_CONTROL_NESTED HV_BIT64(31)
#define HV_HYPERCALL_CONTROL_REP_COUNT_SHIFT 32
#define HV_HYPERCALL_CONTROL_REP_COUNT_MASK 0xFFF
#define HV_HYPERCALL_CONTROL_REP_START_SHIFT 48
#define HV_HYPERCALL_CONTROL_REP_START_MASK 0xFFF

/* Result, returned in RAX (hvdef hypercall::HypercallOutput). */
#define HV_HYPERCALL_OUTPUT_STATUS_MASK 0xFFFF
#define HV_HYPERCALL_OUTPUT_REPS_SHIFT 32
#define HV_HYPERCALL_OUTPUT_REPS_MASK 0xFFF

#define HV_PARTITION_ID_SELF HV_U64(0xFFFFFFFFFFFFFFFF)
#define HV_VP_INDEX_SELF HV_U32(0xFFFFFFFE)

/* VTL numbers, as the plain target_vtl bytes of EnableVpVtl/StartVP use. */
#define HV_VTL0 0
#define HV_VTL1 1
#define HV_VTL2 2

/*
 * HvInputVtl (a byte): bits 0-3 target VTL, bit 4 "use the target VTL",
 * bits 5-7 reserved. 0 means the caller's current VTL.
 */
#define HV_INPUT_VTL_TARGET_MASK 0x0F
#define HV_INPUT_VTL_USE_TARGET 0x10
#define HV_INPUT_VTL_RESERVED_MASK 0xE0
#define HV_INPUT_VTL_CURRENT 0x00

/* TranslateGvaControlFlagsX64 (u64). */
#define HV_TRANSLATE_GVA_VALIDATE_READ HV_BIT64(0)
#define HV_TRANSLATE_GVA_VALIDATE_WRITE HV_BIT64(1)
#define HV_TRANSLATE_GVA_VALIDATE_EXECUTE HV_BIT64(2)
#define HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT HV_BIT64(3)
#define HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS HV_BIT64(4)
#define HV_TRANSLATE_GVA_TLB_FLUSH_INHIBIT HV_BIT64(5)
#define HV_TRANSLATE_GVA_SUPERVISOR_ACCESS HV_BIT64(6)
#define HV_TRANSLATE_GVA_USER_ACCESS HV_BIT64(7)
#define HV_TRANSLATE_GVA_ENFORCE_SMAP HV_BIT64(8)
#define HV_TRANSLATE_GVA_OVERRIDE_SMAP HV_BIT64(9)
#define HV_TRANSLATE_GVA_SHADOW_STACK HV_BIT64(10)
#define HV_TRANSLATE_GVA_INPUT_VTL_SHIFT 56 /* an HvInputVtl byte */

/* TranslateGvaResult (u64): result code, cache type, overlay page. */
#define HV_TRANSLATE_GVA_RESULT_CODE_MASK HV_U64(0xFFFFFFFF)
#define HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT 32
#define HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_MASK 0xFF
#define HV_TRANSLATE_GVA_RESULT_OVERLAY_PAGE HV_BIT64(40)

/* TranslateGvaResultCode. */
#define HV_TRANSLATE_GVA_SUCCESS 0
#define HV_TRANSLATE_GVA_PAGE_NOT_PRESENT 1
#define HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION 2
#define HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS 3
#define HV_TRANSLATE_GVA_GPA_UNMAPPED 4
#define HV_TRANSLATE_GVA_GPA_NO_READ_ACCESS 5
#define HV_TRANSLATE_GVA_GPA_NO_WRITE_ACCESS 6
#define HV_TRANSLATE_GVA_GPA_ILLEGAL_OVERLAY_ACCESS 7
#define HV_TRANSLATE_GVA_INTERCEPT 8
#define HV_TRANSLATE_GVA_GPA_UNACCEPTED 9

#ifndef __ASSEMBLER__

/*
 * Control word for a slow (memory-based) hypercall: the sidecar never sets
 * fast, nested or rep start.
 */
static inline uint64_t hv_hypercall_control(uint16_t code, uint16_t rep_count)
{
	return (uint64_t)code |
	       ((uint64_t)(rep_count & HV_HYPERCALL_CONTROL_REP_COUNT_MASK)
		<< HV_HYPERCALL_CONTROL_REP_COUNT_SHIFT);
}

/* The same from rep rep_start on: a rep call that goes on after a stop. */
static inline uint64_t
hv_hypercall_control_from(uint16_t code, uint16_t rep_count, uint16_t rep_start)
{
	return hv_hypercall_control(code, rep_count) |
	       ((uint64_t)(rep_start & HV_HYPERCALL_CONTROL_REP_START_MASK)
		<< HV_HYPERCALL_CONTROL_REP_START_SHIFT);
}

static inline uint16_t hv_hypercall_control_rep_start(uint64_t control)
{
	return (uint16_t)((control >> HV_HYPERCALL_CONTROL_REP_START_SHIFT) &
			  HV_HYPERCALL_CONTROL_REP_START_MASK);
}

static inline uint16_t hv_hypercall_output_status(uint64_t output)
{
	return (uint16_t)(output & HV_HYPERCALL_OUTPUT_STATUS_MASK);
}

static inline uint16_t hv_hypercall_output_reps_completed(uint64_t output)
{
	return (uint16_t)((output >> HV_HYPERCALL_OUTPUT_REPS_SHIFT) &
			  HV_HYPERCALL_OUTPUT_REPS_MASK);
}

static inline bool hv_hypercall_output_success(uint64_t output)
{
	return hv_hypercall_output_status(output) == 0;
}

/* HvInputVtl naming an explicit VTL. */
static inline uint8_t hv_input_vtl(uint8_t vtl)
{
	return (uint8_t)(HV_INPUT_VTL_USE_TARGET |
			 (vtl & HV_INPUT_VTL_TARGET_MASK));
}

static inline bool hv_input_vtl_use_target(uint8_t input_vtl)
{
	return (input_vtl & HV_INPUT_VTL_USE_TARGET) != 0;
}

static inline uint8_t hv_input_vtl_target(uint8_t input_vtl)
{
	return (uint8_t)(input_vtl & HV_INPUT_VTL_TARGET_MASK);
}

static inline uint64_t hv_translate_gva_flags_with_input_vtl(uint64_t flags,
							     uint8_t input_vtl)
{
	return (flags & ~(HV_U64(0xFF) << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT)) |
	       ((uint64_t)input_vtl << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT);
}

static inline uint8_t hv_translate_gva_flags_input_vtl(uint64_t flags)
{
	return (uint8_t)(flags >> HV_TRANSLATE_GVA_INPUT_VTL_SHIFT);
}

static inline uint32_t hv_translate_gva_result_code(uint64_t result)
{
	return (uint32_t)(result & HV_TRANSLATE_GVA_RESULT_CODE_MASK);
}

static inline uint8_t hv_translate_gva_result_cache_type(uint64_t result)
{
	return (uint8_t)((result >> HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT) &
			 HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_MASK);
}

static inline bool hv_translate_gva_result_overlay_page(uint64_t result)
{
	return (result & HV_TRANSLATE_GVA_RESULT_OVERLAY_PAGE) != 0;
}

/*
 * Input header of HvCallGetVpRegisters / HvCallSetVpRegisters. The rep list
 * follows at +16: uint32_t names for Get, struct hv_register_assoc for Set.
 * Get writes one struct hv_register_value per rep to the output page.
 */
struct hv_get_set_vp_registers {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl; /* HvInputVtl */
	uint8_t rsvd[3];
};

HV_ASSERT_LAYOUT(struct hv_get_set_vp_registers, 16, 8);
HV_ASSERT_OFFSET(struct hv_get_set_vp_registers, partition_id, 0);
HV_ASSERT_OFFSET(struct hv_get_set_vp_registers, vp_index, 8);
HV_ASSERT_OFFSET(struct hv_get_set_vp_registers, target_vtl, 12);
HV_ASSERT_OFFSET(struct hv_get_set_vp_registers, rsvd, 13);

/* InitialVpContextX64. */
struct hv_initial_vp_context_x64 {
	uint64_t rip;
	uint64_t rsp;
	uint64_t rflags;
	struct hv_x64_segment_register cs;
	struct hv_x64_segment_register ds;
	struct hv_x64_segment_register es;
	struct hv_x64_segment_register fs;
	struct hv_x64_segment_register gs;
	struct hv_x64_segment_register ss;
	struct hv_x64_segment_register tr;
	struct hv_x64_segment_register ldtr;
	struct hv_x64_table_register idtr;
	struct hv_x64_table_register gdtr;
	uint64_t efer;
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t msr_cr_pat;
};

HV_ASSERT_LAYOUT(struct hv_initial_vp_context_x64, 224, 8);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, rip, 0);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, rsp, 8);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, rflags, 16);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, cs, 24);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, ds, 40);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, es, 56);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, fs, 72);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, gs, 88);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, ss, 104);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, tr, 120);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, ldtr, 136);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, idtr, 152);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, gdtr, 168);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, efer, 184);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, cr0, 192);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, cr3, 200);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, cr4, 208);
HV_ASSERT_OFFSET(struct hv_initial_vp_context_x64, msr_cr_pat, 216);

/* Input of HvCallEnableVpVtl. target_vtl is a plain VTL number. */
struct hv_enable_vp_vtl_x64 {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl;
	uint8_t reserved[3];
	struct hv_initial_vp_context_x64 vp_vtl_context;
};

HV_ASSERT_LAYOUT(struct hv_enable_vp_vtl_x64, 240, 8);
HV_ASSERT_OFFSET(struct hv_enable_vp_vtl_x64, partition_id, 0);
HV_ASSERT_OFFSET(struct hv_enable_vp_vtl_x64, vp_index, 8);
HV_ASSERT_OFFSET(struct hv_enable_vp_vtl_x64, target_vtl, 12);
HV_ASSERT_OFFSET(struct hv_enable_vp_vtl_x64, reserved, 13);
HV_ASSERT_OFFSET(struct hv_enable_vp_vtl_x64, vp_vtl_context, 16);

/* Input of HvCallStartVirtualProcessor. target_vtl is a plain VTL number. */
struct hv_start_virtual_processor_x64 {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t target_vtl;
	uint8_t rsvd0;
	uint16_t rsvd1;
	struct hv_initial_vp_context_x64 vp_context;
};

HV_ASSERT_LAYOUT(struct hv_start_virtual_processor_x64, 240, 8);
HV_ASSERT_OFFSET(struct hv_start_virtual_processor_x64, partition_id, 0);
HV_ASSERT_OFFSET(struct hv_start_virtual_processor_x64, vp_index, 8);
HV_ASSERT_OFFSET(struct hv_start_virtual_processor_x64, target_vtl, 12);
HV_ASSERT_OFFSET(struct hv_start_virtual_processor_x64, rsvd0, 13);
HV_ASSERT_OFFSET(struct hv_start_virtual_processor_x64, rsvd1, 14);
HV_ASSERT_OFFSET(struct hv_start_virtual_processor_x64, vp_context, 16);

/*
 * Input of HvCallTranslateVirtualAddress(Ex). `reserved` is not in the OS
 * headers but the hypervisor's layout has it.
 */
struct hv_translate_virtual_address_x64 {
	uint64_t partition_id;
	uint32_t vp_index;
	uint32_t reserved;
	uint64_t control_flags; /* HV_TRANSLATE_GVA_* */
	uint64_t gva_page;
};

HV_ASSERT_LAYOUT(struct hv_translate_virtual_address_x64, 32, 8);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_x64, partition_id, 0);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_x64, vp_index, 8);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_x64, reserved, 12);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_x64, control_flags, 16);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_x64, gva_page, 24);

/*
 * HvX64PendingEvent: reg_0 is the HvX64PendingEventReg0 bitfield (bit 0
 * event_pending, bits 1-3 event_type, bits 8-127 data).
 */
struct hv_x64_pending_event {
	struct hv_u128 reg_0;
	struct hv_u128 reg_1;
};

HV_ASSERT_LAYOUT(struct hv_x64_pending_event, 32, 16);
HV_ASSERT_OFFSET(struct hv_x64_pending_event, reg_0, 0);
HV_ASSERT_OFFSET(struct hv_x64_pending_event, reg_1, 16);

/* TranslateGvaResultExX64. */
struct hv_translate_gva_result_ex_x64 {
	uint64_t result; /* TranslateGvaResult */
	uint64_t reserved;
	struct hv_x64_pending_event event_info;
};

HV_ASSERT_LAYOUT(struct hv_translate_gva_result_ex_x64, 48, 16);
HV_ASSERT_OFFSET(struct hv_translate_gva_result_ex_x64, result, 0);
HV_ASSERT_OFFSET(struct hv_translate_gva_result_ex_x64, reserved, 8);
HV_ASSERT_OFFSET(struct hv_translate_gva_result_ex_x64, event_info, 16);

/* Output of HvCallTranslateVirtualAddressEx. */
struct hv_translate_virtual_address_ex_output_x64 {
	struct hv_translate_gva_result_ex_x64 translation_result;
	uint64_t gpa_page;
	uint64_t reserved;
};

HV_ASSERT_LAYOUT(struct hv_translate_virtual_address_ex_output_x64, 64, 16);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_ex_output_x64,
		 translation_result, 0);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_ex_output_x64, gpa_page,
		 48);
HV_ASSERT_OFFSET(struct hv_translate_virtual_address_ex_output_x64, reserved,
		 56);

#endif /* !__ASSEMBLER__ */

#endif /* HV_HYPERCALL_H */
