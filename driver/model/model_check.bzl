"""model_check_test: one spin run of the node model (driver/model) as a test."""

def model_check_test(name, expect, defines, size = "large"):
    """Checks the model with the given -D defines.

    Args:
      name: the test's name.
      expect: "pass" (no error may be found) or "fail" (a mutated model:
        an error must be found, and its trail is printed).
      defines: -DNAME=VALUE flags for the model (sizes, mutations).
      size: the test's size.
    """
    native.sh_test(
        name = name,
        size = size,
        srcs = ["model_check.sh"],
        args = [
            "$(rootpath @llvm_toolchain//:bin/clang)",
            "driver/include",
            "driver/model",
            expect,
        ] + defines,
        data = native.glob(["*.pml"]) + [
            "//driver:include/sidecar/driver/vp_transitions.def",
            "@llvm_toolchain//:bin/clang",
        ],
        # One run is enough: the sanitizer configurations change nothing.
        tags = [
            "model",
            "no-asan",
            "no-tsan",
            "no-ubsan",
        ],
    )
