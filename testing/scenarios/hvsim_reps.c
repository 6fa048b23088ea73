// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-reps: HvCallGetVpRegisters and HvCallSetVpRegisters are
 * rep hypercalls, as on Hyper-V: the BSP calls hvsim's page with several
 * reps, and a rep start to go on from. Every rep from the start is done in
 * order; the first that fails ends the call with its status and the count
 * of reps complete (the reps before it done, a Get's values for them
 * written, nothing after it); a rep start at or past the count, or a
 * count of 0, is InvalidHypercallInput.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "hv/hypercall.h"
#include "hv/registers.h"
#include "hv/status.h"
#include "hvsim_call.h"
#include "scenarios.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define REPS 4
#define UNKNOWN_NAME 0x12345u
#define UNTOUCHED 0x5a5a5a5a5a5a5a5aull

static struct {
	struct hv_get_set_vp_registers hdr;
	uint32_t names[REPS];
} get_in __attribute__((aligned(4096)));
static struct {
	struct hv_get_set_vp_registers hdr;
	struct hv_register_assoc regs[REPS];
} set_in __attribute__((aligned(4096)));
static struct hv_u128 out[REPS] __attribute__((aligned(4096)));

/* The BSP's VTL0 registers: the BSP never runs VTL0, nothing else reads them. */
static const uint32_t names[REPS] = {
	HV_REGISTER_RAX,
	HV_REGISTER_RAX + 1,
	HV_REGISTER_RAX + 2,
	HV_REGISTER_RAX + 3,
};

static void header(struct hv_get_set_vp_registers *h)
{
	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = HV_VP_INDEX_SELF;
	h->target_vtl = hv_input_vtl(0);
}

/* The call's result: status and reps complete. */
static uint64_t call(uint16_t code, uint16_t start, uint16_t reps, void *in,
		     void *o)
{
	return hvsim_call_control(hv_hypercall_control_from(code, reps, start),
				  (uintptr_t)in, (uintptr_t)o);
}

static void print(const char *what, uint64_t r)
{
	uint16_t st = hv_hypercall_output_status(r);

	printf("hvsim-reps: %s: %s (0x%x), %u reps complete\n", what,
	       hvsim_call_status_name(st), st,
	       hv_hypercall_output_reps_completed(r));
}

/* The call failed with UnknownRegisterName after `want` reps. */
static void check_unknown(const struct scenario_env *env, const char *what,
			  uint64_t r, uint32_t want)
{
	print(what, r);
	CHECK(hv_hypercall_output_status(r) ==
			      HV_STATUS_UNKNOWN_REGISTER_NAME &&
		      hv_hypercall_output_reps_completed(r) == want,
	      "%s: result 0x%lx, want UnknownRegisterName after %u reps", what,
	      r, want);
}

static void clear_out(void)
{
	for (uint32_t i = 0; i < REPS; i++)
		out[i].low = out[i].high = UNTOUCHED;
}

int scenario_hvsim_reps(const struct scenario_env *env)
{
	uint64_t r;

	header(&get_in.hdr);
	header(&set_in.hdr);
	for (uint32_t i = 0; i < REPS; i++) {
		get_in.names[i] = names[i];
		set_in.regs[i] = (struct hv_register_assoc){ 0 };
		set_in.regs[i].name = names[i];
		set_in.regs[i].value.reg64 = 0x1000 + i;
	}

	/* Every rep, in order: a SET of 4, read back by a GET of 4. */
	r = call(HV_CALL_SET_VP_REGISTERS, 0, REPS, &set_in, NULL);
	print("set 4", r);
	CHECK(r == ((uint64_t)REPS << HV_HYPERCALL_OUTPUT_REPS_SHIFT),
	      "set 4: result 0x%lx", r);
	clear_out();
	r = call(HV_CALL_GET_VP_REGISTERS, 0, REPS, &get_in, out);
	print("get 4", r);
	CHECK(r == ((uint64_t)REPS << HV_HYPERCALL_OUTPUT_REPS_SHIFT),
	      "get 4: result 0x%lx", r);
	for (uint32_t i = 0; i < REPS; i++)
		CHECK(out[i].low == 0x1000 + i && out[i].high == 0,
		      "get 4: rep %u read 0x%lx, set 0x%x", i, out[i].low,
		      0x1000 + i);

	/* A rep start: reps before it are not looked at. */
	clear_out();
	r = call(HV_CALL_GET_VP_REGISTERS, 2, REPS, &get_in, out);
	print("get 4 from rep 2", r);
	CHECK(r == ((uint64_t)REPS << HV_HYPERCALL_OUTPUT_REPS_SHIFT),
	      "get from rep 2: result 0x%lx", r);
	CHECK(out[0].low == UNTOUCHED && out[1].low == UNTOUCHED &&
		      out[2].low == 0x1002 && out[3].low == 0x1003,
	      "get from rep 2 wrote 0x%lx 0x%lx 0x%lx 0x%lx", out[0].low,
	      out[1].low, out[2].low, out[3].low);

	/* Rep 2 fails: 2 complete, their values written, rep 3 not done. */
	get_in.names[2] = UNKNOWN_NAME;
	clear_out();
	r = call(HV_CALL_GET_VP_REGISTERS, 0, REPS, &get_in, out);
	check_unknown(env, "get 4, rep 2 unknown", r, 2);
	CHECK(out[0].low == 0x1000 && out[1].low == 0x1001 &&
		      out[2].low == UNTOUCHED && out[3].low == UNTOUCHED,
	      "get with rep 2 unknown wrote 0x%lx 0x%lx 0x%lx 0x%lx",
	      out[0].low, out[1].low, out[2].low, out[3].low);
	get_in.names[2] = names[2];

	/* A SET whose rep 1 fails changes rep 0 only. */
	set_in.regs[1].name = UNKNOWN_NAME;
	for (uint32_t i = 0; i < REPS; i++)
		set_in.regs[i].value.reg64 = 0x2000 + i;
	r = call(HV_CALL_SET_VP_REGISTERS, 0, REPS, &set_in, NULL);
	check_unknown(env, "set 4, rep 1 unknown", r, 1);
	clear_out();
	r = call(HV_CALL_GET_VP_REGISTERS, 0, REPS, &get_in, out);
	CHECK(r == ((uint64_t)REPS << HV_HYPERCALL_OUTPUT_REPS_SHIFT) &&
		      out[0].low == 0x2000 && out[1].low == 0x1001 &&
		      out[2].low == 0x1002 && out[3].low == 0x1003,
	      "after a set that failed at rep 1: 0x%lx 0x%lx 0x%lx 0x%lx",
	      out[0].low, out[1].low, out[2].low, out[3].low);

	/* Malformed: no reps, or a rep start at the count. */
	r = call(HV_CALL_GET_VP_REGISTERS, 0, 0, &get_in, out);
	print("get 0 reps", r);
	CHECK(r == HV_STATUS_INVALID_HYPERCALL_INPUT, "get 0 reps: 0x%lx", r);
	r = call(HV_CALL_GET_VP_REGISTERS, REPS, REPS, &get_in, out);
	print("get 4 from rep 4", r);
	CHECK(r == HV_STATUS_INVALID_HYPERCALL_INPUT,
	      "get from rep 4 of 4: 0x%lx", r);
	env->result->booted = 0;
	return 0;
}
