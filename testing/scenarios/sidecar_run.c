// SPDX-License-Identifier: MIT
/*
 * RUN_VP helpers shared by the commands, run-intercept, run-cancel,
 * remove and faults scenarios.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/tsc.h>

#include <hvsim/hvsim.h>

#include "guest_load.h"
#include "sidecar_boot.h"
#include "sidecar_context.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define RSP 4
#define VTL2 2

void run_guest(uint32_t vp, uint32_t intercept_after)
{
	guest_load_steps(vp, intercept_after);
}

void run_prepare(struct sd_client_vp *c, uint32_t salt, bool keep,
		 struct run_before *b)
{
	struct sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);
	const struct hvsim_vp_record *r = hvsim_vp_record(c->vp);

	if (!keep)
		ctx_fill(ctx, c->vp, salt);
	b->ctx = *ctx;
	b->steps = guest_steps_done(c->vp);
	b->intercepts = r->exits_intercept;
	b->interrupts = r->exits_interrupt;
	b->vtl_returns = r->vtl_returns;
	b->rip = hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low;
	b->rflags = hvsim_get_register(c->vp, 0, HV_REGISTER_RFLAGS).low;
}

static void check_register_page(const struct scenario_env *env,
				struct sd_client_vp *c,
				const struct sidecar_cpu_context_x64 *ctx,
				uint64_t rip, uint64_t rflags, const char *what)
{
	const struct hv_x64_register_page *rp = sd_client_register_page(c);
	uint64_t rsp = hvsim_get_register(c->vp, 0, HV_REGISTER_RSP).low;
	uint32_t bad = 0;

	for (uint32_t i = 0; i < 16; i++)
		bad += rp->gp_registers[i] != (i == RSP ? rsp : ctx->gps[i]);
	for (uint32_t i = 0; i < 6; i++)
		bad += memcmp(&rp->xmm[i], ctx->fx_state.xmm[i], 16) != 0;
	CHECK(rp->is_valid == 1 && rp->vtl == 0 && rp->rip == rip &&
		      rp->rflags == rflags && !bad,
	      "VP %u %s: register page valid %u vtl %u rip 0x%lx (0x%lx) "
	      "rflags 0x%lx (0x%lx), %u registers differ",
	      c->vp, what, rp->is_valid, rp->vtl, rp->rip, rip, rp->rflags,
	      rflags, bad);
}

uint64_t run_check(const struct scenario_env *env, struct sd_client_vp *c,
		   const struct run_before *b, bool intercept,
		   int64_t want_steps, const char *what)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(c->vp);
	struct sidecar_cpu_context_x64 want;
	uint64_t steps = guest_steps_done(c->vp) - b->steps;
	uint64_t rip = intercept ? guest_gpa(guest_steps_out) :
				   guest_gpa(guest_steps_hlt) + 1;
	struct hv_message msg;

	CHECK(want_steps < 0 || steps == (uint64_t)want_steps,
	      "VP %u %s: %lu guest steps, expected %ld", c->vp, what, steps,
	      want_steps);
	/* No VTL return (STOP came first): the context is not touched. */
	if (r->vtl_returns == b->vtl_returns)
		want = b->ctx;
	else
		ctx_expect(&want, &b->ctx, steps);
	/* An interrupt ends a run at any instruction, mid-step too. */
	if (intercept || r->vtl_returns == b->vtl_returns ||
	    !ctx_within_step(&b->ctx, steps, sd_client_cpu_context(c)))
		CHECK(!ctx_diff(&want, sd_client_cpu_context(c), c->vp, what),
		      "VP %u %s: the CPU context is not the input after %lu "
		      "steps",
		      c->vp, what, steps);
	/* Halted (after its hlt), or at its exit; untouched if never run. */
	if (r->vtl_returns == b->vtl_returns)
		rip = b->rip;
	if (intercept)
		CHECK(hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low == rip,
		      "VP %u %s: VTL0 RIP 0x%lx, expected 0x%lx", c->vp, what,
		      hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low, rip);
	else if (steps || r->vtl_returns != b->vtl_returns)
		/* Halted, or stopped by the interrupt anywhere in the loop. */
		CHECK(hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low >=
				      guest_gpa(guest_steps) &&
			      hvsim_get_register(c->vp, 0, HV_REGISTER_RIP)
					      .low <= rip,
		      "VP %u %s: VTL0 RIP 0x%lx, expected guest_steps up to "
		      "0x%lx",
		      c->vp, what,
		      hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low, rip);
	CHECK(r->exits_intercept - b->intercepts == (intercept ? 1u : 0u),
	      "VP %u %s: %u intercept exits", c->vp, what,
	      r->exits_intercept - b->intercepts);
	if (!intercept)
		return steps;
	ctx_expect_message(&msg, c->vp, &want, rip, b->rflags);
	CHECK(!ctx_message_diff(&msg, sd_client_intercept_message(c), c->vp,
				what),
	      "VP %u %s: the intercept message is not guest_steps' out", c->vp,
	      what);
	CHECK(!memcmp(sd_client_intercept_message(c), hvsim_last_message(c->vp),
		      sizeof(msg)),
	      "VP %u %s: the intercept message differs from hvsim's", c->vp,
	      what);
	/* Mapped or not is hvsim's word; not mapped means nothing there. */
	if (hvsim_get_register(c->vp, VTL2, HV_REGISTER_REGISTER_PAGE).low)
		check_register_page(env, c, &want, rip, b->rflags, what);
	else
		CHECK(!sd_client_register_page(c)->is_valid,
		      "VP %u %s: register page valid but not mapped", c->vp,
		      what);
	return steps;
}

