"""Repository rule pinning the QEMU that tools/bootstrap installs."""

def _qemu_repository_impl(rctx):
    qemu = rctx.path(rctx.attr.binary)
    if not qemu.exists:
        fail("%s not found: run tools/bootstrap (qemu-system-x86 >= %d from bookworm-backports)" % (qemu, rctx.attr.min_major))
    res = rctx.execute([qemu, "--version"])
    first = res.stdout.split("\n")[0]
    words = first.split("version ")
    major = 0
    if len(words) > 1 and words[1].split(".")[0].isdigit():
        major = int(words[1].split(".")[0])
    if res.return_code != 0 or major < rctx.attr.min_major:
        fail("need QEMU >= %d (x2APIC under TCG), found: %s" % (rctx.attr.min_major, first or res.stderr))
    rctx.symlink(qemu, "qemu-system-x86_64")
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.file("BUILD.bazel", """# Generated: %s
package(default_visibility = ["//visibility:public"])

exports_files(["qemu-system-x86_64"])
""" % first)

qemu_repository = repository_rule(
    implementation = _qemu_repository_impl,
    attrs = {
        "binary": attr.string(default = "/usr/bin/qemu-system-x86_64"),
        "min_major": attr.int(mandatory = True),
    },
)
