// SPDX-License-Identifier: MIT
//
// node: attach validation and every state transition and error code, with
// the test playing the sidecar CPUs by hand, step by step.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "node_fixture.h"
#include "sidecar/driver/errno.h"
#include "sidecar/driver/node.h"

namespace sdtest
{
namespace
{

// --- attach ---------------------------------------------------------------

TEST_F(NodeTest, AttachReadsTheControlPageAndSetsTheResponse)
{
	EXPECT_EQ(node.base_cpu, kBase);
	EXPECT_EQ(node.cpu_count, kCount);
	EXPECT_EQ(node.request_vector, kRequestVector);
	EXPECT_EQ(fn->cp->response_cpu, HostPlatform::ApicOf(kBase));
	EXPECT_EQ(fn->cp->response_vector, kResponseVector);
	// The base CPU is the main kernel's.
	EXPECT_EQ(sd_vp_state(&node, kBase), SD_VP_REMOVED);
	for (uint32_t i = 1; i < kCount; i++)
		EXPECT_EQ(sd_vp_state(&node, Vp(i)), SD_VP_AVAIL);
	EXPECT_EQ(sd_node_vp_pages(&node, Vp(3)), &fn->shmem[3]);
	EXPECT_EQ(sd_node_vp_pages(&node, Vp(kCount)), nullptr);
	EXPECT_TRUE(hp.Reports().empty());
}

// A CPU the sidecar could not start, or one HEAD's initial_state gives the
// main kernel, is REMOVED at attach: the node takes it as removed, and
// every claim on it is -SD_ENOENT without an IPI.
TEST_F(NodeTest, AttachTakesACpuThatNeverStartedAsRemoved)
{
	sd_node fresh;
	sd_vp_slot fresh_slots[kCount];

	sidecar_cpu_status_store(fn->cp, 3, SIDECAR_CPU_STATUS_REMOVED);
	cfg.vp_slots = fresh_slots;
	ASSERT_EQ(sd_node_attach(&fresh, hp.platform(), &cfg), 0)
		<< (hp.Reports().empty() ? "" : hp.Reports().back());
	EXPECT_TRUE(hp.Reports().empty());
	EXPECT_EQ(sd_vp_state(&fresh, Vp(3)), SD_VP_REMOVED);
	for (uint32_t i = 1; i < kCount; i++)
		if (i != 3)
			EXPECT_EQ(sd_vp_state(&fresh, Vp(i)), SD_VP_AVAIL);
	EXPECT_EQ(RunVp(&fresh, Vp(3), kLong), -SD_ENOENT);
	EXPECT_EQ(StartVp(&fresh, Vp(3)), -SD_ENOENT);
	EXPECT_EQ(sd_vp_stop(&fresh, Vp(3)), -SD_ENOENT);
	EXPECT_EQ(sd_vp_remove(&fresh, Vp(3), kLong), -SD_ENOENT);
	EXPECT_TRUE(hp.Ipis().empty());
	EXPECT_EQ(fn->Status(3), SIDECAR_CPU_STATUS_REMOVED);
}

struct BadAttach {
	const char *name;
	std::function<void(FakeNode &, sd_node_config &, sidecar_node_params &)>
		spoil;
	const char *report;
};

class AttachTest : public NodeTest,
		   public testing::WithParamInterface<BadAttach> {
	void SetUp() override
	{
	}
};

TEST_P(AttachTest, RejectsWithAReport)
{
	GetParam().spoil(*fn, cfg, params);
	EXPECT_EQ(sd_node_attach(&node, hp.platform(), &cfg), -SD_EINVAL);
	auto reports = hp.Reports();
	ASSERT_EQ(reports.size(), 1u);
	EXPECT_NE(reports[0].find(GetParam().report), std::string::npos)
		<< reports[0];
	EXPECT_EQ(reports[0].rfind("sidecar node 1: ", 0), 0u) << reports[0];
	// Nothing written to the control page on failure.
	EXPECT_EQ(fn->cp->response_vector, 0u);
}

INSTANTIATE_TEST_SUITE_P(
	Node, AttachTest,
	testing::Values(
		BadAttach{ "WrongIndex",
			   [](FakeNode &f, sd_node_config &,
			      sidecar_node_params &) { f.cp->index = 2; },
			   "control page index 2 is not the node's" },
		BadAttach{ "CpuCountZero",
			   [](FakeNode &f, sd_node_config &c,
			      sidecar_node_params &) {
				   f.cp->cpu_count = 0;
				   c.params = nullptr;
			   },
			   "cpu_count 0 not in 2..4032" },
		BadAttach{ "CpuCountOne",
			   [](FakeNode &f, sd_node_config &c,
			      sidecar_node_params &) {
				   f.cp->cpu_count = 1;
				   c.params = nullptr;
			   },
			   "cpu_count 1 not in 2..4032" },
		BadAttach{ "CpuCountTooBig",
			   [](FakeNode &f, sd_node_config &c,
			      sidecar_node_params &) {
				   f.cp->cpu_count = 4033;
				   c.params = nullptr;
			   },
			   "cpu_count 4033 not in 2..4032" },
		// Found by //testing/fuzz:driver_fuzzer: VP 0x80000000 came
		// back from sd_node_next_stopped as -2147483648.
		BadAttach{ "VpsBeyondIntMax",
			   [](FakeNode &f, sd_node_config &c,
			      sidecar_node_params &) {
				   f.cp->base_cpu = 0x7ffffffa;
				   c.params = nullptr;
			   },
			   "VPs 2147483642+8 go beyond 2147483647" },
		// ... and a range past 2^32 was accepted without params.
		BadAttach{ "VpsWrapAround",
			   [](FakeNode &f, sd_node_config &c,
			      sidecar_node_params &) {
				   f.cp->base_cpu = 0xfffffffe;
				   c.params = nullptr;
			   },
			   "VPs 4294967294+8 go beyond 2147483647" },
		BadAttach{ "ParamsDisagree",
			   [](FakeNode &, sd_node_config &,
			      sidecar_node_params &p) { p.base_vp = 31; },
			   "control page has VPs 32+8, params 31+8" },
		BadAttach{
			"NoRequestVector",
			[](FakeNode &f, sd_node_config &,
			   sidecar_node_params &) { f.cp->request_vector = 0; },
			"request_vector 0 not in 16..255" },
		BadAttach{ "RequestVectorTooBig",
			   [](FakeNode &f, sd_node_config &,
			      sidecar_node_params &) {
				   f.cp->request_vector = 256;
			   },
			   "request_vector 256 not in 16..255" },
		BadAttach{ "ResponseVectorException",
			   [](FakeNode &, sd_node_config &c,
			      sidecar_node_params &) { c.response_vector = 14; },
			   "response_vector 14 not 0 or in 16..255" },
		BadAttach{ "BaseCpuNotRemoved",
			   [](FakeNode &f, sd_node_config &,
			      sidecar_node_params &) {
				   f.cp->cpu_status[0] =
					   SIDECAR_CPU_STATUS_IDLE;
			   },
			   "cpu_status[0] is IDLE, not REMOVED" },
		BadAttach{ "CpuStillRunning",
			   [](FakeNode &f, sd_node_config &,
			      sidecar_node_params &) {
				   f.cp->cpu_status[5] = SIDECAR_CPU_STATUS_RUN;
			   },
			   "cpu_status[5] is RUN, not IDLE" },
		BadAttach{
			"CpuStatusGarbage",
			[](FakeNode &f, sd_node_config &,
			   sidecar_node_params &) { f.cp->cpu_status[7] = 42; },
			"cpu_status[7] is unknown value 42, not IDLE" },
		BadAttach{
			"ShmemOnePageShort",
			[](FakeNode &, sd_node_config &c,
			   sidecar_node_params &) {
				c.output.shmem_pages_size -= 4096;
			},
			"shmem_pages_size 0xf000 is not cpu_count 8 x 0x2000" },
		BadAttach{
			"ShmemThreePagesPerCpu",
			[](FakeNode &, sd_node_config &c,
			   sidecar_node_params &) {
				c.output.shmem_pages_size = 8 * 3 * 4096;
			},
			"shmem_pages_size 0x18000 is not cpu_count 8 x 0x2000" },
		BadAttach{ "ShmemUnaligned",
			   [](FakeNode &, sd_node_config &c,
			      sidecar_node_params &) {
				   c.output.shmem_pages_base += 16;
			   },
			   "is not a page address" },
		BadAttach{ "ControlPageUnaligned",
			   [](FakeNode &, sd_node_config &c,
			      sidecar_node_params &) {
				   c.output.control_page += 8;
			   },
			   "control_page 0x100000008 is not a page address" },
		BadAttach{ "ControlPageUnmapped",
			   [](FakeNode &, sd_node_config &c,
			      sidecar_node_params &) {
				   c.output.control_page = 0x1000;
			   },
			   "cannot map the control page" },
		BadAttach{ "TooFewVpWords",
			   [](FakeNode &, sd_node_config &c,
			      sidecar_node_params &) { c.vp_slot_count = 7; },
			   "vp_slots holds 7 < cpu_count 8" }),
	[](const testing::TestParamInfo<BadAttach> &i) {
		return i.param.name;
	});

TEST_F(NodeTest, VpNumbersUpToIntMaxAreHandedOut)
{
	// The largest VP number sd_node_next_stopped can return.
	constexpr uint32_t kHigh = INT32_MAX - (kCount - 1);
	fn = std::make_unique<FakeNode>(mem, 1, kHigh, kCount);
	cfg.output = fn->Output();
	cfg.params = nullptr;
	Attach();
	ASSERT_EQ(StartVp(&node, INT32_MAX), 0);
	Complete(kCount - 1);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), INT32_MAX);
	EXPECT_TRUE(hp.Reports().empty());
}

