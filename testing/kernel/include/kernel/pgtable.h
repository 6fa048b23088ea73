/*
 * Building 4-level page tables in physical memory (identity-mapped), for
 * the address spaces the scenarios give to started CPUs and to guests.
 */
#ifndef KERNEL_PGTABLE_H
#define KERNEL_PGTABLE_H

#include <stdint.h>

#define PGT_P 0x1ull
#define PGT_W 0x2ull
#define PGT_U 0x4ull
#define PGT_PS 0x80ull
#define PGT_NX (1ull << 63)
#define PGT_ADDR 0x000ffffffffff000ull

/* Leaf levels: a 4 KiB PTE, a 2 MiB PDE, a 1 GiB PDPTE. */
#define PGT_4K 3
#define PGT_2M 2
#define PGT_1G 1

/*
 * Maps va -> pa with the leaf `flags` (PGT_P is added) at `level` in the
 * table rooted at pml4 (physical). Missing tables come from pmem with
 * table_flags (P is added). Returns the leaf entry.
 */
uint64_t *pgtable_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags,
		      unsigned int level, uint64_t table_flags);
/* The same with missing tables from alloc_table (zeroed pages). */
uint64_t *pgtable_map_in(uint64_t pml4, uint64_t va, uint64_t pa,
			 uint64_t flags, unsigned int level,
			 uint64_t table_flags, uint64_t (*alloc_table)(void));
/* The entry of va at level, or NULL if a table above it is missing. */
uint64_t *pgtable_entry(uint64_t pml4, uint64_t va, unsigned int level);

#endif
