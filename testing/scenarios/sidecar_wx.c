// SPDX-License-Identifier: MIT
/*
 * scenario=w-x: boot the sidecar (node memory pattern-filled, see
 * sidecar_guard.c), then walk every IDLE VP's page tables from the CR3
 * hvsim recorded at StartVirtualProcessor and check the least-privilege
 * rules of docs/DESIGN.md §4: nothing W+X, nothing user, 4 KiB pages
 * only, nothing outside the image window and the VP's own window; the
 * image window exactly the ELF's segments with their rights, through one
 * table that every VP shares; the VP window exactly the DESIGN slots
 * (the temporary slot at most besides), data pages RW+NX, the stack guard
 * unmapped; and the pages a VP's tables use are its own PER_VP_PAGES
 * plus its two shared pages, inside sidecar_required_memory(). The
 * BSP's own map during the entry (hvsim saw it with every hypercall):
 * its hypercall pages and its stack inside the image, the guard below the
 * stack unmapped, nothing else in its window, and the BSP's RSP on that
 * stack.
 */
#include <stdint.h>

#include <kernel/printf.h>
#include <kernel/pvh.h>
#include <kernel/direct_map.h>
#include <kernel/string.h>

#include <hvsim/core.h>
#include <hvsim/hvsim.h>

#include "scenarios.h"
#include "sidecar_boot.h"
#include "sidecar_wx_image.h"

#define CHECK(ok, ...) scenario_check(env->result, (ok), __VA_ARGS__)
#define PAGE_MASK (~(WX_PAGE - 1))
#define MAX_PRIVATE_PAGES (64 * SIDECAR_PER_VP_PAGES) /* per node */

/* What one walk of one VP's tables found. */
struct space {
	const struct scenario_env *env;
	uint32_t vp;
	uint64_t image_pa;
	/* The VP window, by slot. */
	bool present[512];
	uint64_t pa[512];
	uint32_t rights[512];
	uint64_t tables[4]; /* PML4, PDPT, PD, PT of the VP window */
	/* The image window. */
	uint32_t image_pages, text_pages, bad_image;
	uint64_t image_pt, image_hash;
	uint32_t stray, wx, odd;
};

static struct space sp;
static struct sidecar_boot boot;
static uint64_t first_image_pt, first_image_hash;
static uint32_t hashed_vps;
static uint8_t used[MAX_PRIVATE_PAGES];

static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ull;
	return h;
}

/* RAM as the kernel sees it: a guest, without hvsim's memory mapped. */
static void *kernel_phys(uint64_t pa, uint64_t len)
{
	if (!direct_mapped(pa, len) || !pvh_is_ram(pa, len))
		return NULL;
	return (void *)(uintptr_t)pa;
}

static void image_leaf(struct space *s, const struct hvsim_mapping *m)
{
	const struct scenario_env *env = s->env;
	const char *why = NULL;
	uint64_t pt = m->entry_pa[3] & PAGE_MASK;

	s->image_pages++;
	s->text_pages += !(m->rights & HVSIM_MAP_NX);
	if (!s->image_pt)
		s->image_pt = pt;
	if (!wx_image_page_ok(m, s->image_pa, &why) || pt != s->image_pt) {
		if (!s->bad_image++)
			CHECK(false, "VP %u: image page va 0x%lx pa 0x%lx: %s",
			      s->vp, m->va, m->pa,
			      why ? why : "through another table");
	}
	s->image_hash = fnv(fnv(fnv(s->image_hash, m->va), m->pa), m->rights);
}

static void visit(const struct hvsim_mapping *m, void *arg)
{
	struct space *s = arg;
	const struct scenario_env *env = s->env;

	if (m->size != WX_PAGE || (m->rights & HVSIM_MAP_U))
		if (!s->odd++)
			CHECK(false, "VP %u: va 0x%lx: size 0x%lx rights 0x%x",
			      s->vp, m->va, m->size, m->rights);
	if ((m->rights & HVSIM_MAP_W) && !(m->rights & HVSIM_MAP_NX))
		s->wx++;
	if (m->va >= WX_VA_IMAGE && m->va < WX_VA_VP) {
		image_leaf(s, m);
	} else if (m->va >= WX_VA_VP && m->va < WX_VA_VP + WX_WINDOW) {
		uint32_t slot = (uint32_t)((m->va - WX_VA_VP) / WX_PAGE);

		s->present[slot] = true;
		s->pa[slot] = m->pa;
		s->rights[slot] = m->rights;
		for (int i = 0; i < 4; i++)
			s->tables[i] = m->entry_pa[i] & PAGE_MASK;
	} else if (!s->stray++) {
		CHECK(false,
		      "VP %u: va 0x%lx (pa 0x%lx) is outside the image "
		      "and VP windows",
		      s->vp, m->va, m->pa);
	}
}

