// SPDX-License-Identifier: MIT
/*
 * scenario=hvsim-no-assist, a test that must fail: a VTL return before
 * VpAssistPage was set has nowhere to take RAX/RCX from or to put the exit
 * reason, and hvsim must say so loudly instead of guessing.
 */
#include <stdint.h>

#include <kernel/arch.h>

#include <hvsim/hvsim.h>
#include <hvsim/page.h>

#include "scenarios.h"
#include "selftest.h"
#include "selftest_space.h"

static struct st_space space;

int scenario_hvsim_no_assist(const struct scenario_env *env)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)read_cr3();
	uint32_t bsp = hvsim_bsp();
	struct st_vtl_io *io;
	struct st_vp *d;

	(void)env;
	st_space_build(&space, &bsp, 1);
	pml4[511] = ((uint64_t *)(uintptr_t)space.root)[511];
	write_cr3(read_cr3());
	d = st_vp_of(&space, bsp);
	io = (struct st_vtl_io *)(uintptr_t)d->io_pa;
	io->assist_va = d->assist_va;
	io->target = ST_PAGE_VA + HVSIM_PAGE_VTL_RETURN_OFFSET;
	__asm__ volatile("fxsave %0" : "=m"(io->fx_in));
	st_vtl_return((struct st_vtl_io *)d->io_va);
	return -1; /* hvsim should have failed the test already */
}
