/* SPDX-License-Identifier: MIT */
/*
 * hvsim's private state, shared by its kernel-side files.
 */
#ifndef HVSIM_INTERNAL_H
#define HVSIM_INTERNAL_H

#include <stdint.h>

#include "hvsim/hvsim.h"
#include "hvsim/page.h"
#include "hvsim/vmcb.h"

#define HVSIM_STACK_SIZE 0x4000

/* The operand of lgdt/lidt and sgdt/sidt. */
struct hvsim_desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* A 64-bit IDT gate. */
struct hvsim_gate {
	uint16_t offset_lo, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, zero;
} __attribute__((packed));

static inline void hvsim_gate_point(struct hvsim_gate *g, uint64_t handler)
{
	g->offset_lo = (uint16_t)handler;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_hi = (uint32_t)(handler >> 32);
}

/* hvsim's globals: in the kernel's .bss.hvsim, which no guest maps. */
#define HVSIM_PRIVATE __attribute__((section(".bss.hvsim")))

/* Register files kept per VP: VTL0 and VTL2 (VTL1 is never enabled). */
#define HVSIM_RF_VTL0 0
#define HVSIM_RF_VTL2 1

struct cpu;

/* The virtual local APIC's INIT/SIPI state of a VP's VTL2 (apic.c). */
#define HVSIM_APIC_RUNNING 0
#define HVSIM_APIC_WAIT_SIPI 1 /* after an INIT */
#define HVSIM_APIC_SIPI 2 /* a SIPI came: start at sipi_vector << 12 */

struct hvsim_vp {
	struct hvsim_vp_record rec; /* rec.vp: VP index, rec.apic_id */
	struct cpu *cpu; /* the kernel's per-CPU block of this CPU */
	uint32_t lock;
	uint32_t waiting; /* halted VTL0 sleeps in its own hlt */
	uint32_t kicks; /* bumped, with an NMI, when the CPU must look */
	uint32_t apic_state; /* HVSIM_APIC_* */
	uint8_t sipi_vector;
	bool apic_reset; /* since the INIT: its CPU's APIC was reset */
	uint8_t *stack; /* hvsim's host stack on this CPU */
	struct hv_initial_vp_context_x64 enable_ctx;
	struct hvsim_regfile rf[2];
	/*
	 * Both VTLs are SVM guests: a VMCB each; one GPR file (RAX and RSP
	 * live in the VMCBs) and one FX state, shared as on Hyper-V.
	 */
	struct svm_vmcb *vmcb; /* VTL0 */
	struct svm_vmcb *vtl2;
	struct x86_fxsave *fx;
	uint64_t gprs[16];
	uint64_t host_save_pa; /* VMSAVE area for hvsim's own state */
	uint64_t hsave_pa; /* VM_HSAVE_PA */
	bool halted; /* VTL0, until it has an interrupt */
	uint8_t entry_irq; /* hvsim_pend_interrupt_at_entry(); 0: none */
	uint8_t halt_len;
	uint64_t halt_rip; /* of the hlt VTL0 halted in */
	struct hv_message last_message;
	uint32_t log_next;
	struct hvsim_log_entry log[HVSIM_LOG_SIZE];
};

/* One per x2APIC ID below the limit (page.h: HVSIM_CPU_*). */
struct hvsim_cpu {
	uint64_t stack_top; /* 0: no CPU has this x2APIC ID */
	uint32_t vp_index;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvsim_cpu) == HVSIM_CPU_SIZE, "cpu block");
_Static_assert(HVSIM_CPU_SIZE == 1 << HVSIM_CPU_SHIFT, "cpu shift");
_Static_assert(__builtin_offsetof(struct hvsim_cpu, stack_top) ==
		       HVSIM_CPU_STACK_TOP,
	       "cpu stack");
_Static_assert(__builtin_offsetof(struct hvsim_cpu, vp_index) ==
		       HVSIM_CPU_VP_INDEX,
	       "cpu vp");

