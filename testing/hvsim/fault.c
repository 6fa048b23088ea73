// SPDX-License-Identifier: MIT
/*
 * Exception injection: an armed VP's next entry into hvsim does its work
 * as usual, then returns into an exception stub of the caller's own page
 * copy (page.S) instead of to the caller. The image stays exactly the
 * production one; the fault comes from the "hypervisor" side, at an
 * address inside the image's text, on the caller's stack and tables.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/string.h>

#include "internal.h"

static const struct {
	const char *name;
	uint32_t offset;
} kinds[] = {
	[HVSIM_FAULT_UD] = { "ud", HVSIM_PAGE_FAULT_UD_OFFSET },
	[HVSIM_FAULT_BP] = { "bp", HVSIM_PAGE_FAULT_BP_OFFSET },
	[HVSIM_FAULT_PF] = { "pf", HVSIM_PAGE_FAULT_PF_OFFSET },
	[HVSIM_FAULT_STACK] = { "stack", HVSIM_PAGE_FAULT_STACK_OFFSET },
};

#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static struct {
	uint32_t kind; /* armed; taken by the entry that fires it */
	uint64_t addr;
	uint64_t rip; /* where it sent the VP */
} faults[HVSIM_MAX_VPS];

bool hvsim_inject_fault(uint32_t index, uint32_t kind, uint64_t addr)
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

uint64_t hvsim_fault_rip(uint32_t index)
{
	return index < HVSIM_MAX_VPS ?
		       __atomic_load_n(&faults[index].rip, __ATOMIC_ACQUIRE) :
		       0;
}

void hvsim_fault_apply(struct hvsim_vp *vp, const struct hvsim_frame *f)
{
	uint32_t i = vp->rec.vp;
	uint32_t kind =
		__atomic_exchange_n(&faults[i].kind, 0, __ATOMIC_ACQ_REL);
	/* The caller's stack is mapped here: slot 511 is the caller's. */
	uint64_t *stack = (uint64_t *)(uintptr_t)f->caller_sp;
	uint64_t rip, was;

	if (!kind)
		return;
	rip = f->page_va + kinds[kind].offset;
	was = stack[HVSIM_CALLER_RETURN_SLOT / 8];
	stack[HVSIM_CALLER_KIND_SLOT / 8] = faults[i].addr;
	stack[HVSIM_CALLER_RETURN_SLOT / 8] = rip;
	__atomic_store_n(&faults[i].rip, rip, __ATOMIC_RELEASE);
	printf("hvsim: VP %u: injected %s fault: returning to 0x%lx instead "
	       "of 0x%lx\n",
	       i, kinds[kind].name, rip, was);
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
		return "kind is one of ud, bp, pf, stack";
	s = v + n + 1;
	if (s < end && (!(v = field(s, end, "addr", &n)) ||
			!number(v, n, &addr) || v + n != end))
		return "expected :addr=A at the end";
	if (!hvsim_inject_fault((uint32_t)vp, kind, addr))
		return "no such VP";
	return NULL;
}
