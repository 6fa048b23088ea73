#!/usr/bin/env bash
# bazel run //testing:qemu -- [options]: one sidecar scenario under QEMU.
#
# Builds the test kernel's command line and QEMU's from the options, runs
# testing/qemu_runner.sh (which prints the serial log and judges the run),
# then prints a final "summary: key=value ..." line. Exit 0 only on pass.
set -uo pipefail

usage() {
	cat <<'USAGE'
usage: bazel run //testing:qemu -- [options]
  --vps N                  vCPUs = VPs (default 8)
  --topology T             -smp N,T: e.g. sockets=2,cores=3,threads=2
                           (cores or threads not a power of two leave
                           holes in the x2APIC IDs)
  --node-size K            at most K VPs per sidecar node (1..32, default
                           32); the launcher splits as openhcl_boot does
                           (13 by 5: 5,5,3)
  --numa a,b,...           NUMA nodes with a, b, ... CPUs (sum = --vps)
  --scenario NAME          smoke (default), commands, run-intercept,
                           intercepts (real VTL0 guests, every exit),
                           run-cancel, remove, faults, fanout, logging,
                           hvsim-selftest, hvsim-no-assist
  --log                    SidecarParams.enable_logging
  --param 'FIELD=V'        override a SidecarParams field after the
  --param 'node[i].FIELD=V'  launcher placed everything; repeatable; V is a
                           number or @SYMBOL[+-N]: @image @image_end
                           @params @output @hypercall_page @nodeN @nodeN_end
  --param 'initial_state.per_cpu_state_specified=0|1'
  --param 'initial_state.sidecar_starts_cpu[N]=0|1'  HEAD's per-CPU start
                           state (N < 400); the launcher sees it too, so
                           CPUs marked 0 go to boot_cpus=
  --inject 'CALL:vp=V:status=S[:reg=R][:once]'  hvsim fault injection
                           (reg=: one register of a Get/SetVpRegisters);
                           repeatable; or 'Fault:vp=V:kind=ud|bp|pf|stack'
  --vtl2-enabled V,V,...    hvsim boots with VTL 2 already enabled on
                           those VPs (their EnableVpVtl returns
                           VtlAlreadyEnabled)
  --expect-boot-error RE   pass only if the entry fails with a message
                           matching RE and no VP was started
  --seed S                 scenario seed
  --ops N                  operations of scenario=stress (default 2000)
  --memory MB              guest RAM, half above 4 GiB (default 512)
  --timeout S              QEMU time limit (default 120)
  --trace                  hvsim prints every hypercall
  --pt-dump VP             print every page VP's page tables map
  --gdb [PORT]             start halted, wait for gdb on 127.0.0.1:PORT
                           (default 1234) and print the command that
                           attaches with both kernels' symbols
  --image-at PA            load the image at PA with QEMU's generic loader
                           instead of as the PVH initrd (above 2048 vCPUs
                           the initrd lands on the ACPI tables; README.md)
  --image PATH --kernel PATH  other files than the built ones
  -- ARGS                  extra QEMU arguments
USAGE
}

# bazel run starts us in the runfiles tree; a direct call may not.
if [ -d "$0.runfiles/sidecar" ]; then
	cd "$0.runfiles/sidecar" || exit 2
fi

qemu= kernel= image= runner=
vps=8 topology= node_size=32 numa= scenario=smoke log=0 seed= memory=512 timeout=120
ops=
trace=0 vtl2_enabled= image_at= expect_error= have_expect_error=0 pt_dump= gdb_port=
params=() injects=() extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--qemu) qemu=$2; shift 2 ;;
	--runner) runner=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--vps) vps=$2; shift 2 ;;
	--topology) topology=$2; shift 2 ;;
	--node-size) node_size=$2; shift 2 ;;
	--numa) numa=$2; shift 2 ;;
	--scenario) scenario=$2; shift 2 ;;
	--log) log=1; shift ;;
	--param) params+=("$2"); shift 2 ;;
	--inject) injects+=("$2"); shift 2 ;;
	--vtl2-enabled) vtl2_enabled=$2; shift 2 ;;
	--image-at) image_at=$2; shift 2 ;;
	--expect-boot-error) expect_error=$2; have_expect_error=1; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--ops) ops=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--trace) trace=1; shift ;;
	--pt-dump) pt_dump=$2; shift 2 ;;
	--gdb)
		gdb_port=1234
		if [[ ${2:-} =~ ^[0-9]+$ ]]; then gdb_port=$2; shift; fi
		shift
		;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra+=("$@"); break ;;
	*) echo "qemu: unknown option $1 (--help lists them)" >&2; exit 2 ;;
	esac
