/* SPDX-License-Identifier: MIT */
/*
 * launch: the boot shim's side. Turns the CPU topology into the sidecar's
 * input (struct sidecar_params) and the main kernel's boot_cpus= list.
 */
#ifndef SIDECAR_DRIVER_LAUNCH_H
#define SIDECAR_DRIVER_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sidecar/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most CPUs in one sidecar node: enough main-kernel CPUs to serve them. */
#define SD_MAX_NODE_CPUS 32

/* One CPU; its position in the list is its hypervisor VP index. */
struct sd_cpu {
	uint32_t apic_id;
	uint32_t numa_node;
};

/* Physical memory for the sidecar nodes. */
struct sd_mem_allocator {
	void *ctx;
	/*
	 * size bytes, page aligned, on NUMA node numa_node. Returns false if
	 * that node has not got them.
	 */
	bool (*alloc)(void *ctx, uint32_t numa_node, uint64_t size,
		      uint64_t *pa);
	/* Optional: returns what alloc gave when the launch gives up. */
	void (*free)(void *ctx, uint64_t pa, uint64_t size);
};

struct sd_launch_config {
	const struct sd_cpu *cpus;
	uint32_t cpu_count;
	/* NUMA nodes to try for memory; 0: the highest CPU node + 1. */
	uint32_t numa_node_count;
	/*
	 * Most CPUs per node, 1..SD_MAX_NODE_CPUS; 0: SD_MAX_NODE_CPUS. A
	 * smaller value gives more, smaller nodes (tests, and a main kernel
	 * with CPUs to spare).
	 */
	uint32_t max_node_cpus;
	/* The CPUs run in x2APIC mode; the sidecar needs it for its IPIs. */
	bool x2apic;
	uint64_t hypercall_page;
	bool enable_logging;
	const struct sd_mem_allocator *mem;
	/*
	 * HEAD's per-CPU start state, copied into params; NULL or not
	 * specified: the sidecar starts every AP of its nodes. Specified,
	 * every CPU must have an entry (cpu_count <= 400), and each CPU it
	 * marks false goes to boot_cpus= (the image leaves it REMOVED).
	 */
	const struct sidecar_per_cpu_state *initial_state;
};

enum sd_launch_result {
	SD_LAUNCH_OK = 0, /* start the sidecar with the params */
	/* no CPUs, a CPU's node out of range, or max_node_cpus too big */
	SD_LAUNCH_BAD_CONFIG,
	SD_LAUNCH_NO_X2APIC,
	SD_LAUNCH_ONE_CPU_CHUNKS, /* every chunk has one CPU: nothing to gain */
	SD_LAUNCH_TOO_MANY_NODES, /* more than SIDECAR_MAX_NODES chunks */
	SD_LAUNCH_NO_MEMORY, /* a node's memory fits on no NUMA node */
};

struct sd_launch_info {
	enum sd_launch_result result;
	/* Why the sidecar is not used, or a summary; NUL-terminated. */
	char message[160];
	/* For each params node: the NUMA node of its CPUs and of its memory. */
	uint32_t cpu_numa[SIDECAR_MAX_NODES];
	uint32_t mem_numa[SIDECAR_MAX_NODES];
	/* CPUs left to the main kernel because their chunk had one CPU. */
	uint32_t single_cpus;
	uint64_t total_memory;
};

/*
 * Fills params (zeroing it first) and plan. Each run of consecutive CPUs on
 * one NUMA node is split as openhcl_boot does: into the fewest chunks of at
 * most max_node_cpus (SD_MAX_NODE_CPUS by default), all of
 * ceil(run / chunks) CPUs but the last, which is shorter; each chunk of two
 * or more CPUs is a sidecar node whose first CPU stays with the main kernel
 * (openhcl_boot would make a one-CPU chunk a node too, which the image
 * refuses: that CPU simply stays with the main kernel).
 * Each node's memory comes from its own NUMA node if it can, else from the
 * next one (in order, wrapping) that has it. Returns plan->result; on
 * anything but SD_LAUNCH_OK, params has no nodes and everything allocated
 * was freed.
 */
enum sd_launch_result sd_launch_plan(const struct sd_launch_config *cfg,
				     struct sidecar_params *params,
				     struct sd_launch_info *plan);

/*
 * Renders "boot_cpus=0,24,47" into buf: every CPU the main kernel boots,
 * i.e. each node's base VP, each CPU params->initial_state gives it, and
 * each CPU in no node, ascending. Returns the
 * length the whole text needs (without the NUL), like snprintf; buf is
 * always NUL-terminated when size > 0.
 */
size_t sd_launch_boot_cpus(const struct sidecar_params *params,
			   uint32_t cpu_count, char *buf, size_t size);

const char *sd_launch_result_name(enum sd_launch_result r);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_DRIVER_LAUNCH_H */
