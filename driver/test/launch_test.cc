// SPDX-License-Identifier: MIT
//
// launch: topology to sidecar_params, memory placement and boot_cpus=.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sidecar/driver/launch.h"

namespace
{

// Per NUMA node: a capacity in bytes and a bump pointer. Physical addresses
// encode the node so tests can check where memory came from.
struct FakeMemory {
	std::vector<uint64_t> capacity;
	std::vector<uint64_t> used;
	std::map<uint64_t, uint64_t> live; // pa -> size
	int allocs = 0, frees = 0;

	explicit FakeMemory(std::vector<uint64_t> cap)
	    : capacity(cap)
	    , used(cap.size(), 0)
	{
	}

	static uint64_t Base(uint32_t numa)
	{
		return (uint64_t)(numa + 1) << 40;
	}

	static uint32_t NumaOf(uint64_t pa)
	{
		return (uint32_t)(pa >> 40) - 1;
	}

	static bool Alloc(void *ctx, uint32_t numa, uint64_t size, uint64_t *pa)
	{
		auto *m = static_cast<FakeMemory *>(ctx);
		if (numa >= m->capacity.size() ||
		    m->capacity[numa] - m->used[numa] < size)
			return false;
		*pa = Base(numa) + m->used[numa];
		m->used[numa] += size;
		m->live[*pa] = size;
		m->allocs++;
		return true;
	}

	static void Free(void *ctx, uint64_t pa, uint64_t size)
	{
		auto *m = static_cast<FakeMemory *>(ctx);
		auto it = m->live.find(pa);
		ASSERT_NE(it, m->live.end()) << "free of unknown " << pa;
		EXPECT_EQ(it->second, size);
		m->live.erase(it);
		m->frees++;
	}

	sd_mem_allocator Allocator()
	{
		return sd_mem_allocator{ this, Alloc, Free };
	}
};

constexpr uint64_t kPlenty = 1ull << 36;

std::vector<sd_cpu> Topology(const std::vector<uint32_t> &per_numa)
{
	std::vector<sd_cpu> cpus;
	for (uint32_t numa = 0; numa < per_numa.size(); numa++)
		for (uint32_t i = 0; i < per_numa[numa]; i++)
			cpus.push_back(
				sd_cpu{ (uint32_t)cpus.size() * 2, numa });
	return cpus;
}

struct Launch {
	std::vector<sd_cpu> cpus;
	FakeMemory mem;
	sd_mem_allocator alloc;
	sd_launch_config cfg;
	std::unique_ptr<sidecar_params> params{ new sidecar_params() };
	std::unique_ptr<sd_launch_info> plan{ new sd_launch_info() };

	Launch(std::vector<sd_cpu> c, std::vector<uint64_t> capacity = {})
	    : cpus(std::move(c))
	    , mem(capacity)
	    , alloc(mem.Allocator())
	    , cfg()
	{
		if (capacity.empty()) {
			uint32_t numa = 0;
			for (auto &cpu : cpus)
				numa = std::max(numa, cpu.numa_node + 1);
			mem = FakeMemory(std::vector<uint64_t>(numa, kPlenty));
		}
		cfg.cpus = cpus.data();
		cfg.cpu_count = (uint32_t)cpus.size();
		cfg.x2apic = true;
		cfg.hypercall_page = 0x5000;
		cfg.mem = &alloc;
	}

	sd_launch_result Run()
	{
		return sd_launch_plan(&cfg, params.get(), plan.get());
	}

