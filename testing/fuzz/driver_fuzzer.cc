// SPDX-License-Identifier: MIT
//
// The driver's per-VP state machine (DESIGN.md section 5) under an
// arbitrary sequence of run/start/stop/next_stopped/wait_stopped/poll/
// wait_ready/remove/interrupt calls on one node. The fuzzer plays the
// sidecar CPUs by hand (fake_node) and the platform: one thread, a virtual
// clock, and waits that "sleep" by playing the input until something wakes
// them, so every execution is deterministic and takes microseconds.
//
// Input: three header bytes (CPU count; base VP, including nodes whose VP
// numbers reach past INT32_MAX or wrap; response IPIs, cancel timeout and
// node index), then the calls, read from the front. What happens inside the
// driver's callbacks (how a CPU reacts to its request IPI; what a blocked
// wait sees: a CPU finishing or misbehaving, a tick, the deadline, a
// signal) is read from the back, so mutating one does not shift the other.
//
// A reference model of every VP follows the calls and is checked at every
// callback and after every call: the return code, sd_vp_state() of every
// VP, each cpu_status write of the driver (only IDLE->RUN, RUN->STOP and
// IDLE->REMOVE, each where the call may make it, each followed at once by
// the request IPI), every report (an unexpected cpu_status is reported,
// by a scan once per start, and never accepted), waits (only while what
// the call waits for has not happened, with the call's deadline, and woken
// by every response IPI), the interrupt handler (acknowledges and wakes,
// nothing else), REMOVED staying final, and the ledger
// of started commands (each handed to a reader exactly once, after its CPU
// published the result).
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
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
	kRun,
	kStart,
	kStop,
	kNextStopped,
	kWaitStopped,
	kPoll,
	kWaitReady,
	kRemove,
	kInterrupt,
};

const char *const kCallNames[] = { "-",	       "run",	       "start",
				   "stop",     "next_stopped", "wait_stopped",
				   "poll",     "wait_ready",   "remove",
				   "interrupt" };

// Where the call under test must be, as far as the model can tell.
enum Phase {
	kQuiet, // must not write a cpu_status, kick or wait
	kArm, // must write IDLE -> arm_to on idx and kick it
	kRunning, // run: may wait while the CPU is RUN or STOP
	kCancel, // run gave up: RUN -> STOP, then may wait while STOP
	kStopping, // stop: must write RUN -> STOP and kick
	kRemoving, // remove: may wait while the CPU is REMOVE
	kTaking, // next_stopped/wait_stopped/wait_ready: waits for a stopped VP
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
	bool Started(uint32_t k) const
	{
		return model_[k] == SD_VP_ASYNC ||
		       model_[k] == SD_VP_ASYNC_STOPPING;
	}
	bool AnyStopped() const;

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

