// SPDX-License-Identifier: MIT
/*
 * StartVirtualProcessor's segment check: the hidden state a context gives
 * for CS, DS, ES, FS, GS, SS and TR (base, limit, attributes) must be what
 * loading its selector from the context's own GDT would give, as a CPU
 * that started there would have it: the accessed bit set in a code or data
 * segment, a TSS busy, the limit scaled by G. FS and GS bases are the
 * MSRs' in long mode, so only their limits and attributes are compared. A
 * null data selector is unusable whatever its hidden state, and a null TR
 * is one hvsim does not load (launch.c), so neither is compared.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>

#include "internal.h"

#define SEL_INDEX(s) ((uint64_t)((s) & ~7u))
#define SEL_TI 0x4 /* the LDT */
#define TYPE_ACCESSED 0x1
#define TYPE_TSS_AVAILABLE 0x9
#define TYPE_TSS_BUSY 0xB

/* The GDT qword at va in the new VP's address space; false: not mapped. */
static bool read_qword(uint64_t cr3, uint64_t va, uint64_t *q)
{
	struct hvsim_paging pg = {
		.cr3 = cr3,
		.efer = rdmsr(X86_MSR_EFER),
		.maxphyaddr = hvsim.maxphyaddr,
	};
	struct hvsim_mapping m;
	const uint64_t *p;

	if (va & 7 || hvsim_pt_lookup(&pg, va, &m) != HV_TRANSLATE_GVA_SUCCESS)
		return false;
	p = hvsim_phys(m.pa + (va & (m.size - 1)), 8);
	if (!p)
		return false;
	*q = *p;
	return true;
}

struct hv_x64_segment_register hvsim_descriptor_loaded(uint16_t sel, uint64_t d,
						       uint64_t hi, bool system)
{
	struct hv_x64_segment_register r = { .selector = sel };
	uint32_t limit = (uint32_t)(d & 0xFFFF) | (uint32_t)(d >> 32 & 0xF0000);

	r.base = (d >> 16 & 0xFFFFFF) | (d >> 32 & 0xFF000000);
	if (system)
		r.base |= hi << 32;
	r.attributes = (uint16_t)((d >> 40 & 0xFF) | (d >> 52 & 0xF) << 12);
	r.limit = r.attributes & X86_SEGMENT_ATTR_G ? limit << 12 | 0xFFF :
						      limit;
	if (!system)
		r.attributes |= TYPE_ACCESSED;
	else if ((r.attributes & X86_SEGMENT_ATTR_TYPE_MASK) ==
		 TYPE_TSS_AVAILABLE)
		r.attributes |= TYPE_TSS_BUSY; /* ltr marks it busy */
	return r;
}

/* NULL, or why segment `name` of c is not what its GDT entry gives. */
static const char *check_one(const struct hv_initial_vp_context_x64 *c,
			     const char *name,
			     const struct hv_x64_segment_register *s,
			     bool system, bool base_from_msr, char *why,
			     size_t size)
{
	uint64_t va = c->gdtr.base + SEL_INDEX(s->selector), d, hi = 0;
	struct hv_x64_segment_register want;
	uint16_t type;

	if (SEL_INDEX(s->selector) == 0 && !(s->selector & SEL_TI)) {
		if (name[0] != 'C')
			return NULL; /* unusable, or a TR hvsim does not load */
		snprintf(why, size, "CS selector 0x%x is null", s->selector);
		return why;
	}
	if (s->selector & SEL_TI) {
		snprintf(why, size, "%s selector 0x%x names the LDT", name,
			 s->selector);
		return why;
	}
	if (SEL_INDEX(s->selector) + (system ? 15 : 7) > c->gdtr.limit) {
		snprintf(why, size,
			 "%s selector 0x%x is beyond the GDT limit 0x%x", name,
			 s->selector, c->gdtr.limit);
		return why;
	}
	if (!read_qword(c->cr3, va, &d) ||
	    (system && !read_qword(c->cr3, va + 8, &hi))) {
		snprintf(why, size,
			 "%s selector 0x%x: GDT entry at 0x%lx not mapped",
			 name, s->selector, va);
		return why;
	}
	want = hvsim_descriptor_loaded(s->selector, d, hi, system);
	type = want.attributes & X86_SEGMENT_ATTR_TYPE_MASK;
	if (!(want.attributes & X86_SEGMENT_ATTR_P) ||
	    !(want.attributes & X86_SEGMENT_ATTR_S) != system ||
	    (system && type != TYPE_TSS_BUSY)) {
		snprintf(why, size,
			 "%s selector 0x%x: GDT entry 0x%016lx is not a "
			 "present %s descriptor",
			 name, s->selector, d,
			 system ? "64-bit TSS" : "code or data");
		return why;
	}
	if ((!base_from_msr && want.base != s->base) ||
	    want.limit != s->limit || want.attributes != s->attributes) {
		snprintf(why, size,
			 "%s hidden state (base 0x%lx limit 0x%x attributes "
			 "0x%x) differs from its GDT entry 0x%016lx (base "
			 "0x%lx limit 0x%x attributes 0x%x)",
			 name, s->base, s->limit, s->attributes, d, want.base,
			 want.limit, want.attributes);
		return why;
	}
	return NULL;
}

const char *hvsim_check_segments(const struct hv_initial_vp_context_x64 *c,
				 char *why, size_t size)
{
	const struct {
		const char *name;
		const struct hv_x64_segment_register *s;
		bool system, base_from_msr;
	} segs[] = {
		{ "CS", &c->cs, false, false }, { "DS", &c->ds, false, false },
		{ "ES", &c->es, false, false }, { "FS", &c->fs, false, true },
		{ "GS", &c->gs, false, true },	{ "SS", &c->ss, false, false },
		{ "TR", &c->tr, true, false },
	};

	for (uint32_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		const char *r = check_one(c, segs[i].name, segs[i].s,
					  segs[i].system, segs[i].base_from_msr,
					  why, size);

		if (r)
			return r;
	}
	return NULL;
}
