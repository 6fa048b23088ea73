// SPDX-License-Identifier: MIT
/*
 * scenario=fanout: boot, then read hvsim's start tree. The fan-out must
 * be a tree, not a chain from the BSP: APs start other APs, and the BSP
 * itself starts fewer than half of them. In every node the tree is at most
 * ceil(log2 n) deep, n the node's VPs (checked by every boot, printed
 * here): the image claims that bound however the starts race (each CPU
 * starts at most its binomial share). Every VP then answers NONE.
 */
#include <stdint.h>

#include <kernel/printf.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)

static struct sidecar_boot boot;

int scenario_fanout(const struct scenario_env *env)
{
	static uint32_t children[HVSIM_MAX_VPS];
	uint32_t n = hvsim_vp_count(), bsp = hvsim_bsp(), vps[HVSIM_MAX_VPS];
	uint32_t started = 0, by_aps = 0, depth = 0, starters = 0, count, aps;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	for (uint32_t v = 0; v < n; v++) {
		const struct hvsim_vp_record *r = hvsim_vp_record(v);

		if (r->parent == HVSIM_NO_VP)
			continue;
		started++;
		starters += children[r->parent]++ == 0;
		by_aps += r->parent != bsp;
		if (r->depth > depth)
			depth = r->depth;
	}
	for (uint32_t v = 0; v < n; v++)
		if (children[v])
			printf("fanout: VP %u started %u VPs\n", v,
			       children[v]);
	printf("fanout: vps=%u started=%u by_bsp=%u by_aps=%u starters=%u "
	       "depth=%u\n",
	       n, started, children[bsp], by_aps, starters, depth);
	/* sidecar_boot() checked each node's depth against its bound. */
	for (uint32_t k = 0; k < boot.params->node_count; k++) {
		uint32_t bound, d = sidecar_start_depth(&boot, k, &bound);

		printf("fanout: node %u vps=%u depth=%u depth_bound=%u\n", k,
		       boot.params->nodes[k].vp_count, d, bound);
	}
	/* Each node's base VP is the main kernel's. */
	aps = n - boot.params->node_count;
	CHECK(started == aps, "%u of %u APs started", started, aps);
	CHECK(by_aps > 0, "no AP started another AP: the BSP started all");
	CHECK(2 * children[bsp] < started,
	      "the BSP started %u of %u VPs, not fewer than half",
	      children[bsp], started);

	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp c;
		struct sd_client_error e;

		if (sidecar_client(env, &boot, vps[i], &c))
			sidecar_client_ok(env, sd_client_test(&c, &e), &e,
					  vps[i], "NONE");
	}
	shim_platform_stop();
	CHECK(count == aps, "%u of %u APs usable", count, aps);
	return env->result->failures ? -1 : 0;
}
