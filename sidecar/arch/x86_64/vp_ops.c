// SPDX-License-Identifier: MIT
/*
 * The AP's side of sidecar/core's command semantics: hypercalls through
 * the copied page, local MSRs and debug registers, the overlays and the
 * VTL return.
 */
#include "vp_ops.h"

#include "cpu.h"
#include "hypercall.h"
#include "log.h"
#include "sidecar/core/error.h"

int sc_wrmsr_safe(uint32_t msr, uint64_t value);
int sc_rdmsr_safe(uint32_t msr, uint64_t *value);
int sc_write_dr6_safe(uint64_t value);
void sc_vtl_return(struct sidecar_cpu_context_x64 *ctx, uint64_t entry);

static uint16_t op_get_vp_register(void *ctx, uint8_t vtl, uint32_t name,
				   struct hv_register_value *value)
{
	return sc_hv_get_vp_register(ctx, vtl, name, value);
}

static uint16_t op_set_vp_register(void *ctx, uint8_t vtl, uint32_t name,
				   const struct hv_register_value *value)
{
	return sc_hv_set_vp_register(ctx, vtl, name, value);
}

static uint16_t
op_translate_gva(void *ctx, uint64_t gvn, uint64_t flags,
		 struct hv_translate_virtual_address_ex_output_x64 *out)
{
	return sc_hv_translate_gva(ctx, gvn, flags, out);
}

static bool op_read_msr(void *ctx, uint32_t msr, uint64_t *value)
{
	(void)ctx;
	return sc_rdmsr_safe(msr, value) == 0;
}

static bool op_write_msr(void *ctx, uint32_t msr, uint64_t value)
{
	(void)ctx;
	return sc_wrmsr_safe(msr, value) == 0;
}

static bool op_read_dr(void *ctx, unsigned int dr, uint64_t *value)
{
	(void)ctx;
	*value = read_dr(dr);
	return true;
}

/* DR0-3 take any address; DR6 faults on reserved bits. */
static bool op_write_dr(void *ctx, unsigned int dr, uint64_t value)
{
	(void)ctx;
	if (dr == 6)
		return sc_write_dr6_safe(value) == 0;
	write_dr(dr, value);
	return true;
}

/* fxrstor faults on MXCSR bits outside MXCSR_MASK: refuse them here. */
static bool op_check_context(void *ctx, const struct sidecar_cpu_context_x64 *c,
			     struct sidecar_command_error *err)
{
	(void)ctx;
	if (c->fx_state.mxcsr & ~sc_image.mxcsr_mask) {
		sc_error_set(err,
			     "cpu_context: MXCSR 0x%x sets reserved bits "
			     "(MXCSR_MASK 0x%x)",
			     c->fx_state.mxcsr, sc_image.mxcsr_mask);
		return false;
	}
	return true;
}

static bool op_map_overlays(void *ctx, struct sidecar_command_error *err)
{
	struct sc_cpu *cpu = ctx;
	struct hv_register_value v = { 0 };
	uint16_t status;

	v.reg64 = hv_overlay_page_value(cpu->layout.assist_pa);
	status = sc_hv_set_vp_register(cpu, 0, HV_REGISTER_VP_ASSIST_PAGE, &v);
	if (status != HV_STATUS_SUCCESS) {
		sc_error_set(err,
			     "mapping the VP assist page failed: status 0x%x "
			     "(%s)",
			     status, sc_hv_status_text(status));
		return false;
	}
	cpu->assist_mapped = true;
	v.reg64 = hv_overlay_page_value(cpu->layout.register_pa);
	status = sc_hv_set_vp_register(cpu, 0, HV_REGISTER_REGISTER_PAGE, &v);
	if (status == HV_STATUS_SUCCESS)
		cpu->register_page_mapped = true;
	else
		sc_log(cpu, "register page not mapped: status 0x%x (%s)",
		       status, sc_hv_status_text(status));
	return true;
}

static uint32_t op_run_vp_once(void *ctx, struct sidecar_cpu_context_x64 *c,
			       const struct hv_message **msg)
{
	struct sc_cpu *cpu = ctx;
	struct hv_vp_assist_page *assist = cpu->assist;
	uint32_t reason;

	assist->vtl_control.registers[0] = c->gps[SIDECAR_CPU_CONTEXT_RAX];
	assist->vtl_control.registers[1] = c->gps[SIDECAR_CPU_CONTEXT_RCX];
	sc_vtl_return(c, (uint64_t)sc_hcall_page + sc_image.vtl_return_offset);
	*msg = &assist->intercept_message;
	reason = __atomic_load_n(&assist->vtl_control.entry_reason,
				 __ATOMIC_ACQUIRE);
	/*
	 * The exit was for an interrupt of ours (typically the request IPI
	 * of a STOP, or one still pending from before the command): open an
	 * interrupt window so it is taken and EOId here. Otherwise it stays
	 * pending and every further VTL return exits at once, forever.
	 */
	if (reason == HV_VTL_ENTRY_REASON_INTERRUPT)
		__asm__ volatile("sti; nop; cli" ::: "memory");
	return reason;
}

static bool op_stop_requested(void *ctx)
{
	struct sc_cpu *cpu = ctx;

	return sidecar_cpu_status_load(cpu->control, cpu->node_cpu_index) ==
	       SIDECAR_CPU_STATUS_STOP;
}

void sc_vp_ops_init(struct sc_vp_ops *ops, struct sc_cpu *cpu)
{
	*ops = (struct sc_vp_ops){
		.ctx = cpu,
		.get_vp_register = op_get_vp_register,
		.set_vp_register = op_set_vp_register,
		.translate_gva = op_translate_gva,
		.read_msr = op_read_msr,
		.write_msr = op_write_msr,
		.read_dr = op_read_dr,
		.write_dr = op_write_dr,
		.map_overlays = op_map_overlays,
		.check_context = op_check_context,
		.run_vp_once = op_run_vp_once,
		.stop_requested = op_stop_requested,
	};
}

/* REMOVE: the hypervisor must stop writing into pages we give back. */
void sc_unmap_overlays(struct sc_cpu *cpu)
{
	struct hv_register_value zero = { 0 };
	uint16_t status;

	if (cpu->assist_mapped) {
		status = sc_hv_set_vp_register(
			cpu, 0, HV_REGISTER_VP_ASSIST_PAGE, &zero);
		if (status != HV_STATUS_SUCCESS)
			sc_report(cpu,
				  "unmapping the VP assist page failed: "
				  "status 0x%x (%s)",
				  status, sc_hv_status_text(status));
		cpu->assist_mapped = false;
	}
	if (cpu->register_page_mapped) {
		status = sc_hv_set_vp_register(
			cpu, 0, HV_REGISTER_REGISTER_PAGE, &zero);
		if (status != HV_STATUS_SUCCESS)
			sc_report(cpu,
				  "unmapping the register page failed: "
				  "status 0x%x (%s)",
				  status, sc_hv_status_text(status));
		cpu->register_page_mapped = false;
	}
	cpu->vp_state.overlays_mapped = false;
}
