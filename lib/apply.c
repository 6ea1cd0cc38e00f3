// SPDX-License-Identifier: LGPL-2.1-or-later
/* KVM_SET_CPUID2 and the PV enforcement capability. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vm.h"

#define KVM_MAX_CPUID_ENTRIES 256

static struct kvm_cpuid2 *cpuid2_new(struct kvmcpuid_ctx *ctx, size_t nent)
{
	struct kvm_cpuid2 *c = xalloc(ctx, sizeof(*c) + nent * sizeof(c->entries[0]));

	if (c)
		c->nent = (uint32_t)nent;
	return c;
}

static int set_cpuid_error(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag, int r,
			   size_t nent)
{
	switch (r) {
	case -EINVAL:
		return diag_set(ctx, diag, EINVAL, "KVM_SET_CPUID2", 0, 0,
				"KVM refused the table: once a vCPU has run, KVM accepts only a table "
				"identical to the one it has (apply before the first KVM_RUN), "
				"otherwise an entry is invalid for this host");
	case -E2BIG:
		return diag_set(ctx, diag, E2BIG, "KVM_SET_CPUID2", 0, 0,
				"KVM says the table (%zu entries) is too big", nent);
	case -ENOMEM:
		return diag_set(ctx, diag, ENOMEM, "KVM_SET_CPUID2", 0, 0, "out of memory");
	case -EFAULT:
		return diag_set(ctx, diag, EFAULT, "KVM_SET_CPUID2", 0, 0, "bad address");
	default:
		return diag_set(ctx, diag, EIO, "KVM_SET_CPUID2", 0, 0,
				"failed: %s (is the fd a KVM vCPU?)", strerror(-r));
	}
}

/*
 * How many entries KVM_GET_CPUID2 wrote into c, which held cap entries all set to 0xff
 * beforehand.  kvm_vcpu_ioctl_get_cpuid2 (arch/x86/kvm/cpuid.c) wrote cpuid->nent only on
 * its error path until Sean Christopherson's ab322c43cce9 ("KVM: x86: Update number of
 * entries for KVM_GET_CPUID2 on success, not failure", merged for 6.5): on 5.10 and 6.1 a
 * successful call leaves nent at the caller's capacity.  A nent below cap is the 6.5+
 * answer; otherwise KVM's entries sit at the front (copy_to_user of cpuid_nent entries)
 * and the first entry still all 0xff (function, index, flags and padding: no table KVM
 * keeps has one) is where they end.
 */
size_t cpuid2_written(const struct kvm_cpuid2 *c, size_t cap)
{
	static const struct kvm_cpuid_entry2 unwritten = {
		.function = ~0u, .index = ~0u, .flags = ~0u, .eax = ~0u, .ebx = ~0u, .ecx = ~0u,
		.edx = ~0u, .padding = { ~0u, ~0u, ~0u },
	};
	size_t i;

	if (c->nent < cap)
		return c->nent;
	for (i = 0; i < cap; i++)
		if (!memcmp(&c->entries[i], &unwritten, sizeof(unwritten)))
			break;
	return i;
}

/*
 * KVM_GET_CPUID2 into c (room for cap entries): the number of entries the vCPU has,
 * whatever the kernel does with nent (cpuid2_written), or the ioctl's -errno.
 */
int vcpu_get_cpuid(struct kvmcpuid_ctx *ctx, int vcpu_fd, struct kvm_cpuid2 *c, size_t cap)
{
	int r;

	memset(c->entries, 0xff, cap * sizeof(c->entries[0]));
	c->nent = (uint32_t)cap;
	r = kvm_ioctl(ctx, vcpu_fd, KVM_GET_CPUID2, c);
	if (r < 0)
		return r;
	c->nent = (uint32_t)cpuid2_written(c, cap);
	return (int)c->nent;
}

/*
 * KVM_SET_CPUID2 and then the enforcement capability.  With enforcement asked for,
 * the vCPU's current table is read first, so that if KVM then refuses the capability
 * the old table goes back: nothing is left applied half-way.
 */
