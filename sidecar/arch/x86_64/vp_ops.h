/* SPDX-License-Identifier: MIT */
#ifndef SIDECAR_ARCH_VP_OPS_H
#define SIDECAR_ARCH_VP_OPS_H

#include "percpu.h"
#include "sidecar/core/dispatch.h"

void sc_vp_ops_init(struct sc_vp_ops *ops, struct sc_cpu *cpu);
void sc_unmap_overlays(struct sc_cpu *cpu);

#endif
