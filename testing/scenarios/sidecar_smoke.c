// SPDX-License-Identifier: MIT
/*
 * scenario=smoke: boot the sidecar, then ping every usable VP with a
 * NONE command through driver/client (sd_client_test). No guest crash
 * report but from a VP whose injected exception (inject=Fault:...) fired
 * during the boot.
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
	/* Crash reports only from VPs whose injected fault fired. */
	scenario_check(env->result, hvsim_crashes() == boot.boot_faults,
		       "%u guest crash reports, %u injected faults fired",
		       hvsim_crashes(), boot.boot_faults);
	for (uint32_t v = 0; v < hvsim_vp_count(); v++) {
		bool crashed =
			hvsim_get_register(v, 2, HV_REGISTER_GUEST_CRASH_CTL)
				.low != 0;

		scenario_check(env->result, crashed == boot.boot_fault[v],
			       "VP %u: %s", v,
			       crashed ? "a crash report, but no injected "
					 "fault fired" :
					 "no crash report after its injected "
					 "fault");
	}
	return env->result->failures ? -1 : 0;
}
