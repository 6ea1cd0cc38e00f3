# Sourced by tests/cli.sh (its helpers, $K, $D, $T): the fleet verbs, baseline and
# migrate-check, on saved host profiles only (no /dev/kvm needed).

# The 0x40000001.EAX a build output carries.
built_eax() { awk -F'"' '/"function": "0x40000001"/ { f = 1 } f && /"eax"/ { print $4; exit }' "$1"; }
profile_eax() { sed -n 's/^ *"features": "\(0x[0-9a-f]*\)".*/\1/p' "$1"; }

for verb in baseline migrate-check; do
	expect 2 "$verb with no arguments" -- "$K" "$verb"
	has "$T/err" "Usage: kvmcpuid $verb" "$verb without arguments prints its usage"
done
"$K" --help >"$T/help"
for verb in baseline migrate-check; do has "$T/help" "  $verb " "kvmcpuid --help lists $verb"; done

# baseline: the intersection of what each KVM offers, who removed what
I=$D/host-intel.json
A=$D/host-amd.json
expect 0 "baseline of two profiles" -- "$K" baseline "$I" "$A"
cp "$T/out" "$T/base.policy"
has "$T/out" "# steal_time: removed by $I (not offered)" "names the host that removed steal_time"
has "$T/out" "# pv_tlb_flush: removed by $A (not offered)" "names the host that removed pv_tlb_flush"
has "$T/out" "# enforce: removed by $A" "names the host that cannot enforce"
has "$T/out" "# realtime: off (only the VMM provides it" "says why a VMM feature is off"
has "$T/out" "default = off" "the baseline is an allow-list"
inter=$(printf '0x%08x' $(($(profile_eax "$I") & $(profile_eax "$A"))))
for h in "$I" "$A"; do
	expect 0 "the baseline builds on $(basename "$h")" -- "$K" build "$T/base.policy" --host-profile "$h" --format json -o "$T/b.json"
	got=$(built_eax "$T/b.json")
	[ "$got" = "$inter" ] && ok "baseline on $(basename "$h") is the intersection $inter" ||
		fail "baseline on $(basename "$h") gives $got, want $inter"
done
expect 0 "baseline of one profile is what it offers" -- "$K" baseline "$I"
cp "$T/out" "$T/one.policy"
"$K" build "$T/one.policy" --host-profile "$I" --format json -o "$T/one.json" 2>/dev/null
[ "$(built_eax "$T/one.json")" = "$(profile_eax "$I")" ] && ok "one profile: all it offers" ||
	fail "one profile: $(built_eax "$T/one.json")"
has "$T/out" "enforce = on" "one enforcing host: enforce on"
expect 0 "baseline --json" -- "$K" baseline --json "$I" "$A"
has "$T/out" '{ "key": "steal_time", "by": "'"$I"'"' "json names who removed steal_time"
has "$T/out" '"policy": {' "json carries the policy"
if command -v python3 >/dev/null; then
	python3 -m json.tool "$T/out" >/dev/null && ok "baseline --json is JSON" || fail "baseline --json is not JSON"
fi
# A fleet: 10 000 AMD profiles and 12 Intel ones.  The header counts them (no list of
# 10 012 names); each removal names the hosts that removed it, the first 10 and how many more.
mkdir "$T/fleet"
python3 -c 'import os, sys
for i in range(1, 10001): os.symlink(sys.argv[1], "%s/amd-%d.json" % (sys.argv[2], i))' \
	"$(cd "$(dirname "$A")" && pwd)/$(basename "$A")" "$T/fleet" 2>/dev/null ||
	for i in $(seq 1 10000); do ln -s "$(cd "$(dirname "$A")" && pwd)/$(basename "$A")" "$T/fleet/amd-$i.json"; done
for i in $(seq 1 12); do ln -s "$(cd "$(dirname "$I")" && pwd)/$(basename "$I")" "$T/fleet/intel-$i.json"; done
fleet=()
for i in $(seq 1 10000); do
	fleet+=("$T/fleet/amd-$i.json")
	[ $((i % 1000)) = 0 ] && fleet+=("$T/fleet/intel-$((i / 1000)).json")
done
fleet+=("$T/fleet/intel-11.json" "$T/fleet/intel-12.json")
expect 0 "baseline of 10 012 profiles" -- "$K" baseline "${fleet[@]}"
head -1 "$T/out" | grep -qx "# baseline of 10012 host profiles" && ok "the header counts the fleet" ||
	fail "header: $(head -1 "$T/out" | cut -c1-200)"
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/out")
[ "$longest" -lt 1200 ] && ok "no line lists the fleet ($longest characters at most)" ||
	fail "a line of $longest characters"
