// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-selftest: proves hvsim against the image's contract
 * without the image. The BSP builds a slot-511 address space like the
 * image's, copies the hypercall page into it and calls the copy; CPUs
 * started with EnableVpVtl + StartVirtualProcessor run a small program
 * from slot 511 (selftest_ap.c) that starts further CPUs (fan-out) and
 * exercises registers, translation and VTL return. The BSP then checks
 * every status and every bit against what the contract says.
 */
#include <stdarg.h>
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#include <hvsim/hvsim.h>
#include <hvsim/page.h>
#include <scenarios/scenario.h>

#include "scenarios.h"
#include "guest_load.h"
#include "selftest.h"
#include "selftest_space.h"

#define CTL(code, reps) ((uint64_t)(code) | ((uint64_t)(reps) << 32))
/* Hyper-V's AMD page: VTL call at 0x0f, VTL return at 0x26. */
#define RETURN_OFFSET_VALUE 0x2600full

static struct st_space space;
static struct scenario_result *res;

#define CHECK(ok, ...) scenario_check(res, (ok), __VA_ARGS__)

static void status_is(uint32_t vp, const char *what, uint16_t got,
		      uint16_t want)
{
	const char *g = hv_status_name(got), *w = hv_status_name(want);

	CHECK(got == want, "VP %u %s: status %s (0x%x), expected %s (0x%x)", vp,
	      what, g ? g : "?", got, w ? w : "?", want);
}

static struct st_shared *shared(void)
{
	return (struct st_shared *)(uintptr_t)space.shared_pa;
}

static struct st_vtl_io *io_of(const struct st_vp *d)
{
	return (struct st_vtl_io *)(uintptr_t)d->io_pa;
}

