/*
 * One 16-byte stub per vector, so idt_init() can compute stub addresses
 * (isr_stubs + 16 * vector) without a pointer table. Each stub pushes a
 * dummy error code where the CPU pushes none, then the vector number.
 */
#include <kernel/layout.h>

#define HAS_ERROR_CODE(v)						\
	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 ||		\
	 (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl	isr_stubs
isr_stubs:
	vector = 0
	.rept	256
	.balign 16
	.if	!HAS_ERROR_CODE(vector)
	pushq	$0
	.endif
	pushq	$vector
	jmp	isr_common
	vector = vector + 1
	.endr
	.globl	isr_stubs_end
isr_stubs_end:

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi		/* struct irq_frame * */
	movq	%rsp, %rbx
	andq	$-16, %rsp		/* ABI alignment for the C call */
	call	isr_dispatch
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
