/* SPDX-License-Identifier: MIT */
/*
 * The self-test's AP program, assembly part: entry, interrupt and
 * exception handlers, and the two calls whose register use C cannot
 * express: a VTL return done the way the sidecar does it, and a hypercall
 * that checks every register the contract says is preserved. Runs from
 * PML4 slot 511 (section .text.hvsim_st_ap, mapped there page by page).
 */
#include "selftest.h"

#define X2APIC_EOI	0x80b

	.section .text.hvsim_st_ap, "ax", @progbits

/* The context's RIP; RSP is the stack top - 8, where our st_vp's VA is. */
	.globl	st_ap_entry
st_ap_entry:
	movq	(%rsp), %rdi
	/* hvsim must have written nothing there (the BSP put canaries). */
	movq	-8(%rsp), %rax
	movq	%rax, ST_VP_BELOW_RSP + 0(%rdi)
	movq	-16(%rsp), %rax
	movq	%rax, ST_VP_BELOW_RSP + 8(%rdi)
	movq	-24(%rsp), %rax
	movq	%rax, ST_VP_BELOW_RSP + 16(%rdi)
	movq	-32(%rsp), %rax
	movq	%rax, ST_VP_BELOW_RSP + 24(%rdi)
	movq	-40(%rsp), %rax
	movq	%rax, ST_VP_BELOW_RSP + 32(%rdi)
	andq	$-16, %rsp
	call	st_ap_main
1:	cli
	hlt
	jmp	1b

/* Vector 0x20: count it for this CPU, EOI. Runs on whatever stack. */
	.globl	st_irq_entry
st_irq_entry:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid
	movabsq	$(ST_SHARED_VA + ST_SHARED_IRQS), %rax
	lock incl (%rax, %rdx, 4)
	movl	$X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	iretq

/* Vectors 0-31: report through the guest crash registers, then stop. */
	.balign	ST_EXC_STUB_SIZE
	.globl	st_exc_entries
st_exc_entries:
	vector = 0
	.rept	32
	.balign	ST_EXC_STUB_SIZE
	pushq	$vector
	jmp	st_exc_common
	vector = vector + 1
	.endr

st_exc_common:
	movq	(%rsp), %rdi		/* vector */
	movq	%rsp, %rsi		/* vector, [error], rip, ... */
	andq	$-16, %rsp
	call	st_ap_fault
1:	cli
	hlt
	jmp	1b

/*
 * void st_vtl_return(struct st_vtl_io *io): the lower VTL's RAX/RCX to
 * the assist page, FX state and CR2 live, the other GPRs in registers,
 * RCX = 0; after the call store everything back (sidecar's run_vp_once).
 */
	.globl	st_vtl_return
