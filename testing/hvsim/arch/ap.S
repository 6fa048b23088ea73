/* SPDX-License-Identifier: MIT */
/*
 * A VP started by HvCallStartVirtualProcessor: the kernel's real-mode
 * trampoline brings it to 64-bit mode on the boot page tables and jumps to
 * hvsim_ap_start64 without a stack; hvsim_ap_main() prepares the VP's
 * context and hvsim_launch_asm() leaves through the launch stub of the
 * image's copy of the hypercall page.
 */
#include <kernel/layout.h>
#include <hvsim/page.h>

/* struct hv_initial_vp_context_x64 (checked in launch.c). */
#define CTX_DS_SEL	(40 + 12)
#define CTX_ES_SEL	(56 + 12)
#define CTX_FS_SEL	(72 + 12)
#define CTX_FS_BASE	72
#define CTX_GS_SEL	(88 + 12)
#define CTX_GS_BASE	88
#define CTX_TR_SEL	(120 + 12)
#define CTX_LDTR_SEL	(136 + 12)
#define CTX_IDTR	(152 + 6)	/* limit, then base: lidt's operand */
#define CTX_GDTR	(168 + 6)
#define CTX_GDTR_BASE	(168 + 8)
#define CTX_CR3		200
#define CTX_RIP		0
#define CTX_RSP		8
#define CTX_RFLAGS	16
#define CTX_CS_SEL	(24 + 12)
#define CTX_SS_SEL	(104 + 12)

#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101

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

/*
 * hvsim_launch_asm(ctx, launch_va, launch_tsc): on hvsim's table for
 * this VP (identity + the VP's slot 511) and stack, with EFER, CR0, CR4
 * and PAT already loaded. Loads the context's descriptor tables and data
 * segments, then jumps to the launch stub with the rest of the context in
 * registers (page.S). After the selectors are loaded, no kernel code may
 * run.
 */
	.globl	hvsim_launch_asm
	.type	hvsim_launch_asm, @function
hvsim_launch_asm:
	movq	%rdi, %r11		/* ctx */
	movq	%rsi, %r9		/* launch stub */
	movq	%rdx, %r8		/* TSC slot */
	lgdt	CTX_GDTR(%r11)
	movw	CTX_DS_SEL(%r11), %ax
	movw	%ax, %ds
	movw	CTX_ES_SEL(%r11), %ax
	movw	%ax, %es
	movw	CTX_FS_SEL(%r11), %ax
	movw	%ax, %fs
	movw	CTX_GS_SEL(%r11), %ax
	movw	%ax, %gs
	/* Selector loads set only 32-bit bases: the context's come after. */
	movl	$MSR_FS_BASE, %ecx
	movl	CTX_FS_BASE(%r11), %eax
	movl	CTX_FS_BASE + 4(%r11), %edx
	wrmsr
	movl	$MSR_GS_BASE, %ecx
	movl	CTX_GS_BASE(%r11), %eax
	movl	CTX_GS_BASE + 4(%r11), %edx
	wrmsr
	movzwl	CTX_LDTR_SEL(%r11), %eax
	testl	%eax, %eax
	jz	1f
	lldt	%ax
1:	movzwl	CTX_TR_SEL(%r11), %eax
	testl	%eax, %eax
	jz	2f
	/* ltr faults on a busy TSS descriptor: mark it available first. */
	movq	CTX_GDTR_BASE(%r11), %rcx
	movl	%eax, %edx
	andl	$~7, %edx
	andb	$~0x02, 5(%rcx, %rdx)
	ltr	%ax
2:	lidt	CTX_IDTR(%r11)
	movq	%r9, %rax
	movq	%r8, %rsi
	movq	CTX_CR3(%r11), %rdi
	movq	CTX_RSP(%r11), %r8
	movq	CTX_RIP(%r11), %r9
	movq	CTX_RFLAGS(%r11), %r10
	movzwl	CTX_SS_SEL(%r11), %ebx
	movzwl	CTX_CS_SEL(%r11), %r11d
	jmp	*%rax
	.size	hvsim_launch_asm, . - hvsim_launch_asm
