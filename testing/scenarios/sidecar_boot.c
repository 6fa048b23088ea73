// SPDX-License-Identifier: MIT
/*
 * The boot part every sidecar scenario shares: the image from PVH module
 * 0, SidecarParams from driver/launch (node_size=, numa=, log=) and the
 * param= overrides, the entry call, and the checks of what the image
 * reports: a boot error only when one is expected (and then no VP may
 * have been started, nothing outside SidecarOutput written: see
 * sidecar_guard.c), otherwise every AP IDLE, or REMOVED with a reason
 * hvsim saw (a failed start, or an injected exception during the boot),
 * W^X page tables, node memory on its NUMA node; then driver/node
 * attached to every node, and IDLE VPs' command and register pages zero.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/rand.h>
#include <kernel/pvh.h>
#include <kernel/string.h>
#include <kernel/tsc.h>

#include <hvsim/hvsim.h>

#include "sidecar_boot.h"
#include "sidecar_guard.h"

#define LIST_MAX 768 /* the command line holds 1024 */

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)

/* numa=a,b,c */
static void parse_numa(const char *cmdline, struct shim_layout *l)
{
	char list[LIST_MAX];
	const char *p = list;

	cmdline_get_str(cmdline, "numa", list, sizeof(list), "");
	while (*p) {
		uint32_t v = 0;

		if (l->nr_numa == SHIM_MAX_NUMA)
			panic("numa=: more than %u nodes", SHIM_MAX_NUMA);
		if (*p < '0' || *p > '9')
			panic("numa=: expected a,b,... counts of CPUs");
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (uint32_t)(*p++ - '0');
		l->numa[l->nr_numa++] = v;
		if (*p == ',')
			p++;
	}
}

/*
 * param=A,B,... each FIELD=VALUE, node[i].FIELD=VALUE or
 * initial_state.FIELD=VALUE; with only_initial_state, just the last kind
 * (the launcher's input, before placement), silently.
 */
static void apply_params(const char *cmdline, struct sidecar_params *p,
			 bool only_initial_state)
{
	static char list[LIST_MAX];
	const char *s = list;

	cmdline_get_str(cmdline, "param", list, sizeof(list), "");
	while (*s) {
		const char *end = s, *err;

		while (*end && *end != ',')
			end++;
		if (only_initial_state && strncmp(s, "initial_state.", 14)) {
			s = *end ? end + 1 : end;
			continue;
		}
		err = shim_apply_param(p, s, (size_t)(end - s));
		if (err)
			panic("param '%.*s': %s", (int)(end - s), s, err);
		if (!only_initial_state)
			printf("shim: param %.*s\n", (int)(end - s), s);
		s = *end ? end + 1 : end;
	}
}

/* HEAD's per-CPU state from param=, for the launcher to boot_cpus=. */
static void initial_state(const char *cmdline, struct sidecar_per_cpu_state *st)
{
	static struct sidecar_params p;

	memset(&p, 0, sizeof(p));
	apply_params(cmdline, &p, true);
	*st = p.initial_state;
}

/* What @image, @params, ... in param= overrides stand for. */
static void set_symbols(const struct sidecar_boot *b)
{
	const struct shim_symbols s = {
		.image = b->image.base,
		/* The pages the image occupies, as the image counts them. */
		.image_end =
			b->image.base + ((b->image.size + 0xfff) & ~0xfffull),
		.params = (uintptr_t)b->params,
		.output = (uintptr_t)b->output,
		.hypercall_page = hvsim_hypercall_page_pa(),
	};

	shim_set_symbols(&s);
}

static void layout(const char *cmdline, struct shim_layout *l)
{
	uint32_t vps = hvsim_vp_count();

	memset(l, 0, sizeof(*l));
	for (uint32_t v = 0; v < vps; v++)
		if (!hvsim_vp_record(v))
			panic("shim: VP %u missing: VP indexes must be 0..%u",
			      v, vps - 1);
	l->node_size = (uint32_t)cmdline_get_u64(cmdline, "node_size", 32);
	l->log = cmdline_get_u64(cmdline, "log", 0) != 0;
	parse_numa(cmdline, l);
}

static void print_error(const struct sidecar_output *out)
{
	uint32_t len = out->error.len;

	printf("sidecar: boot error: %.*s\n", (int)len,
	       (const char *)out->error.buf);
}

