// SPDX-License-Identifier: MIT
/*
 * scenario=error-bounds: the longest errors the image can produce, read
 * from its real output and command pages. First boot parameters with the
 * biggest numbers in every validation message (node 127, 16-digit
 * addresses, 10-digit VP numbers), each on a freshly loaded image, each
 * refused with exactly the expected text and no hypercall; then a normal
 * boot and the command errors with the biggest numbers (unknown command
 * 4294967295, register count 65535, MXCSR 0xffffffff) on every booted
 * VP, each command page filled by hand and run with driver/node. Every
 * text must be at most 255 bytes of well-formed UTF-8, and NONE (through
 * driver/client) must clear it.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/pmem.h>
#include <kernel/pvh.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_guard.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define LAST (SIDECAR_MAX_NODES - 1)
#define FAR 0xff00000000000000ull /* not RAM: nothing may touch it */
#define VPS_MAX SIDECAR_MAX_VPS_PER_NODE

static struct sidecar_boot boot;
static struct sidecar_params *params;
static struct sidecar_output *output;
static char want[320];

/* 128 valid nodes far apart in memory and VP numbers. */
static void valid_params(void)
{
	memset(params, 0, sizeof(*params));
	params->hypercall_page = hvsim_hypercall_page_pa();
	params->node_count = SIDECAR_MAX_NODES;
	for (uint32_t i = 0; i < SIDECAR_MAX_NODES; i++) {
		struct sidecar_node_params *n = &params->nodes[i];

		n->base_vp = i * VPS_MAX;
		n->vp_count = VPS_MAX;
		n->memory_base = FAR + (uint64_t)i * 0x10000000000ull;
		n->memory_size = sidecar_required_memory(VPS_MAX);
	}
}

/* One refused boot of a fresh image: the text, and nothing started. */
static void refuse(const struct scenario_env *env, const char *what)
{
	struct shim_image img;
	const char *err = shim_load_image(boot_info.modules[0].paddr,
					  boot_info.modules[0].size, &img);
	bool ok;

	if (!CHECK(!err, "loading the image: %s", err))
		return;
	memset(output, 0, 4096);
	ok = shim_call_entry(&img, (uintptr_t)params, (uintptr_t)output,
			     hvsim_hypercall_page_pa());
	printf("error-bounds: %s: \"%.*s\"\n", what, output->error.len,
	       (const char *)output->error.buf);
	CHECK(!ok, "%s: the entry accepted it", what);
	guard_error_text(env, what, &output->error);
	CHECK(output->error.len == strlen(want) &&
		      !memcmp(output->error.buf, want, strlen(want)),
	      "%s: expected \"%s\"", what, want);
	CHECK(hvsim_start_requests() == 0 &&
		      hvsim_vp_record(hvsim_bsp())->calls == 0,
	      "%s: the image made hypercalls", what);
}

static void boot_errors(const struct scenario_env *env)
{
	struct sidecar_node_params *last = &params->nodes[LAST];
	struct sidecar_node_params *prev = &params->nodes[LAST - 1];

	valid_params();
	params->node_count = UINT32_MAX;
	snprintf(want, sizeof(want), "node_count 4294967295 not in 1..=128");
	refuse(env, "node_count");

	valid_params();
	params->hypercall_page = 0xfffffffffffff001ull;
	snprintf(want, sizeof(want),
		 "hypercall_page 0xfffffffffffff001 not page aligned");
	refuse(env, "hypercall_page");

	valid_params();
	last->vp_count = UINT32_MAX;
	snprintf(want, sizeof(want),
		 "node 127: vp_count 4294967295 not in 2..=4032");
	refuse(env, "vp_count");

	valid_params();
	last->memory_base = UINT64_MAX;
	snprintf(want, sizeof(want),
		 "node 127: memory_base 0xffffffffffffffff not page aligned");
	refuse(env, "memory_base");

	valid_params();
	last->memory_size = UINT64_MAX;
	snprintf(want, sizeof(want),
		 "node 127: memory_size 0xffffffffffffffff not a page "
		 "multiple");
	refuse(env, "memory_size");

	valid_params();
	last->memory_size -= 0x1000;
	snprintf(want, sizeof(want),
		 "node 127: memory_size 0x%lx < required 0x%lx",
		 last->memory_size, sidecar_required_memory(VPS_MAX));
	refuse(env, "required");

	valid_params();
	last->memory_base = 0xfffffffffffff000ull;
	last->memory_size = 0xfffffffffffff000ull;
	snprintf(want, sizeof(want),
		 "node 127: memory_base 0xfffffffffffff000 + memory_size "
		 "0xfffffffffffff000 overflows");
	refuse(env, "memory overflow");

	valid_params();
	last->base_vp = UINT32_MAX;
	snprintf(want, sizeof(want),
		 "node 127: base_vp 4294967295 + vp_count 4032 overflows");
	refuse(env, "VP overflow");

	valid_params();
	last->memory_base = prev->memory_base = 0xfffffff000000000ull;
	snprintf(want, sizeof(want),
		 "node 127: memory [0xfffffff000000000, 0x%lx) overlaps node "
		 "126 memory [0xfffffff000000000, 0x%lx)",
		 last->memory_base + last->memory_size,
		 prev->memory_base + prev->memory_size);
	refuse(env, "memory overlap");

	/* 2 VPs: the memory stays inside the gap after the output page. */
	valid_params();
	last->memory_base = (uintptr_t)output;
	last->vp_count = 2;
	last->memory_size = sidecar_required_memory(2);
	snprintf(want, sizeof(want),
		 "node 127: memory [0x%lx, 0x%lx) overlaps the output page "
		 "[0x%lx, 0x%lx)",
		 last->memory_base, last->memory_base + last->memory_size,
		 (uint64_t)(uintptr_t)output,
		 (uint64_t)(uintptr_t)output + 4096);
	refuse(env, "output overlap");

	valid_params();
	last->base_vp = prev->base_vp = UINT32_MAX - VPS_MAX;
	snprintf(want, sizeof(want),
		 "node 127: VPs [4294963263, 4294967295) overlap node 126 VPs "
		 "[4294963263, 4294967295)");
	refuse(env, "VP overlap");
}

