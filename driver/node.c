// SPDX-License-Identifier: MIT
/*
 * node: the main kernel's side of one sidecar node. See node.h for the
 * state machine; the comments here are about why it is safe.
 */
#include "sidecar/driver/node.h"

#include "fmt.h"
#include "sidecar/driver/errno.h"

/*
 * VP word: bits 0-7 the state, bit 8 set once an unexpected cpu_status of
 * this claim has been reported (so a scan does not repeat it), bit 9 set
 * while a handle is open (sd_vp_open), bit 10 set once a REMOVING VP's CPU
 * was told to go (a retry may wait for it), bits 11-31 a generation that
 * every claim bumps. A scan that read ASYNC and then saw the CPU idle marks it
 * stopped with a CAS on the whole word, so it can never mark a later start
 * of the same VP (ABA).
 */
#define VP_STATE_MASK 0xffu
#define VP_REPORTED (1u << 8)
#define VP_OPEN (1u << 9)
#define VP_REMOVE_SENT (1u << 10)
#define VP_GEN_SHIFT 11

static inline uint8_t w_state(uint32_t w)
{
	return (uint8_t)(w & VP_STATE_MASK);
}

/* Same claim, new state. */
static inline uint32_t w_with(uint32_t w, uint8_t state)
{
	return (w & ~VP_STATE_MASK) | state;
}

/* A new claim: next generation, nothing reported yet, handle kept. */
static inline uint32_t w_claim(uint32_t w, uint8_t state)
{
	return (((w >> VP_GEN_SHIFT) + 1) << VP_GEN_SHIFT) | (w & VP_OPEN) |
	       state;
}

static inline uint32_t w_gen(uint32_t w)
{
	return w >> VP_GEN_SHIFT;
}

/* The CPU is busy with a command or a removal: no waiter is done yet. */
static inline bool cpu_busy(uint8_t s)
{
	return s == SIDECAR_CPU_STATUS_RUN || s == SIDECAR_CPU_STATUS_STOP ||
	       s == SIDECAR_CPU_STATUS_REMOVE;
}

