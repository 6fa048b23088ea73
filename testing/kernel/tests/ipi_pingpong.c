/*
 * test=ipi-pingpong [rounds=N]: for each AP in turn, N round trips of
 * BSP --PING--> AP --PONG--> BSP, timed with the TSC on the BSP. The AP
 * replies from its interrupt handler; the BSP polls a counter its own
 * PONG handler bumps (with interrupts on), so only interrupt delivery is
 * measured, not a wake-up from hlt on the BSP side.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/cmdline.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/smp.h>
#include <kernel/sort.h>
#include <kernel/tests.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#define PING_VECTOR 0xf0
#define PONG_VECTOR 0xf1
#define DEFAULT_ROUNDS 1000
#define MAX_SAMPLES (1u << 18)
#define REPLY_TIMEOUT_MS 2000

static uint64_t samples[MAX_SAMPLES];
static uint32_t pongs;
static uint32_t bsp_apic_id;

static void ping_handler(struct irq_frame *f)
{
	(void)f;
	x2apic_send_ipi(bsp_apic_id, PONG_VECTOR);
}

static void pong_handler(struct irq_frame *f)
{
	(void)f;
	__atomic_fetch_add(&pongs, 1, __ATOMIC_RELEASE);
}

/* Nearest-rank percentile of sorted samples. */
static uint64_t percentile(const uint64_t *s, uint64_t n, unsigned int p)
{
	uint64_t rank = (p * n + 99) / 100;

	return s[rank ? rank - 1 : 0];
}

int test_ipi_pingpong(const char *cmdline)
{
	uint64_t rounds = cmdline_get_u64(cmdline, "rounds", DEFAULT_ROUNDS);
	uint64_t timeout = tsc_ms_to_cycles(REPLY_TIMEOUT_MS);
	unsigned int naps = nr_cpus - 1;
	uint64_t n = 0, p50, p99, p50_ns, p99_ns;

	if (!naps)
		panic("ipi-pingpong: needs at least 2 cpus (-smp)");
	if (!rounds || rounds > MAX_SAMPLES / naps)
		panic("ipi-pingpong: rounds=%lu out of range 1..%lu for %u APs",
		      rounds, (uint64_t)(MAX_SAMPLES / naps), naps);

	bsp_apic_id = cpus[0].apic_id;
	idt_set_handler(PING_VECTOR, ping_handler);
	idt_set_handler(PONG_VECTOR, pong_handler);

	sti();
	for (unsigned int i = 1; i < nr_cpus; i++) {
		for (uint64_t r = 0; r < rounds; r++) {
			uint32_t want =
				__atomic_load_n(&pongs, __ATOMIC_RELAXED) + 1;
			uint64_t t0 = rdtsc_ordered(), t1;

			x2apic_send_ipi(cpus[i].apic_id, PING_VECTOR);
			while (__atomic_load_n(&pongs, __ATOMIC_ACQUIRE) !=
			       want) {
				if (rdtsc() - t0 > timeout)
					panic("ipi-pingpong: no reply from cpu %u "
					      "(apic %u) in round %lu",
					      i, cpus[i].apic_id, r);
				cpu_relax();
			}
			t1 = rdtsc_ordered();
			samples[n++] = t1 - t0;
		}
	}
	cli();

	sort_u64(samples, n);
	p50 = percentile(samples, n, 50);
	p99 = percentile(samples, n, 99);
	printf("ipi-pingpong: cpus=%u rounds=%lu p50=%lu p99=%lu cycles "
	       "(min=%lu max=%lu)\n",
	       naps, rounds, p50, p99, samples[0], samples[n - 1]);
	p50_ns = tsc_cycles_to_ns(p50);
	p99_ns = tsc_cycles_to_ns(p99);
	printf("ipi-pingpong: cpus=%u rounds=%lu p50=%lu.%03lu p99=%lu.%03lu "
	       "us\n",
	       naps, rounds, p50_ns / 1000, p50_ns % 1000, p99_ns / 1000,
	       p99_ns % 1000);
	return 0;
}
