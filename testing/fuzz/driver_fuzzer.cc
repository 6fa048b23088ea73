// SPDX-License-Identifier: MIT
//
// The driver's per-VP state machine (DESIGN.md section 5, node.h) under an
// arbitrary sequence of claim/run/start/release/stop/next_stopped/
// wait_stopped/poll/wait_ready/remove/open/close/interrupt calls on one
// node. The fuzzer plays the sidecar CPUs by hand (fake_node) and the
// platform: one thread, a virtual clock, and waits that "sleep" by playing
// the input until something wakes them, so every execution is deterministic
// and takes microseconds. At the driver's race points (plat->race) it plays
// the other parties that can step in there: the CPU finishing (or
// misbehaving), the interrupt handler, and other threads calling into the
// node (a reader taking or polling, a VP thread claiming and starting).
//
// Input: three header bytes (CPU count and whether plat->notify is set;
// base VP, including nodes whose VP numbers reach past INT32_MAX or wrap;
// response IPIs, cancel timeout and node index), then the calls, read from
// the front. What happens inside the driver's callbacks (how a CPU reacts to
// its request IPI; what a blocked wait sees: a CPU finishing or misbehaving,
// a tick, the deadline, a signal; who steps in at a race point) is read from
// the back, so mutating one does not shift the other.
//
// A reference model of every VP follows the calls and is checked at every
// callback and after every call: the return code, sd_vp_state() of every
// VP, the claim (live only from a successful claim to its run, start or
// release, and armed only if the command reached the CPU), each cpu_status
// write of the driver (only IDLE->RUN, RUN->STOP and IDLE->REMOVE, each
// where the call may make it, each followed at once by the request IPI; a
// STOP only ever on the command it was meant for), every report (an
// unexpected cpu_status is reported, by a scan once per start, and never
// accepted), waits (only while what the call waits for has not happened,
// with the call's deadline, on the word of its VP or, for the readers, of
// the node, and never a bump of that word without wake()), the interrupt
// handler (acknowledges, then wakes exactly the waiters of the CPUs that
// are not busy and the readers if a started VP is among them, with notify;
// nothing else), scans (a VP is marked stopped only when started and idle,
// every such VP before the caller decides, counted only after the race
// point, so neither a take nor poll sees it before), poll (ready exactly
// when a counted stopped VP is there), notify (a poll-style sleeper is told
// once a started VP stopped and the attention was taken), handles (one per
// VP), removal (final once the CPU answered; retried after a timeout), and
// the ledger of started commands (each handed to a reader exactly once,
// after its CPU published the result).
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fake_node.h"
#include "host_platform.h"
#include "sidecar/driver/errno.h"
#include "sidecar/driver/node.h"

