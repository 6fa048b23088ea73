// SPDX-License-Identifier: MIT
/*
 * The scenario API (hvsim.h) from VTL2: the test kernel is a guest and
 * hvsim's memory is not mapped there, so each call that reads or changes
 * hvsim's state is a test call: a VMMCALL with HVSIM_TEST_CALL in RCX,
 * the call's number in RDX and its argument block (guest memory, in the
 * kernel's identity map) in R8, from the one instruction in the kernel's
 * text that hvsim accepts it from (arch/test_call.S), never through the
 * hypercall page. Like kvm selftests' ucall: a private channel between a
 * test and its hypervisor. hvsim copies results into the block; pointers
 * the API returns point to copies in the kernel's memory.
 *
 * What does not change after set-up (VP count, x2APIC IDs, where things
 * are) is published once into the kernel's memory at hvsim_init.
 */
#include <stddef.h>
#include <stdint.h>

#include <kernel/panic.h>
#include <kernel/string.h>

#include "internal.h"

enum {
	TC_GET_CONFIG,
	TC_INJECT_RULE,
	TC_INJECT_STR,
	TC_INJECT_CLEAR,
	TC_INJECT_FAULT,
	TC_FAULT_RIP,
	TC_PEND_IRQ,
	TC_VTL2_FROM_START,
	TC_RECORD,
	TC_COUNTERS,
	TC_WAITING,
	TC_LAST_MESSAGE,
	TC_GET_REGISTER,
	TC_SET_REGISTER,
	TC_LOG,
	TC_LOG_FIND_FAILURE,
	TC_PRINT_START_TREE,
	TC_PRINT_LOG,
	TC_PRINT_MAPPINGS,
	TC_REPORT_WX,
	TC_CHECK_ARRIVALS,
	TC_COPY_TABLE,
	NR_TEST_CALLS,
};

/* One argument block for every call; hvsim checks it is guest memory. */
struct tc_args {
	uint32_t vp, vtl, name, kind, max, result;
	uint64_t a, b;
	const void *ptr; /* guest buffer or string */
	uint64_t len;
	struct hv_u128 value;
	union {
		struct hvsim_config config;
		struct hvsim_inject_rule rule;
		struct hvsim_vp_record record;
		struct hv_message message;
		uint32_t counters[3];
		uint16_t status;
	} u;
};

/* Published at set-up, read by VTL2 (not hvsim's memory). */
static struct {
	uint32_t bsp, nr_vps;
	uint64_t page_pa, vtl0_base, vtl0_size, vtl2_npt, vtl0_npt;
	struct hvsim_range memory[HVSIM_MEMORY_RANGES];
	uint32_t apic_id[HVSIM_MAX_VPS];
} info;
static bool in_guest; /* the kernel is VTL2's guest: calls are VMMCALLs */
static struct hvsim_config config_copy;
static struct hvsim_vp_record record_copy[HVSIM_MAX_VPS];
static struct hv_message message_copy[HVSIM_MAX_VPS];

uint64_t hvsim_test_vmmcall(uint64_t magic, uint64_t call, void *args);
extern const char hvsim_test_call_insn[];

/* Host side: the block and any buffer it names must be guest memory. */
static void *guest_buffer(struct hvsim_vp *vp, const void *p, uint64_t len)
{
	uint64_t pa = (uintptr_t)p;

	if (!len)
		return NULL;
	if (!hvsim_phys(pa, len)) /* RAM, not hvsim's */
		hvsim_fail(vp, "test call: buffer 0x%lx+0x%lx is not VTL2's",
			   pa, len);
	return (void *)(uintptr_t)pa;
}

