// SPDX-License-Identifier: MIT
//
// A fake struct sc_vp_ops backend: register files instead of hypercalls and
// the CPU, a scripted lower VTL, injectable failures, and a record of every
// call. Shared by the unit tests, the host harness and the fuzzers.
//
// One FakeVp per sidecar CPU. It is not locked: only the thread that runs
// the CPU's commands may touch it, except `stop` (atomic); another thread
// may read the rest once the CPU's status handshake (IDLE seen with
// acquire) orders it, as the driver does with the command page.

#ifndef SIDECAR_CORE_TEST_FAKE_VP_H
#define SIDECAR_CORE_TEST_FAKE_VP_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sidecar/core/dispatch.h"

namespace sc_test
{

// One call into the ops, in the order made.
struct FakeCall {
	enum Op {
		kGetVpRegister,
		kSetVpRegister,
		kTranslateGva,
		kReadMsr,
		kWriteMsr,
		kReadDr,
		kWriteDr,
		kMapOverlays,
		kRunVpOnce,
		kStopRequested,
	};
	Op op;
	uint8_t target_vtl = 0; // Get/SetVpRegister
	uint32_t index = 0; // register name, MSR or DR number
	uint64_t value = 0; // value written (low 64 bits), or the gvn
	uint64_t value_high = 0; // high 64 bits written, or the flags
};

// What the lower VTL does on one run_vp_once.
struct RunStep {
	uint32_t reason = HV_VTL_ENTRY_REASON_INTERRUPT;
	hv_message message{}; // handed out for every reason
	bool null_message = false; // hand out no message at all
	// Changes the lower VTL's state, as running it would.
	std::function<void(sidecar_cpu_context_x64 *)> guest;
	// The driver asks for STOP while this step runs.
	bool stop_after = false;
};

hv_register_value RegisterValue(uint64_t low, uint64_t high = 0);

class FakeVp {
    public:
	FakeVp();
	FakeVp(const FakeVp &) = delete;
	FakeVp &operator=(const FakeVp &) = delete;

	// The ops table; ctx is this object.
	const sc_vp_ops *ops() const
	{
		return &ops_;
	}

	// Registers reached by hypercall, by name (target_vtl is recorded,
	// not modelled). Names absent here fail with UnknownRegisterName.
	std::map<uint32_t, hv_u128> hv_registers;
	// Injected hypercall failures, by register name.
	std::map<uint32_t, uint16_t> get_failures;
	std::map<uint32_t, uint16_t> set_failures;

	// Local MSRs (absent ones read as 0) and debug registers.
	std::map<uint32_t, uint64_t> msrs;
	uint64_t drs[8] = {};
	// MSRs whose access faults (#GP), as an absent MSR would.
	std::set<uint32_t> faulting_msrs;
	// check_context refuses an MXCSR with bits outside this mask.
	uint32_t mxcsr_mask = 0xffbf;

	// TranslateVirtualAddressEx: this status and output. A failing
	// translation still writes garbage into the output, to prove that
	// the caller zeroes it.
	uint16_t translate_status = HV_STATUS_SUCCESS;
	hv_translate_virtual_address_ex_output_x64 translate_output{};

	// map_overlays result and the message of a failure ("" leaves the
	// error untouched).
	bool map_overlays_result = true;
	std::string map_overlays_error;

	// The lower VTL, one step per run_vp_once. When the script is
	// exhausted the fake returns HV_VTL_ENTRY_REASON_RESERVED, an error,
	// so that a test can never loop forever.
	std::deque<RunStep> run_script;
	// Overrides run_script when set.
	std::function<uint32_t(sidecar_cpu_context_x64 *, const hv_message **)>
		run_hook;

	// STOP as the driver sets it; stop_hook overrides it when set.
	std::atomic<bool> stop{ false };
	std::function<bool()> stop_hook;

	// Every call, in order.
	std::vector<FakeCall> calls;
	size_t Count(FakeCall::Op op) const;
	std::vector<FakeCall> CallsOf(FakeCall::Op op) const;

    private:
	static uint16_t GetVpRegister(void *ctx, uint8_t vtl, uint32_t name,
				      hv_register_value *value);
	static uint16_t SetVpRegister(void *ctx, uint8_t vtl, uint32_t name,
				      const hv_register_value *value);
	static uint16_t
	TranslateGva(void *ctx, uint64_t gvn, uint64_t flags,
		     hv_translate_virtual_address_ex_output_x64 *out);
	static bool ReadMsr(void *ctx, uint32_t msr, uint64_t *value);
	static bool WriteMsr(void *ctx, uint32_t msr, uint64_t value);
	static bool ReadDr(void *ctx, unsigned int dr, uint64_t *value);
	static bool WriteDr(void *ctx, unsigned int dr, uint64_t value);
	static bool CheckContext(void *ctx, const sidecar_cpu_context_x64 *cpu,
				 sidecar_command_error *err);
	static bool MapOverlays(void *ctx, sidecar_command_error *err);
	static uint32_t RunVpOnce(void *ctx, sidecar_cpu_context_x64 *cpu,
				  const hv_message **msg);
	static bool StopRequested(void *ctx);

	sc_vp_ops ops_;
	hv_message current_message_{};
};

} // namespace sc_test

#endif // SIDECAR_CORE_TEST_FAKE_VP_H
