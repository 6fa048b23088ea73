// SPDX-License-Identifier: MIT
/*
 * The calling CPU's local APIC, whichever mode the image left it in: a VP
 * may start others before it switches to x2APIC, so xAPIC (MMIO through
 * the identity map) works too.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/tsc.h>

#include "internal.h"

#define XAPIC_IRR 0x200
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define ICR_INIT ((uint32_t)X86_ICR_DELIVERY_INIT << 8)
#define ICR_STARTUP ((uint32_t)X86_ICR_DELIVERY_STARTUP << 8)
#define ICR_ASSERT ((uint32_t)X86_ICR_LEVEL_ASSERT)
#define ICR_PENDING ((uint32_t)X86_ICR_DELIVERY_PENDING)

static volatile uint32_t *xapic_reg(uint64_t base, uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)((base & ~0xFFFull) + off);
}

static void icr_write(uint32_t apic_id, uint32_t low)
{
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);

	mfence();
	if (base & X86_APIC_BASE_X2APIC) {
		wrmsr(X86_MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | low);
		return;
	}
	if (!(base & X86_APIC_BASE_ENABLE))
		panic("hvsim: this CPU's local APIC is disabled: cannot send "
		      "an IPI");
	if (apic_id > 0xFF)
		panic("hvsim: xAPIC cannot address APIC ID %u", apic_id);
	while (*xapic_reg(base, XAPIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
	*xapic_reg(base, XAPIC_ICR_HIGH) = apic_id << 24;
	*xapic_reg(base, XAPIC_ICR_LOW) = low;
	while (*xapic_reg(base, XAPIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
}

void hvsim_apic_send_init_sipi(uint32_t apic_id, uint32_t vector_page)
{
	icr_write(apic_id, ICR_INIT | ICR_ASSERT);
	tsc_delay_us(hvsim.cfg.init_delay_us);
	hvsim_apic_send_sipi(apic_id, vector_page);
}

void hvsim_apic_send_sipi(uint32_t apic_id, uint32_t vector_page)
{
	icr_write(apic_id, ICR_STARTUP | ICR_ASSERT | (vector_page & 0xFF));
}

bool hvsim_apic_irr_pending(void)
{
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);

	for (uint32_t i = 0; i < 8; i++) {
		uint32_t irr;

		if (base & X86_APIC_BASE_X2APIC)
			irr = (uint32_t)rdmsr(X86_MSR_X2APIC_IRR(i));
		else if (base & X86_APIC_BASE_ENABLE)
			irr = *xapic_reg(base, XAPIC_IRR + 0x10 * i);
		else
			return false;
		if (irr)
			return true;
	}
	return false;
}
