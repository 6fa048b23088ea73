// SPDX-License-Identifier: MIT
/*
 * scenario=commands: boot the sidecar, then on every usable VP (in an
 * order the seed shuffles) run each command the image serves and check
 * the results against hvsim's side: SET/GET_VP_REGISTERS (and a batch
 * that stops at an unknown name), TRANSLATE_GVA on a guest table,
 * RUN_VP to an intercept after two model steps (registers, CR2 and XMM
 * bit for bit, the intercept message, the register page), and RUN_VP
 * ended by STOP while the model waits for an interrupt.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/rand.h>
#include <kernel/string.h>
#include <kernel/tsc.h>

#include <hvsim/hvsim.h>
#include <hvsim/page.h>

#include "scenarios.h"
#include "sidecar_boot.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)
#define GUEST_PAGE 0x1234000ull
#define RUN_STEPS 2

static struct sidecar_boot boot;
static uint64_t guest_cr3;
static struct sidecar_cpu_context_x64 before_run;

static struct hv_u128 u128(uint64_t v)
{
	struct hv_u128 r = { v, 0 };

	return r;
}

static struct sidecar_get_set_vp_register_request *
regs_request(struct shim_node *n, uint32_t idx, uint8_t vtl, uint16_t count)
{
	struct sidecar_command_page *page = &n->shared[idx].command_page;
	struct sidecar_get_set_vp_register_request *req =
		sidecar_get_set_vp_register_request_of(page);

	memset(page->request_data, 0, sizeof(page->request_data));
	req->count = count;
	req->target_vtl = vtl;
	return req;
}

static void registers(const struct scenario_env *env, struct shim_node *n,
		      uint32_t idx)
{
	uint32_t vp = n->base_vp + idx;
	struct sidecar_get_set_vp_register_request *req;
	static const uint32_t names[3] = { HV_REGISTER_RIP, HV_REGISTER_RFLAGS,
					   HV_REGISTER_R8 };
	const uint64_t values[3] = { 0x1000 + vp, 0x202, 0x8888000 + vp };

	req = regs_request(n, idx, VTL0, 3);
	for (uint32_t i = 0; i < 3; i++) {
		req->regs[i].name = names[i];
		req->regs[i].value.reg128 = u128(values[i]);
	}
	CHECK(shim_command(n, idx, SIDECAR_COMMAND_SET_VP_REGISTERS,
			   env->watchdog_ms) &&
		      req->status == 0,
	      "VP %u: SET_VP_REGISTERS status 0x%x", vp, req->status);
	for (uint32_t i = 0; i < 3; i++)
		CHECK(hvsim_get_register(vp, 0, names[i]).low == values[i],
		      "VP %u: hvsim has register 0x%x = 0x%lx", vp, names[i],
		      hvsim_get_register(vp, 0, names[i]).low);

	req = regs_request(n, idx, VTL0, 4);
	for (uint32_t i = 0; i < 3; i++)
		req->regs[i].name = names[i];
	req->regs[3].name = HV_REGISTER_VSM_CODE_PAGE_OFFSETS;
	CHECK(shim_command(n, idx, SIDECAR_COMMAND_GET_VP_REGISTERS,
			   env->watchdog_ms) &&
		      req->status == 0,
	      "VP %u: GET_VP_REGISTERS status 0x%x", vp, req->status);
	for (uint32_t i = 0; i < 3; i++)
		CHECK(req->regs[i].value.reg128.low == values[i],
		      "VP %u: GET register 0x%x = 0x%lx", vp, names[i],
		      req->regs[i].value.reg128.low);
	CHECK(req->regs[3].value.reg128.low ==
		      (uint64_t)HVSIM_PAGE_VTL_RETURN_OFFSET << 12,
	      "VP %u: GET VsmCodePageOffsets 0x%lx", vp,
	      req->regs[3].value.reg128.low);

	/* The first failure ends the batch, in `status`. */
	req = regs_request(n, idx, VTL0, 2);
	req->regs[0].name = HV_REGISTER_RIP;
	req->regs[1].name = 0x00012345;
	CHECK(shim_command(n, idx, SIDECAR_COMMAND_GET_VP_REGISTERS,
			   env->watchdog_ms) &&
		      req->status == HV_STATUS_UNKNOWN_REGISTER_NAME,
	      "VP %u: GET of an unknown name: status 0x%x", vp, req->status);
}

