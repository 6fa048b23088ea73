// SPDX-License-Identifier: MIT
/*
 * scenario=NAME: set up hvsim from the command line, run the scenario,
 * print the summary line the runner reads.
 */
#include <stdarg.h>
#include <stdint.h>

#include <kernel/cmdline.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"

#define DEFAULT_WATCHDOG_MS 30000
#define INJECT_MAX 512

const char *const scenario_options[] = {
	"scenario",
	"seed",
	"watchdog_ms",
	"hvsim_trace",
	"vsm_capabilities",
	"init_delay_us",
	"inject",
	"node_size",
	"numa",
	"log",
	"param",
	"expect_boot_error",
	"pt_dump",
	"rounds",
	"ops",
	"fault_vp",
	"fault_kind",
	"fault_addr",
	"fault_text",
	"vtl2_enabled",
	NULL,
};

struct scenario_def {
	const char *name;
	int (*run)(const struct scenario_env *env);
};

static const struct scenario_def scenarios[] = {
	{ "hvsim-selftest", scenario_hvsim_selftest },
	{ "hvsim-no-assist", scenario_hvsim_no_assist },
	{ "smoke", scenario_smoke },
	{ "commands", scenario_commands },
	{ "w-x", scenario_wx },
	{ "ap-fault", scenario_ap_fault },
	{ "error-bounds", scenario_error_bounds },
	{ "run-intercept", scenario_run_intercept },
	{ "intercepts", scenario_intercepts },
	{ "run-cancel", scenario_run_cancel },
	{ "remove", scenario_remove },
	{ "faults", scenario_faults },
	{ "fanout", scenario_fanout },
	{ "logging", scenario_logging },
	{ "bench", scenario_bench },
	{ "demo", scenario_demo },
	{ "stress", scenario_stress },
	{ "hvsim-buffers", scenario_hvsim_buffers },
	{ "hvsim-reps", scenario_hvsim_reps },
	{ "hvsim-start-check", scenario_hvsim_start_check },
	{ "hvsim-vtl2", scenario_hvsim_vtl2 },
};

bool scenario_check(struct scenario_result *r, bool ok, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	r->checks++;
	if (ok)
		return true;
	r->failures++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL: %s\n", msg);
	return false;
}

static void configure_hvsim(const char *cmdline)
{
	struct hvsim_config cfg;

	hvsim_config_defaults(&cfg);
	cfg.trace = cmdline_get_u64(cmdline, "hvsim_trace", 0) != 0;
	cfg.vsm_capabilities = cmdline_get_u64(cmdline, "vsm_capabilities",
					       cfg.vsm_capabilities);
	cfg.init_delay_us = (uint32_t)cmdline_get_u64(cmdline, "init_delay_us",
						      cfg.init_delay_us);
	hvsim_init(&cfg);
}

/*
 * vtl2_enabled=V[,V...]: those VPs run VTL 2 from the start, like the
 * BSP, so the image's EnableVpVtl on them returns VtlAlreadyEnabled.
 */
static void preenable_vtl2(const char *cmdline)
{
	char list[INJECT_MAX];
	const char *p = list;

	cmdline_get_str(cmdline, "vtl2_enabled", list, sizeof(list), "");
	while (*p) {
		uint64_t vp = 0;
		const char *start = p;

		while (*p >= '0' && *p <= '9' && vp <= HVSIM_MAX_VPS)
			vp = vp * 10 + (uint64_t)(*p++ - '0');
		if (p == start || (*p && *p != ',') ||
		    !hvsim_vtl2_enabled_from_start((uint32_t)vp))
			panic("vtl2_enabled: '%s': wants VP indices of this "
			      "machine, comma-separated",
			      list);
		if (*p)
			p++;
	}
}

/* inject=RULE[,RULE...], each "HYPERCALL:vp=V:status=S[:once]". */
static void add_injections(const char *cmdline)
{
	char rules[INJECT_MAX];
	const char *p = rules;

	cmdline_get_str(cmdline, "inject", rules, sizeof(rules), "");
	while (*p) {
		const char *end = p, *err;

		while (*end && *end != ',')
			end++;
		err = hvsim_inject_str(p, (size_t)(end - p));
		if (err)
			panic("inject '%.*s': %s", (int)(end - p), p, err);
		p = *end ? end + 1 : end;
	}
}

int scenario_main(const char *cmdline)
{
	const struct scenario_def *def = NULL;
	struct scenario_result result = { 0 };
	struct scenario_env env = {
		.cmdline = cmdline,
		.result = &result,
	};
	char name[32];
	int rc;

	cmdline_get_str(cmdline, "scenario", name, sizeof(name), "");
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			def = &scenarios[i];
	if (!def)
		panic("unknown scenario '%s'", name);
	env.seed = cmdline_get_u64(cmdline, "seed", 1);
	env.watchdog_ms =
		cmdline_get_u64(cmdline, "watchdog_ms", DEFAULT_WATCHDOG_MS);
	configure_hvsim(cmdline);
	preenable_vtl2(cmdline);
	add_injections(cmdline);
	printf("scenario: %s (seed %lu)\n", def->name, env.seed);
	rc = def->run(&env);
	if (rc == 0 && result.failures)
		rc = -1;
	printf("summary: scenario=%s vps=%u nodes=%u booted=%u started=%u "
	       "checks=%u failures=%u seed=%lu result=%s\n",
	       def->name, nr_cpus, result.nodes, result.booted, result.started,
	       result.checks, result.failures, env.seed, rc ? "fail" : "pass");
	return rc;
}
