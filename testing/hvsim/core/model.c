// SPDX-License-Identifier: MIT
/*
 * The deterministic lower VTL: every step changes the guest state in a way
 * a test can recompute bit for bit, and intercepts carry a message whose
 * bytes say which VP and which exit produced them.
 */
#include "hvsim/core.h"

#define IO_PORT_DEFAULT 0x00E9

/* HvX64IoPortInterceptMessage, after the 40-byte intercept header. */
#define IO_PORT_NUMBER_OFFSET 40
#define IO_ACCESS_INFO_OFFSET 42
#define IO_INSTRUCTION_BYTE_COUNT_OFFSET 43
#define IO_RAX_OFFSET 48
#define PATTERN_OFFSET 64

void hvsim_model_defaults(struct hvsim_model_cfg *cfg)
{
	cfg->transform = true;
	cfg->intercept_after = 0;
	cfg->intercept_once = false;
	cfg->message_type = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT;
	cfg->port = IO_PORT_DEFAULT;
}

void hvsim_model_step(const struct hvsim_model_cfg *cfg, uint64_t gprs[16],
		      uint64_t *cr2, uint64_t *rip, struct x86_fxsave *fx)
{
	*rip += HVSIM_MODEL_RIP_STEP;
	if (!cfg->transform)
		return;
	for (unsigned int i = 0; i < 16; i++)
		if (i != 4) /* RSP is not the guest's to change here */
			gprs[i] += i + 1;
	*cr2 += HVSIM_MODEL_CR2_STEP;
	/* Whole XMM0-15; MXCSR, x87 and the rest stay as they were. */
	for (unsigned int r = 0; r < 16; r++)
		for (unsigned int b = 0; b < 16; b++)
			fx->xmm[r][b] = (uint8_t)(fx->xmm[r][b] + 1);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void hvsim_model_message(const struct hvsim_model_cfg *cfg, uint32_t vp_index,
			 uint32_t seq, const uint64_t gprs[16], uint64_t rip,
			 uint64_t rflags, struct hv_message *msg)
{
	struct hv_x64_intercept_message_header h = { 0 };
	uint8_t *p = msg->payload_buffer;

	msg->header.typ = cfg->message_type;
	msg->header.len = HV_MESSAGE_PAYLOAD_SIZE;
	msg->header.flags = 0;
	msg->header.rsvd = 0;
	msg->header.id = seq;

	h.vp_index = vp_index;
	h.instruction_length_and_cr8 = 1; /* out dx, al */
	h.intercept_access_type = HV_INTERCEPT_ACCESS_WRITE;
	h.execution_state = HV_X64_VP_EXECUTION_STATE_CR0_PE |
			    HV_X64_VP_EXECUTION_STATE_EFER_LMA;
	h.cs_segment.limit = 0xFFFFFFFF;
	h.cs_segment.selector = 0x10;
	h.cs_segment.attributes = 0xA09B;
	h.rip = rip;
	h.rflags = rflags;
	for (size_t i = 0; i < sizeof(h); i++)
		p[i] = ((const uint8_t *)&h)[i];
	for (size_t i = sizeof(h); i < HV_MESSAGE_PAYLOAD_SIZE; i++)
		p[i] = 0;

	put16(p + IO_PORT_NUMBER_OFFSET, cfg->port);
	p[IO_ACCESS_INFO_OFFSET] = 1; /* one byte */
	p[IO_INSTRUCTION_BYTE_COUNT_OFFSET] = 1;
	put64(p + IO_RAX_OFFSET, gprs[0]);
	for (size_t i = PATTERN_OFFSET; i < HV_MESSAGE_PAYLOAD_SIZE; i++)
		p[i] = (uint8_t)(vp_index * 7 + seq + i);
}
