/*
 * AP start-up. ap_trampoline_start..ap_trampoline_end is copied to
 * AP_TRAMPOLINE_BASE (below 1 MiB) and entered by SIPI in real mode at
 * CS:IP = 0x0800:0000. It goes 16 -> 32 -> 64-bit on the BSP's page
 * tables and jumps to ap_start64 in the kernel image, which takes a
 * ticket, loads the stack the BSP put in ap_stack_table[ticket] and calls
 * ap_main(ticket).
 *
 * The copied part is position-dependent on AP_TRAMPOLINE_BASE and holds no
 * relocations: every address in it is a same-section difference. The BSP
 * patches ap_tramp_cr3, ap_tramp_efer and ap_tramp_entry in the copy.
 */
#include <kernel/layout.h>

#define TR(x)	((x) - ap_trampoline_start + AP_TRAMPOLINE_BASE)

	.section .text.trampoline, "ax", @progbits
	.code16
	.globl	ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TR(tr_gdt_desc)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$KERNEL_CS32, $TR(tr_start32)

	.code32
tr_start32:
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	TR(ap_tramp_cr3), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	TR(ap_tramp_efer), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	$KERNEL_CS, $TR(tr_start64)

	.code64
tr_start64:
	movq	TR(ap_tramp_entry), %rax
	jmpq	*%rax

	.balign 8
tr_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* KERNEL_CS */
	.quad	0x00cf93000000ffff	/* KERNEL_DS */
	.quad	0x00cf9b000000ffff	/* KERNEL_CS32 */
tr_gdt_end:
tr_gdt_desc:
	.word	tr_gdt_end - tr_gdt - 1
	.long	TR(tr_gdt)

	/* Patched by the BSP in the copy. */
	.balign 8
	.globl	ap_tramp_cr3, ap_tramp_efer, ap_tramp_entry
ap_tramp_cr3:
	.long	0
ap_tramp_efer:
	.long	0
ap_tramp_entry:
	.quad	0
	.globl	ap_trampoline_end
ap_trampoline_end:

/*
 * Runs in place in the kernel image, 64-bit, on the trampoline's GDT and
 * without a stack.
 */
	.text
	.globl	ap_start64
	.type	ap_start64, @function
ap_start64:
	/* The ticket picks the stack; a surplus AP parks instead. */
	movl	$1, %eax
	lock xaddl %eax, ap_boot_ticket(%rip)
	cmpl	ap_stack_count(%rip), %eax
	jae	ap_park
	leaq	ap_stack_table(%rip), %rcx
	movq	(%rcx, %rax, 8), %rsp
	testq	%rsp, %rsp
	jz	ap_park

	/* Switch to the kernel GDT (the trampoline page may be reused). */
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
1:	movl	%eax, %edi
	xorl	%ebp, %ebp
	call	ap_main
ap_park:
	cli
	hlt
	jmp	ap_park
	.size	ap_start64, . - ap_start64
