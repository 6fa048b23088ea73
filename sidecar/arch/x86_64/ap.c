// SPDX-License-Identifier: MIT
/*
 * An AP's life: join the fan-out, clear its pages, report IDLE, then serve
 * commands until removed. It sleeps in `sti; hlt` while IDLE; the request
 * IPI only wakes it (the handler just EOIs), the control page says why.
 */
#include "cpu.h"
#include "log.h"
#include "sidecar/core/dispatch.h"
#include "start_vp.h"
#include "vmem.h"
#include "vp_ops.h"
#include "x2apic.h"

static void respond(uint32_t apic_id, uint32_t vector)
{
	x2apic_send_ipi(apic_id, (uint8_t)vector);
}

static __attribute__((noreturn)) void remove_self(struct sc_cpu *cpu)
{
	uint32_t apic_id, vector;

	sc_unmap_overlays(cpu);
	sc_log(cpu, "removed");
	if (sc_complete(cpu->control, cpu->node_cpu_index,
			SIDECAR_CPU_STATUS_REMOVED, &apic_id, &vector))
		respond(apic_id, vector);
	x2apic_soft_disable(SC_SPURIOUS_VECTOR);
	/* Parked: the main kernel may restart this CPU with INIT-SIPI. */
	halt_forever();
}

static __attribute__((noreturn)) void dispatch_loop(struct sc_cpu *cpu)
{
	struct sc_vp_ops ops;
	bool reported_bad = false;

	sc_vp_ops_init(&ops, cpu);
	for (;;) {
		uint32_t apic_id, vector;
		uint8_t status;

		switch (sc_poll_status(cpu->control, cpu->node_cpu_index,
				       &status)) {
		case SC_WAKE_SLEEP:
			wait_for_interrupt();
			break;
		case SC_WAKE_COMMAND:
			reported_bad = false;
			if (sc_serve_command(cpu->control, cpu->node_cpu_index,
					     cpu->command, &cpu->vp_state, &ops,
					     &apic_id, &vector))
				respond(apic_id, vector);
			break;
		case SC_WAKE_REMOVE:
			remove_self(cpu);
		case SC_WAKE_BAD_STATUS:
			/* Not ours to fix: say so once and wait. */
			if (!reported_bad)
				sc_report(cpu, "unexpected cpu_status %u",
					  status);
			reported_bad = true;
			wait_for_interrupt();
			break;
		}
	}
}

__attribute__((noreturn)) void sc_ap_main(void)
{
	struct sc_cpu *cpu = (struct sc_cpu *)SC_VP_VA(SC_SLOT_GLOBALS);
	struct sc_node *node = &sc_image.nodes[cpu->node];
	uint8_t expected = SIDECAR_CPU_STATUS_RUN;

	__atomic_store_n(&cpu->online, 1, __ATOMIC_RELEASE);
	wrmsr(X86_MSR_GS_BASE, (uint64_t)cpu);
	x2apic_enable(SC_SPURIOUS_VECTOR);
	sc_log(cpu, "online");
	sc_fan_out(cpu, node);

	__builtin_memset(cpu->command, 0, SC_PAGE_SIZE);
	__builtin_memset(cpu->register_page, 0, SC_PAGE_SIZE);
	if (!sidecar_cpu_status_cas(cpu->control, cpu->node_cpu_index,
				    &expected, SIDECAR_CPU_STATUS_IDLE)) {
		/* The boot gave up on us (REMOVED): the CPU is the main
		 * kernel's now, so stay out of its way. */
		sc_report(cpu, "status %u at start, expected RUN; parking",
			  expected);
		x2apic_soft_disable(SC_SPURIOUS_VECTOR);
		halt_forever();
	}
	dispatch_loop(cpu);
}
