// SPDX-License-Identifier: MIT
/*
 * scenario=stress [ops=N]: a seeded random mix of every command on every
 * VP through driver/client: NONE, GET/SET of 1..100 registers, TRANSLATE,
 * RUN_VP to an intercept, RUN_VP started and later cancelled or collected
 * (several VPs running at once), injected hypercall failures (the next
 * call must fail with exactly that status and the VP must work after), and
 * a few REMOVEs with a restart as a kernel CPU. Every started operation
 * must complete exactly once: the summary counts issued, completed, errors
 * by kind (expected, i.e. injected, and unexpected) and lost, which must
 * be 0. A hang is the driver's timeout, reported with the VP.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/printf.h>
#include <kernel/rand.h>
#include <kernel/tsc.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar/driver/client.h"
#include "sidecar_boot.h"
#include "sidecar_restart.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define MAX_VPS HVSIM_MAX_VPS
#define MAX_REMOVES 3

enum op {
	OP_NONE,
	OP_GET,
	OP_SET,
	OP_TRANSLATE,
	OP_RUN_SYNC,
	OP_RUN_START,
	OP_INJECT_GET,
	OP_INJECT_SET,
	OP_INJECT_TRANSLATE,
	OP_REMOVE,
	OP_COUNT,
};

static const char *const op_names[OP_COUNT] = {
	"none",	     "get",	   "set",	 "translate",	     "run",
	"run-async", "inject-get", "inject-set", "inject-translate", "remove",
};

static struct sidecar_boot boot;
static struct sd_client_vp clients[MAX_VPS];
static bool running[MAX_VPS];
static bool waits[MAX_VPS]; /* its run waits for an interrupt: cancel it */
static struct hv_register_assoc regs[100];

static struct {
	uint64_t issued, completed, expected_errors, unexpected_errors;
	uint64_t by_op[OP_COUNT], cancels, collected;
	uint32_t removes;
} st;

static bool inject_once(const struct scenario_env *env, uint16_t code,
			uint32_t vp, uint16_t status)
{
	const struct hvsim_inject_rule r = {
		.code = code,
		.status = status,
		.vp = vp,
		.once = true,
	};

	/* Spent rules stay in hvsim's table: start from an empty one. */
	hvsim_inject_clear();
	return CHECK(hvsim_inject_rule(&r), "hvsim refused an injection");
}

static void fill_regs(struct rand *rnd, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		regs[i] = (struct hv_register_assoc){ 0 };
		/* GPRs other than RSP, and RIP: all kept by hvsim. */
		regs[i].name =
			HV_REGISTER_RAX + (i % 15 < 4 ? i % 15 : i % 15 + 1);
		regs[i].value.reg64 = rand_next(rnd);
	}
}

/* One finished operation: ok, an injected (expected) failure, or not. */
static bool account(const struct scenario_env *env, uint32_t vp, enum op op,
		    int rc, const struct sd_client_error *e,
		    uint16_t want_status)
{
	st.completed++;
	if (want_status) {
		if (CHECK(rc == -SD_EIO &&
				  e->kind == SD_CLIENT_ERR_HYPERVISOR &&
				  e->hv_status == want_status,
			  "VP %u: %s: wanted status 0x%x, got rc %d status "
			  "0x%x: %s",
			  vp, op_names[op], want_status, rc, e->hv_status,
			  e->msg)) {
			st.expected_errors++;
			return true;
		}
		st.unexpected_errors++;
		return false;
	}
	if (rc) {
		st.unexpected_errors++;
		return sidecar_client_ok(env, rc, e, vp, op_names[op]);
	}
	return true;
}

/* Collects vp's started run: cancel it (or not), then wait for it. */
static bool collect(const struct scenario_env *env, struct rand *rnd,
		    uint32_t vp)
{
	struct sd_client_error e;
	bool intercept;
	int rc;

	if (waits[vp] || rand_below(rnd, 2)) {
		rc = sd_client_cancel(&clients[vp]);
		/* It may have ended in an intercept already: not running. */
		if (!CHECK(rc == 0 || rc == -SD_EINVAL, "VP %u: cancel: %d", vp,
			   rc))
			return false;
		st.cancels++;
	}
	rc = sd_client_wait(&clients[vp], sidecar_timeout_ns(env), &intercept,
			    &e);
	running[vp] = false;
	st.collected++;
	return account(env, vp, OP_RUN_START, rc, &e, 0);
}

static bool collect_all(const struct scenario_env *env, struct rand *rnd,
			const uint32_t *vps, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (running[vps[i]] && !collect(env, rnd, vps[i]))
			return false;
	return true;
}

