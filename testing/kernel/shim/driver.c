/*
 * The main kernel's side of the control page, done from the BSP until
 * driver/ lands: response IPIs acknowledge needs_attention, a 1 ms APIC
 * timer wakes the waiting BSP from hlt so a watchdog can fire, and each
 * command is one CAS IDLE -> RUN, a request IPI, and a wait for IDLE.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/idt.h>
#include <kernel/panic.h>
#include <kernel/printf.h>
#include <kernel/shim.h>
#include <kernel/smp.h>
#include <kernel/tsc.h>
#include <kernel/x2apic.h>

#define MSR_X2APIC_LVT_TIMER 0x832
#define MSR_X2APIC_TIMER_INIT 0x838
#define MSR_X2APIC_TIMER_DIV 0x83e
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define TIMER_DIV_1 0xb
/* QEMU's APIC timer ticks at 1 GHz: a wake-up every millisecond. */
#define TIMER_COUNT 1000000

static uint32_t responses;
static struct sidecar_control_page *attention[SIDECAR_MAX_NODES];
static uint32_t nr_attention;

static void response_irq(struct irq_frame *f)
{
	(void)f;
	for (uint32_t i = 0; i < nr_attention; i++)
		sidecar_needs_attention_xchg(attention[i], 0);
	__atomic_fetch_add(&responses, 1, __ATOMIC_RELEASE);
}

static void timer_irq(struct irq_frame *f)
{
	(void)f;
}

void shim_driver_init(void)
{
	idt_set_handler(SHIM_RESPONSE_VECTOR, response_irq);
	idt_set_handler(SHIM_TIMER_VECTOR, timer_irq);
	wrmsr(MSR_X2APIC_TIMER_DIV, TIMER_DIV_1);
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_PERIODIC | SHIM_TIMER_VECTOR);
	wrmsr(MSR_X2APIC_TIMER_INIT, TIMER_COUNT);
}

void shim_driver_fini(void)
{
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_MASKED);
	wrmsr(MSR_X2APIC_TIMER_INIT, 0);
}

uint32_t shim_responses(void)
{
	return __atomic_load_n(&responses, __ATOMIC_ACQUIRE);
}

static void attach(struct sidecar_control_page *cp)
{
	for (uint32_t i = 0; i < nr_attention; i++)
		if (attention[i] == cp)
			return;
	if (nr_attention == SIDECAR_MAX_NODES)
		panic("shim: too many nodes");
	attention[nr_attention++] = cp;
	sidecar_control_store32(&cp->response_cpu, cpus[0].apic_id);
	sidecar_control_store32(&cp->response_vector, SHIM_RESPONSE_VECTOR);
}

static const char *status_name(uint8_t s)
{
	static const char *const names[] = { "REMOVED", "IDLE", "RUN", "STOP",
					     "REMOVE" };

	return s < 5 ? names[s] : "?";
}

void shim_command_start(struct shim_node *n, uint32_t idx, uint32_t command)
{
	uint8_t expected = SIDECAR_CPU_STATUS_IDLE;

	attach(n->control);
	n->shared[idx].command_page.command = command;
	if (!sidecar_cpu_status_cas(n->control, idx, &expected,
				    SIDECAR_CPU_STATUS_RUN))
		panic("shim: VP %u is %s, not IDLE, before command %u",
		      n->base_vp + idx, status_name(expected), command);
	x2apic_send_ipi(n->base_vp + idx, (uint8_t)n->control->request_vector);
}

void shim_command_stop(struct shim_node *n, uint32_t idx)
{
	uint8_t expected = SIDECAR_CPU_STATUS_RUN;

	if (!sidecar_cpu_status_cas(n->control, idx, &expected,
				    SIDECAR_CPU_STATUS_STOP))
		panic("shim: VP %u is %s, not RUN, when asked to stop",
		      n->base_vp + idx, status_name(expected));
	x2apic_send_ipi(n->base_vp + idx, (uint8_t)n->control->request_vector);
}

bool shim_command_wait(struct shim_node *n, uint32_t idx, uint32_t command,
		       uint32_t responses_before, uint64_t watchdog_ms)
{
	struct sidecar_command_page *page = &n->shared[idx].command_page;
	uint64_t deadline = rdtsc() + tsc_ms_to_cycles(watchdog_ms);
	uint32_t vp = n->base_vp + idx;
	uint8_t s;

	sti();
	while ((s = sidecar_cpu_status_load(n->control, idx)) !=
		       SIDECAR_CPU_STATUS_IDLE ||
	       shim_responses() == responses_before) {
		if (rdtsc() > deadline) {
			cli();
			panic("watchdog: VP %u stuck in status %s (command %u)%s",
			      vp, status_name(s), command,
			      s == SIDECAR_CPU_STATUS_IDLE ?
				      ": IDLE but no response IPI" :
				      "");
		}
		__asm__ volatile("hlt" : : : "memory");
	}
	cli();
	if (page->has_error) {
		printf("shim: VP %u command %u failed: %.*s\n", vp, command,
		       page->error.len, (const char *)page->error.buf);
		return false;
	}
	return true;
}

bool shim_command(struct shim_node *n, uint32_t idx, uint32_t command,
		  uint64_t watchdog_ms)
{
	uint32_t before = shim_responses();

	shim_command_start(n, idx, command);
	return shim_command_wait(n, idx, command, before, watchdog_ms);
}