/* Direct calls from the BSP, through the copy, like the image's entry. */
static void bsp_calls(struct st_vp *d, uint32_t ap)
{
	struct st_vp *a = st_vp_of(&space, ap);
	struct hv_initial_vp_context_x64 bad;
	struct hv_get_set_vp_registers *h = (void *)d->in_va;
	uint64_t v = 0, rax;
	uint32_t bsp = d->vp;

	status_is(bsp, "Get VsmCodePageOffsets",
		  st_get(d, 0, HV_REGISTER_VSM_CODE_PAGE_OFFSETS, &v), 0);
	CHECK(v == RETURN_OFFSET_VALUE, "VsmCodePageOffsets 0x%lx", v);
	rax = st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1), d->in_pa,
			   d->out_pa);
	CHECK(rax == (1ull << 32), "Get result 0x%lx (1 rep completed)", rax);
	status_is(bsp, "Get VsmCapabilities",
		  st_get(d, 0, HV_REGISTER_VSM_CAPABILITIES, &v), 0);
	CHECK(v == hvsim_get_config()->vsm_capabilities,
	      "VsmCapabilities 0x%lx", v);
	status_is(bsp, "Set VsmCapabilities",
		  st_set(d, 0, HV_REGISTER_VSM_CAPABILITIES, 0),
		  HV_STATUS_ACCESS_DENIED);
	status_is(bsp, "Get unknown name", st_get(d, 0, 0x00012345, &v),
		  HV_STATUS_UNKNOWN_REGISTER_NAME);
	status_is(bsp, "Set VpAssistPage reserved bit",
		  st_set(d, 0, HV_REGISTER_VP_ASSIST_PAGE, d->assist_pa | 2),
		  HV_STATUS_INVALID_REGISTER_VALUE);

	/* Malformed calls: st_get() left a valid Get header in place. */
	status_is(bsp, "unknown call code",
		  (uint16_t)st_hypercall(0x7777, d->in_pa, d->out_pa),
		  HV_STATUS_INVALID_HYPERCALL_CODE);
	/* Several reps are fine (hvsim_reps_test); a start at the count not. */
	status_is(bsp, "Get of 1 rep from rep 1",
		  (uint16_t)st_hypercall(
			  hv_hypercall_control_from(HV_CALL_GET_VP_REGISTERS, 1,
						    1),
			  d->in_pa, d->out_pa),
		  HV_STATUS_INVALID_HYPERCALL_INPUT);
	status_is(bsp, "Get with 0 reps",
		  (uint16_t)st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 0),
					 d->in_pa, d->out_pa),
		  HV_STATUS_INVALID_HYPERCALL_INPUT);
	status_is(bsp, "fast Get",
		  (uint16_t)st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1) |
						 HV_HYPERCALL_CONTROL_FAST,
					 d->in_pa, d->out_pa),
		  HV_STATUS_INVALID_HYPERCALL_INPUT);
	status_is(bsp, "misaligned input",
		  (uint16_t)st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1),
					 d->in_pa + 4, d->out_pa),
		  HV_STATUS_INVALID_ALIGNMENT);
	h->partition_id = 0x1234;
	status_is(bsp, "Get with a bad partition",
		  (uint16_t)st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1),
					 d->in_pa, d->out_pa),
		  HV_STATUS_INVALID_PARAMETER);
	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = 999;
	status_is(bsp, "Get of VP 999",
		  (uint16_t)st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1),
					 d->in_pa, d->out_pa),
		  HV_STATUS_INVALID_VP_INDEX);
	h->vp_index = ap;
	status_is(bsp, "Get of another VP's VTL0 RIP",
		  (uint16_t)st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1),
					 d->in_pa, d->out_pa),
		  0);

	/* VP state machine. */
	status_is(bsp, "EnableVpVtl(BSP)",
		  st_vp_call(d, HV_CALL_ENABLE_VP_VTL, bsp, &a->ctx),
		  HV_STATUS_VTL_ALREADY_ENABLED);
	status_is(bsp, "StartVirtualProcessor(BSP)",
		  st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, bsp, &a->ctx),
		  HV_STATUS_INVALID_VP_STATE);
	status_is(bsp, "EnableVpVtl with a rep count",
		  (uint16_t)st_hypercall(CTL(HV_CALL_ENABLE_VP_VTL, 1),
					 d->in_pa, 0),
		  HV_STATUS_INVALID_HYPERCALL_INPUT);
	status_is(bsp, "StartVirtualProcessor before EnableVpVtl",
		  st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, ap, &a->ctx),
		  HV_STATUS_INVALID_VTL_STATE);
	status_is(bsp, "EnableVpVtl(first AP)",
		  st_vp_call(d, HV_CALL_ENABLE_VP_VTL, ap, &a->ctx), 0);
	bad = a->ctx;
	bad.cr0 &= ~X86_CR0_PG;
	status_is(bsp, "StartVirtualProcessor without CR0.PG",
		  st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, ap, &bad),
		  HV_STATUS_INVALID_REGISTER_VALUE);
	bad = a->ctx;
	bad.cr3 = space.guest_cr3; /* no slot 511 there */
	status_is(bsp, "StartVirtualProcessor with an empty slot 511",
		  st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, ap, &bad),
		  HV_STATUS_INVALID_REGISTER_VALUE);
	CHECK(hvsim_vp_record(ap)->state == HVSIM_VP_OFF,
	      "VP %u still off after refused starts", ap);
}

static const struct {
	uint64_t gva, flags;
	uint32_t result;
	uint64_t gpa_page;
} translations[ST_NR_TRANSLATE] = {
	{ 0x400000,
	  HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_SUPERVISOR_ACCESS,
	  HV_TRANSLATE_GVA_SUCCESS, 0x1234 },
	{ 0x401000, HV_TRANSLATE_GVA_VALIDATE_READ,
	  HV_TRANSLATE_GVA_PAGE_NOT_PRESENT, 0 },
	{ 0x402000,
	  HV_TRANSLATE_GVA_VALIDATE_WRITE | HV_TRANSLATE_GVA_SUPERVISOR_ACCESS,
	  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION, 0 },
	{ 0x402000,
	  HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_SUPERVISOR_ACCESS,
	  HV_TRANSLATE_GVA_SUCCESS, 0x1236 },
	{ 0x403000,
	  HV_TRANSLATE_GVA_VALIDATE_EXECUTE |
		  HV_TRANSLATE_GVA_SUPERVISOR_ACCESS,
	  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION, 0 },
	{ 0x404000,
	  HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_VALIDATE_WRITE |
		  HV_TRANSLATE_GVA_USER_ACCESS,
	  HV_TRANSLATE_GVA_SUCCESS, 0x1238 },
	{ 0x400000,
	  HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_USER_ACCESS,
	  HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION, 0 },
	{ 0x400000,
	  HV_TRANSLATE_GVA_VALIDATE_READ | HV_TRANSLATE_GVA_USER_ACCESS |
		  HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT,
	  HV_TRANSLATE_GVA_SUCCESS, 0x1234 },
	{ 0x605000,
	  HV_TRANSLATE_GVA_VALIDATE_READ |
		  (0x10ull << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT),
	  HV_TRANSLATE_GVA_SUCCESS, 0x40005 },
	{ 0x405000, HV_TRANSLATE_GVA_VALIDATE_READ,
	  HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS, 0 },
};

