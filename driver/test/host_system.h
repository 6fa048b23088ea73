// SPDX-License-Identifier: MIT
//
// A whole sidecar system on the host. The topology goes through
// sd_launch_plan; the "boot" validates the params with core's
// sc_validate_params and lays out each node with sc_node_layout in shared
// host memory; each sidecar CPU is a thread running core's dispatch
// (sc_poll_status / sc_serve_command / sc_complete) over SimVp, a simulated
// hypervisor; IPIs are futex wake-ups, and the response IPI runs the
// driver's interrupt handler. The driver attaches to every node from the
// boot's sidecar_output.

#ifndef SIDECAR_DRIVER_TEST_HOST_SYSTEM_H
#define SIDECAR_DRIVER_TEST_HOST_SYSTEM_H

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fake_node.h"
#include "host_platform.h"
#include "sidecar/core/dispatch.h"
#include "sidecar/driver.h"

namespace sdtest
{

class SidecarCpu;

// RUN_VP script, read from the CPU context when the command starts:
// gps[RBX] = steps before an intercept (0: run until asked to stop),
// gps[RAX] = a tag the intercept message carries in header.id. Every step
// adds one to gps[RDX]; the intercept sets gps[RCX] = tag ^ kGuestMark.
constexpr uint64_t kGuestMark = 0x5a5a5a5a00000000ull;
// Registers that SimVp knows from the start: the GPRs, RIP, RFLAGS, and
// kScratchCount scratch names from kScratchBase.
constexpr uint32_t kScratchBase = 0x7f000000;
constexpr uint32_t kScratchCount = 512;

// A simulated hypervisor for one sidecar CPU (struct sc_vp_ops). Touched by
// its CPU thread while a command runs, and by a test only while the VP is
// idle: the cpu_status hand-over orders the two.
class SimVp {
    public:
	explicit SimVp(SidecarCpu *cpu);
	const sc_vp_ops *ops() const
	{
		return &ops_;
	}

	std::unordered_map<uint32_t, hv_u128> regs;
	std::unordered_map<uint32_t, uint16_t> get_fail, set_fail;
	// Fail once, then work: a failure a second try does not see.
	std::unordered_map<uint32_t, uint16_t> get_fail_once, set_fail_once;
	std::unordered_map<uint32_t, uint64_t> msrs;
	uint64_t drs[8] = {};
	uint16_t translate_status = HV_STATUS_SUCCESS;
	bool map_ok = true;
	std::string map_error;
	uint64_t get_calls = 0, set_calls = 0, overlay_maps = 0;
	// Runs on the CPU thread at the start of every register get: a test
	// may hold the command there.
	std::function<void(uint32_t name)> before_get;

	// Called by the CPU loop before each command.
	void BeginCommand(const sidecar_command_page &page);

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
	static bool MapOverlays(void *ctx, sidecar_command_error *err);
	static uint32_t RunVpOnce(void *ctx, sidecar_cpu_context_x64 *cpu,
				  const hv_message **msg);
	static bool StopRequested(void *ctx);

	SidecarCpu *cpu_;
	// Zeroed: the optional hooks (check_context) stay NULL unless set.
	sc_vp_ops ops_{};
	uint64_t steps_left_ = 0;
	uint64_t tag_ = 0;
	hv_message message_{};
};

// What a CPU executed: the command and what identifies it (NONE: 0, GET:
// the count, SET: the first value, TRANSLATE: the gvn, RUN_VP: gps[RAX]).
struct CpuLogEntry {
	uint32_t command;
	uint64_t tag;
	bool operator==(const CpuLogEntry &o) const
	{
		return command == o.command && tag == o.tag;
	}
};

class HostSystem;

class SidecarCpu {
    public:
	SidecarCpu(HostSystem *sys, sidecar_control_page *cp, uint32_t idx,
		   uint32_t vp, sidecar_vp_shared_pages *pages);
	~SidecarCpu();

	void Start();
	// The request IPI: wakes the CPU from its "hlt".
	void Ipi();
	void Quit();
	void Join();
	// While held, request IPIs are not delivered: the CPU sleeps on, as
	// if the IPI were slow. Release delivers one.
	void HoldIpis();
	void ReleaseIpis();

	const uint32_t idx, vp;
	sidecar_control_page *const cp;
	sidecar_vp_shared_pages *const pages;
	SimVp sim;
	// Written by the CPU thread only; read once it has parked or quit.
	std::vector<CpuLogEntry> log;
	bool keep_log = true;
	std::atomic<uint64_t> served{ 0 };
	std::atomic<bool> parked{ false };
	std::atomic<int> bad_status{ -1 };
	uint32_t ipi_word = 0;
	std::atomic<bool> quit{ false };
	std::atomic<bool> hold{ false };
	// Set once the CPU saw IDLE and only an IPI can wake it.
	std::atomic<bool> asleep{ false };
	bool AwaitAsleep(uint64_t timeout_ns = 10000000000ull);

    private:
	friend class SimVp;
	void Loop();
	void SendIpi(uint32_t apic, uint32_t vector);

	HostSystem *sys_;
	sc_vp_state st_{};
	std::thread thread_;
};

struct HostSystemOptions {
	// CPUs per NUMA node, in VP order.
	std::vector<uint32_t> cpus_per_numa;
	uint32_t response_vector = kResponseVector;
	uint64_t cancel_timeout_ns = 2000000000ull;
	bool log_ipis = false;
	bool keep_logs = true;
};

class HostSystem {
    public:
	explicit HostSystem(const HostSystemOptions &opt);
	~HostSystem();

	// Every sidecar CPU thread ends (after its command, if any); the CPUs
	// and their logs stay for inspection.
	void Shutdown();

	HostMemory mem;
	HostPlatform hp;
	std::vector<sd_cpu> cpus;
	std::unique_ptr<sidecar_params> params;
	std::unique_ptr<sidecar_output> output;
	sd_launch_info plan;
	// The driver's side, one per node.
	std::vector<std::unique_ptr<sd_node>> nodes;
	std::vector<std::vector<sd_vp_slot>> vp_slots;
	// The sidecar's side, by VP (nullptr for base CPUs).
	std::vector<std::unique_ptr<SidecarCpu>> sidecar_cpus;

	// The node and the sidecar CPU of a hypervisor VP.
	sd_node *NodeOf(uint32_t vp);
	SidecarCpu *Cpu(uint32_t vp)
	{
		return vp < sidecar_cpus.size() ? sidecar_cpus[vp].get() :
						  nullptr;
	}
	// Every sidecar VP, ascending.
	std::vector<uint32_t> SidecarVps() const;

    private:
	friend class SidecarCpu;
	void Route(uint32_t apic, uint32_t vector);
	void Boot();

	sd_mem_allocator alloc_;
	std::unordered_map<uint32_t, sd_node *> response_apic_;
	bool shut_down_ = false;
};

} // namespace sdtest

#endif
