// SPDX-License-Identifier: MIT
//
// sc_execute: every command over the fake backend.

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sidecar/core/dispatch.h"
#include "sidecar/core/test/fake_vp.h"

namespace
{

using sc_test::FakeCall;
using sc_test::FakeVp;
using sc_test::RegisterValue;
using sc_test::RunStep;

std::string ErrorText(const sidecar_command_page &page)
{
	return std::string(reinterpret_cast<const char *>(page.error.buf),
			   page.error.len);
}

class Dispatch : public ::testing::Test {
    protected:
	void SetUp() override
	{
		page_.reset(new sidecar_command_page());
		// Stale bytes everywhere a command might wrongly leave alone.
		std::memset(page_->request_data, 0x5A,
			    sizeof(page_->request_data));
	}

	void Execute(uint32_t command)
	{
		sc_execute(page_.get(), command, &st_, fake_.ops());
	}

	sidecar_get_set_vp_register_request *Request()
	{
		return sidecar_get_set_vp_register_request_of(page_.get());
	}

	// A GET/SET request of these names, values 0x1111*(i+1) and a
	// sentinel high half.
	void SetupRegisters(const std::vector<uint32_t> &names, uint8_t vtl = 0)
	{
		auto *req = Request();

		req->count = static_cast<uint16_t>(names.size());
		req->target_vtl = vtl;
		req->status = 0xBEEF;
		for (size_t i = 0; i < names.size(); i++) {
			req->regs[i].name = names[i];
			req->regs[i].value =
				RegisterValue(0x1111 * (i + 1), 0xDEAD0000 + i);
		}
	}

	std::unique_ptr<sidecar_command_page> page_;
	sc_vp_state st_{};
	FakeVp fake_;
};

TEST_F(Dispatch, NoneIsAPing)
{
	sidecar_command_page before;

	std::memcpy(&before, page_.get(), sizeof(before));
	Execute(SIDECAR_COMMAND_NONE);
	EXPECT_TRUE(fake_.calls.empty());
	EXPECT_EQ(std::memcmp(&before, page_.get(), sizeof(before)), 0);
}

TEST_F(Dispatch, UnknownCommand)
{
	for (uint32_t command : { 5u, 6u, 0x100u, UINT32_MAX }) {
		page_->has_error = 0;
		Execute(command);
		EXPECT_EQ(page_->has_error, 1);
		EXPECT_EQ(ErrorText(*page_),
			  "unknown command " + std::to_string(command));
	}
	EXPECT_TRUE(fake_.calls.empty());
}

// ---- GET/SET_VP_REGISTERS ----

TEST_F(Dispatch, BadRegisterCountTouchesNothing)
{
	for (uint32_t command : { SIDECAR_COMMAND_GET_VP_REGISTERS,
				  SIDECAR_COMMAND_SET_VP_REGISTERS }) {
		for (uint16_t count : { 32, 33, 64, 65535 }) {
			SetUp();
			Request()->count = count;
			Request()->status = 0xBEEF;
			std::vector<uint8_t> before(
				reinterpret_cast<uint8_t *>(
					page_->request_data),
				reinterpret_cast<uint8_t *>(
					page_->request_data) +
					sizeof(page_->request_data));

			Execute(command);
			EXPECT_EQ(page_->has_error, 1);
			EXPECT_EQ(ErrorText(*page_),
				  "invalid register count " +
					  std::to_string(count) + " (0..=31)");
			EXPECT_EQ(std::memcmp(before.data(),
					      page_->request_data,
					      before.size()),
				  0)
				<< count;
		}
	}
	EXPECT_TRUE(fake_.calls.empty());
}

// Upstream's semantics: a batch of none succeeds, touching nothing but the
// status and calling no one.
TEST_F(Dispatch, ZeroRegistersSucceedWithNothingDone)
{
	for (uint32_t command : { SIDECAR_COMMAND_GET_VP_REGISTERS,
				  SIDECAR_COMMAND_SET_VP_REGISTERS }) {
		SetUp();
		Request()->count = 0;
		Request()->status = 0xBEEF;
		std::vector<uint8_t> before(
			reinterpret_cast<uint8_t *>(page_->request_data),
			reinterpret_cast<uint8_t *>(page_->request_data) +
				sizeof(page_->request_data));

		Execute(command);
		EXPECT_EQ(page_->has_error, 0);
		EXPECT_EQ(Request()->status, HV_STATUS_SUCCESS);
		before[4] = before[5] = 0; // status, now SUCCESS
		EXPECT_EQ(std::memcmp(before.data(), page_->request_data,
				      before.size()),
			  0);
	}
	EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(Dispatch, GetOneByHypercall)
{
	fake_.hv_registers[HV_REGISTER_RIP] = { 0xFFFFF80012345678, 0 };
	SetupRegisters({ HV_REGISTER_RIP }, 0x12);

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_SUCCESS);
	EXPECT_EQ(Request()->count, 1);
	EXPECT_EQ(Request()->target_vtl, 0x12);
	EXPECT_EQ(Request()->regs[0].name, HV_REGISTER_RIP);
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0xFFFFF80012345678u);
	EXPECT_EQ(Request()->regs[0].value.reg128.high, 0u);
	ASSERT_EQ(fake_.calls.size(), 1u);
	EXPECT_EQ(fake_.calls[0].op, FakeCall::kGetVpRegister);
	EXPECT_EQ(fake_.calls[0].target_vtl, 0x12);
	EXPECT_EQ(fake_.calls[0].index, HV_REGISTER_RIP);
}

