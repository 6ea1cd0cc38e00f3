// SPDX-License-Identifier: LGPL-2.1-or-later
/* Policy + host -> leaves: every action x provider, every setting, the lints. */
#include <linux/kvm_para.h>

#include "report.h"
#include "testutil.h"

static struct kvmcpuid_ctx *ctx;
static struct kvmcpuid_host *host;	/* offers 0x01007edb: everything KVM has but steal_time */

static void setup(void)
{
	ctx = test_ctx();
	host = test_host(ctx);
}

static void teardown(void)
{
	host = kvmcpuid_host_unref(host);
	ctx = kvmcpuid_unref(ctx);
}

/* Build p into e (KVMCPUID_MAX_LEAVES entries): the number of entries, or -errno. */
static int build_policy(const struct kvmcpuid_policy *p, struct kvm_cpuid_entry2 *e,
			unsigned int flags, struct kvmcpuid_diag *d)
{
	struct kvmcpuid_cpuid *c = NULL;
	const struct kvm_cpuid_entry2 *l;
	size_t n;
	int r = kvmcpuid_build(p, host, flags, &c, d);

	if (r < 0) {
		ck_assert_ptr_null(c);
		return r;
	}
	l = kvmcpuid_cpuid_info(c)->entries;
	n = kvmcpuid_cpuid_info(c)->nent;
	ck_assert_uint_le(n, KVMCPUID_MAX_LEAVES);
	memcpy(e, l, n * sizeof(*e));
	/* what travels with the leaves */
	ck_assert_uint_eq(kvmcpuid_cpuid_info(c)->features, n ? e[1].eax : 0);
	ck_assert_uint_eq(kvmcpuid_cpuid_info(c)->hints, n ? e[1].edx : 0);
	ck_assert_uint_eq(kvmcpuid_cpuid_info(c)->base, p->base);
	ck_assert(kvmcpuid_cpuid_info(c)->enforce == p->enforce);
	ck_assert_int_eq((int)kvmcpuid_cpuid_info(c)->nlints, kvmcpuid_lint(p, host, NULL, NULL));
	kvmcpuid_cpuid_unref(c);
	return (int)n;
}

static int build(const char *inl, struct kvm_cpuid_entry2 *e, unsigned int flags,
		 struct kvmcpuid_diag *d)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, inl);
	int n = build_policy(p, e, flags, d);

	kvmcpuid_policy_unref(p);
	return n;
}