	void DriverCallback(bool kick);
	void Observe();
	void OnWrite(uint32_t k, uint8_t from, uint8_t to);
	void OnKick(uint32_t k);
	int Wait(const uint32_t *word, uint32_t seen, uint64_t deadline,
		 bool interruptible);
	int Sleep(const uint32_t *word, uint32_t seen, uint64_t deadline,
		  bool interruptible);
	void CheckWait(uint64_t deadline, bool interruptible);
	void CheckStatesInCall();

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
		phase_ = kReturn;
		want_ret_ = r;
	}
	void WantReport(uint32_t k, const std::string &what);
	void WantStatusReport(uint32_t k, uint8_t s, const char *when)
	{
		WantReport(k, "unexpected cpu_status " + StatusName(s) + " " +
				      when);
	}
	void Scan();
	void Advance();
	int ArmOrRefuse(uint32_t k, uint8_t to, const char *when);
	void End(int ret);
	void CheckReports();
	void CheckAllStates();
	void Handout(uint32_t k);
	void WriteToken(uint32_t k);

	// --- calls ------------------------------------------------------
	void Step();
	void DoRun(uint32_t vp, uint64_t timeout);
	void DoStart(uint32_t vp);
	void DoStop(uint32_t vp);
	void DoNextStopped(uint64_t timeout);
	void DoWaitStopped(uint32_t vp, uint64_t timeout);
	void DoPoll();
	void DoWaitReady(uint64_t timeout);
	void DoRemove(uint32_t vp, uint64_t timeout);
	void DoInterrupt();
	void Drain();

	const uint8_t *data_;
	size_t front_ = 0, back_;
	unsigned step_ = 0;

	std::unique_ptr<HostMemory> mem_;
	std::unique_ptr<FakeNode> fn_;
	sd_platform plat_{};
	sd_node node_{};
	uint32_t words_[kMaxCpus];
	uint32_t base_ = 0, count_ = 0, response_vector_ = 0;
	uint64_t cancel_timeout_ = 0;
	bool attached_ = false;

	uint64_t clock_ = kClockStart;
	bool signal_ = false; // pending for the (only) thread
	int actor_depth_ = 0; // inside a sidecar CPU's action
	bool in_handler_ = false; // inside sd_node_interrupt
	uint8_t shadow_[kMaxCpus]; // cpu_status as last seen
	int unkicked_ = -1; // CPU whose status the driver wrote, no IPI yet
	uint64_t reports_total_ = 0;

	// Model, per VP index.
	uint8_t model_[kMaxCpus];
	bool scan_reported_[kMaxCpus] = {}; // this claim's odd status
	bool outstanding_[kMaxCpus] = {}; // started, not yet handed out
	bool executed_[kMaxCpus] = {}; // the CPU ran the page's command
	uint64_t token_[kMaxCpus] = {};
	uint64_t next_token_ = 1;
	uint64_t started_ = 0, handed_ = 0;

	// The call in progress.
	Call call_ = kNoCall;
	Phase phase_ = kQuiet;
	int idx_ = -1;
	int transient_ = -1, transient2_ = -1; // states idx_ may show inside
	uint8_t arm_to_ = 0;
	bool stop_due_ = false;
	bool eintr_ = false;
	int r0_ = 0;
	int want_ret_ = 0;
	bool want_any_stopped_ = false;
	uint64_t deadline_ = 0, cancel_deadline_ = 0;
	unsigned waits_ = 0;
	std::vector<std::string> want_reports_, got_reports_;
};

void Fuzz::Failf(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr,
		"driver_fuzzer: invariant violated at step %u (%s, vp index "
		"%d, phase %d, clock %llu): ",
		step_, kCallNames[call_], idx_, (int)phase_,
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

bool Fuzz::AnyStopped() const
{
	for (uint32_t k = 0; k < count_; k++)
		if (model_[k] == SD_VP_ASYNC_STOPPED)
			return true;
	return false;
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

	if (word != &f->node_.wake_seq)
		f->Failf("wake on something else than wake_seq");
}

void Fuzz::CbReport(void *ctx, const char *msg)
{
	Fuzz *f = Self(ctx);

	f->Check(!f->in_handler_, "the interrupt handler reported");
	if (f->attached_)
		f->DriverCallback(false);
	f->got_reports_.push_back(msg);
	f->reports_total_++;
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
	if (k != f->unkicked_)
		f->Failf("request IPI to vp index %d whose cpu_status it did "
			 "not just write",
			 k);
	f->unkicked_ = -1;
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
	Check(call_ != kNoCall, "a platform callback outside any call");
	Check(!actor_depth_, "a driver callback from inside a sidecar action");
	Observe();
	if (unkicked_ >= 0 && !kick)
		Failf("cpu_status[%d] written without the request IPI right "
		      "after",
		      unkicked_);
	CheckStatesInCall();
}

// A cpu_status that differs from what the fuzzer last saw or wrote was
// written by the driver.
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

	switch (phase_) {
	case kArm:
		ok = (int)k == idx_ && from == kIdle && to == arm_to_;
		if (!ok)
			break;
		executed_[k] = false;
		if (call_ == kRun)
			phase_ = kRunning;
		else if (call_ == kRemove)
			phase_ = kRemoving;
		else
			Return(0); // start
		break;
	case kCancel:
		ok = stop_due_ && (int)k == idx_ && from == kRunSt &&
		     to == kStopSt;
		stop_due_ = false;
		break;
	case kStopping:
		ok = (int)k == idx_ && from == kRunSt && to == kStopSt;
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
	Check(word == &node_.wake_seq,
	      "a wait on something else than wake_seq");
	if (++waits_ > kMaxWaitsPerCall)
		Failf("more than %u waits in one call: the driver spins",
		      kMaxWaitsPerCall);
	CheckWait(deadline, interruptible);
	if (interruptible && signal_) {
		// Like the host platform: a pending signal ends it at once.
		signal_ = false;
		eintr_ = true;
		r = -SD_EINTR;
	} else if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != seen) {
		r = 0; // a futex would not sleep
	} else {
		r = Sleep(word, seen, deadline, interruptible);
	}
	// Each wait but an interrupted one is followed by a look at the
	// condition, and for the takers that is a scan.
	if (phase_ == kTaking && !eintr_)
		Scan();
	Advance();
	return r;
}

