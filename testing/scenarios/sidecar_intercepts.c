// SPDX-License-Identifier: MIT
/*
 * scenario=intercepts: real VTL0 programs (testing/guests) on every usable
 * VP, through driver/client as a VMM would run them. guest_intercepts
 * makes one of every exit VTL2 handles; each RUN_VP must end in exactly
 * that exit, and every field of the Hyper-V intercept message (hv_facts
 * §14) is checked against what the guest did: RIP and length of the
 * instruction, access type, execution state, CS, port/size/string/rep,
 * MSR number, CPUID leaf and the CPU's own answer, the unmapped GPA, the
 * #UD with every GPR, and the instruction bytes at RIP. After each exit
 * the VMM advances RIP with SET_VP_REGISTERS. The HLT halts VTL0 until
 * the run is cancelled; an interrupt the VMM then makes pending wakes it,
 * and its handler's mark shows in the #UD's registers. guest_real does
 * port I/O in real mode. One line per exit:
 *   intercept: vp=V type=0xT rip=0xR len=L access=A ...
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "guest_load.h"
#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_context.h"
#include "sidecar_run.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)

#define IO_PORT 40
#define IO_ACCESS 42
#define IO_COUNT 43
#define IO_RAX 48
#define IO_INSN 56
#define IO_RCX 104
#define IO_RSI 112
#define IO_RDI 120

static struct sidecar_boot boot;
static const struct scenario_env *env;

static uint64_t get64(const struct hv_message *m, unsigned int off)
{
	uint64_t v;

	memcpy(&v, m->payload_buffer + off, 8);
	return v;
}

static const struct hv_x64_intercept_message_header *
header_of(const struct hv_message *m)
{
	return (const void *)m->payload_buffer;
}

/* One exit, as the guest's code says it must be. */
struct exit_want {
	const char *what;
	uint32_t type;
	uint64_t rip;
	uint8_t len; /* 0: not reported (faults, memory intercepts) */
	uint8_t access;
	uint16_t exec_state;
	uint16_t cs_sel;
	uint64_t cs_base;
	uint16_t cs_attr;
	const uint8_t *insn; /* the guest's bytes at rip */
};

/* The RUN_VP that must end in exit w; the message, or NULL. */
static const struct hv_message *run_to(struct sd_client_vp *c,
				       const struct exit_want *w)
{
	const struct hv_message *m = sd_client_intercept_message(c);
	const struct hv_x64_intercept_message_header *h = header_of(m);
	uint32_t failures = env->result->failures;

	if (!run_start(env, c) || !run_wait(env, c, true))
		return NULL;
	CHECK(!memcmp(m, hvsim_last_message(c->vp), sizeof(*m)),
	      "VP %u %s: the message differs from hvsim's", c->vp, w->what);
	CHECK(m->header.typ == w->type, "VP %u %s: type 0x%x, expected 0x%x",
	      c->vp, w->what, m->header.typ, w->type);
	CHECK(h->vp_index == c->vp, "VP %u %s: vp_index %u", c->vp, w->what,
	      h->vp_index);
	CHECK(h->rip == w->rip &&
		      hv_x64_intercept_instruction_length(h) == w->len,
	      "VP %u %s: rip 0x%lx len %u, expected 0x%lx len %u", c->vp,
	      w->what, h->rip, hv_x64_intercept_instruction_length(h), w->rip,
	      w->len);
	CHECK(h->intercept_access_type == w->access &&
		      h->execution_state == w->exec_state &&
		      hv_x64_intercept_cr8(h) == 0,
	      "VP %u %s: access %u state 0x%x cr8 %u, expected %u 0x%x 0",
	      c->vp, w->what, h->intercept_access_type, h->execution_state,
	      hv_x64_intercept_cr8(h), w->access, w->exec_state);
	CHECK(h->cs_segment.selector == w->cs_sel &&
		      h->cs_segment.base == w->cs_base &&
		      h->cs_segment.attributes == w->cs_attr,
	      "VP %u %s: CS %04x base 0x%lx attr 0x%x", c->vp, w->what,
	      h->cs_segment.selector, h->cs_segment.base,
	      h->cs_segment.attributes);
	CHECK(h->rflags == hvsim_get_register(c->vp, 0, HV_REGISTER_RFLAGS).low,
	      "VP %u %s: rflags 0x%lx", c->vp, w->what, h->rflags);
	return env->result->failures == failures ? m : NULL;
}

