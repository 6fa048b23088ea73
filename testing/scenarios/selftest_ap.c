// SPDX-License-Identifier: MIT
/*
 * The self-test's AP program: what a CPU started through hvsim runs, on a
 * page table that maps only PML4 slot 511, exercising the hypercall page
 * exactly as the sidecar image will (fan-out start, registers, translate,
 * VTL return) and recording every status for the BSP to check.
 *
 * Everything here must stay inside section .text.hvsim_st_ap: no globals,
 * no string literals, no library calls, no jump tables (the library is
 * built with -fno-jump-tables), no struct copies the compiler could turn
 * into memcpy. Data comes through struct st_vp and fixed slot-511 VAs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "selftest.h"

#define ST_AP __attribute__((section(".text.hvsim_st_ap")))

#define MSR_APIC_BASE 0x1b
#define MSR_X2APIC_SVR 0x80f
#define MSR_X2APIC_SELF_IPI 0x83f

#define CTL(code, reps) ((uint64_t)(code) | ((uint64_t)(reps) << 32))

void st_ap_main(struct st_vp *d);
void st_ap_fault(uint64_t vector, const uint64_t *frame);
uint64_t st_hypercall_checked(uint64_t control, uint64_t in_pa, uint64_t out_pa,
			      uint64_t *mask);

ST_AP static uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

ST_AP static void wrmsr64(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

ST_AP static uint64_t rdtsc64(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

ST_AP static uint32_t apic_id(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid"
			 : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(0xb), "c"(0));
	return d;
}

ST_AP static void copy(void *dst, const void *src, uint64_t bytes)
{
	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(bytes)
			 :
			 : "memory");
}

ST_AP static void set_phase(struct st_vp *d, uint32_t phase)
{
	__atomic_store_n(&d->phase, phase, __ATOMIC_RELEASE);
}

ST_AP uint64_t st_hypercall(uint64_t control, uint64_t in_pa, uint64_t out_pa)
{
	register uint64_t r8 __asm__("r8") = out_pa;
	uint64_t rax, rcx = control;

	/* The contract: only RAX and RCX change; trust it. */
	__asm__ volatile("call *%[page]"
			 : "=a"(rax), "+c"(rcx)
			 : "d"(in_pa), "r"(r8), [page] "r"(ST_PAGE_VA)
			 : "memory", "cc");
	return rax;
}

ST_AP static struct hv_get_set_vp_registers *regs_header(struct st_vp *d,
							 uint8_t vtl)
{
	struct hv_get_set_vp_registers *h = (void *)d->in_va;

	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = HV_VP_INDEX_SELF;
	h->target_vtl = vtl;
	h->rsvd[0] = 0;
	h->rsvd[1] = 0;
	h->rsvd[2] = 0;
	return h;
}

ST_AP uint16_t st_get(struct st_vp *d, uint8_t vtl, uint32_t name,
		      uint64_t *value)
{
	struct hv_get_set_vp_registers *h = regs_header(d, vtl);
	volatile uint64_t *out = (volatile uint64_t *)d->out_va;
	uint64_t r;

	*(uint32_t *)(h + 1) = name;
	out[0] = 0x5555555555555555;
	r = st_hypercall(CTL(HV_CALL_GET_VP_REGISTERS, 1), d->in_pa, d->out_pa);
	*value = out[0];
	return (uint16_t)r;
}

ST_AP uint16_t st_set(struct st_vp *d, uint8_t vtl, uint32_t name,
		      uint64_t value)
{
	struct hv_get_set_vp_registers *h = regs_header(d, vtl);
	struct hv_register_assoc *a = (void *)(h + 1);

	a->name = name;
	a->pad[0] = 0;
	a->pad[1] = 0;
	a->pad[2] = 0;
	a->value.reg128.low = value;
	a->value.reg128.high = 0;
	return (uint16_t)st_hypercall(CTL(HV_CALL_SET_VP_REGISTERS, 1),
				      d->in_pa, 0);
}

