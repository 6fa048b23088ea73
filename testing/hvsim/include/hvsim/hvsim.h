/* SPDX-License-Identifier: MIT */
/*
 * hvsim, the simulated hypervisor of the test kernel: what the boot shim
 * and the scenarios use. The image itself reaches hvsim only through the
 * hypercall page (include/hvsim/page.h).
 *
 * Every CPU the MADT lists is a VP; VP indices follow MADT order and are a
 * name space of their own, as on Hyper-V: VP i is the CPU with the i-th
 * x2APIC ID of the MADT, whatever that ID is. The BSP is running VTL2
 * from the start; every other VP starts with HvCallEnableVpVtl +
 * HvCallStartVirtualProcessor (hvsim_vtl2_enabled_from_start() skips the
 * first).
 */
#ifndef HVSIM_HVSIM_H
#define HVSIM_HVSIM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hvdef.h"
#include "hvsim/core.h"

#define HVSIM_NO_VP 0xFFFFFFFFu
/* Most VPs (QEMU q35's most vCPUs); x2APIC IDs may be any value. */
#define HVSIM_MAX_VPS 4096

struct hvsim_config {
	uint64_t vsm_capabilities; /* what HvRegisterVsmCapabilities reads */
	uint32_t init_delay_us; /* INIT to SIPI */
	uint32_t arrive_timeout_ms; /* a started VP must be running by then */
	bool trace; /* one COM1 line per hypercall */
};

void hvsim_config_defaults(struct hvsim_config *cfg);
/* After smp_init(): builds the hypercall page and every CPU's tables. */
void hvsim_init(const struct hvsim_config *cfg);
const struct hvsim_config *hvsim_get_config(void);
/* The VP running the boot shim (VTL2 enabled from the start). */
uint32_t hvsim_bsp(void);
/* Physical address of the hypercall page (SidecarParams.hypercall_page). */
uint64_t hvsim_hypercall_page_pa(void);

/*
 * Make hypercall `code` fail with `status` for vp (or HVSIM_ANY_VP): the
 * target VP for EnableVpVtl and StartVirtualProcessor, else the caller.
 * The failed call has no effect; it is logged like any other.
 */
bool hvsim_inject(uint16_t code, uint32_t vp, uint16_t status, bool once);
/* The same with every field of a rule (reg: one register of a Get/Set). */
bool hvsim_inject_rule(const struct hvsim_inject_rule *rule);
/*
 * The "HYPERCALL:vp=V:status=S[:reg=R][:once]" form, or "Fault:vp=V:kind=K
 * [:addr=A]" (K: ud, bp, pf, stack) for hvsim_inject_fault; NULL or an
 * error text.
 */
const char *hvsim_inject_str(const char *s, size_t len);
/* Drops every rule; only while no VP makes a hypercall (all idle). */
void hvsim_inject_clear(void);

/*
 * Exception injection, a hypervisor-side fault: the next time vp calls
 * hvsim (a hypercall or a VTL return), hvsim does the call and then
 * injects an exception into VTL2 at the instruction after the VMMCALL, so
 * the caller takes it on its own stack and tables. addr is for PF (the
 * address read: CR2) and STACK (the RSP the exception's delivery faults
 * on: a stack overflow). Once.
 */
#define HVSIM_FAULT_UD 1 /* #UD */
#define HVSIM_FAULT_BP 2 /* #BP */
#define HVSIM_FAULT_PF 3 /* #PF, a read of addr */
#define HVSIM_FAULT_STACK 4 /* RSP = addr, #PF: #DF */
/*
 * A wild write: the VP's page table entry for the stack page below RSP is
 * pointed at GPA addr (0: the VP's own VTL2 VMCB, hvsim's memory) and a
 * #BP injected, whose delivery writes there. hvsim's memory is not
 * mapped: the write is a nested page fault, hvsim stops the VP.
 */
#define HVSIM_FAULT_WILD 5

bool hvsim_inject_fault(uint32_t vp, uint32_t kind, uint64_t addr);
/* The RIP vp took the injected fault at, 0 until it fired. */
uint64_t hvsim_fault_rip(uint32_t vp);

/*
 * vp's next VTL return sends its CPU a self-IPI of `vector` just before
 * VMRUN: the run starts with an interrupt of VTL2's already pending, as
 * when the image polled its command before the request IPI was taken.
 * Once.
 */
void hvsim_pend_interrupt_at_entry(uint32_t vp, uint8_t vector);

/*
 * Before the boot: vp runs VTL 2 already, as the BSP does, so its
 * HvCallEnableVpVtl returns VtlAlreadyEnabled. False for a VP that is not
 * there or has started.
 */
bool hvsim_vtl2_enabled_from_start(uint32_t vp);

/*
 * VTL0 RAM: the guest-physical range nested paging maps (identity; every
 * other GPA is unmapped for VTL0). Scenarios load guests into it; a VP's
 * own slot of HVSIM_VTL0_VP_SLOT bytes is at hvsim_vtl0_vp_slot(vp).
 */
#define HVSIM_VTL0_VP_SLOT 4096
void hvsim_vtl0_ram(uint64_t *base, uint64_t *size);
uint64_t hvsim_vtl0_vp_slot(uint32_t vp);

