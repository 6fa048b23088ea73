/*
 * x2APIC: enable, identify, EOI and IPIs through MSRs.
 */
#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/x2apic.h>

#define APIC_BASE_EXTD (1UL << 10) /* x2APIC mode */
#define APIC_BASE_EN (1UL << 11)

#define MSR_X2APIC_ID 0x802
#define MSR_X2APIC_TPR 0x808
#define MSR_X2APIC_EOI 0x80b
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_ESR 0x828
#define MSR_X2APIC_ICR 0x830
#define MSR_X2APIC_LVT_TIMER 0x832
#define MSR_X2APIC_LVT_LINT0 0x835

#define SVR_APIC_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)

#define ICR_DM_FIXED (0u << 8)
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)

#define CPUID1_ECX_X2APIC (1u << 21)

void x2apic_enable(void)
{
	uint32_t a, b, c, d;
	uint64_t base;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_X2APIC))
		panic("x2apic: not supported by this CPU (use -cpu max)");

	/* Disabled -> x2APIC is not a legal transition: go via xAPIC. */
	base = rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_APIC_BASE, base);
	}
	if (!(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);

	/*
	 * LINT0 carries the 8259's ExtINT on the BSP: masked, like the
	 * timer; we only ever take IPIs.
	 */
	wrmsr(MSR_X2APIC_LVT_LINT0, LVT_MASKED);
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_MASKED);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_SVR, SVR_APIC_ENABLE | SPURIOUS_VECTOR);
	wrmsr(MSR_X2APIC_ESR, 0);
}

uint32_t x2apic_id(void)
{
	return (uint32_t)rdmsr(MSR_X2APIC_ID);
}

void x2apic_eoi(void)
{
	wrmsr(MSR_X2APIC_EOI, 0);
}

static void icr_write(uint32_t apic_id, uint32_t low)
{
	/*
	 * WRMSR to the x2APIC ICR is not serializing: fence so the target
	 * sees every store made before the IPI.
	 */
	mfence();
	wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | low);
}

void x2apic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_write(apic_id, ICR_DM_FIXED | ICR_LEVEL_ASSERT | vector);
}

void x2apic_send_init(uint32_t apic_id)
{
	icr_write(apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT);
}

void x2apic_send_sipi(uint32_t apic_id, uint32_t start_page)
{
	icr_write(apic_id,
		  ICR_DM_STARTUP | ICR_LEVEL_ASSERT | (start_page & 0xff));
}
