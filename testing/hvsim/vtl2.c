// SPDX-License-Identifier: MIT
/*
 * VTL2 as an SVM guest, as on Hyper-V: once hvsim is set up, the BSP's
 * kernel (boot shim, driver, scenarios) goes on in guest mode and hvsim
 * keeps host mode to itself, in a loop that runs the VP's VTL2 VMCB and
 * handles its exits.
 *
 * The VTL2 VMCB intercepts what would let a guest take the host: VMRUN and
 * the other SVM instructions, shutdown, and the MSRs that steer SVM (EFER,
 * whose SVME a guest must not clear or see; VM_HSAVE_PA, where a #VMEXIT
 * would load host state from; VM_CR) or the shared local APIC (its base).
 * Interrupts, HLT, I/O and the x2APIC MSRs are not intercepted: with
 * V_INTR_MASKING off, an interrupt goes through the guest's own IDT and a
 * guest hlt sleeps in guest mode (docs/notes/issue16-svm-guest-research.md
 * §1).
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

#include "internal.h"

#define PAGE 4096ull
#define MSRPM_BYTES (2 * PAGE)
#define MSR_VM_CR 0xC0010114u
#define RAX 0
#define RCX 1
#define RDX 2
#define VECTOR_GP 13
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
/* EFER bits VTL2 may write: SCE, LME, LMA (ignored), NXE, FFXSR; no SVM. */
#define EFER_WRITABLE 0x4D01ull

/* The bit pair of msr in a permission map, or -1 outside its ranges. */
static int64_t msrpm_bit(uint32_t msr)
{
	if (msr <= 0x1FFF)
		return (int64_t)msr * 2;
	if (msr >= 0xC0000000u && msr <= 0xC0001FFFu)
		return 0x800 * 8 + (int64_t)(msr - 0xC0000000u) * 2;
	if (msr >= 0xC0010000u && msr <= 0xC0011FFFu)
		return 0x1000 * 8 + (int64_t)(msr - 0xC0010000u) * 2;
	return -1;
}

static void msrpm_trap(uint8_t *map, uint32_t msr, bool read, bool write)
{
	int64_t bit = msrpm_bit(msr);

	if (bit < 0)
		panic("hvsim: MSR 0x%x is outside the permission map", msr);
	if (read)
		map[bit / 8] |= (uint8_t)(1u << (bit % 8));
	if (write)
		map[(bit + 1) / 8] |= (uint8_t)(1u << ((bit + 1) % 8));
}

/* The highest end of RAM in the memory map, at least 4 GiB. */
uint64_t hvsim_ram_end(void)
{
	uint64_t end = 4ull << 30;

	for (uint32_t i = 0; i < boot_info.nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM && e->addr + e->size > end)
			end = e->addr + e->size;
	}
	return end;
}

#define CHUNK (2ull << 20)

extern char __kernel_start[], __kernel_ro_end[];

/* The kernel's text and read-only data: hvsim's code runs from there. */
static bool kernel_ro(uint64_t pa, uint64_t len)
{
	return pa < (uintptr_t)__kernel_ro_end &&
	       (uintptr_t)__kernel_start < pa + len;
}

uint64_t hvsim_vtl2_npt_pages(void)
{
	uint64_t end = hvsim_ram_end();
	uint64_t ro = (uintptr_t)__kernel_ro_end - (uintptr_t)__kernel_start;

	/*
	 * PML4, PDPTs, PDs, and page tables where hvsim's globals or the
	 * kernel's read-only part split a chunk.
	 */
	return 1 + (end >> 39) + 1 + (end >> 30) + 1 + 4 + ro / CHUNK + 2;
}

/*
 * Identity over [0, end), MMIO below 4 GiB included, but for hvsim's own
 * memory, and read-only over the kernel's text and read-only data (hvsim's
 * code among it): 2 MiB pages, 4 KiB ones in a 2 MiB chunk either covers.
 */
static uint64_t build_vtl2_npt(uint64_t end)
{
	uint64_t root = hvsim_alloc_table();

	end = (end + CHUNK - 1) & ~(CHUNK - 1);
	for (uint64_t pa = 0; pa < end; pa += CHUNK) {
		if (!hvsim_memory_overlaps(pa, CHUNK) &&
		    !kernel_ro(pa, CHUNK)) {
			pgtable_map_in(root, pa, pa, PGT_W | PGT_U, PGT_2M,
				       PGT_W | PGT_U, hvsim_alloc_table);
			continue;
		}
		for (uint64_t p = pa; p < pa + CHUNK; p += PAGE)
			if (!hvsim_memory_overlaps(p, PAGE))
				pgtable_map_in(root, p, p,
					       (kernel_ro(p, PAGE) ? 0 :
								     PGT_W) |
						       PGT_U,
					       PGT_4K, PGT_W | PGT_U,
					       hvsim_alloc_table);
	}
	return root;
}

