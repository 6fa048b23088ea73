// SPDX-License-Identifier: MIT
/*
 * Fault injection: rules that make a hypercall fail for one VP or all,
 * once or always, and the "HYPERCALL:vp=V:status=S[:once]" syntax the
 * scenario runner passes on the kernel command line.
 */
#include "hvsim/core.h"

bool hvsim_injector_add(struct hvsim_injector *inj,
			const struct hvsim_inject_rule *rule)
{
	struct hvsim_inject_rule *r;

	if (inj->count == HVSIM_INJECT_MAX)
		return false;
	r = &inj->rule[inj->count];
	*r = *rule;
	r->fired = 0;
	/* Publish the rule before the count that makes it visible. */
	__atomic_store_n(&inj->count, inj->count + 1, __ATOMIC_RELEASE);
	return true;
}

bool hvsim_injector_match(struct hvsim_injector *inj, uint16_t code,
			  uint32_t vp, uint32_t reg, uint16_t *status)
{
	uint32_t n = __atomic_load_n(&inj->count, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++) {
		struct hvsim_inject_rule *r = &inj->rule[i];

		if (r->code != code || (r->vp != HVSIM_ANY_VP && r->vp != vp) ||
		    (r->reg && r->reg != reg))
			continue;
		if (r->once) {
			uint32_t zero = 0;

			if (!__atomic_compare_exchange_n(
				    &r->fired, &zero, 1, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				continue; /* already spent */
		} else {
			__atomic_fetch_add(&r->fired, 1, __ATOMIC_RELAXED);
		}
		*status = r->status;
		return true;
	}
	return false;
}

void hvsim_injector_clear(struct hvsim_injector *inj)
{
	__atomic_store_n(&inj->count, 0, __ATOMIC_RELEASE);
}

static const struct {
	uint16_t code;
	const char *name;
} calls[] = {
	{ HV_CALL_ENABLE_VP_VTL, "EnableVpVtl" },
	{ HV_CALL_VTL_CALL, "VtlCall" },
	{ HV_CALL_VTL_RETURN, "VtlReturn" },
	{ HV_CALL_GET_VP_REGISTERS, "GetVpRegisters" },
	{ HV_CALL_SET_VP_REGISTERS, "SetVpRegisters" },
	{ HV_CALL_TRANSLATE_VIRTUAL_ADDRESS, "TranslateVirtualAddress" },
	{ HV_CALL_START_VIRTUAL_PROCESSOR, "StartVirtualProcessor" },
	{ HV_CALL_TRANSLATE_VIRTUAL_ADDRESS_EX, "TranslateVirtualAddressEx" },
};

const char *hvsim_hypercall_name(uint16_t code)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].code == code)
			return calls[i].name;
	return NULL;
}

static bool same(const char *s, size_t len, const char *word)
{
	size_t i = 0;

	for (; i < len && word[i]; i++)
		if (s[i] != word[i])
			return false;
	return i == len && !word[i];
}

/* Decimal or 0x-hex, the whole of s[0..len). */
static bool number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		uint64_t d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (uint64_t)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (uint64_t)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (uint64_t)(s[i] - 'A' + 10);
		else
			return false;
		v = v * base + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool call_code(const char *s, size_t len, uint16_t *code)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (same(s, len, calls[i].name)) {
			*code = calls[i].code;
			return true;
		}
	}
	if (!number(s, len, 0xFFFF, &v))
		return false;
	*code = (uint16_t)v;
	return true;
}

static bool status_code(const char *s, size_t len, uint16_t *status)
{
	uint64_t v;

	for (uint32_t c = 0; c <= 0xFF; c++) {
		const char *name = hv_status_name((uint16_t)c);

		if (name && same(s, len, name)) {
			*status = (uint16_t)c;
			return true;
		}
	}
	if (!number(s, len, 0xFFFF, &v))
		return false;
	*status = (uint16_t)v;
	return true;
}

/* The next ':'-separated field of [*p, end). */
static bool field(const char **p, const char *end, const char **f, size_t *flen)
{
	const char *s = *p;

	if (s >= end)
		return false;
	*f = s;
	while (s < end && *s != ':')
		s++;
	*flen = (size_t)(s - *f);
	*p = s < end ? s + 1 : s;
	return true;
}

static bool prefixed(const char *f, size_t len, const char *key,
		     const char **val, size_t *vlen)
{
	size_t k = 0;

	while (key[k])
		k++;
	if (len < k || !same(f, k, key))
		return false;
	*val = f + k;
	*vlen = len - k;
	return true;
}

const char *hvsim_inject_parse(const char *s, size_t len,
			       struct hvsim_inject_rule *rule)
{
	const char *end = s + len, *f, *v;
	size_t flen, vlen;
	bool have_vp = false, have_status = false;
	uint64_t n;

	*rule = (struct hvsim_inject_rule){ 0 };
	if (!field(&s, end, &f, &flen) || !call_code(f, flen, &rule->code))
		return "unknown hypercall (a name or a number)";
	while (field(&s, end, &f, &flen)) {
		if (prefixed(f, flen, "vp=", &v, &vlen)) {
			if (same(v, vlen, "any") || same(v, vlen, "*")) {
				rule->vp = HVSIM_ANY_VP;
			} else if (number(v, vlen, 0xFFFFFFFE, &n)) {
				rule->vp = (uint32_t)n;
			} else {
				return "bad vp= (a VP index or any)";
			}
			have_vp = true;
		} else if (prefixed(f, flen, "status=", &v, &vlen)) {
			if (!status_code(v, vlen, &rule->status))
				return "bad status= (an HvStatus name or number)";
			if (!rule->status)
				return "status=0 is not a failure";
			have_status = true;
		} else if (prefixed(f, flen, "reg=", &v, &vlen)) {
			rule->reg = hvsim_reg_by_name(v, vlen);
			if (!rule->reg && number(v, vlen, 0xFFFFFFFF, &n))
				rule->reg = (uint32_t)n;
			if (!rule->reg)
				return "bad reg= (a register name or number)";
		} else if (same(f, flen, "once")) {
			rule->once = true;
		} else {
			return "unknown field (vp=, status=, reg=, once)";
		}
	}
	if (!have_vp)
		return "missing vp=";
	if (!have_status)
		return "missing status=";
	if (rule->reg && rule->code != HV_CALL_GET_VP_REGISTERS &&
	    rule->code != HV_CALL_SET_VP_REGISTERS)
		return "reg= is for GetVpRegisters and SetVpRegisters only";
	return NULL;
}
