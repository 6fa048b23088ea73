/*
 * Physical memory for the boot shim and the scenarios: the shim's own
 * memory (a bump allocator over a bounded range of RAM above the kernel
 * that avoids the PVH modules) and the RAM outside it, for node memory.
 * Both are in the kernel's identity map (direct_map.h), so a physical
 * address is also a pointer.
 */
#ifndef KERNEL_PMEM_H
#define KERNEL_PMEM_H

#include <stdint.h>

/* After pvh_parse(): picks the largest RAM range above the kernel. */
void pmem_init(void);
/* The shim's own memory, [*start, *end): what pmem_alloc hands out. */
void pmem_own_range(uint64_t *start, uint64_t *end);
/* Zeroed memory; align is a power of two. Panics when out of memory. */
uint64_t pmem_alloc(uint64_t size, uint64_t align, const char *what);
uint64_t pmem_alloc_page(const char *what);
/*
 * Zeroed memory outside the shim's own memory, inside [lo, hi) (a NUMA
 * node's range), as high as it fits; 0 when it fits nowhere. Needs
 * direct_map_init() first for RAM above 4 GiB.
 */
uint64_t pmem_alloc_outside(uint64_t size, uint64_t align, uint64_t lo,
			    uint64_t hi);
/* Bytes left (for messages). */
uint64_t pmem_free_bytes(void);

#endif
