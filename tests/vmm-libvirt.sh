#!/bin/sh
# The libvirt format end to end: exports validate with libvirt's own schema
# (virt-xml-validate, from libvirt-clients), import them back to the same leaves, and
# malformed or foreign XML gives positioned errors and warnings.
# Exit 0 pass, 77 skip (no virt-xml-validate), 1 fail.
set -u
. "${TOP_SRCDIR:-.}/tests/testlib.sh"
D=$SRC/tests/data

if ! command -v virt-xml-validate >/dev/null 2>&1; then
	echo "SKIP: virt-xml-validate (libvirt-clients) is not installed"
	exit 77
fi

# name | settings | export's exit code (1: something lost)
while IFS='|' read -r name set code; do
	[ -n "$name" ] || continue
	args=""
	[ -n "$set" ] && args="-s $set"
	# shellcheck disable=SC2086
	expect "$code" "export $name" -- "$K" export --to libvirt $args
	cp "$T/out" "$T/$name.xml"
	if virt-xml-validate "$T/$name.xml" domain >"$T/val" 2>&1; then
		ok "virt-xml-validate accepts the $name export"
	else
		fail "virt-xml-validate rejects the $name export"; sed 's/^/# /' "$T/val" "$T/$name.xml"
	fi
	[ "$code" -eq 0 ] || continue
	# An exact export imports back to a policy that builds the same leaves on both hosts.
	expect 0 "import the $name export" -- "$K" import --from libvirt "$T/$name.xml"
	cp "$T/out" "$T/$name.policy"
	for h in host-intel host-amd; do
		# shellcheck disable=SC2086
		"$K" build --host-profile "$D/$h.json" --format raw $args >"$T/a" 2>/dev/null
		"$K" build --host-profile "$D/$h.json" --format raw "$T/$name.policy" >"$T/b" 2>/dev/null
		if [ -s "$T/a" ] && cmp -s "$T/a" "$T/b"; then ok "$name: same leaves on $h after the round trip"
		else fail "$name: leaves differ on $h after the round trip"; fi
	done
done <<'EOF'
default||0
hidden|signature=hidden|0
masked|pv_send_ipi=off,pv_eoi=off,pv_unhalt=on,realtime=on|0
kvmclock-off|clocksource=off,clocksource2=off|0
default-off|default=off|1
steal-time-off|steal_time=off|1
enforce|enforce=on|1
msi-on|msi_ext_dest_id=on|0
msi-force|default=off,msi_ext_dest_id=force,clocksource=host,clocksource2=host|1
EOF

has "$T/hidden.xml" "<hidden state='on'/>" "hidden is <kvm><hidden state='on'/>"
has "$T/masked.xml" "<pvspinlock state='on'/>" "pv_unhalt=on is <pvspinlock state='on'/>"
has "$T/masked.xml" "<hint-dedicated state='on'/>" "realtime=on is <hint-dedicated state='on'/>"
has "$T/masked.policy" "pv_send_ipi = off" "pv-ipi state='off' imports as pv_send_ipi = off"
has "$T/kvmclock-off.xml" "<timer name='kvmclock' present='no'/>" "kvmclock off is a timer"
expect 1 "export default=off --json" -- "$K" export --to libvirt -s default=off --json
has "$T/out" "steal_time" "the JSON export names a lost part"
expect 1 "export enforce=on" -- "$K" export --to libvirt -s enforce=on
has "$T/err" "kvm-pv-enforce-cpuid" "enforce is reported lost"

# Malformed XML: the exact position, exit 2.
bad() { # bad NAME TEXT MESSAGE
	printf '%b' "$2" >"$T/$1.xml"
	expect 2 "import of $1 fails" -- "$K" import --from libvirt "$T/$1.xml"
	has "$T/err" "$T/$1.xml:$3" "$1: positioned error"
}
bad mismatched "<domain type='kvm'>\n  <features>\n    <kvm><hidden state='on'></kvm>\n" \
	"3:29: </kvm> where </hidden> should close"
bad unclosed "<features>\n  <apic eoi='on'/>\n" "1:1: <features> is never closed"
bad badvalue "<features>\n  <pvspinlock state=\"yes\"/>\n</features>\n" \
	"2:22: 'yes' is not a value of state: on or off"
bad entity "<cpu mode='host-passthrough'>\n  <feature policy='require' name='a&nbsp;b'/>\n</cpu>\n" \
	"2:36: unknown entity '&nbsp;'"
bad comment "<clock>\n<!-- a -- b -->\n</clock>\n" "2:8: '--' inside a comment"
bad unquoted "<cpu mode=host-passthrough/>\n" "1:11: the value of mode is not quoted"
bad foreign "<network/>\n" "1:1: <network> is not a libvirt <domain>"

# What a policy cannot carry: a warning with the position, exit 1.
cat >"$T/hyperv.xml" <<'EOF'
<?xml version="1.0"?>
<!-- a Windows guest -->
<domain type='kvm'>
  <features>
    <hyperv mode='custom'>
      <relaxed state='on'/>
    </hyperv>
    <kvm><hidden state="on"/></kvm>
  </features>
  <cpu mode="host-passthrough"><feature policy='require' name='vmx'/></cpu>
</domain>
EOF
expect 1 "import of a domain with <hyperv>" -- "$K" import --from libvirt "$T/hyperv.xml"
has "$T/err" "$T/hyperv.xml:5:5: warning: cannot carry 'hyperv'" "<hyperv> is a positioned warning"
has "$T/err" "$T/hyperv.xml:10:32: warning: cannot carry 'vmx'" "a non-KVM <cpu><feature> is a positioned warning"
has "$T/out" "base = 0x40000100" "Hyper-V moves KVM to 0x40000100"
has "$T/out" "signature = hidden" "hidden is carried beside the warnings"

