/* SPDX-License-Identifier: MIT */
/*
 * void hvsim_park(const uint32_t *kicks, uint32_t seen);
 *
 * Halts, interrupts off, until *kicks is no longer seen. A kick bumps the
 * counter and sends an NMI; an NMI that lands between the test and the
 * hlt would leave the CPU asleep with the kick missed, so hvsim's NMI
 * handler moves a CPU it finds in [hvsim_park_begin, hvsim_park_end] back
 * to the test (hvsim_nmi_entry, the NMI gate of hvsim's host IDT).
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

/* NMI in host mode: a kick. Nothing to do but the rewind above. */
	.globl	hvsim_nmi_entry
	.type	hvsim_nmi_entry, @function
hvsim_nmi_entry:
	push	%rax
	push	%rcx
	mov	16(%rsp), %rax		/* the interrupted RIP */
	lea	hvsim_park_begin(%rip), %rcx
	cmp	%rcx, %rax
	jb	1f
	lea	hvsim_park_end(%rip), %rcx
	cmp	%rcx, %rax
	ja	1f
	lea	hvsim_park_begin(%rip), %rcx
	mov	%rcx, 16(%rsp)
1:	pop	%rcx
	pop	%rax
	iretq
	.size	hvsim_nmi_entry, . - hvsim_nmi_entry

	.section .note.GNU-stack, "", @progbits
