// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cloud Hypervisor: the --cpus parameter that touches the KVM leaves (kvm_hyperv=on|off),
 * export only.  Facts it relies on (cloud-hypervisor/cloud-hypervisor):
 * - arch/src/x86_64/mod.rs, generate_common_cpuid: the guest's CPUID starts as
 *   KVM_GET_SUPPORTED_CPUID, so 0x40000000 is KVM's ("KVMKVMKVM", max leaf 0x40000001)
 *   and 0x40000001 EAX has every feature this KVM offers; Cloud Hypervisor then always
 *   sets KVM_FEATURE_MSI_EXT_DEST_ID (bit 15) and clears nothing (the TDX build clears
 *   kvmclock, async PF and steal time for TDX guests only).  No option masks one bit,
 *   forces one, refuses to start without one, sets a hint or changes the signature or
 *   base; CPU profiles (cpuid_definitions/kvm.rs) pass both leaves through;
 * - with --cpus kvm_hyperv=on the same function removes 0x40000000 and 0x40000001 and
 *   puts Hyper-V leaves there instead ("Linux KVM Hv", max leaf 0x4000000a, leaves
 *   0x40000002-0x4000000a), with SynIC enabled (configure_vcpu): the KVM leaves are gone,
 *   not moved to 0x40000100.  Hiding KVM alone was asked for and closed without an option
 *   (issues #2875, #2879);
 * - configure_vcpu: without kvm_hyperv, where KVM_GET_TSC_KHZ answers and the host CPU has
 *   an invariant TSC (0x80000007 EDX bit 8), it adds the timing leaf 0x40000010 (TSC kHz,
 *   APIC bus 1000000 kHz) and sets the max leaf to 0x40000010; nothing turns that off, so
 *   both timing = off and timing = on hold only on some hosts: no policy is exact;
 * - KVM_CAP_ENFORCE_PV_FEATURE_CPUID is never enabled: masking could only be advisory.
 */
#include "vmm.h"

static int chv_export(struct vmm_export *e)
{
	const struct kvmcpuid_policy *p = e->policy;
	bool hidden = p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN;
	unsigned int id;

	sb_printf(&e->out, "kvm_hyperv=%s\n", hidden ? "on" : "off");
	if (hidden) {
		export_lost(e, "signature", "Cloud Hypervisor cannot hide KVM alone (issues "
			    "#2875, #2879): kvm_hyperv=on removes the KVM leaves but puts Hyper-V "
			    "leaves (\"Linux KVM Hv\", 0x40000000-0x4000000a) there and enables "
			    "SynIC");
	} else {
		if (p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM)
			export_lost(e, "signature", "Cloud Hypervisor has no custom KVM signature: "
				    "the guest sees KVMKVMKVM");
		if (p->base != PV_BASE_FIRST)
			export_lost(e, "base", "Cloud Hypervisor keeps KVM at 0x40000000, never at "
				    "0x%08x (kvm_hyperv=on removes the KVM leaves, it does not move "
				    "them)", p->base);
		export_lost_max_leaf(e, "Cloud Hypervisor", PV_BASE_FIRST, "where the host CPU "
				     "has an invariant TSC (with the timing leaf)");
		if (p->timing)
			export_lost(e, "timing", "Cloud Hypervisor adds the timing leaf 0x40000010 "
				    "(and max leaf 0x40000010) only where the host CPU has an "
				    "invariant TSC; elsewhere the guest sees max leaf 0x40000001 and no "
				    "timing leaf");
		else
			export_lost(e, "timing", "Cloud Hypervisor adds the timing leaf 0x40000010 "
				    "(and max leaf 0x40000010) wherever the host CPU has an invariant "
				    "TSC, and has no option against it");
		for (id = 0; id < FEATURE_COUNT; id++) {
			const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
			int a = export_action(e, id);

			if (id == KVMCPUID_FEATURE_MSI_EXT_DEST_ID) {
				if (a == KVMCPUID_ACTION_OFF)
					export_lost(e, f->name, "Cloud Hypervisor always sets %s",
						    f->macro);
			} else if (f->provider != KVMCPUID_PROVIDER_KVM) {
				if (a != KVMCPUID_ACTION_OFF)
					export_lost(e, f->name, "Cloud Hypervisor never sets %s",
						    f->macro);
			} else if (a == KVMCPUID_ACTION_OFF) {
				export_lost(e, f->name, "Cloud Hypervisor cannot mask %s: the guest "
					    "sees it wherever KVM offers it", f->macro);
			} else if (a == KVMCPUID_ACTION_ON) {
				export_lost(e, f->name, "Cloud Hypervisor does not refuse to start "
					    "where the host lacks %s: the guest goes without it",
					    f->macro);
			} else if (a == KVMCPUID_ACTION_FORCE) {
				export_lost(e, f->name, "Cloud Hypervisor cannot force %s: the guest "
					    "sees it only where KVM offers it", f->macro);
			}
		}
	}
	if (p->enforce)
		export_lost(e, "enforce", "Cloud Hypervisor never enables "
			    "KVM_CAP_ENFORCE_PV_FEATURE_CPUID: masking is advisory");
	return 0;
}

const struct vmm_format vmm_cloud_hypervisor = {
	.name = "cloud-hypervisor",
	.export_fn = chv_export,
};