struct hvsim {
	struct hvsim_config cfg;
	uint32_t nr_vps; /* VP indices are 0 .. nr_vps - 1, in MADT order */
	uint32_t bsp; /* VP index of the BSP */
	uint32_t maxphyaddr;
	struct hvsim_injector inject;
	uint32_t started;
	uint32_t start_requests;
	uint32_t crashes;
	uint8_t *page; /* the hypercall page */
	uint32_t parked; /* APs in hvsim's host loop */
	uint64_t iopm_pa, msrpm_pa; /* all ones: every port and MSR exits */
	uint64_t npt_pa; /* nested paging: the VTL0 RAM, identity */
	uint64_t vtl0_base, vtl0_size;
	/* VTL2 as a guest: its nested table, MSR and I/O permission maps. */
	uint64_t vtl2_npt_pa, vtl2_msrpm_pa, vtl2_iopm_pa;
	struct hvsim_vp *vp; /* [nr_vps] */
};

/* Read by arch/ap.S: the CPU blocks by x2APIC ID. */
extern struct hvsim_cpu *hvsim_cpu_base;
extern uint32_t hvsim_apic_limit; /* highest x2APIC ID + 1 */

extern struct hvsim hvsim;

#include "host_api.h"

/*
 * hvsim's own memory (memory.c): reserved once, then zeroed page-aligned
 * pieces of it; the nested tables' pages come from it too.
 */
void hvsim_memory_init(uint64_t bytes);
void *hvsim_alloc(uint64_t count, uint64_t size, const char *what);
uint64_t hvsim_alloc_table(void);
bool hvsim_memory_overlaps(uint64_t pa, uint64_t len);
/* Pages the nested tables need at most (svm.c, vtl2.c). */
uint64_t hvsim_npt_pages(uint32_t nr_vps);
uint64_t hvsim_vtl2_npt_pages(void);
/* The end of RAM in the memory map, at least 4 GiB (vtl2.c). */
uint64_t hvsim_ram_end(void);

/* NULL for an index that is not a VP. */
struct hvsim_vp *hvsim_vp(uint32_t index);
/* The VP whose CPU has this x2APIC ID, or NULL. */
struct hvsim_vp *hvsim_vp_by_apic(uint32_t apic_id);

void hvsim_lock(struct hvsim_vp *vp);
void hvsim_unlock(struct hvsim_vp *vp);

/* A fatal contract violation: prints what and who, fails the test. */
__attribute__((noreturn, format(printf, 2, 3))) void
hvsim_fail(const struct hvsim_vp *vp, const char *fmt, ...);

/* A VMMCALL exit of vp's VTL2: a hypercall or a VTL return (entry.c). */
void hvsim_vmmcall(struct hvsim_vp *vp);

/* Hypercalls; each returns the HvStatus and may set *aux for the log. */
uint16_t hvsim_call_enable_vp_vtl(struct hvsim_vp *vp, uint64_t in_gpa,
				  uint32_t *aux);
uint16_t hvsim_call_start_vp(struct hvsim_vp *vp, uint64_t in_gpa,
			     uint32_t *aux);
/* Reps start..reps-1; *done: the reps complete (start + those done). */
uint16_t hvsim_call_get_set_registers(struct hvsim_vp *vp, bool set,
				      uint32_t start, uint32_t reps,
				      uint64_t in_gpa, uint64_t out_gpa,
				      uint32_t *aux, uint32_t *done);
/* One register of vp's file rf, with the checks and effects of the calls. */
uint16_t hvsim_register_set(struct hvsim_vp *vp, uint32_t rf, uint32_t name,
			    uint64_t value);
uint64_t hvsim_register_get(struct hvsim_vp *vp, uint32_t rf, uint32_t name);
uint16_t hvsim_call_translate(struct hvsim_vp *vp, uint64_t in_gpa,
			      uint64_t out_gpa, uint32_t *aux);

/*
 * The hidden state that loading selector sel with descriptor d gives (hi:
 * a system descriptor's upper half): accessed bit set, a TSS busy.
 */
struct hv_x64_segment_register
hvsim_descriptor_loaded(uint16_t sel, uint64_t d, uint64_t hi, bool system);

/*
 * NULL when c's hidden segment state is what its selectors' GDT entries
 * give, else why not (written to why).
 */
const char *hvsim_check_segments(const struct hv_initial_vp_context_x64 *c,
				 char *why, size_t size);

