// SPDX-License-Identifier: MIT
//
// Checks every line of abi/spec/abi_layout.txt (the seed era: sizes,
// alignments, field offsets and sizes, constants of the Rust ABI) and of
// abi/spec/abi_layout_head.txt (what HEAD's SidecarParams looks like, with
// PerCpuState) against the C headers. One header serves both eras: a seed
// loader's zero padding is HEAD's "per-CPU state not specified".
//
// The files are read at run time from, in order: $ABI_LAYOUT_TXT and
// $ABI_LAYOUT_HEAD_TXT, the first and second arguments left after gtest's
// own, or abi/spec/abi_layout{,_head}.txt relative to the working
// directory. This file has its own main(): link gtest, not gtest_main.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hv/hvdef.h"
#include "sidecar/defs.h"

namespace
{

std::string g_seed_path = "abi/spec/abi_layout.txt";
std::string g_head_path = "abi/spec/abi_layout_head.txt";

// Which layout file an entry belongs to.
enum Era : unsigned { kSeed = 1, kHead = 2 };

enum class Kind { kStruct, kField, kConst };

const char *KindName(Kind k)
{
	switch (k) {
	case Kind::kStruct:
		return "STRUCT";
	case Kind::kField:
		return "FIELD";
	case Kind::kConst:
		return "CONST";
	}
	return "?";
}

// STRUCT: a = size, b = align. FIELD: a = offset, b = size. CONST: a = value.
struct Entry {
	Kind kind;
	std::string name;
	uint64_t a;
	uint64_t b;
	unsigned eras;
};

Entry MakeEntry(Kind kind, const char *name, uint64_t a, uint64_t b)
{
	return Entry{ kind, name, a, b, kSeed };
}

// In both files: what HEAD kept of the seed's SidecarParams.
Entry Both(Entry e)
{
	e.eras = kSeed | kHead;
	return e;
}

// Only in the HEAD file.
Entry HeadOnly(Entry e)
{
	e.eras = kHead;
	return e;
}

#define ABI_STRUCT(rust, ctype) \
	MakeEntry(Kind::kStruct, rust, sizeof(ctype), alignof(ctype))

// A Rust newtype or bitfield, mapped to the C type of a field that holds it.
#define ABI_TYPE(rust, ctype) ABI_STRUCT(rust, ctype)

// `member` may be nested ("vtl_control.entry_reason"); its spelling must
// match the Rust field path.
#define ABI_FIELD(rust, ctype, member)                                     \
	MakeEntry(Kind::kField, rust "." #member, offsetof(ctype, member), \
		  sizeof(std::declval<ctype &>().member))

// A flexible array member stands for Rust's [T; 0]: it has no size.
#define ABI_FLEX_FIELD(rust, ctype, member) \
	MakeEntry(Kind::kField, rust "." #member, offsetof(ctype, member), 0)

#define ABI_CONST(rust, value) \
	MakeEntry(Kind::kConst, rust, static_cast<uint64_t>(value), 0)

#define ABI_SIDECAR_CONST(name) ABI_CONST(#name, SIDECAR_##name)

#define ABI_ENUM(rust_type, c_prefix, name) \
	ABI_CONST(rust_type "::" #name, c_prefix##name)

#define ABI_REQUIRED_MEMORY(n) \
	ABI_CONST("required_memory(" #n ")", sidecar_required_memory(n))

static_assert(sizeof(sidecar_get_set_vp_register_request) ==
		      offsetof(sidecar_get_set_vp_register_request, regs),
	      "regs takes no space");

template <typename T> using ElementOf = std::remove_extent_t<T>;

std::vector<Entry> Table()
{
	using cmd = sidecar_command_page;
	return {
		// sidecar_defs
		Both(ABI_STRUCT("SidecarParams", sidecar_params)),
		Both(ABI_FIELD("SidecarParams", sidecar_params,
			       hypercall_page)),
		Both(ABI_FIELD("SidecarParams", sidecar_params,
			       enable_logging)),
		Both(ABI_FIELD("SidecarParams", sidecar_params, node_count)),
		Both(ABI_FIELD("SidecarParams", sidecar_params, nodes)),
		HeadOnly(ABI_FIELD("SidecarParams", sidecar_params,
				   initial_state)),
		HeadOnly(ABI_STRUCT("PerCpuState", sidecar_per_cpu_state)),
		HeadOnly(ABI_FIELD("PerCpuState", sidecar_per_cpu_state,
				   per_cpu_state_specified)),
		HeadOnly(ABI_FIELD("PerCpuState", sidecar_per_cpu_state,
				   sidecar_starts_cpu)),
		HeadOnly(ABI_SIDECAR_CONST(
			NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE)),
		ABI_STRUCT("SidecarNodeParams", sidecar_node_params),
		ABI_FIELD("SidecarNodeParams", sidecar_node_params,
			  memory_base),
		ABI_FIELD("SidecarNodeParams", sidecar_node_params,
			  memory_size),
		ABI_FIELD("SidecarNodeParams", sidecar_node_params, base_vp),
		ABI_FIELD("SidecarNodeParams", sidecar_node_params, vp_count),
		ABI_STRUCT("SidecarOutput", sidecar_output),
		ABI_FIELD("SidecarOutput", sidecar_output, error),
		ABI_FIELD("SidecarOutput", sidecar_output, nodes),
		ABI_STRUCT("SidecarNodeOutput", sidecar_node_output),
		ABI_FIELD("SidecarNodeOutput", sidecar_node_output,
			  control_page),
		ABI_FIELD("SidecarNodeOutput", sidecar_node_output,
			  shmem_pages_base),
		ABI_FIELD("SidecarNodeOutput", sidecar_node_output,
			  shmem_pages_size),
		ABI_STRUCT("ControlPage", sidecar_control_page),
		ABI_FIELD("ControlPage", sidecar_control_page, index),
		ABI_FIELD("ControlPage", sidecar_control_page, base_cpu),
		ABI_FIELD("ControlPage", sidecar_control_page, cpu_count),
		ABI_FIELD("ControlPage", sidecar_control_page, request_vector),
		ABI_FIELD("ControlPage", sidecar_control_page, response_cpu),
		ABI_FIELD("ControlPage", sidecar_control_page, response_vector),
		ABI_FIELD("ControlPage", sidecar_control_page, needs_attention),
		ABI_FIELD("ControlPage", sidecar_control_page, reserved),
		ABI_FIELD("ControlPage", sidecar_control_page, cpu_status),
		ABI_TYPE("CpuStatus",
			 ElementOf<decltype(sidecar_control_page::cpu_status)>),
		ABI_STRUCT("CommandPage", cmd),
		ABI_FIELD("CommandPage", cmd, command),
		ABI_FIELD("CommandPage", cmd, has_error),
		ABI_FIELD("CommandPage", cmd, padding),
		ABI_FIELD("CommandPage", cmd, cpu_context),
		ABI_FIELD("CommandPage", cmd, intercept_message),
		ABI_FIELD("CommandPage", cmd, error),
		ABI_FIELD("CommandPage", cmd, request_data),
		ABI_FIELD("CommandPage", cmd, reserved),
		ABI_STRUCT("CommandError", sidecar_command_error),
		ABI_FIELD("CommandError", sidecar_command_error, len),
		ABI_FIELD("CommandError", sidecar_command_error, buf),
		ABI_TYPE("SidecarCommand", decltype(cmd::command)),
		ABI_STRUCT("GetSetVpRegisterRequest",
			   sidecar_get_set_vp_register_request),
		ABI_FIELD("GetSetVpRegisterRequest",
			  sidecar_get_set_vp_register_request, count),
		ABI_FIELD("GetSetVpRegisterRequest",
			  sidecar_get_set_vp_register_request, target_vtl),
		ABI_FIELD("GetSetVpRegisterRequest",
			  sidecar_get_set_vp_register_request, rsvd),
		ABI_FIELD("GetSetVpRegisterRequest",
			  sidecar_get_set_vp_register_request, status),
		ABI_FIELD("GetSetVpRegisterRequest",
			  sidecar_get_set_vp_register_request, rsvd2),
		ABI_FLEX_FIELD("GetSetVpRegisterRequest",
			       sidecar_get_set_vp_register_request, regs),
		ABI_STRUCT("TranslateGvaRequest",
			   sidecar_translate_gva_request),
		ABI_FIELD("TranslateGvaRequest", sidecar_translate_gva_request,
			  gvn),
		ABI_FIELD("TranslateGvaRequest", sidecar_translate_gva_request,
			  control_flags),
		ABI_STRUCT("TranslateGvaResponse",
			   sidecar_translate_gva_response),
		ABI_FIELD("TranslateGvaResponse",
			  sidecar_translate_gva_response, status),
		ABI_FIELD("TranslateGvaResponse",
			  sidecar_translate_gva_response, rsvd),
		ABI_FIELD("TranslateGvaResponse",
			  sidecar_translate_gva_response, output),
		ABI_STRUCT("RunVpResponse", sidecar_run_vp_response),
		ABI_FIELD("RunVpResponse", sidecar_run_vp_response, intercept),
		ABI_STRUCT("CpuContextX64", sidecar_cpu_context_x64),
		ABI_FIELD("CpuContextX64", sidecar_cpu_context_x64, gps),
		ABI_FIELD("CpuContextX64", sidecar_cpu_context_x64, fx_state),
		ABI_FIELD("CpuContextX64", sidecar_cpu_context_x64, reserved),

		// x86defs
		ABI_STRUCT("Fxsave", x86_fxsave),
		ABI_FIELD("Fxsave", x86_fxsave, fcw),
		ABI_FIELD("Fxsave", x86_fxsave, fsw),
		ABI_FIELD("Fxsave", x86_fxsave, ftw),
		ABI_FIELD("Fxsave", x86_fxsave, reserved),
		ABI_FIELD("Fxsave", x86_fxsave, fop),
		ABI_FIELD("Fxsave", x86_fxsave, fip),
		ABI_FIELD("Fxsave", x86_fxsave, fdp),
		ABI_FIELD("Fxsave", x86_fxsave, mxcsr),
		ABI_FIELD("Fxsave", x86_fxsave, mxcsr_mask),
		ABI_FIELD("Fxsave", x86_fxsave, st),
		ABI_FIELD("Fxsave", x86_fxsave, xmm),
		ABI_FIELD("Fxsave", x86_fxsave, reserved2),
		ABI_FIELD("Fxsave", x86_fxsave, unused),

		// hvdef newtypes and bitfields
		ABI_TYPE("HvStatus",
			 decltype(sidecar_get_set_vp_register_request::status)),
		ABI_TYPE("HvInputVtl",
			 decltype(sidecar_get_set_vp_register_request::
					  target_vtl)),
		ABI_TYPE("HvRegisterName", decltype(hv_register_assoc::name)),
		ABI_TYPE("AlignedU128", decltype(hv_x64_pending_event::reg_1)),
		ABI_TYPE("HvRegisterValue", decltype(hv_register_assoc::value)),
		ABI_TYPE("HvMessageType", decltype(hv_message_header::typ)),
		ABI_TYPE("HvMessageFlags", decltype(hv_message_header::flags)),
		ABI_TYPE("HvVtlEntryReason",
			 decltype(hv_vp_vtl_control::entry_reason)),
		ABI_TYPE("TranslateGvaControlFlagsX64",
			 decltype(sidecar_translate_gva_request::control_flags)),
		ABI_TYPE("TranslateGvaResult",
			 decltype(hv_translate_gva_result_ex_x64::result)),
		ABI_TYPE("HvX64PendingEventReg0",
			 decltype(hv_x64_pending_event::reg_0)),
		ABI_TYPE("Control", decltype(hv_hypercall_control(0, 0))),
		ABI_TYPE("HypercallOutput", uint64_t),
		ABI_TYPE("HvRegisterVsmCodePageOffsets",
			 decltype(hv_register_value::reg64)),
		ABI_TYPE("HvRegisterVsmCapabilities",
			 decltype(hv_register_value::reg64)),
		ABI_TYPE("HvRegisterVpAssistPage",
			 decltype(hv_register_value::reg64)),
		ABI_TYPE("HvSynicSimpSiefp",
			 decltype(hv_register_value::reg64)),
		ABI_TYPE("GuestCrashCtl", decltype(hv_register_value::reg64)),
		ABI_TYPE("HvInterceptAccessType",
			 decltype(hv_x64_intercept_message_header::
					  intercept_access_type)),
		ABI_TYPE("HvX64VpExecutionState",
			 decltype(hv_x64_intercept_message_header::
					  execution_state)),

		// hvdef structs
		ABI_STRUCT("HvMessageHeader", hv_message_header),
		ABI_FIELD("HvMessageHeader", hv_message_header, typ),
		ABI_FIELD("HvMessageHeader", hv_message_header, len),
		ABI_FIELD("HvMessageHeader", hv_message_header, flags),
		ABI_FIELD("HvMessageHeader", hv_message_header, rsvd),
		ABI_FIELD("HvMessageHeader", hv_message_header, id),
		ABI_STRUCT("HvMessage", hv_message),
		ABI_FIELD("HvMessage", hv_message, header),
		ABI_FIELD("HvMessage", hv_message, payload_buffer),
		ABI_STRUCT("HvRegisterAssoc", hv_register_assoc),
		ABI_FIELD("HvRegisterAssoc", hv_register_assoc, name),
		ABI_FIELD("HvRegisterAssoc", hv_register_assoc, pad),
		ABI_FIELD("HvRegisterAssoc", hv_register_assoc, value),
		ABI_STRUCT("HvX64PendingEvent", hv_x64_pending_event),
		ABI_FIELD("HvX64PendingEvent", hv_x64_pending_event, reg_0),
		ABI_FIELD("HvX64PendingEvent", hv_x64_pending_event, reg_1),
		ABI_STRUCT("TranslateGvaResultExX64",
			   hv_translate_gva_result_ex_x64),
		ABI_FIELD("TranslateGvaResultExX64",
			  hv_translate_gva_result_ex_x64, result),
		ABI_FIELD("TranslateGvaResultExX64",
			  hv_translate_gva_result_ex_x64, reserved),
		ABI_FIELD("TranslateGvaResultExX64",
			  hv_translate_gva_result_ex_x64, event_info),
		ABI_STRUCT("TranslateVirtualAddressExOutputX64",
			   hv_translate_virtual_address_ex_output_x64),
		ABI_FIELD("TranslateVirtualAddressExOutputX64",
			  hv_translate_virtual_address_ex_output_x64,
			  translation_result),
		ABI_FIELD("TranslateVirtualAddressExOutputX64",
			  hv_translate_virtual_address_ex_output_x64, gpa_page),
		ABI_FIELD("TranslateVirtualAddressExOutputX64",
			  hv_translate_virtual_address_ex_output_x64, reserved),
		ABI_STRUCT("TranslateVirtualAddressX64",
			   hv_translate_virtual_address_x64),
		ABI_FIELD("TranslateVirtualAddressX64",
			  hv_translate_virtual_address_x64, partition_id),
		ABI_FIELD("TranslateVirtualAddressX64",
			  hv_translate_virtual_address_x64, vp_index),
		ABI_FIELD("TranslateVirtualAddressX64",
			  hv_translate_virtual_address_x64, reserved),
		ABI_FIELD("TranslateVirtualAddressX64",
			  hv_translate_virtual_address_x64, control_flags),
		ABI_FIELD("TranslateVirtualAddressX64",
			  hv_translate_virtual_address_x64, gva_page),
		ABI_STRUCT("GetSetVpRegisters", hv_get_set_vp_registers),
		ABI_FIELD("GetSetVpRegisters", hv_get_set_vp_registers,
			  partition_id),
		ABI_FIELD("GetSetVpRegisters", hv_get_set_vp_registers,
			  vp_index),
		ABI_FIELD("GetSetVpRegisters", hv_get_set_vp_registers,
			  target_vtl),
		ABI_FIELD("GetSetVpRegisters", hv_get_set_vp_registers, rsvd),
		ABI_STRUCT("HvX64SegmentRegister", hv_x64_segment_register),
		ABI_FIELD("HvX64SegmentRegister", hv_x64_segment_register,
			  base),
		ABI_FIELD("HvX64SegmentRegister", hv_x64_segment_register,
			  limit),
		ABI_FIELD("HvX64SegmentRegister", hv_x64_segment_register,
			  selector),
		ABI_FIELD("HvX64SegmentRegister", hv_x64_segment_register,
			  attributes),
		ABI_STRUCT("HvX64TableRegister", hv_x64_table_register),
		ABI_FIELD("HvX64TableRegister", hv_x64_table_register, pad),
		ABI_FIELD("HvX64TableRegister", hv_x64_table_register, limit),
		ABI_FIELD("HvX64TableRegister", hv_x64_table_register, base),
		ABI_STRUCT("InitialVpContextX64", hv_initial_vp_context_x64),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  rip),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  rsp),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  rflags),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, cs),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, ds),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, es),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, fs),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, gs),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, ss),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64, tr),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  ldtr),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  idtr),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  gdtr),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  efer),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  cr0),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  cr3),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  cr4),
		ABI_FIELD("InitialVpContextX64", hv_initial_vp_context_x64,
			  msr_cr_pat),
		ABI_STRUCT("EnableVpVtlX64", hv_enable_vp_vtl_x64),
		ABI_FIELD("EnableVpVtlX64", hv_enable_vp_vtl_x64, partition_id),
		ABI_FIELD("EnableVpVtlX64", hv_enable_vp_vtl_x64, vp_index),
		ABI_FIELD("EnableVpVtlX64", hv_enable_vp_vtl_x64, target_vtl),
		ABI_FIELD("EnableVpVtlX64", hv_enable_vp_vtl_x64, reserved),
		ABI_FIELD("EnableVpVtlX64", hv_enable_vp_vtl_x64,
			  vp_vtl_context),
		ABI_STRUCT("StartVirtualProcessorX64",
			   hv_start_virtual_processor_x64),
		ABI_FIELD("StartVirtualProcessorX64",
			  hv_start_virtual_processor_x64, partition_id),
		ABI_FIELD("StartVirtualProcessorX64",
			  hv_start_virtual_processor_x64, vp_index),
		ABI_FIELD("StartVirtualProcessorX64",
			  hv_start_virtual_processor_x64, target_vtl),
		ABI_FIELD("StartVirtualProcessorX64",
			  hv_start_virtual_processor_x64, rsvd0),
		ABI_FIELD("StartVirtualProcessorX64",
			  hv_start_virtual_processor_x64, rsvd1),
		ABI_FIELD("StartVirtualProcessorX64",
			  hv_start_virtual_processor_x64, vp_context),
		ABI_STRUCT("HvVpVtlControl", hv_vp_vtl_control),
		ABI_FIELD("HvVpVtlControl", hv_vp_vtl_control, entry_reason),
		ABI_FIELD("HvVpVtlControl", hv_vp_vtl_control, vina_status),
		ABI_FIELD("HvVpVtlControl", hv_vp_vtl_control, reserved_z0),
		ABI_FIELD("HvVpVtlControl", hv_vp_vtl_control, reserved_z1),
		ABI_FIELD("HvVpVtlControl", hv_vp_vtl_control, registers),
		ABI_STRUCT("HvVpAssistPage", hv_vp_assist_page),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page, apic_assist),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page, reserved_z0),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page, vtl_control),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  vtl_control.entry_reason),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  vtl_control.registers),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  nested_enlightenments_control),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  enlighten_vm_entry),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page, reserved_z1),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  current_nested_vmcs),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  synthetic_time_unhalted_timer_expired),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page, reserved_z2),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  virtualization_fault_information),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page, reserved_z3),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  intercept_message),
		ABI_FIELD("HvVpAssistPage", hv_vp_assist_page,
			  vtl_return_actions),
		ABI_STRUCT("HvX64InterceptMessageHeader",
			   hv_x64_intercept_message_header),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header, vp_index),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header,
			  instruction_length_and_cr8),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header,
			  intercept_access_type),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header, execution_state),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header, cs_segment),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header, rip),
		ABI_FIELD("HvX64InterceptMessageHeader",
			  hv_x64_intercept_message_header, rflags),
		ABI_STRUCT("HvX64RegisterPage", hv_x64_register_page),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, version),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, is_valid),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, vtl),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, dirty),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page,
			  gp_registers),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, rip),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, rflags),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, reserved),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, xmm),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, segment),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, cr0),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, cr3),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, cr4),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, cr8),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, efer),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page, dr7),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page,
			  pending_interruption),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page,
			  interrupt_state),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page,
			  instruction_emulation_hints),
		ABI_FIELD("HvX64RegisterPage", hv_x64_register_page,
			  reserved_end),

		// sidecar_client
		ABI_STRUCT("VpSharedPages", sidecar_vp_shared_pages),
		ABI_FIELD("VpSharedPages", sidecar_vp_shared_pages,
			  command_page),
		ABI_FIELD("VpSharedPages", sidecar_vp_shared_pages,
			  register_page),

		// constants
		ABI_SIDECAR_CONST(MAX_NODES),
		ABI_SIDECAR_CONST(PAGE_SIZE),
		ABI_SIDECAR_CONST(PER_VP_PAGES),
		ABI_SIDECAR_CONST(PER_VP_SHMEM_PAGES),
		ABI_SIDECAR_CONST(STACK_PAGES),
		ABI_SIDECAR_CONST(REQUEST_DATA_SIZE),
		ABI_SIDECAR_CONST(MAX_GET_SET_VP_REGISTERS),
		ABI_REQUIRED_MEMORY(1),
		ABI_REQUIRED_MEMORY(2),
		ABI_REQUIRED_MEMORY(32),
		ABI_REQUIRED_MEMORY(4032),
		ABI_ENUM("CpuStatus", SIDECAR_CPU_STATUS_, REMOVED),
		ABI_ENUM("CpuStatus", SIDECAR_CPU_STATUS_, IDLE),
		ABI_ENUM("CpuStatus", SIDECAR_CPU_STATUS_, RUN),
		ABI_ENUM("CpuStatus", SIDECAR_CPU_STATUS_, STOP),
		ABI_ENUM("CpuStatus", SIDECAR_CPU_STATUS_, REMOVE),
		ABI_ENUM("SidecarCommand", SIDECAR_COMMAND_, NONE),
		ABI_ENUM("SidecarCommand", SIDECAR_COMMAND_, RUN_VP),
		ABI_ENUM("SidecarCommand", SIDECAR_COMMAND_, GET_VP_REGISTERS),
		ABI_ENUM("SidecarCommand", SIDECAR_COMMAND_, SET_VP_REGISTERS),
		ABI_ENUM("SidecarCommand", SIDECAR_COMMAND_, TRANSLATE_GVA),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RAX),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RCX),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RDX),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RBX),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, CR2),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RBP),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RSI),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, RDI),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R8),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R9),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R10),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R11),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R12),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R13),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R14),
		ABI_ENUM("CpuContextX64", SIDECAR_CPU_CONTEXT_, R15),
	};
}