names=""
for i in $(seq 1 10); do names="$names${names:+, }$T/fleet/intel-$i.json"; done
has "$T/out" "# steal_time: removed by 12 of 10012 hosts (not offered): $names, and 2 more" "steal_time: 12 Intel hosts, 10 named"
names=""
for i in $(seq 1 10); do names="$names${names:+, }$T/fleet/amd-$i.json"; done
has "$T/out" "# pv_tlb_flush: removed by 10000 of 10012 hosts (not offered): $names, and 9990 more" "pv_tlb_flush: 10 000 AMD hosts, 10 named"
has "$T/out" "# enforce: removed by 10000 of 10012 hosts (no KVM_CAP_ENFORCE_PV_FEATURE_CPUID): $names, and 9990 more" "enforce: counted too"
[ "$(grep -c '^#' "$T/out")" = 9 ] && ok "one comment line a removal" || fail "$(grep -c '^#' "$T/out") comment lines"
expect 0 "baseline --json of 10 012 profiles" -- "$K" baseline --json "${fleet[@]}"
has "$T/out" '{ "key": "steal_time", "by": "'"$T/fleet/intel-1.json"'", "count": 12,' "json counts the hosts that removed steal_time"
rm -rf "$T/fleet"
expect 2 "baseline of a missing profile" -- "$K" baseline "$I" "$T/nope.json"
has "$T/err" "nope.json: cannot open" "names the missing profile"

# migrate-check: signature, features subset, max leaf, enforcement
"$K" build --host-profile "$I" --format json -o "$T/intel.json" 2>/dev/null
expect 1 "an intel guest cannot move to the amd host" -- "$K" migrate-check "$T/intel.json" "$A"
has "$T/out" "refused: pv_tlb_flush: the guest has it, the destination does not offer it" "names pv_tlb_flush"
has "$T/out" "refused: poll_control:" "names poll_control"
expect 0 "an intel guest can move to an intel host" -- "$K" migrate-check "$T/intel.json" "$I"
has "$T/out" "safe:" "says safe"
"$K" build "$T/base.policy" --host-profile "$I" --format json -o "$T/b.json" 2>/dev/null
expect 0 "a baseline guest moves anywhere in the fleet" -- "$K" migrate-check "$T/b.json" "$A"
"$K" build --host-profile "$I" --set 'signature="XenVMMXenVMM"' --format json -o "$T/xen.json" 2>/dev/null
expect 1 "another signature cannot move" -- "$K" migrate-check "$T/xen.json" "$I"
has "$T/out" "refused: signature:" "names the signature"
"$K" build --host-profile "$I" --set max_leaf=0x40000020 --format json -o "$T/ml.json" 2>/dev/null
expect 1 "a greater max leaf cannot move" -- "$K" migrate-check "$T/ml.json" "$I"
has "$T/out" "refused: max leaf: the guest's base+0x20 is above the destination's base+0x10" "names the max leaf"
"$K" build "$T/base.policy" --host-profile "$I" --set enforce=on --format json -o "$T/enf.json" 2>/dev/null
expect 1 "an enforcing guest cannot move to a host without enforcement" -- "$K" migrate-check "$T/enf.json" "$A"
has "$T/out" "refused: enforce:" "names enforcement"
"$K" build --host-profile "$I" --set signature=hidden --format json -o "$T/hid.json" 2>/dev/null
expect 0 "a hidden signature has nothing to refuse" -- "$K" migrate-check "$T/hid.json" "$A"
"$K" build --host-profile "$I" --set realtime=on --format json -o "$T/rt.json" 2>/dev/null
expect 1 "vmm features count as provided; kvm ones do not" -- "$K" migrate-check "$T/rt.json" "$A"
grep -q "realtime" "$T/out" && fail "realtime refused" || ok "realtime is the VMM's: not refused"
expect 1 "migrate-check --json" -- "$K" migrate-check --json "$T/intel.json" "$A"
has "$T/out" '"safe": false' "json verdict"
has "$T/out" '"kind": "feature", "feature": "pv_tlb_flush"' "json names the feature"
expect 2 "migrate-check of a policy, not a build" -- "$K" migrate-check "$D/tenant-a.policy" "$A"
expect 2 "migrate-check with a bad profile" -- "$K" migrate-check "$T/intel.json" "$D/tenant-a.policy"

# host --format nfd: Node Feature Discovery labels, from a saved profile too
expect 0 "host --format nfd --host-profile" -- "$K" host --format nfd --host-profile "$A"
if diff -u "$SRC/tests/golden/host-amd.nfd" "$T/out" >"$T/diff"; then ok "nfd golden"; else
	fail "nfd golden"; sed 's/^/# /' "$T/diff"; fi
