#!/bin/sh
# The CLI end to end: exit codes, formats, golden output, malformed input.
# Live parts run when /dev/kvm can be opened; the rest needs nothing.
set -u
. "${TOP_SRCDIR:-.}/tests/testlib.sh"
D=$SRC/tests/data

for verb in host build decode lint diff apply verify matrix baseline migrate-check export import; do
	expect 0 "$verb --help" -- "$K" "$verb" --help
	has "$T/out" "Usage: kvmcpuid $verb" "$verb --help prints its usage"
	expect 2 "$verb with an unknown option" -- "$K" "$verb" --no-such-option
done
expect 0 "--help" -- "$K" --help
expect 2 "no verb" -- "$K"
expect 2 "unknown verb" -- "$K" frobnicate
has "$T/err" "unknown verb 'frobnicate'" "unknown verb is named"
# a command-line argument quoted in a message is one line, its control bytes escaped
expect 2 "unknown verb with an escape sequence" -- "$K" "$(printf 'v\033[31m')"
has "$T/err" "unknown verb 'v\x1b[31m'" "the verb's escape byte is shown, not obeyed"
expect 2 "a format with a newline" -- "$K" build --format "$(printf 'a\nb')"
has "$T/err" "unknown format 'a\x0ab'" "the format's newline is shown, not obeyed"
if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok "the message is one line"; else fail "the message is not one line"; fi

# decode: golden
"$K" decode 0x01007efb 1 >"$T/decode" 2>&1
if diff -u "$SRC/tests/golden/decode.txt" "$T/decode" >"$T/diff"; then ok "decode golden"; else
	fail "decode golden"; sed 's/^/# /' "$T/diff"; fi
expect 0 "decode a reserved bit" -- "$K" decode 0x100
has "$T/out" "(reserved)" "reserved bit named"
expect 2 "decode junk" -- "$K" decode 0xzz
expect 2 "decode a 33-bit value" -- "$K" decode 0x100000000

# lint: no /dev/kvm needed
expect 0 "lint a clean policy" -- "$K" lint "$D/allow-list.json"
has "$T/out" "ok" "lint says ok"
expect 1 "lint a policy with warnings" -- "$K" lint "$D/tenant-a.policy"
has "$T/err" "warning: async_pf_int is set without async_pf" "lint names the dependency"
expect 2 "lint with no policy" -- "$K" lint

