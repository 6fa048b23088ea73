#!/usr/bin/env python3
"""Two runs of the 4-vCPU bench with --deterministic give the same CSV."""

import difflib
import os
import subprocess
import sys
import tempfile

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py")


def run(base):
    out = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    subprocess.run([sys.executable, BENCH, "--vps", "4", "--deterministic",
                    "--timeout", "300", "--out", out] + base, check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "bench.csv")) as f:
        return f.read()


def main():
    first, second = run(sys.argv[1:]), run(sys.argv[1:])
    if first != second:
        sys.stdout.writelines(difflib.unified_diff(
            first.splitlines(True), second.splitlines(True),
            "run 1", "run 2"))
        print("bench_deterministic_test: the two CSVs differ")
        return 1
    print(first)
    print("bench_deterministic_test: identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
