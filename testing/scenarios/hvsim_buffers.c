// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-buffers: hypercall input and output blocks must be RAM of
 * the memory map. The BSP calls hvsim's hypercall page the way the image
 * does, HvCallGetVpRegisters(HvRegisterVpIndex), with the input or the
 * output in RAM, in the PCI hole under 4 GiB, on the local APIC's page and
 * above the last RAM; every block outside RAM is refused with
 * InvalidParameter (hvsim's status for outside RAM) and nothing is
 * written; so is a block in hvsim's own memory, RAM that VTL2 cannot
 * reach. The one in RAM reads the BSP's VP index, and every VP's x2APIC
 * ID is the MADT's at its position (VP index = MADT order).
 */
#include <stdbool.h>
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/smp.h>

#include <hvsim/hvsim.h>

#include "hv/hypercall.h"
#include "hv/registers.h"
#include "hv/status.h"
#include "hvsim_call.h"
#include "scenarios.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define LAPIC_PAGE 0xFEE00000ull

static struct {
	struct hv_get_set_vp_registers hdr;
	uint32_t name;
	uint32_t pad;
} in_ram __attribute__((aligned(4096)));
static struct hv_u128 out_ram __attribute__((aligned(4096)));
static struct hvsim_range hvsim_mem[HVSIM_MEMORY_RANGES];

static uint16_t get_vp_index(uint64_t in, uint64_t out)
{
	return hvsim_call(HV_CALL_GET_VP_REGISTERS, 1, in, out);
}

/* Is pa in an entry of the memory map of type `type` (0: any type)? */
static bool in_memmap(uint64_t pa, uint32_t type)
{
	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if ((!type || e->type == type) && pa >= e->addr &&
		    pa - e->addr < e->size)
			return true;
	}
	return false;
}

/*
 * The first page at or above 1 MiB, below 4 GiB, that is not RAM (hole:
 * that no entry of the memory map lists), or 0.
 */
static uint64_t first_not_ram(bool hole)
{
	for (uint64_t pa = 0x100000; pa < IDENTITY_MAP_LIMIT; pa += 4096)
		if (hole ? !in_memmap(pa, 0) : !in_memmap(pa, MEMMAP_RAM))
			return pa;
	return 0;
}

/* The end of the highest RAM range. */
static uint64_t ram_end(void)
{
	uint64_t end = 0;

	for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
		const struct hvm_memmap_table_entry *e = &boot_info.memmap[i];

		if (e->type == MEMMAP_RAM && e->addr + e->size > end)
			end = e->addr + e->size;
	}
	return end;
}

static void check_refused(const struct scenario_env *env, const char *what,
			  uint64_t gpa)
{
	uint64_t in = (uintptr_t)&in_ram, out = (uintptr_t)&out_ram;
	uint16_t st;

	st = get_vp_index(gpa, out);
	printf("hvsim-buffers: input at %s 0x%lx: %s (0x%x)\n", what, gpa,
	       hvsim_call_status_name(st), st);
	CHECK(st == HV_STATUS_INVALID_PARAMETER,
	      "input at %s 0x%lx: status 0x%x, want InvalidParameter", what,
	      gpa, st);
	out_ram.low = out_ram.high = 0x5a5a5a5a5a5a5a5aull;
	st = get_vp_index(in, gpa);
	printf("hvsim-buffers: output at %s 0x%lx: %s (0x%x)\n", what, gpa,
	       hvsim_call_status_name(st), st);
	CHECK(st == HV_STATUS_INVALID_PARAMETER,
	      "output at %s 0x%lx: status 0x%x, want InvalidParameter", what,
	      gpa, st);
}

static void check_outside(const struct scenario_env *env, const char *what,
			  uint64_t gpa)
{
	CHECK(!pvh_is_ram(gpa, 8), "%s 0x%lx is RAM", what, gpa);
	check_refused(env, what, gpa);
}

int scenario_hvsim_buffers(const struct scenario_env *env)
{
	unsigned int n;
	const uint32_t *ids = smp_madt_apic_ids(&n);
	uint16_t st;

	CHECK(hvsim_vp_count() == n, "%u VPs, %u MADT CPUs", hvsim_vp_count(),
	      n);
	for (uint32_t v = 0; v < n; v++)
		CHECK(hvsim_vp_apic_id(v) == ids[v],
		      "VP %u has x2APIC ID %u, the MADT's %u-th CPU %u", v,
		      hvsim_vp_apic_id(v), v, ids[v]);

	in_ram.hdr.partition_id = HV_PARTITION_ID_SELF;
	in_ram.hdr.vp_index = HV_VP_INDEX_SELF;
	in_ram.name = HV_REGISTER_VP_INDEX;
	st = get_vp_index((uintptr_t)&in_ram, (uintptr_t)&out_ram);
	printf("hvsim-buffers: in RAM: %s (0x%x), VP index %lu\n",
	       hvsim_call_status_name(st), st, out_ram.low);
	CHECK(st == HV_STATUS_SUCCESS && out_ram.low == hvsim_bsp(),
	      "in RAM: status 0x%x, VP index %lu, want success and %u", st,
	      out_ram.low, hvsim_bsp());

	check_outside(env, "reserved memory", first_not_ram(false));
	check_outside(env, "the PCI hole", first_not_ram(true));
	check_outside(env, "the local APIC", LAPIC_PAGE);
	check_outside(env, "the top of the hole", IDENTITY_MAP_LIMIT - 4096);
	check_outside(env, "the end of RAM", ram_end());
	/* RAM, but hvsim's: VTL2 cannot reach it, nor through a call. */
	hvsim_memory_ranges(hvsim_mem);
	check_refused(env, "hvsim's memory", hvsim_mem[0].base);
	check_refused(env, "hvsim's globals", hvsim_mem[1].base);
	CHECK(out_ram.low == 0x5a5a5a5a5a5a5a5aull,
	      "a refused call wrote its output");
	env->result->booted = 0;
	return 0;
}
