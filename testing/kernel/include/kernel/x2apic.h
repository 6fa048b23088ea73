/*
 * Local APIC in x2APIC mode: every register is an MSR, ICR writes are a
 * single 64-bit WRMSR with the destination in bits 63:32.
 */
#ifndef KERNEL_X2APIC_H
#define KERNEL_X2APIC_H

#include <stdint.h>

void x2apic_enable(void);
uint32_t x2apic_id(void);
void x2apic_eoi(void);
void x2apic_send_ipi(uint32_t apic_id, uint8_t vector);
void x2apic_send_init(uint32_t apic_id);
void x2apic_send_sipi(uint32_t apic_id, uint32_t start_page);

#endif
