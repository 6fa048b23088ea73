"""cc_toolchain_config for the pinned LLVM: a host flavour and a freestanding
x86-64 flavour. Both use repository-relative tool paths only."""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "action_config",
    "feature",
    "flag_group",
    "flag_set",
    "tool",
    "tool_path",
    "variable_with_value",
    "with_feature_set",
)

_C_COMPILE = [ACTION_NAMES.c_compile]
_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]
_ASM = [ACTION_NAMES.assemble, ACTION_NAMES.preprocess_assemble]
_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE + _ASM
_LINK = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _flags(actions, flags, features = None):
    return flag_set(
        actions = actions,
        flag_groups = [flag_group(flags = flags)],
        with_features = [with_feature_set(features = features)] if features else [],
    )

def _feature(name, flag_sets, enabled = False, implies = []):
    return feature(name = name, enabled = enabled, flag_sets = flag_sets, implies = implies)

# Reproducible output whatever the checkout's directory: no absolute paths
# in objects, no build time.
_REPRODUCIBLE = [
    "-no-canonical-prefixes",
    "-ffile-compilation-dir=.",
    "-ffile-prefix-map=external/llvm_toolchain/=llvm/",
    "-Wno-builtin-macro-redefined",
    "-D__DATE__=\"redacted\"",
    "-D__TIMESTAMP__=\"redacted\"",
    "-D__TIME__=\"redacted\"",
]

# Bazel adds no archiver flags to a toolchain that declares the static
# library action itself, so spell out `llvm-ar rcsD out.a objects...`.
_ARCHIVER_FLAGS = feature(
    name = "archiver_flags",
    enabled = True,
    flag_sets = [flag_set(
        actions = [ACTION_NAMES.cpp_link_static_library],
        flag_groups = [
            flag_group(flags = ["rcsD"]),
            flag_group(
                flags = ["%{output_execpath}"],
                expand_if_available = "output_execpath",
            ),
            flag_group(
                iterate_over = "libraries_to_link",
                expand_if_available = "libraries_to_link",
                flag_groups = [
                    flag_group(
                        flags = ["%{libraries_to_link.name}"],
                        expand_if_equal = variable_with_value(
                            name = "libraries_to_link.type",
                            value = "object_file",
                        ),
                    ),
                    flag_group(
                        flags = ["%{libraries_to_link.object_files}"],
                        iterate_over = "libraries_to_link.object_files",
                        expand_if_equal = variable_with_value(
                            name = "libraries_to_link.type",
                            value = "object_file_group",
                        ),
                    ),
                ],
            ),
        ],
    )],
)

def _common_features():
    return [
        _ARCHIVER_FLAGS,
        _feature("reproducible", [_flags(_ALL_COMPILE, _REPRODUCIBLE)], enabled = True),
        _feature("warnings_as_errors", [_flags(_C_COMPILE + _CXX_COMPILE, ["-Werror"])], enabled = True),
        _feature("dbg", [_flags(_C_COMPILE + _CXX_COMPILE, ["-O0", "-g3"])]),
        _feature("fastbuild", [_flags(_C_COMPILE + _CXX_COMPILE, ["-O1", "-g"])]),
        _feature("opt", [_flags(_C_COMPILE + _CXX_COMPILE, ["-O2", "-DNDEBUG", "-g"])]),
    ]

def _host_features():
    compile_flags = [
        "-fno-omit-frame-pointer",
        "-Wall",
        "-Wextra",
    ]
    sanitizer_compile = ["-fno-omit-frame-pointer", "-O1", "-g"]
    return _common_features() + [
        _feature("supports_pic", [], enabled = True),
        _feature("supports_start_end_lib", [], enabled = True),
        _feature("default_compile_flags", [
            _flags(_ALL_COMPILE, compile_flags),
            _flags(_C_COMPILE, ["-std=c11"]),
            _flags(_CXX_COMPILE, ["-std=c++17"]),
        ], enabled = True),
        _feature("default_link_flags", [
            _flags(_LINK, ["-no-canonical-prefixes", "-fuse-ld=lld", "-Wl,--build-id=none", "-lstdc++", "-lm", "-pthread"]),
        ], enabled = True),
        _feature("asan", [
            _flags(_ALL_COMPILE, ["-fsanitize=address"] + sanitizer_compile),
            _flags(_LINK, ["-fsanitize=address"]),
        ]),
        _feature("tsan", [
            _flags(_ALL_COMPILE, ["-fsanitize=thread"] + sanitizer_compile),
            _flags(_LINK, ["-fsanitize=thread"]),
        ]),
        _feature("ubsan", [
            _flags(_ALL_COMPILE, ["-fsanitize=undefined", "-fno-sanitize-recover=all"] + sanitizer_compile),
            _flags(_LINK, ["-fsanitize=undefined", "-fsanitize-link-c++-runtime"]),
        ]),
        # libFuzzer for the fuzz targets; combined with asan/ubsan by config.
        _feature("fuzzer", [
            _flags(_ALL_COMPILE, ["-fsanitize=fuzzer-no-link"]),
            _flags(_LINK, ["-fsanitize=fuzzer"]),
        ]),
        # A target's features do not reach its deps: without this, only the
        # fuzzer's own file guides libFuzzer, not the code under test.
        # --config=fuzz turns it on everywhere (asan provides the hooks).
        _feature("fuzzer_coverage", [
            _flags(_ALL_COMPILE, ["-fsanitize=fuzzer-no-link"]),
        ]),
    ]

