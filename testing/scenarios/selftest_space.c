// SPDX-License-Identifier: MIT
/*
 * The self-test's address space, built the way the image builds its own:
 * everything in PML4 slot 511, W^X (code read-only and executable, data
 * NX), one shared set of tables, per VP a PML4 that has only slot 511.
 * Also the initial contexts (hv_facts §9 values) and the guest page table
 * for the translation tests.
 */
#include <stdint.h>

#include <kernel/layout.h>
#include <kernel/panic.h>
#include <kernel/pgtable.h>
#include <kernel/pmem.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "guest_load.h"
#include "selftest_space.h"

#define RX 0
#define RO (PGT_NX)
#define RW (PGT_W | PGT_NX)

static void map(struct st_space *s, uint64_t va, uint64_t pa, uint64_t flags)
{
	pgtable_map(s->root, va, pa, flags, PGT_4K, PGT_W);
}

/* Fresh, physically contiguous pages mapped at va. */
static uint64_t map_new_n(struct st_space *s, uint64_t va, uint32_t pages,
			  uint64_t flags, const char *what)
{
	uint64_t pa = pmem_alloc(pages * 4096ull, 4096, what);

	for (uint32_t i = 0; i < pages; i++)
		map(s, va + i * 4096ull, pa + i * 4096ull, flags);
	return pa;
}

static uint64_t map_new(struct st_space *s, uint64_t va, uint64_t flags,
			const char *what)
{
	return map_new_n(s, va, 1, flags, what);
}

static uint64_t code_va(const char *sym)
{
	return ST_CODE_VA + (uint64_t)(sym - st_ap_start);
}

static void build_gdt(struct st_space *s)
{
	uint64_t *gdt = (uint64_t *)(uintptr_t)pmem_alloc_page("st gdt");

	gdt[ST_CS / 8] = 0x00af9b000000ffffull; /* 64-bit code, 0xA09B */
	gdt[ST_DS / 8] = 0x00cf93000000ffffull; /* data, 0xC093 */
	map(s, ST_GDT_VA, (uintptr_t)gdt, RO);
}

static void set_gate(uint8_t *idt, uint32_t vector, uint64_t handler)
{
	uint8_t *g = idt + 16 * vector;

	memset(g, 0, 16);
	g[0] = (uint8_t)handler;
	g[1] = (uint8_t)(handler >> 8);
	g[2] = ST_CS;
	g[5] = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	g[6] = (uint8_t)(handler >> 16);
	g[7] = (uint8_t)(handler >> 24);
	memcpy(g + 8, (const uint8_t *)&handler + 4, 4);
}

static void build_idt(struct st_space *s)
{
	uint8_t *idt = (uint8_t *)(uintptr_t)pmem_alloc_page("st idt");

	for (uint32_t v = 0; v < 32; v++)
		set_gate(idt, v,
			 code_va(st_exc_entries) + v * ST_EXC_STUB_SIZE);
	set_gate(idt, ST_IRQ_VECTOR, code_va(st_irq_entry));
	map(s, ST_IDT_VA, (uintptr_t)idt, RO);
}

static void segment(struct hv_x64_segment_register *r, uint16_t sel,
		    uint16_t attr)
{
	r->base = 0;
	r->limit = 0xFFFFFFFF;
	r->selector = sel;
	r->attributes = attr;
}

/* The values the sidecar uses for its APs (hv_facts §9). */
static void build_context(struct hv_initial_vp_context_x64 *c, uint32_t vp,
			  uint64_t pml4)
{
	memset(c, 0, sizeof(*c));
	c->rip = code_va(st_ap_entry);
	c->rsp = ST_VP_VA(vp) + ST_VP_STACK_TOP - 8;
	c->rflags = 0x2;
	segment(&c->cs, ST_CS, 0xA09B);
	segment(&c->ds, ST_DS, 0xC093);
	segment(&c->es, ST_DS, 0xC093);
	segment(&c->fs, ST_DS, 0xC093);
	segment(&c->gs, ST_DS, 0xC093);
	segment(&c->ss, ST_DS, 0xC093);
	c->tr.limit = 0xFFFF;
	c->tr.attributes = 0x008B;
	c->idtr.base = ST_IDT_VA;
	c->idtr.limit = ST_IDT_ENTRIES * 16 - 1;
	c->gdtr.base = ST_GDT_VA;
	c->gdtr.limit = 4 * 8 - 1;
	c->efer = 0xD00;
	c->cr0 = 0x80000021;
	c->cr3 = pml4;
	c->cr4 = 0x260;
	c->msr_cr_pat = 0x0007040600070406ull;
}

