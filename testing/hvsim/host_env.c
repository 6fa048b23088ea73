// SPDX-License-Identifier: MIT
/*
 * hvsim's host mode on its own GDT and IDT, in its own memory: the
 * kernel's, which the guest kernel goes on using, never steer host mode.
 * The GDT is a copy of the kernel's; the IDT's gates are the kernel's
 * (their code is read-only to VTL2) but NMI, hvsim's kick, which has a
 * gate of its own (arch/park.S).
 *
 * Host mode runs on the kernel's page tables. It had page tables of its
 * own for a while; they were taken out when a failure (host state in the
 * BSP's VTL2 VMCB) seemed to come with them, but it came back without
 * them: see "An open failure" in README.md.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/string.h>

#include "internal.h"

#define NMI_VECTOR 2

void hvsim_nmi_entry(void);

HVSIM_PRIVATE static struct hvsim_desc_ptr host_gdt, host_idt;

uint64_t hvsim_host_env_pages(void)
{
	return 2; /* GDT and IDT */
}

void hvsim_host_env_init(void)
{
	struct hvsim_desc_ptr gdt, idt;
	struct hvsim_gate *gates;
	uint64_t nmi = (uintptr_t)hvsim_nmi_entry;
	void *g;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	g = hvsim_alloc(1, gdt.limit + 1u, "host GDT");
	memcpy(g, (const void *)(uintptr_t)gdt.base, gdt.limit + 1u);
	host_gdt.base = (uintptr_t)g;
	host_gdt.limit = gdt.limit;
	gates = hvsim_alloc(1, idt.limit + 1u, "host IDT");
	memcpy(gates, (const void *)(uintptr_t)idt.base, idt.limit + 1u);
	hvsim_gate_point(&gates[NMI_VECTOR], nmi);
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
