"""Repository rule exposing the pinned Debian LLVM as an external repository.

Tools and clang's resource directory are symlinked into the repository, so
that with `-no-canonical-prefixes` every path on a compile or link command
line is repository-relative (external/llvm_toolchain/...), never /usr/...
"""

_TOOLS = [
    "clang",
    "clang++",
    "ld.lld",
    "llvm-ar",
    "llvm-nm",
    "llvm-objcopy",
    "llvm-objdump",
    "llvm-readelf",
    "llvm-strip",
    "llvm-symbolizer",
]

def _llvm_repository_impl(rctx):
    prefix = rctx.attr.llvm_prefix
    clang = rctx.path(prefix + "/bin/clang")
    if not clang.exists:
        fail("LLVM not found at %s: run tools/bootstrap (it installs clang-19, lld-19, llvm-19, libclang-rt-19-dev)" % prefix)
    res = rctx.execute([clang, "--version"])
    first = res.stdout.split("\n")[0]
    if res.return_code != 0 or ("version " + rctx.attr.version_prefix) not in first:
        fail("need LLVM %sx at %s, found: %s" % (rctx.attr.version_prefix, prefix, first or res.stderr))
    for tool in _TOOLS:
        path = rctx.path(prefix + "/bin/" + tool)
        if not path.exists:
            fail("LLVM tool %s missing at %s: run tools/bootstrap" % (tool, path))
        rctx.symlink(path, "bin/" + tool)
    res = rctx.execute([clang, "-print-resource-dir"])
    resource_dir = res.stdout.strip()
    major = resource_dir.split("/")[-1]
    if res.return_code != 0 or not rctx.path(resource_dir + "/include/stddef.h").exists:
        fail("clang's resource directory not found (%s)" % resource_dir)
    rctx.symlink(resource_dir + "/include", "lib/clang/%s/include" % major)
    rt = rctx.path(resource_dir + "/lib/linux")
    if not rt.exists:
        fail("clang runtime libraries missing at %s: install libclang-rt-19-dev (tools/bootstrap)" % rt)
    rctx.symlink(rt, "lib/clang/%s/lib/linux" % major)
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.template(
        "BUILD.bazel",
        rctx.attr._build_tpl,
        {
            "%{major}": major,
            "%{version}": first,
        },
    )

llvm_repository = repository_rule(
    implementation = _llvm_repository_impl,
    attrs = {
        "llvm_prefix": attr.string(mandatory = True),
        "version_prefix": attr.string(mandatory = True),
        "_build_tpl": attr.label(default = "//toolchains:llvm.BUILD.tpl"),
    },
    local = False,
    doc = "Symlinks a pinned LLVM installation into an external repository.",
)