static void plan_vp(struct st_vp *d)
{
	for (uint32_t i = 0; i < ST_NR_TRANSLATE; i++) {
		d->tr_gva[i] = translations[i].gva;
		d->tr_flags[i] = translations[i].flags;
	}
}

static void check_translations(const struct st_vp *d)
{
	for (uint32_t i = 0; i < ST_NR_TRANSLATE; i++) {
		uint32_t rc = (uint32_t)d->tr_result[i];

		status_is(d->vp, "TranslateVirtualAddressEx", d->tr_status[i],
			  0);
		CHECK(rc == translations[i].result,
		      "VP %u translate #%u of 0x%lx: result %u, expected %u",
		      d->vp, i, translations[i].gva, rc,
		      translations[i].result);
		CHECK(d->tr_gpa[i] == translations[i].gpa_page,
		      "VP %u translate #%u: gpa_page 0x%lx, expected 0x%lx",
		      d->vp, i, d->tr_gpa[i], translations[i].gpa_page);
	}
}

/* guest_steps' transform after `steps` steps, bit for bit. */
static void check_vtl_result(const struct st_vp *d, uint32_t k, uint32_t reason,
			     uint32_t steps)
{
	const struct st_vtl_io *io = io_of(d);
	const struct st_vtl_result *r = &io->res[k];
	uint32_t bad = 0;

	CHECK(r->reason == reason,
	      "VP %u VTL return #%u: entry reason %u, "
	      "expected %u",
	      d->vp, k, r->reason, reason);
	for (uint32_t i = 0; i < 16; i++) {
		uint64_t want = io->in[i] + (i == 4 ? 0 : steps * (i + 1));

		if (i != 4 && r->gprs[i] != want) {
			bad++;
			printf("hvsim-selftest: VP %u VTL return #%u: GPR %u "
			       "0x%lx, expected 0x%lx\n",
			       d->vp, k, i, r->gprs[i], want);
		}
	}
	CHECK(!bad, "VP %u VTL return #%u: %u GPRs differ", d->vp, k, bad);
	CHECK(r->cr2 == io->in_cr2 + steps * 0x1000,
	      "VP %u VTL return #%u: CR2 0x%lx", d->vp, k, r->cr2);
	bad = 0;
	for (uint32_t x = 0; x < 16; x++)
		for (uint32_t b = 0; b < 16; b++)
			bad += r->fx.xmm[x][b] !=
			       (uint8_t)(io->fx_in.xmm[x][b] + steps);
	CHECK(!bad, "VP %u VTL return #%u: %u XMM bytes differ", d->vp, k, bad);
	CHECK(!memcmp(&r->fx, &io->fx_in, 160),
	      "VP %u VTL return #%u: x87/MXCSR state changed", d->vp, k);
}

