/* SPDX-License-Identifier: MIT */
/*
 * client: the VMM's API for one sidecar VP, over the node's command page.
 *
 * One owner per VP (the VMM's VP thread), enforced: a VP has at most one
 * open handle. Only sd_client_cancel may be called from another thread
 * while the VP runs. Every call claims the VP before it writes the command
 * page, so a call is refused (-SD_EBUSY) rather than mixed with what the
 * sidecar still does for a command abandoned after a timeout. The pointers to the CPU
 * context, intercept message and register page are NULL while the VP runs
 * and valid until the next command.
 */
#ifndef SIDECAR_DRIVER_CLIENT_H
#define SIDECAR_DRIVER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/hvdef.h"
#include "sidecar/defs.h"
#include "sidecar/driver/node.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sd_client_error_kind {
	SD_CLIENT_OK = 0,
	SD_CLIENT_ERR_DRIVER, /* code is the node's error */
	SD_CLIENT_ERR_SIDECAR, /* msg is the sidecar's error text */
	SD_CLIENT_ERR_HYPERVISOR, /* hv_status is the hypervisor's status */
};

struct sd_client_error {
	enum sd_client_error_kind kind;
	int code; /* what the call returned */
	uint16_t hv_status; /* HV_STATUS_*, for SD_CLIENT_ERR_HYPERVISOR */
	/* Get/set registers: the failing register (index into the array). */
	uint32_t reg_index;
	uint32_t reg_name;
	/* Get/set registers: how many were transferred before the failure. */
	uint32_t done;
	/* NUL-terminated; for SD_CLIENT_ERR_SIDECAR exactly the sidecar's. */
	char msg[320];
};

struct sd_client_vp {
	struct sd_node *node;
	uint32_t vp;
	struct sidecar_command_page *page;
	struct hv_x64_register_page *reg_page;
	/* Deadline for each synchronous command. */
	uint64_t timeout_ns;
	bool running;
	/* Commands handed to the sidecar, and those whose result came back. */
	uint64_t started;
	uint64_t completed;
};

/*
 * Opens the handle of VP vp: -SD_EINVAL if vp is not a sidecar VP of the
 * node, -SD_EBUSY if another handle of it is open (one owner per VP).
 */
int sd_client_vp_init(struct sd_client_vp *c, struct sd_node *n, uint32_t vp,
		      uint64_t timeout_ns);

/* Closes the handle (a started run stays started); c is unusable after. */
void sd_client_vp_release(struct sd_client_vp *c);

/*
 * Every call below returns 0 or a negative SD_E* code and, given e, fills
 * it: -SD_EIO with SD_CLIENT_ERR_SIDECAR or SD_CLIENT_ERR_HYPERVISOR when
 * the command failed there, else SD_CLIENT_ERR_DRIVER with the node's
 * code. A synchronous command that was interrupted or timed out is
 * cancelled; if it then completed, its result is used as usual and the call
 * still returns -SD_EINTR or -SD_ETIMEDOUT.
 */

/* Runs NONE: is the CPU in the sidecar and answering? */
int sd_client_test(struct sd_client_vp *c, struct sd_client_error *e);

/*
 * Gets count registers of any number, in commands of at most
 * SIDECAR_MAX_GET_SET_VP_REGISTERS; stops at the first failing command.
 * Then, to name the failing register, that command's registers are asked
 * for again one at a time (for a set, this sets the registers before it
 * again, to the same values). e->done registers were transferred.
 */
int sd_client_get_registers(struct sd_client_vp *c, uint8_t target_vtl,
			    struct hv_register_assoc *regs, size_t count,
			    struct sd_client_error *e);
int sd_client_set_registers(struct sd_client_vp *c, uint8_t target_vtl,
			    const struct hv_register_assoc *regs, size_t count,
			    struct sd_client_error *e);

int sd_client_translate_gva(
	struct sd_client_vp *c, uint64_t gvn, uint64_t control_flags,
	struct hv_translate_virtual_address_ex_output_x64 *out,
	struct sd_client_error *e);

/* Starts RUN_VP with the CPU context as it is; returns at once. */
int sd_client_run(struct sd_client_vp *c, struct sd_client_error *e);

/*
 * Asks the running VP to stop; sd_client_wait must still collect it.
 * Thread safe. -SD_EINVAL if it is not running.
 */
int sd_client_cancel(struct sd_client_vp *c);

/*
 * Waits for the started VP to stop; *intercept says whether it stopped for
 * an intercept (the message is then in sd_client_intercept_message) rather
 * than a cancel. On -SD_ETIMEDOUT or -SD_EINTR the VP is still running.
 */
int sd_client_wait(struct sd_client_vp *c, uint64_t timeout_ns, bool *intercept,
		   struct sd_client_error *e);

/* NULL while the VP runs. */
struct sidecar_cpu_context_x64 *sd_client_cpu_context(struct sd_client_vp *c);
const struct hv_message *sd_client_intercept_message(struct sd_client_vp *c);
struct hv_x64_register_page *sd_client_register_page(struct sd_client_vp *c);

#ifdef __cplusplus
}
#endif

#endif /* SIDECAR_DRIVER_CLIENT_H */
