/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor registers: names, value containers, value formats, and the
 * synthetic MSRs.
 *
 * Register names are HV_REGISTER_ + the hvdef variant name (HvX64RegisterName
 * and the shared names), in upper snake case; this project is x64 only, so
 * the X64 part is left out.
 */
#ifndef HV_REGISTERS_H
#define HV_REGISTERS_H

#include "hv/compiler.h"

/* Shared (architecture-neutral) registers. */
#define HV_REGISTER_INSTRUCTION_EMULATION_HINTS 0x00000002
#define HV_REGISTER_INTERNAL_ACTIVITY_STATE 0x00000004
#define HV_REGISTER_GUEST_CRASH_P0 0x00000210
#define HV_REGISTER_GUEST_CRASH_P1 0x00000211
#define HV_REGISTER_GUEST_CRASH_P2 0x00000212
#define HV_REGISTER_GUEST_CRASH_P3 0x00000213
#define HV_REGISTER_GUEST_CRASH_P4 0x00000214
#define HV_REGISTER_GUEST_CRASH_CTL 0x00000215
#define HV_REGISTER_PENDING_INTERRUPTION 0x00010002
#define HV_REGISTER_INTERRUPT_STATE 0x00010003
#define HV_REGISTER_PENDING_EVENT0 0x00010004
#define HV_REGISTER_PENDING_EVENT1 0x00010005
#define HV_REGISTER_VP_INDEX 0x00090003
#define HV_REGISTER_VP_ASSIST_PAGE 0x00090013
#define HV_REGISTER_VSM_CODE_PAGE_OFFSETS 0x000D0002
#define HV_REGISTER_VSM_VP_STATUS 0x000D0003
#define HV_REGISTER_VSM_PARTITION_STATUS 0x000D0004
#define HV_REGISTER_VSM_CAPABILITIES 0x000D0006
#define HV_REGISTER_VSM_PARTITION_CONFIG 0x000D0007

/* x64 general purpose registers, in x86 encoding order. */
#define HV_REGISTER_RAX 0x00020000
#define HV_REGISTER_RCX 0x00020001
#define HV_REGISTER_RDX 0x00020002
#define HV_REGISTER_RBX 0x00020003
#define HV_REGISTER_RSP 0x00020004
#define HV_REGISTER_RBP 0x00020005
#define HV_REGISTER_RSI 0x00020006
#define HV_REGISTER_RDI 0x00020007
#define HV_REGISTER_R8 0x00020008
#define HV_REGISTER_R9 0x00020009
#define HV_REGISTER_R10 0x0002000A
#define HV_REGISTER_R11 0x0002000B
#define HV_REGISTER_R12 0x0002000C
#define HV_REGISTER_R13 0x0002000D
#define HV_REGISTER_R14 0x0002000E
#define HV_REGISTER_R15 0x0002000F
#define HV_REGISTER_RIP 0x00020010
#define HV_REGISTER_RFLAGS 0x00020011

/* x64 floating point and vector registers. */
#define HV_REGISTER_XMM(n) (0x00030000 + (n)) /* n = 0..15 */
#define HV_REGISTER_FP_MMX(n) (0x00030010 + (n)) /* n = 0..7 */
#define HV_REGISTER_FP_CONTROL_STATUS 0x00030018
#define HV_REGISTER_XMM_CONTROL_STATUS 0x00030019

/* x64 control registers. */
#define HV_REGISTER_CR0 0x00040000
#define HV_REGISTER_CR2 0x00040001
#define HV_REGISTER_CR3 0x00040002
#define HV_REGISTER_CR4 0x00040003
#define HV_REGISTER_CR8 0x00040004
#define HV_REGISTER_XFEM 0x00040005

/* x64 debug registers. DR0-DR3, and DR6 if dr6_shared, are shared by VTLs. */
#define HV_REGISTER_DR0 0x00050000
#define HV_REGISTER_DR1 0x00050001
#define HV_REGISTER_DR2 0x00050002
#define HV_REGISTER_DR3 0x00050003
#define HV_REGISTER_DR6 0x00050004
#define HV_REGISTER_DR7 0x00050005

