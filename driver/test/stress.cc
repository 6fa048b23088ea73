// SPDX-License-Identifier: MIT

#include "stress.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "host_system.h"

namespace sdtest
{

namespace
{

constexpr uint64_t kTimeout = 20000000000ull;
constexpr uint32_t kMaxRegs = 70; // crosses 31 twice

struct Shared {
	HostSystem *sys;
	std::vector<uint32_t> vps;
	std::atomic<uint64_t> done{ 0 }; // commands completed, all threads
	uint64_t target;
	std::atomic<bool> stop_canceller{ false };
	std::mutex mu;
	std::vector<std::string> errors;
	std::atomic<uint64_t> calls{ 0 }, runs{ 0 }, intercepts{ 0 },
		cancels{ 0 }, foreign_cancels{ 0 }, interrupted{ 0 };

	void Error(const std::string &s)
	{
		std::lock_guard<std::mutex> g(mu);
		if (errors.size() < 50)
			errors.push_back(s);
	}
};

// One VMM thread and the VPs it owns.
class Vmm {
    public:
	Vmm(Shared *sh, int t, int threads, uint64_t seed)
	    : sh_(sh)
	    , rng_(seed)
	{
		for (size_t i = 0; i < sh->vps.size(); i++)
			if ((int)(i % (size_t)threads) == t)
				own_.push_back(sh->vps[i]);
		clients_.resize(own_.size());
		expect_.resize(own_.size());
		for (size_t i = 0; i < own_.size(); i++)
			sd_client_vp_init(&clients_[i],
					  sh->sys->NodeOf(own_[i]), own_[i],
					  kTimeout);
	}

	void Run()
	{
		SetThreadSignal(&sig_);
		while (sh_->done.load(std::memory_order_relaxed) <
			       sh_->target &&
		       sh_->errors.empty())
			One();
		SetThreadSignal(nullptr);
	}

	std::vector<uint32_t> own_;
	std::vector<sd_client_vp> clients_;
	std::vector<std::vector<CpuLogEntry>> expect_;

    private:
	uint64_t Tag()
	{
		return (next_tag_++ << 8) | 0x5d;
	}

	void Completed(size_t i, uint32_t command, uint64_t tag)
	{
		expect_[i].push_back(CpuLogEntry{ command, tag });
		sh_->done.fetch_add(1, std::memory_order_relaxed);
	}

	bool Check(const char *what, int r, const sd_client_error &e,
		   uint32_t vp)
	{
		if (r == 0)
			return true;
		// An interrupted command completed all the same.
		if (r == -SD_EINTR && e.kind == SD_CLIENT_ERR_DRIVER) {
			sh_->interrupted++;
			return true;
		}
		sh_->Error(std::string(what) + " on vp " + std::to_string(vp) +
			   ": " + sd_strerror(r) + ": " + e.msg);
		return false;
	}

	void One()
	{
		size_t i = rng_() % own_.size();
		sd_client_vp *c = &clients_[i];
		uint32_t vp = own_[i];
		sd_client_error e;
		int dice = (int)(rng_() % 100);
		int r;

		sh_->calls++;
		// A signal now and then, for the next synchronous command.
		sig_.pending = rng_() % 10 == 0;
		if (dice < 20) {
			r = sd_client_test(c, &e);
			if (Check("test", r, e, vp))
				Completed(i, SIDECAR_COMMAND_NONE, 0);
		} else if (dice < 50) {
			bool set = dice < 35;
			uint32_t n = 1 + (uint32_t)(rng_() % kMaxRegs);
			std::vector<hv_register_assoc> regs(n);
			uint32_t first =
				(uint32_t)(rng_() % (kScratchCount - n));
			for (uint32_t k = 0; k < n; k++) {
				regs[k] = hv_register_assoc{};
				regs[k].name = kScratchBase + first + k;
				regs[k].value.reg128 = hv_u128{ Tag(), vp };
			}
			r = set ? sd_client_set_registers(c, 0, regs.data(), n,
							  &e) :
				  sd_client_get_registers(c, 0, regs.data(), n,
							  &e);
			if (!Check(set ? "set" : "get", r, e, vp))
				return;
			uint32_t done = r ? e.done : n;
			for (uint32_t s = 0; s < done; s += 31) {
				uint32_t b = std::min<uint32_t>(31, n - s);
				if (set)
					Completed(
						i,
						SIDECAR_COMMAND_SET_VP_REGISTERS,
						regs[s].value.reg128.low);
				else
					Completed(
						i,
						SIDECAR_COMMAND_GET_VP_REGISTERS,
						b);
			}
			// A get returns what the last set stored there.
			if (!set)
				for (uint32_t k = 0; k < done; k++)
					if (regs[k].value.reg128.high != 0 &&
					    regs[k].value.reg128.high != vp)
						sh_->Error(
							"get on vp " +
							std::to_string(vp) +
							": another VP's value");
		} else if (dice < 65) {
			uint64_t gvn = Tag();
			hv_translate_virtual_address_ex_output_x64 out;
			r = sd_client_translate_gva(c, gvn, 0, &out, &e);
			if (!Check("translate", r, e, vp))
				return;
			Completed(i, SIDECAR_COMMAND_TRANSLATE_GVA, gvn);
			if (out.gpa_page != (gvn ^ 0xabc000))
				sh_->Error("translate on vp " +
					   std::to_string(vp) + ": wrong gpa");
		} else {
			sig_.pending = false;
			RunVp(i);
		}
		sig_.pending = false;
	}

