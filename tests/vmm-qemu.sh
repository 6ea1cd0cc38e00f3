#!/bin/sh
# kvmcpuid export --to qemu / import --from qemu end to end: every export starts the real
# QEMU (qemu-system-x86_64 -cpu qemu64,<export> -accel tcg, then quit), imports carry
# what they can with file:line:col for the rest, and the verbs' exit codes.
set -u
. "${TOP_SRCDIR:-.}/tests/testlib.sh"

# ---- exports QEMU accepts ----
QEMU=$(command -v qemu-system-x86_64 || true)
for set in "" "signature=hidden" "default=off" "steal_time=off,pv_eoi=off,enforce=on" \
	"default=off,clocksource=host,clocksource2=host,realtime=on" "timing=on" \
	"msi_ext_dest_id=on,pv_tlb_flush=force" "signature=\"ABCDEFGHIJKL\",base=0x40000100" \
	"timing=on,max_leaf=0x40000010" "base=0x40000100,timing=on,max_leaf=0x40000110"; do
	"$K" export --to qemu ${set:+--set "$set"} >"$T/cpu" 2>"$T/lost"
	rc=$?
	case $rc in 0 | 1) ok "export '$set' (exit $rc)" ;; *) fail "export '$set' exit $rc" ;; esac
	if [ -z "$QEMU" ]; then
		ok "# SKIP qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
		continue
	fi
	echo quit | timeout 60 "$QEMU" -cpu "qemu64,$(cat "$T/cpu")" -accel tcg -display none \
		-nodefaults -monitor stdio >"$T/qemu" 2>&1
	rc=$?
	# TCG warns about the KVM bits it cannot give; anything else is a refusal
	if [ $rc -eq 0 ] && ! grep "qemu-system-x86_64:" "$T/qemu" | grep -qv "qemu-system-x86_64: warning: TCG"; then
		ok "QEMU starts and quits with -cpu qemu64,<export '$set'>"
	else
		fail "QEMU refused the export of '$set' (exit $rc)"; sed 's/^/# /' "$T/qemu" "$T/cpu" | head
	fi
done

# ---- exact, lossy, JSON ----
expect 0 "the default policy minus async_pf_vmexit is exact" -- \
	"$K" export --to qemu --set async_pf_vmexit=off
has "$T/out" "kvm=on,kvmclock=on," "kvm=on and kvmclock first"
has "$T/out" ",kvm-asyncpf=on," "async_pf named"
has "$T/out" ",kvm-pv-enforce-cpuid=off" "enforce named"
expect 1 "the default policy loses async_pf_vmexit (QEMU has no property)" -- "$K" export --to qemu
has "$T/err" "qemu cannot express 'async_pf_vmexit'" "the lost feature is named"
expect 1 "a custom signature is lost" -- "$K" export --to qemu --set 'signature="ABCDEFGHIJKL"'
has "$T/err" "'signature': QEMU has no custom KVM signature" "why it is lost"
expect 1 "clocksource and clocksource2 apart are lost" -- \
	"$K" export --to qemu --set async_pf_vmexit=off,clocksource2=off
has "$T/err" "kvmclock sets bits 0 and 3 together" "one property for two bits"
expect 0 "export --json of an exact policy" -- \
	"$K" export --to qemu --json --set async_pf_vmexit=off,signature=hidden
has "$T/out" '"exact": true' "exact: true"
has "$T/out" '"output": "kvm=off,' "the output is in the JSON"
has "$T/out" '"lost": []' "no lost parts"
expect 1 "export --json of a lossy policy" -- "$K" export --to qemu --json --set realtime=on,base=0x40000200
has "$T/out" '"exact": false' "exact: false"
has "$T/out" '{ "key": "base", "message": "QEMU puts KVM at 0x40000000' "the lost base in JSON"
has "$T/err" "qemu cannot express 'base'" "and on stderr"
expect 0 "export -o writes a file" -- "$K" export --to qemu -s async_pf_vmexit=off -o "$T/x.cpu"
has "$T/x.cpu" "kvm=on," "the file holds the export"
expect 2 "export without --to" -- "$K" export
has "$T/err" "--to FORMAT is required" "says what is missing"
expect 2 "export to an unknown VMM" -- "$K" export --to bochs
has "$T/err" "unknown format 'bochs'" "names the format"
printf 'steal_time = maybe\n' >"$T/bad.policy"
expect 2 "export of a bad policy" -- "$K" export --to qemu "$T/bad.policy"
has "$T/err" "bad.policy:1:" "the policy error is positioned"

