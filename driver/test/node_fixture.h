// SPDX-License-Identifier: MIT
//
// A node attached to a FakeNode that the test plays by hand, for the node
// tests and the race tests.

#ifndef SIDECAR_DRIVER_TEST_NODE_FIXTURE_H
#define SIDECAR_DRIVER_TEST_NODE_FIXTURE_H

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_node.h"
#include "host_platform.h"
#include "sidecar/driver/errno.h"
#include "sidecar/driver/node.h"

namespace sdtest
{

constexpr uint32_t kBase = 32;
constexpr uint32_t kCount = 8;
constexpr uint64_t kLong = 5000000000ull; // "forever" for a test
constexpr uint64_t kMs = 1000000ull;

inline bool Contains(const std::vector<std::string> &v,
		     const std::string &needle)
{
	for (auto &s : v)
		if (s.find(needle) != std::string::npos)
			return true;
	return false;
}

class NodeTest : public testing::Test {
    protected:
	NodeTest()
	    : mem(0x100000000ull, 1 << 20)
	    , hp(&mem)
	{
		hp.quiet = true;
		fn = std::make_unique<FakeNode>(mem, 1, kBase, kCount);
		cfg.output = fn->Output();
		cfg.index = 1;
		params = fn->Params();
		cfg.params = &params;
		cfg.response_apic_id = HostPlatform::ApicOf(kBase);
		cfg.response_vector = kResponseVector;
		cfg.cancel_timeout_ns = 200 * kMs;
		cfg.vp_slots = slots;
		cfg.vp_slot_count = kCount;
		// The response IPI lands on the base CPU: run the handler.
		hp.on_ipi = [this](uint32_t apic, uint32_t vector) {
			if (apic == HostPlatform::ApicOf(kBase) &&
			    vector == kResponseVector)
				sd_node_interrupt(&node);
		};
	}

	~NodeTest() override
	{
		hp.StopWatchdog();
	}

	void Attach()
	{
		hp.StopWatchdog();
		ASSERT_EQ(sd_node_attach(&node, hp.platform(), &cfg), 0)
			<< (hp.Reports().empty() ? "" : hp.Reports().back());
		hp.Watch(&node);
	}

	void SetUp() override
	{
		Attach();
	}

	static uint32_t Vp(uint32_t i)
	{
		return kBase + i;
	}

	// The sidecar CPU completes the command it was given.
	void Complete(uint32_t i, uint8_t status = SIDECAR_CPU_STATUS_IDLE)
	{
		fn->TakeCommand(i);
		fn->Finish(i, status, hp.platform());
	}

	// The status changes just before the IPI goes out: wait for it.
	bool AwaitRequestIpis(uint32_t i, int n)
	{
		uint64_t end = NowNs() + kLong;
		while (RequestIpis(i) < n && NowNs() < end)
			std::this_thread::yield();
		return RequestIpis(i) == n;
	}

	int RequestIpis(uint32_t i)
	{
		int n = 0;
		for (auto &ipi : hp.Ipis())
			n += ipi.apic == HostPlatform::ApicOf(Vp(i)) &&
			     ipi.vector == kRequestVector;
		return n;
	}

	HostMemory mem;
	HostPlatform hp;
	std::unique_ptr<FakeNode> fn;
	sidecar_node_params params;
	sd_vp_slot slots[kCount];
	sd_node_config cfg{};
	sd_node node;
};

} // namespace sdtest

#endif
