/*
 * A probe arms its CPU with the address of its one RDMSR/WRMSR and where
 * to go on; a #GP at exactly that address is the answer, any other
 * exception is still fatal.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/msr_probe.h>
#include <kernel/percpu.h>

#define VECTOR_GP 13

bool rdmsr_probe(uint32_t msr, uint64_t *value)
{
	struct cpu *c = this_cpu();
	uint32_t lo = 0, hi = 0;

	c->probe_faulted = 0;
	__asm__ volatile(
		"lea 1f(%%rip), %%r11\n\t"
		"mov %%r11, %[at]\n\t"
		"lea 2f(%%rip), %%r11\n\t"
		"mov %%r11, %[resume]\n\t"
		"1: rdmsr\n\t"
		"2:"
		: [at] "=m"(c->probe_rip), [resume] "=m"(c->probe_resume),
		  "+a"(lo), "+d"(hi)
		: "c"(msr)
		: "r11", "memory");
	c->probe_rip = 0;
	if (__atomic_load_n(&c->probe_faulted, __ATOMIC_RELAXED))
		return false;
	*value = lo | (uint64_t)hi << 32;
	return true;
}

bool wrmsr_probe(uint32_t msr, uint64_t value)
{
	struct cpu *c = this_cpu();

	c->probe_faulted = 0;
	__asm__ volatile(
		"lea 1f(%%rip), %%r11\n\t"
		"mov %%r11, %[at]\n\t"
		"lea 2f(%%rip), %%r11\n\t"
		"mov %%r11, %[resume]\n\t"
		"1: wrmsr\n\t"
		"2:"
		: [at] "=m"(c->probe_rip), [resume] "=m"(c->probe_resume)
		: "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
		: "r11", "memory");
	c->probe_rip = 0;
	return !__atomic_load_n(&c->probe_faulted, __ATOMIC_RELAXED);
}

bool msr_probe_fixup(struct irq_frame *f)
{
	struct cpu *c = this_cpu();

	if (f->vector != VECTOR_GP || !c->probe_rip || f->rip != c->probe_rip)
		return false;
	f->rip = c->probe_resume;
	c->probe_faulted = 1;
	return true;
}
