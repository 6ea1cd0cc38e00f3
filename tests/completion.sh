#!/bin/bash
# The bash completion offers verbs, options, feature names and values.
set -u
SRC=${TOP_SRCDIR:-.}
K=${KVMCPUID:-./kvmcpuid}
PATH="$(dirname "$K"):$PATH"
shopt -s extglob
complete() { :; }
compopt() { :; }
. "$SRC/shell/kvmcpuid"
fails=0

check() { # WORDS... -- EXPECTED
	local words=() w
	while [ "$1" != "--" ]; do words+=("$1"); shift; done
	shift
	COMP_WORDS=("${words[@]}")
	COMP_CWORD=$((${#words[@]} - 1))
	_kvmcpuid
	for w in "$@"; do
		if printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w"; then
			echo "ok - '${words[*]}' offers $w"
		else
			echo "not ok - '${words[*]}' does not offer $w (got: ${COMPREPLY[*]})"
			fails=$((fails + 1))
		fi
	done
}

check kvmcpuid ve -- verify
check kvmcpuid verify --de -- --deadline
check kvmcpuid build --for -- --format
check kvmcpuid build --format "" -- table json raw
check kvmcpuid verify --set ste -- steal_time=
check kvmcpuid verify --set steal_time=of -- steal_time=off

check kvmcpuid verify --set enforce=on,pv_ -- enforce=on,pv_eoi= enforce=on,pv_unhalt=
check kvmcpuid matrix --set default= -- default=host default=off
check kvmcpuid bo -- boot
check kvmcpuid boot --ker -- --kernel
check kvmcpuid boot --kernel "$SRC/tests/data/vmm-fc/RE" -- "$SRC/tests/data/vmm-fc/README"
check kvmcpuid boot --set pv_un -- pv_unhalt=
check kvmcpuid boot --mat -- --matrix
check kvmcpuid base -- baseline
check kvmcpuid mig -- migrate-check
check kvmcpuid baseline --j -- --json
check kvmcpuid migrate-check --j -- --json
check kvmcpuid host --format "" -- text json nfd
check kvmcpuid exp -- export
check kvmcpuid imp -- import
check kvmcpuid export --to "" -- qemu libvirt kubevirt firecracker cloud-hypervisor
check kvmcpuid import --from "" -- qemu libvirt firecracker
check kvmcpuid import --format "" -- text json
check kvmcpuid export --j -- --json
check kvmcpuid export --set pv_e -- pv_eoi=
[ "$fails" -eq 0 ]
