// SPDX-License-Identifier: MIT
/*
 * hvsim set-up: one VP per MADT CPU, numbered in MADT order (VP index and
 * x2APIC ID are separate name spaces, as on Hyper-V), a host stack per
 * CPU, the hypercall page, SVM; then every AP is brought into hvsim's
 * host loop, where it parks until its VP is started, and the BSP's kernel
 * goes on as its VP's VTL2 guest.
 *
 * Sized from the MADT: the VPs and their stacks by CPU count, the CPU
 * blocks that the AP entry finds its stack in by the highest x2APIC ID
 * (16 bytes per ID, holes included). All of it is outside the shim's own
 * memory.
 */
#include <stdarg.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/direct_map.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/tsc.h>

#include "internal.h"

HVSIM_PRIVATE struct hvsim hvsim;

HVSIM_PRIVATE struct hvsim_cpu *hvsim_cpu_base;
HVSIM_PRIVATE uint32_t hvsim_apic_limit;

void hvsim_config_defaults(struct hvsim_config *cfg)
{
	cfg->vsm_capabilities = 0;
	cfg->init_delay_us = 10;
	cfg->arrive_timeout_ms = 5000;
	cfg->trace = false;
}

struct hvsim_vp *hvsim_vp(uint32_t index)
{
	if (index >= hvsim.nr_vps ||
	    hvsim.vp[index].rec.state == HVSIM_VP_ABSENT)
		return NULL;
	return &hvsim.vp[index];
}

struct hvsim_vp *hvsim_vp_by_apic(uint32_t apic_id)
{
	if (apic_id >= hvsim_apic_limit || !hvsim_cpu_base[apic_id].stack_top)
		return NULL;
	return hvsim_vp(hvsim_cpu_base[apic_id].vp_index);
}

void hvsim_lock(struct hvsim_vp *vp)
{
	while (__atomic_exchange_n(&vp->lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

void hvsim_unlock(struct hvsim_vp *vp)
{
	__atomic_store_n(&vp->lock, 0, __ATOMIC_RELEASE);
}

void hvsim_fail(const struct hvsim_vp *vp, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic("hvsim: VP %u: %s", vp ? vp->rec.vp : HVSIM_NO_VP, msg);
}

static uint32_t cpuid_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(0xb, 0, &a, &b, &c, &d);
	return d;
}

static void check_cpu(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 0xb)
		panic("hvsim: CPUID leaf 0xB missing (max basic leaf 0x%x)", a);
	if (cpuid_apic_id() != cpus[0].apic_id)
		panic("hvsim: CPUID 0xB says x2APIC ID %u, the APIC says %u",
		      cpuid_apic_id(), cpus[0].apic_id);
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	hvsim.maxphyaddr = 36;
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		hvsim.maxphyaddr = a & 0xff;
	}
}

/*
 * The hypercall page, alone in 1 MiB: node memory that a test puts at it
 * overlaps it and nothing else, wherever the image lands.
 */
static void page_build(void)
{
	/* Guest memory, not hvsim's: VTL2 reads it. */
	hvsim.page = (uint8_t *)(uintptr_t)pmem_alloc_outside(
		0x100000, 4096, 0, IDENTITY_MAP_LIMIT);
	if (!hvsim.page)
		panic("hvsim: no RAM below 4 GiB for the hypercall page");
	hvsim_hypercall_page_write(hvsim.page);
}

/* Every AP into the host loop (arch/ap.S), as a hypervisor boots. */
static void park_aps(void)
{
	uint32_t want = hvsim.nr_vps - 1;
	uint64_t start = rdtsc(), deadline;

	smp_trampoline_install((uintptr_t)hvsim_ap_start64);
	for (uint32_t i = 0; i < hvsim.nr_vps; i++)
		if (i != hvsim.bsp)
			hvsim_apic_send_init_sipi(hvsim.vp[i].rec.apic_id,
						  AP_TRAMPOLINE_BASE >> 12);
	deadline = start + tsc_ms_to_cycles(hvsim.cfg.arrive_timeout_ms +
					    hvsim.nr_vps * 20ull);
	while (__atomic_load_n(&hvsim.parked, __ATOMIC_ACQUIRE) < want) {
		if (rdtsc() > deadline)
			panic("hvsim: %u of %u APs reached hvsim's host loop",
			      __atomic_load_n(&hvsim.parked, __ATOMIC_ACQUIRE),
			      want);
		cpu_relax();
	}
	printf("hvsim: %u APs parked in host mode in %lu ms\n", want,
	       tsc_cycles_to_ns(rdtsc() - start) / 1000000);
}