int apply_table(struct kvmcpuid_ctx *ctx, int vcpu_fd, const struct kvm_cpuid_entry2 *table,
		size_t nent, unsigned int flags, struct kvmcpuid_diag *diag)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID };
	struct kvm_cpuid2 *c = NULL, *old = NULL;
	int r;

	if (vcpu_fd < 0 || (!table && nent))
		return diag_set(ctx, diag, EINVAL, NULL, 0, 0, "invalid vCPU fd or table");
	if (nent > KVM_MAX_CPUID_ENTRIES)
		return diag_set(ctx, diag, E2BIG, "KVM_SET_CPUID2", 0, 0,
				"the table has %zu entries; KVM takes at most %d", nent,
				KVM_MAX_CPUID_ENTRIES);
	c = cpuid2_new(ctx, nent);
	if (!c)
		return -ENOMEM;
	if (nent)
		memcpy(c->entries, table, nent * sizeof(c->entries[0]));
	if (flags & KVMCPUID_APPLY_ENFORCE) {
		old = cpuid2_new(ctx, KVM_MAX_CPUID_ENTRIES);
		if (!old) {
			r = -ENOMEM;
			goto out;
		}
		/* the real count: re-applying 256 entries (6.1's nent) would be E2BIG */
		r = vcpu_get_cpuid(ctx, vcpu_fd, old, KVM_MAX_CPUID_ENTRIES);
		if (r < 0) {
			r = diag_set(ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_GET_CPUID2", 0, 0,
				     "cannot read the vCPU's table: %s (is the fd a KVM vCPU?)",
				     strerror(-r));
			goto out;
		}
	}
	r = kvm_ioctl(ctx, vcpu_fd, KVM_SET_CPUID2, c);
	if (r < 0) {
		r = set_cpuid_error(ctx, diag, r, nent);
		goto out;
	}
	cap.args[0] = (flags & KVMCPUID_APPLY_ENFORCE) ? 1 : 0;
	r = kvm_ioctl(ctx, vcpu_fd, KVM_ENABLE_CAP, &cap);
	if (r < 0 && (flags & KVMCPUID_APPLY_ENFORCE)) {
		kvm_ioctl(ctx, vcpu_fd, KVM_SET_CPUID2, old);
		r = diag_set(ctx, diag, ENOTSUP, "KVM_CAP_ENFORCE_PV_FEATURE_CPUID", 0, 0,
			     "cannot enable enforcement (%s): this KVM does not support it; "
			     "use enforce = off (masking is then advisory); the vCPU's table "
			     "is unchanged", strerror(-r));
		goto out;
	}
	r = 0;
out:
	free(old);
	free(c);
	return r;
}

KVMCPUID_EXPORT int kvmcpuid_apply(struct kvmcpuid_ctx *ctx, int vcpu_fd,
				   const struct kvm_cpuid_entry2 *table, size_t nent,
				   unsigned int flags, struct kvmcpuid_diag *diag)
{
	diag_begin(diag);
	return diag_finish(ctx, diag, apply_table(ctx, vcpu_fd, table, nent, flags, diag));
}

KVMCPUID_EXPORT int kvmcpuid_cpuid_apply(const struct kvmcpuid_cpuid *c, int vcpu_fd,
					 const struct kvm_cpuid_entry2 *table, size_t nent,
					 struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_host *probed = NULL;
	struct kvm_cpuid_entry2 *full;
	size_t n;
	int r;

	diag_begin(diag);
	if (!c)
		return diag_finish(NULL, diag, -EINVAL);
	if (!table) {
		r = kvmcpuid_host_probe(c->ctx, diag, &probed);
		if (r < 0)
			return diag_finish(c->ctx, diag, r);
		table = probed->entries;
		nent = probed->nent;
	}
	r = cpuid_merged_table(c, table, nent, &full, &n, diag);
	if (r == 0) {
		r = apply_table(c->ctx, vcpu_fd, full, n, c->enforce ? KVMCPUID_APPLY_ENFORCE : 0,
				diag);
		free(full);
	}
	kvmcpuid_host_unref(probed);
	return diag_finish(c->ctx, diag, r);
}

/* The entries of c in the KVM range (c is filtered in place), as a new cpuid. */
static int kvm_range(struct kvmcpuid_ctx *ctx, struct kvm_cpuid2 *c, bool enforce,
		     struct kvmcpuid_cpuid **ret)
{
	size_t i, n = 0;
	int r;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function >= PV_BASE_FIRST &&
		    c->entries[i].function <= PV_BASE_LAST + 0xff)
			c->entries[n++] = c->entries[i];
	r = cpuid_new(ctx, c->entries, n, ret);
	if (r < 0)
		return r;
	(*ret)->enforce = enforce;
	cpuid_derive(*ret);
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_cpuid_readback(const struct kvmcpuid_cpuid *cp,
					    struct kvmcpuid_cpuid **kept, size_t *total,
					    struct kvmcpuid_diag *diag)
{
	struct kvm_cpuid2 *c = NULL;
	struct vcpu vcpu = { .fd = -1 };
	struct vm vm;
	int r;

	diag_begin(diag);
	if (!cp || !kept)
		return diag_finish(cp ? cp->ctx : NULL, diag, -EINVAL);
	r = vm_create(cp->ctx, VM_NO_IRQCHIP, &vm, diag);
	if (r < 0)
		return diag_finish(cp->ctx, diag, r);
	/* never run: no register state (vm_vcpu_setup) needed */
	r = vm_vcpu_create(&vm, &vcpu, diag);
	if (r < 0)
		goto out;
	r = kvmcpuid_cpuid_apply(cp, vcpu.fd, NULL, 0, diag);
	if (r < 0)
		goto out;
	c = cpuid2_new(cp->ctx, KVM_MAX_CPUID_ENTRIES);
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	r = vcpu_get_cpuid(cp->ctx, vcpu.fd, c, KVM_MAX_CPUID_ENTRIES);
	if (r < 0) {
		r = diag_set(cp->ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_GET_CPUID2", 0, 0,
			     "failed: %s", strerror(-r));
		goto out;
	}
	if (total)
		*total = c->nent;
	r = kvm_range(cp->ctx, c, cp->enforce, kept);
out:
	free(c);
	vm_vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	return diag_finish(cp->ctx, diag, r);
}
