#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make check-vm: the live checks on every kernel of the matrix, each in the test VM
# (tools/kvmcpuid-vm: a Debian kernel's kvm_amd under QEMU's software emulation).
#
#   tests/vm/check-vm.sh [BUILDDIR]      (runnable alone; BUILDDIR defaults to .)
#
# KVMCPUID_VM_KERNELS chooses the kernels (default: "bookworm bullseye trixie sid",
# i.e. 6.1, 5.10, 6.12 and Debian unstable's newest; 6.1 first: its boot jobs, the whole
# live-boot list, the boot matrix and boot-vs-qemu, take as long as the other three
# kernels together, which then share the other core).  One boot per kernel runs the
# jobs in tests/vm/jobs; each comes back as an automake test result,
# tests/vm/results/SUITE/NAME.{log,trs}, named by the kernel, so a failure in the VM
# fails this script and says which kernel and which test.  A VM that misses its
# deadline (KVMCPUID_VM_DEADLINE, default 600 s; KVMCPUID_VM_BOOT_DEADLINE, default 900 s,
# for the one-vCPU VM that boots Linux nested) fails every test it did not finish,
# with the last lines of its console in their logs.  Kernels run two at a time
# (KVMCPUID_VM_JOBS): each QEMU uses one host core.  Beside them, tests/vm/tool.sh
# checks kvmcpuid-vm itself on the first kernel (tests/vm/results/kvmcpuid-vm/).
set -u -o pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
builddir=$(cd "${1:-.}" && pwd)
kernels=${KVMCPUID_VM_KERNELS:-bookworm bullseye trixie sid}
deadline=${KVMCPUID_VM_DEADLINE:-600}
# The boot VM of every kernel, NAME@SUITE jobs included: on 6.1 ~180 s on a quiet machine
# (12 live-boot cases, the 16 boots of the matrix, two QEMU races).
boot_deadline=${KVMCPUID_VM_BOOT_DEADLINE:-900}
parallel=${KVMCPUID_VM_JOBS:-$(nproc 2>/dev/null || echo 1)}
results=$builddir/tests/vm/results
vm=$srcdir/tools/kvmcpuid-vm
export KVMCPUID_BIN=${KVMCPUID_BIN:-$builddir/.libs/kvmcpuid}

for b in "$KVMCPUID_BIN" "$builddir/tests/live-apply" "$builddir/tests/live-verify" \
	 "$builddir/tests/live-boot" "$builddir/tests/test-boot-real" \
	 "$builddir/tests/vm/qemu-guest.elf"; do
	[ -f "$b" ] || { echo "check-vm: $b is not built (make check-vm builds it)" >&2; exit 2; }
done

# One line a job: NAME, seconds, the command (busybox sh inside the VM; the live
# suites exit 77 only without /dev/kvm, which inside the VM is a failure).
jobs=$builddir/tests/vm/jobs
mkdir -p "$builddir/tests/vm"
sed -e '/^#/d' -e '/^$/d' "$srcdir/tests/vm/jobs.in" >"$jobs"
# The jobs that boot Linux nested (tests/vm/boot-jobs.in), with the VM's own kernel.
bootjobs=$builddir/tests/vm/boot-jobs
sed -e '/^#/d' -e '/^$/d' "$srcdir/tests/vm/boot-jobs.in" >"$bootjobs"
# QEMU, its libraries and firmware go into the VM only when a job starts QEMU with KVM.
vm_opts=()
if grep -q 'qemu-kvm\.sh' "$jobs"; then
	vm_opts=(--with-qemu --with "$srcdir/tests/vm/qemu-kvm.sh" --with "$builddir/tests/vm/qemu-guest.elf")
fi


# result SUITE NAME VERDICT LOGFILE: the automake .trs and .log, and the PASS/FAIL line.
result() {
	local dir=$results/$1 name=$2 verdict=$3
	printf ':test-result: %s\n:global-test-result: %s\n:recheck: %s\n:copy-in-global-log: %s\n' \
		"$verdict" "$verdict" "$([ "$verdict" = PASS ] && echo no || echo yes)" \
		"$([ "$verdict" = PASS ] && echo no || echo yes)" >"$dir/$name.trs"
	echo "$verdict: vm/$1/$name"
}

# vm_jobs SUITE JOBS RAW SMP DEADLINE OPTIONS...: one boot of the test VM with SMP vCPUs
# running JOBS within DEADLINE seconds, then an automake result per job from RAW.
vm_jobs() {
	local suite=$1 jobs=$2 raw=$3 smp=$4 limit=$5 dir=$results/$1 name secs cmd rc r release
	shift 5
	mkdir -p "$raw"
	KVMCPUID_VM_SMP=$smp "$vm" -q --kernel "$suite" --deadline "$limit" --jobs "$jobs" \
		"$@" --results "$raw" >>"$dir/vm.log" 2>&1
	r=$?
	release=$(cat "$raw/release" 2>/dev/null || echo "?")
	while IFS=$'\t' read -r name secs cmd; do
		[ -n "$name" ] || continue
		{
			echo "kernel: Debian $suite, $release (kvm_amd in QEMU TCG, $smp vCPUs)"
			echo "job: $cmd"
			if [ -f "$raw/$name.rc" ]; then
				rc=$(cat "$raw/$name.rc")
				echo "exit: $rc after $(cat "$raw/$name.secs") s"
				echo "--- stdout"; cat "$raw/$name.stdout"
				echo "--- stderr"; cat "$raw/$name.stderr"
			else
				rc=none
				echo "no result: the VM stopped before this job (kvmcpuid-vm exit $r)"
				cat "$dir/vm.log" "$raw/fatal" 2>/dev/null
				echo "--- the last lines of the VM's console"
				tail -25 "$raw/console.log" 2>/dev/null
			fi
		} >"$dir/$name.log"
		if [ "$rc" = 0 ]; then result "$suite" "$name" PASS; else result "$suite" "$name" FAIL; fi
	done <"$jobs"
	echo "$release" >"$dir/release"
}