// --- claims ---------------------------------------------------------------

TEST_F(NodeTest, VpOutsideTheNodeIsEinval)
{
	for (uint32_t vp : { kBase - 1, kBase + kCount, 0u, UINT32_MAX }) {
		EXPECT_EQ(RunVp(&node, vp, kLong), -SD_EINVAL) << vp;
		EXPECT_EQ(StartVp(&node, vp), -SD_EINVAL) << vp;
		EXPECT_EQ(sd_vp_stop(&node, vp), -SD_EINVAL) << vp;
		EXPECT_EQ(sd_vp_remove(&node, vp, kLong), -SD_EINVAL) << vp;
		EXPECT_EQ(sd_vp_wait_stopped(&node, vp, kLong), -SD_EINVAL);
		EXPECT_EQ(sd_vp_state(&node, vp), -SD_EINVAL);
	}
	EXPECT_TRUE(hp.Ipis().empty());
}

TEST_F(NodeTest, BaseCpuIsEnoent)
{
	EXPECT_EQ(RunVp(&node, kBase, kLong), -SD_ENOENT);
	EXPECT_EQ(StartVp(&node, kBase), -SD_ENOENT);
	EXPECT_EQ(sd_vp_stop(&node, kBase), -SD_ENOENT);
	EXPECT_EQ(sd_vp_remove(&node, kBase, kLong), -SD_ENOENT);
	EXPECT_TRUE(hp.Ipis().empty());
}