/* The input or output block of a hypercall, or NULL with *status set. */
void *hvsim_hypercall_buffer(uint64_t gpa, uint64_t size, uint16_t *status);

/* SVM (svm.c): set-up after the VPs are known, the control area, a run. */
void hvsim_svm_init(void);
void hvsim_svm_prepare(struct hvsim_vp *vp);
uint64_t hvsim_svm_enter(struct hvsim_vp *vp, uint64_t gprs[16], void *fx);
void hvsim_svm_run(uint64_t vmcb_pa, uint64_t host_pa, uint64_t gprs[16],
		   void *fx);
/* A pointer to VTL0 RAM at gpa, or NULL outside it (the nested map). */
void *hvsim_vtl0_phys(uint64_t gpa, uint64_t len);

/* VTL2 as a guest (vtl2.c): set-up, and the BSP's kernel goes on in it. */
struct hvsim_vtl2_live {
	uint64_t rip, rsp, rflags; /* arch/vtl2_launch.S stores these */
};

void hvsim_vtl2_init(void);
void hvsim_vtl2_enter_bsp(void);
void hvsim_vtl2_launch(struct hvsim_vtl2_live *live, uint64_t host_rsp,
		       struct hvsim_vp *vp);
void hvsim_vtl2_host_start(struct hvsim_vp *vp,
			   const struct hvsim_vtl2_live *live);
/* vp's VTL2 VMCB from a StartVirtualProcessor context, or after a SIPI. */
void hvsim_vtl2_load_context(struct hvsim_vp *vp,
			     const struct hv_initial_vp_context_x64 *c);
void hvsim_vtl2_load_sipi(struct hvsim_vp *vp, uint8_t vector);
/* An MSR exit of vp's VTL2. */
void hvsim_vtl2_msr_exit(struct hvsim_vp *vp);
/* Injects exception vector (with error code unless ~0u) into VTL2. */
void hvsim_vtl2_inject(struct hvsim_vp *vp, uint8_t vector, uint32_t error);

/* The host side of each CPU (host.c): runs its VP's VTL2 for ever. */
__attribute__((noreturn)) void hvsim_host_loop(struct hvsim_vp *vp);
/* hvsim's own GDT and IDT for host mode (host_env.c). */
uint64_t hvsim_host_env_pages(void);
void hvsim_host_env_init(void);
void hvsim_host_env_load(void);
void hvsim_host_idt_load(void);
/* Makes vp's CPU look at its start and APIC state now (an NMI). */
void hvsim_kick(struct hvsim_vp *vp);

/* VTL return: runs VTL0 until an exit for VTL2 and fills in the exit. */
void hvsim_vtl_return(struct hvsim_vp *vp);

/* An armed exception injection for vp: redirect the return (fault.c). */
void hvsim_fault_apply(struct hvsim_vp *vp);
const char *hvsim_fault_parse(const char *s, size_t len);

/* The guest crash registers: CTL reports the crash. */
void hvsim_crash_report(struct hvsim_vp *vp, uint32_t vtl);

void hvsim_log_call(struct hvsim_vp *vp, uint16_t code, uint16_t status,
		    uint32_t aux, uint64_t tsc);

/* Local APIC, in whichever mode the calling CPU has it. */
void hvsim_apic_send_init_sipi(uint32_t apic_id, uint32_t vector_page);
void hvsim_apic_send_nmi(uint32_t apic_id);
bool hvsim_apic_irr_pending(void);
/* What INIT does to this CPU's local APIC: nothing pending or in service. */
void hvsim_apic_reset(void);
/* A write of VTL2 to the x2APIC ICR (trapped): sent, or INIT/SIPI modelled. */
void hvsim_apic_icr_from_vtl2(struct hvsim_vp *vp, uint64_t icr);

/* The hypercall page's contents (hypercall_page.c). */
void hvsim_hypercall_page_write(uint8_t *page);

/* AP bring-up at init (arch/ap.S): lands in hvsim_ap_main(), parks. */
void hvsim_ap_start64(void);
__attribute__((noreturn)) void hvsim_ap_main(uint32_t apic_id);

#endif