# malformed policies: one line, file:line:col:, exit 2, nothing written
check_bad() { # FILE LINE:COL TEXT
	f=$D/bad/$1
	rm -f "$T/built"
	"$K" build "$f" --host-profile "$D/host-intel.json" -o "$T/built" >"$T/out" 2>"$T/err"
	code=$?
	lines=$(wc -l <"$T/err")
	if [ "$code" -eq 2 ] && [ "$lines" -eq 1 ] && grep -qF "$f:$2: " "$T/err" &&
	   grep -qF -- "$3" "$T/err" && [ ! -e "$T/built" ]; then
		ok "bad input $1"
	else
		fail "bad input $1 (exit $code, $lines lines)"; sed 's/^/# /' "$T/err"
	fi
}
check_bad unknown-key.policy 1:1 "did you mean 'steal_time'?"
check_bad duplicate.policy 2:1 "duplicate key 'steal_time'"
check_bad conflict.policy 2:1 "(by 'kvmclock')"
check_bad base-step.policy 1:8 "multiple of 0x100"
check_bad base-range.policy 1:8 "invalid base"
check_bad signature-length.policy 1:13 "exactly 12 bytes, got 8 bytes"
check_bad bad-value.policy 2:14 "invalid value 'maybe' for 'steal_time'"
check_bad deprecated.policy 1:10 "only off or force"
check_bad max-leaf.policy 1:1 "outside the block"
check_bad nul.policy 2:4 "NUL byte"
check_bad not-utf8.policy 2:1 "invalid UTF-8"
check_bad syntax.policy 2:6 "expected '=' after 'this'"
check_bad duplicate.json 1:23 "duplicate key 'steal_time'"
check_bad wrong-type.json 1:2 "expected a string"
check_bad truncated.json 2:1 "invalid JSON"
# generated bad input: huge, binary, deeply nested, overlong, unreadable
awk 'BEGIN { for (i = 0; i < 70000; i++) print "# padding padding padding" }' >"$T/huge.policy"
expect 2 "a policy over 1 MiB" -- "$K" lint "$T/huge.policy"
has "$T/err" "huge.policy:40330:23: file is larger than the 1 MiB" "huge: where the limit is crossed"
head -c 4096 /dev/urandom >"$T/binary.policy"; printf '\377' >>"$T/binary.policy"
expect 2 "binary garbage" -- "$K" lint "$T/binary.policy"
grep -qE "binary.policy:[0-9]+:[0-9]+: (NUL byte|invalid UTF-8|expected|invalid|unknown|missing|unexpected)" "$T/err" && ok "binary: positioned error" || { fail "binary"; cat "$T/err"; }
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "["; }' >"$T/nested.json"
printf '{"a":' >"$T/deep.json"; cat "$T/nested.json" >>"$T/deep.json"
expect 2 "deeply nested JSON" -- "$K" lint "$T/deep.json"
has "$T/err" "deep.json:1:21: invalid JSON: nesting too deep" "nested JSON: where the depth limit is hit"
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "k"; print " = on" }' >"$T/long.policy"
expect 2 "an overlong key" -- "$K" lint "$T/long.policy"
has "$T/err" "long.policy:1:1: key is too long" "overlong key"
awk 'BEGIN { printf "steal_time = "; for (i = 0; i < 10000; i++) printf "o"; print "" }' >"$T/longval.policy"
expect 2 "an overlong value" -- "$K" lint "$T/longval.policy"
has "$T/err" "longval.policy:1:14: value is too long" "overlong value"
printf 'steal_time = "KVM' >"$T/trunc.policy"
expect 2 "a truncated policy" -- "$K" lint "$T/trunc.policy"
has "$T/err" "trunc.policy:1:14: unterminated quoted value" "truncated"
expect 2 "an unreadable file" -- "$K" lint /proc/self/mem
has "$T/err" "/proc/self/mem: cannot read" "unreadable file"
expect 2 "a directory as policy" -- "$K" lint "$SRC/tests"
has "$T/err" "is a directory" "directory error"
expect 2 "a missing policy" -- "$K" lint "$T/nope.policy"
has "$T/err" "nope.policy: cannot open" "missing file error"
expect 2 "bad --set" -- "$K" build --host-profile "$D/host-intel.json" --set steal_time=sometimes
has "$T/err" "--set:1:12: invalid value" "--set error has a position"

# build formats, against a saved profile: no /dev/kvm needed
expect 0 "build json" -- "$K" build "$D/tenant-a.policy" --host-profile "$D/host-intel.json" --format json
has "$T/out" '"kvmcpuid_leaves": 1' "json build output"
has "$T/out" '"eax": "0x01007ecb"' "json carries the resolved features"
expect 0 "build raw" -- "$K" build --host-profile "$D/host-intel.json" --format raw -o "$T/raw"
size=$(wc -c <"$T/raw")
[ "$size" -eq 88 ] && ok "raw is a struct kvm_cpuid2 with 2 entries (88 bytes)" || fail "raw size $size"
expect 0 "build timing raw" -- "$K" build --host-profile "$D/host-intel.json" --set timing=on --format raw -o "$T/raw3"
size=$(wc -c <"$T/raw3")
[ "$size" -eq 128 ] && ok "timing adds the third entry" || fail "raw size $size"
expect 2 "build with an unknown format" -- "$K" build --format yaml
expect 2 "on for a feature the host lacks" -- "$K" build --host-profile "$D/host-intel.json" --set default=off,steal_time=on
expect 0 "force warns but builds" -- "$K" build --host-profile "$D/host-intel.json" --set mmu_op=force
has "$T/err" "warning: mmu_op is forced" "force warning"
expect 2 "strict turns it into an error" -- "$K" build --host-profile "$D/host-intel.json" --set mmu_op=force --strict