// --- run ------------------------------------------------------------------

TEST_F(NodeTest, RunSetsRunSendsTheRequestIpiAndWaitsForIdle)
{
	fn->Page(2).command = SIDECAR_COMMAND_TRANSLATE_GVA;
	auto run = std::async(std::launch::async,
			      [&] { return RunVp(&node, Vp(2), kLong); });
	ASSERT_TRUE(fn->AwaitStatus(2, SIDECAR_CPU_STATUS_RUN));
	EXPECT_EQ(sd_vp_state(&node, Vp(2)), SD_VP_SYNC);
	EXPECT_TRUE(AwaitRequestIpis(2, 1));
	// Still waiting: nothing is done until the CPU says so.
	EXPECT_EQ(run.wait_for(std::chrono::milliseconds(20)),
		  std::future_status::timeout);
	EXPECT_EQ(fn->TakeCommand(2), (uint32_t)SIDECAR_COMMAND_TRANSLATE_GVA);
	fn->Page(2).request_data[0].low = 0x1234; // the response
	fn->Finish(2, SIDECAR_CPU_STATUS_IDLE, hp.platform());
	EXPECT_EQ(run.get(), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(2)), SD_VP_AVAIL);
	EXPECT_EQ(fn->Page(2).request_data[0].low, 0x1234u);
	// The handler took the attention flag.
	EXPECT_EQ(fn->cp->needs_attention, 0u);
	EXPECT_TRUE(hp.Reports().empty());
}

