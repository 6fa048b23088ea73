/*
 * The kernel is a static PIE. QEMU loads it at its link address, so the
 * load bias is 0 and every R_X86_64_RELATIVE just stores its addend; with
 * -Wl,--apply-dynamic-relocs the linker has already done so. Re-applying
 * here keeps the image right whichever way it was linked, and any other
 * relocation type is counted so the caller can refuse to go on.
 */
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/reloc.h>

#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

struct elf64_dyn {
	int64_t tag;
	uint64_t val;
};

struct elf64_rela {
	uint64_t offset;
	uint64_t info;
	int64_t addend;
};

/* Hidden: must be reached PC-relative, not through the GOT. */
extern const struct elf64_dyn _DYNAMIC[] __attribute__((visibility("hidden")));
extern const char __kernel_start[] __attribute__((visibility("hidden")));

unsigned int reloc_apply(void)
{
	uint64_t bias = (uintptr_t)__kernel_start - KERNEL_LOAD_ADDR;
	uint64_t rela = 0, relasz = 0, relaent = sizeof(struct elf64_rela);
	unsigned int unsupported = 0;

	for (const struct elf64_dyn *d = _DYNAMIC; d->tag != DT_NULL; d++) {
		if (d->tag == DT_RELA)
			rela = d->val + bias;
		else if (d->tag == DT_RELASZ)
			relasz = d->val;
		else if (d->tag == DT_RELAENT)
			relaent = d->val;
	}
	for (uint64_t off = 0; rela && off + relaent <= relasz;
	     off += relaent) {
		const struct elf64_rela *r =
			(const void *)(uintptr_t)(rela + off);
		uint32_t type = (uint32_t)r->info;

		if (type == R_X86_64_RELATIVE)
			*(uint64_t *)(uintptr_t)(r->offset + bias) =
				bias + (uint64_t)r->addend;
		else if (type != R_X86_64_NONE)
			unsupported++;
	}
	return unsupported;
}