# diff
"$K" build "$D/tenant-a.policy" --host-profile "$D/host-intel.json" --format json -o "$T/a.json" 2>/dev/null
expect 1 "diff policy vs its own build with enforce off" -- "$K" diff "$T/a.json" "$T/raw" --host-profile "$D/host-intel.json"
has "$T/out" "async_pf                 clear -> set" "diff names the feature"
has "$T/out" "enforce: on -> off" "diff names enforce"
expect 0 "diff of a policy and its own build" -- "$K" diff "$D/tenant-a.policy" "$T/a.json" --host-profile "$D/host-intel.json"
has "$T/out" "no difference a guest can see" "no difference"
# a build output read back: "enforce": "off" is off, leading blanks, a broken blob is named as one
sed 's/"enforce": *true/"enforce": "off"/' "$T/a.json" >"$T/a-off.json"
grep -q '"enforce": "off"' "$T/a-off.json" || fail "no enforce in the build output"
expect 1 "diff: \"enforce\": \"off\" is off" -- "$K" diff "$T/a.json" "$T/a-off.json"
has "$T/out" "enforce: on -> off" "\"off\" is read as off"
sed 's/"enforce": *true/"enforce": "maybe"/' "$T/a.json" >"$T/a-bad.json"
expect 2 "diff: \"enforce\": \"maybe\" is an error" -- "$K" diff "$T/a.json" "$T/a-bad.json"
has "$T/err" "enforce" "the bad enforce is named"
{ printf '\n  \t\r\n'; cat "$T/a.json"; } >"$T/a-blank.json"
expect 0 "diff: a build output after blank lines" -- "$K" diff "$T/a.json" "$T/a-blank.json"
head -c 30 "$T/raw" >"$T/short.raw"
expect 2 "diff: a truncated raw blob" -- "$K" diff "$T/short.raw" "$T/raw" --host-profile "$D/host-intel.json"
has "$T/err" "struct kvm_cpuid2" "a truncated blob gets a blob error"
# every difference a guest can see, and only those (issue 10 item 4)
P="--host-profile $D/host-intel.json"
echo 'max_leaf = legacy-zero' >"$T/lz.policy"
echo 'max_leaf = auto' >"$T/auto.policy"
echo 'max_leaf = 0x40000000' >"$T/ml0.policy"
echo 'signature = hidden' >"$T/hidden.policy"
printf 'signature = "XenVMMXenVMM"\n' >"$T/xen.policy"
printf 'signature = "ABC\\x01EFGHIJKL"\n' >"$T/ctl.policy"
expect 0 "diff: legacy-zero is read as base+1" -- "$K" diff "$T/lz.policy" "$T/auto.policy" $P
expect 1 "diff: legacy-zero vs an explicit base" -- "$K" diff "$T/lz.policy" "$T/ml0.policy" $P
has "$T/out" "max leaf: base+0x1 -> base+0x0" "diff names the max leaf"
expect 1 "diff: a custom signature vs hidden" -- "$K" diff "$T/xen.policy" "$T/hidden.policy" $P
has "$T/out" 'signature: "XenVMMXenVMM" -> hidden' "diff names the signature"
expect 1 "diff: two custom signatures" -- "$K" diff "$T/xen.policy" "$T/ctl.policy" $P
has "$T/out" 'signature: "XenVMMXenVMM" -> "ABC\x01EFGHIJKL"' "diff escapes a signature"

