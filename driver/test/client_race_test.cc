// SPDX-License-Identifier: MIT
//
// client: what an abandoned command may and may not do to the next one, and
// the handle's exclusivity, against sidecar CPUs that are threads running
// core's dispatch.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "host_system.h"

namespace sdtest
{
namespace
{

constexpr uint64_t kMs = 1000000ull;
constexpr uint32_t kVp = 3;

// A door a sidecar CPU waits at until the test opens it.
class Gate {
    public:
	void Wait()
	{
		std::unique_lock<std::mutex> lk(mu_);
		reached_ = true;
		cv_.notify_all();
		cv_.wait(lk, [&] { return open_; });
	}
	void AwaitReached()
	{
		std::unique_lock<std::mutex> lk(mu_);
		cv_.wait(lk, [&] { return reached_; });
	}
	void Open()
	{
		std::lock_guard<std::mutex> g(mu_);
		open_ = true;
		cv_.notify_all();
	}

    private:
	std::mutex mu_;
	std::condition_variable cv_;
	bool reached_ = false, open_ = false;
};

HostSystemOptions Options()
{
	HostSystemOptions o;
	o.cpus_per_numa = { 8 };
	o.cancel_timeout_ns = 20 * kMs;
	return o;
}

hv_register_assoc Scratch(uint32_t i, uint64_t value)
{
	hv_register_assoc r{};
	r.name = kScratchBase + i;
	r.value.reg128 = hv_u128{ value, ~value };
	return r;
}

// A VP whose GET timed out, and so did its cancel: the CPU is held inside
// the GET (in STOP) until the test opens the gate.
class AbandonedGetTest : public testing::Test {
    protected:
	AbandonedGetTest()
	    : sys(Options())
	    , cpu(sys.Cpu(kVp))
	{
		sys.hp.quiet = true;
		EXPECT_EQ(sd_client_vp_init(&c, sys.NodeOf(kVp), kVp, 20 * kMs),
			  0);
	}

	void AbandonGet(uint32_t reg)
	{
		cpu->sim.before_get = [this](uint32_t) { gate.Wait(); };
		hv_register_assoc got = Scratch(reg, 0);
		EXPECT_EQ(sd_client_get_registers(&c, 0, &got, 1, &e),
			  -SD_ETIMEDOUT);
		gate.AwaitReached();
		EXPECT_EQ(sidecar_cpu_status_load(sys.NodeOf(kVp)->control,
						  kVp),
			  SIDECAR_CPU_STATUS_STOP);
	}

	// Lets the abandoned GET finish.
	void Release()
	{
		gate.Open();
		ASSERT_TRUE(cpu->AwaitAsleep());
		cpu->sim.before_get = nullptr;
	}