TEST_F(Dispatch, Get128BitValue)
{
	fake_.hv_registers[HV_REGISTER_XMM(3)] = { 0x0123456789ABCDEF,
						   0xFEDCBA9876543210 };
	SetupRegisters({ HV_REGISTER_XMM(3) });

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0x0123456789ABCDEFu);
	EXPECT_EQ(Request()->regs[0].value.reg128.high, 0xFEDCBA9876543210u);
}

// 31 registers, every kind; everything after the batch stays as it was.
TEST_F(Dispatch, GetThirtyOneMixed)
{
	std::vector<uint32_t> names;

	for (uint32_t i = 0; i < 31; i++) {
		uint32_t name;

		switch (i % 3) {
		case 0:
			name = HV_REGISTER_RAX + i;
			fake_.hv_registers[name] = { 0xA000 + i, 0xB000 + i };
			break;
		case 1:
			name = HV_REGISTER_MSR_MTRR_PHYS_BASE(i % 8);
			fake_.msrs[0x200 + 2 * (i % 8)] = 0xC000 + i;
			break;
		default:
			name = HV_REGISTER_DR0 + i % 4;
			fake_.drs[i % 4] = 0xD000 + i;
			break;
		}
		names.push_back(name);
	}
	SetupRegisters(names, 0x10);
	uint8_t tail[sizeof(page_->request_data) - 16 - 31 * 32];
	const uint8_t *tail_at =
		reinterpret_cast<const uint8_t *>(page_->request_data) + 16 +
		31 * 32;
	std::memcpy(tail, tail_at, sizeof(tail));

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_SUCCESS);
	for (uint32_t i = 0; i < 31; i++) {
		const hv_register_assoc &r = Request()->regs[i];
		// MSRs and DRs repeat: the last value stored is read.
		uint64_t low = i % 3 == 0 ? 0xA000 + i :
			       i % 3 == 1 ? fake_.msrs[0x200 + 2 * (i % 8)] :
					    fake_.drs[i % 4];
		uint64_t high = i % 3 == 0 ? 0xB000 + i : 0;

		EXPECT_EQ(r.name, names[i]) << i;
		EXPECT_EQ(r.value.reg128.low, low) << i;
		EXPECT_EQ(r.value.reg128.high, high) << i;
	}
	EXPECT_EQ(fake_.Count(FakeCall::kGetVpRegister), 11u);
	EXPECT_EQ(fake_.Count(FakeCall::kReadMsr), 10u);
	EXPECT_EQ(fake_.Count(FakeCall::kReadDr), 10u);
	EXPECT_EQ(std::memcmp(tail, tail_at, sizeof(tail)), 0);
	// One call per register, in order.
	ASSERT_EQ(fake_.calls.size(), 31u);
	for (uint32_t i = 0; i < 31; i++)
		EXPECT_EQ(fake_.calls[i].op, i % 3 == 0 ?
						     FakeCall::kGetVpRegister :
					     i % 3 == 1 ? FakeCall::kReadMsr :
							  FakeCall::kReadDr);
}

