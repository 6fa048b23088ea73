// SPDX-License-Identifier: MIT
//
// The dispatch-loop protocol: status polling, taking the command,
// completion ordering, and a threaded driver/sidecar round trip.

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "sidecar/core/dispatch.h"
#include "sidecar/core/error.h"
#include "sidecar/core/test/fake_vp.h"

namespace
{

using sc_test::FakeCall;
using sc_test::FakeVp;

constexpr uint32_t kIdx = 7;

class Protocol : public ::testing::Test {
    protected:
	void SetUp() override
	{
		cp_.reset(new sidecar_control_page());
		page_.reset(new sidecar_command_page());
		sidecar_cpu_status_store(cp_.get(), kIdx,
					 SIDECAR_CPU_STATUS_IDLE);
	}

	std::unique_ptr<sidecar_control_page> cp_;
	std::unique_ptr<sidecar_command_page> page_;
	sc_vp_state st_{};
	FakeVp fake_;
};

TEST_F(Protocol, PollEveryStatus)
{
	for (int s = 0; s < 256; s++) {
		uint8_t got = 0xEE;
		enum sc_wake want;

		switch (s) {
		case SIDECAR_CPU_STATUS_IDLE:
			want = SC_WAKE_SLEEP;
			break;
		case SIDECAR_CPU_STATUS_RUN:
		case SIDECAR_CPU_STATUS_STOP:
			want = SC_WAKE_COMMAND;
			break;
		case SIDECAR_CPU_STATUS_REMOVE:
			want = SC_WAKE_REMOVE;
			break;
		default:
			want = SC_WAKE_BAD_STATUS;
			break;
		}
		sidecar_cpu_status_store(cp_.get(), kIdx, uint8_t(s));
		EXPECT_EQ(sc_poll_status(cp_.get(), kIdx, &got), want) << s;
		EXPECT_EQ(got, s);
		EXPECT_EQ(sc_stop_requested(cp_.get(), kIdx),
			  s == SIDECAR_CPU_STATUS_STOP);
	}
	// Only this CPU's byte is read.
	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_IDLE);
	sidecar_cpu_status_store(cp_.get(), kIdx + 1, SIDECAR_CPU_STATUS_STOP);
	uint8_t got;
	EXPECT_EQ(sc_poll_status(cp_.get(), kIdx, &got), SC_WAKE_SLEEP);
	EXPECT_FALSE(sc_stop_requested(cp_.get(), kIdx));
}

TEST_F(Protocol, CompleteWithoutVector)
{
	uint32_t apic = 0xAAAA, vector = 0xBBBB;

	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_RUN);
	cp_->response_cpu = 3;
	EXPECT_FALSE(sc_complete(cp_.get(), kIdx, SIDECAR_CPU_STATUS_IDLE,
				 &apic, &vector));
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
		  SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sidecar_needs_attention_load(cp_.get()), 1u);
	EXPECT_EQ(apic, 0xAAAAu);
	EXPECT_EQ(vector, 0xBBBBu);
}

TEST_F(Protocol, CompleteWithVectorAndRemoved)
{
	uint32_t apic = 0, vector = 0;

	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_REMOVE);
	cp_->response_cpu = 0x12345;
	cp_->response_vector = 0xF3;
	EXPECT_TRUE(sc_complete(cp_.get(), kIdx, SIDECAR_CPU_STATUS_REMOVED,
				&apic, &vector));
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
		  SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(sidecar_needs_attention_load(cp_.get()), 1u);
	EXPECT_EQ(apic, 0x12345u);
	EXPECT_EQ(vector, 0xF3u);
	// Neighbours untouched.
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx - 1),
		  SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx + 1),
		  SIDECAR_CPU_STATUS_REMOVED);
}

// What the command sees while it executes, and what is left after.
TEST_F(Protocol, ServeTakesTheCommandAndClearsTheError)
{
	bool ran = false;

	page_->command = SIDECAR_COMMAND_RUN_VP;
	page_->has_error = 1;
	sc_error_set(&page_->error, "stale error from the last command");
	cp_->response_cpu = 9;
	cp_->response_vector = 0x40;
	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_RUN);
	fake_.run_hook = [&](sidecar_cpu_context_x64 *,
			     const hv_message **msg) {
		ran = true;
		EXPECT_EQ(__atomic_load_n(&page_->command, __ATOMIC_RELAXED),
			  uint32_t(SIDECAR_COMMAND_NONE));
		EXPECT_EQ(page_->has_error, 0);
		EXPECT_EQ(page_->error.len, 0);
		for (uint8_t b : page_->error.buf)
			EXPECT_EQ(b, 0);
		EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
			  SIDECAR_CPU_STATUS_RUN);
		EXPECT_EQ(sidecar_needs_attention_load(cp_.get()), 0u);
		static hv_message m{};
		*msg = &m;
		return uint32_t(HV_VTL_ENTRY_REASON_INTERCEPT);
	};

	uint32_t apic = 0, vector = 0;
	EXPECT_TRUE(sc_serve_command(cp_.get(), kIdx, page_.get(), &st_,
				     fake_.ops(), &apic, &vector));
	EXPECT_TRUE(ran);
	EXPECT_EQ(apic, 9u);
	EXPECT_EQ(vector, 0x40u);
	EXPECT_EQ(page_->command, uint32_t(SIDECAR_COMMAND_NONE));
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 1);
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
		  SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sidecar_needs_attention_load(cp_.get()), 1u);
}

