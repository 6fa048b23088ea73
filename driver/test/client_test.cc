// SPDX-License-Identifier: MIT
//
// client: every call against sidecar CPUs that are threads running core's
// dispatch over the simulated hypervisor.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_system.h"

namespace sdtest
{
namespace
{

constexpr uint64_t kTimeout = 10000000000ull;
constexpr uint64_t kMs = 1000000ull;
constexpr uint32_t kVp = 3;

class ClientTest : public testing::Test {
    protected:
	ClientTest()
	    : sys(Options())
	{
		EXPECT_EQ(sd_client_vp_init(&c, sys.NodeOf(kVp), kVp, kTimeout),
			  0);
		cpu = sys.Cpu(kVp);
	}

	static HostSystemOptions Options()
	{
		HostSystemOptions o;
		o.cpus_per_numa = { 8 };
		o.log_ipis = true;
		return o;
	}

	void TearDown() override
	{
		EXPECT_TRUE(sys.hp.Reports().empty());
	}

	// What the CPU executed; stops the CPUs first.
	std::vector<CpuLogEntry> Log()
	{
		sys.Shutdown();
		return cpu->log;
	}

	static std::vector<hv_register_assoc> Scratch(size_t n, uint64_t seed)
	{
		std::vector<hv_register_assoc> r(n);
		for (size_t i = 0; i < n; i++) {
			r[i] = hv_register_assoc{};
			r[i].name = kScratchBase + (uint32_t)i;
			r[i].value.reg128 =
				hv_u128{ seed + i * 7, ~(seed + i) };
		}
		return r;
	}

	HostSystem sys;
	sd_client_vp c;
	SidecarCpu *cpu;
	sd_client_error e;
};

TEST_F(ClientTest, InitRefusesTheBaseCpuAndStrangers)
{
	sd_client_vp other;
	EXPECT_EQ(sd_client_vp_init(&other, sys.nodes[0].get(), 0, kTimeout),
		  -SD_EINVAL);
	EXPECT_EQ(sd_client_vp_init(&other, sys.nodes[0].get(), 8, kTimeout),
		  -SD_EINVAL);
	EXPECT_EQ(c.page, &cpu->pages->command_page);
	EXPECT_EQ(c.reg_page, &cpu->pages->register_page);
}

TEST_F(ClientTest, TestPingsTheCpu)
{
	EXPECT_EQ(sd_client_test(&c, &e), 0);
	EXPECT_EQ(e.kind, SD_CLIENT_OK);
	EXPECT_EQ(sd_client_test(&c, nullptr), 0);
	EXPECT_EQ(c.started, 2u);
	EXPECT_EQ(c.completed, 2u);
	auto log = Log();
	ASSERT_EQ(log.size(), 2u);
	EXPECT_EQ(log[0], (CpuLogEntry{ SIDECAR_COMMAND_NONE, 0 }));
}

TEST_F(ClientTest, GetsWhatWasSet)
{
	std::vector<hv_register_assoc> regs(2);
	regs[0].name = HV_REGISTER_RIP;
	regs[0].value.reg128 = hv_u128{ 0x1000, 0 };
	regs[1].name = HV_REGISTER_RFLAGS;
	regs[1].value.reg128 = hv_u128{ 0x202, 0 };
	ASSERT_EQ(sd_client_set_registers(&c, 0, regs.data(), 2, &e), 0)
		<< e.msg;
	EXPECT_EQ(e.done, 2u);

	std::vector<hv_register_assoc> got(3);
	got[0].name = HV_REGISTER_RFLAGS;
	got[1].name = HV_REGISTER_RIP;
	got[2].name = HV_REGISTER_RAX;
	ASSERT_EQ(sd_client_get_registers(&c, 0x12, got.data(), 3, &e), 0)
		<< e.msg;
	EXPECT_EQ(got[0].value.reg128.low, 0x202u);
	EXPECT_EQ(got[1].value.reg128.low, 0x1000u);
	EXPECT_EQ(got[2].value.reg128.low,
		  ((uint64_t)kVp << 32) | HV_REGISTER_RAX);
	EXPECT_EQ(got[0].name, (uint32_t)HV_REGISTER_RFLAGS);
}

TEST_F(ClientTest, NothingToTransferSendsNothing)
{
	EXPECT_EQ(sd_client_get_registers(&c, 0, nullptr, 0, &e), 0);
	EXPECT_EQ(sd_client_set_registers(&c, 0, nullptr, 0, &e), 0);
	EXPECT_TRUE(Log().empty());
}

class BatchTest : public ClientTest,
		  public testing::WithParamInterface<size_t> {};

// Any count, in commands of at most 31 registers, in order.
TEST_P(BatchTest, SplitsAcrossThe31Boundary)
{
	size_t n = GetParam();
	auto want = Scratch(n, 0x100);
	ASSERT_EQ(sd_client_set_registers(&c, 0, want.data(), n, &e), 0)
		<< e.msg;
	EXPECT_EQ(e.done, n);
	auto got = Scratch(n, 0);
	for (auto &r : got)
		r.value.reg128 = hv_u128{ 0xdead, 0xdead };
	ASSERT_EQ(sd_client_get_registers(&c, 0, got.data(), n, &e), 0)
		<< e.msg;
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ(got[i].value.reg128.low, want[i].value.reg128.low)
			<< i;
		EXPECT_EQ(got[i].value.reg128.high, want[i].value.reg128.high)
			<< i;
	}

