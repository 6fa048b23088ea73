/*
 * Loading the sidecar image: an ELF64 ET_DYN for x86-64, linked at 0, no
 * interpreter, everything in one 2 MiB region. Its PT_LOAD segments go
 * to a 2 MiB-aligned physical address; relocation is the image's own
 * business, and so is zeroing .bss: openhcl_boot's loader does not, and
 * after a reboot the memory holds stale data, so we fill it with a
 * pattern.
 */
#include <stdint.h>

#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/string.h>

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

/* What a previous boot might have left in .bss. */
#define STALE_BYTE 0xa5

static uint64_t page_end(uint64_t v)
{
	return (v + 0xfff) & ~0xfffull;
}

static const char *check_header(const struct elf64_ehdr *eh, uint64_t size)
{
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
		return "not an ELF file";
	if (eh->ident[4] != ELFCLASS64 || eh->ident[5] != ELFDATA2LSB)
		return "not ELF64 little endian";
	if (eh->type != ET_DYN)
		return "not ET_DYN (the image must be linked at 0, PIE)";
	if (eh->machine != EM_X86_64)
		return "not x86-64";
	if (eh->phentsize != sizeof(struct elf64_phdr) || !eh->phnum ||
	    eh->phoff > size ||
	    (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		return "bad program headers";
	return NULL;
}

const char *shim_load_image(uint64_t file_pa, uint64_t file_size,
			    struct shim_image *img)
{
	const uint8_t *file = (const uint8_t *)(uintptr_t)file_pa;
	const struct elf64_ehdr *eh = (const void *)file;
	const struct elf64_phdr *ph;
	const char *err = check_header(eh, file_size);
	uint64_t end = 0;

	if (err)
		return err;
	ph = (const void *)(file + eh->phoff);
	for (uint32_t i = 0; i < eh->phnum; i++) {
		if (ph[i].type == PT_INTERP)
			return "has an interpreter";
		if (ph[i].type != PT_LOAD)
			continue;
		if (ph[i].filesz > ph[i].memsz || ph[i].offset > file_size ||
		    ph[i].filesz > file_size - ph[i].offset)
			return "PT_LOAD outside the file";
		if (ph[i].vaddr >= SHIM_IMAGE_ALIGN ||
		    ph[i].memsz > SHIM_IMAGE_ALIGN - ph[i].vaddr)
			return "PT_LOAD outside the 2 MiB image region";
		if (ph[i].vaddr + ph[i].memsz > end)
			end = ph[i].vaddr + ph[i].memsz;
	}
	if (!end)
		return "no PT_LOAD segment";
	if (eh->entry >= end)
		return "entry point outside the loaded image";

	img->base = pmem_alloc(SHIM_IMAGE_ALIGN, SHIM_IMAGE_ALIGN, "image");
	img->size = end;
	img->entry = img->base + eh->entry;
	for (uint32_t i = 0; i < eh->phnum; i++) {
		uint8_t *dst;

		if (ph[i].type != PT_LOAD)
			continue;
		dst = (uint8_t *)(uintptr_t)(img->base + ph[i].vaddr);
		memcpy(dst, file + ph[i].offset, ph[i].filesz);
		memset(dst + ph[i].filesz, STALE_BYTE,
		       page_end(ph[i].vaddr + ph[i].memsz) - ph[i].vaddr -
			       ph[i].filesz);
		printf("shim: PT_LOAD vaddr 0x%lx filesz 0x%lx memsz 0x%lx "
		       "flags %c%c%c -> 0x%lx\n",
		       ph[i].vaddr, ph[i].filesz, ph[i].memsz,
		       ph[i].flags & 4 ? 'r' : '-', ph[i].flags & 2 ? 'w' : '-',
		       ph[i].flags & 1 ? 'x' : '-', (uint64_t)(uintptr_t)dst);
	}
	return NULL;
}
