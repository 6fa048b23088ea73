/* SPDX-License-Identifier: MIT */
/*
 * The scenario API's implementations, run in host mode on hvsim's own
 * memory: hvsim.h's functions reach them through test calls
 * (test_call.c).
 */
#ifndef HVSIM_HOST_API_H
#define HVSIM_HOST_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvsim/hvsim.h"

/* RCX of a test call: no hypercall control word has these bits. */
#define HVSIM_TEST_CALL 0x4856534D54455354ull /* "TSETMSVH" */

const struct hvsim_config *host_get_config(void);
uint32_t host_bsp(void);
uint64_t host_hypercall_page_pa(void);
bool host_inject_rule(const struct hvsim_inject_rule *rule);
const char *host_inject_str(const char *s, size_t len);
void host_inject_clear(void);
bool host_inject_fault(uint32_t vp, uint32_t kind, uint64_t addr);
uint64_t host_fault_rip(uint32_t vp);
void host_pend_interrupt_at_entry(uint32_t vp, uint8_t vector);
bool host_vtl2_enabled_from_start(uint32_t vp);
void host_vtl0_ram(uint64_t *base, uint64_t *size);
uint64_t host_vtl0_vp_slot(uint32_t vp);
uint64_t host_vtl0_vp_slot_of(uint64_t vtl0_base, uint32_t vp);
uint32_t host_memory_ranges(struct hvsim_range r[HVSIM_MEMORY_RANGES]);
uint64_t host_vtl2_npt(void);
uint64_t host_vtl0_npt(void);
const struct hvsim_vp_record *host_vp_record(uint32_t vp);
uint32_t host_vp_count(void);
uint32_t host_vp_apic_id(uint32_t vp);
uint32_t host_started(void);
uint32_t host_start_requests(void);
uint32_t host_crashes(void);
bool host_vp_waiting(uint32_t vp);
const struct hv_message *host_last_message(uint32_t vp);
struct hv_u128 host_get_register(uint32_t vp, uint32_t vtl, uint32_t name);
void host_set_register(uint32_t vp, uint32_t vtl, uint32_t name,
		       struct hv_u128 value);
uint32_t host_log(uint32_t vp, struct hvsim_log_entry *out, uint32_t max);
bool host_log_find_failure(uint32_t vp, uint16_t code, uint32_t target,
			   uint16_t *status);
void host_print_start_tree(void);
void host_print_log(uint32_t vp);
void host_print_mappings(uint64_t cr3, const char *who);
uint32_t host_report_wx(uint64_t cr3, const char *who);
bool host_check_arrivals(void);

/* test_call.c: a VMMCALL of VTL2 that is a test call (true: handled). */
bool hvsim_test_call_exit(struct hvsim_vp *vp);
/* At set-up: what the kernel may read without a call; then guest mode. */
void hvsim_test_call_publish(void);
void hvsim_test_call_guest(void);

#endif
