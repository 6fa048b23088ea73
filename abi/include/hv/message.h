/* SPDX-License-Identifier: MIT */
/*
 * Synthetic messages (HvMessage) and the x64 intercept message header.
 *
 * struct hv_message has the seed-era layout: 256 bytes, 8-aligned. Later
 * hvdef made it 16-aligned; no offset or size changes.
 */
#ifndef HV_MESSAGE_H
#define HV_MESSAGE_H

#include "hv/compiler.h"
#include "hv/registers.h"

#define HV_MESSAGE_SIZE 256
#define HV_MESSAGE_PAYLOAD_SIZE 240

/* HvMessageFlags (a byte). */
#define HV_MESSAGE_FLAG_PENDING 0x01

/* HvMessageType (u32). */
#define HV_MESSAGE_TYPE_NONE HV_U32(0x00000000)
#define HV_MESSAGE_TYPE_UNMAPPED_GPA HV_U32(0x80000000)
#define HV_MESSAGE_TYPE_GPA_INTERCEPT HV_U32(0x80000001)
#define HV_MESSAGE_TYPE_UNACCEPTED_GPA HV_U32(0x80000003)
#define HV_MESSAGE_TYPE_TIMER_EXPIRED HV_U32(0x80000010)
#define HV_MESSAGE_TYPE_INVALID_VP_REGISTER_VALUE HV_U32(0x80000020)
#define HV_MESSAGE_TYPE_UNRECOVERABLE_EXCEPTION HV_U32(0x80000021)
#define HV_MESSAGE_TYPE_UNSUPPORTED_FEATURE HV_U32(0x80000022)
#define HV_MESSAGE_TYPE_HYPERCALL_INTERCEPT HV_U32(0x80000050)
#define HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT HV_U32(0x80010000)
#define HV_MESSAGE_TYPE_MSR_INTERCEPT HV_U32(0x80010001)
#define HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT HV_U32(0x80010002)
#define HV_MESSAGE_TYPE_EXCEPTION_INTERCEPT HV_U32(0x80010003)
#define HV_MESSAGE_TYPE_X64_APIC_EOI HV_U32(0x80010004)
#define HV_MESSAGE_TYPE_REGISTER_INTERCEPT HV_U32(0x80010006)
#define HV_MESSAGE_TYPE_X64_HALT HV_U32(0x80010007)
#define HV_MESSAGE_TYPE_X64_INTERRUPTION_DELIVERABLE HV_U32(0x80010008)
#define HV_MESSAGE_TYPE_X64_SIPI_INTERCEPT HV_U32(0x80010009)

/* HvInterceptAccessType (a byte). */
#define HV_INTERCEPT_ACCESS_READ 0
#define HV_INTERCEPT_ACCESS_WRITE 1
#define HV_INTERCEPT_ACCESS_EXECUTE 2

/* HvX64VpExecutionState (u16). */
#define HV_X64_VP_EXECUTION_STATE_CPL_MASK 0x0003
#define HV_X64_VP_EXECUTION_STATE_CR0_PE 0x0004
#define HV_X64_VP_EXECUTION_STATE_CR0_AM 0x0008
#define HV_X64_VP_EXECUTION_STATE_EFER_LMA 0x0010
#define HV_X64_VP_EXECUTION_STATE_DEBUG_ACTIVE 0x0020
#define HV_X64_VP_EXECUTION_STATE_INTERRUPTION_PENDING 0x0040
#define HV_X64_VP_EXECUTION_STATE_VTL_SHIFT 7
#define HV_X64_VP_EXECUTION_STATE_VTL_MASK 0xF
#define HV_X64_VP_EXECUTION_STATE_ENCLAVE_MODE 0x0800
#define HV_X64_VP_EXECUTION_STATE_INTERRUPT_SHADOW 0x1000
#define HV_X64_VP_EXECUTION_STATE_VIRTUALIZATION_FAULT_ACTIVE 0x2000

#ifndef __ASSEMBLER__

/* HvMessageHeader. */
struct hv_message_header {
	uint32_t typ; /* HV_MESSAGE_TYPE_* */
	uint8_t len; /* payload bytes */
	uint8_t flags; /* HV_MESSAGE_FLAG_* */
	uint16_t rsvd;
	uint64_t id;
};

HV_ASSERT_LAYOUT(struct hv_message_header, 16, 8);
HV_ASSERT_OFFSET(struct hv_message_header, typ, 0);
HV_ASSERT_OFFSET(struct hv_message_header, len, 4);
HV_ASSERT_OFFSET(struct hv_message_header, flags, 5);
HV_ASSERT_OFFSET(struct hv_message_header, rsvd, 6);
HV_ASSERT_OFFSET(struct hv_message_header, id, 8);

/* HvMessage. */
struct hv_message {
	struct hv_message_header header;
	uint8_t payload_buffer[HV_MESSAGE_PAYLOAD_SIZE];
};

HV_ASSERT_LAYOUT(struct hv_message, HV_MESSAGE_SIZE, 8);
HV_ASSERT_OFFSET(struct hv_message, header, 0);
HV_ASSERT_OFFSET(struct hv_message, payload_buffer, 16);

/* HvX64InterceptMessageHeader: the start of every x64 intercept payload. */
struct hv_x64_intercept_message_header {
	uint32_t vp_index;
	uint8_t instruction_length_and_cr8; /* length: bits 0-3, CR8: 4-7 */
	uint8_t intercept_access_type; /* HV_INTERCEPT_ACCESS_* */
	uint16_t execution_state; /* HV_X64_VP_EXECUTION_STATE_* */
	struct hv_x64_segment_register cs_segment;
	uint64_t rip;
	uint64_t rflags;
};

HV_ASSERT_LAYOUT(struct hv_x64_intercept_message_header, 40, 8);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header, vp_index, 0);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header,
		 instruction_length_and_cr8, 4);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header, intercept_access_type,
		 5);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header, execution_state, 6);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header, cs_segment, 8);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header, rip, 24);
HV_ASSERT_OFFSET(struct hv_x64_intercept_message_header, rflags, 32);

static inline uint8_t hv_x64_intercept_instruction_length(
	const struct hv_x64_intercept_message_header *h)
{
	return (uint8_t)(h->instruction_length_and_cr8 & 0xF);
}

static inline uint8_t
hv_x64_intercept_cr8(const struct hv_x64_intercept_message_header *h)
{
	return (uint8_t)(h->instruction_length_and_cr8 >> 4);
}

#endif /* !__ASSEMBLER__ */

#endif /* HV_MESSAGE_H */