/* Injected exceptions (hvsim Fault:) already fired before the entry. */
static uint64_t fault_rip_before[HVSIM_MAX_VPS];

static void note_faults_before(void)
{
	for (uint32_t v = 0; v < hvsim_vp_count() && v < HVSIM_MAX_VPS; v++)
		fault_rip_before[v] = hvsim_fault_rip(v);
}

/* Which VPs' injected exception fired during the entry. */
static void note_faults_after(struct sidecar_boot *b)
{
	for (uint32_t v = 0; v < hvsim_vp_count() && v < HVSIM_MAX_VPS; v++) {
		uint64_t rip = hvsim_fault_rip(v);

		/* Arming resets the RIP: 0 before, set now = fired now. */
		if (!rip || rip == fault_rip_before[v])
			continue;
		b->boot_fault[v] = true;
		b->boot_faults++;
		printf("sidecar: VP %u: injected fault fired during the boot "
		       "(rip 0x%lx)\n",
		       v, rip);
	}
}

/*
 * hvsim never saw a StartVirtualProcessor for vp: never accepted (still
 * OFF, no request time) and none in any VP's log, failed or not. *enabler
 * is the VP whose EnableVpVtl named it (its claimer), or HVSIM_NO_VP.
 */
static bool never_started(uint32_t vp, uint32_t *enabler)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(vp);
	static struct hvsim_log_entry log[HVSIM_LOG_SIZE];
	bool seen = false;

	*enabler = HVSIM_NO_VP;
	for (uint32_t v = 0; v < hvsim_vp_count(); v++) {
		uint32_t n = hvsim_log(v, log, HVSIM_LOG_SIZE);

		for (uint32_t k = 0; k < n; k++) {
			if (log[k].aux != vp)
				continue;
			seen |= log[k].code == HV_CALL_START_VIRTUAL_PROCESSOR;
			if (log[k].code == HV_CALL_ENABLE_VP_VTL)
				*enabler = v;
		}
	}
	return r && r->state == HVSIM_VP_OFF && !r->request_tsc && !seen;
}

/*
 * REMOVED is fine for a VP whose start hvsim saw fail; for one whose
 * injected exception fired during the boot (it never reported IDLE, the
 * image gave up on it after its bound); and for one hvsim never saw a
 * StartVirtualProcessor for while an injected exception fired during the
 * boot (a VP that faulted had claimed it). Anything else is a failure.
 */
static void check_removed(const struct scenario_env *env,
			  const struct sidecar_boot *b, uint32_t vp)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(vp);
	const char *call, *st;
	uint32_t enabler;

	if (r && r->start_failure_status) {
		call = hvsim_hypercall_name(r->start_failure_code);
		st = hv_status_name(r->start_failure_status);
		printf("sidecar: VP %u REMOVED: %s by VP %u failed with %s "
		       "(0x%x)\n",
		       vp, call ? call : "?", r->start_failure_caller,
		       st ? st : "?", r->start_failure_status);
		return;
	}
	if (vp < HVSIM_MAX_VPS && b->boot_fault[vp]) {
		printf("sidecar: VP %u REMOVED: its injected fault fired during "
		       "the boot (rip 0x%lx)\n",
		       vp, hvsim_fault_rip(vp));
		return;
	}
	if (b->boot_faults && never_started(vp, &enabler)) {
		if (enabler != HVSIM_NO_VP)
			printf("sidecar: VP %u REMOVED: never started "
			       "(EnableVpVtl by VP %u, no "
			       "StartVirtualProcessor), after an injected "
			       "fault\n",
			       vp, enabler);
		else
			printf("sidecar: VP %u REMOVED: never started (no "
			       "StartVirtualProcessor), after an injected "
			       "fault\n",
			       vp);
		return;
	}
	CHECK(false,
	      "VP %u is REMOVED, but hvsim saw no failed start for it, nor an "
	      "injected fault that explains it",
	      vp);
}

/* initial_state gives vp to the main kernel. */
static bool kernel_started(const struct sidecar_params *p, uint32_t vp)
{
	const struct sidecar_per_cpu_state *st = &p->initial_state;

	return st->per_cpu_state_specified &&
	       vp < SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE &&
	       !st->sidecar_starts_cpu[vp];
}

