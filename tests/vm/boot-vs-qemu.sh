#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A job of the boot test VM (tests/vm/boot-jobs.in; busybox sh, kvmcpuid-vm
# --with-vmlinuz --with-qemu): issue 17, item 7, side by side in one run.
#
#   boot-vs-qemu.sh [KERNEL]        (default /boot/vmlinuz, the VM's own kernel)
#
# BOOT_VS_QEMU_APPEND adds to both command lines (e.g. loglevel=7 to see the printk
# times of every line); BOOT_VS_QEMU_VERBOSE=1 prints both consoles.  For experiments,
# BOOT_VS_QEMU_CPU adds -cpu properties and BOOT_VS_QEMU_ARGS options to QEMU (e.g.
# tsc-deadline=off, or "-object memory-backend-memfd,id=ram,size=256M,share=on
# -machine memory-backend=ram": guest memory as kvmcpuid boot allocates it).
#
# The same bzImage booted to "Kernel panic - not syncing: VFS: Unable to mount root fs"
# (a) by `kvmcpuid boot --cpus 2 --json` and (b) by qemu-system-x86_64 -accel kvm
# -machine pc (SeaBIOS, linuxboot_dma.bin) -cpu host,$(kvmcpuid export --to qemu) -smp 2
# -m 256, QEMU given the command line kvmcpuid boot gave its guest (its JSON "cmdline").
# Each is timed from its start to its exit (panic=-1: both end on the reboot right after
# the panic line; QEMU also by when the panic line reaches its stdout).  The last line is
#   boot-vs-qemu: kvmcpuid boot A s, qemu B s (ratio A/B); by default (vmlinux, quiet,
#   its log) D s (ratio D/B)
# where (c), the last, is kvmcpuid boot as it runs by default: the same kernel as the
# ELF vmlinux kvmcpuid-vm gives the VM (BOOT_VS_QEMU_VMLINUX, default /boot/vmlinux; not
# run when there is none), its console quiet, its decisions read from its log, which must
# be the same as under QEMU too.
# The ratios are reported, not asserted.  What is asserted: both guests reached the panic,
# and the same kernel made the same PV decisions under both VMMs: the console lines the
# boot report reads ("Hypervisor detected", "Booting paravirtualized kernel on ...",
# "kvm-clock: Using msrs", "clocksource: Switched to", every "kvm-guest:" line, "PV
# spinlocks ..."), without their times, are the same set; BOOT_VS_QEMU_SET=K=V[,K=V]
# gives both the same policy settings (kvmcpuid boot --set, kvmcpuid export --set).
# Exit 0 when both were measured and decided alike.
# Before it, '#' lines: each guest's printk time of the panic, kvmcpuid boot's own
# first_output_ms/run_ms, and, where the VM's kernel has tracefs hist triggers, the KVM
# exits of each boot by reason (kvm:kvm_exit, SVM exit codes in this VM: 0x7b IOIO,
# 0x78 HLT, 0x7c MSR, 0x400 NPF, 0x60 INTR, 0x64 VINTR), the port I/O by port
# (kvm:kvm_pio) and the exits to the VMM by reason (kvm:kvm_userspace_exit, KVM_EXIT_*:
# 2 IO, 5 HLT, 6 MMIO).  QEMU runs pinned to one vCPU as in tests/vm/qemu-kvm.sh;
# kvmcpuid boot likewise, so both see the same one-CPU VM.
#
# Found with it (Debian 6.1, one-vCPU TCG test VM under load, so the seconds vary 2x
# between runs; the exit counts do not): kvmcpuid boot took ~26400 nested page faults
# (SVM exit 0x400) against QEMU's ~1350, the rest alike (userspace exits 906 against
# QEMU's 3740).  Its guest memory is a memfd (lib/vm.c), i.e. shmem, which gets no
# transparent huge pages (shmem_enabled "never" in the VM, "always" for anonymous), so
# L1's KVM maps it 4 KiB at a time; QEMU's is anonymous, 2 MiB aligned and
# MADV_HUGEPAGE.  QEMU given a memfd backend took ~28800 and slowed likewise; kvmcpuid
# boot given anonymous THP memory took ~660, and 21.4 s -> 10.6 s beside QEMU's 15.3 s
# and 13.9 s (ratio 1.40 -> 0.77).  Second: leaf 1 ECX bit 24 (TSC deadline timer) is
# clear (KVM_GET_SUPPORTED_CPUID never sets it; QEMU's kvm_arch_get_supported_cpuid adds
# it with an in-kernel irqchip and KVM_CAP_TSC_DEADLINE_TIMER), so Linux calibrates the
# LAPIC timer against the PIT, here fails ("APIC timer disabled due to verification
# failure", "lapic is not functional": no high-resolution timers).  Both changed, in one
# VM: kvmcpuid boot 6.9 s (panic at printk 2.4 s), QEMU 12.0 s (4.7 s): ratio 0.58;
# unchanged in the same VM 12.2 s (5.7 s) against 8.5 s (3.3 s): ratio 1.42.
set -u

