/* SPDX-License-Identifier: MIT */
/*
 * void hvsim_park(const uint32_t *kicks, uint32_t seen);
 *
 * Halts, interrupts off, until *kicks is no longer seen. A kick bumps the
 * counter and sends an NMI; an NMI that lands between the test and the
 * hlt would leave the CPU asleep with the kick missed, so hvsim's NMI
 * handler moves a CPU it finds in [hvsim_park_begin, hvsim_park_end] back
 * to the test (host.c).
 */
	.text
	.globl	hvsim_park
	.globl	hvsim_park_begin
	.globl	hvsim_park_end
	.type	hvsim_park, @function
hvsim_park:
hvsim_park_begin:
	cmpl	%esi, (%rdi)
	jne	1f
hvsim_park_end:
	hlt
	jmp	hvsim_park_begin
1:	ret
	.size	hvsim_park, . - hvsim_park

	.section .note.GNU-stack, "", @progbits
