"""sc_fuzzer: a libFuzzer binary plus a short, seeded run of it as a test.

The long runs are `tools/fuzz`; `bazel test` runs each fuzzer for a fixed
number of executions from the checked-in seed corpus with a fixed seed, so
the short run is deterministic.
"""

def sc_fuzzer(name, srcs, deps, corpus, runs = 1000000, **kwargs):
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        features = ["fuzzer"],
        deps = deps,
        **kwargs
    )
    native.sh_test(
        name = name + "_short_test",
        size = "medium",
        srcs = ["//testing/fuzz:run_short.sh"],
        args = [
            "$(rootpath :%s)" % name,
            str(runs),
        ] + ["$(rootpath %s)" % c for c in corpus],
        data = [":" + name] + corpus,
        # libFuzzer and ThreadSanitizer do not mix.
        tags = ["fuzz", "no-tsan"],
    )
