/* SPDX-License-Identifier: MIT */
/*
 * The hypercall page: a template that hvsim_init() copies into the real
 * page and completes (handler address, where the per-CPU data is).
 *
 * The image copies the page again and calls the copy, so everything here
 * is position independent: the only addresses the code uses are
 * RIP-relative ones inside the page. Each CPU computes its hvsim page
 * table from its x2APIC ID (CPUID leaf 0xB works before x2APIC is
 * enabled; page.h says how), switches to it and then finds its stack in
 * its CPU block; the table keeps the caller's PML4 slot 511, so the copy
 * of this page and the caller's stack stay mapped across the CR3 switch.
 *
 * The caller's stack holds only 48 bytes (return address, kind, RAX, RBX,
 * RCX, RDX), 56 for a moment on the BSP; everything else happens on
 * hvsim's stack.
 */
#include <hvsim/page.h>

/* struct hvsim_frame GPR slots (hvdef order). */
#define F_RAX	0
#define F_RCX	8
#define F_RDX	16
#define F_RBX	24
#define F_RBP	40
#define F_RSI	48
#define F_RDI	56
#define F_R8	64
#define F_R9	72
#define F_R10	80
#define F_R11	88
#define F_R12	96
#define F_R13	104
#define F_R14	112
#define F_R15	120

/* The caller's stack after the common body's four pushes. */
#define C_RDX	0
#define C_RCX	8
#define C_RBX	16
#define C_RAX	24
#define C_KIND	32

	.section .rodata.hvsim_page, "a", @progbits
	.balign 4096
	.globl	hvsim_page_template
hvsim_page_template:

/*
 * Hypercall: RCX control, RDX input GPA, R8 output GPA; RAX result.
 * Everything but RAX, RCX and the flags is preserved.
 */
	pushq	$HVSIM_KIND_HYPERCALL
	jmp	common

/*
 * VTL return: RCX 0, the lower VTL's RDX, RBX, RBP, RSI, RDI and R8-R15
 * in the registers, its RAX and RCX in the VP assist page, its FX state
 * and CR2 live. Returns with the lower VTL's new registers (RAX and RCX
 * included), FX state and CR2 after its next exit.
 */
	.org	HVSIM_PAGE_VTL_RETURN_OFFSET, 0xcc
	pushq	$HVSIM_KIND_VTL_RETURN
	jmp	common

/*
 * AP launch, jumped to by hvsim_launch_asm() on hvsim's table and stack
 * with the VP's descriptor tables and data segments loaded: RSI where to
 * store the TSC, RDI/R8/R9/R10 the context's CR3/RSP/RIP/RFLAGS, R11/RBX
 * its CS/SS selectors. The iretq that loads CS, SS and RFLAGS takes its
 * frame from hvsim's stack and comes back into this page copy (slot 511,
 * mapped in both tables), which then loads CR3 and RSP: nothing is written
 * into the VP's memory. The VP starts with every GPR 0 but R9 (its RIP);
 * a context with IF set takes interrupts from the iretq on.
 */
	.org	HVSIM_PAGE_LAUNCH_OFFSET, 0xcc
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, (%rsi)
	movq	%rsp, %rax
	pushq	%rbx			/* SS */
	pushq	%rax			/* RSP: hvsim's until CR3 changes */
	pushq	%r10			/* RFLAGS */
	pushq	%r11			/* CS */
	leaq	1f(%rip), %rax
	pushq	%rax
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%ebp, %ebp
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	iretq
	/* CS, SS, RFLAGS are the context's: only moves from here on. */
1:	movq	%rdi, %cr3
	movq	%r8, %rsp
	movl	$0, %edi
	movl	$0, %r8d
	jmp	*%r9

	.org	HVSIM_PAGE_COMMON_OFFSET, 0xcc
common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid				/* EDX: this CPU's x2APIC ID */
	cmpl	apic_limit(%rip), %edx
	jae	unknown_cpu
	movq	%rsp, %rbx		/* the caller's stack */
	movq	%cr3, %rcx		/* the caller's table */
	cmpl	bsp_apic(%rip), %edx
	jne	1f
	/* The BSP: its own PML4 gets the caller's slot 511 first. */
	movq	bsp_pml4(%rip), %rax
	pushq	%rsi			/* 8 more bytes, for three moves */
	movq	%rcx, %rsi
	andq	$-4096, %rsi
	movq	511 * 8(%rsi), %rsi
	movq	%rsi, 511 * 8(%rax)
	popq	%rsi
	jmp	2f
1:	movl	%edx, %eax		/* an AP: PML4_BASE + id * 4096 */
	shlq	$12, %rax
	addq	pml4_base(%rip), %rax
