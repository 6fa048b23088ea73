#!/usr/bin/env python3
"""bazel run //testing:bench [-- --vps 4,16,64 --out DIR --deterministic --repeat K]

Runs QEMU with scenario=bench for each VP count, K times each (default 5,
or 1 with --deterministic), the repeats interleaved across counts (4, 16,
64, 4, 16, 64, ...) so that a slow phase of the shared host hits every
count. Prints a table of every figure beside its goal (per count: the
median over its runs, with the min-max spread of the headline figures)
and writes into --out:

  bench.csv            one row per VP count (report.csv)
  serial-N.log         the serial output of the N-vCPU run
                       (serial-N-k.log, k = 1..K, when K > 1)
  timeline-N.svg       the boot: per-VP Gantt up to 64 started VPs, else
                       VPs launched over time by depth and a histogram
                       of start latencies
  fanout-N.svg         the start tree: per VP up to 64, else VPs per depth
                       per node with each node's depth bound
  boot-vs-n.svg        the boot's critical path and the start-tree depth
                       with its bound, against N
  commands-vs-n.svg    every command's p50 ticks against N, with the bare
                       IPI ping-pong

With K > 1 the per-N charts draw the run whose boot is the median one.

--deterministic runs QEMU with -icount shift=0,sleep=off: one guest
instruction is one tick of guest time, the vCPUs take turns on one host
thread and idle time is skipped, so the same build gives the same figures
to the tick (TSC "cycles" are then instruction counts); the charts then
plot time in ticks rather than microseconds.
"""

# Instruction-counted guest time, and no host time leaking in while idle.
DETERMINISTIC = ["--", "-icount", "shift=0,sleep=off"]

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charts  # noqa: E402
import report  # noqa: E402


def run_one(base_args, vps, args):
    cmd = [base_args[0]] + base_args[1:] + [
        "--scenario", "bench", "--vps", str(vps),
        "--node-size", str(args.node_size),
        "--timeout", str(args.timeout or max(600, 4 * vps)),
        "--memory", str(max(512, 64 + 2 * vps)),
    ] + (DETERMINISTIC if args.deterministic else [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        sys.stdout.write(p.stdout[-6000:])
        raise SystemExit("bench: the %d-vCPU run failed (exit %d)" %
                         (vps, p.returncode))
    return p.stdout


def schedule(counts, repeat):
    """(N, k) in run order: every count once per round, K rounds."""
    return [(n, k) for k in range(1, repeat + 1) for n in counts]


def log_name(n, k, repeat):
    return "serial-%d.log" % n if repeat == 1 else "serial-%d-%d.log" % (n, k)


def write(out, name, text):
    with open(os.path.join(out, name), "w") as f:
        f.write(text)


def write_charts(out, groups, ticks):
    for runs in groups:
        run = report.representative(runs)
        write(out, "timeline-%d.svg" % run.vps, charts.timeline(run, ticks))
        write(out, "fanout-%d.svg" % run.vps, charts.tree(run))
    write(out, "boot-vs-n.svg", charts.boot_vs_n(groups, ticks))
    write(out, "commands-vs-n.svg", charts.commands_vs_n(groups))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vps", default="4,16,64",
                    help="comma-separated VP counts (default 4,16,64)")
    ap.add_argument("--out", default=None,
                    help="directory for bench.csv and the SVGs "
                    "(default: bench-out in the workspace)")
    ap.add_argument("--node-size", type=int, default=32)
    # Deterministic 1024 vCPUs take about 15 minutes here (restarting
    # a CPU under -icount costs time that grows with the vCPU count).
    ap.add_argument("--timeout", type=int, default=0,
                    help="seconds per QEMU run (default: 600, or 4 per "
                    "vCPU above 150)")
    ap.add_argument("--deterministic", action="store_true",
                    help="instruction-counted time (QEMU -icount): the "
                    "same build gives the same figures")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per VP count, interleaved across counts "
                    "(default 5; 1 with --deterministic)")
    # The scenario runner's command line, one word per --base (BUILD).
    ap.add_argument("--base", action="append", default=[],
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.base:
        raise SystemExit("bench: run it with bazel run //testing:bench")
    repeat = args.repeat or (1 if args.deterministic else 5)
    if repeat < 1:
        raise SystemExit("bench: --repeat must be at least 1")
    out = args.out or os.path.join(
        os.environ.get("BUILD_WORKSPACE_DIRECTORY", "."), "bench-out")
    os.makedirs(out, exist_ok=True)

    counts = [int(x) for x in args.vps.split(",") if x]
    runs = []
    for n, k in schedule(counts, repeat):
        print("bench: %d vCPUs, run %d of %d ..." % (n, k, repeat),
              flush=True)
        text = run_one(args.base, n, args)
        write(out, log_name(n, k, repeat), text)
        runs.append(report.Run(text))
    groups = report.group(runs)

    print(report.table(groups, args.deterministic))
    csv = report.csv(groups)
    print("\n" + csv)
    write(out, "bench.csv", csv)
    write_charts(out, groups, args.deterministic)
    print("bench: wrote bench.csv and SVGs to %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
