/*
 * CPU table and AP bring-up.
 *
 * All APs are started together: INIT to each, 10 ms, SIPI to each,
 * 200 us, SIPI again (the SDM sequence, but one wait for all APs rather
 * than one per AP). An AP enters through arch/ap_trampoline.S, which
 * hands it a stack by ticket; ap_main() then finds its CPU entry by APIC
 * ID. The BSP waits, bounded by the TSC, for every AP to report.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/smp.h>
#include <kernel/string.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200

struct cpu cpus[MAX_CPUS];
unsigned int nr_cpus;

/* Read by arch/ap_trampoline.S (ap_start64). */
uint32_t ap_boot_ticket;
uint32_t ap_stack_count;
uint64_t ap_stack_table[MAX_CPUS];

/* Who an AP is until it has found its own entry. */
static struct cpu cpu_unknown = { .index = CPU_INDEX_UNKNOWN };

static uint32_t cpus_online;
static uint32_t madt_ids[MAX_CPUS];
static unsigned int nr_madt;

extern const char ap_trampoline_start[], ap_trampoline_end[];
extern const char ap_tramp_cr3[], ap_tramp_efer[], ap_tramp_entry[];
extern const char ap_start64[];

void ap_main(uint32_t ticket);

/* The stacks of every AP at once, outside the shim's own memory. */
static uint64_t ap_stacks(unsigned int n)
{
	uint64_t size = (uint64_t)n * AP_STACK_SIZE;
	uint64_t pa = pmem_alloc_outside(size, 4096, 0, IDENTITY_MAP_LIMIT);

	if (!pa)
		panic("smp: no 0x%lx bytes of RAM below 4 GiB for %u AP "
		      "stacks",
		      size, n);
	return pa;
}

void smp_early_bsp(void)
{
	cpus[0].index = 0;
	percpu_set(&cpus[0]);
}

void smp_init(const uint32_t *apic_ids, unsigned int n)
{
	uint32_t bsp = x2apic_id();
	unsigned int k = 1, found = 0;

	nr_madt = n < MAX_CPUS ? n : MAX_CPUS;
	memcpy(madt_ids, apic_ids, nr_madt * sizeof(madt_ids[0]));
	for (unsigned int i = 0; i < n; i++) {
		if (apic_ids[i] == bsp) {
			found = 1;
			continue;
		}
		if (k == MAX_CPUS)
			break;
		cpus[k].index = k;
		cpus[k].apic_id = apic_ids[i];
		cpus[k].self = &cpus[k];
		k++;
	}
	if (!found)
		panic("smp: BSP apic id %u is not in the MADT", bsp);
	cpus[0].apic_id = bsp;
	cpus[0].started = 1;
	cpus[0].online = 1;
	nr_cpus = n;
	cpus_online = 1;
	printf("cpu 0 apic %u online (bsp)\n", bsp);
}

const uint32_t *smp_madt_apic_ids(unsigned int *n)
{
	*n = nr_madt;
	return madt_ids;
}

struct cpu *smp_cpu_by_apic_id(uint32_t apic_id)
{
	for (unsigned int i = 0; i < nr_cpus; i++)
		if (cpus[i].apic_id == apic_id)
			return &cpus[i];
	return NULL;
}

unsigned int smp_cpus_online(void)
{
	return __atomic_load_n(&cpus_online, __ATOMIC_ACQUIRE);
}

void smp_trampoline_install(uint64_t entry)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)AP_TRAMPOLINE_BASE;
	uintptr_t start = (uintptr_t)ap_trampoline_start;
	size_t len = (uintptr_t)ap_trampoline_end - start;
	uint64_t cr3 = read_cr3();

	if (len > 4096)
		panic("smp: trampoline is %zu bytes, more than a page", len);
	if (boot_info.nr_memmap && !pvh_is_ram(AP_TRAMPOLINE_BASE, 4096))
		panic("smp: trampoline page 0x%x is not RAM",
		      AP_TRAMPOLINE_BASE);
	/* The trampoline loads CR3 in 32-bit mode. */
	if (cr3 >> 32)
		panic("smp: page tables above 4 GiB");
	memcpy(dst, ap_trampoline_start, len);
	*(uint32_t *)(dst + ((uintptr_t)ap_tramp_cr3 - start)) = (uint32_t)cr3;
	*(uint32_t *)(dst + ((uintptr_t)ap_tramp_efer - start)) =
		(uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	*(uint64_t *)(dst + ((uintptr_t)ap_tramp_entry - start)) = entry;
}

