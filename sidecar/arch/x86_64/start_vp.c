// SPDX-License-Identifier: MIT
#include "start_vp.h"

#include "hypercall.h"
#include "log.h"
#include "cpu.h"
#include "paging.h"
#include "sidecar/core/fanout.h"
#include "vmem.h"

extern uint8_t sc_idt[4096];
extern uint64_t sc_gdt[4];
void sc_ap_entry(void);

#define SEL_CODE 0x10
#define SEL_DATA 0x18
#define TSS_LIMIT (sizeof(struct sc_tss) - 1)
#define TSS_AVAILABLE 0x9 /* 64-bit TSS, not busy */
#define TSS_BUSY 0xb

/* The VP's globals page seen from the VP: where its GDT and TSS are. */
#define VP_GLOBAL_VA(field) \
	(SC_VP_VA(SC_SLOT_GLOBALS) + __builtin_offsetof(struct sc_cpu, field))

/* hv_facts §9, with CR0.WP added so read-only pages bind the kernel too. */
static void initial_context(struct hv_initial_vp_context_x64 *c,
			    uint64_t pml4_pa)
{
	const struct hv_x64_segment_register data = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = SEL_DATA,
		.attributes = 0xc093,
	};

	__builtin_memset(c, 0, sizeof(*c));
	c->rip = (uint64_t)sc_ap_entry;
	c->rsp = SC_VA_STACK_TOP - 8;
	c->rflags = X86_RFLAGS_FIXED;
	c->cs = (struct hv_x64_segment_register){
		.base = 0,
		.limit = 0xffffffff,
		.selector = SEL_CODE,
		.attributes = 0xa09b,
	};
	c->ds = c->es = c->fs = c->gs = c->ss = data;
	c->tr = (struct hv_x64_segment_register){
		.base = VP_GLOBAL_VA(tss),
		.limit = TSS_LIMIT,
		.selector = SC_SEL_TSS,
		.attributes = 0x80 | TSS_BUSY,
	};
	c->idtr.base = (uint64_t)sc_idt;
	c->idtr.limit = 256 * 16 - 1;
	c->gdtr.base = VP_GLOBAL_VA(gdt);
	c->gdtr.limit = SC_GDT_ENTRIES * 8 - 1;
	c->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	c->cr0 = X86_CR0_PE | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	c->cr3 = pml4_pa;
	c->cr4 = X86_CR4_PAE | X86_CR4_MCE | X86_CR4_OSFXSR;
	c->msr_cr_pat = 0x0007040600070406ull;
}

/*
 * The VP's GDT (the image's code and data descriptors plus its own TSS)
 * and TSS, whose IST1 is the top of the VP's stack: the #DF gate uses it,
 * so an overflow into the stack guard is reported instead of becoming a
 * triple fault. The overflowed frames it overwrites are dead anyway.
 */
static void init_tss(struct sc_cpu *g)
{
	uint64_t base = VP_GLOBAL_VA(tss);

	for (unsigned int i = 0; i < 4; i++)
		g->gdt[i] = sc_gdt[i];
	g->gdt[4] = (TSS_LIMIT & 0xffff) | (base & 0xffffff) << 16 |
		    (uint64_t)(0x80 | TSS_AVAILABLE) << 40 |
		    (uint64_t)(TSS_LIMIT >> 16 & 0xf) << 48 |
		    (base >> 24 & 0xff) << 56;
	g->gdt[5] = base >> 32;
	g->tss.ist[0] = SC_VA_STACK_TOP;
	g->tss.iomap_base = sizeof(struct sc_tss); /* no I/O bitmap */
}

/* The new VP's struct sc_cpu, as it will see it through its own tables. */
static void init_globals(struct sc_cpu *cpu, struct sc_node *node,
			 uint32_t index, const struct sc_vp_layout *l)
{
	struct sc_cpu *g = sc_temp_map(cpu, l->globals_pa);

	__builtin_memset(g, 0, SC_PAGE_SIZE);
	g->self = (struct sc_cpu *)SC_VP_VA(SC_SLOT_GLOBALS);
	g->is_bsp = false;
	g->start_depth = cpu->start_depth + 1;
	g->vp_index = node->base_vp + index;
	g->node = node->index;
	g->node_cpu_index = index;
	g->layout = *l;
	g->hcall_in = (void *)SC_VP_VA(SC_SLOT_HCALL_IN);
	g->hcall_out = (void *)SC_VP_VA(SC_SLOT_HCALL_OUT);
	g->hcall_in_pa = l->hcall_input_pa;
	g->hcall_out_pa = l->hcall_output_pa;
	g->pt = (volatile uint64_t *)SC_VP_VA(SC_SLOT_PT_SELF);
	g->temp_pte = g->pt + SC_SLOT_TEMP;
	g->temp_va = SC_VP_VA(SC_SLOT_TEMP);
	g->control = (struct sidecar_control_page *)SC_VP_VA(SC_SLOT_CONTROL);
	g->command = (struct sidecar_command_page *)SC_VP_VA(SC_SLOT_COMMAND);
	g->assist = (struct hv_vp_assist_page *)SC_VP_VA(SC_SLOT_ASSIST);
	g->register_page = (void *)SC_VP_VA(SC_SLOT_REGISTER);
	g->vp_state.dr6_shared = sc_image.dr6_shared;
	g->crash_msg_pa = l->globals_pa +
			  (uint64_t)((char *)&g->crash_msg[0] - (char *)g);
	init_tss(g);
}

