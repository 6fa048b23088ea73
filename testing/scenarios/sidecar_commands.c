// SPDX-License-Identifier: MIT
/*
 * scenario=commands: boot the sidecar, then on every usable VP (in an
 * order the seed shuffles) run each command the image serves through
 * driver/client and check the results against hvsim's side:
 * SET/GET_VP_REGISTERS of 41 registers (two batches; hypercall-routed,
 * DR0-DR3 and MTRRs local) bit for bit, a batch that stops at an unknown
 * name, TRANSLATE_GVA on a guest table, RUN_VP to an intercept (context,
 * message, register page bit for bit) and RUN_VP cancelled while the
 * model waits for an interrupt.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/rand.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>
#include <hvsim/page.h>

#include "guest_load.h"
#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_registers.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)
#define GUEST_PAGE 0x1234000ull
#define RUN_STEPS 2

static struct sidecar_boot boot;
static uint64_t guest_cr3;

/* The first failure ends the batch; the client names the register. */
static void unknown_register(const struct scenario_env *env,
			     struct sd_client_vp *c)
{
	struct hv_register_assoc regs[3] = { { .name = HV_REGISTER_RIP },
					     { .name = 0x00012345 },
					     { .name = HV_REGISTER_RFLAGS } };
	struct sd_client_error e;
	int r = sd_client_get_registers(c, VTL0, regs, 3, &e);

	CHECK(r == -SD_EIO && e.kind == SD_CLIENT_ERR_HYPERVISOR &&
		      e.hv_status == HV_STATUS_UNKNOWN_REGISTER_NAME &&
		      e.reg_index == 1 && e.reg_name == 0x00012345 &&
		      e.done == 1,
	      "VP %u: GET of an unknown name: %d kind %d status 0x%x index "
	      "%u name 0x%x done %u (%s)",
	      c->vp, r, e.kind, e.hv_status, e.reg_index, e.reg_name, e.done,
	      e.msg);
	CHECK(regs[0].value.reg128.low ==
		      hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low,
	      "VP %u: the register before the unknown one was not read", c->vp);
	printf("commands: VP %u: %s\n", c->vp, e.msg);
}

/* VsmCodePageOffsets reads what hvsim configured. */
static void vsm_offsets(const struct scenario_env *env, struct sd_client_vp *c)
{
	struct hv_register_assoc reg = {
		.name = HV_REGISTER_VSM_CODE_PAGE_OFFSETS
	};
	struct sd_client_error e;

	if (!sidecar_client_ok(env, sd_client_get_registers(c, 0, &reg, 1, &e),
			       &e, c->vp, "GET VsmCodePageOffsets"))
		return;
	/* Hyper-V's AMD page: VTL call at 0x0f, VTL return at 0x26. */
	CHECK(reg.value.reg128.low == 0x2600f && reg.value.reg128.high == 0,
	      "VP %u: GET VsmCodePageOffsets 0x%lx", c->vp,
	      reg.value.reg128.low);
}

static void build_guest_table(void)
{
	/* In VTL0 RAM: hvsim reads VTL0's tables through nested paging. */
	guest_cr3 = guest_alloc_page();
	guest_table_map(guest_cr3, 0x400000, GUEST_PAGE, PGT_W, false);
}

static struct hv_u128 u128(uint64_t v)
{
	struct hv_u128 r = { v, 0 };

	return r;
}

/*
 * The same mapping in a table outside VTL0 RAM: VTL0 cannot read it (its
 * nested paging does not map it), so the walk stops with GPA_UNMAPPED.
 */
static void translate_outside(const struct scenario_env *env,
			      struct sd_client_vp *c)
{
	static uint64_t outside;
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sd_client_error e;
	int r;

