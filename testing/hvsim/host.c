// SPDX-License-Identifier: MIT
/*
 * hvsim's host mode: every CPU runs its VP's VTL2 as an SVM guest from a
 * loop here, and nothing else runs in host mode. An AP parks in the loop
 * (hlt, interrupts off) until StartVirtualProcessor loads its VTL2 VMCB,
 * or a SIPI of the virtual APIC does; a VP is made to look at its state
 * again by a kick: a counter bump and an NMI, which makes an NMI exit of a
 * running guest (VTL2 and VTL0 intercept NMIs) or wakes the parked CPU.
 *
 * A parked CPU tests its counter, then halts: an NMI in between would be
 * lost, so the NMI gate sends a CPU it finds inside that window back to
 * the test (arch/park.S). Host mode has its own GDT and IDT (host_env.c).
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/x2apic.h>

#include "internal.h"

#define RAX 0
#define X2APIC_ID_MSR 0x802

/* arch/park.S: returns once *kicks != seen. */
void hvsim_park(const uint32_t *kicks, uint32_t seen);

void hvsim_kick(struct hvsim_vp *vp)
{
	__atomic_fetch_add(&vp->kicks, 1, __ATOMIC_ACQ_REL);
	hvsim_apic_send_nmi(vp->rec.apic_id);
}

static void dump(const struct hvsim_vp *vp, const char *why)
{
	const struct svm_vmcb *v = vp->vtl2;

	printf("hvsim: VP %u VTL2: %s: exit 0x%lx info 0x%lx 0x%lx rip 0x%lx "
	       "rsp 0x%lx cr0 0x%lx cr3 0x%lx cr4 0x%lx efer 0x%lx cs "
	       "%04x/%03x\n",
	       vp->rec.vp, why, v->control.exit_code, v->control.exit_info_1,
	       v->control.exit_info_2, v->save.rip, v->save.rsp, v->save.cr0,
	       v->save.cr3, v->save.cr4, v->save.efer, v->save.cs.selector,
	       v->save.cs.attrib);
}

static void arrived(struct hvsim_vp *vp)
{
	vp->rec.launch_tsc = rdtsc();
	__atomic_store_n(&vp->rec.state, HVSIM_VP_RUNNING, __ATOMIC_RELEASE);
}

/* Until the VP's VTL2 has something to run: parks while it has not. */
static void wait_runnable(struct hvsim_vp *vp)
{
	for (;;) {
		uint32_t seen = __atomic_load_n(&vp->kicks, __ATOMIC_ACQUIRE);
		uint32_t state, apic;

		hvsim_lock(vp);
		state = vp->rec.state;
		apic = vp->apic_state;
		if (apic == HVSIM_APIC_SIPI) {
			hvsim_vtl2_load_sipi(vp, vp->sipi_vector);
			vp->apic_state = HVSIM_APIC_RUNNING;
			vp->apic_reset = false;
			memset(vp->gprs, 0, sizeof(vp->gprs));
			if (state != HVSIM_VP_RUNNING)
				arrived(vp);
			hvsim_unlock(vp);
			return;
		}
		if (apic == HVSIM_APIC_RUNNING && state == HVSIM_VP_STARTING) {
			/* StartVirtualProcessor loaded the VMCB. */
			arrived(vp);
			hvsim_unlock(vp);
			return;
		}
		if (apic == HVSIM_APIC_WAIT_SIPI && !vp->apic_reset) {
			vp->apic_reset = true;
			hvsim_unlock(vp);
			hvsim_apic_reset();
			continue;
		}
		hvsim_unlock(vp);
		if (apic == HVSIM_APIC_RUNNING && state == HVSIM_VP_RUNNING)
			return;
		hvsim_park(&vp->kicks, seen);
	}
}

/*
 * VTL2 touched a GPA its nested table does not map (hvsim's memory, or
 * none at all) or wrote one it maps read-only (the kernel's text, hvsim's
 * code among it): reported, and the VP is stopped for good; the others go
 * on. Hyper-V does not let a VTL reach the hypervisor either.
 */
