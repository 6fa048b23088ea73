#!/usr/bin/env bash
# Usage: no_undefined_symbols.sh LLVM_NM ARCHIVE
# Fails if ARCHIVE references a symbol that none of its members defines.
set -euo pipefail
nm=$1
archive=$2
# Symbol names only: drop the "member.o:" headers and blank lines.
symbols() { "$nm" "$1" --format=just-symbols "$archive" | grep -v -e ':$' -e '^$' | sort -u || true; }
defined=$(symbols --defined-only)
undefined=$(symbols --undefined-only)
missing=$(comm -23 <(echo "$undefined") <(echo "$defined") | grep -v '^$' || true)
if [ -n "$missing" ]; then
	echo "$archive needs symbols it does not define:"
	echo "$missing"
	exit 1
fi
echo "$archive: $(echo "$defined" | wc -l) symbols defined, none missing"