static void build_guest_table(void)
{
	guest_cr3 = pmem_alloc_page("guest pml4");
	pgtable_map(guest_cr3, 0x400000, GUEST_PAGE, PGT_W, PGT_4K,
		    PGT_W | PGT_U);
}

static void translate(const struct scenario_env *env, struct shim_node *n,
		      uint32_t idx)
{
	struct sidecar_command_page *page = &n->shared[idx].command_page;
	const struct sidecar_translate_gva_response *resp =
		sidecar_translate_gva_response_of(page);
	struct sidecar_translate_gva_request *req;
	uint32_t vp = n->base_vp + idx;
	static const uint64_t gvn[2] = { 0x400, 0x401 };
	static const uint32_t want[2] = { HV_TRANSLATE_GVA_SUCCESS,
					  HV_TRANSLATE_GVA_PAGE_NOT_PRESENT };

	hvsim_set_register(vp, 0, HV_REGISTER_CR0,
			   u128(X86_CR0_PE | X86_CR0_PG | X86_CR0_WP));
	hvsim_set_register(vp, 0, HV_REGISTER_CR4, u128(X86_CR4_PAE));
	hvsim_set_register(vp, 0, HV_REGISTER_EFER,
			   u128(X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE));
	hvsim_set_register(vp, 0, HV_REGISTER_CR3, u128(guest_cr3));
	for (uint32_t i = 0; i < 2; i++) {
		memset(page->request_data, 0, sizeof(page->request_data));
		req = sidecar_translate_gva_request_of(page);
		req->gvn = gvn[i];
		req->control_flags =
			HV_TRANSLATE_GVA_VALIDATE_READ |
			((uint64_t)VTL0 << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT);
		CHECK(shim_command(n, idx, SIDECAR_COMMAND_TRANSLATE_GVA,
				   env->watchdog_ms) &&
			      resp->status == 0,
		      "VP %u: TRANSLATE_GVA status 0x%x", vp, resp->status);
		CHECK(hv_translate_gva_result_code(
			      resp->output.translation_result.result) ==
				      want[i] &&
			      resp->output.gpa_page ==
				      (i ? 0 : GUEST_PAGE >> 12),
		      "VP %u: translate 0x%lx: result 0x%lx gpa_page 0x%lx", vp,
		      gvn[i], resp->output.translation_result.result,
		      resp->output.gpa_page);
	}
}

static void fill_context(struct sidecar_cpu_context_x64 *c, uint32_t vp)
{
	memset(c, 0, sizeof(*c));
	for (uint32_t i = 0; i < 16; i++)
		c->gps[i] = ((uint64_t)vp << 48) | ((uint64_t)(i + 1) << 32) |
			    (0x5a5a0000u + i);
	c->gps[SIDECAR_CPU_CONTEXT_CR2] = 0xc2000000u + vp * 0x10000u;
	c->fx_state.fcw = X86_FCW_DEFAULT;
	c->fx_state.mxcsr = X86_MXCSR_DEFAULT;
	for (uint32_t r = 0; r < 16; r++)
		for (uint32_t b = 0; b < 16; b++)
			c->fx_state.xmm[r][b] = (uint8_t)(vp * 16 + r * 7 + b);
}

/* The context after `steps` more model steps than `from`. */
static void check_context(const struct scenario_env *env, uint32_t vp,
			  const struct sidecar_cpu_context_x64 *from,
			  const struct sidecar_cpu_context_x64 *got,
			  uint32_t steps, const char *what)
{
	uint32_t bad = 0;

	for (uint32_t i = 0; i < 16; i++) {
		uint64_t want =
			from->gps[i] + steps * (i == SIDECAR_CPU_CONTEXT_CR2 ?
							HVSIM_MODEL_CR2_STEP :
							i + 1);

		if (got->gps[i] != want) {
			bad++;
			printf("commands: VP %u %s: gps[%u] 0x%lx, expected "
			       "0x%lx\n",
			       vp, what, i, got->gps[i], want);
		}
	}
	for (uint32_t r = 0; r < 16; r++)
		for (uint32_t b = 0; b < 16; b++)
			bad += got->fx_state.xmm[r][b] !=
			       (uint8_t)(from->fx_state.xmm[r][b] + steps);
	bad += got->fx_state.mxcsr != from->fx_state.mxcsr;
	bad += got->fx_state.fcw != from->fx_state.fcw;
	CHECK(!bad, "VP %u %s: %u differences in the CPU context", vp, what,
	      bad);
}

