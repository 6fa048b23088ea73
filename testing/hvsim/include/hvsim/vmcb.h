/* SPDX-License-Identifier: MIT */
/*
 * The AMD SVM virtual machine control block (APM vol. 2, appendix B) as far
 * as hvsim uses it, and the conversions between it and Hyper-V's register
 * representation. Portable: the host unit tests build it too.
 */
#ifndef HVSIM_VMCB_H
#define HVSIM_VMCB_H

#include <stdint.h>

#include "hv/hvdef.h"
#include "hvsim/core.h"

/* Intercept vector 3 (offset 0x00C). */
#define SVM_INTERCEPT_INTR HV_BIT32(0)
#define SVM_INTERCEPT_NMI HV_BIT32(1)
#define SVM_INTERCEPT_SMI HV_BIT32(2)
#define SVM_INTERCEPT_INIT HV_BIT32(3)
#define SVM_INTERCEPT_CPUID HV_BIT32(18)
#define SVM_INTERCEPT_INVD HV_BIT32(22)
#define SVM_INTERCEPT_HLT HV_BIT32(24)
#define SVM_INTERCEPT_INVLPGA HV_BIT32(26)
#define SVM_INTERCEPT_IOIO HV_BIT32(27)
#define SVM_INTERCEPT_MSR HV_BIT32(28)
#define SVM_INTERCEPT_TASK_SWITCH HV_BIT32(29)
#define SVM_INTERCEPT_SHUTDOWN HV_BIT32(31)
/* Intercept vector 4 (offset 0x010). */
#define SVM_INTERCEPT_VMRUN HV_BIT32(0)
#define SVM_INTERCEPT_VMMCALL HV_BIT32(1)
#define SVM_INTERCEPT_VMLOAD HV_BIT32(2)
#define SVM_INTERCEPT_VMSAVE HV_BIT32(3)
#define SVM_INTERCEPT_STGI HV_BIT32(4)
#define SVM_INTERCEPT_CLGI HV_BIT32(5)
#define SVM_INTERCEPT_SKINIT HV_BIT32(6)

#define SVM_INT_CTL_V_TPR_MASK 0xFFu
#define SVM_INT_CTL_V_INTR_MASKING HV_BIT64(24)
#define SVM_INT_STATE_SHADOW HV_BIT64(0)
#define SVM_NESTED_CTL_NP_ENABLE HV_BIT64(0)
#define SVM_TLB_CONTROL_FLUSH_ALL 1

/* EVENTINJ / EXITINTINFO. */
#define SVM_EVTINJ_VECTOR_MASK 0xFFu
#define SVM_EVTINJ_TYPE_SHIFT 8
#define SVM_EVTINJ_TYPE_INTR 0
#define SVM_EVTINJ_TYPE_NMI 2
#define SVM_EVTINJ_TYPE_EXCEPTION 3
#define SVM_EVTINJ_TYPE_SOFT 4
#define SVM_EVTINJ_EV HV_BIT64(11)
#define SVM_EVTINJ_VALID HV_BIT64(31)

/* Exit codes. */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_IOIO 0x07B
#define SVM_EXIT_MSR 0x07C
#define SVM_EXIT_SHUTDOWN 0x07F
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_NPF 0x400
/* QEMU reports a failed VMRUN as 0xffffffff in the low half only. */
#define SVM_EXIT_INVALID 0xFFFFFFFFu

/* EXITINFO1 of an IOIO exit. */
#define SVM_IOIO_IN HV_BIT64(0)
#define SVM_IOIO_STR HV_BIT64(2)
#define SVM_IOIO_REP HV_BIT64(3)
#define SVM_IOIO_SIZE_SHIFT 4 /* bits 4-6: 1, 2 or 4 bytes, one-hot */
#define SVM_IOIO_PORT_SHIFT 16

/* EXITINFO1 of an NPF exit: the #PF error code of the nested walk. */
#define SVM_NPF_P HV_BIT64(0)
#define SVM_NPF_W HV_BIT64(1)
#define SVM_NPF_ID HV_BIT64(4)

#define SVM_EFER_SVME HV_BIT64(12)
#define SVM_MSR_VM_HSAVE_PA 0xC0010117u

struct svm_segment {
	uint16_t selector;
	uint16_t attrib; /* attributes 0-7 and 12-15, packed to 12 bits */
	uint32_t limit;
	uint64_t base;
};

struct svm_vmcb_control {
	uint32_t intercept_cr;
	uint32_t intercept_dr;
	uint32_t intercept_exceptions;
	uint32_t intercept_misc1;
	uint32_t intercept_misc2;
	uint32_t intercept_misc3;
	uint8_t reserved_018[0x03C - 0x018];
	uint16_t pause_filter_threshold;
	uint16_t pause_filter_count;
	uint64_t iopm_base_pa;
	uint64_t msrpm_base_pa;
	uint64_t tsc_offset;
	uint32_t asid;
	uint8_t tlb_control;
	uint8_t reserved_05d[3];
	uint64_t int_ctl;
	uint64_t int_state;
	uint64_t exit_code;
	uint64_t exit_info_1;
	uint64_t exit_info_2;
	uint64_t exit_int_info;
	uint64_t nested_ctl;
	uint64_t avic_vapic_bar;
	uint64_t ghcb_pa;
	uint64_t event_inj;
	uint64_t nested_cr3;
	uint64_t virt_ext;
	uint32_t clean;
	uint32_t reserved_0c4;
	uint64_t next_rip;
	uint8_t insn_len;
	uint8_t insn_bytes[15];
	uint8_t reserved_0e0[0x400 - 0x0E0];
};

