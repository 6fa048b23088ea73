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
#define HOST_STACK_BYTES 0x4000ull
#define MSR_VM_CR 0xC0010114u
#define RAX 0
#define RCX 1
#define RDX 2
#define VECTOR_GP 13
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
static uint64_t ram_end(void)
{
	uint64_t end = 4ull << 30;

	for (uint32_t i = 0; i < boot_info.nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM && e->addr + e->size > end)
			end = e->addr + e->size;
	}
	return end;
}

/* Identity over [0, end) in 2 MiB pages, MMIO below 4 GiB included. */
static uint64_t build_vtl2_npt(uint64_t end)
{
	uint64_t root = pmem_alloc_page("hvsim VTL2 NPT");

	end = (end + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	for (uint64_t pa = 0; pa < end; pa += 2ull << 20)
		pgtable_map(root, pa, pa, PGT_W | PGT_U, PGT_2M, PGT_W | PGT_U);
	return root;
}

void hvsim_vtl2_init(void)
{
	uint8_t *map = hvsim_alloc(1, MSRPM_BYTES, "VTL2 MSRPM");
	uint64_t end = ram_end();

	msrpm_trap(map, X86_MSR_EFER, true, true);
	msrpm_trap(map, SVM_MSR_VM_HSAVE_PA, true, true);
	msrpm_trap(map, MSR_VM_CR, true, true);
	msrpm_trap(map, MSR_APIC_BASE, false, true);
	hvsim.vtl2_msrpm_pa = (uintptr_t)map;
	/* IOIO is not intercepted; the map only has to be a valid address. */
	hvsim.vtl2_iopm_pa = (uintptr_t)hvsim_alloc(1, 3 * PAGE, "VTL2 IOPM");
	hvsim.vtl2_npt_pa = build_vtl2_npt(end);
	printf("hvsim: VTL2 runs on SVM: nested table 0x%lx (identity to "
	       "0x%lx)\n",
	       hvsim.vtl2_npt_pa, end);
}

static void control_init(struct svm_vmcb_control *c)
{
	c->intercept_misc1 = SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_TASK_SWITCH;
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

/* ES, CS, SS or DS as loading sel from the live GDT gave it. */
static struct svm_segment live_segment(uint16_t sel, uint64_t gdt_base)
{
	struct svm_segment s = { .selector = sel };
	uint64_t d;

	if (!(sel & ~3u))
		return s;
	d = *(const uint64_t *)(uintptr_t)(gdt_base + (sel & ~7u));
	s.attrib = (uint16_t)((d >> 40 & 0xFF) | (d >> 52 & 0xF) << 8);
	s.limit = (uint32_t)(d & 0xFFFF) | (uint32_t)(d >> 32 & 0xF0000);
	if (s.attrib & 0x800) /* G */
		s.limit = s.limit << 12 | 0xFFF;
	s.base = (d >> 16 & 0xFFFFFF) | (d >> 32 & 0xFF000000);
	return s;
}

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* The save area of the code running now, for it to go on as a guest. */
static void save_from_live(struct svm_vmcb *v)
{
	struct svm_vmcb_save *s = &v->save;
	struct desc_ptr gdt, idt;
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

static void inject_gp(struct svm_vmcb *v)
{
	v->control.event_inj = VECTOR_GP |
			       (uint64_t)SVM_EVTINJ_TYPE_EXCEPTION
				       << SVM_EVTINJ_TYPE_SHIFT |
			       SVM_EVTINJ_EV | SVM_EVTINJ_VALID;
}

/*
 * RDMSR/WRMSR of a trapped MSR. EFER is the guest's own, SVME kept set
 * and hidden (Hyper-V offers no SVM to its guests); the SVM MSRs do not
 * exist for a guest (#GP); the APIC base cannot move or be disabled.
 */
static void msr_exit(struct hvsim_vp *vp, struct svm_vmcb *v, uint64_t gprs[16])
{
	uint32_t msr = (uint32_t)gprs[RCX];
	bool write = v->control.exit_info_1 & 1;
	uint64_t value = (v->save.rax & 0xFFFFFFFF) | gprs[RDX] << 32;
	uint64_t result = 0;

	vp->rec.vtl2_msr_exits++;
	switch (msr) {
	case X86_MSR_EFER:
		if (!write) {
			result = v->save.efer & ~SVM_EFER_SVME;
		} else if (value & ~EFER_WRITABLE ||
			   (value ^ v->save.efer) & X86_EFER_LME) {
			inject_gp(v);
			return;
		} else {
			v->save.efer = (value & ~X86_EFER_LMA) |
				       (v->save.efer & X86_EFER_LMA) |
				       SVM_EFER_SVME;
		}
		break;
	case MSR_APIC_BASE:
		if (value != rdmsr(MSR_APIC_BASE)) {
			inject_gp(v);
			return;
		}
		break;
	default:
		inject_gp(v);
		return;
	}
	if (!write) {
		v->save.rax = result & 0xFFFFFFFF;
		gprs[RDX] = result >> 32;
	}
	v->save.rip += 2; /* rdmsr/wrmsr; QEMU saves no next RIP */
}

static void dump(const struct hvsim_vp *vp, const char *why)
{
	const struct svm_vmcb *v = vp->vtl2;

	printf("hvsim: VP %u VTL2: %s: exit 0x%lx info 0x%lx 0x%lx rip 0x%lx "
	       "rsp 0x%lx cr3 0x%lx efer 0x%lx\n",
	       vp->rec.vp, why, v->control.exit_code, v->control.exit_info_1,
	       v->control.exit_info_2, v->save.rip, v->save.rsp, v->save.cr3,
	       v->save.efer);
}

/*
 * A VTL2 triple fault stops the machine, as it would without hvsim: the
 * kernel's own last resort after isa-debug-exit (whose exit QEMU carries
 * out a moment later) is one, so it is no failure of itself. With
 * -no-reboot, QEMU exits without the pass code if nothing else set one.
 */
static __attribute__((noreturn)) void shutdown_machine(void)
{
	static const struct desc_ptr no_idt = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	halt_forever();
}

/* hvsim's host mode on a CPU whose VTL2 is a guest: runs it forever. */
static __attribute__((noreturn)) void host_loop(struct hvsim_vp *vp)
{
	struct svm_vmcb *v = vp->vtl2;
	uint64_t gprs[16] = { 0 };
	struct x86_fxsave *fx = vp->vtl2_fx;

	wrmsr(SVM_MSR_VM_HSAVE_PA, vp->hsave_pa);
	for (;;) {
		v->control.exit_code = 0;
		hvsim_svm_run((uintptr_t)v, vp->host_save_pa, gprs, fx);
		vp->rec.vtl2_exits++;
		switch ((uint32_t)v->control.exit_code) {
		case SVM_EXIT_MSR:
			msr_exit(vp, v, gprs);
			break;
		case SVM_EXIT_SHUTDOWN:
			dump(vp, "triple fault: the machine shuts down");
			shutdown_machine();
		case SVM_EXIT_INVALID:
			dump(vp, "VMRUN refused the VTL2 state");
			hvsim_fail(vp, "VMRUN failed: invalid VTL2 state");
		default:
			dump(vp, "exit not modelled");
			hvsim_fail(vp, "VTL2 exit 0x%lx is not modelled",
				   v->control.exit_code);
		}
	}
}

/* Called by hvsim_vtl2_launch on the host stack; where the guest goes on. */
void hvsim_vtl2_host_start(struct hvsim_vp *vp,
			   const struct hvsim_vtl2_live *live)
{
	struct svm_vmcb *v = vp->vtl2;

	v->save.rip = live->rip;
	v->save.rsp = live->rsp;
	v->save.rflags = live->rflags;
	host_loop(vp);
}

void hvsim_vtl2_enter_bsp(void)
{
	struct hvsim_vp *vp = &hvsim.vp[hvsim.bsp];
	uint8_t *stack = hvsim_alloc(1, HOST_STACK_BYTES, "BSP host stack");
	struct hvsim_vtl2_live live;

	/* For VMSAVE now and VMRUN from the loop; the guest never sees it. */
	wrmsr(X86_MSR_EFER, rdmsr(X86_MSR_EFER) | SVM_EFER_SVME);
	memset(vp->vtl2, 0, sizeof(*vp->vtl2));
	control_init(&vp->vtl2->control);
	save_from_live(vp->vtl2);
	__asm__ volatile("fxsave %0" : "=m"(*vp->vtl2_fx));
	printf("hvsim: VP %u: the kernel goes on in VTL2 as a guest\n",
	       vp->rec.vp);
	hvsim_vtl2_launch(&live, (uintptr_t)(stack + HOST_STACK_BYTES), vp);
	printf("hvsim: VP %u: VTL2 runs as a guest (efer 0x%lx)\n", vp->rec.vp,
	       rdmsr(X86_MSR_EFER));
}