# bad input and misuse (issue 10 item 5)
printf 'steal_time = "off\\x00garbage"\n' >"$T/nul.policy"
expect 2 "a NUL inside a quoted value" -- "$K" lint "$T/nul.policy"
has "$T/err" "contains a NUL byte" "the NUL is named"
printf '{"steal_time": "off\\u0000garbage"}' >"$T/nul.json"
expect 2 "a NUL inside a JSON string" -- "$K" lint "$T/nul.json"
expect 0 "decode 010 is decimal" -- "$K" decode 010
has "$T/out" "0x0000000a" "010 is ten"
expect 2 "--deadline nan" -- "$K" verify --deadline nan
for args in "decode 1" "lint $D/allow-list.json" "diff $D/tenant-a.policy $D/tenant-a.policy $P" \
	    "--help" "host --help" "build $P"; do
	# shellcheck disable=SC2086
	"$K" $args >/dev/full 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && grep -q "cannot write" "$T/err" && ok "$args >/dev/full fails" ||
		fail "$args >/dev/full: exit $r"
	# shellcheck disable=SC2086
	"$K" $args >&- 2>"$T/err"
	r=$?
	[ $r -ne 0 ] && ok "$args with stdout closed fails" || fail "$args >&-: exit $r"
done

# several --set are one override, checked once: a later --set may settle a conflict
expect 0 "--set steal_time=on --set steal_time=off" -- "$K" build $P --set steal_time=on --set steal_time=off
has "$T/out" "steal_time = off" "the later --set wins"
expect 0 "a later --set settles max_leaf outside the block" -- "$K" build $P --set max_leaf=0x40000101 --set base=0x40000100
expect 2 "a conflict left at the end" -- "$K" build $P --set kvmclock=on --set clocksource=off --set max_leaf=0x40000101
has "$T/err" "--set:3:1: max_leaf 0x40000101 is outside" "the conflict names the third --set"
expect 2 "a bad value in the second --set" -- "$K" build $P --set steal_time=on --set mmu_op=on
has "$T/err" "--set:2:8: invalid value 'on' for 'mmu_op'" "the error names the second --set"
expect 2 "a trailing comma before the next --set" -- "$K" build $P --set steal_time=on, --set pv_eoi=off

# lint warnings: once each, named after where they came from, in every output format
for fmt in table json raw; do
	"$K" build $P "$D/allow-list.json" --set async_pf_int=on --format "$fmt" >/dev/null 2>"$T/err"
	[ "$(grep -c warning "$T/err")" -eq 1 ] && ok "build --format $fmt: the warning once" ||
		fail "build --format $fmt: $(grep -c warning "$T/err") warnings"
	has "$T/err" "--set: warning: async_pf_int is set without async_pf" "build --format $fmt: from --set"
done
"$K" build $P "$D/tenant-a.policy" --set realtime=off --format json >/dev/null 2>"$T/err"
has "$T/err" "tenant-a.policy: warning: async_pf_int is set without async_pf" "a file's warning stays the file's"
[ "$(grep -c warning "$T/err")" -eq 3 ] && ok "--set realtime=off settles the realtime warnings" ||
	fail "$(grep -c warning "$T/err") warnings after realtime=off"
expect 1 "lint with --set" -- "$K" lint "$D/allow-list.json" --set async_pf_int=on
[ "$(grep -c warning "$T/err")" -eq 1 ] && ok "lint: the warning once" || fail "lint: $(grep -c warning "$T/err") warnings"
has "$T/err" "--set: warning: async_pf_int" "lint: the warning is --set's"

# control bytes in values and profile strings are escaped: one line per message, no terminal escapes
esc=$(printf '\033')
sed 's/"module": "kvm_intel"/"module": "kvm\\u001b[31m\\nX"/' "$D/host-intel.json" >"$T/esc-host.json"
expect 0 "host: a profile whose module has control bytes" -- "$K" host --host-profile "$T/esc-host.json"
has "$T/out" 'KVM module:      kvm\x1b[31m\x0aX' "host escapes the module"
"$K" build --host-profile "$T/esc-host.json" >"$T/out" 2>/dev/null
grep -q "$esc" "$T/out" && fail "build prints the module's escape" || ok "build escapes the module"
printf 'steal_time = o\033[31mn\n' >"$T/esc.policy"
expect 2 "a value with an escape" -- "$K" lint "$T/esc.policy"
has "$T/err" "invalid value 'o\\x1b[31mn'" "the escape is shown, not sent"
printf '{"steal_time": "o\\u001b\\u0085n"}' >"$T/esc.json"
expect 2 "a JSON value with C0 and C1 controls" -- "$K" lint "$T/esc.json"
has "$T/err" "invalid value 'o\\x1b\\u0085n'" "C0 and C1 controls are escaped"
[ "$(wc -l <"$T/err")" -eq 1 ] && ok "one line" || fail "$(wc -l <"$T/err") lines"