TEST_F(Dispatch, StatusIsClearedFirst)
{
	fake_.hv_registers[HV_REGISTER_RAX] = { 1, 0 };
	SetupRegisters({ HV_REGISTER_RAX });
	ASSERT_EQ(Request()->status, 0xBEEF);

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->status, 0);
}

TEST_F(Dispatch, GetStopsAtFirstFailure)
{
	const std::vector<uint32_t> names = {
		HV_REGISTER_RAX, HV_REGISTER_MSR_MTRR_DEF_TYPE,
		HV_REGISTER_RBX, HV_REGISTER_RCX,
		HV_REGISTER_DR0, HV_REGISTER_RDX,
	};
	for (uint32_t n : { HV_REGISTER_RAX, HV_REGISTER_RBX, HV_REGISTER_RCX,
			    HV_REGISTER_RDX })
		fake_.hv_registers[n] = { 0x77, 0x88 };
	fake_.msrs[0x2FF] = 0x6;
	fake_.get_failures[HV_REGISTER_RBX] = HV_STATUS_INVALID_PARAMETER;
	SetupRegisters(names, 0x12);

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0) << "the status is the answer";
	EXPECT_EQ(page_->error.len, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_INVALID_PARAMETER);
	EXPECT_EQ(Request()->count, names.size());
	EXPECT_EQ(Request()->target_vtl, 0x12);
	// Done before the failure.
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0x77u);
	EXPECT_EQ(Request()->regs[1].value.reg128.low, 0x6u);
	EXPECT_EQ(Request()->regs[1].value.reg128.high, 0u);
	// The failing register and everything after: untouched.
	for (size_t i = 2; i < names.size(); i++) {
		EXPECT_EQ(Request()->regs[i].name, names[i]);
		EXPECT_EQ(Request()->regs[i].value.reg128.low,
			  0x1111 * (i + 1));
		EXPECT_EQ(Request()->regs[i].value.reg128.high, 0xDEAD0000 + i);
	}
	ASSERT_EQ(fake_.calls.size(), 3u);
	EXPECT_EQ(fake_.calls[2].op, FakeCall::kGetVpRegister);
	EXPECT_EQ(fake_.calls[2].index, HV_REGISTER_RBX);
	EXPECT_EQ(fake_.Count(FakeCall::kReadDr), 0u);
}

TEST_F(Dispatch, UnknownRegisterFailsWithItsStatus)
{
	SetupRegisters({ 0x12345678 });

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_UNKNOWN_REGISTER_NAME);
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0x1111u);
}

TEST_F(Dispatch, LocalRegistersNeverUseHypercalls)
{
	std::vector<uint32_t> names;

	names.push_back(HV_REGISTER_MSR_MTRR_DEF_TYPE);
	for (uint32_t i = 0; i < 8; i++) {
		names.push_back(HV_REGISTER_MSR_MTRR_PHYS_BASE(i));
		names.push_back(HV_REGISTER_MSR_MTRR_PHYS_MASK(i));
	}
	for (uint32_t n = HV_REGISTER_MSR_MTRR_FIX64K_00000;
	     n <= HV_REGISTER_MSR_MTRR_FIX4K_F8000; n++)
		names.push_back(n);
	names.push_back(HV_REGISTER_DR0);
	names.push_back(HV_REGISTER_DR3);
	names.push_back(HV_REGISTER_DR6);
	ASSERT_EQ(names.size(), 31u);
	st_.dr6_shared = true;

	for (uint32_t command : { SIDECAR_COMMAND_GET_VP_REGISTERS,
				  SIDECAR_COMMAND_SET_VP_REGISTERS }) {
		SetupRegisters(names);
		Execute(command);
		EXPECT_EQ(page_->has_error, 0);
		EXPECT_EQ(Request()->status, 0);
	}
	EXPECT_EQ(fake_.Count(FakeCall::kGetVpRegister), 0u);
	EXPECT_EQ(fake_.Count(FakeCall::kSetVpRegister), 0u);
	EXPECT_EQ(fake_.Count(FakeCall::kReadMsr), 28u);
	EXPECT_EQ(fake_.Count(FakeCall::kWriteMsr), 28u);
	EXPECT_EQ(fake_.Count(FakeCall::kReadDr), 3u);
	EXPECT_EQ(fake_.Count(FakeCall::kWriteDr), 3u);
	// SET writes the low 64 bits to the right MSR and DR.
	EXPECT_EQ(fake_.msrs[0x2FF], 0x1111u);
	EXPECT_EQ(fake_.msrs[0x200], 0x2222u);
	EXPECT_EQ(fake_.msrs[0x201], 0x3333u);
	EXPECT_EQ(fake_.msrs[0x26F], 0x1111u * 28);
	EXPECT_EQ(fake_.drs[0], 0x1111u * 29);
	EXPECT_EQ(fake_.drs[3], 0x1111u * 30);
	EXPECT_EQ(fake_.drs[6], 0x1111u * 31);
}