static void report_missing(uint64_t ms)
{
	unsigned int missing = 0;

	for (unsigned int i = 1; i < nr_cpus; i++) {
		struct cpu *c = &cpus[i];

		if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			continue;
		missing++;
		printf("smp: cpu %u apic %u missing (%s)\n", c->index,
		       c->apic_id,
		       __atomic_load_n(&c->started, __ATOMIC_RELAXED) ?
			       "entered ap_main, did not finish" :
			       "never reached ap_main");
	}
	panic("smp: %u of %u APs did not come online within %lu ms "
	      "(%u trampoline tickets taken)",
	      missing, nr_cpus - 1, ms,
	      __atomic_load_n(&ap_boot_ticket, __ATOMIC_RELAXED));
}

void smp_boot_aps(uint64_t timeout_ms)
{
	unsigned int naps = nr_cpus - 1;
	uint64_t start, deadline, stacks;

	if (!naps)
		return;
	smp_trampoline_install((uintptr_t)ap_start64);
	stacks = ap_stacks(naps);
	for (unsigned int i = 0; i < naps; i++)
		ap_stack_table[i] = stacks + (uint64_t)(i + 1) * AP_STACK_SIZE;
	ap_boot_ticket = 0;
	ap_stack_count = naps; /* ordered before the IPIs by their fence */

	start = rdtsc();
	deadline = start + tsc_ms_to_cycles(timeout_ms);
	for (unsigned int i = 1; i < nr_cpus; i++)
		x2apic_send_init(cpus[i].apic_id);
	tsc_delay_us(INIT_DELAY_US);
	for (unsigned int i = 1; i < nr_cpus; i++)
		x2apic_send_sipi(cpus[i].apic_id, AP_TRAMPOLINE_BASE >> 12);
	tsc_delay_us(SIPI_DELAY_US);
	/* A second SIPI is ignored by an AP that already left wait-for-SIPI. */
	for (unsigned int i = 1; i < nr_cpus; i++)
		x2apic_send_sipi(cpus[i].apic_id, AP_TRAMPOLINE_BASE >> 12);

	while (smp_cpus_online() < nr_cpus) {
		if (rdtsc() > deadline)
			report_missing(timeout_ms);
		cpu_relax();
	}
	printf("smp: %u APs online in %lu ms\n", naps,
	       tsc_cycles_to_ns(rdtsc() - start) / 1000000);
}

bool smp_start_cpu(struct cpu *c, uint64_t timeout_ms)
{
	uint32_t ticket = __atomic_load_n(&ap_stack_count, __ATOMIC_ACQUIRE);
	uint64_t deadline;

	if (c->index == 0)
		panic("smp: cannot restart the BSP");
	if (ticket >= MAX_CPUS - 1)
		panic("smp: no AP stack left for cpu %u", c->index);
	/* Whatever ran there before (hvsim, the sidecar) is gone after INIT. */
	__atomic_store_n(&c->online, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->started, 0, __ATOMIC_RELEASE);
	smp_trampoline_install((uintptr_t)ap_start64);
	/* One ticket per start: the AP takes exactly this stack. */
	ap_stack_table[ticket] =
		pmem_alloc(AP_STACK_SIZE, 4096, "AP stack") + AP_STACK_SIZE;
	__atomic_store_n(&ap_boot_ticket, ticket, __ATOMIC_RELEASE);
	__atomic_store_n(&ap_stack_count, ticket + 1, __ATOMIC_RELEASE);

	x2apic_send_init(c->apic_id);
	tsc_delay_us(INIT_DELAY_US);
	x2apic_send_sipi(c->apic_id, AP_TRAMPOLINE_BASE >> 12);
	tsc_delay_us(SIPI_DELAY_US);
	if (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
		x2apic_send_sipi(c->apic_id, AP_TRAMPOLINE_BASE >> 12);
	deadline = rdtsc() + tsc_ms_to_cycles(timeout_ms);
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (rdtsc() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

/* Called by ap_start64 on the stack of ap_stack_table[ticket]. */
void ap_main(uint32_t ticket)
{
	struct cpu *c;
	uint32_t id;

	percpu_set(&cpu_unknown);
	cpu_setup();
	idt_load();
	x2apic_enable();
	id = x2apic_id();
	c = smp_cpu_by_apic_id(id);
	if (!c || c->index == 0)
		panic("smp: AP with apic id %u is not an AP in the MADT", id);
	percpu_set(c);
	if (__atomic_exchange_n(&c->started, 1, __ATOMIC_RELAXED))
		panic("smp: cpu %u started twice", c->index);
	c->ticket = ticket;
	c->online_tsc = rdtsc();

	/* Print first, so every line precedes the BSP's summary. */
	printf("cpu %u apic %u online\n", c->index, c->apic_id);
	__atomic_store_n(&c->online, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_RELEASE);

	/* Idle: wake for IPIs (tests install the handlers), sleep again. */
	for (;;)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}