/* The highest x2APIC ID + 1; panics when the IDs need too many PML4s. */
static uint32_t apic_limit(const uint32_t *ids, unsigned int n)
{
	uint64_t limit = 0;

	for (unsigned int i = 0; i < n; i++)
		if (ids[i] + 1ull > limit)
			limit = ids[i] + 1ull;
	if (limit > IDENTITY_MAP_LIMIT / 4096 / 4)
		panic("hvsim: highest x2APIC ID %lu is out of range",
		      limit - 1);
	return (uint32_t)limit;
}

/* What hvsim_alloc() will be asked for, with room for the nested tables. */
static uint64_t memory_bytes(uint32_t n, uint32_t apic_limit)
{
	const uint64_t page = 4096;
	uint64_t b = 0;

	b += (n * sizeof(struct hvsim_vp) + page) & ~(page - 1);
	b += (uint64_t)n * HVSIM_STACK_SIZE;
	b += (apic_limit * sizeof(struct hvsim_cpu) + page) & ~(page - 1);
	b += (uint64_t)n * (4 * page + sizeof(struct x86_fxsave));
	b += 2 * (2 * page + 3 * page); /* MSRPM and IOPM, VTL0 and VTL2 */
	b += (hvsim_npt_pages(n) + hvsim_host_env_pages()) * page;
	return b + 16 * page;
}

void hvsim_init(const struct hvsim_config *cfg)
{
	unsigned int n;
	const uint32_t *ids = smp_madt_apic_ids(&n);
	uint8_t *stacks;

	hvsim.cfg = *cfg;
	check_cpu();
	if (n != nr_cpus || n > HVSIM_MAX_VPS)
		panic("hvsim: %u MADT CPUs, %u kernel CPUs, at most %u VPs", n,
		      nr_cpus, HVSIM_MAX_VPS);
	hvsim_apic_limit = apic_limit(ids, n);
	hvsim_memory_init(memory_bytes(n, hvsim_apic_limit));
	hvsim.vp = hvsim_alloc(n, sizeof(*hvsim.vp), "VPs");
	stacks = hvsim_alloc(n, HVSIM_STACK_SIZE, "stacks");
	hvsim_cpu_base = hvsim_alloc(hvsim_apic_limit, sizeof(struct hvsim_cpu),
				     "CPU blocks by x2APIC ID");
	hvsim.nr_vps = n;
	hvsim.bsp = HVSIM_NO_VP;

	for (uint32_t i = 0; i < n; i++) {
		struct hvsim_vp *vp = &hvsim.vp[i];
		struct hvsim_cpu *c = &hvsim_cpu_base[ids[i]];

		vp->rec.vp = i;
		vp->rec.apic_id = ids[i];
		vp->rec.state = HVSIM_VP_OFF;
		vp->rec.parent = HVSIM_NO_VP;
		vp->cpu = smp_cpu_by_apic_id(ids[i]);
		vp->stack = stacks + (uint64_t)i * HVSIM_STACK_SIZE;
		if (ids[i] == cpus[0].apic_id)
			hvsim.bsp = i;
		if (!vp->cpu || c->stack_top)
			panic("hvsim: x2APIC ID %u of VP %u listed twice or "
			      "not a kernel CPU",
			      ids[i], i);
		c->vp_index = i;
		c->stack_top = (uintptr_t)(vp->stack + HVSIM_STACK_SIZE);
	}
	if (hvsim.bsp == HVSIM_NO_VP)
		panic("hvsim: the BSP (x2APIC ID %u) is not in the MADT",
		      cpus[0].apic_id);
	/* The BSP runs VTL2 already. */
	hvsim.vp[hvsim.bsp].rec.state = HVSIM_VP_RUNNING;
	hvsim.vp[hvsim.bsp].rec.vtl2_enabled = 1;
	page_build();
	hvsim_svm_init();
	hvsim_host_env_init();
	if (hvsim_apic_limit != n)
		printf("hvsim: note: x2APIC IDs have holes (%u CPUs, highest "
		       "x2APIC ID %u)\n",
		       n, hvsim_apic_limit - 1);
	printf("hvsim: %u VPs, BSP VP %u (x2APIC ID %u), hypercall page "
	       "0x%lx (call +0x%x, VTL return +0x%x), maxphyaddr %u\n",
	       n, hvsim.bsp, cpus[0].apic_id, host_hypercall_page_pa(),
	       HVSIM_PAGE_CALL_OFFSET, HVSIM_PAGE_VTL_RETURN_OFFSET,
	       hvsim.maxphyaddr);
	park_aps();
	hvsim_vtl2_enter_bsp();
}

