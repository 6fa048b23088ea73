// SPDX-License-Identifier: MIT
//
// The stress run, short (20 000 commands) for every test run; the
// 1 000 000-command run is //driver:stress_1m_test (manual) or
// `bazel run //driver:stress`.

#include <gtest/gtest.h>

#include <cstdlib>

#include "stress.h"

namespace sdtest
{
namespace
{

uint64_t Commands(uint64_t dflt)
{
	const char *env = std::getenv("SD_STRESS_COMMANDS");
	return env ? std::strtoull(env, nullptr, 10) : dflt;
}

TEST(Stress, EveryCommandCompletesExactlyOnce)
{
	StressConfig cfg;
	cfg.commands = Commands(STRESS_COMMANDS);
	StressResult r = RunStress(cfg);
	std::printf("%s\n", r.Summary().c_str());
	for (auto &e : r.errors)
		ADD_FAILURE() << e;
	EXPECT_GE(r.commands, cfg.commands);
	EXPECT_GT(r.runs, 0u);
	EXPECT_GT(r.intercepts, 0u);
	EXPECT_GT(r.cancels, 0u);
	EXPECT_GT(r.interrupted, 0u);
}

} // namespace
} // namespace sdtest