# ---- import ----
"$K" export --to qemu --set async_pf_vmexit=off,pv_eoi=off,enforce=on >"$T/cpu"
expect 0 "import of an exact export" -- "$K" import --from qemu "$T/cpu"
cp "$T/out" "$T/imported.policy"
has "$T/out" "pv_eoi = off" "pv_eoi carried"
has "$T/out" "enforce = on" "enforce carried"
has "$T/out" "steal_time = host" "kvm-steal-time=on is host"
expect 0 "the imported policy exports to the same string" -- \
	"$K" export --to qemu "$T/imported.policy"
if cmp -s "$T/out" "$T/cpu"; then ok "export, import, export: identical"; else
	fail "export, import, export differ"; diff "$T/cpu" "$T/out" | sed 's/^/# /'; fi
expect 0 "import --format json" -- "$K" import --from qemu --format json "$T/cpu"
cp "$T/out" "$T/imported.json"
expect 0 "the JSON is a policy kvmcpuid reads" -- "$K" export --to qemu "$T/imported.json"

printf 'qemu-system-x86_64 -m 1G \\\n  -cpu \\\n  host,kvm-pv-eoi=off,hv-relaxed=on \\\n  -accel kvm\n' >"$T/cmdline"
expect 1 "import of a command line with a Hyper-V setting" -- "$K" import --from qemu "$T/cmdline"
has "$T/err" "cmdline:3:23: warning: cannot carry 'hv-relaxed'" "the Hyper-V setting is positioned"
has "$T/out" "base = 0x40000100" "Hyper-V moves KVM to 0x40000100"
has "$T/out" "pv_eoi = off" "the -cpu argument is found in a command line"
has "$T/out" "pv_send_ipi = host" "-cpu host takes every named bit KVM offers"
has "$T/out" "async_pf_vmexit = off" "but not bit 10, which QEMU cannot name"
has "$T/out" "some settings were not carried" "the policy says it is partial"

has "$T/err" "cannot carry 'async_pf_vmexit': -cpu host passes" "-cpu host: bit 10 depends on the QEMU version, and says so"
printf 'host,migratable=off,hv-vendor-id=KVMtest,hv-spinlocks=0xffffffff\n' >"$T/mig"
expect 1 "-cpu host,migratable=off" -- "$K" import --from qemu "$T/mig"
has "$T/out" "async_pf_vmexit = host" "migratable=off passes bit 10 where KVM offers it"
has "$T/out" "base = 0x40000000" "hv-vendor-id and hv-spinlocks=0xffffffff do not turn Hyper-V on"
has "$T/err" "mig:1:21: warning: cannot carry 'hv-vendor-id'" "but are reported"
hasnt "$T/err" "'migratable'" "migratable is carried, not reported"
cp "$T/out" "$T/mig.policy"
printf "<cpu mode='host-passthrough' migratable='off'/>\n" >"$T/mig.xml"
"$K" import --from libvirt "$T/mig.xml" >"$T/lv" 2>/dev/null
if [ "$(grep -v '^#' "$T/lv")" = "$(grep -v '^#' "$T/mig.policy")" ]; then
	ok "libvirt's host-passthrough migratable='off' and QEMU's -cpu host,migratable=off import alike"
else
	fail "libvirt and QEMU imports of the same CPU differ"; diff "$T/lv" "$T/mig.policy" | sed 's/^/# /'
fi
printf 'qemu64,kvm-asyncpf-vmexit=on\n' >"$T/new"
expect 0 "QEMU 8.2's kvm-asyncpf-vmexit" -- "$K" import --from qemu "$T/new"
has "$T/out" "async_pf_vmexit = host" "is read"

