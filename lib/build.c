// SPDX-License-Identifier: LGPL-2.1-or-later
/* Policy + host -> the KVM paravirtual leaves; and the lints. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define APIC_BUS_KHZ 1000000u	/* KVM's emulated APIC timer runs at 1 GHz */

static bool feature_set(uint32_t eax, uint32_t edx, unsigned int id)
{
	const struct kvmcpuid_feature *f = feature_get(id);

	return ((f->reg == KVMCPUID_REG_EAX ? eax : edx) >> f->bit) & 1;
}

static void feature_put(uint32_t *eax, uint32_t *edx, unsigned int id, bool on)
{
	const struct kvmcpuid_feature *f = feature_get(id);
	uint32_t *reg = f->reg == KVMCPUID_REG_EAX ? eax : edx;

	if (on)
		*reg |= 1u << f->bit;
	else
		*reg &= ~(1u << f->bit);
}

/* Bits the policy sets; with no host, `host` counts as set for KVM-provided features. */
static void effective_bits(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
			   uint32_t *eax, uint32_t *edx)
{
	unsigned int i;

	*eax = *edx = 0;
	for (i = 0; i < FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);
		int a = policy_action(p, i);
		bool on = false;

		if (a == KVMCPUID_ACTION_ON || a == KVMCPUID_ACTION_FORCE)
			on = true;
		else if (a == KVMCPUID_ACTION_HOST && f->provider == KVMCPUID_PROVIDER_KVM)
			on = h ? host_offers(h, i) : true;
		feature_put(eax, edx, i, on);
	}
}

struct lint_sink {
	kvmcpuid_lint_fn fn;
	void *data;
	int count;
	char first[400];
	int first_feature;
};

static void PRINTF(3, 4) lint(struct lint_sink *s, int feature, const char *fmt, ...)
{
	char msg[400];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	if (!s->count++) {
		memcpy(s->first, msg, sizeof(msg));
		s->first_feature = feature;
	}
	if (s->fn)
		s->fn(s->data, feature, msg);
}

/*
 * The lints follow what a Linux guest does with the bits (arch/x86/kernel/kvm.c) and what
 * KVM does with the leaves (arch/x86/kvm/cpuid.c, x86.c); each cites its source.
 */