kernel=${1:-/boot/vmlinuz}
secs=${BOOT_VS_QEMU_TIMEOUT:-120}
pin=""
command -v taskset >/dev/null && pin="taskset 1"
T=$(mktemp -d /tmp/boot-vs-qemu.XXXXXX) || exit 1
extra=${BOOT_VS_QEMU_APPEND:-}
verbose=${BOOT_VS_QEMU_VERBOSE:-}
set=${BOOT_VS_QEMU_SET:-}
panic="Kernel panic - not syncing"

[ -c /dev/kvm ] || { echo "boot-vs-qemu: no /dev/kvm" >&2; exit 1; }
[ -f "$kernel" ] || { echo "boot-vs-qemu: no kernel $kernel (kvmcpuid-vm --with-vmlinuz)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "boot-vs-qemu: no qemu-system-x86_64 (kvmcpuid-vm --with-qemu)" >&2; exit 1; }

now() { awk '{ print $1 }' /proc/uptime; }
# sub A B: A - B, seconds with two decimals
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
# printk_panic FILE: the printk time of the panic line in FILE, or ?
printk_panic() {
	t=$(tr -d '\r' <"$1" | sed -n "s/.*\[ *\([0-9.]*\)\] $panic.*/\1/p" | head -1)
	echo "${t:-?}"
}

# The exits by reason through tracefs hist triggers, when this kernel has them.
tr_dir=""
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -f "$d/events/kvm/kvm_exit/trigger" ] && { tr_dir=$d; break; }
done
if [ -z "$tr_dir" ]; then
	mkdir -p /sys/kernel/tracing 2>/dev/null
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null &&
		[ -f /sys/kernel/tracing/events/kvm/kvm_exit/trigger ] && tr_dir=/sys/kernel/tracing
fi
HISTS="kvm_exit:exit_reason kvm_pio:port kvm_userspace_exit:reason kvm_msr:ecx"
hist_on() {
	[ -n "$tr_dir" ] || return 0
	for h in $HISTS; do
		echo "hist:keys=${h#*:}:sort=hitcount.descending" \
			>"$tr_dir/events/kvm/${h%%:*}/trigger" 2>/dev/null
	done
}
# hist_off WHO: the counts since hist_on, as '#' lines, and the triggers removed
hist_off() {
	[ -n "$tr_dir" ] || return 0
	for h in $HISTS; do
		f=$tr_dir/events/kvm/${h%%:*}
		[ -f "$f/hist" ] || continue
		echo "# $1: ${h%%:*} by ${h#*:} (hits):$(grep -v '^#' "$f/hist" |
			sed -n 's/^{ *[a-z_]*: *\([^}]*\)} *hitcount: *\([0-9]*\).*/ \1=\2/p' |
			tr -d '\n' | tr -s ' ')"
		grep '^Totals:' -A2 "$f/hist" | tr -s ' \n' ' ' | sed "s/^/# $1: ${h%%:*} /"
		echo
		echo "!hist:keys=${h#*:}:sort=hitcount.descending" >>"$f/trigger" 2>/dev/null
	done
}

# (a) kvmcpuid boot
hist_on
t0=$(now)
# loglevel=7: kvmcpuid boot's guest is quiet by default (its witnesses come from its log,
# read from its memory); QEMU's can only show them on its console, and both guests get
# the same command line, so both consoles carry every pr_info line
timeout "$secs" $pin kvmcpuid boot --kernel "$kernel" --cpus 2 --json ${set:+--set "$set"} \
	--append "loglevel=7${extra:+ $extra}" </dev/null \
	>"$T/kb.json" 2>"$T/kb.err"
