// SPDX-License-Identifier: MIT
/*
 * scenario=bench [rounds=N]: the figures //testing:bench reports, printed
 * as `bench: KEY k=v ...` lines in TSC cycles (testing/bench/report.py):
 *
 *   boot     entry to every VP out of RUN, and hvsim's start tree;
 *   none     NONE round trips through driver/client on every VP;
 *   pair     the same NONE samples next to bare ping-pongs with a
 *            reference CPU (a VP removed and restarted as a kernel CPU),
 *            one of each in turn, so both see the same host load: the
 *            wall-clock NONE/IPI ratio comes from these;
 *   regs     GET of 1, 31 and 100 registers and SET of 31, per call;
 *   cancel   RUN_VP cancel: STOP to IDLE seen, the model waiting;
 *   remove   REMOVE of every VP, one sample each;
 *   ipi      the bare x2APIC ping-pong on up to 4 of those CPUs, spread
 *            over them, restarted as kernel CPUs: the reference every
 *            round trip is divided by;
 *   memory   node memory per VP against sidecar_required_memory;
 *   cmd      one line per command, name=none get1 get31 set1 set31
 *            translate run_intercept cancel remove ipi: p50 and p99 of
 *            one client call, for the <name>_ticks columns (under
 *            --deterministic, instructions; the budget test holds them).
 *
 * The BSP waits by spinning with interrupts on for both the driver and the
 * ping-pong, so the two round trips differ only in what the sidecar does.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/idt.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/smp.h>
#include <kernel/sort.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar/driver/client.h"
#include "sidecar_boot.h"
#include "sidecar_restart.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define MAX_VPS HVSIM_MAX_VPS
#define MAX_SAMPLES 65536
#define PING_VECTOR 0xf4
/* CPUs the bare ping-pong figure is taken on (see bench_ipi). */
#define IPI_CPUS 4
#define PONG_VECTOR 0xf5

static struct sidecar_boot boot;
static uint64_t samples[MAX_SAMPLES];
static uint64_t pair_samples[MAX_SAMPLES];
static uint32_t pongs;
static struct hv_register_assoc regs[100];

/* The p-th percentile of the n sorted values a[]. */
static uint64_t percentile_of(const uint64_t *a, uint64_t n, unsigned int p)
{
	uint64_t rank = (p * n + 99) / 100;

	return a[rank ? rank - 1 : 0];
}

static uint64_t percentile(uint64_t n, unsigned int p)
{
	return percentile_of(samples, n, p);
}

/* Sorts the n samples and prints `bench: KEY p50=.. p99=.. samples=n`. */
static void print_percentiles(const char *key, uint64_t n)
{
	if (!n)
		return;
	sort_u64(samples, n);
	printf("bench: %s p50=%lu p99=%lu samples=%lu\n", key,
	       percentile(n, 50), percentile(n, 99), n);
}

/* As print_percentiles, and the same figure as a `bench: cmd` line. */
static void print_cmd(const char *key, const char *name, uint64_t n)
{
	if (!n)
		return;
	print_percentiles(key, n);
	printf("bench: cmd name=%s p50=%lu p99=%lu samples=%lu\n", name,
	       percentile(n, 50), percentile(n, 99), n);
}

/* One timed client call on c; false (after a failed check) to stop. */
typedef bool (*timed_op)(const struct scenario_env *env, struct sd_client_vp *c,
			 uint64_t *ticks);

/* rounds x every VP of op, as `bench: cmd name=...`. */
static bool bench_cmd(const struct scenario_env *env, const uint32_t *vps,
		      uint32_t n, uint32_t rounds, const char *name,
		      timed_op op)
{
	uint64_t k = 0;

	for (uint32_t r = 0; r < rounds; r++) {
		for (uint32_t i = 0; i < n && k < MAX_SAMPLES; i++) {
			struct sd_client_vp c;

			if (!sidecar_client(env, &boot, vps[i], &c) ||
			    !op(env, &c, &samples[k++]))
				return false;
		}
	}
	sort_u64(samples, k);
	printf("bench: cmd name=%s p50=%lu p99=%lu samples=%lu\n", name,
	       percentile(k, 50), percentile(k, 99), k);
	return true;
}

static bool op_set1(const struct scenario_env *env, struct sd_client_vp *c,
		    uint64_t *ticks)
{
	struct sd_client_error e;
	uint64_t t0 = rdtsc_ordered();
	int rc = sd_client_set_registers(c, 0, regs, 1, &e);

	*ticks = rdtsc_ordered() - t0;
	return sidecar_client_ok(env, rc, &e, c->vp, "SET 1");
}

