// SPDX-License-Identifier: MIT
/*
 * The BSP's part of boot, at the high address: validate everything the
 * shim handed over before touching any memory, copy the hypercall page,
 * read the VSM configuration, set up every node, start every VP through
 * the fan-out, and return once none is left starting.
 */
#include "cpu.h"
#include "hypercall.h"
#include "log.h"
#include "paging.h"
#include "sidecar/core/error.h"
#include "sidecar/core/fanout.h"
#include "sidecar/core/validate.h"
#include "start_vp.h"
#include "vmem.h"
#include "x2apic.h"

extern uint8_t __image_start[], __image_end[];
extern uint8_t sc_isr_stubs[];
extern uint8_t sc_idt[4096];

/* 64-bit code at 0x10, data at 0x18: the selectors of hv_facts §9. */
const uint64_t sc_gdt[4] __attribute__((aligned(16))) = {
	0,
	0,
	0x00af9b000000ffffull,
	0x00cf93000000ffffull,
};

static struct sc_cpu bsp_cpu __attribute__((aligned(64)));

void sc_bsp_cpu_init(struct sc_cpu *cpu);

/* #DF runs on IST1 (the top of the AP's stack, see start_vp.c). */
#define DF_VECTOR 8
#define DF_IST 1ull

/* Interrupt gates for every vector, written through the IDT's identity
 * alias: the image maps it read-only. */
static void build_idt(uint64_t image_pa)
{
	uint64_t *idt =
		(uint64_t *)(image_pa + (uint64_t)(sc_idt - __image_start));

	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(sc_isr_stubs + 16 * v);

		idt[2 * v] = (a & 0xffff) | (0x10ull << 16) | (0x8eull << 40) |
			     ((a >> 16 & 0xffff) << 48) |
			     (v == DF_VECTOR ? DF_IST << 32 : 0);
		idt[2 * v + 1] = a >> 32;
	}
}

/* The MXCSR bits this CPU accepts; 0 in the fxsave image means 0xffbf. */
static uint32_t read_mxcsr_mask(void)
{
	uint8_t area[512] __attribute__((aligned(16)));
	uint32_t mask;

	__asm__ volatile("fxsave %0" : "=m"(area));
	__builtin_memcpy(&mask, area + 28, sizeof(mask));
	return mask ? mask : 0xffbf;
}

static bool fail(struct sidecar_output *out, const char *what, uint16_t status)
{
	sc_error_set(&out->error, "%s failed: status 0x%x (%s)", what, status,
		     sc_hv_status_text(status));
	return false;
}

static void init_node(struct sc_cpu *cpu, struct sc_node *node, uint32_t index,
		      const struct sidecar_node_params *np,
		      struct sidecar_node_output *no)
{
	struct sidecar_control_page *cp;

	node->index = index;
	node->base_vp = np->base_vp;
	node->vp_count = np->vp_count;
	node->next_index = 1;
	sc_node_layout(np->memory_base, np->vp_count, &node->layout);

	/* Node memory is outside the shim's identity map (DESIGN §3). */
	cp = sc_temp_map(cpu, node->layout.control_pa);
	__builtin_memset(cp, 0, sizeof(*cp));
	cp->index = index;
	cp->base_cpu = np->base_vp;
	cp->cpu_count = np->vp_count;
	cp->request_vector = SC_REQUEST_VECTOR;
	/*
	 * The base VP is the main kernel's whatever initial_state says (were
	 * it RUN, nobody would start it and the boot would wait on it); so
	 * is every VP initial_state gives it, REMOVED from the outset and
	 * never claimed by the fan-out.
	 */
	cp->cpu_status[0] = SIDECAR_CPU_STATUS_REMOVED;
	for (uint32_t i = 1; i < np->vp_count; i++)
		cp->cpu_status[i] =
			sc_sidecar_starts_vp(&sc_image.initial_state,
					     np->base_vp + i) ?
				SIDECAR_CPU_STATUS_RUN :
				SIDECAR_CPU_STATUS_REMOVED;

	no->control_page = node->layout.control_pa;
	no->shmem_pages_base = node->layout.shmem_base;
	no->shmem_pages_size = node->layout.shmem_size;
}

/*
 * Waits until no VP is left in RUN. A VP still in RUN after the bound
 * never came online, or faulted on the way (it reports that itself), or
 * was claimed by one that did: it is marked REMOVED, like a VP whose start
 * the hypervisor refused, so the main kernel may start it itself, and the
 * boot goes on with the others. A healthy boot under TCG takes seconds.
 */
#define ONLINE_BOUND_CYCLES (20ull * 1000 * 1000 * 1000)

