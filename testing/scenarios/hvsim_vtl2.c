// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-vtl2: the BSP's kernel runs in VTL2 as a guest of hvsim's
 * SVM, as Linux does in VTL2 on Hyper-V, and cannot reach hvsim.
 * - The MSRs that steer SVM are not its to use. EFER reads without SVME
 *   and keeps it however VTL2 writes it (a guest that cleared it would
 *   make its hypercalls #UD); VM_HSAVE_PA (where the next #VMEXIT would
 *   load host state from) and VM_CR raise #GP; the local APIC cannot be
 *   disabled or moved. Each of these accesses exits to hvsim exactly
 *   once; an APIC base read does not exit at all.
 * - The hypercall page holds Hyper-V's AMD code and int3, nothing else.
 * - VTL2's nested table, walked here from copies of its pages, maps no
 *   byte of hvsim's memory, none of the kernel's text and read-only data
 *   (hvsim's code) writable, and every VP whose VTL2 ran uses it.
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/msr_probe.h>
#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "hv/hypercall.h"
#include "hv/registers.h"
#include "hv/x86.h"
#include "hvsim_call.h"
#include "scenarios.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define EFER_SVME (1ull << 12)
#define APIC_BASE_ENABLE (1ull << 11)
#define NPT_P 0x1ull
#define NPT_W 0x2ull
#define NPT_PS 0x80ull
#define NPT_ADDR 0x000FFFFFFFFFF000ull

/*
 * Hyper-V's hypercall page on AMD (TLFS; openvmm's hypercall-page
 * emulator writes the same): the call, VTL call and VTL return, 32- and
 * 64-bit; int3 everywhere else.
 */
static const uint8_t hv_page_code[] = {
	0x0f, 0x01, 0xd9, 0xc3, /* 0x00: vmmcall; ret */
	0x89, 0xc1, 0xb8, 0x11, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3, 0x48,
	0x89, 0xc8, 0xb9, 0x11, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3, 0x89,
	0xc1, 0xb8, 0x12, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3, 0x48, 0x89,
	0xc8, 0xb9, 0x12, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd9, 0xc3,
};

static struct hvsim_range hv_mem[HVSIM_MEMORY_RANGES];
static uint64_t tables[4][512] __attribute__((aligned(4096)));
extern char __kernel_start[], __kernel_ro_end[];

static struct {
	uint64_t mapped, hvsim_bytes, first_bad, ro_writable;
	uint32_t pages;
	bool copy_failed;
} walk;

static uint64_t overlap(uint64_t base, uint64_t size)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < HVSIM_MEMORY_RANGES; i++) {
		uint64_t lo = base > hv_mem[i].base ? base : hv_mem[i].base;
		uint64_t hi = base + size < hv_mem[i].base + hv_mem[i].size ?
				      base + size :
				      hv_mem[i].base + hv_mem[i].size;

		if (lo < hi)
			n += hi - lo;
	}
	return n;
}

/* Level 0 is the PML4; a leaf at 1 (1 GiB), 2 (2 MiB) or 3 (4 KiB). */
static void walk_table(uint32_t level, uint64_t pa, uint64_t gpa)
{
	uint32_t shift = 39 - 9 * level;

	if (!hvsim_copy_table(pa, tables[level])) {
		walk.copy_failed = true;
		return;
	}
	walk.pages++;
	for (uint32_t i = 0; i < 512; i++) {
		uint64_t e = tables[level][i],
			 at = gpa + ((uint64_t)i << shift);

		if (!(e & NPT_P))
			continue;
		if (level == 3 || (level && (e & NPT_PS))) {
			uint64_t bad = overlap(e & NPT_ADDR, 1ull << shift);

			walk.mapped += 1ull << shift;
			if ((e & NPT_W) && at < (uintptr_t)__kernel_ro_end &&
			    (uintptr_t)__kernel_start < at + (1ull << shift))
				walk.ro_writable += 1ull << shift;
			if (bad && !walk.hvsim_bytes)
				walk.first_bad = at;
			walk.hvsim_bytes += bad;
			continue;
		}
		walk_table(level + 1, e & NPT_ADDR, at);
		/* The copy of this level was overwritten below: again. */
		hvsim_copy_table(pa, tables[level]);
	}
}

static void check_page(const struct scenario_env *env)
{
	const uint8_t *p =
		(const uint8_t *)(uintptr_t)hvsim_hypercall_page_pa();
	uint32_t bad = 0;

	for (uint32_t i = 0; i < 4096; i++)
		bad += p[i] !=
		       (i < sizeof(hv_page_code) ? hv_page_code[i] : 0xcc);
	printf("hvsim-vtl2: hypercall page: %u bytes differ from Hyper-V's\n",
	       bad);
	CHECK(!bad, "the hypercall page has %u bytes that are not Hyper-V's",
	      bad);
}