	std::vector<CpuLogEntry> expect;
	for (size_t s = 0; s < n; s += 31)
		expect.push_back(CpuLogEntry{ SIDECAR_COMMAND_SET_VP_REGISTERS,
					      want[s].value.reg128.low });
	for (size_t s = 0; s < n; s += 31)
		expect.push_back(CpuLogEntry{ SIDECAR_COMMAND_GET_VP_REGISTERS,
					      std::min<size_t>(31, n - s) });
	EXPECT_EQ(Log(), expect);
	EXPECT_EQ(cpu->sim.set_calls, n);
	EXPECT_EQ(cpu->sim.get_calls, n);
}

INSTANTIATE_TEST_SUITE_P(Client, BatchTest,
			 testing::Values(1, 30, 31, 32, 61, 62, 63, 64, 100,
					 512));

TEST_F(ClientTest, SetStopsAtTheFailingBatchAndNamesTheRegister)
{
	auto regs = Scratch(100, 0x500);
	cpu->sim.set_fail[kScratchBase + 40] = HV_STATUS_INVALID_REGISTER_VALUE;
	EXPECT_EQ(sd_client_set_registers(&c, 0, regs.data(), 100, &e),
		  -SD_EIO);
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_HYPERVISOR);
	EXPECT_EQ(e.code, -SD_EIO);
	EXPECT_EQ(e.hv_status, HV_STATUS_INVALID_REGISTER_VALUE);
	EXPECT_EQ(e.reg_index, 40u);
	EXPECT_EQ(e.reg_name, kScratchBase + 40);
	EXPECT_EQ(e.done, 40u);
	EXPECT_EQ(std::string(e.msg),
		  "vp 3: set registers: hypervisor status InvalidRegisterValue "
		  "(0x50) at register 40 (name 0x7f000028)");
	// Batch 1 whole, batch 2 up to the failure (and again one at a time
	// to find it), batch 3 never sent.
	auto log = Log();
	ASSERT_EQ(log.size(), 2u + 10u);
	EXPECT_EQ(log[1].tag, regs[31].value.reg128.low);
	for (size_t k = 0; k < 10; k++)
		EXPECT_EQ(log[2 + k].tag, regs[31 + k].value.reg128.low);
	for (uint32_t i = 0; i < 100; i++)
		EXPECT_EQ(cpu->sim.regs[kScratchBase + i].low,
			  i < 40 ? regs[i].value.reg128.low : 0u)
			<< i;
}

TEST_F(ClientTest, GetNamesTheUnknownRegister)
{
	auto regs = Scratch(20, 0);
	regs[5].name = 0x12345678;
	cpu->sim.regs[kScratchBase + 2] = hv_u128{ 77, 0 };
	EXPECT_EQ(sd_client_get_registers(&c, 0, regs.data(), 20, &e), -SD_EIO);
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_HYPERVISOR);
	EXPECT_EQ(e.hv_status, HV_STATUS_UNKNOWN_REGISTER_NAME);
	EXPECT_EQ(e.reg_index, 5u);
	EXPECT_EQ(e.reg_name, 0x12345678u);
	EXPECT_EQ(e.done, 5u);
	// The ones before it were read.
	EXPECT_EQ(regs[2].value.reg128.low, 77u);
	EXPECT_NE(std::string(e.msg).find("UnknownRegisterName (0x87) at "
					  "register 5"),
		  std::string::npos)
		<< e.msg;
}

TEST_F(ClientTest, AFailureNotSeenAgainNamesTheBatch)
{
	auto regs = Scratch(40, 0);
	cpu->sim.get_fail_once[kScratchBase + 35] = HV_STATUS_ACCESS_DENIED;
	EXPECT_EQ(sd_client_get_registers(&c, 0, regs.data(), 40, &e), -SD_EIO);
	EXPECT_EQ(e.hv_status, HV_STATUS_ACCESS_DENIED);
	EXPECT_EQ(e.reg_index, 31u);
	EXPECT_EQ(std::string(e.msg),
		  "vp 3: get registers: hypervisor status AccessDenied (0x6) "
		  "in the batch from register 31 (name 0x7f00001f)");
}

