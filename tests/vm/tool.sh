#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kvmcpuid-vm as a user meets it (run by tests/vm/check-vm.sh, or alone:
# tests/vm/tool.sh BUILDDIR KERNEL): files in, -o out, stdin, the verb's exit status,
# a VM killed at its deadline, bad options.  Each case boots the VM once (~10 s).
set -u -o pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
builddir=$(cd "${1:-.}" && pwd)
kernel=${2:-bookworm}
vm=$srcdir/tools/kvmcpuid-vm
export KVMCPUID_BIN=${KVMCPUID_BIN:-$builddir/.libs/kvmcpuid}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# A policy file goes in; -o FILE comes back, byte for byte what build writes.
"$vm" -q --kernel "$kernel" -- build "$srcdir/examples/tenant-a.policy" --format json \
	-o "$tmp/out.json" >"$tmp/stdout" 2>"$tmp/stderr"
r=$?
if [ $r -eq 0 ] && grep -q '"0x40000001"' "$tmp/out.json" && grep -q '"enforce": *true' "$tmp/out.json"; then
	ok "build POLICY -o FILE: the file came back ($(wc -c <"$tmp/out.json") bytes)"
else
	fail "build POLICY -o FILE: exit $r"; cat "$tmp/stderr" "$tmp/out.json" 2>/dev/null
fi

# `boot` with no --kernel boots the VM's own kernel (as a vmlinux: /boot/vmlinux, its
# payload decompressed on the host), in a VM of one vCPU, with noxsave and no_timer_check
# (said on stderr); the report's end row says the guest got past its PV setup.
"$vm" --kernel "$kernel" -- boot --json >"$tmp/stdout" 2>"$tmp/stderr"
r=$?
if [ $r -eq 0 ] && grep -q '"cmdline": "console=ttyS0 panic=-1 quiet noxsave no_timer_check"' "$tmp/stdout" &&
	grep -q '"log": ".*kvm-guest: setup PV IPIs' "$tmp/stdout" && grep -q '"log_unread": null' "$tmp/stdout" &&
	grep -q '"end": "panic"' "$tmp/stdout" && grep -q '"subject": "end"' "$tmp/stdout" &&
	grep -q '"kernel_format": "vmlinux", "protocol": null' "$tmp/stdout" &&
	grep -q "boot: --append 'noxsave no_timer_check'" "$tmp/stderr" &&
	[ "$(grep -o '"vcpu": [0-9]*' "$tmp/stdout" | sort -u | wc -l)" = 2 ]; then
	ok "boot (no --kernel): the VM's own kernel as a vmlinux, 2 guest vCPUs, noxsave, its log read from its memory, as predicted"
else
	fail "boot (no --kernel): exit $r"; cat "$tmp/stderr"; head -c 3000 "$tmp/stdout"
fi

# Standard input goes in as `-`; a lint warning is exit 1, passed through.
printf 'default = host\npv_tlb_flush = on\nsteal_time = off\n' |
	"$vm" -q --kernel "$kernel" -- lint - >"$tmp/stdout" 2>"$tmp/stderr"
r=$?
if [ $r -eq 1 ] && grep -q 'pv_tlb_flush' "$tmp/stdout" "$tmp/stderr"; then
	ok "lint - (stdin): exit 1 with the warning"
else
	fail "lint - (stdin): exit $r, expected 1 with a pv_tlb_flush warning"; cat "$tmp/stdout" "$tmp/stderr"
fi

# A policy error is exit 2 with the file:line:col message of the verb itself.
printf 'steal_tme = off\n' >"$tmp/bad.policy"
"$vm" -q --kernel "$kernel" -- verify "$tmp/bad.policy" >"$tmp/stdout" 2>"$tmp/stderr"
r=$?
if [ $r -eq 2 ] && grep -q 'bad.policy:1:1:' "$tmp/stderr"; then
	ok "verify BAD: exit 2, $(head -1 "$tmp/stderr")"
else
	fail "verify BAD: exit $r, expected 2 with bad.policy:1:1:"; cat "$tmp/stderr"
fi

# A VM that misses its deadline is killed: exit 1 and the end of its console.
start=$SECONDS
"$vm" --kernel "$kernel" --deadline 1 -- host >"$tmp/stdout" 2>"$tmp/stderr"
r=$?
if [ $r -eq 1 ] && grep -q 'did not finish within 1 s' "$tmp/stderr" && [ $((SECONDS - start)) -lt 30 ]; then
	ok "--deadline 1: killed after $((SECONDS - start)) s, exit 1"