ST_AP uint16_t st_vp_call(struct st_vp *d, uint16_t code, uint32_t target,
			  const struct hv_initial_vp_context_x64 *ctx)
{
	/* Same first 16 bytes and context offset for both calls. */
	struct hv_enable_vp_vtl_x64 *in = (void *)d->in_va;

	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = target;
	in->target_vtl = HV_VTL2;
	in->reserved[0] = 0;
	in->reserved[1] = 0;
	in->reserved[2] = 0;
	copy(&in->vp_vtl_context, ctx, sizeof(*ctx));
	return (uint16_t)st_hypercall(code, d->in_pa, 0);
}

ST_AP void st_fanout(struct st_vp *d, struct st_shared *sh, uint32_t max_claims)
{
	for (uint32_t n = 0; n < max_claims; n++) {
		uint32_t i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_ACQ_REL);
		const struct st_vp *t;
		uint32_t target;
		uint16_t st;

		if (i >= sh->count)
			return;
		target = sh->order[i];
		t = (const struct st_vp *)ST_VP_VA(target);
		st = st_vp_call(d, HV_CALL_ENABLE_VP_VTL, target, &t->ctx);
		sh->enable_status[target] = st;
		if (st && st != HV_STATUS_VTL_ALREADY_ENABLED) {
			sh->start_status[target] = 0xFFFF;
			continue;
		}
		sh->started_by[target] = d->vp;
		sh->start_status[target] = st_vp_call(
			d, HV_CALL_START_VIRTUAL_PROCESSOR, target, &t->ctx);
	}
}

ST_AP static void negative(struct st_vp *d)
{
	d->neg_enable_self =
		st_vp_call(d, HV_CALL_ENABLE_VP_VTL, d->vp, &d->ctx);
	d->neg_start_self =
		st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, d->vp, &d->ctx);
	d->neg_start_bsp =
		st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, d->bsp, &d->ctx);
	d->neg_enable_bad =
		st_vp_call(d, HV_CALL_ENABLE_VP_VTL, 0xFFFF, &d->ctx);
	d->neg_start_bad =
		st_vp_call(d, HV_CALL_START_VIRTUAL_PROCESSOR, 0xFFFF, &d->ctx);
}

ST_AP static void registers(struct st_vp *d)
{
	uint64_t dummy;

	/* First Get of this VP: the BSP may have injected a failure. */
	d->get_injected = st_get(d, 0, HV_REGISTER_VSM_CAPABILITIES, &d->caps);
	d->get_after_injection =
		st_get(d, 0, HV_REGISTER_VSM_CAPABILITIES, &d->caps);
	d->set_assist =
		st_set(d, 0, HV_REGISTER_VP_ASSIST_PAGE, d->assist_pa | 1);
	d->set_assist_bad =
		st_set(d, 0, HV_REGISTER_VP_ASSIST_PAGE, d->assist_pa | 3);
	d->set_regpage =
		st_set(d, 0, HV_REGISTER_REGISTER_PAGE, d->regpage_pa | 1);
	d->get_offsets =
		st_get(d, 0, HV_REGISTER_VSM_CODE_PAGE_OFFSETS, &d->offsets);
	d->get_vp_index =
		st_get(d, 0, HV_REGISTER_VP_INDEX, &d->vp_index_value);
	d->get_unknown = st_get(d, 0, 0x00012345, &dummy);
	d->set_unknown = st_set(d, 0, 0x00012345, 1);
	d->set_read_only = st_set(d, 0, HV_REGISTER_VSM_CAPABILITIES, 1);
	d->set_rip = st_set(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_RIP,
			    d->g_rip);
	d->get_rip = st_get(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_RIP,
			    &d->rip_back);
	d->get_rip_vtl2 = st_get(d, 0, HV_REGISTER_RIP, &d->rip_vtl2);
	d->get_vtl1 =
		st_get(d, HV_INPUT_VTL_USE_TARGET | 1, HV_REGISTER_RIP, &dummy);
	d->get_vtl3 =
		st_get(d, HV_INPUT_VTL_USE_TARGET | 3, HV_REGISTER_RIP, &dummy);
	d->always1 =
		(uint16_t)st_hypercall(ST_ALWAYS_CODE, d->in_pa, d->out_pa);
	d->always2 =
		(uint16_t)st_hypercall(ST_ALWAYS_CODE, d->in_pa, d->out_pa);

	regs_header(d, 0);
	*(uint32_t *)((struct hv_get_set_vp_registers *)d->in_va + 1) =
		HV_REGISTER_VSM_CODE_PAGE_OFFSETS;
	d->preserve_status = (uint16_t)st_hypercall_checked(
		CTL(HV_CALL_GET_VP_REGISTERS, 1), d->in_pa, d->out_pa,
		&d->preserve_mask);
}