static int run_lints(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		     struct lint_sink *s)
{
	uint32_t eax, edx;
	unsigned int i;

#define HAS(id) feature_set(eax, edx, KVMCPUID_FEATURE_##id)
	effective_bits(p, h, &eax, &edx);
	for (i = 0; i < FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);
		uint32_t dep = f->depends;
		unsigned int d;
		bool have = false;

		if (!feature_set(eax, edx, i) || !dep)
			continue;
		for (d = 0; d < FEATURE_COUNT; d++)
			if ((dep & (1u << d)) && feature_set(eax, edx, d))
				have = true;
		if (have)
			continue;
		if (i == KVMCPUID_FEATURE_CLOCKSOURCE_STABLE_BIT)
			lint(s, (int)i, "clocksource_stable_bit is set but neither clocksource nor "
			     "clocksource2 is: the stable bit describes a kvmclock the guest does not have");
		else if (i == KVMCPUID_FEATURE_ASYNC_PF_INT)
			/*
			 * kvm_guest_cpu_init checks async_pf_int alone and writes
			 * MSR_KVM_ASYNC_PF_EN, which KVM gates on async_pf (kvm_set_msr_common).
			 */
			lint(s, (int)i, "async_pf_int is set without async_pf: a Linux guest enables "
			     "async PF on async_pf_int alone, but KVM's enforcement refuses its "
			     "write to MSR 0x4b564d02, which async_pf gates");
		else
			/*
			 * pv_tlb_flush_supported, pv_sched_yield_supported (need steal time);
			 * kvm_guest_cpu_init sets KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT only inside
			 * its async_pf_int branch.
			 */
			lint(s, (int)i, "%s is set without %s: a Linux guest ignores %s without it",
			     f->name, feature_get(__builtin_ctz(dep))->name, f->name);
	}
	/* kvm_guest_cpu_init and kvm_guest_init: async PF only under KVM_FEATURE_ASYNC_PF_INT */
	if (HAS(ASYNC_PF) && !HAS(ASYNC_PF_INT))
		lint(s, KVMCPUID_FEATURE_ASYNC_PF, "async_pf is set without async_pf_int: a Linux "
		     "guest never enables async PF with the old #PF delivery alone");
	/* kvm_spinlock_init: "PV spinlocks disabled with KVM_HINTS_REALTIME hints" */
	if (HAS(REALTIME) && HAS(PV_UNHALT))
		lint(s, KVMCPUID_FEATURE_REALTIME, "realtime is set with pv_unhalt: with dedicated "
		     "vCPUs a Linux guest does not use PV spinlocks, so pv_unhalt is unused");
	/* pv_tlb_flush_supported, pv_sched_yield_supported: !kvm_para_has_hint(REALTIME) */
	if (HAS(REALTIME) && HAS(PV_TLB_FLUSH))
		lint(s, KVMCPUID_FEATURE_REALTIME, "realtime is set with pv_tlb_flush: with "
		     "dedicated vCPUs a Linux guest does not use the PV TLB flush");
	if (HAS(REALTIME) && HAS(PV_SCHED_YIELD))
		lint(s, KVMCPUID_FEATURE_REALTIME, "realtime is set with pv_sched_yield: with "
		     "dedicated vCPUs a Linux guest does not use the PV sched yield");
	/* DESIGN: force always warns, whatever the host offers */
	for (i = 0; i < FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);

		if (policy_action(p, i) != KVMCPUID_ACTION_FORCE)
			continue;
		if (f->provider != KVMCPUID_PROVIDER_KVM)
			lint(s, (int)i, "%s is forced: KVM never implements it, the guest may use "
			     "something nobody provides", f->name);
		else if (!h)
			lint(s, (int)i, "%s is forced: it is set whatever the host offers", f->name);
		else if (!host_offers(h, i))
			lint(s, (int)i, "%s is forced though this host's KVM does not offer it",
			     f->name);
		else
			lint(s, (int)i, "%s is forced: this host offers it, but force sets it on "
			     "hosts that do not", f->name);
	}
	if (p->enforce && p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN)
		lint(s, -1, "enforce = on with signature = hidden: KVM finds no KVM signature, so "
		     "enforcement blocks every PV MSR and hypercall");
	/* with or without enforcement: cpuid_base_hypervisor (Linux) matches "KVMKVMKVM" only */
	if (p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM)
		lint(s, -1, "custom signature: Linux guests will not recognise these leaves as KVM%s",
		     p->enforce ? ", and KVM's enforcement, finding no KVM signature, blocks every "
		     "PV MSR and hypercall" : "");
	if (p->enforce && h && !h->enforce_cap)
		lint(s, -1, "enforce = on but this host's KVM lacks KVM_CAP_ENFORCE_PV_FEATURE_CPUID: "
		     "applying will fail");
	/* kvm_emulate_hypercall: KVM_HC_MAP_GPA_RANGE exits only with KVM_CAP_EXIT_HYPERCALL */
	if (HAS(HC_MAP_GPA_RANGE) && h && !h->exit_hypercall_cap)
		lint(s, KVMCPUID_FEATURE_HC_MAP_GPA_RANGE, "hc_map_gpa_range is set but this host "
		     "lacks KVM_CAP_EXIT_HYPERCALL: the VMM cannot see the hypercall");
	/*
	 * kvm_init_platform: a SEV guest that sees migration_control issues
	 * KVM_HC_MAP_GPA_RANGE for all its RAM without checking hc_map_gpa_range; KVM answers
	 * -KVM_ENOSYS unless the VMM took the exit.
	 */
	if (HAS(MIGRATION_CONTROL) && h && !h->exit_hypercall_cap)
		lint(s, KVMCPUID_FEATURE_MIGRATION_CONTROL, "migration_control is set but this "
		     "host lacks KVM_CAP_EXIT_HYPERCALL: a Linux SEV guest that sees it makes the "
		     "MAP_GPA_RANGE hypercall (without checking hc_map_gpa_range) and KVM refuses it");
	/*
	 * What max_leaf really changes: Linux's cpuid_base_hypervisor scans for the signature
	 * and ignores EAX, and KVM answers a leaf in the table exactly (kvm_cpuid,
	 * arch/x86/kvm/cpuid.c: only a missing leaf goes out of range).  Only a guest that
	 * honours the max leaf stops short.
	 */
	if (p->sig_kind != KVMCPUID_SIGNATURE_HIDDEN &&
	    p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT) {
		if (p->max_leaf < p->base + 1)
			lint(s, -1, "max_leaf 0x%x is below base+1: Linux ignores it and KVM still "
			     "answers the feature leaf, but a guest that honours the max leaf "
			     "will not read it", p->max_leaf);
		else if (p->timing && p->max_leaf < p->base + 0x10)
			lint(s, -1, "timing = on but max_leaf 0x%x is below base+0x10: KVM still "
			     "answers the timing leaf, but a guest that honours the max leaf "
			     "will not read it", p->max_leaf);
	}
	if (p->timing && p->max_leaf_kind == KVMCPUID_MAX_LEAF_LEGACY_ZERO &&
	    p->sig_kind != KVMCPUID_SIGNATURE_HIDDEN)
		lint(s, -1, "timing = on with max_leaf = legacy-zero: KVM still answers the "
		     "timing leaf, but a guest reads 0 as base+1 and will not look for it");
