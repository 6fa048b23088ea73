// SPDX-License-Identifier: MIT
/*
 * hvsim's own memory: one range taken from the kernel's allocator at
 * set-up, 2 MiB aligned, for everything hvsim keeps (VPs and their
 * records, host stacks, VMCBs and save areas, nested tables, permission
 * maps), and the kernel image's .bss.hvsim section (hvsim's globals).
 * VTL2's nested table maps neither, so no guest reaches them: a wild
 * access is a nested page fault (vtl2.c, host.c).
 */
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "internal.h"

#define PAGE 4096ull
#define ALIGN_2M (2ull << 20)

extern char __hvsim_start[], __hvsim_end[];

HVSIM_PRIVATE static uint64_t base, next, end;

void hvsim_memory_init(uint64_t bytes)
{
	bytes = (bytes + ALIGN_2M - 1) & ~(ALIGN_2M - 1);
	base = pmem_alloc_outside(bytes, ALIGN_2M, 0, IDENTITY_MAP_LIMIT);
	if (!base)
		panic("hvsim: no %lu MiB of RAM below 4 GiB for hvsim's own "
		      "memory: give the guest more memory",
		      bytes >> 20);
	next = base;
	end = base + bytes;
	printf("hvsim: its own memory: 0x%lx-0x%lx (%lu KiB) and 0x%lx-0x%lx "
	       "(globals); no guest maps them\n",
	       base, end - 1, bytes >> 10, (uint64_t)(uintptr_t)__hvsim_start,
	       (uint64_t)(uintptr_t)__hvsim_end - 1);
}

void *hvsim_alloc(uint64_t count, uint64_t size, const char *what)
{
	uint64_t bytes = (count * size + PAGE - 1) & ~(PAGE - 1);
	void *p;

	if (bytes > end - next)
		panic("hvsim: its memory has no 0x%lx bytes left for %s (%lu "
		      "x %lu bytes)",
		      bytes, what, count, size);
	p = (void *)(uintptr_t)next;
	next += bytes;
	memset(p, 0, bytes);
	return p;
}

uint64_t hvsim_alloc_table(void)
{
	return (uintptr_t)hvsim_alloc(1, PAGE, "nested page tables");
}

uint32_t host_memory_ranges(struct hvsim_range r[HVSIM_MEMORY_RANGES])
{
	r[0].base = base;
	r[0].size = end - base;
	r[1].base = (uintptr_t)__hvsim_start;
	r[1].size = (uintptr_t)__hvsim_end - (uintptr_t)__hvsim_start;
	return HVSIM_MEMORY_RANGES;
}

bool hvsim_memory_overlaps(uint64_t pa, uint64_t len)
{
	/* On every guest address hvsim reads: two compares per range. */
	return (pa < end && base < pa + len) ||
	       (pa < (uintptr_t)__hvsim_end &&
		(uintptr_t)__hvsim_start < pa + len);
}
