/*
 * Bump allocators: nothing is ever freed, every test boots afresh.
 *
 * The shim's own memory (pmem_alloc) is at most PMEM_OWN_MAX at the start
 * of the largest RAM range above the kernel below 4 GiB, skipping the
 * modules (QEMU puts the initrd near the top of low RAM): like
 * openhcl_boot's VTL2 region, the only RAM besides the kernel that the
 * shim identity-maps for the sidecar's entry (shim/boot_map.c).
 * Everything above it is "outside" memory (pmem_alloc_outside), handed
 * out from the top down: node memory, which the image must reach through
 * its own mappings, lands far from the shim, above 4 GiB when there is RAM
 * there.
 */
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

extern const char __kernel_end[];

#define PMEM_OWN_MAX 0x4000000ull /* 64 MiB */

static uint64_t cursor, limit, own_start;

/* Outside memory handed out so far. */
#define MAX_OUTSIDE 256
static struct {
	uint64_t start, end;
} outside[MAX_OUTSIDE];
static unsigned int nr_outside;

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
	if (limit - cursor > PMEM_OWN_MAX)
		limit = cursor + PMEM_OWN_MAX;
	own_start = cursor;
	printf("pmem: own 0x%lx-0x%lx (%lu MiB)\n", cursor, limit - 1,
	       (limit - cursor) >> 20);
}

void pmem_own_range(uint64_t *start, uint64_t *end)
{
	*start = own_start;
	*end = limit;
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
 * Where size bytes fit in [start, end), aligned and clear of the modules;
 * 0 if nowhere.
 */
static uint64_t fit(uint64_t start, uint64_t end, uint64_t size, uint64_t align)
{
	uint64_t pa = align_up(start, align);
	const struct boot_module *m;

	while ((m = overlapping_module(pa, size)))
		pa = align_up(m->paddr + m->size, align);
	if (!pa || pa + size < pa || pa + size > end)
		return 0;
	return pa;
}

/*
 * Gaps the cursor jumped over (alignment, modules): later allocations
 * fill them first.
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

static uint64_t take(uint64_t size, uint64_t align)
{
	uint64_t pa;

	for (unsigned int i = 0; i < nr_holes; i++) {
		uint64_t start = holes[i].start;

		pa = fit(start, holes[i].end, size, align);
		if (!pa)
			continue;
		holes[i].start = pa + size;
		add_hole(start, pa);
		return pa;
	}
	pa = fit(cursor, limit, size, align);
	if (!pa)
		return 0;
	add_hole(cursor, pa);
	cursor = pa + size;
	return pa;
}

uint64_t pmem_alloc(uint64_t size, uint64_t align, const char *what)
{
	uint64_t pa = take(size, align);

	if (!pa)
		panic("pmem: out of memory for %s (0x%lx bytes, 0x%lx left)",
		      what, size, limit > cursor ? limit - cursor : 0);
	memset((void *)(uintptr_t)pa, 0, size);
	return pa;
}

/*
 * Where a place [pa, pa + size) must move below: the start of a module or
 * outside block it overlaps, or 0 if it overlaps none.
 */
static uint64_t taken_below(uint64_t pa, uint64_t size)
{
	const struct boot_module *m = overlapping_module(pa, size);

	if (m)
		return m->paddr;
	for (unsigned int i = 0; i < nr_outside; i++)
		if (pa < outside[i].end && outside[i].start < pa + size)
			return outside[i].start;
	return 0;
}

/* The highest aligned free place for size bytes in [bottom, top); 0: none. */
static uint64_t fit_down(uint64_t bottom, uint64_t top, uint64_t size,
			 uint64_t align)
{
	uint64_t pa, below;

	for (;;) {
		if (top < size || top - size < bottom)
			return 0;
		pa = (top - size) & ~(align - 1);
		if (pa < bottom)
			return 0;
		below = taken_below(pa, size);
		if (!below)
			return pa;
		top = below;
	}
}

uint64_t pmem_alloc_outside(uint64_t size, uint64_t align, uint64_t lo,
			    uint64_t hi)
{
	if (nr_outside == MAX_OUTSIDE)
		panic("pmem: more than %u outside blocks", MAX_OUTSIDE);
	/* The highest RAM first: above 4 GiB when the machine has it. */
	for (unsigned int k = boot_info.nr_memmap; k-- > 0;) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[k];
		uint64_t bottom = e->addr, top = e->addr + e->size, pa;

		if (e->type != MEMMAP_RAM)
			continue;
		if (bottom < limit)
			bottom = limit;
		if (bottom < lo)
			bottom = lo;
		if (top > hi)
			top = hi;
		pa = fit_down(bottom, top, size, align);
		if (!pa)
			continue;
		outside[nr_outside].start = pa;
		outside[nr_outside++].end = pa + size;
		memset((void *)(uintptr_t)pa, 0, size);
		return pa;
	}
	return 0;
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