// The thread sleeps, like on a futex or in "sti; hlt": until the word
// changes (a response IPI ran the handler), a timer tick, the deadline or
// a signal. The input says what happens meanwhile; a CPU that finishes
// without an IPI wakes nobody.
int Fuzz::Sleep(const uint32_t *word, uint32_t seen, uint64_t deadline,
		bool interruptible)
{
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
			return clock_ >= deadline ? -SD_ETIMEDOUT : 0;
		case kWaitSignal:
			if (interruptible) {
				eintr_ = true;
				return -SD_EINTR;
			}
			signal_ = true; // for the next interruptible wait
			continue;
		default:
			if (clock_ < deadline)
				clock_ = deadline;
			return -SD_ETIMEDOUT;
		}
		bool woken = __atomic_load_n(word, __ATOMIC_SEQ_CST) != seen;
		if (ipi && response_vector_ && !woken)
			Failf("a response IPI did not wake the waiter");
		if (woken)
			return 0;
	}
}

void Fuzz::CheckWait(uint64_t deadline, bool interruptible)
{
	bool ok;
	uint64_t want = deadline_;

	switch (phase_) {
	case kRunning:
	case kTaking:
		ok = interruptible;
		break;
	case kCancel:
		ok = !stop_due_ && !interruptible;
		want = cancel_deadline_;
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
		      interruptible ? "" : "un", (int)phase_);
	if (deadline != want || clock_ >= want)
		Failf("waits until %llu at %llu; the deadline is %llu",
		      (unsigned long long)deadline, (unsigned long long)clock_,
		      (unsigned long long)want);
}

// Inside a call that does not scan, only the VP of the call may change,
// and only to the state the call holds it in.
void Fuzz::CheckStatesInCall()
{
	if (call_ == kNextStopped || call_ == kWaitStopped || call_ == kPoll ||
	    call_ == kWaitReady || call_ == kInterrupt)
		return;
	for (uint32_t k = 0; k < count_; k++) {
		int st = sd_vp_state(&node_, base_ + k);

		if (st == model_[k])
			continue;
		if ((int)k == idx_ && (st == transient_ || st == transient2_))
			continue;
		Failf("vp index %u is in state %d inside the call; model %d", k,
		      st, model_[k]);
	}
}

// --- the sidecar CPUs -----------------------------------------------------

