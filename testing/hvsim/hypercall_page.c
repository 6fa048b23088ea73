// SPDX-License-Identifier: MIT
/*
 * The hypercall page's contents, as Hyper-V writes it on AMD: a VMMCALL
 * per entry (the control word in RCX; a VTL call or return moves the
 * caller's RCX to RAX and puts its own call code in ECX), int3 elsewhere.
 */
#include <stdint.h>

#include <kernel/string.h>

#include "internal.h"

static const uint8_t code[HVSIM_PAGE_CODE_END] = {
	/* 0x00: hypercall */
	0x0f,
	0x01,
	0xd9, /* vmmcall */
	0xc3, /* ret */
	/* 0x04: 32-bit VTL call */
	0x89,
	0xc1, /* mov ecx, eax */
	0xb8,
	0x11,
	0x00,
	0x00,
	0x00, /* mov eax, 0x11 */
	0x0f,
	0x01,
	0xd9,
	0xc3,
	/* 0x0f: 64-bit VTL call */
	0x48,
	0x89,
	0xc8, /* mov rax, rcx */
	0xb9,
	0x11,
	0x00,
	0x00,
	0x00, /* mov ecx, 0x11 */
	0x0f,
	0x01,
	0xd9,
	0xc3,
	/* 0x1b: 32-bit VTL return */
	0x89,
	0xc1,
	0xb8,
	0x12,
	0x00,
	0x00,
	0x00,
	0x0f,
	0x01,
	0xd9,
	0xc3,
	/* 0x26: 64-bit VTL return */
	0x48,
	0x89,
	0xc8,
	0xb9,
	0x12,
	0x00,
	0x00,
	0x00,
	0x0f,
	0x01,
	0xd9,
	0xc3,
};

_Static_assert(sizeof(code) == HVSIM_PAGE_CODE_END, "page code");

void hvsim_hypercall_page_write(uint8_t *page)
{
	memset(page, HVSIM_PAGE_FILL, 4096);
	memcpy(page, code, sizeof(code));
}
