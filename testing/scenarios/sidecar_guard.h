/* SPDX-License-Identifier: MIT */
/*
 * What the image may write, checked around the entry call: node memory
 * starts out filled with a pattern (the contract does not promise zeroed
 * memory), the params page, the hypercall page and the output page past
 * SidecarOutput are snapshotted. A refused boot must leave all of it as
 * it was and make no hypercall; a boot must hand over zeroed command and
 * register pages.
 */
#ifndef SCENARIOS_SIDECAR_GUARD_H
#define SCENARIOS_SIDECAR_GUARD_H

#include <stdbool.h>

#include "sidecar_boot.h"

/* After placement, before the overrides: the node memory the shim owns. */
void guard_record(const struct sidecar_boot *b);
/* Just before the entry: patterns and snapshots. */
void guard_fill(const struct sidecar_boot *b);
/* After the entry refused the parameters. */
void guard_check_refused(const struct scenario_env *env,
			 const struct sidecar_boot *b);
/* After a boot, once the driver attached every node, before any command. */
void guard_check_booted(const struct scenario_env *env, struct sidecar_boot *b);

/*
 * An error text as the contract has it: len <= 255, well-formed UTF-8,
 * no NUL or other control character. what names it in a failure.
 */
bool guard_error_text(const struct scenario_env *env, const char *what,
		      const struct sidecar_command_error *e);

#endif
