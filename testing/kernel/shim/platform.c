/*
 * The driver's platform (struct sd_platform) in the test kernel: one
 * thread on the BSP that runs with interrupts off except while it waits
 * in `sti; hlt`. The response IPI runs sd_node_interrupt() for the nodes
 * on its vector; a 1 ms APIC timer bounds every hlt, so a wait notices
 * its deadline even when no IPI comes.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/direct_map.h>
#include <kernel/idt.h>
#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/smp.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#include "sidecar/driver/errno.h"

#define MSR_X2APIC_LVT_TIMER 0x832
#define MSR_X2APIC_TIMER_INIT 0x838
#define MSR_X2APIC_TIMER_DIV 0x83e
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define TIMER_DIV_1 0xb
/* QEMU's APIC timer ticks at 1 GHz: a wake-up every millisecond. */
#define TIMER_COUNT 1000000

static struct {
	struct sd_node *nodes[SIDECAR_MAX_NODES];
	uint32_t nr_nodes;
	uint32_t responses;
	uint32_t reports;
	uint32_t wakes;
	uint64_t tsc0;
	uint64_t ns_mult; /* 2^32 * 10^6 / tsc_khz */
	bool timer_on;
	bool spin; /* shim_platform_spin */
	/* A pretend signal for interruptible waits; 0: none pending. */
	uint64_t signal_at_ns;
} plat;

static uint32_t vp_apic_id(void *ctx, uint32_t vp)
{
	unsigned int n;
	const uint32_t *ids = smp_madt_apic_ids(&n);

	(void)ctx;
	/* The driver only names VPs of attached nodes, which exist. */
	if (vp >= n)
		panic("shim: the driver asked for VP %u of %u", vp, n);
	return ids[vp];
}

static void send_ipi(void *ctx, uint32_t apic_id, uint32_t vector)
{
	(void)ctx;
	/* x2apic_send_ipi fences: the command page is visible first. */
	x2apic_send_ipi(apic_id, (uint8_t)vector);
}

/*
 * cycles * 10^6 / tsc_khz as one multiply by a 32.32 fixed-point factor
 * (set with tsc0): the driver reads the clock several times a command,
 * and two divisions each time showed in its instruction count.
 */
static uint64_t now_ns(void *ctx)
{
	uint64_t c = rdtsc() - plat.tsc0;

	(void)ctx;
	if (!plat.ns_mult)
		plat.ns_mult = (1000000ull << 32) / tsc_khz;
	return (uint64_t)(((unsigned __int128)c * plat.ns_mult) >> 32);
}

static int wait(void *ctx, const uint32_t *word, uint32_t seen,
		uint64_t deadline_ns, bool interruptible)
{
	uint64_t now = now_ns(ctx);

	if (interruptible && plat.signal_at_ns && now >= plat.signal_at_ns) {
		plat.signal_at_ns = 0;
		return -SD_EINTR;
	}
	if (now >= deadline_ns)
		return -SD_ETIMEDOUT;
	/*
	 * Interrupts are off until the sti, whose shadow covers the hlt: an
	 * IPI that changed *word after this load still ends the hlt.
	 */
	if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != seen)
		return 0;
	if (plat.spin) {
		/*
		 * Busy, with an interrupt window every turn: the response
		 * IPI is handled at once, without a wake-up from hlt, the
		 * way the bare IPI ping-pong reference waits.
		 */
		do
			__asm__ volatile("sti; pause; cli" : : : "memory");
		while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == seen &&
		       now_ns(ctx) < deadline_ns);
		return 0;
	}
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	return 0;
}

void shim_platform_spin(bool spin)
{
	plat.spin = spin;
}

static void wake(void *ctx, const uint32_t *word)
{
	/* The only waiter is the BSP, which rechecks after every hlt. */
	(void)ctx;
	(void)word;
	plat.wakes++;
}