TEST_F(Dispatch, LocalGetZeroExtends)
{
	fake_.msrs[0x250] = 0xFFFFFFFFFFFFFFFF;
	fake_.drs[2] = 0x8000000000000001;
	SetupRegisters({ HV_REGISTER_MSR_MTRR_FIX64K_00000, HV_REGISTER_DR2 });

	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0xFFFFFFFFFFFFFFFFu);
	EXPECT_EQ(Request()->regs[0].value.reg128.high, 0u);
	EXPECT_EQ(Request()->regs[1].value.reg128.low, 0x8000000000000001u);
	EXPECT_EQ(Request()->regs[1].value.reg128.high, 0u);
	ASSERT_EQ(fake_.calls.size(), 2u);
	EXPECT_EQ(fake_.calls[0].index, 0x250u);
	EXPECT_EQ(fake_.calls[1].index, 2u);
}

TEST_F(Dispatch, Dr6FollowsDr6Shared)
{
	fake_.hv_registers[HV_REGISTER_DR6] = { 0xFFFF0FF0, 0 };
	fake_.drs[6] = 0x4000;
	SetupRegisters({ HV_REGISTER_DR6 });
	st_.dr6_shared = false;
	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0xFFFF0FF0u);
	EXPECT_EQ(fake_.Count(FakeCall::kGetVpRegister), 1u);

	SetupRegisters({ HV_REGISTER_DR6 });
	st_.dr6_shared = true;
	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0x4000u);
	EXPECT_EQ(fake_.Count(FakeCall::kGetVpRegister), 1u);
	EXPECT_EQ(fake_.Count(FakeCall::kReadDr), 1u);
}

TEST_F(Dispatch, SetByHypercallPassesTheWholeValue)
{
	fake_.hv_registers[HV_REGISTER_XMM(0)] = { 0, 0 };
	fake_.hv_registers[HV_REGISTER_CR3] = { 0, 0 };
	SetupRegisters({ HV_REGISTER_XMM(0), HV_REGISTER_CR3 }, 0x10);
	std::vector<uint8_t> before(
		reinterpret_cast<uint8_t *>(page_->request_data) + 16,
		reinterpret_cast<uint8_t *>(page_->request_data) + 16 + 64);

	Execute(SIDECAR_COMMAND_SET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, 0);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_XMM(0)].low, 0x1111u);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_XMM(0)].high, 0xDEAD0000u);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_CR3].low, 0x2222u);
	ASSERT_EQ(fake_.calls.size(), 2u);
	EXPECT_EQ(fake_.calls[0].target_vtl, 0x10);
	// SET leaves the registers in the request as they were.
	EXPECT_EQ(std::memcmp(before.data(),
			      reinterpret_cast<uint8_t *>(page_->request_data) +
				      16,
			      before.size()),
		  0);
}

TEST_F(Dispatch, SetStopsAtFirstFailure)
{
	fake_.hv_registers[HV_REGISTER_RAX] = { 0, 0 };
	fake_.hv_registers[HV_REGISTER_RCX] = { 0, 0 };
	fake_.set_failures[HV_REGISTER_RBX] = HV_STATUS_ACCESS_DENIED;
	SetupRegisters({ HV_REGISTER_RAX, HV_REGISTER_RBX, HV_REGISTER_DR1,
			 HV_REGISTER_RCX });

	Execute(SIDECAR_COMMAND_SET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_ACCESS_DENIED);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_RAX].low, 0x1111u);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_RCX].low, 0u);
	EXPECT_EQ(fake_.drs[1], 0u);
	ASSERT_EQ(fake_.calls.size(), 2u);
	EXPECT_EQ(fake_.Count(FakeCall::kWriteDr), 0u);
}

