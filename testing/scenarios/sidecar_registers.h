/* SPDX-License-Identifier: MIT */
/*
 * GET/SET_VP_REGISTERS round trips through driver/client, checked bit for
 * bit against what was set and against hvsim's register file.
 */
#ifndef SCENARIOS_SIDECAR_REGISTERS_H
#define SCENARIOS_SIDECAR_REGISTERS_H

#include <stdint.h>

#include <scenarios/scenario.h>

#include "sidecar/driver/client.h"

/*
 * Sets 41 VTL0 registers (more than one command's 31): the GPRs, RIP,
 * RFLAGS and XMM0-15 (all 128 bits) go to hvsim, DR0-DR3 and three MTRRs
 * stay on the sidecar CPU. Gets them back, compares every bit, and checks
 * that hvsim holds the first group and never saw the second.
 */
void regs_round_trip(const struct scenario_env *env, struct sd_client_vp *c,
		     uint32_t salt);

/* GET of RAX-R15 (not RSP) and CR2 equals the CPU context. */
void regs_match_context(const struct scenario_env *env, struct sd_client_vp *c);

#endif