echo 'qemu64' | "$K" import --from qemu - >"$T/out" 2>"$T/err"
has "$T/out" "steal_time = host" "a named model: QEMU's default kvm-steal-time"
has "$T/out" "pv_unhalt = off" "a named model: no kvm-pv-unhalt"
echo "'-cpu=qemu64,kvm=off,kvm_pv_eoi=on'" | "$K" import --from qemu - >"$T/out" 2>"$T/err"
has "$T/out" "signature = hidden" "kvm=off is the hidden signature"
has "$T/out" "pv_eoi = host" "QEMU's kvm_pv_eoi spelling"

printf 'qemu64,kvm-steal-time=on,kvm-pv-eoi=maybe\n' >"$T/bad"
expect 2 "import of a bad value" -- "$K" import --from qemu "$T/bad"
has "$T/err" "bad:1:37: 'maybe' is not a value of kvm-pv-eoi: on or off" "the bad value is positioned"
if [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ]; then ok "one line, no policy"; else
	fail "more than the error"; fi
printf 'qemu64,,kvm=on\n' >"$T/bad"
expect 2 "an empty setting" -- "$K" import --from qemu "$T/bad"
has "$T/err" "bad:1:8: an empty setting" "positioned"
printf '   \n' >"$T/bad"
expect 2 "nothing to read" -- "$K" import --from qemu "$T/bad"
has "$T/err" "no -cpu argument" "says so"
printf 'qemu64,kvm=on\000x\n' >"$T/bad"
expect 2 "a NUL byte" -- "$K" import --from qemu "$T/bad"
has "$T/err" "bad:1:14: NUL byte" "positioned"
expect 2 "import without --from" -- "$K" import "$T/cpu"
expect 2 "import without a file" -- "$K" import --from qemu
expect 2 "import of a missing file" -- "$K" import --from qemu "$T/nope"
has "$T/err" "nope: cannot open: No such file" "names the file"
expect 2 "import of a directory" -- "$K" import --from qemu "$T"
has "$T/err" ": is a directory" "says it is one"
expect 2 "import from an export-only VMM" -- "$K" import --from kubevirt "$T/cpu"
has "$T/err" "cannot import kubevirt" "says which formats import"
head -c 1100000 /dev/zero | tr '\0' 'k' >"$T/big"
expect 2 "import of a file over 1 MiB" -- "$K" import --from qemu "$T/big"
has "$T/err" "1 MiB" "says the limit"

# ---- timing with an explicit max leaf: every QEMU front end and Cloud Hypervisor write
# the max leaf themselves and never announce a leaf they do not write; the lost part says
# what the guest sees ----
for f in qemu kubevirt; do
	expect 1 "$f: timing=on,max_leaf=0x40000010" -- "$K" export --to $f \
		-s async_pf_vmexit=off,timing=on,max_leaf=0x40000010
	has "$T/err" "cannot express 'timing': QEMU adds the timing leaf 0x40000010 (and max leaf 0x40000010) only when the guest has invtsc" \
		"$f: when QEMU adds the timing leaf"
	has "$T/err" "otherwise the guest sees max leaf 0x40000001 and no timing leaf" \
		"$f: what the guest sees otherwise"
	hasnt "$T/err" "'max_leaf'" "$f: max_leaf 0x40000010 is what QEMU writes with its timing leaf"
	expect 1 "$f: base=0x40000100,timing=on,max_leaf=0x40000110" -- "$K" export --to $f \
		-s async_pf_vmexit=off,base=0x40000100,timing=on,max_leaf=0x40000110
	has "$T/err" "cannot express 'timing': QEMU adds no timing leaf when KVM sits at 0x40000100 (it writes one only at 0x40000010, with KVM at 0x40000000): the guest sees max leaf 0x40000101 and no timing leaf" \
		"$f: no timing leaf at 0x40000110"
	has "$T/err" "cannot express 'max_leaf': " "$f: the max leaf is lost"
	has "$T/err" "has no max leaf setting: the guest sees 0x40000101" "$f: as 0x40000101"
done
hasnt "$T/out" "invtsc" "kubevirt: no invtsc required for a timing leaf QEMU cannot add"
expect 1 "qemu: base=0x40000100,timing=on" -- "$K" export --to qemu -s async_pf_vmexit=off,base=0x40000100,timing=on
has "$T/out" ",vmware-cpuid-freq=off," "no vmware-cpuid-freq for a timing leaf QEMU cannot add"
expect 0 "qemu: max_leaf=0x40000001 is what QEMU writes" -- "$K" export --to qemu \
	-s async_pf_vmexit=off,max_leaf=0x40000001
