/* SPDX-License-Identifier: MIT */
/*
 * CPU contexts for RUN_VP and what guest_steps (testing/guests) makes of
 * them, compared bit for bit: all 1024 bytes of the context, the intercept
 * message against an independent statement of the exit, and the register
 * page.
 */
#ifndef SCENARIOS_SIDECAR_CONTEXT_H
#define SCENARIOS_SIDECAR_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "sidecar/defs.h"

/*
 * A context no two (vp, salt) share: every GPR, CR2, the x87 environment
 * and registers, MXCSR (rounding, FZ, DAZ, flags; within the CPU's
 * MXCSR_MASK), every XMM byte, and the reserved bytes as a canary.
 */
void ctx_fill(struct sidecar_cpu_context_x64 *c, uint32_t vp, uint32_t salt);

/*
 * from after `steps` guest steps: GPRs (not RSP), CR2 and XMM bytes, with
 * the FX image as this CPU's own fxrstor/fxsave leaves it.
 */
void ctx_expect(struct sidecar_cpu_context_x64 *want,
		const struct sidecar_cpu_context_x64 *from, uint64_t steps);

/*
 * Compares all of got with want byte for byte; prints each differing
 * field (at most a few lines) and returns the number of differing bytes.
 */
uint32_t ctx_diff(const struct sidecar_cpu_context_x64 *want,
		  const struct sidecar_cpu_context_x64 *got, uint32_t vp,
		  const char *what);

/*
 * True if got is guest_steps interrupted inside a step, with `steps` (as
 * its counter says) or one more done: an interrupt exit may come at any
 * instruction, while the step's changes are half made.
 */
bool ctx_within_step(const struct sidecar_cpu_context_x64 *from, uint64_t steps,
		     const struct sidecar_cpu_context_x64 *got);

/* The MXCSR bits this CPU accepts (what fxsave reports). */
uint32_t ctx_mxcsr_mask(void);

/*
 * The intercept message of guest_steps' `out %al, $0xe9` at rip on vp,
 * given the state it exited with.
 */
void ctx_expect_message(struct hv_message *m, uint32_t vp,
			const struct sidecar_cpu_context_x64 *c, uint64_t rip,
			uint64_t rflags);

/* Bytes of got that differ from want; prints the first few. */
uint32_t ctx_message_diff(const struct hv_message *want,
			  const struct hv_message *got, uint32_t vp,
			  const char *what);

#endif