TEST_F(Dispatch, CountOneAndThirtyOneBoundaries)
{
	for (uint16_t count : { 1, 31 }) {
		std::vector<uint32_t> names(count, HV_REGISTER_RSP);

		fake_.hv_registers[HV_REGISTER_RSP] = { 0x42, 0 };
		SetupRegisters(names);
		Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
		EXPECT_EQ(page_->has_error, 0);
		EXPECT_EQ(Request()->status, 0);
		EXPECT_EQ(Request()->regs[count - 1].value.reg128.low, 0x42u);
	}
	EXPECT_EQ(fake_.Count(FakeCall::kGetVpRegister), 32u);
}

// ---- TRANSLATE_GVA ----

TEST_F(Dispatch, TranslateReadsTheRequestBeforeWriting)
{
	auto *req = sidecar_translate_gva_request_of(page_.get());
	req->gvn = 0x7FFFFFFFF;
	req->control_flags =
		HV_TRANSLATE_GVA_VALIDATE_READ |
		HV_TRANSLATE_GVA_VALIDATE_WRITE |
		(uint64_t(0x12) << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT);
	fake_.translate_output.translation_result.result =
		HV_TRANSLATE_GVA_SUCCESS |
		(uint64_t(6) << HV_TRANSLATE_GVA_RESULT_CACHE_TYPE_SHIFT);
	fake_.translate_output.translation_result.event_info.reg_1.high = 9;
	fake_.translate_output.gpa_page = 0xABCDE;

	Execute(SIDECAR_COMMAND_TRANSLATE_GVA);
	ASSERT_EQ(fake_.calls.size(), 1u);
	EXPECT_EQ(fake_.calls[0].op, FakeCall::kTranslateGva);
	EXPECT_EQ(fake_.calls[0].value, 0x7FFFFFFFFu);
	EXPECT_EQ(fake_.calls[0].value_high, 0x1200000000000003u);
	auto *resp = sidecar_translate_gva_response_of(page_.get());
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(resp->status, HV_STATUS_SUCCESS);
	for (uint16_t r : resp->rsvd)
		EXPECT_EQ(r, 0);
	EXPECT_EQ(std::memcmp(&resp->output, &fake_.translate_output,
			      sizeof(resp->output)),
		  0);
	// The rest of request_data is not the response's.
	const uint8_t *after =
		reinterpret_cast<const uint8_t *>(page_->request_data) +
		sizeof(*resp);
	EXPECT_EQ(after[0], 0x5A);
}

TEST_F(Dispatch, TranslateFailureZeroesTheOutput)
{
	auto *req = sidecar_translate_gva_request_of(page_.get());
	req->gvn = 1;
	req->control_flags = 0;
	fake_.translate_status = HV_STATUS_INVALID_PARAMETER;

	Execute(SIDECAR_COMMAND_TRANSLATE_GVA);
	auto *resp = sidecar_translate_gva_response_of(page_.get());
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(resp->status, HV_STATUS_INVALID_PARAMETER);
	const uint8_t *out = reinterpret_cast<const uint8_t *>(&resp->output);
	for (size_t i = 0; i < sizeof(resp->output); i++)
		ASSERT_EQ(out[i], 0) << i;
	for (uint16_t r : resp->rsvd)
		EXPECT_EQ(r, 0);
}

// ---- RUN_VP ----

hv_message Message(uint32_t type, uint8_t fill)
{
	hv_message m;

	std::memset(&m, fill, sizeof(m));
	m.header.typ = type;
	m.header.len = HV_MESSAGE_PAYLOAD_SIZE;
	for (size_t i = 0; i < sizeof(m.payload_buffer); i++)
		m.payload_buffer[i] = static_cast<uint8_t>(i * 7 + fill);
	return m;
}

RunStep Step(uint32_t reason)
{
	RunStep s;

	s.reason = reason;
	return s;
}

