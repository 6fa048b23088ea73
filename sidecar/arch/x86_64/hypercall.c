// SPDX-License-Identifier: MIT
#include "hypercall.h"

/* Only RAX and RCX change across the stub: the TLFS x64 convention. */
static uint64_t hypercall(uint64_t control, uint64_t in_pa, uint64_t out_pa)
{
	register uint64_t r8 __asm__("r8") = out_pa;
	uint64_t rax;

	__asm__ volatile("call *%[page]"
			 : "=a"(rax), "+c"(control)
			 : "d"(in_pa), "r"(r8), [page] "r"(sc_hcall_page)
			 : "memory", "cc");
	return rax;
}

static uint16_t simple_call(struct sc_cpu *cpu, uint16_t code, uint16_t reps)
{
	uint64_t out = hypercall(hv_hypercall_control(code, reps),
				 cpu->hcall_in_pa, cpu->hcall_out_pa);

	return hv_hypercall_output_status(out);
}

static void zero(void *p, uint64_t n)
{
	__builtin_memset(p, 0, n);
}

uint16_t sc_hv_get_vp_register(struct sc_cpu *cpu, uint8_t target_vtl,
			       uint32_t name, struct hv_register_value *value)
{
	struct hv_get_set_vp_registers *in = cpu->hcall_in;
	uint32_t *names = (uint32_t *)(in + 1);
	uint16_t status;

	zero(in, sizeof(*in) + sizeof(*names));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = HV_VP_INDEX_SELF;
	in->target_vtl = target_vtl;
	names[0] = name;
	status = simple_call(cpu, HV_CALL_GET_VP_REGISTERS, 1);
	if (status == HV_STATUS_SUCCESS)
		*value = *(struct hv_register_value *)cpu->hcall_out;
	else
		zero(value, sizeof(*value));
	return status;
}

uint16_t sc_hv_set_vp_register(struct sc_cpu *cpu, uint8_t target_vtl,
			       uint32_t name,
			       const struct hv_register_value *value)
{
	struct hv_get_set_vp_registers *in = cpu->hcall_in;
	struct hv_register_assoc *assoc = (struct hv_register_assoc *)(in + 1);

	zero(in, sizeof(*in) + sizeof(*assoc));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = HV_VP_INDEX_SELF;
	in->target_vtl = target_vtl;
	assoc->name = name;
	assoc->value = *value;
	return simple_call(cpu, HV_CALL_SET_VP_REGISTERS, 1);
}

uint16_t sc_hv_enable_vp_vtl(struct sc_cpu *cpu, uint32_t vp_index,
			     const struct hv_initial_vp_context_x64 *context)
{
	struct hv_enable_vp_vtl_x64 *in = cpu->hcall_in;

	zero(in, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = vp_index;
	in->target_vtl = 2;
	in->vp_vtl_context = *context;
	return simple_call(cpu, HV_CALL_ENABLE_VP_VTL, 0);
}

uint16_t sc_hv_start_vp(struct sc_cpu *cpu, uint32_t vp_index,
			const struct hv_initial_vp_context_x64 *context)
{
	struct hv_start_virtual_processor_x64 *in = cpu->hcall_in;

	zero(in, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = vp_index;
	in->target_vtl = 2;
	in->vp_context = *context;
	return simple_call(cpu, HV_CALL_START_VIRTUAL_PROCESSOR, 0);
}

uint16_t
sc_hv_translate_gva(struct sc_cpu *cpu, uint64_t gvn, uint64_t control_flags,
		    struct hv_translate_virtual_address_ex_output_x64 *out)
{
	struct hv_translate_virtual_address_x64 *in = cpu->hcall_in;
	uint16_t status;

	zero(in, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->vp_index = HV_VP_INDEX_SELF;
	in->control_flags = control_flags;
	in->gva_page = gvn;
	status = simple_call(cpu, HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, 0);
	if (status == HV_STATUS_SUCCESS)
		*out = *(struct hv_translate_virtual_address_ex_output_x64 *)
				cpu->hcall_out;
	else
		zero(out, sizeof(*out));
	return status;
}

const char *sc_hv_status_text(uint16_t status)
{
	const char *name = hv_status_name(status);

	return name ? name : "unknown status";
}
