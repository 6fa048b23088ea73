// SPDX-License-Identifier: MIT
//
// Command decoding and dispatch on an arbitrary command page over the fake
// backend. The page is a heap object of exactly 4096 bytes, so ASan catches
// any access outside it. After every command the page must hold a
// well-formed result: has_error with a well-formed message, or a valid
// response for the command.
#include <cstdint>
#include <cstring>
#include <memory>

#include "sidecar/core/dispatch.h"
#include "sidecar/core/test/fake_vp.h"
#include "testing/fuzz/well_formed.h"

using sc_test::FakeVp;
using sc_test::RunStep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8)
		return 0;
	// Byte 0: backend behaviour; bytes 1-7: the lower VTL's script;
	// the rest: the command page.
	const uint8_t mode = data[0];
	FakeVp fake;
	fake.map_overlays_result = !(mode & 1);
	if (mode & 2)
		fake.map_overlays_error = "overlay refused";
	fake.translate_status = (mode & 4) ? HV_STATUS_ACCESS_DENIED :
					     HV_STATUS_SUCCESS;
	if (mode & 8)
		fake.faulting_msrs.insert(X86_MSR_MTRR_DEF_TYPE);
	for (uint32_t name = HV_REGISTER_RAX; name <= HV_REGISTER_R15; name++)
		fake.hv_registers[name] = { name, 0 };
	fake.get_failures[HV_REGISTER_RIP] = HV_STATUS_ACCESS_DENIED;
	for (size_t i = 1; i < 8; i++) {
		RunStep step;
		step.reason = data[i] & 3;
		step.null_message = data[i] & 4;
		step.stop_after = data[i] & 8;
		fake.run_script.push_back(step);
	}

	auto page = std::make_unique<sidecar_command_page>();
	std::memcpy(page.get(), data + 8,
		    size - 8 < sizeof(*page) ? size - 8 : sizeof(*page));
	const uint32_t command = page->command;
	const uint16_t count =
		sidecar_get_set_vp_register_request_of(page.get())->count;
	page->has_error = 0;

	sc_vp_state st{};
	st.dr6_shared = mode & 16;
	sc_execute(page.get(), command, &st, fake.ops());

	if (page->has_error) {
		sc_fuzz::CheckError(page->error);
		return 0;
	}
	switch (command) {
	case SIDECAR_COMMAND_NONE:
		break;
	case SIDECAR_COMMAND_GET_VP_REGISTERS:
	case SIDECAR_COMMAND_SET_VP_REGISTERS:
		sc_fuzz::Check(count <= SIDECAR_MAX_GET_SET_VP_REGISTERS,
			       "a bad register count was accepted");
		break;
	case SIDECAR_COMMAND_TRANSLATE_GVA: {
		auto *r = sidecar_translate_gva_response_of(page.get());
		if (r->status != HV_STATUS_SUCCESS) {
			const uint8_t *o =
				reinterpret_cast<const uint8_t *>(&r->output);
			for (size_t i = 0; i < sizeof(r->output); i++)
				sc_fuzz::Check(
					o[i] == 0,
					"failed translation left output");
		}
		break;
	}
	case SIDECAR_COMMAND_RUN_VP:
		sc_fuzz::Check(
			sidecar_run_vp_response_of(page.get())->intercept <= 1,
			"intercept is not a bool");
		break;
	default:
		sc_fuzz::Fail("an unknown command succeeded");
	}
	return 0;
}
