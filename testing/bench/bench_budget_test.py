#!/usr/bin/env python3
"""The 4-vCPU bench in deterministic mode stays within its budget: every
<command>_ticks figure (p50, in instructions) at most 10 % over the
checked-in baseline (baseline_4.csv). A budget on instruction counts, not
a timing: the same build gives the same figures whatever the host does.

After a deliberate change, refresh the baseline with the command in
README.md (Benchmarks) and say why in the commit.
"""

import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "bench.py")
BASELINE = os.path.join(HERE, "baseline_4.csv")
SLACK = 1.10


def read_csv(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 1:
        raise SystemExit("%s: want one row, found %d" % (path, len(rows)))
    return rows[0]


def main():
    out = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    subprocess.run([sys.executable, BENCH, "--vps", "4", "--deterministic",
                    "--timeout", "300", "--out", out] + sys.argv[1:],
                   check=True, stdout=subprocess.DEVNULL)
    now = read_csv(os.path.join(out, "bench.csv"))
    base = read_csv(BASELINE)
    keys = [k for k in base if k.endswith("_ticks")]
    if not keys:
        raise SystemExit("%s has no _ticks column" % BASELINE)
    over = []
    print("%-22s %10s %10s %8s" % ("figure", "baseline", "now", "change"))
    for k in keys:
        b = int(base[k])
        if not now.get(k):
            over.append("%s: missing from the bench" % k)
            print("%-22s %10d %10s" % (k, b, "-"))
            continue
        n = int(now[k])
        print("%-22s %10d %10d %+7.1f%%" % (k, b, n, 100.0 * (n - b) / b))
        if n > b * SLACK:
            over.append("%s: %d > %d + 10 %%" % (k, n, b))
    if over:
        print("bench_budget_test: over budget:\n  " + "\n  ".join(over))
        return 1
    print("bench_budget_test: every figure within 10 % of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
