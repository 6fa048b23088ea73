/* SPDX-License-Identifier: MIT */
/*
 * Building the self-test's slot-511 address space (selftest.h layout).
 */
#ifndef SCENARIOS_SELFTEST_SPACE_H
#define SCENARIOS_SELFTEST_SPACE_H

#include <stdint.h>

#include "selftest.h"

struct st_space {
	uint64_t root; /* PML4 whose slot 511 holds the whole space */
	uint64_t page_pa; /* the copy of the hypercall page */
	uint64_t shared_pa;
	uint64_t vp_pa[256]; /* each VP's data page */
	uint64_t pml4[256]; /* each AP's PML4: slot 511 only */
	uint64_t guest_cr3; /* the guest table TranslateVirtualAddressEx walks */
};

/* The pointer to VP vp's data through the identity map. */
static inline struct st_vp *st_vp_of(const struct st_space *s, uint32_t vp)
{
	return (struct st_vp *)(uintptr_t)s->vp_pa[vp];
}

/* Everything for the VPs in vps[0..n) (the BSP first). */
void st_space_build(struct st_space *s, const uint32_t *vps, uint32_t n);
/* A PML4 that maps one writable and executable page. */
uint64_t st_space_wx_sample(void);

#endif