def _none_features(ctx):
    res = ctx.attr.resource_dir
    compile_flags = [
        "--target=x86_64-unknown-none-elf",
        "-ffreestanding",
        "-nostdinc",
        "-isystem",
        res + "/include",
        "-mno-red-zone",
        "-mgeneral-regs-only",
        "-mcmodel=small",
        "-fPIE",
        "-fno-stack-protector",
        "-fno-builtin",
        "-fno-asynchronous-unwind-tables",
        "-fno-unwind-tables",
        "-fno-omit-frame-pointer",
        "-fno-common",
        "-Wall",
        "-Wextra",
    ]
    link_flags = [
        # clang 19 hands a link for the none-elf target to gcc; a linux
        # target with no libraries makes it call ld.lld itself.
        "--target=x86_64-unknown-linux-gnu",
        "-no-canonical-prefixes",
        "-nostdlib",
        "-static-pie",
        "-fuse-ld=lld",
        "-Wl,--build-id=none",
        "-Wl,-z,noexecstack",
        "-Wl,-z,max-page-size=4096",
        "-Wl,--no-undefined",
    ]
    return _common_features() + [
        _feature("supports_start_end_lib", [], enabled = True),
        _feature("default_compile_flags", [
            _flags(_ALL_COMPILE, compile_flags),
            _flags(_C_COMPILE, ["-std=c11"]),
            _flags(_CXX_COMPILE, ["-std=c++17", "-fno-exceptions", "-fno-rtti"]),
        ], enabled = True),
        _feature("default_link_flags", [_flags(_LINK, link_flags)], enabled = True),
    ]

def _action_configs(host):
    cxx_link_tool = "bin/clang++" if host else "bin/clang"
    return [
        action_config(action_name = a, tools = [tool(path = "bin/clang")])
        for a in _C_COMPILE + _ASM
    ] + [
        action_config(action_name = a, tools = [tool(path = "bin/clang++")])
        for a in _CXX_COMPILE
    ] + [
        action_config(
            action_name = a,
            tools = [tool(path = cxx_link_tool)],
        )
        for a in _LINK
    ] + [
        action_config(
            action_name = ACTION_NAMES.cpp_link_static_library,
            tools = [tool(path = "bin/llvm-ar")],
        ),
        action_config(action_name = ACTION_NAMES.strip, tools = [tool(path = "bin/llvm-strip")]),
    ]

def _impl(ctx):
    host = ctx.attr.flavor == "host"
    res = ctx.attr.resource_dir
    if host:
        features = _host_features()
        builtin = [
            res + "/include",
            "/usr/include",
            "/usr/local/include",
            "/usr/include/c++/12",
            "/usr/include/x86_64-linux-gnu/c++/12",
            "/usr/include/c++/12/backward",
        ]
        target_system_name = "x86_64-unknown-linux-gnu"
        libc = "glibc"
    else:
        features = _none_features(ctx)
        builtin = [res + "/include"]
        target_system_name = "x86_64-unknown-none-elf"
        libc = "none"
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        action_configs = _action_configs(host),
        cxx_builtin_include_directories = builtin,
        toolchain_identifier = "llvm-" + ctx.attr.flavor,
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = target_system_name,
        target_cpu = "k8" if host else "x86_64_none",
        target_libc = libc,
        compiler = "clang",
        abi_version = "local",
        abi_libc_version = "local",
        tool_paths = [
            tool_path(name = "gcc", path = "bin/clang"),
            tool_path(name = "cpp", path = "bin/clang"),
            tool_path(name = "ar", path = "bin/llvm-ar"),
            tool_path(name = "ld", path = "bin/ld.lld"),
            tool_path(name = "nm", path = "bin/llvm-nm"),
            tool_path(name = "objcopy", path = "bin/llvm-objcopy"),
            tool_path(name = "objdump", path = "bin/llvm-objdump"),
            tool_path(name = "strip", path = "bin/llvm-strip"),
            tool_path(name = "gcov", path = "/bin/false"),
        ],
    )

llvm_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "flavor": attr.string(mandatory = True, values = ["host", "x86_64_none"]),
        "resource_dir": attr.string(mandatory = True),
    },
    provides = [CcToolchainConfigInfo],
)
