// SPDX-License-Identifier: MIT
/*
 * The calling CPU's local APIC, whichever mode the image left it in: a VP
 * may start others before it switches to x2APIC, so xAPIC (MMIO through
 * the identity map) works too.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/panic.h>
#include <kernel/tsc.h>

#include "internal.h"

#define XAPIC_IRR 0x200
#define X2APIC_TPR_MSR 0x808
#define X2APIC_EOI_MSR 0x80B
#define X2APIC_SVR_MSR 0x80F
#define SVR_ENABLE 0x100
#define X2APIC_ISR(i) (0x810 + (i))
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define ICR_INIT ((uint32_t)X86_ICR_DELIVERY_INIT << 8)
#define ICR_STARTUP ((uint32_t)X86_ICR_DELIVERY_STARTUP << 8)
#define ICR_ASSERT ((uint32_t)X86_ICR_LEVEL_ASSERT)
#define ICR_PENDING ((uint32_t)X86_ICR_DELIVERY_PENDING)

static volatile uint32_t *xapic_reg(uint64_t base, uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)((base & ~0xFFFull) + off);
}

static void icr_write(uint32_t apic_id, uint32_t low)
{
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);

	mfence();
	if (base & X86_APIC_BASE_X2APIC) {
		wrmsr(X86_MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | low);
		return;
	}
	if (!(base & X86_APIC_BASE_ENABLE))
		panic("hvsim: this CPU's local APIC is disabled: cannot send "
		      "an IPI");
	if (apic_id > 0xFF)
		panic("hvsim: xAPIC cannot address APIC ID %u", apic_id);
	while (*xapic_reg(base, XAPIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
	*xapic_reg(base, XAPIC_ICR_HIGH) = apic_id << 24;
	*xapic_reg(base, XAPIC_ICR_LOW) = low;
	while (*xapic_reg(base, XAPIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
}

static void send_sipi(uint32_t apic_id, uint32_t vector_page)
{
	icr_write(apic_id, ICR_STARTUP | ICR_ASSERT | (vector_page & 0xFF));
}

void hvsim_apic_send_init_sipi(uint32_t apic_id, uint32_t vector_page)
{
	icr_write(apic_id, ICR_INIT | ICR_ASSERT);
	tsc_delay_us(hvsim.cfg.init_delay_us);
	send_sipi(apic_id, vector_page);
}

void hvsim_apic_send_nmi(uint32_t apic_id)
{
	icr_write(apic_id, (uint32_t)X86_ICR_DELIVERY_NMI << 8 | ICR_ASSERT);
}

/*
 * The virtual APIC's INIT and SIPI, to one VP by x2APIC ID: INIT stops
 * its VTL2 wherever it is and leaves it waiting for a SIPI (its CPU parks
 * in hvsim), a SIPI then starts it in real mode at the vector's page; a
 * SIPI to a VP not waiting for one is dropped, as by a CPU. hvsim never
 * lets a guest send a real INIT: that would reset a CPU running hvsim.
 */
static void init_sipi(struct hvsim_vp *from, uint64_t icr, uint32_t mode)
{
	uint32_t dest = (uint32_t)(icr >> X86_ICR_X2APIC_DEST_SHIFT);
	struct hvsim_vp *t = hvsim_vp_by_apic(dest);
	bool kick = false;

	if ((icr >> X86_ICR_SHORTHAND_SHIFT & 3) != X86_ICR_SHORTHAND_NONE ||
	    icr & X86_ICR_DEST_LOGICAL || !t || t == from)
		hvsim_fail(from,
			   "ICR 0x%lx: INIT/SIPI is modelled to one other "
			   "VP by physical x2APIC ID only",
			   icr);
	hvsim_lock(t);
	if (mode == X86_ICR_DELIVERY_INIT) {
		/* Level de-assert INIT: nothing to do (x2APIC has none). */
		if (icr & X86_ICR_LEVEL_ASSERT) {
			t->apic_state = HVSIM_APIC_WAIT_SIPI;
			t->rec.inits++;
			kick = true;
		}
	} else if (t->apic_state == HVSIM_APIC_WAIT_SIPI) {
		t->sipi_vector = (uint8_t)icr;
		t->apic_state = HVSIM_APIC_SIPI;
		kick = true;
	}
	hvsim_unlock(t);
	if (kick)
		hvsim_kick(t);
}

void hvsim_apic_icr_from_vtl2(struct hvsim_vp *vp, uint64_t icr)
{
	uint32_t mode = (uint32_t)(icr >> X86_ICR_DELIVERY_MODE_SHIFT) &
			X86_ICR_DELIVERY_MODE_MASK;

	switch (mode) {
	case X86_ICR_DELIVERY_FIXED:
	case X86_ICR_DELIVERY_LOWEST:
		wrmsr(X86_MSR_X2APIC_ICR, icr);
		break;
	case X86_ICR_DELIVERY_INIT:
	case X86_ICR_DELIVERY_STARTUP:
		init_sipi(vp, icr, mode);
		break;
	default:
		/* NMIs are hvsim's kicks; SMIs are nobody's. */
		hvsim_fail(vp, "ICR 0x%lx: delivery mode %u is not modelled",
			   icr, mode);
	}
}

bool hvsim_apic_irr_pending(void)
{
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);

	for (uint32_t i = 0; i < 8; i++) {
		uint32_t irr;

		if (base & X86_APIC_BASE_X2APIC)
			irr = (uint32_t)rdmsr(X86_MSR_X2APIC_IRR(i));
		else if (base & X86_APIC_BASE_ENABLE)
			irr = *xapic_reg(base, XAPIC_IRR + 0x10 * i);
		else
			return false;
		if (irr)
			return true;
	}
	return false;
}

/* hvsim_apic_reset(): an IDT whose every gate EOIs (arch/apic_drain.S). */
void hvsim_drain_irq(void);

static struct hvsim_gate drain_idt[256] HVSIM_PRIVATE
	__attribute__((aligned(16)));

static bool isr_empty(void)
{
	for (uint32_t i = 0; i < 8; i++)
		if (rdmsr(X2APIC_ISR(i)))
			return false;
	return true;
}

void hvsim_apic_reset(void)
{
	const struct hvsim_desc_ptr desc = { sizeof(drain_idt) - 1,
					     (uintptr_t)drain_idt };
	uint64_t a = (uintptr_t)hvsim_drain_irq;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (uint32_t v = 0; v < 256; v++) {
		drain_idt[v].selector = cs;
		drain_idt[v].type = 0x8E;
		hvsim_gate_point(&drain_idt[v], a);
	}
	__asm__ volatile("lidt %0" : : "m"(desc));
	/* Taken only by an enabled APIC with nothing held back by TPR. */
	wrmsr(X2APIC_TPR_MSR, 0);
	wrmsr(X2APIC_SVR_MSR, SVR_ENABLE | 0xFF);
	for (uint32_t i = 0; i < 512 && hvsim_apic_irr_pending(); i++)
		__asm__ volatile("sti; nop; cli" : : : "memory");
	for (uint32_t i = 0; i < 256 && !isr_empty(); i++)
		wrmsr(X2APIC_EOI_MSR, 0);
	if (hvsim_apic_irr_pending() || !isr_empty())
		panic("hvsim: cannot clear this CPU's local APIC for an INIT");
	wrmsr(X2APIC_SVR_MSR, 0xFF); /* the reset value: disabled */
	hvsim_host_idt_load();
}