/*
 * A VP the main kernel starts: REMOVED from the outset, and the image
 * never touched it: hvsim saw no EnableVpVtl and no StartVirtualProcessor
 * for it (its records: state, request time, every VP's hypercall log).
 */
static void check_kernel_started(const struct scenario_env *env, uint32_t vp,
				 uint8_t status)
{
	uint32_t enabler;
	bool untouched = never_started(vp, &enabler);

	CHECK(status == SIDECAR_CPU_STATUS_REMOVED,
	      "VP %u: initial_state gives it to the main kernel, but its "
	      "status is %u",
	      vp, status);
	CHECK(untouched && enabler == HVSIM_NO_VP,
	      "VP %u: initial_state gives it to the main kernel, but hvsim "
	      "saw %s for it",
	      vp,
	      enabler != HVSIM_NO_VP ? "an EnableVpVtl" :
				       "a StartVirtualProcessor");
	if (status == SIDECAR_CPU_STATUS_REMOVED && untouched &&
	    enabler == HVSIM_NO_VP)
		printf("sidecar: VP %u REMOVED: kernel-started by initial_state, "
		       "never started (no EnableVpVtl, no "
		       "StartVirtualProcessor)\n",
		       vp);
}

/* The per-VP page table maps slot 511 only, and nothing W+X. */
static void check_address_space(const struct scenario_env *env, uint32_t vp)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(vp);
	const uint64_t *pml4 = (const uint64_t *)(uintptr_t)r->cr3;
	uint32_t used = 0;

	for (uint32_t i = 0; i < 511; i++)
		used += pml4[i] != 0;
	CHECK(used == 0, "VP %u: %u PML4 slots besides 511 in use", vp, used);
	CHECK(hvsim_report_wx(r->cr3, "sidecar VP") == 0,
	      "VP %u: no writable+executable page", vp);
	if (cmdline_get_u64(env->cmdline, "pt_dump", HVSIM_NO_VP) == vp)
		hvsim_print_mappings(r->cr3, "pt_dump");
}

/* Node memory on the NUMA node the launcher chose, which is local. */
static void check_numa(const struct scenario_env *env, struct sidecar_boot *b,
		       uint32_t i)
{
	const struct sidecar_node_params *np = &b->params->nodes[i];
	uint32_t first, last;

	if (i >= b->plan_nodes)
		return; /* a node param= added */
	CHECK(shim_numa_of(np->memory_base, &first) &&
		      shim_numa_of(np->memory_base + np->memory_size - 1,
				   &last) &&
		      first == b->plan.mem_numa[i] && last == first,
	      "node %u: memory 0x%lx is not on NUMA node %u", i,
	      np->memory_base, b->plan.mem_numa[i]);
	CHECK(b->plan.mem_numa[i] == b->plan.cpu_numa[i],
	      "node %u: memory on NUMA node %u, its CPUs on %u", i,
	      b->plan.mem_numa[i], b->plan.cpu_numa[i]);
}

static uint32_t ceil_log2(uint32_t n)
{
	uint32_t k = 0;

	while ((1u << k) < n)
		k++;
	return k;
}

uint32_t sidecar_start_depth(const struct sidecar_boot *b, uint32_t node,
			     uint32_t *bound)
{
	const struct sidecar_node_params *np = &b->params->nodes[node];
	uint32_t depth = 0;

	for (uint32_t v = np->base_vp; v - np->base_vp < np->vp_count; v++) {
		const struct hvsim_vp_record *r = hvsim_vp_record(v);

		if (r && r->parent != HVSIM_NO_VP && r->depth > depth)
			depth = r->depth;
	}
	*bound = ceil_log2(np->vp_count);
	return depth;
}

