// SPDX-License-Identifier: MIT
#include "commands.h"
#include "mem.h"

void sc_cmd_translate_gva(struct sidecar_command_page *page,
			  const struct sc_vp_ops *ops)
{
	/* The response overwrites the request: read it first. */
	const struct sidecar_translate_gva_request *req =
		sidecar_translate_gva_request_of(page);
	uint64_t gvn = req->gvn;
	uint64_t flags = req->control_flags;
	struct sidecar_translate_gva_response *resp =
		sidecar_translate_gva_response_of(page);
	uint16_t status;

	sc_zero_bytes(resp, sizeof(*resp));
	status = ops->translate_gva(ops->ctx, gvn, flags, &resp->output);
	/* The op may have written part of the output before failing. */
	if (status != HV_STATUS_SUCCESS)
		sc_zero_bytes(&resp->output, sizeof(resp->output));
	resp->status = status;
}
