// SPDX-License-Identifier: MIT
//
// The host sidecar system; see host_system.h.

#include "host_system.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "sidecar/core/layout.h"
#include "sidecar/core/validate.h"

namespace sdtest
{

namespace
{
constexpr uint64_t kMemBase = 0x200000000ull;
// How long a "run until stopped" guest runs before it looks again.
constexpr uint64_t kGuestSliceNs = 50000000ull;
} // namespace

// --- SimVp ----------------------------------------------------------------

SimVp::SimVp(SidecarCpu *cpu)
    : cpu_(cpu)
{
	ops_.ctx = this;
	ops_.get_vp_register = GetVpRegister;
	ops_.set_vp_register = SetVpRegister;
	ops_.translate_gva = TranslateGva;
	ops_.read_msr = ReadMsr;
	ops_.write_msr = WriteMsr;
	ops_.read_dr = ReadDr;
	ops_.write_dr = WriteDr;
	ops_.map_overlays = MapOverlays;
	ops_.run_vp_once = RunVpOnce;
	ops_.stop_requested = StopRequested;
	for (uint32_t name = HV_REGISTER_RAX; name <= HV_REGISTER_RFLAGS;
	     name++)
		regs[name] = hv_u128{ ((uint64_t)cpu->vp << 32) | name, 0 };
	for (uint32_t i = 0; i < kScratchCount; i++)
		regs[kScratchBase + i] = hv_u128{ 0, 0 };
}

void SimVp::BeginCommand(const sidecar_command_page &page)
{
	if (page.command == SIDECAR_COMMAND_RUN_VP) {
		steps_left_ = page.cpu_context.gps[SIDECAR_CPU_CONTEXT_RBX];
		tag_ = page.cpu_context.gps[SIDECAR_CPU_CONTEXT_RAX];
	}
}

uint16_t SimVp::GetVpRegister(void *ctx, uint8_t, uint32_t name,
			      hv_register_value *value)
{
	SimVp *s = static_cast<SimVp *>(ctx);
	s->get_calls++;
	if (s->before_get)
		s->before_get(name);
	auto once = s->get_fail_once.find(name);
	if (once != s->get_fail_once.end()) {
		uint16_t status = once->second;
		s->get_fail_once.erase(once);
		return status;
	}
	auto fail = s->get_fail.find(name);
	if (fail != s->get_fail.end())
		return fail->second;
	auto it = s->regs.find(name);
	if (it == s->regs.end())
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	value->reg128 = it->second;
	return HV_STATUS_SUCCESS;
}

uint16_t SimVp::SetVpRegister(void *ctx, uint8_t, uint32_t name,
			      const hv_register_value *value)
{
	SimVp *s = static_cast<SimVp *>(ctx);
	s->set_calls++;
	auto once = s->set_fail_once.find(name);
	if (once != s->set_fail_once.end()) {
		uint16_t status = once->second;
		s->set_fail_once.erase(once);
		return status;
	}
	auto fail = s->set_fail.find(name);
	if (fail != s->set_fail.end())
		return fail->second;
	auto it = s->regs.find(name);
	if (it == s->regs.end())
		return HV_STATUS_UNKNOWN_REGISTER_NAME;
	it->second = value->reg128;
	return HV_STATUS_SUCCESS;
}

uint16_t SimVp::TranslateGva(void *ctx, uint64_t gvn, uint64_t flags,
			     hv_translate_virtual_address_ex_output_x64 *out)
{
	SimVp *s = static_cast<SimVp *>(ctx);
	if (s->translate_status != HV_STATUS_SUCCESS)
		return s->translate_status;
	std::memset(out, 0, sizeof(*out));
	out->gpa_page = gvn ^ 0xabc000;
	out->translation_result.result = flags & 0xff;
	return HV_STATUS_SUCCESS;
}

bool SimVp::ReadMsr(void *ctx, uint32_t msr, uint64_t *value)
{
	SimVp *s = static_cast<SimVp *>(ctx);
	auto it = s->msrs.find(msr);
	*value = it == s->msrs.end() ? 0 : it->second;
	return true;
}

bool SimVp::WriteMsr(void *ctx, uint32_t msr, uint64_t value)
{
	static_cast<SimVp *>(ctx)->msrs[msr] = value;
	return true;
}

bool SimVp::ReadDr(void *ctx, unsigned int dr, uint64_t *value)
{
	*value = dr < 8 ? static_cast<SimVp *>(ctx)->drs[dr] : 0;
	return true;
}

bool SimVp::WriteDr(void *ctx, unsigned int dr, uint64_t value)
{
	if (dr < 8)
		static_cast<SimVp *>(ctx)->drs[dr] = value;
	return true;
}

bool SimVp::MapOverlays(void *ctx, sidecar_command_error *err)
{
	SimVp *s = static_cast<SimVp *>(ctx);
	if (!s->map_ok) {
		size_t n = std::min<size_t>(s->map_error.size(),
					    SIDECAR_ERROR_MAX_LEN);
		std::memcpy(err->buf, s->map_error.data(), n);
		err->len = (uint8_t)n;
		return false;
	}
	s->overlay_maps++;
	// The hypervisor fills the register page once it is mapped.
	hv_x64_register_page &rp = s->cpu_->pages->register_page;
	rp.is_valid = 1;
	rp.rip = 0xfff0 + s->cpu_->vp;
	return true;
}

uint32_t SimVp::RunVpOnce(void *ctx, sidecar_cpu_context_x64 *cpu,
			  const hv_message **msg)
{
	SimVp *s = static_cast<SimVp *>(ctx);
	SidecarCpu *c = s->cpu_;

	if (c->quit.load())
		return HV_VTL_ENTRY_REASON_RESERVED;
	cpu->gps[SIDECAR_CPU_CONTEXT_RDX]++;
	if (s->steps_left_ == 0) {
		// Runs until an interrupt is pending for this CPU (the STOP
		// IPI), as the lower VTL would.
		uint32_t seen = __atomic_load_n(&c->ipi_word, __ATOMIC_ACQUIRE);
		if (!sc_stop_requested(c->cp, c->idx))
			FutexWait(&c->ipi_word, seen, NowNs() + kGuestSliceNs);
		return HV_VTL_ENTRY_REASON_INTERRUPT;
	}
	if (--s->steps_left_ > 0)
		return HV_VTL_ENTRY_REASON_INTERRUPT;
	std::memset(&s->message_, 0, sizeof(s->message_));
	s->message_.header.typ = HV_MESSAGE_TYPE_X64_HALT;
	s->message_.header.len = 40;
	s->message_.header.id = s->tag_;
	cpu->gps[SIDECAR_CPU_CONTEXT_RCX] = s->tag_ ^ kGuestMark;
	*msg = &s->message_;
	return HV_VTL_ENTRY_REASON_INTERCEPT;
}

bool SimVp::StopRequested(void *ctx)
{
	SidecarCpu *c = static_cast<SimVp *>(ctx)->cpu_;
	return sc_stop_requested(c->cp, c->idx);
}

// --- SidecarCpu -----------------------------------------------------------

SidecarCpu::SidecarCpu(HostSystem *sys, sidecar_control_page *cp, uint32_t idx,
		       uint32_t vp, sidecar_vp_shared_pages *pages)
    : idx(idx)
    , vp(vp)
    , cp(cp)
    , pages(pages)
    , sim(this)
    , sys_(sys)
{
}

SidecarCpu::~SidecarCpu()
{
	Quit();
	Join();
}

void SidecarCpu::Join()
{
	if (thread_.joinable())
		thread_.join();
}

void SidecarCpu::Start()
{
	thread_ = std::thread([this] { Loop(); });
}

void SidecarCpu::HoldIpis()
{
	hold.store(true);
}

void SidecarCpu::ReleaseIpis()
{
	hold.store(false);
	Ipi();
}

bool SidecarCpu::AwaitAsleep(uint64_t timeout_ns)
{
	uint64_t end = NowNs() + timeout_ns;
	while (!asleep.load()) {
		if (NowNs() > end)
			return false;
		std::this_thread::yield();
	}
	return true;
}

void SidecarCpu::Ipi()
{
	if (hold.load() && !quit.load())
		return;
	__atomic_fetch_add(&ipi_word, 1, __ATOMIC_RELEASE);
	FutexWakeAll(&ipi_word);
}

void SidecarCpu::Quit()
{
	quit.store(true);
	Ipi();
}

void SidecarCpu::SendIpi(uint32_t apic, uint32_t vector)
{
	sys_->hp.platform()->send_ipi(sys_->hp.platform()->ctx, apic, vector);
}

static uint64_t TagOf(const sidecar_command_page &page)
{
	// The page is this CPU's from the status load until it completes.
	auto *p = const_cast<sidecar_command_page *>(&page);
	switch (page.command) {
	case SIDECAR_COMMAND_GET_VP_REGISTERS:
		return sidecar_get_set_vp_register_request_of(p)->count;
	case SIDECAR_COMMAND_SET_VP_REGISTERS: {
		auto *req = sidecar_get_set_vp_register_request_of(p);
		return req->count ? req->regs[0].value.reg128.low : 0;
	}
	case SIDECAR_COMMAND_TRANSLATE_GVA:
		return sidecar_translate_gva_request_of(p)->gvn;
	case SIDECAR_COMMAND_RUN_VP:
		return page.cpu_context.gps[SIDECAR_CPU_CONTEXT_RAX];
	default:
		return 0;
	}
}

// The arch dispatch loop of dispatch.h, with a futex for "sti; hlt".
void SidecarCpu::Loop()
{
	uint32_t apic, vector;
	uint8_t status;

	// Started APs report in by going IDLE.
	sidecar_cpu_status_store(cp, idx, SIDECAR_CPU_STATUS_IDLE);
	for (;;) {
		uint32_t seen = __atomic_load_n(&ipi_word, __ATOMIC_ACQUIRE);

		if (quit.load())
			return;
		switch (sc_poll_status(cp, idx, &status)) {
		case SC_WAKE_SLEEP:
			asleep.store(true);
			FutexWait(&ipi_word, seen, UINT64_MAX);
			asleep.store(false);
			break;
		case SC_WAKE_COMMAND:
			if (keep_log)
				log.push_back(CpuLogEntry{
					pages->command_page.command,
					TagOf(pages->command_page) });
			sim.BeginCommand(pages->command_page);
			served.fetch_add(1, std::memory_order_relaxed);
			if (sc_serve_command(cp, idx, &pages->command_page,
					     &st_, sim.ops(), &apic, &vector))
				SendIpi(apic, vector);
			break;
		case SC_WAKE_REMOVE:
			// Unmapping the overlays and the APIC are the arch
			// code's; the protocol is the same.
			parked.store(true);
			if (sc_complete(cp, idx, SIDECAR_CPU_STATUS_REMOVED,
					&apic, &vector))
				SendIpi(apic, vector);
			return;
		case SC_WAKE_BAD_STATUS:
			bad_status.store(status);
			parked.store(true);
			return;
		}
	}
}

// --- HostSystem -----------------------------------------------------------

static size_t MemoryFor(const HostSystemOptions &opt)
{
	uint64_t cpus = 0;
	for (uint32_t n : opt.cpus_per_numa)
		cpus += n;
	// Every CPU in a node of its own is the worst case.
	return (size_t)((cpus * (1 + SIDECAR_PER_VP_SHMEM_PAGES +
				 SIDECAR_PER_VP_PAGES) +
			 16) *
			SIDECAR_PAGE_SIZE);
}

HostSystem::HostSystem(const HostSystemOptions &opt)
    : mem(kMemBase, MemoryFor(opt))
    , hp(&mem)
    , params(new sidecar_params())
    , output(new sidecar_output())
{
	hp.quiet = false;
	hp.log_ipis = opt.log_ipis;
	for (uint32_t numa = 0; numa < opt.cpus_per_numa.size(); numa++)
		for (uint32_t i = 0; i < opt.cpus_per_numa[numa]; i++)
			cpus.push_back(sd_cpu{
				HostPlatform::ApicOf((uint32_t)cpus.size()),
				numa });

	alloc_.ctx = this;
	alloc_.alloc = [](void *ctx, uint32_t, uint64_t size, uint64_t *pa) {
		*pa = static_cast<HostSystem *>(ctx)->mem.Alloc(size);
		return true;
	};
	alloc_.free = nullptr;
	sd_launch_config cfg{};
	cfg.cpus = cpus.data();
	cfg.cpu_count = (uint32_t)cpus.size();
	cfg.x2apic = true;
	cfg.hypercall_page = 0x1000;
	cfg.mem = &alloc_;
	if (sd_launch_plan(&cfg, params.get(), &plan) != SD_LAUNCH_OK)
		throw std::runtime_error(std::string("launch: ") +
					 plan.message);

	Boot();

	// The main kernel attaches to every node.
	for (uint32_t k = 0; k < params->node_count; k++) {
		const sidecar_node_params &np = params->nodes[k];
		vp_slots.emplace_back(np.vp_count);
		nodes.emplace_back(new sd_node());
		response_apic_[HostPlatform::ApicOf(np.base_vp)] =
			nodes.back().get();
		sd_node_config nc{};
		nc.output = output->nodes[k];
		nc.index = k;
		nc.params = &np;
		nc.response_apic_id = HostPlatform::ApicOf(np.base_vp);
		nc.response_vector = opt.response_vector;
		nc.cancel_timeout_ns = opt.cancel_timeout_ns;
		nc.vp_slots = vp_slots.back().data();
		nc.vp_slot_count = np.vp_count;
		if (sd_node_attach(nodes.back().get(), hp.platform(), &nc))
			throw std::runtime_error("attach failed: " +
						 hp.Reports().back());
		hp.Watch(nodes.back().get());
	}
	for (auto &c : sidecar_cpus)
		if (c)
			c->keep_log = opt.keep_logs;
}

// What the sidecar entry does, minus the hypervisor: validate, lay out
// every node, start every AP and wait until all are IDLE.
void HostSystem::Boot()
{
	sidecar_command_error err{};
	if (!sc_validate_params(params.get(), nullptr, 0, &err))
		throw std::runtime_error(
			"sidecar: " +
			std::string((const char *)err.buf, err.len));

	sidecar_cpus.resize(cpus.size());
	for (uint32_t k = 0; k < params->node_count; k++) {
		const sidecar_node_params &np = params->nodes[k];
		struct sc_node_layout lay;
		sc_node_layout(np.memory_base, np.vp_count, &lay);
		auto *cp = static_cast<sidecar_control_page *>(
			mem.Map(lay.control_pa, sizeof(sidecar_control_page)));
		auto *pages = static_cast<sidecar_vp_shared_pages *>(
			mem.Map(lay.shmem_base, lay.shmem_size));
		std::memset(cp, 0, sizeof(*cp));
		std::memset(pages, 0, lay.shmem_size);
		cp->index = k;
		cp->base_cpu = np.base_vp;
		cp->cpu_count = np.vp_count;
		cp->request_vector = kRequestVector;
		cp->cpu_status[0] = SIDECAR_CPU_STATUS_REMOVED;
		for (uint32_t i = 1; i < np.vp_count; i++) {
			cp->cpu_status[i] = SIDECAR_CPU_STATUS_RUN;
			sidecar_cpus[np.base_vp + i].reset(new SidecarCpu(
				this, cp, i, np.base_vp + i, &pages[i]));
		}
		output->nodes[k] = sidecar_node_output{ lay.control_pa,
							lay.shmem_base,
							lay.shmem_size };
	}
	hp.on_ipi = [this](uint32_t apic, uint32_t vector) {
		Route(apic, vector);
	};
	for (auto &c : sidecar_cpus)
		if (c)
			c->Start();
	uint64_t end = NowNs() + 30000000000ull;
	for (auto &c : sidecar_cpus) {
		while (c && sidecar_cpu_status_load(c->cp, c->idx) !=
				    SIDECAR_CPU_STATUS_IDLE) {
			if (NowNs() > end)
				throw std::runtime_error(
					"an AP never went IDLE");
			std::this_thread::yield();
		}
	}
}

void HostSystem::Route(uint32_t apic, uint32_t vector)
{
	auto it = response_apic_.find(apic);
	if (it != response_apic_.end()) {
		// The base CPU takes the response interrupt.
		sd_node_interrupt(it->second);
		return;
	}
	(void)vector;
	if (SidecarCpu *c = Cpu(HostPlatform::VpOfApic(apic)))
		c->Ipi();
}

void HostSystem::Shutdown()
{
	if (shut_down_)
		return;
	shut_down_ = true;
	for (auto &c : sidecar_cpus)
		if (c)
			c->Quit();
	for (auto &c : sidecar_cpus)
		if (c)
			c->Join();
}

HostSystem::~HostSystem()
{
	// The watchdog reads the nodes, which go before hp does.
	hp.StopWatchdog();
	Shutdown();
}

sd_node *HostSystem::NodeOf(uint32_t vp)
{
	for (auto &n : nodes)
		if (vp >= n->base_cpu && vp - n->base_cpu < n->cpu_count)
			return n.get();
	return nullptr;
}

std::vector<uint32_t> HostSystem::SidecarVps() const
{
	std::vector<uint32_t> v;
	for (uint32_t i = 0; i < sidecar_cpus.size(); i++)
		if (sidecar_cpus[i])
			v.push_back(i);
	return v;
}

} // namespace sdtest