st_vtl_return:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	movq	ST_IO_ASSIST(%rdi), %rax
	movq	ST_IO_IN + 0(%rdi), %rcx
	movq	%rcx, 16(%rax)
	movq	ST_IO_IN + 8(%rdi), %rcx
	movq	%rcx, 24(%rax)
	fxrstor	ST_IO_FX_IN(%rdi)
	movq	ST_IO_IN_CR2(%rdi), %rax
	movq	%rax, %cr2
	pushq	ST_IO_TARGET(%rdi)
	movq	ST_IO_IN + 16(%rdi), %rdx
	movq	ST_IO_IN + 24(%rdi), %rbx
	movq	ST_IO_IN + 40(%rdi), %rbp
	movq	ST_IO_IN + 48(%rdi), %rsi
	movq	ST_IO_IN + 64(%rdi), %r8
	movq	ST_IO_IN + 72(%rdi), %r9
	movq	ST_IO_IN + 80(%rdi), %r10
	movq	ST_IO_IN + 88(%rdi), %r11
	movq	ST_IO_IN + 96(%rdi), %r12
	movq	ST_IO_IN + 104(%rdi), %r13
	movq	ST_IO_IN + 112(%rdi), %r14
	movq	ST_IO_IN + 120(%rdi), %r15
	movq	ST_IO_IN + 56(%rdi), %rdi
	/* RAX must come from the assist page: poison the register. */
	movabsq	$0xdeadbeefdeadbeef, %rax
	xorl	%ecx, %ecx
	call	*(%rsp)
	xchgq	%rdi, 8(%rsp)		/* io back; its slot keeps RDI */
	movq	%rax, ST_IO_OUT + 0(%rdi)
	movq	%rcx, ST_IO_OUT + 8(%rdi)
	movq	%rdx, ST_IO_OUT + 16(%rdi)
	movq	%rbx, ST_IO_OUT + 24(%rdi)
	movq	%rbp, ST_IO_OUT + 40(%rdi)
	movq	%rsi, ST_IO_OUT + 48(%rdi)
	movq	%r8, ST_IO_OUT + 64(%rdi)
	movq	%r9, ST_IO_OUT + 72(%rdi)
	movq	%r10, ST_IO_OUT + 80(%rdi)
	movq	%r11, ST_IO_OUT + 88(%rdi)
	movq	%r12, ST_IO_OUT + 96(%rdi)
	movq	%r13, ST_IO_OUT + 104(%rdi)
	movq	%r14, ST_IO_OUT + 112(%rdi)
	movq	%r15, ST_IO_OUT + 120(%rdi)
	movq	8(%rsp), %rax
	movq	%rax, ST_IO_OUT + 56(%rdi)
	movq	%cr2, %rax
	movq	%rax, ST_IO_OUT_CR2(%rdi)
	fxsave	ST_IO_FX_OUT(%rdi)
	addq	$16, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/*
 * uint64_t st_hypercall_checked(control, in_pa, out_pa, uint64_t *mask):
 * fills every register the hypercall must preserve with a pattern, makes
 * the call and sets bit n of *mask for each register n (hvdef order) that
 * came back changed. Returns RAX.
 */
#define PATTERN(n)	(0x1111111111111111 * (n))
#define CHECK(reg, n)				\
	movabsq	$PATTERN(n), %rcx;		\
	cmpq	%rcx, reg;			\
	je	1f;				\
	orq	$(1 << (n)), 16(%rsp);		\
1:

	.globl	st_hypercall_checked
st_hypercall_checked:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rcx			/* mask pointer: 24(%rsp) */
	pushq	$0			/* mask: 16(%rsp) */
	pushq	%rsi			/* input: 8(%rsp) */
	pushq	%rdx			/* output: 0(%rsp) */
	movq	%rdi, %rcx
	movq	%rdx, %r8
	movq	%rsi, %rdx
	movabsq	$PATTERN(3), %rbx
	movabsq	$PATTERN(5), %rbp
	movabsq	$PATTERN(6), %rsi
	movabsq	$PATTERN(7), %rdi
	movabsq	$PATTERN(9), %r9
	movabsq	$PATTERN(10), %r10
	movabsq	$PATTERN(11), %r11
	movabsq	$PATTERN(12), %r12
	movabsq	$PATTERN(13), %r13
	movabsq	$PATTERN(14), %r14
	movabsq	$PATTERN(15), %r15
	movabsq	$ST_PAGE_VA, %rax
	call	*%rax
	cmpq	8(%rsp), %rdx
	je	2f
	orq	$(1 << 2), 16(%rsp)
2:	cmpq	0(%rsp), %r8
	je	3f
	orq	$(1 << 8), 16(%rsp)
3:	CHECK(%rbx, 3)
	CHECK(%rbp, 5)
	CHECK(%rsi, 6)
	CHECK(%rdi, 7)
	CHECK(%r9, 9)
	CHECK(%r10, 10)
	CHECK(%r11, 11)
	CHECK(%r12, 12)
	CHECK(%r13, 13)
	CHECK(%r14, 14)
	CHECK(%r15, 15)
	movq	16(%rsp), %rcx
	movq	24(%rsp), %rdx
	movq	%rcx, (%rdx)
	addq	$32, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret
