// SPDX-License-Identifier: MIT
/*
 * scenario=logging: the events the image logs, one of each: boot, every
 * AP online, a command on every VP, a run whose register page fails to
 * map (a logged, not reported, failure), and a removal. With log=1 the
 * test checks every "sidecar#" line is whole and well-formed; with log=0
 * that only failure reports appear. The scenario itself only drives the
 * events and checks they happened.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)

static struct sidecar_boot boot;

int scenario_logging(const struct scenario_env *env)
{
	const struct hvsim_inject_rule regpage = {
		.code = HV_CALL_SET_VP_REGISTERS,
		.status = HV_STATUS_ACCESS_DENIED,
		.reg = HV_REGISTER_REGISTER_PAGE,
		.once = true,
	};
	struct hvsim_inject_rule r = regpage;
	uint32_t vps[HVSIM_MAX_VPS], count, last;
	struct sd_client_vp c;
	struct sd_client_error e;
	int rc;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	if (!CHECK(count >= 2, "needs two usable VPs, has %u", count))
		return -1;
	for (uint32_t i = 0; i < count; i++)
		if (sidecar_client(env, &boot, vps[i], &c))
			sidecar_client_ok(env, sd_client_test(&c, &e), &e,
					  vps[i], "NONE");
	/* "register page not mapped" on the first VP. */
	r.vp = vps[0];
	hvsim_inject_rule(&r);
	if (sidecar_client(env, &boot, vps[0], &c))
		run_to_intercept(env, &c, 1, 1, false);
	/* "removed" on the last. */
	last = vps[count - 1];
	rc = sd_vp_remove(sidecar_node_of(&boot, last), last,
			  sidecar_timeout_ns(env));
	CHECK(rc == 0, "VP %u: remove: %s", last, sd_strerror(rc));
	shim_platform_stop();
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	printf("logging: %u VPs, VP %u ran without a register page, VP %u "
	       "removed\n",
	       count, vps[0], last);
	return env->result->failures ? -1 : 0;
}