static void nested_page_fault(struct hvsim_vp *vp)
{
	const struct svm_vmcb *v = vp->vtl2;
	uint64_t gpa = v->control.exit_info_2, err = v->control.exit_info_1;
	const char *what = hvsim_memory_overlaps(gpa, 1) ?
				   "not its memory but hvsim's" :
			   err & SVM_NPF_P ? "read-only: the kernel's text" :
					     "not its memory";

	printf("hvsim: VP %u: VTL2 %s GPA 0x%lx at rip 0x%lx: %s (nested "
	       "page fault, error 0x%lx); VP stopped\n",
	       vp->rec.vp, err & SVM_NPF_W ? "wrote" : "read", gpa, v->save.rip,
	       what, err);
	/* The kernel's own VTL2 (the test harness): a bug, end the run. */
	if (vp->rec.vp == hvsim.bsp || vp->rec.inits) {
		printf("hvsim: VP %u on x2APIC ID %lu: VMCB 0x%lx hsave 0x%lx "
		       "(MSR 0x%lx) host cr3 0x%lx exitintinfo 0x%lx\n",
		       vp->rec.vp, rdmsr(X2APIC_ID_MSR), (uint64_t)(uintptr_t)v,
		       vp->hsave_pa, rdmsr(SVM_MSR_VM_HSAVE_PA), read_cr3(),
		       v->control.exit_int_info);
		hvsim_fail(vp,
			   "the kernel's VTL2 touched GPA 0x%lx at rip "
			   "0x%lx, cr3 0x%lx",
			   gpa, v->save.rip, v->save.cr3);
	}
	hvsim_lock(vp);
	vp->rec.npf_gpa = gpa;
	vp->rec.npf_error = err;
	vp->rec.npf_rip = v->save.rip;
	__atomic_store_n(&vp->rec.state, HVSIM_VP_STOPPED, __ATOMIC_RELEASE);
	hvsim_unlock(vp);
}

static void exit_handle(struct hvsim_vp *vp)
{
	struct svm_vmcb *v = vp->vtl2;

	vp->rec.vtl2_exits++;
	switch ((uint32_t)v->control.exit_code) {
	case SVM_EXIT_MSR:
		hvsim_vtl2_msr_exit(vp);
		break;
	case SVM_EXIT_VMMCALL:
		hvsim_vmmcall(vp);
		break;
	case SVM_EXIT_NMI:
		break; /* a kick: the loop looks at the VP's state */
	case SVM_EXIT_NPF:
		nested_page_fault(vp);
		break;
	case SVM_EXIT_SHUTDOWN:
		/*
		 * It stops the machine, as it would without hvsim: the
		 * kernel's own last resort after isa-debug-exit (whose exit
		 * QEMU carries out a moment later) is one, so it is no
		 * failure of itself. With -no-reboot QEMU exits without the
		 * pass code if nothing else set one.
		 */
		dump(vp, "triple fault: the machine shuts down");
		triple_fault();
	case SVM_EXIT_INVALID:
		dump(vp, "VMRUN refused the VTL2 state");
		hvsim_fail(vp, "VMRUN failed: invalid VTL2 state");
	default:
		dump(vp, "exit not modelled");
		hvsim_fail(vp, "VTL2 exit 0x%lx is not modelled",
			   v->control.exit_code);
	}
}

void hvsim_host_loop(struct hvsim_vp *vp)
{
	struct svm_vmcb *v = vp->vtl2;

	wrmsr(SVM_MSR_VM_HSAVE_PA, vp->hsave_pa);
	for (;;) {
		uint64_t rsp;

		/* One CPU per VP, on its own stack: what #VMEXIT restores. */
		__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
		if (rdmsr(X2APIC_ID_MSR) != vp->rec.apic_id ||
		    rsp - (uintptr_t)vp->stack > HVSIM_STACK_SIZE ||
		    rdmsr(SVM_MSR_VM_HSAVE_PA) != vp->hsave_pa)
			hvsim_fail(vp,
				   "host loop on x2APIC ID %lu, RSP 0x%lx, "
				   "VM_HSAVE_PA 0x%lx: not this VP's",
				   rdmsr(X2APIC_ID_MSR), rsp,
				   rdmsr(SVM_MSR_VM_HSAVE_PA));
		wait_runnable(vp);
		v->control.exit_code = 0;
		hvsim_svm_run((uintptr_t)v, vp->host_save_pa, vp->gprs, vp->fx);
		/* Host mode's own stack is never a guest's. */
		if (v->save.rsp - (uintptr_t)vp->stack <= HVSIM_STACK_SIZE) {
			dump(vp, "VTL2 state holds host mode's RSP");
			hvsim_fail(vp,
				   "VTL2's VMCB holds host state after exit "
				   "0x%lx (x2APIC ID %lu)",
				   v->control.exit_code, rdmsr(X2APIC_ID_MSR));
		}
		exit_handle(vp);
	}
}

void hvsim_ap_main(uint32_t apic_id)
{
	struct hvsim_vp *vp = hvsim_vp_by_apic(apic_id);

	if (!vp || !vp->cpu)
		halt_forever(); /* not ours: nobody to tell */
	percpu_set(vp->cpu);
	cpu_setup(); /* OSFXSR: hvsim's FXSAVE/FXRSTOR carry the XMM state */
	hvsim_host_env_load();
	/* The APIC mode VTL2 gets, and may not change (vtl2.c). */
	x2apic_enable();
	wrmsr(X86_MSR_EFER, rdmsr(X86_MSR_EFER) | SVM_EFER_SVME);
	__atomic_fetch_add(&hvsim.parked, 1, __ATOMIC_RELEASE);
	hvsim_host_loop(vp);
}
