/* SPDX-License-Identifier: MIT */
/*
 * The image's copy of the hypercall page. The hypervisor's page is copied
 * here at boot (the shim reuses the original), so it is mapped executable
 * and read-only like the rest of the text; until the copy it traps.
 */
	.section .hcall_page, "ax", @progbits
	.balign 4096
	.globl sc_hcall_page
sc_hcall_page:
	ud2
	.fill 4094, 1, 0xcc
	.size sc_hcall_page, 4096

	.section .note.GNU-stack, "", @progbits
