// SPDX-License-Identifier: MIT
//
// bazel run //driver:stress [-- COMMANDS [SEED]]: the stress run (default
// 1 000 000 commands); prints the throughput, exits 1 on any error.

#include <cstdio>
#include <cstdlib>

#include "stress.h"

int main(int argc, char **argv)
{
	sdtest::StressConfig cfg;
	cfg.commands = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
	cfg.seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
	sdtest::StressResult r = sdtest::RunStress(cfg);
	for (auto &e : r.errors)
		std::fprintf(stderr, "error: %s\n", e.c_str());
	std::printf("%s\n", r.Summary().c_str());
	return r.errors.empty() && r.commands >= cfg.commands ? 0 : 1;
}