static inline uint32_t ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline bool cas(uint32_t *p, uint32_t *expected, uint32_t desired)
{
	return __atomic_compare_exchange_n(p, expected, desired, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * The moves of driver/include/sidecar/driver/vp_transitions.def, only. A
 * walk down the table: the commonest moves (claim, release) are its first
 * lines, and at -O1 that costs fewer instructions than a mask lookup.
 */
static bool transition_ok(uint8_t from, uint8_t to)
{
#define SD_VP_TRANSITION(f, t, by)                \
	if (from == SD_VP_##f && to == SD_VP_##t) \
		return true;
#include "sidecar/driver/vp_transitions.def"
#undef SD_VP_TRANSITION
	return from == to;
}

static inline uint8_t status(const struct sd_node *n, uint32_t idx)
{
	return sidecar_cpu_status_load(n->control, idx);
}

static uint64_t now(const struct sd_node *n)
{
	return n->plat->now_ns(n->plat->ctx);
}

static uint64_t deadline_after(const struct sd_node *n, uint64_t timeout)
{
	uint64_t t = now(n);

	return t + timeout < t ? UINT64_MAX : t + timeout;
}

static void report_transition(struct sd_node *n, uint32_t idx, uint8_t from,
			      uint8_t to);

/*
 * Every change of a VP word: a CAS that reports a move the transition table
 * does not have (the table and this file disagree: a bug in one of them).
 * It still makes the move, so that no retry loop can spin on it.
 */
static bool vp_cas(struct sd_node *n, uint32_t idx, uint32_t *expected,
		   uint32_t desired)
{
	uint8_t from = w_state(*expected), to = w_state(desired);
	bool done = cas(&n->vp[idx].word, expected, desired);

	if (done && !transition_ok(from, to))
		report_transition(n, idx, from, to);
	return done;
}

static void race(struct sd_node *n, enum sd_race_point where, uint32_t idx)
{
	if (n->plat->race)
		n->plat->race(n->plat->ctx, where, n->base_cpu + idx);
}

/* Reports: "sidecar node 3: vp 37: <what>". */
struct msg {
	char text[224];
	struct sd_buf b;
};

static struct sd_buf *msg_begin(const struct sd_node *n, struct msg *m,
				uint32_t idx)
{
	sd_buf_init(&m->b, m->text, sizeof(m->text));
	sd_buf_str(&m->b, "sidecar node ");
	sd_buf_u64(&m->b, n->index);
	sd_buf_str(&m->b, ": ");
	if (idx != UINT32_MAX) {
		sd_buf_str(&m->b, "vp ");
		sd_buf_u64(&m->b, (uint64_t)n->base_cpu + idx);
		sd_buf_str(&m->b, ": ");
	}
	return &m->b;
}

static void msg_send(struct sd_node *n, struct msg *m)
{
	__atomic_fetch_add(&n->reports, 1, __ATOMIC_RELAXED);
	if (n->plat && n->plat->report)
		n->plat->report(n->plat->ctx, m->text);
}

static void buf_status(struct sd_buf *b, uint8_t s)
{
	static const char *const names[] = { "REMOVED", "IDLE", "RUN", "STOP",
					     "REMOVE" };

	if (s < sizeof(names) / sizeof(names[0])) {
		sd_buf_str(b, names[s]);
	} else {
		sd_buf_str(b, "unknown value ");
		sd_buf_u64(b, s);
	}
}

static void buf_duration(struct sd_buf *b, uint64_t ns)
{
	if (ns % 1000000 == 0) {
		sd_buf_u64(b, ns / 1000000);
		sd_buf_str(b, " ms");
	} else {
		sd_buf_u64(b, ns / 1000);
		sd_buf_str(b, " us");
	}
}

static void report_status(struct sd_node *n, uint32_t idx, uint8_t s,
			  const char *when)
{
	struct msg m;
	struct sd_buf *b = msg_begin(n, &m, idx);

	sd_buf_str(b, "unexpected cpu_status ");
	buf_status(b, s);
	sd_buf_str(b, " ");
	sd_buf_str(b, when);
	msg_send(n, &m);
}

static void report_transition(struct sd_node *n, uint32_t idx, uint8_t from,
			      uint8_t to)
{
	struct msg m;
	struct sd_buf *b = msg_begin(n, &m, idx);

	sd_buf_str(b, "state ");
	sd_buf_u64(b, from);
	sd_buf_str(b, " -> ");
	sd_buf_u64(b, to);
	sd_buf_str(b, " is not in the transition table");
	msg_send(n, &m);
}

static void report_timeout(struct sd_node *n, uint32_t idx, const char *what,
			   uint64_t ns, const char *then)
{
	struct msg m;
	struct sd_buf *b = msg_begin(n, &m, idx);

	sd_buf_str(b, what);
	sd_buf_str(b, " within ");
	buf_duration(b, ns);
	sd_buf_str(b, " (cpu_status ");
	buf_status(b, status(n, idx));
	sd_buf_str(b, "); ");
	sd_buf_str(b, then);
	msg_send(n, &m);
}

/*
 * Waking. Waiters count themselves in before they read their sequence word
 * and check their condition; wakers change the condition, bump the word,
 * then read the count. All four are sequentially consistent, so either the
 * waiter sees the new word (and the condition) or the waker sees the
 * waiter. A VP's waiter waits on the VP's slot; the node's readers on the
 * node's word.
 */
static void wake_word(struct sd_node *n, uint32_t *seq, uint32_t *waiters)
{
	__atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(waiters, __ATOMIC_SEQ_CST))
		n->plat->wake(n->plat->ctx, seq);
}

static void wake_vp(struct sd_node *n, uint32_t idx)
{
	wake_word(n, &n->vp[idx].wake_seq, &n->vp[idx].waiters);
}

/* A started VP may have stopped: the readers and any poller look again. */
static void wake_readers(struct sd_node *n)
{
	wake_word(n, &n->wake_seq, &n->waiters);
	if (n->plat->notify)
		n->plat->notify(n->plat->ctx);
}

static inline uint8_t vp_state(const struct sd_node *n, uint32_t idx)
{
	return w_state(ld(&n->vp[idx].word));
}

static bool started(uint8_t state)
{
	return state == SD_VP_ASYNC || state == SD_VP_ASYNC_STOPPING;
}

/*
 * A thread may wait for this VP's CPU to finish: its owner (SYNC: a run or
 * its cancel; REMOVING: a remove; REMOVED: a racing remove that has not
 * seen the answer the other one took), or a collector of a started VP.
 * AVAIL and ASYNC_STOPPED have no such waiter (the scan that marks a VP
 * stopped wakes its collectors itself), and a command armed after the
 * interrupt read AVAIL raises attention again when it completes: the
 * claim came before the arm, the arm before that completion.
 */
static bool watched(uint8_t state)
{
	return state != SD_VP_AVAIL && state != SD_VP_ASYNC_STOPPED;
}

/* Wakes VP i's waiters if its CPU is done; true if the VP is started. */
static inline bool interrupt_vp(struct sd_node *n, uint32_t i, bool all)
{
	uint8_t st = w_state(ld(&n->vp[i].word));

	if ((all && !watched(st)) || cpu_busy(status(n, i)))
		return false;
	wake_vp(n, i);
	return started(st);
}

void sd_node_interrupt(struct sd_node *n)
{
	bool stopped = false;

	if (!sidecar_needs_attention_load(n->control))
		return;
	if (!sidecar_needs_attention_xchg(n->control, 0))
		return;
	/*
	 * An RMW, like the one in rescan(), so the two are ordered: see
	 * there.
	 */
	__atomic_exchange_n(&n->scan_needed, 1, __ATOMIC_ACQ_REL);
	/*
	 * Each completion stored its cpu_status before the attention we
	 * took, so every CPU that is done shows it now. A started VP's
	 * readers wait on the node's word, not the VP's: while any VP is
	 * started, every VP whose state someone may wait on (watched()) is
	 * looked at. Otherwise only the VPs with a waiter are (waitmap;
	 * node_wait() keeps it), and a VP without one needs no wake-up:
	 * its next waiter checks its condition before it sleeps.
	 */
	if (__atomic_load_n(&n->n_started, __ATOMIC_SEQ_CST)) {
		/* Locals: the acquire loads would reload n->vp and count. */
		uint32_t count = n->cpu_count;

		for (uint32_t i = 0; i < count; i++)
			stopped |= interrupt_vp(n, i, true);
	} else {
		uint32_t words = (n->cpu_count + 63) / 64;

		for (uint32_t k = 0; k < words; k++) {
			uint64_t bits = __atomic_load_n(&n->waitmap[k],
							__ATOMIC_SEQ_CST);

			for (; bits; bits &= bits - 1)
				stopped |= interrupt_vp(
					n,
					k * 64 +
						(uint32_t)__builtin_ctzll(bits),
					false);
		}
	}
	if (stopped)
		wake_readers(n);
}

/*
 * A VP's waiters are counted in vp->waiters and flagged in the waitmap,
 * which the interrupt handler walks. The last waiter to leave clears the
 * bit; a waiter that came in meanwhile may have set it before that clear,
 * so the leaver looks at the count again, sets the bit back, and does
 * what a handler that ran in the gap would have done for the VP. All of it
 * sequentially consistent: a handler that missed the bit read the map
 * before that second set, after the CPU's status, which the leaver then
 * sees.
 */
static inline void waiter_enter(struct sd_node *n, uint32_t idx)
{
	__atomic_fetch_add(&n->vp[idx].waiters, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&n->waitmap[idx / 64], 1ull << (idx % 64),
			  __ATOMIC_SEQ_CST);
}

static void waiter_leave(struct sd_node *n, uint32_t idx)
{
	uint64_t bit = 1ull << (idx % 64);

	if (__atomic_fetch_sub(&n->vp[idx].waiters, 1, __ATOMIC_SEQ_CST) != 1)
		return;
	__atomic_fetch_and(&n->waitmap[idx / 64], ~bit, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&n->vp[idx].waiters, __ATOMIC_SEQ_CST))
		return;
	__atomic_fetch_or(&n->waitmap[idx / 64], bit, __ATOMIC_SEQ_CST);
	if (!cpu_busy(status(n, idx)))
		wake_vp(n, idx);
}

/* A wait condition: > 0 done, 0 not yet, < 0 fail with that error. */
typedef int (*cond_fn)(struct sd_node *n, uint32_t idx, void *arg);

/* Waits on VP idx's slot, or on the node's word for idx UINT32_MAX. */
static int node_wait(struct sd_node *n, cond_fn cond, uint32_t idx, void *arg,
		     uint64_t deadline, bool interruptible)
{
	const struct sd_platform *p = n->plat;
	bool node = idx == UINT32_MAX;
	uint32_t *seq = node ? &n->wake_seq : &n->vp[idx].wake_seq;
	int r;

	if (node)
		__atomic_fetch_add(&n->waiters, 1, __ATOMIC_SEQ_CST);
	else
		waiter_enter(n, idx);
	for (;;) {
		uint32_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);

		/*
		 * Acknowledge here too: the IPI may be off or late. The
		 * handler's own first test, here, saves a call per turn.
		 */
		if (sidecar_needs_attention_load(n->control))
			sd_node_interrupt(n);
		r = cond(n, idx, arg);
		if (r != 0)
			break;
		if (now(n) >= deadline) {
			r = -SD_ETIMEDOUT;
			break;
		}
		r = p->wait(p->ctx, seq, seen, deadline, interruptible);
		if (r == -SD_EINTR && interruptible)
			break;
	}
	if (node)
		__atomic_fetch_sub(&n->waiters, 1, __ATOMIC_SEQ_CST);
	else
		waiter_leave(n, idx);
	return r > 0 ? 0 : r;
}

