// SPDX-License-Identifier: MIT
//
// Behaviour of the inline helpers in the ABI headers: control page atomics,
// sidecar_required_memory and the hypervisor/x86 value builders.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <thread>

#include "hv/hvdef.h"
#include "sidecar/defs.h"

namespace
{

__extension__ typedef unsigned __int128 u128;

std::unique_ptr<sidecar_control_page> NewControlPage()
{
	// C++17 aligned new honours the 4096-byte alignment; () zeroes it.
	return std::unique_ptr<sidecar_control_page>(
		new sidecar_control_page());
}

TEST(ControlPageAtomics, StatusLoadStore)
{
	auto cp = NewControlPage();
	ASSERT_EQ(reinterpret_cast<uintptr_t>(cp.get()) % 4096, 0u);
	for (uint32_t i = 0; i < SIDECAR_MAX_VPS_PER_NODE; i++)
		EXPECT_EQ(sidecar_cpu_status_load(cp.get(), i),
			  SIDECAR_CPU_STATUS_REMOVED);

	sidecar_cpu_status_store(cp.get(), SIDECAR_MAX_VPS_PER_NODE - 1,
				 SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(cp->cpu_status[SIDECAR_MAX_VPS_PER_NODE - 1],
		  SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(),
					  SIDECAR_MAX_VPS_PER_NODE - 1),
		  SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(), 0),
		  SIDECAR_CPU_STATUS_REMOVED);
}

TEST(ControlPageAtomics, StatusCasSuccess)
{
	auto cp = NewControlPage();
	sidecar_cpu_status_store(cp.get(), 5, SIDECAR_CPU_STATUS_IDLE);

	uint8_t expected = SIDECAR_CPU_STATUS_IDLE;
	EXPECT_TRUE(sidecar_cpu_status_cas(cp.get(), 5, &expected,
					   SIDECAR_CPU_STATUS_RUN));
	EXPECT_EQ(expected, SIDECAR_CPU_STATUS_IDLE);
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(), 5), SIDECAR_CPU_STATUS_RUN);
	// Neighbours are separate bytes.
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(), 4),
		  SIDECAR_CPU_STATUS_REMOVED);
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(), 6),
		  SIDECAR_CPU_STATUS_REMOVED);
}

TEST(ControlPageAtomics, StatusCasFailureReportsCurrent)
{
	auto cp = NewControlPage();
	sidecar_cpu_status_store(cp.get(), 7, SIDECAR_CPU_STATUS_RUN);

	uint8_t expected = SIDECAR_CPU_STATUS_IDLE;
	EXPECT_FALSE(sidecar_cpu_status_cas(cp.get(), 7, &expected,
					    SIDECAR_CPU_STATUS_REMOVE));
	EXPECT_EQ(expected, SIDECAR_CPU_STATUS_RUN);
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(), 7), SIDECAR_CPU_STATUS_RUN);

	// Retrying with the reported value succeeds.
	EXPECT_TRUE(sidecar_cpu_status_cas(cp.get(), 7, &expected,
					   SIDECAR_CPU_STATUS_STOP));
	EXPECT_EQ(sidecar_cpu_status_load(cp.get(), 7),
		  SIDECAR_CPU_STATUS_STOP);
}

TEST(ControlPageAtomics, NeedsAttention)
{
	auto cp = NewControlPage();
	EXPECT_EQ(sidecar_needs_attention_load(cp.get()), 0u);
	sidecar_needs_attention_store(cp.get(), 1);
	EXPECT_EQ(sidecar_needs_attention_load(cp.get()), 1u);
	EXPECT_EQ(sidecar_needs_attention_xchg(cp.get(), 0), 1u);
	EXPECT_EQ(sidecar_needs_attention_load(cp.get()), 0u);
	EXPECT_EQ(sidecar_needs_attention_xchg(cp.get(), 0), 0u);
	EXPECT_EQ(cp->needs_attention, 0u);
}

TEST(ControlPageAtomics, Control32)
{
	auto cp = NewControlPage();
	sidecar_control_store32(&cp->response_cpu, 0x12345678);
	sidecar_control_store32(&cp->response_vector, 0xF3);
	EXPECT_EQ(sidecar_control_load32(&cp->response_cpu), 0x12345678u);
	EXPECT_EQ(sidecar_control_load32(&cp->response_vector), 0xF3u);
	EXPECT_EQ(cp->response_cpu, 0x12345678u);
	EXPECT_EQ(sidecar_control_load32(&cp->request_vector), 0u);
}

