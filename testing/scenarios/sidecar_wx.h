/* SPDX-License-Identifier: MIT */
/*
 * The sidecar's address space as docs/DESIGN.md §4 states it, written
 * down here independently of the image's own vmem.h so a change on either
 * side shows: everything in PML4 slot 511, the 2 MiB image window first
 * (one table shared by every VP), then each VP's own 2 MiB window.
 */
#ifndef SCENARIOS_SIDECAR_WX_H
#define SCENARIOS_SIDECAR_WX_H

#define WX_VA_IMAGE 0xffffff8000000000ull
#define WX_WINDOW 0x200000ull
#define WX_VA_VP (WX_VA_IMAGE + WX_WINDOW)
#define WX_PAGE 4096ull

/* Slots of the per-VP window. */
#define WX_SLOT_PT_SELF 0
#define WX_SLOT_HCALL_IN 1
#define WX_SLOT_HCALL_OUT 2
#define WX_SLOT_COMMAND 3
#define WX_SLOT_GLOBALS 4
#define WX_SLOT_ASSIST 5
#define WX_SLOT_CONTROL 6
#define WX_SLOT_REGISTER 7
#define WX_SLOT_TEMP 256
#define WX_SLOT_STACK_GUARD 508
#define WX_SLOT_STACK 509 /* ..511 */

#define WX_VP_VA(slot) (WX_VA_VP + (unsigned long long)(slot) * WX_PAGE)

#endif
