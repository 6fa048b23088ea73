// SPDX-License-Identifier: MIT
/*
 * What VTL0 runs on: AMD SVM as QEMU's TCG offers it (hv_facts §15). One
 * VMCB per VP, one nested page table for the partition that maps exactly
 * the VTL0 RAM (identity: a VTL0 GPA is the same physical address VTL2
 * uses, as on Hyper-V), and permission maps that send every I/O port and
 * MSR access to VTL2.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include "internal.h"

#define PAGE 4096ull
#define IOPM_BYTES (3 * PAGE)
#define MSRPM_BYTES (2 * PAGE)
/* Code, tables and data shared by the guests, then a slot per VP. */
#define VTL0_SHARED_BYTES (1ull << 20)
#define VTL0_PER_VP_BYTES ((uint64_t)HVSIM_VTL0_VP_SLOT)

/* Nested paging: 4 KiB identity pages over [base, base + size) only. */
static uint64_t build_npt(uint64_t base, uint64_t size)
{
	uint64_t root = hvsim_alloc_table();

	/* Nested walks are user accesses: U in every level. */
	for (uint64_t pa = base; pa < base + size; pa += PAGE)
		pgtable_map_in(root, pa, pa, PGT_W | PGT_U, PGT_4K,
			       PGT_W | PGT_U, hvsim_alloc_table);
	return root;
}

static void check_svm(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (!(c & (1u << 2)))
		panic("hvsim: the CPU has no SVM (run QEMU with -cpu max)");
	cpuid(0x8000000A, 0, &a, &b, &c, &d);
	if (!(d & 1))
		panic("hvsim: SVM without nested paging");
}

static uint64_t vtl0_bytes(uint32_t nr_vps)
{
	uint64_t size = VTL0_SHARED_BYTES + VTL0_PER_VP_BYTES * nr_vps;

	return (size + (2ull << 20) - 1) & ~((2ull << 20) - 1);
}

uint64_t hvsim_npt_pages(uint32_t nr_vps)
{
	/* VTL0: a page table per 2 MiB, and the levels above. */
	uint64_t pages = vtl0_bytes(nr_vps) / (2ull << 20) + 4;

	return pages + hvsim_vtl2_npt_pages();
}

uint64_t host_vtl0_npt(void)
{
	return hvsim.npt_pa;
}

void hvsim_svm_init(void)
{
	struct x86_fxsave *fx;
	uint64_t size;
	uint8_t *pages;

	check_svm();
	hvsim.iopm_pa = (uintptr_t)hvsim_alloc(1, IOPM_BYTES, "IOPM");
	memset((void *)(uintptr_t)hvsim.iopm_pa, 0xff, IOPM_BYTES);
	hvsim.msrpm_pa = (uintptr_t)hvsim_alloc(1, MSRPM_BYTES, "MSRPM");
	memset((void *)(uintptr_t)hvsim.msrpm_pa, 0xff, MSRPM_BYTES);

	/* Below 4 GiB (real-mode guests) and 2 MiB aligned (large pages). */
	size = vtl0_bytes(hvsim.nr_vps);
	hvsim.vtl0_base =
		pmem_alloc_outside(size, 2ull << 20, 0, IDENTITY_MAP_LIMIT);
	if (!hvsim.vtl0_base)
		panic("hvsim: no %lu KiB below 4 GiB for VTL0 RAM", size >> 10);
	hvsim.vtl0_size = size;
	hvsim.npt_pa = build_npt(hvsim.vtl0_base, size);

	/*
	 * Per VP: its VTL0 VMCB, a VMSAVE area for hvsim, the host save
	 * area, its VTL2 VMCB and the FX state of its VTLs.
	 */
	pages = hvsim_alloc(4ull * hvsim.nr_vps, PAGE, "VMCBs");
	fx = hvsim_alloc(hvsim.nr_vps, sizeof(*fx), "FX areas");
	for (uint32_t i = 0; i < hvsim.nr_vps; i++) {
		struct hvsim_vp *vp = &hvsim.vp[i];
		uint8_t *p = pages + 4 * PAGE * i;

		vp->vmcb = (struct svm_vmcb *)p;
		vp->host_save_pa = (uintptr_t)(p + PAGE);
		vp->hsave_pa = (uintptr_t)(p + 2 * PAGE);
		vp->vtl2 = (struct svm_vmcb *)(p + 3 * PAGE);
		vp->fx = &fx[i];
	}
	hvsim_vtl2_init();
	printf("hvsim: VTL0 runs on SVM: RAM 0x%lx-0x%lx (%lu KiB), nested "
	       "table 0x%lx\n",
	       hvsim.vtl0_base, hvsim.vtl0_base + size - 1, size >> 10,
	       hvsim.npt_pa);
}

void host_vtl0_ram(uint64_t *base, uint64_t *size)
{
	*base = hvsim.vtl0_base;
	*size = hvsim.vtl0_size;
}

uint64_t host_vtl0_vp_slot_of(uint64_t vtl0_base, uint32_t vp)
{
	return vtl0_base + VTL0_SHARED_BYTES + VTL0_PER_VP_BYTES * vp;
}

uint64_t host_vtl0_vp_slot(uint32_t vp)
{
	return host_vtl0_vp_slot_of(hvsim.vtl0_base, vp);
}

void *hvsim_vtl0_phys(uint64_t gpa, uint64_t len)
{
	if (gpa < hvsim.vtl0_base || len > hvsim.vtl0_size ||
	    gpa - hvsim.vtl0_base > hvsim.vtl0_size - len)
		return NULL;
	return (void *)(uintptr_t)gpa;
}

void hvsim_svm_prepare(struct hvsim_vp *vp)
{
	struct svm_vmcb_control *c = &vp->vmcb->control;

	c->intercept_cr = 0;
	c->intercept_dr = 0;
	c->intercept_exceptions = 1u << 6; /* #UD */
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI |
			     SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT |
			     SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD |
			     SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA |
			     SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
			     SVM_INTERCEPT_TASK_SWITCH | SVM_INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
			     SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT;
	c->iopm_base_pa = hvsim.iopm_pa;
	c->msrpm_base_pa = hvsim.msrpm_pa;
	c->tsc_offset = 0;
	c->asid = 1;
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = hvsim.npt_pa;
	c->event_inj = 0;
}

/* From the host loop, which keeps EFER.SVME and VM_HSAVE_PA set. */
uint64_t hvsim_svm_enter(struct hvsim_vp *vp, uint64_t gprs[16], void *fx)
{
	vp->vmcb->control.exit_code = 0;
	hvsim_svm_run((uintptr_t)vp->vmcb, vp->host_save_pa, gprs, fx);
	vp->rec.vmruns++;
	return vp->vmcb->control.exit_code;
}

void host_pend_interrupt_at_entry(uint32_t index, uint8_t vector)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	if (!vp)
		panic("hvsim: no VP %u to pend an interrupt for", index);
	__atomic_store_n(&vp->entry_irq, vector, __ATOMIC_RELEASE);
}
