// SPDX-License-Identifier: MIT
/*
 * scenario=demo: what the sidecar does, for a person at a terminal
 * (bazel run //testing:demo). Every line it prints starts with "demo:";
 * each phase is also checked, so the demo fails loudly if the system does.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/tsc.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar/driver/client.h"
#include "sidecar_boot.h"
#include "sidecar_restart.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define PHASES 7
#define MAX_VPS HVSIM_MAX_VPS
#define IO_PORT_OFFSET 40 /* HvX64IoPortInterceptMessage.port_number */
#define IO_RAX_OFFSET 48 /* .rax */

static struct sidecar_boot boot;

static void phase(unsigned int n, const char *what)
{
	printf("demo:\ndemo: [%u/%u] %s\n", n, PHASES, what);
}

static uint64_t us(uint64_t cycles)
{
	return tsc_cycles_to_ns(cycles) / 1000;
}

static void node_table(void)
{
	printf("demo:   node  base VP  VPs  memory                     "
	       "control page\n");
	for (uint32_t i = 0; i < boot.params->node_count; i++) {
		const struct sidecar_node_params *np = &boot.params->nodes[i];

		printf("demo:   %4u  %7u  %3u  0x%08lx + %7lu KiB  0x%08lx\n",
		       i, np->base_vp, np->vp_count, np->memory_base,
		       np->memory_size / 1024,
		       boot.output->nodes[i].control_page);
	}
}

static void timeline(void)
{
	printf("demo:   VP  started by  depth  request (us)  running (us)\n");
	for (uint32_t vp = 0; vp < hvsim_vp_count(); vp++) {
		const struct hvsim_vp_record *r = hvsim_vp_record(vp);

		if (!r || r->parent == HVSIM_NO_VP || !r->launch_tsc)
			continue;
		printf("demo:   %2u  %10u  %5u  %12lu  %12lu\n", vp, r->parent,
		       r->depth, us(r->request_tsc - boot.entry_tsc),
		       us(r->launch_tsc - boot.entry_tsc));
	}
	printf("demo:   every VP IDLE %lu us after the entry was called\n",
	       us(boot.entry_cycles));
}

