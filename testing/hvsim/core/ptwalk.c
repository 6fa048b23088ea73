// SPDX-License-Identifier: MIT
/*
 * x86-64 4-level page-table walks over guest physical memory: the MMU's
 * lookup (for translation and for checking a VP's address space) and a
 * full walk that lists every leaf (for the W^X checks of the tests).
 */
#include "hvsim/core.h"

#define PT_ENTRIES 512
#define LEVELS 4

static uint64_t level_size(unsigned int level)
{
	/* level 0 is the PML4: its entries each cover 512 GiB. */
	return HV_U64(1) << (39 - 9 * level);
}

static unsigned int va_index(uint64_t va, unsigned int level)
{
	return (unsigned int)((va >> (39 - 9 * level)) & (PT_ENTRIES - 1));
}

static uint64_t canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16);
}

/* Reserved bits of an entry at this level (PS tells a leaf from a table). */
static uint64_t reserved_bits(unsigned int level, uint64_t e, bool nxe,
			      uint32_t maxphyaddr)
{
	uint64_t rsvd = 0;

	if (maxphyaddr < 52)
		rsvd |= (HV_BIT64(52) - 1) & ~(HV_BIT64(maxphyaddr) - 1);
	if (!nxe)
		rsvd |= HVSIM_PTE_NX;
	if (level == 0 && (e & HVSIM_PTE_PS))
		rsvd |= HVSIM_PTE_PS;
	/* Large pages: the frame's low bits (above the PAT bit) must be 0. */
	if (level == 1 && (e & HVSIM_PTE_PS))
		rsvd |= (HV_BIT64(30) - 1) & ~(HV_BIT64(13) - 1);
	if (level == 2 && (e & HVSIM_PTE_PS))
		rsvd |= (HV_BIT64(21) - 1) & ~(HV_BIT64(13) - 1);
	return rsvd;
}

static uint64_t leaf_frame(unsigned int level, uint64_t e)
{
	if (level == 3)
		return e & HVSIM_PTE_ADDR;
	/* Bit 12 of a large-page entry is PAT, not address. */
	return e & HVSIM_PTE_ADDR & ~(level_size(level) - 1);
}

uint32_t hvsim_pt_lookup(const struct hvsim_paging *pg, uint64_t va,
			 struct hvsim_mapping *m)
{
	bool nxe = (pg->efer & X86_EFER_NXE) != 0;
	uint64_t table = pg->cr3 & HVSIM_PTE_ADDR;
	uint32_t rights = HVSIM_MAP_W | HVSIM_MAP_U;

	m->levels = 0;
	for (unsigned int level = 0; level < LEVELS; level++) {
		uint64_t epa = table + 8 * va_index(va, level);
		const uint64_t *ep = hvsim_paging_phys(pg, epa, 8);
		uint64_t e;

		if (!ep)
			return HV_TRANSLATE_GVA_GPA_UNMAPPED;
		e = __atomic_load_n(ep, __ATOMIC_RELAXED);
		m->entry_pa[m->levels++] = epa;
		if (!(e & HVSIM_PTE_P))
			return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
		if (e & reserved_bits(level, e, nxe, pg->maxphyaddr))
			return HV_TRANSLATE_GVA_INVALID_PAGE_TABLE_FLAGS;
		if (!(e & HVSIM_PTE_W))
			rights &= ~(uint32_t)HVSIM_MAP_W;
		if (!(e & HVSIM_PTE_U))
			rights &= ~(uint32_t)HVSIM_MAP_U;
		if (nxe && (e & HVSIM_PTE_NX))
			rights |= HVSIM_MAP_NX;
		if (level == 3 || (level > 0 && (e & HVSIM_PTE_PS))) {
			m->size = level_size(level);
			m->va = canonical(va & ~(m->size - 1));
			m->pa = leaf_frame(level, e);
			m->rights = rights;
			return HV_TRANSLATE_GVA_SUCCESS;
		}
		table = e & HVSIM_PTE_ADDR;
	}
	return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT; /* not reached */
}

struct walk {
	void *(*phys)(uint64_t pa, uint64_t len);
	bool nxe;
	hvsim_pt_visit_fn visit;
	void *arg;
	unsigned int unreadable;
	struct hvsim_mapping m;
};

static void walk_table(struct walk *w, uint64_t table, unsigned int level,
		       uint64_t va_base, uint32_t rights)
{
	const uint64_t *t = w->phys(table, 4096);

	if (!t) {
		w->unreadable++;
		return;
	}
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
		uint64_t va = va_base + (uint64_t)i * level_size(level);
		uint32_t r = rights;

		if (!(e & HVSIM_PTE_P))
			continue;
		if (!(e & HVSIM_PTE_W))
			r &= ~(uint32_t)HVSIM_MAP_W;
		if (!(e & HVSIM_PTE_U))
			r &= ~(uint32_t)HVSIM_MAP_U;
		if (w->nxe && (e & HVSIM_PTE_NX))
			r |= HVSIM_MAP_NX;
		w->m.entry_pa[level] = table + 8 * i;
		if (level == 3 || (level > 0 && (e & HVSIM_PTE_PS))) {
			w->m.va = canonical(va);
			w->m.pa = leaf_frame(level, e);
			w->m.size = level_size(level);
			w->m.rights = r;
			w->m.levels = level + 1;
			w->visit(&w->m, w->arg);
			continue;
		}
		walk_table(w, e & HVSIM_PTE_ADDR, level + 1, va, r);
	}
}

unsigned int hvsim_pt_walk_with(uint64_t cr3, bool nxe,
				void *(*phys)(uint64_t pa, uint64_t len),
				hvsim_pt_visit_fn visit, void *arg)
{
	struct walk w = { .phys = phys, .nxe = nxe, .visit = visit, .arg = arg };

	walk_table(&w, cr3 & HVSIM_PTE_ADDR, 0, 0, HVSIM_MAP_W | HVSIM_MAP_U);
	return w.unreadable;
}

unsigned int hvsim_pt_walk(uint64_t cr3, bool nxe, hvsim_pt_visit_fn visit,
			   void *arg)
{
	return hvsim_pt_walk_with(cr3, nxe, hvsim_phys, visit, arg);
}
