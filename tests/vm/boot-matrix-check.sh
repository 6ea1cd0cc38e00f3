#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# boot-matrix-check.sh KERNEL [BOOT OPTIONS...]: `kvmcpuid boot --matrix --kernel KERNEL`
# in the test VM's boot VM (tests/vm/boot-jobs.in, live-boot-matrix), its table printed and
# checked cell by cell (busybox sh and awk):
#  - 21 rows (all-on, all-off, the 19 features masked alone), each "as predicted" or
#    "not booted" (a mask that leaves an earlier table as it is), and at least 10 columns;
#  - all-off: KVM found ("+" in kvm), no PV feature used ("." or "?" in every other cell);
#  - -pv_eoi: MSR_KVM_PV_EOI_EN left 0 on every vCPU ("." in eoi, "+" in all-on's), every
#    other cell as all-on's;
#  - kvmcpuid's exit status 0.
out=/tmp/boot-matrix.$$
kvmcpuid boot --matrix --kernel "$@" >"$out"
r=$?
cat "$out"
awk '
/^POLICY / { n = NF - 3; for (i = 2; i <= n + 1; i++) h[i] = $i; next }
!n || !/^(all-|-)/ { next }
{ rows++ }
/ not booted$/ { nb++; next }
!/ as predicted$/ { print "not as predicted: " $1; bad++ }
{ for (i = 2; i <= n + 1; i++) c[$1, h[i]] = $i }
END {
	for (i = 2; i <= n + 1; i++) {
		k = h[i]
		off = c["all-off", k]
		if (k == "kvm" ? off != "+" : off != "." && off != "?") {
			print "all-off " k ": " off; bad++
		}
		e = c["-pv_eoi", k]
		if (k == "eoi" ? e != "." || c["all-on", k] != "+" : e != c["all-on", k]) {
			print "-pv_eoi " k ": " e " (all-on: " c["all-on", k] ")"; bad++
		}
	}
	print rows " rows, " nb " not booted, " n " columns"
	exit !(rows == 21 && !bad && n >= 10)
}' "$out"
a=$?
rm -f "$out"
echo "kvmcpuid boot --matrix: exit $r"
[ $a = 0 ] && [ $r = 0 ]
