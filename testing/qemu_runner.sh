#!/usr/bin/env bash
# Boots a PVH kernel under QEMU (TCG, q35, -cpu max) and decides pass/fail.
#
# The kernel exits through isa-debug-exit (port 0xf4): writing V makes QEMU
# exit with 2V+1, so 1 is the kernel's pass and 3 its failure. A pass also
# needs the kernel's final "TEST PASS" line and every --expect regex on the
# serial output, so a stray exit path cannot pass by accident.
# --every FILTER MUST: every line matching FILTER must also match MUST
# (e.g. every "sidecar#" line is one whole, well-formed log line).
# --topology T: -smp VCPUS,T (e.g. sockets=2,cores=3,threads=2, which
# leaves holes in the x2APIC IDs).
set -u

qemu=qemu-system-x86_64
kernel=
vcpus=1
topology=
memory=512
timeout_s=120
cmdline=
modules=()
expects=()
every_filter=()
every_must=()
expect_failure=0
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) qemu=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--vcpus) vcpus=$2; shift 2 ;;
	--topology) topology=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--module) modules+=("$2"); shift 2 ;;
	--expect) expects+=("$2"); shift 2 ;;
	--every) every_filter+=("$2"); every_must+=("$3"); shift 3 ;;
	--expect-failure) expect_failure=1; shift ;;
	--) shift; extra+=("$@"); break ;;
	*) echo "qemu_runner: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$kernel" ] || { echo "qemu_runner: --kernel is required" >&2; exit 2; }

log=$(mktemp "${TEST_TMPDIR:-/tmp}/serial.XXXXXX")
trap 'rm -f "$log"' EXIT

cmd=("$qemu" -machine q35 -accel tcg -cpu max -smp "$vcpus${topology:+,$topology}" -m "${memory}M"
	-nodefaults -no-user-config -nographic -monitor none -serial stdio
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
	-kernel "$kernel")
# QEMU gives every vCPU its own SMM address space, whose memory grows with
# the vCPU count: 1.28 GB resident at 256 vCPUs, 4.7 GB at 512, 19 GB at
# 1024 (measured booting test=smp and scenario=commands); with SMM off,
# 0.26 GB at 512. Nothing here uses SMM.
[ "$vcpus" -gt 64 ] && cmd+=(-machine smm=off)
[ -n "$cmdline" ] && cmd+=(-append "$cmdline")
if [ ${#modules[@]} -gt 0 ]; then
	cmd+=(-initrd "$(IFS=,; echo "${modules[*]}")")
fi
cmd+=("${extra[@]}")

echo "qemu_runner: ${cmd[*]}"
start=$(date +%s%N)
timeout --kill-after=5 "$timeout_s" "${cmd[@]}" </dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
ms=$((($(date +%s%N) - start) / 1000000))
elapsed=$((ms / 1000)).$(printf %03d $((ms % 1000)))

fail() {
	echo "qemu_runner: FAIL: $*"
	exit 1
}
case $rc in
1) verdict=pass ;;
3) verdict=fail ;;
124 | 137) fail "timed out after ${timeout_s}s: the kernel neither passed nor failed" ;;
*) fail "QEMU exited with status $rc (not an isa-debug-exit verdict)" ;;
esac
if [ $expect_failure = 1 ]; then
	# A test of a failure path: the kernel must have failed, as expected.
	[ $verdict = fail ] || fail "the kernel passed, but this test expects it to report failure"
else
	[ $verdict = pass ] || fail "the kernel reported failure (isa-debug-exit 1) after ${elapsed}s"
	grep -q '^TEST PASS' "$log" || fail "exit status says pass but no 'TEST PASS' line was printed"
fi
for re in "${expects[@]}"; do
	grep -Eq -- "$re" "$log" || fail "serial output has no line matching: $re"
done
for i in "${!every_filter[@]}"; do
	bad=$(grep -E -- "${every_filter[$i]}" "$log" | grep -Ev -- "${every_must[$i]}" | head -n 3)
	[ -z "$bad" ] || fail "a line matching /${every_filter[$i]}/ does not match /${every_must[$i]}/: $bad"
done
echo "qemu_runner: PASS in ${elapsed}s"
