// SPDX-License-Identifier: MIT
/* Hypercalls through hvsim's page from the BSP (hvsim_call.h). */
#include <stdint.h>

#include <kernel/arch.h>

#include <hvsim/hvsim.h>

#include "hv/hypercall.h"
#include "hv/status.h"
#include "hvsim_call.h"

uint64_t hvsim_call_control(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	uint64_t page = hvsim_hypercall_page_pa(), flags = read_rflags();
	register uint64_t r8 __asm__("r8") = out_gpa;
	uint64_t rax;

	__asm__ volatile("cli; call *%[page]"
			 : "=a"(rax), "+c"(control), "+d"(in_gpa), "+r"(r8)
			 : [page] "r"(page)
			 : "memory", "cc");
	if (flags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
	return rax;
}

uint16_t hvsim_call(uint16_t code, uint16_t reps, uint64_t in_gpa,
		    uint64_t out_gpa)
{
	return hv_hypercall_output_status(hvsim_call_control(
		hv_hypercall_control(code, reps), in_gpa, out_gpa));
}

const char *hvsim_call_status_name(uint16_t status)
{
	const char *name = hv_status_name(status);

	return name ? name : "?";
}
