// SPDX-License-Identifier: MIT
/*
 * The image window of a VP's address space against the ELF the shim
 * loaded: every page of a PT_LOAD mapped at the load address plus its
 * offset, with the segment's rights (text R+X, read-only data R+NX, data
 * RW+NX), nothing else executable, nothing past the image.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/pvh.h>

#include "sidecar_wx_image.h"

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define MAX_SEGS 8

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static struct {
	uint32_t nr;
	uint64_t start[MAX_SEGS], end[MAX_SEGS]; /* page-rounded */
	uint32_t flags[MAX_SEGS];
} segs;

/* The shim checked the ELF already: just take its PT_LOADs. */
void wx_read_segments(void)
{
	const uint8_t *file =
		(const uint8_t *)(uintptr_t)boot_info.modules[0].paddr;
	const struct elf64_ehdr *eh = (const void *)file;
	const struct elf64_phdr *ph = (const void *)(file + eh->phoff);

	segs.nr = 0;
	for (uint32_t i = 0; i < eh->phnum && segs.nr < MAX_SEGS; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		segs.start[segs.nr] = ph[i].vaddr & ~(WX_PAGE - 1);
		segs.end[segs.nr] = (ph[i].vaddr + ph[i].memsz + WX_PAGE - 1) &
				    ~(WX_PAGE - 1);
		segs.flags[segs.nr] = ph[i].flags;
		printf("wx: image segment [0x%lx, 0x%lx) %c%c\n",
		       segs.start[segs.nr], segs.end[segs.nr],
		       ph[i].flags & PF_W ? 'W' : '-',
		       ph[i].flags & PF_X ? 'X' : '-');
		segs.nr++;
	}
}

/* Flags of the segment holding the page at off, or -1. */
static int seg_flags(uint64_t off)
{
	for (uint32_t i = 0; i < segs.nr; i++)
		if (off >= segs.start[i] && off < segs.end[i])
			return (int)segs.flags[i];
	return -1;
}

uint32_t wx_image_pages(uint32_t *text)
{
	uint32_t n = 0;

	*text = 0;
	for (uint64_t off = 0; off < WX_WINDOW; off += WX_PAGE) {
		int f = seg_flags(off);

		n += f >= 0;
		*text += f >= 0 && (f & PF_X);
	}
	return n;
}

bool wx_image_page_ok(const struct hvsim_mapping *m, uint64_t image_pa,
		      const char **why)
{
	uint64_t off = m->va - WX_VA_IMAGE;
	int f = seg_flags(off);
	bool w = m->rights & HVSIM_MAP_W, x = !(m->rights & HVSIM_MAP_NX);

	if (f < 0)
		*why = "outside every PT_LOAD";
	else if (m->pa != image_pa + off)
		*why = "not at the load address + offset";
	else if (x != ((f & PF_X) != 0))
		*why = x ? "executable outside text" : "text not executable";
	else if (w != ((f & PF_W) != 0))
		*why = w ? "writable outside data" : "data not writable";
	else
		return true;
	return false;
}
