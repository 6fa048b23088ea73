/*
 * PVH start_info: copy what we need (command line, memory map, modules)
 * into the kernel before the AP trampoline or anything else can write
 * over the loader's memory.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

struct boot_info boot_info;

extern const char __kernel_start[], __kernel_end[];

/* The loader's structures must be reachable through the boot map. */
static const void *boot_ptr(uint64_t pa, uint64_t len, const char *what)
{
	if (pa == 0 || pa + len < pa || pa + len > IDENTITY_MAP_LIMIT)
		panic("pvh: %s at 0x%lx+0x%lx is not mapped", what, pa, len);
	if (pa < (uintptr_t)__kernel_end &&
	    pa + len > (uintptr_t)__kernel_start)
		panic("pvh: %s at 0x%lx overlaps the kernel", what, pa);
	return (const void *)(uintptr_t)pa;
}

void pvh_parse(uint64_t start_info_pa)
{
	const struct hvm_start_info *si;
	struct boot_info *bi = &boot_info;

	si = boot_ptr(start_info_pa, sizeof(*si), "start_info");
	if (si->magic != HVM_START_MAGIC)
		panic("pvh: bad start_info magic 0x%x at 0x%lx", si->magic,
		      start_info_pa);
	bi->start_info_pa = start_info_pa;
	bi->rsdp_pa = si->rsdp_paddr;

	if (si->cmdline_paddr) {
		const char *s = boot_ptr(si->cmdline_paddr, 1, "cmdline");
		size_t n = 0;

		while (n < BOOT_CMDLINE_MAX - 1 && s[n]) {
			bi->cmdline[n] = s[n];
			n++;
		}
		if (s[n])
			panic("pvh: command line longer than %d bytes",
			      BOOT_CMDLINE_MAX - 1);
		bi->cmdline[n] = '\0';
	}

	if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
		unsigned int n = si->memmap_entries;

		if (n > BOOT_MEMMAP_MAX)
			panic("pvh: %u memory map entries, at most %d", n,
			      BOOT_MEMMAP_MAX);
		memcpy(bi->memmap,
		       boot_ptr(si->memmap_paddr, n * sizeof(bi->memmap[0]),
				"memmap"),
		       n * sizeof(bi->memmap[0]));
		bi->nr_memmap = n;
	}

	if (si->nr_modules) {
		const struct hvm_modlist_entry *m;
		unsigned int n = si->nr_modules;

		if (n > BOOT_MODULES_MAX)
			panic("pvh: %u modules, at most %d", n,
			      BOOT_MODULES_MAX);
		m = boot_ptr(si->modlist_paddr, n * sizeof(*m), "modlist");
		for (unsigned int i = 0; i < n; i++) {
			bi->modules[i].paddr = m[i].paddr;
			bi->modules[i].size = m[i].size;
		}
		bi->nr_modules = n;
	}
}

void pvh_print(void)
{
	const struct boot_info *bi = &boot_info;
	uint64_t ram = 0;

	printf("pvh: start_info 0x%lx rsdp 0x%lx cmdline \"%s\"\n",
	       bi->start_info_pa, bi->rsdp_pa, bi->cmdline);
	for (unsigned int i = 0; i < bi->nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &bi->memmap[i];

		printf("pvh: mem 0x%016lx-0x%016lx type %u\n", e->addr,
		       e->addr + e->size - 1, e->type);
		if (e->type == MEMMAP_RAM)
			ram += e->size;
	}
	printf("pvh: %lu MiB RAM, %u module(s)\n", ram >> 20, bi->nr_modules);
	for (unsigned int i = 0; i < bi->nr_modules; i++)
		printf("pvh: module %u at 0x%lx size 0x%lx\n", i,
		       bi->modules[i].paddr, bi->modules[i].size);
}

static bool ram_entry_holds(unsigned int i, uint64_t pa, uint64_t len)
{
	const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

	return e->type == MEMMAP_RAM && pa >= e->addr &&
	       pa + len <= e->addr + e->size;
}

int pvh_is_ram(uint64_t pa, uint64_t len)
{
	/*
	 * hvsim asks on every hypercall, nearly always about the same RAM
	 * entry: look at the last one that held first (a hint, any CPU's).
	 */
	static unsigned int last;
	unsigned int hint = __atomic_load_n(&last, __ATOMIC_RELAXED);

	if (hint < boot_info.nr_memmap && ram_entry_holds(hint, pa, len))
		return 1;
	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		if (ram_entry_holds(i, pa, len)) {
			__atomic_store_n(&last, i, __ATOMIC_RELAXED);
			return 1;
		}
	}
	return 0;
}