/* No paging in VTL0 (CR0.PE only): GVA = GPA, the walk is trivial. */
static bool op_translate(const struct scenario_env *env, struct sd_client_vp *c,
			 uint64_t *ticks)
{
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sd_client_error e;
	struct hv_u128 cr0 = { X86_CR0_PE, 0 };
	uint64_t t0;
	int rc;

	hvsim_set_register(c->vp, 0, HV_REGISTER_CR0, cr0);
	t0 = rdtsc_ordered();
	rc = sd_client_translate_gva(
		c, 0x400,
		HV_TRANSLATE_GVA_VALIDATE_READ |
			((uint64_t)0 << HV_TRANSLATE_GVA_INPUT_VTL_SHIFT),
		&out, &e);
	*ticks = rdtsc_ordered() - t0;
	return sidecar_client_ok(env, rc, &e, c->vp, "TRANSLATE_GVA") &&
	       CHECK(hv_translate_gva_result_code(
			     out.translation_result.result) ==
				     HV_TRANSLATE_GVA_SUCCESS &&
			     out.gpa_page == 0x400,
		     "VP %u: translate: result 0x%lx gpa_page 0x%lx", c->vp,
		     out.translation_result.result, out.gpa_page);
}

/* What VTL0 does in the RUN_VP figure: guest_steps, out after one step. */
static void lower_vtl_exits_at_once(uint32_t vp)
{
	run_guest(vp, 1);
}

/* RUN_VP to an intercept: start to the wait's return. */
static bool op_run_intercept(const struct scenario_env *env,
			     struct sd_client_vp *c, uint64_t *ticks)
{
	struct sd_client_error e;
	bool intercept = false;
	uint64_t t0;
	int rc;

	lower_vtl_exits_at_once(c->vp);
	t0 = rdtsc_ordered();
	rc = sd_client_run(c, &e);
	if (rc == 0)
		rc = sd_client_wait(c, sidecar_timeout_ns(env), &intercept, &e);
	*ticks = rdtsc_ordered() - t0;
	return sidecar_client_ok(env, rc, &e, c->vp, "RUN_VP") &&
	       CHECK(intercept, "VP %u: RUN_VP ended without an intercept",
		     c->vp);
}

static void print_boot(void)
{
	printf("bench: boot cycles=%lu\n", boot.entry_cycles);
	for (uint32_t vp = 0; vp < hvsim_vp_count(); vp++) {
		const struct hvsim_vp_record *r = hvsim_vp_record(vp);

		if (!r || r->parent == HVSIM_NO_VP || !r->launch_tsc)
			continue;
		printf("bench: start parent=%u child=%u depth=%u req=%lu "
		       "launch=%lu\n",
		       r->parent, vp, r->depth, r->request_tsc - boot.entry_tsc,
		       r->launch_tsc - boot.entry_tsc);
	}
}

static void ping_irq(struct irq_frame *f)
{
	(void)f;
	x2apic_send_ipi(cpus[0].apic_id, PONG_VECTOR);
}

static void pong_irq(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&pongs, 1, __ATOMIC_RELEASE);
}

/* One bare ping-pong with x2APIC ID apic; false (checked) if no PONG. */
static bool ping_pong(const struct scenario_env *env, uint32_t vp,
		      uint32_t apic, uint64_t *ticks)
{
	uint64_t timeout = tsc_ms_to_cycles(env->watchdog_ms);
	uint32_t want = __atomic_load_n(&pongs, __ATOMIC_RELAXED) + 1;
	uint64_t t0 = rdtsc_ordered();

	x2apic_send_ipi(apic, PING_VECTOR);
	while (__atomic_load_n(&pongs, __ATOMIC_ACQUIRE) != want) {
		if (!CHECK(rdtsc() - t0 < timeout, "VP %u: no PONG", vp))
			return false;
		__asm__ volatile("sti; pause; cli" ::: "memory");
	}
	*ticks = rdtsc_ordered() - t0;
	return true;
}

/* The reference CPU of the pair figure: a VP made a kernel CPU. */
static bool make_reference(const struct scenario_env *env, uint32_t vp)
{
	struct sd_node *node = sidecar_node_of(&boot, vp);

	return CHECK(node && sd_vp_remove(node, vp, sidecar_timeout_ns(env)) ==
				     0,
		     "VP %u: remove failed", vp) &&
	       restart_as_kernel_cpu(env, vp);
}

/*
 * NONE on each VP in turn, each followed by a ping-pong with ref (a kernel
 * CPU) when ref is not HVSIM_NO_VP.
 */
