// SPDX-License-Identifier: MIT
/*
 * Memory the image must not write, and pages it must hand over zeroed
 * (see sidecar_guard.h). The pattern depends on the address, so a copy
 * or a shifted write shows as well as a plain store.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "sidecar_guard.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define PATTERN 0xa55aa55a5aa55aa5ull
#define PAGE 4096ull

static struct {
	uint32_t nr;
	uint64_t base[SIDECAR_MAX_NODES];
	uint64_t size[SIDECAR_MAX_NODES];
} owned;
static uint8_t params_copy[PAGE] __attribute__((aligned(8)));
static uint8_t hcall_copy[PAGE] __attribute__((aligned(8)));

static uint64_t pattern(uint64_t pa)
{
	return PATTERN ^ pa;
}

static void fill(uint64_t base, uint64_t size)
{
	uint64_t *w = (uint64_t *)(uintptr_t)base;

	for (uint64_t i = 0; i < size / 8; i++)
		w[i] = pattern(base + i * 8);
}

/* Words of [base, base + size) that lost the pattern; *first the lowest. */
static uint64_t changed(uint64_t base, uint64_t size, uint64_t *first)
{
	const uint64_t *w = (const uint64_t *)(uintptr_t)base;
	uint64_t n = 0;

	for (uint64_t i = 0; i < size / 8; i++) {
		if (w[i] == pattern(base + i * 8))
			continue;
		if (!n++)
			*first = base + i * 8;
	}
	return n;
}

static void check_pattern(const struct scenario_env *env, const char *what,
			  uint32_t i, uint64_t base, uint64_t size)
{
	uint64_t first = 0, n = changed(base, size, &first);

	CHECK(n == 0, "%s %u [0x%lx, 0x%lx): %lu words written, first at 0x%lx",
	      what, i, base, base + size, n, first);
}

void guard_record(const struct sidecar_boot *b)
{
	owned.nr = b->params->node_count;
	for (uint32_t i = 0; i < owned.nr; i++) {
		owned.base[i] = b->params->nodes[i].memory_base;
		owned.size[i] = b->params->nodes[i].memory_size;
	}
}

void guard_fill(const struct sidecar_boot *b)
{
	for (uint32_t i = 0; i < owned.nr; i++)
		fill(owned.base[i], owned.size[i]);
	fill((uintptr_t)b->output, PAGE);
	memcpy(params_copy, b->params, PAGE);
	memcpy(hcall_copy, (const void *)(uintptr_t)hvsim_hypercall_page_pa(),
	       PAGE);
}

/* Pages nobody but the shim writes, whatever the outcome. */
static void check_common(const struct scenario_env *env,
			 const struct sidecar_boot *b)
{
	uint64_t tail = sizeof(struct sidecar_output);

	CHECK(!memcmp(params_copy, b->params, PAGE),
	      "the image wrote into the params page");
	CHECK(!memcmp(hcall_copy,
		      (const void *)(uintptr_t)hvsim_hypercall_page_pa(), PAGE),
	      "the image wrote into the hypercall page it was given");
	check_pattern(env, "output page tail", 0, (uintptr_t)b->output + tail,
		      PAGE - tail);
}

void guard_check_refused(const struct scenario_env *env,
			 const struct sidecar_boot *b)
{
	uint32_t calls = 0, found = 0;

	check_common(env, b);
	for (uint32_t i = 0; i < owned.nr; i++)
		check_pattern(env, "node memory", i, owned.base[i],
			      owned.size[i]);
	guard_error_text(env, "boot error", &b->output->error);
	for (uint32_t v = 0; v < hvsim_vp_count(); v++) {
		const struct hvsim_vp_record *r = hvsim_vp_record(v);
		struct hvsim_log_entry log[HVSIM_LOG_SIZE];
		uint32_t n = hvsim_log(v, log, HVSIM_LOG_SIZE);

		if (!r)
			continue;
		calls += r->calls + r->vtl_returns;
		for (uint32_t k = 0; k < n; k++)
			found += log[k].code == HV_CALL_ENABLE_VP_VTL ||
				 log[k].code == HV_CALL_START_VIRTUAL_PROCESSOR;
		CHECK(v == hvsim_bsp() || r->state == HVSIM_VP_OFF,
		      "VP %u in hvsim state %u after a refused boot", v,
		      r->state);
	}
	/* Validation comes first: not even the VSM registers are read. */
	CHECK(calls == 0, "%u hypercalls despite the boot error", calls);
	CHECK(found == 0, "%u EnableVpVtl/StartVirtualProcessor calls", found);
}

static bool all_zero(const void *p, uint64_t size)
{
	const uint64_t *w = p;

	for (uint64_t i = 0; i < size / 8; i++)
		if (w[i])
			return false;
	return true;
}

void guard_check_booted(const struct scenario_env *env, struct sidecar_boot *b)
{
	check_common(env, b);
	for (uint32_t i = 0; i < b->params->node_count; i++) {
		struct sd_node *n = &b->nodes[i];

		/* Its pages are known from the driver's attach only. */
		if (!CHECK(i < b->nr_nodes &&
				   n->cpu_count == b->params->nodes[i].vp_count,
			   "node %u not attached: its VPs' pages unchecked", i))
			continue;
		for (uint32_t j = 1; j < n->cpu_count; j++) {
			uint32_t vp = n->base_cpu + j;
			const struct sidecar_vp_shared_pages *pages;

			/* IDLE after boot, as the image reported it. */
			if (sidecar_cpu_status_load(n->control, j) !=
			    SIDECAR_CPU_STATUS_IDLE)
				continue;
			pages = sd_node_vp_pages(n, vp);
			CHECK(all_zero(&pages->command_page, PAGE),
			      "VP %u: command page not zeroed at boot", vp);
			CHECK(all_zero(&pages->register_page, PAGE),
			      "VP %u: register page not zeroed at boot", vp);
		}
	}
}

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7). */
static uint32_t utf8_len(const uint8_t *s, uint32_t avail)
{
	uint8_t b = s[0], lo, hi;
	uint32_t n;

	if (b < 0x80)
		return 1;
	if (b < 0xc2 || b > 0xf4)
		return 0;
	n = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
	lo = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : 0x80;
	hi = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : 0xbf;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (uint32_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

bool guard_error_text(const struct scenario_env *env, const char *what,
		      const struct sidecar_command_error *e)
{
	uint32_t len = e->len, i = 0, n = 1;

	while (i < len && n) {
		n = utf8_len(e->buf + i, len - i);
		/* One line of text: no NUL, no control characters. */
		if (n == 1 && (e->buf[i] < 0x20 || e->buf[i] == 0x7f))
			n = 0;
		i += n;
	}
	printf("guard: %s: %u bytes%s\n", what, len,
	       n ? ", well-formed UTF-8" : "");
	return CHECK(len > 0 && len <= SIDECAR_ERROR_MAX_LEN && n,
		     "%s: length %u, %s at byte %u", what, len,
		     n ? "fine" : "not well-formed UTF-8 text", i);
}
