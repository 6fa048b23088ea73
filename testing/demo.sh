#!/usr/bin/env bash
# bazel run //testing:demo [-- --vps N]: the sidecar at work, for a person
# at a terminal. Boots the production image under QEMU (8 vCPUs by
# default) and shows the demo scenario's lines; the full serial log is
# kept, and printed in full if anything fails.
set -uo pipefail
runner=$1
shift
base=("$@")
vps=8
user=()
while [ ${#base[@]} -gt 0 ]; do
	[ "${base[0]}" = "--" ] && { base=("${base[@]:1}"); break; }
	user+=("${base[0]}")
	base=("${base[@]:1}")
done
# Arguments after the BUILD file's are the user's.
set -- "${base[@]}"
while [ $# -gt 0 ]; do
	case "$1" in
	--vps) vps=$2; shift 2 ;;
	-h | --help) echo "usage: bazel run //testing:demo [-- --vps N]"; exit 0 ;;
	*) echo "demo: unknown option $1" >&2; exit 2 ;;
	esac
done
log=$(mktemp "${TMPDIR:-/tmp}/sidecar-demo.XXXXXX")
echo "demo: booting the sidecar image on $vps vCPUs under QEMU (TCG); full log: $log"
start=$(date +%s)
"$runner" "${user[@]}" --scenario demo --vps "$vps" --timeout 300 >"$log" 2>&1
rc=$?
grep -E '^demo:' "$log" | sed 's/^demo: \{0,1\}//'
summary=$(grep '^summary:' "$log" | tail -n 1)
if [ $rc -ne 0 ]; then
	echo
	echo "demo: FAILED; the serial log follows"
	cat "$log"
	exit $rc
fi
echo
echo "demo: passed in $(($(date +%s) - start)) s ($summary)"