/* x64 segment and table registers. */
#define HV_REGISTER_ES 0x00060000
#define HV_REGISTER_CS 0x00060001
#define HV_REGISTER_SS 0x00060002
#define HV_REGISTER_DS 0x00060003
#define HV_REGISTER_FS 0x00060004
#define HV_REGISTER_GS 0x00060005
#define HV_REGISTER_LDTR 0x00060006
#define HV_REGISTER_TR 0x00060007
#define HV_REGISTER_IDTR 0x00070000
#define HV_REGISTER_GDTR 0x00070001

/* x64 virtualized MSRs. */
#define HV_REGISTER_TSC 0x00080000
#define HV_REGISTER_EFER 0x00080001
#define HV_REGISTER_KERNEL_GS_BASE 0x00080002
#define HV_REGISTER_APIC_BASE 0x00080003
#define HV_REGISTER_PAT 0x00080004
#define HV_REGISTER_SYSENTER_CS 0x00080005
#define HV_REGISTER_SYSENTER_EIP 0x00080006
#define HV_REGISTER_SYSENTER_ESP 0x00080007
#define HV_REGISTER_STAR 0x00080008
#define HV_REGISTER_LSTAR 0x00080009
#define HV_REGISTER_CSTAR 0x0008000A
#define HV_REGISTER_SFMASK 0x0008000B
#define HV_REGISTER_INITIAL_APIC_ID 0x0008000C

/*
 * x64 MTRRs. Variable range n (0..15) is PHYS_BASE(n) / PHYS_MASK(n); the
 * architectural MSR of range n is X86_MSR_MTRR_PHYS_BASE(n) / _MASK(n).
 */
#define HV_REGISTER_MSR_MTRR_CAP 0x0008000D
#define HV_REGISTER_MSR_MTRR_DEF_TYPE 0x0008000E
#define HV_REGISTER_MSR_MTRR_PHYS_BASE(n) (0x00080010 + (n))
#define HV_REGISTER_MSR_MTRR_PHYS_MASK(n) (0x00080040 + (n))
#define HV_REGISTER_MSR_MTRR_PHYS_COUNT 16
#define HV_REGISTER_MSR_MTRR_FIX64K_00000 0x00080070
#define HV_REGISTER_MSR_MTRR_FIX16K_80000 0x00080071
#define HV_REGISTER_MSR_MTRR_FIX16K_A0000 0x00080072
#define HV_REGISTER_MSR_MTRR_FIX4K_C0000 0x00080073
#define HV_REGISTER_MSR_MTRR_FIX4K_C8000 0x00080074
#define HV_REGISTER_MSR_MTRR_FIX4K_D0000 0x00080075
#define HV_REGISTER_MSR_MTRR_FIX4K_D8000 0x00080076
#define HV_REGISTER_MSR_MTRR_FIX4K_E0000 0x00080077
#define HV_REGISTER_MSR_MTRR_FIX4K_E8000 0x00080078
#define HV_REGISTER_MSR_MTRR_FIX4K_F0000 0x00080079
#define HV_REGISTER_MSR_MTRR_FIX4K_F8000 0x0008007A

/* x64 synthetic registers. */
#define HV_REGISTER_HYPERCALL 0x00090001
#define HV_REGISTER_REGISTER_PAGE 0x0009001C

/*
 * HvRegisterVsmCodePageOffsets: where the VTL call and VTL return stubs are
 * in the hypercall page.
 */
#define HV_VSM_CODE_PAGE_OFFSETS_CALL_SHIFT 0
#define HV_VSM_CODE_PAGE_OFFSETS_RETURN_SHIFT 12
#define HV_VSM_CODE_PAGE_OFFSETS_MASK 0xFFF