#undef HAS
	return s->count;
}

KVMCPUID_EXPORT int kvmcpuid_lint(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
				  kvmcpuid_lint_fn fn, void *data)
{
	struct lint_sink s = { .fn = fn, .data = data };

	if (!p)
		return -EINVAL;
	return run_lints(p, h, &s);
}

int resolve_policy(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		   unsigned int flags, struct resolved *r, struct kvmcpuid_diag *diag)
{
	unsigned int i;

	if (!p || !h || !r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	for (i = 0; i < FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);
		int a = policy_action(p, i);
		bool on;

		switch (a) {
		case KVMCPUID_ACTION_HOST:
			on = host_offers(h, i);
			break;
		case KVMCPUID_ACTION_ON:
			if (f->provider == KVMCPUID_PROVIDER_KVM && !host_offers(h, i))
				return diag_set(p->ctx, diag, ENOTSUP, f->name, 0, 0,
						"required (on) but this host's KVM does not offer it "
						"(KVM_GET_SUPPORTED_CPUID 0x40000001.%s bit %u is clear)"
						"; use 'host' to take it only where offered, or "
						"'force' to set it anyway",
						f->reg == KVMCPUID_REG_EAX ? "EAX" : "EDX", f->bit);
			on = true;
			break;
		case KVMCPUID_ACTION_FORCE:
			on = true;
			break;
		default:
			on = false;
		}
		feature_put(&r->eax, &r->edx, i, on);
	}
	if (flags & KVMCPUID_STRICT) {
		struct lint_sink s = { 0 };

		if (run_lints(p, h, &s) > 0)
			return diag_set(p->ctx, diag, EPERM,
					s.first_feature >= 0 ? feature_get(s.first_feature)->name
							     : NULL, 0, 0, "%s (strict)", s.first);
	}
	r->sig_kind = p->sig_kind;
	memcpy(r->sig, p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM ? p->sig : "KVMKVMKVM\0\0\0", 12);
	r->base = p->base;
	r->timing = p->timing;
	r->tsc_khz = h->tsc_khz;
	r->apic_khz = APIC_BUS_KHZ;
	switch (p->max_leaf_kind) {
	case KVMCPUID_MAX_LEAF_AUTO:
		r->max_leaf = p->base + (p->timing ? 0x10 : 0x1);
		break;
	case KVMCPUID_MAX_LEAF_LEGACY_ZERO:
		r->max_leaf = 0;
		break;
	default:
		r->max_leaf = p->max_leaf;
	}
	return 0;
}

int leaves_encode(const struct resolved *r, struct kvm_cpuid_entry2 *out, size_t cap)
{
	size_t n = r->sig_kind == KVMCPUID_SIGNATURE_HIDDEN ? 0 : (r->timing ? 3 : 2);
	uint32_t sig[3];

	if (n > cap)
		return -ENOSPC;
	if (!n)
		return 0;
	memcpy(sig, r->sig, 12);
	memset(out, 0, n * sizeof(*out));
	out[0].function = r->base;
	out[0].eax = r->max_leaf;
	out[0].ebx = sig[0];
	out[0].ecx = sig[1];
	out[0].edx = sig[2];
	out[1].function = r->base + 1;
	out[1].eax = r->eax;
	out[1].edx = r->edx;
	if (r->timing) {
		out[2].function = r->base + 0x10;
		out[2].eax = r->tsc_khz;
		out[2].ebx = r->apic_khz;
	}
	return (int)n;
}

