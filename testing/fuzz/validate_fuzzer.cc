// SPDX-License-Identifier: MIT
//
// Boot-parameter validation on arbitrary SidecarParams bytes and arbitrary
// image/params/output placement. sc_validate_params must accept exactly the
// parameters that satisfy DESIGN.md §4 (checked here by an independent
// statement of the rules), reject the others with a well-formed message,
// and every accepted node's layout must fit its memory.
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>

#include "sidecar/core/layout.h"
#include "sidecar/core/validate.h"
#include "testing/fuzz/well_formed.h"

namespace
{

struct Range {
	uint64_t base, end; // [base, end), end may be 2^64 - 1 at most
};

bool Overlap(Range a, Range b)
{
	return a.base < b.end && b.base < a.end;
}

// HEAD's initial_state: bools only; when specified, every node's VPs have
// entries and one of them besides the base VP is the sidecar's.
bool PerCpuStateHolds(const sidecar_params &p)
{
	const sidecar_per_cpu_state &s = p.initial_state;

	if (s.per_cpu_state_specified != 0 && s.per_cpu_state_specified != 1)
		return false;
	if (s.per_cpu_state_specified == 0)
		return true;
	for (uint32_t i = 0; i < p.node_count; i++) {
		const uint64_t first = p.nodes[i].base_vp;
		const uint64_t end = first + p.nodes[i].vp_count;
		bool sidecar_ap = false;

		if (end > std::size(s.sidecar_starts_cpu))
			return false;
		for (uint64_t vp = first; vp < end; vp++) {
			if (s.sidecar_starts_cpu[vp] > 1)
				return false;
			if (vp != first && s.sidecar_starts_cpu[vp] == 1)
				sidecar_ap = true;
		}
		if (!sidecar_ap)
			return false;
	}
	return true;
}

// DESIGN.md §4, written independently of sidecar/core.
bool RulesHold(const sidecar_params &p, const sc_reserved_range *res,
	       size_t n_res)
{
	if (p.node_count < 1 || p.node_count > SIDECAR_MAX_NODES)
		return false;
	if (p.hypercall_page == 0 || p.hypercall_page % 4096)
		return false;
	for (uint32_t i = 0; i < p.node_count; i++) {
		const sidecar_node_params &n = p.nodes[i];
		if (n.vp_count < 2 || n.vp_count > SIDECAR_MAX_VPS_PER_NODE)
			return false;
		if (n.memory_base == 0 || n.memory_base % 4096)
			return false;
		if (n.memory_size % 4096 ||
		    n.memory_size < sidecar_required_memory(n.vp_count))
			return false;
		if (n.memory_base + n.memory_size <= n.memory_base)
			return false;
		if (uint64_t(n.base_vp) + n.vp_count > UINT32_MAX)
			return false;
	}
	if (!PerCpuStateHolds(p))
		return false;
	for (uint32_t i = 0; i < p.node_count; i++) {
		const sidecar_node_params &a = p.nodes[i];
		Range ra{ a.memory_base, a.memory_base + a.memory_size };
		for (size_t r = 0; r < n_res; r++) {
			uint64_t end = res[r].base + res[r].size;
			if (end < res[r].base)
				end = UINT64_MAX;
			if (res[r].size && Overlap(ra, { res[r].base, end }))
				return false;
		}
		for (uint32_t j = 0; j < i; j++) {
			const sidecar_node_params &b = p.nodes[j];
			if (Overlap(ra, { b.memory_base,
					  b.memory_base + b.memory_size }))
				return false;
			if (Overlap({ a.base_vp,
				      uint64_t(a.base_vp) + a.vp_count },
				    { b.base_vp,
				      uint64_t(b.base_vp) + b.vp_count }))
				return false;
		}
	}
	return true;
}

// Every page of every VP inside the node's memory, page aligned.
void CheckLayout(const sidecar_node_params &n)
{
	struct sc_node_layout nl;
	sc_node_layout(n.memory_base, n.vp_count, &nl);
	sc_fuzz::Check(nl.used_size == sidecar_required_memory(n.vp_count),
		       "layout size differs from sidecar_required_memory");
	sc_fuzz::Check(nl.used_size <= n.memory_size,
		       "layout does not fit the node's memory");
	const uint64_t end = n.memory_base + nl.used_size;
	// The first, last and a middle VP cover the arithmetic's extremes.
	const uint32_t probes[] = { 0, n.vp_count / 2, n.vp_count - 1 };
	for (uint32_t i : probes) {
		struct sc_vp_layout l;
		sc_vp_layout(&nl, i, &l);
		const uint64_t pages[] = {
			l.command_pa,	  l.register_pa,     l.pml4_pa,
			l.pdpt_pa,	  l.pd_pa,	     l.pt_pa,
			l.stack_pa,	  l.globals_pa,	     l.assist_pa,
			l.hcall_input_pa, l.hcall_output_pa,
		};
		for (uint64_t pa : pages) {
			sc_fuzz::Check(pa % 4096 == 0, "unaligned VP page");
			sc_fuzz::Check(pa > n.memory_base && pa + 4096 <= end,
				       "VP page outside node memory");
		}
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// Leading bytes place the image and the two pages; the rest is the
	// params page, zero-padded.
	uint64_t place[4] = {};
	size_t take = size < sizeof(place) ? size : sizeof(place);
	std::memcpy(place, data, take);
	data += take;
	size -= take;

	auto p = std::make_unique<sidecar_params>();
	std::memcpy(p.get(), data, size < sizeof(*p) ? size : sizeof(*p));
	const sc_reserved_range reserved[] = {
		{ place[0] & ~0xfffull, place[1] % (4ull << 20), "the image" },
		{ place[2] & ~0xfffull, 4096, "the params page" },
		{ place[3] & ~0xfffull, 4096, "the output page" },
	};

	sidecar_command_error err;
	std::memset(&err, 0xa5, sizeof(err));
	auto before = std::make_unique<sidecar_params>(*p);
	bool ok = sc_validate_params(p.get(), reserved, 3, &err);

	sc_fuzz::Check(std::memcmp(before.get(), p.get(), sizeof(*p)) == 0,
		       "validation wrote to the params");
	bool expected = RulesHold(*p, reserved, 3);
	if (ok != expected)
		sc_fuzz::Fail(ok ? "accepted parameters that break a rule" :
				   "rejected parameters that obey every rule");
	if (ok) {
		for (uint32_t i = 0; i < p->node_count; i++)
			CheckLayout(p->nodes[i]);
	} else {
		sc_fuzz::CheckError(err);
	}
	return 0;
}
