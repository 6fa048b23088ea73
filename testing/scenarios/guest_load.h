/* SPDX-License-Identifier: MIT */
/*
 * Loading the VTL0 guest programs (testing/guests) into hvsim's VTL0 RAM:
 * the blob once, identity page tables, a GDT, IDT and TSS for the 64-bit
 * programs, and a VP's registers set as a VMM would before RUN_VP.
 */
#ifndef SCENARIOS_GUEST_LOAD_H
#define SCENARIOS_GUEST_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <guests/layout.h>

/* Copies the blob and builds the tables; once, on the BSP. */
void guest_setup(void);

/*
 * vp's VTL0 at guest_steps with `every` steps per exit (0: halt after one
 * step); the step count carries on from the last load.
 */
void guest_load_steps(uint32_t vp, uint32_t every);
/* vp's VTL0 at guest_intercepts (64-bit) or guest_real (real mode). */
void guest_load_intercepts(uint32_t vp);
void guest_load_real(uint32_t vp);

/* The paging registers the 64-bit programs run with. */
void guest_paging(uint64_t *cr0, uint64_t *cr3, uint64_t *cr4, uint64_t *efer);

/* Steps guest_steps has done on vp. */
uint64_t guest_steps_done(uint32_t vp);

/* The GPA (== VA) of a guest label; the CS offset for real mode. */
uint64_t guest_gpa(const uint8_t *label);
uint64_t guest_real_ip(const uint8_t *label);
/* A zeroed page of VTL0 RAM for a test's own guest tables. */
uint64_t guest_alloc_page(void);

/*
 * Maps va -> pa (4 KiB, or 2 MiB when large) with leaf flags (P added) in
 * the guest table at root, its tables taken from VTL0 RAM: hvsim reads
 * VTL0's tables through nested paging, so they must live there.
 */
void guest_table_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags,
		     bool large);

/* Where GUEST_UNMAPPED_VA leads: a GPA outside VTL0 RAM. */
uint64_t guest_unmapped_gpa(void);

/* The selectors and attributes the 64-bit programs run with. */
#define GUEST_CS 0x08
#define GUEST_DS 0x10
#define GUEST_TR 0x18
#define GUEST_CS_ATTR 0xA09B
#define GUEST_DS_ATTR 0xC093

#endif