struct svm_vmcb_save {
	struct svm_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t reserved_4a0[0x4CB - 0x4A0];
	uint8_t cpl;
	uint32_t reserved_4cc;
	uint64_t efer;
	uint8_t reserved_4d8[0x548 - 0x4D8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
	uint8_t reserved_580[0x5D8 - 0x580];
	uint64_t rsp;
	uint64_t s_cet, ssp, isst_addr;
	uint64_t rax;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2;
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;
	uint64_t dbgctl;
	uint8_t reserved_678[0x1000 - 0x678];
};

struct svm_vmcb {
	struct svm_vmcb_control control;
	struct svm_vmcb_save save;
};

HV_ASSERT_OFFSET(struct svm_vmcb_control, iopm_base_pa, 0x040);
HV_ASSERT_OFFSET(struct svm_vmcb_control, asid, 0x058);
HV_ASSERT_OFFSET(struct svm_vmcb_control, int_ctl, 0x060);
HV_ASSERT_OFFSET(struct svm_vmcb_control, exit_code, 0x070);
HV_ASSERT_OFFSET(struct svm_vmcb_control, nested_ctl, 0x090);
HV_ASSERT_OFFSET(struct svm_vmcb_control, event_inj, 0x0A8);
HV_ASSERT_OFFSET(struct svm_vmcb_control, nested_cr3, 0x0B0);
HV_ASSERT_OFFSET(struct svm_vmcb_control, next_rip, 0x0C8);
HV_ASSERT_OFFSET(struct svm_vmcb, save, 0x400);
HV_ASSERT_OFFSET(struct svm_vmcb, save.tr, 0x490);
HV_ASSERT_OFFSET(struct svm_vmcb, save.cpl, 0x4CB);
HV_ASSERT_OFFSET(struct svm_vmcb, save.efer, 0x4D0);
HV_ASSERT_OFFSET(struct svm_vmcb, save.cr4, 0x548);
HV_ASSERT_OFFSET(struct svm_vmcb, save.rip, 0x578);
HV_ASSERT_OFFSET(struct svm_vmcb, save.rsp, 0x5D8);
HV_ASSERT_OFFSET(struct svm_vmcb, save.rax, 0x5F8);
HV_ASSERT_OFFSET(struct svm_vmcb, save.star, 0x600);
HV_ASSERT_OFFSET(struct svm_vmcb, save.cr2, 0x640);
HV_ASSERT_OFFSET(struct svm_vmcb, save.g_pat, 0x668);
HV_ASSERT_LAYOUT(struct svm_vmcb, 0x1000, 8);

/* Hyper-V's 16-bit attributes and the VMCB's packed 12 bits. */
uint16_t hvsim_svm_attrib(uint16_t hv_attributes);
uint16_t hvsim_hv_attrib(uint16_t svm_attrib);

/*
 * The save area from a VP's VTL0 register file, with RAX and CR2 (which
 * travel outside it) and EFER.SVME set as VMRUN requires. Everything else
 * the VMCB holds (control area) is left alone.
 */
void hvsim_vmcb_load(struct svm_vmcb *v, const struct hvsim_regfile *rf,
		     uint64_t rax, uint64_t cr2);

/*
 * The save area back into the register file (EFER without SVME); RAX and
 * CR2 are the caller's to take from the VMCB.
 */
void hvsim_vmcb_store(const struct svm_vmcb *v, struct hvsim_regfile *rf);

/* HvX64VpExecutionState of the guest in v, at VTL 0. */
uint16_t hvsim_vmcb_execution_state(const struct svm_vmcb *v);

/* CS of the guest in v as Hyper-V reports segments. */
struct hv_x64_segment_register hvsim_vmcb_segment(const struct svm_segment *s);

/*
 * What a #VMEXIT becomes for VTL2: the decoded facts of one intercept,
 * filled by the embedder (who can read guest memory and run CPUID).
 */
struct hvsim_exit {
	uint32_t vp_index;
	uint8_t insn[16]; /* bytes at RIP, as many as could be fetched */
	uint8_t insn_count;
	uint8_t insn_len; /* of the intercepted instruction; 0 if not known */
	uint64_t gprs[16]; /* hvdef order; RAX and RSP as in the VMCB */
	uint32_t cpuid_default[4]; /* EAX, EBX, ECX, EDX the CPU would give */
};

/*
 * The intercept message for an exit of the guest in v, or false when the
 * exit is not one that becomes a message.
 */
bool hvsim_exit_message(const struct svm_vmcb *v, const struct hvsim_exit *e,
			struct hv_message *msg);

/*
 * Length of the instruction at insn[0..count) when it is one whose exit
 * carries no length (no next-RIP save): RDMSR, WRMSR, CPUID, HLT, with
 * prefixes. 0 if unknown.
 */
uint8_t hvsim_insn_length(const uint8_t *insn, uint8_t count);

#endif
