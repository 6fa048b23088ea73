/* SPDX-License-Identifier: MIT */
/*
 * Validation of the boot shim's SidecarParams (DESIGN.md §4), before the
 * kernel touches any memory the params describe.
 */
#ifndef SIDECAR_CORE_VALIDATE_H
#define SIDECAR_CORE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidecar/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Memory no node may overlap, e.g. {image_pa, image_size, "the image"}.
 * `what` is used in the message: "overlaps the image [0x..., 0x...)".
 */
struct sc_reserved_range {
	uint64_t base;
	uint64_t size;
	const char *what;
};

/*
 * Reads *p only. On the first rule broken, stores a message naming the node
 * and the field in *err and returns false; *err is untouched on success.
 *
 * Order: node_count; hypercall_page; per node in order vp_count,
 * memory_base, memory_size, memory_base + memory_size, base_vp + vp_count;
 * then node memory against every earlier node, node memory against every
 * reserved range, node VPs against every earlier node (each scanning nodes
 * in order and reporting the later node against the earlier one); then
 * initial_state (HEAD): per_cpu_state_specified 0 or 1, and when 1, per
 * node in order: its VPs within sidecar_starts_cpu, each entry 0 or 1, at
 * least one AP (not the base VP) marked 1. All zero, as a seed-era loader
 * leaves it, is "not specified".
 */
bool sc_validate_params(const struct sidecar_params *p,
			const struct sc_reserved_range *reserved,
			size_t n_reserved, struct sidecar_command_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_VALIDATE_H */
