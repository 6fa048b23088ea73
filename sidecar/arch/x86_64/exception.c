// SPDX-License-Identifier: MIT
/*
 * Interrupts and exceptions. The request IPI only needs an EOI. A fault
 * on an instruction with a fixup resumes there. Any other exception is
 * fatal for this CPU only: it is printed with the VP, vector, RIP and
 * CR2, reported through the guest crash registers, and the CPU halts.
 */
#include "cpu.h"
#include "hypercall.h"
#include "log.h"
#include "percpu.h"
#include "sidecar/core/format.h"
#include "x2apic.h"

/* isr.S's sc_isr_request hard-codes both. */
_Static_assert(SC_REQUEST_VECTOR == 0x20, "request stub's vector");
_Static_assert(X86_MSR_X2APIC_EOI == 0x80b, "request stub's EOI MSR");

struct sc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct sc_fixup {
	int32_t insn;
	int32_t fixup;
};

extern const struct sc_fixup __fixups_start[], __fixups_end[];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "?",   "#TS", "#NP", "#SS", "#GP", "#PF", "?",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "?",	 "?",
	"?",   "?",   "?",   "?",   "#HV", "#VC", "#SX", "?",
};

static bool apply_fixup(struct sc_frame *f)
{
	for (const struct sc_fixup *e = __fixups_start; e < __fixups_end; e++) {
		uint64_t insn = (uint64_t)&e->insn + (int64_t)e->insn;

		if (insn == f->rip) {
			f->rip = (uint64_t)&e->fixup + (int64_t)e->fixup;
			return true;
		}
	}
	return false;
}

/* hv_facts §11, through HvCallSetVpRegisters rather than the MSRs. */
static void report_crash(struct sc_cpu *cpu, unsigned int len)
{
	static const uint32_t names[] = {
		HV_REGISTER_GUEST_CRASH_P0, HV_REGISTER_GUEST_CRASH_P1,
		HV_REGISTER_GUEST_CRASH_P2, HV_REGISTER_GUEST_CRASH_P3,
		HV_REGISTER_GUEST_CRASH_P4, HV_REGISTER_GUEST_CRASH_CTL,
	};
	const uint64_t values[] = {
		0x4d494853544f4f42ull, /* "BOOTSHIM" */
		0x534944454341524bull, /* "SIDECARK" */
		~0ull,
		cpu->crash_msg_pa,
		len,
		HV_GUEST_CRASH_CTL_PRE_OS_ID(5) |
			HV_GUEST_CRASH_CTL_CRASH_MESSAGE |
			HV_GUEST_CRASH_CTL_CRASH_NOTIFY |
			HV_GUEST_CRASH_CTL_NO_CRASH_DUMP,
	};

	for (unsigned int i = 0; i < 6; i++) {
		struct hv_register_value v = { 0 };

		v.reg64 = values[i];
		sc_hv_set_vp_register(cpu, 0, names[i], &v);
	}
}

void sc_interrupt(struct sc_frame *f)
{
	struct sc_cpu *cpu;
	int n;

	if (f->vector >= 32) {
		if (f->vector != SC_SPURIOUS_VECTOR)
			x2apic_eoi();
		return;
	}
	if (apply_fixup(f))
		return;

	cpu = sc_this_cpu();
	n = sc_snprintf(cpu->crash_msg, sizeof(cpu->crash_msg),
			"exception %llu (%s) error 0x%llx at rip 0x%llx cr2 "
			"0x%llx",
			(unsigned long long)f->vector,
			exception_names[f->vector],
			(unsigned long long)f->error,
			(unsigned long long)f->rip,
			(unsigned long long)read_cr2());
	if (n < 0 || (unsigned int)n >= sizeof(cpu->crash_msg))
		n = sizeof(cpu->crash_msg) - 1;
	sc_report(cpu, "%s; halting this CPU", cpu->crash_msg);
	report_crash(cpu, (unsigned int)n);
	halt_forever();
}