static bool bench_none(const struct scenario_env *env, const uint32_t *vps,
		       uint32_t n, uint32_t rounds, uint32_t ref)
{
	unsigned int nr;
	const uint32_t *ids = smp_madt_apic_ids(&nr);
	uint64_t k = 0;

	for (uint32_t r = 0; r < rounds; r++) {
		for (uint32_t i = 0; i < n && k < MAX_SAMPLES; i++) {
			struct sd_client_vp c;
			struct sd_client_error e;
			uint64_t t0;
			int rc;

			if (!sidecar_client(env, &boot, vps[i], &c))
				return false;
			t0 = rdtsc_ordered();
			rc = sd_client_test(&c, &e);
			samples[k] = rdtsc_ordered() - t0;
			if (!sidecar_client_ok(env, rc, &e, vps[i], "NONE"))
				return false;
			if (ref != HVSIM_NO_VP &&
			    !ping_pong(env, ref, ids[ref], &pair_samples[k]))
				return false;
			k++;
		}
	}
	if (ref != HVSIM_NO_VP) {
		/* Both sorted apart: p50 of each, as in the other figures. */
		sort_u64(pair_samples, k);
		sort_u64(samples, k);
		printf("bench: pair none_p50=%lu none_p99=%lu ipi_p50=%lu "
		       "ipi_p99=%lu samples=%lu ref=%u\n",
		       percentile(k, 50), percentile(k, 99),
		       percentile_of(pair_samples, k, 50),
		       percentile_of(pair_samples, k, 99), k, ref);
	}
	print_cmd("none", "none", k);
	return true;
}

/* Median time of one call moving `count` registers, over every VP. */
static bool bench_regs(const struct scenario_env *env, const uint32_t *vps,
		       uint32_t n, uint32_t rounds, const char *op,
		       uint32_t count, bool set)
{
	/* Names hvsim keeps a value for; repeats are allowed. */
	static const uint32_t names[] = {
		HV_REGISTER_RAX,      HV_REGISTER_RAX + 1,
		HV_REGISTER_RAX + 2,  HV_REGISTER_RAX + 3,
		HV_REGISTER_RAX + 5,  HV_REGISTER_RAX + 6,
		HV_REGISTER_RAX + 7,  HV_REGISTER_RAX + 8,
		HV_REGISTER_RAX + 9,  HV_REGISTER_RAX + 10,
		HV_REGISTER_RAX + 11, HV_REGISTER_RAX + 12,
		HV_REGISTER_RAX + 13, HV_REGISTER_RAX + 14,
		HV_REGISTER_RAX + 15, HV_REGISTER_RIP,
	};
	uint64_t k = 0;

	for (uint32_t i = 0; i < count; i++) {
		regs[i] = (struct hv_register_assoc){ 0 };
		regs[i].name = names[i % (sizeof(names) / sizeof(names[0]))];
		regs[i].value.reg64 = 0x1000 + i;
	}
	for (uint32_t r = 0; r < rounds; r++) {
		for (uint32_t i = 0; i < n && k < MAX_SAMPLES; i++) {
			struct sd_client_vp c;
			struct sd_client_error e;
			uint64_t t0;
			int rc;

			if (!sidecar_client(env, &boot, vps[i], &c))
				return false;
			t0 = rdtsc_ordered();
			rc = set ? sd_client_set_registers(&c, 0, regs, count,
							   &e) :
				   sd_client_get_registers(&c, 0, regs, count,
							   &e);
			samples[k++] = rdtsc_ordered() - t0;
			if (!sidecar_client_ok(env, rc, &e, vps[i], op))
				return false;
		}
	}
	sort_u64(samples, k);
	printf("bench: regs op=%s count=%u per_call=%lu samples=%lu\n", op,
	       count, percentile(k, 50), k);
	printf("bench: cmd name=%s p50=%lu p99=%lu samples=%lu\n", op,
	       percentile(k, 50), percentile(k, 99), k);
	return true;
}

/* STOP to IDLE: from the cancel to the wait seeing the VP stopped. */
static bool bench_cancel(const struct scenario_env *env, const uint32_t *vps,
			 uint32_t n, uint32_t rounds)
{
	uint64_t k = 0;

	for (uint32_t r = 0; r < rounds; r++) {
		for (uint32_t i = 0; i < n && k < MAX_SAMPLES; i++) {
			struct sd_client_vp c;
			struct sd_client_error e;
			bool intercept = true;
			uint64_t t0;
			int rc;

			if (!sidecar_client(env, &boot, vps[i], &c))
				return false;
			run_guest(vps[i], 0);
			if (!run_start(env, &c) ||
			    !run_await_waiting(env, vps[i]))
				return false;
			t0 = rdtsc_ordered();
			rc = sd_client_cancel(&c);
			if (!CHECK(rc == 0, "VP %u: cancel: %d", vps[i], rc))
				return false;
			rc = sd_client_wait(&c, sidecar_timeout_ns(env),
					    &intercept, &e);
			samples[k++] = rdtsc_ordered() - t0;
			if (!sidecar_client_ok(env, rc, &e, vps[i], "cancel") ||
			    !CHECK(!intercept,
				   "VP %u: cancelled run ended "
				   "in an intercept",
				   vps[i]))
				return false;
		}
	}
	print_cmd("cancel", "cancel", k);
	return true;
}

