// SPDX-License-Identifier: MIT
/*
 * HvCallTranslateVirtualAddressEx on a guest page table: the MMU walk of
 * ptwalk.c plus the access checks the control flags ask for.
 */
#include "hvsim/core.h"

#define CR4_SMEP HV_BIT64(20)
#define CR4_SMAP HV_BIT64(21)
#define CR4_LA57 HV_BIT64(12)

bool hvsim_paging_supported(const struct hvsim_paging *pg)
{
	if (!(pg->cr0 & X86_CR0_PG))
		return true; /* no paging: GVA == GPA */
	return (pg->cr4 & X86_CR4_PAE) && (pg->efer & X86_EFER_LMA) &&
	       !(pg->cr4 & CR4_LA57);
}

static bool is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static bool user_access(const struct hvsim_paging *pg, uint64_t flags)
{
	if (flags & HV_TRANSLATE_GVA_USER_ACCESS)
		return true;
	if (flags & HV_TRANSLATE_GVA_SUPERVISOR_ACCESS)
		return false;
	return pg->cpl == 3;
}

static uint32_t check_access(const struct hvsim_paging *pg, uint64_t flags,
			     uint32_t rights)
{
	bool user = user_access(pg, flags);
	bool read = (flags & HV_TRANSLATE_GVA_VALIDATE_READ) != 0;
	bool write = (flags & HV_TRANSLATE_GVA_VALIDATE_WRITE) != 0;
	bool exec = (flags & HV_TRANSLATE_GVA_VALIDATE_EXECUTE) != 0;
	bool user_page = (rights & HVSIM_MAP_U) != 0;

	if (!(flags & HV_TRANSLATE_GVA_PRIVILEGE_EXEMPT)) {
		if (user && !user_page)
			return HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
		if (!user && user_page) {
			if (exec && (pg->cr4 & CR4_SMEP))
				return HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
			if ((read || write) && (pg->cr4 & CR4_SMAP) &&
			    (flags & HV_TRANSLATE_GVA_ENFORCE_SMAP) &&
			    !(flags & HV_TRANSLATE_GVA_OVERRIDE_SMAP))
				return HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
		}
	}
	/* Supervisor writes to read-only pages fault only with CR0.WP. */
	if (write && !(rights & HVSIM_MAP_W) &&
	    (user || (pg->cr0 & X86_CR0_WP)))
		return HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
	if (exec && (rights & HVSIM_MAP_NX))
		return HV_TRANSLATE_GVA_PRIVILEGE_VIOLATION;
	return HV_TRANSLATE_GVA_SUCCESS;
}

static void set_ad_bits(const struct hvsim_paging *pg,
			const struct hvsim_mapping *m, bool write)
{
	for (uint32_t i = 0; i < m->levels; i++) {
		uint64_t *e = hvsim_paging_phys(pg, m->entry_pa[i], 8);
		uint64_t bits = HVSIM_PTE_A;

		if (write && i + 1 == m->levels)
			bits |= HVSIM_PTE_D;
		if (e)
			__atomic_fetch_or(e, bits, __ATOMIC_RELAXED);
	}
}

uint32_t hvsim_translate(const struct hvsim_paging *pg, uint64_t gva_page,
			 uint64_t flags, uint64_t *gpa_page)
{
	uint64_t gva = gva_page << 12;
	struct hvsim_mapping m;
	uint32_t rc;

	if (!(pg->cr0 & X86_CR0_PG)) {
		*gpa_page = gva_page;
		return HV_TRANSLATE_GVA_SUCCESS;
	}
	/* A non-canonical address maps nothing. */
	if ((gva_page >> 52) || !is_canonical(gva))
		return HV_TRANSLATE_GVA_PAGE_NOT_PRESENT;
	rc = hvsim_pt_lookup(pg, gva, &m);
	if (rc != HV_TRANSLATE_GVA_SUCCESS)
		return rc;
	rc = check_access(pg, flags, m.rights);
	if (rc != HV_TRANSLATE_GVA_SUCCESS)
		return rc;
	if (flags & HV_TRANSLATE_GVA_SET_PAGE_TABLE_BITS)
		set_ad_bits(pg, &m,
			    (flags & HV_TRANSLATE_GVA_VALIDATE_WRITE) != 0);
	*gpa_page = (m.pa + (gva & (m.size - 1))) >> 12;
	return HV_TRANSLATE_GVA_SUCCESS;
}
