// SPDX-License-Identifier: MIT
/* client: the VMM's per-VP API over the command page. */
#include "sidecar/driver/client.h"

#include "fmt.h"
#include "sidecar/driver/errno.h"

#define MAX_REGS SIDECAR_MAX_GET_SET_VP_REGISTERS

/*
 * No error: every field zero and msg empty. msg's bytes past its NUL are
 * not cleared: every call makes one of these, and 320 bytes cost more
 * instructions than the command itself.
 */
static void err_clear(struct sd_client_error *e)
{
	e->kind = SD_CLIENT_OK;
	e->code = 0;
	e->hv_status = 0;
	e->reg_index = 0;
	e->reg_name = 0;
	e->done = 0;
	e->msg[0] = '\0';
}

static void err_prefix(struct sd_client_vp *c, struct sd_buf *b,
		       struct sd_client_error *e, const char *what)
{
	sd_buf_init(b, e->msg, sizeof(e->msg));
	sd_buf_str(b, "vp ");
	sd_buf_u64(b, c->vp);
	sd_buf_str(b, ": ");
	sd_buf_str(b, what);
	sd_buf_str(b, ": ");
}

static int err_driver(struct sd_client_vp *c, struct sd_client_error *e,
		      const char *what, int code)
{
	struct sd_buf b;

	e->kind = SD_CLIENT_ERR_DRIVER;
	e->code = code;
	err_prefix(c, &b, e, what);
	sd_buf_str(&b, sd_strerror(code));
	return code;
}

/* The sidecar's own words, as it wrote them. */
static int err_sidecar(struct sd_client_vp *c, struct sd_client_error *e)
{
	const struct sidecar_command_error *ce = &c->page->error;
	struct sd_buf b;

	e->kind = SD_CLIENT_ERR_SIDECAR;
	e->code = -SD_EIO;
	sd_buf_init(&b, e->msg, sizeof(e->msg));
	sd_buf_mem(&b, ce->buf, ce->len);
	return -SD_EIO;
}

static struct sd_buf *err_hv(struct sd_client_vp *c, struct sd_client_error *e,
			     struct sd_buf *b, const char *what,
			     uint16_t status)
{
	const char *name = hv_status_name(status);

	e->kind = SD_CLIENT_ERR_HYPERVISOR;
	e->code = -SD_EIO;
	e->hv_status = status;
	err_prefix(c, b, e, what);
	sd_buf_str(b, "hypervisor status ");
	sd_buf_str(b, name ? name : "unknown");
	sd_buf_str(b, " (");
	sd_buf_hex(b, status);
	sd_buf_str(b, ")");
	return b;
}

static bool cpu_idle(const struct sd_client_vp *c)
{
	return sidecar_cpu_status_load(c->node->control,
				       c->vp - c->node->base_cpu) ==
	       SIDECAR_CPU_STATUS_IDLE;
}

int sd_client_vp_init(struct sd_client_vp *c, struct sd_node *n, uint32_t vp,
		      uint64_t timeout_ns)
{
	struct sidecar_vp_shared_pages *pages = sd_node_vp_pages(n, vp);
	int r;

	sd_memzero(c, sizeof(*c));
	if (!pages || vp == n->base_cpu)
		return -SD_EINVAL;
	r = sd_vp_open(n, vp);
	if (r)
		return r;
	c->node = n;
	c->vp = vp;
	c->page = &pages->command_page;
	c->reg_page = &pages->register_page;
	c->timeout_ns = timeout_ns;
	return 0;
}

void sd_client_vp_release(struct sd_client_vp *c)
{
	if (c->node)
		sd_vp_close(c->node, c->vp);
	c->node = NULL;
}

/*
 * Claims the VP before anything is written to its command page: a claim
 * succeeds only when the CPU is idle, so nothing the sidecar still does for
 * an abandoned command can land in what we write.
 */
static int begin(struct sd_client_vp *c, struct sd_claim *claim,
		 const char *what, struct sd_client_error *e)
{
	int r;

	if (!c->node)
		return err_driver(c, e, what, -SD_EINVAL);
	if (c->running)
		return err_driver(c, e, what, -SD_EBUSY);
	r = sd_vp_claim(c->node, c->vp, claim);
	return r ? err_driver(c, e, what, r) : 0;
}

/*
 * Runs the command prepared under the claim. When it completed and the
 * page holds its result, e->kind stays SD_CLIENT_OK and the return is 0,
 * -SD_EINTR or -SD_ETIMEDOUT (it was cancelled on the way); otherwise e is
 * filled.
 */
static int run_sync(struct sd_client_vp *c, struct sd_claim *claim,
		    uint32_t command, const char *what,
		    struct sd_client_error *e)
{
	int r;