/* One command of each kind on vp; prints a row of latencies in us. */
static bool command_round(const struct scenario_env *env, uint32_t vp)
{
	struct hv_register_assoc regs[2] = {
		{ .name = HV_REGISTER_RAX },
		{ .name = HV_REGISTER_RIP },
	};
	struct hv_translate_virtual_address_ex_output_x64 out;
	struct sd_client_error e;
	struct sd_client_vp c;
	uint64_t t[6];
	bool intercept = false;
	int rc = 0;

	if (!sidecar_client(env, &boot, vp, &c))
		return false;
	t[0] = rdtsc_ordered();
	rc |= sd_client_test(&c, &e);
	t[1] = rdtsc_ordered();
	rc |= sd_client_get_registers(&c, 0, regs, 2, &e);
	t[2] = rdtsc_ordered();
	regs[0].value.reg64 = 0xd00d0000 + vp;
	rc |= sd_client_set_registers(&c, 0, regs, 1, &e);
	t[3] = rdtsc_ordered();
	/* Before VTL0's first run its paging is off: GVA = GPA. */
	rc |= sd_client_translate_gva(&c, 0x1234, 1, &out, &e);
	t[4] = rdtsc_ordered();
	run_guest(vp, 1);
	rc |= sd_client_run(&c, &e);
	if (!rc)
		rc = sd_client_wait(&c, sidecar_timeout_ns(env), &intercept,
				    &e);
	t[5] = rdtsc_ordered();
	if (!sidecar_client_ok(env, rc, &e, vp, "command round") ||
	    !CHECK(intercept, "VP %u: RUN_VP did not end in an intercept", vp))
		return false;
	printf("demo:   %2u  %5lu  %5lu  %5lu  %9lu  %6lu\n", vp,
	       us(t[1] - t[0]), us(t[2] - t[1]), us(t[3] - t[2]),
	       us(t[4] - t[3]), us(t[5] - t[4]));
	return true;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool decoded_intercept(const struct scenario_env *env, uint32_t vp)
{
	const struct hv_x64_intercept_message_header *h;
	const struct hv_message *m;
	struct sd_client_vp c;
	uint64_t rax;

	if (!sidecar_client(env, &boot, vp, &c) ||
	    !run_to_intercept(env, &c, 3, 0x5eed, false))
		return false;
	m = sd_client_intercept_message(&c);
	h = (const void *)m->payload_buffer;
	__builtin_memcpy(&rax, m->payload_buffer + IO_RAX_OFFSET, 8);
	printf("demo:   VP %u exited after 3 guest steps: message type 0x%x "
	       "(%s)\n",
	       vp, m->header.typ,
	       m->header.typ == HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT ?
		       "X64IoPortIntercept" :
		       "?");
	printf("demo:   guest VP %u at rip 0x%lx (instruction length %u, "
	       "bytes %02x %02x, cs 0x%x): out to port 0x%x, al = 0x%02lx\n",
	       h->vp_index, h->rip, h->instruction_length_and_cr8 & 0xf,
	       m->payload_buffer[56], m->payload_buffer[57],
	       h->cs_segment.selector,
	       get16(m->payload_buffer + IO_PORT_OFFSET), rax & 0xff);
	return CHECK(m->header.typ == HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT,
		     "VP %u: unexpected intercept type 0x%x", vp,
		     m->header.typ);
}

static bool cancelled_run(const struct scenario_env *env, uint32_t vp)
{
	struct sd_client_vp c;
	struct sd_client_error e;
	bool intercept = true;
	uint64_t t0;
	int rc;

	if (!sidecar_client(env, &boot, vp, &c))
		return false;
	run_guest(vp, 0);
	if (!run_start(env, &c) || !run_await_waiting(env, vp))
		return false;
	printf("demo:   VP %u runs its guest, which halts (hlt)\n", vp);
	t0 = rdtsc_ordered();
	rc = sd_client_cancel(&c);
	if (!rc)
		rc = sd_client_wait(&c, sidecar_timeout_ns(env), &intercept,
				    &e);
	if (!sidecar_client_ok(env, rc, &e, vp, "cancel") ||
	    !CHECK(!intercept, "VP %u: the cancelled run intercepted", vp))
		return false;
	printf("demo:   cancelled: RUN -> STOP -> IDLE in %lu us, no "
	       "intercept\n",
	       us(rdtsc_ordered() - t0));
	return true;
}

static bool remove_and_restart(const struct scenario_env *env, uint32_t vp)
{
	struct sd_node *n = sidecar_node_of(&boot, vp);
	uint64_t t0 = rdtsc_ordered();

	if (!CHECK(n && sd_vp_remove(n, vp, sidecar_timeout_ns(env)) == 0,
		   "VP %u: REMOVE failed", vp))
		return false;
	uint64_t assist =
		hvsim_get_register(vp, 2, HV_REGISTER_VP_ASSIST_PAGE).low;

	printf("demo:   VP %u removed in %lu us: status %u (REMOVED), VP "
	       "assist page register now 0x%lx\n",
	       vp, us(rdtsc_ordered() - t0),
	       sidecar_cpu_status_load(n->control, vp - n->base_cpu), assist);
	if (!CHECK(assist == 0, "VP %u: assist page still mapped", vp))
		return false;
	if (!restart_as_kernel_cpu(env, vp))
		return false;
	printf("demo:   VP %u restarted with INIT-SIPI as a main-kernel CPU "
	       "and answered an IPI\n",
	       vp);
	return true;
}

int scenario_demo(const struct scenario_env *env)
{
	uint32_t vps[MAX_VPS], n;

	phase(1, "booting the sidecar image through driver/launch");
	if (!sidecar_boot(env, &boot))
		return -1;
	n = sidecar_usable_vps(&boot, vps, MAX_VPS);
	if (!CHECK(n >= 3, "the demo needs 3 sidecar VPs, has %u", n))
		return -1;
	phase(2, "nodes");
	node_table();
	phase(3, "boot timeline: who started whom (fan-out)");
	timeline();
	phase(4, "one round of every command on every VP (us)");
	printf("demo:   VP   NONE    GET    SET  TRANSLATE  RUN_VP\n");
	for (uint32_t i = 0; i < n; i++)
		if (!command_round(env, vps[i]))
			return -1;
	phase(5, "a RUN_VP that ends in an intercept, decoded");
	if (!decoded_intercept(env, vps[0]))
		return -1;
	phase(6, "a RUN_VP cancelled by the VMM");
	if (!cancelled_run(env, vps[1]))
		return -1;
	phase(7, "REMOVE, then restart as a main-kernel CPU");
	if (!remove_and_restart(env, vps[n - 1]))
		return -1;
	printf("demo:\ndemo: done: %u sidecar VPs served every command\n", n);
	return env->result->failures ? -1 : 0;
}