TEST_F(ClientTest, TranslateGva)
{
	hv_translate_virtual_address_ex_output_x64 out;
	ASSERT_EQ(sd_client_translate_gva(&c, 0x1234, 0x3, &out, &e), 0)
		<< e.msg;
	EXPECT_EQ(out.gpa_page, 0x1234u ^ 0xabc000u);
	EXPECT_EQ(out.translation_result.result, 0x3u);

	cpu->sim.translate_status = HV_STATUS_INVALID_VP_STATE;
	EXPECT_EQ(sd_client_translate_gva(&c, 0x99, 0, &out, &e), -SD_EIO);
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_HYPERVISOR);
	EXPECT_EQ(e.hv_status, HV_STATUS_INVALID_VP_STATE);
	EXPECT_EQ(std::string(e.msg), "vp 3: translate gva: hypervisor status "
				      "InvalidVpState (0x15)");
	auto log = Log();
	ASSERT_EQ(log.size(), 2u);
	EXPECT_EQ(log[1], (CpuLogEntry{ SIDECAR_COMMAND_TRANSLATE_GVA, 0x99 }));
}

TEST_F(ClientTest, RunUntilAnIntercept)
{
	sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(&c);
	ASSERT_NE(ctx, nullptr);
	ctx->gps[SIDECAR_CPU_CONTEXT_RAX] = 0xabcd;
	ctx->gps[SIDECAR_CPU_CONTEXT_RBX] = 3;
	ASSERT_EQ(sd_client_run(&c, &e), 0);
	// The pages are the sidecar's while it runs.
	EXPECT_EQ(sd_client_cpu_context(&c), nullptr);
	EXPECT_EQ(sd_client_intercept_message(&c), nullptr);
	EXPECT_EQ(sd_client_register_page(&c), nullptr);
	bool intercept = false;
	ASSERT_EQ(sd_client_wait(&c, kTimeout, &intercept, &e), 0) << e.msg;
	EXPECT_TRUE(intercept);
	ctx = sd_client_cpu_context(&c);
	ASSERT_EQ(ctx, &cpu->pages->command_page.cpu_context);
	EXPECT_EQ(ctx->gps[SIDECAR_CPU_CONTEXT_RDX], 3u);
	EXPECT_EQ(ctx->gps[SIDECAR_CPU_CONTEXT_RCX], 0xabcdu ^ kGuestMark);
	const hv_message *msg = sd_client_intercept_message(&c);
	ASSERT_NE(msg, nullptr);
	EXPECT_EQ(msg->header.typ, HV_MESSAGE_TYPE_X64_HALT);
	EXPECT_EQ(msg->header.id, 0xabcdu);
	hv_x64_register_page *rp = sd_client_register_page(&c);
	ASSERT_EQ(rp, &cpu->pages->register_page);
	EXPECT_EQ(rp->is_valid, 1);
	EXPECT_EQ(rp->rip, 0xfff0u + kVp);
	EXPECT_EQ(c.started, 1u);
	EXPECT_EQ(c.completed, 1u);
	// Collected once only.
	EXPECT_EQ(sd_client_wait(&c, kTimeout, &intercept, &e), -SD_EINVAL);
	EXPECT_EQ(sd_client_cancel(&c), -SD_EINVAL);
}

TEST_F(ClientTest, CancelStopsARunWithoutAnIntercept)
{
	sd_client_cpu_context(&c)->gps[SIDECAR_CPU_CONTEXT_RBX] = 0;
	ASSERT_EQ(sd_client_run(&c, &e), 0);
	bool intercept = true;
	EXPECT_EQ(sd_client_wait(&c, 20 * kMs, &intercept, &e), -SD_ETIMEDOUT);
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_DRIVER);
	EXPECT_EQ(std::string(e.msg), "vp 3: wait: ETIMEDOUT");
	// Still running.
	EXPECT_EQ(sd_client_cpu_context(&c), nullptr);
	EXPECT_EQ(sd_client_test(&c, &e), -SD_EBUSY);
	EXPECT_EQ(sd_client_run(&c, &e), -SD_EBUSY);
	auto regs = Scratch(1, 0);
	EXPECT_EQ(sd_client_get_registers(&c, 0, regs.data(), 1, &e),
		  -SD_EBUSY);

	hv_translate_virtual_address_ex_output_x64 out;
	EXPECT_EQ(sd_client_translate_gva(&c, 1, 0, &out, &e), -SD_EBUSY);

	EXPECT_EQ(sd_client_cancel(&c), 0);
	ASSERT_EQ(sd_client_wait(&c, kTimeout, &intercept, &e), 0) << e.msg;
	// (A refused command must not have written into the page.)
	EXPECT_FALSE(intercept);
	EXPECT_GE(sd_client_cpu_context(&c)->gps[SIDECAR_CPU_CONTEXT_RDX], 1u);
	EXPECT_EQ(sd_client_test(&c, &e), 0);
}

