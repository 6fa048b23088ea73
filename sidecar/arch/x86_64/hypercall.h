/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls through the image's copy of the hypercall page, using the
 * calling CPU's own input and output pages. Each returns the HvStatus.
 */
#ifndef SIDECAR_ARCH_HYPERCALL_H
#define SIDECAR_ARCH_HYPERCALL_H

#include <stdint.h>

#include "hv/hvdef.h"
#include "percpu.h"

extern uint8_t sc_hcall_page[4096];

uint16_t sc_hv_get_vp_register(struct sc_cpu *cpu, uint8_t target_vtl,
			       uint32_t name, struct hv_register_value *value);
uint16_t sc_hv_set_vp_register(struct sc_cpu *cpu, uint8_t target_vtl,
			       uint32_t name,
			       const struct hv_register_value *value);
uint16_t sc_hv_enable_vp_vtl(struct sc_cpu *cpu, uint32_t vp_index,
			     const struct hv_initial_vp_context_x64 *context);
uint16_t sc_hv_start_vp(struct sc_cpu *cpu, uint32_t vp_index,
			const struct hv_initial_vp_context_x64 *context);
uint16_t
sc_hv_translate_gva(struct sc_cpu *cpu, uint64_t gvn, uint64_t control_flags,
		    struct hv_translate_virtual_address_ex_output_x64 *out);

/* The TLFS name of a status, e.g. "VtlAlreadyEnabled", for messages. */
const char *sc_hv_status_text(uint16_t status);

#endif
