/* SPDX-License-Identifier: MIT */
/*
 * RUN_VP through driver/client, checked against hvsim: what a test notes
 * before a run, and the checks after it (context bit for bit against the
 * number of steps guest_steps counted, intercept message, register page,
 * the VTL0 register file).
 */
#ifndef SCENARIOS_SIDECAR_RUN_H
#define SCENARIOS_SIDECAR_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include <scenarios/scenario.h>

#include "sidecar/driver/client.h"

struct run_before {
	struct sidecar_cpu_context_x64 ctx;
	uint64_t steps; /* guest_steps' steps on the VP so far */
	uint32_t intercepts; /* its intercept exits so far */
	uint32_t interrupts; /* its interrupt exits so far */
	uint32_t vtl_returns; /* its VTL returns so far */
	uint64_t rip; /* VTL0 RIP before */
	uint64_t rflags; /* VTL0 RFLAGS */
};

/*
 * VTL0 of vp runs guest_steps (testing/guests): an intercept (out 0xe9)
 * after `steps` steps, or (0) one step and then HLT, until cancelled.
 */
void run_guest(uint32_t vp, uint32_t intercept_after);

/*
 * Before a run: a fresh context (salt) unless keep, then notes the state.
 * The client must be idle.
 */
void run_prepare(struct sd_client_vp *c, uint32_t salt, bool keep,
		 struct run_before *b);

/*
 * After a run that completed (intercept or not): the context is b's after
 * exactly the steps the guest counted, and for an intercept the message, the
 * register page and the counters agree. want_steps < 0: any number.
 * Returns the steps taken.
 */
uint64_t run_check(const struct scenario_env *env, struct sd_client_vp *c,
		   const struct run_before *b, bool intercept,
		   int64_t want_steps, const char *what);

/* Starts the run; a failed check if the driver refused. */
bool run_start(const struct scenario_env *env, struct sd_client_vp *c);

/*
 * Waits for a started run; checks it ended without error and whether it
 * ended in an intercept.
 */
bool run_wait(const struct scenario_env *env, struct sd_client_vp *c,
	      bool want_intercept);

/* Polls (bounded by the watchdog) until vp's VTL0 is halted. */
bool run_await_waiting(const struct scenario_env *env, uint32_t vp);

/* run_prepare + run_start + run_wait + run_check for an intercept. */
bool run_to_intercept(const struct scenario_env *env, struct sd_client_vp *c,
		      uint32_t steps, uint32_t salt, bool keep);

/*
 * A run of guest_steps that halts, cancelled once it is halted: one step,
 * no intercept.
 */
bool run_and_cancel(const struct scenario_env *env, struct sd_client_vp *c,
		    uint32_t salt);

#endif
