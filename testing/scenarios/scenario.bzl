"""sidecar_scenario_test: a scenario that boots the sidecar image, as a
qemu_test. The arguments mirror `bazel run //testing:qemu` options."""

load("//testing:image.bzl", "IMAGE_IS_STAND_IN", "SIDECAR_IMAGE")
load("//testing:qemu.bzl", "qemu_test")

def _numa_args(numa, memory_mb):
    counts = [int(c) for c in numa.split(",")]
    per = memory_mb // len(counts)
    args, first = [], 0
    for i, c in enumerate(counts):
        args += [
            "-object",
            "memory-backend-ram,id=m%d,size=%dM" % (i, per),
            "-numa",
            "node,nodeid=%d,memdev=m%d,cpus=%d-%d" % (i, i, first, first + c - 1),
        ]
        first += c
    return args, per * len(counts)

def _high_memory_args(memory_mb):
    # Half the RAM above 4 GiB: node memory goes there (the shim keeps its
    # own memory low), out of reach of the entry's identity map.
    return ["-machine", "max-ram-below-4g=%dM" % (memory_mb // 2)]

def sidecar_scenario_test(
        name,
        scenario,
        vcpus,
        topology = None,
        node_size = None,
        numa = None,
        params = [],
        injects = [],
        expect_boot_error = None,
        expect = [],
        every = {},
        log = False,
        memory_mb = 512,
        timeout_s = 120,
        options = [],
        tags = []):
    """A qemu_test of scenario `scenario` with the sidecar image.

    Args:
      name: the test.
      scenario: scenario=NAME for the test kernel.
      vcpus: QEMU CPUs, which are the VPs.
      topology: appended to -smp VCPUS, e.g. "sockets=2,cores=3,threads=2".
      node_size: VPs per sidecar node (the kernel's default is 32).
      numa: "a,b,..." CPUs per NUMA node; RAM is split evenly.
      params: SidecarParams overrides, "FIELD=V" or "node[i].FIELD=V".
      injects: hvsim injections, "CALL:vp=V:status=S[:once]".
      expect_boot_error: the entry must fail with a message matching it.
      expect: more regexes the serial output must match.
      every: {FILTER: MUST}: every serial line matching FILTER must match MUST.
      log: SidecarParams.enable_logging.
      memory_mb: guest RAM, half of it above 4 GiB.
      timeout_s: QEMU time limit.
      options: more "key=value" options for the scenario.
      tags: more tags.
    """
    cmdline = ["scenario=" + scenario]
    if node_size:
        cmdline.append("node_size=%d" % node_size)
    if log:
        cmdline.append("log=1")
    qemu_args = []
    if numa:
        cmdline.append("numa=" + numa)
        qemu_args, memory_mb = _numa_args(numa, memory_mb)
    qemu_args += _high_memory_args(memory_mb)
    if params:
        cmdline.append("param=" + ",".join(params))
    if injects:
        cmdline.append("inject=" + ",".join(injects))
    cmdline += options
    expect = list(expect)
    if expect_boot_error:
        cmdline.append("expect_boot_error=1")
        expect.append("^sidecar: boot error: .*" + expect_boot_error)
    expect.append("^summary: scenario=%s vps=%d .*result=pass" % (scenario, vcpus))
    qemu_test(
        name = name,
        size = "small" if vcpus <= 16 else ("medium" if vcpus <= 64 else "large"),
        cmdline = " ".join(cmdline),
        expect = expect,
        every = every,
        kernel = "//testing/kernel:kernel_elf",
        memory_mb = memory_mb,
        modules = [SIDECAR_IMAGE],
        qemu_args = qemu_args,
        tags = ["qemu"] + tags + (["manual"] if IMAGE_IS_STAND_IN else []),
        timeout_s = timeout_s,
        topology = topology,
        vcpus = vcpus,
    )