/* VP life cycle as hvsim sees it. */
#define HVSIM_VP_ABSENT 0 /* not in the MADT */
#define HVSIM_VP_OFF 1 /* never started */
#define HVSIM_VP_STARTING 2 /* StartVirtualProcessor loaded its VMCB */
#define HVSIM_VP_RUNNING 4 /* its CPU runs it */
#define HVSIM_VP_STOPPED 5 /* hvsim stopped it: a nested page fault */

/* Records: the start tree, counters and what a VP was started with. */
struct hvsim_vp_record {
	uint32_t vp;
	uint32_t state; /* HVSIM_VP_* */
	uint32_t vtl2_enabled;
	uint32_t parent; /* who started it; HVSIM_NO_VP for the BSP */
	uint32_t depth; /* in the start tree; the BSP is 0 */
	uint64_t request_tsc; /* StartVirtualProcessor accepted */
	uint64_t launch_tsc; /* its parked CPU took the start */
	uint64_t first_call_tsc; /* its first hypercall */
	uint64_t cr3; /* of its initial context */
	uint64_t rip; /* of its initial context */
	/*
	 * Its latest hypercall or VTL return came with this RSP and this
	 * PML4 slot 511 entry (the BSP's: the image's own map, in the entry).
	 */
	uint64_t call_rsp;
	uint64_t call_slot511;
	uint32_t calls; /* hypercalls, VTL returns not included */
	uint32_t failed_calls;
	uint32_t vtl_returns;
	uint32_t exits_interrupt;
	uint32_t exits_intercept;
	uint32_t vmruns; /* VMRUNs of its VTL0 */
	uint32_t halts; /* VTL0 HLTs */
	uint32_t entry_irqs; /* runs begun with an interrupt pending */
	uint32_t vtl2_exits; /* #VMEXITs of its VTL2 guest */
	uint32_t vtl2_msr_exits; /* of them, trapped MSR accesses */
	uint32_t inits; /* INITs of the virtual APIC it received */
	uint32_t synthetic_msr_accesses; /* assist page, crash MSRs */
	uint64_t vtl2_nested_cr3; /* its VTL2 VMCB's nested table */
	/* The nested page fault that stopped it (HVSIM_VP_STOPPED). */
	uint64_t npf_gpa;
	uint64_t npf_error; /* EXITINFO1: bit 1 a write */
	uint64_t npf_rip;
	/* The last failed EnableVpVtl/StartVirtualProcessor naming this VP. */
	uint16_t start_failure_code;
	uint16_t start_failure_status;
	uint32_t start_failure_caller;
	uint32_t apic_id; /* of its CPU */
};

/*
 * hvsim's own memory, which no VTL2 nested table maps: its allocations
 * and its globals (the kernel's .bss.hvsim).
 */
struct hvsim_range {
	uint64_t base, size;
};

#define HVSIM_MEMORY_RANGES 2
uint32_t hvsim_memory_ranges(struct hvsim_range r[HVSIM_MEMORY_RANGES]);
/* The roots of VTL2's and VTL0's nested tables, for tests that walk them. */
uint64_t hvsim_vtl2_npt(void);
uint64_t hvsim_vtl0_npt(void);
/*
 * A copy of the 4 KiB page at pa, which must be hvsim's (a nested table
 * page), for a test's own walk; false for any other address.
 */
bool hvsim_copy_table(uint64_t pa, void *page);

const struct hvsim_vp_record *hvsim_vp_record(uint32_t vp);
uint32_t hvsim_vp_count(void); /* VP indices are 0 .. count - 1 */
/* The x2APIC ID of VP vp's CPU; HVSIM_NO_VP when there is no such VP. */
uint32_t hvsim_vp_apic_id(uint32_t vp);
uint32_t hvsim_started(void); /* successful StartVirtualProcessor calls */
uint32_t hvsim_start_requests(void); /* all StartVirtualProcessor calls */
uint32_t hvsim_crashes(void); /* guest crash reports (CTL writes) */
/* True while vp's VTL0 is halted and waits for an interrupt. */
bool hvsim_vp_waiting(uint32_t vp);
/* The last intercept message vp exited with. */
const struct hv_message *hvsim_last_message(uint32_t vp);

/* Register files, for scenarios: vtl is 0 or 2. */
struct hv_u128 hvsim_get_register(uint32_t vp, uint32_t vtl, uint32_t name);
void hvsim_set_register(uint32_t vp, uint32_t vtl, uint32_t name,
			struct hv_u128 value);

/* One hypercall log entry; aux: register name, target VP, exit reason. */
struct hvsim_log_entry {
	uint64_t tsc;
	uint32_t aux;
	uint16_t code;
	uint16_t status;
};

#define HVSIM_LOG_SIZE 64

/* Copies up to max of vp's newest log entries, oldest first. */
uint32_t hvsim_log(uint32_t vp, struct hvsim_log_entry *out, uint32_t max);
/* True if vp's log holds a failed `code` call naming target (aux). */
bool hvsim_log_find_failure(uint32_t vp, uint16_t code, uint32_t target,
			    uint16_t *status);

void hvsim_print_start_tree(void);
void hvsim_print_log(uint32_t vp);
/* Prints every page cr3 maps: VA, PA, size, W, X, U/S. */
void hvsim_print_mappings(uint64_t cr3, const char *who);
/*
 * Prints every writable and executable page mapped by cr3 (who names the
 * address space) and returns how many there are.
 */
uint32_t hvsim_report_wx(uint64_t cr3, const char *who);
/* Every VP that StartVirtualProcessor accepted is running; else prints. */
bool hvsim_check_arrivals(void);

#endif