static void check_vtl(const struct st_vp *d)
{
	const struct st_vtl_io *io = io_of(d);
	const struct hv_message *last = hvsim_last_message(d->vp);
	const struct hv_x64_intercept_message_header *h =
		(const void *)io->msg.payload_buffer;
	const struct hv_x64_register_page *rp =
		(const void *)(uintptr_t)d->regpage_pa;
	const struct hvsim_vp_record *rec = hvsim_vp_record(d->vp);
	uint64_t out = guest_gpa(guest_steps_out);
	uint64_t halted = guest_gpa(guest_steps_hlt) + 1;

	check_vtl_result(d, 0, HV_VTL_ENTRY_REASON_INTERCEPT,
			 ST_INTERCEPT_STEPS);
	check_vtl_result(d, 1, HV_VTL_ENTRY_REASON_INTERRUPT, 0);
	check_vtl_result(d, 2, HV_VTL_ENTRY_REASON_INTERRUPT, 0);
	CHECK(!memcmp(&io->msg, last, sizeof(*last)),
	      "VP %u: intercept message in the assist page differs from "
	      "hvsim's",
	      d->vp);
	CHECK(io->msg.header.typ == HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT &&
		      h->vp_index == d->vp && h->rip == out,
	      "VP %u: intercept message type 0x%x vp %u rip 0x%lx", d->vp,
	      io->msg.header.typ, h->vp_index, h->rip);
	CHECK(d->irq_after[0] == d->irq_before[0] &&
		      d->irq_after[1] == d->irq_before[1] + 1 &&
		      d->irq_after[2] == d->irq_before[2] + 1,
	      "VP %u: interrupts %u->%u, %u->%u, %u->%u", d->vp,
	      d->irq_before[0], d->irq_after[0], d->irq_before[1],
	      d->irq_after[1], d->irq_before[2], d->irq_after[2]);
	CHECK(rec->vtl_returns == 3 && rec->exits_intercept == 1 &&
		      rec->exits_interrupt == 2 &&
		      guest_steps_done(d->vp) == ST_INTERCEPT_STEPS &&
		      rec->halts == 1,
	      "VP %u: hvsim counted %u returns, %u/%u exits, %u halts; %lu "
	      "guest steps",
	      d->vp, rec->vtl_returns, rec->exits_intercept,
	      rec->exits_interrupt, rec->halts, guest_steps_done(d->vp));
	/* The register page shows the last exit. */
	CHECK(rp->is_valid == 1 && rp->rip == halted &&
		      rp->gp_registers[0] == io->res[2].gprs[0] &&
		      rp->gp_registers[15] == io->res[2].gprs[15] &&
		      !memcmp(&rp->xmm[5], io->res[2].fx.xmm[5], 16),
	      "VP %u: register page valid %u rip 0x%lx rax 0x%lx", d->vp,
	      rp->is_valid, rp->rip, rp->gp_registers[0]);
	CHECK(hvsim_get_register(d->vp, 0, HV_REGISTER_RIP).low == halted,
	      "VP %u: VTL0 RIP 0x%lx after halting, expected 0x%lx", d->vp,
	      hvsim_get_register(d->vp, 0, HV_REGISTER_RIP).low, halted);
}

/* hvsim started the VP without writing into its memory (its stack). */
static void check_below_rsp(const struct st_vp *d)
{
	uint32_t bad = 0;

	for (uint32_t w = 0; w < ST_BELOW_RSP_WORDS; w++)
		bad += d->below_rsp[w] != ST_BELOW_RSP_CANARY + w + 1;
	CHECK(!bad,
	      "VP %u: StartVirtualProcessor wrote %u of the %u words below "
	      "its initial RSP (first 0x%lx)",
	      d->vp, bad, ST_BELOW_RSP_WORDS, d->below_rsp[0]);
}

