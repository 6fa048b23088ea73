// SPDX-License-Identifier: MIT
#include "sidecar/core/dispatch.h"
#include "sidecar/core/error.h"

bool sc_stop_requested(const struct sidecar_control_page *cp,
		       uint32_t node_cpu_index)
{
	return sidecar_cpu_status_load(cp, node_cpu_index) ==
	       SIDECAR_CPU_STATUS_STOP;
}

bool sc_complete(struct sidecar_control_page *cp, uint32_t node_cpu_index,
		 uint8_t final_status, uint32_t *apic_id, uint32_t *vector)
{
	uint32_t v;

	sidecar_cpu_status_store(cp, node_cpu_index, final_status);
	sidecar_needs_attention_store(cp, 1);
	v = sidecar_control_load32(&cp->response_vector);
	if (v == 0)
		return false;
	*vector = v;
	*apic_id = sidecar_control_load32(&cp->response_cpu);
	return true;
}

bool sc_serve_command(struct sidecar_control_page *cp, uint32_t node_cpu_index,
		      struct sidecar_command_page *page, struct sc_vp_state *st,
		      const struct sc_vp_ops *ops, uint32_t *apic_id,
		      uint32_t *vector)
{
	/* Taken, so a stale command can never run twice. */
	uint32_t command = __atomic_exchange_n(
		&page->command, SIDECAR_COMMAND_NONE, __ATOMIC_ACQ_REL);

	page->has_error = 0;
	sc_error_clear(&page->error);
	sc_execute(page, command, st, ops);
	return sc_complete(cp, node_cpu_index, SIDECAR_CPU_STATUS_IDLE, apic_id,
			   vector);
}
