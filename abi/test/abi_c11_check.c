/* SPDX-License-Identifier: MIT */
/*
 * Compile-only check: every ABI header builds as strict C11, hosted and
 * freestanding, and the values the kernel hard-codes follow from the
 * named bits.
 */
#include "hv/compiler.h"
#include "hv/hvdef.h"
#include "hv/hypercall.h"
#include "hv/message.h"
#include "hv/register_page.h"
#include "hv/registers.h"
#include "hv/status.h"
#include "hv/vp_assist.h"
#include "hv/x86.h"
#include "sidecar/defs.h"

/* Including twice must be harmless. */
#include "hv/hvdef.h"
#include "sidecar/defs.h"

/* Values quoted by the spec (hv_facts.md), rebuilt from the named bits. */
_Static_assert(X86_CR0_PE + X86_CR0_NE + X86_CR0_PG == 0x80000021, "AP CR0");
_Static_assert((X86_CR4_PAE | X86_CR4_MCE | X86_CR4_OSFXSR) == 0x260, "AP CR4");
_Static_assert((X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE) == 0xD00,
	       "AP EFER");
_Static_assert((X86_SEGMENT_ATTR_G | X86_SEGMENT_ATTR_L | X86_SEGMENT_ATTR_P |
		X86_SEGMENT_ATTR_S | 0xB) == 0xA09B,
	       "64-bit code segment");
_Static_assert((X86_SEGMENT_ATTR_G | X86_SEGMENT_ATTR_DB | X86_SEGMENT_ATTR_P |
		X86_SEGMENT_ATTR_S | 0x3) == 0xC093,
	       "data segment");
_Static_assert((X86_SEGMENT_ATTR_P | 0xB) == 0x008B, "busy TSS");
_Static_assert((X86_APIC_SVR_ENABLE | 0xFF) == 0x1FF, "SVR at AP start");
_Static_assert((HV_GUEST_CRASH_CTL_CRASH_NOTIFY |
		HV_GUEST_CRASH_CTL_NO_CRASH_DUMP |
		HV_GUEST_CRASH_CTL_PRE_OS_ID(5)) == 0xB400000000000000ULL,
	       "crash CTL without message");
_Static_assert((HV_GUEST_CRASH_CTL_CRASH_NOTIFY |
		HV_GUEST_CRASH_CTL_CRASH_MESSAGE |
		HV_GUEST_CRASH_CTL_NO_CRASH_DUMP |
		HV_GUEST_CRASH_CTL_PRE_OS_ID(5)) == 0xF400000000000000ULL,
	       "crash CTL with message");
_Static_assert(HV_REGISTER_MSR_MTRR_PHYS_BASE(7) == 0x00080017, "MTRR base 7");
_Static_assert(HV_REGISTER_MSR_MTRR_PHYS_MASK(0xF) == 0x0008004F,
	       "MTRR mask F");
_Static_assert(X86_MSR_MTRR_PHYS_MASK(7) == 0x20F, "MTRR MSR mask 7");
_Static_assert(HV_PARTITION_ID_SELF == 0xFFFFFFFFFFFFFFFFULL, "self");
_Static_assert(HV_VP_INDEX_SELF == 0xFFFFFFFEU, "self VP");
_Static_assert(sizeof(struct sidecar_params) <= SIDECAR_PAGE_SIZE,
	       "SidecarParams fits in a page");
_Static_assert(SIDECAR_PER_VP_PAGES == 11, "PER_VP_PAGES");
_Static_assert(offsetof(struct sidecar_command_page, cpu_context) +
			       offsetof(struct sidecar_cpu_context_x64,
					fx_state) ==
		       16 + 0x80,
	       "fx_state within the command page");
_Static_assert(offsetof(struct sidecar_cpu_context_x64,
			gps[SIDECAR_CPU_CONTEXT_CR2]) == 0x20,
	       "CR2 in RSP's slot");
_Static_assert(sizeof(struct hv_vp_assist_page) <= SIDECAR_PAGE_SIZE,
	       "assist page fits");

/*
 * One dispatch step as the sidecar runs it, to instantiate the helpers in
 * freestanding code.
 */
bool abi_c11_check_complete(struct sidecar_control_page *cp,
			    struct sidecar_command_page *page, uint32_t idx,
			    uint64_t *icr);

bool abi_c11_check_complete(struct sidecar_control_page *cp,
			    struct sidecar_command_page *page, uint32_t idx,
			    uint64_t *icr)
{
	uint8_t expected = SIDECAR_CPU_STATUS_RUN;
	struct sidecar_get_set_vp_register_request *req =
		sidecar_get_set_vp_register_request_of(page);
	uint32_t vector;

	if (sidecar_cpu_status_load(cp, idx) == SIDECAR_CPU_STATUS_IDLE)
		return false;
	if (req->count > SIDECAR_MAX_GET_SET_VP_REGISTERS)
		req->status = HV_STATUS_INVALID_PARAMETER;
	else if (req->count > 0)
		req->regs[0].value = hv_register_value_u64(
			hv_overlay_page_value(sidecar_required_memory(idx)));
	page->command = SIDECAR_COMMAND_NONE;
	page->cpu_context.gps[SIDECAR_CPU_CONTEXT_CR2] = 0;

	if (!sidecar_cpu_status_cas(cp, idx, &expected,
				    SIDECAR_CPU_STATUS_IDLE)) {
		if (expected != SIDECAR_CPU_STATUS_STOP)
			return false;
		sidecar_cpu_status_store(cp, idx, SIDECAR_CPU_STATUS_IDLE);
	}
	sidecar_needs_attention_store(cp, 1);
	vector = sidecar_control_load32(&cp->response_vector);
	if (vector == 0)
		return sidecar_needs_attention_xchg(cp, 0) != 0;
	*icr = x86_icr_fixed(sidecar_control_load32(&cp->response_cpu),
			     (uint8_t)vector);
	sidecar_control_store32(&cp->request_vector, 0x20);
	return hv_status_name(req->status) != NULL;
}
