/* SPDX-License-Identifier: MIT */
/* The commands sc_execute dispatches to, one file each. */
#ifndef SIDECAR_CORE_COMMANDS_H
#define SIDECAR_CORE_COMMANDS_H

#include <stdbool.h>

#include "sidecar/core/dispatch.h"

void sc_cmd_run_vp(struct sidecar_command_page *page, struct sc_vp_state *st,
		   const struct sc_vp_ops *ops);

void sc_cmd_vp_registers(struct sidecar_command_page *page, bool set,
			 const struct sc_vp_state *st,
			 const struct sc_vp_ops *ops);

void sc_cmd_translate_gva(struct sidecar_command_page *page,
			  const struct sc_vp_ops *ops);

#endif /* SIDECAR_CORE_COMMANDS_H */