static void *map(void *ctx, uint64_t pa, uint64_t size)
{
	(void)ctx;
	/* After the entry: the kernel's own map reaches node memory. */
	if (!pa || !direct_mapped(pa, size))
		return NULL;
	return (void *)(uintptr_t)pa;
}

static void report(void *ctx, const char *msg)
{
	(void)ctx;
	plat.reports++;
	printf("driver: %s\n", msg);
}

static const struct sd_platform platform = {
	.vp_apic_id = vp_apic_id,
	.send_ipi = send_ipi,
	.now_ns = now_ns,
	.wait = wait,
	.wake = wake,
	.map = map,
	.report = report,
};

static void response_irq(struct irq_frame *f)
{
	__atomic_fetch_add(&plat.responses, 1, __ATOMIC_RELEASE);
	/* The nodes on this vector; the handler's own first test, here. */
	for (uint32_t i = (uint32_t)f->vector - SHIM_RESPONSE_VECTOR;
	     i < plat.nr_nodes; i += SHIM_RESPONSE_VECTORS)
		if (sidecar_needs_attention_load(plat.nodes[i]->control))
			sd_node_interrupt(plat.nodes[i]);
}

static void timer_irq(struct irq_frame *f)
{
	(void)f;
}

const struct sd_platform *shim_platform(void)
{
	if (!plat.tsc0)
		plat.tsc0 = rdtsc();
	if (!plat.timer_on) {
		plat.timer_on = true;
		for (uint32_t v = 0; v < SHIM_RESPONSE_VECTORS; v++)
			idt_set_handler(SHIM_RESPONSE_VECTOR + v, response_irq);
		idt_set_handler(SHIM_TIMER_VECTOR, timer_irq);
		wrmsr(MSR_X2APIC_TIMER_DIV, TIMER_DIV_1);
		wrmsr(MSR_X2APIC_LVT_TIMER, LVT_PERIODIC | SHIM_TIMER_VECTOR);
		wrmsr(MSR_X2APIC_TIMER_INIT, TIMER_COUNT);
	}
	return &platform;
}

void shim_platform_stop(void)
{
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_MASKED);
	wrmsr(MSR_X2APIC_TIMER_INIT, 0);
	plat.timer_on = false;
}

int shim_node_attach(struct sd_node *n, uint32_t index,
		     const struct sidecar_params *p,
		     const struct sidecar_output *out,
		     uint64_t cancel_timeout_ns)
{
	const struct sidecar_node_params *np = &p->nodes[index];
	struct sd_node_config cfg = {
		.output = out->nodes[index],
		.index = index,
		.params = np,
		.response_apic_id = cpus[0].apic_id,
		.response_vector = SHIM_RESPONSE_VECTOR +
				   plat.nr_nodes % SHIM_RESPONSE_VECTORS,
		.cancel_timeout_ns = cancel_timeout_ns,
		.vp_slot_count = np->vp_count,
	};
	int r;

	if (plat.nr_nodes == SIDECAR_MAX_NODES)
		panic("shim: more than %u nodes attached", SIDECAR_MAX_NODES);
	cfg.vp_slots = (struct sd_vp_slot *)(uintptr_t)pmem_alloc(
		(uint64_t)np->vp_count * sizeof(struct sd_vp_slot), 8,
		"vp slots");
	r = sd_node_attach(n, shim_platform(), &cfg);
	if (r == 0)
		plat.nodes[plat.nr_nodes++] = n;
	return r;
}

void shim_nodes_detach(void)
{
	plat.nr_nodes = 0;
}

uint32_t shim_responses(void)
{
	return __atomic_load_n(&plat.responses, __ATOMIC_ACQUIRE);
}

uint32_t shim_reports(void)
{
	return plat.reports;
}

void shim_signal_after(uint64_t ns)
{
	plat.signal_at_ns = now_ns(NULL) + ns;
}

void shim_signal_cancel(void)
{
	plat.signal_at_ns = 0;
}
