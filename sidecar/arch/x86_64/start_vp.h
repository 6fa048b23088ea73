/* SPDX-License-Identifier: MIT */
#ifndef SIDECAR_ARCH_START_VP_H
#define SIDECAR_ARCH_START_VP_H

#include "percpu.h"

/*
 * Claims and starts VPs of `node` until none is left: the fan-out that
 * the BSP and every new AP join. A VP that fails to start is marked
 * REMOVED (the main kernel may start it itself) and reported on COM1.
 */
void sc_fan_out(struct sc_cpu *cpu, struct sc_node *node);

/* The BSP's share: every node's fan-out at once. */
void sc_fan_out_nodes(struct sc_cpu *cpu);

/* Starts one VP, whose pages it returns in *layout; false if the
 * hypervisor refused. */
bool sc_start_vp(struct sc_cpu *cpu, struct sc_node *node, uint32_t index,
		 struct sc_vp_layout *layout);

#endif
