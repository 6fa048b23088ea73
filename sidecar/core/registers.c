// SPDX-License-Identifier: MIT
#include "hv/registers.h"
#include "hv/x86.h"
#include "sidecar/core/registers.h"

/* Variable MTRR ranges the kernel owns; 8..15 stay with the hypervisor. */
#define LOCAL_MTRR_PHYS_COUNT 8

static struct sc_reg_route route(enum sc_reg_kind kind, uint32_t index)
{
	struct sc_reg_route r = { kind, index };

	return r;
}

struct sc_reg_route sc_route_register(uint32_t name, bool dr6_shared)
{
	if (name == HV_REGISTER_MSR_MTRR_DEF_TYPE)
		return route(SC_REG_MSR, X86_MSR_MTRR_DEF_TYPE);
	if (name >= HV_REGISTER_MSR_MTRR_PHYS_BASE(0) &&
	    name < HV_REGISTER_MSR_MTRR_PHYS_BASE(LOCAL_MTRR_PHYS_COUNT))
		return route(SC_REG_MSR,
			     X86_MSR_MTRR_PHYS_BASE(
				     name - HV_REGISTER_MSR_MTRR_PHYS_BASE(0)));
	if (name >= HV_REGISTER_MSR_MTRR_PHYS_MASK(0) &&
	    name < HV_REGISTER_MSR_MTRR_PHYS_MASK(LOCAL_MTRR_PHYS_COUNT))
		return route(SC_REG_MSR,
			     X86_MSR_MTRR_PHYS_MASK(
				     name - HV_REGISTER_MSR_MTRR_PHYS_MASK(0)));
	if (name == HV_REGISTER_MSR_MTRR_FIX64K_00000)
		return route(SC_REG_MSR, X86_MSR_MTRR_FIX64K_00000);
	if (name == HV_REGISTER_MSR_MTRR_FIX16K_80000)
		return route(SC_REG_MSR, X86_MSR_MTRR_FIX16K_80000);
	if (name == HV_REGISTER_MSR_MTRR_FIX16K_A0000)
		return route(SC_REG_MSR, X86_MSR_MTRR_FIX16K_A0000);
	if (name >= HV_REGISTER_MSR_MTRR_FIX4K_C0000 &&
	    name <= HV_REGISTER_MSR_MTRR_FIX4K_F8000)
		return route(SC_REG_MSR,
			     X86_MSR_MTRR_FIX4K_C0000 +
				     (name - HV_REGISTER_MSR_MTRR_FIX4K_C0000));
	if (name >= HV_REGISTER_DR0 && name <= HV_REGISTER_DR3)
		return route(SC_REG_DR, name - HV_REGISTER_DR0);
	/* DR6 is only the lower VTL's own when the hypervisor shares it. */
	if (name == HV_REGISTER_DR6 && dr6_shared)
		return route(SC_REG_DR, 6);
	return route(SC_REG_HYPERCALL, 0);
}