# 1 MiB of empty JSON objects is refused before json-c builds them (peak RSS, not only size)
awk 'BEGIN { printf "{\"a\":["; for (i = 0; i < 349000; i++) printf "{},"; print "{}]}" }' >"$T/objs.json"
awk 'BEGIN { printf "{"; for (i = 0; i < 95000; i++) printf "\"%05x\":{},", i; print "\"z\":{}}" }' >"$T/keys.json"
for f in objs keys; do
	expect 2 "$f.json: 1 MiB of empty objects" -- "$K" lint "$T/$f.json"
	has "$T/err" "more than 8192 objects and arrays" "$f.json: the bound is named"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$T/rss" "$K" lint "$T/$f.json" >/dev/null 2>&1
		rss=$(tail -n 1 "$T/rss")
		[ "$rss" -lt 65536 ] && ok "$f.json: peak RSS $rss KiB" || fail "$f.json: peak RSS $rss KiB"
	fi
done

# -o: only a regular file or a new name; the mode kept; no temp file left behind
mkfifo "$T/fifo"
# shellcheck disable=SC2086
expect 2 "-o onto a FIFO" -- timeout 10 "$K" build $P -o "$T/fifo"
has "$T/err" "not a regular file" "-o FIFO is named"
[ -p "$T/fifo" ] && ok "the FIFO is left alone" || fail "the FIFO was replaced"
if [ "$(id -u)" -eq 0 ] && mknod "$T/null" c 1 3 2>/dev/null; then
	# shellcheck disable=SC2086
	expect 2 "-o onto a device node" -- "$K" build $P -o "$T/null"
	[ -c "$T/null" ] && ok "the device node is left alone" || fail "the device node was replaced"
fi
mkdir "$T/odir"
# shellcheck disable=SC2086
expect 2 "-o onto a directory" -- "$K" build $P -o "$T/odir"
: >"$T/mode"; chmod 0644 "$T/mode"
# shellcheck disable=SC2086
expect 0 "-o onto an existing file" -- "$K" build $P -o "$T/mode"
[ "$(stat -c %a "$T/mode")" = 644 ] && ok "-o keeps the file's mode" ||
	fail "-o changed the mode to $(stat -c %a "$T/mode")"
# shellcheck disable=SC2086
(umask 022; "$K" build $P -o "$T/new") && [ "$(stat -c %a "$T/new")" = 644 ] &&
	ok "-o gives a new file the umask's mode" || fail "-o new file mode $(stat -c %a "$T/new")"
