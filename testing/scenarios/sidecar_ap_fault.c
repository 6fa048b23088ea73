// SPDX-License-Identifier: MIT
/*
 * scenario=ap-fault: boot, arm an hvsim exception injection on one VP
 * (fault_vp, fault_kind ud|bp|pf|stack, fault_addr), then start on that
 * VP (driver/node: sd_vp_start) a GET_VP_REGISTERS whose hypercall
 * returns into the exception. DESIGN §4: the VP prints the exception,
 * RIP, CR2 and itself, reports through the guest crash registers and
 * halts, alone. So: hvsim got P0-P4 and CTL with the message the image
 * printed; the command never completes and the bounded wait for it
 * (sd_vp_wait_stopped, no cancel) ends in the watchdog naming the VP (an
 * outcome here, not a hang), the VP still in RUN and still started in
 * the driver; every other booted VP still answers NONE through
 * driver/client.
 */
#include <stdint.h>

#include <kernel/cmdline.h>
#include <kernel/printf.h>
#include <kernel/string.h>

#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_wx.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define FAULT_WATCHDOG_MS 2000
#define VTL0 (HV_INPUT_VTL_USE_TARGET | 0)

static struct sidecar_boot boot;

extern char __kernel_start[], __kernel_ro_end[];

static const struct {
	const char *name;
	uint32_t vector;
	const char *mnemonic;
	uint64_t addr; /* default */
} kinds[] = {
	[HVSIM_FAULT_UD] = { "ud", 6, "#UD", 0 },
	[HVSIM_FAULT_BP] = { "bp", 3, "#BP", 0 },
	/* The stack guard: also shows it is unmapped in the live TLB. */
	[HVSIM_FAULT_PF] = { "pf", 14, "#PF", WX_VP_VA(WX_SLOT_STACK_GUARD) },
	/*
	 * An overflow: the push lands in the guard page, and so would the
	 * #PF frame: the CPU raises #DF, which has a stack of its own.
	 */
	[HVSIM_FAULT_STACK] = { "stack", 8, "#DF", WX_VP_VA(WX_SLOT_STACK) },
	/* 0: hvsim points the stack at the VP's own VTL2 VMCB. */
	[HVSIM_FAULT_WILD] = { "wild", 0, "a wild write", 0 },
};

static uint32_t parse_kind(const char *cmdline)
{
	char name[16];

	cmdline_get_str(cmdline, "fault_kind", name, sizeof(name), "ud");
	for (uint32_t k = 1; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(name, kinds[k].name))
			return k;
	return 0;
}

/*
 * The started command's wait, bounded: the watchdog firing is what this
 * scenario expects, so it is printed as an outcome. No cancel: the VP
 * stays in RUN as the fault left it. True if the VP completed.
 */
static bool wait_or_watchdog(struct sd_node *n, uint32_t vp, uint32_t command,
			     uint64_t ms)
{
	int r = sd_vp_wait_stopped(n, vp, ms * 1000000ull);
	uint8_t s;

	if (r == 0)
		return true;
	s = sidecar_cpu_status_load(n->control, vp - n->base_cpu);
	printf("watchdog: VP %u stuck in status %s (command %u) after %lu ms "
	       "(%s)\n",
	       vp, s == SIDECAR_CPU_STATUS_RUN ? "RUN" : "other", command, ms,
	       sd_strerror(r));
	return false;
}

/* "... KEY 0xHEX ...": the number after the first "KEY 0x". */
static bool hex_after(const char *s, size_t len, const char *key, uint64_t *out)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k + 2 < len; i++) {
		if (strncmp(s + i, key, k) || strncmp(s + i + k, " 0x", 3))
			continue;
		*out = 0;
		for (i += k + 3; i < len; i++) {
			char c = s[i];

			if (c >= '0' && c <= '9')
				*out = *out << 4 | (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				*out = *out << 4 | (uint64_t)(c - 'a' + 10);
			else
				break;
		}
		return true;
	}
	return false;
}

