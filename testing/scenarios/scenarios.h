/* SPDX-License-Identifier: MIT */
/*
 * The scenarios scenario.c can run.
 */
#ifndef SCENARIOS_SCENARIOS_H
#define SCENARIOS_SCENARIOS_H

#include <scenarios/scenario.h>

int scenario_hvsim_selftest(const struct scenario_env *env);
int scenario_hvsim_no_assist(const struct scenario_env *env);
int scenario_smoke(const struct scenario_env *env);
int scenario_commands(const struct scenario_env *env);
int scenario_wx(const struct scenario_env *env);
int scenario_ap_fault(const struct scenario_env *env);
int scenario_error_bounds(const struct scenario_env *env);
int scenario_run_intercept(const struct scenario_env *env);
int scenario_intercepts(const struct scenario_env *env);
int scenario_run_cancel(const struct scenario_env *env);
int scenario_remove(const struct scenario_env *env);
int scenario_faults(const struct scenario_env *env);
int scenario_fanout(const struct scenario_env *env);
int scenario_logging(const struct scenario_env *env);
int scenario_bench(const struct scenario_env *env);
int scenario_demo(const struct scenario_env *env);
int scenario_stress(const struct scenario_env *env);
int scenario_hvsim_buffers(const struct scenario_env *env);
int scenario_hvsim_reps(const struct scenario_env *env);
int scenario_hvsim_start_check(const struct scenario_env *env);
int scenario_hvsim_vtl2(const struct scenario_env *env);

#endif
