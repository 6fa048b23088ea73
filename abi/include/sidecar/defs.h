/* SPDX-License-Identifier: MIT */
/*
 * The sidecar kernel ABI: a C transcription of sidecar_defs with
 * byte-identical layouts, seed era (abi/spec/sidecar_defs.rs) plus what HEAD
 * added (abi/spec/sidecar_defs_head.rs: SidecarParams.initial_state). Every
 * layout in abi/spec/abi_layout.txt and abi_layout_head.txt is checked by
 * abi/test/abi_layout_test.cc.
 *
 * Fields that Rust declares AtomicU32/AtomicU8 are plain integers here:
 * access them only through the sidecar_*_load/store/cas/xchg helpers.
 */
#ifndef SIDECAR_DEFS_H
#define SIDECAR_DEFS_H

#include "hv/compiler.h"
#include "hv/hypercall.h"
#include "hv/message.h"
#include "hv/register_page.h"
#include "hv/registers.h"
#include "hv/x86.h"

#define SIDECAR_STATIC_ASSERT(expr, msg) HV_STATIC_ASSERT(expr, msg)
#define SIDECAR_ALIGNED(n) HV_ALIGNED(n)

#define SIDECAR_MAX_NODES 128
#define SIDECAR_PAGE_SIZE 4096
#define SIDECAR_STACK_PAGES 3
/* pml4, pdpt, pd, pt, globals, VP assist, hypercall in/out, then stack. */
#define SIDECAR_PER_VP_PAGES (8 + SIDECAR_STACK_PAGES)
/* Command page, register page. */
#define SIDECAR_PER_VP_SHMEM_PAGES 2
#define SIDECAR_REQUEST_DATA_SIZE (64 * 16)
/* (REQUEST_DATA_SIZE - request header) / sizeof(struct hv_register_assoc) */
#define SIDECAR_MAX_GET_SET_VP_REGISTERS 31
/* Length of ControlPage.cpu_status. */
#define SIDECAR_MAX_VPS_PER_NODE 4032
/* Capacity of CommandError.buf. */
#define SIDECAR_ERROR_MAX_LEN 255
/* HEAD: length of PerCpuState.sidecar_starts_cpu (VPs 0..399). */
#define SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE 400

/* CpuStatus (u8), ControlPage.cpu_status[]. */
#define SIDECAR_CPU_STATUS_REMOVED 0 /* not in the sidecar kernel */
#define SIDECAR_CPU_STATUS_IDLE 1 /* previous command done */
#define SIDECAR_CPU_STATUS_RUN 2 /* running a command */
#define SIDECAR_CPU_STATUS_STOP 3 /* asked to stop the command */
#define SIDECAR_CPU_STATUS_REMOVE 4 /* asked to leave the sidecar */

/* SidecarCommand (u32), CommandPage.command. */
#define SIDECAR_COMMAND_NONE 0
#define SIDECAR_COMMAND_RUN_VP 1
#define SIDECAR_COMMAND_GET_VP_REGISTERS 2
#define SIDECAR_COMMAND_SET_VP_REGISTERS 3
#define SIDECAR_COMMAND_TRANSLATE_GVA 4

/* Indices into CpuContextX64.gps: x86 order, but CR2 in RSP's slot. */
#define SIDECAR_CPU_CONTEXT_RAX 0
#define SIDECAR_CPU_CONTEXT_RCX 1
#define SIDECAR_CPU_CONTEXT_RDX 2
#define SIDECAR_CPU_CONTEXT_RBX 3
#define SIDECAR_CPU_CONTEXT_CR2 4
#define SIDECAR_CPU_CONTEXT_RBP 5
#define SIDECAR_CPU_CONTEXT_RSI 6
#define SIDECAR_CPU_CONTEXT_RDI 7
#define SIDECAR_CPU_CONTEXT_R8 8
#define SIDECAR_CPU_CONTEXT_R9 9
#define SIDECAR_CPU_CONTEXT_R10 10
#define SIDECAR_CPU_CONTEXT_R11 11
#define SIDECAR_CPU_CONTEXT_R12 12
#define SIDECAR_CPU_CONTEXT_R13 13
#define SIDECAR_CPU_CONTEXT_R14 14
#define SIDECAR_CPU_CONTEXT_R15 15

