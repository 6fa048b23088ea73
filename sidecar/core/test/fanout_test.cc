// SPDX-License-Identifier: MIT
//
// sc_claim_vp: each index of 1..vp_count exactly once, never one out of
// range, however many threads claim at once. sc_claim_sidecar_vp: never an
// index whose VP HEAD's per-CPU state gives to the main kernel.

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "sidecar/core/fanout.h"

namespace
{

TEST(ClaimVp, Sequential)
{
	uint32_t next = 1;

	EXPECT_EQ(sc_claim_vp(&next, 4), 1u);
	EXPECT_EQ(sc_claim_vp(&next, 4), 2u);
	EXPECT_EQ(sc_claim_vp(&next, 4), 3u);
	for (int i = 0; i < 1000; i++)
		EXPECT_EQ(sc_claim_vp(&next, 4), SC_NO_VP);
	// Exhausted claims do not move the counter.
	EXPECT_EQ(next, 4u);
}

TEST(ClaimVp, NothingToClaim)
{
	uint32_t next = 1;

	EXPECT_EQ(sc_claim_vp(&next, 1), SC_NO_VP);
	EXPECT_EQ(sc_claim_vp(&next, 0), SC_NO_VP);
	EXPECT_EQ(next, 1u);
	next = UINT32_MAX;
	EXPECT_EQ(sc_claim_vp(&next, 4032), SC_NO_VP);
	EXPECT_EQ(next, UINT32_MAX);
}

struct Race {
	uint32_t vp_count;
	uint32_t next = 1;
	std::vector<std::atomic<int>> claimed;
	std::atomic<bool> out_of_range{ false };
	std::atomic<bool> go{ false };

	explicit Race(uint32_t n)
	    : vp_count(n)
	    , claimed(n)
	{
	}

	// One CPU of the fan-out: claims until exhausted, then keeps
	// polling the exhausted counter a while.
	void Claimer()
	{
		uint32_t i;

		while (!go)
			std::this_thread::yield();
		while ((i = sc_claim_vp(&next, vp_count)) != SC_NO_VP) {
			if (i < 1 || i >= vp_count)
				out_of_range = true;
			else
				claimed[i]++;
		}
		for (int k = 0; k < 100; k++)
			if (sc_claim_vp(&next, vp_count) != SC_NO_VP)
				out_of_range = true;
	}
};

TEST(ClaimVp, Concurrent)
{
	constexpr int kThreads = 8;

	for (uint32_t vp_count : { 2u, 3u, 32u, 4032u }) {
		for (int round = 0; round < 20; round++) {
			Race race(vp_count);
			std::vector<std::thread> threads;

			for (int t = 0; t < kThreads; t++)
				threads.emplace_back([&] { race.Claimer(); });
			race.go = true;
			for (auto &t : threads)
				t.join();
			ASSERT_FALSE(race.out_of_range) << vp_count;
			EXPECT_EQ(race.claimed[0], 0);
			for (uint32_t i = 1; i < vp_count; i++)
				ASSERT_EQ(race.claimed[i], 1)
					<< "index " << i << " of " << vp_count;
			// Past vp_count by at most the racing threads.
			EXPECT_GE(race.next, vp_count);
			EXPECT_LE(race.next, vp_count + kThreads);
		}
	}
}

sidecar_per_cpu_state Specified(uint8_t starts)
{
	sidecar_per_cpu_state s;

	s.per_cpu_state_specified = 1;
	std::memset(s.sidecar_starts_cpu, starts, sizeof(s.sidecar_starts_cpu));
	return s;
}

TEST(SidecarStartsVp, NotSpecifiedIsEveryVp)
{
	sidecar_per_cpu_state s = Specified(0);

	s.per_cpu_state_specified = 0;
	for (uint32_t vp : { 0u, 1u, 399u, 400u, UINT32_MAX })
		EXPECT_TRUE(sc_sidecar_starts_vp(&s, vp)) << vp;
}

TEST(SidecarStartsVp, SpecifiedIsTheEntry)
{
	sidecar_per_cpu_state s = Specified(1);

	s.sidecar_starts_cpu[0] = 0;
	s.sidecar_starts_cpu[399] = 0;
	EXPECT_FALSE(sc_sidecar_starts_vp(&s, 0));
	EXPECT_TRUE(sc_sidecar_starts_vp(&s, 1));
	EXPECT_FALSE(sc_sidecar_starts_vp(&s, 399));
	// Past the array: validation keeps node VPs out of it.
	EXPECT_TRUE(sc_sidecar_starts_vp(&s, 400));
}

// A node of VPs 10..17: 11, 12 and 17 are the main kernel's.
TEST(ClaimSidecarVp, SkipsKernelStartedVps)
{
	sidecar_per_cpu_state s = Specified(1);
	std::vector<uint32_t> got;
	uint32_t next = 1, i;

	s.sidecar_starts_cpu[11] = 0;
	s.sidecar_starts_cpu[12] = 0;
	s.sidecar_starts_cpu[17] = 0;
	while ((i = sc_claim_sidecar_vp(&next, 8, 10, &s)) != SC_NO_VP)
		got.push_back(i);
	EXPECT_EQ(got, (std::vector<uint32_t>{ 3, 4, 5, 6 }));
	EXPECT_EQ(sc_claim_sidecar_vp(&next, 8, 10, &s), SC_NO_VP);
}

TEST(ClaimSidecarVp, NotSpecifiedClaimsEveryIndex)
{
	sidecar_per_cpu_state s = Specified(0);
	std::vector<uint32_t> got;
	uint32_t next = 1, i;

	s.per_cpu_state_specified = 0;
	while ((i = sc_claim_sidecar_vp(&next, 4, 0, &s)) != SC_NO_VP)
		got.push_back(i);
	EXPECT_EQ(got, (std::vector<uint32_t>{ 1, 2, 3 }));
}

TEST(ClaimSidecarVp, ConcurrentNeverClaimsAKernelVp)
{
	sidecar_per_cpu_state s = Specified(1);
	std::vector<std::atomic<int>> claimed(32);
	std::atomic<bool> bad{ false };
	std::vector<std::thread> threads;
	uint32_t next = 1;

	for (uint32_t vp = 0; vp < 32; vp += 3)
		s.sidecar_starts_cpu[vp] = 0;
	for (int t = 0; t < 8; t++)
		threads.emplace_back([&] {
			uint32_t i;

			while ((i = sc_claim_sidecar_vp(&next, 32, 0, &s)) !=
			       SC_NO_VP) {
				if (i >= 32 || !s.sidecar_starts_cpu[i])
					bad = true;
				else
					claimed[i]++;
			}
		});
	for (auto &t : threads)
		t.join();
	EXPECT_FALSE(bad);
	for (uint32_t i = 1; i < 32; i++)
		EXPECT_EQ(claimed[i], i % 3 ? 1 : 0) << i;
}

} // namespace
