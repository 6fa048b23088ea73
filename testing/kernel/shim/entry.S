/*
 * uint64_t shim_call_on_stack(entry, params_pa, output_pa, stack_top):
 * the image's entry, System V, on a stack of our choosing.
 */
	.text
	.globl	shim_call_on_stack
	.type	shim_call_on_stack, @function
shim_call_on_stack:
	pushq	%rbp
	movq	%rsp, %rbp
	movq	%rcx, %rsp
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	call	*%rax
	movzbl	%al, %eax		/* bool: only AL is defined */
	movq	%rbp, %rsp
	popq	%rbp
	ret
	.size	shim_call_on_stack, . - shim_call_on_stack
