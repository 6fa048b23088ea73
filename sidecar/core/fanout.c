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

bool sc_sidecar_starts_vp(const struct sidecar_per_cpu_state *s, uint32_t vp)
{
	if (!s->per_cpu_state_specified ||
	    vp >= SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)
		return true;
	return s->sidecar_starts_cpu[vp] != 0;
}

uint32_t sc_claim_sidecar_vp(uint32_t *next_index, uint32_t vp_count,
			     uint32_t base_vp,
			     const struct sidecar_per_cpu_state *s)
{
	uint32_t i;

	do
		i = sc_claim_vp(next_index, vp_count);
	while (i != SC_NO_VP && !sc_sidecar_starts_vp(s, base_vp + i));
	return i;
}
