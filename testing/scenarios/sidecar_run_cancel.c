// SPDX-License-Identifier: MIT
/*
 * scenario=run-cancel: RUN_VP ended from outside, on every usable VP
 * (seeded order); each result checked bit for bit against the number of
 * steps guest_steps counted (one, then HLT):
 *  - cancel (sd_client_cancel) while VTL0 is halted: one step;
 *  - a wait that times out leaves the run going; cancel then ends it;
 *  - a request IPI without STOP: the image takes the INTERRUPT exit, sees
 *    no STOP and goes back to VTL0, which stays halted (no more steps,
 *    as on Hyper-V), still RUN;
 *  - RUN_VP entered with the request IPI already pending: one INTERRUPT
 *    exit before any guest instruction, then the intercept (no livelock);
 *  - cancel right after the start: STOP may beat the first VTL return
 *    (zero steps) or not (one);
 *  - a synchronous run (sd_vp_run) whose deadline passes: the driver
 *    cancels it, returns -ETIMEDOUT and reports it once;
 *  - a synchronous run interrupted by a (pretend) signal: -EINTR, the
 *    driver cancels it;
 *  - a cancel that comes after the run already ended in an intercept:
 *    the intercept is kept;
 *  - three run/cancel rounds in a row, then NONE;
 *  - every VP at once: all started, all waiting, all cancelled, collected.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/rand.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define MS 1000000ull
#define SYNC_TIMEOUT_NS (20 * MS)
#define SIGNAL_AFTER_NS (10 * MS)
#define WAIT_TIMEOUT_NS (5 * MS)

static struct sidecar_boot boot;
static struct sd_client_vp clients[HVSIM_MAX_VPS];
static struct run_before before[HVSIM_MAX_VPS];
static uint32_t expected_reports;

static uint8_t cpu_status(const struct sd_client_vp *c)
{
	return sidecar_cpu_status_load(c->node->control,
				       c->vp - c->node->base_cpu);
}

static void wait_times_out(const struct scenario_env *env,
			   struct sd_client_vp *c)
{
	struct sd_client_error e;
	struct run_before b;
	bool intercept;
	int r;

	run_guest(c->vp, 0);
	run_prepare(c, 2, false, &b);
	if (!run_start(env, c) || !run_await_waiting(env, c->vp))
		return;
	r = sd_client_wait(c, WAIT_TIMEOUT_NS, &intercept, &e);
	CHECK(r == -SD_ETIMEDOUT && c->running &&
		      cpu_status(c) == SIDECAR_CPU_STATUS_RUN,
	      "VP %u: a short wait on a waiting run: %d (%s), running %d",
	      c->vp, r, e.msg, c->running);
	CHECK(sd_client_cancel(c) == 0, "VP %u: cancel refused", c->vp);
	if (run_wait(env, c, false))
		run_check(env, c, &b, false, 1,
			  "cancel after a timed-out wait");
}

/* hvsim's interrupt exits of vp reach n (bounded). */
static bool await_interrupt_exits(const struct scenario_env *env, uint32_t vp,
				  uint32_t n)
{
	uint64_t deadline = rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);

	while (hvsim_vp_record(vp)->exits_interrupt < n)
		if (rdtsc() > deadline)
			return false;
	return true;
}

/*
 * RUN_VP entered with the request IPI already pending (hvsim sends it just
 * before VMRUN): the INTR exit comes before any guest instruction, the
 * image takes the interrupt itself, sees no STOP and runs VTL0 again,
 * which reaches its intercept. Without the image's interrupt window the
 * run would exit at once forever.
 */
static void pending_at_entry(const struct scenario_env *env,
			     struct sd_client_vp *c)
{
	struct run_before b;

	run_guest(c->vp, 2);
	run_prepare(c, 8, false, &b);
	hvsim_pend_interrupt_at_entry(c->vp, (uint8_t)c->node->request_vector);
	if (!run_start(env, c) || !run_wait(env, c, true))
		return;
	run_check(env, c, &b, true, 2, "RUN_VP entered with an IPI pending");
	CHECK(hvsim_vp_record(c->vp)->entry_irqs == 1 &&
		      hvsim_vp_record(c->vp)->exits_interrupt ==
			      b.interrupts + 1,
	      "VP %u: %u runs began with an interrupt pending, %u INTERRUPT "
	      "exits (expected 1 and 1)",
	      c->vp, hvsim_vp_record(c->vp)->entry_irqs,
	      hvsim_vp_record(c->vp)->exits_interrupt - b.interrupts);
}

static void stray_interrupt(const struct scenario_env *env,
			    struct sd_client_vp *c)
{
	struct run_before b;

	run_guest(c->vp, 0);
	run_prepare(c, 3, false, &b);
	if (!run_start(env, c) || !run_await_waiting(env, c->vp))
		return;
	/* The request vector, as a late or duplicate IPI would come. */
	x2apic_send_ipi(shim_platform()->vp_apic_id(NULL, c->vp),
			(uint8_t)c->node->request_vector);
	CHECK(await_interrupt_exits(env, c->vp, b.interrupts + 1),
	      "VP %u: the stray IPI caused no INTERRUPT exit", c->vp);
	/* Back in the lower VTL, still halted, the command still running. */
	run_await_waiting(env, c->vp);
	CHECK(cpu_status(c) == SIDECAR_CPU_STATUS_RUN && c->running,
	      "VP %u: the run ended on an interrupt without STOP (status %u)",
	      c->vp, cpu_status(c));
	CHECK(sd_client_cancel(c) == 0, "VP %u: cancel refused", c->vp);
	if (run_wait(env, c, false))
		run_check(env, c, &b, false, 1, "RUN_VP after a stray IPI");
}

