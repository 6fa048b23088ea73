/*
 * Calling the image's entry the way openhcl_boot does (DESIGN §3): 64-bit,
 * paging on, interrupts off, on a page table that identity-maps only the
 * shim's own memory and the image, params, output and hypercall pages
 * (shim/boot_map.c), on a small unguarded stack. What the image must leave
 * as it was (slot 511, control registers) is checked, and how much of the
 * caller's stack it used: it runs on its own.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/smp.h>

#define STACK_PAINT 0x5ac5ac5ac5ac5ac5ull

/* Bytes of the painted stack [base, base + size) written since. */
static uint64_t stack_used(uint64_t base, uint64_t size)
{
	const uint64_t *w = (const uint64_t *)(uintptr_t)base;
	uint64_t i = 0;

	while (i < size / 8 && w[i] == STACK_PAINT)
		i++;
	return size - i * 8;
}

bool shim_call_entry(const struct shim_image *img, uint64_t params_pa,
		     uint64_t output_pa, uint64_t hypercall_pa)
{
	uint64_t boot_cr3 =
		shim_boot_map(img, params_pa, output_pa, hypercall_pa);
	uint64_t *boot_pml4 = (uint64_t *)(uintptr_t)boot_cr3;
	uint64_t stack = pmem_alloc(SHIM_ENTRY_STACK, 4096, "entry stack");
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), cr3 = read_cr3();
	uint64_t efer = rdmsr(MSR_EFER), slot511 = boot_pml4[511];
	uint64_t ret, cr3_after, used;

	for (uint64_t i = 0; i < SHIM_ENTRY_STACK / 8; i++)
		((uint64_t *)(uintptr_t)stack)[i] = STACK_PAINT;
	cli();
	write_cr3(boot_cr3);
	ret = shim_call_on_stack(img->entry, params_pa, output_pa,
				 stack + SHIM_ENTRY_STACK);
	cr3_after = read_cr3();
	/* The main kernel's own map again: it reaches node memory. */
	write_cr3(cr3);
	/* Our per-CPU pointer and IDT, whatever the image did. */
	percpu_set(&cpus[0]);
	idt_load();
	if (boot_pml4[511] != slot511)
		panic("shim: the image left PML4 slot 511 as 0x%lx (was 0x%lx)",
		      boot_pml4[511], slot511);
	if (cr3_after != boot_cr3 || read_cr0() != cr0 || read_cr4() != cr4 ||
	    rdmsr(MSR_EFER) != efer)
		panic("shim: the image changed CR0/CR3/CR4/EFER: 0x%lx/0x%lx/"
		      "0x%lx/0x%lx, were 0x%lx/0x%lx/0x%lx/0x%lx",
		      read_cr0(), cr3_after, read_cr4(), rdmsr(MSR_EFER), cr0,
		      boot_cr3, cr4, efer);
	used = stack_used(stack, SHIM_ENTRY_STACK);
	printf("shim: the entry used %lu bytes of the caller's stack\n", used);
	if (used > SHIM_ENTRY_STACK_BUDGET)
		panic("shim: the entry used %lu bytes of the caller's stack "
		      "(at most %llu: it runs on its own)",
		      used, SHIM_ENTRY_STACK_BUDGET);
	return ret != 0;
}
