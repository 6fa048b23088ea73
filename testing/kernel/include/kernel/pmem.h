/*
 * Physical memory for the boot shim and the scenarios: a bump allocator
 * over the RAM above the kernel that avoids the PVH modules, inside the
 * boot identity map (so a physical address is also a pointer).
 */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include <stdint.h>

/* After pvh_parse(): picks the largest RAM range above the kernel. */
void pmem_init(void);
/* Zeroed memory; align is a power of two. Panics when out of memory. */
uint64_t pmem_alloc(uint64_t size, uint64_t align, const char *what);
uint64_t pmem_alloc_page(const char *what);
/*
 * Zeroed memory inside [lo, hi) (a NUMA node's range), or 0 when it does
 * not fit there; never panics.
 */
uint64_t pmem_alloc_range(uint64_t size, uint64_t align, uint64_t lo,
			  uint64_t hi);
/* Bytes left (for messages). */
uint64_t pmem_free_bytes(void);

#endif
