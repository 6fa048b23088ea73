/* SPDX-License-Identifier: MIT */
/*
 * Architectural x86-64 definitions the ABI needs: the FXSAVE image, MSR
 * numbers (x2APIC, MTRR, EFER...), the x2APIC ICR, control register bits and
 * segment attributes.
 */
#ifndef HV_X86_H
#define HV_X86_H

#include "hv/compiler.h"

/* Control registers and flags. */
#define X86_CR0_PE HV_BIT64(0)
#define X86_CR0_MP HV_BIT64(1)
#define X86_CR0_EM HV_BIT64(2)
#define X86_CR0_TS HV_BIT64(3)
#define X86_CR0_ET HV_BIT64(4)
#define X86_CR0_NE HV_BIT64(5)
#define X86_CR0_WP HV_BIT64(16)
#define X86_CR0_AM HV_BIT64(18)
#define X86_CR0_PG HV_BIT64(31)

#define X86_CR4_PAE HV_BIT64(5)
#define X86_CR4_MCE HV_BIT64(6)
#define X86_CR4_PGE HV_BIT64(7)
#define X86_CR4_OSFXSR HV_BIT64(9)
#define X86_CR4_OSXMMEXCPT HV_BIT64(10)

#define X86_EFER_SCE HV_BIT64(0)
#define X86_EFER_LME HV_BIT64(8)
#define X86_EFER_LMA HV_BIT64(10)
#define X86_EFER_NXE HV_BIT64(11)

#define X86_RFLAGS_FIXED HV_BIT64(1) /* reads as 1 */
#define X86_RFLAGS_IF HV_BIT64(9)

/* Segment attributes (the `attributes` of struct hv_x64_segment_register). */
#define X86_SEGMENT_ATTR_TYPE_MASK 0x000F
#define X86_SEGMENT_ATTR_S 0x0010 /* code or data, not system */
#define X86_SEGMENT_ATTR_DPL_SHIFT 5
#define X86_SEGMENT_ATTR_DPL_MASK 0x3
#define X86_SEGMENT_ATTR_P 0x0080
#define X86_SEGMENT_ATTR_AVL 0x1000
#define X86_SEGMENT_ATTR_L 0x2000
#define X86_SEGMENT_ATTR_DB 0x4000
#define X86_SEGMENT_ATTR_G 0x8000

/* Reset values of the FPU control word and MXCSR. */
#define X86_FCW_DEFAULT 0x037F
#define X86_MXCSR_DEFAULT 0x1F80

/* MSRs. */
#define X86_MSR_APIC_BASE 0x0000001B
#define X86_MSR_MTRR_CAP 0x000000FE
#define X86_MSR_PAT 0x00000277
#define X86_MSR_MTRR_DEF_TYPE 0x000002FF
#define X86_MSR_EFER 0xC0000080
#define X86_MSR_FS_BASE 0xC0000100
#define X86_MSR_GS_BASE 0xC0000101
#define X86_MSR_KERNEL_GS_BASE 0xC0000102

/* MTRRs: variable range n and the fixed ranges. */
#define X86_MSR_MTRR_PHYS_BASE(n) (0x200 + 2 * (n))
#define X86_MSR_MTRR_PHYS_MASK(n) (0x201 + 2 * (n))
#define X86_MSR_MTRR_FIX64K_00000 0x250
#define X86_MSR_MTRR_FIX16K_80000 0x258
#define X86_MSR_MTRR_FIX16K_A0000 0x259
#define X86_MSR_MTRR_FIX4K_C0000 0x268
#define X86_MSR_MTRR_FIX4K_C8000 0x269
#define X86_MSR_MTRR_FIX4K_D0000 0x26A
#define X86_MSR_MTRR_FIX4K_D8000 0x26B
#define X86_MSR_MTRR_FIX4K_E0000 0x26C
#define X86_MSR_MTRR_FIX4K_E8000 0x26D
#define X86_MSR_MTRR_FIX4K_F0000 0x26E
#define X86_MSR_MTRR_FIX4K_F8000 0x26F

/* IA32_APIC_BASE bits. */
#define X86_APIC_BASE_BSP HV_BIT64(8)
#define X86_APIC_BASE_X2APIC HV_BIT64(10) /* EXTD */
#define X86_APIC_BASE_ENABLE HV_BIT64(11) /* EN */

/* x2APIC MSRs: 0x800 + the xAPIC register offset / 16. */
#define X86_MSR_X2APIC_BASE 0x800
#define X86_MSR_X2APIC_ID 0x802
#define X86_MSR_X2APIC_VERSION 0x803
#define X86_MSR_X2APIC_TPR 0x808
#define X86_MSR_X2APIC_EOI 0x80B
#define X86_MSR_X2APIC_LDR 0x80D
#define X86_MSR_X2APIC_SVR 0x80F
#define X86_MSR_X2APIC_ISR(n) (0x810 + (n)) /* n = 0..7 */
#define X86_MSR_X2APIC_TMR(n) (0x818 + (n))
#define X86_MSR_X2APIC_IRR(n) (0x820 + (n))
#define X86_MSR_X2APIC_ESR 0x828
#define X86_MSR_X2APIC_ICR 0x830
#define X86_MSR_X2APIC_LVT_TIMER 0x832
#define X86_MSR_X2APIC_LVT_LINT0 0x835
#define X86_MSR_X2APIC_LVT_LINT1 0x836
#define X86_MSR_X2APIC_LVT_ERROR 0x837
#define X86_MSR_X2APIC_SELF_IPI 0x83F