static bool insn_is(const uint8_t *got, uint8_t count, const uint8_t *want)
{
	return count == 16 && !memcmp(got, want, 16);
}

/* The VMM's part after an exit: RIP past the instruction. */
static void advance(struct sd_client_vp *c, uint64_t rip)
{
	struct hv_register_assoc r = { .name = HV_REGISTER_RIP,
				       .value.reg128 = { rip, 0 } };
	struct sd_client_error e;

	sidecar_client_ok(env, sd_client_set_registers(c, VTL0, &r, 1, &e), &e,
			  c->vp, "SET RIP");
}

static void print_exit(uint32_t vp, const struct hv_message *m,
		       const char *rest)
{
	const struct hv_x64_intercept_message_header *h = header_of(m);

	printf("intercept: vp=%u type=0x%x rip=0x%lx len=%u access=%u "
	       "state=0x%x %s\n",
	       vp, m->header.typ, h->rip,
	       hv_x64_intercept_instruction_length(h), h->intercept_access_type,
	       h->execution_state, rest);
}

static struct exit_want long_mode(const char *what, uint32_t type,
				  const uint8_t *at, const uint8_t *end,
				  uint8_t access, bool has_len)
{
	struct exit_want w = {
		.what = what,
		.type = type,
		.rip = guest_gpa(at),
		.len = has_len ? (uint8_t)(end - at) : 0,
		.access = access,
		.exec_state = HV_X64_VP_EXECUTION_STATE_CR0_PE |
			      HV_X64_VP_EXECUTION_STATE_EFER_LMA,
		.cs_sel = GUEST_CS,
		.cs_base = 0,
		.cs_attr = GUEST_CS_ATTR,
		.insn = at,
	};

	return w;
}

static void io_exit(struct sd_client_vp *c, const char *what, const uint8_t *at,
		    const uint8_t *end, uint8_t access, uint16_t port,
		    uint8_t info, uint64_t rax_mask, uint64_t rax)
{
	struct exit_want w = long_mode(what,
				       HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT,
				       at, end, access, true);
	const struct sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);
	const struct hv_message *m = run_to(c, &w);
	char line[160];
	uint16_t got_port;

	if (!m)
		return;
	memcpy(&got_port, m->payload_buffer + IO_PORT, 2);
	CHECK(m->header.len == 128 && got_port == port &&
		      m->payload_buffer[IO_ACCESS] == info &&
		      (get64(m, IO_RAX) & rax_mask) == rax,
	      "VP %u %s: len %u port 0x%x info 0x%x rax 0x%lx", c->vp, what,
	      m->header.len, got_port, m->payload_buffer[IO_ACCESS],
	      get64(m, IO_RAX));
	CHECK(insn_is(m->payload_buffer + IO_INSN, m->payload_buffer[IO_COUNT],
		      w.insn),
	      "VP %u %s: instruction bytes", c->vp, what);
	CHECK(get64(m, IO_RAX) == ctx->gps[SIDECAR_CPU_CONTEXT_RAX] &&
		      get64(m, IO_RCX) == ctx->gps[SIDECAR_CPU_CONTEXT_RCX] &&
		      get64(m, IO_RSI) == ctx->gps[SIDECAR_CPU_CONTEXT_RSI] &&
		      get64(m, IO_RDI) == ctx->gps[SIDECAR_CPU_CONTEXT_RDI],
	      "VP %u %s: RAX/RCX/RSI/RDI differ from the CPU context", c->vp,
	      what);
	snprintf(line, sizeof(line),
		 "io port=0x%x size=%u string=%u rep=%u rax=0x%lx rcx=0x%lx "
		 "rsi=0x%lx",
		 got_port, info & 7, !!(info & 8), !!(info & 16),
		 get64(m, IO_RAX), get64(m, IO_RCX), get64(m, IO_RSI));
	print_exit(c->vp, m, line);
	advance(c, guest_gpa(end));
}

