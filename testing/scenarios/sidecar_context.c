// SPDX-License-Identifier: MIT
/*
 * Context patterns and guest_steps' effect, written down independently of
 * the guest's code so that a wrong guest, hvsim or image all show.
 */
#include <stddef.h>
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/string.h>

#include "guest_load.h"
#include "sidecar_context.h"

#define STEP_CR2 0x1000
#define MAX_LINES 8

uint32_t ctx_mxcsr_mask(void)
{
	static uint32_t mask;
	uint8_t area[512] __attribute__((aligned(16)));

	if (!mask) {
		__asm__ volatile("fxsave %0" : "=m"(area));
		memcpy(&mask, area + 28, sizeof(mask));
		if (!mask)
			mask = 0xffbf; /* the architectural default */
	}
	return mask;
}

/* A valid 80-bit extended value: 64-bit significand (J set), exponent. */
static void st_value(uint8_t *slot, uint64_t mantissa, uint16_t exp)
{
	mantissa |= 1ull << 63;
	memcpy(slot, &mantissa, 8);
	memcpy(slot + 8, &exp, 2);
	memset(slot + 10, 0, 6);
}

void ctx_fill(struct sidecar_cpu_context_x64 *c, uint32_t vp, uint32_t salt)
{
	struct x86_fxsave *fx = &c->fx_state;
	uint8_t *bytes = (uint8_t *)c;

	/* The reserved tail is a canary: nobody may write it. */
	for (size_t i = 0; i < sizeof(*c); i++)
		bytes[i] = (uint8_t)(0xa5 ^ i ^ vp);
	for (uint32_t i = 0; i < 16; i++)
		c->gps[i] = ((uint64_t)vp << 48) | ((uint64_t)salt << 40) |
			    ((uint64_t)(i + 1) << 32) | (0x5a5a0000u + i);
	c->gps[SIDECAR_CPU_CONTEXT_CR2] =
		0xc2000000ull + vp * 0x10000ull + ((uint64_t)salt << 32);
	/* x87: 53-bit precision, all masked, TOP 7, PE/IE flags, 2 tags. */
	fx->fcw = 0x027f;
	fx->fsw = 0x3821;
	fx->ftw = 0x81;
	fx->reserved = 0;
	fx->fop = (uint16_t)(0x5a0 + (vp & 0x1f));
	/* The 32-bit offsets fxsave keeps in 64-bit mode without REX.W. */
	fx->fip = 0x12340000u + vp;
	fx->fdp = 0x56780000u + salt;
	/* Toward zero, FZ, DAZ, all masked, some sticky flags. */
	fx->mxcsr = (0xffc0u | ((vp + salt) & 0x3f)) & ctx_mxcsr_mask();
	fx->mxcsr_mask = ctx_mxcsr_mask();
	for (uint32_t r = 0; r < 8; r++)
		st_value(fx->st[r],
			 0x0123456789abcdefull ^ ((uint64_t)vp << 8) ^ r,
			 (uint16_t)(0x3fff + r + salt));
	for (uint32_t r = 0; r < 16; r++)
		for (uint32_t b = 0; b < 16; b++)
			fx->xmm[r][b] = (uint8_t)(vp * 16 + r * 7 + b + salt);
}

/*
 * What this CPU itself keeps of an FX image through fxrstor + fxsave (the
 * format the image uses): QEMU's TCG, for one, saves FIP and FDP as 0.
 * Comparing with this separates the emulator from the image.
 */
static void fx_round_trip(struct x86_fxsave *fx)
{
	static bool told;
	uint8_t own[512] __attribute__((aligned(16)));
	struct x86_fxsave in = *fx;

	__asm__ volatile("fxsave %0" : "=m"(own));
	__asm__ volatile("fxrstor %0; fxsave %0" : "+m"(*fx));
	__asm__ volatile("fxrstor %0" : : "m"(own));
	if (!told && memcmp(&in, fx, sizeof(in))) {
		told = true;
		printf("context: this CPU's fxrstor/fxsave does not keep%s%s%s "
		       "(expected so in every RUN_VP result)\n",
		       in.fip != fx->fip ? " FIP" : "",
		       in.fdp != fx->fdp ? " FDP" : "",
		       in.fop != fx->fop ? " FOP" : "");
	}
}

