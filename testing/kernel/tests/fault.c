/*
 * test=fault [cpu=N]: a test that must FAIL. CPU N (default 0, the BSP)
 * reads an unmapped address; the exception handler must report it and
 * panic, so QEMU exits with the failure status. Proves the failure path
 * (exception report, panic from an AP, exit code) end to end.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/idt.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/tests.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#define FAULT_VECTOR 0xf2
#define FAULT_WAIT_MS 2000

static void fault_now(void)
{
	/* Just past the boot identity map: not present. */
	volatile uint64_t *p = (volatile uint64_t *)IDENTITY_MAP_LIMIT;

	(void)*p;
}

static void fault_handler(struct irq_frame *f)
{
	(void)f;
	fault_now();
}

int test_fault(const char *cmdline)
{
	uint64_t cpu = cmdline_get_u64(cmdline, "cpu", 0);
	uint64_t t0;

	if (cpu >= nr_cpus)
		panic("fault: cpu=%lu but only %u cpus", cpu, nr_cpus);
	printf("fault: cpu %lu reads 0x%llx\n", cpu, IDENTITY_MAP_LIMIT);
	if (cpu == 0)
		fault_now();
	else {
		idt_set_handler(FAULT_VECTOR, fault_handler);
		x2apic_send_ipi(cpus[cpu].apic_id, FAULT_VECTOR);
		t0 = rdtsc();
		while (rdtsc() - t0 < tsc_ms_to_cycles(FAULT_WAIT_MS))
			cpu_relax();
	}
	/* Reaching here is a failure of the failure path; still not a pass. */
	printf("fault: no exception was taken\n");
	return -1;
}