static void msr_exit(struct sd_client_vp *c, const char *what,
		     const uint8_t *at, const uint8_t *end, uint8_t access,
		     uint32_t msr, uint64_t rdx, uint64_t rax)
{
	struct exit_want w = long_mode(what, HV_MESSAGE_TYPE_MSR_INTERCEPT, at,
				       end, access, true);
	const struct hv_message *m = run_to(c, &w);
	char line[96];
	uint32_t got;

	if (!m)
		return;
	memcpy(&got, m->payload_buffer + 40, 4);
	CHECK(m->header.len == 64 && got == msr &&
		      (access == HV_INTERCEPT_ACCESS_READ ||
		       ((uint32_t)get64(m, 48) == rdx &&
			(uint32_t)get64(m, 56) == rax)),
	      "VP %u %s: msr 0x%x rdx 0x%lx rax 0x%lx", c->vp, what, got,
	      get64(m, 48), get64(m, 56));
	snprintf(line, sizeof(line), "msr=0x%x rdx=0x%lx rax=0x%lx", got,
		 get64(m, 48), get64(m, 56));
	print_exit(c->vp, m, line);
	advance(c, guest_gpa(end));
}

static void cpuid_exit(struct sd_client_vp *c)
{
	struct exit_want w = long_mode("cpuid",
				       HV_MESSAGE_TYPE_X64_CPUID_INTERCEPT,
				       gi_cpuid, gi_cpuid_end,
				       HV_INTERCEPT_ACCESS_EXECUTE, true);
	const struct hv_message *m = run_to(c, &w);
	uint32_t a, b, cx, d;
	char line[128];

	if (!m)
		return;
	/* Every vCPU is the same model: its answer is ours. */
	cpuid(GI_CPUID_LEAF, GI_CPUID_SUBLEAF, &a, &b, &cx, &d);
	CHECK(m->header.len == 104 && get64(m, 40) == GI_CPUID_LEAF &&
		      get64(m, 48) == GI_CPUID_SUBLEAF && get64(m, 72) == a &&
		      get64(m, 80) == cx && get64(m, 88) == d &&
		      get64(m, 96) == b,
	      "VP %u cpuid: rax 0x%lx rcx 0x%lx default %lx %lx %lx %lx", c->vp,
	      get64(m, 40), get64(m, 48), get64(m, 72), get64(m, 96),
	      get64(m, 80), get64(m, 88));
	snprintf(line, sizeof(line),
		 "cpuid leaf=0x%lx subleaf=0x%lx default=%08lx:%08lx:%08lx:"
		 "%08lx",
		 get64(m, 40), get64(m, 48), get64(m, 72), get64(m, 96),
		 get64(m, 80), get64(m, 88));
	print_exit(c->vp, m, line);
	advance(c, guest_gpa(gi_cpuid_end));
}

static void unmapped_exit(struct sd_client_vp *c)
{
	struct exit_want w = long_mode("unmapped GPA",
				       HV_MESSAGE_TYPE_UNMAPPED_GPA,
				       gi_unmapped, gi_unmapped_end,
				       HV_INTERCEPT_ACCESS_WRITE, false);
	const struct hv_message *m = run_to(c, &w);
	char line[96];

	if (!m)
		return;
	CHECK(m->header.len == 80 && get64(m, 56) == guest_unmapped_gpa() &&
		      m->payload_buffer[44] == 16 &&
		      !memcmp(m->payload_buffer + 64, gi_unmapped, 16),
	      "VP %u unmapped GPA: gpa 0x%lx (0x%lx) bytes %u", c->vp,
	      get64(m, 56), guest_unmapped_gpa(), m->payload_buffer[44]);
	snprintf(line, sizeof(line), "gpa=0x%lx", get64(m, 56));
	print_exit(c->vp, m, line);
	advance(c, guest_gpa(gi_unmapped_end));
}

