/*
 * The page table the entry is called with: openhcl_boot's view. It
 * identity-maps only the shim's own memory (the kernel and pmem's own
 * range, less the image's 2 MiB region) and the image, params, output and
 * hypercall pages. Node memory lies outside (pmem_alloc_outside), so an
 * image that reaches it through the caller's map faults.
 */
#include <stdint.h>

#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/shim.h>

extern const char __kernel_start[], __kernel_end[];

#define PAGE 0x1000ull
#define LARGE 0x200000ull

static bool in_large_page(uint64_t root, uint64_t pa)
{
	const uint64_t *pde = pgtable_entry(root, pa, PGT_2M);

	return pde && (*pde & PGT_P) && (*pde & PGT_PS);
}

/* Identity, writable and executable, like the boot shim's. */
static void map_range(uint64_t root, uint64_t start, uint64_t end)
{
	uint64_t pa = start & ~(PAGE - 1);

	while (pa < end) {
		if (!(pa & (LARGE - 1)) && end - pa >= LARGE) {
			/* A superset of any 4 KiB identity pages in it. */
			pgtable_map(root, pa, pa, PGT_W, PGT_2M, PGT_W);
			pa += LARGE;
			continue;
		}
		if (!in_large_page(root, pa))
			pgtable_map(root, pa, pa, PGT_W, PGT_4K, PGT_W);
		pa += PAGE;
	}
}

uint64_t shim_boot_map(const struct shim_image *img, uint64_t params_pa,
		       uint64_t output_pa, uint64_t hypercall_pa)
{
	uint64_t root = pmem_alloc_page("boot map"), own_start, own_end;
	uint64_t region_end = img->base + SHIM_IMAGE_ALIGN;

	pmem_own_range(&own_start, &own_end);
	map_range(root, (uintptr_t)__kernel_start, (uintptr_t)__kernel_end);
	/* The image's region is the image's: only its pages are mapped. */
	if (img->base > own_start)
		map_range(root, own_start, img->base);
	if (region_end < own_end)
		map_range(root, region_end, own_end);
	map_range(root, img->base, img->base + img->size);
	map_range(root, params_pa, params_pa + PAGE);
	map_range(root, output_pa, output_pa + PAGE);
	map_range(root, hypercall_pa, hypercall_pa + PAGE);
	return root;
}