# boot_group SUITE JOBS SECONDS: JOBS in a boot VM of one vCPU with the VM's kernel at
# /boot/vmlinuz and /boot/vmlinux (QEMU too when a job races it, tests/vm/boot-vs-qemu.sh).
# A VM that froze (a job with no result: the nested-TCG stall, seen in about one of eight
# boot VMs, its own timeouts not firing) is booted again, up to three times, for the jobs
# it left without a result; a job that finished is never run again, whatever its verdict.
# Prints each job's final PASS/FAIL line.
boot_group() {
	local suite=$1 jobs=$2 limit=$3 dir=$results/$1 try name rest left opts=()
	[ -s "$jobs" ] || return 0
	! grep -q 'boot-vs-qemu\.sh' "$jobs" || opts=(--with-qemu --with "$srcdir/tests/vm/boot-vs-qemu.sh")
	cp "$jobs" "$jobs.left"
	for try in 1 2 3; do
		rm -rf "$dir/raw-boot"
		vm_jobs "$suite" "$jobs.left" "$dir/raw-boot" 1 "$limit" --with-vmlinuz \
			--with "$builddir/tests/live-boot" --with "$builddir/tests/test-boot-real" \
			--with "$srcdir/tests/vm/boot-matrix-check.sh" "${opts[@]}" >/dev/null
		left=""
		while IFS=$'\t' read -r name rest; do
			[ "$try" = 1 ] || echo "(the boot VM was booted $try times for this job: the earlier ones froze; see vm.log)" >>"$dir/$name.log"
			grep -q '^no result: the VM stopped' "$dir/$name.log" && left+=$name$'\t'$rest$'\n'
		done <"$jobs.left"
		[ -n "$left" ] && [ "$try" != 3 ] || break
		printf '%s' "$left" >"$jobs.left"
		echo "vm/$suite: the boot VM froze (attempt $try): booting it again for $(cut -f1 "$jobs.left" | tr '\n' ' ')" |
			tee -a "$dir/vm.log"
	done
	while IFS=$'\t' read -r name _; do
		echo "$(sed -n 's/^:test-result: //p' "$dir/$name.trs"): vm/$suite/$name"
	done <"$jobs"
}

# run_kernel SUITE: the jobs (two vCPUs: the matrix's pool runs on both), then the boot
# jobs in a VM of one vCPU (nested Linux guests hung in 11 of 13 boots on two): those for
# every kernel and those named NAME@SUITE for this one (as NAME), in one boot VM whose
# deadline is KVMCPUID_VM_BOOT_DEADLINE (each job's seconds are its own limit inside).
# One VM saves a VM boot (~12 s) per job; the price is a freeze's (the nested-TCG stall):
# the VM runs to that deadline before it is booted again for the jobs it left, where a VM
# of their own would have lost only their seconds.  Measured on a quiet machine, 6.1's
# boot VM ran all of its jobs in ~180 s: 900 s leaves room for a loaded one.
run_kernel() {
	local suite=$1 dir=$results/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	local start=$SECONDS
	vm_jobs "$suite" "$jobs" "$dir/raw" 2 "$deadline" \
		--with "$builddir/tests/live-apply" --with "$builddir/tests/live-verify" \
		--with "$builddir/bench/kvmcpuid-bench" "${vm_opts[@]}"
	awk -F '\t' -v OFS='\t' -v k="$suite" '$1 !~ /@/ { print; next }
		$1 ~ "@" k "$" { sub(/@.*/, "", $1); print }' "$bootjobs" >"$dir/boot-jobs"
	boot_group "$suite" "$dir/boot-jobs" "$boot_deadline"
	echo "vm/$suite: kernel $(cat "$dir/release"), $((SECONDS - start)) s"
}

# run_tool: kvmcpuid-vm itself, as a user meets it (tests/vm/tool.sh), on the first kernel.
run_tool() {
	local dir=$results/kvmcpuid-vm first=${kernels%% *}
	rm -rf "$dir"
	mkdir -p "$dir"
	if "$srcdir/tests/vm/tool.sh" "$builddir" "$first" >"$dir/tool.log" 2>&1; then
		result kvmcpuid-vm tool PASS
	else
		result kvmcpuid-vm tool FAIL
	fi
}

mkdir -p "$results"
start=$SECONDS
# Every kernel fetched at once, beside the VMs: on a fresh machine the cache is empty, and a
# download waits on the network, not on the cores.  kvmcpuid-vm's lock per suite makes the
# VM that needs a kernel wait for its fetch.  Not waited for (disown: wait -n below counts
# VMs only); a fetch that fails is tried again, and reported, by the VM that needs it.
for k in $kernels; do
	"$vm" -q --kernel "$k" --fetch >/dev/null 2>&1 </dev/null &
	disown
done
running=0
for k in tool $kernels; do
	if [ "$k" = tool ]; then run_tool & else run_kernel "$k" & fi
	running=$((running + 1))
	if [ "$running" -ge "$parallel" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

pass=0 fail=0
for k in kvmcpuid-vm $kernels; do
	for t in "$results/$k"/*.trs; do
		[ -e "$t" ] || continue
		if grep -q '^:test-result: PASS' "$t"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "--- FAIL: vm/$k/$(basename "${t%.trs}")"
			tail -30 "${t%.trs}.log"
		fi
	done
done
echo "check-vm: $pass passed, $fail failed on kernels: $kernels ($((SECONDS - start)) s)"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
