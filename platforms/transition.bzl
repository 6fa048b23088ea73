"""Builds a target for //platforms:x86_64_none from any configuration.

`bazel build //sidecar:image` and `bazel test //...` need no flags: the
freestanding cc_binary is reached through this rule's transitioned
attribute, while the cc_binary itself is marked compatible with os:none only
and is skipped in host builds of //...
"""

def _to_x86_64_none_impl(settings, _attr):
    return {
        "//command_line_option:platforms": "//platforms:x86_64_none",
        # A host-only feature such as asan must not leak into the kernel.
        "//command_line_option:features": [
            f
            for f in settings["//command_line_option:features"]
            if f.lstrip("-") not in ("asan", "tsan", "ubsan", "fuzzer", "fuzzer_coverage")
        ],
    }

to_x86_64_none = transition(
    implementation = _to_x86_64_none_impl,
    inputs = ["//command_line_option:features"],
    outputs = [
        "//command_line_option:platforms",
        "//command_line_option:features",
    ],
)

def _freestanding_binary_impl(ctx):
    src = ctx.attr.binary[0][DefaultInfo].files_to_run.executable
    if src == None:
        src = ctx.files.binary[0]
    out = ctx.actions.declare_file(ctx.attr.out or ctx.label.name + ".elf")
    ctx.actions.symlink(output = out, target_file = src)
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

freestanding_binary = rule(
    implementation = _freestanding_binary_impl,
    attrs = {
        "binary": attr.label(mandatory = True, cfg = to_x86_64_none),
        "out": attr.string(doc = "output file name; default <name>.elf"),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    doc = "The freestanding ELF of `binary`, built for //platforms:x86_64_none.",
)
