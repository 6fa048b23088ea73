// SPDX-License-Identifier: MIT
#include "commands.h"
#include "sidecar/core/dispatch.h"
#include "sidecar/core/error.h"

void sc_execute(struct sidecar_command_page *page, uint32_t command,
		struct sc_vp_state *st, const struct sc_vp_ops *ops)
{
	switch (command) {
	case SIDECAR_COMMAND_NONE:
		break;
	case SIDECAR_COMMAND_RUN_VP:
		sc_cmd_run_vp(page, st, ops);
		break;
	case SIDECAR_COMMAND_GET_VP_REGISTERS:
		sc_cmd_vp_registers(page, false, st, ops);
		break;
	case SIDECAR_COMMAND_SET_VP_REGISTERS:
		sc_cmd_vp_registers(page, true, st, ops);
		break;
	case SIDECAR_COMMAND_TRANSLATE_GVA:
		sc_cmd_translate_gva(page, ops);
		break;
	default:
		page->has_error = 1;
		sc_error_set(&page->error, "unknown command %u", command);
		break;
	}
}