/* The reference: the same CPUs, the same waits, no sidecar in between. */
static bool bench_ipi(const struct scenario_env *env, const uint32_t *vps,
		      uint32_t n, uint32_t rounds)
{
	unsigned int nr;
	const uint32_t *ids = smp_madt_apic_ids(&nr);
	uint64_t k = 0;

	/* REMOVE first: one sample per VP, request to REMOVED seen. */
	for (uint32_t i = 0; i < n && k < MAX_SAMPLES; i++) {
		struct sd_node *node = sidecar_node_of(&boot, vps[i]);
		uint64_t t0 = rdtsc_ordered();
		int rc = node ? sd_vp_remove(node, vps[i],
					     sidecar_timeout_ns(env)) :
				-1;

		samples[k++] = rdtsc_ordered() - t0;
		if (!CHECK(rc == 0, "VP %u: remove failed", vps[i]))
			return false;
	}
	print_cmd("remove", "remove", k);
	/*
	 * The ping-pong on at most IPI_CPUS of them, spread over the VPs, as
	 * many samples as the other figures: a restart costs seconds under
	 * -icount (INIT-SIPI and the kernel's start), thousands of them
	 * hours, and the figure is the same on every CPU.
	 */
	uint32_t m = n < IPI_CPUS ? n : IPI_CPUS, ping_cpus[IPI_CPUS];

	for (uint32_t j = 0; j < m; j++) {
		ping_cpus[j] = vps[(uint64_t)j * n / m];
		if (!restart_as_kernel_cpu(env, ping_cpus[j]))
			return false;
	}
	k = 0;
	for (uint64_t r = 0; r < (uint64_t)rounds * n && k < MAX_SAMPLES; r++) {
		uint32_t vp = ping_cpus[r % m];

		if (!ping_pong(env, vp, ids[vp], &samples[k++]))
			return false;
	}
	print_cmd("ipi", "ipi", k);
	return true;
}

static void print_memory(void)
{
	for (uint32_t i = 0; i < boot.params->node_count; i++) {
		const struct sidecar_node_params *np = &boot.params->nodes[i];

		printf("bench: memory node=%u base=%u vps=%u bytes=%lu "
		       "required=%lu\n",
		       i, np->base_vp, np->vp_count, np->memory_size,
		       sidecar_required_memory(np->vp_count));
	}
	printf("bench: image bytes=%lu\n", boot.image.size);
}

int scenario_bench(const struct scenario_env *env)
{
	uint32_t rounds = (uint32_t)cmdline_get_u64(env->cmdline, "rounds", 0);
	uint32_t vps[MAX_VPS], n, ref = HVSIM_NO_VP;
	bool ok;

	if (!sidecar_boot(env, &boot))
		return -1;
	n = sidecar_usable_vps(&boot, vps, MAX_VPS);
	if (!CHECK(n > 0, "no usable VP"))
		return -1;
	/* About 400 samples per figure whatever N, at least 4 per VP. */
	if (!rounds)
		rounds = n >= 100 ? 4 : 400 / n;
	printf("bench: config vps=%u nodes=%u tsc_khz=%lu rounds=%u\n",
	       hvsim_vp_count(), boot.nr_nodes, tsc_khz, rounds);
	print_boot();
	print_memory();
	idt_set_handler(PING_VECTOR, ping_irq);
	idt_set_handler(PONG_VECTOR, pong_irq);
	/* The last VP is the pair figure's reference, if one can be spared. */
	if (n >= 2) {
		ref = vps[--n];
		if (!make_reference(env, ref))
			return -1;
	}
	shim_platform_spin(true);
	ok = bench_none(env, vps, n, rounds, ref) &&
	     bench_regs(env, vps, n, rounds / 4 + 1, "get1", 1, false) &&
	     bench_regs(env, vps, n, rounds / 4 + 1, "get31", 31, false) &&
	     bench_regs(env, vps, n, rounds / 4 + 1, "get100", 100, false) &&
	     bench_regs(env, vps, n, rounds / 4 + 1, "set31", 31, true) &&
	     bench_cmd(env, vps, n, rounds / 4 + 1, "set1", op_set1) &&
	     bench_cmd(env, vps, n, rounds / 4 + 1, "translate",
		       op_translate) &&
	     bench_cmd(env, vps, n, rounds / 8 + 1, "run_intercept",
		       op_run_intercept) &&
	     bench_cancel(env, vps, n, rounds / 8 + 1) &&
	     bench_ipi(env, vps, n, rounds);
	shim_platform_spin(false);
	return ok && !env->result->failures ? 0 : -1;
}