static void check_node(const struct scenario_env *env, struct sidecar_boot *b,
		       uint32_t i)
{
	uint32_t bound, depth = sidecar_start_depth(b, i, &bound);

	const struct sidecar_node_params *np = &b->params->nodes[i];
	const struct sidecar_node_output *no = &b->output->nodes[i];
	struct sidecar_control_page *cp;
	int r;

	printf("sidecar: node %u: control 0x%lx shmem 0x%lx+0x%lx\n", i,
	       no->control_page, no->shmem_pages_base, no->shmem_pages_size);
	cp = (void *)(uintptr_t)no->control_page;
	printf("sidecar: node %u: request_vector 0x%x\n", i,
	       cp->request_vector);
	check_numa(env, b, i);
	/* The image's claim, however the starts raced: every boot holds it. */
	CHECK(depth <= bound,
	      "node %u: start tree %u deep, more than ceil(log2 %u) = %u", i,
	      depth, np->vp_count, bound);
	for (uint32_t j = 1; j < np->vp_count; j++) {
		uint32_t vp = np->base_vp + j;
		uint8_t s = sidecar_cpu_status_load(cp, j);

		if (kernel_started(b->params, vp)) {
			check_kernel_started(env, vp, s);
			continue;
		}
		if (s == SIDECAR_CPU_STATUS_IDLE) {
			env->result->booted++;
			check_address_space(env, vp);
		} else if (s == SIDECAR_CPU_STATUS_REMOVED) {
			check_removed(env, b, vp);
		} else {
			CHECK(false, "VP %u in status %u after boot", vp, s);
		}
	}
	/* The driver checks the page, the shared memory and the statuses. */
	r = shim_node_attach(&b->nodes[i], i, b->params, b->output,
			     sidecar_timeout_ns(env));
	CHECK(r == 0, "node %u: attach failed: %s", i, sd_strerror(r));
	if (r == 0)
		b->nr_nodes = i + 1;
	for (uint32_t j = 1; r == 0 && j < np->vp_count; j++)
		if (kernel_started(b->params, np->base_vp + j))
			CHECK(sd_vp_state(&b->nodes[i], np->base_vp + j) ==
				      SD_VP_REMOVED,
			      "VP %u: the driver has a kernel-started VP as "
			      "not REMOVED",
			      np->base_vp + j);
}

bool sidecar_boot_entry(const struct scenario_env *env, struct sidecar_boot *b)
{
	bool expect_error =
		cmdline_get_u64(env->cmdline, "expect_boot_error", 0) != 0;
	struct sidecar_per_cpu_state st;
	struct shim_layout l;
	const char *err;
	uint64_t t0, params_pa;

	memset(b, 0, sizeof(*b));
	shim_nodes_detach();
	if (!boot_info.nr_modules)
		panic("sidecar: no image: pass it as a PVH module (-initrd)");
	err = shim_load_image(boot_info.modules[0].paddr,
			      boot_info.modules[0].size, &b->image);
	if (err)
		panic("sidecar: image: %s", err);
	printf("sidecar: image at 0x%lx, 0x%lx bytes, entry 0x%lx\n",
	       b->image.base, b->image.size, b->image.entry);
	/*
	 * With 1 MiB to themselves: node memory that a test puts at @params
	 * or @output overlaps those pages and nothing else, wherever the
	 * allocator finds room (a hole below the image included).
	 */
	params_pa = pmem_alloc(0x100000, 4096, "params, output and a gap");
	b->params = (void *)(uintptr_t)params_pa;
	b->output = (void *)(uintptr_t)(params_pa + 4096);
	layout(env->cmdline, &l);
	initial_state(env->cmdline, &st);
	b->launch = shim_launch(&l, hvsim_hypercall_page_pa(), &st, b->params,
				&b->plan);
	b->plan_nodes = b->params->node_count;
	/* Refused parameters are a test of the image: hand them over. */
	if (b->launch != SD_LAUNCH_OK && !expect_error)
		CHECK(false, "the launcher did not place the sidecar: %s",
		      b->plan.message);
	guard_record(b);
	set_symbols(b);
	apply_params(env->cmdline, b->params, false);
	shim_print_params(b->params);
	env->result->nodes = b->params->node_count;

	guard_fill(b);
	note_faults_before();
	t0 = rdtsc();
	b->entry_ok = shim_call_entry(&b->image, (uintptr_t)b->params,
				      (uintptr_t)b->output,
				      hvsim_hypercall_page_pa());
	b->entry_tsc = t0;
	b->entry_cycles = rdtsc() - t0;
	printf("sidecar: entry returned %s after %lu us\n",
	       b->entry_ok ? "true" : "false",
	       tsc_cycles_to_ns(b->entry_cycles) / 1000);
	env->result->started = hvsim_started();
	note_faults_after(b);
	return b->entry_ok;
}