// The hand-off the sidecar and the driver perform: command page data is
// published by the release store of the status. Meaningful under TSan.
TEST(ControlPageAtomics, StatusPublishesCommandPage)
{
	auto cp = NewControlPage();
	std::unique_ptr<sidecar_command_page> page(new sidecar_command_page());
	const uint32_t idx = 3;
	sidecar_cpu_status_store(cp.get(), idx, SIDECAR_CPU_STATUS_RUN);

	std::thread sidecar([&] {
		while (sidecar_cpu_status_load(cp.get(), idx) !=
		       SIDECAR_CPU_STATUS_RUN)
			std::this_thread::yield();
		page->request_data[0].low = 0xABCDEF;
		page->has_error = 1;
		sidecar_cpu_status_store(cp.get(), idx,
					 SIDECAR_CPU_STATUS_IDLE);
		sidecar_needs_attention_store(cp.get(), 1);
	});

	while (sidecar_needs_attention_xchg(cp.get(), 0) == 0)
		std::this_thread::yield();
	uint8_t expected = SIDECAR_CPU_STATUS_IDLE;
	EXPECT_TRUE(sidecar_cpu_status_cas(cp.get(), idx, &expected,
					   SIDECAR_CPU_STATUS_RUN));
	EXPECT_EQ(page->request_data[0].low, 0xABCDEFu);
	EXPECT_EQ(page->has_error, 1);
	sidecar.join();
}

TEST(RequiredMemory, MatchesSpecAndNeverOverflows)
{
	EXPECT_EQ(sidecar_required_memory(1), 57344u);
	EXPECT_EQ(sidecar_required_memory(2), 110592u);
	EXPECT_EQ(sidecar_required_memory(32), 1708032u);
	EXPECT_EQ(sidecar_required_memory(4032), 214700032u);

	for (const uint32_t n :
	     { 0u, 1u, 2u, 32u, 4032u, 0x10000u, 0x80000000u, 0xFFFFFFFFu }) {
		const u128 exact =
			(1 + static_cast<u128>(SIDECAR_PER_VP_SHMEM_PAGES +
					       SIDECAR_PER_VP_PAGES) *
				     n) *
			SIDECAR_PAGE_SIZE;
		ASSERT_LE(exact, std::numeric_limits<uint64_t>::max());
		EXPECT_EQ(sidecar_required_memory(n),
			  static_cast<uint64_t>(exact))
			<< "vp_count " << n;
	}
	EXPECT_EQ(sidecar_required_memory(0xFFFFFFFFu),
		  (1 + 13 * uint64_t{ 0xFFFFFFFF }) * 4096);
}

TEST(RequestViews, AliasRequestData)
{
	std::unique_ptr<sidecar_command_page> page(new sidecar_command_page());
	const void *data = page->request_data;
	EXPECT_EQ(static_cast<const void *>(
			  sidecar_get_set_vp_register_request_of(page.get())),
		  data);
	EXPECT_EQ(static_cast<const void *>(
			  sidecar_translate_gva_request_of(page.get())),
		  data);
	EXPECT_EQ(static_cast<const void *>(
			  sidecar_translate_gva_response_of(page.get())),
		  data);
	EXPECT_EQ(static_cast<const void *>(
			  sidecar_run_vp_response_of(page.get())),
		  data);
	EXPECT_EQ(static_cast<const void *>(
			  sidecar_get_set_vp_register_request_of(page.get())
				  ->regs),
		  static_cast<const void *>(&page->request_data[1]));
}

TEST(HvHelpers, HypercallControlAndOutput)
{
	EXPECT_EQ(hv_hypercall_control(HV_CALL_GET_VP_REGISTERS, 1),
		  0x0000000100000050u);
	EXPECT_EQ(hv_hypercall_control(HV_CALL_SET_VP_REGISTERS, 1),
		  0x0000000100000051u);
	EXPECT_EQ(hv_hypercall_control(HV_CALL_ENABLE_VP_VTL, 0), 0x0Fu);
	EXPECT_EQ(hv_hypercall_control(HV_CALL_START_VIRTUAL_PROCESSOR, 0),
		  0x99u);
	EXPECT_EQ(hv_hypercall_control(HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, 0),
		  0xACu);

	const uint64_t out = 0xFFFF'F123'0000'0086u;
	EXPECT_EQ(hv_hypercall_output_status(out),
		  HV_STATUS_VTL_ALREADY_ENABLED);
	EXPECT_EQ(hv_hypercall_output_reps_completed(out), 0x123u);
	EXPECT_FALSE(hv_hypercall_output_success(out));
	EXPECT_TRUE(hv_hypercall_output_success(0xFFFF'0000'0000u));
}

