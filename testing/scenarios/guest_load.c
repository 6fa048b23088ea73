// SPDX-License-Identifier: MIT
/*
 * The VMM's side of loading a guest: memory through the direct map (VTL0
 * RAM is identity-mapped for VTL0 by hvsim's nested table), registers
 * through hvsim's register file while the VP is idle, as HvCallSetVp-
 * Registers would set them.
 */
#include <stdint.h>

#include <kernel/panic.h>
#include <kernel/pgtable.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "guest_load.h"

/* Offsets in the shared part of VTL0 RAM (hvsim gives it 1 MiB). */
#define CODE 0x00000
#define GDT 0x46000
#define IDT 0x47000
#define TSS 0x48000
#define SCRATCH 0x50000 /* guest_alloc_page() from here to the end */
#define SHARED_END 0x100000

#define STEPS_BLOCK_FROM_TOP 64

#define GUEST_CR0 0x80010033 /* PG WP NE ET MP PE */
#define GUEST_CR4 0x620 /* OSXMMEXCPT OSFXSR PAE */
#define GUEST_EFER 0x500 /* LMA LME */

static uint64_t base, size, root; /* root: the 64-bit guests' PML4 */
static bool ready;

/* The data segment registers, loaded alike in every mode. */
static const uint32_t data_segs[] = { HV_REGISTER_DS, HV_REGISTER_ES,
				      HV_REGISTER_SS, HV_REGISTER_FS,
				      HV_REGISTER_GS };

static uint64_t *at(uint64_t off)
{
	return (uint64_t *)(uintptr_t)(base + off);
}

uint64_t guest_gpa(const uint8_t *label)
{
	if (!ready)
		panic("guests: guest_gpa before guest_setup");
	return base + CODE + (uint64_t)(label - guest_blob_start);
}

uint64_t guest_real_ip(const uint8_t *label)
{
	return (uint64_t)(label - guest_blob_start);
}

uint64_t guest_unmapped_gpa(void)
{
	return base + size;
}

uint64_t guest_alloc_page(void)
{
	static uint64_t next = SCRATCH;
	uint64_t pa;

	guest_setup();
	if (next >= SHARED_END)
		panic("guests: VTL0 scratch pages used up");
	pa = base + next;
	next += 0x1000;
	memset((void *)(uintptr_t)pa, 0, 0x1000);
	return pa;
}

void guest_table_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags,
		     bool large)
{
	pgtable_map_in(root, va, pa, flags, large ? PGT_2M : PGT_4K,
		       PGT_W | PGT_U, guest_alloc_page);
}

static uint64_t steps_block(uint32_t vp)
{
	return hvsim_vtl0_vp_slot(vp) + HVSIM_VTL0_VP_SLOT -
	       STEPS_BLOCK_FROM_TOP;
}

static void gdt_entry(uint64_t *gdt, unsigned int i, uint16_t attr)
{
	/* Flat: base 0, limit 0xfffff pages; attr bits 0-7 and 12-15. */
	gdt[i] = 0xFFFFull | (uint64_t)(attr & 0xFF) << 40 | 0xFull << 48 |
		 (uint64_t)((attr >> 12) & 0xF) << 52;
}

void guest_setup(void)
{
	uint64_t len = (uint64_t)(guest_blob_end - guest_blob_start);
	uint64_t *gdt, tss, handler;

	if (ready)
		return;
	hvsim_vtl0_ram(&base, &size);
	ready = true;
	if (len > GDT || size > (1ull << 30))
		panic("guests: blob %lu bytes, VTL0 RAM %lu", len, size);
	memcpy(at(CODE), guest_blob_start, len);

	/* Identity over VTL0 RAM in 2 MiB pages (it is 2 MiB aligned). */
	root = guest_alloc_page();
	for (uint64_t pa = base; pa < base + size; pa += 2ull << 20)
		guest_table_map(root, pa, pa, PGT_W, true);
	/* GUEST_UNMAPPED_VA: a 4 KiB page the nested table does not map. */
	guest_table_map(root, GUEST_UNMAPPED_VA, guest_unmapped_gpa(), PGT_W,
			false);

	gdt = at(GDT);
	gdt_entry(gdt, GUEST_CS / 8, GUEST_CS_ATTR);
	gdt_entry(gdt, GUEST_DS / 8, GUEST_DS_ATTR);
	tss = base + TSS;
	gdt[GUEST_TR / 8] = 0x67 | (tss & 0xFFFFFF) << 16 | 0x89ull << 40 |
			    ((tss >> 24) & 0xFF) << 56;
	gdt[GUEST_TR / 8 + 1] = tss >> 32;

	/* One 64-bit interrupt gate: GUEST_VECTOR. */
	handler = guest_gpa(guest_vector_handler);
	at(IDT)[GUEST_VECTOR * 2] = (handler & 0xFFFF) |
				    (uint64_t)GUEST_CS << 16 | 0x8Eull << 40 |
				    ((handler >> 16) & 0xFFFF) << 48;
	at(IDT)[GUEST_VECTOR * 2 + 1] = handler >> 32;
}