/* Offsets used by assembly; checked against the structs below. */
#define SIDECAR_CPU_CONTEXT_GP_OFFSET(reg) ((reg) * 8)
#define SIDECAR_CPU_CONTEXT_FX_STATE_OFFSET 0x80
#define SIDECAR_COMMAND_PAGE_CPU_CONTEXT_OFFSET 16
#define SIDECAR_COMMAND_PAGE_INTERCEPT_MESSAGE_OFFSET 1040
#define SIDECAR_COMMAND_PAGE_ERROR_OFFSET 1296
#define SIDECAR_COMMAND_PAGE_REQUEST_DATA_OFFSET 1552

#ifndef __ASSEMBLER__

/* SidecarNodeParams. */
struct sidecar_node_params {
	/* Physical address of the node's reserved memory; page aligned. */
	uint64_t memory_base;
	/* Size of the reserved memory; a page multiple. */
	uint64_t memory_size;
	uint32_t base_vp;
	uint32_t vp_count;
};

HV_ASSERT_LAYOUT(struct sidecar_node_params, 24, 8);
HV_ASSERT_OFFSET(struct sidecar_node_params, memory_base, 0);
HV_ASSERT_OFFSET(struct sidecar_node_params, memory_size, 8);
HV_ASSERT_OFFSET(struct sidecar_node_params, base_vp, 16);
HV_ASSERT_OFFSET(struct sidecar_node_params, vp_count, 20);

/*
 * PerCpuState (HEAD only): which CPUs the sidecar starts, filled by
 * openhcl_boot when it gives some CPUs to the main kernel (boot_cpus=).
 * Rust bools, 0 or 1. A seed-era loader leaves the bytes zero, which reads
 * as "not specified": every AP of every node is the sidecar's.
 */
struct sidecar_per_cpu_state {
	uint8_t per_cpu_state_specified;
	/* By VP index; false: the main kernel starts that CPU. */
	uint8_t sidecar_starts_cpu[SIDECAR_NUM_CPUS_SUPPORTED_FOR_PER_CPU_STATE];
};

HV_ASSERT_LAYOUT(struct sidecar_per_cpu_state, 401, 1);
HV_ASSERT_OFFSET(struct sidecar_per_cpu_state, per_cpu_state_specified, 0);
HV_ASSERT_OFFSET(struct sidecar_per_cpu_state, sidecar_starts_cpu, 1);

/* SidecarParams: the boot shim's input, one page. */
struct sidecar_params {
	/* Physical address of the hypercall page. */
	uint64_t hypercall_page;
	/* Rust bool: 0 or 1. Non-zero enables logging on COM1. */
	uint8_t enable_logging;
	/* Number of valid entries in nodes. */
	uint32_t node_count;
	struct sidecar_node_params nodes[SIDECAR_MAX_NODES];
	/* HEAD only; in the seed era the page's zero padding. */
	struct sidecar_per_cpu_state initial_state;
} SIDECAR_ALIGNED(4096);

HV_ASSERT_LAYOUT(struct sidecar_params, 4096, 4096);
HV_ASSERT_OFFSET(struct sidecar_params, hypercall_page, 0);
HV_ASSERT_OFFSET(struct sidecar_params, enable_logging, 8);
HV_ASSERT_OFFSET(struct sidecar_params, node_count, 12);
HV_ASSERT_OFFSET(struct sidecar_params, nodes, 16);
HV_ASSERT_OFFSET(struct sidecar_params, initial_state, 3088);

/* CommandError: a UTF-8 string of len bytes, not NUL terminated. */
struct sidecar_command_error {
	uint8_t len;
	uint8_t buf[SIDECAR_ERROR_MAX_LEN];
};

HV_ASSERT_LAYOUT(struct sidecar_command_error, 256, 1);
HV_ASSERT_OFFSET(struct sidecar_command_error, len, 0);
HV_ASSERT_OFFSET(struct sidecar_command_error, buf, 1);

/* SidecarNodeOutput. */
struct sidecar_node_output {
	/* Physical address of the node's control page. */
	uint64_t control_page;
	/* Physical base and size of the node's per-VP shared pages. */
	uint64_t shmem_pages_base;
	uint64_t shmem_pages_size;
};

HV_ASSERT_LAYOUT(struct sidecar_node_output, 24, 8);
HV_ASSERT_OFFSET(struct sidecar_node_output, control_page, 0);
HV_ASSERT_OFFSET(struct sidecar_node_output, shmem_pages_base, 8);
HV_ASSERT_OFFSET(struct sidecar_node_output, shmem_pages_size, 16);

/* SidecarOutput: the boot result; error is set only if entry fails. */
struct sidecar_output {
	struct sidecar_command_error error;
	struct sidecar_node_output nodes[SIDECAR_MAX_NODES];
};