	void RunVp(size_t i)
	{
		sd_client_vp *c = &clients_[i];
		uint32_t vp = own_[i];
		sd_client_error e;
		uint64_t tag = Tag();
		// 0: run until stopped; else intercept after that many steps.
		uint64_t steps = rng_() % 4 == 0 ? 0 : 1 + rng_() % 4;
		sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);

		ctx->gps[SIDECAR_CPU_CONTEXT_RAX] = tag;
		ctx->gps[SIDECAR_CPU_CONTEXT_RBX] = steps;
		if (sd_client_run(c, &e)) {
			sh_->Error("run on vp " + std::to_string(vp) + ": " +
				   e.msg);
			return;
		}
		sh_->runs++;
		int how = (int)(rng_() % 10);
		if (how < 3) {
			sd_client_cancel(c);
			sh_->cancels++;
		} else if (how < 5) {
			std::this_thread::yield();
			sd_client_cancel(c);
			sh_->cancels++;
		}
		bool intercept = false;
		int r;
		for (;;) {
			// A run until stopped needs a cancel: give the
			// canceller thread a moment, then do it.
			r = sd_client_wait(c, steps ? kTimeout : 200000,
					   &intercept, &e);
			if (r != -SD_ETIMEDOUT && r != -SD_EINTR)
				break;
			sd_client_cancel(c);
			sh_->cancels++;
		}
		if (r) {
			sh_->Error("wait on vp " + std::to_string(vp) + ": " +
				   e.msg);
			return;
		}
		Completed(i, SIDECAR_COMMAND_RUN_VP, tag);
		ctx = sd_client_cpu_context(c);
		if (intercept) {
			sh_->intercepts++;
			const hv_message *m = sd_client_intercept_message(c);
			if (!steps || m->header.id != tag ||
			    ctx->gps[SIDECAR_CPU_CONTEXT_RCX] !=
				    (tag ^ kGuestMark))
				sh_->Error("run on vp " + std::to_string(vp) +
					   ": wrong intercept");
		}
	}

	Shared *sh_;
	std::mt19937_64 rng_;
	Signal sig_;
	uint64_t next_tag_ = 1;
};

} // namespace

std::string StressResult::Summary() const
{
	char buf[512];
	std::snprintf(buf, sizeof(buf),
		      "stress: %llu commands in %.2f s = %.0f commands/s "
		      "(%llu client calls, %llu runs, %llu intercepts, %llu "
		      "cancels by the owner, %llu by another thread, %llu "
		      "interrupted), %zu errors",
		      (unsigned long long)commands, seconds,
		      seconds > 0 ? commands / seconds : 0.0,
		      (unsigned long long)client_calls,
		      (unsigned long long)runs, (unsigned long long)intercepts,
		      (unsigned long long)cancels,
		      (unsigned long long)foreign_cancels,
		      (unsigned long long)interrupted, errors.size());
	return buf;
}

StressResult RunStress(const StressConfig &cfg)
{
	HostSystemOptions opt;
	opt.cpus_per_numa = { 17, 17, 17, 17 };
	HostSystem sys(opt);
	sys.hp.quiet = true;

	Shared sh;
	sh.sys = &sys;
	sh.vps = sys.SidecarVps();
	sh.target = cfg.commands;

	std::vector<std::unique_ptr<Vmm>> vmms;
	for (int t = 0; t < cfg.threads; t++)
		vmms.emplace_back(
			new Vmm(&sh, t, cfg.threads, cfg.seed * 1000 + t));

	// Cancels from outside the owner: any VP, any time.
	std::thread canceller([&] {
		std::mt19937_64 rng(cfg.seed);
		while (!sh.stop_canceller.load()) {
			uint32_t vp = sh.vps[rng() % sh.vps.size()];
			if (sd_vp_stop(sys.NodeOf(vp), vp) == 0)
				sh.foreign_cancels++;
			std::this_thread::sleep_for(
				std::chrono::microseconds(rng() % 200));
		}
	});

	uint64_t t0 = NowNs();
	std::vector<std::thread> threads;
	for (auto &v : vmms)
		threads.emplace_back([&v] { v->Run(); });
	for (auto &th : threads)
		th.join();
	uint64_t t1 = NowNs();
	sh.stop_canceller = true;
	canceller.join();
	sys.Shutdown();

	StressResult res;
	res.seconds = (double)(t1 - t0) / 1e9;
	res.client_calls = sh.calls;
	res.runs = sh.runs;
	res.intercepts = sh.intercepts;
	res.cancels = sh.cancels;
	res.foreign_cancels = sh.foreign_cancels;
	res.interrupted = sh.interrupted;
	res.errors = sh.errors;
	for (auto &r : sys.hp.Reports())
		res.errors.push_back("report: " + r);

	// Exactly once: per VP, the same commands in the same order.
	for (auto &v : vmms) {
		for (size_t i = 0; i < v->own_.size(); i++) {
			uint32_t vp = v->own_[i];
			SidecarCpu *cpu = sys.Cpu(vp);
			const auto &want = v->expect_[i];
			const sd_client_vp &c = v->clients_[i];
			res.commands += cpu->served;
			if (c.started != c.completed)
				res.errors.push_back(
					"vp " + std::to_string(vp) + ": " +
					std::to_string(c.started) +
					" started, " +
					std::to_string(c.completed) +
					" completed");
			if (cpu->log == want)
				continue;
			size_t k = 0;
			while (k < want.size() && k < cpu->log.size() &&
			       want[k] == cpu->log[k])
				k++;
			res.errors.push_back(
				"vp " + std::to_string(vp) + ": driver saw " +
				std::to_string(want.size()) +
				" commands complete, sidecar executed " +
				std::to_string(cpu->log.size()) +
				"; first difference at " + std::to_string(k));
		}
	}
	return res;
}

} // namespace sdtest
