// SPDX-License-Identifier: MIT
//
// The node memory layout of hv_facts §12.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sidecar/core/layout.h"
#include "sidecar/defs.h"

namespace
{

constexpr uint64_t kPage = SIDECAR_PAGE_SIZE;

TEST(Layout, Example)
{
	struct sc_node_layout n;
	struct sc_vp_layout v;

	sc_node_layout(0x200000, 2, &n);
	EXPECT_EQ(n.control_pa, 0x200000u);
	EXPECT_EQ(n.shmem_base, 0x201000u);
	EXPECT_EQ(n.shmem_size, 4 * kPage);
	EXPECT_EQ(n.private_base, 0x205000u);
	EXPECT_EQ(n.used_size, 0x1b000u);
	EXPECT_EQ(n.vp_count, 2u);

	sc_vp_layout(&n, 1, &v);
	EXPECT_EQ(v.command_pa, 0x203000u);
	EXPECT_EQ(v.register_pa, 0x204000u);
	// VP 1's private pages follow VP 0's eleven.
	uint64_t p = 0x205000 + 11 * kPage;
	EXPECT_EQ(v.pml4_pa, p + 0 * kPage);
	EXPECT_EQ(v.pdpt_pa, p + 1 * kPage);
	EXPECT_EQ(v.pd_pa, p + 2 * kPage);
	EXPECT_EQ(v.pt_pa, p + 3 * kPage);
	EXPECT_EQ(v.stack_pa, p + 4 * kPage);
	EXPECT_EQ(v.globals_pa, p + 7 * kPage);
	EXPECT_EQ(v.assist_pa, p + 8 * kPage);
	EXPECT_EQ(v.hcall_input_pa, p + 9 * kPage);
	EXPECT_EQ(v.hcall_output_pa, p + 10 * kPage);
	EXPECT_EQ(v.hcall_output_pa + kPage, 0x200000u + n.used_size);
}

// Every page of the node is used exactly once, all inside the node.
void CheckNode(uint64_t base, uint32_t vp_count)
{
	struct sc_node_layout n;

	sc_node_layout(base, vp_count, &n);
	ASSERT_EQ(n.used_size, sidecar_required_memory(vp_count));
	ASSERT_EQ(n.control_pa, base);
	ASSERT_EQ(n.shmem_size, uint64_t(vp_count) * 2 * kPage);

	const uint64_t pages = n.used_size / kPage;
	std::vector<int> uses(pages, 0);
	auto use = [&](uint64_t pa) {
		ASSERT_EQ(pa % kPage, 0u);
		ASSERT_GE(pa, base);
		ASSERT_LT(pa, base + n.used_size);
		uses[(pa - base) / kPage]++;
	};

	use(n.control_pa);
	for (uint32_t i = 0; i < vp_count; i++) {
		struct sc_vp_layout v;

		sc_vp_layout(&n, i, &v);
		for (uint64_t pa :
		     { v.command_pa, v.register_pa, v.pml4_pa, v.pdpt_pa,
		       v.pd_pa, v.pt_pa, v.globals_pa, v.assist_pa,
		       v.hcall_input_pa, v.hcall_output_pa })
			use(pa);
		for (int s = 0; s < SIDECAR_STACK_PAGES; s++)
			use(v.stack_pa + s * kPage);
		// The shared pages are where the driver looks for them.
		ASSERT_EQ(v.command_pa,
			  n.shmem_base + i * sizeof(sidecar_vp_shared_pages));
		ASSERT_EQ(v.register_pa, v.command_pa + kPage);
		ASSERT_LT(v.register_pa, n.shmem_base + n.shmem_size);
		ASSERT_GE(v.pml4_pa, n.private_base);
		if (::testing::Test::HasFatalFailure())
			return;
	}
	for (uint64_t i = 0; i < pages; i++)
		ASSERT_EQ(uses[i], 1)
			<< "page " << i << " of " << vp_count << " VPs";
}

TEST(Layout, EveryPageOnceForManyCounts)
{
	for (uint32_t count :
	     { 2u, 3u, 5u, 31u, 32u, 33u, 100u, 1000u, 4031u, 4032u }) {
		CheckNode(0x40000000, count);
		if (::testing::Test::HasFatalFailure())
			return;
	}
	for (uint32_t count = 2; count <= 64; count++) {
		CheckNode(0x1000, count);
		if (::testing::Test::HasFatalFailure())
			return;
	}
}

TEST(Layout, HighMemory)
{
	// The largest node just below the top of the address space.
	uint64_t size = sidecar_required_memory(SIDECAR_MAX_VPS_PER_NODE);
	CheckNode((UINT64_MAX - size) & ~(kPage - 1), SIDECAR_MAX_VPS_PER_NODE);
}

} // namespace
