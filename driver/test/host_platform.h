// SPDX-License-Identifier: MIT
//
// struct sd_platform for the host: futex waits with real deadlines,
// per-thread "signals" for interruptible waits, IPIs routed to a handler,
// and physical memory as one shared buffer.

#ifndef SIDECAR_DRIVER_TEST_HOST_PLATFORM_H
#define SIDECAR_DRIVER_TEST_HOST_PLATFORM_H

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/driver/node.h"
#include "sidecar/driver/platform.h"

namespace sdtest
{

// A thread's pending signal: an interruptible wait of that thread returns
// -SD_EINTR (and clears it) once it is set. Raise() also wakes the thread
// if it is blocked; setting pending directly is for before the wait.
struct Signal {
	std::atomic<bool> pending{ false };
	void Raise();
};

// Sets the calling thread's signal (nullptr: none).
void SetThreadSignal(Signal *s);
Signal *ThreadSignal();

// Physical memory: [base, base + size) backed by one zeroed buffer.
class HostMemory {
    public:
	HostMemory(uint64_t base, size_t size);
	~HostMemory();
	HostMemory(const HostMemory &) = delete;
	HostMemory &operator=(const HostMemory &) = delete;

	// size bytes, page aligned; never freed before the memory is.
	uint64_t Alloc(size_t size);
	void *Map(uint64_t pa, uint64_t size) const;
	uint64_t base() const
	{
		return base_;
	}

    private:
	uint64_t base_;
	size_t size_;
	uint8_t *buf_;
	std::mutex mu_;
	size_t used_ = 0;
};

uint32_t FutexWait(const uint32_t *word, uint32_t seen, uint64_t deadline_ns);
void FutexWakeAll(const uint32_t *word);
uint64_t NowNs();

class HostPlatform {
    public:
	explicit HostPlatform(HostMemory *mem);
	~HostPlatform();
	HostPlatform(const HostPlatform &) = delete;
	HostPlatform &operator=(const HostPlatform &) = delete;

	// Lost wake-ups are hangs here (waits do not poll), so a watchdog
	// makes them fail fast: once a node is watched, a thread blocked on
	// one of its words while what it waits for has held for
	// kLostWakeupNs is reported, naming the VP and its states, and the
	// process aborts. Call after sd_node_attach.
	static constexpr uint64_t kLostWakeupNs = 2000000000ull;
	void Watch(const sd_node *n);
	// Ends the watchdog and forgets the nodes; before any watched node
	// goes away or is attached again.
	void StopWatchdog();

	const sd_platform *platform() const
	{
		return &plat_;
	}

	// APIC IDs are not VP numbers, to catch a missing mapping.
	static uint32_t ApicOf(uint32_t vp)
	{
		return 0x1000 + vp * 2;
	}
	static uint32_t VpOfApic(uint32_t apic)
	{
		return (apic - 0x1000) / 2;
	}

	// Called on every notify() (a completion), on the notifying thread;
	// notifies counts them.
	std::function<void()> on_notify;
	std::atomic<uint64_t> notifies{ 0 };

	// Called at the driver's race points, on the driver's thread.
	std::function<void(sd_race_point where, uint32_t vp)> on_race;
	// Called on every clock read while set (only for tests whose driver
	// calls come from one thread).
	std::function<void()> on_now;

	// Called for every IPI, on the sending thread.
	std::function<void(uint32_t apic, uint32_t vector)> on_ipi;

	struct Ipi {
		uint32_t apic, vector;
	};
	std::vector<Ipi> Ipis();
	void ClearIpis();
	// Turns the IPI log off (the stress runs send millions).
	bool log_ipis = true;

	// Non-zero: no wait sleeps longer than this, like a "hlt" loop that a
	// timer tick wakes; for sidecars that send no response IPI. Zero: a
	// wait blocks until wake(), its signal or its deadline, so a lost
	// wake-up is a hang that a test sees.
	std::atomic<uint64_t> tick_ns{ 0 };

	// Threads blocked in wait() now, on word (nullptr: on any word).
	uint32_t Blocked(const uint32_t *word = nullptr);
	// Threads that wake(word) found blocked on word, summed over every
	// call (nullptr: over every word).
	uint64_t Woken(const uint32_t *word = nullptr);
	// The words threads are blocked on, with how long the oldest has been.
	std::map<const uint32_t *, uint64_t> BlockedSince();

	std::vector<std::string> Reports();
	// Reports are also printed on stderr unless quiet.
	bool quiet = false;

	std::atomic<uint64_t> ipis_sent{ 0 };
	std::atomic<uint64_t> waits{ 0 };
	std::atomic<uint64_t> wakes{ 0 };

	// Every wait and wake of every HostPlatform goes through one lock and
	// one condition variable: a waiter checks its word under the lock, and
	// a waker takes the lock after changing the word, so no wake-up falls
	// between the check and the sleep (and a signal is just a wake-up).
	static std::mutex wait_mu;
	static std::condition_variable wait_cv;

    private:
	static uint32_t VpApicId(void *ctx, uint32_t vp);
	static void SendIpi(void *ctx, uint32_t apic, uint32_t vector);
	static uint64_t Now(void *ctx);
	static int Wait(void *ctx, const uint32_t *word, uint32_t seen,
			uint64_t deadline_ns, bool interruptible);
	static void Wake(void *ctx, const uint32_t *word);
	static void *Map(void *ctx, uint64_t pa, uint64_t size);
	static void Report(void *ctx, const char *msg);
	static void Race(void *ctx, sd_race_point where, uint32_t vp);
	static void Notify(void *ctx);

	sd_platform plat_{};
	HostMemory *mem_;
	std::mutex mu_;
	std::vector<Ipi> ipis_;
	std::vector<std::string> reports_;
	// Under wait_mu: per word, the start times of the blocked waits, and
	// the wake-ups counted.
	std::multimap<const uint32_t *, uint64_t> blocked_;
	std::map<const uint32_t *, uint64_t> woken_;

	void WatchdogLoop();
	// Under watch_mu_.
	std::mutex watch_mu_;
	std::condition_variable watch_cv_;
	std::vector<const sd_node *> watched_;
	bool watch_quit_ = false;
	std::thread watchdog_;
};

} // namespace sdtest

#endif
