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

/* One SRAT memory affinity range. */
struct acpi_mem_range {
	uint32_t node; /* proximity domain */
	uint64_t base;
	uint64_t size;
};

/*
 * The enabled memory ranges of the SRAT (QEMU has one with -numa), at most
 * max of them. 0 when there is no SRAT: one NUMA node.
 */
unsigned int acpi_numa_memory(uint64_t rsdp_pa, struct acpi_mem_range *ranges,
			      unsigned int max);

#endif