/* Spurious interrupt vector register. */
#define X86_APIC_SVR_VECTOR_MASK 0xFF
#define X86_APIC_SVR_ENABLE 0x100 /* software enable */

/*
 * Interrupt command register (one 64-bit x2APIC write). WRMSR to x2APIC
 * registers is not serializing: fence before an IPI that publishes stores.
 */
#define X86_ICR_VECTOR_MASK 0xFF
#define X86_ICR_DELIVERY_MODE_SHIFT 8
#define X86_ICR_DELIVERY_MODE_MASK 0x7
#define X86_ICR_DELIVERY_FIXED 0
#define X86_ICR_DELIVERY_LOWEST 1
#define X86_ICR_DELIVERY_SMI 2
#define X86_ICR_DELIVERY_NMI 4
#define X86_ICR_DELIVERY_INIT 5
#define X86_ICR_DELIVERY_STARTUP 6
#define X86_ICR_DEST_LOGICAL HV_BIT64(11)
#define X86_ICR_DELIVERY_PENDING HV_BIT64(12)
#define X86_ICR_LEVEL_ASSERT HV_BIT64(14)
#define X86_ICR_TRIGGER_LEVEL HV_BIT64(15)
#define X86_ICR_SHORTHAND_SHIFT 18
#define X86_ICR_SHORTHAND_NONE 0
#define X86_ICR_SHORTHAND_SELF 1
#define X86_ICR_SHORTHAND_ALL 2
#define X86_ICR_SHORTHAND_OTHERS 3
#define X86_ICR_X2APIC_DEST_SHIFT 32

#ifndef __ASSEMBLER__

/* The legacy FXSAVE image (x86defs::xsave::Fxsave). */
struct x86_fxsave {
	uint16_t fcw;
	uint16_t fsw;
	uint8_t ftw; /* abridged tag word */
	uint8_t reserved;
	uint16_t fop;
	uint64_t fip;
	uint64_t fdp;
	uint32_t mxcsr;
	uint32_t mxcsr_mask;
	uint8_t st[8][16]; /* ST0-ST7 / MM0-MM7, 10 bytes used of 16 */
	uint8_t xmm[16][16];
	uint8_t reserved2[48];
	uint8_t unused[48];
};

HV_ASSERT_LAYOUT(struct x86_fxsave, 512, 8);
HV_ASSERT_OFFSET(struct x86_fxsave, fcw, 0);
HV_ASSERT_OFFSET(struct x86_fxsave, fsw, 2);
HV_ASSERT_OFFSET(struct x86_fxsave, ftw, 4);
HV_ASSERT_OFFSET(struct x86_fxsave, reserved, 5);
HV_ASSERT_OFFSET(struct x86_fxsave, fop, 6);
HV_ASSERT_OFFSET(struct x86_fxsave, fip, 8);
HV_ASSERT_OFFSET(struct x86_fxsave, fdp, 16);
HV_ASSERT_OFFSET(struct x86_fxsave, mxcsr, 24);
HV_ASSERT_OFFSET(struct x86_fxsave, mxcsr_mask, 28);
HV_ASSERT_OFFSET(struct x86_fxsave, st, 32);
HV_ASSERT_OFFSET(struct x86_fxsave, xmm, 160);
HV_ASSERT_OFFSET(struct x86_fxsave, reserved2, 416);
HV_ASSERT_OFFSET(struct x86_fxsave, unused, 464);

/*
 * An ICR value with a physical x2APIC destination, no shorthand and edge
 * trigger; `flags` adds X86_ICR_* bits (e.g. LEVEL_ASSERT for INIT).
 */
static inline uint64_t x86_icr(uint32_t dest_apic_id, uint8_t vector,
			       uint32_t delivery_mode, uint64_t flags)
{
	return ((uint64_t)dest_apic_id << X86_ICR_X2APIC_DEST_SHIFT) |
	       ((uint64_t)(delivery_mode & X86_ICR_DELIVERY_MODE_MASK)
		<< X86_ICR_DELIVERY_MODE_SHIFT) |
	       flags | vector;
}

/* A fixed-delivery IPI: what the sidecar sends to response_cpu. */
static inline uint64_t x86_icr_fixed(uint32_t dest_apic_id, uint8_t vector)
{
	return x86_icr(dest_apic_id, vector, X86_ICR_DELIVERY_FIXED, 0);
}

#endif /* !__ASSEMBLER__ */

#endif /* HV_X86_H */
