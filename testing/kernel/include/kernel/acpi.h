/*
 * Just enough ACPI to enumerate CPUs from the MADT.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdint.h>

/*
 * Fills apic_ids with the enabled Local APIC (type 0) and Local x2APIC
 * (type 9) entries of the MADT, without duplicates, in table order.
 * rsdp_pa == 0 means: scan the BIOS area. Panics on malformed tables or
 * when more than max CPUs are listed. Returns the number of CPUs.
 */
unsigned int acpi_enumerate_cpus(uint64_t rsdp_pa, uint32_t *apic_ids,
				 unsigned int max);

#endif