TEST_F(Dispatch, RunLoopsOnInterruptsUntilIntercept)
{
	RunStep intercept = Step(HV_VTL_ENTRY_REASON_INTERCEPT);
	intercept.message = Message(HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT, 3);
	fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERRUPT),
			     Step(HV_VTL_ENTRY_REASON_INTERRUPT), intercept };

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 1);
	EXPECT_EQ(std::memcmp(&page_->intercept_message, &intercept.message,
			      sizeof(hv_message)),
		  0);
	EXPECT_EQ(fake_.Count(FakeCall::kRunVpOnce), 3u);
	// STOP was asked before every run.
	EXPECT_EQ(fake_.Count(FakeCall::kStopRequested), 3u);
	EXPECT_TRUE(fake_.run_script.empty());
}

TEST_F(Dispatch, RunEndsOnStop)
{
	RunStep last = Step(HV_VTL_ENTRY_REASON_INTERRUPT);
	last.stop_after = true;
	fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERRUPT), last,
			     Step(HV_VTL_ENTRY_REASON_INTERCEPT) };
	std::memset(&page_->intercept_message, 0xCC, sizeof(hv_message));

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 0);
	EXPECT_EQ(fake_.Count(FakeCall::kRunVpOnce), 2u);
	EXPECT_EQ(fake_.run_script.size(), 1u);
	// No intercept: the message is left alone.
	EXPECT_EQ(reinterpret_cast<uint8_t *>(&page_->intercept_message)[0],
		  0xCC);
}

TEST_F(Dispatch, RunWithStopAlreadySetDoesNotRun)
{
	fake_.stop = true;
	fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERCEPT) };

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 0);
	EXPECT_EQ(fake_.Count(FakeCall::kRunVpOnce), 0u);
	EXPECT_TRUE(st_.overlays_mapped);
}

TEST_F(Dispatch, RunUnexpectedEntryReason)
{
	for (uint32_t reason :
	     { uint32_t(HV_VTL_ENTRY_REASON_RESERVED),
	       uint32_t(HV_VTL_ENTRY_REASON_VTL_CALL), 4u, UINT32_MAX }) {
		page_->has_error = 0;
		fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERRUPT),
				     Step(reason),
				     Step(HV_VTL_ENTRY_REASON_INTERCEPT) };
		Execute(SIDECAR_COMMAND_RUN_VP);
		EXPECT_EQ(page_->has_error, 1);
		EXPECT_EQ(ErrorText(*page_),
			  "unexpected entry reason " + std::to_string(reason));
		EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept,
			  0);
		EXPECT_EQ(fake_.run_script.size(), 1u);
	}
}

TEST_F(Dispatch, RunInterceptWithoutMessage)
{
	RunStep s = Step(HV_VTL_ENTRY_REASON_INTERCEPT);
	s.null_message = true;
	fake_.run_script = { s };

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 1);
	EXPECT_EQ(ErrorText(*page_), "intercept without a message");
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 0);
}

TEST_F(Dispatch, RunMapsOverlaysOnce)
{
	for (int i = 0; i < 3; i++) {
		fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERCEPT) };
		Execute(SIDECAR_COMMAND_RUN_VP);
		EXPECT_EQ(page_->has_error, 0);
	}
	EXPECT_TRUE(st_.overlays_mapped);
	EXPECT_EQ(fake_.Count(FakeCall::kMapOverlays), 1u);
	EXPECT_EQ(fake_.calls[0].op, FakeCall::kMapOverlays);
	EXPECT_EQ(fake_.Count(FakeCall::kRunVpOnce), 3u);
}

TEST_F(Dispatch, RunOverlayFailure)
{
	fake_.map_overlays_result = false;
	fake_.map_overlays_error = "RegisterPage: AccessDenied";
	fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERCEPT) };

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 1);
	EXPECT_EQ(ErrorText(*page_), "RegisterPage: AccessDenied");
	EXPECT_FALSE(st_.overlays_mapped);
	EXPECT_EQ(fake_.Count(FakeCall::kRunVpOnce), 0u);
	EXPECT_EQ(fake_.Count(FakeCall::kStopRequested), 0u);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 0);

	// Not mapped, so the next RUN_VP tries again.
	fake_.map_overlays_result = true;
	page_->has_error = 0;
	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_TRUE(st_.overlays_mapped);
	EXPECT_EQ(fake_.Count(FakeCall::kMapOverlays), 2u);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 1);
}

TEST_F(Dispatch, RunOverlayFailureWithoutText)
{
	fake_.map_overlays_result = false;

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 1);
	EXPECT_EQ(ErrorText(*page_),
		  "failed to map the VP assist and register pages");
}

