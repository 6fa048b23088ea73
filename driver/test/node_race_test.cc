// SPDX-License-Identifier: MIT
//
// node: interleavings that tests on two cores find only by luck, forced
// through the platform's race hook (the sidecar CPU is played by hand).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "node_fixture.h"

namespace sdtest
{
namespace
{

class NodeRaceTest : public NodeTest {
    protected:
	void TearDown() override
	{
		hp.on_race = nullptr;
	}
};

// The command finishes, is collected and a new one started on the same VP
// between the stopper marking the VP and telling the CPU: the STOP must not
// land on the new command.
TEST_F(NodeRaceTest, StopNeverCancelsTheNextCommand)
{
	ASSERT_EQ(StartVp(&node, Vp(2)), 0);
	bool second = false, once = false;
	hp.on_race = [&](sd_race_point where, uint32_t vp) {
		if (where != SD_RACE_STOP_MARKED || vp != Vp(2) || once)
			return;
		once = true;
		Complete(2);
		// Whoever collects stopped VPs may take it now, if the node
		// lets it, and start the next command at once.
		if (sd_node_next_stopped(&node, 0) == (int)Vp(2)) {
			ASSERT_EQ(StartVp(&node, Vp(2)), 0);
			second = true;
		}
	};
	EXPECT_EQ(sd_vp_stop(&node, Vp(2)), 0);
	if (second) {
		// The new command was not asked to stop.
		EXPECT_EQ(fn->Status(2), SIDECAR_CPU_STATUS_RUN);
		EXPECT_EQ(sd_vp_state(&node, Vp(2)), SD_VP_ASYNC);
		Complete(2);
	}
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), (int)Vp(2));
	EXPECT_EQ(fn->Status(2), SIDECAR_CPU_STATUS_IDLE);
	EXPECT_TRUE(hp.Reports().empty());
}

// A CPU already in STOP (asked by someone else) is not an error either.
TEST_F(NodeRaceTest, StopOfACpuAlreadyStoppingIsZero)
{
	ASSERT_EQ(StartVp(&node, Vp(3)), 0);
	hp.on_race = [&](sd_race_point where, uint32_t vp) {
		if (where == SD_RACE_STOP_MARKED && vp == Vp(3))
			sidecar_cpu_status_store(fn->cp, 3,
						 SIDECAR_CPU_STATUS_STOP);
	};
	EXPECT_EQ(sd_vp_stop(&node, Vp(3)), 0);
	Complete(3);
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), (int)Vp(3));
	EXPECT_TRUE(hp.Reports().empty());
}

// A taker takes the VP between the scan marking it and counting it: poll
// must not report a stopped VP that is not there.
TEST_F(NodeRaceTest, PollNeverSeesAStoppedVpThatIsNotThere)
{
	ASSERT_EQ(StartVp(&node, Vp(4)), 0);
	Complete(4);
	int taken = -1;
	unsigned int poll_inside = 0;
	hp.on_race = [&](sd_race_point where, uint32_t vp) {
		if (where != SD_RACE_SCAN_MARKED || vp != Vp(4) || taken != -1)
			return;
		// The VP's own waiter takes it, if the node lets it.
		taken = sd_vp_wait_stopped(&node, Vp(4), kMs);
		poll_inside = sd_node_poll(&node);
	};
	unsigned int first = sd_node_poll(&node);
	if (taken == 0) {
		EXPECT_EQ(poll_inside, 0u);
		EXPECT_EQ(first, 0u);
	} else {
		EXPECT_EQ(first, (unsigned)SD_POLLIN);
		EXPECT_EQ(sd_vp_wait_stopped(&node, Vp(4), 0), 0);
	}
	EXPECT_EQ(sd_node_poll(&node), 0u);
	EXPECT_EQ(sd_node_wait_ready(&node, 5 * kMs), -SD_ETIMEDOUT);
}

// The CPU finishes between the start arming it and marking the VP ASYNC,
// and the interrupt's scan runs right then: the start must still get the
// VP collected.
TEST_F(NodeRaceTest, CompletionBetweenArmAndAsyncIsCollected)
{
	hp.on_race = [&](sd_race_point where, uint32_t vp) {
		if (where != SD_RACE_START_ARMED || vp != Vp(5))
			return;
		Complete(5);
		// The interrupt handler ran in Complete; a reader scans now.
		EXPECT_EQ(sd_node_next_stopped(&node, 0), -SD_EAGAIN);
	};
	ASSERT_EQ(StartVp(&node, Vp(5)), 0);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), (int)Vp(5));
}

// A remove that timed out is finished by a retry once the CPU reports
// REMOVED late.
TEST_F(NodeRaceTest, RemoveRetrySeesALateRemoved)
{
	EXPECT_EQ(sd_vp_remove(&node, Vp(6), 10 * kMs), -SD_ETIMEDOUT);
	ASSERT_EQ(fn->Status(6), SIDECAR_CPU_STATUS_REMOVE);
	EXPECT_EQ(StartVp(&node, Vp(6)), -SD_EBUSY);
	// Still hanging: the retry times out too.
	EXPECT_EQ(sd_vp_remove(&node, Vp(6), 5 * kMs), -SD_ETIMEDOUT);
	Complete(6, SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(sd_vp_remove(&node, Vp(6), kLong), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(6)), SD_VP_REMOVED);
	EXPECT_EQ(sd_vp_remove(&node, Vp(6), kLong), -SD_ENOENT);
	EXPECT_EQ(RunVp(&node, Vp(6), kLong), -SD_ENOENT);
}