HV_ASSERT_LAYOUT(struct sidecar_output, 3328, 8);
HV_ASSERT_OFFSET(struct sidecar_output, error, 0);
HV_ASSERT_OFFSET(struct sidecar_output, nodes, 256);
SIDECAR_STATIC_ASSERT(sizeof(struct sidecar_output) <= SIDECAR_PAGE_SIZE,
		      "SidecarOutput fits in a page");

/*
 * ControlPage: one per node, shared by the sidecar CPUs of the node and the
 * driver. Every field is atomic in Rust: use the helpers below.
 */
struct sidecar_control_page {
	uint32_t index; /* node index */
	uint32_t base_cpu;
	uint32_t cpu_count;
	uint32_t request_vector; /* driver -> sidecar CPU IPI vector */
	uint32_t response_cpu; /* APIC ID the sidecar CPU IPIs */
	uint32_t response_vector; /* sidecar -> driver vector; 0: none */
	uint32_t needs_attention; /* non-zero: a CPU has news */
	uint8_t reserved[36];
	uint8_t cpu_status[SIDECAR_MAX_VPS_PER_NODE]; /* SIDECAR_CPU_STATUS_* */
} SIDECAR_ALIGNED(4096);

HV_ASSERT_LAYOUT(struct sidecar_control_page, 4096, 4096);
HV_ASSERT_OFFSET(struct sidecar_control_page, index, 0);
HV_ASSERT_OFFSET(struct sidecar_control_page, base_cpu, 4);
HV_ASSERT_OFFSET(struct sidecar_control_page, cpu_count, 8);
HV_ASSERT_OFFSET(struct sidecar_control_page, request_vector, 12);
HV_ASSERT_OFFSET(struct sidecar_control_page, response_cpu, 16);
HV_ASSERT_OFFSET(struct sidecar_control_page, response_vector, 20);
HV_ASSERT_OFFSET(struct sidecar_control_page, needs_attention, 24);
HV_ASSERT_OFFSET(struct sidecar_control_page, reserved, 28);
HV_ASSERT_OFFSET(struct sidecar_control_page, cpu_status, 64);

/* CpuContextX64: the lower VTL's state, saved and loaded around RUN_VP. */
struct sidecar_cpu_context_x64 {
	uint64_t gps[16]; /* SIDECAR_CPU_CONTEXT_* */
	struct x86_fxsave fx_state; /* 16-aligned, as fxsave needs */
	uint8_t reserved[384];
} SIDECAR_ALIGNED(16);

HV_ASSERT_LAYOUT(struct sidecar_cpu_context_x64, 1024, 16);
HV_ASSERT_OFFSET(struct sidecar_cpu_context_x64, gps, 0);
HV_ASSERT_OFFSET(struct sidecar_cpu_context_x64, fx_state,
		 SIDECAR_CPU_CONTEXT_FX_STATE_OFFSET);
HV_ASSERT_OFFSET(struct sidecar_cpu_context_x64, reserved, 640);
SIDECAR_STATIC_ASSERT(SIDECAR_CPU_CONTEXT_GP_OFFSET(SIDECAR_CPU_CONTEXT_RBX) ==
			      0x18,
		      "gps[RBX] at 0x18");
SIDECAR_STATIC_ASSERT(SIDECAR_CPU_CONTEXT_GP_OFFSET(SIDECAR_CPU_CONTEXT_CR2) ==
			      0x20,
		      "gps[CR2] at 0x20");
SIDECAR_STATIC_ASSERT(SIDECAR_CPU_CONTEXT_GP_OFFSET(SIDECAR_CPU_CONTEXT_RBP) ==
			      0x28,
		      "gps[RBP] at 0x28");
SIDECAR_STATIC_ASSERT(sizeof(((struct sidecar_cpu_context_x64 *)0)->gps[0]) ==
			      8,
		      "gps are 8 bytes");

/* CommandPage: one per VP, shared with the driver. */
struct sidecar_command_page {
	uint32_t command; /* SIDECAR_COMMAND_* */
	uint8_t has_error; /* non-zero: see error */
	uint8_t padding[11];
	struct sidecar_cpu_context_x64 cpu_context;
	struct hv_message intercept_message; /* from the last VP exit */
	struct sidecar_command_error error;
	/* The command's request, replaced by its response. */
	struct hv_u128 request_data[SIDECAR_REQUEST_DATA_SIZE / 16];
	uint64_t reserved[190];
};

