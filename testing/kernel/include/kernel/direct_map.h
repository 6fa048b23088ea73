/*
 * The kernel's own identity map of RAM, like Linux's direct map: the boot
 * tables cover the first 4 GiB, direct_map_init() adds the RAM above.
 * The boot shim calls the sidecar's entry on another table (shim/
 * boot_map.c), which maps far less.
 */
#ifndef KERNEL_DIRECT_MAP_H
#define KERNEL_DIRECT_MAP_H

#include <stdbool.h>
#include <stdint.h>

/* After pmem_init(): maps every RAM range above 4 GiB, 2 MiB pages. */
void direct_map_init(void);
/* Is [pa, pa + len) reachable as a pointer through the kernel's table? */
bool direct_mapped(uint64_t pa, uint64_t len);

#endif
