// SPDX-License-Identifier: MIT
/*
 * #VMEXIT to Hyper-V intercept message (hv_facts §14): what VTL2 receives
 * in the VP assist page when VTL0 does something the hypervisor leaves to
 * it. Field offsets are from the start of the payload.
 */
#include "hvsim/vmcb.h"

#define IO_PORT 40
#define IO_ACCESS_INFO 42
#define IO_INSN_COUNT 43
#define IO_RAX 48
#define IO_INSN 56
#define IO_DS 72
#define IO_ES 88
#define IO_RCX 104
#define IO_RSI 112
#define IO_RDI 120
#define IO_SIZE 128

#define MSR_NUMBER 40
#define MSR_RDX 48
#define MSR_RAX 56
#define MSR_SIZE 64

#define CPUID_RAX 40
#define CPUID_RCX 48
#define CPUID_RDX 56
#define CPUID_RBX 64
#define CPUID_DEFAULT_RAX 72
#define CPUID_DEFAULT_RCX 80
#define CPUID_DEFAULT_RDX 88
#define CPUID_DEFAULT_RBX 96
#define CPUID_SIZE 104

#define EXC_VECTOR 40
#define EXC_INFO 42
#define EXC_INSN_COUNT 43
#define EXC_ERROR_CODE 44
#define EXC_PARAMETER 48
#define EXC_INSN 64
#define EXC_DS 80
#define EXC_SS 96
#define EXC_GPRS 112
#define EXC_SIZE 240
#define EXC_INFO_ERROR_CODE_VALID 0x1

#define MEM_CACHE_TYPE 40
#define MEM_INSN_COUNT 44
#define MEM_ACCESS_INFO 45
#define MEM_GVA 48
#define MEM_GPA 56
#define MEM_INSN 64
#define MEM_SIZE 80

#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSI 6
#define RDI 7

static void put(uint8_t *p, const void *v, unsigned int n)
{
	const uint8_t *s = v;

	for (unsigned int i = 0; i < n; i++)
		p[i] = s[i];
}

static void put64(uint8_t *p, uint64_t v)
{
	put(p, &v, 8);
}

static void put_seg(uint8_t *p, const struct svm_segment *s)
{
	struct hv_x64_segment_register r = hvsim_vmcb_segment(s);

	put(p, &r, sizeof(r));
}

static void header(const struct svm_vmcb *v, const struct hvsim_exit *e,
		   uint8_t access, uint8_t len, uint8_t *p)
{
	struct hv_x64_intercept_message_header h;

	h.vp_index = e->vp_index;
	h.instruction_length_and_cr8 =
		(uint8_t)((len & 0xF) | (v->control.int_ctl & 0xF) << 4);
	h.intercept_access_type = access;
	h.execution_state = hvsim_vmcb_execution_state(v);
	h.cs_segment = hvsim_vmcb_segment(&v->save.cs);
	h.rip = v->save.rip;
	h.rflags = v->save.rflags;
	put(p, &h, sizeof(h));
}