static void check_vp(const struct st_vp *d, uint32_t first_ap,
		     uint32_t failed_start)
{
	const struct st_shared *sh = shared();
	uint32_t v = d->vp;
	const struct hvsim_vp_record *rec = hvsim_vp_record(v);

	CHECK(d->phase == ST_PHASE_DONE && !d->fault_vector,
	      "VP %u: phase %u, fault vector %d", v, d->phase,
	      (int)d->fault_vector - 1);
	check_below_rsp(d);
	CHECK(rec->state == HVSIM_VP_RUNNING &&
		      rec->parent == sh->started_by[v] &&
		      rec->launch_tsc >= rec->request_tsc &&
		      rec->first_call_tsc >= rec->launch_tsc,
	      "VP %u: hvsim state %u parent %u (expected %u), tsc order", v,
	      rec->state, rec->parent, sh->started_by[v]);
	status_is(v, "EnableVpVtl by the fan-out", sh->enable_status[v],
		  v == first_ap ? HV_STATUS_VTL_ALREADY_ENABLED : 0);
	status_is(v, "StartVirtualProcessor by the fan-out",
		  sh->start_status[v],
		  v == failed_start ? HV_STATUS_INSUFFICIENT_MEMORY : 0);
	if (d->do_negative) {
		status_is(v, "EnableVpVtl(self)", d->neg_enable_self,
			  HV_STATUS_VTL_ALREADY_ENABLED);
		status_is(v, "StartVirtualProcessor(self)", d->neg_start_self,
			  HV_STATUS_INVALID_VP_STATE);
		status_is(v, "StartVirtualProcessor(BSP)", d->neg_start_bsp,
			  HV_STATUS_INVALID_VP_STATE);
		status_is(v, "EnableVpVtl(0xFFFF)", d->neg_enable_bad,
			  HV_STATUS_INVALID_VP_INDEX);
		status_is(v, "StartVirtualProcessor(0xFFFF)", d->neg_start_bad,
			  HV_STATUS_INVALID_VP_INDEX);
	}
	status_is(v, "first Get (injected for the first AP)", d->get_injected,
		  v == first_ap ? ST_INJECT_STATUS : 0);
	status_is(v, "Get after the injection", d->get_after_injection, 0);
	CHECK(d->caps == hvsim_get_config()->vsm_capabilities,
	      "VP %u caps 0x%lx", v, d->caps);
	status_is(v, "Set VpAssistPage", d->set_assist, 0);
	status_is(v, "Set VpAssistPage | 3", d->set_assist_bad,
		  HV_STATUS_INVALID_REGISTER_VALUE);
	status_is(v, "Set RegisterPage", d->set_regpage, 0);
	status_is(v, "Get VsmCodePageOffsets", d->get_offsets, 0);
	CHECK(d->offsets == RETURN_OFFSET_VALUE, "VP %u offsets 0x%lx", v,
	      d->offsets);
	status_is(v, "Get VpIndex", d->get_vp_index, 0);
	CHECK(d->vp_index_value == v, "VP %u VpIndex %lu", v,
	      d->vp_index_value);
	status_is(v, "Get unknown", d->get_unknown,
		  HV_STATUS_UNKNOWN_REGISTER_NAME);
	status_is(v, "Set unknown", d->set_unknown,
		  HV_STATUS_UNKNOWN_REGISTER_NAME);
	status_is(v, "Set read-only", d->set_read_only,
		  HV_STATUS_ACCESS_DENIED);
	status_is(v, "Set VTL0 RIP", d->set_rip, 0);
	status_is(v, "Get VTL0 RIP", d->get_rip, 0);
	CHECK(d->rip_back == guest_gpa(guest_steps), "VP %u VTL0 RIP 0x%lx", v,
	      d->rip_back);
	status_is(v, "Get VTL2 RIP", d->get_rip_vtl2, 0);
	CHECK(d->rip_vtl2 == 0, "VP %u VTL2 RIP 0x%lx (own file)", v,
	      d->rip_vtl2);
	status_is(v, "Get at VTL1", d->get_vtl1, HV_STATUS_INVALID_VTL_STATE);
	status_is(v, "Get at VTL3", d->get_vtl3, HV_STATUS_INVALID_PARAMETER);
	status_is(v, "always-injected call (1)", d->always1, ST_ALWAYS_STATUS);
	status_is(v, "always-injected call (2)", d->always2, ST_ALWAYS_STATUS);
	status_is(v, "register-checked hypercall", d->preserve_status, 0);
	CHECK(d->preserve_mask == 0,
	      "VP %u: the hypercall changed registers (hvdef-order mask 0x%lx)",
	      v, d->preserve_mask);
	for (uint32_t i = 0; i < 4; i++)
		status_is(v, "Set VTL0 paging register", d->tr_setup[i], 0);
	check_translations(d);
	check_vtl(d);
	if (d->do_crash)
		for (uint32_t i = 0; i < 6; i++)
			status_is(v, "Set crash register", d->crash_status[i],
				  0);
}

