/*
 * Page-table building: walk from the root, allocate what is missing.
 */
#include <stdint.h>

#include <kernel/panic.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>

static unsigned int index_at(uint64_t va, unsigned int level)
{
	return (unsigned int)((va >> (39 - 9 * level)) & 511);
}

uint64_t *pgtable_entry(uint64_t pml4, uint64_t va, unsigned int level)
{
	uint64_t table = pml4;

	for (unsigned int l = 0;; l++) {
		uint64_t *e = (uint64_t *)(uintptr_t)table + index_at(va, l);

		if (l == level)
			return e;
		if (!(*e & PGT_P) || (*e & PGT_PS))
			return NULL;
		table = *e & PGT_ADDR;
	}
}

uint64_t *pgtable_map_in(uint64_t pml4, uint64_t va, uint64_t pa,
			 uint64_t flags, unsigned int level,
			 uint64_t table_flags, uint64_t (*alloc_table)(void))
{
	uint64_t table = pml4;

	if (level < PGT_1G || level > PGT_4K)
		panic("pgtable: bad leaf level %u", level);
	for (unsigned int l = 0;; l++) {
		uint64_t *e = (uint64_t *)(uintptr_t)table + index_at(va, l);

		if (l == level) {
			*e = pa | flags | PGT_P | (level < PGT_4K ? PGT_PS : 0);
			return e;
		}
		if (!(*e & PGT_P))
			*e = alloc_table() | table_flags | PGT_P;
		else if (*e & PGT_PS)
			panic("pgtable: 0x%lx is inside a large page", va);
		table = *e & PGT_ADDR;
	}
}

static uint64_t pmem_table(void)
{
	return pmem_alloc_page("page table");
}

uint64_t *pgtable_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags,
		      unsigned int level, uint64_t table_flags)
{
	return pgtable_map_in(pml4, va, pa, flags, level, table_flags,
			      pmem_table);
}
