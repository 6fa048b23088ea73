/*
 * RDMSR and WRMSR that report a #GP instead of ending the run: for tests
 * of what a hypervisor refuses (an MSR it does not offer, a value it will
 * not take).
 */
#ifndef KERNEL_MSR_PROBE_H
#define KERNEL_MSR_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/idt.h>

/* False when the access raised #GP (nothing read or written). */
bool rdmsr_probe(uint32_t msr, uint64_t *value);
bool wrmsr_probe(uint32_t msr, uint64_t value);

/* For the exception path: true if f was a probe's #GP, now resumed. */
bool msr_probe_fixup(struct irq_frame *f);

#endif
