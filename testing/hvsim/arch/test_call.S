/* SPDX-License-Identifier: MIT */
/*
 * uint64_t hvsim_test_vmmcall(uint64_t magic, uint64_t call, void *args);
 *
 * A test call (test_call.c): RCX = magic, RDX = call, R8 = args, then the
 * one VMMCALL hvsim takes test calls from. hvsim preserves every register
 * but RAX.
 */
	.text
	.globl	hvsim_test_vmmcall
	.globl	hvsim_test_call_insn
	.type	hvsim_test_vmmcall, @function
hvsim_test_vmmcall:
	mov	%rdx, %r8
	mov	%rsi, %rdx
	mov	%rdi, %rcx
hvsim_test_call_insn:
	vmmcall
	ret
	.size	hvsim_test_vmmcall, . - hvsim_test_vmmcall

	.section .note.GNU-stack, "", @progbits