ST_AP static void translate(struct st_vp *d)
{
	uint8_t vtl0 = HV_INPUT_VTL_USE_TARGET | 0;

	d->tr_setup[0] = st_set(d, vtl0, HV_REGISTER_CR0,
				X86_CR0_PE | X86_CR0_PG | X86_CR0_WP);
	d->tr_setup[1] = st_set(d, vtl0, HV_REGISTER_CR4, X86_CR4_PAE);
	d->tr_setup[2] = st_set(d, vtl0, HV_REGISTER_EFER,
				X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE);
	d->tr_setup[3] = st_set(d, vtl0, HV_REGISTER_CR3, d->guest_cr3);
	for (uint32_t i = 0; i < ST_NR_TRANSLATE; i++) {
		struct hv_translate_virtual_address_x64 *in = (void *)d->in_va;
		volatile struct hv_translate_virtual_address_ex_output_x64 *out =
			(void *)d->out_va;

		in->partition_id = HV_PARTITION_ID_SELF;
		in->vp_index = HV_VP_INDEX_SELF;
		in->reserved = 0;
		in->control_flags = d->tr_flags[i];
		in->gva_page = d->tr_gva[i] >> 12;
		out->gpa_page = 0x5555;
		d->tr_status[i] = (uint16_t)st_hypercall(
			HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, d->in_pa,
			d->out_pa);
		d->tr_result[i] = out->translation_result.result;
		d->tr_gpa[i] = out->gpa_page;
	}
}

ST_AP static uint32_t irqs(void)
{
	const struct st_shared *sh = (const void *)ST_SHARED_VA;

	return __atomic_load_n(&sh->irqs[apic_id()], __ATOMIC_ACQUIRE);
}

ST_AP static void vtl_once(struct st_vp *d, struct st_vtl_io *io, uint32_t k)
{
	const struct hv_vp_assist_page *assist = (const void *)d->assist_va;
	struct st_vtl_result *r = &io->res[k];

	d->irq_before[k] = irqs();
	st_vtl_return(io);
	copy(r->gprs, io->out, sizeof(r->gprs));
	r->cr2 = io->out_cr2;
	r->reason = assist->vtl_control.entry_reason;
	/* The interrupt VTL0's run ended for is ours to take, as the image. */
	if (r->reason == HV_VTL_ENTRY_REASON_INTERRUPT)
		__asm__ volatile("sti; nop; cli" : : : "memory");
	copy(&r->fx, &io->fx_out, sizeof(r->fx));
	if (k == 0)
		copy(&io->msg, &assist->intercept_message, sizeof(io->msg));
}

ST_AP static void vtl(struct st_vp *d)
{
	struct st_vtl_io *io = (void *)d->io_va;

	io->assist_va = d->assist_va;
	io->target = ST_PAGE_VA + ((d->offsets >> 12) & 0xFFF);
	/* A valid FX image first, then recognisable XMM bytes. */
	__asm__ volatile("fxsave %0" : "=m"(io->fx_in));
	for (uint32_t r = 0; r < 16; r++)
		for (uint32_t b = 0; b < 16; b++)
			io->fx_in.xmm[r][b] = (uint8_t)(d->vp * 16 + r * 7 + b);
	for (uint32_t i = 0; i < 16; i++)
		io->in[i] = ((uint64_t)d->vp << 48) |
			    ((uint64_t)(i + 1) << 32) | (0x5a5a0000u + i);
	io->in[4] = 0;
	io->in_cr2 = 0xc2000000u + d->vp * 0x10000u;

	/* VTL0's paging back from translate(), as the BSP loaded it. */
	st_set(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_CR0, d->g_cr0);
	st_set(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_CR4, d->g_cr4);
	st_set(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_EFER, d->g_efer);
	st_set(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_CR3, d->g_cr3);

	/* guest_steps runs ST_INTERCEPT_STEPS steps and exits (out). */
	vtl_once(d, io, 0);
	d->irq_after[0] = irqs();

	/*
	 * An interrupt already pending: INTERRUPT before any guest
	 * instruction, the interrupt left pending for us (taken above).
	 */
	wrmsr64(MSR_X2APIC_SELF_IPI, ST_IRQ_VECTOR);
	vtl_once(d, io, 1);
	d->irq_after[1] = irqs();

	/* VTL0 at its hlt: halted until the BSP's IPI ends the run. */
	st_set(d, HV_INPUT_VTL_USE_TARGET | 0, HV_REGISTER_RIP, d->g_hlt_rip);
	set_phase(d, ST_PHASE_WAIT);
	vtl_once(d, io, 2);
	d->irq_after[2] = irqs();
}

