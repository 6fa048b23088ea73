/* SPDX-License-Identifier: MIT */
/*
 * VTL0 guest programs, run by hvsim on SVM. One position-independent blob
 * that scenarios copy into VTL0 RAM (testing/scenarios/guest_load.c); the
 * labels below are offsets the scenarios use to say where each exit must
 * be. 64-bit programs run on the loader's identity page tables, GDT and
 * IDT; guest_real runs in real mode.
 */
#include "guests/layout.h"

	.section .rodata.guests, "a"
	.balign 4096
	.globl guest_blob_start
guest_blob_start:

	.code64
/*
 * guest_steps: the same state change again and again, so a test can
 * recompute the CPU context bit for bit after n steps: GPR n += n + 1
 * (not RSP), CR2 += 0x1000, every XMM byte += 1, RFLAGS as it was. The
 * block at the initial RSP counts steps (GUEST_STEPS_*). With `every`
 * non-zero the program exits with `out %al, $0xe9` after that many steps;
 * with 0 it halts after one step.
 */
	.globl guest_steps, guest_steps_out, guest_steps_hlt
guest_steps:
	pushfq
	add	$1, %rax
	add	$2, %rcx
	add	$3, %rdx
	add	$4, %rbx
	add	$6, %rbp
	add	$7, %rsi
	add	$8, %rdi
	add	$9, %r8
	add	$10, %r9
	add	$11, %r10
	add	$12, %r11
	add	$13, %r12
	add	$14, %r13
	add	$15, %r14
	add	$16, %r15
	push	%rax
	mov	%cr2, %rax
	add	$0x1000, %rax
	mov	%rax, %cr2
	paddb	steps_ones(%rip), %xmm0
	paddb	steps_ones(%rip), %xmm1
	paddb	steps_ones(%rip), %xmm2
	paddb	steps_ones(%rip), %xmm3
	paddb	steps_ones(%rip), %xmm4
	paddb	steps_ones(%rip), %xmm5
	paddb	steps_ones(%rip), %xmm6
	paddb	steps_ones(%rip), %xmm7
	paddb	steps_ones(%rip), %xmm8
	paddb	steps_ones(%rip), %xmm9
	paddb	steps_ones(%rip), %xmm10
	paddb	steps_ones(%rip), %xmm11
	paddb	steps_ones(%rip), %xmm12
	paddb	steps_ones(%rip), %xmm13
	paddb	steps_ones(%rip), %xmm14
	paddb	steps_ones(%rip), %xmm15
	/* RSP = block - 16 here: total at 16, since at 24, every at 32. */
	incq	16 + GUEST_STEPS_TOTAL(%rsp)
	mov	16 + GUEST_STEPS_EVERY(%rsp), %rax
	test	%rax, %rax
	jz	1f
	incq	16 + GUEST_STEPS_SINCE(%rsp)
	cmp	16 + GUEST_STEPS_SINCE(%rsp), %rax
	pop	%rax
	ja	2f
	movq	$0, 8 + GUEST_STEPS_SINCE(%rsp)
	popfq
guest_steps_out:
	out	%al, $0xe9
	jmp	guest_steps
2:	popfq
	jmp	guest_steps
1:	pop	%rax
	popfq
guest_steps_hlt:
	hlt
	jmp	guest_steps

/*
 * guest_intercepts: one of every exit VTL2 sees, in order; the VMM
 * advances RIP past each (GI_* labels mark the exiting instructions, the
 * _end labels what follows). Before the first: GPRs, x87, MXCSR, XMM3 and
 * CR2 changed. Between GI_UD and GI_HLT the VMM injects vector
 * GUEST_VECTOR, whose handler sets R11.
 */
	.globl guest_intercepts
	.globl gi_out8, gi_out8_end, gi_out16, gi_out16_end, gi_in32
	.globl gi_in32_end, gi_outs, gi_outs_end, gi_rdmsr, gi_rdmsr_end
	.globl gi_wrmsr, gi_wrmsr_end, gi_cpuid, gi_cpuid_end, gi_unmapped
	.globl gi_unmapped_end, gi_hlt, gi_hlt_end, gi_ud, gi_ud_end
	.globl gi_outs_buf, guest_vector_handler
guest_intercepts:
	movabs	$GI_RBX, %rbx
	movabs	$GI_R12, %r12
	fninit
	fld1
	fldpi
	faddp
	movl	$GI_MXCSR, -4(%rsp)
	ldmxcsr	-4(%rsp)
	pcmpeqb	%xmm3, %xmm3
	movabs	$GI_CR2, %rax
	mov	%rax, %cr2
	mov	$GI_OUT8_AL, %eax
gi_out8:
	out	%al, $GI_PORT8
gi_out8_end:
	mov	$GI_PORT16, %edx
	mov	$GI_OUT16_AX, %eax
gi_out16:
	out	%ax, %dx
gi_out16_end:
gi_in32:
	in	%dx, %eax
gi_in32_end:
	lea	gi_outs_buf(%rip), %rsi
	mov	$GI_OUTS_COUNT, %ecx
gi_outs:
	rep outsb
gi_outs_end:
	mov	$GI_RDMSR, %ecx
gi_rdmsr:
	rdmsr
gi_rdmsr_end:
	mov	$GI_WRMSR, %ecx
	mov	$GI_WRMSR_EAX, %eax
	mov	$GI_WRMSR_EDX, %edx
gi_wrmsr:
	wrmsr
gi_wrmsr_end:
	mov	$GI_CPUID_LEAF, %eax
	mov	$GI_CPUID_SUBLEAF, %ecx
gi_cpuid:
	cpuid
gi_cpuid_end:
	movabs	$GUEST_UNMAPPED_VA, %rdi
gi_unmapped:
	movb	$GI_UNMAPPED_BYTE, (%rdi)
gi_unmapped_end:
	xor	%r11d, %r11d
	sti
gi_hlt:
	hlt
gi_hlt_end:
gi_ud:
	ud2
gi_ud_end:
	hlt
	jmp	gi_ud_end

guest_vector_handler:
	mov	$GUEST_VECTOR, %r11d
	iretq

/* guest_real: real mode, CS.base = the blob; `out %ax, %dx` then halts. */
	.code16
	.globl guest_real, gr_out, gr_out_end
guest_real:
	mov	$GR_PORT, %dx
	mov	$GR_AX, %ax
gr_out:
	out	%ax, %dx
gr_out_end:
	hlt
	jmp	gr_out_end
	.code64

	.balign 16
steps_ones:
	.fill	16, 1, 1
gi_outs_buf:
	.ascii	"VTL"
	.balign 4096
	.globl guest_blob_end
guest_blob_end:

	.section .note.GNU-stack, "", @progbits