// A retry that is already waiting sees the late REMOVED as well.
TEST_F(NodeRaceTest, RemoveRetryWaitsForTheCpu)
{
	EXPECT_EQ(sd_vp_remove(&node, Vp(7), 10 * kMs), -SD_ETIMEDOUT);
	auto retry = std::async(std::launch::async, [&] {
		return sd_vp_remove(&node, Vp(7), kLong);
	});
	EXPECT_EQ(retry.wait_for(std::chrono::milliseconds(20)),
		  std::future_status::timeout);
	Complete(7, SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(retry.get(), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(7)), SD_VP_REMOVED);
}

// A completion wakes the waiter of that VP, not every waiter of the node.
TEST_F(NodeRaceTest, ACompletionWakesOnlyItsWaiter)
{
	std::vector<std::future<int>> runs;
	for (uint32_t i = 1; i <= 5; i++)
		runs.push_back(std::async(std::launch::async, [this, i] {
			return RunVp(&node, Vp(i), kLong);
		}));
	auto reader = std::async(std::launch::async, [this] {
		return sd_node_next_stopped(&node, kLong);
	});
	uint64_t end = NowNs() + kLong;
	while (hp.Blocked() < 6 && NowNs() < end)
		std::this_thread::yield();
	ASSERT_EQ(hp.Blocked(), 6u);

	uint64_t before = hp.Woken();
	Complete(3);
	EXPECT_EQ(runs[2].get(), 0);
	EXPECT_EQ(hp.Woken() - before, 1u);

	for (uint32_t i : { 1, 2, 4, 5 })
		Complete(i);
	for (uint32_t i : { 0, 1, 3, 4 })
		EXPECT_EQ(runs[i].get(), 0);
	ASSERT_EQ(StartVp(&node, Vp(6)), 0);
	Complete(6);
	EXPECT_EQ(reader.get(), (int)Vp(6));
}

// A sleeper that polls (like epoll on the Rust client's file) rather than
// waiting in the driver is woken through notify() for every completion.
TEST_F(NodeRaceTest, APollingSleeperIsNotified)
{
	std::mutex mu;
	std::condition_variable cv;
	uint64_t events = 0;
	hp.on_notify = [&] {
		std::lock_guard<std::mutex> g(mu);
		events++;
		cv.notify_all();
	};
	for (uint32_t i = 1; i <= 5; i++)
		ASSERT_EQ(StartVp(&node, Vp(i)), 0);
	auto poller = std::async(std::launch::async, [&] {
		std::vector<int> got;
		uint64_t seen = 0;
		while (got.size() < 5) {
			if (sd_node_poll(&node) & SD_POLLIN) {
				int vp = sd_node_next_stopped(&node, 0);
				if (vp >= 0)
					got.push_back(vp);
				continue;
			}
			std::unique_lock<std::mutex> lk(mu);
			// Long: a missing notify is a failure, not a delay.
			if (!cv.wait_for(lk, std::chrono::seconds(10),
					 [&] { return events != seen; }))
				break;
			seen = events;
		}
		return got;
	});
	for (uint32_t i : { 3, 1, 5, 2, 4 }) {
		std::this_thread::sleep_for(std::chrono::milliseconds(2));
		Complete(i);
	}
	auto got = poller.get();
	std::sort(got.begin(), got.end());
	ASSERT_EQ(got.size(), 5u);
	for (uint32_t i = 1; i <= 5; i++)
		EXPECT_EQ(got[i - 1], (int)Vp(i));
	hp.on_notify = nullptr;
}

// A second remove while the first has claimed the VP but not yet told the
// CPU is busy: it must not take the IDLE it reads for the CPU's answer
// (found by the model check, driver/model).
TEST_F(NodeRaceTest, ASecondRemoveWaitsForTheFirstToTellTheCpu)
{
	int second = 1;
	hp.on_race = [&](sd_race_point where, uint32_t vp) {
		if (where == SD_RACE_REMOVE_CLAIMED && vp == Vp(5) &&
		    second == 1)
			second = sd_vp_remove(&node, Vp(5), kLong);
	};
	auto rm = std::async(std::launch::async,
			     [&] { return sd_vp_remove(&node, Vp(5), kLong); });
	ASSERT_TRUE(fn->AwaitStatus(5, SIDECAR_CPU_STATUS_REMOVE));
	Complete(5, SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(rm.get(), 0);
	EXPECT_EQ(second, -SD_EBUSY);
	EXPECT_EQ(sd_vp_state(&node, Vp(5)), SD_VP_REMOVED);
	EXPECT_TRUE(hp.Reports().empty());
}

} // namespace
} // namespace sdtest
