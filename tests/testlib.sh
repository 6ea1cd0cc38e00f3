# Shared by the shell suites (sourced; POSIX sh): a scratch directory $T, counters and
# the assertions.  Each suite ends with: echo "1..$n"; [ "$fails" -eq 0 ]
K=${KVMCPUID:-./kvmcpuid}
SRC=${TOP_SRCDIR:-.}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# expect CODE DESC -- command...: the exit status; stdout in $T/out, stderr in $T/err
expect() {
	want=$1; desc=$2; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"; else
		fail "$desc (exit $got, want $want)"; sed 's/^/# /' "$T/err" "$T/out" | head -20
	fi
}

has() { # has FILE TEXT DESC
	if grep -qF -- "$2" "$1"; then ok "$3"; else fail "$3: no '$2'"; sed 's/^/# /' "$1" | head -10; fi
}

hasnt() { # hasnt FILE TEXT DESC
	if grep -qF -- "$2" "$1"; then fail "$3: '$2' is there"; sed 's/^/# /' "$1" | head -10; else ok "$3"; fi
}

# import_big FORMAT FILE DESC: an import of a large FILE with a warning per setting exits
# 1 in under 10 s (a bound linear work meets with room, quadratic work misses by minutes)
# and shows 20 warnings and one line counting the rest.
import_big() {
	n0=$(date +%s)
	expect 1 "$3" -- "$K" import --from "$1" "$2"
	secs=$(($(date +%s) - n0))
	[ "$secs" -lt 10 ] && ok "in under 10 s ($secs s)" || fail "$secs s for 1 MiB: not linear"
	[ "$(wc -l <"$T/err")" -eq 21 ] && ok "20 warnings and one line for the rest" ||
		fail "$(wc -l <"$T/err") lines of warnings, want 21"
}