static void run(struct hvsim_vp *vp, uint32_t call, struct tc_args *t)
{
	switch (call) {
	case TC_GET_CONFIG:
		t->u.config = *host_get_config();
		break;
	case TC_INJECT_RULE:
		t->result = host_inject_rule(&t->u.rule);
		break;
	case TC_INJECT_STR: {
		const char *s = guest_buffer(vp, t->ptr, t->len);
		const char *err = host_inject_str(s, t->len);

		/* The kernel reads the message: a string in hvsim's text. */
		t->a = (uintptr_t)err;
		break;
	}
	case TC_INJECT_CLEAR:
		host_inject_clear();
		break;
	case TC_INJECT_FAULT:
		t->result = host_inject_fault(t->vp, t->kind, t->a);
		break;
	case TC_FAULT_RIP:
		t->a = host_fault_rip(t->vp);
		break;
	case TC_PEND_IRQ:
		host_pend_interrupt_at_entry(t->vp, (uint8_t)t->kind);
		break;
	case TC_VTL2_FROM_START:
		t->result = host_vtl2_enabled_from_start(t->vp);
		break;
	case TC_RECORD: {
		const struct hvsim_vp_record *r = host_vp_record(t->vp);

		t->result = r != NULL;
		if (r)
			t->u.record = *r;
		break;
	}
	case TC_COUNTERS:
		t->u.counters[0] = host_started();
		t->u.counters[1] = host_start_requests();
		t->u.counters[2] = host_crashes();
		break;
	case TC_WAITING:
		t->result = host_vp_waiting(t->vp);
		break;
	case TC_LAST_MESSAGE:
		t->u.message = *host_last_message(t->vp);
		break;
	case TC_GET_REGISTER:
		t->value = host_get_register(t->vp, t->vtl, t->name);
		break;
	case TC_SET_REGISTER:
		host_set_register(t->vp, t->vtl, t->name, t->value);
		break;
	case TC_LOG:
		t->result = host_log(
			t->vp,
			guest_buffer(vp, t->ptr,
				     t->max * sizeof(struct hvsim_log_entry)),
			t->max);
		break;
	case TC_LOG_FIND_FAILURE:
		t->result = host_log_find_failure(t->vp, (uint16_t)t->kind,
						  t->name, &t->u.status);
		break;
	case TC_PRINT_START_TREE:
		host_print_start_tree();
		break;
	case TC_PRINT_LOG:
		host_print_log(t->vp);
		break;
	case TC_PRINT_MAPPINGS:
		host_print_mappings(t->a, guest_buffer(vp, t->ptr, t->len));
		break;
	case TC_REPORT_WX:
		t->result =
			host_report_wx(t->a, guest_buffer(vp, t->ptr, t->len));
		break;
	case TC_CHECK_ARRIVALS:
		t->result = host_check_arrivals();
		break;
	case TC_COPY_TABLE:
		/* Only pages of hvsim's own memory: its nested tables. */
		t->result = !(t->a & 0xFFF) &&
			    hvsim_memory_overlaps(t->a, 4096);
		if (t->result)
			memcpy(guest_buffer(vp, t->ptr, 4096),
			       (const void *)(uintptr_t)t->a, 4096);
		break;
	default:
		hvsim_fail(vp, "test call %u does not exist", call);
	}
}

bool hvsim_test_call_exit(struct hvsim_vp *vp)
{
	const struct svm_vmcb *v = vp->vtl2;

	if (vp->gprs[1] != HVSIM_TEST_CALL ||
	    v->save.rip != (uintptr_t)hvsim_test_call_insn)
		return false;
	run(vp, (uint32_t)vp->gprs[2],
	    guest_buffer(vp, (const void *)(uintptr_t)vp->gprs[8],
			 sizeof(struct tc_args)));
	return true;
}

void hvsim_test_call_publish(void)
{
	info.bsp = host_bsp();
	info.nr_vps = host_vp_count();
	info.page_pa = host_hypercall_page_pa();
	host_vtl0_ram(&info.vtl0_base, &info.vtl0_size);
	info.vtl2_npt = host_vtl2_npt();
	info.vtl0_npt = host_vtl0_npt();
	host_memory_ranges(info.memory);
	for (uint32_t v = 0; v < info.nr_vps && v < HVSIM_MAX_VPS; v++)
		info.apic_id[v] = host_vp_apic_id(v);
}

void hvsim_test_call_guest(void)
{
	in_guest = true;
}

/* Guest side. Before the kernel is a guest, hvsim's code runs directly. */
static void call(uint32_t nr, struct tc_args *t)
{
	if (in_guest)
		hvsim_test_vmmcall(HVSIM_TEST_CALL, nr, t);
	else
		run(NULL, nr, t);
}

const struct hvsim_config *hvsim_get_config(void)
{
	struct tc_args t = { 0 };

	call(TC_GET_CONFIG, &t);
	config_copy = t.u.config;
	return &config_copy;
}

uint32_t hvsim_bsp(void)
{
	return info.bsp;
}

uint64_t hvsim_hypercall_page_pa(void)
{
	return info.page_pa;
}

bool hvsim_inject_rule(const struct hvsim_inject_rule *rule)
{
	struct tc_args t = { .u.rule = *rule };

	call(TC_INJECT_RULE, &t);
	return t.result;
}

bool hvsim_inject(uint16_t code, uint32_t vp, uint16_t status, bool once)
{
	const struct hvsim_inject_rule r = {
		.code = code,
		.status = status,
		.vp = vp,
		.once = once,
	};

	return hvsim_inject_rule(&r);
}

const char *hvsim_inject_str(const char *s, size_t len)
{
	struct tc_args t = { .ptr = s, .len = len };

	call(TC_INJECT_STR, &t);
	return (const char *)(uintptr_t)t.a;
}

void hvsim_inject_clear(void)
{
	struct tc_args t = { 0 };

	call(TC_INJECT_CLEAR, &t);
}

bool hvsim_inject_fault(uint32_t vp, uint32_t kind, uint64_t addr)
{
	struct tc_args t = { .vp = vp, .kind = kind, .a = addr };

	call(TC_INJECT_FAULT, &t);
	return t.result;
}

uint64_t hvsim_fault_rip(uint32_t vp)
{
	struct tc_args t = { .vp = vp };

	call(TC_FAULT_RIP, &t);
	return t.a;
}