void ctx_expect(struct sidecar_cpu_context_x64 *want,
		const struct sidecar_cpu_context_x64 *from, uint64_t steps)
{
	*want = *from;
	fx_round_trip(&want->fx_state);
	for (uint32_t i = 0; i < 16; i++)
		want->gps[i] +=
			steps *
			(i == SIDECAR_CPU_CONTEXT_CR2 ? STEP_CR2 : i + 1);
	for (uint32_t r = 0; r < 16; r++)
		for (uint32_t b = 0; b < 16; b++)
			want->fx_state.xmm[r][b] =
				(uint8_t)(from->fx_state.xmm[r][b] + steps);
}

static const struct {
	const char *name;
	size_t off, len;
} fields[] = {
#define F(n, m)                                           \
	{ n, offsetof(struct sidecar_cpu_context_x64, m), \
	  sizeof(((struct sidecar_cpu_context_x64 *)0)->m) }
	F("gps", gps),
	F("fcw", fx_state.fcw),
	F("fsw", fx_state.fsw),
	F("ftw", fx_state.ftw),
	F("fx reserved", fx_state.reserved),
	F("fop", fx_state.fop),
	F("fip", fx_state.fip),
	F("fdp", fx_state.fdp),
	F("mxcsr", fx_state.mxcsr),
	F("mxcsr_mask", fx_state.mxcsr_mask),
	F("st", fx_state.st),
	F("xmm", fx_state.xmm),
	F("fx reserved2", fx_state.reserved2),
	F("fx unused", fx_state.unused),
	F("reserved", reserved),
#undef F
};

uint32_t ctx_diff(const struct sidecar_cpu_context_x64 *want,
		  const struct sidecar_cpu_context_x64 *got, uint32_t vp,
		  const char *what)
{
	const uint8_t *w = (const uint8_t *)want, *g = (const uint8_t *)got;
	uint32_t bad = 0, lines = 0;

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		for (size_t i = fields[f].off;
		     i < fields[f].off + fields[f].len; i++) {
			if (w[i] == g[i])
				continue;
			bad++;
			if (lines++ < MAX_LINES)
				printf("context: VP %u %s: %s byte %lu (offset "
				       "0x%lx) is 0x%02x, expected 0x%02x\n",
				       vp, what, fields[f].name,
				       (uint64_t)(i - fields[f].off),
				       (uint64_t)i, g[i], w[i]);
		}
	}
	return bad;
}

/* guest_steps changes these GPR slots in this order, then CR2, XMM0-15. */
static const uint8_t step_gprs[] = { 0, 1,  2,	3,  5,	6,  7, 8,
				     9, 10, 11, 12, 13, 14, 15 };

#define NR_STEP_GPRS (sizeof(step_gprs) / sizeof(step_gprs[0]))

/*
 * got is guest_steps stopped inside the step from a to b: a prefix of its
 * changes in program order is b's, the rest a's; once the GPRs are done,
 * RAX is a temporary (CR2's value) until the step's end.
 */
static bool mid_step(const struct sidecar_cpu_context_x64 *a,
		     const struct sidecar_cpu_context_x64 *b,
		     const struct sidecar_cpu_context_x64 *got)
{
	struct sidecar_cpu_context_x64 rest = *a;
	bool rax_done = got->gps[0] == b->gps[0];
	uint32_t k = 1, x = 0;

	while (k < NR_STEP_GPRS &&
	       got->gps[step_gprs[k]] == b->gps[step_gprs[k]])
		k++;
	for (uint32_t i = k; i < NR_STEP_GPRS; i++)
		if (got->gps[step_gprs[i]] != a->gps[step_gprs[i]])
			return false;
	if (k < NR_STEP_GPRS) {
		/* Still in the GPRs (RAX first); CR2 and XMM untouched. */
		if ((k > 1 && !rax_done) ||
		    (!rax_done && got->gps[0] != a->gps[0]) ||
		    got->gps[SIDECAR_CPU_CONTEXT_CR2] !=
			    a->gps[SIDECAR_CPU_CONTEXT_CR2] ||
		    memcmp(got->fx_state.xmm, a->fx_state.xmm,
			   sizeof(a->fx_state.xmm)))
			return false;
	} else {
		/* RAX is a temporary now; CR2, then the XMMs, one by one. */
		bool cr2_done = got->gps[SIDECAR_CPU_CONTEXT_CR2] ==
				b->gps[SIDECAR_CPU_CONTEXT_CR2];

		if (!cr2_done && got->gps[SIDECAR_CPU_CONTEXT_CR2] !=
					 a->gps[SIDECAR_CPU_CONTEXT_CR2])
			return false;
		while (cr2_done && x < 16 &&
		       !memcmp(got->fx_state.xmm[x], b->fx_state.xmm[x], 16))
			x++;
		for (uint32_t r = x; r < 16; r++)
			if (memcmp(got->fx_state.xmm[r], a->fx_state.xmm[r],
				   16))
				return false;
	}
	/* Everything guest_steps does not touch is a's. */
	memcpy(rest.gps, got->gps, sizeof(rest.gps));
	memcpy(rest.fx_state.xmm, got->fx_state.xmm, sizeof(rest.fx_state.xmm));
	return !memcmp(&rest, got, sizeof(rest));
}

