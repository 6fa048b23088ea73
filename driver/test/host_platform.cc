// SPDX-License-Identifier: MIT
//
// Host implementation of struct sd_platform; see host_platform.h.

#include "host_platform.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "sidecar/driver/errno.h"

namespace sdtest
{

namespace
{
thread_local Signal *tls_signal = nullptr;
} // namespace

std::mutex HostPlatform::wait_mu;
std::condition_variable HostPlatform::wait_cv;

void Signal::Raise()
{
	pending.store(true);
	// Under the lock: a waiter between its check and its sleep holds it.
	{
		std::lock_guard<std::mutex> g(HostPlatform::wait_mu);
	}
	HostPlatform::wait_cv.notify_all();
}

void SetThreadSignal(Signal *s)
{
	tls_signal = s;
}

Signal *ThreadSignal()
{
	return tls_signal;
}

uint64_t NowNs()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// Returns 0 when woken (or the word had changed), ETIMEDOUT at the deadline.
uint32_t FutexWait(const uint32_t *word, uint32_t seen, uint64_t deadline_ns)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(deadline_ns / 1000000000ull);
	ts.tv_nsec = (long)(deadline_ns % 1000000000ull);
	// FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline.
	long r = syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, seen,
			 deadline_ns == UINT64_MAX ? nullptr : &ts, nullptr,
			 FUTEX_BITSET_MATCH_ANY);
	if (r == -1 && errno == ETIMEDOUT)
		return ETIMEDOUT;
	return 0;
}

void FutexWakeAll(const uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr,
		nullptr, 0);
}

HostMemory::HostMemory(uint64_t base, size_t size)
    : base_(base)
    , size_(size)
{
	buf_ = static_cast<uint8_t *>(std::aligned_alloc(4096, size));
	if (!buf_)
		throw std::bad_alloc();
	std::memset(buf_, 0, size);
}

HostMemory::~HostMemory()
{
	std::free(buf_);
}

uint64_t HostMemory::Alloc(size_t size)
{
	std::lock_guard<std::mutex> g(mu_);
	size = (size + 4095) & ~size_t{ 4095 };
	if (size_ - used_ < size)
		throw std::runtime_error("HostMemory exhausted");
	uint64_t pa = base_ + used_;
	used_ += size;
	return pa;
}

void *HostMemory::Map(uint64_t pa, uint64_t size) const
{
	if (pa < base_ || pa - base_ > size_ || size > size_ - (pa - base_))
		return nullptr;
	return buf_ + (pa - base_);
}

HostPlatform::HostPlatform(HostMemory *mem)
    : mem_(mem)
{
	plat_.ctx = this;
	plat_.vp_apic_id = VpApicId;
	plat_.send_ipi = SendIpi;
	plat_.now_ns = Now;
	plat_.wait = Wait;
	plat_.wake = Wake;
	plat_.map = Map;
	plat_.report = Report;
	plat_.race = Race;
	plat_.notify = Notify;
}

uint32_t HostPlatform::VpApicId(void *, uint32_t vp)
{
	return ApicOf(vp);
}

void HostPlatform::SendIpi(void *ctx, uint32_t apic, uint32_t vector)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	p->ipis_sent.fetch_add(1, std::memory_order_relaxed);
	if (p->log_ipis) {
		std::lock_guard<std::mutex> g(p->mu_);
		p->ipis_.push_back(Ipi{ apic, vector });
	}
	if (p->on_ipi)
		p->on_ipi(apic, vector);
}

uint64_t HostPlatform::Now(void *ctx)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	if (p->on_now)
		p->on_now();
	return NowNs();
}

HostPlatform::~HostPlatform()
{
	StopWatchdog();
}

void HostPlatform::StopWatchdog()
{
	{
		std::lock_guard<std::mutex> g(watch_mu_);
		watch_quit_ = true;
	}
	watch_cv_.notify_all();
	if (watchdog_.joinable())
		watchdog_.join();
	std::lock_guard<std::mutex> g(watch_mu_);
	watch_quit_ = false;
	watched_.clear();
}

void HostPlatform::Watch(const sd_node *n)
{
	std::lock_guard<std::mutex> g(watch_mu_);
	watched_.push_back(n);
	if (!watchdog_.joinable())
		watchdog_ = std::thread([this] { WatchdogLoop(); });
}

namespace
{

bool CpuBusy(uint8_t s)
{
	return s == SIDECAR_CPU_STATUS_RUN || s == SIDECAR_CPU_STATUS_STOP ||
	       s == SIDECAR_CPU_STATUS_REMOVE;
}

uint8_t StateOf(const sd_node *n, uint32_t i)
{
	return (uint8_t)(__atomic_load_n(&n->vp[i].word, __ATOMIC_SEQ_CST) &
			 0xff);
}

// Why a waiter on word should be awake by now, or "" if it may sleep on.
std::string ShouldBeAwake(const sd_node *n, const uint32_t *word)
{
	char text[160];
	if (word == &n->wake_seq) {
		// The readers: a started VP has stopped.
		for (uint32_t i = 0; i < n->cpu_count; i++) {
			uint8_t st = StateOf(n, i);
			uint8_t s = sidecar_cpu_status_load(n->control, i);
			bool started = st == SD_VP_ASYNC ||
				       st == SD_VP_ASYNC_STOPPING;
			if (st == SD_VP_ASYNC_STOPPED ||
			    (started && !CpuBusy(s))) {
				std::snprintf(text, sizeof(text),
					      "node %u readers: vp %u is "
					      "driver state %u, cpu_status %u",
					      n->index, n->base_cpu + i, st, s);
				return text;
			}
		}
		return "";
	}
	for (uint32_t i = 0; i < n->cpu_count; i++) {
		if (word != &n->vp[i].wake_seq)
			continue;
		uint8_t s = sidecar_cpu_status_load(n->control, i);
		if (CpuBusy(s))
			return "";
		std::snprintf(text, sizeof(text),
			      "node %u vp %u: driver state %u, cpu_status %u",
			      n->index, n->base_cpu + i, StateOf(n, i), s);
		return text;
	}
	return "";
}

} // namespace