/*
 * Marks every started VP whose CPU is idle again as stopped. Runs in thread
 * context, only after an attention or a start or stop asked for it.
 */
static void scan(struct sd_node *n)
{
	bool found = false;

	if (!ld(&n->scan_needed))
		return;
	if (!__atomic_exchange_n(&n->scan_needed, 0, __ATOMIC_ACQ_REL))
		return;
	for (uint32_t i = 0; i < n->cpu_count; i++) {
		uint32_t w = ld(&n->vp[i].word);

		while (started(w_state(w))) {
			/*
			 * ASYNC is stored after the CPU was set to RUN, so
			 * this load sees RUN or something newer.
			 */
			uint8_t s = status(n, i);

			if (s == SIDECAR_CPU_STATUS_RUN ||
			    s == SIDECAR_CPU_STATUS_STOP)
				break;
			if (s != SIDECAR_CPU_STATUS_IDLE) {
				/* Once per claim, not on every scan. */
				if (w & VP_REPORTED)
					break;
				if (vp_cas(n, i, &w, w | VP_REPORTED)) {
					report_status(n, i, s, "while started");
					break;
				}
				continue; /* w reloaded */
			}
			if (vp_cas(n, i, &w, w_with(w, SD_VP_ASYNC_STOPPED))) {
				race(n, SD_RACE_SCAN_MARKED, i);
				/* Counted after marking: never one too many. */
				__atomic_fetch_add(&n->num_stopped, 1,
						   __ATOMIC_ACQ_REL);
				/* Uncounted after marking: never one too few. */
				__atomic_fetch_sub(&n->n_started, 1,
						   __ATOMIC_SEQ_CST);
				wake_vp(n, i);
				found = true;
				break;
			}
			/* w reloaded: a stop raced with us; look again. */
		}
	}
	if (found)
		wake_readers(n);
}