/* A private page of VP idx: inside the node's private range, once. */
static void private_page(const struct scenario_env *env,
			 const struct sd_node *n, uint32_t idx,
			 const char *what, uint64_t pa)
{
	uint64_t lo = (uint64_t)(uintptr_t)n->shmem +
		      n->cpu_count * sizeof(struct sidecar_vp_shared_pages);
	uint64_t hi = (uint64_t)(uintptr_t)n->control +
		      sidecar_required_memory(n->cpu_count);
	uint64_t page = (pa - lo) / WX_PAGE;

	if (!CHECK(pa >= lo && pa < hi && page < MAX_PRIVATE_PAGES,
		   "VP %u: %s page 0x%lx outside the node's private pages "
		   "[0x%lx, 0x%lx)",
		   n->base_cpu + idx, what, pa, lo, hi))
		return;
	CHECK(!used[page]++, "VP %u: %s page 0x%lx used twice in node %u",
	      n->base_cpu + idx, what, pa, n->index);
}

static const char *slot_name(uint32_t slot)
{
	static const char *const names[8] = {
		"page-table self map",
		"hypercall input",
		"hypercall output",
		"command",
		"globals",
		"assist",
		"control",
		"register",
	};

	if (slot < 8)
		return names[slot];
	if (slot == WX_SLOT_TEMP)
		return "temporary map";
	if (slot == WX_SLOT_STACK_GUARD)
		return "stack guard";
	if (slot >= WX_SLOT_STACK)
		return "stack";
	return "no";
}

static bool slot_expected(uint32_t slot)
{
	return slot < 8 || slot >= WX_SLOT_STACK;
}

/*
 * DESIGN allows the temporary slot; say where a VP left it pointing (the
 * fan-out uses it to build other VPs' pages), so a change shows in logs.
 */
static void print_temp(const struct sd_node *n, uint32_t vp, uint64_t pa)
{
	uint64_t lo = (uint64_t)(uintptr_t)n->shmem +
		      n->cpu_count * sizeof(struct sidecar_vp_shared_pages);
	uint64_t page = (pa - lo) / WX_PAGE;

	if (pa >= lo && page < (uint64_t)n->cpu_count * SIDECAR_PER_VP_PAGES)
		printf("wx: VP %u: temporary map left on VP %lu's private "
		       "page %lu (pa 0x%lx)\n",
		       vp, n->base_cpu + page / SIDECAR_PER_VP_PAGES,
		       page % SIDECAR_PER_VP_PAGES, pa);
	else
		printf("wx: VP %u: temporary map left on pa 0x%lx\n", vp, pa);
}

static void check_vp_window(const struct scenario_env *env, struct sd_node *n,
			    uint32_t idx)
{
	uint32_t vp = n->base_cpu + idx;
	const struct sidecar_vp_shared_pages *mine = sd_node_vp_pages(n, vp);

	for (uint32_t slot = 0; slot < 512; slot++) {
		if (slot == WX_SLOT_TEMP && sp.present[slot]) {
			print_temp(n, vp, sp.pa[slot]);
		} else if (sp.present[slot] != slot_expected(slot)) {
			CHECK(false, "VP %u: slot %u (%s) is %s", vp, slot,
			      slot_name(slot),
			      sp.present[slot] ? "mapped" : "not mapped");
			continue;
		}
		if (sp.present[slot])
			CHECK(sp.rights[slot] == (HVSIM_MAP_W | HVSIM_MAP_NX),
			      "VP %u: slot %u (%s) rights 0x%x, not RW+NX", vp,
			      slot, slot_name(slot), sp.rights[slot]);
	}
	CHECK(!sp.present[WX_SLOT_STACK_GUARD],
	      "VP %u: the stack guard slot %u is mapped", vp,
	      WX_SLOT_STACK_GUARD);
	CHECK(sp.pa[WX_SLOT_PT_SELF] == sp.tables[3],
	      "VP %u: slot 0 maps 0x%lx, its page table is 0x%lx", vp,
	      sp.pa[WX_SLOT_PT_SELF], sp.tables[3]);
	CHECK(sp.pa[WX_SLOT_COMMAND] == (uintptr_t)&mine->command_page &&
		      sp.pa[WX_SLOT_REGISTER] ==
			      (uintptr_t)&mine->register_page,
	      "VP %u: command/register slots map 0x%lx/0x%lx, not its "
	      "shared pages 0x%lx",
	      vp, sp.pa[WX_SLOT_COMMAND], sp.pa[WX_SLOT_REGISTER],
	      (uint64_t)(uintptr_t)mine);
	CHECK(sp.pa[WX_SLOT_CONTROL] == (uintptr_t)n->control,
	      "VP %u: control slot maps 0x%lx, not node %u's 0x%lx", vp,
	      sp.pa[WX_SLOT_CONTROL], n->index,
	      (uint64_t)(uintptr_t)n->control);

	/* PER_VP_PAGES: four tables (the PT is slot 0) and seven slots. */
	private_page(env, n, idx, "PML4", sp.tables[0]);
	private_page(env, n, idx, "PDPT", sp.tables[1]);
	private_page(env, n, idx, "PD", sp.tables[2]);
	private_page(env, n, idx, "PT", sp.tables[3]);
	for (uint32_t slot = 1; slot < 512; slot++)
		if (sp.present[slot] && slot != WX_SLOT_COMMAND &&
		    slot != WX_SLOT_CONTROL && slot != WX_SLOT_REGISTER &&
		    slot != WX_SLOT_TEMP)
			private_page(env, n, idx, slot_name(slot), sp.pa[slot]);
}