static void cancel_at_once(const struct scenario_env *env,
			   struct sd_client_vp *c)
{
	struct run_before b;
	uint64_t steps;

	run_guest(c->vp, 0);
	run_prepare(c, 4, false, &b);
	if (!run_start(env, c))
		return;
	CHECK(sd_client_cancel(c) == 0, "VP %u: cancel refused", c->vp);
	if (!run_wait(env, c, false))
		return;
	steps = run_check(env, c, &b, false, -1, "RUN_VP cancelled at once");
	CHECK(steps <= 1, "VP %u: %lu steps for a run cancelled at once", c->vp,
	      steps);
}

/* RUN_VP through sd_vp_run: the driver's own cancel paths. */
static void sync_run(const struct scenario_env *env, struct sd_client_vp *c,
		     bool by_signal)
{
	const char *what = by_signal ? "RUN_VP interrupted by a signal" :
				       "RUN_VP past its deadline";
	uint32_t reports = shim_reports();
	struct run_before b;
	struct sd_claim claim;
	uint64_t steps;
	int r;

	/* The page is written only under the claim. */
	r = sd_vp_claim(c->node, c->vp, &claim);
	if (!CHECK(r == 0, "VP %u: %s: claim: %s", c->vp, what, sd_strerror(r)))
		return;
	run_guest(c->vp, 0);
	run_prepare(c, by_signal ? 6 : 5, false, &b);
	c->page->command = SIDECAR_COMMAND_RUN_VP;
	if (by_signal)
		shim_signal_after(SIGNAL_AFTER_NS);
	r = sd_vp_run(c->node, &claim,
		      by_signal ? sidecar_timeout_ns(env) : SYNC_TIMEOUT_NS);
	shim_signal_cancel();
	CHECK(r == (by_signal ? -SD_EINTR : -SD_ETIMEDOUT) &&
		      cpu_status(c) == SIDECAR_CPU_STATUS_IDLE &&
		      sd_vp_state(c->node, c->vp) == SD_VP_AVAIL,
	      "VP %u: %s: %s, status %u, state %d", c->vp, what, sd_strerror(r),
	      cpu_status(c), sd_vp_state(c->node, c->vp));
	if (!by_signal)
		expected_reports++;
	CHECK(shim_reports() - reports == (by_signal ? 0u : 1u),
	      "VP %u: %s: %u driver reports", c->vp, what,
	      shim_reports() - reports);
	CHECK(!c->page->has_error, "VP %u: %s: has_error", c->vp, what);
	steps = run_check(env, c, &b, false, -1, what);
	CHECK(steps <= 1, "VP %u: %s: %lu steps", c->vp, what, steps);
}

static void cancel_after_intercept(const struct scenario_env *env,
				   struct sd_client_vp *c)
{
	uint64_t deadline = rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);
	struct run_before b;

	run_guest(c->vp, 1);
	run_prepare(c, 7, false, &b);
	if (!run_start(env, c))
		return;
	while (cpu_status(c) != SIDECAR_CPU_STATUS_IDLE && rdtsc() < deadline)
		cpu_relax();
	CHECK(sd_client_cancel(c) == 0, "VP %u: a late cancel refused", c->vp);
	if (run_wait(env, c, true))
		run_check(env, c, &b, true, 1, "RUN_VP cancelled too late");
}

static void all_at_once(const struct scenario_env *env, const uint32_t *vps,
			uint32_t count)
{
	uint32_t started = 0;

	for (uint32_t i = 0; i < count; i++) {
		run_guest(vps[i], 0);
		run_prepare(&clients[i], 8, false, &before[i]);
	}
	for (uint32_t i = 0; i < count; i++)
		started += run_start(env, &clients[i]);
	for (uint32_t i = 0; i < started; i++)
		run_await_waiting(env, vps[i]);
	for (uint32_t i = 0; i < started; i++)
		CHECK(sd_client_cancel(&clients[i]) == 0,
		      "VP %u: cancel refused", vps[i]);
	for (uint32_t i = 0; i < started; i++)
		if (run_wait(env, &clients[i], false))
			run_check(env, &clients[i], &before[i], false, 1,
				  "concurrent cancel");
	printf("run-cancel: %u VPs cancelled at once\n", started);
}

int scenario_run_cancel(const struct scenario_env *env)
{
	uint32_t vps[HVSIM_MAX_VPS], count;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	count = sidecar_usable_vps_shuffled(&boot, vps, HVSIM_MAX_VPS,
					    env->seed);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp *c = &clients[i];
		struct sd_client_error e;

		if (!sidecar_client(env, &boot, vps[i], c))
			return -1;
		printf("run-cancel: VP %u\n", vps[i]);
		run_and_cancel(env, c, 1);
		wait_times_out(env, c);
		stray_interrupt(env, c);
		pending_at_entry(env, c);
		cancel_at_once(env, c);
		sync_run(env, c, false);
		sync_run(env, c, true);
		cancel_after_intercept(env, c);
		for (uint32_t k = 0; k < 3; k++)
			run_and_cancel(env, c, 10 + k);
		sidecar_client_ok(env, sd_client_test(c, &e), &e, vps[i],
				  "NONE after the cancels");
	}
	all_at_once(env, vps, count);
	shim_platform_stop();
	CHECK(shim_reports() == expected_reports,
	      "%u driver reports, %u expected", shim_reports(),
	      expected_reports);
	CHECK(hvsim_crashes() == 0, "%u guest crash reports", hvsim_crashes());
	printf("run-cancel: %u VPs, %u checks, %u failures\n", count,
	       env->result->checks, env->result->failures);
	return env->result->failures ? -1 : 0;
}