/* What hvsim received in the crash registers of vp. */
static void check_crash(const struct scenario_env *env, uint32_t vp,
			uint32_t kind, uint64_t addr, uint64_t stub)
{
	uint64_t p[5], ctl, rip = 0, cr2 = 0;
	char prefix[64];
	const char *msg;
	size_t len;

	for (uint32_t i = 0; i < 5; i++)
		p[i] = hvsim_get_register(vp, 2, HV_REGISTER_GUEST_CRASH_P0 + i)
			       .low;
	ctl = hvsim_get_register(vp, 2, HV_REGISTER_GUEST_CRASH_CTL).low;
	CHECK((ctl & HV_GUEST_CRASH_CTL_CRASH_MESSAGE) &&
		      (ctl & HV_GUEST_CRASH_CTL_CRASH_NOTIFY),
	      "VP %u: crash CTL 0x%lx lacks CRASH_MESSAGE/NOTIFY", vp, ctl);
	CHECK(p[0] && p[1], "VP %u: crash P0/P1 0x%lx/0x%lx", vp, p[0], p[1]);
	if (!CHECK(p[3] && p[4] > 0 && p[4] <= SIDECAR_ERROR_MAX_LEN,
		   "VP %u: crash message at 0x%lx, %lu bytes", vp, p[3], p[4]))
		return;
	msg = (const char *)(uintptr_t)p[3];
	len = (size_t)p[4];
	printf("ap-fault: VP %u crash registers P0 0x%lx P1 0x%lx P2 0x%lx "
	       "CTL 0x%lx message \"%.*s\"\n",
	       vp, p[0], p[1], p[2], ctl, (int)len, msg);
	snprintf(prefix, sizeof(prefix), "exception %u (%s) error 0x0 at rip ",
		 kinds[kind].vector, kinds[kind].mnemonic);
	CHECK(len > strlen(prefix) && !strncmp(msg, prefix, strlen(prefix)),
	      "VP %u: crash message does not start with \"%s\"", vp, prefix);
	/* #DF saves no meaningful RIP (SDM: undefined). */
	CHECK(hex_after(msg, len, "rip", &rip) &&
		      (kind == HVSIM_FAULT_STACK || rip == stub),
	      "VP %u: crash message RIP 0x%lx, injected at 0x%lx", vp, rip,
	      stub);
	CHECK(hex_after(msg, len, "cr2", &cr2) &&
		      (kind != HVSIM_FAULT_PF || cr2 == addr) &&
		      (kind != HVSIM_FAULT_STACK || cr2 == addr - 8),
	      "VP %u: crash message CR2 0x%lx (address 0x%lx)", vp, cr2, addr);
}

/*
 * A wild write into hvsim's memory: a nested page fault, which stopped the
 * VP; the image never saw it (no crash report). Every VP whose VTL2 ran
 * did so on VTL2's one nested table.
 */
static void check_wild(const struct scenario_env *env, uint32_t vp,
		       uint64_t addr)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(vp);
	struct hvsim_range m[HVSIM_MEMORY_RANGES];
	bool hvsims = false, text;

	hvsim_memory_ranges(m);
	for (uint32_t i = 0; i < HVSIM_MEMORY_RANGES; i++)
		hvsims |= r->npf_gpa - m[i].base < m[i].size;
	text = r->npf_gpa >= (uintptr_t)__kernel_start &&
	       r->npf_gpa < (uintptr_t)__kernel_ro_end;
	printf("ap-fault: VP %u stopped by a nested page fault: %s GPA 0x%lx "
	       "(%s)\n",
	       vp, r->npf_error & 2 ? "write" : "read", r->npf_gpa,
	       hvsims ? "hvsim's memory" :
	       text   ? "the kernel's text" :
			"neither hvsim's memory nor the kernel's text");
	CHECK(r->state == HVSIM_VP_STOPPED && (r->npf_error & 2) &&
		      (addr ? text && (r->npf_gpa & ~0xFFFull) == addr :
			      hvsims),
	      "VP %u: state %u, nested page fault 0x%lx at GPA 0x%lx: want "
	      "a write into %s that stopped it",
	      vp, r->state, r->npf_error, r->npf_gpa,
	      addr ? "the kernel's text" : "hvsim's memory");
	CHECK(hvsim_crashes() == 0, "%u guest crash reports, expected none",
	      hvsim_crashes());
	for (uint32_t v = 0; v < hvsim_vp_count(); v++) {
		uint64_t npt = hvsim_vp_record(v)->vtl2_nested_cr3;

		CHECK(!npt || npt == hvsim_vtl2_npt(),
		      "VP %u's VTL2 ran on nested table 0x%lx, not VTL2's", v,
		      npt);
	}
}

