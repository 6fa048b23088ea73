// SPDX-License-Identifier: MIT
/*
 * hvsim's host mode on its own GDT and IDT, in its own memory: the
 * kernel's, which the guest kernel goes on using, never steer host mode.
 * The GDT is a copy of the kernel's; the IDT's gates are the kernel's
 * (their code is read-only to VTL2) but NMI, hvsim's kick, which has a
 * gate of its own (arch/park.S).
 *
 * Host mode stays on the kernel's page tables. On page tables of its own
 * (an identity map in hvsim's memory), commands_1024_test failed under
 * load in 4 of 6 runs: the BSP's VTL2 VMCB came back holding host mode's
 * state (RIP after VMRUN, host RSP and CR3), which no code of hvsim's
 * writes there; on the kernel's tables it passed 5 of 5. Not understood:
 * the host loop checks for it after every exit (host.c).
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/string.h>

#include "internal.h"

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

HVSIM_PRIVATE static struct desc_ptr host_gdt, host_idt;

uint64_t hvsim_host_env_pages(uint32_t nr_vps)
{
	(void)nr_vps;
	return 2; /* GDT and IDT */
}

void hvsim_host_env_init(void)
{
	struct desc_ptr gdt, idt;
	struct gate *gates;
	uint64_t nmi = (uintptr_t)hvsim_nmi_entry;
	void *g;

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
	__asm__ volatile("lgdt %0" : : "m"(host_gdt));
	hvsim_host_idt_load();
}

void hvsim_host_idt_load(void)
{
	__asm__ volatile("lidt %0" : : "m"(host_idt));
}
