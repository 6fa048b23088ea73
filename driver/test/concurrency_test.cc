// SPDX-License-Identifier: MIT
//
// node under contention: 8 threads run, start, stop, read, poll and remove
// the same 64 VPs (4 nodes of 17 CPUs) at random. Every call must give one
// of the codes its contract allows, every start must be read exactly once,
// every command the driver started must have been executed exactly once
// by its sidecar CPU, and every VP must end AVAIL or REMOVED.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host_system.h"

namespace sdtest
{
namespace
{

constexpr uint64_t kLong = 10000000000ull;
constexpr int kThreads = 8;

struct VpCounts {
	std::atomic<uint64_t> runs{ 0 }; // completed sync runs (0 or EINTR)
	std::atomic<uint64_t> starts{ 0 };
	std::atomic<uint64_t> taken{ 0 };
	std::atomic<uint64_t> removed{ 0 };
};

class Unexpected {
    public:
	void Add(const std::string &what, int r)
	{
		std::lock_guard<std::mutex> g(mu_);
		seen_[what + " -> " + sd_strerror(r)]++;
	}
	std::string Text()
	{
		std::lock_guard<std::mutex> g(mu_);
		std::string s;
		for (auto &[k, n] : seen_)
			s += k + " x" + std::to_string(n) + "\n";
		return s;
	}

    private:
	std::mutex mu_;
	std::map<std::string, int> seen_;
};

int OpsPerThread()
{
	const char *env = std::getenv("SD_CONCURRENCY_OPS");
	return env ? std::atoi(env) : 10000;
}

TEST(Concurrency, RunStopRemoveFromEightThreadsOnSixtyFourVps)
{
	HostSystemOptions opt;
	opt.cpus_per_numa = { 17, 17, 17, 17 };
	HostSystem sys(opt);
	std::vector<uint32_t> vps = sys.SidecarVps();
	ASSERT_EQ(vps.size(), 64u);
	ASSERT_EQ(sys.nodes.size(), 4u);

	std::vector<VpCounts> counts(sys.cpus.size());
	Unexpected bad;
	std::atomic<uint64_t> ops{ 0 }, interrupted{ 0 }, busy{ 0 };
	const int per_thread = OpsPerThread();

	auto worker = [&](int t) {
		std::mt19937_64 rng(1234 + t);
		Signal sig;
		SetThreadSignal(&sig);
		for (int i = 0; i < per_thread; i++) {
			uint32_t vp = vps[rng() % vps.size()];
			sd_node *n = sys.NodeOf(vp);
			int dice = (int)(rng() % 4000);
			int r;

			ops++;
			if (dice < 1400) {
				bool signal = rng() % 10 == 0;
				sig.pending = signal;
				r = RunVp(n, vp, kLong);
				sig.pending = false;
				if (r == 0 || r == -SD_EINTR)
					counts[vp].runs++;
				interrupted += r == -SD_EINTR;
				busy += r == -SD_EBUSY;
				if (r && r != -SD_EINTR && r != -SD_EBUSY &&
				    r != -SD_ENOENT)
					bad.Add("run", r);
			} else if (dice < 2400) {
				r = StartVp(n, vp);
				if (r == 0)
					counts[vp].starts++;
				if (r && r != -SD_EBUSY && r != -SD_ENOENT)
					bad.Add("start", r);
			} else if (dice < 3000) {
				r = sd_vp_stop(n, vp);
				if (r && r != -SD_EINVAL && r != -SD_ENOENT)
					bad.Add("stop", r);
			} else if (dice < 3800) {
				r = sd_node_next_stopped(
					n, rng() % 2 ? 0 : 1000000);
				if (r >= 0) {
					if ((uint32_t)r < n->base_cpu ||
					    (uint32_t)r >=
						    n->base_cpu + n->cpu_count)
						bad.Add("next_stopped: foreign vp",
							0);
					else
						counts[r].taken++;
				} else if (r != -SD_EAGAIN &&
					   r != -SD_ETIMEDOUT) {
					bad.Add("next_stopped", r);
				}
			} else if (dice < 3999) {
				unsigned p = sd_node_poll(n);
				if (p != 0 && p != SD_POLLIN)
					bad.Add("poll", (int)p);
			} else {
				r = sd_vp_remove(n, vp, kLong);
				if (r == 0)
					counts[vp].removed++;
				if (r && r != -SD_EBUSY && r != -SD_ENOENT)
					bad.Add("remove", r);
			}
		}
		SetThreadSignal(nullptr);
	};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; t++)
		threads.emplace_back(worker, t);
	for (auto &th : threads)
		th.join();

	// Drain: stop every started VP and read every stop.
	uint64_t started = 0, taken = 0;
	for (uint32_t vp : vps) {
		int r = sd_vp_stop(sys.NodeOf(vp), vp);
		EXPECT_TRUE(r == 0 || r == -SD_EINVAL || r == -SD_ENOENT)
			<< vp << ": " << sd_strerror(r);
		started += counts[vp].starts;
		taken += counts[vp].taken;
	}
	uint64_t end = NowNs() + 30 * kLong / 10;
	while (taken < started && NowNs() < end) {
		for (auto &n : sys.nodes) {
			int r = sd_node_next_stopped(n.get(), 1000000);
			if (r >= 0) {
				counts[r].taken++;
				taken++;
			}
		}
	}
	for (auto &n : sys.nodes) {
		EXPECT_EQ(sd_node_next_stopped(n.get(), 0), -SD_EAGAIN);
		EXPECT_EQ(n->num_stopped, 0u);
	}
	sys.Shutdown();

	EXPECT_EQ(bad.Text(), "");
	EXPECT_TRUE(sys.hp.Reports().empty());
	uint64_t removed = 0, served = 0;
	for (uint32_t vp : vps) {
		VpCounts &c = counts[vp];
		SidecarCpu *cpu = sys.Cpu(vp);
		sd_node *n = sys.NodeOf(vp);
		uint8_t status =
			sidecar_cpu_status_load(n->control, vp - n->base_cpu);
		EXPECT_EQ(c.taken.load(), c.starts.load()) << "vp " << vp;
		EXPECT_EQ(cpu->served.load(), c.runs + c.starts) << "vp " << vp;
		EXPECT_LE(c.removed.load(), 1u) << "vp " << vp;
		if (c.removed) {
			EXPECT_EQ(sd_vp_state(n, vp), SD_VP_REMOVED);
			EXPECT_EQ(status, SIDECAR_CPU_STATUS_REMOVED);
			EXPECT_TRUE(cpu->parked.load());
		} else {
			EXPECT_EQ(sd_vp_state(n, vp), SD_VP_AVAIL);
			EXPECT_EQ(status, SIDECAR_CPU_STATUS_IDLE);
		}
		EXPECT_EQ(cpu->bad_status.load(), -1);
		removed += c.removed;
		served += cpu->served;
	}
	std::printf("concurrency: %llu ops, %llu commands served, %llu "
		    "interrupted runs, %llu busy runs, %llu VPs removed\n",
		    (unsigned long long)ops.load(), (unsigned long long)served,
		    (unsigned long long)interrupted.load(),
		    (unsigned long long)busy.load(),
		    (unsigned long long)removed);
	EXPECT_GT(removed, 0u);
	EXPECT_LT(removed, 64u);
	EXPECT_GT(interrupted.load() + busy.load(), 0u);
}

} // namespace
} // namespace sdtest