namespace
{

using sdtest::FakeNode;
using sdtest::HostMemory;

constexpr uint32_t kMaxCpus = 8;
constexpr uint64_t kMemBase = 0x100000000ull;
constexpr size_t kMemSize = sizeof(sidecar_control_page) +
			    kMaxCpus * sizeof(sidecar_vp_shared_pages);
constexpr uint64_t kClockStart = 1000000000ull;
// The CPU's "result" of a command: its token with this mark.
constexpr uint64_t kResultMark = 0xc0ffee0000000000ull;
// More waits than this in one call: the driver spins.
constexpr unsigned kMaxWaitsPerCall = 4096;
// A taking call may hand out any stopped VP.
constexpr int kTakeAny = -2;

constexpr uint8_t kRemoved = SIDECAR_CPU_STATUS_REMOVED;
constexpr uint8_t kIdle = SIDECAR_CPU_STATUS_IDLE;
constexpr uint8_t kRunSt = SIDECAR_CPU_STATUS_RUN;
constexpr uint8_t kStopSt = SIDECAR_CPU_STATUS_STOP;
constexpr uint8_t kRemoveSt = SIDECAR_CPU_STATUS_REMOVE;

const uint64_t kTimeouts[4] = { 0, 1, 1000, 1000000 };
const uint64_t kCancelTimeouts[4] = { 1, 50, 1000, 1000000 };
const uint64_t kTicks[4] = { 1, 10, 100, 1000 };
// The node's last VP, for the edge cases: the largest int, one more, the
// largest u32, and one that wraps.
const uint64_t kLastVps[4] = { 0x7fffffff, 0x80000000, 0xffffffff,
			       0x100000000 };
// What a misbehaving CPU writes: each legal status at the wrong time, and
// values that are never legal.
const uint8_t kOddStatus[8] = { kRemoved,  kIdle, kRunSt, kStopSt,
				kRemoveSt, 5,	  0x80,	  0xff };

enum Call {
	kNoCall,
	kClaim,
	kRun,
	kStart,
	kRelease,
	kStop,
	kNextStopped,
	kWaitStopped,
	kPoll,
	kWaitReady,
	kRemove,
	kInterrupt,
	kOpen,
	kClose,
};

// The transition table that node.c and the Promela model follow: every
// move of a VP word the fuzzer sees must be a line of it, and a run long
// enough (kTableRuns executions) must see every line.
struct Transition {
	uint8_t from, to;
	const char *text;
};
const Transition kTable[] = {
#define SD_VP_TRANSITION(f, t, by) \
	{ SD_VP_##f, SD_VP_##t, #f " -> " #t " (" #by ")" },
#include "sidecar/driver/vp_transitions.def"
#undef SD_VP_TRANSITION
};
constexpr size_t kTableSize = sizeof(kTable) / sizeof(kTable[0]);
constexpr uint64_t kTableRuns = 100000;
bool table_seen[kTableSize];
uint64_t executions;

int TableIndex(uint8_t from, uint8_t to)
{
	for (size_t i = 0; i < kTableSize; i++)
		if (kTable[i].from == from && kTable[i].to == to)
			return (int)i;
	return -1;
}

// At exit of a long run: a line of the table that the code never takes is
// a table (or a model) that says more than the code does.
void CheckTableCovered()
{
	if (executions < kTableRuns)
		return;
	bool all = true;
	for (size_t i = 0; i < kTableSize; i++) {
		if (table_seen[i])
			continue;
		fprintf(stderr,
			"driver_fuzzer: transition %s of vp_transitions.def "
			"never seen in %llu executions\n",
			kTable[i].text, (unsigned long long)executions);
		all = false;
	}
	if (!all)
		_exit(1);
}

const char *const kCallNames[] = {
	"-",	  "claim",	  "run",	  "start", "release",
	"stop",	  "next_stopped", "wait_stopped", "poll",  "wait_ready",
	"remove", "interrupt",	  "open",	  "close",
};

// Where the call under test must be, as far as the model can tell.
enum Phase {
	kQuiet, // must not write a cpu_status, kick or wait
	kArm, // must write IDLE -> arm_to on idx (run, remove: and kick it)
	kStartArmed, // start: CPU armed, the START_ARMED race point is due
	kStartKick, // start: the VP is ASYNC, the request IPI is due
	kRunning, // run: may wait while the CPU is RUN or STOP
	kCancel, // run gave up: RUN -> STOP, then may wait while STOP
	kStopMarked, // stop: VP STOP_PENDING, the STOP_MARKED race point is due
	kStopping, // stop: must write RUN -> STOP and kick
	kRemoveKick, // remove retry: must kick the CPU again, nothing written
	kRemoving, // remove: may wait while the CPU is REMOVE
	kTaking, // poll/next_stopped/wait_stopped/wait_ready: decided at the end
	kReturn, // nothing left but to return want_ret
};

// Wait actions (low 3 bits of a byte from the back); exhausted input
// lets every deadline pass, so every call ends.
enum WaitAction {
	kWaitComplete, // the CPU waited for finishes its command
	kWaitCompleteAny, // some CPU finishes its command
	kWaitMisbehave, // the CPU waited for writes an odd status
	kWaitAttention, // attention (and IPI) with nothing new
	kWaitTick, // a timer tick: the wait returns
	kWaitExpire, // the deadline passes
	kWaitSignal, // a signal for the thread
	kWaitExpire2,
};

// What other threads do at a race point (a byte from the back).
enum RaceOther {
	kRaceInterrupt = 1, // the interrupt handler runs (thread context)
	kRacePoll = 2, // a reader polls
	kRaceNext = 4, // a reader takes any stopped VP (timeout 0)
	kRaceWaitVp = 8, // the VP's thread takes it (timeout 0)
	kRaceStart = 0x10, // the VP's thread claims and starts it again
	kRaceOpen = 0x20, // the VP's handle is opened or closed
	kRaceCpuLast = 0x40, // the threads act before the CPU does
};

// DRIVER_FUZZER_TRACE=1: every call, callback action and result on stderr,
// to read what an input does.
const bool kTrace = getenv("DRIVER_FUZZER_TRACE") != nullptr;

#define TRACE(...)                                    \
	do {                                          \
		if (kTrace)                           \
			fprintf(stderr, __VA_ARGS__); \
	} while (0)

std::string StatusName(uint8_t s)
{
	static const char *const names[] = { "REMOVED", "IDLE", "RUN", "STOP",
					     "REMOVE" };
	if (s < 5)
		return names[s];
	return "unknown value " + std::to_string(s);
}

// A CPU busy with a command or a removal: its waiter is not done.
bool Busy(uint8_t s)
{
	return s == kRunSt || s == kStopSt || s == kRemoveSt;
}

// One driver call in progress. Calls made at a race point (by the other
// threads the fuzzer plays) nest: each has its own.
struct CallState {
	Call call = kNoCall;
	Phase phase = kQuiet;
	int idx = -1;
	int transient = -1, transient2 = -1; // states idx may show inside
	uint8_t arm_to = 0;
	bool stop_due = false;
	bool eintr = false;
	bool nowait = false; // poll, next_stopped(0): never waits
	bool armed = false; // the call set its CPU to RUN or REMOVE
	int r0 = 0;
	int want_ret = 0;
	uint64_t deadline = 0, cancel_deadline = 0;
	uint64_t stop_cmd = 0; // the command a stop is for
	unsigned waits = 0;
	// VP indices this call's scans must mark stopped / report before it
	// decides.
	uint32_t need_mark = 0, need_report = 0;
	std::vector<std::string> want_reports, got_reports;
};

class Fuzz {
    public:
	Fuzz(const uint8_t *data, size_t size)
	    : data_(data)
	    , back_(size)
	{
	}

	void Run();

    private:
	// --- input ------------------------------------------------------
	uint8_t Front()
	{
		return front_ < back_ ? data_[front_++] : 0;
	}
	uint8_t Back(uint8_t dflt)
	{
		return back_ > front_ ? data_[--back_] : dflt;
	}

	[[noreturn]] void Failf(const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	void Check(bool ok, const char *what)
	{
		if (!ok)
			Failf("%s", what);
	}

	uint8_t Status(uint32_t k) const
	{
		return fn_->Status(k);
	}
	int IdxOf(uint32_t vp) const
	{
		return vp >= base_ && vp - base_ < count_ ? (int)(vp - base_) :
							    -1;
	}
	uint32_t DecodeVp(uint8_t b) const;
	// Scans look at these: a started VP whose command is the readers'.
	bool Started(uint32_t k) const
	{
		return model_[k] == SD_VP_ASYNC ||
		       model_[k] == SD_VP_ASYNC_STOPPING;
	}
	int Available() const;
	bool KnownWord(const uint32_t *word) const
	{
		if (word == &node_.wake_seq)
			return true;
		for (uint32_t k = 0; k < count_; k++)
			if (word == &slots_[k].wake_seq)
				return true;
		return false;
	}
	std::string WordName(const uint32_t *word) const;

	// --- platform ---------------------------------------------------
	static Fuzz *Self(void *ctx)
	{
		return static_cast<Fuzz *>(ctx);
	}
	// A bijection, unlike HostPlatform::ApicOf, for every u32 VP number.
	static uint32_t ApicOf(uint32_t vp)
	{
		return vp ^ 0x5a5a0000u;
	}
	static uint32_t CbApic(void *, uint32_t vp)
	{
		return ApicOf(vp);
	}
	static void CbSendIpi(void *ctx, uint32_t apic, uint32_t vector);
	static uint64_t CbNow(void *ctx);
	static int CbWait(void *ctx, const uint32_t *word, uint32_t seen,
			  uint64_t deadline_ns, bool interruptible);
	static void CbWake(void *ctx, const uint32_t *word);
	static void *CbMap(void *ctx, uint64_t pa, uint64_t size)
	{
		return Self(ctx)->mem_->Map(pa, size);
	}
	static void CbReport(void *ctx, const char *msg);
	static void CbNotify(void *ctx);
	static void CbRace(void *ctx, enum sd_race_point where, uint32_t vp);

	void DriverCallback(bool kick);
	void Observe();
	// Every move of a VP word since the last look: in the table.
	void SeeStates();
	uint8_t seen_state_[kMaxCpus];
	void OnWrite(uint32_t k, uint8_t from, uint8_t to);
	void OnKick(uint32_t k);
	int Wait(const uint32_t *word, uint32_t seen, uint64_t deadline,
		 bool interruptible);
	int Sleep(const uint32_t *word, uint32_t seen, uint64_t deadline,
		  bool interruptible);
	void CheckWait(uint64_t deadline, bool interruptible);
	void CheckStatesInCall();
	bool ScanReport(const char *msg);

	// --- race points ------------------------------------------------
	void Race(enum sd_race_point where, uint32_t vp);
	void Act(enum sd_race_point where, uint32_t k);
	void CpuAct(uint32_t k, uint8_t r);
	void OthersAct(uint32_t k, uint8_t r);

	// --- the sidecar CPUs -------------------------------------------
	uint32_t Target(uint8_t pick) const;
	void Publish(uint32_t k, uint8_t status, bool ipi);
	void Complete(uint32_t k, bool ipi);
	void Misbehave(uint32_t k, uint8_t status, bool ipi);
	void Attention(bool ipi);
	void Handler();

	// --- the model --------------------------------------------------
	void Begin(Call c, int idx);
	void Return(int r)
	{
		c_.phase = kReturn;
		c_.want_ret = r;
	}
	void WantReport(uint32_t k, const std::string &what);
	void WantStatusReport(uint32_t k, uint8_t s, const char *when)
	{
		WantReport(k, "unexpected cpu_status " + StatusName(s) + " " +
				      when);
	}
	int Refuse(uint32_t k, const char *when);
	void Plan();
	void CheckNeeds(const char *when);
	bool TakeOutcome(int *ret, int *take);
	void Advance();
	void StopDecide(uint32_t k);
	void End(int ret);
	void CheckReports();
	void CheckAllStates();
	void CheckSleeper();
	void Handout(uint32_t k);
	void WriteToken(uint32_t k);

	// --- calls ------------------------------------------------------
	void Step();
	int DoClaim(uint32_t vp, sd_claim *c);
	int DoRunClaim(sd_claim *c, bool live, uint64_t timeout);
	int DoStartClaim(sd_claim *c, bool live);
	void DoRelease(sd_claim *c, bool live);
	void DoRun(uint32_t vp, uint64_t timeout);
	void DoStart(uint32_t vp);
	void HoldClaim(uint32_t vp);
	void UseClaim(uint32_t vp, uint8_t op, uint64_t timeout);
	int DoStop(uint32_t vp);
	int DoNextStopped(uint64_t timeout);
	int DoWaitStopped(uint32_t vp, uint64_t timeout);
	void DoPoll();
	void DoWaitReady(uint64_t timeout);
	void DoRemove(uint32_t vp, uint64_t timeout);
	void DoOpen(uint32_t vp);
	void DoClose(uint32_t vp);
	void DoInterrupt();
	void Drain();

	const uint8_t *data_;
	size_t front_ = 0, back_;
	unsigned step_ = 0;

	std::unique_ptr<HostMemory> mem_;
	std::unique_ptr<FakeNode> fn_;
	sd_platform plat_{};
	sd_node node_{};
	sd_vp_slot slots_[kMaxCpus];
	uint32_t base_ = 0, count_ = 0, response_vector_ = 0;
	uint64_t cancel_timeout_ = 0;
	bool attached_ = false;
	bool notify_on_ = false;

	uint64_t clock_ = kClockStart;
	bool signal_ = false; // pending for the (only) waiting thread
	int actor_depth_ = 0; // inside a sidecar CPU's action
	bool in_handler_ = false; // inside sd_node_interrupt
	bool acting_ = false; // playing the other parties at a race point
	int depth_ = 0; // calls made at a race point, inside another call
	uint8_t shadow_[kMaxCpus]; // cpu_status as last seen
	int unkicked_ = -1; // CPU whose status the driver wrote, no IPI yet
	uint64_t reports_total_ = 0;
	uint64_t notifies_ = 0;
	const uint32_t *sleep_word_ = nullptr; // what the thread sleeps on
	bool sleep_woke_ = false; // wake() on it during the sleep

	// Model, per VP index.
	uint8_t model_[kMaxCpus];
	bool scan_reported_[kMaxCpus] = {}; // this start's odd status
	bool outstanding_[kMaxCpus] = {}; // started, not yet handed out
	bool executed_[kMaxCpus] = {}; // the CPU ran the page's command
	bool open_[kMaxCpus] = {}; // a handle is open
	uint64_t token_[kMaxCpus] = {}; // the command on the page
	uint64_t cmd_[kMaxCpus] = {}; // the command the CPU was armed with
	uint64_t next_token_ = 1;
	uint64_t started_ = 0, handed_ = 0;
	// Claims the fuzzer holds across calls, and consumed copies of them.
	bool held_[kMaxCpus] = {}, has_stale_[kMaxCpus] = {};
	sd_claim held_claim_[kMaxCpus] = {}, stale_claim_[kMaxCpus] = {};
	// VPs marked stopped whose scan has not counted them yet.
	int pending_ = 0;
	// VP indices some call in progress must see marked / reported.
	uint32_t due_mark_ = 0, due_report_ = 0;
	// A poll said "not ready" and no notify() came since.
	bool sleeper_ = false;

	CallState c_;
};

void Fuzz::Failf(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr,
		"driver_fuzzer: invariant violated at step %u (%s, vp index "
		"%d, phase %d, depth %d, clock %llu): ",
		step_, kCallNames[c_.call], c_.idx, (int)c_.phase, depth_,
		(unsigned long long)clock_);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

// Mostly VPs of the node; also the ones just outside it and far away.
uint32_t Fuzz::DecodeVp(uint8_t b) const
{
	uint32_t x = b % (count_ + 3);

	if (x == 0)
		return base_ - 1;
	if (x <= count_)
		return base_ + x - 1;
	if (x == count_ + 1)
		return base_ + count_;
	return (b & 0x80) ? UINT32_MAX : 0;
}

// Stopped VPs a taker may have: those marked, less those whose scan has
// not counted them yet.
int Fuzz::Available() const
{
	int n = 0;

	for (uint32_t k = 0; k < count_; k++)
		if (model_[k] == SD_VP_ASYNC_STOPPED)
			n++;
	return n - pending_;
}

std::string Fuzz::WordName(const uint32_t *word) const
{
	if (word == &node_.wake_seq)
		return "the node's wake_seq";
	for (uint32_t k = 0; k < count_; k++)
		if (word == &node_.vp[k].wake_seq)
			return "vp index " + std::to_string(k) + "'s wake_seq";
	return "an unknown word";
}

// --- platform ---------------------------------------------------------------

uint64_t Fuzz::CbNow(void *ctx)
{
	Fuzz *f = Self(ctx);

	f->DriverCallback(false);
	return f->clock_;
}

void Fuzz::CbWake(void *ctx, const uint32_t *word)
{
	Fuzz *f = Self(ctx);

	if (!f->KnownWord(word))
		f->Failf("wake on something else than a wake_seq");
	if (word == f->sleep_word_)
		f->sleep_woke_ = true;
}

void Fuzz::CbNotify(void *ctx)
{
	Fuzz *f = Self(ctx);

	f->Check(f->notify_on_, "notify() called though not set");
	f->Check(f->attached_, "notify() before attach");
	f->notifies_++;
	f->sleeper_ = false;
}

void Fuzz::CbRace(void *ctx, enum sd_race_point where, uint32_t vp)
{
	Self(ctx)->Race(where, vp);
}

void Fuzz::CbReport(void *ctx, const char *msg)
{
	Fuzz *f = Self(ctx);

	f->Check(!f->in_handler_, "the interrupt handler reported");
	if (f->attached_)
		f->DriverCallback(false);
	f->reports_total_++;
	if (!f->attached_ || !f->ScanReport(msg))
		f->c_.got_reports.push_back(msg);
}

void Fuzz::CbSendIpi(void *ctx, uint32_t apic, uint32_t vector)
{
	Fuzz *f = Self(ctx);

	if (f->actor_depth_) {
		// A sidecar CPU's response IPI: run the handler.
		if (apic != ApicOf(f->base_) || vector != f->response_vector_)
			f->Failf("response IPI to %#x vector %u", apic, vector);
		f->Handler();
		return;
	}
	f->Check(!f->in_handler_, "the interrupt handler sent an IPI");
	f->DriverCallback(true);
	uint32_t vp = ApicOf(apic);
	int k = f->IdxOf(vp);
	if (k < 0 || vector != f->node_.request_vector)
		f->Failf("request IPI to apic %#x vector %u", apic, vector);
	if (f->c_.phase == kRemoveKick && k == f->c_.idx && f->unkicked_ < 0) {
		// A retried remove tells the CPU again; nothing is written.
		f->c_.phase = kRemoving;
	} else {
		if (k != f->unkicked_)
			f->Failf("request IPI to vp index %d whose cpu_status "
				 "it did not just write",
				 k);
		f->unkicked_ = -1;
		if (f->c_.phase == kStartKick && k == f->c_.idx)
			f->Return(0);
	}
	f->OnKick((uint32_t)k);
}

int Fuzz::CbWait(void *ctx, const uint32_t *word, uint32_t seen,
		 uint64_t deadline_ns, bool interruptible)
{
	return Self(ctx)->Wait(word, seen, deadline_ns, interruptible);
}

// Every callback of a driver call: see what it wrote since the last one.
void Fuzz::DriverCallback(bool kick)
{
	Check(c_.call != kNoCall, "a platform callback outside any call");
	Check(!actor_depth_, "a driver callback from inside a sidecar action");
	Observe();
	SeeStates();
	if (unkicked_ >= 0 && !kick)
		Failf("cpu_status[%d] written without the request IPI right "
		      "after",
		      unkicked_);
	CheckStatesInCall();
}

// A cpu_status that differs from what the fuzzer last saw or wrote was
// written by the driver.
void Fuzz::SeeStates()
{
	for (uint32_t k = 0; k < count_; k++) {
		uint8_t st = (uint8_t)(__atomic_load_n(&slots_[k].word,
						       __ATOMIC_SEQ_CST) &
				       0xff);

		if (st == seen_state_[k])
			continue;
		int i = TableIndex(seen_state_[k], st);
		if (i < 0)
			Failf("vp index %u moved %d -> %d, which "
			      "vp_transitions.def does not have",
			      k, seen_state_[k], st);
		table_seen[i] = true;
		seen_state_[k] = st;
	}
}

void Fuzz::Observe()
{
	for (uint32_t k = 0; k < count_; k++) {
		uint8_t s = Status(k);

		if (s == shadow_[k])
			continue;
		if (unkicked_ >= 0)
			Failf("cpu_status[%d] and [%u] written without an IPI "
			      "between",
			      unkicked_, k);
		OnWrite(k, shadow_[k], s);
		shadow_[k] = s;
		unkicked_ = (int)k;
	}
}

void Fuzz::OnWrite(uint32_t k, uint8_t from, uint8_t to)
{
	bool ok = false;

	switch (c_.phase) {
	case kArm:
		ok = (int)k == c_.idx && from == kIdle && to == c_.arm_to;
		if (!ok)
			break;
		c_.armed = true;
		executed_[k] = false;
		cmd_[k] = token_[k];
		if (c_.call == kRun)
			c_.phase = kRunning;
		else if (c_.call == kRemove)
			c_.phase = kRemoving;
		else
			c_.phase = kStartArmed;
		break;
	case kCancel:
		ok = c_.stop_due && (int)k == c_.idx && from == kRunSt &&
		     to == kStopSt;
		c_.stop_due = false;
		break;
	case kStopping:
		ok = (int)k == c_.idx && from == kRunSt && to == kStopSt;
		if (ok && cmd_[k] != c_.stop_cmd)
			Failf("STOP landed on command %llu of vp index %u, a "
			      "later one than the started command %llu",
			      (unsigned long long)cmd_[k], k,
			      (unsigned long long)c_.stop_cmd);
		Return(0);
		break;
	default:
		break;
	}
	if (!ok)
		Failf("driver changed cpu_status[%u] %s -> %s where no such "
		      "transition is allowed",
		      k, StatusName(from).c_str(), StatusName(to).c_str());
}

// The CPU may wake at once and act before the driver goes on.
void Fuzz::OnKick(uint32_t k)
{
	uint8_t r = Back(0);
	bool ipi = !(r & 0x80);

	TRACE("  kick vp index %u (%s): reaction %d\n", k,
	      StatusName(Status(k)).c_str(), r & 3);
	if ((r & 3) == 2)
		Complete(k, ipi);
	else if ((r & 3) == 3)
		Misbehave(k, kOddStatus[(r >> 3) & 7], ipi);
	Advance();
}

int Fuzz::Wait(const uint32_t *word, uint32_t seen, uint64_t deadline,
	       bool interruptible)
{
	int r;

	Check(!in_handler_, "the interrupt handler waits");
	DriverCallback(false);
	Check(depth_ == 0, "a call with timeout 0 made at a race point waits");
	// A VP's waiter waits on the VP's slot, the readers on the node.
	const uint32_t *want = nullptr;
	if (c_.call == kNextStopped || c_.call == kWaitReady)
		want = &node_.wake_seq;
	else if (c_.idx >= 0)
		want = &node_.vp[c_.idx].wake_seq;
	if (word != want)
		Failf("waits on %s", WordName(word).c_str());
	// The handler walks the waitmap when no VP is started: a VP's waiter
	// it does not flag would sleep through its CPU's answer.
	if (want != &node_.wake_seq &&
	    !((node_.waitmap[c_.idx / 64] >> (c_.idx % 64)) & 1))
		Failf("waits on vp index %d, which the waitmap does not flag",
		      c_.idx);
	if (++c_.waits > kMaxWaitsPerCall)
		Failf("more than %u waits in one call: the driver spins",
		      kMaxWaitsPerCall);
	CheckWait(deadline, interruptible);
	if (interruptible && signal_) {
		// Like the host platform: a pending signal ends it at once.
		signal_ = false;
		c_.eintr = true;
		r = -SD_EINTR;
	} else if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != seen) {
		r = 0; // a futex would not sleep
	} else {
		r = Sleep(word, seen, deadline, interruptible);
	}
	// Each wait but an interrupted one is followed by a look at the
	// condition, and for the takers that is a scan.
	if (c_.phase == kTaking && !c_.eintr)
		Plan();
	Advance();
	return r;
}

// The thread sleeps, like on a futex or in "sti; hlt": until wake() on its
// word (a response IPI ran the handler), a timer tick, the deadline or a
// signal. The input says what happens meanwhile; a CPU that finishes
// without an IPI wakes nobody.
int Fuzz::Sleep(const uint32_t *word, uint32_t seen, uint64_t deadline,
		bool interruptible)
{
	int r;

	sleep_word_ = word;
	sleep_woke_ = false;
	for (;;) {
		uint8_t w = Back(kWaitExpire);
		uint8_t arg = (w >> 3) & 7;
		bool ipi = !(w & 0x80);

		TRACE("  wait until %llu at %llu: action %d arg %d ipi %d\n",
		      (unsigned long long)deadline, (unsigned long long)clock_,
		      w & 7, arg, ipi);
		switch (w & 7) {
		case kWaitComplete:
			Complete(Target(arg), ipi);
			break;
		case kWaitCompleteAny:
			Complete(arg % count_, ipi);
			break;
		case kWaitMisbehave:
			Misbehave(Target(0), kOddStatus[arg], ipi);
			break;
		case kWaitAttention:
			Attention(ipi);
			break;
		case kWaitTick:
			clock_ += kTicks[arg & 3];
			r = clock_ >= deadline ? -SD_ETIMEDOUT : 0;
			goto out;
		case kWaitSignal:
			if (interruptible) {
				c_.eintr = true;
				r = -SD_EINTR;
				goto out;
			}
			signal_ = true; // for the next interruptible wait
			continue;
		default:
			if (clock_ < deadline)
				clock_ = deadline;
			r = -SD_ETIMEDOUT;
			goto out;
		}
		// The handler checks whom it woke; a sleeper needs wake().
		bool moved = __atomic_load_n(word, __ATOMIC_SEQ_CST) != seen;
		if (moved && !sleep_woke_)
			Failf("%s moved under a sleeping waiter without wake(): "
			      "a lost wake-up",
			      WordName(word).c_str());
		if (moved) {
			r = 0;
			break;
		}
	}
out:
	sleep_word_ = nullptr;
	return r;
}

void Fuzz::CheckWait(uint64_t deadline, bool interruptible)
{
	bool ok;
	uint64_t want = c_.deadline;
	int ret, take;

	switch (c_.phase) {
	case kRunning:
		ok = interruptible;
		break;
	case kTaking:
		ok = interruptible && !c_.nowait;
		CheckNeeds("waits");
		if (TakeOutcome(&ret, &take))
			Failf("waits where it must return %d (%s)", ret,
			      sd_strerror(ret));
		break;
	case kCancel:
		ok = !c_.stop_due && !interruptible;
		want = c_.cancel_deadline;
		break;
	case kRemoving:
		ok = !interruptible;
		break;
	default:
		Failf("waits (interruptible %d) where the call has nothing to "
		      "wait for",
		      interruptible);
	}
	if (!ok)
		Failf("waits %sinterruptibly in phase %d",
		      interruptible ? "" : "un", (int)c_.phase);
	if (deadline != want || clock_ >= want)
		Failf("waits until %llu at %llu; the deadline is %llu",
		      (unsigned long long)deadline, (unsigned long long)clock_,
		      (unsigned long long)want);
}

// Inside a call, every VP is where the model has it; the call's own VP may
// also show the states the call moves it through.
void Fuzz::CheckStatesInCall()
{
	for (uint32_t k = 0; k < count_; k++) {
		int st = sd_vp_state(&node_, base_ + k);

		if (st == model_[k])
			continue;
		if ((int)k == c_.idx &&
		    (st == c_.transient || st == c_.transient2))
			continue;
		Failf("vp index %u is in state %d inside the call; model %d", k,
		      st, model_[k]);
	}
}

// A scan's report of a started VP's odd status: once per start, and only
// while it is started and its CPU shows that status. It may come from any
// scanning call, so it is not one call's report.
bool Fuzz::ScanReport(const char *msg)
{
	for (uint32_t k = 0; k < count_; k++) {
		std::string want = "sidecar node " +
				   std::to_string(node_.index) + ": vp " +
				   std::to_string(base_ + k) +
				   ": unexpected cpu_status " +
				   StatusName(Status(k)) + " while started";

		if (want != msg)
			continue;
		if (!Started(k) || Status(k) == kIdle || Status(k) == kRunSt ||
		    Status(k) == kStopSt || scan_reported_[k])
			Failf("scan reported \"%s\" (model state %d, reported "
			      "before %d)",
			      msg, model_[k], scan_reported_[k]);
		scan_reported_[k] = true;
		due_report_ &= ~(1u << k);
		return true;
	}
	return false;
}

// --- race points ------------------------------------------------------------

// The driver tells where another party's step can change the outcome: the
// model moves the VP as the point says, after the others have acted there.
void Fuzz::Race(enum sd_race_point where, uint32_t vp)
{
	// A second remover is another thread: the node race test covers it.
	if (where == SD_RACE_REMOVE_CLAIMED) {
		SeeStates();
		return;
	}
	Check(c_.call != kNoCall, "a race point outside any call");
	Check(!actor_depth_ && !in_handler_,
	      "a race point inside a sidecar action or the handler");
	Observe();
	SeeStates();
	int k = IdxOf(vp);
	if (k < 0)
		Failf("race point %d for vp %u outside the node", (int)where,
		      vp);
	TRACE("  race point %d vp index %d\n", (int)where, k);
	switch (where) {
	case SD_RACE_START_ARMED:
		if (c_.call != kStart || c_.phase != kStartArmed ||
		    k != c_.idx || unkicked_ != k)
			Failf("START_ARMED for vp index %d where the start has "
			      "not just armed it",
			      k);
		CheckStatesInCall();
		Act(where, (uint32_t)k);
		// From here the VP is started: its command is the readers'.
		model_[k] = SD_VP_ASYNC;
		scan_reported_[k] = false;
		outstanding_[k] = true;
		started_++;
		c_.phase = kStartKick;
		break;
	case SD_RACE_STOP_MARKED:
		if (c_.call != kStop || c_.phase != kStopMarked ||
		    k != c_.idx || unkicked_ >= 0)
			Failf("STOP_MARKED for vp index %d where no stop of it "
			      "is due",
			      k);
		CheckStatesInCall();
		Act(where, (uint32_t)k);
		StopDecide((uint32_t)k);
		// Once the CPU is told, the stop moves it on.
		c_.transient = SD_VP_ASYNC_STOPPING;
		break;
	case SD_RACE_SCAN_MARKED:
		if (unkicked_ >= 0)
			Failf("a scan with cpu_status[%d] written and no IPI",
			      unkicked_);
		if (c_.call != kPoll && c_.call != kNextStopped &&
		    c_.call != kWaitStopped && c_.call != kWaitReady)
			Failf("a scan marked vp index %d inside %s", k,
			      kCallNames[c_.call]);
		if (!Started((uint32_t)k) || Status((uint32_t)k) != kIdle)
			Failf("a scan marked vp index %d stopped in model "
			      "state %d, cpu_status %s",
			      k, model_[k], StatusName(Status(k)).c_str());
		model_[k] = SD_VP_ASYNC_STOPPED;
		pending_++;
		due_mark_ &= ~(1u << k);
		CheckStatesInCall();
		Act(where, (uint32_t)k);
		// The scan counts it now.
		pending_--;
		break;
	default:
		Failf("unknown race point %d", (int)where);
	}
}

// The other parties step in, as the back of the input says: the CPU of the
// VP (not at a scan, which only looks), the interrupt handler, a reader, and
// the VP's own thread. One level deep: calls made here hit race points of
// their own, where nobody steps in.
void Fuzz::Act(enum sd_race_point where, uint32_t k)
{
	if (acting_)
		return;
	uint8_t cpu = where == SD_RACE_SCAN_MARKED ? 0 : Back(0);
	uint8_t others = Back(0);
	if (!cpu && !others)
		return;
	TRACE("  race actions: cpu %#x others %#x\n", cpu, others);
	CallState outer = std::move(c_);
	int unkicked = unkicked_;

	c_ = CallState();
	unkicked_ = -1;
	acting_ = true;
	depth_++;
	if (others & kRaceCpuLast)
		OthersAct(k, others);
	CpuAct(k, cpu);
	if (!(others & kRaceCpuLast))
		OthersAct(k, others);
	depth_--;
	acting_ = false;
	unkicked_ = unkicked;
	c_ = std::move(outer);
}

void Fuzz::CpuAct(uint32_t k, uint8_t r)
{
	bool ipi = !(r & 0x80);

	switch (r & 3) {
	case 1:
	case 2:
		Complete(k, ipi);
		break;
	case 3:
		Misbehave(k, kOddStatus[(r >> 2) & 7], ipi);
		break;
	default:
		break;
	}
}

void Fuzz::OthersAct(uint32_t k, uint8_t r)
{
	uint32_t vp = base_ + k;
	bool handed = false;

	if (r & kRaceInterrupt)
		DoInterrupt();
	if (r & kRacePoll)
		DoPoll();
	if (r & kRaceNext)
		handed |= DoNextStopped(0) == (int)vp;
	if (r & kRaceWaitVp)
		handed |= DoWaitStopped(vp, 0) == 0;
	// A VP that was handed out is its thread's again: it starts the next
	// command at once.
	if ((r & kRaceStart) || handed) {
		sd_claim c;

		if (DoClaim(vp, &c) == 0)
			DoStartClaim(&c, true);
	}
	if (r & kRaceOpen) {
		if (open_[k])
			DoClose(vp);
		else
			DoOpen(vp);
	}
}

// --- the sidecar CPUs -----------------------------------------------------

// The CPU a wait is about: the call's, else a started one.
uint32_t Fuzz::Target(uint8_t pick) const
{
	uint32_t started[kMaxCpus], n = 0;

	if (c_.idx > 0)
		return (uint32_t)c_.idx;
	for (uint32_t k = 0; k < count_; k++)
		if (Started(k))
			started[n++] = k;
	return n ? started[pick % n] : pick % count_;
}

// What a CPU does when done: status (release), attention, response IPI.
void Fuzz::Publish(uint32_t k, uint8_t status, bool ipi)
{
	TRACE("  cpu %u: %s -> %s%s\n", k, StatusName(Status(k)).c_str(),
	      StatusName(status).c_str(), ipi ? " + IPI" : "");
	actor_depth_++;
	shadow_[k] = status;
	if (ipi) {
		fn_->Finish(k, status, &plat_);
	} else {
		sidecar_cpu_status_store(fn_->cp, k, status);
		sidecar_needs_attention_store(fn_->cp, 1);
	}
	actor_depth_--;
}

// The protocol's next step for the CPU: a command ends in IDLE with its
// result on the page, a removal in REMOVED.
void Fuzz::Complete(uint32_t k, bool ipi)
{
	uint8_t s = Status(k);
	sidecar_command_page &page = fn_->Page(k);

	switch (s) {
	case kRunSt:
	case kStopSt:
		fn_->TakeCommand(k);
		page.request_data[0].high = page.request_data[0].low ^
					    kResultMark;
		executed_[k] = true;
		Publish(k, kIdle, ipi);
		break;
	case kRemoveSt:
		Publish(k, kRemoved, ipi);
		break;
	case kIdle:
	case kRemoved:
		Attention(ipi); // nothing to finish
		break;
	default:
		executed_[k] = false; // a broken CPU comes back
		Publish(k, kIdle, ipi);
		break;
	}
}

void Fuzz::Misbehave(uint32_t k, uint8_t status, bool ipi)
{
	executed_[k] = false;
	Publish(k, status, ipi);
}

void Fuzz::Attention(bool ipi)
{
	actor_depth_++;
	sidecar_needs_attention_store(fn_->cp, 1);
	if (ipi && response_vector_)
		plat_.send_ipi(plat_.ctx,
			       sidecar_control_load32(&fn_->cp->response_cpu),
			       response_vector_);
	actor_depth_--;
}

// The response IPI handler: it acknowledges needs_attention and wakes the
// waiter of every CPU that is not busy and whose VP someone may wait on,
// and no other: while a VP is started (n_started), every VP not AVAIL or
// ASYNC_STOPPED (node.c's watched()); otherwise the VPs flagged in the
// waitmap. It wakes the readers and tells notify() exactly when a started
// VP is among them; no VP state, cpu_status, report or IPI may come of it.
void Fuzz::Handler()
{
	uint32_t words[kMaxCpus], seqs[kMaxCpus];
	uint8_t status[kMaxCpus];
	uint64_t reports = reports_total_, notifies = notifies_;
	uint32_t node_seq = __atomic_load_n(&node_.wake_seq, __ATOMIC_SEQ_CST);
	bool attention = sidecar_needs_attention_load(fn_->cp) != 0;
	bool all = __atomic_load_n(&node_.n_started, __ATOMIC_SEQ_CST) != 0;
	bool flagged[kMaxCpus];
	bool stopped = false;

	for (uint32_t k = 0; k < count_; k++) {
		flagged[k] = (node_.waitmap[k / 64] >> (k % 64)) & 1;
		words[k] = __atomic_load_n(&slots_[k].word, __ATOMIC_SEQ_CST);
		seqs[k] =
			__atomic_load_n(&slots_[k].wake_seq, __ATOMIC_SEQ_CST);
		status[k] = Status(k);
		stopped |= attention && !Busy(status[k]) && Started(k);
	}
	int depth = actor_depth_;
	actor_depth_ = 0;
	in_handler_ = true;
	sd_node_interrupt(&node_);
	in_handler_ = false;
	actor_depth_ = depth;
	Check(sidecar_needs_attention_load(fn_->cp) == 0,
	      "the interrupt handler left needs_attention set");
	Check(reports == reports_total_, "the interrupt handler reported");
	for (uint32_t k = 0; k < count_; k++) {
		if (slots_[k].word != words[k])
			Failf("the interrupt handler changed vp index %u", k);
		if (Status(k) != status[k])
			Failf("the interrupt handler wrote cpu_status[%u]", k);
		bool woke = slots_[k].wake_seq != seqs[k];
		uint8_t st = (uint8_t)(words[k] & 0xff);
		bool looked = all ? st != SD_VP_AVAIL &&
					      st != SD_VP_ASYNC_STOPPED :
				    flagged[k];
		if (woke != (attention && !Busy(status[k]) && looked))
			Failf("the interrupt handler %s the waiter of vp "
			      "index %u (cpu_status %s, attention %d)",
			      woke ? "woke" : "did not wake", k,
			      StatusName(status[k]).c_str(), attention);
	}
	if ((node_.wake_seq != node_seq) != stopped)
		Failf("the interrupt handler %s the readers (a started VP "
		      "stopped: %d)",
		      node_.wake_seq != node_seq ? "woke" : "did not wake",
		      stopped);
	if (notify_on_ && (notifies_ != notifies) != stopped)
		Failf("the interrupt handler %s notify() (a started VP "
		      "stopped: %d)",
		      notifies_ != notifies ? "called" : "did not call",
		      stopped);
}

// --- the model ------------------------------------------------------------

void Fuzz::Begin(Call c, int idx)
{
	c_ = CallState();
	c_.call = c;
	c_.idx = idx;
}

void Fuzz::WantReport(uint32_t k, const std::string &what)
{
	c_.want_reports.push_back("sidecar node " +
				  std::to_string(node_.index) + ": vp " +
				  std::to_string(base_ + k) + ": " + what);
}

// A claimed (or to be removed) CPU must be IDLE; anything else is refused
// with a report: busy only after a cancel that timed out, else broken.
int Fuzz::Refuse(uint32_t k, const char *when)
{
	uint8_t s = Status(k);

	if (s == kIdle)
		return 0;
	if (s == kRunSt || s == kStopSt) {
		WantReport(k, "still busy with an abandoned command (" +
				      StatusName(s) + ") " + when);
		Return(-SD_EBUSY);
	} else {
		WantStatusReport(k, s, when);
		Return(-SD_EIO);
	}
	return -1;
}

// What the driver's scans must find before a scanning call decides: every
// started VP whose CPU is idle again is marked stopped; an odd status is
// reported once per start and changes nothing. Every cpu_status change
// comes with needs_attention, so whenever the driver skips a scan, there
// must be nothing new. A VP that a scan of an enclosing call is about to
// reach is that call's to find.
void Fuzz::Plan()
{
	for (uint32_t k = 0; k < count_; k++) {
		uint32_t bit = 1u << k;
		uint8_t s;

		if (!Started(k))
			continue;
		s = Status(k);
		if (s == kIdle) {
			if (!(due_mark_ & bit)) {
				due_mark_ |= bit;
				c_.need_mark |= bit;
			}
		} else if (s != kRunSt && s != kStopSt && !scan_reported_[k]) {
			if (!(due_report_ & bit)) {
				due_report_ |= bit;
				c_.need_report |= bit;
			}
		}
	}
}

void Fuzz::CheckNeeds(const char *when)
{
	for (uint32_t k = 0; k < count_; k++) {
		uint32_t bit = 1u << k;

		if ((c_.need_mark & bit) && (due_mark_ & bit))
			Failf("%s without marking vp index %u stopped (model "
			      "state %d, cpu_status %s)",
			      when, k, model_[k],
			      StatusName(Status(k)).c_str());
		if ((c_.need_report & bit) && (due_report_ & bit))
			Failf("%s without reporting cpu_status %s of started "
			      "vp index %u",
			      when, StatusName(Status(k)).c_str(), k);
	}
}

// A scanning call's outcome, once the model can tell; false while it must
// still wait. take: the VP index it hands out, kTakeAny, or -1.
bool Fuzz::TakeOutcome(int *ret, int *take)
{
	int avail = Available();

	*take = -1;
	if (c_.eintr) {
		*ret = -SD_EINTR;
		return true;
	}
	switch (c_.call) {
	case kPoll:
		*ret = avail > 0 ? SD_POLLIN : 0;
		return true;
	case kWaitReady:
		if (avail > 0) {
			*ret = SD_POLLIN;
			return true;
		}
		break;
	case kNextStopped:
		if (avail > 0) {
			*ret = 0;
			*take = kTakeAny;
			return true;
		}
		break;
	case kWaitStopped:
		switch (model_[c_.idx]) {
		case SD_VP_ASYNC_STOPPED:
			// Not counted yet: its scan wakes the waiter later.
			if (avail > 0) {
				*ret = 0;
				*take = c_.idx;
				return true;
			}
			break;
		case SD_VP_ASYNC:
		case SD_VP_STOP_PENDING:
		case SD_VP_ASYNC_STOPPING:
			break;
		case SD_VP_REMOVING:
		case SD_VP_REMOVED:
			*ret = -SD_ENOENT;
			return true;
		default:
			*ret = -SD_EINVAL; // not started
			return true;
		}
		break;
	default:
		Failf("no outcome for %s", kCallNames[c_.call]);
	}
	if (c_.nowait) {
		*ret = -SD_EAGAIN;
		return true;
	}
	if (clock_ >= c_.deadline) {
		*ret = -SD_ETIMEDOUT;
		return true;
	}
	return false;
}

// After each event: what the call must do next, and when it must return,
// what (DESIGN.md section 5 and node.h).
void Fuzz::Advance()
{
	for (;;) {
		uint8_t s = c_.idx >= 0 ? Status((uint32_t)c_.idx) : 0;

		switch (c_.phase) {
		case kRunning:
			// An interrupted wait does not look again: even a CPU
			// that finished meanwhile goes through the cancel.
			if (!c_.eintr && s != kRunSt && s != kStopSt) {
				if (s != kIdle)
					WantStatusReport(c_.idx, s,
							 "while running");
				Return(s == kIdle ? 0 : -SD_EIO);
				return;
			}
			if (!c_.eintr && clock_ < c_.deadline)
				return;
			// Interrupted or late: cancel, bounded by its own
			// timeout from now.
			c_.r0 = c_.eintr ? -SD_EINTR : -SD_ETIMEDOUT;
			c_.cancel_deadline = clock_ + cancel_timeout_;
			c_.phase = kCancel;
			continue;
		case kCancel:
			if (c_.stop_due)
				return;
			if (s == kIdle) {
				if (c_.r0 == -SD_ETIMEDOUT)
					WantReport(c_.idx,
						   "command not done within");
				Return(c_.r0);
			} else if (s == kRunSt) {
				c_.stop_due = true; // RUN -> STOP and kick
			} else if (s == kStopSt) {
				if (clock_ >= c_.cancel_deadline) {
					WantReport(c_.idx, "cancelled command "
							   "not done within");
					Return(-SD_ETIMEDOUT);
				}
			} else {
				WantStatusReport(c_.idx, s, "while cancelling");
				Return(-SD_EIO);
			}
			return;
		case kRemoving:
			if (s != kRemoveSt) {
				if (s != kRemoved)
					WantStatusReport(c_.idx, s,
							 "while removing");
				Return(s == kRemoved ? 0 : -SD_EIO);
			} else if (clock_ >= c_.deadline) {
				WantReport(c_.idx, "CPU not removed within");
				Return(-SD_ETIMEDOUT);
			}
			return;
		default:
			return;
		}
	}
}

// A stop, once the others have had their chance: the CPU still runs the
// started command (a STOP is due), is done (IDLE) or already told (STOP),
// or broke the protocol.
void Fuzz::StopDecide(uint32_t k)
{
	uint8_t s = Status(k);

	if (s == kRunSt) {
		c_.phase = kStopping;
	} else if (s == kIdle || s == kStopSt) {
		Return(0);
	} else {
		WantStatusReport(k, s, "while stopping");
		Return(-SD_EIO);
	}
}

// The owner puts a fresh command on the page of a VP it holds.
void Fuzz::WriteToken(uint32_t k)
{
	sidecar_command_page &page = fn_->Page(k);

	page.command = SIDECAR_COMMAND_RUN_VP;
	token_[k] = next_token_++;
	page.request_data[0].low = token_[k];
	page.request_data[0].high = 0;
	executed_[k] = false;
}

void Fuzz::CheckReports()
{
	std::vector<std::string> got = c_.got_reports;

	for (const std::string &want : c_.want_reports) {
		size_t i = 0;

		for (; i < got.size(); i++)
			if (got[i].compare(0, want.size(), want) == 0)
				break;
		if (i == got.size())
			Failf("missing report \"%s...\" (%zu reports)",
			      want.c_str(), c_.got_reports.size());
		got.erase(got.begin() + (long)i);
	}
	if (!got.empty())
		Failf("unexpected report \"%s\"", got[0].c_str());
}

void Fuzz::CheckAllStates()
{
	for (uint32_t k = 0; k < count_; k++) {
		int st = sd_vp_state(&node_, base_ + k);

		if (st != model_[k])
			Failf("sd_vp_state(vp index %u) is %d, model %d", k, st,
			      model_[k]);
	}
	for (uint32_t vp : { base_ - 1, base_ + count_, 0u, UINT32_MAX }) {
		if (IdxOf(vp) >= 0)
			continue;
		if (sd_vp_state(&node_, vp) != -SD_EINVAL)
			Failf("sd_vp_state(%u) outside the node is not "
			      "-EINVAL",
			      vp);
		if (sd_node_vp_pages(&node_, vp))
			Failf("pages of vp %u outside the node", vp);
	}
	if (node_.reports != reports_total_)
		Failf("node counts %u reports, the platform got %llu",
		      node_.reports, (unsigned long long)reports_total_);
	// Between calls every stopped VP is counted, and nothing else.
	if (node_.num_stopped != Available())
		Failf("num_stopped is %d, %d VPs are stopped",
		      node_.num_stopped, Available());
}

// A poll-style sleeper (poll said 0, then it sleeps until notify) must be
// told once a started VP stopped and someone took the attention: whoever
// did saw it. Without the attention taken, the IPI is still to come.
void Fuzz::CheckSleeper()
{
	if (!notify_on_ || !sleeper_ || sidecar_needs_attention_load(fn_->cp))
		return;
	for (uint32_t k = 0; k < count_; k++)
		if (model_[k] == SD_VP_ASYNC_STOPPED ||
		    (Started(k) && Status(k) == kIdle))
			Failf("poll said not ready, then vp index %u stopped "
			      "(model state %d) and the attention was taken, "
			      "but notify() never came",
			      k, model_[k]);
}

// A started command reaches its reader: once, and only after a scan saw
// its CPU idle (model_ is STOPPED only then), with the result on the page.
// The CPU may break the protocol after that; the next claim reports it.
void Fuzz::Handout(uint32_t k)
{
	if (model_[k] != SD_VP_ASYNC_STOPPED)
		Failf("handed out vp index %u in model state %d", k, model_[k]);
	if (!outstanding_[k])
		Failf("handed out vp index %u twice", k);
	if (executed_[k] &&
	    fn_->Page(k).request_data[0].high != (token_[k] ^ kResultMark))
		Failf("vp index %u handed out without its result", k);
	outstanding_[k] = false;
	model_[k] = SD_VP_AVAIL;
	handed_++;
}

void Fuzz::End(int ret)
{
	TRACE("step %u%s: %s(vp index %d) = %d\n", step_,
	      depth_ ? " (race)" : "", kCallNames[c_.call], c_.idx, ret);
	for (const std::string &r : c_.got_reports)
		TRACE("  report: %s\n", r.c_str());
	Observe();
	SeeStates();
	if (unkicked_ >= 0)
		Failf("returned with cpu_status[%d] written and no IPI",
		      unkicked_);
	if (c_.phase == kTaking) {
		int want, take;

		CheckNeeds("returns");
		if (!TakeOutcome(&want, &take))
			Failf("returned %d (%s) where the model still waits",
			      ret, sd_strerror(ret));
		if (take == kTakeAny) {
			int k = ret >= 0 ? IdxOf((uint32_t)ret) : -1;

			if (k < 0 || model_[k] != SD_VP_ASYNC_STOPPED)
				Failf("next_stopped returned %d, not a stopped "
				      "VP",
				      ret);
			Handout((uint32_t)k);
		} else if (ret != want) {
			Failf("returned %d (%s), model %d (%s)", ret,
			      sd_strerror(ret), want, sd_strerror(want));
		} else if (take >= 0) {
			Handout((uint32_t)take);
		}
		if (c_.call == kPoll && ret == 0)
			sleeper_ = true;
	} else if (c_.phase != kReturn) {
		Failf("returned %d (%s) where the model still waits or acts",
		      ret, sd_strerror(ret));
	} else if (ret != c_.want_ret) {
		Failf("returned %d (%s), model %d (%s)", ret, sd_strerror(ret),
		      c_.want_ret, sd_strerror(c_.want_ret));
	}
	CheckReports();
	c_.call = kNoCall;
	c_.phase = kQuiet;
}

// --- calls ----------------------------------------------------------------

int Fuzz::DoClaim(uint32_t vp, sd_claim *c)
{
	int k = IdxOf(vp);

	Begin(kClaim, k);
	if (k < 0) {
		Return(-SD_EINVAL);
	} else if (model_[k] == SD_VP_REMOVED) {
		Return(-SD_ENOENT);
	} else if (model_[k] != SD_VP_AVAIL) {
		Return(-SD_EBUSY);
	} else {
		c_.transient = SD_VP_SYNC;
		if (Refuse(k, "when claimed") == 0)
			Return(0);
	}
	c->vp = ~vp;
	c->armed = true;
	int ret = sd_vp_claim(&node_, vp, c);
	End(ret);
	if (c->vp != vp || c->armed)
		Failf("claim of vp %u gave vp %u, armed %d", vp, c->vp,
		      c->armed);
	if (ret == 0) {
		model_[k] = SD_VP_SYNC;
		WriteToken(k);
	}
	return ret;
}

// live: c is the claim of its VP, not yet used.
int Fuzz::DoRunClaim(sd_claim *c, bool live, uint64_t timeout)
{
	int k = IdxOf(c->vp);

	Begin(kRun, k);
	c_.deadline = clock_ + timeout;
	if (!live) {
		Return(-SD_EINVAL);
	} else if (Status(k) == kIdle) {
		c_.phase = kArm;
		c_.arm_to = kRunSt;
	} else {
		// IDLE at the claim: only a broken sidecar changed that.
		WantStatusReport(k, Status(k), "before run");
		Return(-SD_EIO);
	}
	c->armed = true; // the driver must say
	int ret = sd_vp_run(&node_, c, timeout);
	End(ret);
	if (c->armed != c_.armed)
		Failf("run returned armed %d, the CPU was %s", c->armed,
		      c_.armed ? "armed" : "not armed");
	if (!live)
		return ret;
	model_[k] = SD_VP_AVAIL;
	// A run that came back with its CPU idle has the CPU's result.
	if ((ret == 0 || ret == -SD_EINTR || ret == -SD_ETIMEDOUT) &&
	    Status(k) == kIdle && executed_[k] &&
	    fn_->Page(k).request_data[0].high != (token_[k] ^ kResultMark))
		Failf("run returned %d without the CPU's result", ret);
	return ret;
}

int Fuzz::DoStartClaim(sd_claim *c, bool live)
{
	int k = IdxOf(c->vp);

	Begin(kStart, k);
	if (!live) {
		Return(-SD_EINVAL);
	} else if (Status(k) == kIdle) {
		c_.phase = kArm;
		c_.arm_to = kRunSt;
	} else {
		WantStatusReport(k, Status(k), "before start");
		Return(-SD_EIO);
	}
	c->armed = true;
	int ret = sd_vp_start(&node_, c);
	End(ret);
	if (c->armed != c_.armed)
		Failf("start returned armed %d, the CPU was %s", c->armed,
		      c_.armed ? "armed" : "not armed");
	// Armed: the race point made it ASYNC. Refused: released.
	if (live && !c_.armed)
		model_[k] = SD_VP_AVAIL;
	return ret;
}

void Fuzz::DoRelease(sd_claim *c, bool live)
{
	int k = IdxOf(c->vp);

	Begin(kRelease, k);
	Return(0);
	sd_vp_release(&node_, c);
	End(0);
	if (live)
		model_[k] = SD_VP_AVAIL;
}

// A VP thread's call: claim, write the command, run or start.
void Fuzz::DoRun(uint32_t vp, uint64_t timeout)
{
	sd_claim c;

	if (DoClaim(vp, &c) == 0)
		DoRunClaim(&c, true, timeout);
}

void Fuzz::DoStart(uint32_t vp)
{
	sd_claim c;

	if (DoClaim(vp, &c) == 0)
		DoStartClaim(&c, true);
}

// A claim held across calls: the VP stays SYNC, and its CPU may change
// meanwhile.
void Fuzz::HoldClaim(uint32_t vp)
{
	sd_claim c;
	int k = IdxOf(vp);

	if (DoClaim(vp, &c) == 0) {
		held_[k] = true;
		held_claim_[k] = c;
	}
}

// Uses the held claim of vp (run, start or release), or a stale copy of an
// earlier one, which must do nothing even when the VP is claimed again.
void Fuzz::UseClaim(uint32_t vp, uint8_t op, uint64_t timeout)
{
	int k = IdxOf(vp);
	sd_claim c{};
	bool live = false;

	if (k >= 0 && held_[k] && !(op & 4)) {
		c = held_claim_[k];
		live = true;
		held_[k] = false;
		stale_claim_[k] = c;
		has_stale_[k] = true;
	} else if (k >= 0 && has_stale_[k]) {
		c = stale_claim_[k];
	} else {
		c.vp = vp;
	}
	switch (op & 3) {
	case 0:
		DoRunClaim(&c, live, timeout);
		break;
	case 1:
		DoStartClaim(&c, live);
		break;
	default:
		DoRelease(&c, live);
		break;
	}
}

int Fuzz::DoStop(uint32_t vp)
{
	int k = IdxOf(vp);
	bool was_async = k >= 0 && model_[k] == SD_VP_ASYNC;

	Begin(kStop, k);
	if (k < 0) {
		Return(-SD_EINVAL);
	} else if (was_async) {
		// Marked first, so no scan collects the command (and nobody
		// starts the next) before the CPU is told.
		model_[k] = SD_VP_STOP_PENDING;
		c_.stop_cmd = cmd_[k];
		c_.phase = kStopMarked;
	} else {
		switch (model_[k]) {
		case SD_VP_STOP_PENDING:
		case SD_VP_ASYNC_STOPPING:
		case SD_VP_ASYNC_STOPPED:
			Return(0);
			break;
		case SD_VP_REMOVING:
		case SD_VP_REMOVED:
			Return(-SD_ENOENT);
			break;
		default:
			Return(-SD_EINVAL); // not started
			break;
		}
	}
	int ret = sd_vp_stop(&node_, vp);
	End(ret);
	if (was_async)
		model_[k] = SD_VP_ASYNC_STOPPING;
	return ret;
}

int Fuzz::DoNextStopped(uint64_t timeout)
{
	Begin(kNextStopped, -1);
	c_.deadline = clock_ + timeout;
	c_.nowait = timeout == 0;
	c_.phase = kTaking;
	Plan();
	int ret = sd_node_next_stopped(&node_, timeout);
	End(ret);
	return ret;
}

int Fuzz::DoWaitStopped(uint32_t vp, uint64_t timeout)
{
	int k = IdxOf(vp);

	Begin(kWaitStopped, k);
	c_.deadline = clock_ + timeout;
	if (k < 0) {
		Return(-SD_EINVAL);
	} else {
		c_.phase = kTaking;
		Plan();
	}
	int ret = sd_vp_wait_stopped(&node_, vp, timeout);
	End(ret);
	return ret;
}

void Fuzz::DoPoll()
{
	Begin(kPoll, -1);
	c_.nowait = true;
	c_.phase = kTaking;
	Plan();
	End((int)sd_node_poll(&node_));
}

void Fuzz::DoWaitReady(uint64_t timeout)
{
	Begin(kWaitReady, -1);
	c_.deadline = clock_ + timeout;
	c_.phase = kTaking;
	Plan();
	End(sd_node_wait_ready(&node_, timeout));
}

void Fuzz::DoRemove(uint32_t vp, uint64_t timeout)
{
	int k = IdxOf(vp);
	bool retry = k >= 0 && model_[k] == SD_VP_REMOVING;

	Begin(kRemove, k);
	c_.deadline = clock_ + timeout;
	if (k < 0) {
		Return(-SD_EINVAL);
	} else if (retry) {
		// After a timeout: tell the CPU again and wait again.
		c_.phase = kRemoveKick;
		c_.transient = SD_VP_REMOVED;
	} else if (model_[k] == SD_VP_REMOVED) {
		Return(-SD_ENOENT);
	} else if (model_[k] != SD_VP_AVAIL) {
		Return(-SD_EBUSY);
	} else {
		c_.transient = SD_VP_REMOVING;
		c_.transient2 = SD_VP_REMOVED;
		if (Refuse(k, "before remove") == 0) {
			c_.phase = kArm;
			c_.arm_to = kRemoveSt;
		}
	}
	int ret = sd_vp_remove(&node_, vp, timeout);
	End(ret);
	// Once told to go, the CPU is never used again: REMOVED when it
	// answered (whatever it answered), REMOVING while it has not.
	if (c_.armed || retry)
		model_[k] = ret == -SD_ETIMEDOUT ? SD_VP_REMOVING :
						   SD_VP_REMOVED;
}

// One handle per VP; claims and state changes keep it.
void Fuzz::DoOpen(uint32_t vp)
{
	int k = IdxOf(vp);

	Begin(kOpen, k);
	Return(k < 0 ? -SD_EINVAL : open_[k] ? -SD_EBUSY : 0);
	int ret = sd_vp_open(&node_, vp);
	End(ret);
	if (ret == 0)
		open_[k] = true;
}

void Fuzz::DoClose(uint32_t vp)
{
	int k = IdxOf(vp);

	Begin(kClose, k);
	Return(0);
	sd_vp_close(&node_, vp);
	End(0);
	if (k >= 0)
		open_[k] = false;
}

void Fuzz::DoInterrupt()
{
	Begin(kInterrupt, -1);
	Return(0);
	int depth = actor_depth_;
	actor_depth_ = 0;
	Handler();
	actor_depth_ = depth;
	End(0);
}

void Fuzz::Step()
{
	uint8_t b = Front();
	uint64_t timeout = kTimeouts[(b >> 4) & 3];

	step_++;
	switch (b & 15) {
	case 0:
		DoRun(DecodeVp(Front()), timeout);
		break;
	case 1:
		// Claims held across calls, and stale ones.
		if (b & 0x40) {
			uint32_t vp = DecodeVp(Front());
			UseClaim(vp, Front(), timeout);
		} else {
			HoldClaim(DecodeVp(Front()));
		}
		break;
	case 2:
	case 3:
		DoStart(DecodeVp(Front()));
		break;
	case 4:
		DoStop(DecodeVp(Front()));
		break;
	case 5:
		DoNextStopped(0);
		break;
	case 6:
		DoNextStopped(timeout);
		break;
	case 7:
		DoWaitStopped(DecodeVp(Front()), timeout);
		break;
	case 8:
		DoPoll();
		break;
	case 9:
		DoWaitReady(timeout);
		break;
	case 10:
		// Removal is final: rarer, so inputs keep some CPUs.
		if (b & 0x80)
			DoRemove(DecodeVp(Front()), timeout);
		else if ((b & 0x40) && (b & 0x10))
			DoOpen(DecodeVp(Front()));
		else if (b & 0x40)
			DoClose(DecodeVp(Front()));
		else
			DoPoll();
		break;
	case 11:
		DoInterrupt();
		break;
	case 12:
	case 13: {
		// A sidecar CPU acts between calls.
		uint8_t a = Front();
		uint32_t k = Front() % count_;
		bool ipi = !(a & 0x80);

		if (a & 1)
			Misbehave(k, kOddStatus[(a >> 1) & 7], ipi);
		else if (a & 2)
			Attention(ipi);
		else
			Complete(k, ipi);
		break;
	}
	case 14:
		signal_ = true;
		break;
	default:
		clock_ += kTicks[(b >> 4) & 3];
		break;
	}
	CheckAllStates();
	CheckSleeper();
}

// Every CPU of a started VP finishes; every started command must then
// reach a reader.
void Fuzz::Drain()
{
	signal_ = false;
	for (uint32_t k = 0; k < count_; k++) {
		if (!Started(k))
			continue;
		uint8_t s = Status(k);
		if (s == kRunSt || s == kStopSt)
			Complete(k, true);
		else if (s != kIdle)
			Misbehave(k, kIdle, true);
	}
	for (uint32_t i = 0; i <= count_; i++) {
		DoNextStopped(0);
		CheckAllStates();
		CheckSleeper();
	}
	for (uint32_t k = 0; k < count_; k++)
		if (outstanding_[k] || Started(k) ||
		    model_[k] == SD_VP_ASYNC_STOPPED ||
		    model_[k] == SD_VP_STOP_PENDING)
			Failf("vp index %u: started command never handed out",
			      k);
	if (started_ != handed_)
		Failf("%llu commands started, %llu handed out",
		      (unsigned long long)started_,
		      (unsigned long long)handed_);
	DoPoll();
}

void Fuzz::Run()
{
	if (back_ < 3)
		return;
	uint8_t h0 = Front(), h1 = Front(), h2 = Front();

	count_ = 2 + (h0 & 0x7f) % (kMaxCpus - 1);
	notify_on_ = !(h0 & 0x80);
	base_ = 1 + h1 % 64;
	if (h1 >= 0xfc)
		base_ = (uint32_t)(kLastVps[h1 & 3] - (count_ - 1));
	uint32_t index = h2 >> 3;
	response_vector_ = (h2 & 1) ? sdtest::kResponseVector : 0;
	cancel_timeout_ = kCancelTimeouts[(h2 >> 1) & 3];

	mem_ = std::make_unique<HostMemory>(kMemBase, kMemSize);
	fn_ = std::make_unique<FakeNode>(*mem_, index, base_, count_);
	plat_.ctx = this;
	plat_.vp_apic_id = CbApic;
	plat_.send_ipi = CbSendIpi;
	plat_.now_ns = CbNow;
	plat_.wait = CbWait;
	plat_.wake = CbWake;
	plat_.map = CbMap;
	plat_.report = CbReport;
	plat_.notify = notify_on_ ? CbNotify : nullptr;
	plat_.race = CbRace;

	sidecar_node_params params = fn_->Params();
	sd_node_config cfg{};
	cfg.output = fn_->Output();
	cfg.index = index;
	cfg.params = &params;
	cfg.response_apic_id = ApicOf(base_);
	cfg.response_vector = response_vector_;
	cfg.cancel_timeout_ns = cancel_timeout_;
	cfg.vp_slots = slots_;
	cfg.vp_slot_count = count_;
	// VP numbers are handed out as int: a node beyond that is refused.
	bool fits = (uint64_t)base_ + count_ - 1 <= INT32_MAX;
	int r = sd_node_attach(&node_, &plat_, &cfg);
	if (!fits) {
		if (r != -SD_EINVAL || reports_total_ != 1 ||
		    c_.got_reports[0].find(": VPs ") == std::string::npos)
			Failf("attach of VPs %u+%u returned %d", base_, count_,
			      r);
		return;
	}
	if (r != 0 || reports_total_)
		Failf("attach failed: %d", r);
	attached_ = true;
	for (uint32_t k = 0; k < count_; k++) {
		shadow_[k] = Status(k);
		model_[k] = k ? SD_VP_AVAIL : SD_VP_REMOVED;
		seen_state_[k] = (uint8_t)model_[k];
	}
	CheckAllStates();

	while (front_ < back_)
		Step();
	Drain();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (executions++ == 0)
		atexit(CheckTableCovered);
	Fuzz(data, size).Run();
	return 0;
}
