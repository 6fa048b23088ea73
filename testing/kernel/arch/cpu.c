/*
 * Per-CPU control-register setup, done by the BSP and by every AP:
 * native FPU error reporting, write protection in ring 0 and the SSE
 * enables that later code (FXSAVE of guest state) relies on.
 */
#include <kernel/arch.h>
#include <kernel/layout.h>

#define CPUID1_EDX_FXSR (1u << 24)
#define CPUID1_EDX_SSE (1u << 25)

void cpu_setup(void)
{
	uint32_t a, b, c, d;
	uint64_t cr4 = read_cr4();

	write_cr0((read_cr0() | CR0_MP | CR0_NE | CR0_WP) & ~(uint64_t)CR0_EM);
	cpuid(1, 0, &a, &b, &c, &d);
	if (d & CPUID1_EDX_FXSR)
		cr4 |= CR4_OSFXSR;
	if (d & CPUID1_EDX_SSE)
		cr4 |= CR4_OSXMMEXCPT;
	write_cr4(cr4);
}
