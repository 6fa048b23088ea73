#!/usr/bin/env python3
"""bazel run //testing:bench [-- --vps 4,16,64 --out DIR --deterministic]

One QEMU run of scenario=bench per VP count; prints a table of every figure
beside its goal, and writes bench.csv plus SVG charts (boot timeline and
fan-out tree per run, boot time and round trip against N) into --out.

--deterministic runs QEMU with -icount shift=0,sleep=off: one guest
instruction is one tick of guest time, the vCPUs take turns on one host
thread and idle time is skipped, so the same build gives the same figures
to the tick (TSC "cycles" are then instruction counts).
"""

# Instruction-counted guest time, and no host time leaking in while idle.
DETERMINISTIC = ["--", "-icount", "shift=0,sleep=off"]

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402
import svg  # noqa: E402


def run_one(base_args, vps, args):
    cmd = [base_args[0]] + base_args[1:] + [
        "--scenario", "bench", "--vps", str(vps),
        "--node-size", str(args.node_size),
        "--timeout", str(args.timeout),
        "--memory", str(max(512, 64 + 2 * vps)),
    ] + (DETERMINISTIC if args.deterministic else [])
    print("bench: %d vCPUs ..." % vps, flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if p.returncode != 0:
        sys.stdout.write(p.stdout[-6000:])
        raise SystemExit("bench: the %d-vCPU run failed (exit %d)" %
                         (vps, p.returncode))
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vps", default="4,16,64",
                    help="comma-separated VP counts (default 4,16,64)")
    ap.add_argument("--out", default=None,
                    help="directory for bench.csv and the SVGs "
                    "(default: bench-out in the workspace)")
    ap.add_argument("--node-size", type=int, default=32)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--deterministic", action="store_true",
                    help="instruction-counted time (QEMU -icount): the "
                    "same build gives the same figures")
    # The scenario runner's command line, one word per --base (BUILD).
    ap.add_argument("--base", action="append", default=[],
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.base:
        raise SystemExit("bench: run it with bazel run //testing:bench")
    out = args.out or os.path.join(
        os.environ.get("BUILD_WORKSPACE_DIRECTORY", "."), "bench-out")
    os.makedirs(out, exist_ok=True)

    runs = []
    for n in [int(x) for x in args.vps.split(",") if x]:
        text = run_one(args.base, n, args)
        with open(os.path.join(out, "serial-%d.log" % n), "w") as f:
            f.write(text)
        run = report.Run(text)
        runs.append(run)
        with open(os.path.join(out, "timeline-%d.svg" % n), "w") as f:
            f.write(svg.gantt(run))
        with open(os.path.join(out, "fanout-%d.svg" % n), "w") as f:
            f.write(svg.tree(run))

    print(report.table(runs))
    csv = report.csv(runs)
    print("\n" + csv)
    with open(os.path.join(out, "bench.csv"), "w") as f:
        f.write(csv)
    with open(os.path.join(out, "boot-vs-n.svg"), "w") as f:
        f.write(svg.boot_vs_n(runs))
    with open(os.path.join(out, "rtt-vs-n.svg"), "w") as f:
        f.write(svg.rtt_vs_n(runs))
    print("bench: wrote bench.csv and SVGs to %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
