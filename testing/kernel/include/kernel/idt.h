/*
 * Interrupt descriptor table shared by all CPUs. Every vector has a stub
 * (arch/isr.S) that saves the registers and calls isr_dispatch().
 */
#ifndef KERNEL_IDT_H
#define KERNEL_IDT_H

#include <stdbool.h>
#include <stdint.h>

#define NR_EXCEPTIONS 32
#define SPURIOUS_VECTOR 0xff

/* Layout pushed by arch/isr.S (lowest address first). */
struct irq_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

typedef void (*irq_handler_t)(struct irq_frame *frame);

void idt_init(void);
void idt_load(void);
/* Handlers for vectors >= 32; the dispatcher sends the EOI afterwards. */
void idt_set_handler(uint8_t vector, irq_handler_t handler);

/* arch/exception.c */
__attribute__((noreturn)) void exception_report(struct irq_frame *frame);

#endif