	HostSystem sys;
	SidecarCpu *cpu;
	sd_client_vp c;
	sd_client_error e;
	Gate gate;
};

// The late completion of the abandoned GET must never end up in the next
// SET. It is made to land at the worst moment: when the SET's call first
// reads the clock, which is after it wrote the page on the old code.
// Either the SET is refused (the CPU is still busy) or the hypervisor gets
// the SET's value: never success with the GET's value.
TEST_F(AbandonedGetTest, ALateCompletionNeverReachesTheNextCommand)
{
	hv_register_assoc old_value = Scratch(5, 0x01d);
	ASSERT_EQ(sd_client_set_registers(&c, 0, &old_value, 1, &e), 0)
		<< e.msg;
	AbandonGet(5);

	std::atomic<bool> fired{ false };
	sys.hp.on_now = [&] {
		if (fired.exchange(true))
			return;
		gate.Open();
		cpu->AwaitAsleep();
	};
	hv_register_assoc new_value = Scratch(5, 0x5e7);
	int r = sd_client_set_registers(&c, 0, &new_value, 1, &e);
	sys.hp.on_now = nullptr;
	Release();

	hv_u128 in_hv = cpu->sim.regs[kScratchBase + 5];
	if (r == 0) {
		EXPECT_EQ(in_hv.low, 0x5e7u) << "SET returned 0 but the "
						"hypervisor got another value";
	} else {
		EXPECT_EQ(r, -SD_EBUSY) << e.msg;
		EXPECT_EQ(in_hv.low, 0x01du);
		// Once the CPU is idle, the same call goes through.
		ASSERT_EQ(sd_client_set_registers(&c, 0, &new_value, 1, &e), 0)
			<< e.msg;
		EXPECT_EQ(cpu->sim.regs[kScratchBase + 5].low, 0x5e7u);
	}
}

// While the abandoned command runs, a refused call leaves the page alone.
TEST_F(AbandonedGetTest, ARefusedCallWritesNothing)
{
	AbandonGet(1);
	static sidecar_command_page before;
	std::memcpy(&before, c.page, sizeof(before));
	hv_register_assoc set = Scratch(1, 0x77);
	EXPECT_EQ(sd_client_set_registers(&c, 0, &set, 1, &e), -SD_EBUSY);
	hv_translate_virtual_address_ex_output_x64 out;
	EXPECT_EQ(sd_client_translate_gva(&c, 0x1234, 0, &out, &e), -SD_EBUSY);
	EXPECT_EQ(sd_client_run(&c, &e), -SD_EBUSY);
	EXPECT_EQ(std::memcmp(&before, c.page, sizeof(before)), 0);
	EXPECT_EQ(c.started, 1u);

	Release();
	EXPECT_EQ(sd_client_test(&c, &e), 0) << e.msg;
}

// A command that never reached the CPU was not started.
TEST(ClientRaceTest, ARefusedCommandIsNotCounted)
{
	HostSystem sys(Options());
	sys.hp.quiet = true;
	sd_node *n = sys.NodeOf(kVp);
	sd_client_vp c;
	sd_client_error e;
	ASSERT_EQ(sd_client_vp_init(&c, n, kVp, 1000 * kMs), 0);

	// A sidecar that broke the protocol: the CPU is in no known state.
	sidecar_cpu_status_store(n->control, kVp - n->base_cpu, 9);
	EXPECT_EQ(sd_client_test(&c, &e), -SD_EIO);
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_DRIVER);
	EXPECT_EQ(c.started, 0u);
	EXPECT_EQ(c.completed, 0u);
	sidecar_cpu_status_store(n->control, kVp - n->base_cpu,
				 SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sd_client_test(&c, &e), 0) << e.msg;
	EXPECT_EQ(c.started, 1u);
	EXPECT_EQ(c.completed, 1u);
}

// One handle per VP, as the Rust client's in_use: a second is refused until
// the first is released.
TEST(ClientRaceTest, AVpHasOneHandle)
{
	HostSystem sys(Options());
	sd_node *n = sys.NodeOf(kVp);
	sd_client_vp a, b;
	sd_client_error e;
	ASSERT_EQ(sd_client_vp_init(&a, n, kVp, 1000 * kMs), 0);
	EXPECT_EQ(sd_client_vp_init(&b, n, kVp, 1000 * kMs), -SD_EBUSY);
	EXPECT_EQ(sd_client_vp_init(&b, n, kVp + 1, 1000 * kMs), 0);
	sd_client_vp_release(&b);
	EXPECT_EQ(sd_client_test(&a, &e), 0) << e.msg;
	sd_client_vp_release(&a);
	EXPECT_EQ(sd_client_test(&a, &e), -SD_EINVAL);
	ASSERT_EQ(sd_client_vp_init(&b, n, kVp, 1000 * kMs), 0);
	EXPECT_EQ(sd_client_test(&b, &e), 0) << e.msg;
	// A handle does not stop the main kernel from converting the CPU.
	EXPECT_EQ(sd_vp_remove(n, kVp, 1000 * kMs), 0);
	EXPECT_EQ(sd_client_test(&b, &e), -SD_ENOENT);
	sd_client_vp_release(&b);
}

} // namespace
} // namespace sdtest
