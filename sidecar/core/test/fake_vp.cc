// SPDX-License-Identifier: MIT
#include "sidecar/core/test/fake_vp.h"

#include <cstring>

#include "sidecar/core/error.h"

namespace sc_test
{

hv_register_value RegisterValue(uint64_t low, uint64_t high)
{
	hv_register_value v;

	v.reg128.low = low;
	v.reg128.high = high;
	return v;
}

FakeVp::FakeVp()
{
	ops_.ctx = this;
	ops_.get_vp_register = GetVpRegister;
	ops_.set_vp_register = SetVpRegister;
	ops_.translate_gva = TranslateGva;
	ops_.read_msr = ReadMsr;
	ops_.write_msr = WriteMsr;
	ops_.read_dr = ReadDr;
	ops_.write_dr = WriteDr;
	ops_.check_context = CheckContext;
	ops_.map_overlays = MapOverlays;
	ops_.run_vp_once = RunVpOnce;
	ops_.stop_requested = StopRequested;
}

size_t FakeVp::Count(FakeCall::Op op) const
{
	size_t n = 0;

	for (const FakeCall &c : calls)
		n += c.op == op;
	return n;
}

std::vector<FakeCall> FakeVp::CallsOf(FakeCall::Op op) const
{
	std::vector<FakeCall> out;

	for (const FakeCall &c : calls)
		if (c.op == op)
			out.push_back(c);
	return out;
}

uint16_t FakeVp::GetVpRegister(void *ctx, uint8_t vtl, uint32_t name,
			       hv_register_value *value)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kGetVpRegister, vtl, name, 0, 0 });
	auto fail = f->get_failures.find(name);
	if (fail != f->get_failures.end())
		return fail->second;
	auto it = f->hv_registers.find(name);
	if (it == f->hv_registers.end())
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	value->reg128 = it->second;
	return HV_STATUS_SUCCESS;
}

uint16_t FakeVp::SetVpRegister(void *ctx, uint8_t vtl, uint32_t name,
			       const hv_register_value *value)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kSetVpRegister, vtl, name,
			     value->reg128.low, value->reg128.high });
	auto fail = f->set_failures.find(name);
	if (fail != f->set_failures.end())
		return fail->second;
	auto it = f->hv_registers.find(name);
	if (it == f->hv_registers.end())
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	it->second = value->reg128;
	return HV_STATUS_SUCCESS;
}

uint16_t FakeVp::TranslateGva(void *ctx, uint64_t gvn, uint64_t flags,
			      hv_translate_virtual_address_ex_output_x64 *out)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kTranslateGva, 0, 0, gvn, flags });
	if (f->translate_status != HV_STATUS_SUCCESS) {
		std::memset(out, 0xA5, sizeof(*out));
		return f->translate_status;
	}
	*out = f->translate_output;
	return HV_STATUS_SUCCESS;
}

bool FakeVp::ReadMsr(void *ctx, uint32_t msr, uint64_t *value)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kReadMsr, 0, msr, 0, 0 });
	if (f->faulting_msrs.count(msr))
		return false;
	auto it = f->msrs.find(msr);
	*value = it == f->msrs.end() ? 0 : it->second;
	return true;
}

bool FakeVp::WriteMsr(void *ctx, uint32_t msr, uint64_t value)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kWriteMsr, 0, msr, value, 0 });
	if (f->faulting_msrs.count(msr))
		return false;
	f->msrs[msr] = value;
	return true;
}

bool FakeVp::ReadDr(void *ctx, unsigned int dr, uint64_t *value)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kReadDr, 0, dr, 0, 0 });
	*value = dr < 8 ? f->drs[dr] : 0;
	return true;
}

bool FakeVp::WriteDr(void *ctx, unsigned int dr, uint64_t value)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kWriteDr, 0, dr, value, 0 });
	/* DR6 and DR7 reject set upper halves, like the CPU. */
	if ((dr == 6 || dr == 7) && (value >> 32))
		return false;
	if (dr < 8)
		f->drs[dr] = value;
	return true;
}

bool FakeVp::CheckContext(void *ctx, const sidecar_cpu_context_x64 *cpu,
			  sidecar_command_error *err)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	if (cpu->fx_state.mxcsr & ~f->mxcsr_mask) {
		sc_error_set(err, "cpu_context: MXCSR 0x%x sets reserved bits",
			     cpu->fx_state.mxcsr);
		return false;
	}
	return true;
}

bool FakeVp::MapOverlays(void *ctx, sidecar_command_error *err)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kMapOverlays, 0, 0, 0, 0 });
	if (!f->map_overlays_result && !f->map_overlays_error.empty())
		sc_error_set(err, "%s", f->map_overlays_error.c_str());
	return f->map_overlays_result;
}

uint32_t FakeVp::RunVpOnce(void *ctx, sidecar_cpu_context_x64 *cpu,
			   const hv_message **msg)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kRunVpOnce, 0, 0, 0, 0 });
	if (f->run_hook)
		return f->run_hook(cpu, msg);
	if (f->run_script.empty())
		return HV_VTL_ENTRY_REASON_RESERVED;
	RunStep step = std::move(f->run_script.front());
	f->run_script.pop_front();
	if (step.guest)
		step.guest(cpu);
	if (step.stop_after)
		f->stop.store(true);
	f->current_message_ = step.message;
	*msg = step.null_message ? nullptr : &f->current_message_;
	return step.reason;
}

bool FakeVp::StopRequested(void *ctx)
{
	FakeVp *f = static_cast<FakeVp *>(ctx);

	f->calls.push_back({ FakeCall::kStopRequested, 0, 0, 0, 0 });
	if (f->stop_hook)
		return f->stop_hook();
	return f->stop.load();
}

} // namespace sc_test