static bool one_op(const struct scenario_env *env, struct rand *rnd,
		   uint32_t *vps, uint32_t *n)
{
	uint32_t slot = rand_below(rnd, *n), vp = vps[slot];
	struct sd_client_vp *c = &clients[vp];
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sd_client_error e;
	uint16_t want = 0;
	uint32_t count;
	bool intercept;
	enum op op;
	int rc;

	if (running[vp])
		return collect(env, rnd, vp);
	op = (enum op)rand_below(rnd, OP_COUNT);
	/* Injection rules and removals only with every VP idle. */
	if (op >= OP_INJECT_GET && !collect_all(env, rnd, vps, *n))
		return false;
	if (op == OP_REMOVE &&
	    (st.removes >= MAX_REMOVES || *n <= 2 || rand_below(rnd, 50)))
		op = OP_NONE;
	st.issued++;
	st.by_op[op]++;
	switch (op) {
	case OP_NONE:
		rc = sd_client_test(c, &e);
		break;
	case OP_INJECT_GET:
		want = HV_STATUS_ACCESS_DENIED;
		if (!inject_once(env, HV_CALL_GET_VP_REGISTERS, vp, want))
			return false;
		/* fall through */
	case OP_GET:
		count = want ? 1 : 1 + rand_below(rnd, 100);
		fill_regs(rnd, count);
		rc = sd_client_get_registers(c, 0, regs, count, &e);
		break;
	case OP_INJECT_SET:
		want = HV_STATUS_INVALID_PARAMETER;
		if (!inject_once(env, HV_CALL_SET_VP_REGISTERS, vp, want))
			return false;
		/* fall through */
	case OP_SET:
		count = want ? 1 : 1 + rand_below(rnd, 100);
		fill_regs(rnd, count);
		rc = sd_client_set_registers(c, 0, regs, count, &e);
		break;
	case OP_INJECT_TRANSLATE:
		want = HV_STATUS_INSUFFICIENT_MEMORY;
		if (!inject_once(env, HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, vp,
				 want))
			return false;
		/* fall through */
	case OP_TRANSLATE:
		rc = sd_client_translate_gva(c, rand_below(rnd, 1u << 20), 1,
					     &out, &e);
		break;
	case OP_RUN_SYNC:
		run_guest(vp, 1 + rand_below(rnd, 3));
		rc = sd_client_run(c, &e);
		if (!rc)
			rc = sd_client_wait(c, sidecar_timeout_ns(env),
					    &intercept, &e);
		break;
	case OP_RUN_START:
		/* Waits for an interrupt, or intercepts on its own. */
		count = rand_below(rnd, 3);
		run_guest(vp, count);
		waits[vp] = count == 0;
		rc = sd_client_run(c, &e);
		if (!rc) {
			running[vp] = true;
			return true; /* completes in collect() */
		}
		break;
	case OP_REMOVE: {
		struct sd_node *node = sidecar_node_of(&boot, vp);

		rc = sd_vp_remove(node, vp, sidecar_timeout_ns(env));
		if (rc == 0 && !restart_as_kernel_cpu(env, vp))
			return false;
		vps[slot] = vps[--*n];
		st.removes++;
		e.msg[0] = 0;
		break;
	}
	default:
		return false;
	}
	return account(env, vp, op, rc, &e, want);
}

int scenario_stress(const struct scenario_env *env)
{
	uint64_t ops = cmdline_get_u64(env->cmdline, "ops", 2000);
	uint32_t vps[MAX_VPS], n;
	struct rand rnd;
	uint64_t t0;
	bool ok = true;

	if (!sidecar_boot(env, &boot))
		return -1;
	n = sidecar_usable_vps(&boot, vps, MAX_VPS);
	if (!CHECK(n > 0, "no usable VP"))
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (!sidecar_client(env, &boot, vps[i], &clients[vps[i]]))
			return -1;
	rand_seed(&rnd, env->seed);
	t0 = rdtsc();
	for (uint64_t i = 0; i < ops && ok; i++) {
		ok = one_op(env, &rnd, vps, &n);
		if ((i + 1) % 10000 == 0)
			printf("stress: %lu/%lu operations\n", i + 1, ops);
	}
	ok = ok && collect_all(env, &rnd, vps, n);
	hvsim_inject_clear();
	printf("stress: ops=%lu issued=%lu completed=%lu lost=%lu "
	       "expected_errors=%lu unexpected_errors=%lu cancels=%lu "
	       "async_runs=%lu removes=%u in %lu ms\n",
	       ops, st.issued, st.completed, st.issued - st.completed,
	       st.expected_errors, st.unexpected_errors, st.cancels,
	       st.collected, st.removes,
	       tsc_cycles_to_ns(rdtsc() - t0) / 1000000);
	printf("stress: by kind:");
	for (uint32_t k = 0; k < OP_COUNT; k++)
		printf(" %s=%lu", op_names[k], st.by_op[k]);
	printf("\n");
	CHECK(st.issued == st.completed, "%lu operations lost",
	      st.issued - st.completed);
	CHECK(st.unexpected_errors == 0, "%lu unexpected errors",
	      st.unexpected_errors);
	return ok && !env->result->failures ? 0 : -1;
}