static void build_vp(struct st_space *s, uint32_t vp, uint32_t bsp)
{
	uint64_t base = ST_VP_VA(vp), stack;
	struct st_vp *d;

	s->vp_pa[vp] = map_new(s, base + ST_VP_DATA, RW, "st data");
	d = st_vp_of(s, vp);
	d->vp = vp;
	d->bsp = bsp;
	d->self_pa = s->vp_pa[vp];
	d->in_va = base + ST_VP_IN;
	d->in_pa = map_new(s, d->in_va, RW, "st input");
	d->out_va = base + ST_VP_OUT;
	d->out_pa = map_new(s, d->out_va, RW, "st output");
	d->assist_va = base + ST_VP_ASSIST;
	d->assist_pa = map_new(s, d->assist_va, RW, "st assist");
	d->regpage_pa = map_new(s, base + ST_VP_REGPAGE, RW, "st regpage");
	d->io_va = base + ST_VP_IO;
	d->io_pa = map_new_n(s, d->io_va, 2, RW, "st io");
	stack = map_new_n(s, base + ST_VP_STACK,
			  (ST_VP_STACK_TOP - ST_VP_STACK) / 4096, RW,
			  "st stack");
	d->guest_cr3 = s->guest_cr3;
	if (vp == bsp)
		return;
	s->pml4[vp] = pmem_alloc_page("st pml4");
	((uint64_t *)(uintptr_t)s->pml4[vp])[511] =
		((uint64_t *)(uintptr_t)s->root)[511];
	build_context(&d->ctx, vp, s->pml4[vp]);
	/* st_ap_entry finds its st_vp at the initial RSP. */
	*(uint64_t *)(uintptr_t)(stack + ST_VP_STACK_TOP - ST_VP_STACK - 8) =
		base;
	/* Below the initial RSP: StartVirtualProcessor must not write. */
	for (uint32_t w = 1; w <= ST_BELOW_RSP_WORDS; w++)
		*(uint64_t *)(uintptr_t)(stack + ST_VP_STACK_TOP - ST_VP_STACK -
					 8 - 8 * w) = ST_BELOW_RSP_CANARY + w;
}

/* Guest GPAs the translations must produce (never accessed). */
#define GUEST_PAGE 0x1234000ull
#define GUEST_LARGE 0x40000000ull

/* In VTL0 RAM: hvsim reads VTL0's tables through nested paging. */
static void build_guest_table(struct st_space *s)
{
	uint64_t t = guest_alloc_page();

	s->guest_cr3 = t;
	guest_table_map(t, 0x400000, GUEST_PAGE, PGT_W, false);
	guest_table_map(t, 0x402000, GUEST_PAGE + 0x2000, 0, false);
	guest_table_map(t, 0x403000, GUEST_PAGE + 0x3000, PGT_W | PGT_NX,
			false);
	guest_table_map(t, 0x404000, GUEST_PAGE + 0x4000, PGT_W | PGT_U, false);
	guest_table_map(t, 0x405000, GUEST_PAGE + 0x5000, PGT_W | (1ull << 51),
			false);
	guest_table_map(t, 0x600000, GUEST_LARGE, PGT_W, true);
}

void st_space_build(struct st_space *s, const uint32_t *vps, uint32_t n)
{
	uint64_t code_len = (uint64_t)(st_ap_end - st_ap_start);

	memset(s, 0, sizeof(*s));
	if ((uintptr_t)st_ap_start & 0xFFF || code_len & 0xFFF)
		panic("selftest: AP code section not page aligned");
	if (code_len > ST_CODE_MAX_PAGES * 4096)
		panic("selftest: AP code is %lu bytes", code_len);
	s->root = pmem_alloc_page("st root");
	s->page_pa = map_new(s, ST_PAGE_VA, RX, "st page copy");
	memcpy((void *)(uintptr_t)s->page_pa,
	       (const void *)(uintptr_t)hvsim_hypercall_page_pa(), 4096);
	for (uint64_t off = 0; off < code_len; off += 0x1000)
		map(s, ST_CODE_VA + off, (uintptr_t)st_ap_start + off, RX);
	build_gdt(s);
	build_idt(s);
	s->shared_pa =
		map_new_n(s, ST_SHARED_VA, ST_SHARED_PAGES, RW, "st shared");
	build_guest_table(s);
	for (uint32_t i = 0; i < n; i++)
		build_vp(s, vps[i], vps[0]);
}

uint64_t st_space_wx_sample(void)
{
	uint64_t root = pmem_alloc_page("wx sample");

	pgtable_map(root, ST_BASE, pmem_alloc_page("wx page"), PGT_W, PGT_4K,
		    PGT_W);
	pgtable_map(root, ST_BASE + 0x1000, pmem_alloc_page("rx page"), 0,
		    PGT_4K, PGT_W);
	return root;
}