void hvsim_pend_interrupt_at_entry(uint32_t vp, uint8_t vector)
{
	struct tc_args t = { .vp = vp, .kind = vector };

	call(TC_PEND_IRQ, &t);
}

bool hvsim_vtl2_enabled_from_start(uint32_t vp)
{
	struct tc_args t = { .vp = vp };

	call(TC_VTL2_FROM_START, &t);
	return t.result;
}

void hvsim_vtl0_ram(uint64_t *base, uint64_t *size)
{
	*base = info.vtl0_base;
	*size = info.vtl0_size;
}

uint64_t hvsim_vtl0_vp_slot(uint32_t vp)
{
	return host_vtl0_vp_slot_of(info.vtl0_base, vp);
}

uint32_t hvsim_memory_ranges(struct hvsim_range r[HVSIM_MEMORY_RANGES])
{
	memcpy(r, info.memory, sizeof(info.memory));
	return HVSIM_MEMORY_RANGES;
}

uint64_t hvsim_vtl2_npt(void)
{
	return info.vtl2_npt;
}

uint64_t hvsim_vtl0_npt(void)
{
	return info.vtl0_npt;
}

const struct hvsim_vp_record *hvsim_vp_record(uint32_t vp)
{
	struct tc_args t = { .vp = vp };

	if (vp >= HVSIM_MAX_VPS)
		return NULL;
	call(TC_RECORD, &t);
	if (!t.result)
		return NULL;
	record_copy[vp] = t.u.record;
	return &record_copy[vp];
}

uint32_t hvsim_vp_count(void)
{
	return info.nr_vps;
}

uint32_t hvsim_vp_apic_id(uint32_t vp)
{
	return vp < info.nr_vps ? info.apic_id[vp] : HVSIM_NO_VP;
}

static uint32_t counter(uint32_t i)
{
	struct tc_args t = { 0 };

	call(TC_COUNTERS, &t);
	return t.u.counters[i];
}

uint32_t hvsim_started(void)
{
	return counter(0);
}

uint32_t hvsim_start_requests(void)
{
	return counter(1);
}

uint32_t hvsim_crashes(void)
{
	return counter(2);
}

bool hvsim_vp_waiting(uint32_t vp)
{
	struct tc_args t = { .vp = vp };

	call(TC_WAITING, &t);
	return t.result;
}

const struct hv_message *hvsim_last_message(uint32_t vp)
{
	struct tc_args t = { .vp = vp };

	if (vp >= HVSIM_MAX_VPS)
		panic("hvsim: no VP %u", vp);
	call(TC_LAST_MESSAGE, &t);
	message_copy[vp] = t.u.message;
	return &message_copy[vp];
}

struct hv_u128 hvsim_get_register(uint32_t vp, uint32_t vtl, uint32_t name)
{
	struct tc_args t = { .vp = vp, .vtl = vtl, .name = name };

	call(TC_GET_REGISTER, &t);
	return t.value;
}

void hvsim_set_register(uint32_t vp, uint32_t vtl, uint32_t name,
			struct hv_u128 value)
{
	struct tc_args t = {
		.vp = vp, .vtl = vtl, .name = name, .value = value
	};

	call(TC_SET_REGISTER, &t);
}

uint32_t hvsim_log(uint32_t vp, struct hvsim_log_entry *out, uint32_t max)
{
	struct tc_args t = { .vp = vp, .ptr = out, .max = max };

	call(TC_LOG, &t);
	return t.result;
}

bool hvsim_log_find_failure(uint32_t vp, uint16_t code, uint32_t target,
			    uint16_t *status)
{
	struct tc_args t = { .vp = vp, .kind = code, .name = target };

	call(TC_LOG_FIND_FAILURE, &t);
	if (t.result && status)
		*status = t.u.status;
	return t.result;
}

void hvsim_print_start_tree(void)
{
	struct tc_args t = { 0 };

	call(TC_PRINT_START_TREE, &t);
}

void hvsim_print_log(uint32_t vp)
{
	struct tc_args t = { .vp = vp };

	call(TC_PRINT_LOG, &t);
}

void hvsim_print_mappings(uint64_t cr3, const char *who)
{
	struct tc_args t = { .a = cr3, .ptr = who, .len = strlen(who) + 1 };

	call(TC_PRINT_MAPPINGS, &t);
}

uint32_t hvsim_report_wx(uint64_t cr3, const char *who)
{
	struct tc_args t = { .a = cr3, .ptr = who, .len = strlen(who) + 1 };

	call(TC_REPORT_WX, &t);
	return t.result;
}

bool hvsim_check_arrivals(void)
{
	struct tc_args t = { 0 };

	call(TC_CHECK_ARRIVALS, &t);
	return t.result;
}

bool hvsim_copy_table(uint64_t pa, void *page)
{
	struct tc_args t = { .a = pa, .ptr = page, .len = 4096 };

	call(TC_COPY_TABLE, &t);
	return t.result;
}
