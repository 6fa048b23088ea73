/*
 * PVH entry. QEMU's PVH option ROM jumps to the address in the Xen ELF
 * note in 32-bit protected mode: flat segments, paging off, no stack,
 * %ebx = physical address of struct hvm_start_info.
 *
 * We identity-map the first 4 GiB with 2 MiB pages, enter long mode and
 * call kmain(start_info). The image is a static PIE loaded at its link
 * address; 32-bit code cannot address RIP-relative, so it names the
 * absolute aliases X_abs that kernel.ld defines.
 */
#include <kernel/layout.h>

#define XEN_ELFNOTE_PHYS32_ENTRY	18

/*
 * QEMU reads the descriptor at note + 12 + align(namesz, p_align): the
 * note must be 4-byte aligned so that the PT_NOTE alignment is 4.
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long	2f - 1f			/* namesz */
	.long	4f - 3f			/* descsz */
	.long	XEN_ELFNOTE_PHYS32_ENTRY
1:	.asciz	"Xen"
2:	.balign 4
3:	.long	pvh_start32_abs
4:	.balign 4

	.section .text.boot, "ax", @progbits
	.code32
	.globl	pvh_start32
	.type	pvh_start32, @function
pvh_start32:
	cli
	cld
	movl	%ebx, %esi		/* start_info stays in %esi */

	/* Zero .bss: the page tables and the boot stack live there. */
	movl	$__bss_start_abs, %edi
	movl	$__bss_end_abs, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* PML4[0] -> PDPT, PDPT[0..3] -> PD[0..3]. */
	movl	$(boot_pdpt_abs + PTE_P + PTE_RW), %eax
	movl	%eax, boot_pml4_abs
	movl	$(boot_pd_abs + PTE_P + PTE_RW), %eax
	xorl	%ecx, %ecx
1:	movl	%eax, boot_pdpt_abs(, %ecx, 8)
	addl	$0x1000, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b

	/* 2048 PDEs of 2 MiB: 0 .. 4 GiB. */
	movl	$(PTE_P + PTE_RW + PTE_PS), %eax
	xorl	%ecx, %ecx
2:	movl	%eax, boot_pd_abs(, %ecx, 8)
	addl	$0x200000, %eax
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	/* Our GDT; the loader's GDTR is not guaranteed to stay valid. */
	lgdt	kernel_gdt_desc_abs
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss

	/* EFER: LME, plus NXE when the CPU has NX (later code uses it). */
	movl	$EFER_LME, %edi
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	3f
	movl	$0x80000001, %eax
	cpuid
	btl	$20, %edx
	jnc	3f
	orl	$EFER_NXE, %edi
3:
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4_abs, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	%edi, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	$KERNEL_CS, $pvh_start64_abs
	.size	pvh_start32, . - pvh_start32

	.code64
	.globl	pvh_start64
	.type	pvh_start64, @function
pvh_start64:
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	boot_stack_top(%rip), %rsp
	/* Upper register halves are undefined after the switch: zero-extend. */
	movl	%esi, %edi
	xorl	%ebp, %ebp
	call	kmain
1:	cli
	hlt
	jmp	1b
	.size	pvh_start64, . - pvh_start64

/*
 * The GDT (shared with the APs). Accessed bits are preset so the CPU
 * never writes to it.
 */
	.data
	.balign 16
	.globl	kernel_gdt
kernel_gdt:
	.quad	0
	.quad	0x00af9b000000ffff	/* KERNEL_CS: 64-bit code */
	.quad	0x00cf93000000ffff	/* KERNEL_DS: flat data */
	.quad	0x00cf9b000000ffff	/* KERNEL_CS32: 32-bit code */
kernel_gdt_end:

	/* 16-bit limit + 64-bit base; lgdt in 32-bit mode reads the low half. */
	.globl	kernel_gdt_desc
kernel_gdt_desc:
	.word	kernel_gdt_end - kernel_gdt - 1
	.quad	kernel_gdt_abs

	.bss
	.balign 4096
	.globl	boot_pml4, boot_pdpt, boot_pd
boot_pml4:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096

	.balign 16
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
