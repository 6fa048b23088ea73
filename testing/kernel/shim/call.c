/*
 * Calling the image's entry the way the contract says: 64-bit, paging
 * on, interrupts off, the identity map, a fresh stack of 64 KiB. What the
 * image must leave as it was (slot 511, control registers) is checked.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/smp.h>

bool shim_call_entry(const struct shim_image *img, uint64_t params_pa,
		     uint64_t output_pa)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)read_cr3();
	uint64_t stack = pmem_alloc(SHIM_ENTRY_STACK, 4096, "entry stack");
	uint64_t slot511 = pml4[511], cr0 = read_cr0(), cr4 = read_cr4();
	uint64_t efer = rdmsr(MSR_EFER), cr3 = read_cr3();
	uint64_t ret;

	cli();
	ret = shim_call_on_stack(img->entry, params_pa, output_pa,
				 stack + SHIM_ENTRY_STACK);
	/* Our per-CPU pointer and IDT, whatever the image did. */
	percpu_set(&cpus[0]);
	idt_load();
	if (pml4[511] != slot511)
		panic("shim: the image left PML4 slot 511 as 0x%lx (was 0x%lx)",
		      pml4[511], slot511);
	if (read_cr3() != cr3 || read_cr0() != cr0 || read_cr4() != cr4 ||
	    rdmsr(MSR_EFER) != efer)
		panic("shim: the image changed CR0/CR3/CR4/EFER: 0x%lx/0x%lx/"
		      "0x%lx/0x%lx, were 0x%lx/0x%lx/0x%lx/0x%lx",
		      read_cr0(), read_cr3(), read_cr4(), rdmsr(MSR_EFER), cr0,
		      cr3, cr4, efer);
	return ret != 0;
}
