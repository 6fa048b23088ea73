/*
 * TSC calibration against PIT channel 2 (gate and output through port
 * 0x61, no interrupt needed). Under TCG both the PIT and the TSC follow
 * host time, so a few short windows give a good figure; the median of
 * three drops a window in which the vCPU thread was descheduled. CPUID
 * leaves 0x15/0x16 are only a fallback: under TCG they need not describe
 * the rate rdtsc actually runs at.
 */
#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/tsc.h>

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_OUT2 0x20
#define CALIBRATE_MS 20
/* Give up on a PIT window after this many cycles (seconds on any host). */
#define PIT_GIVE_UP_CYCLES 10000000000ULL

uint64_t tsc_khz;

/* TSC cycles in one PIT window of ms milliseconds (< 55), or 0. */
static uint64_t pit_window(unsigned int ms)
{
	uint32_t count = PIT_HZ * ms / 1000;
	uint64_t t0, t1;

	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPEAKER) | PORTB_GATE2);
	outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* OUT2 rises when the count reaches zero. */
	while (!(inb(PORT_B) & PORTB_OUT2)) {
		if (rdtsc() - t0 > PIT_GIVE_UP_CYCLES)
			return 0;
	}
	t1 = rdtsc();
	return t1 - t0;
}

static uint64_t cpuid_khz(void)
{
	uint32_t max, a, b, c, d;

	cpuid(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (uint64_t)c * b / a / 1000;
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a)
			return (uint64_t)a * 1000;
	}
	return 0;
}

static void order(uint64_t *a, uint64_t *b)
{
	if (*a > *b) {
		uint64_t t = *a;

		*a = *b;
		*b = t;
	}
}

void tsc_calibrate(void)
{
	const char *source = "pit";
	uint64_t w[3];

	for (int i = 0; i < 3; i++)
		w[i] = pit_window(CALIBRATE_MS);
	/* Median of three; w[0] == 0 means the PIT never answered. */
	order(&w[0], &w[1]);
	order(&w[1], &w[2]);
	order(&w[0], &w[1]);
	if (w[0]) {
		tsc_khz = w[1] / CALIBRATE_MS;
	} else {
		source = "cpuid";
		tsc_khz = cpuid_khz();
	}
	if (!tsc_khz)
		panic("tsc: cannot calibrate (no PIT, no CPUID 0x15/0x16)");
	printf("tsc: %lu.%03lu MHz (%s)\n", tsc_khz / 1000, tsc_khz % 1000,
	       source);
}

uint64_t tsc_ms_to_cycles(uint64_t ms)
{
	return ms * tsc_khz;
}

uint64_t tsc_cycles_to_ns(uint64_t cycles)
{
	/* No 128-bit division available: fine below ~1.8e13 cycles. */
	return cycles * 1000000 / tsc_khz;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t start = rdtsc(), cycles = us * tsc_khz / 1000;

	while (rdtsc() - start < cycles)
		cpu_relax();
}
