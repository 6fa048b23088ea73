/* SPDX-License-Identifier: MIT */
/*
 * void sc_vtl_return(struct sidecar_cpu_context_x64 *ctx, uint64_t entry);
 *
 * Loads the lower VTL's FX state, CR2 and general registers from ctx (RAX
 * and RCX travel through the VP assist page, written by the caller), calls
 * the hypercall page's VTL-return stub at `entry` with RCX = 0 (a normal
 * return), and saves everything back when the lower VTL exits to us.
 */
#include "sidecar/defs.h"

#define GP(r) (SIDECAR_CPU_CONTEXT_GP_OFFSET(SIDECAR_CPU_CONTEXT_##r))
#define FX SIDECAR_CPU_CONTEXT_FX_STATE_OFFSET

	.text
	.globl sc_vtl_return
	.type sc_vtl_return, @function
sc_vtl_return:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* ctx, found again after the call */

	mov	%rsi, %rax		/* entry; RAX is not lower-VTL state here */
	fxrstor	FX(%rdi)
	mov	GP(CR2)(%rdi), %rcx
	mov	%rcx, %cr2
	mov	GP(RDX)(%rdi), %rdx
	mov	GP(RBX)(%rdi), %rbx
	mov	GP(RBP)(%rdi), %rbp
	mov	GP(RSI)(%rdi), %rsi
	mov	GP(R8)(%rdi), %r8
	mov	GP(R9)(%rdi), %r9
	mov	GP(R10)(%rdi), %r10
	mov	GP(R11)(%rdi), %r11
	mov	GP(R12)(%rdi), %r12
	mov	GP(R13)(%rdi), %r13
	mov	GP(R14)(%rdi), %r14
	mov	GP(R15)(%rdi), %r15
	mov	GP(RDI)(%rdi), %rdi
	xor	%ecx, %ecx
	call	*%rax

	xchg	(%rsp), %rdi		/* rdi = ctx; the slot keeps lower RDI */
	mov	%rax, GP(RAX)(%rdi)
	mov	%rcx, GP(RCX)(%rdi)
	mov	%rdx, GP(RDX)(%rdi)
	mov	%rbx, GP(RBX)(%rdi)
	mov	%rbp, GP(RBP)(%rdi)
	mov	%rsi, GP(RSI)(%rdi)
	mov	%r8, GP(R8)(%rdi)
	mov	%r9, GP(R9)(%rdi)
	mov	%r10, GP(R10)(%rdi)
	mov	%r11, GP(R11)(%rdi)
	mov	%r12, GP(R12)(%rdi)
	mov	%r13, GP(R13)(%rdi)
	mov	%r14, GP(R14)(%rdi)
	mov	%r15, GP(R15)(%rdi)
	pop	%rax
	mov	%rax, GP(RDI)(%rdi)
	mov	%cr2, %rax
	mov	%rax, GP(CR2)(%rdi)
	fxsave	FX(%rdi)

	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
	.size sc_vtl_return, . - sc_vtl_return

	.section .note.GNU-stack, "", @progbits
