// SPDX-License-Identifier: MIT
//
// sc_validate_params: every rule, every message byte for byte, the order of
// the checks, and valid edge cases.

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "sidecar/core/validate.h"

namespace
{

constexpr uint64_t kImage = 0x100000000;

const sc_reserved_range kReserved[] = {
	{ kImage, 0x200000, "the image" },
	{ 0x2000, 0x1000, "the params page" },
	{ 0x3000, 0x1000, "the output page" },
	{ 0x5000, 0, "an empty range" },
};

// Four valid nodes of two VPs each, 16 MiB apart, VPs 0..7.
std::unique_ptr<sidecar_params> ValidParams()
{
	std::unique_ptr<sidecar_params> p(new sidecar_params());

	p->hypercall_page = 0x1000;
	p->node_count = 4;
	for (uint32_t i = 0; i < 4; i++) {
		p->nodes[i].memory_base = 0x1000000ULL * (i + 1);
		p->nodes[i].memory_size = 0x1b000;
		p->nodes[i].base_vp = 2 * i;
		p->nodes[i].vp_count = 2;
	}
	return p;
}

// HEAD's per-CPU state specified, every entry `starts`.
void Specify(sidecar_params &p, uint8_t starts)
{
	p.initial_state.per_cpu_state_specified = 1;
	std::memset(p.initial_state.sidecar_starts_cpu, starts,
		    sizeof(p.initial_state.sidecar_starts_cpu));
}

// Returns "" when valid, else the message.
std::string Validate(const sidecar_params &p)
{
	sidecar_command_error err;

	std::memset(&err, 0xEE, sizeof(err));
	bool ok = sc_validate_params(&p, kReserved, std::size(kReserved), &err);
	if (ok) {
		// Untouched on success.
		for (size_t i = 0; i < sizeof(err); i++)
			EXPECT_EQ(reinterpret_cast<uint8_t *>(&err)[i], 0xEE);
		return "";
	}
	EXPECT_LE(err.len, SIDECAR_ERROR_MAX_LEN);
	std::string s(reinterpret_cast<const char *>(err.buf), err.len);
	EXPECT_GT(s.size(), 0u);
	EXPECT_EQ(s.find('\0'), std::string::npos);
	return s;
}

struct Case {
	const char *name;
	std::function<void(sidecar_params &)> change;
	const char *want; // "" = valid
};

const Case kCases[] = {
	{ "valid as is", [](sidecar_params &) {}, "" },

	// node_count
	{ "no nodes", [](sidecar_params &p) { p.node_count = 0; },
	  "node_count 0 not in 1..=128" },
	{ "too many nodes", [](sidecar_params &p) { p.node_count = 129; },
	  "node_count 129 not in 1..=128" },
	{ "huge node count",
	  [](sidecar_params &p) { p.node_count = UINT32_MAX; },
	  "node_count 4294967295 not in 1..=128" },
	{ "one node", [](sidecar_params &p) { p.node_count = 1; }, "" },

	// hypercall_page
	{ "hypercall page zero",
	  [](sidecar_params &p) { p.hypercall_page = 0; },
	  "hypercall_page is zero" },
	{ "hypercall page unaligned",
	  [](sidecar_params &p) { p.hypercall_page = 0x1001; },
	  "hypercall_page 0x1001 not page aligned" },
	{ "hypercall page high",
	  [](sidecar_params &p) { p.hypercall_page = 0xfffffffffffff000; },
	  "" },
	{ "hypercall page unaligned high",
	  [](sidecar_params &p) { p.hypercall_page = 0xfffffffffffffff8; },
	  "hypercall_page 0xfffffffffffffff8 not page aligned" },

	// vp_count
	{ "vp_count 1", [](sidecar_params &p) { p.nodes[3].vp_count = 1; },
	  "node 3: vp_count 1 not in 2..=4032" },
	{ "vp_count 0", [](sidecar_params &p) { p.nodes[3].vp_count = 0; },
	  "node 3: vp_count 0 not in 2..=4032" },
	{ "vp_count 4033",
	  [](sidecar_params &p) { p.nodes[3].vp_count = 4033; },
	  "node 3: vp_count 4033 not in 2..=4032" },
	{ "vp_count 4032 with exact memory",
	  [](sidecar_params &p) {
		  p.nodes[3].vp_count = 4032;
		  p.nodes[3].memory_size = 0xccc1000;
	  },
	  "" },

	// memory_base
	{ "memory_base zero",
	  [](sidecar_params &p) { p.nodes[3].memory_base = 0; },
	  "node 3: memory_base is zero" },
	{ "memory_base unaligned",
	  [](sidecar_params &p) { p.nodes[3].memory_base = 0x1234; },
	  "node 3: memory_base 0x1234 not page aligned" },
	{ "memory_base anywhere page aligned",
	  [](sidecar_params &p) { p.nodes[3].memory_base = 0x7000; }, "" },

	// memory_size
	{ "memory_size unaligned",
	  [](sidecar_params &p) { p.nodes[3].memory_size = 0x1234; },
	  "node 3: memory_size 0x1234 not a page multiple" },
	{ "memory_size too small",
	  [](sidecar_params &p) { p.nodes[3].memory_size = 0x1000; },
	  "node 3: memory_size 0x1000 < required 0x1b000" },
	{ "memory_size zero",
	  [](sidecar_params &p) { p.nodes[3].memory_size = 0; },
	  "node 3: memory_size 0x0 < required 0x1b000" },
	{ "memory_size one page short",
	  [](sidecar_params &p) { p.nodes[3].memory_size = 0x1a000; },
	  "node 3: memory_size 0x1a000 < required 0x1b000" },
	{ "memory_size short for 4032 VPs",
	  [](sidecar_params &p) {
		  p.nodes[3].vp_count = 4032;
		  p.nodes[3].memory_size = 0xccc0000;
	  },
	  "node 3: memory_size 0xccc0000 < required 0xccc1000" },
	{ "memory_size larger than required",
	  [](sidecar_params &p) { p.nodes[3].memory_size = 0x800000; }, "" },

	// memory_base + memory_size
	{ "memory end overflows",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0xffffffffffff0000;
	  },
	  "node 3: memory_base 0xffffffffffff0000 + memory_size 0x1b000 overflows" },
	{ "memory ends at 2^64",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0xfffffffffffe5000;
	  },
	  "node 3: memory_base 0xfffffffffffe5000 + memory_size 0x1b000 overflows" },
	{ "memory ends one page below 2^64",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0xfffffffffffe4000;
	  },
	  "" },
	{ "huge memory_size overflows",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_size = 0xfffffffffffff000;
	  },
	  "node 3: memory_base 0x4000000 + memory_size 0xfffffffffffff000 overflows" },

	// base_vp + vp_count
	{ "VP range overflows",
	  [](sidecar_params &p) {
		  p.nodes[3].base_vp = 4294967290u;
		  p.nodes[3].vp_count = 10;
		  p.nodes[3].memory_size = 0x100000;
	  },
	  "node 3: base_vp 4294967290 + vp_count 10 overflows" },
	{ "VP range ends at 2^32",
	  [](sidecar_params &p) { p.nodes[3].base_vp = 4294967294u; },
	  "node 3: base_vp 4294967294 + vp_count 2 overflows" },
	{ "VP range ends at UINT32_MAX",
	  [](sidecar_params &p) { p.nodes[3].base_vp = 4294967293u; }, "" },

	// node memory against node memory
	{ "same memory",
	  [](sidecar_params &p) {
		  p.nodes[1].memory_base = 0x200000;
		  p.nodes[3].memory_base = 0x200000;
	  },
	  "node 3: memory [0x200000, 0x21b000) overlaps node 1 memory [0x200000, 0x21b000)" },
	{ "last page overlaps",
	  [](sidecar_params &p) { p.nodes[3].memory_base = 0x201a000; },
	  "node 3: memory [0x201a000, 0x2035000) overlaps node 1 memory [0x2000000, 0x201b000)" },
	{ "first page overlaps",
	  [](sidecar_params &p) { p.nodes[0].memory_base = 0x2fe6000; },
	  "node 2: memory [0x3000000, 0x301b000) overlaps node 0 memory [0x2fe6000, 0x3001000)" },
	{ "inside a larger node",
	  [](sidecar_params &p) { p.nodes[0].memory_size = 0x10000000; },
	  "node 1: memory [0x2000000, 0x201b000) overlaps node 0 memory [0x1000000, 0x11000000)" },
	{ "adjacent memory",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0x201b000;
		  p.nodes[2].memory_base = 0x1fe5000;
	  },
	  "" },
	{ "earliest overlapping node is named",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0x1000000;
		  p.nodes[3].memory_size = 0x4000000;
	  },
	  "node 3: memory [0x1000000, 0x5000000) overlaps node 0 memory [0x1000000, 0x101b000)" },
	{ "earliest later node is reported",
	  [](sidecar_params &p) {
		  p.nodes[2].memory_base = 0x2000000;
		  p.nodes[3].memory_base = 0x1000000;
	  },
	  "node 2: memory [0x2000000, 0x201b000) overlaps node 1 memory [0x2000000, 0x201b000)" },

	// node memory against reserved ranges
	{ "overlaps the image",
	  [](sidecar_params &p) { p.nodes[3].memory_base = kImage + 0x1000; },
	  "node 3: memory [0x100001000, 0x10001c000) overlaps the image [0x100000000, 0x100200000)" },
	{ "covers the params page",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0x1000;
		  p.nodes[3].memory_size = 0x100000;
	  },
	  "node 3: memory [0x1000, 0x101000) overlaps the params page [0x2000, 0x3000)" },
	{ "starts on the output page",
	  [](sidecar_params &p) { p.nodes[3].memory_base = 0x3000; },
	  "node 3: memory [0x3000, 0x1e000) overlaps the output page [0x3000, 0x4000)" },
	{ "adjacent to the image on both sides",
	  [](sidecar_params &p) {
		  p.nodes[2].memory_base = kImage - 0x1b000;
		  p.nodes[3].memory_base = kImage + 0x200000;
	  },
	  "" },
	{ "just after the output page, over an empty range",
	  [](sidecar_params &p) { p.nodes[3].memory_base = 0x4000; }, "" },

	// VPs
	{ "VPs overlap",
	  [](sidecar_params &p) {
		  p.nodes[1].vp_count = 4;
		  p.nodes[1].memory_size = 0x35000;
		  p.nodes[2].base_vp = 100;
		  p.nodes[3].base_vp = 4;
		  p.nodes[3].vp_count = 4;
		  p.nodes[3].memory_size = 0x35000;
	  },
	  "node 3: VPs [4, 8) overlap node 1 VPs [2, 6)" },
	{ "same VPs", [](sidecar_params &p) { p.nodes[1].base_vp = 0; },
	  "node 1: VPs [0, 2) overlap node 0 VPs [0, 2)" },
	{ "VPs adjacent and out of order",
	  [](sidecar_params &p) {
		  p.nodes[0].base_vp = 6;
		  p.nodes[3].base_vp = 0;
	  },
	  "" },
	{ "VP range at the top",
	  [](sidecar_params &p) {
		  p.nodes[2].base_vp = 4294967293u;
		  p.nodes[3].base_vp = 4294967292u;
	  },
	  "node 3: VPs [4294967292, 4294967294) overlap node 2 VPs [4294967293, 4294967295)" },

	// Order of the checks.
	{ "first bad field of a node wins",
	  [](sidecar_params &p) {
		  p.nodes[3].vp_count = 1;
		  p.nodes[3].memory_base = 0x1234;
	  },
	  "node 3: vp_count 1 not in 2..=4032" },
	{ "base before size",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0x1234;
		  p.nodes[3].memory_size = 0x1234;
	  },
	  "node 3: memory_base 0x1234 not page aligned" },
	{ "size before overflow",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0xfffffffffffff000;
		  p.nodes[3].memory_size = 0x1000;
	  },
	  "node 3: memory_size 0x1000 < required 0x1b000" },
	{ "memory overflow before VP overflow",
	  [](sidecar_params &p) {
		  p.nodes[3].memory_base = 0xfffffffffffff000;
		  p.nodes[3].base_vp = UINT32_MAX;
	  },
	  "node 3: memory_base 0xfffffffffffff000 + memory_size 0x1b000 overflows" },
	{ "earlier node's later field first",
	  [](sidecar_params &p) {
		  p.nodes[1].base_vp = UINT32_MAX;
		  p.nodes[3].vp_count = 1;
	  },
	  "node 1: base_vp 4294967295 + vp_count 2 overflows" },
	{ "fields before pairs",
	  [](sidecar_params &p) {
		  p.nodes[1].memory_base = p.nodes[0].memory_base;
		  p.nodes[3].memory_size = 0x1000;
	  },
	  "node 3: memory_size 0x1000 < required 0x1b000" },
	{ "node pairs before reserved ranges",
	  [](sidecar_params &p) {
		  p.nodes[0].memory_base = kImage;
		  p.nodes[3].memory_base = p.nodes[2].memory_base;
	  },
	  "node 3: memory [0x3000000, 0x301b000) overlaps node 2 memory [0x3000000, 0x301b000)" },
	{ "reserved ranges before VPs",
	  [](sidecar_params &p) {
		  p.nodes[1].base_vp = 0;
		  p.nodes[3].memory_base = kImage;
	  },
	  "node 3: memory [0x100000000, 0x10001b000) overlaps the image [0x100000000, 0x100200000)" },
	{ "hypercall page before nodes",
	  [](sidecar_params &p) {
		  p.hypercall_page = 0x10;
		  p.nodes[0].vp_count = 0;
	  },
	  "hypercall_page 0x10 not page aligned" },
	{ "node_count before hypercall page",
	  [](sidecar_params &p) {
		  p.hypercall_page = 0;
		  p.node_count = 0;
	  },
	  "node_count 0 not in 1..=128" },

	// initial_state (HEAD): all zero, as the seed era leaves it, is
	// "not specified" (every case above).
	{ "specified, every CPU the sidecar's",
	  [](sidecar_params &p) { Specify(p, 1); }, "" },
	{ "specified, base VPs marked 0 and 1",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.initial_state.sidecar_starts_cpu[0] = 0;
		  p.initial_state.sidecar_starts_cpu[2] = 1;
	  },
	  "" },
	{ "specified, one AP per node is enough",
	  [](sidecar_params &p) {
		  Specify(p, 0);
		  for (uint32_t i = 0; i < 4; i++)
			  p.initial_state.sidecar_starts_cpu[2 * i + 1] = 1;
	  },
	  "" },
	{ "specified as 2",
	  [](sidecar_params &p) {
		  p.initial_state.per_cpu_state_specified = 2;
	  },
	  "initial_state.per_cpu_state_specified 2 not 0 or 1" },
	{ "not specified: the array is ignored",
	  [](sidecar_params &p) {
		  std::memset(p.initial_state.sidecar_starts_cpu, 7,
			      sizeof(p.initial_state.sidecar_starts_cpu));
		  p.nodes[3].base_vp = 1000;
	  },
	  "" },
	{ "node left with no AP",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.initial_state.sidecar_starts_cpu[5] = 0;
	  },
	  "node 2: no AP left to the sidecar: initial_state.sidecar_starts_cpu[5..5] all 0" },
	{ "node left with only its base VP",
	  [](sidecar_params &p) {
		  Specify(p, 0);
		  for (uint32_t vp = 0; vp < 6; vp++)
			  p.initial_state.sidecar_starts_cpu[vp] = 1;
		  p.initial_state.sidecar_starts_cpu[6] = 1;
	  },
	  "node 3: no AP left to the sidecar: initial_state.sidecar_starts_cpu[7..7] all 0" },
	{ "entry neither 0 nor 1",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.initial_state.sidecar_starts_cpu[6] = 0xff;
	  },
	  "node 3: initial_state.sidecar_starts_cpu[6] 255 not 0 or 1" },
	{ "entries outside every node are ignored",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.initial_state.sidecar_starts_cpu[8] = 0xff;
		  p.initial_state.sidecar_starts_cpu[399] = 0;
	  },
	  "" },
	{ "node ending at VP 400",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.nodes[3].base_vp = 398;
	  },
	  "" },
	{ "node reaching past VP 399",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.nodes[3].base_vp = 399;
	  },
	  "node 3: VPs [399, 401) beyond the 400 entries of initial_state.sidecar_starts_cpu" },
	{ "node starting past VP 399",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.nodes[1].base_vp = 4000;
	  },
	  "node 1: VPs [4000, 4002) beyond the 400 entries of initial_state.sidecar_starts_cpu" },
	{ "node near 2^32 with overrides",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.nodes[1].base_vp = UINT32_MAX - 2;
	  },
	  "node 1: VPs [4294967293, 4294967295) beyond the 400 entries of initial_state.sidecar_starts_cpu" },
	{ "VP pairs before initial_state",
	  [](sidecar_params &p) {
		  Specify(p, 0);
		  p.nodes[3].base_vp = 0;
	  },
	  "node 3: VPs [0, 2) overlap node 0 VPs [0, 2)" },
	{ "earlier node's initial_state first",
	  [](sidecar_params &p) {
		  Specify(p, 1);
		  p.initial_state.sidecar_starts_cpu[3] = 0;
		  p.nodes[3].base_vp = 500;
	  },
	  "node 1: no AP left to the sidecar: initial_state.sidecar_starts_cpu[3..3] all 0" },

	{ "nodes past node_count are ignored",
	  [](sidecar_params &p) {
		  p.node_count = 3;
		  p.nodes[3].vp_count = 0;
		  p.nodes[4].memory_base = 0x1234;
	  },
	  "" },
};

