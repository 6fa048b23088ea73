// SPDX-License-Identifier: MIT
//
// Register routing against hv_facts §5, written out with literal numbers,
// over every name below 2^20 and the top of the u32 range.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <utility>

#include "hv/registers.h"
#include "sidecar/core/registers.h"

namespace
{

using Route = std::pair<sc_reg_kind, uint32_t>;

std::map<uint32_t, Route> LocalRoutes(bool dr6_shared)
{
	std::map<uint32_t, Route> m;

	m[0x0008000E] = { SC_REG_MSR, 0x2FF }; // MtrrDefType
	for (uint32_t i = 0; i < 8; i++) {
		m[0x00080010 + i] = { SC_REG_MSR, 0x200 + 2 * i }; // PhysBase
		m[0x00080040 + i] = { SC_REG_MSR, 0x201 + 2 * i }; // PhysMask
	}
	m[0x00080070] = { SC_REG_MSR, 0x250 }; // Fix64k00000
	m[0x00080071] = { SC_REG_MSR, 0x258 }; // Fix16k80000
	m[0x00080072] = { SC_REG_MSR, 0x259 }; // Fix16kA0000
	for (uint32_t i = 0; i < 8; i++)
		m[0x00080073 + i] = { SC_REG_MSR, 0x268 + i }; // Fix4k...
	for (uint32_t i = 0; i < 4; i++)
		m[0x00050000 + i] = { SC_REG_DR, i }; // DR0-DR3
	if (dr6_shared)
		m[0x00050004] = { SC_REG_DR, 6 };
	return m;
}

void CheckName(uint32_t name, bool dr6_shared,
	       const std::map<uint32_t, Route> &local)
{
	sc_reg_route r = sc_route_register(name, dr6_shared);
	auto it = local.find(name);

	if (it == local.end()) {
		ASSERT_EQ(r.kind, SC_REG_HYPERCALL)
			<< std::hex << "name 0x" << name << " dr6_shared "
			<< dr6_shared;
		return;
	}
	ASSERT_EQ(r.kind, it->second.first) << std::hex << "name 0x" << name;
	ASSERT_EQ(r.index, it->second.second) << std::hex << "name 0x" << name;
}

TEST(RouteRegister, Exhaustive)
{
	for (bool dr6 : { false, true }) {
		const auto local = LocalRoutes(dr6);

		for (uint32_t name = 0; name < (1u << 20); name++) {
			CheckName(name, dr6, local);
			if (HasFatalFailure())
				return;
		}
		for (uint32_t name = UINT32_MAX - 0xFFFF; name != 0; name++) {
			CheckName(name, dr6, local);
			if (HasFatalFailure())
				return;
		}
	}
}

TEST(RouteRegister, NamedCases)
{
	// The ones hv_facts calls out as going to the hypervisor.
	for (uint32_t name :
	     { HV_REGISTER_MSR_MTRR_CAP, HV_REGISTER_MSR_MTRR_PHYS_BASE(8),
	       HV_REGISTER_MSR_MTRR_PHYS_BASE(15),
	       HV_REGISTER_MSR_MTRR_PHYS_MASK(8),
	       HV_REGISTER_MSR_MTRR_PHYS_MASK(15), HV_REGISTER_DR7,
	       HV_REGISTER_RIP, HV_REGISTER_VSM_CAPABILITIES,
	       HV_REGISTER_REGISTER_PAGE, HV_REGISTER_VP_ASSIST_PAGE })
		for (bool dr6 : { false, true })
			EXPECT_EQ(sc_route_register(name, dr6).kind,
				  SC_REG_HYPERCALL)
				<< std::hex << name;

	EXPECT_EQ(sc_route_register(HV_REGISTER_DR6, false).kind,
		  SC_REG_HYPERCALL);
	sc_reg_route r = sc_route_register(HV_REGISTER_DR6, true);
	EXPECT_EQ(r.kind, SC_REG_DR);
	EXPECT_EQ(r.index, 6u);
	r = sc_route_register(HV_REGISTER_MSR_MTRR_FIX4K_F8000, false);
	EXPECT_EQ(r.kind, SC_REG_MSR);
	EXPECT_EQ(r.index, 0x26Fu);
	r = sc_route_register(HV_REGISTER_MSR_MTRR_PHYS_MASK(7), false);
	EXPECT_EQ(r.kind, SC_REG_MSR);
	EXPECT_EQ(r.index, 0x20Fu);
}

} // namespace