int cpuid_new(struct kvmcpuid_ctx *ctx, const struct kvm_cpuid_entry2 *entries, size_t n,
	      struct kvmcpuid_cpuid **ret)
{
	struct kvmcpuid_cpuid *c = xalloc(ctx, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->entries = xalloc(ctx, n * sizeof(*c->entries));
	if (!c->entries) {
		free(c);
		return -ENOMEM;
	}
	if (n)
		memcpy(c->entries, entries, n * sizeof(*entries));
	c->nent = n;
	c->refcount = 1;
	c->ctx = kvmcpuid_ref(ctx);
	c->base = PV_BASE_FIRST;
	*ret = c;
	return 0;
}

void cpuid_derive(struct kvmcpuid_cpuid *c)
{
	const struct kvm_cpuid_entry2 *f;
	uint32_t base = table_kvm_base(c->entries, c->nent);

	if (!base && c->nent && c->entries[0].function >= PV_BASE_FIRST &&
	    c->entries[0].function <= PV_BASE_LAST + 0xff)
		base = c->entries[0].function & ~0xffu;
	c->base = base ? base : PV_BASE_FIRST;
	f = table_find(c->entries, c->nent, c->base + 1, 0);
	c->eax = f ? f->eax : 0;
	c->edx = f ? f->edx : 0;
}

KVMCPUID_EXPORT struct kvmcpuid_cpuid *kvmcpuid_cpuid_ref(struct kvmcpuid_cpuid *c)
{
	if (c)
		c->refcount++;
	return c;
}

KVMCPUID_EXPORT struct kvmcpuid_cpuid *kvmcpuid_cpuid_unref(struct kvmcpuid_cpuid *c)
{
	if (!c || --c->refcount > 0)
		return NULL;
	kvmcpuid_policy_unref(c->policy);
	kvmcpuid_unref(c->ctx);
	free(c->lints);
	free(c->entries);
	free(c);
	return NULL;
}

/* A view of the cpuid's fields, refreshed on every call (see kvmcpuid_host_info). */
KVMCPUID_EXPORT const struct kvmcpuid_cpuid_info *kvmcpuid_cpuid_info(
	const struct kvmcpuid_cpuid *c)
{
	struct kvmcpuid_cpuid_info *info;

	if (!c)
		return NULL;
	info = (struct kvmcpuid_cpuid_info *)&c->info;
	*info = (struct kvmcpuid_cpuid_info){
		.entries = c->entries,
		.nent = c->nent,
		.base = c->base,
		.enforce = c->enforce,
		.features = c->eax,
		.hints = c->edx,
		.nlints = c->nlints,
	};
	cpuid_signature_text(c, info->signature, sizeof(info->signature));
	return info;
}

KVMCPUID_EXPORT const char *kvmcpuid_cpuid_lint(const struct kvmcpuid_cpuid *c, size_t i,
						int *feature)
{
	if (!c || i >= c->nlints)
		return NULL;
	if (feature)
		*feature = c->lints[i].feature;
	return c->lints[i].message;
}

/* Keep every lint in the cpuid; an allocation failure is remembered and reported once. */
struct lint_store {
	struct kvmcpuid_cpuid *c;
	bool failed;
};

static void lint_keep(void *data, int feature, const char *message)
{
	struct lint_store *st = data;
	struct kvmcpuid_cpuid *c = st->c;
	struct cpuid_lint *more;

	if (st->failed)
		return;
	more = xrealloc(c->ctx, c->lints, (c->nlints + 1) * sizeof(*more));
	if (!more) {
		st->failed = true;
		return;
	}
	c->lints = more;
	more[c->nlints].feature = feature;
	snprintf(more[c->nlints].message, sizeof(more[0].message), "%s", message);
	c->nlints++;
}

KVMCPUID_EXPORT int kvmcpuid_build(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
				   unsigned int flags, struct kvmcpuid_cpuid **ret,
				   struct kvmcpuid_diag *diag)
{
	struct kvm_cpuid_entry2 leaves[KVMCPUID_MAX_LEAVES];
	struct lint_store st = { 0 };
	struct kvmcpuid_cpuid *c = NULL;
	struct resolved r;
	int n;

	diag_begin(diag);
	if (!p || !h || !ret)
		return diag_finish(p ? p->ctx : NULL, diag, -EINVAL);
	n = resolve_policy(p, h, flags, &r, diag);
	if (n < 0)
		return diag_finish(p->ctx, diag, n);
	n = leaves_encode(&r, leaves, ARRAY_SIZE(leaves));
	if (n < 0)
		return diag_finish(p->ctx, diag, n);
	if (cpuid_new(p->ctx, leaves, (size_t)n, &c) < 0)
		return diag_finish(p->ctx, diag, -ENOMEM);
	c->base = r.base;
	/* what a guest reads: nothing when the signature is hidden */
	c->eax = n ? r.eax : 0;
	c->edx = n ? r.edx : 0;
	c->enforce = p->enforce;
	st.c = c;
	kvmcpuid_lint(p, h, lint_keep, &st);
	if (st.failed || kvmcpuid_policy_dup(p, &c->policy) < 0) {
		kvmcpuid_cpuid_unref(c);
		return diag_finish(p->ctx, diag, -ENOMEM);
	}
	*ret = c;
	return 0;
}