krc=$?
t1=$(now)
hist_off "kvmcpuid boot"
ka=$(sub "$t1" "$t0")
# json_text FILE KEY NEXT: the JSON string after "KEY": (up to "NEXT":), as lines
json_text() {
	sed -n "s/.*\"$2\": \"\\(.*\\)\", \"$3\".*/\\1/p" "$1" |
		sed 's/\\u000a/\n/g; s/\\n/\n/g; s/\\u000d//g; s/\\r//g; s/\\u0009/\t/g'
}
json_text "$T/kb.json" console console_truncated >"$T/kb.console"
json_text "$T/kb.json" log log_unread >"$T/kb.log"
kp=$(printk_panic "$T/kb.console")
# QEMU's guest gets the very command line kvmcpuid boot gave its guest
append=$(sed -n 's/.*"cmdline": "\([^"]*\)".*/\1/p' "$T/kb.json")
[ -n "$append" ] || append="console=ttyS0 panic=-1 quiet loglevel=7${extra:+ $extra}"
echo "# kvmcpuid boot: exit $krc after $ka s; $(sed -n 's/.*\("setup_ms": [0-9]*\).*\("run_ms": [0-9]*\), \("first_output_ms": [0-9]*\).*/\1, \2, \3/p' "$T/kb.json"); printk time of the panic $kp s"
sed 's/^/#   stderr: /' "$T/kb.err"

# (b) QEMU with the same policy's export (exit 1: lossy, each loss on stderr)
kvmcpuid export --to qemu ${set:+--set "$set"} </dev/null >"$T/cpu" 2>"$T/lost"
erc=$?
sed 's/^/# export: /' "$T/lost"
[ $erc -le 1 ] || { echo "boot-vs-qemu: kvmcpuid export --to qemu failed (exit $erc)" >&2; exit 1; }
hist_on
t0=$(now)
# a line-reader stamps the moment the panic line reaches QEMU's stdout
{ timeout "$secs" $pin qemu-system-x86_64 -accel kvm -machine pc -cpu "host,$(cat "$T/cpu")${BOOT_VS_QEMU_CPU:+,$BOOT_VS_QEMU_CPU}" \
	${BOOT_VS_QEMU_ARGS:-} -smp 2 -m 256 -nodefaults -no-user-config -display none -no-reboot -serial stdio \
	-kernel "$kernel" -append "$append" </dev/null 2>"$T/q.err"; echo "@@rc $?"; } |
	while IFS= read -r l; do
		case $l in
		*"$panic"*) now >"$T/q.panic" ;;
		"@@rc "*) echo "${l#@@rc }" >"$T/q.rc"; continue ;;
		esac
		[ -z "$verbose" ] || echo "$(sub "$(now)" "$t0") $l" >>"$T/q.stamped"
		echo "$l"
	done >"$T/q.console"
t1=$(now)
hist_off qemu
qrc=$(cat "$T/q.rc" 2>/dev/null || echo "?")
qa=$(sub "$t1" "$t0")
qp=$(printk_panic "$T/q.console")
qline="?"
[ -f "$T/q.panic" ] && qline=$(sub "$(cat "$T/q.panic")" "$t0")
echo "# qemu: exit $qrc after $qa s; the panic line at $qline s; printk time of the panic $qp s"
sed 's/^/#   stderr: /' "$T/q.err" | grep -v "host doesn't support requested feature"

if [ -n "$verbose" ]; then
	echo "# kvmcpuid boot's console:"
	sed 's/^/#   /' "$T/kb.console"
	echo "# qemu's console, each line after the wall time since QEMU's start:"
	tr -d '\r' <"$T/q.stamped" | sed 's/^/#   /'