static bool watch(const struct scenario_env *env, const uint32_t *vps,
		  uint32_t n, uint32_t phase, bool send_ipis)
{
	uint64_t deadline = rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);
	bool kicked[256] = { false };

	for (;;) {
		uint32_t behind = 0;

		for (uint32_t i = 1; i < n; i++) {
			const struct st_vp *d = st_vp_of(&space, vps[i]);
			uint32_t p =
				__atomic_load_n(&d->phase, __ATOMIC_ACQUIRE);

			if (send_ipis && p == ST_PHASE_WAIT && !kicked[i] &&
			    hvsim_vp_waiting(vps[i])) {
				kicked[i] = true;
				x2apic_send_ipi(hvsim_vp_apic_id(vps[i]),
						ST_IRQ_VECTOR);
			}
			if (p < phase)
				behind++;
		}
		if (!behind)
			return true;
		if (rdtsc() > deadline)
			break;
		cpu_relax();
	}
	for (uint32_t i = 1; i < n; i++) {
		const struct st_vp *d = st_vp_of(&space, vps[i]);
		const struct hvsim_vp_record *r = hvsim_vp_record(vps[i]);
		const char *call = hvsim_hypercall_name(r->start_failure_code);
		const char *st = hv_status_name(r->start_failure_status);

		if (d->phase >= phase)
			continue;
		printf("watchdog: VP %u stuck in phase %u (hvsim state %u, "
		       "waiting %u, fault vector %d)\n",
		       vps[i], d->phase, r->state, hvsim_vp_waiting(vps[i]),
		       (int)d->fault_vector - 1);
		if (r->start_failure_status)
			printf("watchdog: VP %u: %s by VP %u failed with %s "
			       "(0x%x)\n",
			       vps[i], call ? call : "?",
			       r->start_failure_caller, st ? st : "?",
			       r->start_failure_status);
	}
	return false;
}

