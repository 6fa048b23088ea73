/* SPDX-License-Identifier: MIT */
/*
 * Which registers of a GET/SET_VP_REGISTERS batch the kernel handles itself
 * (hv_facts §5): the lower VTL shares the MTRRs and DR0-DR3 (and DR6 when
 * VsmCapabilities.dr6_shared) with VTL2, so those are read and written on
 * the CPU; everything else costs one Get/SetVpRegisters hypercall.
 */
#ifndef SIDECAR_CORE_REGISTERS_H
#define SIDECAR_CORE_REGISTERS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sc_reg_kind {
	SC_REG_HYPERCALL,
	SC_REG_MSR,
	SC_REG_DR,
};

struct sc_reg_route {
	enum sc_reg_kind kind;
	uint32_t index; /* MSR number, or DR number 0..3, 6; 0 for HYPERCALL */
};

struct sc_reg_route sc_route_register(uint32_t name, bool dr6_shared);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_REGISTERS_H */
