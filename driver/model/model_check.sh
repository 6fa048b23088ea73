#!/usr/bin/env bash
# Runs spin's exhaustive safety check of the node model.
#
#   model_check.sh CLANG INCLUDE_DIR MODEL_DIR pass|fail [-DNAME=VALUE ...]
#
# The model is preprocessed with the project's clang (it includes the
# driver's transition table), turned into a verifier (pan.c) by spin,
# compiled and run. "pass": no error may be found. "fail": an error must be
# found (a mutated model), and its trail is printed, step by step.
set -euo pipefail

# Absolute: the checks run in a scratch directory.
clang=$(realpath "$1") include=$(realpath "$2") model=$(realpath "$3") want=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v spin >/dev/null || {
	echo "model_check: spin is not installed (tools/bootstrap installs it)" >&2
	exit 2
}

"$clang" -E -P -x c -I"$include" -I"$model" "$@" "$model/node.pml" \
	>"$work/model.pml"
cd "$work"
# Already preprocessed: spin's own preprocessor step is a copy.
spin -P/bin/cat -a model.pml >spin.log 2>&1 || {
	cat spin.log
	exit 1
}
# MODEL_CHECK_BITSTATE=1 (tools/model_check --bitstate): a bounded search
# that stores a bit per state, for sizes an exhaustive one cannot hold.
if [ "${MODEL_CHECK_BITSTATE:-0}" = 1 ]; then
	"$clang" -O2 -w -DSAFETY -DBITSTATE -o pan pan.c
	search=(-w31)
else
	"$clang" -O2 -w -DSAFETY -DCOLLAPSE -o pan pan.c
	search=()
fi
set +e
./pan -m1000000 ${search[@]+"${search[@]}"} >pan.log 2>&1
rc=$?
set -e
grep -E 'State-vector|errors:|states, stored|elapsed|violated|invalid end' \
	pan.log || true
errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log | head -n1)
if [ -z "$errors" ] || [ $rc -gt 1 ]; then
	echo "model_check: pan did not finish (rc $rc)" >&2
	tail -n 20 pan.log >&2
	exit 1
fi
if grep -q 'search not completed\|max search depth too small' pan.log; then
	echo "model_check: the search was cut short" >&2
	exit 1
fi
# The interleaving that breaks a property: every step (process, line,
# statement), then what went wrong.
trail() {
	spin -P/bin/cat -t -p model.pml >trail.txt 2>&1 || true
	grep -E '^ *[0-9]+:[[:space:]]+proc' trail.txt | tail -n 60 || true
	grep -E '^spin: .*Error' trail.txt | head -n 3 || true
	grep -E '^pan:[0-9]+: ' pan.log | head -n 3 || true
}

case $want in
pass)
	[ "$errors" = 0 ] && exit 0
	echo "model_check: counterexample:"
	trail
	exit 1
	;;
fail)
	if [ "$errors" = 0 ]; then
		echo "model_check: the mutated model passed" >&2
		exit 1
	fi
	echo "model_check: found, as it must; the trail:"
	trail
	exit 0
	;;
esac
echo "model_check: pass or fail, not $want" >&2
exit 2
