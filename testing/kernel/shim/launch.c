/*
 * SidecarParams the way the boot shim makes them: driver/launch over the
 * MADT's CPU list (position = VP index), the NUMA layout from the command
 * line, and node memory from pmem inside each NUMA node's SRAT ranges,
 * outside the shim's own memory: the entry's identity map does not reach
 * it (DESIGN §3).
 */
#include <stdint.h>

#include <kernel/acpi.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/shim.h>
#include <kernel/smp.h>

#define MAX_RANGES 32
#define BOOT_CPUS_MAX 1280 /* "boot_cpus=" and 256 CPUs of up to 4 chars */

static struct acpi_mem_range ranges[MAX_RANGES];
static unsigned int nr_ranges;
static bool ranges_read;

static void read_ranges(void)
{
	if (ranges_read)
		return;
	ranges_read = true;
	nr_ranges = acpi_numa_memory(boot_info.rsdp_pa, ranges, MAX_RANGES);
	for (unsigned int i = 0; i < nr_ranges; i++)
		printf("shim: NUMA node %u memory 0x%lx-0x%lx\n",
		       ranges[i].node, ranges[i].base,
		       ranges[i].base + ranges[i].size - 1);
}

bool shim_numa_of(uint64_t pa, uint32_t *node)
{
	read_ranges();
	for (unsigned int i = 0; i < nr_ranges; i++) {
		if (pa >= ranges[i].base &&
		    pa - ranges[i].base < ranges[i].size) {
			*node = ranges[i].node;
			return true;
		}
	}
	/* Without an SRAT, all memory is node 0's. */
	*node = 0;
	return nr_ranges == 0;
}

static bool alloc(void *ctx, uint32_t numa, uint64_t size, uint64_t *pa)
{
	(void)ctx;
	if (!nr_ranges) {
		*pa = numa ? 0 : pmem_alloc_outside(size, 4096, 0, UINT64_MAX);
		return *pa != 0;
	}
	for (unsigned int i = 0; i < nr_ranges; i++) {
		if (ranges[i].node != numa)
			continue;
		*pa = pmem_alloc_outside(size, 4096, ranges[i].base,
					 ranges[i].base + ranges[i].size);
		if (*pa)
			return true;
	}
	return false;
}

static const struct sd_mem_allocator allocator = { .alloc = alloc };

/* The launcher's CPU list: MADT order, NUMA nodes from numa=. */
static uint32_t cpu_list(const struct shim_layout *l, struct sd_cpu *cpus)
{
	unsigned int n, k = 0;
	const uint32_t *ids = smp_madt_apic_ids(&n);

	for (unsigned int i = 0; i < n; i++) {
		cpus[i].apic_id = ids[i];
		cpus[i].numa_node = 0;
	}
	if (!l->nr_numa)
		return n;
	for (uint32_t node = 0; node < l->nr_numa; node++)
		for (uint32_t j = 0; j < l->numa[node]; j++, k++)
			if (k < n)
				cpus[k].numa_node = node;
	if (k != n)
		panic("shim: numa= lists %u CPUs, the MADT %u", k, n);
	return n;
}

enum sd_launch_result
shim_launch(const struct shim_layout *l, uint64_t hypercall_page,
	    const struct sidecar_per_cpu_state *initial_state,
	    struct sidecar_params *p, struct sd_launch_info *plan)
{
	static struct sd_cpu cpus[MAX_CPUS];
	static char boot_cpus[BOOT_CPUS_MAX];
	struct sd_launch_config cfg = {
		.cpus = cpus,
		.numa_node_count = l->nr_numa,
		.max_node_cpus = l->node_size,
		.x2apic = true, /* the kernel runs in x2APIC mode or panics */
		.hypercall_page = hypercall_page,
		.enable_logging = l->log,
		.mem = &allocator,
		.initial_state = initial_state,
	};
	enum sd_launch_result r;

	read_ranges();
	cfg.cpu_count = cpu_list(l, cpus);
	r = sd_launch_plan(&cfg, p, plan);
	printf("shim: launch %s: %s\n", sd_launch_result_name(r),
	       plan->message);
	for (uint32_t i = 0; i < p->node_count; i++)
		printf("shim: launch node %u: VPs %u..%u on NUMA node %u, "
		       "memory on NUMA node %u\n",
		       i, p->nodes[i].base_vp,
		       p->nodes[i].base_vp + p->nodes[i].vp_count - 1,
		       plan->cpu_numa[i], plan->mem_numa[i]);
	sd_launch_boot_cpus(p, cfg.cpu_count, boot_cpus, sizeof(boot_cpus));
	printf("shim: %s\n", boot_cpus);
	return r;
}