TEST_F(NodeTest, ClaimsOnABusyVpAreEbusy)
{
	auto run = std::async(std::launch::async,
			      [&] { return RunVp(&node, Vp(1), kLong); });
	ASSERT_TRUE(fn->AwaitStatus(1, SIDECAR_CPU_STATUS_RUN));
	EXPECT_EQ(RunVp(&node, Vp(1), kLong), -SD_EBUSY);
	EXPECT_EQ(StartVp(&node, Vp(1)), -SD_EBUSY);
	EXPECT_EQ(sd_vp_remove(&node, Vp(1), kLong), -SD_EBUSY);
	// A synchronous run is not the stopper's to stop.
	EXPECT_EQ(sd_vp_stop(&node, Vp(1)), -SD_EINVAL);
	EXPECT_TRUE(AwaitRequestIpis(1, 1));
	Complete(1);
	EXPECT_EQ(run.get(), 0);

	ASSERT_EQ(StartVp(&node, Vp(1)), 0);
	EXPECT_EQ(RunVp(&node, Vp(1), kLong), -SD_EBUSY);
	EXPECT_EQ(StartVp(&node, Vp(1)), -SD_EBUSY);
	EXPECT_EQ(sd_vp_remove(&node, Vp(1), kLong), -SD_EBUSY);
	Complete(1);
	// Stopped but not yet read: still busy.
	EXPECT_EQ(sd_node_poll(&node), (unsigned)SD_POLLIN);
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_ASYNC_STOPPED);
	EXPECT_EQ(StartVp(&node, Vp(1)), -SD_EBUSY);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), (int)Vp(1));
	EXPECT_EQ(StartVp(&node, Vp(1)), 0);
	Complete(1);
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), (int)Vp(1));
	EXPECT_TRUE(hp.Reports().empty());
}

TEST_F(NodeTest, InterruptedRunCancelsAndWaitsForTheCpu)
{
	Signal sig;
	std::atomic<bool> started{ false };
	auto run = std::async(std::launch::async, [&] {
		SetThreadSignal(&sig);
		started = true;
		return RunVp(&node, Vp(3), kLong);
	});
	ASSERT_TRUE(fn->AwaitStatus(3, SIDECAR_CPU_STATUS_RUN));
	sig.Raise();
	// The driver asks the CPU to stop: RUN -> STOP and another IPI.
	ASSERT_TRUE(fn->AwaitStatus(3, SIDECAR_CPU_STATUS_STOP));
	EXPECT_TRUE(AwaitRequestIpis(3, 2));
	EXPECT_EQ(run.wait_for(std::chrono::milliseconds(20)),
		  std::future_status::timeout);
	Complete(3);
	EXPECT_EQ(run.get(), -SD_EINTR);
	EXPECT_EQ(sd_vp_state(&node, Vp(3)), SD_VP_AVAIL);
	EXPECT_EQ(fn->Status(3), SIDECAR_CPU_STATUS_IDLE);
	EXPECT_TRUE(hp.Reports().empty());
}

TEST_F(NodeTest, RunTimeoutCancelsWithAReport)
{
	// A CPU that finishes only when asked to stop.
	std::thread cpu([&] {
		ASSERT_TRUE(fn->AwaitStatus(4, SIDECAR_CPU_STATUS_STOP));
		Complete(4);
	});
	uint64_t t0 = NowNs();
	EXPECT_EQ(RunVp(&node, Vp(4), 20 * kMs), -SD_ETIMEDOUT);
	EXPECT_GE(NowNs() - t0, 20 * kMs);
	cpu.join();
	EXPECT_EQ(sd_vp_state(&node, Vp(4)), SD_VP_AVAIL);
	auto reports = hp.Reports();
	ASSERT_EQ(reports.size(), 1u);
	EXPECT_EQ(reports[0], "sidecar node 1: vp 36: command not done within "
			      "20 ms (cpu_status IDLE); cancelled");
	// And the VP works again.
	std::thread cpu2([&] {
		ASSERT_TRUE(fn->AwaitStatus(4, SIDECAR_CPU_STATUS_RUN));
		Complete(4);
	});
	EXPECT_EQ(RunVp(&node, Vp(4), kLong), 0);
	cpu2.join();
}