uint64_t host_vtl2_npt(void)
{
	return hvsim.vtl2_npt_pa;
}

void hvsim_vtl2_init(void)
{
	uint8_t *map = hvsim_alloc(1, MSRPM_BYTES, "VTL2 MSRPM");
	uint64_t end = hvsim_ram_end();

	msrpm_trap(map, X86_MSR_EFER, true, true);
	msrpm_trap(map, SVM_MSR_VM_HSAVE_PA, true, true);
	msrpm_trap(map, MSR_VM_CR, true, true);
	msrpm_trap(map, X86_MSR_APIC_BASE, false, true);
	/* INIT and SIPI are the virtual APIC's; the rest is sent as is. */
	msrpm_trap(map, X86_MSR_X2APIC_ICR, false, true);
	hvsim.vtl2_msrpm_pa = (uintptr_t)map;
	/* IOIO is not intercepted; the map only has to be a valid address. */
	hvsim.vtl2_iopm_pa = (uintptr_t)hvsim_alloc(1, 3 * PAGE, "VTL2 IOPM");
	hvsim.vtl2_npt_pa = build_vtl2_npt(end);
	printf("hvsim: VTL2 runs on SVM: nested table 0x%lx (identity to "
	       "0x%lx)\n",
	       hvsim.vtl2_npt_pa, end);
}

static struct svm_segment segment(const struct hv_x64_segment_register *r)
{
	struct svm_segment s = {
		.selector = r->selector,
		.attrib = hvsim_svm_attrib(r->attributes),
		.limit = r->limit,
		.base = r->base,
	};

	return s;
}

/* ES, CS, SS or DS as loading sel from the live GDT gave it. */
static struct svm_segment live_segment(uint16_t sel, uint64_t gdt_base)
{
	struct hv_x64_segment_register r;
	struct svm_segment null = { .selector = sel };

	if (!(sel & ~3u))
		return null;
	r = hvsim_descriptor_loaded(
		sel, *(const uint64_t *)(uintptr_t)(gdt_base + (sel & ~7u)), 0,
		false);
	return segment(&r);
}

static void control_init(struct hvsim_vp *vp, struct svm_vmcb_control *c)
{
	vp->rec.vtl2_nested_cr3 = hvsim.vtl2_npt_pa;
	/* NMIs are hvsim's kicks (host.c). */
	c->intercept_misc1 = SVM_INTERCEPT_NMI | SVM_INTERCEPT_MSR |
			     SVM_INTERCEPT_SHUTDOWN | SVM_INTERCEPT_INVLPGA |
			     SVM_INTERCEPT_TASK_SWITCH;
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
			     SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT;
	c->iopm_base_pa = hvsim.vtl2_iopm_pa;
	c->msrpm_base_pa = hvsim.vtl2_msrpm_pa;
	c->asid = 2; /* VTL0 has 1 */
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	c->int_ctl = 0; /* no V_INTR_MASKING: IF and TPR are the guest's */
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = hvsim.vtl2_npt_pa;
}

/* The save area of the code running now, for it to go on as a guest. */
static void save_from_live(struct svm_vmcb *v)
{
	struct svm_vmcb_save *s = &v->save;
	struct hvsim_desc_ptr gdt, idt;
	uint16_t es, cs, ss, ds;

	/* FS, GS, TR, LDTR, KernelGsBase and the syscall MSRs. */
	__asm__ volatile("vmsave %0" : : "a"((uintptr_t)v) : "memory");
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	__asm__ volatile("mov %%es, %0; mov %%cs, %1; mov %%ss, %2; "
			 "mov %%ds, %3"
			 : "=r"(es), "=r"(cs), "=r"(ss), "=r"(ds));
	s->es = live_segment(es, gdt.base);
	s->cs = live_segment(cs, gdt.base);
	s->ss = live_segment(ss, gdt.base);
	s->ds = live_segment(ds, gdt.base);
	s->gdtr.base = gdt.base;
	s->gdtr.limit = gdt.limit;
	s->idtr.base = idt.base;
	s->idtr.limit = idt.limit;
	s->cpl = 0;
	s->efer = rdmsr(X86_MSR_EFER) | SVM_EFER_SVME;
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	s->cr2 = read_cr2();
	s->dr6 = 0xFFFF0FF0;
	s->dr7 = 0x400;
	s->g_pat = rdmsr(X86_MSR_PAT);
}