done
for f in qemu kernel runner; do
	[ -n "${!f}" ] || { echo "qemu: --$f is required (use bazel run //testing:qemu)" >&2; exit 2; }
done
no_space() {
	case "$2" in *' '* | *,*) echo "qemu: $1 must not contain spaces or commas: $2" >&2; exit 2 ;; esac
}

join() {
	local IFS=,
	echo "$*"
}

cmdline="scenario=$scenario node_size=$node_size"
[ -n "$numa" ] && cmdline+=" numa=$numa"
[ $log = 1 ] && cmdline+=" log=1"
[ $trace = 1 ] && cmdline+=" hvsim_trace=1"
[ -n "$seed" ] && cmdline+=" seed=$seed"
[ -n "$ops" ] && cmdline+=" ops=$ops"
[ -n "$pt_dump" ] && cmdline+=" pt_dump=$pt_dump"
[ -n "$vtl2_enabled" ] && cmdline+=" vtl2_enabled=$vtl2_enabled"
[ $have_expect_error = 1 ] && cmdline+=" expect_boot_error=1"
for p in "${params[@]}"; do no_space --param "$p"; done
for p in "${injects[@]}"; do no_space --inject "$p"; done
[ ${#params[@]} -gt 0 ] && cmdline+=" param=$(join "${params[@]}")"
[ ${#injects[@]} -gt 0 ] && cmdline+=" inject=$(join "${injects[@]}")"

qemu_args=()
if [ -n "$numa" ]; then
	IFS=, read -r -a counts <<<"$numa"
	n=${#counts[@]} first=0 sum=0
	per=$((memory / n))
	memory=$((per * n))
	for i in "${!counts[@]}"; do
		c=${counts[$i]}
		[ "$c" -gt 0 ] 2>/dev/null || { echo "qemu: --numa wants CPU counts > 0" >&2; exit 2; }
		qemu_args+=(-object "memory-backend-ram,id=m$i,size=${per}M"
			-numa "node,nodeid=$i,memdev=m$i,cpus=$first-$((first + c - 1))")
		first=$((first + c))
	done
	[ $first = "$vps" ] || { echo "qemu: --numa $numa has $first CPUs, --vps is $vps" >&2; exit 2; }
fi

# Half the RAM above 4 GiB, where node memory goes (as in scenario.bzl).
qemu_args+=(-machine "max-ram-below-4g=$((memory / 2))M")

if [ -n "$gdb_port" ]; then
	# The image is linked at 0 and runs relocated to PML4 slot 511; the
	# test kernel runs where it is linked.
	cat <<GDB
gdb: QEMU starts halted and waits for gdb on 127.0.0.1:$gdb_port. Attach with:
  gdb -ex 'target remote 127.0.0.1:$gdb_port' \
      -ex 'symbol-file $(realpath "$kernel")' \
      -ex 'add-symbol-file $(realpath "$image") -o 0xffffff8000000000'
GDB
	extra=(-gdb "tcp:127.0.0.1:$gdb_port" -S "${extra[@]}")
	timeout=86400
fi

if [ -n "$image_at" ] && [ "$scenario" != hvsim-selftest ]; then
	cmdline+=" module_at=$image_at module_size=$(stat -L -c %s "$image")"
	qemu_args+=(-device "loader,file=$image,addr=$image_at,force-raw=on")
fi

run=("$runner" --qemu "$qemu" --kernel "$kernel" --vcpus "$vps"
	${topology:+--topology "$topology"}
	--memory "$memory" --timeout "$timeout" --cmdline "$cmdline")
[ "$scenario" != hvsim-selftest ] && [ -z "$image_at" ] && run+=(--module "$image")
run+=(-- "${qemu_args[@]}" "${extra[@]}")

log=$(mktemp "${TMPDIR:-/tmp}/scenario.XXXXXX")
trap 'rm -f "$log"' EXIT
"${run[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

result=pass reason=
[ "$rc" = 0 ] || { result=fail reason="the run failed"; }
if [ $have_expect_error = 1 ] && [ $result = pass ]; then
	msg=$(sed -n 's/^sidecar: boot error: //p' "$log" | head -n 1)
	if [ -z "$msg" ]; then
		result=fail reason="no boot error was reported"
	elif ! grep -Eq -- "$expect_error" <<<"$msg"; then
		result=fail reason="the boot error does not match /$expect_error/"
	fi
fi

line=$(grep '^summary:' "$log" | tail -n 1)
if [ -z "$line" ]; then
	line="summary: scenario=$scenario vps=$vps nodes=? booted=? started=? result=?"
fi
line=$(sed -e "s/ result=[a-z?]*//" <<<"$line")
echo "$line result=$result${reason:+ reason=\"$reason\"}"
[ $result = pass ]
