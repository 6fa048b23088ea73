/* SPDX-License-Identifier: MIT */
/*
 * The image's entry point, called by the boot shim on the BSP:
 *
 *	bool sidecar_entry(uint64_t params_pa, uint64_t output_pa);
 *
 * It is called at the image's physical load address through the shim's
 * identity map, on the shim's small, unguarded stack, with BSS possibly
 * holding stale data (docs/DESIGN.md §3). It zeroes its BSS before
 * anything reads a global, applies its own relocations for SC_VA_BASE,
 * borrows PML4 slot 511 of the shim's page table to map itself there, and
 * runs the boot in C at the high address on its own stack, which has an
 * unmapped guard page below it. Then it switches back to the shim's
 * stack, restores slot 511 and returns at the low address.
 */
#include "vmem.h"

	.section .text.entry, "ax", @progbits
	.globl sidecar_entry
	.type sidecar_entry, @function
sidecar_entry:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	sub	$8, %rsp		/* keep %rsp 16-byte aligned for C */
	mov	%rdi, %r12		/* params_pa */
	mov	%rsi, %r13		/* output_pa */

	/*
	 * BSS first: everything below may read a global. No relocation
	 * targets BSS (image_format_test), so the order is safe.
	 */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	cld
	rep stosb

	/* image_pa: we run where we were loaded, through the identity map. */
	lea	__image_start(%rip), %r14

	/* Relocate for the high address; position-independent C only. */
	mov	%r14, %rdi
	call	sc_relocate_image
	test	%eax, %eax
	jz	.Lfail_early

	/* Build the BSP's high mapping and plug it into PML4 slot 511. */
	mov	%r14, %rdi
	call	sc_bsp_map_image	/* returns the old slot 511 entry */
	mov	%rax, %r15

	/* Continue at the high alias of the next instruction. */
	movabs	$SC_VA_BASE, %rax
	sub	%r14, %rax		/* delta = high - low */
	mov	%rax, %rbx
	lea	1f(%rip), %rcx
	add	%rbx, %rcx
	jmp	*%rcx
1:
	/* Our own stack (sc_bsp_map_image mapped it), the caller's saved. */
	mov	%rsp, %rcx
	movabs	$SC_VA_STACK_TOP, %rsp
	push	%rcx
	sub	$8, %rsp		/* keep %rsp 16-byte aligned for C */
	mov	%r12, %rdi
	mov	%r13, %rsi
	mov	%r14, %rdx
	call	sc_bsp_main
	mov	%eax, %r12d		/* the verdict */
	mov	8(%rsp), %rsp		/* back on the caller's stack */

	/* Back to the low alias, then give slot 511 back to the shim. */
	lea	2f(%rip), %rcx
	sub	%rbx, %rcx
	jmp	*%rcx
2:
	mov	%r15, %rdi
	call	sc_bsp_unmap_image
	movzbl	%r12b, %eax
	jmp	.Lout

.Lfail_early:
	/* Unsupported relocations: say so in the output page. */
	mov	%r13, %rdi
	call	sc_report_bad_relocations
	xor	%eax, %eax
.Lout:
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size sidecar_entry, . - sidecar_entry

/*
 * First instruction of a started AP: the hypervisor loaded CR3, the
 * segments, GDT, IDT and RSP (the top of this VP's stack, minus 8) from
 * the initial context.
 */
	.text
	.globl sc_ap_entry
	.type sc_ap_entry, @function
sc_ap_entry:
	xor	%ebp, %ebp
	and	$-16, %rsp
	call	sc_ap_main
	ud2
	.size sc_ap_entry, . - sc_ap_entry

	.section .note.GNU-stack, "", @progbits