HV_ASSERT_LAYOUT(struct sidecar_command_page, 4096, 16);
HV_ASSERT_OFFSET(struct sidecar_command_page, command, 0);
HV_ASSERT_OFFSET(struct sidecar_command_page, has_error, 4);
HV_ASSERT_OFFSET(struct sidecar_command_page, padding, 5);
HV_ASSERT_OFFSET(struct sidecar_command_page, cpu_context,
		 SIDECAR_COMMAND_PAGE_CPU_CONTEXT_OFFSET);
HV_ASSERT_OFFSET(struct sidecar_command_page, intercept_message,
		 SIDECAR_COMMAND_PAGE_INTERCEPT_MESSAGE_OFFSET);
HV_ASSERT_OFFSET(struct sidecar_command_page, error,
		 SIDECAR_COMMAND_PAGE_ERROR_OFFSET);
HV_ASSERT_OFFSET(struct sidecar_command_page, request_data,
		 SIDECAR_COMMAND_PAGE_REQUEST_DATA_OFFSET);
HV_ASSERT_OFFSET(struct sidecar_command_page, reserved, 2576);
SIDECAR_STATIC_ASSERT(sizeof(((struct sidecar_command_page *)0)->request_data) ==
			      SIDECAR_REQUEST_DATA_SIZE,
		      "request_data size");

/*
 * GetSetVpRegisterRequest: request and response of GET/SET_VP_REGISTERS.
 * `count` struct hv_register_assoc follow at +16; Get updates them in place.
 * `status` is the HV_STATUS of the first failing register, else 0.
 */
struct sidecar_get_set_vp_register_request {
	uint16_t count;
	uint8_t target_vtl; /* HvInputVtl */
	uint8_t rsvd;
	uint16_t status; /* HV_STATUS_* */
	uint8_t rsvd2[10];
	/* Rust: [HvRegisterAssoc; 0], which also makes the struct 16-aligned. */
	HV_FLEX_ARRAY(struct hv_register_assoc regs)
};

HV_ASSERT_LAYOUT(struct sidecar_get_set_vp_register_request, 16, 16);
HV_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, count, 0);
HV_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, target_vtl, 2);
HV_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, rsvd, 3);
HV_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, status, 4);
HV_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, rsvd2, 6);
HV_ASSERT_OFFSET(struct sidecar_get_set_vp_register_request, regs, 16);
SIDECAR_STATIC_ASSERT(
	SIDECAR_MAX_GET_SET_VP_REGISTERS ==
		(SIDECAR_REQUEST_DATA_SIZE -
		 sizeof(struct sidecar_get_set_vp_register_request)) /
			sizeof(struct hv_register_assoc),
	"MAX_GET_SET_VP_REGISTERS");

/* TranslateGvaRequest. */
struct sidecar_translate_gva_request {
	uint64_t gvn; /* guest virtual page number */
	uint64_t control_flags; /* HV_TRANSLATE_GVA_* */
};

HV_ASSERT_LAYOUT(struct sidecar_translate_gva_request, 16, 8);
HV_ASSERT_OFFSET(struct sidecar_translate_gva_request, gvn, 0);
HV_ASSERT_OFFSET(struct sidecar_translate_gva_request, control_flags, 8);

/* TranslateGvaResponse; output is all zero when status is not SUCCESS. */
struct sidecar_translate_gva_response {
	uint16_t status; /* HV_STATUS_* */
	uint16_t rsvd[7];
	struct hv_translate_virtual_address_ex_output_x64 output;
};

HV_ASSERT_LAYOUT(struct sidecar_translate_gva_response, 80, 16);
HV_ASSERT_OFFSET(struct sidecar_translate_gva_response, status, 0);
HV_ASSERT_OFFSET(struct sidecar_translate_gva_response, rsvd, 2);
HV_ASSERT_OFFSET(struct sidecar_translate_gva_response, output, 16);

/* RunVpResponse. */
struct sidecar_run_vp_response {
	uint8_t intercept; /* non-zero: stopped by an intercept */
};

HV_ASSERT_LAYOUT(struct sidecar_run_vp_response, 1, 1);
HV_ASSERT_OFFSET(struct sidecar_run_vp_response, intercept, 0);

/*
 * VpSharedPages (sidecar_client): the two shared pages of VP i, at
 * shmem_pages_base + i * sizeof(struct sidecar_vp_shared_pages).
 */
