/* SPDX-License-Identifier: MIT */
/*
 * node: the main kernel's side of one sidecar node (DESIGN.md section 5).
 *
 * VPs are named by hypervisor VP index (base_cpu + index in the node), as
 * the main kernel names CPUs. Each VP has a state word, changed only by
 * compare-and-swap:
 *
 *   AVAIL -> SYNC                     sd_vp_claim: the caller owns the VP
 *                                     and its command page (the CPU is IDLE)
 *   SYNC -> AVAIL                     sd_vp_run (run and wait), or
 *                                     sd_vp_release (nothing run)
 *   SYNC -> ASYNC                     sd_vp_start
 *   ASYNC -> STOP_PENDING             sd_vp_stop, while it tells the CPU
 *   STOP_PENDING -> ASYNC_STOPPING    sd_vp_stop, once it has
 *   ASYNC[_STOPPING] -> ASYNC_STOPPED a scan saw the CPU idle again
 *   ASYNC_STOPPED -> AVAIL            handed out by sd_node_next_stopped or
 *                                     sd_vp_wait_stopped
 *   AVAIL -> REMOVING -> REMOVED      sd_vp_remove (converted; final)
 *
 * A command page is written only between a successful claim and the run
 * or start that consumes it, and a claim succeeds only on an IDLE CPU: so
 * an abandoned command that completes late can never land in the next
 * one's request. A claim on a busy VP (or one whose CPU is still busy with
 * an abandoned command) is -SD_EBUSY, on a removed one -SD_ENOENT, on a VP
 * outside the node -SD_EINVAL; a sidecar that breaks the protocol (an
 * unexpected cpu_status) is reported and gives -SD_EIO (a scan reports that
 * of a started VP once per start). Every wait has a deadline and ends in
 * -SD_ETIMEDOUT; a run, cancel or remove that times out is also reported,
 * a wait for a stopped VP is not (that is polling).
 *
 * Wake-ups are per VP: a completion wakes the thread waiting on that VP,
 * and the node's readers only when a started VP stopped; the platform's
 * optional notify() hears of every completion of a started VP (each one
 * that can make sd_node_poll ready), for sleepers that poll rather than
 * wait in the driver.
 *
 * Thread safety: every function may be called from any thread at any time,
 * except sd_node_attach; sd_node_interrupt may also be called from an
 * interrupt handler. The holder of a claim owns the VP's command page.
 */
#ifndef SIDECAR_DRIVER_NODE_H
#define SIDECAR_DRIVER_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "sidecar/defs.h"
#include "sidecar/driver/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sd_vp_state {
	SD_VP_AVAIL = 0,
	SD_VP_SYNC = 1,
	SD_VP_ASYNC = 2,
	SD_VP_ASYNC_STOPPING = 3,
	SD_VP_ASYNC_STOPPED = 4,
	SD_VP_STOP_PENDING = 5,
	SD_VP_REMOVING = 6,
	SD_VP_REMOVED = 0xff,
};

/* The driver's memory for one CPU of the node. */
struct sd_vp_slot {
	/* State, flags and generation: see node.c. */
	uint32_t word;
	/* Bumped (then wake) when this VP's waiter may have to look again. */
	uint32_t wake_seq;
	/* Threads in a wait on this VP; wake() is skipped when there are none. */
	uint32_t waiters;
	/* The CPU's APIC ID, asked of the platform once at attach. */
	uint32_t apic_id;
};

/* A claim on one VP, from sd_vp_claim until a run, start or release. */
struct sd_claim {
	uint32_t vp;
	/* The VP's word as claimed (its generation). */
	uint32_t word;
	/* The command reached the CPU (it was set to RUN). */
	bool armed;
};

/* sd_node_poll() readiness bit: a started VP has stopped. */
#define SD_POLLIN 0x1

/* Default time a cancelled command gets to reach IDLE. */
#define SD_DEFAULT_CANCEL_TIMEOUT_NS 1000000000ull