static void wait_for_vps(struct sc_cpu *cpu)
{
	uint64_t start = rdtsc();

	for (uint32_t n = 0; n < sc_image.node_count; n++) {
		struct sc_node *node = &sc_image.nodes[n];
		struct sidecar_control_page *cp =
			sc_temp_map(cpu, node->layout.control_pa);

		for (uint32_t i = 1; i < node->vp_count; i++) {
			uint8_t expected = SIDECAR_CPU_STATUS_RUN;

			while (sidecar_cpu_status_load(cp, i) ==
				       SIDECAR_CPU_STATUS_RUN &&
			       rdtsc() - start <= ONLINE_BOUND_CYCLES)
				cpu_relax();
			if (sidecar_cpu_status_cas(cp, i, &expected,
						   SIDECAR_CPU_STATUS_REMOVED))
				sc_report(cpu,
					  "VP %u (node %u cpu %u) did not come "
					  "online; marked REMOVED",
					  node->base_vp + i, n, i);
		}
	}
}

bool sc_bsp_main(uint64_t params_pa, uint64_t output_pa, uint64_t image_pa)
{
	const struct sidecar_params *p = (const void *)params_pa;
	struct sidecar_output *out = (void *)output_pa;
	struct sc_cpu *cpu = &bsp_cpu;
	uint64_t old_gs = rdmsr(X86_MSR_GS_BASE);
	struct hv_register_value v;
	uint16_t status;
	bool ok = false;

	sc_image.image_pa = image_pa;
	sc_image.image_size = (uint64_t)(__image_end - __image_start);
	sc_bsp_cpu_init(cpu);
	wrmsr(X86_MSR_GS_BASE, (uint64_t)cpu);

	const struct sc_reserved_range reserved[] = {
		{ image_pa, sc_image.image_size, "the image" },
		{ params_pa, SIDECAR_PAGE_SIZE, "the params page" },
		{ output_pa, SIDECAR_PAGE_SIZE, "the output page" },
		/* The shim reuses it after the copy (docs/HARDENING.md). */
		{ p->hypercall_page, SIDECAR_PAGE_SIZE, "the hypercall page" },
	};
	sc_error_clear(&out->error);
	if (!sc_validate_params(p, reserved, 4, &out->error))
		goto out;
	sc_image.enable_logging = p->enable_logging != 0;
	sc_image.node_count = p->node_count;
	sc_image.initial_state = p->initial_state;

	/* The shim reuses the hypervisor's page: run from our own copy. */
	__builtin_memcpy((void *)sc_image_va_to_pa(sc_hcall_page),
			 (const void *)p->hypercall_page, 4096);
	write_cr3(read_cr3());

	status = sc_hv_get_vp_register(cpu, 0,
				       HV_REGISTER_VSM_CODE_PAGE_OFFSETS, &v);
	if (status != HV_STATUS_SUCCESS) {
		ok = fail(out, "reading VsmCodePageOffsets", status);
		goto out;
	}
	sc_image.vtl_return_offset = hv_vsm_code_page_offsets_return(v.reg64);
	status =
		sc_hv_get_vp_register(cpu, 0, HV_REGISTER_VSM_CAPABILITIES, &v);
	if (status != HV_STATUS_SUCCESS) {
		ok = fail(out, "reading VsmCapabilities", status);
		goto out;
	}
	sc_image.dr6_shared = hv_vsm_capabilities_dr6_shared(v.reg64);
	sc_image.mxcsr_mask = read_mxcsr_mask();
	build_idt(image_pa);

	for (uint32_t n = 0; n < SIDECAR_MAX_NODES; n++) {
		if (n < p->node_count)
			init_node(cpu, &sc_image.nodes[n], n, &p->nodes[n],
				  &out->nodes[n]);
		else
			__builtin_memset(&out->nodes[n], 0,
					 sizeof(out->nodes[n]));
	}
	sc_log(cpu, "%u node(s), VTL return at +0x%x, dr6_shared %d",
	       sc_image.node_count, sc_image.vtl_return_offset,
	       sc_image.dr6_shared);

	sc_fan_out_nodes(cpu);
	wait_for_vps(cpu);
	ok = true;
	sc_log(cpu, "boot complete");
out:
	wrmsr(X86_MSR_GS_BASE, old_gs);
	return ok;
}

/* Before relocation: no formatter, no absolute addresses. */
void sc_report_bad_relocations(uint64_t output_pa)
{
	static const char msg[] = "image: unsupported dynamic relocation";
	struct sidecar_output *out = (void *)output_pa;

	for (unsigned int i = 0; i < sizeof(msg) - 1; i++)
		out->error.buf[i] = (uint8_t)msg[i];
	out->error.len = sizeof(msg) - 1;
}