TEST_F(ClientTest, CancelFromAnotherThread)
{
	sd_client_cpu_context(&c)->gps[SIDECAR_CPU_CONTEXT_RBX] = 0;
	ASSERT_EQ(sd_client_run(&c, &e), 0);
	std::thread t([this] {
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
		EXPECT_EQ(sd_client_cancel(&c), 0);
	});
	bool intercept = true;
	EXPECT_EQ(sd_client_wait(&c, kTimeout, &intercept, &e), 0) << e.msg;
	EXPECT_FALSE(intercept);
	t.join();
}

TEST_F(ClientTest, SidecarErrorTextIsCarried)
{
	cpu->sim.map_ok = false;
	cpu->sim.map_error = "register page: HvStatus 0x8 (h\xc3\xa9)";
	ASSERT_EQ(sd_client_run(&c, &e), 0);
	bool intercept = true;
	EXPECT_EQ(sd_client_wait(&c, kTimeout, &intercept, &e), -SD_EIO);
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_SIDECAR);
	EXPECT_EQ(std::string(e.msg), cpu->sim.map_error);
	EXPECT_FALSE(intercept);

	// core's own words when the backend gives none.
	cpu->sim.map_error.clear();
	ASSERT_EQ(sd_client_run(&c, &e), 0);
	EXPECT_EQ(sd_client_wait(&c, kTimeout, &intercept, &e), -SD_EIO);
	EXPECT_EQ(std::string(e.msg),
		  "failed to map the VP assist and register pages");
	// The error does not stick to the next command.
	EXPECT_EQ(sd_client_test(&c, &e), 0);
}

// A signal while the CPU has not answered: the driver cancels, the CPU
// answers, and the call says it was interrupted but the result is there.
TEST_F(ClientTest, AnInterruptedCommandStillCompletes)
{
	Signal sig;
	auto release_on_stop = [this] {
		return std::thread([this] {
			uint64_t end = NowNs() + kTimeout;
			while (sidecar_cpu_status_load(cpu->cp, cpu->idx) !=
			       SIDECAR_CPU_STATUS_STOP) {
				ASSERT_LT(NowNs(), end);
				std::this_thread::yield();
			}
			cpu->ReleaseIpis();
		});
	};

	SetThreadSignal(&sig);
	ASSERT_TRUE(cpu->AwaitAsleep());
	cpu->HoldIpis();
	sig.pending = true;
	std::thread t = release_on_stop();
	EXPECT_EQ(sd_client_test(&c, &e), -SD_EINTR);
	t.join();
	EXPECT_EQ(e.kind, SD_CLIENT_ERR_DRIVER);
	EXPECT_EQ(std::string(e.msg), "vp 3: test: EINTR");
	EXPECT_EQ(c.completed, 1u);

	// Registers: the interrupted batch is used, the next is not sent.
	auto regs = Scratch(70, 0);
	cpu->sim.regs[kScratchBase + 30] = hv_u128{ 30, 0 };
	cpu->sim.regs[kScratchBase + 31] = hv_u128{ 31, 0 };
	ASSERT_TRUE(cpu->AwaitAsleep());
	cpu->HoldIpis();
	sig.pending = true;
	t = release_on_stop();
	EXPECT_EQ(sd_client_get_registers(&c, 0, regs.data(), 70, &e),
		  -SD_EINTR);
	t.join();
	EXPECT_EQ(e.done, 31u);
	EXPECT_EQ(regs[30].value.reg128.low, 30u);
	EXPECT_EQ(regs[31].value.reg128.low, 31u * 7); // untouched input
	SetThreadSignal(nullptr);
	EXPECT_EQ(Log().size(), 2u);
}

TEST_F(ClientTest, ARemovedVpIsEnoent)
{
	ASSERT_EQ(sd_vp_remove(c.node, kVp, kTimeout), 0);
	EXPECT_TRUE(cpu->parked.load());
	EXPECT_EQ(sd_client_test(&c, &e), -SD_ENOENT);
	EXPECT_EQ(std::string(e.msg), "vp 3: test: ENOENT");
	EXPECT_EQ(sd_client_run(&c, &e), -SD_ENOENT);
	EXPECT_EQ(c.started, 0u);
}

} // namespace
} // namespace sdtest