struct sidecar_vp_shared_pages {
	struct sidecar_command_page command_page;
	struct hv_x64_register_page register_page;
};

HV_ASSERT_LAYOUT(struct sidecar_vp_shared_pages, 8192, 16);
HV_ASSERT_OFFSET(struct sidecar_vp_shared_pages, command_page, 0);
HV_ASSERT_OFFSET(struct sidecar_vp_shared_pages, register_page, 4096);
SIDECAR_STATIC_ASSERT(sizeof(struct sidecar_vp_shared_pages) ==
			      SIDECAR_PER_VP_SHMEM_PAGES * SIDECAR_PAGE_SIZE,
		      "PER_VP_SHMEM_PAGES");

/*
 * Bytes of node memory for vp_count VPs: the control page plus the shared
 * and private pages of every VP. At most 13 * 2^32 pages: no overflow.
 */
static inline uint64_t sidecar_required_memory(uint32_t vp_count)
{
	return (1 +
		(uint64_t)(SIDECAR_PER_VP_SHMEM_PAGES + SIDECAR_PER_VP_PAGES) *
			vp_count) *
	       SIDECAR_PAGE_SIZE;
}

/* The typed views of request_data. */
static inline struct sidecar_get_set_vp_register_request *
sidecar_get_set_vp_register_request_of(struct sidecar_command_page *page)
{
	return (struct sidecar_get_set_vp_register_request *)(void *)
		page->request_data;
}

static inline struct sidecar_translate_gva_request *
sidecar_translate_gva_request_of(struct sidecar_command_page *page)
{
	return (struct sidecar_translate_gva_request *)(void *)
		page->request_data;
}

static inline struct sidecar_translate_gva_response *
sidecar_translate_gva_response_of(struct sidecar_command_page *page)
{
	return (struct sidecar_translate_gva_response *)(void *)
		page->request_data;
}

static inline struct sidecar_run_vp_response *
sidecar_run_vp_response_of(struct sidecar_command_page *page)
{
	return (struct sidecar_run_vp_response *)(void *)page->request_data;
}

/*
 * Control page atomics. cpu_status hands a command page back and forth:
 * whoever stores a status publishes its command page writes (release), and
 * whoever reads a status must see them (acquire).
 */

/* Acquire: the command page is valid once the status is seen. */
static inline uint8_t
sidecar_cpu_status_load(const struct sidecar_control_page *cp, uint32_t idx)
{
	return __atomic_load_n(&cp->cpu_status[idx], __ATOMIC_ACQUIRE);
}

/* Release: publishes the command page before the new status. */
static inline void sidecar_cpu_status_store(struct sidecar_control_page *cp,
					    uint32_t idx, uint8_t status)
{
	__atomic_store_n(&cp->cpu_status[idx], status, __ATOMIC_RELEASE);
}

/*
 * Acq_rel on success, acquire on failure. Returns true if the status was
 * *expected and is now desired; else stores the current status in
 * *expected.
 */
static inline bool sidecar_cpu_status_cas(struct sidecar_control_page *cp,
					  uint32_t idx, uint8_t *expected,
					  uint8_t desired)
{
	return __atomic_compare_exchange_n(&cp->cpu_status[idx], expected,
					   desired, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Acquire: pairs with the sidecar's release store before its IPI. */
static inline uint32_t
sidecar_needs_attention_load(const struct sidecar_control_page *cp)
{
	return __atomic_load_n(&cp->needs_attention, __ATOMIC_ACQUIRE);
}

/* Release: the status changes made before are visible with it. */
static inline void
sidecar_needs_attention_store(struct sidecar_control_page *cp, uint32_t v)
{
	__atomic_store_n(&cp->needs_attention, v, __ATOMIC_RELEASE);
}

/* Acq_rel: the driver takes the flag (v = 0) and sees what it announced. */
static inline uint32_t
sidecar_needs_attention_xchg(struct sidecar_control_page *cp, uint32_t v)
{
	return __atomic_exchange_n(&cp->needs_attention, v, __ATOMIC_ACQ_REL);
}

/* Acquire load of any other 32-bit control page field, e.g. response_cpu. */
static inline uint32_t sidecar_control_load32(const uint32_t *field)
{
	return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}

/* Release store of any other 32-bit control page field. */
static inline void sidecar_control_store32(uint32_t *field, uint32_t v)
{
	__atomic_store_n(field, v, __ATOMIC_RELEASE);
}

#endif /* !__ASSEMBLER__ */

#endif /* SIDECAR_DEFS_H */