	std::string BootCpus()
	{
		size_t n = sd_launch_boot_cpus(params.get(), cfg.cpu_count,
					       nullptr, 0);
		std::string s(n + 1, '\0');
		EXPECT_EQ(sd_launch_boot_cpus(params.get(), cfg.cpu_count,
					      &s[0], s.size()),
			  n);
		s.resize(n);
		return s;
	}
};

struct TopologyCase {
	const char *name;
	std::vector<uint32_t> per_numa;
	// Expected node sizes, in VP order; empty: sidecar not used.
	std::vector<uint32_t> sizes;
	sd_launch_result result;
	const char *boot_cpus; // nullptr: not checked
};

std::string Name(const testing::TestParamInfo<TopologyCase> &info)
{
	return info.param.name;
}

std::vector<uint32_t> Repeat(uint32_t v, uint32_t n)
{
	return std::vector<uint32_t>(n, v);
}

class TopologyTest : public testing::TestWithParam<TopologyCase> {};

TEST_P(TopologyTest, SplitsIntoBalancedChunks)
{
	const TopologyCase &tc = GetParam();
	Launch l(Topology(tc.per_numa));

	ASSERT_EQ(l.Run(), tc.result) << l.plan->message;
	EXPECT_EQ(l.plan->result, tc.result);
	if (tc.result != SD_LAUNCH_OK) {
		EXPECT_EQ(l.params->node_count, 0u);
		EXPECT_TRUE(l.mem.live.empty());
		EXPECT_NE(std::string(l.plan->message), "");
		return;
	}

	ASSERT_EQ(l.params->node_count, tc.sizes.size());
	std::vector<uint32_t> sizes;
	uint64_t total = 0;
	uint32_t covered = 0;
	for (uint32_t i = 0; i < l.params->node_count; i++) {
		const sidecar_node_params &np = l.params->nodes[i];
		sizes.push_back(np.vp_count);
		EXPECT_GE(np.vp_count, 2u);
		EXPECT_LE(np.vp_count, (uint32_t)SD_MAX_NODE_CPUS);
		EXPECT_EQ(np.memory_size, sidecar_required_memory(np.vp_count));
		EXPECT_EQ(np.memory_base % SIDECAR_PAGE_SIZE, 0u);
		// Never spans NUMA nodes; memory is local when there is some.
		uint32_t numa = l.cpus[np.base_vp].numa_node;
		for (uint32_t v = 0; v < np.vp_count; v++)
			EXPECT_EQ(l.cpus[np.base_vp + v].numa_node, numa);
		EXPECT_EQ(FakeMemory::NumaOf(np.memory_base), numa);
		EXPECT_EQ(l.plan->cpu_numa[i], numa);
		EXPECT_EQ(l.plan->mem_numa[i], numa);
		if (i > 0) {
			const sidecar_node_params &prev =
				l.params->nodes[i - 1];
			EXPECT_GE(np.base_vp, prev.base_vp + prev.vp_count);
		}
		total += np.memory_size;
		covered += np.vp_count;
	}
	EXPECT_EQ(sizes, tc.sizes);
	EXPECT_EQ(l.plan->total_memory, total);
	EXPECT_EQ(covered + l.plan->single_cpus, l.cfg.cpu_count);
	EXPECT_EQ(l.params->hypercall_page, 0x5000u);
	EXPECT_EQ(l.params->enable_logging, 0);
	if (tc.boot_cpus)
		EXPECT_EQ(l.BootCpus(), tc.boot_cpus);
}

// Fewest chunks per NUMA node, as openhcl_boot cuts them: every chunk
// ceil(cpus / chunks) but the last, which may be shorter.
TEST_P(TopologyTest, ChunksAreFewestAndEven)
{
	const TopologyCase &tc = GetParam();
	Launch l(Topology(tc.per_numa));

	if (l.Run() != SD_LAUNCH_OK)
		return;
	std::map<uint32_t, std::vector<uint32_t>> by_numa;
	for (uint32_t i = 0; i < l.params->node_count; i++) {
		const sidecar_node_params &np = l.params->nodes[i];
		by_numa[l.cpus[np.base_vp].numa_node].push_back(np.vp_count);
	}
	for (auto &[numa, chunks] : by_numa) {
		uint32_t cpus = tc.per_numa[numa];
		EXPECT_EQ(chunks.size(),
			  (cpus + SD_MAX_NODE_CPUS - 1) / SD_MAX_NODE_CPUS)
			<< "numa " << numa;
		uint32_t size = (cpus + chunks.size() - 1) / chunks.size();
		for (size_t k = 0; k + 1 < chunks.size(); k++)
			EXPECT_EQ(chunks[k], size) << "numa " << numa;
		EXPECT_LE(chunks.back(), size) << "numa " << numa;
	}
}

INSTANTIATE_TEST_SUITE_P(
	Launch, TopologyTest,
	testing::Values(TopologyCase{ "OneCpu",
				      { 1 },
				      {},
				      SD_LAUNCH_ONE_CPU_CHUNKS,
				      nullptr },
			TopologyCase{ "TwoCpus",
				      { 2 },
				      { 2 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0" },
			TopologyCase{ "ThirtyTwo",
				      { 32 },
				      { 32 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0" },
			TopologyCase{ "ThirtyThree",
				      { 33 },
				      { 17, 16 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,17" },
			TopologyCase{ "SixtyFour",
				      { 64 },
				      { 32, 32 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,32" },
			TopologyCase{ "SixtyFive",
				      { 65 },
				      { 22, 22, 21 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,22,44" },
			TopologyCase{ "NinetySeven",
				      { 97 },
				      { 25, 25, 25, 22 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,25,50,75" },
			TopologyCase{ "FourNumaOf47",
				      { 47, 47, 47, 47 },
				      { 24, 23, 24, 23, 24, 23, 24, 23 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,24,47,71,94,118,141,165" },
			TopologyCase{ "Cpus2048",
				      { 2048 },
				      Repeat(32, 64),
				      SD_LAUNCH_OK,
				      nullptr },
			TopologyCase{ "Cpus2048In8Numa", Repeat(256, 8),
				      Repeat(32, 64), SD_LAUNCH_OK, nullptr },
			TopologyCase{ "AllNumaOneCpu",
				      { 1, 1, 1, 1 },
				      {},
				      SD_LAUNCH_ONE_CPU_CHUNKS,
				      nullptr },
			// The one-CPU NUMA node stays with the main kernel.
			TopologyCase{ "MixedSingles",
				      { 1, 3, 1, 2 },
				      { 3, 2 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,1,4,5" },
			TopologyCase{ "UnevenNuma",
				      { 40, 5, 70 },
				      { 20, 20, 5, 24, 24, 22 },
				      SD_LAUNCH_OK,
				      "boot_cpus=0,20,40,45,69,93" },
			// 129 chunks of two: one more than SidecarParams holds.
			TopologyCase{ "TooManyNodes",
				      Repeat(2, 129),
				      {},
				      SD_LAUNCH_TOO_MANY_NODES,
				      nullptr },
			TopologyCase{ "ExactlyMaxNodes", Repeat(2, 128),
				      Repeat(2, 128), SD_LAUNCH_OK, nullptr }),
	Name);

TEST(Launch, Cpus2048BootCpusAreEvery32nd)
{
	Launch l(Topology({ 2048 }));
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	std::string want = "boot_cpus=";
	for (int i = 0; i < 64; i++)
		want += (i ? "," : "") + std::to_string(i * 32);
	EXPECT_EQ(l.BootCpus(), want);
	EXPECT_EQ(l.plan->total_memory, 64 * sidecar_required_memory(32));
}

// A NUMA node whose CPUs are not consecutive gives several runs: a node's
// VPs must be one contiguous range.
TEST(Launch, InterleavedNumaNodesAreChunkedPerRun)
{
	std::vector<sd_cpu> cpus;
	for (uint32_t numa : { 0, 0, 0, 1, 1, 0, 0 })
		cpus.push_back(sd_cpu{ (uint32_t)cpus.size(), numa });
	Launch l(cpus);
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	ASSERT_EQ(l.params->node_count, 3u);
	EXPECT_EQ(l.params->nodes[0].base_vp, 0u);
	EXPECT_EQ(l.params->nodes[0].vp_count, 3u);
	EXPECT_EQ(l.params->nodes[1].base_vp, 3u);
	EXPECT_EQ(l.params->nodes[1].vp_count, 2u);
	EXPECT_EQ(l.params->nodes[2].base_vp, 5u);
	EXPECT_EQ(l.params->nodes[2].vp_count, 2u);
	EXPECT_EQ(l.BootCpus(), "boot_cpus=0,3,5");
}

TEST(Launch, NoX2apicMeansNoSidecar)
{
	Launch l(Topology({ 64 }));
	l.cfg.x2apic = false;
	EXPECT_EQ(l.Run(), SD_LAUNCH_NO_X2APIC);
	EXPECT_EQ(l.params->node_count, 0u);
	EXPECT_EQ(l.mem.allocs, 0);
	EXPECT_NE(std::string(l.plan->message).find("x2APIC"),
		  std::string::npos);
	// Without a sidecar, the main kernel boots every CPU.
	EXPECT_EQ(sd_launch_boot_cpus(l.params.get(), 3, nullptr, 0),
		  std::string("boot_cpus=0,1,2").size());
}

TEST(Launch, MemoryFallsBackToTheNextNumaNode)
{
	// Node 1 has room for nothing, node 2 for one chunk of 24.
	uint64_t one = sidecar_required_memory(24);
	Launch l(Topology({ 47, 47, 47 }), { 5 * one, 0, one + one / 2 });
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK) << l.plan->message;
	ASSERT_EQ(l.params->node_count, 6u);
	std::vector<uint32_t> where;
	for (uint32_t i = 0; i < 6; i++) {
		where.push_back(l.plan->mem_numa[i]);
		EXPECT_EQ(FakeMemory::NumaOf(l.params->nodes[i].memory_base),
			  l.plan->mem_numa[i]);
	}
	// numa 0: local. numa 1: the first chunk to the next node, 2; the
	// second finds 2 full and wraps to 0. numa 2: its own node is full.
	EXPECT_EQ(where, (std::vector<uint32_t>{ 0, 0, 2, 0, 0, 0 }));
	EXPECT_EQ(l.plan->cpu_numa[2], 1u);
	EXPECT_EQ(l.plan->cpu_numa[4], 2u);
}

TEST(Launch, NotEnoughMemoryFreesEverythingAndSaysWhich)
{
	uint64_t one = sidecar_required_memory(32);
	Launch l(Topology({ 64, 64 }), { one, 2 * one });
	EXPECT_EQ(l.Run(), SD_LAUNCH_NO_MEMORY);
	EXPECT_EQ(l.params->node_count, 0u);
	EXPECT_EQ(l.params->nodes[0].memory_base, 0u);
	EXPECT_EQ(l.mem.allocs, 3);
	EXPECT_EQ(l.mem.frees, 3);
	EXPECT_TRUE(l.mem.live.empty());
	std::string msg = l.plan->message;
	EXPECT_NE(msg.find("node 3 (VPs 96..127)"), std::string::npos) << msg;
	// (1 + 13 * 32) pages.
	EXPECT_NE(msg.find("0x1a1000 bytes"), std::string::npos) << msg;
}

TEST(Launch, LoggingAndHypercallPageArePassedOn)
{
	Launch l(Topology({ 8 }));
	l.cfg.enable_logging = true;
	l.cfg.hypercall_page = 0x7f000;
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	EXPECT_EQ(l.params->enable_logging, 1);
	EXPECT_EQ(l.params->hypercall_page, 0x7f000u);
}

TEST(Launch, BadConfigIsRejected)
{
	Launch none(std::vector<sd_cpu>{});
	EXPECT_EQ(none.Run(), SD_LAUNCH_BAD_CONFIG);

	Launch l(Topology({ 4, 4 }));
	l.cfg.numa_node_count = 1; // CPU 4 says node 1
	EXPECT_EQ(l.Run(), SD_LAUNCH_BAD_CONFIG);
	EXPECT_EQ(std::string(l.plan->message),
		  "cpu 4: NUMA node 1 >= numa_node_count 1");
}

// A smaller node size (the test kernel's --node-size): the same even split,
// per NUMA run, with the smaller bound.
TEST(Launch, MaxNodeCpusBoundsTheChunks)
{
	struct Case {
		std::vector<uint32_t> per_numa;
		uint32_t max;
		std::vector<uint32_t> sizes;
		const char *boot_cpus;
	};
	const Case cases[] = {
		{ { 13 }, 5, { 5, 5, 3 }, "boot_cpus=0,5,10" },
		{ { 64 }, 16, { 16, 16, 16, 16 }, "boot_cpus=0,16,32,48" },
		{ { 16 }, 8, { 8, 8 }, "boot_cpus=0,8" },
		{ { 3, 5 }, 4, { 3, 3, 2 }, "boot_cpus=0,3,6" },
		{ { 7 }, 2, { 2, 2, 2 }, "boot_cpus=0,2,4,6" },
		{ { 40 }, 32, { 20, 20 }, "boot_cpus=0,20" },
		{ { 40 }, 0, { 20, 20 }, "boot_cpus=0,20" },
	};
	for (const Case &c : cases) {
		Launch l(Topology(c.per_numa));
		l.cfg.max_node_cpus = c.max;
		ASSERT_EQ(l.Run(), SD_LAUNCH_OK) << l.plan->message;
		std::vector<uint32_t> sizes;
		for (uint32_t i = 0; i < l.params->node_count; i++)
			sizes.push_back(l.params->nodes[i].vp_count);
		EXPECT_EQ(sizes, c.sizes) << "max " << c.max;
		EXPECT_EQ(l.BootCpus(), c.boot_cpus) << "max " << c.max;
	}
}

TEST(Launch, MaxNodeCpusOfOneLeavesNothing)
{
	Launch l(Topology({ 4 }));
	l.cfg.max_node_cpus = 1;
	EXPECT_EQ(l.Run(), SD_LAUNCH_ONE_CPU_CHUNKS);
	EXPECT_EQ(l.mem.allocs, 0);
}

TEST(Launch, MaxNodeCpusAbove32IsRejected)
{
	Launch l(Topology({ 64 }));
	l.cfg.max_node_cpus = SD_MAX_NODE_CPUS + 1;
	EXPECT_EQ(l.Run(), SD_LAUNCH_BAD_CONFIG);
	EXPECT_EQ(std::string(l.plan->message), "max_node_cpus 33 > 32");
	EXPECT_EQ(l.mem.allocs, 0);
}

// The last chunk of a run can be a single CPU (993 = 31 x 32 + 1): the
// main kernel keeps it.
TEST(Launch, LastChunkOfOneStaysWithTheKernel)
{
	Launch l(Topology({ 993 }));

	ASSERT_EQ(l.Run(), SD_LAUNCH_OK) << l.plan->message;
	EXPECT_EQ(l.params->node_count, 31u);
	EXPECT_EQ(l.plan->single_cpus, 1u);
	EXPECT_EQ(l.params->nodes[30].base_vp + l.params->nodes[30].vp_count,
		  992u);
}

// HEAD's per-CPU state: passed on, and its kernel-started CPUs booted by
// the main kernel. Two nodes of 4: VPs 0..3 and 4..7.
struct PerCpu : Launch {
	sidecar_per_cpu_state state{};

	PerCpu()
	    : Launch(Topology({ 8 }))
	{
		cfg.max_node_cpus = 4;
		state.per_cpu_state_specified = 1;
		std::memset(state.sidecar_starts_cpu, 1,
			    sizeof(state.sidecar_starts_cpu));
		cfg.initial_state = &state;
	}
};

TEST(Launch, PerCpuStateKernelStartedCpusBootWithTheKernel)
{
	PerCpu l;

	l.state.sidecar_starts_cpu[2] = 0;
	l.state.sidecar_starts_cpu[5] = 0;
	l.state.sidecar_starts_cpu[7] = 0;
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK) << l.plan->message;
	EXPECT_EQ(std::memcmp(&l.params->initial_state, &l.state,
			      sizeof(l.state)),
		  0);
	EXPECT_EQ(l.BootCpus(), "boot_cpus=0,2,4,5,7");
	EXPECT_EQ(std::string(l.plan->message),
		  "2 nodes, 3 sidecar CPUs, 0x6a000 bytes");
}

// A base VP marked true is still the main kernel's, once.
TEST(Launch, PerCpuStateBaseVpIsTheKernelsEitherWay)
{
	PerCpu l;

	l.state.sidecar_starts_cpu[4] = 0;
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	EXPECT_EQ(l.BootCpus(), "boot_cpus=0,4");
}

TEST(Launch, PerCpuStateNotSpecifiedChangesNothing)
{
	PerCpu l;

	l.state.per_cpu_state_specified = 0;
	std::memset(l.state.sidecar_starts_cpu, 0,
		    sizeof(l.state.sidecar_starts_cpu));
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	EXPECT_EQ(l.BootCpus(), "boot_cpus=0,4");
	EXPECT_EQ(l.params->initial_state.per_cpu_state_specified, 0);
}

TEST(Launch, NoPerCpuStateLeavesItZero)
{
	Launch l(Topology({ 8 }));

	std::memset(&l.params->initial_state, 0xa5,
		    sizeof(l.params->initial_state));
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	const auto *b =
		reinterpret_cast<const uint8_t *>(&l.params->initial_state);
	for (size_t i = 0; i < sizeof(l.params->initial_state); i++)
		ASSERT_EQ(b[i], 0) << i;
}

TEST(Launch, PerCpuStateForMoreThan400CpusIsRejected)
{
	Launch l(Topology({ 401 }));
	sidecar_per_cpu_state state{};

	state.per_cpu_state_specified = 1;
	l.cfg.initial_state = &state;
	EXPECT_EQ(l.Run(), SD_LAUNCH_BAD_CONFIG);
	EXPECT_EQ(std::string(l.plan->message),
		  "initial_state specified for 401 CPUs > 400");
	EXPECT_EQ(l.params->node_count, 0u);
	EXPECT_TRUE(l.mem.live.empty());
}

TEST(Launch, BootCpusTruncatesSafely)
{
	Launch l(Topology({ 47, 47, 47, 47 }));
	ASSERT_EQ(l.Run(), SD_LAUNCH_OK);
	char small[16];
	size_t need = sd_launch_boot_cpus(l.params.get(), l.cfg.cpu_count,
					  small, sizeof(small));
	EXPECT_EQ(need,
		  std::string("boot_cpus=0,24,47,71,94,118,141,165").size());
	EXPECT_EQ(std::string(small), "boot_cpus=0,24,");
}

} // namespace
