/* SPDX-License-Identifier: MIT */
/*
 * hvsim's own CPUs: at set-up, hvsim INIT-SIPIs every AP into the kernel's
 * real-mode trampoline, which brings it to 64-bit mode on the boot page
 * tables and jumps here without a stack. This finds the CPU's hvsim stack
 * by its x2APIC ID and goes to hvsim_ap_main(), which parks the CPU in
 * hvsim's host loop until its VP is started.
 */
#include <kernel/layout.h>
#include <hvsim/page.h>

	.text
	.globl	hvsim_ap_start64
	.type	hvsim_ap_start64, @function
hvsim_ap_start64:
	movl	$0xb, %eax
	xorl	%ecx, %ecx
	cpuid				/* EDX: x2APIC ID */
	cmpl	hvsim_apic_limit(%rip), %edx
	jae	9f
	movl	%edx, %eax		/* its CPU block: base + id * size */
	shlq	$HVSIM_CPU_SHIFT, %rax
	addq	hvsim_cpu_base(%rip), %rax
	movq	HVSIM_CPU_STACK_TOP(%rax), %rsp
	testq	%rsp, %rsp
	jz	9f
	lgdt	kernel_gdt_desc(%rip)
	movl	$KERNEL_DS, %ecx
	movl	%ecx, %ds
	movl	%ecx, %es
	movl	%ecx, %ss
	xorl	%ecx, %ecx
	movl	%ecx, %fs
	movl	%ecx, %gs
	pushq	$KERNEL_CS
	leaq	1f(%rip), %rcx
	pushq	%rcx
	lretq
1:	movl	%edx, %edi
	xorl	%ebp, %ebp
	call	hvsim_ap_main
9:	cli
	hlt
	jmp	9b
	.size	hvsim_ap_start64, . - hvsim_ap_start64


	.section .note.GNU-stack, "", @progbits