TEST_F(Protocol, ServeNoneClearsStaleErrorAndCompletes)
{
	page_->command = SIDECAR_COMMAND_NONE;
	page_->has_error = 1;
	sc_error_set(&page_->error, "old");
	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_STOP);

	uint32_t apic, vector;
	EXPECT_FALSE(sc_serve_command(cp_.get(), kIdx, page_.get(), &st_,
				      fake_.ops(), &apic, &vector));
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(page_->error.len, 0);
	EXPECT_EQ(page_->error.buf[0], 0);
	EXPECT_TRUE(fake_.calls.empty());
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
		  SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sidecar_needs_attention_load(cp_.get()), 1u);
}

TEST_F(Protocol, ServeReportsCommandErrors)
{
	page_->command = 77;
	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_RUN);

	uint32_t apic, vector;
	sc_serve_command(cp_.get(), kIdx, page_.get(), &st_, fake_.ops(), &apic,
			 &vector);
	EXPECT_EQ(page_->command, uint32_t(SIDECAR_COMMAND_NONE));
	EXPECT_EQ(page_->has_error, 1);
	EXPECT_EQ(std::string(reinterpret_cast<char *>(page_->error.buf),
			      page_->error.len),
		  "unknown command 77");
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
		  SIDECAR_CPU_STATUS_IDLE);
}

// A driver thread and a sidecar thread share the pages as in the kernel:
// the driver only reads the command page once it took needs_attention,
// and must then find the CPU IDLE with the response in place.
TEST_F(Protocol, ThreadedRoundTrips)
{
	constexpr int kRounds = 2000;
	std::atomic<int> ipis{ 0 };
	std::atomic<bool> bad_status{ false };

	fake_.hv_registers[HV_REGISTER_RAX] = { 0, 0 };
	cp_->response_vector = 0x30;
	// RUN_VP runs until the driver asks for STOP.
	fake_.run_hook = [](sidecar_cpu_context_x64 *cpu, const hv_message **) {
		cpu->gps[SIDECAR_CPU_CONTEXT_RBX]++;
		std::this_thread::yield();
		return uint32_t(HV_VTL_ENTRY_REASON_INTERRUPT);
	};
	sidecar_control_page *cp = cp_.get();
	fake_.stop_hook = [cp] { return sc_stop_requested(cp, kIdx); };

	std::thread sidecar([&] {
		for (;;) {
			uint8_t status;
			uint32_t apic, vector;

			switch (sc_poll_status(cp_.get(), kIdx, &status)) {
			case SC_WAKE_SLEEP:
				std::this_thread::yield();
				break;
			case SC_WAKE_COMMAND:
				if (sc_serve_command(
					    cp_.get(), kIdx, page_.get(), &st_,
					    fake_.ops(), &apic, &vector))
					ipis++;
				break;
			case SC_WAKE_REMOVE:
				sc_complete(cp_.get(), kIdx,
					    SIDECAR_CPU_STATUS_REMOVED, &apic,
					    &vector);
				return;
			case SC_WAKE_BAD_STATUS:
				bad_status = true;
				return;
			}
		}
	});

	auto wait_attention = [&] {
		while (sidecar_needs_attention_xchg(cp_.get(), 0) == 0)
			std::this_thread::yield();
	};

	for (int i = 0; i < kRounds && !HasFailure(); i++) {
		uint8_t expected = SIDECAR_CPU_STATUS_IDLE;

		if (i % 2 == 0) {
			// SET then read back RAX by GET.
			auto *req = sidecar_get_set_vp_register_request_of(
				page_.get());
			req->count = 1;
			req->target_vtl = 0;
			req->regs[0].name = HV_REGISTER_RAX;
			req->regs[0].value.reg128 = { uint64_t(i), 0 };
			page_->command =
				i % 4 == 0 ? SIDECAR_COMMAND_SET_VP_REGISTERS :
					     SIDECAR_COMMAND_GET_VP_REGISTERS;
			ASSERT_TRUE(sidecar_cpu_status_cas(
				cp_.get(), kIdx, &expected,
				SIDECAR_CPU_STATUS_RUN));
			wait_attention();
			ASSERT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
				  SIDECAR_CPU_STATUS_IDLE);
			ASSERT_EQ(page_->has_error, 0);
			ASSERT_EQ(req->status, 0);
			ASSERT_EQ(req->regs[0].value.reg128.low,
				  uint64_t(i % 4 == 0 ? i : i - 2));
		} else {
			// RUN_VP, then STOP it.
			page_->command = SIDECAR_COMMAND_RUN_VP;
			ASSERT_TRUE(sidecar_cpu_status_cas(
				cp_.get(), kIdx, &expected,
				SIDECAR_CPU_STATUS_RUN));
			expected = SIDECAR_CPU_STATUS_RUN;
			ASSERT_TRUE(sidecar_cpu_status_cas(
				cp_.get(), kIdx, &expected,
				SIDECAR_CPU_STATUS_STOP));
			wait_attention();
			ASSERT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
				  SIDECAR_CPU_STATUS_IDLE);
			ASSERT_EQ(page_->has_error, 0);
			ASSERT_EQ(sidecar_run_vp_response_of(page_.get())
					  ->intercept,
				  0);
		}
	}

	sidecar_cpu_status_store(cp_.get(), kIdx, SIDECAR_CPU_STATUS_REMOVE);
	wait_attention();
	sidecar.join();
	EXPECT_FALSE(bad_status);
	EXPECT_EQ(sidecar_cpu_status_load(cp_.get(), kIdx),
		  SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(ipis.load(), kRounds);
	EXPECT_EQ(fake_.Count(FakeCall::kMapOverlays), 1u);
}

} // namespace
