// SPDX-License-Identifier: MIT
/*
 * scenario=smoke: boot the sidecar, then ping every usable VP with a
 * NONE command through the control page.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"

static struct sidecar_boot boot;

int scenario_smoke(const struct scenario_env *env)
{
	uint32_t pinged = 0;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	shim_driver_init();
	for (uint32_t i = 0; i < boot.nr_nodes; i++) {
		struct shim_node *n = &boot.nodes[i];

		for (uint32_t j = 1; j < n->vp_count; j++) {
			if (!sidecar_vp_usable(n, j))
				continue;
			scenario_check(env->result,
				       shim_command(n, j, SIDECAR_COMMAND_NONE,
						    env->watchdog_ms),
				       "VP %u: NONE failed", n->base_vp + j);
			pinged++;
		}
	}
	shim_driver_fini();
	printf("smoke: %u VPs answered NONE, %u responses\n", pinged,
	       shim_responses());
	scenario_check(env->result, hvsim_crashes() == 0,
		       "%u guest crash reports", hvsim_crashes());
	return env->result->failures ? -1 : 0;
}
