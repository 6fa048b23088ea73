/* SPDX-License-Identifier: MIT */
/* The x2APIC through its architectural MSRs (hv_facts §10). */
#ifndef SIDECAR_ARCH_X2APIC_H
#define SIDECAR_ARCH_X2APIC_H

#include <stdint.h>

#include "cpu.h"
#include "hv/x86.h"

static inline void x2apic_enable(uint8_t spurious_vector)
{
	wrmsr(X86_MSR_APIC_BASE, rdmsr(X86_MSR_APIC_BASE) |
					 X86_APIC_BASE_X2APIC |
					 X86_APIC_BASE_ENABLE);
	/* Bit 8: software enable. */
	wrmsr(X86_MSR_X2APIC_SVR, 0x100u | spurious_vector);
}

static inline void x2apic_soft_disable(uint8_t spurious_vector)
{
	wrmsr(X86_MSR_X2APIC_SVR, spurious_vector);
}

static inline void x2apic_eoi(void)
{
	wrmsr(X86_MSR_X2APIC_EOI, 0);
}

/*
 * Fixed, physical, edge. WRMSR to the ICR is not serializing: fence first
 * so that the status the receiver is woken for is visible to it.
 */
static inline void x2apic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	__asm__ volatile("mfence; lfence" ::: "memory");
	wrmsr(X86_MSR_X2APIC_ICR, x86_icr_fixed(apic_id, vector));
}

#endif