bool sidecar_boot(const struct scenario_env *env, struct sidecar_boot *b)
{
	bool expect_error =
		cmdline_get_u64(env->cmdline, "expect_boot_error", 0) != 0;

	sidecar_boot_entry(env, b);
	if (expect_error) {
		if (!b->entry_ok)
			print_error(b->output);
		CHECK(!b->entry_ok, "the entry succeeded, a boot error was "
				    "expected");
		CHECK(hvsim_start_requests() == 0,
		      "%u StartVirtualProcessor calls despite the boot error",
		      hvsim_start_requests());
		guard_check_refused(env, b);
		return false;
	}
	if (!b->entry_ok) {
		print_error(b->output);
		CHECK(false, "the sidecar failed to boot");
		return false;
	}
	if (env->result->failures)
		return false;
	CHECK(hvsim_check_arrivals(), "every VP hvsim started is running");
	hvsim_print_start_tree();
	for (uint32_t i = 0; i < b->params->node_count; i++)
		check_node(env, b, i);
	guard_check_booted(env, b);
	return env->result->failures == 0;
}

struct sd_node *sidecar_node_of(struct sidecar_boot *b, uint32_t vp)
{
	for (uint32_t i = 0; i < b->nr_nodes; i++)
		if (sd_node_vp_pages(&b->nodes[i], vp))
			return &b->nodes[i];
	return NULL;
}

bool sidecar_vp_usable(struct sidecar_boot *b, uint32_t vp)
{
	struct sd_node *n = sidecar_node_of(b, vp);

	return n && sd_vp_state(n, vp) == SD_VP_AVAIL;
}

uint32_t sidecar_usable_vps(struct sidecar_boot *b, uint32_t *vps, uint32_t max)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < b->nr_nodes; i++) {
		struct sd_node *n = &b->nodes[i];

		for (uint32_t j = 1; j < n->cpu_count && count < max; j++)
			if (sd_vp_state(n, n->base_cpu + j) == SD_VP_AVAIL)
				vps[count++] = n->base_cpu + j;
	}
	return count;
}

uint32_t sidecar_usable_vps_shuffled(struct sidecar_boot *b, uint32_t *vps,
				     uint32_t max, uint64_t seed)
{
	uint32_t count = sidecar_usable_vps(b, vps, max);
	struct rand rng;

	/* Fisher-Yates: the order varies with the seed, reproducibly. */
	rand_seed(&rng, seed);
	for (uint32_t i = count; i > 1; i--) {
		uint32_t k = rand_below(&rng, i), t = vps[i - 1];

		vps[i - 1] = vps[k];
		vps[k] = t;
	}
	return count;
}

uint64_t sidecar_timeout_ns(const struct scenario_env *env)
{
	return env->watchdog_ms * 1000000ull;
}

bool sidecar_client(const struct scenario_env *env, struct sidecar_boot *b,
		    uint32_t vp, struct sd_client_vp *c)
{
	struct sd_node *n = sidecar_node_of(b, vp);
	int r;

	if (!CHECK(n && vp < HVSIM_MAX_VPS,
		   "VP %u: no client (not a sidecar CPU)", vp))
		return false;
	/*
	 * A VP has one handle at a time. Scenarios run on the BSP alone and
	 * take a fresh handle per phase: the previous one (idle by then)
	 * is closed here for them.
	 */
	if (b->client_open[vp]) {
		int s = sd_vp_state(n, vp);

		if (!CHECK(s != SD_VP_ASYNC && s != SD_VP_STOP_PENDING &&
				   s != SD_VP_ASYNC_STOPPING &&
				   s != SD_VP_ASYNC_STOPPED,
			   "VP %u: a new client while the old one runs", vp))
			return false;
		sd_vp_close(n, vp);
	}
	r = sd_client_vp_init(c, n, vp, sidecar_timeout_ns(env));
	b->client_open[vp] = r == 0;
	return CHECK(r == 0, "VP %u: no client: %s", vp, sd_strerror(r));
}

bool sidecar_client_ok(const struct scenario_env *env, int r,
		       const struct sd_client_error *e, uint32_t vp,
		       const char *what)
{
	return CHECK(r == 0, "VP %u: %s: %s (%s)", vp, what, e->msg,
		     sd_strerror(r));
}