/* HLT: no exit; halted until cancelled, then woken by a VTL0 interrupt. */
static void halt_then_interrupt(struct sd_client_vp *c)
{
	struct hv_register_assoc r = {
		.name = HV_REGISTER_PENDING_INTERRUPTION,
		/* pending, external interrupt, the vector in bits 16-31 */
		.value.reg128 = { 1 | (uint64_t)GUEST_VECTOR << 16, 0 },
	};
	struct sd_client_error e;

	if (!run_start(env, c) || !run_await_waiting(env, c->vp))
		return;
	CHECK(sd_client_cancel(c) == 0, "VP %u: cancel refused", c->vp);
	if (!run_wait(env, c, false))
		return;
	CHECK(hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low ==
		      guest_gpa(gi_hlt_end),
	      "VP %u: halted VTL0 at 0x%lx, expected after its hlt (0x%lx)",
	      c->vp, hvsim_get_register(c->vp, 0, HV_REGISTER_RIP).low,
	      guest_gpa(gi_hlt_end));
	printf("intercept: vp=%u halted at rip=0x%lx, cancelled\n", c->vp,
	       guest_gpa(gi_hlt));
	sidecar_client_ok(env, sd_client_set_registers(c, VTL0, &r, 1, &e), &e,
			  c->vp, "SET PendingInterruption");
}

static void ud_exit(struct sd_client_vp *c, uint64_t rsp)
{
	struct exit_want w =
		long_mode("#UD", HV_MESSAGE_TYPE_EXCEPTION_INTERCEPT, gi_ud,
			  gi_ud_end, HV_INTERCEPT_ACCESS_EXECUTE, false);
	const struct sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);
	const struct hv_message *m = run_to(c, &w);
	uint32_t bad = 0;
	char line[96];

	if (!m)
		return;
	for (uint32_t i = 0; i < 16; i++) {
		uint64_t want = i == 4 ? rsp : ctx->gps[i];

		if (i == SIDECAR_CPU_CONTEXT_CR2)
			continue; /* the context keeps CR2 in RSP's slot */
		bad += get64(m, 112 + 8 * i) != want;
	}
	CHECK(m->header.len == 240 && (get64(m, 40) & 0xffff) == 6 && !bad &&
		      m->payload_buffer[43] == 16 &&
		      !memcmp(m->payload_buffer + 64, gi_ud, 16) &&
		      get64(m, 112 + 8 * 11) == GUEST_VECTOR,
	      "VP %u #UD: len %u vector %lu info 0x%x bytes %u%s, %u "
	      "registers differ, r11 0x%lx (the handler of vector 0x%x sets "
	      "it)",
	      c->vp, m->header.len, get64(m, 40) & 0xffff,
	      m->payload_buffer[42], m->payload_buffer[43],
	      memcmp(m->payload_buffer + 64, gi_ud, 16) ? " (differ)" : "", bad,
	      get64(m, 112 + 8 * 11), GUEST_VECTOR);
	snprintf(line, sizeof(line), "exception vector=%lu r11=0x%lx rsp=0x%lx",
		 get64(m, 40) & 0xffff, get64(m, 112 + 8 * 11),
		 get64(m, 112 + 8 * 4));
	print_exit(c->vp, m, line);
}

/* What the compute part before the first exit left in the context. */
static void check_compute(struct sd_client_vp *c)
{
	const struct sidecar_cpu_context_x64 *ctx = sd_client_cpu_context(c);
	const struct x86_fxsave *fx = &ctx->fx_state;
	uint16_t exp;
	bool ones = true;

	memcpy(&exp, fx->st[0] + 8, 2);
	for (uint32_t b = 0; b < 16; b++)
		ones &= fx->xmm[3][b] == 0xff;
	/* st0 = 1 + pi: exponent 0x4001, the top of the stack at 7. */
	CHECK(ctx->gps[SIDECAR_CPU_CONTEXT_RBX] == GI_RBX &&
		      ctx->gps[SIDECAR_CPU_CONTEXT_R12] == GI_R12 &&
		      ctx->gps[SIDECAR_CPU_CONTEXT_CR2] == GI_CR2 &&
		      fx->mxcsr == GI_MXCSR && ones && exp == 0x4001 &&
		      ((fx->fsw >> 11) & 7) == 7,
	      "VP %u: compute: rbx 0x%lx r12 0x%lx cr2 0x%lx mxcsr 0x%x xmm3 "
	      "%s st0 exponent 0x%x top %u",
	      c->vp, ctx->gps[SIDECAR_CPU_CONTEXT_RBX],
	      ctx->gps[SIDECAR_CPU_CONTEXT_R12],
	      ctx->gps[SIDECAR_CPU_CONTEXT_CR2], fx->mxcsr,
	      ones ? "ones" : "not ones", exp, (fx->fsw >> 11) & 7);
}

