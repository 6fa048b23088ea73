// SPDX-License-Identifier: MIT
#include "commands.h"
#include "mem.h"
#include "sidecar/core/error.h"

/* The overlays are mapped on the first RUN_VP only: most VPs never run. */
static bool map_overlays_once(struct sidecar_command_page *page,
			      struct sc_vp_state *st,
			      const struct sc_vp_ops *ops)
{
	if (st->overlays_mapped)
		return true;
	sc_error_clear(&page->error);
	if (!ops->map_overlays(ops->ctx, &page->error)) {
		if (page->error.len == 0)
			sc_error_set(
				&page->error,
				"failed to map the VP assist and register pages");
		page->has_error = 1;
		return false;
	}
	st->overlays_mapped = true;
	return true;
}

void sc_cmd_run_vp(struct sidecar_command_page *page, struct sc_vp_state *st,
		   const struct sc_vp_ops *ops)
{
	struct sidecar_run_vp_response *resp = sidecar_run_vp_response_of(page);

	resp->intercept = 0;
	if (!map_overlays_once(page, st, ops))
		return;
	if (ops->check_context &&
	    !ops->check_context(ops->ctx, &page->cpu_context, &page->error)) {
		if (page->error.len == 0)
			sc_error_set(&page->error, "invalid cpu_context");
		page->has_error = 1;
		return;
	}
	/* STOP is checked first: a stop that raced the request wins. */
	while (!ops->stop_requested(ops->ctx)) {
		const struct hv_message *msg = NULL;
		uint32_t reason;

		reason = ops->run_vp_once(ops->ctx, &page->cpu_context, &msg);
		if (reason == HV_VTL_ENTRY_REASON_INTERRUPT)
			continue;
		if (reason == HV_VTL_ENTRY_REASON_INTERCEPT && msg) {
			sc_copy_bytes(&page->intercept_message, msg,
				      sizeof(page->intercept_message));
			resp->intercept = 1;
			return;
		}
		page->has_error = 1;
		if (reason == HV_VTL_ENTRY_REASON_INTERCEPT)
			sc_error_set(&page->error,
				     "intercept without a message");
		else
			sc_error_set(&page->error, "unexpected entry reason %u",
				     reason);
		return;
	}
}
