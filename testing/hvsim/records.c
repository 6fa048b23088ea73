// SPDX-License-Identifier: MIT
/*
 * What hvsim saw, for the scenarios to assert on: the start tree, the
 * per-VP hypercall logs, and the mappings of a VP's page tables.
 */
#include <stdint.h>

#include <kernel/arch.h>
#include <kernel/printf.h>
#include <kernel/string.h>
#include <kernel/tsc.h>

#include "internal.h"

const struct hvsim_vp_record *host_vp_record(uint32_t index)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	return vp ? &vp->rec : NULL;
}

uint32_t host_vp_count(void)
{
	return hvsim.nr_vps;
}

uint32_t host_vp_apic_id(uint32_t index)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	return vp ? vp->rec.apic_id : HVSIM_NO_VP;
}

uint32_t host_started(void)
{
	return __atomic_load_n(&hvsim.started, __ATOMIC_ACQUIRE);
}

uint32_t host_start_requests(void)
{
	return __atomic_load_n(&hvsim.start_requests, __ATOMIC_ACQUIRE);
}

uint32_t host_crashes(void)
{
	return __atomic_load_n(&hvsim.crashes, __ATOMIC_ACQUIRE);
}

bool host_vp_waiting(uint32_t index)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	return vp && __atomic_load_n(&vp->waiting, __ATOMIC_ACQUIRE);
}

const struct hv_message *host_last_message(uint32_t index)
{
	struct hvsim_vp *vp = hvsim_vp(index);

	return vp ? &vp->last_message : NULL;
}

uint32_t host_log(uint32_t index, struct hvsim_log_entry *out, uint32_t max)
{
	struct hvsim_vp *vp = hvsim_vp(index);
	uint32_t next, n, first;

	if (!vp)
		return 0;
	next = __atomic_load_n(&vp->log_next, __ATOMIC_ACQUIRE);
	n = next < HVSIM_LOG_SIZE ? next : HVSIM_LOG_SIZE;
	if (n > max)
		n = max;
	first = next - n;
	for (uint32_t i = 0; i < n; i++)
		out[i] = vp->log[(first + i) % HVSIM_LOG_SIZE];
	return n;
}

bool host_log_find_failure(uint32_t index, uint16_t code, uint32_t target,
			   uint16_t *status)
{
	struct hvsim_log_entry log[HVSIM_LOG_SIZE];
	uint32_t n = host_log(index, log, HVSIM_LOG_SIZE);

	for (uint32_t i = 0; i < n; i++) {
		if (log[i].code == code && log[i].aux == target &&
		    log[i].status) {
			*status = log[i].status;
			return true;
		}
	}
	return false;
}

/* "123us", or "none" when the later event never happened. */
static const char *us_between(uint64_t from, uint64_t to, char *buf,
			      size_t size)
{
	if (!from || !to || to < from)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%luus",
			 tsc_cycles_to_ns(to - from) / 1000);
	return buf;
}

void host_print_start_tree(void)
{
	uint32_t max_depth = 0;

	for (uint32_t i = 0; i < hvsim.nr_vps; i++) {
		const struct hvsim_vp *vp = hvsim_vp(i);
		char launch[24], call[24];

		if (!vp || vp->rec.parent == HVSIM_NO_VP)
			continue;
		if (vp->rec.depth > max_depth)
			max_depth = vp->rec.depth;
		printf("hvsim: start vp=%u parent=%u depth=%u state=%u "
		       "request->launch=%s request->first-call=%s\n",
		       i, vp->rec.parent, vp->rec.depth, vp->rec.state,
		       us_between(vp->rec.request_tsc, vp->rec.launch_tsc,
				  launch, sizeof(launch)),
		       us_between(vp->rec.request_tsc, vp->rec.first_call_tsc,
				  call, sizeof(call)));
	}
	printf("hvsim: start tree: %u started of %u requests, depth %u\n",
	       host_started(), host_start_requests(), max_depth);
}

void host_print_log(uint32_t index)
{
	struct hvsim_log_entry log[HVSIM_LOG_SIZE];
	uint32_t n = host_log(index, log, HVSIM_LOG_SIZE);

	for (uint32_t i = 0; i < n; i++) {
		const char *name = hvsim_hypercall_name(log[i].code);
		const char *st = hv_status_name(log[i].status);

		printf("hvsim: log vp=%u tsc=%lu %s(0x%x) aux=0x%x %s(0x%x)\n",
		       index, log[i].tsc, name ? name : "?", log[i].code,
		       log[i].aux, st ? st : "?", log[i].status);
	}
}

static void visit_print(const struct hvsim_mapping *m, void *arg)
{
	printf("hvsim: %s: va 0x%016lx pa 0x%lx %s %c%c%c\n", (const char *)arg,
	       m->va, m->pa,
	       m->size == 0x1000   ? "4K" :
	       m->size == 0x200000 ? "2M" :
				     "1G",
	       m->rights & HVSIM_MAP_W ? 'W' : '-',
	       m->rights & HVSIM_MAP_NX ? '-' : 'X',
	       m->rights & HVSIM_MAP_U ? 'U' : 'S');
}

void host_print_mappings(uint64_t cr3, const char *who)
{
	bool nxe = (rdmsr(X86_MSR_EFER) & X86_EFER_NXE) != 0;

	hvsim_pt_walk(cr3, nxe, visit_print, (void *)(uintptr_t)who);
}

struct wx {
	const char *who;
	uint32_t count;
};

static void visit_wx(const struct hvsim_mapping *m, void *arg)
{
	struct wx *w = arg;

	if ((m->rights & HVSIM_MAP_W) && !(m->rights & HVSIM_MAP_NX)) {
		w->count++;
		printf("hvsim: W+X page in %s: va 0x%lx pa 0x%lx size 0x%lx%s\n",
		       w->who, m->va, m->pa, m->size,
		       (m->rights & HVSIM_MAP_U) ? " user" : "");
	}
}

uint32_t host_report_wx(uint64_t cr3, const char *who)
{
	struct wx w = { .who = who };
	bool nxe = (rdmsr(X86_MSR_EFER) & X86_EFER_NXE) != 0;
	uint32_t bad = hvsim_pt_walk(cr3, nxe, visit_wx, &w);

	if (bad)
		printf("hvsim: %s: %u page tables outside RAM\n", who, bad);
	return w.count + bad;
}

bool host_check_arrivals(void)
{
	uint64_t limit = tsc_ms_to_cycles(hvsim.cfg.arrive_timeout_ms);
	bool ok = true;

	for (uint32_t i = 0; i < hvsim.nr_vps; i++) {
		const struct hvsim_vp *vp = hvsim_vp(i);
		uint32_t state;

		if (!vp || vp->rec.parent == HVSIM_NO_VP)
			continue;
		/* Ran: running, or stopped by hvsim since. */
		while ((state = __atomic_load_n(&vp->rec.state,
						__ATOMIC_ACQUIRE)) ==
			       HVSIM_VP_STARTING &&
		       rdtsc() - vp->rec.request_tsc < limit)
			cpu_relax();
		if (state == HVSIM_VP_STARTING) {
			printf("hvsim: VP %u started by VP %u is stuck in state "
			       "%u (its parked CPU never took the start)\n",
			       i, vp->rec.parent, state);
			ok = false;
		}
	}
	return ok;
}