	c->page->command = command;
	r = sd_vp_run(c->node, claim, c->timeout_ns);
	if (!claim->armed)
		return err_driver(c, e, what, r);
	c->started++;
	if (r == 0 || ((r == -SD_EINTR || r == -SD_ETIMEDOUT) && cpu_idle(c))) {
		c->completed++;
		return c->page->has_error ? err_sidecar(c, e) : r;
	}
	return err_driver(c, e, what, r);
}

/* A command completed but the call was interrupted: say so. */
static inline int finish(struct sd_client_vp *c, struct sd_client_error *e,
			 const char *what, int r)
{
	return r ? err_driver(c, e, what, r) : 0;
}

int sd_client_test(struct sd_client_vp *c, struct sd_client_error *e)
{
	struct sd_client_error local;
	struct sd_claim claim;
	int r;

	if (!e)
		e = &local;
	err_clear(e);
	r = begin(c, &claim, "test", e);
	if (r)
		return r;
	r = run_sync(c, &claim, SIDECAR_COMMAND_NONE, "test", e);
	if (e->kind != SD_CLIENT_OK)
		return r;
	return finish(c, e, "test", r);
}

/*
 * One GET/SET command of n registers from regs (updated in place by a
 * successful get). Returns as run_sync; *status is the request's status.
 */
static int regs_command(struct sd_client_vp *c, bool set, uint8_t target_vtl,
			struct hv_register_assoc *regs, uint32_t n,
			uint16_t *status, struct sd_client_error *e)
{
	struct sidecar_get_set_vp_register_request *req =
		sidecar_get_set_vp_register_request_of(c->page);
	const char *what = set ? "set registers" : "get registers";
	struct sd_claim claim;
	int r;

	r = begin(c, &claim, what, e);
	if (r)
		return r;
	sd_memzero(req, sizeof(*req));
	req->count = (uint16_t)n;
	req->target_vtl = target_vtl;
	req->status = HV_STATUS_SUCCESS;
	sd_memcpy(req->regs, regs, n * sizeof(*regs));
	r = run_sync(c, &claim,
		     set ? SIDECAR_COMMAND_SET_VP_REGISTERS :
			   SIDECAR_COMMAND_GET_VP_REGISTERS,
		     what, e);
	if (e->kind != SD_CLIENT_OK)
		return r;
	*status = req->status;
	if (*status == HV_STATUS_SUCCESS && !set)
		sd_memcpy(regs, req->regs, n * sizeof(*regs));
	return r;
}

static int regs_failed(struct sd_client_vp *c, bool set, uint32_t index,
		       uint32_t name, uint16_t status, bool exact,
		       struct sd_client_error *e)
{
	struct sd_buf b;

	err_hv(c, e, &b, set ? "set registers" : "get registers", status);
	e->reg_index = index;
	e->reg_name = name;
	sd_buf_str(&b,
		   exact ? " at register " : " in the batch from register ");
	sd_buf_u64(&b, index);
	sd_buf_str(&b, " (name ");
	sd_buf_hex(&b, name);
	sd_buf_str(&b, ")");
	return -SD_EIO;
}

/*
 * The failing batch [start, start + n) again, one register at a time, to
 * name the register the hypervisor refused.
 */
static int pinpoint(struct sd_client_vp *c, bool set, uint8_t target_vtl,
		    struct hv_register_assoc *regs,
		    const struct hv_register_assoc *src, size_t start,
		    uint32_t n, uint16_t batch_status,
		    struct sd_client_error *e)
{
	const char *what = set ? "set registers" : "get registers";
	struct hv_register_assoc one;
	uint16_t status;
	int r;

	for (uint32_t k = 0; k < n; k++) {
		sd_memcpy(&one, &src[start + k], sizeof(one));
		e->done = (uint32_t)(start + k);
		r = regs_command(c, set, target_vtl, &one, 1, &status, e);
		if (e->kind != SD_CLIENT_OK)
			return r;
		if (status != HV_STATUS_SUCCESS)
			return regs_failed(c, set, (uint32_t)(start + k),
					   one.name, status, true, e);
		if (!set)
			sd_memcpy(&regs[start + k], &one, sizeof(one));
		if (r) {
			e->done++;
			return finish(c, e, what, r);
		}
	}
	/* Not reproduced one at a time: name the batch. */
	e->done = (uint32_t)(start + n);
	return regs_failed(c, set, (uint32_t)start, src[start].name,
			   batch_status, false, e);
}

static int transfer_regs(struct sd_client_vp *c, bool set, uint8_t target_vtl,
			 struct hv_register_assoc *regs,
			 const struct hv_register_assoc *in, size_t count,
			 struct sd_client_error *e)
{
	const char *what = set ? "set registers" : "get registers";
	struct hv_register_assoc batch[MAX_REGS];
	const struct hv_register_assoc *src = set ? in : regs;
	uint16_t status;
	int r;

