/* SPDX-License-Identifier: MIT */
/*
 * The gate every vector of hvsim's drain IDT points at (apic.c): takes an
 * interrupt the guest left pending and ends it with an EOI. Used with
 * interrupts open only for a moment, so no exception comes here.
 */
#define X2APIC_EOI 0x80b

	.text
	.globl	hvsim_drain_irq
	.type	hvsim_drain_irq, @function
hvsim_drain_irq:
	push	%rax
	push	%rcx
	push	%rdx
	mov	$X2APIC_EOI, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq
	.size	hvsim_drain_irq, . - hvsim_drain_irq

	.section .note.GNU-stack, "", @progbits