static void real_mode(struct sd_client_vp *c)
{
	uint64_t base, size;
	struct exit_want w = {
		.what = "real-mode out",
		.type = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT,
		.rip = guest_real_ip(gr_out),
		.len = (uint8_t)(gr_out_end - gr_out),
		.access = HV_INTERCEPT_ACCESS_WRITE,
		.exec_state = 0,
		.cs_attr = 0x9B,
		.insn = gr_out,
	};
	const struct hv_message *m;
	uint16_t port;
	char line[96];

	hvsim_vtl0_ram(&base, &size);
	w.cs_base = base;
	w.cs_sel = (uint16_t)(base >> 4);
	guest_load_real(c->vp);
	m = run_to(c, &w);
	if (!m)
		return;
	memcpy(&port, m->payload_buffer + IO_PORT, 2);
	CHECK(port == GR_PORT && m->payload_buffer[IO_ACCESS] == 2 &&
		      (get64(m, IO_RAX) & 0xffff) == GR_AX &&
		      insn_is(m->payload_buffer + IO_INSN,
			      m->payload_buffer[IO_COUNT], gr_out),
	      "VP %u real mode: port 0x%x info 0x%x rax 0x%lx", c->vp, port,
	      m->payload_buffer[IO_ACCESS], get64(m, IO_RAX));
	snprintf(line, sizeof(line),
		 "io port=0x%x size=2 rax=0x%lx (real mode)", port,
		 get64(m, IO_RAX));
	print_exit(c->vp, m, line);
}

/*
 * VTL0's registers through the client are the ones the guest runs with;
 * values Hyper-V refuses fail with InvalidParameter and change nothing.
 */
static void vtl0_registers(struct sd_client_vp *c)
{
	static const struct {
		uint32_t name;
		uint64_t value;
	} bad[] = {
		{ HV_REGISTER_RIP, 0x0000800000000000 }, /* non-canonical */
		{ HV_REGISTER_RFLAGS, 0x2 | 0x8 }, /* reserved bit 3 */
		{ HV_REGISTER_CR0, 0x80000000 }, /* PG without PE */
		{ HV_REGISTER_CR4, 1ull << 15 }, /* reserved */
		{ HV_REGISTER_CR8, 16 },
		{ HV_REGISTER_EFER, 1ull << 9 }, /* reserved */
		{ HV_REGISTER_PAT, 0x0007040600070402 }, /* type 2 */
		{ HV_REGISTER_DR7, 1ull << 32 },
	};
	uint64_t cr0, cr3, cr4, efer;
	struct hv_register_assoc r[8] = {
		{ .name = HV_REGISTER_RIP },  { .name = HV_REGISTER_CR0 },
		{ .name = HV_REGISTER_CR3 },  { .name = HV_REGISTER_CR4 },
		{ .name = HV_REGISTER_EFER }, { .name = HV_REGISTER_CS },
		{ .name = HV_REGISTER_RSP },  { .name = HV_REGISTER_RFLAGS },
	};
	struct sd_client_error e;

	guest_paging(&cr0, &cr3, &cr4, &efer);
	if (!sidecar_client_ok(env, sd_client_get_registers(c, VTL0, r, 8, &e),
			       &e, c->vp, "GET VTL0 registers"))
		return;
	CHECK(r[0].value.reg128.low == guest_gpa(guest_intercepts) &&
		      r[1].value.reg128.low == cr0 &&
		      r[2].value.reg128.low == cr3 &&
		      r[3].value.reg128.low == cr4 &&
		      r[4].value.reg128.low == efer &&
		      (uint16_t)(r[5].value.reg128.high >> 32) == GUEST_CS &&
		      (uint16_t)(r[5].value.reg128.high >> 48) ==
			      GUEST_CS_ATTR &&
		      r[6].value.reg128.low ==
			      hvsim_get_register(c->vp, 0, HV_REGISTER_RSP).low &&
		      r[7].value.reg128.low == 0x2,
	      "VP %u: VTL0 registers through the client: rip 0x%lx cr0 0x%lx "
	      "cr3 0x%lx cr4 0x%lx efer 0x%lx",
	      c->vp, r[0].value.reg128.low, r[1].value.reg128.low,
	      r[2].value.reg128.low, r[3].value.reg128.low,
	      r[4].value.reg128.low);
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hv_register_assoc b = {
			.name = bad[i].name, .value.reg128 = { bad[i].value, 0 }
		};
		struct hv_u128 before =
			hvsim_get_register(c->vp, 0, bad[i].name);
		int rc = sd_client_set_registers(c, VTL0, &b, 1, &e);

		CHECK(rc == -SD_EIO && e.kind == SD_CLIENT_ERR_HYPERVISOR &&
			      e.hv_status == HV_STATUS_INVALID_PARAMETER &&
			      hvsim_get_register(c->vp, 0, bad[i].name).low ==
				      before.low,
		      "VP %u: SET 0x%x = 0x%lx: rc %d status 0x%x, expected "
		      "InvalidParameter and no change",
		      c->vp, bad[i].name, bad[i].value, rc, e.hv_status);
	}
}

