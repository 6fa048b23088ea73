/*
 * A bump allocator: nothing is ever freed, every test boots afresh. It
 * hands out the largest RAM range of the PVH memory map above the
 * kernel, below the identity map's end, skipping the modules (QEMU puts
 * the initrd near the top of RAM).
 */
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

extern const char __kernel_end[];

static uint64_t cursor, limit;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

void pmem_init(void)
{
	uint64_t lo = align_up((uintptr_t)__kernel_end, 4096);

	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];
		uint64_t start = e->addr, end = e->addr + e->size;

		if (e->type != MEMMAP_RAM)
			continue;
		if (end > IDENTITY_MAP_LIMIT)
			end = IDENTITY_MAP_LIMIT;
		if (start < lo)
			start = lo;
		if (end > start && end - start > limit - cursor) {
			cursor = start;
			limit = end;
		}
	}
	if (!limit)
		panic("pmem: no RAM above the kernel");
	printf("pmem: 0x%lx-0x%lx (%lu MiB)\n", cursor, limit - 1,
	       (limit - cursor) >> 20);
}

/* The module that overlaps [pa, pa + size), or NULL. */
static const struct boot_module *overlapping_module(uint64_t pa, uint64_t size)
{
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		if (pa < m->paddr + m->size && m->paddr < pa + size)
			return m;
	}
	return NULL;
}

/*
 * Where size bytes fit in [start, end) and [lo, hi), aligned and clear of
 * the modules; 0 if nowhere.
 */
static uint64_t fit(uint64_t start, uint64_t end, uint64_t size, uint64_t align,
		    uint64_t lo, uint64_t hi)
{
	uint64_t top = end < hi ? end : hi;
	uint64_t pa = align_up(start > lo ? start : lo, align);
	const struct boot_module *m;

	while ((m = overlapping_module(pa, size)))
		pa = align_up(m->paddr + m->size, align);
	if (!pa || pa + size < pa || pa + size > top)
		return 0;
	return pa;
}

/*
 * Gaps the cursor jumped over to reach a NUMA node's range: later
 * allocations fill them first, so placing node memory wastes nothing.
 */
#define MAX_HOLES 16
static struct {
	uint64_t start, end;
} holes[MAX_HOLES];
static unsigned int nr_holes;

static void add_hole(uint64_t start, uint64_t end)
{
	if (end > start && nr_holes < MAX_HOLES) {
		holes[nr_holes].start = start;
		holes[nr_holes++].end = end;
	}
}

static uint64_t take(uint64_t size, uint64_t align, uint64_t lo, uint64_t hi)
{
	uint64_t pa;

	for (unsigned int i = 0; i < nr_holes; i++) {
		uint64_t start = holes[i].start;

		pa = fit(start, holes[i].end, size, align, lo, hi);
		if (!pa)
			continue;
		holes[i].start = pa + size;
		add_hole(start, pa);
		return pa;
	}
	pa = fit(cursor, limit, size, align, lo, hi);
	if (!pa)
		return 0;
	add_hole(cursor, pa);
	cursor = pa + size;
	return pa;
}

uint64_t pmem_alloc(uint64_t size, uint64_t align, const char *what)
{
	uint64_t pa = take(size, align, 0, UINT64_MAX);

	if (!pa)
		panic("pmem: out of memory for %s (0x%lx bytes, 0x%lx left)",
		      what, size, limit > cursor ? limit - cursor : 0);
	memset((void *)(uintptr_t)pa, 0, size);
	return pa;
}

uint64_t pmem_alloc_range(uint64_t size, uint64_t align, uint64_t lo,
			  uint64_t hi)
{
	uint64_t pa = take(size, align, lo, hi);

	if (pa)
		memset((void *)(uintptr_t)pa, 0, size);
	return pa;
}

uint64_t pmem_alloc_page(const char *what)
{
	return pmem_alloc(4096, 4096, what);
}

uint64_t pmem_free_bytes(void)
{
	uint64_t n = limit - cursor;

	for (unsigned int i = 0; i < nr_holes; i++)
		n += holes[i].end - holes[i].start;
	return n;
}