TEST_F(NodeTest, CancelThatTimesOutLeavesTheVpBusyUntilTheCpuIsIdle)
{
	node.cancel_timeout_ns = 30 * kMs;
	EXPECT_EQ(RunVp(&node, Vp(5), 10 * kMs), -SD_ETIMEDOUT);
	EXPECT_EQ(fn->Status(5), SIDECAR_CPU_STATUS_STOP);
	EXPECT_EQ(sd_vp_state(&node, Vp(5)), SD_VP_AVAIL);
	EXPECT_TRUE(Contains(hp.Reports(),
			     "vp 37: cancelled command not done within 30 ms "
			     "(cpu_status STOP); VP busy until it is"));
	// The command page is still the CPU's: no new command.
	EXPECT_EQ(RunVp(&node, Vp(5), kLong), -SD_EBUSY);
	EXPECT_EQ(StartVp(&node, Vp(5)), -SD_EBUSY);
	EXPECT_EQ(sd_vp_state(&node, Vp(5)), SD_VP_AVAIL);
	EXPECT_TRUE(Contains(hp.Reports(),
			     "vp 37: still busy with an abandoned command "
			     "(STOP)"));
	// Once the CPU is done, the VP is usable again.
	Complete(5);
	std::thread cpu([&] {
		ASSERT_TRUE(fn->AwaitStatus(5, SIDECAR_CPU_STATUS_RUN));
		Complete(5);
	});
	EXPECT_EQ(RunVp(&node, Vp(5), kLong), 0);
	cpu.join();
}

TEST_F(NodeTest, UnexpectedStatusWhileRunningIsEioAndReported)
{
	auto run = std::async(std::launch::async,
			      [&] { return RunVp(&node, Vp(6), kLong); });
	ASSERT_TRUE(fn->AwaitStatus(6, SIDECAR_CPU_STATUS_RUN));
	fn->Finish(6, 7, hp.platform());
	EXPECT_EQ(run.get(), -SD_EIO);
	EXPECT_TRUE(Contains(hp.Reports(), "vp 38: unexpected cpu_status "
					   "unknown value 7 while running"));
	EXPECT_EQ(sd_vp_state(&node, Vp(6)), SD_VP_AVAIL);
	// The CPU is broken: every later claim says so.
	EXPECT_EQ(RunVp(&node, Vp(6), kLong), -SD_EIO);
	EXPECT_EQ(StartVp(&node, Vp(6)), -SD_EIO);
}