// One parsed line of abi_layout.txt.
struct Line {
	int lineno;
	Kind kind;
	std::string name;
	uint64_t a;
	uint64_t b;
};

bool ParseU64(const std::string &s, uint64_t *out)
{
	if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
		return false;
	errno = 0;
	char *end = nullptr;
	unsigned long long v = std::strtoull(s.c_str(), &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

// "key=value" with the expected key.
bool ParseKeyValue(const std::string &tok, const char *key, uint64_t *out)
{
	const std::string prefix = std::string(key) + "=";
	if (tok.compare(0, prefix.size(), prefix) != 0)
		return false;
	return ParseU64(tok.substr(prefix.size()), out);
}

std::vector<std::string> Split(const std::string &s)
{
	std::vector<std::string> toks;
	size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t j = i;
		while (j < s.size() && s[j] != ' ' && s[j] != '\t')
			j++;
		if (j > i)
			toks.push_back(s.substr(i, j - i));
		i = j;
	}
	return toks;
}

bool ParseLine(const std::string &text, int lineno, Line *line)
{
	const std::vector<std::string> t = Split(text);
	line->lineno = lineno;
	line->b = 0;
	if (t.size() == 4 && t[0] == "STRUCT") {
		line->kind = Kind::kStruct;
		line->name = t[1];
		return ParseKeyValue(t[2], "size", &line->a) &&
		       ParseKeyValue(t[3], "align", &line->b);
	}
	if (t.size() == 4 && t[0] == "FIELD") {
		line->kind = Kind::kField;
		line->name = t[1];
		return ParseKeyValue(t[2], "offset", &line->a) &&
		       ParseKeyValue(t[3], "size", &line->b);
	}
	if (t.size() == 2 && t[0] == "CONST") {
		const size_t eq = t[1].rfind('=');
		if (eq == std::string::npos || eq == 0)
			return false;
		line->kind = Kind::kConst;
		line->name = t[1].substr(0, eq);
		return ParseU64(t[1].substr(eq + 1), &line->a);
	}
	return false;
}

std::string Key(Kind kind, const std::string &name)
{
	return std::string(KindName(kind)) + " " + name;
}

TEST(AbiLayout, TableHasNoDuplicates)
{
	std::map<std::string, int> seen;
	for (const Entry &e : Table())
		EXPECT_EQ(++seen[Key(e.kind, e.name)], 1)
			<< "duplicate table entry " << Key(e.kind, e.name);
}

// Every line of the file matches the table, and every entry of the
// table for this era has its line.
void CheckFile(const std::string &path, Era era)
{
	std::ifstream in(path);
	ASSERT_TRUE(in.is_open()) << "cannot open " << path;

	std::map<std::string, Entry> table;
	std::map<std::string, int> uses;
	for (const Entry &e : Table()) {
		if (!(e.eras & era))
			continue;
		table.emplace(Key(e.kind, e.name), e);
		uses[Key(e.kind, e.name)] = 0;
	}

	std::string text;
	int lineno = 0;
	int nonempty = 0;
	int checked = 0;
	while (std::getline(in, text)) {
		lineno++;
		while (!text.empty() &&
		       (text.back() == '\r' || text.back() == ' ' ||
			text.back() == '\t'))
			text.pop_back();
		if (text.find_first_not_of(" \t") == std::string::npos)
			continue;
		nonempty++;

		Line line{};
		if (!ParseLine(text, lineno, &line)) {
			ADD_FAILURE() << path << ":" << lineno
				      << ": cannot parse: " << text;
			continue;
		}
		const std::string key = Key(line.kind, line.name);
		const auto it = table.find(key);
		if (it == table.end()) {
			ADD_FAILURE() << path << ":" << lineno
				      << ": no table entry for " << key;
			continue;
		}
		if (++uses[key] > 1)
			ADD_FAILURE() << path << ":" << lineno
				      << ": duplicate line for " << key;
		const Entry &e = it->second;
		const std::string where =
			path + ":" + std::to_string(lineno) + ": " + text;
		switch (line.kind) {
		case Kind::kStruct:
			EXPECT_EQ(line.a, e.a) << where << ": C sizeof differs";
			EXPECT_EQ(line.b, e.b)
				<< where << ": C alignof differs";
			break;
		case Kind::kField:
			EXPECT_EQ(line.a, e.a)
				<< where << ": C offsetof differs";
			EXPECT_EQ(line.b, e.b) << where << ": C size differs";
			break;
		case Kind::kConst:
			EXPECT_EQ(line.a, e.a) << where << ": C value differs";
			break;
		}
		checked++;
	}

	for (const auto &u : uses)
		EXPECT_NE(u.second, 0)
			<< "table entry never used by the file: " << u.first;

	std::printf("abi_layout: checked %d of %d non-empty lines in %s\n",
		    checked, nonempty, path.c_str());
	EXPECT_GT(nonempty, 0);
	EXPECT_EQ(checked, nonempty);
}

TEST(AbiLayout, EveryLineOfTheSeedFileMatchesTheHeaders)
{
	CheckFile(g_seed_path, kSeed);
}

TEST(AbiLayout, EveryLineOfTheHeadFileMatchesTheHeaders)
{
	CheckFile(g_head_path, kHead);
}

// A seed-era loader zero-fills the page: HEAD reads "not specified".
TEST(AbiLayout, SeedPaddingIsInitialState)
{
	EXPECT_EQ(offsetof(sidecar_params, initial_state),
		  offsetof(sidecar_params, nodes) +
			  sizeof(sidecar_params::nodes));
	EXPECT_LE(offsetof(sidecar_params, initial_state) +
			  sizeof(sidecar_per_cpu_state),
		  sizeof(sidecar_params));
}

} // namespace

int main(int argc, char **argv)
{
	testing::InitGoogleTest(&argc, argv);
	const char *env = std::getenv("ABI_LAYOUT_TXT");
	const char *head = std::getenv("ABI_LAYOUT_HEAD_TXT");
	if (env != nullptr && env[0] != '\0')
		g_seed_path = env;
	else if (argc > 1)
		g_seed_path = argv[1];
	if (head != nullptr && head[0] != '\0')
		g_head_path = head;
	else if (argc > 2)
		g_head_path = argv[2];
	return RUN_ALL_TESTS();
}
