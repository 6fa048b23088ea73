// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-start-check: StartVirtualProcessor refuses a context whose
 * hidden segment state is not what its own GDT gives for the selector
 * (InvalidRegisterValue, and hvsim prints why). The BSP starts VP 1 on the
 * kernel's GDT, IDT and a copy of its page table (slot 511 filled, as
 * hvsim requires), first with one segment wrong at a time, then with the
 * right state, on which VP 1 must really launch (into a halt loop).
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/layout.h>
#include <kernel/pmem.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "hv/hypercall.h"
#include "hv/status.h"
#include "hvsim_call.h"
#include "scenarios.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define TARGET 1
#define STACK_SIZE 4096

struct table_reg {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static union {
	struct hv_enable_vp_vtl_x64 enable;
	struct hv_start_virtual_processor_x64 start;
	uint8_t page[4096];
} in __attribute__((aligned(4096)));

static uint8_t stack[STACK_SIZE] __attribute__((aligned(16)));

void hvsim_start_check_park(void);
__asm__(".text\n"
	".globl hvsim_start_check_park\n"
	"hvsim_start_check_park:\n"
	"1: cli; hlt; jmp 1b\n");

static void segment(struct hv_x64_segment_register *r, uint16_t sel,
		    uint16_t attr)
{
	r->base = 0;
	r->limit = 0xFFFFFFFF;
	r->selector = sel;
	r->attributes = attr;
}

/* The right context: the kernel's GDT (KERNEL_CS, KERNEL_DS), no TR. */
static void good_context(struct hv_initial_vp_context_x64 *c, uint64_t cr3)
{
	struct table_reg gdt, idt;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	memset(c, 0, sizeof(*c));
	c->rip = (uintptr_t)hvsim_start_check_park;
	c->rsp = (uintptr_t)stack + STACK_SIZE;
	c->rflags = 0x2;
	segment(&c->cs, KERNEL_CS, 0xA09B);
	segment(&c->ds, KERNEL_DS, 0xC093);
	segment(&c->es, KERNEL_DS, 0xC093);
	segment(&c->fs, KERNEL_DS, 0xC093);
	segment(&c->gs, KERNEL_DS, 0xC093);
	segment(&c->ss, KERNEL_DS, 0xC093);
	c->gdtr.base = gdt.base;
	c->gdtr.limit = gdt.limit;
	c->idtr.base = idt.base;
	c->idtr.limit = idt.limit;
	c->efer = rdmsr(MSR_EFER);
	c->cr0 = read_cr0();
	c->cr3 = cr3;
	c->cr4 = read_cr4();
	c->msr_cr_pat = 0x0007040600070406ull;
}

/* The kernel's table with slot 511 present (hvsim wants the image's). */
static uint64_t page_table(void)
{
	uint64_t pa = pmem_alloc_page("start-check pml4");
	uint64_t *pml4 = (uint64_t *)(uintptr_t)pa;

	memcpy(pml4, (const void *)(uintptr_t)(read_cr3() & ~0xFFFull), 4096);
	pml4[511] = pml4[0];
	return pa;
}

static uint16_t start(const struct hv_initial_vp_context_x64 *c)
{
	memset(&in, 0, sizeof(in));
	in.start.partition_id = HV_PARTITION_ID_SELF;
	in.start.vp_index = TARGET;
	in.start.target_vtl = HV_VTL2;
	in.start.vp_context = *c;
	return hvsim_call(HV_CALL_START_VIRTUAL_PROCESSOR, 0, (uintptr_t)&in,
			  0);
}

static void refused(const struct scenario_env *env, const char *what,
		    const struct hv_initial_vp_context_x64 *c)
{
	uint16_t st = start(c);

	printf("hvsim-start-check: %s: %s (0x%x)\n", what,
	       hvsim_call_status_name(st), st);
	CHECK(st == HV_STATUS_INVALID_REGISTER_VALUE,
	      "%s: status 0x%x, want InvalidRegisterValue", what, st);
}

int scenario_hvsim_start_check(const struct scenario_env *env)
{
	struct hv_initial_vp_context_x64 good, c;
	uint16_t st;

	if (!CHECK(hvsim_vp_count() > TARGET, "needs 2 VPs"))
		return -1;
	good_context(&good, page_table());
	memset(&in, 0, sizeof(in));
	in.enable.partition_id = HV_PARTITION_ID_SELF;
	in.enable.vp_index = TARGET;
	in.enable.target_vtl = HV_VTL2;
	in.enable.vp_vtl_context = good;
	st = hvsim_call(HV_CALL_ENABLE_VP_VTL, 0, (uintptr_t)&in, 0);
	CHECK(st == HV_STATUS_SUCCESS, "EnableVpVtl: status 0x%x", st);

	c = good;
	c.cs.base = 0x100000;
	refused(env, "CS base 0x100000", &c);
	c = good;
	c.ds.limit = 0xFFFFF;
	refused(env, "DS limit not scaled by G", &c);
	c = good;
	c.ss.attributes = 0x4093;
	refused(env, "SS without G", &c);
	c = good;
	c.gs.attributes = 0xC0F3;
	refused(env, "GS DPL 3", &c);
	c = good;
	c.es.selector = KERNEL_CS;
	refused(env, "ES a code selector with data state", &c);
	c = good;
	c.tr.selector = KERNEL_DS;
	c.tr.limit = 0xFFFFFFFF;
	c.tr.attributes = 0x8B;
	refused(env, "TR a data descriptor", &c);
	c = good;
	c.cs.selector = (uint16_t)(good.gdtr.limit + 1) & ~7;
	refused(env, "CS beyond the GDT limit", &c);
	c = good;
	c.ds.selector = KERNEL_DS | 4;
	refused(env, "DS in the LDT", &c);

	/* FS and GS bases are the MSRs': any value is right. */
	c = good;
	c.fs.base = 0x12345000;
	c.gs.base = 0xFFFFFF8000000000ull;
	st = start(&c);
	printf("hvsim-start-check: the right state: %s (0x%x)\n",
	       hvsim_call_status_name(st), st);
	CHECK(st == HV_STATUS_SUCCESS, "the right state: status 0x%x", st);
	CHECK(hvsim_check_arrivals(), "VP %u did not launch", TARGET);
	env->result->started = hvsim_started();
	return 0;
}
