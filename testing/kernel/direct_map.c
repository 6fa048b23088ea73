/*
 * RAM above 4 GiB in the kernel's identity map, so the main kernel (the
 * driver, hvsim, the scenarios' checks) reaches node memory placed there.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/direct_map.h>
#include <kernel/layout.h>
#include <kernel/pgtable.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>

#define LARGE 0x200000ull

static struct {
	uint64_t start, end;
} high[BOOT_MEMMAP_MAX];
static unsigned int nr_high;

void direct_map_init(void)
{
	uint64_t pml4 = read_cr3() & PGT_ADDR;

	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];
		uint64_t start = e->addr & ~(LARGE - 1);
		uint64_t end = (e->addr + e->size + LARGE - 1) & ~(LARGE - 1);

		if (e->type != MEMMAP_RAM || end <= IDENTITY_MAP_LIMIT)
			continue;
		if (start < IDENTITY_MAP_LIMIT)
			start = IDENTITY_MAP_LIMIT;
		for (uint64_t pa = start; pa < end; pa += LARGE)
			pgtable_map(pml4, pa, pa, PGT_W, PGT_2M, PGT_W);
		high[nr_high].start = start;
		high[nr_high++].end = end;
		printf("direct map: RAM 0x%lx-0x%lx\n", start, end - 1);
	}
	write_cr3(read_cr3());
}

bool direct_mapped(uint64_t pa, uint64_t len)
{
	if (!len || pa + len < pa)
		return false;
	if (pa + len <= IDENTITY_MAP_LIMIT)
		return true;
	for (unsigned int i = 0; i < nr_high; i++)
		if (pa >= high[i].start && pa + len <= high[i].end)
			return true;
	return false;
}