static void check_vp(const struct scenario_env *env, struct sd_node *n,
		     uint32_t idx, uint32_t want_pages, uint32_t want_text)
{
	const struct hvsim_vp_record *r = hvsim_vp_record(n->base_cpu + idx);
	uint32_t vp = n->base_cpu + idx, unreadable;

	memset(&sp, 0, sizeof(sp));
	sp.env = env;
	sp.vp = vp;
	sp.image_pa = boot.image.base;
	sp.image_hash = 0xcbf29ce484222325ull;
	unreadable = hvsim_pt_walk_with(r->cr3, true, kernel_phys, visit, &sp);
	CHECK(unreadable == 0, "VP %u: %u page tables outside RAM", vp,
	      unreadable);
	CHECK(sp.wx == 0, "VP %u: %u pages writable and executable", vp, sp.wx);
	CHECK(sp.tables[0] == r->cr3, "VP %u: VP window not under CR3 0x%lx",
	      vp, r->cr3);
	CHECK(sp.image_pages == want_pages && sp.text_pages == want_text,
	      "VP %u: image window maps %u pages (%u executable), the ELF has "
	      "%u (%u text)",
	      vp, sp.image_pages, sp.text_pages, want_pages, want_text);
	/* The image's table lives in the image and is the same for all. */
	CHECK(sp.image_pt >= boot.image.base &&
		      sp.image_pt < boot.image.base + WX_WINDOW,
	      "VP %u: image table 0x%lx is not the image's", vp, sp.image_pt);
	if (!hashed_vps++) {
		first_image_pt = sp.image_pt;
		first_image_hash = sp.image_hash;
	}
	CHECK(sp.image_pt == first_image_pt &&
		      sp.image_hash == first_image_hash,
	      "VP %u: image window differs from the first VP's", vp);
	check_vp_window(env, n, idx);
}

static void check_node(const struct scenario_env *env, struct sd_node *n,
		       uint32_t want_pages, uint32_t want_text)
{
	const struct sidecar_node_params *np = &boot.params->nodes[n->index];
	uint32_t vps = 0, pages = 0;

	memset(used, 0, sizeof(used));
	CHECK(n->cpu_count * SIDECAR_PER_VP_PAGES <= MAX_PRIVATE_PAGES,
	      "node %u: %u VPs, the check handles %u", n->index, n->cpu_count,
	      MAX_PRIVATE_PAGES / SIDECAR_PER_VP_PAGES);
	for (uint32_t j = 1; j < n->cpu_count; j++) {
		/* IDLE after boot: the driver has it AVAIL. */
		if (!sidecar_vp_usable(&boot, n->base_cpu + j))
			continue;
		check_vp(env, n, j, want_pages, want_text);
		vps++;
	}
	for (uint32_t i = 0; i < MAX_PRIVATE_PAGES; i++)
		pages += used[i] != 0;
	CHECK(pages == vps * SIDECAR_PER_VP_PAGES,
	      "node %u: %u private pages for %u VPs, expected %u each",
	      n->index, pages, vps, SIDECAR_PER_VP_PAGES);
	printf("wx: node %u: 1 control page + %u VPs x (%u shared + %u "
	       "private) pages in [0x%lx, 0x%lx), required 0x%lx of 0x%lx\n",
	       n->index, vps, SIDECAR_PER_VP_SHMEM_PAGES, SIDECAR_PER_VP_PAGES,
	       np->memory_base,
	       np->memory_base + sidecar_required_memory(n->cpu_count),
	       sidecar_required_memory(n->cpu_count), np->memory_size);
}

