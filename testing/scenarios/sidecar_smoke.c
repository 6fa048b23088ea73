// SPDX-License-Identifier: MIT
/*
 * scenario=smoke: boot the sidecar, then ping every usable VP with a
 * NONE command through driver/client (sd_client_test).
 */
#include <stdint.h>

#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"

static struct sidecar_boot boot;

int scenario_smoke(const struct scenario_env *env)
{
	uint32_t vps[HVSIM_MAX_VPS], count, pinged = 0;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp c;
		struct sd_client_error e;

		if (!sidecar_client(env, &boot, vps[i], &c))
			continue;
		if (sidecar_client_ok(env, sd_client_test(&c, &e), &e, vps[i],
				      "NONE"))
			pinged++;
	}
	shim_platform_stop();
	printf("smoke: %u VPs answered NONE, %u responses\n", pinged,
	       shim_responses());
	scenario_check(env->result, pinged == env->result->booted,
		       "%u of %u booted VPs answered", pinged,
		       env->result->booted);
	scenario_check(env->result, shim_reports() == 0, "%u driver reports",
		       shim_reports());
	scenario_check(env->result, hvsim_crashes() == 0,
		       "%u guest crash reports", hvsim_crashes());
	return env->result->failures ? -1 : 0;
}
