/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry: 256 stubs of 16 bytes each, so the IDT
 * builder finds vector v's stub at sc_isr_stubs + 16 * v. Each pushes a
 * dummy error code where the CPU pushes none, then the vector, and joins
 * the common path that saves the registers and calls sc_interrupt().
 * The request vector (SC_REQUEST_VECTOR, 0x20) only needs its EOI: its
 * stub jumps to sc_isr_request, which saves only what WRMSR uses (about
 * 50 instructions fewer on every command than the common path).
 */
	.text
	.balign 16
	.globl sc_isr_stubs
sc_isr_stubs:
	vector = 0
	.rept 256
	.balign 16
	/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code. */
	.if vector == 0x20
	jmp	sc_isr_request
	.else
	.if (vector == 8) || (vector >= 10 && vector <= 14) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	.else
	push	$0
	.endif
	push	$vector
	jmp	sc_isr_common
	.endif
	vector = vector + 1
	.endr

/* The request IPI: EOI (x2APIC EOI MSR 0x80b, value 0) and return. */
sc_isr_request:
	push	%rax
	push	%rcx
	push	%rdx
	mov	$0x80b, %ecx
	xor	%eax, %eax
	xor	%edx, %edx
	wrmsr
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq

sc_isr_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	mov	%rsp, %rbx
	and	$-16, %rsp
	cld
	call	sc_interrupt
	mov	%rbx, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

/*
 * Instructions that may fault on values from the command page. A fault on
 * one of them resumes at its fixup with RAX = 1 instead of taking the CPU
 * down (see sc_fixup_lookup).
 */
#define FIXUP_ENTRY(insn, fixup) \
	.pushsection .rodata.fixups, "a"; \
	.balign 4; \
	.long insn - .; \
	.long fixup - .; \
	.popsection

/* int sc_wrmsr_safe(uint32_t msr, uint64_t value); 0 on success. */
	.globl sc_wrmsr_safe
sc_wrmsr_safe:
	mov	%edi, %ecx
	mov	%rsi, %rax
	mov	%rsi, %rdx
	shr	$32, %rdx
1:	wrmsr
	xor	%eax, %eax
	ret
2:	mov	$1, %eax
	ret
	FIXUP_ENTRY(1b, 2b)

/* int sc_rdmsr_safe(uint32_t msr, uint64_t *value); 0 on success. */
	.globl sc_rdmsr_safe
sc_rdmsr_safe:
	mov	%edi, %ecx
1:	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, (%rsi)
	xor	%eax, %eax
	ret
2:	movq	$0, (%rsi)
	mov	$1, %eax
	ret
	FIXUP_ENTRY(1b, 2b)

/* int sc_write_dr6_safe(uint64_t value); DR6 rejects reserved bits. */
	.globl sc_write_dr6_safe
sc_write_dr6_safe:
1:	mov	%rdi, %dr6
	xor	%eax, %eax
	ret
2:	mov	$1, %eax
	ret
	FIXUP_ENTRY(1b, 2b)



/*
 * The IDT: written once by the BSP through its identity alias at boot,
 * then mapped read-only like the rest of this range.
 */
	.section .rodata.idt, "a", @progbits
	.balign 4096
	.globl sc_idt
sc_idt:
	.zero 4096
	.size sc_idt, 4096

	.section .note.GNU-stack, "", @progbits
