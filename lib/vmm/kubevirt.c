// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * KubeVirt: the spec.domain part of a VirtualMachineInstance (or of a VirtualMachine's
 * spec.template.spec), export only.  KubeVirt writes a libvirt domain (lib/vmm/libvirt.c
 * says what libvirt makes of it); what reaches that domain (kubevirt/kubevirt,
 * pkg/virt-launcher/virtwrap/converter, Convert_v1_Features_To_api_Features and the clock
 * conversion; api types in staging/src/kubevirt.io/api/core/v1/schema.go):
 * - features.kvm.hidden: <kvm><hidden state='on|off'/>, the only <kvm> child it writes;
 * - features.pvspinlock.enabled: <pvspinlock state='on|off'/> (libvirt refuses to start
 *   where the guest CPU lacks kvm_pv_unhalt: `on`);
 * - features.apic: <apic/> with no eoi (FeatureAPIC.endOfInterrupt exists in the API but
 *   the converter does not pass it), so pv_eoi follows the CPU model;
 * - clock.timer.kvm.present: <timer name='kvmclock' present='yes|no'/> (bits 0 and 3);
 * - cpu.dedicatedCpuPlacement: true on amd64 adds <hint-dedicated state='on'/> (the
 *   converter's CPU pinning), which libvirt accepts with host-passthrough only;
 * - cpu.model: host-passthrough gives <cpu mode='host-passthrough'>; KubeVirt's domain CPU
 *   (api.CPU: mode, model, features, topology, numa) has no migratable attribute, so QEMU
 *   runs -cpu host with migratable=on: every named bit KVM offers, async_pf_vmexit and
 *   invtsc (so the timing leaf) left out;
 * - cpu.features (name, policy) become <cpu><feature>, whose names libvirt's CPU map has
 *   for no leaf 0x40000001 bit.
 * Nothing reaches kvm-poll-control, kvm-pv-ipi, kvm-pv-enforce-cpuid, a signature, the
 * base or the max leaf.
 */
#include "vmm.h"

enum { F_CS = KVMCPUID_FEATURE_CLOCKSOURCE, F_CS2 = KVMCPUID_FEATURE_CLOCKSOURCE2,
	F_UNHALT = KVMCPUID_FEATURE_PV_UNHALT, F_RT = KVMCPUID_FEATURE_REALTIME,
	F_VMEXIT = KVMCPUID_FEATURE_ASYNC_PF_VMEXIT, F_MSI = KVMCPUID_FEATURE_MSI_EXT_DEST_ID };

static void kubevirt_feature(struct vmm_export *e, unsigned int id, int cs)
{
	const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
	int a = export_action(e, id);

	switch (id) {
	case F_CS:
	case F_UNHALT:
		if (a == KVMCPUID_ACTION_FORCE)
			export_lost(e, f->name, "KubeVirt cannot force %s: libvirt drops it (or "
				    "refuses to start) where the host lacks it", f->macro);
		else if (a == KVMCPUID_ACTION_ON && id == F_CS)
			export_lost(e, f->name, "clock.timer.kvm drops %s with a warning where the "
				    "host lacks it instead of refusing to start", f->macro);
		return;
	case F_CS2:
		export_lost_kvmclock_pair(e, "KubeVirt's kvm timer");
		return;
	case F_RT:
		return;	/* dedicatedCpuPlacement: on and off both exact */
	case F_MSI:
		/*
		 * QEMU sets the bit itself with a split irqchip (lib/vmm/libvirt.c): KubeVirt
		 * has no I/O APIC setting (kubevirt/kubevirt PR #8114 asked for one and was
		 * closed), and libvirt 10.10 and later add <ioapic driver='qemu'/> by itself
		 * for more than 255 vCPUs.
		 */
		if (a == KVMCPUID_ACTION_OFF)
			export_lost(e, f->name, "KubeVirt has no I/O APIC setting: where the domain "
				    "gets a split I/O APIC (libvirt 10.10 and later add one for more "
				    "than 255 vCPUs), QEMU sets %s", f->macro);
		else
			export_lost(e, f->name, "KubeVirt has no I/O APIC setting: QEMU sets %s only "
				    "with a split I/O APIC (libvirt 10.10 and later add one only for "
				    "more than 255 vCPUs), and leaves it clear otherwise", f->macro);
		return;
	case F_VMEXIT:
		/* no setting reaches it, and what host-passthrough does depends on the QEMU */
		export_lost(e, f->name, "KubeVirt has no setting for %s: host-passthrough (-cpu "
			    "host, migratable=on) leaves it clear with QEMU 7.2 and passes it where "
			    "KVM offers it from QEMU 8.2 (virt-launcher's QEMU decides)", f->macro);
		return;
	}
	if (f->provider != KVMCPUID_PROVIDER_KVM) {
		if (a != KVMCPUID_ACTION_OFF)
			export_lost(e, f->name, "KubeVirt has no setting for %s: QEMU leaves it "
				    "clear", f->macro);
	} else if (a == KVMCPUID_ACTION_OFF) {
		export_lost(e, f->name, "KubeVirt cannot clear %s: host-passthrough passes it "
			    "wherever KVM offers it", f->macro);
	} else if (a == KVMCPUID_ACTION_ON) {
		export_lost(e, f->name, "KubeVirt cannot refuse to start where the host lacks %s: "
			    "host-passthrough leaves it clear there", f->macro);
	} else if (a == KVMCPUID_ACTION_FORCE) {
		export_lost(e, f->name, "KubeVirt cannot force %s: host-passthrough leaves it "
			    "clear where the host lacks it", f->macro);
	}
}

static int kubevirt_export(struct vmm_export *e)
{
	const struct kvmcpuid_policy *p = e->policy;
	struct strbuf *o = &e->out;
	int cs = export_action(e, F_CS), unhalt = export_action(e, F_UNHALT);
	unsigned int id;

	export_lost_qemu_layout(e, "KubeVirt", "features.hyperv");
	export_lost_qemu_frontend(e, "KubeVirt");
	for (id = 0; id < FEATURE_COUNT; id++)
		kubevirt_feature(e, id, cs);

	sb_printf(o, "# kvmcpuid policy for KubeVirt: merge into a VirtualMachineInstance's spec\n"
		  "# (or a VirtualMachine's spec.template.spec).\n"
		  "spec:\n  domain:\n    cpu:\n      model: host-passthrough\n");
	if (export_wants(e, F_RT))
		sb_printf(o, "      # the kvm-hint-dedicated bit; it also pins the vCPUs (CPU manager)\n"
			  "      dedicatedCpuPlacement: true\n");
	if (export_qemu_timing(e))
		sb_printf(o, "      features:\n      - name: invtsc\n        policy: require\n");
	sb_printf(o, "    features:\n      kvm:\n        hidden: %s\n",
		  p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN ? "true" : "false");
	if (unhalt == KVMCPUID_ACTION_HOST)
		sb_printf(o, "      # no pvspinlock: kvm-pv-unhalt wherever KVM offers it\n");
	else
		sb_printf(o, "      pvspinlock:\n        enabled: %s\n",
			  unhalt == KVMCPUID_ACTION_OFF ? "false" : "true");
	sb_printf(o, "    clock:\n      utc: {}\n      timer:\n        kvm:\n          present: %s\n",
		  cs == KVMCPUID_ACTION_OFF ? "false" : "true");
	return 0;
}

const struct vmm_format vmm_kubevirt = {
	.name = "kubevirt",
	.export_fn = kubevirt_export,
};
