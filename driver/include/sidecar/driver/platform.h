/* SPDX-License-Identifier: MIT */
/*
 * What the driver needs from its environment. The driver is portable C with
 * no libc: all blocking, IPIs and memory access go through these callbacks,
 * which the main kernel, the freestanding test kernel (one BSP thread plus
 * an interrupt handler) and the host harness (threads and futexes) provide.
 */
#ifndef SIDECAR_DRIVER_PLATFORM_H
#define SIDECAR_DRIVER_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Points inside the driver where another party's step can land and change
 * the outcome. A test platform's race() hook runs there, so a test can force
 * the interleaving instead of waiting for luck.
 */
enum sd_race_point {
	/* sd_vp_start: the CPU is RUN, the VP not yet ASYNC. */
	SD_RACE_START_ARMED,
	/* sd_vp_stop: the VP is marked stopping, the CPU not yet told. */
	SD_RACE_STOP_MARKED,
	/* A scan marked the VP stopped and has not yet counted it. */
	SD_RACE_SCAN_MARKED,
	/* sd_vp_remove: the VP is REMOVING, the CPU not yet told. */
	SD_RACE_REMOVE_CLAIMED,
};

struct sd_platform {
	void *ctx;

	/* APIC ID of hypervisor VP `vp` (base_cpu + index in its node). */
	uint32_t (*vp_apic_id)(void *ctx, uint32_t vp);

	/* Fixed-delivery, physical-destination IPI. */
	void (*send_ipi)(void *ctx, uint32_t apic_id, uint32_t vector);

	/* Monotonic time in nanoseconds; deadlines are on this clock. */
	uint64_t (*now_ns)(void *ctx);

	/*
	 * Blocks the calling thread while *word == seen, until wake(word),
	 * the deadline, or (if interruptible) a signal for the thread.
	 * Returns 0 (woken, or spuriously), -SD_ETIMEDOUT or -SD_EINTR; the
	 * driver rechecks its condition either way. A "sti; hlt" loop that
	 * returns after any interrupt is a valid implementation.
	 */
	int (*wait)(void *ctx, const uint32_t *word, uint32_t seen,
		    uint64_t deadline_ns, bool interruptible);

	/* Wakes every thread blocked in wait() on word. */
	void (*wake)(void *ctx, const uint32_t *word);

	/*
	 * Maps size bytes of physical memory at pa for the driver's lifetime:
	 * identity in the test kernel, a shared buffer on the host. NULL if
	 * it cannot.
	 */
	void *(*map)(void *ctx, uint64_t pa, uint64_t size);

	/*
	 * Optional: one line about something that went wrong (an unexpected
	 * status, a timeout), like dev_err. msg is NUL-terminated.
	 */
	void (*report)(void *ctx, const char *msg);

	/*
	 * Optional: a started command (sd_vp_start) may have completed, so
	 * sd_node_poll may have become ready; for sleepers that poll instead
	 * of waiting in the driver (like wake_up on a poll queue). Called for
	 * every such completion, possibly more often; may run in interrupt
	 * context.
	 */
	void (*notify)(void *ctx);

	/* Optional, for tests: runs at each race point, for VP vp. */
	void (*race)(void *ctx, enum sd_race_point where, uint32_t vp);
};

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_DRIVER_PLATFORM_H */
