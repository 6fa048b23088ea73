/* SPDX-License-Identifier: MIT */
/*
 * void hvsim_svm_run(uint64_t vmcb_pa, uint64_t host_pa,
 *                                uint64_t gprs[16], void *fx);
 *
 * One VMRUN of the lower VTL. VMRUN switches RAX, RSP, RIP, RFLAGS and the
 * segment/control state through the VMCB; the other GPRs and the FX state
 * stay live, so they are loaded from gprs/fx here and saved back after the
 * #VMEXIT (RAX and RSP in gprs are not used: they are in the VMCB).
 * VMSAVE/VMLOAD switch FS, GS, TR, LDTR, KernelGsBase and the syscall
 * MSRs, which VMRUN leaves alone.
 *
 * Interrupts: GIF is cleared first and RFLAGS.IF set, so with
 * V_INTR_MASKING a physical interrupt that arrives (or is pending) while
 * the guest runs makes an INTR #VMEXIT instead of being taken; IF is
 * cleared again before GIF is set, so it stays pending for the caller.
 */
#define GPR(n) ((n) * 8)

	.text
	.globl hvsim_svm_run
	.type hvsim_svm_run, @function
hvsim_svm_run:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx			/* 24(%rsp): gprs */
	push	%rdi			/* 16(%rsp): vmcb */
	push	%rsi			/*  8(%rsp): host save area */
	push	%rcx			/*  0(%rsp): fx */

	fxrstor	(%rcx)
	mov	%rsi, %rax
	vmsave	%rax
	mov	%rdi, %rax
	vmload	%rax

	mov	%rdx, %rax
	mov	GPR(1)(%rax), %rcx
	mov	GPR(2)(%rax), %rdx
	mov	GPR(3)(%rax), %rbx
	mov	GPR(5)(%rax), %rbp
	mov	GPR(6)(%rax), %rsi
	mov	GPR(7)(%rax), %rdi
	mov	GPR(8)(%rax), %r8
	mov	GPR(9)(%rax), %r9
	mov	GPR(10)(%rax), %r10
	mov	GPR(11)(%rax), %r11
	mov	GPR(12)(%rax), %r12
	mov	GPR(13)(%rax), %r13
	mov	GPR(14)(%rax), %r14
	mov	GPR(15)(%rax), %r15
	mov	16(%rsp), %rax

	clgi
	sti
	vmrun	%rax
	cli

	mov	24(%rsp), %rax
	mov	%rcx, GPR(1)(%rax)
	mov	%rdx, GPR(2)(%rax)
	mov	%rbx, GPR(3)(%rax)
	mov	%rbp, GPR(5)(%rax)
	mov	%rsi, GPR(6)(%rax)
	mov	%rdi, GPR(7)(%rax)
	mov	%r8, GPR(8)(%rax)
	mov	%r9, GPR(9)(%rax)
	mov	%r10, GPR(10)(%rax)
	mov	%r11, GPR(11)(%rax)
	mov	%r12, GPR(12)(%rax)
	mov	%r13, GPR(13)(%rax)
	mov	%r14, GPR(14)(%rax)
	mov	%r15, GPR(15)(%rax)

	mov	16(%rsp), %rax
	vmsave	%rax
	mov	8(%rsp), %rax
	vmload	%rax
	stgi

	pop	%rcx
	fxsave	(%rcx)
	add	$24, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size hvsim_svm_run, . - hvsim_svm_run

	.section .note.GNU-stack, "", @progbits