ST_AP static void crash(struct st_vp *d)
{
	d->crash_status[0] =
		st_set(d, 0, HV_REGISTER_GUEST_CRASH_P0, ST_CRASH_P0);
	d->crash_status[1] = st_set(d, 0, HV_REGISTER_GUEST_CRASH_P1, d->vp);
	d->crash_status[2] = st_set(d, 0, HV_REGISTER_GUEST_CRASH_P2, 0x1234);
	d->crash_status[3] =
		st_set(d, 0, HV_REGISTER_GUEST_CRASH_P3,
		       d->self_pa + offsetof(struct st_vp, crash_msg));
	d->crash_status[4] =
		st_set(d, 0, HV_REGISTER_GUEST_CRASH_P4, d->crash_len);
	d->crash_status[5] = st_set(d, 0, HV_REGISTER_GUEST_CRASH_CTL,
				    HV_GUEST_CRASH_CTL_PRE_OS_ID(5) |
					    HV_GUEST_CRASH_CTL_CRASH_MESSAGE |
					    HV_GUEST_CRASH_CTL_CRASH_NOTIFY);
}

ST_AP void st_ap_main(struct st_vp *d)
{
	d->arrive_tsc = rdtsc64();
	/* Like the sidecar: x2APIC on, software-enabled, spurious 0xFF. */
	wrmsr64(MSR_APIC_BASE,
		rdmsr64(MSR_APIC_BASE) | (1u << 10) | (1u << 11));
	wrmsr64(MSR_X2APIC_SVR, 0x1FF);
	set_phase(d, ST_PHASE_ARRIVED);
	st_fanout(d, (struct st_shared *)ST_SHARED_VA, 0xFFFFFFFF);
	set_phase(d, ST_PHASE_STARTED);
	if (d->do_negative)
		negative(d);
	registers(d);
	translate(d);
	vtl(d);
	if (d->do_crash)
		crash(d);
	set_phase(d, ST_PHASE_DONE);
	for (;;)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}

ST_AP void st_ap_fault(uint64_t vector, const uint64_t *frame)
{
	const struct st_shared *sh = (const void *)ST_SHARED_VA;
	struct st_vp *d =
		(struct st_vp *)ST_VP_VA(sh->vp_of_apic[apic_id() & 255]);
	bool err = vector == 8 || (vector >= 10 && vector <= 14) ||
		   vector == 17 || vector == 21 || vector == 29 || vector == 30;
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	d->fault_vector = (uint32_t)vector + 1;
	st_set(d, 0, HV_REGISTER_GUEST_CRASH_P0, ST_CRASH_P0);
	st_set(d, 0, HV_REGISTER_GUEST_CRASH_P1, vector);
	st_set(d, 0, HV_REGISTER_GUEST_CRASH_P2, frame[err ? 2 : 1]);
	st_set(d, 0, HV_REGISTER_GUEST_CRASH_P3, cr2);
	st_set(d, 0, HV_REGISTER_GUEST_CRASH_P4, 0);
	st_set(d, 0, HV_REGISTER_GUEST_CRASH_CTL,
	       HV_GUEST_CRASH_CTL_PRE_OS_ID(5) |
		       HV_GUEST_CRASH_CTL_CRASH_NOTIFY);
}