/*
 * One command that must fail with exactly `want` (the page filled by
 * hand, run with driver/node), then NONE (driver/client) clears it.
 */
static void command_error(const struct scenario_env *env,
			  struct sd_client_vp *c, uint32_t command,
			  const char *what)
{
	struct sidecar_command_page *page = c->page;
	struct sd_client_error e;
	struct sd_claim claim;
	int r;

	r = sd_vp_claim(c->node, c->vp, &claim);
	if (!CHECK(r == 0, "VP %u: %s: claim: %s", c->vp, what, sd_strerror(r)))
		return;
	page->command = command;
	r = sd_vp_run(c->node, &claim, sidecar_timeout_ns(env));
	if (!CHECK(r == 0, "VP %u: %s: the command did not complete: %s", c->vp,
		   what, sd_strerror(r)))
		return;
	CHECK(page->has_error, "VP %u: %s succeeded", c->vp, what);
	printf("error-bounds: VP %u %s: \"%.*s\"\n", c->vp, what,
	       page->error.len, (const char *)page->error.buf);
	guard_error_text(env, what, &page->error);
	CHECK(page->error.len == strlen(want) &&
		      !memcmp(page->error.buf, want, strlen(want)),
	      "VP %u: %s: expected \"%s\"", c->vp, what, want);
	r = sd_client_test(c, &e);
	CHECK(r == 0 && !page->has_error && page->error.len == 0,
	      "VP %u: NONE after %s (%s) left has_error %u, %u bytes of text",
	      c->vp, what, r ? e.msg : "ok", page->has_error, page->error.len);
}

/* What this CPU's FXSAVE says (every vCPU is the same model). */
static uint32_t mxcsr_mask(void)
{
	uint8_t area[512] __attribute__((aligned(16)));
	uint32_t mask;

	__asm__ volatile("fxsave %0" : "=m"(area));
	memcpy(&mask, area + 28, sizeof(mask));
	return mask ? mask : 0xffbf;
}

static void command_errors(const struct scenario_env *env,
			   struct sd_client_vp *c)
{
	struct sidecar_command_page *page = c->page;
	struct sidecar_get_set_vp_register_request *req =
		sidecar_get_set_vp_register_request_of(page);

	snprintf(want, sizeof(want), "unknown command 4294967295");
	command_error(env, c, UINT32_MAX, "unknown command");

	memset(page->request_data, 0, sizeof(page->request_data));
	req->count = UINT16_MAX;
	snprintf(want, sizeof(want), "invalid register count 65535 (0..=31)");
	command_error(env, c, SIDECAR_COMMAND_GET_VP_REGISTERS,
		      "register count");

	memset(page, 0, sizeof(*page));
	page->cpu_context.fx_state.mxcsr = UINT32_MAX;
	snprintf(want, sizeof(want),
		 "cpu_context: MXCSR 0xffffffff sets reserved bits "
		 "(MXCSR_MASK 0x%x)",
		 mxcsr_mask());
	command_error(env, c, SIDECAR_COMMAND_RUN_VP, "MXCSR");
}

int scenario_error_bounds(const struct scenario_env *env)
{
	uint32_t vps[HVSIM_MAX_VPS], count, tested = 0;

	params = (void *)(uintptr_t)pmem_alloc_page("error-bounds params");
	output = (void *)(uintptr_t)pmem_alloc_page("error-bounds output");
	/* A gap after the output page that node memory can overlap alone. */
	pmem_alloc(0x100000, 4096, "error-bounds gap");
	boot_errors(env);
	if (!sidecar_boot(env, &boot))
		return -1;
	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp c;

		if (!sidecar_client(env, &boot, vps[i], &c))
			continue;
		command_errors(env, &c);
		tested++;
	}
	shim_platform_stop();
	CHECK(tested == env->result->booted,
	      "command errors on %u of %u booted VPs", tested,
	      env->result->booted);
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	printf("error-bounds: command errors on %u VPs\n", tested);
	return env->result->failures ? -1 : 0;
}
