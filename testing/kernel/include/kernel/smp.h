/*
 * CPU table and AP bring-up with INIT-SIPI-SIPI.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/percpu.h>

extern struct cpu cpus[MAX_CPUS];
extern unsigned int nr_cpus;

/* Before anything may print: gives the BSP its per-CPU block. */
void smp_early_bsp(void);
/* Builds the CPU table from the MADT list; the BSP becomes index 0. */
void smp_init(const uint32_t *apic_ids, unsigned int n);
/*
 * The MADT list smp_init() was given, in table order: position i is
 * hypervisor VP index i (the launcher's CPU list).
 */
const uint32_t *smp_madt_apic_ids(unsigned int *n);
/* Starts every AP; panics naming the missing ones after timeout_ms. */
void smp_boot_aps(uint64_t timeout_ms);
unsigned int smp_cpus_online(void);
/* The CPU table entry of an APIC ID, or NULL. */
struct cpu *smp_cpu_by_apic_id(uint32_t apic_id);
/*
 * (Re)starts one AP that is not running the kernel (never started, parked
 * by the sidecar, or halted) with INIT-SIPI-SIPI into the kernel's
 * trampoline, on a fresh stack, and waits up to timeout_ms for it to reach
 * ap_main's idle loop. False if it did not.
 */
bool smp_start_cpu(struct cpu *c, uint64_t timeout_ms);
/*
 * Copies the real-mode trampoline to AP_TRAMPOLINE_BASE: a SIPI to that
 * page brings an AP to 64-bit mode on the boot page tables and jumps to
 * entry (no stack; see arch/ap_trampoline.S). smp_boot_aps() installs it
 * with the kernel's own AP entry; hvsim with its own.
 */
void smp_trampoline_install(uint64_t entry);

#endif
