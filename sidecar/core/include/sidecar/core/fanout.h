/* SPDX-License-Identifier: MIT */
/*
 * Fan-out start (DESIGN.md §4): each node has a counter of the next VP
 * index to start, initialised to 1 (index 0 is the base VP, Linux's). Every
 * CPU that runs claims indexes and starts those VPs until none is left.
 */
#ifndef SIDECAR_CORE_FANOUT_H
#define SIDECAR_CORE_FANOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "sidecar/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SC_NO_VP UINT32_MAX

/*
 * Atomically claims the next index of the node (a fetch-add), or returns
 * SC_NO_VP when all indexes below vp_count are claimed. Once the counter
 * reaches vp_count it is no longer incremented, so it passes vp_count by at
 * most the number of CPUs racing for the last index and cannot wrap however
 * often it is polled.
 */
uint32_t sc_claim_vp(uint32_t *next_index, uint32_t vp_count);

/*
 * Whether the sidecar starts VP vp under HEAD's per-CPU state: always when
 * it is not specified (or vp is past the array, which validation refuses
 * for node VPs), else sidecar_starts_cpu[vp] != 0.
 */
bool sc_sidecar_starts_vp(const struct sidecar_per_cpu_state *s, uint32_t vp);

/*
 * sc_claim_vp, passing over the indexes whose VP the main kernel starts
 * (their status is REMOVED from the outset): the next index of the node
 * whose VP is the sidecar's, or SC_NO_VP.
 */
uint32_t sc_claim_sidecar_vp(uint32_t *next_index, uint32_t vp_count,
			     uint32_t base_vp,
			     const struct sidecar_per_cpu_state *s);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_FANOUT_H */
