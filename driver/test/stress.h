// SPDX-License-Identifier: MIT
//
// The stress run: 64 VPs (4 nodes of 17 CPUs), 8 VMM threads each owning 8
// VPs, issuing mixed commands through the client (test, get/set registers
// across the 31 boundary, translate, run with random cancels from the
// owner and from a separate canceller thread, random signals), until the
// sidecar has executed the requested number of commands. Every command the
// driver saw complete is checked, per VP and in order, against what the
// sidecar CPU executed: none lost, none duplicated.

#ifndef SIDECAR_DRIVER_TEST_STRESS_H
#define SIDECAR_DRIVER_TEST_STRESS_H

#include <cstdint>
#include <string>
#include <vector>

namespace sdtest
{

struct StressConfig {
	uint64_t commands = 20000;
	int threads = 8;
	uint64_t seed = 1;
};

struct StressResult {
	uint64_t commands = 0; // executed by the sidecar CPUs
	uint64_t client_calls = 0;
	uint64_t runs = 0, intercepts = 0, cancels = 0, foreign_cancels = 0;
	uint64_t interrupted = 0;
	double seconds = 0;
	// Anything wrong, one line each; empty when all is well.
	std::vector<std::string> errors;
	std::string Summary() const;
};

StressResult RunStress(const StressConfig &cfg);

} // namespace sdtest

#endif
