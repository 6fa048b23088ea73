// SPDX-License-Identifier: MIT
#include "sidecar/core/fanout.h"

uint32_t sc_claim_vp(uint32_t *next_index, uint32_t vp_count)
{
	uint32_t i;

	/*
	 * Once exhausted, stop incrementing: polling an exhausted counter
	 * forever must not wrap it back into range.
	 */
	if (__atomic_load_n(next_index, __ATOMIC_RELAXED) >= vp_count)
		return SC_NO_VP;
	i = __atomic_fetch_add(next_index, 1, __ATOMIC_ACQ_REL);
	return i < vp_count ? i : SC_NO_VP;
}
