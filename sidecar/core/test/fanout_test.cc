// SPDX-License-Identifier: MIT
//
// sc_claim_vp: each index of 1..vp_count exactly once, never one out of
// range, however many threads claim at once.

#include <gtest/gtest.h>

#include <atomic>
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

} // namespace
