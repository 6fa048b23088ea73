/*
 * Per-CPU data, reached through the GS base so that handlers and the
 * serial lock can tell which CPU they run on without an MSR read.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdint.h>

#include <kernel/arch.h>

#define CPU_INDEX_UNKNOWN 0xffffu

struct cpu {
	struct cpu *self; /* must stay first: read as %gs:0 */
	uint32_t index; /* 0 is the BSP */
	uint32_t apic_id;
	uint32_t started; /* set once by the AP itself */
	uint32_t online;
	uint32_t ticket; /* trampoline ticket = stack slot */
	uint32_t in_panic;
	uint64_t online_tsc;
	/* msr_probe.c: a #GP at probe_rip resumes at probe_resume. */
	uint64_t probe_rip, probe_resume;
	uint32_t probe_faulted;
};

static inline void percpu_set(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
}

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline uint32_t this_cpu_index(void)
{
	return this_cpu()->index;
}

#endif