/* Every other usable VP still serves commands. */
static uint32_t ping_others(const struct scenario_env *env, uint32_t faulted)
{
	uint32_t vps[HVSIM_MAX_VPS], count, pinged = 0;

	count = sidecar_usable_vps(&boot, vps, HVSIM_MAX_VPS);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t vp = vps[i];
		struct sd_client_vp c;
		struct sd_client_error e;

		if (vp == faulted || !sidecar_client(env, &boot, vp, &c))
			continue;
		if (sidecar_client_ok(env, sd_client_test(&c, &e), &e, vp,
				      "NONE"))
			pinged++;
		CHECK(hvsim_get_register(vp, 2, HV_REGISTER_GUEST_CRASH_CTL)
				      .low == 0,
		      "VP %u reported a crash too", vp);
	}
	return pinged;
}

int scenario_ap_fault(const struct scenario_env *env)
{
	uint32_t kind = parse_kind(env->cmdline), vp, pinged, others;
	struct sidecar_get_set_vp_register_request *req;
	struct sidecar_command_page *page;
	struct sd_claim claim;
	uint64_t addr, stub;
	struct sd_node *n;
	int r;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	vp = (uint32_t)cmdline_get_u64(env->cmdline, "fault_vp", 2);
	n = sidecar_node_of(&boot, vp);
	if (!CHECK(kind && n && sidecar_vp_usable(&boot, vp),
		   "fault_kind ud|bp|pf|stack|wild on an IDLE VP "
		   "(fault_vp %u)",
		   vp))
		return -1;
	others = env->result->booted - 1;
	addr = cmdline_get_u64(env->cmdline, "fault_addr", kinds[kind].addr);
	/* A wild write at the page of this very code: the kernel's text. */
	if (kind == HVSIM_FAULT_WILD &&
	    cmdline_get_u64(env->cmdline, "fault_text", 0))
		addr = (uintptr_t)scenario_ap_fault & ~0xFFFull;
	CHECK(hvsim_inject_fault(vp, kind, addr), "arming the fault");

	/* One register by hypercall: the return from it faults. */
	r = sd_vp_claim(n, vp, &claim);
	if (!CHECK(r == 0, "VP %u: claim: %s", vp, sd_strerror(r)))
		return -1;
	page = &sd_node_vp_pages(n, vp)->command_page;
	req = sidecar_get_set_vp_register_request_of(page);
	memset(page->request_data, 0, sizeof(page->request_data));
	req->count = 1;
	req->target_vtl = VTL0;
	req->regs[0].name = HV_REGISTER_RIP;
	page->command = SIDECAR_COMMAND_GET_VP_REGISTERS;
	r = sd_vp_start(n, &claim);
	if (!CHECK(r == 0, "VP %u: starting GET_VP_REGISTERS: %s", vp,
		   sd_strerror(r)))
		return -1;
	CHECK(!wait_or_watchdog(n, vp, SIDECAR_COMMAND_GET_VP_REGISTERS,
				FAULT_WATCHDOG_MS),
	      "VP %u completed the command it faulted in", vp);
	stub = hvsim_fault_rip(vp);
	CHECK(stub != 0, "the injected fault never fired on VP %u", vp);
	if (kind == HVSIM_FAULT_WILD) {
		check_wild(env, vp, addr);
	} else {
		CHECK(hvsim_crashes() == 1,
		      "%u guest crash reports, expected 1", hvsim_crashes());
		check_crash(env, vp, kind, addr, stub);
	}

	pinged = ping_others(env, vp);
	CHECK(pinged == others, "%u of the %u other booted VPs answered NONE",
	      pinged, others);
	CHECK(sidecar_cpu_status_load(n->control, vp - n->base_cpu) ==
		      SIDECAR_CPU_STATUS_RUN,
	      "VP %u left RUN after it faulted", vp);
	/* The driver still has the command outstanding, nothing reported. */
	CHECK(sd_vp_state(n, vp) == SD_VP_ASYNC,
	      "VP %u: driver state %d, expected started (ASYNC)", vp,
	      sd_vp_state(n, vp));
	CHECK(shim_reports() == 0, "%u driver reports", shim_reports());
	shim_platform_stop();
	printf("ap-fault: VP %u halted after %s; %u other VPs answered NONE\n",
	       vp, kinds[kind].mnemonic, pinged);
	return env->result->failures ? -1 : 0;
}
