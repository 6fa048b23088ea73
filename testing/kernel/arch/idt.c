/*
 * The IDT: 256 interrupt gates pointing at the fixed-size stubs of isr.S.
 * Exceptions go to exception_report(); other vectors to the handler
 * registered for them, followed by an EOI.
 */
#include <stdint.h>

#include <kernel/idt.h>
#include <kernel/layout.h>
#include <kernel/msr_probe.h>
#include <kernel/panic.h>
#include <kernel/x2apic.h>

#define ISR_STUB_SIZE 16
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t zero;
} __attribute__((packed));

extern const char isr_stubs[], isr_stubs_end[];

static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_t handlers[256];

void idt_init(void)
{
	if (isr_stubs_end - isr_stubs > 256 * ISR_STUB_SIZE)
		panic("idt: isr stubs exceed %d bytes each", ISR_STUB_SIZE);
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = (uintptr_t)isr_stubs + v * ISR_STUB_SIZE;

		idt[v] = (struct idt_entry){
			.offset_lo = (uint16_t)a,
			.selector = KERNEL_CS,
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(desc));
}

void idt_set_handler(uint8_t vector, irq_handler_t handler)
{
	if (vector < NR_EXCEPTIONS || vector == SPURIOUS_VECTOR)
		panic("idt: vector %u is reserved", vector);
	__atomic_store_n(&handlers[vector], handler, __ATOMIC_RELEASE);
}

void isr_dispatch(struct irq_frame *f);

void isr_dispatch(struct irq_frame *f)
{
	irq_handler_t h;

	if (f->vector < NR_EXCEPTIONS && !msr_probe_fixup(f))
		exception_report(f);
	if (f->vector < NR_EXCEPTIONS)
		return;
	/* A spurious interrupt is not in service: no EOI. */
	if (f->vector == SPURIOUS_VECTOR)
		return;
	h = __atomic_load_n(&handlers[f->vector], __ATOMIC_ACQUIRE);
	if (!h)
		panic("unexpected interrupt vector %lu at rip 0x%lx", f->vector,
		      f->rip);
	h(f);
	x2apic_eoi();
}
