/* SPDX-License-Identifier: MIT */
/*
 * A hypercall from the BSP straight through hvsim's hypercall page, the
 * way the image calls its copy, for scenarios that test hvsim itself.
 */
#ifndef SCENARIOS_HVSIM_CALL_H
#define SCENARIOS_HVSIM_CALL_H

#include <stdint.h>

/* The HvStatus of call `code` with `reps` reps; interrupts off inside. */
uint16_t hvsim_call(uint16_t code, uint16_t reps, uint64_t in_gpa,
		    uint64_t out_gpa);

/* The whole result (status, reps complete) of a call with this control. */
uint64_t hvsim_call_control(uint64_t control, uint64_t in_gpa,
			    uint64_t out_gpa);

/* hv_status_name() or "?". */
const char *hvsim_call_status_name(uint16_t status);

#endif