	if (!outside) {
		outside = pmem_alloc_page("table outside VTL0 RAM");
		pgtable_map(outside, 0x400000, GUEST_PAGE, PGT_W, PGT_4K,
			    PGT_W | PGT_U);
	}
	hvsim_set_register(c->vp, 0, HV_REGISTER_CR3, u128(outside));
	r = sd_client_translate_gva(
		c, 0x400,
		HV_TRANSLATE_GVA_VALIDATE_READ |
			((uint64_t)VTL0 << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT),
		&out, &e);
	if (sidecar_client_ok(env, r, &e, c->vp, "TRANSLATE_GVA outside"))
		CHECK(hv_translate_gva_result_code(
			      out.translation_result.result) ==
				      HV_TRANSLATE_GVA_GPA_UNMAPPED &&
			      out.gpa_page == 0,
		      "VP %u: a VTL0 table outside VTL0 RAM: result 0x%lx gpa "
		      "0x%lx, expected GPA_UNMAPPED",
		      c->vp, out.translation_result.result, out.gpa_page);
	hvsim_set_register(c->vp, 0, HV_REGISTER_CR3, u128(guest_cr3));
}

static void translate(const struct scenario_env *env, struct sd_client_vp *c)
{
	static const uint64_t gvn[2] = { 0x400, 0x401 };
	static const uint32_t want[2] = { HV_TRANSLATE_GVA_SUCCESS,
					  HV_TRANSLATE_GVA_PAGE_NOT_PRESENT };

	hvsim_set_register(c->vp, 0, HV_REGISTER_CR0,
			   u128(X86_CR0_PE | X86_CR0_PG | X86_CR0_WP));
	hvsim_set_register(c->vp, 0, HV_REGISTER_CR4, u128(X86_CR4_PAE));
	hvsim_set_register(c->vp, 0, HV_REGISTER_EFER,
			   u128(X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE));
	hvsim_set_register(c->vp, 0, HV_REGISTER_CR3, u128(guest_cr3));
	for (uint32_t i = 0; i < 2; i++) {
		struct hv_translate_virtual_address_ex_output_x64 out;
		struct sd_client_error e;
		int r;

		memset(&out, 0xee, sizeof(out));
		r = sd_client_translate_gva(
			c, gvn[i],
			HV_TRANSLATE_GVA_VALIDATE_READ |
				((uint64_t)VTL0
				 << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT),
			&out, &e);
		if (!sidecar_client_ok(env, r, &e, c->vp, "TRANSLATE_GVA"))
			continue;
		CHECK(hv_translate_gva_result_code(
			      out.translation_result.result) == want[i] &&
			      out.gpa_page == (i ? 0 : GUEST_PAGE >> 12),
		      "VP %u: translate 0x%lx: result 0x%lx gpa_page 0x%lx",
		      c->vp, gvn[i], out.translation_result.result,
		      out.gpa_page);
	}
	translate_outside(env, c);
}

int scenario_commands(const struct scenario_env *env)
{
	uint32_t vps[HVSIM_MAX_VPS], count;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	build_guest_table();
	count = sidecar_usable_vps_shuffled(&boot, vps, HVSIM_MAX_VPS,
					    env->seed);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp c;
		struct sd_client_error e;

		printf("commands: VP %u\n", vps[i]);
		if (!sidecar_client(env, &boot, vps[i], &c))
			continue;
		sidecar_client_ok(env, sd_client_test(&c, &e), &e, vps[i],
				  "NONE");
		regs_round_trip(env, &c, 1);
		unknown_register(env, &c);
		vsm_offsets(env, &c);
		translate(env, &c);
		run_to_intercept(env, &c, RUN_STEPS, 1, false);
		run_and_cancel(env, &c, 2);
		/* The lower VTL's GPRs, as the last exit left them. */
		regs_match_context(env, &c);
	}
	shim_platform_stop();
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	CHECK(hvsim_crashes() == 0, "%u guest crash reports", hvsim_crashes());
	printf("commands: %u VPs, %u checks, %u failures\n", count,
	       env->result->checks, env->result->failures);
	return env->result->failures ? -1 : 0;
}