TEST(HvHelpers, StatusNames)
{
	EXPECT_STREQ(hv_status_name(HV_STATUS_SUCCESS), "Success");
	EXPECT_STREQ(hv_status_name(0x86), "VtlAlreadyEnabled");
	EXPECT_STREQ(hv_status_name(0x87), "UnknownRegisterName");
	EXPECT_STREQ(hv_status_name(0x0E), "InvalidVpIndex");
	EXPECT_EQ(hv_status_name(0x0001), nullptr);
	EXPECT_EQ(hv_status_name(0xFFFF), nullptr);
}

TEST(HvHelpers, InputVtl)
{
	EXPECT_EQ(hv_input_vtl(2), 0x12);
	EXPECT_TRUE(hv_input_vtl_use_target(0x12));
	EXPECT_EQ(hv_input_vtl_target(0x12), 2);
	EXPECT_FALSE(hv_input_vtl_use_target(HV_INPUT_VTL_CURRENT));
	EXPECT_EQ(hv_translate_gva_flags_input_vtl(
			  hv_translate_gva_flags_with_input_vtl(
				  HV_TRANSLATE_GVA_VALIDATE_READ |
					  (uint64_t{ 0xFF } << 56),
				  0x10)),
		  0x10);
}

TEST(HvHelpers, RegisterFormats)
{
	// call_offset 0x123, return_offset 0x456.
	const uint64_t offsets = 0xABC'0000'0000'0000u | 0x456123u;
	EXPECT_EQ(hv_vsm_code_page_offsets_call(offsets), 0x123);
	EXPECT_EQ(hv_vsm_code_page_offsets_return(offsets), 0x456);
	EXPECT_TRUE(hv_vsm_capabilities_dr6_shared(1));
	EXPECT_FALSE(hv_vsm_capabilities_dr6_shared(~uint64_t{ 1 }));
	EXPECT_EQ(hv_overlay_page_value(0x12345000), 0x12345001u);
	EXPECT_TRUE(hv_overlay_page_enabled(0x12345001));
	EXPECT_EQ(hv_overlay_page_pa(0x12345001), 0x12345000u);
	const hv_register_value v = hv_register_value_u64(0x1122334455667788);
	EXPECT_EQ(v.reg64, 0x1122334455667788u);
	EXPECT_EQ(v.reg32, 0x55667788u);
	EXPECT_EQ(v.reg128.high, 0u);
	EXPECT_EQ(v.bytes[0], 0x88);

	const uint64_t res = (uint64_t{ 1 } << 40) | (uint64_t{ 6 } << 32) |
			     HV_TRANSLATE_GVA_GPA_UNMAPPED;
	EXPECT_EQ(hv_translate_gva_result_code(res),
		  uint32_t{ HV_TRANSLATE_GVA_GPA_UNMAPPED });
	EXPECT_EQ(hv_translate_gva_result_cache_type(res), 6);
	EXPECT_TRUE(hv_translate_gva_result_overlay_page(res));
}

TEST(HvHelpers, GuestCrashCtl)
{
	const uint64_t base = HV_GUEST_CRASH_CTL_CRASH_NOTIFY |
			      HV_GUEST_CRASH_CTL_NO_CRASH_DUMP |
			      HV_GUEST_CRASH_CTL_PRE_OS_ID(5);
	EXPECT_EQ(base, 0xB400000000000000u);
	EXPECT_EQ(base | HV_GUEST_CRASH_CTL_CRASH_MESSAGE, 0xF400000000000000u);
}

TEST(X86Helpers, Icr)
{
	EXPECT_EQ(x86_icr_fixed(7, 0xF3), 0x00000007000000F3u);
	EXPECT_EQ(x86_icr(0xFFFFFFFF, 0x20, X86_ICR_DELIVERY_FIXED, 0),
		  0xFFFFFFFF00000020u);
	// INIT, level assert; SIPI with the trampoline page as vector.
	EXPECT_EQ(x86_icr(3, 0, X86_ICR_DELIVERY_INIT, X86_ICR_LEVEL_ASSERT),
		  0x0000000300004500u);
	EXPECT_EQ(x86_icr(3, 0x08, X86_ICR_DELIVERY_STARTUP, 0),
		  0x0000000300000608u);

	hv_x64_intercept_message_header h{};
	h.instruction_length_and_cr8 = 0x53;
	EXPECT_EQ(hv_x64_intercept_instruction_length(&h), 3);
	EXPECT_EQ(hv_x64_intercept_cr8(&h), 5);
}

} // namespace
