// SPDX-License-Identifier: MIT
/*
 * hvsim set-up: one VP per MADT CPU (VP index == x2APIC ID), an hvsim
 * page table and stack per CPU, and the hypercall page built from the
 * stub template with the handler address and per-CPU tables filled in.
 */
#include <stdarg.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/direct_map.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#include "internal.h"

struct hvsim hvsim;

uint64_t hvsim_ap_stack_top[HVSIM_PAGE_MAX_APIC_IDS];

static uint8_t page[4096] __attribute__((aligned(4096)));
static uint64_t pml4s[HVSIM_MAX_VPS][512] __attribute__((aligned(4096)));
static uint8_t stacks[HVSIM_MAX_VPS][HVSIM_STACK_SIZE]
	__attribute__((aligned(4096)));

/* The trampoline page: SIPI vector AP_TRAMPOLINE_BASE >> 12. */
#define SIPI_PAGE (AP_TRAMPOLINE_BASE >> 12)

void hvsim_config_defaults(struct hvsim_config *cfg)
{
	cfg->vsm_capabilities = 0;
	cfg->init_delay_us = 10;
	cfg->arrive_timeout_ms = 5000;
	cfg->trace = false;
}

struct hvsim_vp *hvsim_vp(uint32_t index)
{
	if (index >= HVSIM_MAX_VPS ||
	    hvsim.vp[index].rec.state == HVSIM_VP_ABSENT)
		return NULL;
	return &hvsim.vp[index];
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

static void page_build(void)
{
	size_t len = (size_t)(hvsim_page_template_end - hvsim_page_template);
	uint32_t *cr3s = (uint32_t *)(page + HVSIM_PAGE_CR3_TABLE_OFFSET);
	uint32_t *sps = (uint32_t *)(page + HVSIM_PAGE_STACK_TABLE_OFFSET);
	uint64_t handler = (uintptr_t)hvsim_entry;

	if (len != sizeof(page))
		panic("hvsim: page template is %zu bytes", len);
	memcpy(page, hvsim_page_template, len);
	memcpy(page + HVSIM_PAGE_HANDLER_OFFSET, &handler, sizeof(handler));
	for (uint32_t i = 0; i < HVSIM_MAX_VPS; i++) {
		const struct hvsim_vp *vp = hvsim_vp(i);

		if (!vp)
			continue;
		cr3s[i] = (uint32_t)(uintptr_t)vp->pml4 |
			  (i == hvsim.bsp ? HVSIM_PAGE_CR3_COPY_511 : 0);
		sps[i] = (uint32_t)(uintptr_t)(vp->stack + HVSIM_STACK_SIZE);
		hvsim_ap_stack_top[i] =
			(uintptr_t)(vp->stack + HVSIM_STACK_SIZE);
	}
	hvsim.page = page;
}

void hvsim_init(const struct hvsim_config *cfg)
{
	uint64_t *boot_pml4 = (uint64_t *)(uintptr_t)read_cr3();

	hvsim.cfg = *cfg;
	hvsim.bsp = cpus[0].apic_id;
	hvsim.boot_pml4_pa = (uintptr_t)boot_pml4;
	check_cpu();
	if ((uintptr_t)page >> 32 || (uintptr_t)stacks >> 32)
		panic("hvsim: tables above 4 GiB");

	for (unsigned int i = 0; i < nr_cpus; i++) {
		uint32_t id = cpus[i].apic_id;
		struct hvsim_vp *vp;

		if (id >= HVSIM_MAX_VPS)
			panic("hvsim: x2APIC ID %u >= %u (VP index == APIC "
			      "ID)",
			      id, HVSIM_MAX_VPS);
		vp = &hvsim.vp[id];
		vp->rec.vp = id;
		vp->rec.state = HVSIM_VP_OFF;
		vp->rec.parent = HVSIM_NO_VP;
		vp->stack = stacks[id];
		vp->pml4 = pml4s[id];
		/* Identity map now; slot 511 comes with the VP's context. */
		vp->pml4[0] = boot_pml4[0];
		if (id + 1 > hvsim.nr_vps)
			hvsim.nr_vps = id + 1;
	}
	/*
	 * The BSP runs VTL2 already; its hvsim table takes slot 511 from
	 * whoever calls (HVSIM_PAGE_CR3_COPY_511).
	 */
	hvsim.vp[hvsim.bsp].rec.state = HVSIM_VP_RUNNING;
	hvsim.vp[hvsim.bsp].rec.vtl2_enabled = 1;
	page_build();
	hvsim_svm_init();
	smp_trampoline_install((uintptr_t)hvsim_ap_start64);
	if (hvsim.nr_vps != nr_cpus)
		printf("hvsim: note: x2APIC IDs have holes (%u CPUs, highest "
		       "VP index %u)\n",
		       nr_cpus, hvsim.nr_vps - 1);
	printf("hvsim: %u VPs, BSP VP %u, hypercall page 0x%lx (call +0x%x, "
	       "VTL return +0x%x, launch +0x%x), maxphyaddr %u\n",
	       nr_cpus, hvsim.bsp, hvsim_hypercall_page_pa(),
	       HVSIM_PAGE_CALL_OFFSET, HVSIM_PAGE_VTL_RETURN_OFFSET,
	       HVSIM_PAGE_LAUNCH_OFFSET, hvsim.maxphyaddr);
}

const struct hvsim_config *hvsim_get_config(void)
{
	return &hvsim.cfg;
}

uint32_t hvsim_bsp(void)
{
	return hvsim.bsp;
}

uint64_t hvsim_hypercall_page_pa(void)
{
	return (uintptr_t)hvsim.page;
}

void *hvsim_phys(uint64_t pa, uint64_t len)
{
	/* Guest physical == the test kernel's identity map of RAM. */
	if (!direct_mapped(pa, len))
		return NULL;
	return (void *)(uintptr_t)pa;
}

bool hvsim_inject_rule(const struct hvsim_inject_rule *r)
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

bool hvsim_inject(uint16_t code, uint32_t vp, uint16_t status, bool once)
{
	const struct hvsim_inject_rule r = {
		.code = code,
		.status = status,
		.vp = vp,
		.once = once,
	};

	return hvsim_inject_rule(&r);
}

const char *hvsim_inject_str(const char *s, size_t len)
{
	struct hvsim_inject_rule r;
	const char *err;

	if (len > 6 && !strncmp(s, "Fault:", 6))
		return hvsim_fault_parse(s + 6, len - 6);
	err = hvsim_inject_parse(s, len, &r);
	if (err)
		return err;
	if (!hvsim_inject_rule(&r))
		return "too many injection rules";
	return NULL;
}

void hvsim_inject_clear(void)
{
	hvsim_injector_clear(&hvsim.inject);
	printf("hvsim: injection rules cleared\n");
}
