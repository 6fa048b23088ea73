// SPDX-License-Identifier: MIT
/*
 * Self-relocation to SC_VA_BASE. Runs at the load address before paging
 * maps the image high, so it must only use position-independent code: no
 * data holding absolute addresses is read here.
 */
#include <stdint.h>

#include "vmem.h"

#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t r_addend;
};

extern const struct elf64_rela __rela_start[], __rela_end[];

/* Returns 1 on success, 0 if the image holds a relocation it can't apply. */
int sc_relocate_image(uint64_t image_pa)
{
	for (const struct elf64_rela *r = __rela_start; r < __rela_end; r++) {
		uint32_t type = (uint32_t)r->r_info;

		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE)
			return 0;
		*(uint64_t *)(image_pa + r->r_offset) =
			SC_VA_BASE + (uint64_t)r->r_addend;
	}
	return 1;
}