/*
 * A VP went through a state that scans skip (SYNC before ASYNC, or
 * STOP_PENDING) while its CPU may have finished, and a scan in between
 * skipped it. Ask for another scan with an RMW on scan_needed: if the
 * interrupt handler's RMW comes after ours, its scan sees the VP; if it
 * came before, we see the CPU idle here and wake the readers ourselves.
 */
static void rescan(struct sd_node *n, uint32_t idx)
{
	uint8_t s;

	__atomic_exchange_n(&n->scan_needed, 1, __ATOMIC_ACQ_REL);
	s = status(n, idx);
	if (s != SIDECAR_CPU_STATUS_RUN && s != SIDECAR_CPU_STATUS_STOP) {
		wake_vp(n, idx);
		wake_readers(n);
	}
}

/* Takes one of num_stopped for the caller; false if there is none. */
static bool reserve_stopped(struct sd_node *n)
{
	int32_t v = __atomic_load_n(&n->num_stopped, __ATOMIC_ACQUIRE);

	while (v > 0)
		if (__atomic_compare_exchange_n(&n->num_stopped, &v, v - 1,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

static void unreserve_stopped(struct sd_node *n)
{
	__atomic_fetch_add(&n->num_stopped, 1, __ATOMIC_ACQ_REL);
}

static bool in_node(const struct sd_node *n, uint32_t vp)
{
	return vp >= n->base_cpu && vp - n->base_cpu < n->cpu_count;
}

/* AVAIL -> state, for the caller alone. */
static int claim(struct sd_node *n, uint32_t vp, uint8_t state, uint32_t *idx,
		 uint32_t *word)
{
	uint32_t i, w;

	if (!in_node(n, vp))
		return -SD_EINVAL;
	i = vp - n->base_cpu;
	w = ld(&n->vp[i].word);
	for (;;) {
		switch (w_state(w)) {
		case SD_VP_AVAIL:
			*word = w_claim(w, state);
			if (vp_cas(n, i, &w, *word)) {
				*idx = i;
				return 0;
			}
			break; /* w reloaded */
		case SD_VP_REMOVED:
			return -SD_ENOENT;
		default:
			return -SD_EBUSY;
		}
	}
}

/*
 * The owner moves its VP from one state to the next. Only the handle bit
 * may change under it (sd_vp_open/close), so the CAS loops on that alone.
 */
static bool owned_move(struct sd_node *n, uint32_t idx, uint32_t word,
		       uint8_t to)
{
	uint32_t w = ld(&n->vp[idx].word);

	while ((w & ~VP_OPEN) == (word & ~VP_OPEN))
		if (vp_cas(n, idx, &w, w_with(w, to)))
			return true;
	return false;
}

/* The owner sets a flag on its VP's word, which *word then includes. */
static bool owned_flag(struct sd_node *n, uint32_t idx, uint32_t *word,
		       uint32_t flag)
{
	uint32_t w = ld(&n->vp[idx].word);

	while ((w & ~VP_OPEN) == (*word & ~VP_OPEN)) {
		if (cas(&n->vp[idx].word, &w, w | flag)) {
			*word |= flag;
			return true;
		}
	}
	return false;
}

static void report_owned(struct sd_node *n, uint32_t idx)
{
	struct msg m;

	sd_buf_str(msg_begin(n, &m, idx), "VP state changed under its owner");
	msg_send(n, &m);
}

/* Back to AVAIL. */
static void release(struct sd_node *n, uint32_t idx, uint32_t word)
{
	if (!owned_move(n, idx, word, SD_VP_AVAIL))
		report_owned(n, idx);
}

/*
 * The claimed CPU must be idle: after a cancel that timed out it may still
 * be busy with the abandoned command, and its late result would land in
 * whatever the owner writes next.
 */
static int check_idle_slow(struct sd_node *n, uint32_t idx, uint8_t s,
			   const char *when);

/* The idle case inline: every claim goes through here. */
static inline int check_idle(struct sd_node *n, uint32_t idx, const char *when)
{
	uint8_t s = status(n, idx);

	return s == SIDECAR_CPU_STATUS_IDLE ? 0 :
					      check_idle_slow(n, idx, s, when);
}

static int check_idle_slow(struct sd_node *n, uint32_t idx, uint8_t s,
			   const char *when)
{
	struct msg m;
	struct sd_buf *b;

	if (s != SIDECAR_CPU_STATUS_RUN && s != SIDECAR_CPU_STATUS_STOP) {
		report_status(n, idx, s, when);
		return -SD_EIO;
	}
	b = msg_begin(n, &m, idx);
	sd_buf_str(b, "still busy with an abandoned command (");
	buf_status(b, s);
	sd_buf_str(b, ") ");
	sd_buf_str(b, when);
	msg_send(n, &m);
	return -SD_EBUSY;
}

/* The owner moves its idle CPU to `to` (RUN or REMOVE). */
static int arm(struct sd_node *n, uint32_t idx, uint8_t to, const char *when)
{
	uint8_t s = SIDECAR_CPU_STATUS_IDLE;

	if (sidecar_cpu_status_cas(n->control, idx, &s, to))
		return 0;
	/* It was IDLE at the claim: only a broken sidecar changes that. */
	report_status(n, idx, s, when);
	return -SD_EIO;
}

static void kick(struct sd_node *n, uint32_t idx)
{
	const struct sd_platform *p = n->plat;

	p->send_ipi(p->ctx, n->vp[idx].apic_id, n->request_vector);
}

static int cond_done(struct sd_node *n, uint32_t idx, void *arg)
{
	uint8_t s = status(n, idx);

	(void)arg;
	return s != SIDECAR_CPU_STATUS_RUN && s != SIDECAR_CPU_STATUS_STOP;
}

static int cond_not_stop(struct sd_node *n, uint32_t idx, void *arg)
{
	(void)arg;
	return status(n, idx) != SIDECAR_CPU_STATUS_STOP;
}

static int cond_not_remove(struct sd_node *n, uint32_t idx, void *arg)
{
	(void)arg;
	return status(n, idx) != SIDECAR_CPU_STATUS_REMOVE;
}

/* RUN -> STOP and wait for IDLE, bounded by the cancel timeout. */
static int cancel(struct sd_node *n, uint32_t idx)
{
	uint64_t deadline = deadline_after(n, n->cancel_timeout_ns);
	int r;

	for (;;) {
		uint8_t s = status(n, idx);

		switch (s) {
		case SIDECAR_CPU_STATUS_IDLE:
			return 0;
		case SIDECAR_CPU_STATUS_RUN:
			if (sidecar_cpu_status_cas(n->control, idx, &s,
						   SIDECAR_CPU_STATUS_STOP))
				kick(n, idx);
			break;
		case SIDECAR_CPU_STATUS_STOP:
			r = node_wait(n, cond_not_stop, idx, NULL, deadline,
				      false);
			if (r) {
				report_timeout(n, idx,
					       "cancelled command not done",
					       n->cancel_timeout_ns,
					       "VP busy until it is");
				return r;
			}
			break;
		default:
			report_status(n, idx, s, "while cancelling");
			return -SD_EIO;
		}
	}
}

int sd_vp_claim(struct sd_node *n, uint32_t vp, struct sd_claim *c)
{
	uint32_t idx;
	int r;

	c->vp = vp;
	c->armed = false;
	r = claim(n, vp, SD_VP_SYNC, &idx, &c->word);
	if (r)
		return r;
	r = check_idle(n, idx, "when claimed");
	if (r)
		release(n, idx, c->word);
	return r;
}

/* The claim is live: its VP is SYNC in its generation. */
static bool claim_ok(struct sd_node *n, const struct sd_claim *c)
{
	uint32_t w;

	if (!in_node(n, c->vp) || w_state(c->word) != SD_VP_SYNC)
		return false;
	w = ld(&n->vp[c->vp - n->base_cpu].word);
	return w_state(w) == SD_VP_SYNC && w_gen(w) == w_gen(c->word);
}

void sd_vp_release(struct sd_node *n, struct sd_claim *c)
{
	if (claim_ok(n, c))
		release(n, c->vp - n->base_cpu, c->word);
	c->word = 0;
}

int sd_vp_run(struct sd_node *n, struct sd_claim *c, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_after(n, timeout_ns);
	uint32_t idx;
	uint8_t s;
	int r, k;

	c->armed = false;
	if (!claim_ok(n, c))
		return -SD_EINVAL;
	idx = c->vp - n->base_cpu;
	r = arm(n, idx, SIDECAR_CPU_STATUS_RUN, "before run");
	if (r)
		goto out;
	c->armed = true;
	kick(n, idx);
	r = node_wait(n, cond_done, idx, NULL, deadline, true);
	if (r == 0) {
		s = status(n, idx);
		if (s != SIDECAR_CPU_STATUS_IDLE) {
			report_status(n, idx, s, "while running");
			r = -SD_EIO;
		}
		goto out;
	}
	k = cancel(n, idx);
	if (k)
		r = k;
	else if (r == -SD_ETIMEDOUT)
		report_timeout(n, idx, "command not done", timeout_ns,
			       "cancelled");
out:
	release(n, idx, c->word);
	c->word = 0;
	return r;
}

int sd_vp_start(struct sd_node *n, struct sd_claim *c)
{
	uint32_t idx;
	int r;

	c->armed = false;
	if (!claim_ok(n, c))
		return -SD_EINVAL;
	idx = c->vp - n->base_cpu;
	/*
	 * Counted before the CPU can finish: an interrupt for its answer
	 * then looks at every VP, as the readers need.
	 */
	__atomic_fetch_add(&n->n_started, 1, __ATOMIC_SEQ_CST);
	/*
	 * Claimed as SYNC, which scans ignore, and only made ASYNC once the
	 * CPU is RUN: a scan must never pair ASYNC with the IDLE of before
	 * the start.
	 */
	r = arm(n, idx, SIDECAR_CPU_STATUS_RUN, "before start");
	if (r) {
		__atomic_fetch_sub(&n->n_started, 1, __ATOMIC_SEQ_CST);
		release(n, idx, c->word);
		c->word = 0;
		return r;
	}
	c->armed = true;
	race(n, SD_RACE_START_ARMED, idx);
	if (!owned_move(n, idx, c->word, SD_VP_ASYNC)) {
		/* Not started after all: no scan will uncount it. */
		__atomic_fetch_sub(&n->n_started, 1, __ATOMIC_SEQ_CST);
		report_owned(n, idx);
	}
	c->word = 0;
	kick(n, idx);
	/* The command may have finished before ASYNC was visible. */
	rescan(n, idx);
	return 0;
}

int sd_vp_stop(struct sd_node *n, uint32_t vp)
{
	uint32_t idx, w, marked;
	uint8_t s;
	int r = 0;

	if (!in_node(n, vp))
		return -SD_EINVAL;
	idx = vp - n->base_cpu;
	w = ld(&n->vp[idx].word);
	for (;;) {
		switch (w_state(w)) {
		case SD_VP_ASYNC:
			/*
			 * STOP_PENDING keeps scans off the VP while we tell
			 * the CPU: the command cannot be collected and a new
			 * one started in between, so RUN below is ours.
			 */
			marked = w_with(w, SD_VP_STOP_PENDING);
			if (vp_cas(n, idx, &w, marked))
				goto stop_cpu;
			continue; /* w reloaded */
		case SD_VP_STOP_PENDING:
		case SD_VP_ASYNC_STOPPING:
		case SD_VP_ASYNC_STOPPED:
			return 0;
		case SD_VP_REMOVING:
		case SD_VP_REMOVED:
			return -SD_ENOENT;
		default:
			return -SD_EINVAL; /* not started */
		}
	}
stop_cpu:
	race(n, SD_RACE_STOP_MARKED, idx);
	s = SIDECAR_CPU_STATUS_RUN;
	if (sidecar_cpu_status_cas(n->control, idx, &s,
				   SIDECAR_CPU_STATUS_STOP)) {
		kick(n, idx);
	} else if (s != SIDECAR_CPU_STATUS_IDLE &&
		   s != SIDECAR_CPU_STATUS_STOP) {
		/* IDLE: already done; STOP: already told. */
		report_status(n, idx, s, "while stopping");
		r = -SD_EIO;
	}
	if (!owned_move(n, idx, marked, SD_VP_ASYNC_STOPPING))
		report_owned(n, idx);
	rescan(n, idx);
	return r;
}

/* Takes any stopped VP, starting at the cursor so none starves. */
static int take_any(struct sd_node *n, uint32_t unused, void *arg)
{
	uint32_t *vp = arg;
	uint32_t start;

	(void)unused;
	scan(n);
	if (!reserve_stopped(n))
		return 0;
	/*
	 * The reservation means a stopped VP is there for us, though another
	 * reserved taker may win the one we try: look until we have one.
	 */
	for (uint32_t pass = 0; pass <= n->cpu_count; pass++) {
		start = ld(&n->cursor);
		for (uint32_t k = 0; k < n->cpu_count; k++) {
			uint32_t i = (start + k) % n->cpu_count;
			uint32_t w = ld(&n->vp[i].word);

			if (w_state(w) != SD_VP_ASYNC_STOPPED)
				continue;
			if (!vp_cas(n, i, &w, w_with(w, SD_VP_AVAIL)))
				continue; /* another taker won */
			__atomic_store_n(&n->cursor, i + 1, __ATOMIC_RELAXED);
			*vp = n->base_cpu + i;
			return 1;
		}
	}
	unreserve_stopped(n);
	return 0;
}

int sd_node_next_stopped(struct sd_node *n, uint64_t timeout_ns)
{
	uint32_t vp;
	int r;

	if (timeout_ns == 0) {
		sd_node_interrupt(n);
		r = take_any(n, 0, &vp);
		return r > 0 ? (int)vp : -SD_EAGAIN;
	}
	r = node_wait(n, take_any, UINT32_MAX, &vp,
		      deadline_after(n, timeout_ns), true);
	return r ? r : (int)vp;
}

static int take_vp(struct sd_node *n, uint32_t idx, void *arg)
{
	uint32_t w;

	(void)arg;
	scan(n);
	w = ld(&n->vp[idx].word);
	for (;;) {
		switch (w_state(w)) {
		case SD_VP_ASYNC_STOPPED:
			/* Not counted yet: the scan wakes us when it is. */
			if (!reserve_stopped(n))
				return 0;
			if (vp_cas(n, idx, &w, w_with(w, SD_VP_AVAIL)))
				return 1;
			unreserve_stopped(n);
			continue; /* w reloaded */
		case SD_VP_ASYNC:
		case SD_VP_STOP_PENDING:
		case SD_VP_ASYNC_STOPPING:
			return 0;
		case SD_VP_REMOVING:
		case SD_VP_REMOVED:
			return -SD_ENOENT;
		default:
			return -SD_EINVAL; /* not started */
		}
	}
}

int sd_vp_wait_stopped(struct sd_node *n, uint32_t vp, uint64_t timeout_ns)
{
	if (!in_node(n, vp))
		return -SD_EINVAL;
	return node_wait(n, take_vp, vp - n->base_cpu, NULL,
			 deadline_after(n, timeout_ns), true);
}

unsigned int sd_node_poll(struct sd_node *n)
{
	sd_node_interrupt(n);
	scan(n);
	return __atomic_load_n(&n->num_stopped, __ATOMIC_ACQUIRE) > 0 ?
		       SD_POLLIN :
		       0;
}

static int cond_ready(struct sd_node *n, uint32_t idx, void *arg)
{
	(void)idx;
	(void)arg;
	scan(n);
	return __atomic_load_n(&n->num_stopped, __ATOMIC_ACQUIRE) > 0;
}

int sd_node_wait_ready(struct sd_node *n, uint64_t timeout_ns)
{
	int r = node_wait(n, cond_ready, UINT32_MAX, NULL,
			  deadline_after(n, timeout_ns), true);

	return r ? r : SD_POLLIN;
}

/* The CPU answered a REMOVE (or the wait for it ended): finish the VP. */
static int removal_done(struct sd_node *n, uint32_t idx, uint32_t word,
			uint64_t timeout_ns, int r)
{
	uint8_t s;

	if (r) {
		if (r == -SD_ETIMEDOUT)
			report_timeout(n, idx, "CPU not removed", timeout_ns,
				       "still REMOVING; try again");
		return r;
	}
	s = status(n, idx);
	/* A racing retry may have finished it first: that is success too. */
	owned_move(n, idx, word, SD_VP_REMOVED);
	if (s != SIDECAR_CPU_STATUS_REMOVED) {
		report_status(n, idx, s, "while removing");
		return -SD_EIO;
	}
	return 0;
}

int sd_vp_remove(struct sd_node *n, uint32_t vp, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_after(n, timeout_ns);
	uint32_t idx, w;
	int r;

	if (!in_node(n, vp))
		return -SD_EINVAL;
	idx = vp - n->base_cpu;
	w = ld(&n->vp[idx].word);
	if (w_state(w) == SD_VP_REMOVING) {
		/*
		 * A retry after a timeout: the CPU may have answered since.
		 * Unless another remove has claimed the VP and not yet told
		 * the CPU: then there is nothing to wait for yet (the model
		 * check found a retry that took IDLE for an answer).
		 */
		if (!(w & VP_REMOVE_SENT))
			return -SD_EBUSY;
		kick(n, idx);
	} else {
		r = claim(n, vp, SD_VP_REMOVING, &idx, &w);
		if (r)
			return r;
		race(n, SD_RACE_REMOVE_CLAIMED, idx);
		r = check_idle(n, idx, "before remove");
		if (!r)
			r = arm(n, idx, SIDECAR_CPU_STATUS_REMOVE,
				"before remove");
		if (r) {
			release(n, idx, w);
			return r;
		}
		if (!owned_flag(n, idx, &w, VP_REMOVE_SENT))
			report_owned(n, idx);
		kick(n, idx);
	}
	r = node_wait(n, cond_not_remove, idx, NULL, deadline, false);
	return removal_done(n, idx, w, timeout_ns, r);
}

int sd_vp_open(struct sd_node *n, uint32_t vp)
{
	uint32_t *word, w;

	if (!in_node(n, vp))
		return -SD_EINVAL;
	word = &n->vp[vp - n->base_cpu].word;
	w = ld(word);
	do {
		if (w & VP_OPEN)
			return -SD_EBUSY;
	} while (!cas(word, &w, w | VP_OPEN));
	return 0;
}

void sd_vp_close(struct sd_node *n, uint32_t vp)
{
	if (in_node(n, vp))
		__atomic_fetch_and(&n->vp[vp - n->base_cpu].word, ~VP_OPEN,
				   __ATOMIC_ACQ_REL);
}

struct sidecar_vp_shared_pages *sd_node_vp_pages(struct sd_node *n, uint32_t vp)
{
	if (!in_node(n, vp))
		return NULL;
	return &n->shmem[vp - n->base_cpu];
}

int sd_vp_state(const struct sd_node *n, uint32_t vp)
{
	if (!in_node(n, vp))
		return -SD_EINVAL;
	return vp_state(n, vp - n->base_cpu);
}

static int attach_fail(struct sd_node *n, struct msg *m)
{
	msg_send(n, m);
	return -SD_EINVAL;
}

static bool vector_ok(uint32_t v)
{
	return v >= 16 && v <= 255;
}

int sd_node_attach(struct sd_node *n, const struct sd_platform *plat,
		   const struct sd_node_config *cfg)
{
	const struct sidecar_node_output *out = &cfg->output;
	struct sidecar_control_page *cp;
	uint32_t index, base, count, rv;
	struct msg m;
	struct sd_buf *b;

	sd_memzero(n, sizeof(*n));
	n->plat = plat;
	n->index = cfg->index;
	b = msg_begin(n, &m, UINT32_MAX);
	if (!plat->vp_apic_id || !plat->send_ipi || !plat->now_ns ||
	    !plat->wait || !plat->wake || !plat->map) {
		sd_buf_str(b, "platform callback missing");
		return attach_fail(n, &m);
	}
	if (!out->control_page || out->control_page % SIDECAR_PAGE_SIZE) {
		sd_buf_str(b, "control_page ");
		sd_buf_hex(b, out->control_page);
		sd_buf_str(b, " is not a page address");
		return attach_fail(n, &m);
	}
	cp = plat->map(plat->ctx, out->control_page, SIDECAR_PAGE_SIZE);
	if (!cp) {
		sd_buf_str(b, "cannot map the control page");
		return attach_fail(n, &m);
	}
	n->control = cp;
	index = sidecar_control_load32(&cp->index);
	base = sidecar_control_load32(&cp->base_cpu);
	count = sidecar_control_load32(&cp->cpu_count);
	rv = sidecar_control_load32(&cp->request_vector);
	if (index != cfg->index) {
		sd_buf_str(b, "control page index ");
		sd_buf_u64(b, index);
		sd_buf_str(b, " is not the node's");
		return attach_fail(n, &m);
	}
	if (count < 2 || count > SIDECAR_MAX_VPS_PER_NODE) {
		sd_buf_str(b, "cpu_count ");
		sd_buf_u64(b, count);
		sd_buf_str(b, " not in 2..4032");
		return attach_fail(n, &m);
	}
	/*
	 * VPs are handed out as int (sd_node_next_stopped): a larger one
	 * would read as an error, and a range past 2^32 wraps.
	 */
	if ((uint64_t)base + count - 1 > INT32_MAX) {
		sd_buf_str(b, "VPs ");
		sd_buf_u64(b, base);
		sd_buf_str(b, "+");
		sd_buf_u64(b, count);
		sd_buf_str(b, " go beyond 2147483647");
		return attach_fail(n, &m);
	}
	if (cfg->params &&
	    (base != cfg->params->base_vp || count != cfg->params->vp_count)) {
		sd_buf_str(b, "control page has VPs ");
		sd_buf_u64(b, base);
		sd_buf_str(b, "+");
		sd_buf_u64(b, count);
		sd_buf_str(b, ", params ");
		sd_buf_u64(b, cfg->params->base_vp);
		sd_buf_str(b, "+");
		sd_buf_u64(b, cfg->params->vp_count);
		return attach_fail(n, &m);
	}
	if (!vector_ok(rv)) {
		sd_buf_str(b, "request_vector ");
		sd_buf_u64(b, rv);
		sd_buf_str(b, " not in 16..255");
		return attach_fail(n, &m);
	}
	if (cfg->response_vector && !vector_ok(cfg->response_vector)) {
		sd_buf_str(b, "response_vector ");
		sd_buf_u64(b, cfg->response_vector);
		sd_buf_str(b, " not 0 or in 16..255");
		return attach_fail(n, &m);
	}
	/*
	 * The base CPU belongs to the main kernel; the others wait idle, or
	 * are REMOVED when the sidecar could not start them.
	 */
	for (uint32_t i = 0; i < count; i++) {
		uint8_t s = sidecar_cpu_status_load(cp, i);
		uint8_t want = i ? SIDECAR_CPU_STATUS_IDLE :
				   SIDECAR_CPU_STATUS_REMOVED;

		if (s != want && !(i && s == SIDECAR_CPU_STATUS_REMOVED)) {
			sd_buf_str(b, "cpu_status[");
			sd_buf_u64(b, i);
			sd_buf_str(b, "] is ");
			buf_status(b, s);
			sd_buf_str(b, ", not ");
			buf_status(b, want);
			return attach_fail(n, &m);
		}
	}
	if (!out->shmem_pages_base ||
	    out->shmem_pages_base % SIDECAR_PAGE_SIZE) {
		sd_buf_str(b, "shmem_pages_base ");
		sd_buf_hex(b, out->shmem_pages_base);
		sd_buf_str(b, " is not a page address");
		return attach_fail(n, &m);
	}
	if (out->shmem_pages_size !=
	    (uint64_t)count * sizeof(struct sidecar_vp_shared_pages)) {
		sd_buf_str(b, "shmem_pages_size ");
		sd_buf_hex(b, out->shmem_pages_size);
		sd_buf_str(b, " is not cpu_count ");
		sd_buf_u64(b, count);
		sd_buf_str(b, " x ");
		sd_buf_hex(b, sizeof(struct sidecar_vp_shared_pages));
		return attach_fail(n, &m);
	}
	if (!cfg->vp_slots || cfg->vp_slot_count < count) {
		sd_buf_str(b, "vp_slots holds ");
		sd_buf_u64(b, cfg->vp_slots ? cfg->vp_slot_count : 0);
		sd_buf_str(b, " < cpu_count ");
		sd_buf_u64(b, count);
		return attach_fail(n, &m);
	}
	n->shmem = plat->map(plat->ctx, out->shmem_pages_base,
			     out->shmem_pages_size);
	if (!n->shmem) {
		sd_buf_str(b, "cannot map the shared pages");
		return attach_fail(n, &m);
	}
	n->base_cpu = base;
	n->cpu_count = count;
	n->request_vector = rv;
	n->cancel_timeout_ns = cfg->cancel_timeout_ns ?
				       cfg->cancel_timeout_ns :
				       SD_DEFAULT_CANCEL_TIMEOUT_NS;
	n->vp = cfg->vp_slots;
	sd_memzero(n->vp, (uint64_t)count * sizeof(*n->vp));
	for (uint32_t i = 0; i < count; i++) {
		n->vp[i].word = sidecar_cpu_status_load(cp, i) ==
						SIDECAR_CPU_STATUS_IDLE ?
					SD_VP_AVAIL :
					SD_VP_REMOVED;
		/* Fixed for the CPU's life: not looked up on every kick. */
		n->vp[i].apic_id = plat->vp_apic_id(plat->ctx, base + i);
	}
	/* The vector last: non-zero is what turns the IPIs on. */
	sidecar_control_store32(&cp->response_cpu, cfg->response_apic_id);
	sidecar_control_store32(&cp->response_vector, cfg->response_vector);
	return 0;
}
