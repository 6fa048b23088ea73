// SPDX-License-Identifier: MIT
/*
 * Exception injection: an armed VP's next hypercall or VTL return does its
 * work as usual, then VTL2 goes on with an exception injected (EVENTINJ)
 * at the instruction after the VMMCALL, in the caller's page copy: #UD,
 * #BP, a #PF reading the address, or the stack moved to the address and a
 * #PF whose delivery then faults on it (a stack overflow: #DF). The image
 * stays exactly the production one.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/string.h>

#include "internal.h"

#define NO_ERROR ~0u

static const struct {
	const char *name;
	uint8_t vector;
	uint32_t error;
} kinds[] = {
	[HVSIM_FAULT_UD] = { "ud", 6, NO_ERROR },
	[HVSIM_FAULT_BP] = { "bp", 3, NO_ERROR },
	/* Not present, read, supervisor. */
	[HVSIM_FAULT_PF] = { "pf", 14, 0 },
	[HVSIM_FAULT_STACK] = { "stack", 14, 0 },
	/* Its delivery pushes the frame: the write. */
	[HVSIM_FAULT_WILD] = { "wild", 3, NO_ERROR },
};

#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

HVSIM_PRIVATE static struct {
	uint32_t kind; /* armed; taken by the entry that fires it */
	uint64_t addr;
	uint64_t rip; /* where it sent the VP */
} faults[HVSIM_MAX_VPS];

bool host_inject_fault(uint32_t index, uint32_t kind, uint64_t addr)
{
	if (!hvsim_vp(index) || !kind || kind >= NR_KINDS)
		return false;
	faults[index].addr = addr;
	faults[index].rip = 0;
	__atomic_store_n(&faults[index].kind, kind, __ATOMIC_RELEASE);
	printf("hvsim: inject %s fault on VP %u at its next entry (addr "
	       "0x%lx)\n",
	       kinds[kind].name, index, addr);
	return true;
}

uint64_t host_fault_rip(uint32_t index)
{
	return index < HVSIM_MAX_VPS ?
		       __atomic_load_n(&faults[index].rip, __ATOMIC_ACQUIRE) :
		       0;
}

/* The 4 KiB leaf entry that maps va in VTL2's own tables, or NULL. */
static uint64_t *leaf_entry(const struct svm_vmcb_save *s, uint64_t va)
{
	struct hvsim_paging pg = {
		.cr0 = s->cr0,
		.cr3 = s->cr3,
		.cr4 = s->cr4,
		.efer = s->efer & ~SVM_EFER_SVME,
		.maxphyaddr = hvsim.maxphyaddr,
	};
	struct hvsim_mapping m;

	if (hvsim_pt_lookup(&pg, va, &m) != HV_TRANSLATE_GVA_SUCCESS ||
	    m.size != 4096)
		return NULL;
	return hvsim_phys(m.entry_pa[m.levels - 1], 8);
}

static void point_stack_at(struct hvsim_vp *vp, uint64_t gpa)
{
	struct svm_vmcb_save *s = &vp->vtl2->save;
	uint64_t *e = leaf_entry(s, s->rsp - 8);

	if (!e)
		hvsim_fail(vp,
			   "wild fault: the stack below RSP 0x%lx has no "
			   "4 KiB page table entry",
			   s->rsp);
	printf("hvsim: VP %u: wild fault: its stack page 0x%lx now maps GPA "
	       "0x%lx\n",
	       vp->rec.vp, (s->rsp - 8) & ~(uint64_t)0xFFF,
	       gpa & ~(uint64_t)0xFFF);
	*e = (*e & ~HVSIM_PTE_ADDR) | (gpa & HVSIM_PTE_ADDR);
}

void hvsim_fault_apply(struct hvsim_vp *vp)
{
	uint32_t i = vp->rec.vp;
	uint32_t kind =
		__atomic_exchange_n(&faults[i].kind, 0, __ATOMIC_ACQ_REL);
	struct svm_vmcb_save *s = &vp->vtl2->save;

	if (!kind)
		return;
	if (kind == HVSIM_FAULT_PF)
		s->cr2 = faults[i].addr;
	if (kind == HVSIM_FAULT_STACK) {
		/* As if a push at the address had faulted. */
		s->rsp = faults[i].addr;
		s->cr2 = faults[i].addr - 8;
	}
	if (kind == HVSIM_FAULT_WILD)
		point_stack_at(vp, faults[i].addr ? faults[i].addr :
						    (uintptr_t)vp->vtl2);
	hvsim_vtl2_inject(vp, kinds[kind].vector, kinds[kind].error);
	__atomic_store_n(&faults[i].rip, s->rip, __ATOMIC_RELEASE);
	printf("hvsim: VP %u: injected %s fault at 0x%lx\n", i,
	       kinds[kind].name, s->rip);
}

/* "key=VALUE" at s, up to ':' or the end; the value's length in *vlen. */
static const char *field(const char *s, const char *end, const char *key,
			 size_t *vlen)
{
	size_t k = strlen(key);
	const char *v;

	if ((size_t)(end - s) <= k || strncmp(s, key, k) || s[k] != '=')
		return NULL;
	v = s + k + 1;
	for (*vlen = 0; v + *vlen < end && v[*vlen] != ':'; (*vlen)++)
		;
	return v;
}

static bool number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && s[1] == 'x') {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		char c = s[i];
		uint64_t d = c >= '0' && c <= '9' ? (uint64_t)(c - '0') :
			     base == 16 && c >= 'a' && c <= 'f' ?
						    (uint64_t)(c - 'a' + 10) :
						    99;

		if (d >= base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

const char *hvsim_fault_parse(const char *s, size_t len)
{
	const char *end = s + len, *v;
	uint64_t vp, addr = 0;
	uint32_t kind = 0;
	size_t n;

	v = field(s, end, "vp", &n);
	if (!v || !number(v, n, &vp) || vp >= HVSIM_MAX_VPS)
		return "expected Fault:vp=V:kind=K[:addr=A]";
	s = v + n + 1;
	v = s < end ? field(s, end, "kind", &n) : NULL;
	for (uint32_t k = 1; v && k < NR_KINDS; k++)
		if (strlen(kinds[k].name) == n && !strncmp(v, kinds[k].name, n))
			kind = k;
	if (!kind)
		return "kind is one of ud, bp, pf, stack, wild";
	s = v + n + 1;
	if (s < end && (!(v = field(s, end, "addr", &n)) ||
			!number(v, n, &addr) || v + n != end))
		return "expected :addr=A at the end";
	if (!host_inject_fault((uint32_t)vp, kind, addr))
		return "no such VP";
	return NULL;
}