/*
 * How deep the BSP's stack went: the image zeroed it with its BSS, so the
 * lowest non-zero byte of slots 509-511 is the high-water mark.
 */
static uint64_t bsp_stack_used(void)
{
	uint64_t used = 0;

	for (uint32_t slot = WX_SLOT_STACK; slot < 512; slot++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)sp.pa[slot];
		uint32_t i = 0;

		if (!sp.present[slot])
			continue;
		while (i < WX_PAGE && !p[i])
			i++;
		if (i < WX_PAGE) {
			used = (512 - slot) * WX_PAGE - i;
			break;
		}
	}
	return used;
}

/* A PML4 holding only the BSP's slot 511, for the walk. */
static uint64_t bsp_pml4[512] __attribute__((aligned(4096)));

static void check_bsp(const struct scenario_env *env, uint32_t want_pages,
		      uint32_t want_text)
{
	uint64_t image_end = boot.image.base + boot.image.size;
	uint64_t rsp = hvsim_vp_record(hvsim_bsp())->call_rsp;

	memset(&sp, 0, sizeof(sp));
	sp.env = env;
	sp.vp = hvsim_bsp();
	sp.image_pa = boot.image.base;
	bsp_pml4[511] = hvsim_vp_record(hvsim_bsp())->call_slot511;
	hvsim_pt_walk_with((uintptr_t)bsp_pml4, true, kernel_phys, visit, &sp);
	CHECK(sp.wx == 0 && sp.image_pages == want_pages &&
		      sp.text_pages == want_text,
	      "BSP: image window maps %u pages (%u executable, %u W+X), the "
	      "ELF has %u (%u text)",
	      sp.image_pages, sp.text_pages, sp.wx, want_pages, want_text);
	for (uint32_t slot = 0; slot < 512; slot++) {
		bool want = slot == WX_SLOT_HCALL_IN ||
			    slot == WX_SLOT_HCALL_OUT || slot >= WX_SLOT_STACK;

		if (slot == WX_SLOT_TEMP && sp.present[slot])
			continue;
		if (!CHECK(sp.present[slot] == want, "BSP: slot %u (%s) is %s",
			   slot, slot_name(slot),
			   sp.present[slot] ? "mapped" : "not mapped") ||
		    !want)
			continue;
		CHECK(sp.rights[slot] == (HVSIM_MAP_W | HVSIM_MAP_NX) &&
			      sp.pa[slot] >= boot.image.base &&
			      sp.pa[slot] < image_end,
		      "BSP: slot %u (%s) maps 0x%lx rights 0x%x, not RW+NX in "
		      "the image",
		      slot, slot_name(slot), sp.pa[slot], sp.rights[slot]);
	}
	CHECK(rsp > WX_VA_VP + WX_SLOT_STACK * WX_PAGE &&
		      rsp <= WX_VA_VP + WX_WINDOW,
	      "BSP: RSP 0x%lx at its hypercalls is not on its own stack "
	      "(slots %u-511)",
	      rsp, WX_SLOT_STACK);
	printf("wx: BSP: stack slots %u-511 in the image, guard slot %u %s, "
	       "RSP 0x%lx at its last hypercall, %lu bytes used at most\n",
	       WX_SLOT_STACK, WX_SLOT_STACK_GUARD,
	       sp.present[WX_SLOT_STACK_GUARD] ? "mapped" : "unmapped", rsp,
	       bsp_stack_used());
}

int scenario_wx(const struct scenario_env *env)
{
	uint32_t pages, text;

	if (!sidecar_boot(env, &boot))
		return env->result->failures ? -1 : 0;
	wx_read_segments();
	pages = wx_image_pages(&text);
	check_bsp(env, pages, text);
	for (uint32_t i = 0; i < boot.nr_nodes; i++)
		check_node(env, &boot.nodes[i], pages, text);
	shim_platform_stop();
	printf("wx: %u VPs walked, image window %u pages (%u text), one "
	       "shared image table at 0x%lx\n",
	       hashed_vps, pages, text, first_image_pt);
	CHECK(hashed_vps == env->result->booted, "walked %u of %u VPs",
	      hashed_vps, env->result->booted);
	return env->result->failures ? -1 : 0;
}