void hvsim_vtl2_inject(struct hvsim_vp *vp, uint8_t vector, uint32_t error)
{
	uint64_t e = vector |
		     (uint64_t)SVM_EVTINJ_TYPE_EXCEPTION
			     << SVM_EVTINJ_TYPE_SHIFT |
		     SVM_EVTINJ_VALID;

	if (error != ~0u)
		e |= SVM_EVTINJ_EV | (uint64_t)error << 32;
	vp->vtl2->control.event_inj = e;
}

/*
 * Hyper-V's synthetic MSRs that the upstream sidecar and kernel use: the
 * VP assist page and the guest crash registers, the same state as the
 * registers of the same names (HvCallSet/GetVpRegisters at VTL2), with the
 * same checks and effects (a CTL write reports the crash). A read of CTL
 * gives what Hyper-V supports: notify and message. 0: not one of them.
 */
#define MSR_VP_ASSIST_PAGE 0x40000073u
#define MSR_CRASH_P0 0x40000100u
#define MSR_CRASH_CTL 0x40000105u

static uint32_t synthetic_register(uint32_t msr)
{
	if (msr == MSR_VP_ASSIST_PAGE)
		return HV_REGISTER_VP_ASSIST_PAGE;
	if (msr >= MSR_CRASH_P0 && msr <= MSR_CRASH_CTL)
		return HV_REGISTER_GUEST_CRASH_P0 + (msr - MSR_CRASH_P0);
	return 0;
}

static bool synthetic_msr(struct hvsim_vp *vp, uint32_t msr, bool write,
			  uint64_t value, uint64_t *result)
{
	uint32_t name = synthetic_register(msr);

	vp->rec.synthetic_msr_accesses++;
	if (write)
		return hvsim_register_set(vp, HVSIM_RF_VTL2, name, value) ==
		       HV_STATUS_SUCCESS;
	*result = msr == MSR_CRASH_CTL ?
			  HV_GUEST_CRASH_CTL_CRASH_NOTIFY |
				  HV_GUEST_CRASH_CTL_CRASH_MESSAGE :
			  hvsim_register_get(vp, HVSIM_RF_VTL2, name);
	return true;
}

/*
 * RDMSR/WRMSR of a trapped MSR. EFER is the guest's own, SVME kept set
 * and hidden (Hyper-V offers no SVM to its guests), LME changed only with
 * paging off; the SVM MSRs do not exist for a guest (#GP); the APIC base
 * cannot move or be disabled; ICR writes go through the virtual APIC;
 * the synthetic MSRs above; any other MSR outside the permission map's
 * ranges (always trapped) raises #GP.
 */
void hvsim_vtl2_msr_exit(struct hvsim_vp *vp)
{
	struct svm_vmcb *v = vp->vtl2;
	uint32_t msr = (uint32_t)vp->gprs[RCX];
	bool write = v->control.exit_info_1 & 1;
	uint64_t value = (v->save.rax & 0xFFFFFFFF) | vp->gprs[RDX] << 32;
	uint64_t result = 0;

	vp->rec.vtl2_msr_exits++;
	switch (msr) {
	case X86_MSR_EFER:
		if (!write) {
			result = v->save.efer & ~SVM_EFER_SVME;
		} else if (value & ~EFER_WRITABLE ||
			   ((value ^ v->save.efer) & X86_EFER_LME &&
			    v->save.cr0 & X86_CR0_PG)) {
			hvsim_vtl2_inject(vp, VECTOR_GP, 0);
			return;
		} else {
			v->save.efer = (value & ~X86_EFER_LMA) |
				       (v->save.efer & X86_EFER_LMA) |
				       SVM_EFER_SVME;
		}
		break;
	case X86_MSR_APIC_BASE:
		if (value != rdmsr(X86_MSR_APIC_BASE)) {
			hvsim_vtl2_inject(vp, VECTOR_GP, 0);
			return;
		}
		break;
	case X86_MSR_X2APIC_ICR:
		if (!write)
			hvsim_fail(vp, "ICR read trapped");
		hvsim_apic_icr_from_vtl2(vp, value);
		break;
	default:
		if (!synthetic_register(msr) ||
		    !synthetic_msr(vp, msr, write, value, &result)) {
			hvsim_vtl2_inject(vp, VECTOR_GP, 0);
			return;
		}
		break;
	}
	if (!write) {
		v->save.rax = result & 0xFFFFFFFF;
		vp->gprs[RDX] = result >> 32;
	}
	v->save.rip += 2; /* rdmsr/wrmsr; QEMU saves no next RIP */
}

/* The reset value of the FX state: x87 and SSE exceptions masked. */
static void fx_reset(struct x86_fxsave *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->fcw = 0x37F;
	fx->mxcsr = 0x1F80;
}

