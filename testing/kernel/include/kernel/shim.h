/*
 * The test kernel as the sidecar's boot shim and main kernel: load the
 * image handed over as a PVH module, build SidecarParams with
 * driver/launch, call the entry, then drive commands from the BSP with
 * driver/node and driver/client over the platform below.
 */
#ifndef KERNEL_SHIM_H
#define KERNEL_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sidecar/defs.h"
#include "sidecar/driver.h"

#define SHIM_IMAGE_ALIGN 0x200000ull /* the image's 2 MiB region */
/* openhcl_boot's is 32 KiB without a guard; ours is smaller still. */
#define SHIM_ENTRY_STACK 0x2000ull
/* What the entry may use of it before it switches to its own stack. */
#define SHIM_ENTRY_STACK_BUDGET 0x400ull
#define SHIM_MAX_NUMA 16
/*
 * Node k answers on SHIM_RESPONSE_VECTOR + k % SHIM_RESPONSE_VECTORS: the
 * handler of a vector looks at its own nodes only, so a response costs
 * the same with 1 node or 128.
 */
#define SHIM_RESPONSE_VECTOR 0xa0
#define SHIM_RESPONSE_VECTORS 64
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
	uint32_t node_size; /* most VPs per node (max_node_cpus); 0: 32 */
	uint32_t nr_numa; /* 0: one NUMA node with every VP */
	uint32_t numa[SHIM_MAX_NUMA]; /* CPUs per NUMA node, in VP order */
	bool log; /* enable_logging */
};

/*
 * driver/launch over the MADT CPU list (position = VP index), the NUMA
 * layout and HEAD's per-CPU start state (initial_state), with node memory
 * from pmem on its NUMA node (SRAT ranges).
 * Prints the plan and the boot_cpus= line; returns the launcher's result.
 */
enum sd_launch_result
shim_launch(const struct shim_layout *l, uint64_t hypercall_page,
	    const struct sidecar_per_cpu_state *initial_state,
	    struct sidecar_params *p, struct sd_launch_info *plan);
/* The SRAT NUMA node of pa (node 0 without an SRAT); false: none has it. */
bool shim_numa_of(uint64_t pa, uint32_t *node);

/*
 * One override after placement: "FIELD=VALUE" (hypercall_page,
 * enable_logging, node_count), "node[i].FIELD=VALUE" (memory_base,
 * memory_size, base_vp, vp_count), or HEAD's
 * "initial_state.per_cpu_state_specified=VALUE" and
 * "initial_state.sidecar_starts_cpu[N]=VALUE" (bytes, N < 400). VALUE is a number or
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

/*
 * Calls the entry as openhcl_boot does: interrupts off, on the table
 * shim_boot_map() builds, on a small stack of its own (SHIM_ENTRY_STACK).
 */
bool shim_call_entry(const struct shim_image *img, uint64_t params_pa,
		     uint64_t output_pa, uint64_t hypercall_pa);
/*
 * A fresh page table (its root) that identity-maps only what openhcl_boot
 * maps at the entry: the shim's own memory (the kernel, pmem's own range
 * less the image's 2 MiB region), the image, and the params, output and
 * hypercall pages. Not node memory.
 */
uint64_t shim_boot_map(const struct shim_image *img, uint64_t params_pa,
		       uint64_t output_pa, uint64_t hypercall_pa);
/* arch part: entry(params, output) with RSP = stack_top. */
uint64_t shim_call_on_stack(uint64_t entry, uint64_t params_pa,
			    uint64_t output_pa, uint64_t stack_top);

/*
 * The driver's platform (shim/platform.c), for the BSP only: VP index to
 * x2APIC ID by the MADT list, IPIs through the x2APIC ICR (fenced), time
 * from the calibrated TSC, wait = one bounded `sti; hlt` (a 1 ms APIC
 * timer, SHIM_TIMER_VECTOR, bounds it), wake = nothing (the BSP rechecks
 * after every hlt), map = the kernel's identity map of RAM (direct_map.h),
 * report = a "driver: " line.
 * The first call installs the response (SHIM_RESPONSE_VECTOR..) and timer
 * handlers and starts the timer.
 */
const struct sd_platform *shim_platform(void);
/* Waits spin (with interrupts on) instead of halting: for benchmarks. */
void shim_platform_spin(bool spin);
/* Stops the timer (at the end of a scenario). */
void shim_platform_stop(void);
/*
 * sd_node_attach() for node index of a booted sidecar, responses to the
 * BSP on the node's response vector (whose handler then runs
 * sd_node_interrupt for it). 0 or the driver's error.
 */
int shim_node_attach(struct sd_node *n, uint32_t index,
		     const struct sidecar_params *p,
		     const struct sidecar_output *out,
		     uint64_t cancel_timeout_ns);
/* Forgets every attached node (before booting another sidecar). */
void shim_nodes_detach(void);
/* Response IPIs taken, and driver reports printed, so far. */
uint32_t shim_responses(void);
uint32_t shim_reports(void);
/*
 * A pretend signal: the first interruptible driver wait after ns from now
 * returns -SD_EINTR, as a signal would in a kernel thread.
 */
void shim_signal_after(uint64_t ns);
/* Takes back a pretend signal no wait has seen yet. */
void shim_signal_cancel(void);

#endif