/* HvRegisterVsmCapabilities (seed-era bits). */
#define HV_VSM_CAPABILITIES_DR6_SHARED HV_BIT64(0)
#define HV_VSM_CAPABILITIES_MBEC_VTL_MASK_SHIFT 1
#define HV_VSM_CAPABILITIES_MBEC_VTL_MASK_MASK 0xFFFF
#define HV_VSM_CAPABILITIES_DENY_LOWER_VTL_STARTUP HV_BIT64(17)
#define HV_VSM_CAPABILITIES_SUPERVISOR_SHADOW_STACK HV_BIT64(18)
#define HV_VSM_CAPABILITIES_HARDWARE_HVPT_AVAILABLE HV_BIT64(19)
#define HV_VSM_CAPABILITIES_SOFTWARE_HVPT_AVAILABLE HV_BIT64(20)
#define HV_VSM_CAPABILITIES_HARDWARE_HVPT_RANGE_BITS_SHIFT 21
#define HV_VSM_CAPABILITIES_HARDWARE_HVPT_RANGE_BITS_MASK 0x3F
#define HV_VSM_CAPABILITIES_INTERCEPT_PAGE_AVAILABLE HV_BIT64(27)
#define HV_VSM_CAPABILITIES_RETURN_ACTION_AVAILABLE HV_BIT64(28)
#define HV_VSM_CAPABILITIES_VTL0_ALIAS_MAP_AVAILABLE HV_BIT64(29)
#define HV_VSM_CAPABILITIES_INTERCEPT_NOT_PRESENT_AVAILABLE HV_BIT64(30)
#define HV_VSM_CAPABILITIES_INSTALL_INTERCEPT_EX HV_BIT64(31)
#define HV_VSM_CAPABILITIES_INTERCEPT_SYSTEM_RESET_AVAILABLE HV_BIT64(32)

/*
 * Overlay page value format, shared by HvRegisterVpAssistPage (register and
 * HV_X64_MSR_VP_ASSIST_PAGE) and HvSynicSimpSiefp (used for RegisterPage):
 * bit 0 enable, bits 12-63 the guest physical page number.
 */
#define HV_OVERLAY_PAGE_ENABLE HV_BIT64(0)
#define HV_OVERLAY_PAGE_GPN_SHIFT 12
#define HV_OVERLAY_PAGE_PA_MASK HV_U64(0xFFFFFFFFFFFFF000)

/* Hyper-V synthetic MSRs. */
#define HV_X64_MSR_GUEST_OS_ID 0x40000000
#define HV_X64_MSR_HYPERCALL 0x40000001
#define HV_X64_MSR_VP_INDEX 0x40000002
#define HV_X64_MSR_VP_ASSIST_PAGE 0x40000073
#define HV_X64_MSR_GUEST_CRASH_P0 0x40000100
#define HV_X64_MSR_GUEST_CRASH_P1 0x40000101
#define HV_X64_MSR_GUEST_CRASH_P2 0x40000102
#define HV_X64_MSR_GUEST_CRASH_P3 0x40000103
#define HV_X64_MSR_GUEST_CRASH_P4 0x40000104
#define HV_X64_MSR_GUEST_CRASH_CTL 0x40000105

/*
 * GuestCrashCtl (HV_X64_MSR_GUEST_CRASH_CTL / HV_REGISTER_GUEST_CRASH_CTL).
 * CTL is written last: the write is what reports the crash. With
 * CRASH_MESSAGE, P3 is the message GPA and P4 its length in bytes.
 */
#define HV_GUEST_CRASH_CTL_PRE_OS_ID_SHIFT 58
#define HV_GUEST_CRASH_CTL_PRE_OS_ID_MASK 0x7
#define HV_GUEST_CRASH_CTL_PRE_OS_ID(id)                  \
	((HV_U64(id) & HV_GUEST_CRASH_CTL_PRE_OS_ID_MASK) \
	 << HV_GUEST_CRASH_CTL_PRE_OS_ID_SHIFT)
#define HV_GUEST_CRASH_CTL_NO_CRASH_DUMP HV_BIT64(61)
#define HV_GUEST_CRASH_CTL_CRASH_MESSAGE HV_BIT64(62)
#define HV_GUEST_CRASH_CTL_CRASH_NOTIFY HV_BIT64(63)

#ifndef __ASSEMBLER__

/* A 128-bit little-endian value: hvdef AlignedU128 and u128 fields. */
struct hv_u128 {
	uint64_t low;
	uint64_t high;
} HV_ALIGNED(16);

