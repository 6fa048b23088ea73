// SPDX-License-Identifier: MIT
/*
 * Restarting a CPU the sidecar no longer owns. After INIT the CPU keeps
 * nothing of the sidecar; the kernel's trampoline brings it to ap_main(),
 * which idles in `sti; hlt` on the kernel's IDT. The PING handler runs
 * there and says who and where it is.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/percpu.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#include "sidecar_restart.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define PING_VECTOR 0xf2
#define PONG_VECTOR 0xf3
#define STALE_VECTOR 0xf7

static struct {
	uint32_t apic_id; /* the handler's x2APIC ID */
	uint32_t cpu_index; /* this_cpu()->index in the handler */
	uint64_t cr3; /* the handler's page tables */
} seen;
static uint32_t pongs, stale;

static void stale_irq(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&stale, 1, __ATOMIC_RELEASE);
}

static void ping_irq(struct irq_frame *f)
{
	(void)f;
	seen.apic_id = x2apic_id();
	seen.cpu_index = this_cpu()->index;
	seen.cr3 = read_cr3();
	x2apic_send_ipi(cpus[0].apic_id, PONG_VECTOR);
}

static void pong_irq(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&pongs, 1, __ATOMIC_RELEASE);
}

bool restart_as_kernel_cpu(const struct scenario_env *env, uint32_t vp)
{
	unsigned int n;
	const uint32_t *ids = smp_madt_apic_ids(&n);
	struct cpu *c = vp < n ? smp_cpu_by_apic_id(ids[vp]) : NULL;
	uint32_t failures = env->result->failures, want;
	uint64_t deadline;

	if (!CHECK(c && c->index, "VP %u is not an AP", vp))
		return false;
	idt_set_handler(PING_VECTOR, ping_irq);
	idt_set_handler(PONG_VECTOR, pong_irq);
	idt_set_handler(STALE_VECTOR, stale_irq);
	/*
	 * Left pending in the removed CPU (interrupts off): INIT resets the
	 * local APIC, so the kernel there must never take it.
	 */
	stale = 0;
	x2apic_send_ipi(c->apic_id, STALE_VECTOR);
	if (!CHECK(smp_start_cpu(c, env->watchdog_ms),
		   "VP %u did not come back as a kernel CPU within %lu ms", vp,
		   env->watchdog_ms))
		return false;
	seen.apic_id = ~0u;
	want = __atomic_load_n(&pongs, __ATOMIC_ACQUIRE) + 1;
	x2apic_send_ipi(c->apic_id, PING_VECTOR);
	deadline = rdtsc() + tsc_ms_to_cycles(env->watchdog_ms);
	/* The platform's 1 ms timer bounds each hlt. */
	while (__atomic_load_n(&pongs, __ATOMIC_ACQUIRE) != want &&
	       rdtsc() < deadline)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	if (!CHECK(__atomic_load_n(&pongs, __ATOMIC_ACQUIRE) == want,
		   "VP %u: no answer to a PING IPI", vp))
		return false;
	CHECK(!__atomic_load_n(&stale, __ATOMIC_ACQUIRE),
	      "VP %u took an interrupt sent before its INIT", vp);
	CHECK(seen.apic_id == c->apic_id && seen.cpu_index == c->index &&
		      seen.cr3 == read_cr3(),
	      "VP %u: the PING ran on x2APIC %u (cpu %u) with CR3 0x%lx, not "
	      "the kernel's 0x%lx",
	      vp, seen.apic_id, seen.cpu_index, seen.cr3, read_cr3());
	printf("restart: VP %u runs the test kernel again (cpu %u, CR3 0x%lx) "
	       "and answered a PING\n",
	       vp, seen.cpu_index, seen.cr3);
	return env->result->failures == failures;
}
