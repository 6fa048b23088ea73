/* SPDX-License-Identifier: MIT */
/*
 * Scenarios: what the test kernel runs when the command line names one
 * (scenario=NAME). They start with hvsim set up and the APs still waiting
 * for a SIPI, and end with one "summary:" line.
 */
#ifndef SCENARIOS_SCENARIO_H
#define SCENARIOS_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

/* What a scenario reports in its summary line. */
struct scenario_result {
	uint32_t nodes; /* sidecar nodes in SidecarParams */
	uint32_t booted; /* VPs that came up and are usable */
	uint32_t started; /* StartVirtualProcessor successes */
	uint32_t checks; /* individual checks made */
	uint32_t failures; /* checks that failed */
};

struct scenario_env {
	const char *cmdline;
	uint64_t seed;
	uint64_t watchdog_ms; /* bound of every wait */
	struct scenario_result *result;
};

/* Options scenarios understand (NULL-terminated), for cmdline_check(). */
extern const char *const scenario_options[];

/* Runs the scenario of scenario=NAME. Returns 0 on pass. */
int scenario_main(const char *cmdline);

/* A check: counted, and printed with "FAIL:" when it does not hold. */
__attribute__((format(printf, 3, 4))) bool
scenario_check(struct scenario_result *r, bool ok, const char *fmt, ...);

#endif
