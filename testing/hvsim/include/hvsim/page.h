/* SPDX-License-Identifier: MIT */
/*
 * Layout of the hypercall page hvsim hands to the image, shared by the stub
 * template (page.S) and the C code that fills in the data part.
 *
 * The image copies the page and runs the copy at another address, so
 * everything is position independent: the stubs reach the data part
 * RIP-relative, and the data part holds absolute identity-map addresses of
 * hvsim's handler and of each CPU's hvsim page table and stack.
 */
#ifndef HVSIM_PAGE_H
#define HVSIM_PAGE_H

/* Stub entry points (byte offsets in the page). */
#define HVSIM_PAGE_CALL_OFFSET 0x000 /* hypercall; VsmCodePageOffsets.call */
#define HVSIM_PAGE_VTL_RETURN_OFFSET 0x040 /* VsmCodePageOffsets.return */
#define HVSIM_PAGE_LAUNCH_OFFSET 0x080 /* AP start, reached from hvsim */
#define HVSIM_PAGE_COMMON_OFFSET 0x100 /* shared body of call and return */

/*
 * Exception stubs (fault.c): an injected fault returns from hvsim into
 * one of these instead of to the caller, so the exception is raised in
 * the caller's copy of the page, on its stack and tables. The address a
 * stub uses is in the caller stack's kind slot, just below its RSP.
 */
#define HVSIM_PAGE_FAULT_UD_OFFSET 0x600 /* ud2 */
#define HVSIM_PAGE_FAULT_BP_OFFSET 0x610 /* int3 */
#define HVSIM_PAGE_FAULT_PF_OFFSET 0x620 /* read the address */
#define HVSIM_PAGE_FAULT_STACK_OFFSET 0x640 /* RSP = the address, push */

/* Data part, filled by hvsim_page_build(). */
#define HVSIM_PAGE_MAGIC_OFFSET 0x700 /* "HVSIMPG1" */
#define HVSIM_PAGE_HANDLER_OFFSET 0x708 /* u64: &hvsim_entry */
#define HVSIM_PAGE_CR3_TABLE_OFFSET 0x800 /* u32[x2APIC id]: hvsim PML4 */
/*
 * Bit 0 of a CR3 table entry: copy the caller's PML4 slot 511 into the
 * hvsim table before switching to it. Set for the BSP, whose callers (the
 * boot shim's table during the entry, the kernel's) borrow slot 511 after
 * hvsim_init and identity-map their PML4; an AP's slot 511 comes with its
 * start context instead, and its PML4 is not identity-mapped.
 */
#define HVSIM_PAGE_CR3_COPY_511 1
#define HVSIM_PAGE_STACK_TABLE_OFFSET 0xC00 /* u32[x2APIC id]: stack top */
#define HVSIM_PAGE_MAX_APIC_IDS 256

#define HVSIM_PAGE_MAGIC 0x3147504d49535648 /* "HVSIMPG1" little endian */

/* Why the common body was entered (struct hvsim_frame.kind). */
#define HVSIM_KIND_HYPERCALL 0
#define HVSIM_KIND_VTL_RETURN 1

/*
 * struct hvsim_frame, built by the common body on hvsim's stack: the
 * caller's GPRs in hvdef register order (RSP's slot holds the caller's RSP
 * after the return), then bookkeeping.
 */
#define HVSIM_FRAME_GPR(n) ((n) * 8)
#define HVSIM_FRAME_CR2 0x80
#define HVSIM_FRAME_KIND 0x88
#define HVSIM_FRAME_PAGE_VA 0x90
#define HVSIM_FRAME_CALLER_CR3 0x98
#define HVSIM_FRAME_CALLER_SP 0xA0 /* the caller stack's saved RDX slot */
#define HVSIM_FRAME_APIC_ID 0xA8
#define HVSIM_FRAME_FX 0xB0 /* FXSAVE area on hvsim's stack, or 0 */
#define HVSIM_FRAME_SIZE 0xB8

/* Bytes the stubs use on the caller's stack, return address included. */
#define HVSIM_CALLER_STACK_BYTES 48
/* From the saved RDX (HVSIM_FRAME_CALLER_SP): the kind, the return. */
#define HVSIM_CALLER_KIND_SLOT 32
#define HVSIM_CALLER_RETURN_SLOT 40

#endif
