/* SPDX-License-Identifier: MIT */
/*
 * Booting the sidecar image from a scenario: load, place with
 * driver/launch, override, call the entry, check the outcome and every
 * node's VPs, attach driver/node to every node. Commands then go through
 * driver/client (sidecar_client()).
 */
#ifndef SCENARIOS_SIDECAR_BOOT_H
#define SCENARIOS_SIDECAR_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include <hvsim/hvsim.h>
#include <kernel/shim.h>
#include <scenarios/scenario.h>

struct sidecar_boot {
	struct shim_image image;
	struct sidecar_params *params;
	struct sidecar_output *output;
	enum sd_launch_result launch;
	struct sd_launch_info plan;
	uint32_t plan_nodes; /* the launcher's, before param= overrides */
	bool entry_ok;
	uint64_t entry_tsc; /* when the entry was called */
	uint64_t entry_cycles; /* until it returned: every VP left RUN */
	/* VPs whose injected exception (hvsim Fault:) fired in the entry. */
	uint32_t boot_faults;
	bool boot_fault[HVSIM_MAX_VPS];
	uint32_t nr_nodes; /* attached to the driver */
	struct sd_node nodes[SIDECAR_MAX_NODES];
	/* VPs whose client handle sidecar_client() opened last. */
	bool client_open[HVSIM_MAX_VPS];
};

/*
 * Returns true when the scenario should go on with a booted sidecar whose
 * nodes are attached. False when it is over: an expected boot error was
 * seen (the result says whether it was right) or the boot failed
 * (recorded as a failure).
 */
bool sidecar_boot(const struct scenario_env *env, struct sidecar_boot *b);

/*
 * Only the first half, for scenarios that boot more than once: a fresh
 * copy of the image, the launcher's params with the param= overrides, the
 * entry call. Returns what the entry returned; checks nothing, attaches
 * nothing.
 */
bool sidecar_boot_entry(const struct scenario_env *env, struct sidecar_boot *b);

/*
 * The depth of node's start tree (hvsim's records) and in *bound the
 * image's claim for it, ceil(log2 n) for n VPs; every boot checks it.
 */
uint32_t sidecar_start_depth(const struct sidecar_boot *b, uint32_t node,
			     uint32_t *bound);

/* The attached node vp belongs to, or NULL. */
struct sd_node *sidecar_node_of(struct sidecar_boot *b, uint32_t vp);

/* Does the driver have vp as a sidecar CPU it can claim (AVAIL)? */
bool sidecar_vp_usable(struct sidecar_boot *b, uint32_t vp);

/* The usable VPs in VP order, at most max; returns how many. */
uint32_t sidecar_usable_vps(struct sidecar_boot *b, uint32_t *vps,
			    uint32_t max);

/* The same, in an order shuffled by seed. */
uint32_t sidecar_usable_vps_shuffled(struct sidecar_boot *b, uint32_t *vps,
				     uint32_t max, uint64_t seed);

/*
 * A driver/client handle for vp, every synchronous command bounded by the
 * scenario's watchdog. False (a failed check) if vp is in no node.
 */
bool sidecar_client(const struct scenario_env *env, struct sidecar_boot *b,
		    uint32_t vp, struct sd_client_vp *c);

/* The scenario watchdog in the driver's unit. */
uint64_t sidecar_timeout_ns(const struct scenario_env *env);

/* A check that a client call returned 0; prints e's text if not. */
bool sidecar_client_ok(const struct scenario_env *env, int r,
		       const struct sd_client_error *e, uint32_t vp,
		       const char *what);

#endif