expect 1 "qemu: max_leaf=legacy-zero" -- "$K" export --to qemu -s async_pf_vmexit=off,max_leaf=legacy-zero
has "$T/err" "cannot express 'max_leaf': QEMU has no max leaf setting: the guest sees 0x40000001" \
	"legacy-zero: the guest sees base+1"
expect 1 "qemu: timing=on,max_leaf=0x40000001" -- "$K" export --to qemu \
	-s async_pf_vmexit=off,timing=on,max_leaf=0x40000001
has "$T/err" "the guest sees 0x40000001, or 0x40000010 where QEMU adds its timing leaf" \
	"below the timing leaf: both values the guest may see"
expect 0 "qemu: signature=hidden with timing and a max leaf loses nothing (no leaves)" -- \
	"$K" export --to qemu -s async_pf_vmexit=off,signature=hidden,timing=on,max_leaf=0x40000010
expect 1 "cloud-hypervisor: timing=on,max_leaf=0x40000010" -- "$K" export --to cloud-hypervisor \
	-s timing=on,max_leaf=0x40000010
has "$T/err" "cannot express 'timing': Cloud Hypervisor adds the timing leaf 0x40000010 (and max leaf 0x40000010) only where the host CPU has an invariant TSC; elsewhere the guest sees max leaf 0x40000001 and no timing leaf" \
	"cloud-hypervisor: when its timing leaf is there, and what the guest sees otherwise"
hasnt "$T/err" "'max_leaf'" "cloud-hypervisor: max_leaf 0x40000010 follows its timing leaf"
expect 1 "cloud-hypervisor: max_leaf=0x40000005" -- "$K" export --to cloud-hypervisor \
	-s max_leaf=0x40000005
has "$T/err" "cannot express 'max_leaf': Cloud Hypervisor has no max leaf setting: the guest sees 0x40000001, or 0x40000010 where the host CPU has an invariant TSC (with the timing leaf)" \
	"cloud-hypervisor: both values the guest may see"

# ---- msi_ext_dest_id: a split irqchip makes QEMU set it unless -cpu says otherwise ----
expect 0 "msi_ext_dest_id=off is written as kvm-msi-ext-dest-id=off" -- "$K" export --to qemu \
	-s async_pf_vmexit=off,msi_ext_dest_id=off
has "$T/out" ",kvm-msi-ext-dest-id=off," "explicit, so a split irqchip's default cannot set it"
expect 1 "msi_ext_dest_id=on" -- "$K" export --to qemu -s async_pf_vmexit=off,msi_ext_dest_id=on
has "$T/out" ",kvm-msi-ext-dest-id=on," "is written"
has "$T/err" "cannot express 'msi_ext_dest_id': QEMU offers kvm-msi-ext-dest-id only with a split irqchip (kvm_arch_get_supported_cpuid): add -machine kernel-irqchip=split, without which QEMU drops it with a warning" \
	"and says it needs a split irqchip"
