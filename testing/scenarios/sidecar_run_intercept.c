// SPDX-License-Identifier: MIT
/*
 * scenario=run-intercept: RUN_VP until the lower VTL exits with an
 * intercept, through driver/client, on every usable VP (seeded order):
 *  - from a fresh context after 1..4 model steps (by VP), then again from
 *    the resulting context with two more steps: context (all 1024 bytes),
 *    intercept message (against an independent statement of the model,
 *    and hvsim's copy), register page and VTL0 RIP bit for bit, the
 *    message's exit number counting up;
 *  - the VTL0 register file agrees with the context (GET after RUN);
 *  - a context the image must refuse (MXCSR reserved bit): the sidecar's
 *    exact error text, no VTL return, and the VP runs fine afterwards;
 *  - every VP at once: all started, then collected newest first.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/rand.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_context.h"
#include "sidecar_registers.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)

static struct sidecar_boot boot;
static struct sd_client_vp clients[HVSIM_MAX_VPS];
static struct run_before before[HVSIM_MAX_VPS];

/* The lower VTL's RIP and RFLAGS, set through the client. */
static void set_rip(const struct scenario_env *env, struct sd_client_vp *c)
{
	struct hv_register_assoc regs[2] = {
		{ .name = HV_REGISTER_RIP,
		  .value.reg128 = { 0xffff800000100000ull + c->vp * 0x1000,
				    0 } },
		{ .name = HV_REGISTER_RFLAGS, .value.reg128 = { 0x246, 0 } },
	};
	struct sd_client_error e;

	sidecar_client_ok(env, sd_client_set_registers(c, VTL0, regs, 2, &e),
			  &e, c->vp, "SET RIP/RFLAGS");
}

static void bad_context(const struct scenario_env *env, struct sd_client_vp *c)
{
	uint32_t mask = ctx_mxcsr_mask(), bit = ~mask & -~mask;
	struct sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);
	const struct hvsim_vp_record *r = hvsim_vp_record(c->vp);
	uint32_t returns = r->vtl_returns;
	struct sd_client_error e;
	char want[128];
	bool intercept;
	int rc;

	if (!bit)
		return; /* every MXCSR bit is valid on this CPU */
	run_guest(c->vp, 1);
	ctx_fill(ctx, c->vp, 5);
	ctx->fx_state.mxcsr |= bit;
	snprintf(want, sizeof(want),
		 "cpu_context: MXCSR 0x%x sets reserved bits (MXCSR_MASK 0x%x)",
		 ctx->fx_state.mxcsr, mask);
	if (!run_start(env, c))
		return;
	rc = sd_client_wait(c, sidecar_timeout_ns(env), &intercept, &e);
	CHECK(rc == -SD_EIO && e.kind == SD_CLIENT_ERR_SIDECAR &&
		      !strcmp(e.msg, want),
	      "VP %u: bad MXCSR: %d kind %d '%s', expected '%s'", c->vp, rc,
	      e.kind, e.msg, want);
	CHECK(r->vtl_returns == returns,
	      "VP %u: the refused context reached the lower VTL", c->vp);
	/* Still usable. */
	run_to_intercept(env, c, 1, 6, false);
}

static void all_at_once(const struct scenario_env *env, const uint32_t *vps,
			uint32_t count)
{
	uint32_t started = 0;

	for (uint32_t i = 0; i < count; i++) {
		run_guest(vps[i], 3);
		run_prepare(&clients[i], 7, false, &before[i]);
	}
	for (uint32_t i = 0; i < count; i++)
		started += run_start(env, &clients[i]);
	for (uint32_t i = started; i-- > 0;)
		if (run_wait(env, &clients[i], true))
			run_check(env, &clients[i], &before[i], true, 3,
				  "concurrent RUN_VP");
	printf("run-intercept: %u VPs ran at once\n", started);
}

int scenario_run_intercept(const struct scenario_env *env)
{
	uint32_t vps[HVSIM_MAX_VPS], count;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	count = sidecar_usable_vps_shuffled(&boot, vps, HVSIM_MAX_VPS,
					    env->seed);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp *c = &clients[i];
		uint32_t steps = 1 + vps[i] % 4;

		if (!sidecar_client(env, &boot, vps[i], c))
			return -1;
		printf("run-intercept: VP %u, %u steps\n", vps[i], steps);
		set_rip(env, c);
		run_to_intercept(env, c, steps, 1, false);
		run_to_intercept(env, c, steps + 2, 0, true);
		regs_match_context(env, c);
		bad_context(env, c);
	}
	all_at_once(env, vps, count);
	shim_platform_stop();
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	CHECK(hvsim_crashes() == 0, "%u guest crash reports", hvsim_crashes());
	printf("run-intercept: %u VPs, %u checks, %u failures\n", count,
	       env->result->checks, env->result->failures);
	return env->result->failures ? -1 : 0;
}
