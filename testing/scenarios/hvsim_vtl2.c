// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-vtl2: the BSP's kernel runs in VTL2 as a guest of hvsim's
 * SVM, as Linux does in VTL2 on Hyper-V, and the MSRs that steer SVM are
 * not its to use. EFER reads without SVME and keeps it however VTL2
 * writes it (a guest that cleared it would make its hypercalls #UD);
 * VM_HSAVE_PA (where the next #VMEXIT would load host state from) and
 * VM_CR raise #GP; the local APIC cannot be disabled or moved. Each of
 * these accesses exits to hvsim exactly once; an APIC base read does not
 * exit at all.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/msr_probe.h>
#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "hv/x86.h"
#include "scenarios.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define EFER_SVME (1ull << 12)
#define APIC_BASE_ENABLE (1ull << 11)

static uint32_t msr_exits(void)
{
	return hvsim_vp_record(hvsim_bsp())->vtl2_msr_exits;
}

/* Reads msr and writes back what it read (or 0x1000): both must #GP. */
static void check_refused(const struct scenario_env *env, const char *name,
			  uint32_t msr)
{
	uint64_t v = 0x1000;
	bool read = rdmsr_probe(msr, &v);
	bool written = wrmsr_probe(msr, v);

	printf("hvsim-vtl2: %s: read %s, write %s\n", name,
	       read ? "allowed" : "#GP", written ? "allowed" : "#GP");
	CHECK(!read && !written, "%s: read %d write %d, want #GP for both",
	      name, read, written);
}

int scenario_hvsim_vtl2(const struct scenario_env *env)
{
	const struct hvsim_vp_record *bsp = hvsim_vp_record(hvsim_bsp());
	uint32_t before = msr_exits(), exits = bsp->vtl2_exits;
	uint64_t efer = 0, again = 0, apic = rdmsr(X86_MSR_APIC_BASE);
	bool ok;

	CHECK(exits > 0, "the BSP's VTL2 never exited: not a guest?");
	CHECK(rdmsr_probe(X86_MSR_EFER, &efer), "EFER read #GP");
	printf("hvsim-vtl2: EFER reads 0x%lx\n", efer);
	CHECK(!(efer & EFER_SVME) && (efer & X86_EFER_LMA),
	      "EFER reads 0x%lx: want LMA, and SVME hidden", efer);
	CHECK(wrmsr_probe(X86_MSR_EFER, efer), "EFER write of 0x%lx: #GP",
	      efer);
	ok = wrmsr_probe(X86_MSR_EFER, efer | EFER_SVME);
	printf("hvsim-vtl2: EFER write with SVME: %s\n",
	       ok ? "allowed" : "#GP");
	CHECK(!ok, "EFER write with SVME allowed");
	ok = wrmsr_probe(X86_MSR_EFER, efer & ~X86_EFER_LME);
	printf("hvsim-vtl2: EFER write without LME: %s\n",
	       ok ? "allowed" : "#GP");
	CHECK(!ok, "EFER write clearing LME allowed");
	CHECK(rdmsr_probe(X86_MSR_EFER, &again) && again == efer,
	      "EFER reads 0x%lx after the writes, was 0x%lx", again, efer);

	check_refused(env, "VM_HSAVE_PA", MSR_VM_HSAVE_PA);
	check_refused(env, "VM_CR", MSR_VM_CR);

	ok = wrmsr_probe(X86_MSR_APIC_BASE, apic & ~APIC_BASE_ENABLE);
	printf("hvsim-vtl2: APIC base write disabling the APIC: %s\n",
	       ok ? "allowed" : "#GP");
	CHECK(!ok && rdmsr(X86_MSR_APIC_BASE) == apic,
	      "APIC base write allowed: 0x%lx, was 0x%lx",
	      rdmsr(X86_MSR_APIC_BASE), apic);

	/* 2 EFER reads, 3 writes, 2 x (read + write), 1 APIC base write. */
	printf("hvsim-vtl2: %u MSR exits\n", msr_exits() - before);
	CHECK(msr_exits() - before == 10, "%u MSR exits, want 10",
	      msr_exits() - before);
	return 0;
}
