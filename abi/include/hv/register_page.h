/* SPDX-License-Identifier: MIT */
/*
 * The x64 register page (HvX64RegisterPage), mapped through
 * HV_REGISTER_REGISTER_PAGE with hv_overlay_page_value().
 *
 * Seed-era hvdef declares `dirty` as u32 and `segment` as [u128; 6]; later
 * hvdef uses a bitfield and [HvX64SegmentRegister; 6]. The bytes are the
 * same, so this header uses the segment register type.
 */
#ifndef HV_REGISTER_PAGE_H
#define HV_REGISTER_PAGE_H

#include "hv/compiler.h"
#include "hv/registers.h"

/* Register classes; bit n of `dirty` marks class n as modified. */
#define HV_X64_REGISTER_CLASS_GENERAL 0
#define HV_X64_REGISTER_CLASS_IP 1
#define HV_X64_REGISTER_CLASS_XMM 2
#define HV_X64_REGISTER_CLASS_SEGMENT 3
#define HV_X64_REGISTER_CLASS_FLAGS 4

#define HV_X64_REGISTER_PAGE_DIRTY(class) HV_BIT32(class)

#ifndef __ASSEMBLER__

struct hv_x64_register_page {
	uint16_t version;
	uint8_t is_valid;
	uint8_t vtl;
	uint32_t dirty; /* HV_X64_REGISTER_PAGE_DIRTY() */
	uint64_t gp_registers[16]; /* RAX, RCX, ..., R15 */
	uint64_t rip;
	uint64_t rflags;
	uint64_t reserved;
	struct hv_u128 xmm[6]; /* XMM0-XMM5 */
	struct hv_x64_segment_register segment[6]; /* ES, CS, SS, DS, FS, GS */
	/* The rest cannot be set through the page. */
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t cr8;
	uint64_t efer;
	uint64_t dr7;
	uint64_t pending_interruption;
	uint64_t interrupt_state;
	uint64_t instruction_emulation_hints;
	uint8_t reserved_end[3672];
};

HV_ASSERT_LAYOUT(struct hv_x64_register_page, 4096, 16);
HV_ASSERT_OFFSET(struct hv_x64_register_page, version, 0);
HV_ASSERT_OFFSET(struct hv_x64_register_page, is_valid, 2);
HV_ASSERT_OFFSET(struct hv_x64_register_page, vtl, 3);
HV_ASSERT_OFFSET(struct hv_x64_register_page, dirty, 4);
HV_ASSERT_OFFSET(struct hv_x64_register_page, gp_registers, 8);
HV_ASSERT_OFFSET(struct hv_x64_register_page, rip, 136);
HV_ASSERT_OFFSET(struct hv_x64_register_page, rflags, 144);
HV_ASSERT_OFFSET(struct hv_x64_register_page, reserved, 152);
HV_ASSERT_OFFSET(struct hv_x64_register_page, xmm, 160);
HV_ASSERT_OFFSET(struct hv_x64_register_page, segment, 256);
HV_ASSERT_OFFSET(struct hv_x64_register_page, cr0, 352);
HV_ASSERT_OFFSET(struct hv_x64_register_page, cr3, 360);
HV_ASSERT_OFFSET(struct hv_x64_register_page, cr4, 368);
HV_ASSERT_OFFSET(struct hv_x64_register_page, cr8, 376);
HV_ASSERT_OFFSET(struct hv_x64_register_page, efer, 384);
HV_ASSERT_OFFSET(struct hv_x64_register_page, dr7, 392);
HV_ASSERT_OFFSET(struct hv_x64_register_page, pending_interruption, 400);
HV_ASSERT_OFFSET(struct hv_x64_register_page, interrupt_state, 408);
HV_ASSERT_OFFSET(struct hv_x64_register_page, instruction_emulation_hints, 416);
HV_ASSERT_OFFSET(struct hv_x64_register_page, reserved_end, 424);

#endif /* !__ASSEMBLER__ */

#endif /* HV_REGISTER_PAGE_H */