void HostPlatform::WatchdogLoop()
{
	// Per word: since when its waiter has had reason to be awake.
	std::map<const uint32_t *, uint64_t> awake_since;
	std::unique_lock<std::mutex> lk(watch_mu_);
	while (!watch_cv_.wait_for(lk, std::chrono::milliseconds(50),
				   [&] { return watch_quit_; })) {
		uint64_t t = NowNs();
		std::map<const uint32_t *, uint64_t> seen;
		for (auto &b : BlockedSince()) {
			for (const sd_node *n : watched_) {
				std::string why = ShouldBeAwake(n, b.first);
				if (why.empty())
					continue;
				auto it = awake_since.find(b.first);
				uint64_t since = it == awake_since.end() ?
							 t :
							 it->second;
				seen[b.first] = since;
				if (t - since < kLostWakeupNs)
					continue;
				std::fprintf(
					stderr,
					"watchdog: lost wake-up: a thread "
					"blocked %llu ms on %s\n",
					(unsigned long long)((t - b.second) /
							     1000000),
					why.c_str());
				std::abort();
			}
		}
		awake_since.swap(seen);
	}
}

void HostPlatform::Notify(void *ctx)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	p->notifies.fetch_add(1, std::memory_order_relaxed);
	if (p->on_notify)
		p->on_notify();
}

void HostPlatform::Race(void *ctx, sd_race_point where, uint32_t vp)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	if (p->on_race)
		p->on_race(where, vp);
}

int HostPlatform::Wait(void *ctx, const uint32_t *word, uint32_t seen,
		       uint64_t deadline_ns, bool interruptible)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	Signal *sig = interruptible ? tls_signal : nullptr;
	uint64_t slice = p->tick_ns.load(std::memory_order_relaxed);
	uint64_t until = deadline_ns;
	int r = 0;

	p->waits.fetch_add(1, std::memory_order_relaxed);
	if (slice) {
		uint64_t tick = NowNs() + slice;
		if (tick < until)
			until = tick;
	}
	std::unique_lock<std::mutex> lk(wait_mu);
	auto me = p->blocked_.emplace(word, NowNs());
	for (;;) {
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != seen)
			break;
		if (sig && sig->pending.exchange(false)) {
			r = -SD_EINTR;
			break;
		}
		uint64_t t = NowNs();
		if (t >= until) {
			if (until == deadline_ns)
				r = -SD_ETIMEDOUT;
			break;
		}
		if (until == UINT64_MAX)
			wait_cv.wait(lk);
		else
			wait_cv.wait_for(lk,
					 std::chrono::nanoseconds(until - t));
	}
	p->blocked_.erase(me);
	return r;
}

void HostPlatform::Wake(void *ctx, const uint32_t *word)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	p->wakes.fetch_add(1, std::memory_order_relaxed);
	{
		std::lock_guard<std::mutex> g(wait_mu);
		p->woken_[word] += p->blocked_.count(word);
	}
	wait_cv.notify_all();
}

uint32_t HostPlatform::Blocked(const uint32_t *word)
{
	std::lock_guard<std::mutex> g(wait_mu);
	return (uint32_t)(word ? blocked_.count(word) : blocked_.size());
}

uint64_t HostPlatform::Woken(const uint32_t *word)
{
	std::lock_guard<std::mutex> g(wait_mu);
	if (word)
		return woken_.count(word) ? woken_[word] : 0;
	uint64_t sum = 0;
	for (auto &w : woken_)
		sum += w.second;
	return sum;
}

std::map<const uint32_t *, uint64_t> HostPlatform::BlockedSince()
{
	std::lock_guard<std::mutex> g(wait_mu);
	std::map<const uint32_t *, uint64_t> r;
	for (auto &b : blocked_) {
		auto it = r.find(b.first);
		if (it == r.end() || b.second < it->second)
			r[b.first] = b.second;
	}
	return r;
}

void *HostPlatform::Map(void *ctx, uint64_t pa, uint64_t size)
{
	return static_cast<HostPlatform *>(ctx)->mem_->Map(pa, size);
}

void HostPlatform::Report(void *ctx, const char *msg)
{
	auto *p = static_cast<HostPlatform *>(ctx);
	if (!p->quiet)
		std::fprintf(stderr, "report: %s\n", msg);
	std::lock_guard<std::mutex> g(p->mu_);
	p->reports_.push_back(msg);
}

std::vector<HostPlatform::Ipi> HostPlatform::Ipis()
{
	std::lock_guard<std::mutex> g(mu_);
	return ipis_;
}

void HostPlatform::ClearIpis()
{
	std::lock_guard<std::mutex> g(mu_);
	ipis_.clear();
}

std::vector<std::string> HostPlatform::Reports()
{
	std::lock_guard<std::mutex> g(mu_);
	return reports_;
}

} // namespace sdtest