TEST_F(Dispatch, RunHandsTheContextToTheLowerVtl)
{
	page_->cpu_context.gps[SIDECAR_CPU_CONTEXT_RAX] = 1;
	page_->cpu_context.fx_state.mxcsr = X86_MXCSR_DEFAULT;
	sidecar_cpu_context_x64 *seen = nullptr;
	RunStep s = Step(HV_VTL_ENTRY_REASON_INTERRUPT);
	s.guest = [&](sidecar_cpu_context_x64 *cpu) {
		seen = cpu;
		EXPECT_EQ(cpu->gps[SIDECAR_CPU_CONTEXT_RAX], 1u);
		cpu->gps[SIDECAR_CPU_CONTEXT_RAX] = 2;
		cpu->gps[SIDECAR_CPU_CONTEXT_CR2] = 0xFFFF800000001000;
		cpu->fx_state.xmm[15][0] = 0x99;
	};
	s.stop_after = true;
	fake_.run_script = { s };

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(seen, &page_->cpu_context);
	EXPECT_EQ(page_->cpu_context.gps[SIDECAR_CPU_CONTEXT_RAX], 2u);
	EXPECT_EQ(page_->cpu_context.gps[SIDECAR_CPU_CONTEXT_CR2],
		  0xFFFF800000001000u);
	EXPECT_EQ(page_->cpu_context.fx_state.xmm[15][0], 0x99);
}

} // namespace

// A local register the CPU refuses (#GP) stops the batch like a failing
// hypercall would, and the CPU stays usable for the next command.
TEST_F(Dispatch, FaultingLocalMsrStopsTheBatchWithAStatus)
{
	fake_.hv_registers[HV_REGISTER_RAX] = { 0, 0 };
	fake_.hv_registers[HV_REGISTER_RCX] = { 0, 0 };
	fake_.faulting_msrs.insert(X86_MSR_MTRR_PHYS_BASE(0));
	SetupRegisters({ HV_REGISTER_RAX, HV_REGISTER_MSR_MTRR_PHYS_BASE(0),
			 HV_REGISTER_RCX });

	Execute(SIDECAR_COMMAND_SET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_INVALID_REGISTER_VALUE);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_RAX].low, 0x1111u);
	EXPECT_EQ(fake_.hv_registers[HV_REGISTER_RCX].low, 0u);

	SetupRegisters({ HV_REGISTER_MSR_MTRR_PHYS_BASE(0), HV_REGISTER_RAX });
	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->status, HV_STATUS_INVALID_PARAMETER);
	// The failed read leaves the caller's value alone.
	EXPECT_EQ(Request()->regs[0].value.reg128.low, 0x1111u);

	SetupRegisters({ HV_REGISTER_RAX });
	Execute(SIDECAR_COMMAND_GET_VP_REGISTERS);
	EXPECT_EQ(Request()->status, HV_STATUS_SUCCESS);
}

TEST_F(Dispatch, Dr6WithReservedBitsIsRefused)
{
	st_.dr6_shared = true;
	SetupRegisters({ HV_REGISTER_DR6 });
	Request()->regs[0].value = RegisterValue(0x1ull << 40, 0);

	Execute(SIDECAR_COMMAND_SET_VP_REGISTERS);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(Request()->status, HV_STATUS_INVALID_REGISTER_VALUE);
}

// A context that cannot be loaded fails RUN_VP before anything runs.
TEST_F(Dispatch, RunRefusesABadContext)
{
	fake_.run_script = { Step(HV_VTL_ENTRY_REASON_INTERCEPT) };
	page_->cpu_context.fx_state.mxcsr = 0xffffffff;

	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 1);
	EXPECT_EQ(std::string(reinterpret_cast<char *>(page_->error.buf),
			      page_->error.len),
		  "cpu_context: MXCSR 0xffffffff sets reserved bits");
	EXPECT_EQ(fake_.Count(FakeCall::kRunVpOnce), 0u);

	page_->has_error = 0;
	page_->cpu_context.fx_state.mxcsr = X86_MXCSR_DEFAULT;
	Execute(SIDECAR_COMMAND_RUN_VP);
	EXPECT_EQ(page_->has_error, 0);
	EXPECT_EQ(sidecar_run_vp_response_of(page_.get())->intercept, 1);
}