else
	fail "--deadline 1: exit $r after $((SECONDS - start)) s"; cat "$tmp/stderr"
fi

# Usage errors never boot anything.
"$vm" --kernel nosuch -- host >/dev/null 2>"$tmp/stderr"
r=$?
[ $r -eq 2 ] && grep -q "unknown kernel 'nosuch'" "$tmp/stderr" &&
	ok "--kernel nosuch: exit 2, $(head -1 "$tmp/stderr")" || { fail "--kernel nosuch: exit $r"; cat "$tmp/stderr"; }
"$vm" --deadline soon -- host >/dev/null 2>"$tmp/stderr"
r=$?
[ $r -eq 2 ] && ok "--deadline soon: exit 2" || fail "--deadline soon: exit $r"
"$vm" >/dev/null 2>&1
r=$?
[ $r -eq 2 ] && ok "no verb: exit 2" || fail "no verb: exit $r"

# The cache is shared by every kvmcpuid-vm at once.  A fetch interrupted half-way (the
# whole process group killed, as Ctrl-C does) leaves nothing that counts; then three
# started together on that cache all succeed, with one fetch between them.
cache=$tmp/cache
KVMCPUID_VM_CACHE=$cache setsid "$vm" -q --kernel "$kernel" -- host >/dev/null 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 100); do [ -e "$cache/$kernel/lists" ] && break; sleep 0.1; done
sleep 1
kill -TERM -- -"$pid" 2>/dev/null; wait "$pid" 2>/dev/null
half=$( [ -f "$cache/$kernel/kernel/complete" ] && echo "complete" || echo "no complete kernel")
for i in 1 2 3; do
	KVMCPUID_VM_CACHE=$cache "$vm" --kernel "$kernel" -- build --set steal_time=off --format json \
		-o "$tmp/c$i.json" >"$tmp/c$i.out" 2>"$tmp/c$i.err" &
	pids[$i]=$!
done
n=0
for i in 1 2 3; do
	wait "${pids[$i]}"; r=$?
	if [ $r -eq 0 ] && grep -q '"0x40000001"' "$tmp/c$i.json"; then
		n=$((n + 1))
	else
		fail "three at once on an empty cache: run $i exit $r"; cat "$tmp/c$i.err"
	fi
done
fetches=$(cat "$tmp"/c?.err | grep -c 'fetching the kernel')
[ $n -eq 3 ] && [ "$fetches" -eq 1 ] &&
	ok "interrupted fetch ($half left), then three at once: 3 of 3 succeeded, $fetches fetch" ||
	fail "three at once: $n of 3 succeeded, $fetches fetches (expected 1)"
# the kernel in the cache is the same for all three, and whole
[ -f "$cache/$kernel/kernel/complete" ] && [ -z "$(ls -d "$cache/$kernel"/extract.* 2>/dev/null)" ] &&
	ok "the cache holds one complete kernel and no leftovers" ||
	{ fail "the cache after three runs:"; ls -la "$cache/$kernel" "$cache/$kernel/kernel"; }

# A half-filled cache is detected: a module gone, offline, is no kernel at all.
rm -f "$cache/$kernel/kernel/modules/$(head -1 "$cache/$kernel/kernel/modules.order")"
KVMCPUID_VM_CACHE=$cache KVMCPUID_VM_OFFLINE=1 "$vm" --kernel "$kernel" -- host >/dev/null 2>"$tmp/stderr"
r=$?
[ $r -eq 4 ] && grep -q 'incomplete: fetching it again' "$tmp/stderr" &&
	grep -q 'could not be fetched; nothing ran' "$tmp/stderr" &&
	ok "a half-filled cache: detected, exit 4 offline ($(tail -1 "$tmp/stderr"))" ||
	{ fail "a half-filled cache offline: exit $r"; cat "$tmp/stderr"; }

# A fetch that fails is a fetch failure (exit 4), not "no usable KVM" (3).
KVMCPUID_VM_CACHE=$tmp/cache2 KVMCPUID_VM_MIRROR=http://127.0.0.1:9/debian \
	"$vm" --kernel "$kernel" -- host >/dev/null 2>"$tmp/stderr"
r=$?
[ $r -eq 4 ] && grep -q 'apt-get update failed' "$tmp/stderr" &&
	ok "an unreachable mirror: exit 4, $(tail -1 "$tmp/stderr")" ||
	{ fail "an unreachable mirror: exit $r, expected 4"; cat "$tmp/stderr"; }

[ $fails -eq 0 ]