START_TEST(test_default_policy)
{
	struct kvm_cpuid_entry2 e[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	ck_assert_int_eq(build_policy(p, e, 0, &d), 2);
	ck_assert_uint_eq(e[0].function, 0x40000000);
	ck_assert_uint_eq(e[0].eax, 0x40000001);
	ck_assert_uint_eq(e[0].ebx, 0x4b4d564b);
	ck_assert_uint_eq(e[0].ecx, 0x564b4d56);
	ck_assert_uint_eq(e[0].edx, 0x4d);
	ck_assert_uint_eq(e[1].function, 0x40000001);
	ck_assert_uint_eq(e[1].eax, 0x01007edb);
	ck_assert_uint_eq(e[1].ebx, 0);
	ck_assert_uint_eq(e[1].ecx, 0);
	ck_assert_uint_eq(e[1].edx, 0);
	ck_assert_uint_eq(e[0].flags | e[1].flags | e[0].index | e[1].index, 0);
	kvmcpuid_policy_unref(p);
}
END_TEST

/* Every action on every feature, against a host that offers it or not, KVM- or VMM-provided. */
START_TEST(test_action_provider_matrix)
{
	static const char *const actions[] = { "host", "on", "off", "force" };
	unsigned int f = (unsigned int)_i, a;

	for (a = 0; a < 4; a++) {
		struct kvm_cpuid_entry2 e[KVMCPUID_MAX_LEAVES];
		struct kvmcpuid_diag d = { 0 };
		int provider = kvmcpuid_feature(f)->provider, reg = kvmcpuid_feature(f)->reg;
		bool offered = (kvmcpuid_host_info(host)->offered >> f) & 1, want;
		uint32_t word, bit = 1u << kvmcpuid_feature(f)->bit;
		char inl[64];
		int n;

		if (f == KVMCPUID_FEATURE_MMU_OP && a < 2)
			continue;	/* rejected by the parser, tested there */
		snprintf(inl, sizeof(inl), "default=off,%s=%s", kvmcpuid_feature(f)->name, actions[a]);
		n = build(inl, e, 0, &d);
		if (a == 1 && provider == KVMCPUID_PROVIDER_KVM && !offered) {
			ck_assert_int_eq(n, -ENOTSUP);
			ck_assert_str_eq(d.origin, kvmcpuid_feature(f)->name);
			ck_assert(strstr(d.message, "does not offer it"));
			continue;
		}
		ck_assert_int_eq(n, 2);
		switch (a) {
		case 0: want = provider == KVMCPUID_PROVIDER_KVM && offered; break;
		case 1: want = true; break;
		case 2: want = false; break;
		default: want = true;
		}
		word = reg == KVMCPUID_REG_EAX ? e[1].eax : e[1].edx;
		ck_assert_msg(word == (want ? bit : 0), "%s: got 0x%x", inl, word);
		/* nothing else leaks in */
		ck_assert_uint_eq((reg == KVMCPUID_REG_EAX ? e[1].edx : e[1].eax), 0);
	}
}
END_TEST

START_TEST(test_reserved_never_set)
{
	struct kvm_cpuid_entry2 e[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_diag d = { 0 };
	unsigned int f;
	char inl[1024] = "default=off";

	for (f = 0; f < KVMCPUID_FEATURE_COUNT; f++)
		snprintf(inl + strlen(inl), sizeof(inl) - strlen(inl), ",%s=force",
			 kvmcpuid_feature(f)->name);
	ck_assert_int_eq(build(inl, e, 0, &d), 2);
	ck_assert_uint_eq(e[1].eax, KVMCPUID_FEATURES_VALID_EAX);
	ck_assert_uint_eq(e[1].edx, 1);
}
END_TEST

START_TEST(test_settings)
{
	struct kvm_cpuid_entry2 e[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(build("signature=hidden", e, 0, &d), 0);
	ck_assert_int_eq(build("signature=\"Microsoft Hv\"", e, 0, &d), 2);
	ck_assert_uint_eq(e[0].ebx, 0x7263694d);	/* "Micr" */
	ck_assert_int_eq(build("base=0x40000100", e, 0, &d), 2);
	ck_assert_uint_eq(e[0].function, 0x40000100);
	ck_assert_uint_eq(e[0].eax, 0x40000101);
	ck_assert_uint_eq(e[1].function, 0x40000101);
	ck_assert_int_eq(build("max_leaf=legacy-zero", e, 0, &d), 2);
	ck_assert_uint_eq(e[0].eax, 0);
	ck_assert_int_eq(build("base=0x4000ff00,max_leaf=0x4000ff05", e, 0, &d), 2);
	ck_assert_uint_eq(e[0].eax, 0x4000ff05);
	ck_assert_int_eq(build("timing=on", e, 0, &d), 3);
	ck_assert_uint_eq(e[0].eax, 0x40000010);
	ck_assert_uint_eq(e[2].function, 0x40000010);
	ck_assert_uint_eq(e[2].eax, 2000000);	/* the profile's TSC kHz */
	ck_assert_uint_eq(e[2].ebx, 1000000);	/* KVM's APIC bus: 1 GHz */
	ck_assert_int_eq(build("timing=on,base=0x40000200", e, 0, &d), 3);
	ck_assert_uint_eq(e[2].function, 0x40000210);
	/* enforce does not change the leaves */
	ck_assert_int_eq(build("enforce=on", e, 0, &d), 2);
	ck_assert_uint_eq(e[1].eax, 0x01007edb);
	/* capacity: merging three leaves into a table that has room for two */
	{
		struct kvmcpuid_policy *p = inline_policy(ctx, "timing=on");
		struct kvmcpuid_cpuid *c = NULL;
		size_t n = 0;

		ck_assert_int_eq(kvmcpuid_build(p, host, 0, &c, &d), 0);
		ck_assert_int_eq(kvmcpuid_cpuid_merge(c, e, &n, 2, &d), -ENOSPC);
		ck_assert_uint_eq(n, 0);
		kvmcpuid_cpuid_unref(c);
		kvmcpuid_policy_unref(p);
	}
}
END_TEST

struct lints {
	int n;
	char text[8][400];
	int feature[8];
};

static void collect(void *data, int feature, const char *message)
{
	struct lints *l = data;

	if (l->n < 8) {
		snprintf(l->text[l->n], sizeof(l->text[0]), "%s", message);
		l->feature[l->n] = feature;
	}
	l->n++;
}

static struct lints lint_of(const char *inl, bool with_host)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, inl);
	struct lints l = { 0 };

	ck_assert_int_eq(kvmcpuid_lint(p, with_host ? host : NULL, collect, &l), l.n);
	kvmcpuid_policy_unref(p);
	return l;
}

static const struct {
	const char *policy;
	const char *needle;
} lint_cases[] = {
	{ "default=off,pv_tlb_flush=force", "pv_tlb_flush is set without steal_time" },
	{ "default=off,async_pf_int=force", "async_pf_int is set without async_pf" },
	{ "default=off,async_pf_vmexit=force", "async_pf_vmexit is set without async_pf_int" },
	{ "default=off,pv_sched_yield=force", "pv_sched_yield is set without steal_time" },
	{ "default=off,steal_time=force,pv_sched_yield=force,realtime=on",
	  "realtime is set with pv_sched_yield" },
	{ "default=off,steal_time=force,pv_tlb_flush=force,realtime=on",
	  "realtime is set with pv_tlb_flush" },
	{ "default=off,async_pf=force", "async_pf is set without async_pf_int" },
	{ "default=off,async_pf=force,async_pf_int=force,async_pf_vmexit=force,"
	  "clocksource=force", "clocksource is forced" },
	{ "default=off,clocksource_stable_bit=force", "neither clocksource nor clocksource2" },
	{ "default=off,realtime=on,pv_unhalt=force", "realtime is set with pv_unhalt" },
	{ "default=off,signature=hidden,enforce=on", "blocks every PV MSR and hypercall" },
	{ "default=off,signature=\"XenVMMXenVMM\"", "will not recognise" },
	{ "default=off,mmu_op=force", "mmu_op is forced" },
	{ "default=off,max_leaf=0x40000000", "below base+1" },
	{ "default=off,timing=on,max_leaf=0x40000001", "below base+0x10" },
	{ "default=off,timing=on,max_leaf=legacy-zero", "legacy-zero" },
};

START_TEST(test_lints)
{
	struct lints l = lint_of(lint_cases[_i].policy, false);
	int k;
	bool found = false;

	for (k = 0; k < l.n && k < 8; k++)
		found |= strstr(l.text[k], lint_cases[_i].needle) != NULL;
	ck_assert_msg(found, "'%s' gave %d lints, none with '%s' (first: %s)",
		      lint_cases[_i].policy, l.n, lint_cases[_i].needle, l.n ? l.text[0] : "-");
}
END_TEST

START_TEST(test_lints_host_dependent)
{
	struct lints l;
	struct kvm_cpuid_entry2 e[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_diag d = { 0 };

	/* the host lacks steal_time but offers pv_tlb_flush: `host` takes a useless bit */
	l = lint_of("default=host", true);
	ck_assert_int_eq(l.n, 2);
	ck_assert(strstr(l.text[0], "pv_tlb_flush is set without steal_time"));
	ck_assert(strstr(l.text[1], "pv_sched_yield is set without steal_time"));
	ck_assert_int_eq(lint_of("default=host,pv_tlb_flush=off,pv_sched_yield=off", true).n, 0);
	l = lint_of("steal_time=force,pv_tlb_flush=off", true);
	ck_assert_int_eq(l.n, 1);
	ck_assert(strstr(l.text[0], "steal_time is forced though this host's KVM does not offer it"));
	ck_assert_int_eq(l.feature[0], KVMCPUID_FEATURE_STEAL_TIME);
	/* the same warnings travel with the built leaves */
	{
		struct kvmcpuid_policy *p = inline_policy(ctx, "steal_time=force,pv_tlb_flush=off");
		struct kvmcpuid_cpuid *c = NULL;
		int feature = -2;

		ck_assert_int_eq(kvmcpuid_build(p, host, 0, &c, &d), 0);
		ck_assert_uint_eq(kvmcpuid_cpuid_info(c)->nlints, 1);
		ck_assert_str_eq(kvmcpuid_cpuid_lint(c, 0, &feature), l.text[0]);
		ck_assert_int_eq(feature, KVMCPUID_FEATURE_STEAL_TIME);
		ck_assert_ptr_null(kvmcpuid_cpuid_lint(c, 1, NULL));
		kvmcpuid_cpuid_unref(c);
		kvmcpuid_policy_unref(p);
	}
	l = lint_of("hc_map_gpa_range=on,pv_tlb_flush=off,pv_sched_yield=off", true);
	ck_assert_int_eq(l.n, 1);
	ck_assert(strstr(l.text[0], "KVM_CAP_EXIT_HYPERCALL"));
	/* kvm_init_platform: a SEV guest makes hypercall 12 on migration_control alone */
	l = lint_of("migration_control=on,pv_tlb_flush=off,pv_sched_yield=off", true);
	ck_assert_int_eq(l.n, 1);
	ck_assert(strstr(l.text[0], "migration_control is set but this host lacks "
			 "KVM_CAP_EXIT_HYPERCALL"));
	ck_assert_int_eq(l.feature[0], KVMCPUID_FEATURE_MIGRATION_CONTROL);
	/* force warns even where the host offers the feature */
	l = lint_of("clocksource=force,pv_tlb_flush=off,pv_sched_yield=off", true);
	ck_assert_int_eq(l.n, 1);
	ck_assert(strstr(l.text[0], "clocksource is forced: this host offers it"));
	/* strict turns the first warning into -EPERM, naming it */
	ck_assert_int_eq(build("steal_time=force", e, KVMCPUID_STRICT, &d), -EPERM);
	ck_assert(strstr(d.message, "steal_time is forced"));
	ck_assert(strstr(d.message, "(strict)"));
	/* without strict the same policy builds and the bit is set */
	ck_assert_int_eq(build("steal_time=force", e, 0, &d), 2);
	ck_assert(e[1].eax & (1u << 5));
}
END_TEST

START_TEST(test_host_profile_roundtrip)
{
	struct kvmcpuid_host *h2 = NULL;
	struct kvmcpuid_diag d = { 0 };
	const struct kvm_cpuid_entry2 *e;
	size_t n;
	char *json;

	ck_assert_int_eq(kvmcpuid_host_to_json(host, &json), 0);
	ck_assert_int_eq(kvmcpuid_host_load_json(ctx, json, strlen(json), "h", &d, &h2), 0);
	ck_assert_uint_eq(kvmcpuid_host_info(h2)->features, 0x01007edb);
	ck_assert_str_eq(kvmcpuid_host_info(h2)->module, "kvm_intel");
	ck_assert_int_eq(kvmcpuid_host_info(h2)->vendor, KVMCPUID_VENDOR_INTEL);
	ck_assert(kvmcpuid_host_info(h2)->has_enforce);
	ck_assert(!kvmcpuid_host_info(h2)->has_exit_hypercall);
	ck_assert_uint_eq(kvmcpuid_host_info(h2)->tsc_khz, 2000000);
	e = kvmcpuid_host_info(h2)->supported;
	n = kvmcpuid_host_info(h2)->nsupported;
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(e[1].ebx, 0x4b4d564b);
	free(json);
	kvmcpuid_host_unref(h2);
	/* broken profiles are refused */
	ck_assert_int_eq(kvmcpuid_host_load_json(ctx, "{}", 2, "h", &d, &h2), -EINVAL);
	ck_assert(strstr(d.message, "not a kvmcpuid host profile"));
	json = "{\"kvmcpuid_host_profile\":1,\"features\":\"0x100\"}";
	ck_assert_int_eq(kvmcpuid_host_load_json(ctx, json, strlen(json), "h", &d, &h2), -EINVAL);
	ck_assert(strstr(d.message, "reserved"));
}
END_TEST

/*
 * The host kvmcpuid_host_probe returns is the context's cached one, and a caller may drop
 * the context before it: every object holds a reference on its context, and the cache
 * frees nothing another reference still holds.  There is no /dev/kvm here: a loaded
 * profile stands in for the probe in the cache.
 */
START_TEST(test_host_outlives_ctx)
{
	struct kvmcpuid_ctx *c = test_ctx();
	struct kvmcpuid_host *h = test_host(c), *probed = NULL;
	struct kvmcpuid_diag d = { 0 };

	host_cache(c, h);
	ck_assert_int_eq(kvmcpuid_host_probe(c, &d, &probed), 0);
	ck_assert_ptr_eq(probed, h);
	kvmcpuid_host_unref(h);
	c = kvmcpuid_unref(c);
	ck_assert_uint_eq(kvmcpuid_host_info(probed)->features, 0x01007edb);
	ck_assert_uint_eq(kvmcpuid_host_info(probed)->supported[1].ebx, KVM_SIG_EBX);
	ck_assert_uint_eq(kvmcpuid_host_info(probed)->nsupported, 3);
	kvmcpuid_host_unref(probed);

	/* The cache is weak: once the host is gone, the next probe opens the device. */
	c = test_ctx();
	h = test_host(c);
	host_cache(c, h);
	kvmcpuid_host_unref(h);
	ck_assert_ptr_null(c->host);
	ck_assert_int_eq(kvmcpuid_set_device(c, "/nonexistent/kvm"), 0);
	ck_assert_int_eq(kvmcpuid_host_probe(c, &d, &probed), -ENOENT);
	kvmcpuid_unref(c);
}
END_TEST

/*
 * Every entry point fills the diag the same way (an error always says why), and every
 * getter takes NULL.
 */
START_TEST(test_null_arguments)
{
	struct kvm_cpuid_entry2 e[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_report *rep = NULL, **reps = NULL;
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_cpuid *cpuid = NULL;
	struct kvmcpuid_host *h = NULL;
	struct kvmcpuid_diag d;
	char buf[KVMCPUID_POLICY_VALUE_MAX], *json = NULL;
	size_t n = 7;

#define FAILS(call, err)                                                                     \
	do {                                                                                 \
		memset(&d, 0, sizeof(d));                                                    \
		ck_assert_int_eq(call, err);                                                 \
		ck_assert_msg(d.message[0], "%s: no message", #call);                        \
	} while (0)
	FAILS(kvmcpuid_verify_table(ctx, NULL, 5, 0, &rep, &d), -EINVAL);
	FAILS(kvmcpuid_verify(NULL, 0, &rep, &d), -EINVAL);
	FAILS(kvmcpuid_build(NULL, host, 0, &cpuid, &d), -EINVAL);
	FAILS(kvmcpuid_cpuid_apply(NULL, 0, e, 0, &d), -EINVAL);
	FAILS(kvmcpuid_cpuid_readback(NULL, &cpuid, NULL, &d), -EINVAL);
	FAILS(kvmcpuid_policy_set(NULL, "enforce", "on", &d), -EINVAL);
	FAILS(kvmcpuid_policy_override(NULL, "enforce=on", NULL, &d), -EINVAL);
	FAILS(kvmcpuid_policy_parse_inline(ctx, NULL, NULL, &d, &p), -EINVAL);
	FAILS(kvmcpuid_policy_parse_file(ctx, NULL, &d, &p), -EINVAL);
	FAILS(kvmcpuid_host_load_file(ctx, NULL, &d, &host), -EINVAL);
	FAILS(kvmcpuid_cpuid_merge(NULL, e, &n, KVMCPUID_MAX_LEAVES, &d), -EINVAL);
	FAILS(kvmcpuid_matrix(NULL, 0, &reps, &n, &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_report_to_json(NULL, &json), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_to_text(NULL, &json), -EINVAL);
	FAILS(kvmcpuid_cpuid_load_file(ctx, NULL, &d, &cpuid), -EINVAL);
	FAILS(kvmcpuid_apply(NULL, -1, e, 0, 0, &d), -EINVAL);
	FAILS(kvmcpuid_verify_table(NULL, e, 5, 0, &rep, &d), -EINVAL);
	FAILS(kvmcpuid_verify_table(ctx, e, 5, 0, NULL, &d), -EINVAL);
	FAILS(kvmcpuid_host_probe(NULL, &d, &h), -EINVAL);
	FAILS(kvmcpuid_host_load_json(ctx, NULL, 3, NULL, &d, &h), -EINVAL);
	FAILS(kvmcpuid_policy_parse_text(ctx, NULL, 3, NULL, &d, &p), -EINVAL);
	FAILS(kvmcpuid_policy_parse_json(ctx, NULL, 3, NULL, &d, &p), -EINVAL);
	FAILS(kvmcpuid_policy_parse_text(NULL, "a=b", 3, NULL, &d, &p), -EINVAL);
	FAILS(kvmcpuid_policy_parse_json(NULL, "{}", 2, NULL, &d, &p), -EINVAL);
	FAILS(kvmcpuid_policy_parse_inline(ctx, "enforce=on", NULL, &d, NULL), -EINVAL);
	FAILS(kvmcpuid_build(NULL, host, 0, NULL, &d), -EINVAL);
	ck_assert_ptr_null(h);
	ck_assert_ptr_null(p);
	ck_assert_ptr_null(rep);
	ck_assert_ptr_null(cpuid);
#undef FAILS
	{
		char *s = (char *)"x";

		ck_assert_int_eq(kvmcpuid_new(NULL), -EINVAL);
		ck_assert_int_eq(kvmcpuid_policy_new(NULL, &p), -EINVAL);
		ck_assert_int_eq(kvmcpuid_policy_new(ctx, NULL), -EINVAL);
		ck_assert_int_eq(kvmcpuid_policy_dup(NULL, &p), -EINVAL);
		ck_assert_int_eq(kvmcpuid_policy_to_text(NULL, &s), -EINVAL);
		ck_assert_int_eq(kvmcpuid_policy_to_json(NULL, &s), -EINVAL);
		ck_assert_int_eq(kvmcpuid_host_to_json(NULL, &s), -EINVAL);
		ck_assert_int_eq(kvmcpuid_cpuid_to_json(NULL, &s), -EINVAL);
		ck_assert_int_eq(kvmcpuid_report_to_json(NULL, &s), -EINVAL);
		ck_assert_int_eq(kvmcpuid_lint(NULL, host, NULL, NULL), -EINVAL);
		ck_assert(kvmcpuid_cpuid_equal(NULL, NULL));
		ck_assert_ptr_null(p);
	}
	ck_assert_ptr_null(kvmcpuid_unref(NULL));
	ck_assert_ptr_null(kvmcpuid_host_unref(NULL));
	ck_assert_ptr_null(kvmcpuid_policy_unref(NULL));
	ck_assert_ptr_null(kvmcpuid_cpuid_unref(NULL));
	ck_assert_ptr_null(kvmcpuid_report_unref(NULL));
	ck_assert_int_eq(kvmcpuid_policy_get(NULL, "base", buf, sizeof(buf)), -EINVAL);
	ck_assert(kvmcpuid_policy_equal(NULL, NULL));
	/* getters: NULL in, NULL (or 0, false) out; never a crash */
	ck_assert_ptr_null(kvmcpuid_host_info(NULL));
	ck_assert_uint_eq(kvmcpuid_report_count(NULL), 0);
	ck_assert_ptr_null(kvmcpuid_report_info(NULL));
	ck_assert(!kvmcpuid_report_ok(NULL));
	ck_assert_ptr_null(kvmcpuid_report_check(NULL, 0));
	ck_assert_ptr_null(kvmcpuid_cpuid_info(NULL));
	ck_assert_ptr_null(kvmcpuid_cpuid_lint(NULL, 0, NULL));
	ck_assert_ptr_null(kvmcpuid_feature(KVMCPUID_FEATURE_COUNT));
	ck_assert_int_eq(kvmcpuid_feature_lookup(NULL), -ENOENT);
	ck_assert(!kvmcpuid_cpuid_contains(NULL, e));
	ck_assert_int_eq(kvmcpuid_cpuid_diff(NULL, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(kvmcpuid_set_deadline_ms(NULL, 1000), -EINVAL);
	ck_assert_int_eq(kvmcpuid_set_device(NULL, "/dev/kvm"), -EINVAL);
	ck_assert_ptr_null(kvmcpuid_diag_format(&d, NULL, 0));
	kvmcpuid_set_log_priority(NULL, 7);
	kvmcpuid_set_log_fn(NULL, NULL, NULL);
	ck_assert_ptr_null(kvmcpuid_ref(NULL));
	ck_assert_ptr_null(kvmcpuid_host_ref(NULL));
	ck_assert_ptr_null(kvmcpuid_policy_ref(NULL));
	ck_assert_ptr_null(kvmcpuid_cpuid_ref(NULL));
	ck_assert_ptr_null(kvmcpuid_report_ref(NULL));
}
END_TEST

START_TEST(test_parse_build_allocation_failures)
{
	static const char text[] = "default = host\nsteal_time = force\ntiming = on\n";
	unsigned int at;
	bool succeeded = false;

	for (at = 1; at < 20 && !succeeded; at++) {
		struct kvmcpuid_cpuid *c = NULL;
		struct kvmcpuid_policy *p = NULL;
		struct kvmcpuid_diag d = { 0 };
		int r;

		ctx->fail_alloc_at = at;
		r = kvmcpuid_policy_parse_text(ctx, text, sizeof(text) - 1, "t", &d, &p);
		if (r < 0)
			ck_assert_ptr_null(p);
		if (r == 0) {
			r = kvmcpuid_build(p, host, 0, &c, &d);
			if (r < 0)
				ck_assert_str_eq(d.message, "out of memory");
		}
		succeeded = r >= 0 && ctx->fail_alloc_at != 0;
		ctx->fail_alloc_at = 0;
		ck_assert_msg(r >= 0 || r == -ENOMEM, "allocation %u: %d", at, r);
		if (r < 0) {
			ck_assert_ptr_null(c);
			ck_assert_str_eq(d.message, "out of memory");
		}
		kvmcpuid_cpuid_unref(c);
		kvmcpuid_policy_unref(p);
	}
	ck_assert(succeeded);
}
END_TEST

/* kvmcpuid_cpuid_diff of two inline policies built against the test host. */
static int diff_of(const char *pa, const char *pb, struct kvmcpuid_difference *d)
{
	struct kvmcpuid_policy *p[2] = { inline_policy(ctx, pa), inline_policy(ctx, pb) };
	struct kvmcpuid_cpuid *c[2] = { NULL, NULL };
	struct kvmcpuid_diag diag = { 0 };
	int n, i;

	for (i = 0; i < 2; i++)
		ck_assert_int_eq(kvmcpuid_build(p[i], host, 0, &c[i], &diag), 0);
	n = kvmcpuid_cpuid_diff(c[0], c[1], d, KVMCPUID_MAX_DIFFERENCES);
	for (i = 0; i < 2; i++) {
		kvmcpuid_cpuid_unref(c[i]);
		kvmcpuid_policy_unref(p[i]);
	}
	return n;
}

/* The build output round-trips through JSON; diff names what a guest sees differently. */
/*
 * A matrix row's JSON says what masking its feature did, from its own checks only: the
 * bit as the guest read it, its MSRs that took #GP, its hypercalls that returned
 * -KVM_ENOSYS; a row masking nothing says null.
 */
START_TEST(test_matrix_row_json)
{
	bool enforced = _i;
	struct kvmcpuid_report *rep;
	char *json, want[512];
	const struct kvmcpuid_value gp = { .type = KVMCPUID_VALUE_ACCESS,
		.u.access = { KVMCPUID_FAULT_GP, KVMCPUID_FAULT_GP } };
	const struct kvmcpuid_value ok = { .type = KVMCPUID_VALUE_ACCESS };
	const struct kvmcpuid_value clear = { .type = KVMCPUID_VALUE_BIT, .u.bit = 0 };
	const struct kvmcpuid_value enosys = { .type = KVMCPUID_VALUE_RET, .u.ret = -KVM_ENOSYS };

	ck_assert_int_eq(report_new(ctx, "all-on", &rep), 0);
	ck_assert_int_eq(kvmcpuid_report_to_json(rep, &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"masking\": null"));
	free(json);
	rep->masked = KVMCPUID_FEATURE_CLOCKSOURCE;
	rep->enforced = enforced;
	/* its bit, its two MSRs (one refused: the count is what the guest saw) */
	ck_assert_int_eq(report_add(rep, &(struct kvmcpuid_check){ .kind = KVMCPUID_CHECK_FEATURE,
		.feature = KVMCPUID_FEATURE_CLOCKSOURCE, .expected = clear, .seen = clear,
		.subject = "clocksource", .expected_text = "clear", .seen_text = "clear" }), 0);
	ck_assert_int_eq(report_add(rep, &(struct kvmcpuid_check){ .kind = KVMCPUID_CHECK_MSR,
		.feature = KVMCPUID_FEATURE_CLOCKSOURCE, .id = 0x11,
		.expected = enforced ? gp : ok, .seen = enforced ? gp : ok,
		.subject = "MSR 0x11", .expected_text = "", .seen_text = "" }), 0);
	ck_assert_int_eq(report_add(rep, &(struct kvmcpuid_check){ .kind = KVMCPUID_CHECK_MSR,
		.feature = KVMCPUID_FEATURE_CLOCKSOURCE, .id = 0x12, .expected = ok, .seen = ok,
		.subject = "MSR 0x12", .expected_text = "", .seen_text = "" }), 0);
	/* other features' checks are not the row's */
	ck_assert_int_eq(report_add(rep, &(struct kvmcpuid_check){ .kind = KVMCPUID_CHECK_MSR,
		.feature = KVMCPUID_FEATURE_STEAL_TIME, .id = 0x4b564d03, .expected = gp,
		.seen = gp, .subject = "MSR 0x4b564d03", .expected_text = "", .seen_text = "" }), 0);
	ck_assert_int_eq(report_add(rep, &(struct kvmcpuid_check){ .kind = KVMCPUID_CHECK_HYPERCALL,
		.feature = KVMCPUID_FEATURE_PV_UNHALT, .id = 5, .expected = enosys, .seen = enosys,
		.subject = "hypercall 5", .expected_text = "", .seen_text = "" }), 0);
	ck_assert_int_eq(kvmcpuid_report_to_json(rep, &json), 0);
	snprintf(want, sizeof(want), "\"masking\": {\n"
		 "    \"feature\": \"clocksource\",\n"
		 "    \"guest_bit\": \"clear\",\n"
		 "    \"msrs\": {\n      \"probed\": 2,\n      \"gp\": %d\n    },\n"
		 "    \"hypercalls\": {\n      \"probed\": 0,\n      \"enosys\": 0,\n"
		 "      \"untestable\": 0\n    },\n"
		 "    \"advisory\": %s\n  }", enforced, enforced ? "false" : "true");
	ck_assert_msg(strstr(json, want), "%s", json);
	free(json);
	/* a hypercall row */
	rep->masked = KVMCPUID_FEATURE_PV_UNHALT;
	ck_assert_int_eq(kvmcpuid_report_to_json(rep, &json), 0);
	ck_assert_msg(strstr(json, "\"feature\": \"pv_unhalt\",\n    \"guest_bit\": \"absent\""),
		      "%s", json);
	ck_assert_msg(strstr(json, "\"probed\": 1,\n      \"enosys\": 1,\n"
			     "      \"untestable\": 0"), "%s", json);
	free(json);
	kvmcpuid_report_unref(rep);
}
END_TEST

START_TEST(test_cpuid_json_diff)
{
	struct kvmcpuid_policy *pa = inline_policy(ctx, "enforce=on,async_pf=off");
	struct kvmcpuid_policy *pb = inline_policy(ctx, "timing=on");
	struct kvmcpuid_cpuid *a = NULL, *b = NULL, *back = NULL;
	struct kvmcpuid_difference d[KVMCPUID_MAX_DIFFERENCES];
	struct kvmcpuid_diag diag = { 0 };
	char path[] = "/tmp/kvmcpuid-test-XXXXXX", *json = NULL;
	int fd, n;

	ck_assert_int_eq(kvmcpuid_build(pa, host, 0, &a, &diag), 0);
	ck_assert_int_eq(kvmcpuid_build(pb, host, 0, &b, &diag), 0);
	ck_assert_int_eq(kvmcpuid_cpuid_to_json(a, &json), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, json, strlen(json)), (int)strlen(json));
	close(fd);
	ck_assert_int_eq(kvmcpuid_cpuid_load_file(ctx, path, &diag, &back), 0);
	unlink(path);
	ck_assert(kvmcpuid_cpuid_equal(a, back));
	ck_assert(kvmcpuid_cpuid_info(back)->enforce);
	ck_assert_uint_eq(kvmcpuid_cpuid_info(back)->features, kvmcpuid_cpuid_info(a)->features);
	ck_assert_int_eq(kvmcpuid_cpuid_diff(a, back, NULL, 0), 0);
	ck_assert(!kvmcpuid_cpuid_equal(a, b));
	n = kvmcpuid_cpuid_diff(a, b, d, KVMCPUID_MAX_DIFFERENCES);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(d[0].kind, KVMCPUID_DIFF_MAX_LEAF);
	ck_assert_uint_eq(d[0].a, 1);
	ck_assert_uint_eq(d[0].b, 0x10);
	ck_assert_int_eq(d[1].kind, KVMCPUID_DIFF_FEATURE);
	ck_assert_int_eq(d[1].feature, KVMCPUID_FEATURE_ASYNC_PF);
	ck_assert_uint_eq(d[1].a, 0);
	ck_assert_uint_eq(d[1].b, 1);
	ck_assert_int_eq(d[2].kind, KVMCPUID_DIFF_TIMING);
	ck_assert_int_eq(d[3].kind, KVMCPUID_DIFF_ENFORCE);
	free(json);
	kvmcpuid_cpuid_unref(back);
	kvmcpuid_cpuid_unref(a);
	kvmcpuid_cpuid_unref(b);
	kvmcpuid_policy_unref(pa);
	kvmcpuid_policy_unref(pb);
	/* legacy zero reads as base+1; an explicit base does not; signatures are seen */
	ck_assert_int_eq(diff_of("max_leaf=legacy-zero", "max_leaf=0x40000001", d), 0);
	ck_assert_int_eq(diff_of("max_leaf=legacy-zero", "max_leaf=0x40000000", d), 1);
	ck_assert_int_eq(d[0].kind, KVMCPUID_DIFF_MAX_LEAF);
	ck_assert_uint_eq(d[0].a, 1);
	ck_assert_uint_eq(d[0].b, 0);
	ck_assert_int_eq(diff_of("signature=\"XenVMMXenVMM\"", "signature=hidden", d), 1);
	ck_assert_int_eq(d[0].kind, KVMCPUID_DIFF_SIGNATURE);
	ck_assert_uint_eq(d[0].a, 0x40000000);
	ck_assert_uint_eq(d[0].b, 0);
	ck_assert_int_eq(diff_of("signature=\"XenVMMXenVMM\"", "signature=\"KVMKVMKVMKVM\"", d), 1);
	ck_assert_int_eq(d[0].kind, KVMCPUID_DIFF_SIGNATURE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("build");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_default_policy);
	tcase_add_loop_test(tc, test_action_provider_matrix, 0, KVMCPUID_FEATURE_REALTIME + 1);
	tcase_add_test(tc, test_reserved_never_set);
	tcase_add_test(tc, test_settings);
	tcase_add_loop_test(tc, test_lints, 0, ARRAY_SIZE(lint_cases));
	tcase_add_test(tc, test_lints_host_dependent);
	tcase_add_test(tc, test_host_profile_roundtrip);
	tcase_add_test(tc, test_host_outlives_ctx);
	tcase_add_test(tc, test_null_arguments);
	tcase_add_test(tc, test_parse_build_allocation_failures);
	tcase_add_test(tc, test_cpuid_json_diff);
	tcase_add_loop_test(tc, test_matrix_row_json, 0, 2);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