/*
 * StartVirtualProcessor: the context goes straight into the VMCB, hidden
 * segment state included (VMLOAD takes FS, GS, TR and LDTR from it), CPL
 * from SS as the CPU derives it. Every GPR but RSP is 0.
 */
void hvsim_vtl2_load_context(struct hvsim_vp *vp,
			     const struct hv_initial_vp_context_x64 *c)
{
	struct svm_vmcb *v = vp->vtl2;
	struct svm_vmcb_save *s = &v->save;

	memset(v, 0, sizeof(*v));
	control_init(vp, &v->control);
	s->es = segment(&c->es);
	s->cs = segment(&c->cs);
	s->ss = segment(&c->ss);
	s->ds = segment(&c->ds);
	s->fs = segment(&c->fs);
	s->gs = segment(&c->gs);
	s->tr = segment(&c->tr);
	s->ldtr = segment(&c->ldtr);
	s->gdtr.base = c->gdtr.base;
	s->gdtr.limit = c->gdtr.limit;
	s->idtr.base = c->idtr.base;
	s->idtr.limit = c->idtr.limit;
	s->cpl = (uint8_t)(c->ss.attributes >> 5 & 3);
	s->efer = c->efer | SVM_EFER_SVME;
	s->cr0 = c->cr0;
	s->cr3 = c->cr3;
	s->cr4 = c->cr4;
	s->dr6 = 0xFFFF0FF0;
	s->dr7 = 0x400;
	s->g_pat = c->msr_cr_pat;
	s->rip = c->rip;
	s->rsp = c->rsp;
	s->rflags = c->rflags;
	memset(vp->gprs, 0, sizeof(vp->gprs));
	fx_reset(vp->fx);
}

/* After INIT and a SIPI: real mode at vector << 12, as a CPU starts. */
void hvsim_vtl2_load_sipi(struct hvsim_vp *vp, uint8_t vector)
{
	struct svm_vmcb *v = vp->vtl2;
	struct svm_vmcb_save *s = &v->save;
	const struct svm_segment data = { 0, 0x093, 0xFFFF, 0 };

	memset(v, 0, sizeof(*v));
	control_init(vp, &v->control);
	s->es = s->ss = s->ds = s->fs = s->gs = data;
	s->cs.selector = (uint16_t)(vector << 8);
	s->cs.base = (uint64_t)vector << 12;
	s->cs.limit = 0xFFFF;
	s->cs.attrib = 0x09B;
	s->tr.limit = 0xFFFF;
	s->tr.attrib = 0x08B;
	s->ldtr.limit = 0xFFFF;
	s->ldtr.attrib = 0x082;
	s->gdtr.limit = s->idtr.limit = 0xFFFF;
	s->efer = SVM_EFER_SVME;
	s->cr0 = X86_CR0_ET | CR0_CD | CR0_NW;
	s->dr6 = 0xFFFF0FF0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;
	s->rflags = 2;
	fx_reset(vp->fx);
}

/* Called by hvsim_vtl2_launch on the host stack; where the guest goes on. */
void hvsim_vtl2_host_start(struct hvsim_vp *vp,
			   const struct hvsim_vtl2_live *live)
{
	struct svm_vmcb *v = vp->vtl2;

	v->save.rip = live->rip;
	v->save.rsp = live->rsp;
	v->save.rflags = live->rflags;
	hvsim_host_env_load();
	hvsim_host_loop(vp);
}

void hvsim_vtl2_enter_bsp(void)
{
	struct hvsim_vp *vp = &hvsim.vp[hvsim.bsp];
	uint32_t index = hvsim.bsp;
	struct hvsim_vtl2_live live;

	/* For VMSAVE now and VMRUN from the loop; the guest never sees it. */
	wrmsr(X86_MSR_EFER, rdmsr(X86_MSR_EFER) | SVM_EFER_SVME);
	memset(vp->vtl2, 0, sizeof(*vp->vtl2));
	control_init(vp, &vp->vtl2->control);
	save_from_live(vp->vtl2);
	__asm__ volatile("fxsave %0" : "=m"(*vp->fx));
	printf("hvsim: VP %u: the kernel goes on in VTL2 as a guest\n", index);
	hvsim_test_call_publish();
	hvsim_vtl2_launch(&live, (uintptr_t)(vp->stack + HVSIM_STACK_SIZE), vp);
	/* A guest from here: hvsim's memory (vp included) is not mapped. */
	hvsim_test_call_guest();
	printf("hvsim: VP %u: VTL2 runs as a guest (efer 0x%lx)\n", index,
	       rdmsr(X86_MSR_EFER));
}
