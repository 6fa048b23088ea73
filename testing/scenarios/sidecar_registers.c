// SPDX-License-Identifier: MIT
/*
 * Register round trips: values no two VPs share, 128 bits where the
 * register has them, and the local registers (DR0-DR3, MTRRs) set to
 * values the CPU accepts.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "sidecar_boot.h"
#include "sidecar_registers.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)
#define NR_HV 34 /* RAX-R15, RIP, RFLAGS, XMM0-15 */
#define NR_LOCAL 7 /* DR0-DR3, MTRR base/mask 7, fixed 64K */
#define NR_REGS (NR_HV + NR_LOCAL)

static void fill(struct hv_register_assoc *r, uint32_t vp, uint32_t salt)
{
	uint64_t tag = ((uint64_t)vp << 40) | ((uint64_t)salt << 32);
	uint32_t n = 0;

	memset(r, 0, NR_REGS * sizeof(*r));
	for (uint32_t i = 0; i < 16; i++, n++) {
		r[n].name = HV_REGISTER_RAX + i;
		r[n].value.reg128.low = tag | 0xa0000000u | i;
	}
	r[n].name = HV_REGISTER_RIP;
	r[n++].value.reg128.low = 0x7000000000ull + vp * 0x1000 + salt;
	r[n].name = HV_REGISTER_RFLAGS;
	r[n++].value.reg128.low = 0x202 | (salt & 1 ? 0x100 : 0);
	for (uint32_t i = 0; i < 16; i++, n++) {
		r[n].name = HV_REGISTER_XMM(i);
		r[n].value.reg128.low = tag | 0x3300 | i;
		r[n].value.reg128.high = ~tag ^ ((uint64_t)i << 56);
	}
	/* Local: canonical breakpoint addresses, valid MTRR values. */
	for (uint32_t i = 0; i < 4; i++, n++) {
		r[n].name = HV_REGISTER_DR0 + i;
		r[n].value.reg128.low =
			0x00007f0000000000ull + tag / 256 + i * 8;
	}
	r[n].name = HV_REGISTER_MSR_MTRR_PHYS_BASE(7);
	r[n++].value.reg128.low = 0x80000000ull + (salt & 1) * 0x10000000 + 6;
	r[n].name = HV_REGISTER_MSR_MTRR_PHYS_MASK(7);
	r[n++].value.reg128.low = 0xfff0000800ull;
	r[n].name = HV_REGISTER_MSR_MTRR_FIX64K_00000;
	r[n++].value.reg128.low = 0x0606060606060606ull ^
				  (salt & 1 ? 0x0600000000000000ull : 0);
}

void regs_round_trip(const struct scenario_env *env, struct sd_client_vp *c,
		     uint32_t salt)
{
	struct hv_register_assoc set[NR_REGS], got[NR_REGS];
	struct sd_client_error e;
	uint32_t bad = 0;

	fill(set, c->vp, salt);
	if (!sidecar_client_ok(
		    env, sd_client_set_registers(c, VTL0, set, NR_REGS, &e), &e,
		    c->vp, "SET_VP_REGISTERS"))
		return;
	memset(got, 0, sizeof(got));
	for (uint32_t i = 0; i < NR_REGS; i++)
		got[i].name = set[i].name;
	if (!sidecar_client_ok(
		    env, sd_client_get_registers(c, VTL0, got, NR_REGS, &e), &e,
		    c->vp, "GET_VP_REGISTERS"))
		return;
	for (uint32_t i = 0; i < NR_REGS; i++) {
		const struct hv_u128 *w = &set[i].value.reg128;
		const struct hv_u128 *g = &got[i].value.reg128;
		struct hv_u128 h = hvsim_get_register(c->vp, 0, set[i].name);
		bool local = i >= NR_HV;

		if (g->low != w->low || g->high != w->high) {
			bad++;
			printf("registers: VP %u 0x%x: got 0x%lx:%016lx, set "
			       "0x%lx:%016lx\n",
			       c->vp, set[i].name, g->high, g->low, w->high,
			       w->low);
		}
		/* hvsim holds what went through it, and only that. */
		if (!local && (h.low != w->low || h.high != w->high)) {
			bad++;
			printf("registers: VP %u 0x%x: hvsim has "
			       "0x%lx:%016lx\n",
			       c->vp, set[i].name, h.high, h.low);
		}
		if (local && h.low == w->low) {
			bad++;
			printf("registers: VP %u 0x%x reached hvsim\n", c->vp,
			       set[i].name);
		}
	}
	CHECK(!bad, "VP %u: %u register round-trip differences", c->vp, bad);
}

void regs_match_context(const struct scenario_env *env, struct sd_client_vp *c)
{
	const struct sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);
	struct hv_register_assoc regs[16];
	struct sd_client_error e;
	uint32_t bad = 0;

	memset(regs, 0, sizeof(regs));
	for (uint32_t i = 0; i < 16; i++)
		regs[i].name = i == SIDECAR_CPU_CONTEXT_CR2 ?
				       HV_REGISTER_CR2 :
				       HV_REGISTER_RAX + i;
	if (!sidecar_client_ok(env,
			       sd_client_get_registers(c, VTL0, regs, 16, &e),
			       &e, c->vp, "GET after RUN_VP"))
		return;
	for (uint32_t i = 0; i < 16; i++)
		bad += regs[i].value.reg128.low != ctx->gps[i] ||
		       regs[i].value.reg128.high != 0;
	CHECK(!bad, "VP %u: %u VTL0 registers differ from the CPU context",
	      c->vp, bad);
}
