// SPDX-License-Identifier: MIT
/*
 * scenario=remove: convert sidecar CPUs back to the main kernel. Every
 * even node CPU from index 2 on is removed with sd_vp_remove (half of them
 * after a RUN_VP, so their VP assist and register pages are mapped),
 * while another VP of the node is in the middle of a RUN_VP. Checks: the
 * CPU reports REMOVED and the driver keeps it removed (-ENOENT for every
 * later claim), the sidecar unmapped its overlay pages in hvsim, the run
 * elsewhere was not disturbed; then each removed CPU is restarted with
 * INIT-SIPI into the test kernel's trampoline and answers an IPI from
 * kernel code, and every remaining sidecar VP still serves commands.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_restart.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL2 2

static struct sidecar_boot boot;

static uint64_t vtl2_reg(uint32_t vp, uint32_t name)
{
	return hvsim_get_register(vp, VTL2, name).low;
}

static bool to_remove(const struct sd_node *n, uint32_t vp)
{
	uint32_t idx = vp - n->base_cpu;

	return idx >= 2 && idx % 2 == 0;
}

static void remove_one(const struct scenario_env *env, struct sd_node *n,
		       uint32_t vp)
{
	struct sd_client_vp c;
	struct sd_client_error e;
	int r = sd_vp_remove(n, vp, sidecar_timeout_ns(env));

	if (!CHECK(r == 0, "VP %u: remove: %s", vp, sd_strerror(r)))
		return;
	CHECK(sidecar_cpu_status_load(n->control, vp - n->base_cpu) ==
			      SIDECAR_CPU_STATUS_REMOVED &&
		      sd_vp_state(n, vp) == SD_VP_REMOVED,
	      "VP %u: cpu_status %u, driver state %d after remove", vp,
	      sidecar_cpu_status_load(n->control, vp - n->base_cpu),
	      sd_vp_state(n, vp));
	/* The hypervisor must no longer write into the pages. */
	CHECK(vtl2_reg(vp, HV_REGISTER_VP_ASSIST_PAGE) == 0 &&
		      vtl2_reg(vp, HV_REGISTER_REGISTER_PAGE) == 0,
	      "VP %u: overlays still mapped after remove: assist 0x%lx "
	      "register page 0x%lx",
	      vp, vtl2_reg(vp, HV_REGISTER_VP_ASSIST_PAGE),
	      vtl2_reg(vp, HV_REGISTER_REGISTER_PAGE));
	r = sd_vp_remove(n, vp, sidecar_timeout_ns(env));
	CHECK(r == -SD_ENOENT, "VP %u: second remove: %s", vp, sd_strerror(r));
	if (!sidecar_client(env, &boot, vp, &c))
		return;
	r = sd_client_test(&c, &e);
	CHECK(r == -SD_ENOENT && e.kind == SD_CLIENT_ERR_DRIVER,
	      "VP %u: NONE after remove: %d (%s)", vp, r, e.msg);
	printf("remove: VP %u removed\n", vp);
}

/* A VP of node n that stays, to run while its neighbours go. */
static uint32_t keeper_of(struct sd_node *n)
{
	for (uint32_t j = 1; j < n->cpu_count; j++)
		if (!to_remove(n, n->base_cpu + j) &&
		    sd_vp_state(n, n->base_cpu + j) == SD_VP_AVAIL)
			return n->base_cpu + j;
	return UINT32_MAX;
}

static void remove_node(const struct scenario_env *env, struct sd_node *n,
			uint32_t *removed, uint32_t *nr_removed)
{
	uint32_t keeper = keeper_of(n), k = 0;
	struct sd_client_vp kc;
	struct run_before kb;

	if (keeper != UINT32_MAX && sidecar_client(env, &boot, keeper, &kc)) {
		run_guest(keeper, 0);
		run_prepare(&kc, 9, false, &kb);
		if (run_start(env, &kc))
			run_await_waiting(env, keeper);
		else
			keeper = UINT32_MAX;
	}
	for (uint32_t j = 2; j < n->cpu_count; j++) {
		uint32_t vp = n->base_cpu + j;
		struct sd_client_vp c;

		if (!to_remove(n, vp) || sd_vp_state(n, vp) != SD_VP_AVAIL)
			continue;
		/* Every other one with its overlays mapped by a run. */
		if (k++ % 2 == 0 && sidecar_client(env, &boot, vp, &c)) {
			run_to_intercept(env, &c, 1, 3, false);
			CHECK(vtl2_reg(vp, HV_REGISTER_VP_ASSIST_PAGE) != 0,
			      "VP %u: no VP assist page after a run", vp);
		}
		remove_one(env, n, vp);
		removed[(*nr_removed)++] = vp;
	}
	if (keeper == UINT32_MAX)
		return;
	/* The run in the same node went on undisturbed. */
	CHECK(hvsim_vp_waiting(keeper) && sd_vp_state(n, keeper) == SD_VP_ASYNC,
	      "VP %u: the run was disturbed by the removals", keeper);
	CHECK(sd_client_cancel(&kc) == 0, "VP %u: cancel refused", keeper);
	if (run_wait(env, &kc, false))
		run_check(env, &kc, &kb, false, 1, "RUN_VP beside removals");
}

int scenario_remove(const struct scenario_env *env)
{
	uint32_t removed[HVSIM_MAX_VPS], nr_removed = 0, vps[HVSIM_MAX_VPS];
	uint32_t count, restarted = 0;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	for (uint32_t i = 0; i < boot.nr_nodes; i++)
		remove_node(env, &boot.nodes[i], removed, &nr_removed);
	CHECK(nr_removed > 0, "no VP to remove (needs 3 VPs in a node)");
	for (uint32_t i = 0; i < nr_removed; i++)
		restarted += restart_as_kernel_cpu(env, removed[i]);
	/* Whoever stayed still serves commands. */
	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp c;
		struct sd_client_error e;

		if (!sidecar_client(env, &boot, vps[i], &c))
			continue;
		sidecar_client_ok(env, sd_client_test(&c, &e), &e, vps[i],
				  "NONE after the removals");
		run_to_intercept(env, &c, 2, 4, false);
	}
	shim_platform_stop();
	CHECK(count + nr_removed == env->result->booted &&
		      restarted == nr_removed,
	      "%u sidecar VPs left, %u removed, %u restarted", count,
	      nr_removed, restarted);
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	CHECK(hvsim_crashes() == 0, "%u guest crash reports", hvsim_crashes());
	printf("remove: %u VPs removed and restarted as kernel CPUs, %u still "
	       "sidecar VPs\n",
	       nr_removed, count);
	return env->result->failures ? -1 : 0;
}
