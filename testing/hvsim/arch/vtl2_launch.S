/* SPDX-License-Identifier: MIT */
/*
 * void hvsim_vtl2_launch(struct hvsim_vtl2_live *live, uint64_t host_rsp,
 *                        struct hvsim_vp *vp);
 *
 * The calling code goes on as the VP's VTL2 guest: its RIP (the label
 * below), RSP and RFLAGS go into live, the CPU moves to hvsim's host
 * stack and hvsim_vtl2_host_start() VMRUNs it from there. The guest comes
 * back out of this function as if from a call; the callee-saved registers
 * are restored from its own stack, so the GPRs VMRUN gives it do not
 * matter.
 */
	.text
	.globl hvsim_vtl2_launch
	.type hvsim_vtl2_launch, @function
hvsim_vtl2_launch:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	lea	1f(%rip), %rax
	mov	%rax, 0(%rdi)
	mov	%rsp, 8(%rdi)
	pushfq
	pop	%rax
	mov	%rax, 16(%rdi)
	mov	%rsi, %rsp
	mov	%rdi, %rsi
	mov	%rdx, %rdi
	call	hvsim_vtl2_host_start
	ud2
1:	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size hvsim_vtl2_launch, . - hvsim_vtl2_launch

	.section .note.GNU-stack, "", @progbits