	err_clear(e);
	if (c->running)
		return err_driver(c, e, what, -SD_EBUSY);
	for (size_t start = 0; start < count; start += MAX_REGS) {
		uint32_t n = (uint32_t)(count - start < MAX_REGS ?
						count - start :
						MAX_REGS);

		e->done = (uint32_t)start;
		/* A set never writes back: send it from a copy. */
		sd_memcpy(batch, src + start, n * sizeof(*batch));
		r = regs_command(c, set, target_vtl, batch, n, &status, e);
		if (e->kind != SD_CLIENT_OK)
			return r;
		if (status != HV_STATUS_SUCCESS)
			return pinpoint(c, set, target_vtl, regs, src, start, n,
					status, e);
		if (!set)
			sd_memcpy(regs + start, batch, n * sizeof(*batch));
		if (r) {
			e->done = (uint32_t)(start + n);
			return finish(c, e, what, r);
		}
	}
	e->done = (uint32_t)count;
	return 0;
}

int sd_client_get_registers(struct sd_client_vp *c, uint8_t target_vtl,
			    struct hv_register_assoc *regs, size_t count,
			    struct sd_client_error *e)
{
	struct sd_client_error local;

	return transfer_regs(c, false, target_vtl, regs, NULL, count,
			     e ? e : &local);
}

int sd_client_set_registers(struct sd_client_vp *c, uint8_t target_vtl,
			    const struct hv_register_assoc *regs, size_t count,
			    struct sd_client_error *e)
{
	struct sd_client_error local;

	return transfer_regs(c, true, target_vtl, NULL, regs, count,
			     e ? e : &local);
}

int sd_client_translate_gva(
	struct sd_client_vp *c, uint64_t gvn, uint64_t control_flags,
	struct hv_translate_virtual_address_ex_output_x64 *out,
	struct sd_client_error *e)
{
	struct sidecar_translate_gva_request *req =
		sidecar_translate_gva_request_of(c->page);
	struct sidecar_translate_gva_response *resp =
		sidecar_translate_gva_response_of(c->page);
	struct sd_client_error local;
	struct sd_claim claim;
	struct sd_buf b;
	int r;

	if (!e)
		e = &local;
	err_clear(e);
	r = begin(c, &claim, "translate gva", e);
	if (r)
		return r;
	sd_memzero(resp, sizeof(*resp));
	req->gvn = gvn;
	req->control_flags = control_flags;
	r = run_sync(c, &claim, SIDECAR_COMMAND_TRANSLATE_GVA, "translate gva",
		     e);
	if (e->kind != SD_CLIENT_OK)
		return r;
	if (resp->status != HV_STATUS_SUCCESS) {
		err_hv(c, e, &b, "translate gva", resp->status);
		return -SD_EIO;
	}
	sd_memcpy(out, &resp->output, sizeof(*out));
	return finish(c, e, "translate gva", r);
}

int sd_client_run(struct sd_client_vp *c, struct sd_client_error *e)
{
	struct sd_client_error local;
	struct sd_claim claim;
	int r;

	if (!e)
		e = &local;
	err_clear(e);
	r = begin(c, &claim, "run", e);
	if (r)
		return r;
	c->page->command = SIDECAR_COMMAND_RUN_VP;
	sidecar_run_vp_response_of(c->page)->intercept = 0;
	r = sd_vp_start(c->node, &claim);
	if (r)
		return err_driver(c, e, "run", r);
	c->running = true;
	c->started++;
	return 0;
}

int sd_client_cancel(struct sd_client_vp *c)
{
	return c->node ? sd_vp_stop(c->node, c->vp) : -SD_EINVAL;
}

int sd_client_wait(struct sd_client_vp *c, uint64_t timeout_ns, bool *intercept,
		   struct sd_client_error *e)
{
	struct sd_client_error local;
	int r;

	if (!e)
		e = &local;
	err_clear(e);
	*intercept = false;
	if (!c->node || !c->running)
		return err_driver(c, e, "wait", -SD_EINVAL);
	r = sd_vp_wait_stopped(c->node, c->vp, timeout_ns);
	if (r == -SD_ETIMEDOUT || r == -SD_EINTR)
		return err_driver(c, e, "wait", r);
	/* Anything else ends the run: stopped, or taken by someone else. */
	c->running = false;
	if (r)
		return err_driver(c, e, "wait", r);
	c->completed++;
	if (c->page->has_error)
		return err_sidecar(c, e);
	*intercept = sidecar_run_vp_response_of(c->page)->intercept != 0;
	return 0;
}

struct sidecar_cpu_context_x64 *sd_client_cpu_context(struct sd_client_vp *c)
{
	return c->running ? NULL : &c->page->cpu_context;
}

const struct hv_message *sd_client_intercept_message(struct sd_client_vp *c)
{
	return c->running ? NULL : &c->page->intercept_message;
}

struct hv_x64_register_page *sd_client_register_page(struct sd_client_vp *c)
{
	return c->running ? NULL : c->reg_page;
}