int scenario_hvsim_selftest(const struct scenario_env *env)
{
	uint64_t *boot_pml4 = (uint64_t *)(uintptr_t)read_cr3();
	uint32_t vps[256], n = 0, max_depth = 0, first_ap, last_ap;
	struct st_vp *d0;
	struct st_shared *sh;

	res = env->result;
	vps[n++] = hvsim_bsp();
	for (uint32_t i = 0; i < hvsim_vp_count(); i++)
		if (hvsim_vp_record(i) && i != vps[0])
			vps[n++] = i;
	if (n < 2)
		panic("hvsim-selftest: needs at least 2 CPUs");
	first_ap = vps[1];
	last_ap = vps[n - 1];
	st_space_build(&space, vps, n);
	for (uint32_t i = 0; i < n; i++)
		plan_vp(st_vp_of(&space, vps[i]));
	st_vp_of(&space, first_ap)->do_negative = 1;
	{
		static const char msg[] = "hvsim-selftest crash report";
		struct st_vp *c = st_vp_of(&space, vps[n > 2 ? 2 : 1]);

		c->do_crash = 1;
		c->crash_len = sizeof(msg) - 1;
		memcpy(c->crash_msg, msg, sizeof(msg) - 1);
	}
	/* Borrow slot 511 the way the image's entry does. */
	if (boot_pml4[511])
		panic("hvsim-selftest: PML4 slot 511 already in use");
	boot_pml4[511] = ((uint64_t *)(uintptr_t)space.root)[511];
	write_cr3(read_cr3());
	d0 = (struct st_vp *)ST_VP_VA(vps[0]);

	printf("hvsim-selftest: %u VPs, page copy at 0x%lx (pa 0x%lx), AP "
	       "code %lu pages\n",
	       n, ST_PAGE_VA, space.page_pa,
	       (uint64_t)(st_ap_end - st_ap_start) / 4096);
	bsp_calls(d0, first_ap);

	for (uint32_t i = 1; i < n; i++) {
		struct st_vp *d = st_vp_of(&space, vps[i]);

		guest_load_steps(vps[i], ST_INTERCEPT_STEPS);
		guest_paging(&d->g_cr0, &d->g_cr3, &d->g_cr4, &d->g_efer);
		d->g_rip = guest_gpa(guest_steps);
		d->g_hlt_rip = guest_gpa(guest_steps_hlt);
	}
	hvsim_inject(HV_CALL_GET_VP_REGISTERS, first_ap, ST_INJECT_STATUS,
		     true);
	hvsim_inject(ST_ALWAYS_CODE, HVSIM_ANY_VP, ST_ALWAYS_STATUS, false);
	hvsim_inject(HV_CALL_START_VIRTUAL_PROCESSOR, last_ap,
		     HV_STATUS_INSUFFICIENT_MEMORY, true);

	/* Fan-out: the BSP starts one VP, the started ones the rest. */
	sh = shared();
	for (uint32_t i = 0; i < n; i++)
		if (hvsim_vp_apic_id(vps[i]) < 256)
			sh->vp_of_apic[hvsim_vp_apic_id(vps[i])] =
				(uint16_t)vps[i];
	for (uint32_t i = 1; i < n; i++)
		sh->order[i - 1] = vps[i];
	sh->count = n - 1;
	st_fanout(d0, (struct st_shared *)ST_SHARED_VA, 1);

	/* The injected failure leaves last_ap off; start it again. */
	{
		uint64_t deadline =
			rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);

		while (__atomic_load_n(&sh->start_status[last_ap],
				       __ATOMIC_ACQUIRE) !=
			       HV_STATUS_INSUFFICIENT_MEMORY &&
		       rdtsc() < deadline)
			cpu_relax();
		CHECK(hvsim_vp_record(last_ap)->state == HVSIM_VP_OFF,
		      "VP %u not started after the injected failure", last_ap);
		status_is(last_ap, "EnableVpVtl again",
			  st_vp_call(d0, HV_CALL_ENABLE_VP_VTL, last_ap,
				     &st_vp_of(&space, last_ap)->ctx),
			  HV_STATUS_VTL_ALREADY_ENABLED);
		status_is(last_ap, "StartVirtualProcessor again",
			  st_vp_call(d0, HV_CALL_START_VIRTUAL_PROCESSOR,
				     last_ap, &st_vp_of(&space, last_ap)->ctx),
			  0);
		sh->started_by[last_ap] = vps[0];
	}

	if (!watch(env, vps, n, ST_PHASE_DONE, true))
		panic("hvsim-selftest: started CPUs did not finish");
	CHECK(hvsim_check_arrivals(), "every started VP is running");

	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = vps[i];

		check_vp(st_vp_of(&space, v), first_ap, last_ap);
		CHECK(hvsim_report_wx(space.pml4[v], "selftest VP") == 0,
		      "VP %u: no writable+executable page", v);
		if (hvsim_vp_record(v)->depth > max_depth)
			max_depth = hvsim_vp_record(v)->depth;
		if (hvsim_vp_record(v)->state == HVSIM_VP_RUNNING)
			res->booted++;
	}
	CHECK(n < 4 || max_depth >= 2,
	      "fan-out: started VPs started others (depth %u)", max_depth);
	CHECK(hvsim_report_wx(st_space_wx_sample(), "the W+X sample") == 1,
	      "the W+X check finds the one W+X page of the sample");
	CHECK(hvsim_crashes() == 1, "%u guest crash reports (1 expected)",
	      hvsim_crashes());
	CHECK(hvsim_started() == n - 1, "%u successful starts (expected %u)",
	      hvsim_started(), n - 1);

	hvsim_print_start_tree();
	hvsim_print_log(first_ap);
	boot_pml4[511] = 0;
	write_cr3(read_cr3());
	res->started = hvsim_started();
	printf("hvsim-selftest: vps=%u started=%u depth=%u checks=%u "
	       "failures=%u\n",
	       n, hvsim_started(), max_depth, res->checks, res->failures);
	return res->failures ? -1 : 0;
}