/* Vectors that push an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC). */
static bool has_error_code(uint32_t vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static uint32_t io_message(const struct svm_vmcb *v, const struct hvsim_exit *e,
			   uint8_t *p)
{
	uint64_t info = v->control.exit_info_1;
	uint8_t size = (uint8_t)((info >> SVM_IOIO_SIZE_SHIFT) & 7);
	uint8_t access_info = size == 4 ? 4 : size == 2 ? 2 : 1;
	uint64_t len = v->control.exit_info_2 - v->save.rip;
	uint16_t port = (uint16_t)(info >> SVM_IOIO_PORT_SHIFT);

	if (info & SVM_IOIO_STR)
		access_info |= 0x8;
	if (info & SVM_IOIO_REP)
		access_info |= 0x10;
	header(v, e,
	       info & SVM_IOIO_IN ? HV_INTERCEPT_ACCESS_READ :
				    HV_INTERCEPT_ACCESS_WRITE,
	       (uint8_t)len, p);
	put(p + IO_PORT, &port, 2);
	p[IO_ACCESS_INFO] = access_info;
	p[IO_INSN_COUNT] = e->insn_count;
	put64(p + IO_RAX, v->save.rax);
	put(p + IO_INSN, e->insn, e->insn_count);
	put_seg(p + IO_DS, &v->save.ds);
	put_seg(p + IO_ES, &v->save.es);
	put64(p + IO_RCX, e->gprs[RCX]);
	put64(p + IO_RSI, e->gprs[RSI]);
	put64(p + IO_RDI, e->gprs[RDI]);
	return IO_SIZE;
}

static uint32_t msr_message(const struct svm_vmcb *v,
			    const struct hvsim_exit *e, uint8_t *p)
{
	uint32_t msr = (uint32_t)e->gprs[RCX];

	header(v, e,
	       v->control.exit_info_1 ? HV_INTERCEPT_ACCESS_WRITE :
					HV_INTERCEPT_ACCESS_READ,
	       e->insn_len, p);
	put(p + MSR_NUMBER, &msr, 4);
	put64(p + MSR_RDX, e->gprs[RDX]);
	put64(p + MSR_RAX, v->save.rax);
	return MSR_SIZE;
}

static uint32_t cpuid_message(const struct svm_vmcb *v,
			      const struct hvsim_exit *e, uint8_t *p)
{
	header(v, e, HV_INTERCEPT_ACCESS_EXECUTE, e->insn_len, p);
	put64(p + CPUID_RAX, v->save.rax);
	put64(p + CPUID_RCX, e->gprs[RCX]);
	put64(p + CPUID_RDX, e->gprs[RDX]);
	put64(p + CPUID_RBX, e->gprs[RBX]);
	put64(p + CPUID_DEFAULT_RAX, e->cpuid_default[0]);
	put64(p + CPUID_DEFAULT_RBX, e->cpuid_default[1]);
	put64(p + CPUID_DEFAULT_RCX, e->cpuid_default[2]);
	put64(p + CPUID_DEFAULT_RDX, e->cpuid_default[3]);
	return CPUID_SIZE;
}

static uint32_t exception_message(const struct svm_vmcb *v,
				  const struct hvsim_exit *e, uint8_t *p)
{
	uint16_t vector = (uint16_t)(v->control.exit_code - SVM_EXIT_EXCP_BASE);
	uint32_t error = (uint32_t)v->control.exit_info_1;

	/* A fault: RIP is the faulting instruction, its length not known. */
	header(v, e, HV_INTERCEPT_ACCESS_EXECUTE, 0, p);
	put(p + EXC_VECTOR, &vector, 2);
	p[EXC_INFO] = has_error_code(vector) ? EXC_INFO_ERROR_CODE_VALID : 0;
	p[EXC_INSN_COUNT] = e->insn_count;
	if (has_error_code(vector))
		put(p + EXC_ERROR_CODE, &error, 4);
	if (vector == 14)
		put64(p + EXC_PARAMETER, v->control.exit_info_2);
	put(p + EXC_INSN, e->insn, e->insn_count);
	put_seg(p + EXC_DS, &v->save.ds);
	put_seg(p + EXC_SS, &v->save.ss);
	for (unsigned int i = 0; i < 16; i++)
		put64(p + EXC_GPRS + 8 * i, e->gprs[i]);
	return EXC_SIZE;
}

static uint32_t npf_message(const struct svm_vmcb *v,
			    const struct hvsim_exit *e, uint8_t *p)
{
	uint64_t code = v->control.exit_info_1;
	uint8_t access = code & SVM_NPF_ID ? HV_INTERCEPT_ACCESS_EXECUTE :
			 code & SVM_NPF_W  ? HV_INTERCEPT_ACCESS_WRITE :
					     HV_INTERCEPT_ACCESS_READ;

	/* SVM reports no guest linear address: gva_valid stays 0. */
	header(v, e, access, 0, p);
	p[MEM_INSN_COUNT] = e->insn_count;
	p[MEM_ACCESS_INFO] = 0;
	put64(p + MEM_GVA, 0);
	put64(p + MEM_GPA, v->control.exit_info_2);
	put(p + MEM_INSN, e->insn, e->insn_count);
	return MEM_SIZE;
}

bool hvsim_exit_message(const struct svm_vmcb *v, const struct hvsim_exit *e,
			struct hv_message *msg)
{
	uint64_t code = v->control.exit_code;
	uint8_t *p = msg->payload_buffer;
	uint32_t type, len;

	for (unsigned int i = 0; i < sizeof(*msg); i++)
		((uint8_t *)msg)[i] = 0;
	if (code == SVM_EXIT_IOIO) {
		type = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT;
		len = io_message(v, e, p);
	} else if (code == SVM_EXIT_MSR) {
		type = HV_MESSAGE_TYPE_MSR_INTERCEPT;
		len = msr_message(v, e, p);
	} else if (code == SVM_EXIT_CPUID) {
		type = HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT;
		len = cpuid_message(v, e, p);
	} else if (code >= SVM_EXIT_EXCP_BASE &&
		   code < SVM_EXIT_EXCP_BASE + 32) {
		type = HV_MESSAGE_TYPE_EXCEPTION_INTERCEPT;
		len = exception_message(v, e, p);
	} else if (code == SVM_EXIT_NPF) {
		type = HV_MESSAGE_TYPE_UNMAPPED_GPA;
		len = npf_message(v, e, p);
	} else {
		return false;
	}
	msg->header.typ = type;
	msg->header.len = (uint8_t)len;
	return true;
}

static bool is_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3 ||
	       b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26 || b == 0x64 ||
	       b == 0x65 || (b >= 0x40 && b <= 0x4F);
}

uint8_t hvsim_insn_length(const uint8_t *insn, uint8_t count)
{
	uint8_t i = 0;

	while (i < count && i < 14 && is_prefix(insn[i]))
		i++;
	if (i < count && insn[i] == 0xF4)
		return (uint8_t)(i + 1); /* hlt */
	if (i + 1 < count && insn[i] == 0x0F &&
	    (insn[i + 1] == 0x30 || insn[i + 1] == 0x32 || insn[i + 1] == 0xA2))
		return (uint8_t)(i + 2); /* wrmsr, rdmsr, cpuid */
	return 0;
}
