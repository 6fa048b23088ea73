/* SPDX-License-Identifier: MIT */
/*
 * Command semantics and the dispatch-loop protocol (DESIGN.md §4,
 * hv_facts §2, §4, §7), over a table of operations so that the kernel, the
 * host harness and the fuzzers run the same code.
 *
 * The arch dispatch loop of a sidecar CPU is:
 *
 *	for (;;) {
 *		switch (sc_poll_status(cp, idx, &status)) {
 *		case SC_WAKE_SLEEP:	sti; hlt; cli; break;
 *		case SC_WAKE_COMMAND:
 *			if (sc_serve_command(cp, idx, page, &st, &ops, &apic, &vec))
 *				send the IPI (fence first: x2APIC ICR writes
 *				do not order earlier stores);
 *			break;
 *		case SC_WAKE_REMOVE:
 *			unmap overlays, disable the APIC;
 *			sc_complete(cp, idx, SIDECAR_CPU_STATUS_REMOVED, ...) and IPI;
 *			park;
 *		case SC_WAKE_BAD_STATUS: report and park;
 *		}
 *	}
 */
#ifndef SIDECAR_CORE_DISPATCH_H
#define SIDECAR_CORE_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hvdef.h"
#include "sidecar/defs.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sc_vp_ops {
	void *ctx;
	/* One HvCallGetVpRegisters; returns the HV_STATUS_*. */
	uint16_t (*get_vp_register)(void *ctx, uint8_t target_vtl,
				    uint32_t name,
				    struct hv_register_value *value);
	/* One HvCallSetVpRegisters; returns the HV_STATUS_*. */
	uint16_t (*set_vp_register)(void *ctx, uint8_t target_vtl,
				    uint32_t name,
				    const struct hv_register_value *value);
	/* One HvCallTranslateVirtualAddressEx; returns the HV_STATUS_*. */
	uint16_t (*translate_gva)(
		void *ctx, uint64_t gvn, uint64_t control_flags,
		struct hv_translate_virtual_address_ex_output_x64 *out);
	/*
	 * Local MSRs and debug registers. Values come from the command page,
	 * so the CPU may refuse them (#GP): false then, and the batch stops
	 * with HV_STATUS_INVALID_REGISTER_VALUE (write) or
	 * HV_STATUS_INVALID_PARAMETER (read) in `status`.
	 */
	bool (*read_msr)(void *ctx, uint32_t msr, uint64_t *value);
	bool (*write_msr)(void *ctx, uint32_t msr, uint64_t value);
	bool (*read_dr)(void *ctx, unsigned int dr, uint64_t *value);
	bool (*write_dr)(void *ctx, unsigned int dr, uint64_t value);
	/*
	 * Maps the VP assist page and the register page before the first
	 * RUN_VP; false + a message in *err on a fatal failure.
	 */
	bool (*map_overlays)(void *ctx, struct sidecar_command_error *err);
	/*
	 * One VTL return: loads *cpu (GPRs, CR2, FX state), returns to the
	 * lower VTL, saves it back; returns the entry reason
	 * (HV_VTL_ENTRY_REASON_*) and, for an intercept, points *msg at the
	 * 256-byte message (the assist page's).
	 */
	uint32_t (*run_vp_once)(void *ctx, struct sidecar_cpu_context_x64 *cpu,
				const struct hv_message **msg);
	/*
	 * Optional: before each RUN_VP, false + a message if the context
	 * cannot be loaded (e.g. an MXCSR with reserved bits set would fault
	 * fxrstor): RUN_VP then fails with has_error and runs nothing.
	 */
	bool (*check_context)(void *ctx,
			      const struct sidecar_cpu_context_x64 *cpu,
			      struct sidecar_command_error *err);
	/* True when the control page says STOP for this CPU. */
	bool (*stop_requested)(void *ctx);
};

/* Per-CPU state the commands keep between them. */
struct sc_vp_state {
	bool overlays_mapped;
	bool dr6_shared; /* VsmCapabilities.dr6_shared, read at init */
};

/*
 * Executes one command on the page; sets has_error + error text on
 * failure. Does not clear has_error or the error first: sc_serve_command
 * does.
 */
void sc_execute(struct sidecar_command_page *page, uint32_t command,
		struct sc_vp_state *st, const struct sc_vp_ops *ops);

enum sc_wake {
	SC_WAKE_SLEEP, /* IDLE */
	SC_WAKE_COMMAND, /* RUN or STOP */
	SC_WAKE_REMOVE, /* REMOVE */
	SC_WAKE_BAD_STATUS, /* REMOVED or not a status */
};

/*
 * Acquire-loads the CPU's status into *status and says what to do. Inline:
 * the loop asks twice per command.
 */
static inline enum sc_wake sc_poll_status(const struct sidecar_control_page *cp,
					  uint32_t node_cpu_index,
					  uint8_t *status)
{
	uint8_t s = sidecar_cpu_status_load(cp, node_cpu_index);

	*status = s;
	switch (s) {
	case SIDECAR_CPU_STATUS_IDLE:
		return SC_WAKE_SLEEP;
	case SIDECAR_CPU_STATUS_RUN:
	case SIDECAR_CPU_STATUS_STOP:
		return SC_WAKE_COMMAND;
	case SIDECAR_CPU_STATUS_REMOVE:
		return SC_WAKE_REMOVE;
	default:
		return SC_WAKE_BAD_STATUS;
	}
}

/* What a stop_requested op of the kernel returns: status is STOP. */
bool sc_stop_requested(const struct sidecar_control_page *cp,
		       uint32_t node_cpu_index);

/*
 * Takes the command (atomically replaces page->command with NONE), clears
 * has_error and the error, executes it, then completes with IDLE. Returns
 * true if a response IPI must be sent (response_vector != 0) and then
 * stores the vector and the APIC ID (response_cpu) to send it to.
 */
bool sc_serve_command(struct sidecar_control_page *cp, uint32_t node_cpu_index,
		      struct sidecar_command_page *page, struct sc_vp_state *st,
		      const struct sc_vp_ops *ops, uint32_t *apic_id,
		      uint32_t *vector);

/*
 * Stores final_status (release), then needs_attention = 1 (release), so the
 * driver that takes the attention flag sees the status and the command
 * page. Same return convention as sc_serve_command. Also used after REMOVE
 * with SIDECAR_CPU_STATUS_REMOVED.
 */
bool sc_complete(struct sidecar_control_page *cp, uint32_t node_cpu_index,
		 uint8_t final_status, uint32_t *apic_id, uint32_t *vector);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_CORE_DISPATCH_H */
