#!/bin/sh
# Replay every fuzz corpus file through its harness (no libFuzzer needed).
set -eu
SRC=${TOP_SRCDIR:-.}
B=${TOP_BUILDDIR:-.}
for h in policy json guest import; do
	set -- "$SRC"/tests/fuzz/corpus/$h/*
	[ -e "$1" ] || { echo "no corpus for $h"; exit 1; }
	"$B/tests/fuzz/replay-$h" "$@"
done