static void run_to_intercept(const struct scenario_env *env,
			     struct shim_node *n, uint32_t idx)
{
	struct sidecar_vp_shared_pages *sp = &n->shared[idx];
	struct sidecar_command_page *page = &sp->command_page;
	uint32_t vp = n->base_vp + idx;
	struct hvsim_model_cfg m;

	hvsim_model_defaults(&m);
	m.intercept_after = RUN_STEPS;
	hvsim_set_model(vp, &m);
	fill_context(&page->cpu_context, vp);
	before_run = page->cpu_context;
	CHECK(shim_command(n, idx, SIDECAR_COMMAND_RUN_VP, env->watchdog_ms) &&
		      sidecar_run_vp_response_of(page)->intercept == 1,
	      "VP %u: RUN_VP did not end with an intercept", vp);
	check_context(env, vp, &before_run, &page->cpu_context, RUN_STEPS,
		      "RUN_VP");
	CHECK(!memcmp(&page->intercept_message, hvsim_last_message(vp),
		      sizeof(page->intercept_message)),
	      "VP %u: the intercept message differs from hvsim's", vp);
	CHECK(sp->register_page.is_valid == 1 &&
		      sp->register_page.rip ==
			      0x1000 + vp + RUN_STEPS * HVSIM_MODEL_RIP_STEP,
	      "VP %u: register page valid %u rip 0x%lx", vp,
	      sp->register_page.is_valid, sp->register_page.rip);
}

static void run_until_stop(const struct scenario_env *env, struct shim_node *n,
			   uint32_t idx)
{
	struct sidecar_command_page *page = &n->shared[idx].command_page;
	uint32_t vp = n->base_vp + idx, before;
	uint64_t deadline;
	struct hvsim_model_cfg m;

	hvsim_model_defaults(&m);
	hvsim_set_model(vp, &m); /* no intercept: wait for an interrupt */
	before_run = page->cpu_context;
	before = shim_responses();
	shim_command_start(n, idx, SIDECAR_COMMAND_RUN_VP);
	deadline = rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);
	while (!hvsim_vp_waiting(vp))
		if (rdtsc() > deadline) {
			CHECK(false, "VP %u never ran the lower VTL", vp);
			return;
		}
	shim_command_stop(n, idx);
	CHECK(shim_command_wait(n, idx, SIDECAR_COMMAND_RUN_VP, before,
				env->watchdog_ms) &&
		      sidecar_run_vp_response_of(page)->intercept == 0,
	      "VP %u: RUN_VP stopped, but reported an intercept", vp);
	check_context(env, vp, &before_run, &page->cpu_context, 1,
		      "stopped RUN_VP");
}

struct pick {
	struct shim_node *n;
	uint32_t idx;
};

int scenario_commands(const struct scenario_env *env)
{
	struct pick order[256];
	uint32_t count = 0;
	struct rand rng;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	build_guest_table();
	for (uint32_t i = 0; i < boot.nr_nodes; i++)
		for (uint32_t j = 1; j < boot.nodes[i].vp_count; j++)
			if (sidecar_vp_usable(&boot.nodes[i], j) &&
			    count < 256) {
				order[count].n = &boot.nodes[i];
				order[count++].idx = j;
			}
	rand_seed(&rng, env->seed);
	for (uint32_t i = count; i > 1; i--) {
		uint32_t k = rand_below(&rng, i);
		struct pick t = order[i - 1];

		order[i - 1] = order[k];
		order[k] = t;
	}
	shim_driver_init();
	for (uint32_t i = 0; i < count; i++) {
		struct shim_node *n = order[i].n;
		uint32_t idx = order[i].idx;

		printf("commands: VP %u\n", n->base_vp + idx);
		CHECK(shim_command(n, idx, SIDECAR_COMMAND_NONE,
				   env->watchdog_ms),
		      "VP %u: NONE failed", n->base_vp + idx);
		registers(env, n, idx);
		translate(env, n, idx);
		run_to_intercept(env, n, idx);
		run_until_stop(env, n, idx);
	}
	shim_driver_fini();
	CHECK(hvsim_crashes() == 0, "%u guest crash reports", hvsim_crashes());
	printf("commands: %u VPs, %u checks, %u failures\n", count,
	       env->result->checks, env->result->failures);
	return env->result->failures ? -1 : 0;
}
