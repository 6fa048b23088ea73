// SPDX-License-Identifier: MIT
/*
 * Page tables. The image table is built once by the BSP and shared by
 * every VP (pd[0]); each VP's own table (pd[1]) maps only its pages. Data
 * is NX everywhere; text is read-only and executable, read-only data is
 * read-only NX, data and BSS are writable NX.
 */
#include "paging.h"

#include "cpu.h"
#include "vmem.h"

extern uint8_t __image_start[], __image_end[];
extern uint8_t __text_start[], __text_end[];
extern uint8_t __rodata_start[], __rodata_end[];
extern uint8_t __data_start[], __data_end[];

/* The image table and the BSP's own tables and hypercall pages. */
static uint64_t image_pt[512] __attribute__((aligned(4096)));
static uint64_t bsp_pdpt[512] __attribute__((aligned(4096)));
static uint64_t bsp_pd[512] __attribute__((aligned(4096)));
static uint64_t bsp_pt[512] __attribute__((aligned(4096)));
/* The BSP's own stack, at the same address as an AP's (vmem.h). */
static uint8_t bsp_stack[SIDECAR_STACK_PAGES][4096]
	__attribute__((aligned(4096)));
uint8_t sc_bsp_hcall_in[4096] __attribute__((aligned(4096)));
uint8_t sc_bsp_hcall_out[4096] __attribute__((aligned(4096)));

struct sc_image_state sc_image;

/* Runs at the load address, before the switch: addresses are physical. */
static uint64_t image_page_flags(uint64_t off)
{
	uint64_t text = (uint64_t)(__text_end - __image_start);
	uint64_t rodata = (uint64_t)(__rodata_end - __image_start);

	if (off < text)
		return SC_PTE_P;
	if (off < rodata)
		return SC_PTE_P | SC_PTE_NX;
	return SC_PTE_DATA;
}

/*
 * Called at the load address through the identity map: builds the image
 * table and the BSP's tables (its hypercall pages and its stack, with the
 * guard slot below it left empty), and plugs them into the caller's PML4
 * slot 511. Returns the entry it replaced, for sc_bsp_unmap_image().
 */
uint64_t sc_bsp_map_image(uint64_t image_pa)
{
	uint64_t size = (uint64_t)(__image_end - __image_start);
	uint64_t *pml4 = (uint64_t *)(read_cr3() & SC_PTE_ADDR_MASK);
	uint64_t old;

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t off = (uint64_t)i * SC_PAGE_SIZE;

		image_pt[i] = off < size ?
				      (image_pa + off) | image_page_flags(off) :
				      0;
		bsp_pdpt[i] = 0;
		bsp_pd[i] = 0;
		bsp_pt[i] = 0;
	}
	bsp_pt[SC_SLOT_HCALL_IN] = (uint64_t)sc_bsp_hcall_in | SC_PTE_DATA;
	bsp_pt[SC_SLOT_HCALL_OUT] = (uint64_t)sc_bsp_hcall_out | SC_PTE_DATA;
	for (unsigned int i = 0; i < SIDECAR_STACK_PAGES; i++)
		bsp_pt[SC_SLOT_STACK + i] = (uint64_t)bsp_stack[i] |
					    SC_PTE_DATA;
	bsp_pd[0] = (uint64_t)image_pt | SC_PTE_TABLE;
	bsp_pd[1] = (uint64_t)bsp_pt | SC_PTE_TABLE;
	bsp_pdpt[0] = (uint64_t)bsp_pd | SC_PTE_TABLE;

	old = pml4[511];
	pml4[511] = (uint64_t)bsp_pdpt | SC_PTE_TABLE;
	write_cr3(read_cr3());
	return old;
}

/* Called at the load address again, on the way out. */
void sc_bsp_unmap_image(uint64_t old)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & SC_PTE_ADDR_MASK);

	pml4[511] = old;
	write_cr3(read_cr3());
}

/* The BSP's view of its tables once it runs at the high address. */
void sc_bsp_cpu_init(struct sc_cpu *cpu)
{
	cpu->self = cpu;
	cpu->is_bsp = true;
	cpu->hcall_in = (void *)SC_VP_VA(SC_SLOT_HCALL_IN);
	cpu->hcall_out = (void *)SC_VP_VA(SC_SLOT_HCALL_OUT);
	cpu->hcall_in_pa = sc_image_va_to_pa(sc_bsp_hcall_in);
	cpu->hcall_out_pa = sc_image_va_to_pa(sc_bsp_hcall_out);
	cpu->temp_pte = &bsp_pt[SC_SLOT_TEMP];
	cpu->temp_va = SC_VP_VA(SC_SLOT_TEMP);
	cpu->crash_msg_pa = sc_image_va_to_pa(cpu->crash_msg);
	sc_image.image_pt_pa = sc_image_va_to_pa(image_pt);
}

void *sc_temp_map(struct sc_cpu *cpu, uint64_t pa)
{
	*cpu->temp_pte = (pa & SC_PTE_ADDR_MASK) | SC_PTE_DATA;
	invlpg(cpu->temp_va);
	return (void *)cpu->temp_va;
}

static uint64_t *temp_map_zeroed(struct sc_cpu *cpu, uint64_t pa)
{
	uint64_t *t = sc_temp_map(cpu, pa);

	__builtin_memset(t, 0, SC_PAGE_SIZE);
	return t;
}

void sc_build_vp_tables(struct sc_cpu *cpu, const struct sc_vp_layout *l,
			uint64_t control_pa)
{
	uint64_t *t;

	t = temp_map_zeroed(cpu, l->pml4_pa);
	t[511] = l->pdpt_pa | SC_PTE_TABLE;
	t = temp_map_zeroed(cpu, l->pdpt_pa);
	t[0] = l->pd_pa | SC_PTE_TABLE;
	t = temp_map_zeroed(cpu, l->pd_pa);
	t[0] = sc_image.image_pt_pa | SC_PTE_TABLE;
	t[1] = l->pt_pa | SC_PTE_TABLE;

	t = temp_map_zeroed(cpu, l->pt_pa);
	t[SC_SLOT_PT_SELF] = l->pt_pa | SC_PTE_DATA;
	t[SC_SLOT_HCALL_IN] = l->hcall_input_pa | SC_PTE_DATA;
	t[SC_SLOT_HCALL_OUT] = l->hcall_output_pa | SC_PTE_DATA;
	t[SC_SLOT_COMMAND] = l->command_pa | SC_PTE_DATA;
	t[SC_SLOT_GLOBALS] = l->globals_pa | SC_PTE_DATA;
	t[SC_SLOT_ASSIST] = l->assist_pa | SC_PTE_DATA;
	t[SC_SLOT_CONTROL] = control_pa | SC_PTE_DATA;
	t[SC_SLOT_REGISTER] = l->register_pa | SC_PTE_DATA;
	for (unsigned int i = 0; i < SIDECAR_STACK_PAGES; i++)
		t[SC_SLOT_STACK + i] = (l->stack_pa + i * SC_PAGE_SIZE) |
				       SC_PTE_DATA;
}
