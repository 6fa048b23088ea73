#!/usr/bin/env python3
"""Where a scenario's instructions go, per symbol and vCPU, from QEMU's
own log (Debian's QEMU ships no TCG plugins).

Run the scenario with the log on, e.g. the bench's NONE loop:

  bazel build //testing/kernel //sidecar:image
  testing/qemu_runner.sh --qemu /usr/bin/qemu-system-x86_64 \\
      --kernel bazel-bin/testing/kernel/kernel.elf --vcpus 4 \\
      --cmdline "scenario=bench node_size=32 rounds=4" \\
      --module bazel-bin/sidecar/sidecar.elf -- \\
      -machine max-ram-below-4g=256M -icount shift=0,sleep=off \\
      -d exec,nochain,in_asm -D /tmp/q.log
  testing/bench/insn_profile.py /tmp/q.log bazel-bin/testing/kernel/kernel.elf \\
      bazel-bin/sidecar/sidecar.elf sd_client_test bench_regs scenario_bench

(a few GB of log and about three minutes for the 4-vCPU bench). The
window runs from the first block at START to the first at END; in it the
BSP (vCPU 0) is counted only from a block at START until it is back in
CALLER (the timed call), every other vCPU always. A block's instructions
are those of its latest translation, so a block cut short by an interrupt
counts whole: the figures are within a few instructions of the bench's.
"""

import bisect
import collections
import re
import subprocess
import sys

IMAGE_BASE = 0xffffff8000000000  # where the image runs (DESIGN.md §3)
INSN = re.compile(r"^0x([0-9a-f]+):\s")
TRACE = re.compile(r"^Trace (\d+): 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbols(path, offset):
    out = subprocess.run(["nm", "-n", path], capture_output=True,
                         text=True, check=True).stdout
    return [(int(p[0], 16) + offset, p[2]) for p in
            (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "tTwW"]


def main():
    if len(sys.argv) != 7:
        raise SystemExit(__doc__)
    log, kernel, image, start, end, caller = sys.argv[1:]
    syms = sorted(symbols(kernel, 0) + symbols(image, IMAGE_BASE))
    addrs = [a for a, _ in syms]

    def sym(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        return syms[i][1] if i >= 0 else "?"

    def at(name):
        return {a for a, n in syms if n == name}

    starts, ends = at(start), at(end)
    i = [k for k, (_, n) in enumerate(syms) if n == caller][0]
    caller_lo, caller_hi = syms[i][0], syms[i + 1][0]
    blocks, cur = {}, None
    counts = collections.Counter()
    on = inside = False
    calls = 0
    with open(log, errors="replace") as f:
        for line in f:
            m = INSN.match(line)
            if m:
                pc = int(m.group(1), 16)
                if cur is None:
                    cur = pc
                    blocks[cur] = []
                blocks[cur].append(pc)
                continue
            cur = None
            m = TRACE.match(line)
            if not m:
                continue
            cpu, pc = int(m.group(1)), int(m.group(2), 16)
            if pc in ends and on:
                break
            if pc in starts:
                on = True
                if cpu == 0:
                    inside = True
                    calls += 1
            elif cpu == 0 and caller_lo <= pc < caller_hi:
                inside = False
            if on and (cpu != 0 or inside):
                who = "BSP" if cpu == 0 else "AP"
                for a in blocks.get(pc, [pc]):
                    counts[(who, sym(a))] += 1
    total = sum(counts.values())
    print("%d calls, %.0f instructions per call" %
          (calls, total / calls if calls else 0))
    for (who, name), n in counts.most_common():
        print("%8.1f  %-3s %s" % (n / calls, who, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
