/*
 * The test kernel as the sidecar's boot shim and main kernel: load the
 * image handed over as a PVH module, build SidecarParams, call the entry,
 * then drive commands through the control and command pages from the BSP
 * (until driver/ takes that over).
 */
#ifndef KERNEL_SHIM_H
#define KERNEL_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sidecar/defs.h"

#define SHIM_IMAGE_ALIGN 0x200000ull /* the image's 2 MiB region */
#define SHIM_ENTRY_STACK 0x10000ull /* >= 16 KiB, as the contract says */
#define SHIM_MAX_NUMA 16
#define SHIM_RESPONSE_VECTOR 0xe0
#define SHIM_TIMER_VECTOR 0xef

struct shim_image {
	uint64_t base; /* physical == virtual (identity map), 2 MiB aligned */
	uint64_t size; /* highest p_vaddr + p_memsz */
	uint64_t entry; /* base + e_entry */
};

/* Checks the ELF (ET_DYN, x86-64, PT_LOADs within 2 MiB) and loads it. */
const char *shim_load_image(uint64_t file_pa, uint64_t file_size,
			    struct shim_image *img);

struct shim_layout {
	uint32_t vps; /* VPs 0..vps-1 */
	uint32_t node_size; /* at most this many VPs per node */
	uint32_t nr_numa; /* 0: one NUMA node with every VP */
	uint32_t numa[SHIM_MAX_NUMA]; /* VPs per NUMA node, in VP order */
	bool log; /* enable_logging */
};

/*
 * The minimal placement: each NUMA node's VPs in consecutive chunks of
 * node_size (a chunk of one VP stays out), each node's memory from pmem
 * after the image, sidecar_required_memory() bytes.
 */
void shim_build_params(struct sidecar_params *p, const struct shim_layout *l,
		       uint64_t hypercall_page);
/*
 * One override after placement: "FIELD=VALUE" (hypercall_page,
 * enable_logging, node_count) or "node[i].FIELD=VALUE" (memory_base,
 * memory_size, base_vp, vp_count). VALUE is a number or
 * "@SYMBOL[+-NUMBER]" (see shim_param_value). NULL or an error text.
 */
const char *shim_apply_param(struct sidecar_params *p, const char *s,
			     size_t len);
void shim_print_params(const struct sidecar_params *p);
bool shim_parse_number(const char *s, size_t len, uint64_t *out);

/*
 * Addresses only known at run time, for overrides that place node memory
 * over them on purpose: @image, @image_end, @params, @output,
 * @hypercall_page, and @nodeN / @nodeN_end (node N's memory as the
 * overrides so far left it).
 */
struct shim_symbols {
	uint64_t image;
	uint64_t image_end;
	uint64_t params;
	uint64_t output;
	uint64_t hypercall_page;
};

void shim_set_symbols(const struct shim_symbols *s);
/* A number, or @SYMBOL optionally followed by +N or -N. */
bool shim_param_value(const struct sidecar_params *p, const char *s, size_t len,
		      uint64_t *out);

/* Calls the entry on its own stack, interrupts off. */
bool shim_call_entry(const struct shim_image *img, uint64_t params_pa,
		     uint64_t output_pa);
/* arch part: entry(params, output) with RSP = stack_top. */
uint64_t shim_call_on_stack(uint64_t entry, uint64_t params_pa,
			    uint64_t output_pa, uint64_t stack_top);

/* A node as the driver sees it after a successful boot. */
struct shim_node {
	uint32_t index;
	uint32_t base_vp;
	uint32_t vp_count;
	struct sidecar_control_page *control;
	struct sidecar_vp_shared_pages *shared; /* [vp_count] */
};

/* Response IPIs (SHIM_RESPONSE_VECTOR) and a 1 ms wake-up timer. */
void shim_driver_init(void);
void shim_driver_fini(void);
uint32_t shim_responses(void);

/*
 * Runs one command on node CPU idx: the caller has filled the request
 * data; CAS IDLE -> RUN, request IPI, wait for IDLE and the response IPI.
 * Panics with "watchdog: VP n stuck in status S (command C)" after
 * watchdog_ms. Returns false if the sidecar set has_error (its text is
 * printed).
 */
bool shim_command(struct shim_node *n, uint32_t idx, uint32_t command,
		  uint64_t watchdog_ms);
/* The halves of shim_command(), for commands that are stopped. */
void shim_command_start(struct shim_node *n, uint32_t idx, uint32_t command);
bool shim_command_wait(struct shim_node *n, uint32_t idx, uint32_t command,
		       uint32_t responses_before, uint64_t watchdog_ms);
/* RUN -> STOP and a request IPI: ends a RUN_VP at its next exit. */
void shim_command_stop(struct shim_node *n, uint32_t idx);

#endif