bool host_vtl2_enabled_from_start(uint32_t index)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	if (!vp || vp->rec.state != HVSIM_VP_OFF)
		return vp && index == hvsim.bsp;
	vp->rec.vtl2_enabled = 1;
	printf("hvsim: VP %u (x2APIC ID %u) runs VTL 2 from the start\n", index,
	       vp->rec.apic_id);
	return true;
}

const struct hvsim_config *host_get_config(void)
{
	return &hvsim.cfg;
}

uint32_t host_bsp(void)
{
	return hvsim.bsp;
}

uint64_t host_hypercall_page_pa(void)
{
	return (uintptr_t)hvsim.page;
}

void *hvsim_phys(uint64_t pa, uint64_t len)
{
	/*
	 * Guest physical == the test kernel's identity map of RAM: only RAM
	 * of the memory map, not the PCI hole or other MMIO the boot
	 * tables map below 4 GiB, and not hvsim's own memory, which VTL2
	 * cannot reach itself and must not reach through a hypercall.
	 */
	if (!direct_mapped(pa, len) ||
	    (boot_info.nr_memmap && !pvh_is_ram(pa, len)) ||
	    hvsim_memory_overlaps(pa, len))
		return NULL;
	return (void *)(uintptr_t)pa;
}

bool host_inject_rule(const struct hvsim_inject_rule *r)
{
	const char *name = hvsim_hypercall_name(r->code);
	const char *sname = hv_status_name(r->status);
	const char *rname = hvsim_reg_name(r->reg);
	char who[16], reg[40] = "";

	if (!hvsim_injector_add(&hvsim.inject, r))
		return false;
	if (r->vp == HVSIM_ANY_VP)
		snprintf(who, sizeof(who), "any");
	else
		snprintf(who, sizeof(who), "%u", r->vp);
	if (r->reg)
		snprintf(reg, sizeof(reg), " reg %s (0x%x)",
			 rname ? rname : "?", r->reg);
	printf("hvsim: inject %s (0x%x) vp %s%s status %s (0x%x)%s\n",
	       name ? name : "?", r->code, who, reg, sname ? sname : "?",
	       r->status, r->once ? " once" : " always");
	return true;
}

const char *host_inject_str(const char *s, size_t len)
{
	struct hvsim_inject_rule r;
	const char *err;

	if (len > 6 && !strncmp(s, "Fault:", 6))
		return hvsim_fault_parse(s + 6, len - 6);
	err = hvsim_inject_parse(s, len, &r);
	if (err)
		return err;
	if (!host_inject_rule(&r))
		return "too many injection rules";
	return NULL;
}

void host_inject_clear(void)
{
	hvsim_injector_clear(&hvsim.inject);
	printf("hvsim: injection rules cleared\n");
}
