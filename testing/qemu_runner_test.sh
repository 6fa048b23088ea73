#!/usr/bin/env bash
# qemu_runner.sh's verdicts, with a stand-in for QEMU that prints fixed
# serial lines and exits with an isa-debug-exit status.
set -u
runner=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0

fake() { # exit status, then the serial lines
	local rc=$1
	shift
	{
		echo '#!/usr/bin/env bash'
		printf 'printf "%%s\\n"'
		printf " '%s'" "$@"
		echo
		echo "exit $rc"
	} >"$tmp/qemu"
	chmod +x "$tmp/qemu"
}

check() { # want (pass|fail), description, runner arguments
	local want=$1 what=$2 got=pass
	shift 2
	"$runner" --qemu "$tmp/qemu" --kernel k "$@" >"$tmp/out" 2>&1 || got=fail
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: $got, expected $want"
		cat "$tmp/out"
		failures=$((failures + 1))
	fi
}

fake 1 'sidecar#1: online' 'sidecar#boot: boot complete' 'TEST PASS'
check pass "a pass" --expect '^sidecar#1: online$'
check fail "a missing line" --expect '^sidecar#2: online$'
check pass "every sidecar# line well-formed" \
	--every 'sidecar#' '^sidecar#(boot|[0-9]+): [^#]+$'
check fail "a line that must not be there" --every 'sidecar#' '^$'

fake 1 'sidecar#1: onlinesidecar#2: online' 'TEST PASS'
check fail "two log lines run together" \
	--every 'sidecar#' '^sidecar#(boot|[0-9]+): [^#]+$'

fake 1 'shim: entry sidecar#3: online' 'TEST PASS'
check fail "a log line inside another line" \
	--every 'sidecar#' '^sidecar#(boot|[0-9]+): [^#]+$'

fake 3 'TEST FAIL'
check fail "the kernel's failure"
check pass "an expected failure" --expect-failure

fake 1 'no verdict line'
check fail "a pass status without TEST PASS"

[ $failures = 0 ] && echo "qemu_runner_test: all checks pass"
exit $((failures > 0))