TEST_F(NodeTest, StatusRemovedUnderAnAvailVpIsEio)
{
	sidecar_cpu_status_store(fn->cp, 2, SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(StartVp(&node, Vp(2)), -SD_EIO);
	EXPECT_EQ(sd_vp_remove(&node, Vp(2), kLong), -SD_EIO);
	EXPECT_TRUE(Contains(hp.Reports(), "vp 34: unexpected cpu_status "
					   "REMOVED when claimed"));
	EXPECT_TRUE(Contains(hp.Reports(), "vp 34: unexpected cpu_status "
					   "REMOVED before remove"));
	EXPECT_EQ(sd_vp_state(&node, Vp(2)), SD_VP_AVAIL);
	EXPECT_TRUE(hp.Ipis().empty());
}

// --- start / stop / read --------------------------------------------------

TEST_F(NodeTest, StartStopAndNextStopped)
{
	ASSERT_EQ(StartVp(&node, Vp(1)), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_ASYNC);
	EXPECT_EQ(fn->Status(1), SIDECAR_CPU_STATUS_RUN);
	EXPECT_EQ(RequestIpis(1), 1);
	EXPECT_EQ(sd_node_poll(&node), 0u);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), -SD_EAGAIN);

	ASSERT_EQ(sd_vp_stop(&node, Vp(1)), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_ASYNC_STOPPING);
	EXPECT_EQ(fn->Status(1), SIDECAR_CPU_STATUS_STOP);
	EXPECT_EQ(RequestIpis(1), 2);
	// Stopping again is fine and sends nothing.
	EXPECT_EQ(sd_vp_stop(&node, Vp(1)), 0);
	EXPECT_EQ(RequestIpis(1), 2);

	Complete(1);
	EXPECT_EQ(sd_node_poll(&node), (unsigned)SD_POLLIN);
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_ASYNC_STOPPED);
	EXPECT_EQ(sd_vp_stop(&node, Vp(1)), 0);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), (int)Vp(1));
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_AVAIL);
	EXPECT_EQ(sd_node_poll(&node), 0u);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), -SD_EAGAIN);
	// Not started any more.
	EXPECT_EQ(sd_vp_stop(&node, Vp(1)), -SD_EINVAL);
	EXPECT_TRUE(hp.Reports().empty());
}

TEST_F(NodeTest, StopAfterTheCpuFinishedIsStillZero)
{
	ASSERT_EQ(StartVp(&node, Vp(2)), 0);
	Complete(2);
	EXPECT_EQ(sd_vp_stop(&node, Vp(2)), 0);
	EXPECT_EQ(fn->Status(2), SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(RequestIpis(2), 1); // no STOP for an idle CPU
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), (int)Vp(2));
}

TEST_F(NodeTest, StopOfAVpNeverStartedIsEinval)
{
	EXPECT_EQ(sd_vp_stop(&node, Vp(3)), -SD_EINVAL);
	EXPECT_EQ(sd_vp_wait_stopped(&node, Vp(3), kLong), -SD_EINVAL);
}

TEST_F(NodeTest, NextStoppedBlocksUntilTheInterrupt)
{
	ASSERT_EQ(StartVp(&node, Vp(3)), 0);
	auto next = std::async(std::launch::async, [&] {
		return sd_node_next_stopped(&node, kLong);
	});
	EXPECT_EQ(next.wait_for(std::chrono::milliseconds(20)),
		  std::future_status::timeout);
	Complete(3);
	EXPECT_EQ(next.get(), (int)Vp(3));
}

TEST_F(NodeTest, NextStoppedTimesOutAndIsInterruptible)
{
	ASSERT_EQ(StartVp(&node, Vp(3)), 0);
	uint64_t t0 = NowNs();
	EXPECT_EQ(sd_node_next_stopped(&node, 15 * kMs), -SD_ETIMEDOUT);
	EXPECT_GE(NowNs() - t0, 15 * kMs);

	Signal sig;
	SetThreadSignal(&sig);
	sig.pending = true;
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), -SD_EINTR);
	EXPECT_EQ(sd_node_wait_ready(&node, 5 * kMs), -SD_ETIMEDOUT);
	SetThreadSignal(nullptr);
	Complete(3);
	EXPECT_EQ(sd_node_wait_ready(&node, kLong), SD_POLLIN);
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), (int)Vp(3));
}

TEST_F(NodeTest, EveryStoppedVpIsReadExactlyOnce)
{
	for (uint32_t i = 1; i < kCount; i++)
		ASSERT_EQ(StartVp(&node, Vp(i)), 0);
	for (uint32_t i = kCount - 1; i >= 1; i--)
		Complete(i);
	std::vector<int> got;
	for (uint32_t i = 1; i < kCount; i++)
		got.push_back(sd_node_next_stopped(&node, 0));
	std::sort(got.begin(), got.end());
	for (uint32_t i = 1; i < kCount; i++)
		EXPECT_EQ(got[i - 1], (int)Vp(i));
	EXPECT_EQ(sd_node_next_stopped(&node, 0), -SD_EAGAIN);
	EXPECT_EQ(node.num_stopped, 0u);
}