struct sd_node_config {
	/* What the sidecar entry returned for this node. */
	struct sidecar_node_output output;
	/* The node's index in SidecarOutput; checked against the page. */
	uint32_t index;
	/*
	 * The params the node was started with, to cross-check base_cpu and
	 * cpu_count; NULL to trust the control page.
	 */
	const struct sidecar_node_params *params;
	/* Where the sidecar sends its response IPI (0 vector: none). */
	uint32_t response_apic_id;
	uint32_t response_vector;
	/* 0: SD_DEFAULT_CANCEL_TIMEOUT_NS. */
	uint64_t cancel_timeout_ns;
	/* One slot per CPU of the node, owned by the node once attached. */
	struct sd_vp_slot *vp_slots;
	uint32_t vp_slot_count;
};

struct sd_node {
	const struct sd_platform *plat;
	struct sidecar_control_page *control;
	struct sidecar_vp_shared_pages *shmem;
	uint32_t index;
	uint32_t base_cpu;
	uint32_t cpu_count;
	uint32_t request_vector;
	uint64_t cancel_timeout_ns;
	/* Per-VP state and wake-ups. */
	struct sd_vp_slot *vp;

	/*
	 * The node's readers (sd_node_next_stopped, sd_node_wait_ready):
	 * bumped (then wake) when a started VP may have stopped.
	 */
	uint32_t wake_seq;
	/* Readers in a wait; wake() is skipped when there are none. */
	uint32_t waiters;
	/* Set by the interrupt handler (and by starts): a scan is due. */
	uint32_t scan_needed;
	/*
	 * VPs in ASYNC_STOPPED, less those a taker has reserved: never more
	 * than are there, for a moment fewer (a scan counts after marking).
	 */
	int32_t num_stopped;
	/* Where the next search for a stopped VP begins, for fairness. */
	uint32_t cursor;
	/*
	 * VPs between sd_vp_start and the scan that marks them stopped, or
	 * more for a moment: while there are any, the interrupt handler
	 * looks at every VP (their readers wait on the node's word).
	 */
	uint32_t n_started;
	/*
	 * Bit i: VP i may have a waiter (node.c: node_wait). With no VP
	 * started, the handler looks only at these, so its cost does not
	 * grow with the node.
	 */
	uint64_t waitmap[(SIDECAR_MAX_VPS_PER_NODE + 63) / 64];
	/* Problems reported through plat->report, for tests and stats. */
	uint32_t reports;
};

/*
 * Validates the node's control page (index, base_cpu, cpu_count in
 * 2..SIDECAR_MAX_VPS_PER_NODE, every VP number at most INT32_MAX as
 * sd_node_next_stopped returns them as int, request_vector, CPU 0 REMOVED
 * and the others IDLE or REMOVED) and the per-CPU shared memory size
 * (exactly one struct sidecar_vp_shared_pages per CPU), then sets
 * response_cpu and response_vector. A CPU that is REMOVED at attach is one
 * the sidecar could not start (it reported why): it starts out REMOVED in
 * the driver too, and every claim on it is -SD_ENOENT. Returns 0 or
 * -SD_EINVAL (reported).
 */
int sd_node_attach(struct sd_node *n, const struct sd_platform *plat,
		   const struct sd_node_config *cfg);

/* The command and register pages of VP vp, or NULL outside the node. */
struct sidecar_vp_shared_pages *sd_node_vp_pages(struct sd_node *n,
						 uint32_t vp);

/*
 * The enum sd_vp_state of VP vp, or -SD_EINVAL outside the node. For
 * diagnostics and tests: it may change at once.
 */
int sd_vp_state(const struct sd_node *n, uint32_t vp);

/*
 * Claims VP vp for the caller (AVAIL -> SYNC): from now until sd_vp_run,
 * sd_vp_start or sd_vp_release the caller alone may write its command page.
 * Fails with the codes above; -SD_EBUSY also while the CPU still runs an
 * abandoned command (a cancel that timed out). c->armed is false.
 */