# Fragments, both quote styles, entities, CDATA, comments and processing instructions.
cat >"$T/frag.xml" <<'EOF'
<features><apic eoi="off"/><kvm><pv-ipi state='o&#x66;f'/></kvm></features>
<?kvmcpuid a processing instruction?>
<cpu mode='host-passthrough' migratable="off"><![CDATA[ <not-a-tag> ]]><feature policy='disable' name="invtsc"/></cpu>
<clock offset='utc'><!-- kvmclock --><timer name='kvmclock' present='no'/></clock>
EOF
expect 0 "import of fragments" -- "$K" import --from libvirt "$T/frag.xml"
has "$T/out" "pv_eoi = off" "apic eoi='off' is pv_eoi = off"
has "$T/out" "pv_send_ipi = off" "an entity in a value is decoded"
has "$T/out" "clocksource2 = off" "the kvmclock timer clears both bits"
expect 0 "import from stdin" -- sh -c "'$K' import --from libvirt - <'$T/frag.xml'"

# msi_ext_dest_id: QEMU sets it with a split irqchip (<ioapic driver='qemu'/>), so the
# export always names the I/O APIC, and the import reads it.
has "$T/default.xml" "<ioapic driver='kvm'/>" "msi_ext_dest_id off: the in-kernel I/O APIC"
has "$T/msi-on.xml" "<ioapic driver='qemu'/>" "msi_ext_dest_id on: the split I/O APIC"
has "$T/msi-on.policy" "msi_ext_dest_id = on" "which imports back as msi_ext_dest_id = on"
has "$T/default.policy" "msi_ext_dest_id = off" "and driver='kvm' as off"
expect 0 "msi_ext_dest_id=off is exact" -- "$K" export --to libvirt -s msi_ext_dest_id=off
hasnt "$T/err" "msi_ext_dest_id" "nothing lost"
printf "<domain type='kvm'>\n  <features>\n    <ioapic driver='qemu'/>\n  </features>\n  <cpu mode='custom'><model>qemu64</model></cpu>\n</domain>\n" >"$T/split.xml"
expect 0 "a named model with a split I/O APIC" -- "$K" import --from libvirt "$T/split.xml"
has "$T/out" "msi_ext_dest_id = on" "QEMU's default with a split irqchip"
hasnt "$T/err" "ioapic" "<ioapic> is carried, not reported"
printf "<domain type='kvm'>\n  <devices>\n    <iommu model='intel'><driver intremap='on'/></iommu>\n  </devices>\n</domain>\n" >"$T/iommu.xml"
expect 0 "a domain with interrupt remapping" -- "$K" import --from libvirt "$T/iommu.xml"
has "$T/out" "msi_ext_dest_id = on" "libvirt adds the split I/O APIC for it, and QEMU then sets the bit"
bad ioapic-driver "<features>\n  <ioapic/>\n</features>\n" "2:3: <ioapic> without a driver (kvm or qemu)"
bad ioapic "<features>\n  <ioapic driver='split'/>\n</features>\n" \
	"2:19: 'split' is not a value of driver: qemu or kvm"

# timing with an explicit max leaf: QEMU writes the max leaf, the lost part says what the
# guest sees
expect 1 "timing=on,max_leaf=0x40000010" -- "$K" export --to libvirt -s timing=on,max_leaf=0x40000010
has "$T/out" "<feature policy='require' name='invtsc'/>" "invtsc is required"
has "$T/err" "cannot express 'timing': QEMU adds the timing leaf 0x40000010 (and max leaf 0x40000010) only when the guest has invtsc (required here: the guest does not start without it; it blocks migration) and QEMU knows the TSC frequency; otherwise the guest sees max leaf 0x40000001 and no timing leaf" \
	"when QEMU adds the timing leaf, and what the guest sees otherwise"
hasnt "$T/err" "'max_leaf'" "max_leaf 0x40000010 is what QEMU writes with its timing leaf"
expect 1 "base=0x40000100,timing=on,max_leaf=0x40000110" -- "$K" export --to libvirt \
	-s base=0x40000100,timing=on,max_leaf=0x40000110
has "$T/err" "cannot express 'max_leaf': libvirt has no max leaf setting: the guest sees 0x40000101" \
	"the max leaf the guest sees"
has "$T/err" "QEMU adds no timing leaf when KVM sits at 0x40000100" "no timing leaf there"
has "$T/out" "<feature policy='disable' name='invtsc'/>" "so invtsc (which blocks migration) is not required"
expect 0 "signature=hidden,timing=on: no leaves either way" -- "$K" export --to libvirt \
	-s signature=hidden,timing=on,max_leaf=0x40000010
has "$T/out" "<feature policy='disable' name='invtsc'/>" "and no invtsc for a timing leaf that cannot be"

# 1 MiB of empty elements under <features>, one a line: linear, 20 warnings and a count.
{ echo '<features>'; head -c 149790 /dev/zero | tr '\0' '\n' | sed 's|^|  <a/>|'; echo '</features>'; } >"$T/many.xml"
import_big libvirt "$T/many.xml" "import of 1 MiB of empty elements"
has "$T/err" "many.xml:21:3: warning: cannot carry 'a'" "the 20th warning is positioned"
has "$T/err" "many.xml: warning: 149770 of 149790 warnings not shown (the first 20 are above)" \
	"the rest is counted"

echo "1..$n"
[ "$fails" -eq 0 ]
