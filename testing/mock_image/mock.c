// SPDX-License-Identifier: MIT
/*
 * A stand-in for //sidecar:image while it is being written: an ET_DYN ELF
 * with the image's entry signature that reads SidecarParams, makes one
 * hypercall through the page it was given (GetVpRegisters of
 * VsmCodePageOffsets, input and output in node 0's memory, which it maps
 * itself in PML4 slot 511: the caller's identity map does not reach it)
 * and fails the boot with a message saying what it saw. It proves the boot
 * shim (ELF load, SidecarParams, the entry call) and the boot-error path;
 * it starts no CPU. Position independent, no relocations, no library
 * calls.
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

#define PTE_P_RW 0x3ull
#define SLOT511_VA 0xffffff8000000000ull

/* BSS: the loader may leave stale data, so map_node zeroes what it uses. */
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));

static uint64_t *caller_pml4(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	return (uint64_t *)(cr3 & ~0xfffull);
}

static void reload_cr3(void)
{
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3"
			 :
			 :
			 : "rax", "memory");
}

/* Two pages at pa, at SLOT511_VA; returns the slot's old entry. */
static uint64_t map_node(uint64_t pa)
{
	uint64_t *pml4 = caller_pml4(), old = pml4[511];

	for (int i = 0; i < 512; i++)
		pdpt[i] = pd[i] = pt[i] = 0;
	pt[0] = pa | PTE_P_RW;
	pt[1] = (pa + SIDECAR_PAGE_SIZE) | PTE_P_RW;
	pd[0] = (uint64_t)pt | PTE_P_RW;
	pdpt[0] = (uint64_t)pd | PTE_P_RW;
	pml4[511] = (uint64_t)pdpt | PTE_P_RW;
	reload_cr3();
	return old;
}

static void unmap_node(uint64_t old)
{
	caller_pml4()[511] = old;
	reload_cr3();
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
	uint64_t in_pa, out_pa, rax, value = 0, slot511;
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
	slot511 = map_node(in_pa);
	h = (void *)SLOT511_VA;
	h->partition_id = HV_PARTITION_ID_SELF;
	h->vp_index = HV_VP_INDEX_SELF;
	h->target_vtl = HV_INPUT_VTL_CURRENT;
	h->rsvd[0] = h->rsvd[1] = h->rsvd[2] = 0;
	*(uint32_t *)(h + 1) = HV_REGISTER_VSM_CODE_PAGE_OFFSETS;
	rax = hypercall(p->hypercall_page,
			hv_hypercall_control(HV_CALL_GET_VP_REGISTERS, 1),
			in_pa, out_pa);
	value = *(const uint64_t *)(SLOT511_VA + SIDECAR_PAGE_SIZE);
	unmap_node(slot511);
	put(&t, ", GetVpRegisters status ");
	put_num(&t, rax & 0xffff, 16);
	put(&t, ", VTL return offset ");
	put_num(&t, hv_vsm_code_page_offsets_return(value), 16);
	return false;
}
