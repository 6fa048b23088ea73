// SPDX-License-Identifier: MIT
/*
 * The register file of one VP at one VTL, and which register names hvsim
 * knows. A register that was never set reads as its default.
 */
#include "hvsim/core.h"

struct reg_range {
	uint32_t first, last;
	enum hvsim_reg_class cls;
	const char *name; /* of the first; NULL for a numbered range */
};

/* Names hvsim answers for; everything else is UnknownRegisterName. */
static const struct reg_range ranges[] = {
	{ HV_REGISTER_INSTRUCTION_EMULATION_HINTS,
	  HV_REGISTER_INSTRUCTION_EMULATION_HINTS, HVSIM_REG_PLAIN,
	  "InstructionEmulationHints" },
	{ HV_REGISTER_INTERNAL_ACTIVITY_STATE,
	  HV_REGISTER_INTERNAL_ACTIVITY_STATE, HVSIM_REG_PLAIN,
	  "InternalActivityState" },
	{ HV_REGISTER_GUEST_CRASH_P0, HV_REGISTER_GUEST_CRASH_CTL,
	  HVSIM_REG_CRASH, NULL },
	{ HV_REGISTER_PENDING_INTERRUPTION, HV_REGISTER_PENDING_EVENT1,
	  HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_RAX, HV_REGISTER_R15, HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_RIP, HV_REGISTER_RIP, HVSIM_REG_PLAIN, "Rip" },
	{ HV_REGISTER_RFLAGS, HV_REGISTER_RFLAGS, HVSIM_REG_PLAIN, "Rflags" },
	{ HV_REGISTER_XMM(0), HV_REGISTER_XMM_CONTROL_STATUS, HVSIM_REG_PLAIN,
	  NULL },
	{ HV_REGISTER_CR0, HV_REGISTER_XFEM, HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_DR0, HV_REGISTER_DR7, HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_ES, HV_REGISTER_TR, HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_IDTR, HV_REGISTER_GDTR, HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_TSC, HV_REGISTER_MSR_MTRR_DEF_TYPE, HVSIM_REG_PLAIN,
	  NULL },
	{ HV_REGISTER_MSR_MTRR_PHYS_BASE(0), HV_REGISTER_MSR_MTRR_PHYS_BASE(15),
	  HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_MSR_MTRR_PHYS_MASK(0), HV_REGISTER_MSR_MTRR_PHYS_MASK(15),
	  HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_MSR_MTRR_FIX64K_00000, HV_REGISTER_MSR_MTRR_FIX4K_F8000,
	  HVSIM_REG_PLAIN, NULL },
	{ HV_REGISTER_VP_INDEX, HV_REGISTER_VP_INDEX, HVSIM_REG_READ_ONLY,
	  "VpIndex" },
	{ HV_REGISTER_VP_ASSIST_PAGE, HV_REGISTER_VP_ASSIST_PAGE,
	  HVSIM_REG_OVERLAY, "VpAssistPage" },
	{ HV_REGISTER_REGISTER_PAGE, HV_REGISTER_REGISTER_PAGE,
	  HVSIM_REG_OVERLAY, "RegisterPage" },
	{ HV_REGISTER_VSM_CODE_PAGE_OFFSETS, HV_REGISTER_VSM_CODE_PAGE_OFFSETS,
	  HVSIM_REG_READ_ONLY, "VsmCodePageOffsets" },
	{ HV_REGISTER_VSM_VP_STATUS, HV_REGISTER_VSM_PARTITION_STATUS,
	  HVSIM_REG_READ_ONLY, NULL },
	{ HV_REGISTER_VSM_CAPABILITIES, HV_REGISTER_VSM_CAPABILITIES,
	  HVSIM_REG_READ_ONLY, "VsmCapabilities" },
	{ HV_REGISTER_VSM_PARTITION_CONFIG, HV_REGISTER_VSM_PARTITION_CONFIG,
	  HVSIM_REG_PLAIN, "VsmPartitionConfig" },
};

static const struct reg_range *find(uint32_t name)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (name >= ranges[i].first && name <= ranges[i].last)
			return &ranges[i];
	return NULL;
}

enum hvsim_reg_class hvsim_reg_classify(uint32_t name)
{
	const struct reg_range *r = find(name);

	return r ? r->cls : HVSIM_REG_UNKNOWN;
}

const char *hvsim_reg_name(uint32_t name)
{
	const struct reg_range *r = find(name);

	return r && r->first == name ? r->name : NULL;
}

uint32_t hvsim_reg_by_name(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const char *n = ranges[i].name;
		size_t k = 0;

		if (!n)
			continue;
		while (k < len && n[k] && n[k] == s[k])
			k++;
		if (k == len && !n[k])
			return ranges[i].first;
	}
	return 0;
}

/* Architectural reset values; everything else resets to 0. */
struct hv_u128 hvsim_reg_default(uint32_t name)
{
	struct hv_u128 v = { 0, 0 };

	switch (name) {
	case HV_REGISTER_RFLAGS:
		v.low = X86_RFLAGS_FIXED;
		break;
	case HV_REGISTER_CR0:
		v.low = 0x60000010; /* CD, NW, ET */
		break;
	case HV_REGISTER_DR6:
		v.low = 0xFFFF0FF0;
		break;
	case HV_REGISTER_DR7:
		v.low = 0x400;
		break;
	case HV_REGISTER_PAT:
		v.low = 0x0007040600070406;
		break;
	case HV_REGISTER_MSR_MTRR_CAP:
		v.low = 0x508; /* WC, fixed ranges, 8 variable */
		break;
	default:
		break;
	}
	return v;
}

_Static_assert(HVSIM_REGFILE_MAX < 255 &&
		       HVSIM_REGFILE_BUCKETS >= 2 * HVSIM_REGFILE_MAX,
	       "bucket entries are slot + 1 in a byte; probes stay short");

static unsigned int bucket_of(uint32_t name)
{
	return (name * 2654435761u) >> 24; /* Fibonacci hashing, 8 bits */
}

/* The bucket that holds name, or the free one where it would go. */
static unsigned int find_bucket(const struct hvsim_regfile *rf, uint32_t name)
{
	unsigned int b = bucket_of(name);

	while (rf->bucket[b] && rf->slot[rf->bucket[b] - 1].name != name)
		b = (b + 1) % HVSIM_REGFILE_BUCKETS;
	return b;
}

struct hv_u128 hvsim_regfile_get(const struct hvsim_regfile *rf, uint32_t name)
{
	unsigned int b = find_bucket(rf, name);

	if (rf->bucket[b])
		return rf->slot[rf->bucket[b] - 1].value;
	return hvsim_reg_default(name);
}

bool hvsim_regfile_set(struct hvsim_regfile *rf, uint32_t name,
		       struct hv_u128 value)
{
	unsigned int b = find_bucket(rf, name);

	if (rf->bucket[b]) {
		rf->slot[rf->bucket[b] - 1].value = value;
		return true;
	}
	if (rf->count == HVSIM_REGFILE_MAX)
		return false;
	rf->slot[rf->count].name = name;
	rf->slot[rf->count].value = value;
	rf->bucket[b] = (uint8_t)(++rf->count);
	return true;
}

bool hvsim_overlay_value_valid(uint64_t value)
{
	/* Disabling (0) is always fine; otherwise bits 1-11 must be 0. */
	return !(value & 0xFFE);
}
