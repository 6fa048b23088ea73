#!/usr/bin/env bash
# run_short.sh FUZZER RUNS SEED_FILE...: fuzzes for RUNS executions from a
# scratch copy of the seed corpus, with a fixed seed. Any crash, leak or
# invariant failure fails the test.
set -euo pipefail
fuzzer=$1
runs=$2
shift 2
corpus="${TEST_TMPDIR:-$(mktemp -d)}/corpus"
mkdir -p "$corpus"
cp "$@" "$corpus/"
"$fuzzer" -seed=1 -runs="$runs" -max_len=4200 -print_final_stats=1 "$corpus"