HV_ASSERT_LAYOUT(struct hv_u128, 16, 16);

/* HvX64SegmentRegister. */
struct hv_x64_segment_register {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes; /* X86_SEGMENT_ATTR_* */
};

HV_ASSERT_LAYOUT(struct hv_x64_segment_register, 16, 8);
HV_ASSERT_OFFSET(struct hv_x64_segment_register, base, 0);
HV_ASSERT_OFFSET(struct hv_x64_segment_register, limit, 8);
HV_ASSERT_OFFSET(struct hv_x64_segment_register, selector, 12);
HV_ASSERT_OFFSET(struct hv_x64_segment_register, attributes, 14);

/* HvX64TableRegister (IDTR, GDTR). */
struct hv_x64_table_register {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};

HV_ASSERT_LAYOUT(struct hv_x64_table_register, 16, 8);
HV_ASSERT_OFFSET(struct hv_x64_table_register, pad, 0);
HV_ASSERT_OFFSET(struct hv_x64_table_register, limit, 6);
HV_ASSERT_OFFSET(struct hv_x64_table_register, base, 8);

/*
 * HvRegisterValue: 16 bytes, 16-aligned. A narrower value sits in the low
 * bytes and the rest must be zero, so zero the whole value before setting
 * one member.
 */
struct hv_register_value {
	union {
		struct hv_u128 reg128;
		uint64_t reg64;
		uint32_t reg32;
		uint16_t reg16;
		uint8_t reg8;
		struct hv_x64_segment_register segment;
		struct hv_x64_table_register table;
		uint8_t bytes[16];
	};
};

HV_ASSERT_LAYOUT(struct hv_register_value, 16, 16);

/* HvRegisterAssoc: one element of a Get/SetVpRegisters list. */
struct hv_register_assoc {
	uint32_t name; /* HV_REGISTER_* */
	uint32_t pad[3];
	struct hv_register_value value;
};

HV_ASSERT_LAYOUT(struct hv_register_assoc, 32, 16);
HV_ASSERT_OFFSET(struct hv_register_assoc, name, 0);
HV_ASSERT_OFFSET(struct hv_register_assoc, pad, 4);
HV_ASSERT_OFFSET(struct hv_register_assoc, value, 16);

static inline struct hv_register_value hv_register_value_u64(uint64_t v)
{
	struct hv_register_value r;

	r.reg128.low = v;
	r.reg128.high = 0;
	return r;
}

/* Byte offset of the VTL call stub in the hypercall page. */
static inline uint16_t hv_vsm_code_page_offsets_call(uint64_t v)
{
	return (uint16_t)((v >> HV_VSM_CODE_PAGE_OFFSETS_CALL_SHIFT) &
			  HV_VSM_CODE_PAGE_OFFSETS_MASK);
}

/* Byte offset of the VTL return stub in the hypercall page. */
static inline uint16_t hv_vsm_code_page_offsets_return(uint64_t v)
{
	return (uint16_t)((v >> HV_VSM_CODE_PAGE_OFFSETS_RETURN_SHIFT) &
			  HV_VSM_CODE_PAGE_OFFSETS_MASK);
}

static inline bool hv_vsm_capabilities_dr6_shared(uint64_t v)
{
	return (v & HV_VSM_CAPABILITIES_DR6_SHARED) != 0;
}

/* Value that enables an overlay page at page_pa (must be page aligned). */
static inline uint64_t hv_overlay_page_value(uint64_t page_pa)
{
	return (page_pa & HV_OVERLAY_PAGE_PA_MASK) | HV_OVERLAY_PAGE_ENABLE;
}

static inline bool hv_overlay_page_enabled(uint64_t v)
{
	return (v & HV_OVERLAY_PAGE_ENABLE) != 0;
}

static inline uint64_t hv_overlay_page_pa(uint64_t v)
{
	return v & HV_OVERLAY_PAGE_PA_MASK;
}

#endif /* !__ASSEMBLER__ */

#endif /* HV_REGISTERS_H */
