// SPDX-License-Identifier: MIT
/*
 * A stand-in for //sidecar:image while it is being written: an ET_DYN ELF
 * with the image's entry signature that reads SidecarParams, makes one
 * hypercall through the page it was given (GetVpRegisters of
 * VsmCodePageOffsets, input and output in node 0's memory) and fails the
 * boot with a message saying what it saw. It proves the boot shim (ELF
 * load, SidecarParams, the entry call) and the boot-error path; it starts
 * no CPU. Position independent, no relocations, no library calls.
 */
#include <stdbool.h>
#include <stdint.h>

#include "sidecar/defs.h"

bool mock_entry(uint64_t params_pa, uint64_t output_pa);

struct text {
	struct sidecar_command_error *e;
};

static void put(struct text *t, const char *s)
{
	while (*s && t->e->len < SIDECAR_ERROR_MAX_LEN)
		t->e->buf[t->e->len++] = (uint8_t)*s++;
}

static void put_num(struct text *t, uint64_t v, unsigned int base)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		put(t, "0x");
	while (n && t->e->len < SIDECAR_ERROR_MAX_LEN)
		t->e->buf[t->e->len++] = (uint8_t)tmp[--n];
}

static uint64_t hypercall(uint64_t page, uint64_t control, uint64_t in,
			  uint64_t out)
{
	register uint64_t r8 __asm__("r8") = out;
	uint64_t rax, rcx = control;

	__asm__ volatile("call *%[page]"
			 : "=a"(rax), "+c"(rcx)
			 : "d"(in), "r"(r8), [page] "r"(page)
			 : "memory", "cc");
	return rax;
}

bool mock_entry(uint64_t params_pa, uint64_t output_pa)
{
	const struct sidecar_params *p = (const void *)params_pa;
	struct sidecar_output *out = (void *)output_pa;
	struct text t = { &out->error };
	uint64_t in_pa, out_pa, rax, value = 0;
	struct hv_get_set_vp_registers *h;

	out->error.len = 0;
	put(&t, "mock image: ");
	put_num(&t, p->node_count, 10);
	put(&t, " nodes");
	if (!p->node_count || p->node_count > SIDECAR_MAX_NODES) {
		put(&t, " (nothing to do)");
		return false;
	}
	put(&t, ", node 0 vp_count ");
	put_num(&t, p->nodes[0].vp_count, 10);
	if (p->nodes[0].memory_size < 2 * SIDECAR_PAGE_SIZE) {
		put(&t, ", no memory for a hypercall");
		return false;
	}
	in_pa = p->nodes[0].memory_base;
	out_pa = in_pa + SIDECAR_PAGE_SIZE;
	h = (void *)in_pa;
	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = HV_VP_INDEX_SELF;
	h->target_vtl = HV_INPUT_VTL_CURRENT;
	h->rsvd[0] = h->rsvd[1] = h->rsvd[2] = 0;
	*(uint32_t *)(h + 1) = HV_REGISTER_VSM_CODE_PAGE_OFFSETS;
	rax = hypercall(p->hypercall_page,
			hv_hypercall_control(HV_CALL_GET_VP_REGISTERS, 1),
			in_pa, out_pa);
	value = *(const uint64_t *)out_pa;
	put(&t, ", GetVpRegisters status ");
	put_num(&t, rax & 0xffff, 16);
	put(&t, ", VTL return offset ");
	put_num(&t, hv_vsm_code_page_offsets_return(value), 16);
	return false;
}
