/* SPDX-License-Identifier: MIT */
/*
 * The hypercall page hvsim hands to VTL2: what Hyper-V's holds on AMD
 * (the layout openvmm's hypercall-page emulator writes), and nothing of
 * hvsim. Every entry ends in a VMMCALL that exits to hvsim; the image
 * copies the page and runs the copy anywhere, since the code is position
 * independent. The rest of the page is int3.
 */
#ifndef HVSIM_PAGE_H
#define HVSIM_PAGE_H

/* Entry points (byte offsets), 64-bit. VsmCodePageOffsets names the VTL ones. */
#define HVSIM_PAGE_CALL_OFFSET 0x00 /* vmmcall; ret */
#define HVSIM_PAGE_VTL_CALL_OFFSET 0x0F /* mov rax,rcx; mov ecx,0x11; ... */
#define HVSIM_PAGE_VTL_RETURN_OFFSET 0x26 /* mov rax,rcx; mov ecx,0x12; ... */
/* 32-bit entries, for completeness of the page (hvsim models 64-bit). */
#define HVSIM_PAGE_VTL_CALL32_OFFSET 0x04
#define HVSIM_PAGE_VTL_RETURN32_OFFSET 0x1B
#define HVSIM_PAGE_CODE_END 0x32
#define HVSIM_PAGE_FILL 0xCC /* int3 */

/*
 * struct hvsim_cpu, one per x2APIC ID below the limit (zero for IDs the
 * MADT does not list): what hvsim_ap_start64 needs to find its stack.
 */
#define HVSIM_CPU_STACK_TOP 0x0 /* u64: hvsim's stack for this CPU, or 0 */
#define HVSIM_CPU_VP_INDEX 0x8 /* u32: its VP index (MADT position) */
#define HVSIM_CPU_SIZE 0x10
#define HVSIM_CPU_SHIFT 4

#endif
