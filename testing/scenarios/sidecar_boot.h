/* SPDX-License-Identifier: MIT */
/*
 * Booting the sidecar image from a scenario: load, place, override, call
 * the entry, check the outcome and every node's VPs.
 */
#ifndef SCENARIOS_SIDECAR_BOOT_H
#define SCENARIOS_SIDECAR_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/shim.h>
#include <scenarios/scenario.h>

struct sidecar_boot {
	struct shim_image image;
	struct sidecar_params *params;
	struct sidecar_output *output;
	bool entry_ok;
	uint32_t nr_nodes;
	struct shim_node nodes[SIDECAR_MAX_NODES];
};

/*
 * Returns true when the scenario should go on with a booted sidecar.
 * False when it is over: an expected boot error was seen (the result says
 * whether it was right) or the boot failed (recorded as a failure).
 */
bool sidecar_boot(const struct scenario_env *env, struct sidecar_boot *b);

/* Does node CPU idx serve commands (IDLE after boot)? */
bool sidecar_vp_usable(const struct shim_node *n, uint32_t idx);

#endif