static void check_isolation(const struct scenario_env *env)
{
	uint64_t root = hvsim_vtl2_npt();

	hvsim_memory_ranges(hv_mem);
	walk_table(0, root, 0);
	printf("hvsim-vtl2: VTL2 nested table: %u table pages, %lu MiB "
	       "mapped, %lu bytes of hvsim's memory, %lu bytes of the "
	       "kernel's text writable\n",
	       walk.pages, walk.mapped >> 20, walk.hvsim_bytes,
	       walk.ro_writable);
	CHECK(!walk.ro_writable,
	      "VTL2 may write %lu bytes of the kernel's text and read-only "
	      "data (hvsim's code)",
	      walk.ro_writable);
	CHECK(!walk.copy_failed && walk.pages > 1, "the walk could not copy "
						   "a table page");
	CHECK(!walk.hvsim_bytes,
	      "VTL2's nested table maps %lu bytes of hvsim's memory (first "
	      "at GPA 0x%lx)",
	      walk.hvsim_bytes, walk.first_bad);
	CHECK(walk.mapped > hv_mem[0].size,
	      "only %lu bytes mapped: the walk saw nothing", walk.mapped);
	for (uint32_t v = 0; v < hvsim_vp_count(); v++) {
		uint64_t n = hvsim_vp_record(v)->vtl2_nested_cr3;

		CHECK(!n || n == root,
		      "VP %u's VTL2 uses nested table 0x%lx, not 0x%lx", v, n,
		      root);
	}
	CHECK(hvsim_vp_record(hvsim_bsp())->vtl2_nested_cr3 == root,
	      "the BSP's VTL2 runs without VTL2's nested table");
}

#define MSR_VP_ASSIST_PAGE 0x40000073u
#define MSR_CRASH_P0 0x40000100u
#define MSR_CRASH_CTL 0x40000105u
#define CRASH_NOTIFY_MESSAGE 0xC000000000000000ull

static struct {
	struct hv_get_set_vp_registers hdr;
	struct hv_register_assoc reg;
} set_in __attribute__((aligned(4096)));
static uint8_t assist[4096] __attribute__((aligned(4096)));
static const char crash_text[] = "hvsim-vtl2: a crash through the MSRs";

/*
 * The synthetic MSRs upstream uses are the registers the image sets by
 * hypercall (DESIGN §4): either way in, the other way out.
 */
static void check_synthetic_msrs(const struct scenario_env *env)
{
	uint64_t want = (uintptr_t)assist | 1, v = ~0ull;
	uint32_t crashes = hvsim_crashes();
	uint16_t st;

	CHECK(wrmsr_probe(MSR_VP_ASSIST_PAGE, want),
	      "VP assist page MSR write: #GP");
	v = hvsim_get_register(hvsim_bsp(), 2, HV_REGISTER_VP_ASSIST_PAGE).low;
	CHECK(v == want, "VpAssistPage 0x%lx after the MSR write of 0x%lx", v,
	      want);
	set_in.hdr.partition_id = HV_PARTITION_ID_SELF;
	set_in.hdr.vp_index = HV_VP_INDEX_SELF;
	set_in.reg.name = HV_REGISTER_VP_ASSIST_PAGE;
	set_in.reg.value.reg128.low = 0;
	st = hvsim_call(HV_CALL_SET_VP_REGISTERS, 1, (uintptr_t)&set_in, 0);
	CHECK(st == 0 && rdmsr_probe(MSR_VP_ASSIST_PAGE, &v) && v == 0,
	      "the MSR reads 0x%lx after SetVpRegisters(VpAssistPage, 0): %s",
	      v, hvsim_call_status_name(st));
	CHECK(!wrmsr_probe(MSR_VP_ASSIST_PAGE, (uintptr_t)assist | 2) &&
		      rdmsr_probe(MSR_VP_ASSIST_PAGE, &v) && v == 0,
	      "a VP assist page value with reserved bits was taken (0x%lx)", v);

	CHECK(wrmsr_probe(MSR_CRASH_P0, 0x1) &&
		      wrmsr_probe(MSR_CRASH_P0 + 1, 0x2) &&
		      wrmsr_probe(MSR_CRASH_P0 + 2, 0x3) &&
		      wrmsr_probe(MSR_CRASH_P0 + 3, (uintptr_t)crash_text) &&
		      wrmsr_probe(MSR_CRASH_P0 + 4, sizeof(crash_text) - 1) &&
		      wrmsr_probe(MSR_CRASH_CTL, CRASH_NOTIFY_MESSAGE),
	      "a crash MSR write: #GP");
	CHECK(hvsim_crashes() == crashes + 1,
	      "%u crash reports after the CTL write, want %u", hvsim_crashes(),
	      crashes + 1);
	CHECK(hvsim_get_register(hvsim_bsp(), 2, HV_REGISTER_GUEST_CRASH_P0 + 3)
			      .low == (uintptr_t)crash_text,
	      "GuestCrashP3 is not what the MSR got");
	CHECK(rdmsr_probe(MSR_CRASH_CTL, &v) && v == CRASH_NOTIFY_MESSAGE,
	      "crash CTL reads 0x%lx: want the notify and message bits", v);
	CHECK(!rdmsr_probe(0x40000099, &v), "an MSR Hyper-V lacks read 0x%lx",
	      v);
	printf("hvsim-vtl2: synthetic MSRs: %u accesses, the registers' "
	       "state\n",
	       hvsim_vp_record(hvsim_bsp())->synthetic_msr_accesses);
}

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

	check_page(env);
	check_isolation(env);

	/* 2 EFER reads, 3 writes, 2 x (read + write), 1 APIC base write. */
	printf("hvsim-vtl2: %u MSR exits\n", msr_exits() - before);
	CHECK(msr_exits() - before == 10, "%u MSR exits, want 10",
	      msr_exits() - before);
	check_synthetic_msrs(env);
	return 0;
}