static void mark_removed(struct sc_cpu *cpu, struct sc_node *node,
			 uint32_t index)
{
	struct sidecar_control_page *cp =
		sc_temp_map(cpu, node->layout.control_pa);
	uint8_t expected = SIDECAR_CPU_STATUS_RUN;

	sidecar_cpu_status_cas(cp, index, &expected,
			       SIDECAR_CPU_STATUS_REMOVED);
}

bool sc_start_vp(struct sc_cpu *cpu, struct sc_node *node, uint32_t index,
		 struct sc_vp_layout *layout)
{
	struct hv_initial_vp_context_x64 ctx;
	uint32_t vp = node->base_vp + index;
	const char *call;
	uint16_t status;

	sc_vp_layout(&node->layout, index, layout);
	sc_build_vp_tables(cpu, layout, node->layout.control_pa);
	init_globals(cpu, node, index, layout);
	initial_context(&ctx, layout->pml4_pa);

	call = "HvCallEnableVpVtl";
	status = sc_hv_enable_vp_vtl(cpu, vp, &ctx);
	if (status == HV_STATUS_VTL_ALREADY_ENABLED)
		status = HV_STATUS_SUCCESS;
	if (status == HV_STATUS_SUCCESS) {
		call = "HvCallStartVirtualProcessor";
		status = sc_hv_start_vp(cpu, vp, &ctx);
	}
	if (status != HV_STATUS_SUCCESS) {
		mark_removed(cpu, node, index);
		sc_report(cpu,
			  "failed to start VP %u (node %u cpu %u): %s: "
			  "status 0x%x (%s)",
			  vp, node->index, index, call, status,
			  sc_hv_status_text(status));
		return false;
	}
	sc_log(cpu, "started VP %u (node %u cpu %u)", vp, node->index, index);
	return true;
}

/*
 * How long a starter waits for its new VP to come online before it claims
 * the next index anyway: a bound, so a slow or lost VP only costs time.
 */
#define ONLINE_WAIT_CYCLES (256ull * 1000 * 1000)

/* The VP at `globals_pa` has reached sc_ap_main (or the bound passed). */
static void wait_online(struct sc_cpu *cpu, uint64_t globals_pa)
{
	uint64_t start = rdtsc();
	const struct sc_cpu *g = sc_temp_map(cpu, globals_pa);

	while (!__atomic_load_n(&g->online, __ATOMIC_ACQUIRE) &&
	       rdtsc() - start < ONLINE_WAIT_CYCLES)
		cpu_relax();
}

/* ceil(log2(n)): the depth of a binomial tree of n nodes. */
static uint32_t log2_ceil(uint32_t n)
{
	uint32_t l = 0;

	while ((1ull << l) < n)
		l++;
	return l;
}

/*
 * How many VPs a CPU at `depth` may start in a node: its share of a
 * binomial start tree over the node's vp_count CPUs (the root, depth 0,
 * starts ceil(log2 n); each level one fewer). The shares add up to at
 * least vp_count - 1, so the counter always runs out first unless starts
 * fail; the tree's depth is at most ceil(log2 n) however the starts race.
 */
static uint32_t start_quota(const struct sc_node *node, uint32_t depth)
{
	uint32_t l = log2_ceil(node->vp_count);

	return depth < l ? l - depth : 0;
}

/* The next VP of the node to start: none the main kernel starts. */
static uint32_t claim(struct sc_node *node)
{
	return sc_claim_sidecar_vp(&node->next_index, node->vp_count,
				   node->base_vp, &sc_image.initial_state);
}

/*
 * Start a VP, then wait for it to come online before claiming another:
 * the new VP claims from the same counter meanwhile, so the number of
 * starters doubles every round. A start the hypervisor refuses does not
 * count against the quota. VPs nobody could claim (their starters failed
 * to come online) stay in RUN and wait_for_vps() marks them REMOVED.
 */
void sc_fan_out(struct sc_cpu *cpu, struct sc_node *node)
{
	uint32_t quota = start_quota(node, cpu->start_depth), index;

	while (quota && (index = claim(node)) != SC_NO_VP) {
		struct sc_vp_layout l;

		if (!sc_start_vp(cpu, node, index, &l))
			continue;
		quota--;
		wait_online(cpu, l.globals_pa);
	}
}

/*
 * The BSP's share of every node, a round at a time: one VP of each node,
 * then it waits for that round, so every node's own fan-out starts early.
 */
void sc_fan_out_nodes(struct sc_cpu *cpu)
{
	uint64_t started[SIDECAR_MAX_NODES];
	uint32_t quota[SIDECAR_MAX_NODES];

	for (uint32_t n = 0; n < sc_image.node_count; n++)
		quota[n] = start_quota(&sc_image.nodes[n], cpu->start_depth);
	for (bool more = true; more;) {
		uint32_t n_started = 0;

		more = false;
		for (uint32_t n = 0; n < sc_image.node_count; n++) {
			struct sc_node *node = &sc_image.nodes[n];
			struct sc_vp_layout l;
			uint32_t i;

			if (!quota[n])
				continue;
			i = claim(node);
			if (i == SC_NO_VP)
				continue;
			more = true;
			if (!sc_start_vp(cpu, node, i, &l))
				continue;
			quota[n]--;
			started[n_started++] = l.globals_pa;
		}
		for (uint32_t k = 0; k < n_started; k++)
			wait_online(cpu, started[k]);
	}
}