fi
# The PV decisions each guest printed, without their printk times: the same kernel
# must decide the same under both VMMs (the lines the boot report's console checks read).
# A clocksource other than kvm-clock is the platform's, not a PV decision: QEMU's pc
# machine has an HPET, kvmcpuid boot's platform none (with kvm-clock masked, a 6.1 guest
# in this VM, its TSC found unsynchronised, took hpet under QEMU, refined-jiffies here).
pv_of() {
	grep -E "$pv_lines" |
		sed 's/^\(clocksource: Switched to clocksource\) [^k].*/\1 other than kvm-clock/' | sort -u
}
# a console: its printk-timed lines, the times cut; a log (read from guest memory): its
# lines as the kernel stored them, without times
decisions() { tr -d '\r' <"$1" | sed -n 's/^\[ *[0-9.]*\] //p' | pv_of; }
log_decisions() { pv_of <"$1"; }
pv_lines='^(Hypervisor detected|Booting paravirtualized kernel|kvm-clock: Using msrs|clocksource: Switched to clocksource|kvm-guest: |PV spinlocks|x86/fpu: )'
decisions "$T/kb.console" >"$T/kb.pv"
decisions "$T/q.console" >"$T/q.pv"
# kvmcpuid boot's log, read from its guest's memory (lines without printk times), must
# hold the same decisions as its console
log_decisions "$T/kb.log" >"$T/kb.logpv"
echo "# the PV decisions both guests printed${set:+ (--set $set)}:"
# (busybox has no comm or cmp) lines A B: the lines of A that B has (in) or lacks (out)
lines() { awk -v want="$1" 'NR == FNR { b[$0] = 1; next } (want == "in") == ($0 in b)' "$3" "$2"; }
lines in "$T/kb.pv" "$T/q.pv" | sed 's/^/#   both: /'
same=1
if [ "$(cat "$T/kb.pv")" != "$(cat "$T/q.pv")" ] || [ ! -s "$T/kb.pv" ]; then
	echo "boot-vs-qemu: the guests decided differently${set:+ (--set $set)}:"
	lines out "$T/kb.pv" "$T/q.pv" | sed 's/^/  only under kvmcpuid boot: /'
	lines out "$T/q.pv" "$T/kb.pv" | sed 's/^/  only under qemu: /'
	same=0
fi
if [ "$(cat "$T/kb.logpv")" != "$(cat "$T/kb.pv")" ]; then
	echo "boot-vs-qemu: kvmcpuid boot's log (from guest memory) and console differ:"
	lines out "$T/kb.logpv" "$T/kb.pv" | sed 's/^/  only in the log: /'
	lines out "$T/kb.pv" "$T/kb.logpv" | sed 's/^/  only on the console: /'
	same=0
fi
# (c) kvmcpuid boot as it runs by default: the same kernel as an ELF vmlinux (no
# decompression in the guest; kvmcpuid-vm's /boot/vmlinux), its console quiet, its
# decisions read from its log: the time a user of kvmcpuid boot waits for the answer
vmlinux=${BOOT_VS_QEMU_VMLINUX:-/boot/vmlinux}
da="" drc=0
if [ -f "$vmlinux" ]; then
	hist_on
	t0=$(now)
	timeout "$secs" $pin kvmcpuid boot --kernel "$vmlinux" --cpus 2 --json ${set:+--set "$set"} \
		${extra:+--append "$extra"} </dev/null >"$T/kd.json" 2>"$T/kd.err"
	drc=$?
	da=$(sub "$(now)" "$t0")
	hist_off "kvmcpuid boot by default"
	json_text "$T/kd.json" log log_unread >"$T/kd.log"
	log_decisions "$T/kd.log" >"$T/kd.pv"
	echo "# kvmcpuid boot by default ($vmlinux, quiet, the decisions from its log): exit $drc after $da s; $(sed -n 's/.*\("run_ms": [0-9]*\).*/\1/p' "$T/kd.json")"
	sed 's/^/#   stderr: /' "$T/kd.err"
	if [ "$(cat "$T/kd.pv")" != "$(cat "$T/q.pv")" ]; then
		echo "boot-vs-qemu: kvmcpuid boot by default decided otherwise than under qemu:"
		lines out "$T/kd.pv" "$T/q.pv" | sed 's/^/  only under kvmcpuid boot: /'
		lines out "$T/q.pv" "$T/kd.pv" | sed 's/^/  only under qemu: /'
		same=0
	fi
fi
ok=1
[ $drc = 0 ] || { echo "# kvmcpuid boot by default: exit $drc"; ok=0; }
if [ $krc != 0 ] || [ "$kp" = "?" ]; then
	echo "# kvmcpuid boot did not reach the panic (exit $krc); its console:"
	tail -15 "$T/kb.console" | sed 's/^/#   /'
	ok=0
fi
if [ "$qline" = "?" ]; then
	echo "# qemu did not reach the panic (exit $qrc); its console:"
	tr -d '\r' <"$T/q.console" | tail -15 | sed 's/^/#   /'
	ok=0
fi
rm -rf "$T"
[ $ok = 1 ] || { echo "boot-vs-qemu: not measured"; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "boot-vs-qemu: kvmcpuid boot $ka s, qemu $qa s (ratio $(ratio "$ka" "$qa"))${da:+; by default (vmlinux, quiet, its log) $da s (ratio $(ratio "$da" "$qa"))}"
[ $same = 1 ]
