"""qemu_test: boots a freestanding ELF under qemu-system-x86_64 as a test.

The kernel (and any modules) are built for //platforms:x86_64_none through a
transition, so a plain `bazel test //...` builds them with the freestanding
toolchain. QEMU is the one pinned by the @qemu repository. The verdict comes
from testing/qemu_runner.sh: the isa-debug-exit status and the serial text.
"""

load("//platforms:transition.bzl", "to_x86_64_none")

def _single_file(target):
    files = target[DefaultInfo].files.to_list()
    if len(files) != 1:
        fail("%s must provide exactly one file, got %d" % (target.label, len(files)))
    return files[0]

def _qemu_test_impl(ctx):
    kernel = _single_file(ctx.attr.kernel[0])
    modules = [_single_file(m) for m in ctx.attr.modules]
    qemu = ctx.file._qemu
    runner = ctx.file._runner
    args = [
        "--qemu",
        qemu.short_path,
        "--kernel",
        kernel.short_path,
        "--vcpus",
        str(ctx.attr.vcpus),
    ]
    if ctx.attr.topology:
        args += ["--topology", ctx.attr.topology]
    args += [
        "--memory",
        str(ctx.attr.memory_mb),
        "--timeout",
        str(ctx.attr.timeout_s),
        "--cmdline",
        ctx.attr.cmdline,
    ]
    for m in modules:
        args += ["--module", m.short_path]
    for e in ctx.attr.expect:
        args += ["--expect", e]
    for f, m in ctx.attr.every.items():
        args += ["--every", f, m]
    if ctx.attr.must_fail:
        args.append("--expect-failure")
    if ctx.attr.qemu_args:
        args += ["--"] + ctx.attr.qemu_args
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = "#!/usr/bin/env bash\nexec {runner} {args} \"$@\"\n".format(
            runner = runner.short_path,
            args = " ".join(["'%s'" % a.replace("'", "'\\''") for a in args]),
        ),
    )
    runfiles = ctx.runfiles(files = [kernel, qemu, runner] + modules)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

qemu_test = rule(
    implementation = _qemu_test_impl,
    test = True,
    attrs = {
        "kernel": attr.label(mandatory = True, cfg = to_x86_64_none, doc = "PVH ELF to boot"),
        "modules": attr.label_list(cfg = to_x86_64_none, allow_files = True, doc = "files handed to the kernel as PVH modules"),
        "vcpus": attr.int(default = 1),
        "topology": attr.string(doc = "appended to -smp VCPUS, (e.g. sockets=2,cores=3,threads=2)"),
        "memory_mb": attr.int(default = 512),
        "cmdline": attr.string(default = ""),
        "expect": attr.string_list(doc = "extended regexes that must each match a line of the serial output"),
        "every": attr.string_dict(doc = "FILTER: MUST regexes: every serial line matching FILTER must match MUST"),
        "must_fail": attr.bool(doc = "the kernel must report failure (isa-debug-exit 1) with the expected lines"),
        "timeout_s": attr.int(default = 120, doc = "the runner kills QEMU after this many seconds"),
        "qemu_args": attr.string_list(doc = "extra QEMU arguments (e.g. -numa)"),
        "_qemu": attr.label(default = "@qemu//:qemu-system-x86_64", allow_single_file = True),
        "_runner": attr.label(default = "//testing:qemu_runner.sh", allow_single_file = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