printf 'qemu-system-x86_64 -machine q35,kernel_irqchip=split -cpu host,kvm-pv-eoi=off\n' >"$T/split"
expect 1 "import of a command line with kernel_irqchip=split" -- "$K" import --from qemu "$T/split"
has "$T/out" "msi_ext_dest_id = on" "-cpu host takes the bit QEMU offers with a split irqchip"
printf 'qemu-system-x86_64 -accel kvm,kernel-irqchip=split -cpu qemu64\n' >"$T/split"
expect 0 "import of -accel kvm,kernel-irqchip=split with a named model" -- "$K" import --from qemu "$T/split"
has "$T/out" "msi_ext_dest_id = on" "a named model's default with a split irqchip"
printf 'qemu-system-x86_64 -machine q35,kernel_irqchip=split -cpu qemu64,kvm-msi-ext-dest-id=off\n' >"$T/split"
expect 0 "kvm-msi-ext-dest-id=off beside kernel_irqchip=split" -- "$K" import --from qemu "$T/split"
has "$T/out" "msi_ext_dest_id = off" "the explicit property wins"
printf 'qemu-system-x86_64 -machine kernel_irqchip=split -cpu qemu64 -machine kernel_irqchip=on\n' >"$T/split"
expect 0 "kernel_irqchip=on after kernel_irqchip=split" -- "$K" import --from qemu "$T/split"
has "$T/out" "msi_ext_dest_id = off" "the last kernel_irqchip wins, as in QEMU"
printf 'qemu-system-x86_64 -cpu host,kvm-pv-eoi=off \\\n  -cpu qemu64,kvm-pv-unhalt=on\n' >"$T/twice"
expect 0 "a command line with two -cpu" -- "$K" import --from qemu "$T/twice"
has "$T/out" "pv_unhalt = host" "the last -cpu is read, as QEMU keeps the last"
has "$T/out" "pv_eoi = host" "not the first"
expect 1 "kubevirt: msi_ext_dest_id off" -- "$K" export --to kubevirt
has "$T/err" "cannot express 'msi_ext_dest_id': KubeVirt has no I/O APIC setting: where the domain gets a split I/O APIC (libvirt 10.10 and later add one for more than 255 vCPUs), QEMU sets KVM_FEATURE_MSI_EXT_DEST_ID" \
	"kubevirt: when QEMU sets it anyway"

# ---- 1 MiB of unknown properties: linear, and the warnings summarised after 20 ----
{ printf -- '-cpu qemu64'; head -c 524000 /dev/zero | tr '\0' 'a' | sed 's/a/,a/g'; echo; } >"$T/many"
import_big qemu "$T/many" "import of 1 MiB of unknown properties"
has "$T/err" "many:1:13: warning: cannot carry 'a'" "the first warning is positioned"
has "$T/err" "many:1:51: warning: cannot carry 'a'" "the 20th too"
hasnt "$T/err" "many:1:53:" "the 21st is not shown"
has "$T/err" "many: warning: 523980 of 524000 warnings not shown (the first 20 are above)" \
	"the rest is counted"
has "$T/out" "some settings were not carried" "the policy is written, partial"
gmo=${TOP_BUILDDIR:-.}/po/zh_CN.gmo
[ -f "$gmo" ] || gmo=$SRC/po/zh_CN.gmo
if [ -f "$gmo" ]; then
	mkdir -p "$T/zh_CN/LC_MESSAGES" && cp "$gmo" "$T/zh_CN/LC_MESSAGES/kvmcpuid.mo"
	env -u LANG -u LC_ALL -u LC_MESSAGES LANGUAGE=zh_CN KVMCPUID_LOCALEDIR="$T" \
		"$K" import --from qemu "$T/many" >/dev/null 2>"$T/err"
	has "$T/err" "many: 警告：共 524000 条警告，另有 523980 条未显示（上面是前 20 条）" \
		"the count line in Chinese, its numbers in their places"
else
	ok "# SKIP no zh_CN.gmo built"
fi
# export: the same bound on stderr; --json keeps every lost part
lossy='default=off,enforce=on,signature="ABCDEFGHIJKL",base=0x40000200,max_leaf=0x40000205'
lossy="$lossy,hc_map_gpa_range=on,migration_control=on,realtime=on"
expect 1 "an export with 23 lost parts" -- "$K" export --to cloud-hypervisor -s "$lossy"
[ "$(grep -c "cannot express" "$T/err")" -eq 20 ] && ok "20 lost parts shown" ||
	fail "$(grep -c "cannot express" "$T/err") lost parts shown, want 20"
has "$T/err" "kvmcpuid: cloud-hypervisor: 3 of 23 lost parts not shown (the first 20 are above; --json lists every one)" \
	"the rest is counted"
expect 1 "the same export --json" -- "$K" export --to cloud-hypervisor --json -s "$lossy"
[ "$(grep -c '"key"' "$T/out")" -eq 23 ] && ok "the JSON lists all 23" ||
	fail "the JSON lists $(grep -c '"key"' "$T/out"), want 23"
expect 1 "an export with 20 lost parts" -- "$K" export --to cloud-hypervisor \
	-s 'default=off,enforce=on,signature="ABCDEFGHIJKL",base=0x40000200'
hasnt "$T/err" "not shown" "no count line when nothing was left out"

echo "1..$n"
[ "$fails" -eq 0 ]