2:	movq	%rax, %cr3
	/* On hvsim's table, which maps the CPU blocks. */
	movl	%edx, %eax
	shlq	$HVSIM_CPU_SHIFT, %rax
	addq	cpu_base(%rip), %rax
	movq	HVSIM_CPU_STACK_TOP(%rax), %rax
	testq	%rax, %rax
	jz	unknown_cpu
	movq	%rax, %rsp

	/* struct hvsim_frame, last field first. */
	pushq	$0			/* fx */
	pushq	%rdx			/* apic_id */
	pushq	%rbx			/* caller_sp */
	pushq	%rcx			/* caller_cr3 */
	leaq	hvsim_page_template(%rip), %rax
	pushq	%rax			/* page_va: this copy */
	pushq	C_KIND(%rbx)		/* kind */
	movq	%cr2, %rax
	pushq	%rax			/* cr2 */
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rdi
	pushq	%rsi
	pushq	%rbp
	leaq	HVSIM_CALLER_STACK_BYTES(%rbx), %rax
	pushq	%rax			/* RSP once we have returned */
	pushq	C_RBX(%rbx)
	pushq	C_RDX(%rbx)
	pushq	C_RCX(%rbx)
	pushq	C_RAX(%rbx)
	movq	%rsp, %rbp

	cmpq	$HVSIM_KIND_VTL_RETURN, HVSIM_FRAME_KIND(%rbp)
	jne	1f
	subq	$512, %rsp
	andq	$-16, %rsp
	fxsave	(%rsp)
	movq	%rsp, HVSIM_FRAME_FX(%rbp)
1:	andq	$-16, %rsp
	cld
	movq	%rbp, %rdi
	call	*handler(%rip)

	movq	HVSIM_FRAME_FX(%rbp), %rax
	testq	%rax, %rax
	jz	2f
	fxrstor	(%rax)
	movq	HVSIM_FRAME_CR2(%rbp), %rax
	movq	%rax, %cr2
2:	movq	HVSIM_FRAME_CALLER_SP(%rbp), %rbx
	movq	F_RAX(%rbp), %rax
	movq	%rax, C_RAX(%rbx)
	movq	F_RCX(%rbp), %rax
	movq	%rax, C_RCX(%rbx)
	movq	F_RDX(%rbp), %rax
	movq	%rax, C_RDX(%rbx)
	movq	F_RBX(%rbp), %rax
	movq	%rax, C_RBX(%rbx)
	movq	F_RSI(%rbp), %rsi
	movq	F_RDI(%rbp), %rdi
	movq	F_R8(%rbp), %r8
	movq	F_R9(%rbp), %r9
	movq	F_R10(%rbp), %r10
	movq	F_R11(%rbp), %r11
	movq	F_R12(%rbp), %r12
	movq	F_R13(%rbp), %r13
	movq	F_R14(%rbp), %r14
	movq	F_R15(%rbp), %r15
	movq	HVSIM_FRAME_CALLER_CR3(%rbp), %rax
	movq	F_RBP(%rbp), %rbp
	movq	%rax, %cr3
	movq	%rbx, %rsp
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	leaq	8(%rsp), %rsp		/* the kind; LEA keeps the flags */
	ret

unknown_cpu:
	/* A CPU hvsim never set up: nothing sane to return. */
	ud2

/*
 * Injected exceptions (fault.c). Reached by `ret` from the common body
 * with the caller's registers, stack and tables: the kind slot the
 * return skipped, at -16(%rsp), holds the address. Interrupts are off,
 * so nothing has overwritten it.
 */
	.org	HVSIM_PAGE_FAULT_UD_OFFSET, 0xcc
	ud2
	.org	HVSIM_PAGE_FAULT_BP_OFFSET, 0xcc
	int3
	.org	HVSIM_PAGE_FAULT_PF_OFFSET, 0xcc
	movq	-16(%rsp), %rax
	movq	(%rax), %rax
	ud2				/* the address was mapped after all */
	.org	HVSIM_PAGE_FAULT_STACK_OFFSET, 0xcc
	movq	-16(%rsp), %rsp
	pushq	$0
	ud2				/* the push did not fault */

	.org	HVSIM_PAGE_MAGIC_OFFSET, 0xcc
	.quad	HVSIM_PAGE_MAGIC
handler:
	.quad	0

	.org	HVSIM_PAGE_PML4_BASE_OFFSET, 0
pml4_base:
	.quad	0
	.org	HVSIM_PAGE_CPU_BASE_OFFSET, 0
cpu_base:
	.quad	0
	.org	HVSIM_PAGE_BSP_PML4_OFFSET, 0
bsp_pml4:
	.quad	0
	.org	HVSIM_PAGE_APIC_LIMIT_OFFSET, 0
apic_limit:
	.long	0
	.org	HVSIM_PAGE_BSP_APIC_OFFSET, 0
bsp_apic:
	.long	0
	.org	HVSIM_PAGE_DATA_END, 0
	.org	4096, 0
	.globl	hvsim_page_template_end
hvsim_page_template_end:
