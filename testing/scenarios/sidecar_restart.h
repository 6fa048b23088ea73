/* SPDX-License-Identifier: MIT */
/*
 * A CPU the sidecar gave up (removed, or never started) restarted as a
 * test-kernel CPU, and proof that it runs the kernel's code.
 */
#ifndef SCENARIOS_SIDECAR_RESTART_H
#define SCENARIOS_SIDECAR_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include <scenarios/scenario.h>

/*
 * INIT-SIPI-SIPI into the kernel's trampoline (smp_start_cpu), then a
 * PING IPI that the CPU's kernel interrupt handler answers with a PONG
 * IPI, reporting its x2APIC ID, CR3 and per-CPU block: the kernel's, not
 * the sidecar's. Checks all of it; true if it held.
 */
bool restart_as_kernel_cpu(const struct scenario_env *env, uint32_t vp);

#endif