TEST_F(NodeTest, CompletionBeforeStartReturnsIsNotLost)
{
	// The CPU finishes inside the request IPI, before sd_vp_start
	// returns: the start itself must get it scanned.
	hp.on_ipi = [this](uint32_t apic, uint32_t vector) {
		if (vector == kRequestVector)
			Complete(apic == HostPlatform::ApicOf(Vp(4)) ? 4 : 0);
		else
			sd_node_interrupt(&node);
	};
	ASSERT_EQ(StartVp(&node, Vp(4)), 0);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), (int)Vp(4));
}

TEST_F(NodeTest, WithoutResponseIpisTheWaitersStillSeeAttention)
{
	// response_vector 0: the sidecar raises attention but sends nothing;
	// the waiter sees it on its next timer tick.
	cfg.response_vector = 0;
	hp.tick_ns = 1 * kMs;
	fn = std::make_unique<FakeNode>(mem, 1, kBase, kCount);
	cfg.output = fn->Output();
	Attach();
	ASSERT_EQ(StartVp(&node, Vp(2)), 0);
	std::thread cpu([&] {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
		Complete(2);
	});
	uint64_t t0 = NowNs();
	EXPECT_EQ(sd_node_next_stopped(&node, kLong), (int)Vp(2));
	EXPECT_LT(NowNs() - t0, kLong / 2);
	cpu.join();
	for (auto &ipi : hp.Ipis())
		EXPECT_NE(ipi.vector, kResponseVector);
}

TEST_F(NodeTest, InterruptHandlerAcknowledgesAttentionOnly)
{
	ASSERT_EQ(StartVp(&node, Vp(1)), 0);
	ASSERT_EQ(StartVp(&node, Vp(2)), 0);
	fn->TakeCommand(2);
	sidecar_cpu_status_store(fn->cp, 2, SIDECAR_CPU_STATUS_IDLE);
	sidecar_needs_attention_store(fn->cp, 1);
	uint32_t seq = node.wake_seq, seq1 = node.vp[1].wake_seq,
		 seq2 = node.vp[2].wake_seq;
	uint64_t notified = hp.notifies;
	sd_node_interrupt(&node);
	EXPECT_EQ(fn->cp->needs_attention, 0u);
	EXPECT_EQ(node.scan_needed, 1u);
	// The readers (a started VP is done), VP 2's waiter, the poller;
	// not VP 1's waiter, whose CPU still runs.
	EXPECT_EQ(node.wake_seq, seq + 1);
	EXPECT_EQ(node.vp[2].wake_seq, seq2 + 1);
	EXPECT_EQ(node.vp[1].wake_seq, seq1);
	EXPECT_EQ(hp.notifies, notified + 1);
	// Nothing to acknowledge: nothing happens.
	sd_node_interrupt(&node);
	EXPECT_EQ(node.wake_seq, seq + 1);
	EXPECT_EQ(node.vp[2].wake_seq, seq2 + 1);
	EXPECT_EQ(hp.notifies, notified + 1);
	// No VP changed state in the handler.
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_ASYNC);
	EXPECT_EQ(sd_vp_state(&node, Vp(2)), SD_VP_ASYNC);
	for (uint32_t i = 3; i < kCount; i++)
		EXPECT_EQ(sd_vp_state(&node, Vp(i)), SD_VP_AVAIL);
}

TEST_F(NodeTest, UnexpectedStatusOfAStartedVpIsReportedOnce)
{
	ASSERT_EQ(StartVp(&node, Vp(5)), 0);
	fn->Finish(5, 9, hp.platform());
	EXPECT_EQ(sd_node_poll(&node), 0u);
	fn->Finish(5, 9, hp.platform());
	EXPECT_EQ(sd_node_poll(&node), 0u);
	auto reports = hp.Reports();
	ASSERT_EQ(reports.size(), 1u);
	EXPECT_EQ(reports[0], "sidecar node 1: vp 37: unexpected cpu_status "
			      "unknown value 9 while started");
	EXPECT_EQ(sd_vp_state(&node, Vp(5)), SD_VP_ASYNC);
	EXPECT_EQ(sd_vp_stop(&node, Vp(5)), -SD_EIO);
}