bool ctx_within_step(const struct sidecar_cpu_context_x64 *from, uint64_t steps,
		     const struct sidecar_cpu_context_x64 *got)
{
	struct sidecar_cpu_context_x64 a, b;

	/* Counted at the step's end, before RAX and RFLAGS come back. */
	for (uint64_t s = steps ? steps - 1 : 0; s <= steps; s++) {
		ctx_expect(&a, from, s);
		ctx_expect(&b, from, s + 1);
		if (mid_step(&a, &b, got))
			return true;
	}
	return false;
}

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void ctx_expect_message(struct hv_message *m, uint32_t vp,
			const struct sidecar_cpu_context_x64 *c, uint64_t rip,
			uint64_t rflags)
{
	const uint8_t *insn = guest_steps_out;
	uint8_t *p = m->payload_buffer;

	memset(m, 0, sizeof(*m));
	m->header.typ = HV_MESSAGE_TYPE_X64_IO_PORT_INTERCEPT;
	m->header.len = 128; /* HvX64IoPortInterceptMessage */
	/* The x64 intercept header: out %al, $0xe9 (2 bytes) in long mode. */
	put(p + 0, vp, 4);
	p[4] = 2;
	p[5] = HV_INTERCEPT_ACCESS_WRITE;
	put(p + 6,
	    HV_X64_VP_EXECUTION_STATE_CR0_PE |
		    HV_X64_VP_EXECUTION_STATE_EFER_LMA,
	    2);
	put(p + 8 + 8, 0xffffffff, 4); /* CS limit */
	put(p + 8 + 12, GUEST_CS, 2);
	put(p + 8 + 14, GUEST_CS_ATTR, 2);
	put(p + 24, rip, 8);
	put(p + 32, rflags, 8);
	/* The I/O port part: port, access size 1, 16 bytes fetched, RAX. */
	put(p + 40, 0xe9, 2);
	p[42] = 1;
	p[43] = 16;
	put(p + 48, c->gps[SIDECAR_CPU_CONTEXT_RAX], 8);
	memcpy(p + 56, insn, 16);
	for (unsigned int s = 0; s < 2; s++) { /* DS, ES */
		put(p + 72 + 16 * s + 8, 0xffffffff, 4);
		put(p + 72 + 16 * s + 12, GUEST_DS, 2);
		put(p + 72 + 16 * s + 14, GUEST_DS_ATTR, 2);
	}
	put(p + 104, c->gps[SIDECAR_CPU_CONTEXT_RCX], 8);
	put(p + 112, c->gps[SIDECAR_CPU_CONTEXT_RSI], 8);
	put(p + 120, c->gps[SIDECAR_CPU_CONTEXT_RDI], 8);
}

uint32_t ctx_message_diff(const struct hv_message *want,
			  const struct hv_message *got, uint32_t vp,
			  const char *what)
{
	const uint8_t *w = (const uint8_t *)want, *g = (const uint8_t *)got;
	uint32_t bad = 0;

	for (uint32_t i = 0; i < sizeof(*want); i++) {
		if (w[i] == g[i])
			continue;
		if (bad++ < 4)
			printf("context: VP %u %s: message byte %u is 0x%02x, "
			       "expected 0x%02x\n",
			       vp, what, i, g[i], w[i]);
	}
	return bad;
}