static void one_vp(struct sd_client_vp *c)
{
	uint64_t rsp;

	guest_load_intercepts(c->vp);
	rsp = hvsim_get_register(c->vp, 0, HV_REGISTER_RSP).low;
	vtl0_registers(c);
	io_exit(c, "out imm8", gi_out8, gi_out8_end, HV_INTERCEPT_ACCESS_WRITE,
		GI_PORT8, 1, 0xffffffffffffffff, GI_OUT8_AL);
	check_compute(c);
	io_exit(c, "out dx, ax", gi_out16, gi_out16_end,
		HV_INTERCEPT_ACCESS_WRITE, GI_PORT16, 2, 0xffffffffffffffff,
		GI_OUT16_AX);
	io_exit(c, "in eax, dx", gi_in32, gi_in32_end, HV_INTERCEPT_ACCESS_READ,
		GI_PORT16, 4, 0, 0);
	io_exit(c, "rep outsb", gi_outs, gi_outs_end, HV_INTERCEPT_ACCESS_WRITE,
		GI_PORT16, 1 | 8 | 16, 0, 0);
	CHECK(sd_client_cpu_context(c)->gps[SIDECAR_CPU_CONTEXT_RSI] ==
			      guest_gpa(gi_outs_buf) &&
		      sd_client_cpu_context(c)->gps[SIDECAR_CPU_CONTEXT_RCX] ==
			      GI_OUTS_COUNT,
	      "VP %u rep outsb: rsi/rcx not the guest's", c->vp);
	msr_exit(c, "rdmsr", gi_rdmsr, gi_rdmsr_end, HV_INTERCEPT_ACCESS_READ,
		 GI_RDMSR, 0, 0);
	msr_exit(c, "wrmsr", gi_wrmsr, gi_wrmsr_end, HV_INTERCEPT_ACCESS_WRITE,
		 GI_WRMSR, GI_WRMSR_EDX, GI_WRMSR_EAX);
	cpuid_exit(c);
	unmapped_exit(c);
	halt_then_interrupt(c);
	ud_exit(c, rsp);
	real_mode(c);
}

int scenario_intercepts(const struct scenario_env *e)
{
	uint32_t vps[HVSIM_MAX_VPS], count;

	env = e;
	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	for (uint32_t i = 0; i < count; i++) {
		struct sd_client_vp c;

		if (!sidecar_client(env, &boot, vps[i], &c))
			return -1;
		ctx_fill(sd_client_cpu_context(&c), c.vp, 9);
		one_vp(&c);
	}
	shim_platform_stop();
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	printf("intercepts: %u VPs, %u checks, %u failures\n", count,
	       env->result->checks, env->result->failures);
	return env->result->failures ? -1 : 0;
}
