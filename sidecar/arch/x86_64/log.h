/* SPDX-License-Identifier: MIT */
/* Lines on COM1, prefixed `sidecar#<vp>:`, never interleaved. */
#ifndef SIDECAR_ARCH_LOG_H
#define SIDECAR_ARCH_LOG_H

#include "percpu.h"

/* Only when SidecarParams.enable_logging is set. */
void sc_log(struct sc_cpu *cpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Always: failures the host must hear about even with logging off. */
void sc_report(struct sc_cpu *cpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