// The CPU a wait is about: the call's, else a started one.
uint32_t Fuzz::Target(uint8_t pick) const
{
	uint32_t started[kMaxCpus], n = 0;

	if (idx_ > 0)
		return (uint32_t)idx_;
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

// The response IPI handler: it only acknowledges needs_attention and
// wakes; no VP state, cpu_status, report or IPI may come of it.
void Fuzz::Handler()
{
	uint32_t words[kMaxCpus];
	uint8_t status[kMaxCpus];
	uint64_t reports = reports_total_;

	for (uint32_t k = 0; k < count_; k++) {
		words[k] = __atomic_load_n(&words_[k], __ATOMIC_SEQ_CST);
		status[k] = Status(k);
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
		if (words_[k] != words[k])
			Failf("the interrupt handler changed vp index %u", k);
		if (Status(k) != status[k])
			Failf("the interrupt handler wrote cpu_status[%u]", k);
	}
}

// --- the model ------------------------------------------------------------

void Fuzz::Begin(Call c, int idx)
{
	call_ = c;
	idx_ = idx;
	phase_ = kQuiet;
	transient_ = transient2_ = -1;
	stop_due_ = false;
	eintr_ = false;
	want_any_stopped_ = false;
	want_ret_ = 0;
	waits_ = 0;
	want_reports_.clear();
	got_reports_.clear();
}

void Fuzz::WantReport(uint32_t k, const std::string &what)
{
	want_reports_.push_back("sidecar node " + std::to_string(node_.index) +
				": vp " + std::to_string(base_ + k) + ": " +
				what);
}

// What the driver's scan finds: started VPs whose CPU is idle again are
// stopped; an odd status is reported once per claim and changes nothing.
// Every cpu_status change comes with needs_attention, so whenever the
// driver skips a scan, it would have found nothing new.
void Fuzz::Scan()
{
	for (uint32_t k = 0; k < count_; k++) {
		uint8_t s;

		if (!Started(k))
			continue;
		s = Status(k);
		if (s == kIdle) {
			model_[k] = SD_VP_ASYNC_STOPPED;
		} else if (s != kRunSt && s != kStopSt && !scan_reported_[k]) {
			scan_reported_[k] = true;
			WantStatusReport(k, s, "while started");
		}
	}
}

// After each event: what the call must do next, and when it must return,
// what (DESIGN.md section 5 and node.h).
void Fuzz::Advance()
{
	for (;;) {
		uint8_t s = idx_ >= 0 ? Status((uint32_t)idx_) : 0;

		switch (phase_) {
		case kRunning:
			// An interrupted wait does not look again: even a CPU
			// that finished meanwhile goes through the cancel.
			if (!eintr_ && s != kRunSt && s != kStopSt) {
				if (s != kIdle)
					WantStatusReport(idx_, s,
							 "while running");
				Return(s == kIdle ? 0 : -SD_EIO);
				return;
			}
			if (!eintr_ && clock_ < deadline_)
				return;
			// Interrupted or late: cancel, bounded by its own
			// timeout from now.
			r0_ = eintr_ ? -SD_EINTR : -SD_ETIMEDOUT;
			cancel_deadline_ = clock_ + cancel_timeout_;
			phase_ = kCancel;
			continue;
		case kCancel:
			if (stop_due_)
				return;
			if (s == kIdle) {
				if (r0_ == -SD_ETIMEDOUT)
					WantReport(idx_,
						   "command not done within");
				Return(r0_);
			} else if (s == kRunSt) {
				stop_due_ = true; // RUN -> STOP and kick
			} else if (s == kStopSt) {
				if (clock_ >= cancel_deadline_) {
					WantReport(idx_, "cancelled command "
							 "not done within");
					Return(-SD_ETIMEDOUT);
				}
			} else {
				WantStatusReport(idx_, s, "while cancelling");
				Return(-SD_EIO);
			}
			return;
		case kRemoving:
			if (s != kRemoveSt) {
				if (s != kRemoved)
					WantStatusReport(idx_, s,
							 "while removing");
				Return(s == kRemoved ? 0 : -SD_EIO);
			} else if (clock_ >= deadline_) {
				WantReport(idx_, "CPU not removed within");
				Return(-SD_ETIMEDOUT);
			}
			return;
		case kTaking:
			if (eintr_) {
				Return(-SD_EINTR);
				return;
			}
			if (call_ == kWaitStopped) {
				switch (model_[idx_]) {
				case SD_VP_ASYNC_STOPPED:
					Return(0);
					return;
				case SD_VP_REMOVED:
					Return(-SD_ENOENT);
					return;
				case SD_VP_AVAIL:
					Return(-SD_EINVAL);
					return;
				default:
					break;
				}
			} else if (AnyStopped()) {
				want_any_stopped_ = call_ == kNextStopped;
				Return(call_ == kWaitReady ? SD_POLLIN : 0);
				return;
			}
			if (clock_ >= deadline_)
				Return(-SD_ETIMEDOUT);
			return;
		default:
			return;
		}
	}
}

// A claimed VP's CPU must be IDLE; anything else is refused with a report.
int Fuzz::ArmOrRefuse(uint32_t k, uint8_t to, const char *when)
{
	uint8_t s = Status(k);

	if (s == kIdle) {
		phase_ = kArm;
		arm_to_ = to;
		return 0;
	}
	if (s == kRunSt || s == kStopSt) {
		// Only after a cancel that timed out.
		WantReport(k, "still busy with an abandoned command (" +
				      StatusName(s) + ") " + when);
		Return(-SD_EBUSY);
	} else {
		WantStatusReport(k, s, when);
		Return(-SD_EIO);
	}
	return -1;
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
	std::vector<std::string> got = got_reports_;

	for (const std::string &want : want_reports_) {
		size_t i = 0;

		for (; i < got.size(); i++)
			if (got[i].compare(0, want.size(), want) == 0)
				break;
		if (i == got.size())
			Failf("missing report \"%s...\" (%zu reports)",
			      want.c_str(), got_reports_.size());
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
	TRACE("step %u: %s(vp index %d) = %d%s\n", step_, kCallNames[call_],
	      idx_, ret, want_any_stopped_ ? " (any stopped)" : "");
	for (const std::string &r : got_reports_)
		TRACE("  report: %s\n", r.c_str());
	Observe();
	if (unkicked_ >= 0)
		Failf("returned with cpu_status[%d] written and no IPI",
		      unkicked_);
	if (phase_ != kReturn)
		Failf("returned %d (%s) where the model still waits or acts",
		      ret, sd_strerror(ret));
	if (want_any_stopped_) {
		int k = ret >= 0 ? IdxOf((uint32_t)ret) : -1;

		if (k < 0 || model_[k] != SD_VP_ASYNC_STOPPED)
			Failf("next_stopped returned %d, not a stopped VP",
			      ret);
		Handout((uint32_t)k);
	} else if (ret != want_ret_) {
		Failf("returned %d (%s), model %d (%s)", ret, sd_strerror(ret),
		      want_ret_, sd_strerror(want_ret_));
	}
	CheckReports();
	call_ = kNoCall;
	phase_ = kQuiet;
}

// --- calls ----------------------------------------------------------------

void Fuzz::DoRun(uint32_t vp, uint64_t timeout)
{
	int k = IdxOf(vp);

	Begin(kRun, k);
	deadline_ = clock_ + timeout;
	if (k < 0)
		Return(-SD_EINVAL);
	else if (model_[k] == SD_VP_REMOVED)
		Return(-SD_ENOENT);
	else if (model_[k] != SD_VP_AVAIL)
		Return(-SD_EBUSY);
	else if (ArmOrRefuse(k, kRunSt, "before run") == 0)
		WriteToken(k);
	if (k >= 0 && model_[k] == SD_VP_AVAIL)
		transient_ = SD_VP_SYNC;
	int ret = sd_vp_run(&node_, vp, timeout);
	End(ret);
	// A run that came back with its CPU idle has the CPU's result.
	if (k >= 0 && (ret == 0 || ret == -SD_EINTR || ret == -SD_ETIMEDOUT) &&
	    Status(k) == kIdle && executed_[k] &&
	    fn_->Page(k).request_data[0].high != (token_[k] ^ kResultMark))
		Failf("run returned %d without the CPU's result", ret);
}

void Fuzz::DoStart(uint32_t vp)
{
	int k = IdxOf(vp);

	Begin(kStart, k);
	if (k < 0)
		Return(-SD_EINVAL);
	else if (model_[k] == SD_VP_REMOVED)
		Return(-SD_ENOENT);
	else if (model_[k] != SD_VP_AVAIL)
		Return(-SD_EBUSY);
	else if (ArmOrRefuse(k, kRunSt, "before start") == 0)
		WriteToken(k);
	if (k >= 0 && model_[k] == SD_VP_AVAIL) {
		transient_ = SD_VP_SYNC;
		transient2_ = SD_VP_ASYNC;
	}
	bool arms = phase_ == kArm;
	int ret = sd_vp_start(&node_, vp);
	End(ret);
	if (arms) {
		model_[k] = SD_VP_ASYNC;
		scan_reported_[k] = false;
		outstanding_[k] = true;
		started_++;
	}
}

void Fuzz::DoStop(uint32_t vp)
{
	int k = IdxOf(vp);
	bool was_async = k >= 0 && model_[k] == SD_VP_ASYNC;

	Begin(kStop, k);
	if (k < 0) {
		Return(-SD_EINVAL);
	} else if (was_async) {
		uint8_t s = Status(k);

		transient_ = SD_VP_ASYNC_STOPPING;
		if (s == kRunSt) {
			phase_ = kStopping;
		} else if (s == kIdle) {
			Return(0); // done already; a scan will see it
		} else {
			WantStatusReport(k, s, "while stopping");
			Return(-SD_EIO);
		}
	} else if (model_[k] == SD_VP_ASYNC_STOPPING ||
		   model_[k] == SD_VP_ASYNC_STOPPED) {
		Return(0);
	} else {
		Return(model_[k] == SD_VP_REMOVED ? -SD_ENOENT : -SD_EINVAL);
	}
	End(sd_vp_stop(&node_, vp));
	if (was_async)
		model_[k] = SD_VP_ASYNC_STOPPING;
}

void Fuzz::DoNextStopped(uint64_t timeout)
{
	Begin(kNextStopped, -1);
	deadline_ = clock_ + timeout;
	Scan();
	if (timeout == 0) {
		want_any_stopped_ = AnyStopped();
		Return(want_any_stopped_ ? 0 : -SD_EAGAIN);
	} else {
		phase_ = kTaking;
		Advance();
	}
	End(sd_node_next_stopped(&node_, timeout));
}

void Fuzz::DoWaitStopped(uint32_t vp, uint64_t timeout)
{
	int k = IdxOf(vp);

	Begin(kWaitStopped, k);
	deadline_ = clock_ + timeout;
	if (k < 0) {
		Return(-SD_EINVAL);
	} else {
		Scan();
		phase_ = kTaking;
		Advance();
	}
	int ret = sd_vp_wait_stopped(&node_, vp, timeout);
	End(ret);
	if (ret == 0)
		Handout((uint32_t)k);
}

void Fuzz::DoPoll()
{
	Begin(kPoll, -1);
	Scan();
	Return(AnyStopped() ? SD_POLLIN : 0);
	End((int)sd_node_poll(&node_));
}

void Fuzz::DoWaitReady(uint64_t timeout)
{
	Begin(kWaitReady, -1);
	deadline_ = clock_ + timeout;
	Scan();
	phase_ = kTaking;
	Advance();
	End(sd_node_wait_ready(&node_, timeout));
}

void Fuzz::DoRemove(uint32_t vp, uint64_t timeout)
{
	int k = IdxOf(vp);

	Begin(kRemove, k);
	deadline_ = clock_ + timeout;
	if (k < 0)
		Return(-SD_EINVAL);
	else if (model_[k] == SD_VP_REMOVED)
		Return(-SD_ENOENT);
	else if (model_[k] != SD_VP_AVAIL)
		Return(-SD_EBUSY);
	else
		ArmOrRefuse(k, kRemoveSt, "before remove");
	if (k >= 0 && model_[k] == SD_VP_AVAIL)
		transient_ = SD_VP_REMOVED;
	bool arms = phase_ == kArm;
	End(sd_vp_remove(&node_, vp, timeout));
	// Once told to go, the CPU is never used again, whatever it answers.
	if (arms)
		model_[k] = SD_VP_REMOVED;
}

void Fuzz::DoInterrupt()
{
	Begin(kInterrupt, -1);
	Return(0);
	actor_depth_ = 0;
	Handler();
	End(0);
}

void Fuzz::Step()
{
	uint8_t b = Front();
	uint64_t timeout = kTimeouts[(b >> 4) & 3];

	step_++;
	switch (b & 15) {
	case 0:
	case 1:
		DoRun(DecodeVp(Front()), timeout);
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
	}
	for (uint32_t k = 0; k < count_; k++)
		if (outstanding_[k] || model_[k] == SD_VP_ASYNC ||
		    model_[k] == SD_VP_ASYNC_STOPPING ||
		    model_[k] == SD_VP_ASYNC_STOPPED)
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

	count_ = 2 + h0 % (kMaxCpus - 1);
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

	sidecar_node_params params = fn_->Params();
	sd_node_config cfg{};
	cfg.output = fn_->Output();
	cfg.index = index;
	cfg.params = &params;
	cfg.response_apic_id = ApicOf(base_);
	cfg.response_vector = response_vector_;
	cfg.cancel_timeout_ns = cancel_timeout_;
	cfg.vp_words = words_;
	cfg.vp_word_count = count_;
	// VP numbers are handed out as int: a node beyond that is refused.
	bool fits = (uint64_t)base_ + count_ - 1 <= INT32_MAX;
	int r = sd_node_attach(&node_, &plat_, &cfg);
	if (!fits) {
		if (r != -SD_EINVAL || reports_total_ != 1 ||
		    got_reports_[0].find(": VPs ") == std::string::npos)
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
	}
	CheckAllStates();

	while (front_ < back_)
		Step();
	Drain();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Fuzz(data, size).Run();
	return 0;
}
