// SPDX-License-Identifier: MIT
/*
 * hvsim's host mode on its own page tables, GDT and IDT, in its own
 * memory: the kernel's (which the guest kernel goes on using, and which a
 * wild write of VTL2 could reach) never steer host mode. The page tables
 * map everything identity, as the kernel's do, but the guard page below
 * each host stack (an overflow faults, it does not write over the VPs);
 * the GDT is a copy of the
 * kernel's; the IDT's gates are the kernel's (their code is read-only to
 * VTL2) but NMI, hvsim's kick, which has a gate of its own
 * (arch/park.S).
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/pgtable.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

#include "internal.h"

#define CHUNK (2ull << 20)
#define NMI_VECTOR 2

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, zero;
} __attribute__((packed));

void hvsim_nmi_entry(void);

HVSIM_PRIVATE static uint64_t host_cr3;
HVSIM_PRIVATE static struct desc_ptr host_gdt, host_idt;

uint64_t hvsim_host_env_pages(uint32_t nr_vps)
{
	/*
	 * The table pages of an identity map of everything, page tables
	 * over the stacks, GDT and IDT.
	 */
	return hvsim_vtl2_npt_pages() +
	       (uint64_t)nr_vps * HVSIM_STACK_STRIDE / CHUNK + 2 + 2;
}

static bool guard(uint64_t pa)
{
	uint64_t off = pa - hvsim.stacks;

	return pa >= hvsim.stacks &&
	       off < (uint64_t)hvsim.nr_vps * HVSIM_STACK_STRIDE &&
	       off % HVSIM_STACK_STRIDE < HVSIM_STACK_GUARD;
}

static bool has_guard(uint64_t chunk)
{
	uint64_t stacks_end =
		hvsim.stacks + (uint64_t)hvsim.nr_vps * HVSIM_STACK_STRIDE;

	return chunk < stacks_end && hvsim.stacks < chunk + CHUNK;
}

void hvsim_host_env_init(uint64_t end)
{
	struct desc_ptr gdt, idt;
	struct gate *gates;
	uint64_t nmi = (uintptr_t)hvsim_nmi_entry;
	void *g;

	host_cr3 = hvsim_alloc_table();
	for (uint64_t pa = 0; pa < end; pa += CHUNK) {
		if (!has_guard(pa)) {
			pgtable_map_in(host_cr3, pa, pa, PGT_W, PGT_2M, PGT_W,
				       hvsim_alloc_table);
			continue;
		}
		for (uint64_t p = pa; p < pa + CHUNK; p += 4096)
			if (!guard(p))
				pgtable_map_in(host_cr3, p, p, PGT_W, PGT_4K,
					       PGT_W, hvsim_alloc_table);
	}

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	g = hvsim_alloc(1, gdt.limit + 1u, "host GDT");
	memcpy(g, (const void *)(uintptr_t)gdt.base, gdt.limit + 1u);
	host_gdt.base = (uintptr_t)g;
	host_gdt.limit = gdt.limit;
	gates = hvsim_alloc(1, idt.limit + 1u, "host IDT");
	memcpy(gates, (const void *)(uintptr_t)idt.base, idt.limit + 1u);
	gates[NMI_VECTOR].offset_lo = (uint16_t)nmi;
	gates[NMI_VECTOR].offset_mid = (uint16_t)(nmi >> 16);
	gates[NMI_VECTOR].offset_hi = (uint32_t)(nmi >> 32);
	host_idt.base = (uintptr_t)gates;
	host_idt.limit = idt.limit;
}

void hvsim_host_env_load(void)
{
	write_cr3(host_cr3);
	__asm__ volatile("lgdt %0" : : "m"(host_gdt));
	hvsim_host_idt_load();
}

void hvsim_host_idt_load(void)
{
	__asm__ volatile("lidt %0" : : "m"(host_idt));
}
