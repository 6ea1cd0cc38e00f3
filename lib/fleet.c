// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Many hosts at once: the baseline policy a fleet can all run, and whether a built guest
 * can move to another host (Cloud Hypervisor's compatibility rules for the KVM leaves).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

KVMCPUID_EXPORT int kvmcpuid_baseline(struct kvmcpuid_host *const *hosts, size_t n,
				      kvmcpuid_removed_fn fn, void *data,
				      struct kvmcpuid_policy **ret)
{
	struct kvmcpuid_policy *p;
	size_t i;
	unsigned int id;
	int r;

	if (!hosts || !n || !ret)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!hosts[i])
			return -EINVAL;
	r = kvmcpuid_policy_new(hosts[0]->ctx, &p);
	if (r < 0)
		return r;
	/* An allow-list: a feature a later KVM adds is not in the baseline until named. */
	p->def = KVMCPUID_ACTION_OFF;
	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = feature_get(id);
		size_t lacking = n;

		if (f->provider == KVMCPUID_PROVIDER_NONE) {
			policy_set_action(p, id, KVMCPUID_ACTION_OFF);
			continue;
		}
		if (f->provider == KVMCPUID_PROVIDER_VMM) {
			/* No host profile can vouch for what only the VMM implements. */
			policy_set_action(p, id, KVMCPUID_ACTION_OFF);
			if (fn)
				fn(data, f->name, -1);
			continue;
		}
		for (i = 0; i < n && lacking == n; i++)
			if (!host_offers(hosts[i], id))
				lacking = i;
		/* `on`, not `host`: building it on a host that lacks it is then an error. */
		policy_set_action(p, id, lacking == n ? KVMCPUID_ACTION_ON : KVMCPUID_ACTION_OFF);
		if (lacking != n && fn)
			fn(data, f->name, (long)lacking);
	}
	p->enforce = true;
	for (i = 0; i < n; i++) {
		if (!hosts[i]->enforce_cap) {
			p->enforce = false;
			if (fn)
				fn(data, "enforce", (long)i);
			break;
		}
	}
	*ret = p;
	return 0;
}

static size_t refuse(struct kvmcpuid_difference *out, size_t cap, size_t n,
		     enum kvmcpuid_diff_kind kind, int feature, uint32_t a, uint32_t b)
{
	if (n < cap)
		out[n] = (struct kvmcpuid_difference){ .kind = kind, .feature = feature,
						       .a = a, .b = b };
	return n + 1;
}

KVMCPUID_EXPORT int kvmcpuid_migrate_check(const struct kvmcpuid_cpuid *cpuid,
					   const struct kvmcpuid_host *dest,
					   struct kvmcpuid_difference *out, size_t cap)
{
	const struct kvm_cpuid_entry2 *sig, *dsig;
	uint32_t max, dmax;
	unsigned int id;
	size_t n = 0;

	if (!cpuid || !dest || (cap && !out))
		return -EINVAL;
	sig = table_find(cpuid->entries, cpuid->nent, cpuid->base, 0);
	if (!sig)	/* hidden: no KVM leaves, nothing a destination must match */
		return 0;
	/* The destination's signature and max leaf: its KVM_GET_SUPPORTED_CPUID. */
	dsig = table_find(dest->entries, dest->nent, KVM_CPUID_SIGNATURE_LEAF, 0);
	if (!dsig || !entry_has_kvm_sig(dsig) || sig->ebx != dsig->ebx || sig->ecx != dsig->ecx ||
	    sig->edx != dsig->edx)
		n = refuse(out, cap, n, KVMCPUID_DIFF_SIGNATURE, -1, cpuid->base,
			   dsig && entry_has_kvm_sig(dsig) ? KVM_CPUID_SIGNATURE_LEAF : 0);
	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = feature_get(id);
		uint32_t word = f->reg == KVMCPUID_REG_EAX ? cpuid->eax : cpuid->edx;

		if (!((word >> f->bit) & 1))
			continue;
		/* What only the VMM provides, the destination's VMM provides as ours did. */
		if (f->provider == KVMCPUID_PROVIDER_VMM || host_offers(dest, id))
			continue;
		n = refuse(out, cap, n, KVMCPUID_DIFF_FEATURE, (int)id, 1, 0);
	}
	/* Max leaf as a guest reads it (legacy zero is base+1), relative to the block. */
	max = sig->eax ? sig->eax - cpuid->base : 1;
	dmax = dsig && dsig->eax >= KVM_CPUID_SIGNATURE_LEAF ? dsig->eax - KVM_CPUID_SIGNATURE_LEAF
							     : 1;
	/* The timing leaf is the VMM's, from KVM_GET_TSC_KHZ: any host with a known TSC. */
	if (dest->tsc_khz && dmax < 0x10)
		dmax = 0x10;
	if (max > dmax)
		n = refuse(out, cap, n, KVMCPUID_DIFF_MAX_LEAF, -1, max, dmax);
	if (cpuid->enforce && !dest->enforce_cap)
		n = refuse(out, cap, n, KVMCPUID_DIFF_ENFORCE, -1, 1, 0);
	return (int)n;
}
