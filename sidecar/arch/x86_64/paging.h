/* SPDX-License-Identifier: MIT */
#ifndef SIDECAR_ARCH_PAGING_H
#define SIDECAR_ARCH_PAGING_H

#include <stdint.h>

#include "percpu.h"

/* Maps physical page `pa` at the CPU's temporary slot; valid until the next
 * call on this CPU. */
void *sc_temp_map(struct sc_cpu *cpu, uint64_t pa);

/* Writes the page tables of VP `layout` (through the temporary map): the
 * image through the shared image table, its own pages, nothing else. */
void sc_build_vp_tables(struct sc_cpu *cpu, const struct sc_vp_layout *layout,
			uint64_t control_pa);

#endif