long=$(printf '%0250d' 0)
# shellcheck disable=SC2086
expect 0 "-o with a 250-byte file name" -- "$K" build $P -o "$T/odir/$long"
[ -s "$T/odir/$long" ] && ok "the 250-byte name is written" || fail "no 250-byte file"
# (strace holds the write in fsync for 3 s while the signal comes)
if env --default-signal=INT strace -e trace=fsync -e inject=fsync:delay_enter=1 -o /dev/null \
	true 2>/dev/null; then
	mkdir "$T/sig"
	for sig in INT TERM; do
		# shellcheck disable=SC2086
		env --default-signal=INT strace -o /dev/null -e trace=fsync \
			-e inject=fsync:delay_enter=3000000 "$K" build $P -o "$T/sig/out" 2>/dev/null &
		tracer=$!
		i=0
		while [ $i -lt 100 ] && [ -z "$(ls -A "$T/sig")" ]; do sleep 0.05; i=$((i + 1)); done
		kill -s $sig "$(pgrep -P $tracer)"
		wait $tracer
		left=$(ls -A "$T/sig")
		[ -z "$left" ] && ok "SIG$sig removes the temporary file" || fail "SIG$sig left: $left"
		rm -f "$T"/sig/* "$T"/sig/.[!.]*
	done
fi

# no /dev/kvm: exit 3 with a fix
KVMCPUID_DEVICE=/nonexistent/kvm "$K" verify >"$T/out" 2>"$T/err"
[ $? -eq 3 ] && ok "verify without /dev/kvm exits 3" || fail "verify without /dev/kvm"
has "$T/err" "modprobe" "says how to fix"
KVMCPUID_DEVICE=/nonexistent/kvm "$K" host >"$T/out" 2>"$T/err"
[ $? -eq 3 ] && ok "host without /dev/kvm exits 3" || fail "host without /dev/kvm"

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	expect 0 "host" -- "$K" host
	has "$T/out" "KVM module:" "host names the module"
	expect 0 "host --json" -- "$K" host --json
	cp "$T/out" "$T/host.json"
	expect 0 "build against the saved profile of this host" -- "$K" build --host-profile "$T/host.json" --format raw -o "$T/p.raw"
	expect 0 "build against this host" -- "$K" build --format raw -o "$T/h.raw"
	cmp -s "$T/p.raw" "$T/h.raw" && ok "profile and probe build the same leaves" || fail "profile and probe differ"
	expect 0 "apply" -- "$K" apply --set steal_time=off,enforce=on
	expect 0 "apply with a --set warning" -- "$K" apply "$D/allow-list.json" --set async_pf_int=on
	[ "$(grep -c warning "$T/err")" -eq 1 ] && ok "apply: the warning once" || fail "apply: warnings $(grep -c warning "$T/err")"
	has "$T/err" "--set: warning: async_pf_int" "apply: the warning is --set's"
	expect 0 "verify with a --set warning" -- "$K" verify "$D/allow-list.json" --set async_pf_int=on
	[ "$(grep -c warning "$T/err")" -eq 1 ] && ok "verify: the warning once" || fail "verify: warnings $(grep -c warning "$T/err")"
	has "$T/err" "--set: warning: async_pf_int" "verify: the warning is --set's"
	has "$T/out" "enforcement: on" "apply shows enforcement"
	expect 0 "verify the default policy" -- "$K" verify
	has "$T/out" "verdict: as expected" "verify verdict"
	expect 0 "verify --json" -- "$K" verify --json --set enforce=on,pv_eoi=off
	has "$T/out" '"ok": true' "json verdict"
	expect 2 "verify a bad policy" -- "$K" verify "$D/bad/duplicate.policy"
	expect 2 "verify --deadline junk" -- "$K" verify --deadline soon
	expect 0 "matrix" -- "$K" matrix
	has "$T/out" "all as expected" "matrix verdict"
else
	echo "# /dev/kvm not usable: live CLI checks skipped"
fi

. "$SRC/tests/cli-fleet.sh"

# the man pages document every option of every verb, every key and every feature
for verb in host build decode lint diff apply verify matrix baseline migrate-check export import; do
	for opt in $("$K" "$verb" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		if grep -q -- "$esc" "$SRC/man/kvmcpuid.1"; then ok "kvmcpuid.1 documents $verb $opt"
		else fail "kvmcpuid.1 lacks $verb $opt"; fi
	done
done
for key in default signature base max_leaf timing enforce $("$K" decode 0x0103ffff 1 | awk '/bit/ && $3 != "(reserved)" {print $3}'); do
	if grep -qw -- "$key" "$SRC/man/kvmcpuid.policy.5"; then ok "kvmcpuid.policy.5 documents $key"
	else fail "kvmcpuid.policy.5 lacks $key"; fi
done

echo "1..$n"
[ "$fails" -eq 0 ]