grep -vqE '^kvm-pv\.[a-z0-9_]+=[A-Za-z0-9_]+$' "$T/out" && fail "a line is not an NFD label" ||
	ok "every line is an NFD label"
expect 0 "host --format nfd, intel" -- "$K" host --format nfd --host-profile "$I"
has "$T/out" "kvm-pv.module=kvm_intel" "nfd names the module"
has "$T/out" "kvm-pv.enforce=true" "nfd names enforcement"
has "$T/out" "kvm-pv.steal_time=false" "nfd: a feature the host lacks"
expect 0 "host --format json is --json" -- "$K" host --format json --host-profile "$I"
has "$T/out" '"kvmcpuid_host_profile": 1' "json profile"
expect 2 "host --format yaml" -- "$K" host --format yaml --host-profile "$I"

# include = NAME: the profiles shipped in profiles/, found through KVMCPUID_PROFILEDIR
KVMCPUID_PROFILEDIR=$SRC/profiles
export KVMCPUID_PROFILEDIR
inc() { # NAME EAX EDX [more policy lines]: build "include = NAME" against the intel profile
	name=$1 weax=$2 wedx=$3; shift 3
	{ echo "include = $name"; for l in "$@"; do echo "$l"; done; } >"$T/inc.policy"
	expect 0 "include = $name $*" -- "$K" build "$T/inc.policy" --host-profile "$I" --format json -o "$T/inc.json"
	geax=$(built_eax "$T/inc.json")
	gedx=$(awk -F'"' '/"function": "0x40000001"/ { f = 1 } f && /"edx"/ { print $4; exit }' "$T/inc.json")
	[ "$geax $gedx" = "$weax $wedx" ] && ok "include = $name $*: $weax $wedx" ||
		fail "include = $name $*: $geax $gedx, want $weax $wedx"
}
inc minimal 0x01000009 0x00000000
inc cve-2019-3016 0x01007cdb 0x00000000
inc dedicated-cpu 0x01005c5b 0x00000001
inc hide-kvm "" ""
# later lines win, both ways
inc minimal 0x01000049 0x00000000 "pv_eoi = on"
printf 'pv_tlb_flush = on\ninclude = cve-2019-3016\n' >"$T/order.policy"
"$K" build "$T/order.policy" --host-profile "$I" --format json -o "$T/order.json" 2>/dev/null
[ "$(built_eax "$T/order.json")" = 0x01007cdb ] && ok "an include overrides the lines before it" ||
	fail "include before: $(built_eax "$T/order.json")"
expect 0 "include inline" -- "$K" build --host-profile "$I" --set include=minimal,pv_eoi=on --format json -o "$T/inl.json"
[ "$(built_eax "$T/inl.json")" = 0x01000049 ] && ok "inline include" || fail "inline include: $(built_eax "$T/inl.json")"
for name in minimal hide-kvm dedicated-cpu cve-2019-3016; do
	grep -q '^# ' "$SRC/profiles/$name.policy" && ok "profile $name says why" || fail "profile $name has no comment"
done
# errors: file:line:col, a name never a path
printf 'steal_time = off\ninclude = nope\n' >"$T/unk.policy"
expect 2 "an unknown profile" -- "$K" lint "$T/unk.policy"
has "$T/err" "unk.policy:2:11: unknown profile 'nope' (profiles: cve-2019-3016, dedicated-cpu, hide-kvm, minimal)" "unknown profile: where, and the known ones"
printf 'include = ../../etc/passwd\n' >"$T/path.policy"
expect 2 "a path as profile" -- "$K" lint "$T/path.policy"
has "$T/err" "path.policy:1:11: invalid profile name '../../etc/passwd'" "a path is refused with its position"
printf 'include = "minimal\\x00x"\n' >"$T/nulname.policy"
expect 2 "a NUL in a profile name" -- "$K" lint "$T/nulname.policy"
mkdir "$T/prof"
printf 'include = b\n' >"$T/prof/a.policy"
printf '# b\ninclude = a\n' >"$T/prof/b.policy"
printf 'default = host\nsteal_time = sometimes\n' >"$T/prof/bad.policy"
printf 'include = a\n' >"$T/cyc.policy"
KVMCPUID_PROFILEDIR=$T/prof expect 2 "an include cycle" -- "$K" lint "$T/cyc.policy"
has "$T/err" "nested too deeply" "the cycle ends"
printf 'include = bad\n' >"$T/inbad.policy"
KVMCPUID_PROFILEDIR=$T/prof expect 2 "an error inside a profile" -- "$K" lint "$T/inbad.policy"
has "$T/err" "$T/prof/bad.policy:2:14: invalid value 'sometimes'" "the profile's own file:line:col"