bool run_start(const struct scenario_env *env, struct sd_client_vp *c)
{
	struct sd_client_error e;

	return sidecar_client_ok(env, sd_client_run(c, &e), &e, c->vp,
				 "RUN_VP start");
}

bool run_wait(const struct scenario_env *env, struct sd_client_vp *c,
	      bool want_intercept)
{
	struct sd_client_error e;
	bool intercept;
	int r = sd_client_wait(c, sidecar_timeout_ns(env), &intercept, &e);

	if (!sidecar_client_ok(env, r, &e, c->vp, "RUN_VP"))
		return false;
	return CHECK(intercept == want_intercept,
		     "VP %u: RUN_VP ended %s an intercept", c->vp,
		     intercept ? "with" : "without");
}

bool run_await_waiting(const struct scenario_env *env, uint32_t vp)
{
	uint64_t deadline = rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);

	while (!hvsim_vp_waiting(vp)) {
		if (rdtsc() > deadline)
			return CHECK(false, "VP %u: VTL0 never halted", vp);
		cpu_relax();
	}
	return true;
}

bool run_to_intercept(const struct scenario_env *env, struct sd_client_vp *c,
		      uint32_t steps, uint32_t salt, bool keep)
{
	struct run_before b;
	uint32_t failures = env->result->failures;

	run_guest(c->vp, steps);
	run_prepare(c, salt, keep, &b);
	if (!run_start(env, c) || !run_wait(env, c, true))
		return false;
	run_check(env, c, &b, true, steps, "RUN_VP to an intercept");
	return env->result->failures == failures;
}

bool run_and_cancel(const struct scenario_env *env, struct sd_client_vp *c,
		    uint32_t salt)
{
	struct run_before b;
	uint32_t failures = env->result->failures;

	run_guest(c->vp, 0);
	run_prepare(c, salt, false, &b);
	if (!run_start(env, c))
		return false;
	run_await_waiting(env, c->vp);
	CHECK(sd_client_cancel(c) == 0, "VP %u: cancel refused", c->vp);
	if (!run_wait(env, c, false))
		return false;
	run_check(env, c, &b, false, 1, "cancelled RUN_VP");
	return env->result->failures == failures;
}
