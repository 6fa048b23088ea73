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
/*
 * Per-CPU lookup by x2APIC ID, computed rather than tabled: the page is
 * one 4 KiB page that the image copies, and nothing outside it is mapped
 * in the caller's table, so the stubs compute the CPU's hvsim PML4 from
 * its x2APIC ID alone (PML4_BASE + id * 4096), switch to it, and only then
 * read the CPU's block (CPU_BASE + id * HVSIM_CPU_SIZE), which hvsim's
 * table maps. The BSP is the exception: its callers (the boot shim's table
 * during the entry, the kernel's) borrow slot 511 after hvsim_init and
 * identity-map its PML4 only, so it has one of its own (BSP_PML4) into
 * which the stub copies the caller's slot 511 before switching. An AP's
 * slot 511 comes with its start context instead.
 */
#define HVSIM_PAGE_PML4_BASE_OFFSET 0x710 /* u64: PML4 of x2APIC ID 0 */
#define HVSIM_PAGE_CPU_BASE_OFFSET 0x718 /* u64: struct hvsim_cpu [id] */
#define HVSIM_PAGE_BSP_PML4_OFFSET 0x720 /* u64: the BSP's PML4 */
#define HVSIM_PAGE_APIC_LIMIT_OFFSET 0x728 /* u32: highest x2APIC ID + 1 */
#define HVSIM_PAGE_BSP_APIC_OFFSET 0x72C /* u32: the BSP's x2APIC ID */
#define HVSIM_PAGE_DATA_END 0x730

/*
 * struct hvsim_cpu, one per x2APIC ID below the limit (zero for IDs the
 * MADT does not list): what the stubs and hvsim_ap_start64 need.
 */
#define HVSIM_CPU_STACK_TOP 0x0 /* u64: hvsim's stack for this CPU, or 0 */
#define HVSIM_CPU_VP_INDEX 0x8 /* u32: its VP index (MADT position) */
#define HVSIM_CPU_SIZE 0x10
#define HVSIM_CPU_SHIFT 4

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
