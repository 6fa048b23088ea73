// SPDX-License-Identifier: MIT
/*
 * What Hyper-V refuses when a VMM sets a lower VTL's architectural
 * register: values the CPU could not hold (non-canonical RIP, reserved
 * bits, contradictory control bits). A refused value changes nothing.
 */
#include "hvsim/core.h"

/* CR4 bits an x86-64 CPU defines (VME ... PKS); 15 and 25+ are reserved. */
#define CR4_DEFINED 0x01FF7FFFull
/* EFER: SCE, LME, LMA, NXE, LMSLE, FFXSR, TCE; SVME is not VTL0's. */
#define EFER_DEFINED 0xED01ull
/* RFLAGS: 1, 3, 5, 15 and 22-63 are reserved (bit 1 reads as 1). */
#define RFLAGS_DEFINED 0x3F7FD7ull

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static bool pat_valid(uint64_t pat)
{
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

uint16_t hvsim_vtl0_value_check(uint32_t name, struct hv_u128 v,
				uint32_t maxphyaddr)
{
	uint64_t x = v.low;
	bool ok = true;

	switch (name) {
	case HV_REGISTER_RIP:
		ok = canonical(x);
		break;
	case HV_REGISTER_RFLAGS:
		ok = !(x & ~RFLAGS_DEFINED) && (x & X86_RFLAGS_FIXED);
		break;
	case HV_REGISTER_CR0:
		ok = !(x >> 32) && !((x & X86_CR0_PG) && !(x & X86_CR0_PE)) &&
		     !((x & HV_BIT64(29)) && !(x & HV_BIT64(30)));
		break;
	case HV_REGISTER_CR3:
		ok = maxphyaddr >= 64 || !((x & ~HV_BIT64(63)) >> maxphyaddr);
		break;
	case HV_REGISTER_CR4:
		ok = !(x & ~CR4_DEFINED);
		break;
	case HV_REGISTER_CR8:
		ok = x < 16;
		break;
	case HV_REGISTER_EFER:
		ok = !(x & ~EFER_DEFINED);
		break;
	case HV_REGISTER_DR6:
	case HV_REGISTER_DR7:
		ok = !(x >> 32);
		break;
	case HV_REGISTER_PAT:
		ok = pat_valid(x);
		break;
	default:
		break;
	}
	return ok ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_PARAMETER;
}
