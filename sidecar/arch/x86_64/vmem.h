/* SPDX-License-Identifier: MIT */
/*
 * The sidecar's virtual address space (docs/DESIGN.md §4, hv_facts §12).
 *
 * Everything lives in PML4 slot 511. pd[0] maps the 2 MiB image through one
 * page table shared by every VP; pd[1] maps the VP's own page table, whose
 * slots hold exactly the per-VP pages below. Nothing else is mapped.
 *
 * Stack guard: the stack is slots 509-511 (an AP's from its per-VP pages,
 * the BSP's from the image's BSS) and grows down towards slot 508,
 * which is never mapped, and nothing else is mapped below it down to the
 * temporary slot 256. Running off the bottom of the stack therefore faults
 * on its first access instead of corrupting a neighbour. That #PF cannot
 * push its frame either, so the CPU raises #DF, whose gate runs on IST1 =
 * SC_VA_STACK_TOP (start_vp.c) and reports it (docs/HARDENING.md).
 * Scenario w-x checks the layout for every VP, ap-fault the live guard.
 */
#ifndef SIDECAR_ARCH_VMEM_H
#define SIDECAR_ARCH_VMEM_H

#define SC_VA_BASE 0xffffff8000000000ULL
#define SC_IMAGE_MAX_SIZE 0x200000ULL
#define SC_VA_VP_BASE (SC_VA_BASE + SC_IMAGE_MAX_SIZE)
#define SC_PAGE_SIZE 4096ULL

/* Slots of the per-VP page table (pd[1]). */
#define SC_SLOT_PT_SELF 0 /* the page table itself: edits own mappings */
#define SC_SLOT_HCALL_IN 1
#define SC_SLOT_HCALL_OUT 2
#define SC_SLOT_COMMAND 3
#define SC_SLOT_GLOBALS 4
#define SC_SLOT_ASSIST 5
#define SC_SLOT_CONTROL 6
#define SC_SLOT_REGISTER 7
#define SC_SLOT_TEMP 256 /* temporary map of any physical page */
#define SC_SLOT_STACK_GUARD 508 /* never mapped: overflow faults */
#define SC_SLOT_STACK 509 /* 509..511 */

#define SC_VP_VA(slot) \
	(SC_VA_VP_BASE + (unsigned long long)(slot) * SC_PAGE_SIZE)
#define SC_VA_STACK_TOP (SC_VA_VP_BASE + 512 * SC_PAGE_SIZE)

/* Page-table entry bits. */
#define SC_PTE_P 0x1ULL
#define SC_PTE_RW 0x2ULL
#define SC_PTE_NX (1ULL << 63)
#define SC_PTE_ADDR_MASK 0x000ffffffffff000ULL
#define SC_PTE_DATA (SC_PTE_P | SC_PTE_RW | SC_PTE_NX)
#define SC_PTE_TABLE (SC_PTE_P | SC_PTE_RW)

#endif