static void set(uint32_t vp, uint32_t name, uint64_t low, uint64_t high)
{
	struct hv_u128 v = { low, high };

	hvsim_set_register(vp, 0, name, v);
}

static void set_seg(uint32_t vp, uint32_t name, uint64_t b, uint32_t limit,
		    uint16_t sel, uint16_t attr)
{
	set(vp, name, b, limit | (uint64_t)sel << 32 | (uint64_t)attr << 48);
}

static void load_long_mode(uint32_t vp, uint64_t rip, uint64_t rsp,
			   uint64_t rflags)
{
	guest_setup();
	set(vp, HV_REGISTER_CR0, GUEST_CR0, 0);
	set(vp, HV_REGISTER_CR3, root, 0);
	set(vp, HV_REGISTER_CR4, GUEST_CR4, 0);
	set(vp, HV_REGISTER_EFER, GUEST_EFER, 0);
	set_seg(vp, HV_REGISTER_CS, 0, 0xFFFFFFFF, GUEST_CS, GUEST_CS_ATTR);
	for (unsigned int i = 0; i < 5; i++)
		set_seg(vp, data_segs[i], 0, 0xFFFFFFFF, GUEST_DS,
			GUEST_DS_ATTR);
	set_seg(vp, HV_REGISTER_TR, base + TSS, 0x67, GUEST_TR, 0x8B);
	set_seg(vp, HV_REGISTER_LDTR, 0, 0xFFFF, 0, 0x82);
	set(vp, HV_REGISTER_GDTR, (uint64_t)(GUEST_TR + 15) << 48, base + GDT);
	set(vp, HV_REGISTER_IDTR, (uint64_t)(256 * 16 - 1) << 48, base + IDT);
	set(vp, HV_REGISTER_PENDING_INTERRUPTION, 0, 0);
	set(vp, HV_REGISTER_RSP, rsp, 0);
	set(vp, HV_REGISTER_RFLAGS, rflags, 0);
	set(vp, HV_REGISTER_RIP, rip, 0);
}

void guest_paging(uint64_t *cr0, uint64_t *cr3, uint64_t *cr4, uint64_t *efer)
{
	guest_setup();
	*cr0 = GUEST_CR0;
	*cr3 = root;
	*cr4 = GUEST_CR4;
	*efer = GUEST_EFER;
}

void guest_load_steps(uint32_t vp, uint32_t every)
{
	uint64_t block = steps_block(vp);

	guest_setup();
	*(uint64_t *)(uintptr_t)(block + GUEST_STEPS_SINCE) = 0;
	*(uint64_t *)(uintptr_t)(block + GUEST_STEPS_EVERY) = every;
	load_long_mode(vp, guest_gpa(guest_steps), block, 0x2);
}

uint64_t guest_steps_done(uint32_t vp)
{
	return *(volatile uint64_t *)(uintptr_t)(steps_block(vp) +
						 GUEST_STEPS_TOTAL);
}

void guest_load_intercepts(uint32_t vp)
{
	guest_setup();
	load_long_mode(vp, guest_gpa(guest_intercepts),
		       hvsim_vtl0_vp_slot(vp) + HVSIM_VTL0_VP_SLOT -
			       STEPS_BLOCK_FROM_TOP,
		       0x2);
}

void guest_load_real(uint32_t vp)
{
	uint64_t cs = base + CODE;

	guest_setup();
	if (cs >> 32)
		panic("guests: VTL0 RAM above 4 GiB, no real mode there");
	set(vp, HV_REGISTER_CR0, 0x10, 0); /* ET */
	set(vp, HV_REGISTER_CR3, 0, 0);
	set(vp, HV_REGISTER_CR4, 0, 0);
	set(vp, HV_REGISTER_EFER, 0, 0);
	/* A base no real-mode selector gives: the loader's to choose. */
	set_seg(vp, HV_REGISTER_CS, cs, 0xFFFF, (uint16_t)(cs >> 4), 0x9B);
	for (unsigned int i = 0; i < 5; i++)
		set_seg(vp, data_segs[i], 0, 0xFFFF, 0, 0x93);
	set_seg(vp, HV_REGISTER_TR, 0, 0xFFFF, 0, 0x8B);
	set_seg(vp, HV_REGISTER_LDTR, 0, 0xFFFF, 0, 0x82);
	set(vp, HV_REGISTER_GDTR, 0, 0);
	set(vp, HV_REGISTER_IDTR, 0x3FFull << 48, 0);
	set(vp, HV_REGISTER_PENDING_INTERRUPTION, 0, 0);
	set(vp, HV_REGISTER_RSP, 0, 0);
	set(vp, HV_REGISTER_RFLAGS, 0x2, 0);
	set(vp, HV_REGISTER_RIP, guest_real_ip(guest_real), 0);
}
