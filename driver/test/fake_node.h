// SPDX-License-Identifier: MIT
//
// The sidecar's side of one node in host memory: a control page and the
// per-VP shared pages laid out as the sidecar lays them out, in the state
// the sidecar entry leaves them (CPU 0 REMOVED, the others IDLE), plus the
// steps a sidecar CPU takes, for tests that play the sidecar by hand.

#ifndef SIDECAR_DRIVER_TEST_FAKE_NODE_H
#define SIDECAR_DRIVER_TEST_FAKE_NODE_H

#include <cstdint>

#include "host_platform.h"
#include "sidecar/defs.h"
#include "sidecar/driver/node.h"

namespace sdtest
{

constexpr uint32_t kRequestVector = 0x20;
constexpr uint32_t kResponseVector = 0xf3;

// Claim and run, or claim and start, as a caller that writes nothing.
inline int RunVp(sd_node *n, uint32_t vp, uint64_t timeout_ns)
{
	sd_claim c;
	int r = sd_vp_claim(n, vp, &c);
	return r ? r : sd_vp_run(n, &c, timeout_ns);
}

inline int StartVp(sd_node *n, uint32_t vp)
{
	sd_claim c;
	int r = sd_vp_claim(n, vp, &c);
	return r ? r : sd_vp_start(n, &c);
}

class FakeNode {
    public:
	FakeNode(HostMemory &mem, uint32_t index, uint32_t base_cpu,
		 uint32_t cpu_count, uint32_t request_vector = kRequestVector);

	sidecar_node_output Output() const;
	sidecar_node_params Params() const;

	sidecar_control_page *cp;
	sidecar_vp_shared_pages *shmem;
	uint32_t index, base_cpu, cpu_count;
	uint64_t control_pa, shmem_pa;

	uint8_t Status(uint32_t idx) const
	{
		return sidecar_cpu_status_load(cp, idx);
	}
	sidecar_command_page &Page(uint32_t idx)
	{
		return shmem[idx].command_page;
	}

	// What a sidecar CPU does when it wakes: takes the command, replacing
	// it with NONE, and clears has_error.
	uint32_t TakeCommand(uint32_t idx);
	// ... and when it is done: the final status (release), attention,
	// then the response IPI through plat if response_vector is set.
	void Finish(uint32_t idx, uint8_t status, const sd_platform *plat);
	// Sets has_error with text.
	void SetError(uint32_t idx, const char *text);

	// Test-side polling (with sleeps) until the status is want.
	bool AwaitStatus(uint32_t idx, uint8_t want,
			 uint64_t timeout_ns = 5000000000ull) const;
};

} // namespace sdtest

#endif
