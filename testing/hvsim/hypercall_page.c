// SPDX-License-Identifier: MIT
/*
 * The hypercall page's contents, as Hyper-V writes it on AMD: a VMMCALL
 * per entry (the control word in RCX; a VTL call or return moves the
 * caller's RCX to RAX and puts its own call code in ECX), int3 elsewhere.
 */
#include <stdint.h>

#include <kernel/string.h>

#include "internal.h"

/* clang-format off */
static const uint8_t code[HVSIM_PAGE_CODE_END] = {
	/* 0x00: hypercall: vmmcall; ret */
	0x0f, 0x01, 0xd9, 0xc3,
	/* 0x04: 32-bit VTL call: mov ecx, eax; mov eax, 0x11; vmmcall; ret */
	0x89, 0xc1, 0xb8, 0x11, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3,
	/* 0x0f: 64-bit VTL call: mov rax, rcx; mov ecx, 0x11; vmmcall; ret */
	0x48, 0x89, 0xc8, 0xb9, 0x11, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3,
	/* 0x1b: 32-bit VTL return (0x12) */
	0x89, 0xc1, 0xb8, 0x12, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3,
	/* 0x26: 64-bit VTL return (0x12) */
	0x48, 0x89, 0xc8, 0xb9, 0x12, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3,
};
/* clang-format on */

_Static_assert(sizeof(code) == HVSIM_PAGE_CODE_END, "page code");

void hvsim_hypercall_page_write(uint8_t *page)
{
	memset(page, HVSIM_PAGE_FILL, 4096);
	memcpy(page, code, sizeof(code));
}
