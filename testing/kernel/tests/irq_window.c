// SPDX-License-Identifier: MIT
/*
 * test=irq-window: does `sti; nop; cli` take an interrupt that is already
 * pending? The sidecar image relies on it after an INTERRUPT exit.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/tests.h>
#include <kernel/x2apic.h>

#define WINDOW_VECTOR 0xf6

static volatile uint32_t taken;

static void window_irq(struct irq_frame *f)
{
	(void)f;
	taken++;
}

int test_irq_window(const char *cmdline)
{
	uint32_t before;

	(void)cmdline;
	idt_set_handler(WINDOW_VECTOR, window_irq);
	for (int i = 0; i < 100; i++) {
		cli();
		before = taken;
		x2apic_send_ipi(cpus[0].apic_id, WINDOW_VECTOR);
		for (volatile int k = 0; k < 1000; k++)
			;
		__asm__ volatile("sti; nop; cli" ::: "memory");
		if (taken == before) {
			printf("irq-window: round %d: not taken in the window\n",
			       i);
			sti();
			return 1;
		}
	}
	printf("irq-window: 100 of 100 taken\n");
	return 0;
}