TEST_F(NodeTest, WaitStoppedTakesThatVp)
{
	ASSERT_EQ(StartVp(&node, Vp(1)), 0);
	ASSERT_EQ(StartVp(&node, Vp(2)), 0);
	EXPECT_EQ(sd_vp_wait_stopped(&node, Vp(2), 5 * kMs), -SD_ETIMEDOUT);
	Signal sig;
	SetThreadSignal(&sig);
	sig.pending = true;
	EXPECT_EQ(sd_vp_wait_stopped(&node, Vp(2), kLong), -SD_EINTR);
	SetThreadSignal(nullptr);
	auto wait = std::async(std::launch::async, [&] {
		return sd_vp_wait_stopped(&node, Vp(2), kLong);
	});
	Complete(1);
	EXPECT_EQ(wait.wait_for(std::chrono::milliseconds(20)),
		  std::future_status::timeout);
	Complete(2);
	EXPECT_EQ(wait.get(), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(2)), SD_VP_AVAIL);
	EXPECT_EQ(sd_vp_state(&node, Vp(1)), SD_VP_ASYNC_STOPPED);
	EXPECT_EQ(sd_node_next_stopped(&node, 0), (int)Vp(1));
}

// --- remove ---------------------------------------------------------------

TEST_F(NodeTest, RemoveConvertsTheCpu)
{
	auto rm = std::async(std::launch::async,
			     [&] { return sd_vp_remove(&node, Vp(7), kLong); });
	ASSERT_TRUE(fn->AwaitStatus(7, SIDECAR_CPU_STATUS_REMOVE));
	EXPECT_EQ(sd_vp_state(&node, Vp(7)), SD_VP_REMOVING);
	EXPECT_TRUE(AwaitRequestIpis(7, 1));
	EXPECT_EQ(rm.wait_for(std::chrono::milliseconds(20)),
		  std::future_status::timeout);
	Complete(7, SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(rm.get(), 0);
	EXPECT_EQ(sd_vp_state(&node, Vp(7)), SD_VP_REMOVED);
	// Gone for good.
	EXPECT_EQ(RunVp(&node, Vp(7), kLong), -SD_ENOENT);
	EXPECT_EQ(StartVp(&node, Vp(7)), -SD_ENOENT);
	EXPECT_EQ(sd_vp_stop(&node, Vp(7)), -SD_ENOENT);
	EXPECT_EQ(sd_vp_wait_stopped(&node, Vp(7), kLong), -SD_ENOENT);
	EXPECT_EQ(sd_vp_remove(&node, Vp(7), kLong), -SD_ENOENT);
	EXPECT_EQ(RequestIpis(7), 1);
	EXPECT_TRUE(hp.Reports().empty());
}

TEST_F(NodeTest, RemoveTimesOutWithAClearError)
{
	uint64_t t0 = NowNs();
	EXPECT_EQ(sd_vp_remove(&node, Vp(6), 25 * kMs), -SD_ETIMEDOUT);
	uint64_t took = NowNs() - t0;
	EXPECT_GE(took, 25 * kMs);
	EXPECT_LT(took, 2000 * kMs);
	auto reports = hp.Reports();
	ASSERT_EQ(reports.size(), 1u);
	EXPECT_EQ(reports[0], "sidecar node 1: vp 38: CPU not removed within "
			      "25 ms (cpu_status REMOVE); still REMOVING; try "
			      "again");
	EXPECT_EQ(sd_vp_state(&node, Vp(6)), SD_VP_REMOVING);
	EXPECT_EQ(RunVp(&node, Vp(6), kLong), -SD_EBUSY);
}

TEST_F(NodeTest, RemoveAnsweredWithIdleIsEio)
{
	auto rm = std::async(std::launch::async,
			     [&] { return sd_vp_remove(&node, Vp(3), kLong); });
	ASSERT_TRUE(fn->AwaitStatus(3, SIDECAR_CPU_STATUS_REMOVE));
	Complete(3, SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(rm.get(), -SD_EIO);
	EXPECT_TRUE(Contains(hp.Reports(), "vp 35: unexpected cpu_status IDLE "
					   "while removing"));
}

} // namespace
} // namespace sdtest