TEST(Validate, Table)
{
	for (const Case &c : kCases) {
		auto p = ValidParams();

		c.change(*p);
		EXPECT_EQ(Validate(*p), c.want) << c.name;
	}
}

TEST(Validate, ReadsOnly)
{
	for (const Case &c : kCases) {
		auto p = ValidParams();
		auto copy = ValidParams();

		c.change(*p);
		c.change(*copy);
		Validate(*p);
		EXPECT_EQ(std::memcmp(p.get(), copy.get(), sizeof(*p)), 0)
			<< c.name;
	}
}

TEST(Validate, AllNodesAtTheLimits)
{
	// 128 nodes of 32 VPs, packed back to back.
	auto p = ValidParams();
	uint64_t size = sidecar_required_memory(32);

	p->node_count = SIDECAR_MAX_NODES;
	for (uint32_t i = 0; i < SIDECAR_MAX_NODES; i++) {
		p->nodes[i].memory_base = 0x200000000ULL + i * size;
		p->nodes[i].memory_size = size;
		p->nodes[i].base_vp = 32 * i;
		p->nodes[i].vp_count = 32;
	}
	EXPECT_EQ(Validate(*p), "");

	// The last node against the first.
	p->nodes[127].base_vp = 31;
	EXPECT_EQ(Validate(*p),
		  "node 127: VPs [31, 63) overlap node 0 VPs [0, 32)");
	p->nodes[127].base_vp = 32 * 127;
	p->nodes[127].memory_base = 0x200000000ULL;
	EXPECT_EQ(
		Validate(*p),
		"node 127: memory [0x200000000, 0x2001a1000) overlaps node 0 memory [0x200000000, 0x2001a1000)");
}

TEST(Validate, NoReservedRanges)
{
	auto p = ValidParams();
	sidecar_command_error err;

	p->nodes[3].memory_base = kImage;
	EXPECT_TRUE(sc_validate_params(p.get(), nullptr, 0, &err));
}

TEST(Validate, ReservedRangeAtTheTop)
{
	// A reserved range whose end would wrap is treated as reaching the
	// top of memory.
	auto p = ValidParams();
	sidecar_command_error err;
	const sc_reserved_range top[] = {
		{ 0xfffffffffff00000, 0x200000, "the top" },
	};

	p->nodes[3].memory_base = 0xfffffffffff80000;
	ASSERT_FALSE(sc_validate_params(p.get(), top, 1, &err));
	EXPECT_EQ(
		std::string(reinterpret_cast<char *>(err.buf), err.len),
		"node 3: memory [0xfffffffffff80000, 0xfffffffffff9b000) overlaps the top [0xfffffffffff00000, 0xffffffffffffffff)");
}

} // namespace
