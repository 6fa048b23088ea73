// SPDX-License-Identifier: MIT
#include "commands.h"
#include "sidecar/core/error.h"
#include "sidecar/core/registers.h"

/* A register the CPU holds itself; the value is written back on success. */
static uint16_t get_local(struct hv_register_assoc *reg, struct sc_reg_route r,
			  const struct sc_vp_ops *ops)
{
	uint64_t v = 0;
	bool ok = r.kind == SC_REG_MSR ? ops->read_msr(ops->ctx, r.index, &v) :
					 ops->read_dr(ops->ctx, r.index, &v);

	if (!ok)
		return HV_STATUS_INVALID_PARAMETER;
	reg->value.reg128.low = v;
	reg->value.reg128.high = 0;
	return HV_STATUS_SUCCESS;
}

static uint16_t set_local(const struct hv_register_assoc *reg,
			  struct sc_reg_route r, const struct sc_vp_ops *ops)
{
	uint64_t v = reg->value.reg128.low;
	bool ok = r.kind == SC_REG_MSR ? ops->write_msr(ops->ctx, r.index, v) :
					 ops->write_dr(ops->ctx, r.index, v);

	return ok ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_REGISTER_VALUE;
}

/* One register by hypercall; the value is written back only on success. */
static uint16_t by_hypercall(struct hv_register_assoc *reg, uint8_t vtl,
			     bool set, const struct sc_vp_ops *ops)
{
	struct hv_register_value v;
	uint16_t status;

	if (set)
		return ops->set_vp_register(ops->ctx, vtl, reg->name,
					    &reg->value);
	v.reg128.low = 0;
	v.reg128.high = 0;
	status = ops->get_vp_register(ops->ctx, vtl, reg->name, &v);
	if (status == HV_STATUS_SUCCESS)
		reg->value.reg128 = v.reg128;
	return status;
}

void sc_cmd_vp_registers(struct sidecar_command_page *page, bool set,
			 const struct sc_vp_state *st,
			 const struct sc_vp_ops *ops)
{
	struct sidecar_get_set_vp_register_request *req =
		sidecar_get_set_vp_register_request_of(page);
	uint16_t count = req->count;
	uint8_t vtl = req->target_vtl;

	/* As upstream: 0 registers is a batch with nothing to do. */
	if (count > SIDECAR_MAX_GET_SET_VP_REGISTERS) {
		page->has_error = 1;
		sc_error_set(&page->error, "invalid register count %u (0..=%u)",
			     count, SIDECAR_MAX_GET_SET_VP_REGISTERS);
		return;
	}
	req->status = HV_STATUS_SUCCESS;
	for (uint16_t i = 0; i < count; i++) {
		struct hv_register_assoc *reg = &req->regs[i];
		struct sc_reg_route r =
			sc_route_register(reg->name, st->dr6_shared);
		uint16_t status;

		if (r.kind != SC_REG_HYPERCALL)
			status = set ? set_local(reg, r, ops) :
				       get_local(reg, r, ops);
		else
			status = by_hypercall(reg, vtl, set, ops);
		/* The status is the answer: the batch stops, no has_error. */
		if (status != HV_STATUS_SUCCESS) {
			req->status = status;
			return;
		}
	}
}