int sd_vp_claim(struct sd_node *n, uint32_t vp, struct sd_claim *c);

/* Gives a claim back without running anything. */
void sd_vp_release(struct sd_node *n, struct sd_claim *c);

/*
 * Runs the command on the claimed VP's command page, waits for it and
 * releases the claim. If the wait is interrupted or times out, cancels
 * (RUN -> STOP) and waits up to the node's cancel timeout for the CPU to be
 * idle; the command page then holds the result of the (possibly cut short)
 * command and the call returns -SD_EINTR or -SD_ETIMEDOUT. If even the
 * cancel times out, the VP is handed back but every claim is -SD_EBUSY
 * until the CPU is idle again. c->armed says whether the command reached
 * the CPU; -SD_EINVAL (nothing done) if c is not a live claim.
 */
int sd_vp_run(struct sd_node *n, struct sd_claim *c, uint64_t timeout_ns);

/*
 * Starts the command on the claimed VP's command page and returns at once;
 * the claim passes to the started VP (collected by sd_node_next_stopped or
 * sd_vp_wait_stopped).
 */
int sd_vp_start(struct sd_node *n, struct sd_claim *c);

/*
 * A VP handle for one user at a time (the VMM's VP thread): 0, or
 * -SD_EBUSY if the VP already has one, -SD_EINVAL outside the node. Claims
 * do not check it; the client does.
 */
int sd_vp_open(struct sd_node *n, uint32_t vp);
void sd_vp_close(struct sd_node *n, uint32_t vp);

/*
 * Asks a started VP to stop (RUN -> STOP). 0 if it was started, even if it
 * has already stopped or is stopping; -SD_EINVAL if it was not started.
 * It never reaches a later command of the same VP.
 */
int sd_vp_stop(struct sd_node *n, uint32_t vp);

/*
 * Takes the next started VP that has stopped, waiting up to timeout_ns (0:
 * do not wait, -SD_EAGAIN). Returns its VP index, which is AVAIL again.
 * Interruptible.
 */
int sd_node_next_stopped(struct sd_node *n, uint64_t timeout_ns);

/*
 * Waits until the started VP vp has stopped and takes it (-> AVAIL).
 * Interruptible. Do not mix with sd_node_next_stopped for the same VP.
 */
int sd_vp_wait_stopped(struct sd_node *n, uint32_t vp, uint64_t timeout_ns);

/* SD_POLLIN if a started VP has stopped and waits to be taken, else 0. */
unsigned int sd_node_poll(struct sd_node *n);

/*
 * Waits up to timeout_ns for sd_node_poll to be non-zero; returns it, or
 * -SD_ETIMEDOUT / -SD_EINTR.
 */
int sd_node_wait_ready(struct sd_node *n, uint64_t timeout_ns);

/*
 * Converts an idle VP to a main-kernel CPU: IDLE -> REMOVE, then waits for
 * the CPU to report REMOVED. On -SD_ETIMEDOUT the VP stays REMOVING (every
 * claim is -SD_EBUSY) and the report says where it hung; calling again
 * waits again and succeeds once the CPU reports REMOVED late. On -SD_EIO
 * (any other answer) the VP is REMOVED for good. A CPU that is not IDLE is
 * refused before it is told anything: -SD_EBUSY (an abandoned command) or
 * -SD_EIO.
 */
int sd_vp_remove(struct sd_node *n, uint32_t vp, uint64_t timeout_ns);

/*
 * The response IPI handler: acknowledges needs_attention, wakes the waiter
 * of each VP whose CPU left RUN, STOP or REMOVE, wakes the readers if a
 * started VP is among them, and tells plat->notify; the scans happen in
 * thread context. Safe in interrupt context if plat->wake and notify are.
 */
void sd_node_interrupt(struct sd_node *n);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_DRIVER_NODE_H */
