// SPDX-License-Identifier: LGPL-2.1-or-later
/* Live: verify with the real guest on a real vCPU, every masking case, leaks. */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>
#include <dirent.h>
#include <pthread.h>

#include "report.h"
#include "testutil.h"

int verify_table_expect(struct kvmcpuid_ctx *ctx, const struct kvm_cpuid_entry2 *table,
			size_t nent, const struct kvm_cpuid_entry2 *expect, size_t expect_nent,
			unsigned int apply_flags, struct kvmcpuid_report **ret,
			struct kvmcpuid_diag *diag);

static struct kvmcpuid_ctx *ctx;
static struct kvmcpuid_host *host;

static void setup(void)
{
	ctx = test_ctx();
	ck_assert_int_eq(kvmcpuid_host_probe(ctx, NULL, &host), 0);
}

static void teardown(void)
{
	host = kvmcpuid_host_unref(host);
	ctx = kvmcpuid_unref(ctx);
}

/* Does a refused PV MSR fault here?  Not where kvm.ignore_msrs hides refusals (host.c). */
static bool refusal_faults(void)
{
	return !(host->ignore_msrs && host->pv_refusal_ignored);
}

/* Does enforcement read the fixed leaf 0x40000001 (before 5.16) on this kernel? */
static bool fixed_leaf(void)
{
	return host->enforce_leaf == ENFORCE_LEAF_FIXED;
}

static void dump(const struct kvmcpuid_report *rep)
{
	const struct kvmcpuid_check *c;
	size_t i;

	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++)
		if (c->verdict == KVMCPUID_FAIL)
			fprintf(stderr, "FAIL %s: expected %s, seen %s (%s)\n", c->subject,
				c->expected_text, c->seen_text, c->cause);
}

static struct kvmcpuid_report *verify(const char *inl)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, inl);
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r = kvmcpuid_verify(p, 0, &rep, &d);

	ck_assert_msg(r == 0, "verify '%s': %d %s", inl, r, d.message);
	if (!kvmcpuid_report_ok(rep))
		dump(rep);
	kvmcpuid_policy_unref(p);
	return rep;
}

/* The first check of a kind about id (a feature id for FEATURE checks). */
static const struct kvmcpuid_check *find(const struct kvmcpuid_report *rep, int kind,
					 uint32_t id)
{
	const struct kvmcpuid_check *c;
	size_t i;

	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++)
		if ((int)c->kind == kind &&
		    (kind == KVMCPUID_CHECK_FEATURE ? c->feature == (int)id : c->id == id))
			return c;
	ck_abort_msg("no check of kind %d about 0x%x", kind, id);
	return NULL;
}

static bool msr_gp(const struct kvmcpuid_check *c)
{
	return c->seen.type == KVMCPUID_VALUE_ACCESS &&
	       c->seen.u.access.read == KVMCPUID_FAULT_GP &&
	       c->seen.u.access.write == KVMCPUID_FAULT_GP;
}

START_TEST(test_default)
{
	struct kvmcpuid_report *rep = verify("default=host");

	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0x40000000);
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->guest_features, kvmcpuid_host_info(host)->features);
	ck_assert(!kvmcpuid_report_info(rep)->enforced);
	kvmcpuid_report_unref(rep);
}
END_TEST

/*
 * The writes to MSR_KVM_ASYNC_PF_EN with bit 2 or bit 3 alone: refused (write #GP, read
 * fine) exactly when the feature gating that bit is masked and enforced, async_pf being
 * granted (kvm_pv_enable_async_pf, arch/x86/kvm/x86.c); and MSR_KVM_MIGRATION_CONTROL,
 * which no feature gates: KVM never emulates it.
 */
static void bit_probes(const struct kvmcpuid_report *rep, unsigned int masked, bool enforce)
{
	const struct kvmcpuid_check *c;
	unsigned int seen = 0;
	size_t i;

	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++) {
		bool refused;

		if (c->kind != KVMCPUID_CHECK_MSR)
			continue;
		if (c->id == MSR_KVM_MIGRATION_CONTROL) {
			ck_assert_int_eq(c->feature, -1);
			ck_assert(msr_gp(c) == !host->ignore_msrs);
			seen |= 1;
			continue;
		}
		if (c->id != MSR_KVM_ASYNC_PF_EN || !strstr(c->subject, " bit "))
			continue;
		ck_assert(c->feature == KVMCPUID_FEATURE_ASYNC_PF_VMEXIT ||
			  c->feature == KVMCPUID_FEATURE_ASYNC_PF_INT);
		seen |= c->feature == KVMCPUID_FEATURE_ASYNC_PF_INT ? 2 : 4;
		if (masked == KVMCPUID_FEATURE_ASYNC_PF) {
			refused = enforce && refusal_faults();
			ck_assert_msg((c->seen.u.access.write == KVMCPUID_FAULT_GP) == refused,
				      "%s: %s", c->subject, c->seen_text);
			continue;
		}
		refused = enforce && ((unsigned int)c->feature == masked ||
				      !((host->features >>
					 kvmcpuid_feature((unsigned int)c->feature)->bit) & 1));
		ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_NONE);
		ck_assert_msg((c->seen.u.access.write == KVMCPUID_FAULT_GP) == refused,
			      "%s: %s", c->subject, c->seen_text);
	}
	ck_assert_uint_eq(seen, 7);
}

/* Every feature masked alone, with (_i odd) and without enforcement. */
START_TEST(test_masked_alone)
{
	unsigned int f = (unsigned int)_i / 2;
	bool enforce = _i & 1;
	struct kvmcpuid_report *rep;
	const struct kvmcpuid_check *c;
	uint32_t msrs[2];
	char inl[96];
	int k, nm;

	snprintf(inl, sizeof(inl), "%s=off,enforce=%s", kvmcpuid_feature(f)->name,
		 enforce ? "on" : "off");
	rep = verify(inl);
	ck_assert_msg(kvmcpuid_report_ok(rep), "%s: mismatch", inl);
	c = find(rep, KVMCPUID_CHECK_FEATURE, f);
	ck_assert_str_eq(c->subject, kvmcpuid_feature(f)->name);
	ck_assert_str_eq(c->seen_text, "clear");
	ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_BIT);
	ck_assert(!c->seen.u.bit);
	nm = (int)kvmcpuid_feature(f)->nmsrs;
	memcpy(msrs, kvmcpuid_feature(f)->msrs, sizeof(kvmcpuid_feature(f)->msrs));
	for (k = 0; k < nm; k++) {
		bool gp;

		c = find(rep, KVMCPUID_CHECK_MSR, msrs[k]);
		ck_assert_int_eq(c->feature, (int)f);
		gp = msr_gp(c);
		ck_assert(gp == !strcmp(c->seen_text, "read #GP, write #GP"));
		ck_assert_msg(gp == (enforce && refusal_faults()), "%s %s: %s", inl,
			      c->subject, c->seen_text);
	}
	bit_probes(rep, f, enforce);
	kvmcpuid_report_unref(rep);
}
END_TEST

static void all_msrs_blocked(const struct kvmcpuid_report *rep, bool blocked)
{
	const struct kvmcpuid_check *c;
	size_t i;

	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++) {
		if (c->kind != KVMCPUID_CHECK_MSR || c->id == MSR_KVM_MIGRATION_CONTROL)
			continue;
		ck_assert_msg(msr_gp(c) == blocked, "%s: %s", c->subject, c->seen_text);
	}
}

START_TEST(test_signatures)
{
	struct kvmcpuid_report *rep;

	rep = verify("signature=hidden,enforce=on");
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0);
	all_msrs_blocked(rep, refusal_faults());	/* no 0x40000001 either: both models */
	kvmcpuid_report_unref(rep);

	rep = verify("signature=hidden");
	ck_assert(kvmcpuid_report_ok(rep));
	all_msrs_blocked(rep, false);	/* advisory: nothing blocks */
	kvmcpuid_report_unref(rep);

	rep = verify("signature=\"XenVMMXenVMM\",enforce=on");
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0);
	/* the features are visible at the base, but KVM's enforcement finds no KVM
	 * from 5.16; before, it reads 0x40000001 whatever the signature */
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->seen_text,
			 "40000001 566e6558 65584d4d 4d4d566e");
	ck_assert_uint_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->seen.u.regs[KVMCPUID_REG_EBX],
			  0x566e6558);
	all_msrs_blocked(rep, !fixed_leaf() && refusal_faults());
	kvmcpuid_report_unref(rep);
}
END_TEST

START_TEST(test_settings)
{
	struct kvmcpuid_report *rep;

	rep = verify("max_leaf=legacy-zero,enforce=on");
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert(!strncmp(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->seen_text, "00000000 ", 9));
	ck_assert_uint_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->seen.u.regs[KVMCPUID_REG_EAX],
			  0);
	all_msrs_blocked(rep, false);
	kvmcpuid_report_unref(rep);

	rep = verify("timing=on,base=0x40000200");
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0x40000200);
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000210)->subject, "CPUID 0x40000210");
	kvmcpuid_report_unref(rep);

	/* force of a feature the host lacks: mmu_op is never offered */
	rep = verify("mmu_op=force");
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert(kvmcpuid_report_info(rep)->guest_features & (1u << 2));
	kvmcpuid_report_unref(rep);

	rep = verify("default=off,realtime=on,msi_ext_dest_id=on,enforce=on");
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->guest_hints, 1);
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->guest_features, 1u << 15);
	all_msrs_blocked(rep, refusal_faults());
	kvmcpuid_report_unref(rep);
}
END_TEST

static struct kvm_cpuid_entry2 *hyperv_table(size_t *n, uint32_t kvm_features)
{
	const struct kvm_cpuid_entry2 *sup;
	struct kvm_cpuid_entry2 *t, hv[2] = {
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x7263694d, .ecx = 0x666f736f,
		  .edx = 0x76482074 },
		{ .function = 0x40000001, .eax = 0x31237648 },
	}, kvm[2] = {
		{ .function = 0x40000100, .eax = 0x40000101, .ebx = KVM_SIG_EBX,
		  .ecx = KVM_SIG_ECX, .edx = KVM_SIG_EDX },
		{ .function = 0x40000101, .eax = kvm_features },
	};
	struct kvmcpuid_cpuid *c = NULL;
	size_t cap;
	size_t i, m;

	sup = kvmcpuid_host_info(host)->supported;
	m = kvmcpuid_host_info(host)->nsupported;
	cap = m + 4;
	t = calloc(cap, sizeof(*t));
	/* the VMM's own table: its Hyper-V leaves take 0x40000000 ... */
	for (i = 0, *n = 0; i < m; i++)
		if ((sup[i].function & ~0xffu) != 0x40000000)
			t[(*n)++] = sup[i];
	t[(*n)++] = hv[0];
	t[(*n)++] = hv[1];
	/* ... and sets CPUID.1's hypervisor bit, as VMMs do (KVM's supported table has not) */
	((struct kvm_cpuid_entry2 *)table_find(t, *n, 1, 0))->ecx |= 1u << 31;
	/* ... and kvmcpuid puts KVM at 0x40000100, leaving Hyper-V alone */
	ck_assert_int_eq(cpuid_new(ctx, kvm, 2, &c), 0);
	c->base = 0x40000100;
	ck_assert_int_eq(kvmcpuid_cpuid_merge(c, t, n, cap, NULL), 0);
	kvmcpuid_cpuid_unref(c);
	ck_assert_ptr_nonnull(table_find(t, *n, 0x40000000, 0));
	ck_assert_uint_eq(table_find(t, *n, 0x40000000, 0)->ebx, 0x7263694d);
	return t;
}

START_TEST(test_hyperv_at_base_kvm_at_0x100)
{
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct kvm_cpuid_entry2 *t;
	const struct kvmcpuid_check *c;
	size_t n;

	t = hyperv_table(&n, kvmcpuid_host_info(host)->features & ~(1u << 5));
	ck_assert_int_eq(kvmcpuid_verify_table(ctx, t, n, KVMCPUID_APPLY_ENFORCE, &rep, &d), 0);
	if (!kvmcpuid_report_ok(rep))
		dump(rep);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0x40000100);
	/* steal time masked; before 5.16 enforcement reads Hyper-V's 0x40000001 ("Hv#1"),
	 * whose bit 5 is clear too */
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME);
	ck_assert_str_eq(c->seen_text,
			 refusal_faults() ? "read #GP, write #GP" : "read ok, write ok");
	ck_assert(msr_gp(c) == refusal_faults());
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_PV_EOI_EN);	/* pv_eoi at 0x40000101 */
	ck_assert_str_eq(c->seen_text, "read ok, write ok");
	ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_NONE);
	ck_assert_int_eq(c->seen.u.access.write, KVMCPUID_FAULT_NONE);
	kvmcpuid_report_unref(rep);
	free(t);
}
END_TEST

START_TEST(test_wrong_expectation_is_caught)
{
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct kvm_cpuid_entry2 *applied, *expect;
	const struct kvmcpuid_check *c;
	size_t n, m;

	applied = hyperv_table(&n, kvmcpuid_host_info(host)->features);
	expect = hyperv_table(&m, kvmcpuid_host_info(host)->features & ~(1u << 5));
	ck_assert_int_eq(verify_table_expect(ctx, applied, n, expect, m, KVMCPUID_APPLY_ENFORCE,
					     &rep, &d), 0);
	ck_assert(!kvmcpuid_report_ok(rep));
	c = find(rep, KVMCPUID_CHECK_FEATURE, KVMCPUID_FEATURE_STEAL_TIME);
	ck_assert_int_eq(c->verdict, KVMCPUID_FAIL);
	ck_assert_str_eq(c->expected_text, "clear");
	ck_assert_str_eq(c->seen_text, "set");
	ck_assert(!c->expected.u.bit);
	ck_assert(c->seen.u.bit);
	/* the MSR tells only where enforcement reads 0x40000101 and refusals fault */
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME);
	if (!fixed_leaf() && refusal_faults())
		ck_assert_int_eq(c->verdict, KVMCPUID_FAIL);
	kvmcpuid_report_unref(rep);
	free(applied);
	free(expect);
}
END_TEST

/*
 * An Intel-vendor table on whatever host: KVM answers a leaf outside every present class
 * with the max basic leaf's data for every guest vendor but AMD and Hygon
 * (arch/x86/kvm/cpuid.c get_out_of_range_cpuid_entry).  The guest still uses the host
 * CPU's hypercall instruction (request_fill takes the host's vendor).
 */
START_TEST(test_intel_vendor_table)
{
	static const uint32_t intel[3] = { 0x756e6547, 0x6c65746e, 0x49656e69 };	/* b, c, d */
	const struct kvm_cpuid_entry2 *sup, *max;
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct kvm_cpuid_entry2 *t, *l0;
	const struct kvmcpuid_check *k;
	size_t n, i;

	sup = kvmcpuid_host_info(host)->supported;
	n = kvmcpuid_host_info(host)->nsupported;
	t = calloc(n, sizeof(*t));
	memcpy(t, sup, n * sizeof(*t));
	l0 = (struct kvm_cpuid_entry2 *)table_find(t, n, 0, 0);
	ck_assert_ptr_nonnull(l0);
	l0->ebx = intel[0];
	l0->ecx = intel[1];
	l0->edx = intel[2];
	/* the full scan: its summary check is asserted below */
	ck_assert_int_eq(kvmcpuid_verify_table(ctx, t, n, KVMCPUID_VERIFY_SCAN_FULL, &rep, &d), 0);
	if (!kvmcpuid_report_ok(rep))
		dump(rep);
	ck_assert(kvmcpuid_report_ok(rep));
	/*
	 * 0x40000100 is in no class (the block at 0x40000000 ends at 0x40000001): the scan
	 * must have read the max basic leaf, index 0.  EBX of leaf 0xd follows the guest's
	 * XCR0 at run time, so compare EAX, ECX and EDX.
	 */
	max = table_find(t, n, l0->eax, 0);
	ck_assert_ptr_nonnull(max);
	/* the scan as a whole: the LEAF check counting the steps that differ */
	for (i = 0; (k = kvmcpuid_report_check(rep, i)); i++)
		if (k->kind == KVMCPUID_CHECK_LEAF && k->seen.type == KVMCPUID_VALUE_COUNT)
			break;
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->subject, "scan 0x40000000-0x4000ff00");
	ck_assert_str_eq(k->seen_text, "as expected");
	ck_assert_uint_eq(k->seen.u.count, 0);
	k = find(rep, KVMCPUID_CHECK_LEAF, 0x40000100);
	ck_assert_int_eq(k->verdict, KVMCPUID_PASS);
	ck_assert_str_eq(k->expected_text, "max basic leaf data");
	ck_assert_int_eq(k->expected.type, KVMCPUID_VALUE_MAX_BASIC);
	ck_assert_int_eq(k->seen.type, KVMCPUID_VALUE_REGS);
	ck_assert_uint_eq(k->seen.u.regs[KVMCPUID_REG_EAX], max->eax);
	ck_assert_uint_eq(k->seen.u.regs[KVMCPUID_REG_ECX], max->ecx);
	ck_assert_uint_eq(k->seen.u.regs[KVMCPUID_REG_EDX], max->edx);
	kvmcpuid_report_unref(rep);
	free(t);
}
END_TEST

/*
 * A matrix row masking feature f: what the masking did, check by check (the cells of
 * `kvmcpuid matrix`).  Its bit clear; its MSRs (and the bit it gates in another's MSR) #GP
 * under enforcement where refusals fault, usable without; its hypercall -KVM_ENOSYS under
 * enforcement, 0 without (hc_map_gpa_range gates none: hypercall 12 is no row's).
 */
static void matrix_cells(const struct kvmcpuid_report *rep, unsigned int f, bool enforce)
{
	const struct kvmcpuid_feature *feat = kvmcpuid_feature(f);
	const struct kvmcpuid_check *c;
	unsigned int msrs = 0, hcs = 0;
	size_t i;

	ck_assert_int_eq(kvmcpuid_report_info(rep)->masked, (int)f);
	ck_assert(kvmcpuid_report_info(rep)->enforced == enforce);
	c = find(rep, KVMCPUID_CHECK_FEATURE, f);
	ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_BIT);
	ck_assert_msg(!c->seen.u.bit, "%s: bit %s", feat->name, c->seen_text);
	ck_assert_str_eq(c->seen_text, "clear");
	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++) {
		if (c->feature != (int)f)
			continue;
		ck_assert_msg(c->verdict == KVMCPUID_PASS || c->verdict == KVMCPUID_UNTESTABLE,
			      "%s: %s: %s", feat->name, c->subject, c->seen_text);
		if (c->kind == KVMCPUID_CHECK_MSR) {
			bool gp = c->seen.u.access.read == KVMCPUID_FAULT_GP ||
				  c->seen.u.access.write == KVMCPUID_FAULT_GP;

			msrs++;
			ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_ACCESS);
			if (enforce && refusal_faults())
				ck_assert_msg(gp, "%s: %s: %s", feat->name, c->subject,
					      c->seen_text);
			else if (!enforce && (f != KVMCPUID_FEATURE_STEAL_TIME ||
					      (host->features >> f) & 1))
				/* KVM refuses steal time without sched_info, enforced or not */
				ck_assert_msg(!gp, "%s: %s: %s", feat->name, c->subject,
					      c->seen_text);
		} else if (c->kind == KVMCPUID_CHECK_HYPERCALL) {
			hcs++;
			ck_assert_int_eq(c->id, (uint32_t)feat->hypercall);
			if (c->verdict == KVMCPUID_UNTESTABLE)
				continue;
			ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_RET);
			ck_assert_int_eq(c->seen.u.ret, enforce ? -KVM_ENOSYS : 0);
		}
	}
	ck_assert_uint_eq(msrs, feat->nmsrs + (feat->wr_msr != 0));
	ck_assert_uint_eq(hcs, feat->hypercall >= 0);
}

/* Every row of the matrix, with and without enforcement, cell by cell. */
START_TEST(test_matrix)
{
	bool enforce = _i;
	struct kvmcpuid_policy *p = inline_policy(ctx, enforce ? "enforce=on" : "enforce=off");
	struct kvmcpuid_report **reps = NULL;
	struct kvmcpuid_diag d = { 0 };
	size_t n = 0, i;
	char *json;

	ck_assert_int_eq(kvmcpuid_matrix(p, 0, &reps, &n, &d), 0);
	ck_assert_uint_eq(n, KVMCPUID_FEATURE_COUNT + 2);
	ck_assert_str_eq(kvmcpuid_report_info(reps[0])->label, "all-on");
	ck_assert_int_eq(kvmcpuid_report_info(reps[0])->masked, -1);
	ck_assert_str_eq(kvmcpuid_report_info(reps[1])->label, "all-off");
	ck_assert_int_eq(kvmcpuid_report_info(reps[1])->masked, -1);
	ck_assert_uint_eq(kvmcpuid_report_info(reps[1])->guest_features, 0);
	ck_assert_str_eq(kvmcpuid_report_info(reps[2 + KVMCPUID_FEATURE_STEAL_TIME])->label,
			 "-steal_time");
	for (i = 0; i < n; i++) {
		if (!kvmcpuid_report_ok(reps[i]))
			dump(reps[i]);
		ck_assert_msg(kvmcpuid_report_ok(reps[i]), "%s", kvmcpuid_report_info(reps[i])->label);
		ck_assert_int_eq(kvmcpuid_report_to_json(reps[i], &json), 0);
		if (i < 2) {
			ck_assert_ptr_nonnull(strstr(json, "\"masking\": null"));
		} else {
			matrix_cells(reps[i], (unsigned int)(i - 2), enforce);
			ck_assert_ptr_nonnull(strstr(json, "\"masking\": {"));
		}
		free(json);
		kvmcpuid_report_unref(reps[i]);
	}
	free(reps);
	kvmcpuid_policy_unref(p);
}
END_TEST

/* The full scan still works and says so; the default reads no scan. */
START_TEST(test_scan_full)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "steal_time=off,enforce=on");
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	const struct kvmcpuid_check *k;
	size_t i;
	bool scan = false;

	ck_assert_int_eq(kvmcpuid_verify(p, KVMCPUID_VERIFY_SCAN_FULL, &rep, &d), 0);
	if (!kvmcpuid_report_ok(rep))
		dump(rep);
	ck_assert(kvmcpuid_report_ok(rep));
	for (i = 0; (k = kvmcpuid_report_check(rep, i)); i++)
		if (k->kind == KVMCPUID_CHECK_LEAF && !strcmp(k->subject, "scan 0x40000000-0x4000ff00"))
			scan = true;
	ck_assert(scan);
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0x40000000);
	kvmcpuid_report_unref(rep);
	rep = verify("steal_time=off,enforce=on");
	for (i = 0; (k = kvmcpuid_report_check(rep, i)); i++)
		ck_assert_str_ne(k->subject, "scan 0x40000000-0x4000ff00");
	/* the static check of the block, and a sentinel past the block's max leaf */
	k = find(rep, KVMCPUID_CHECK_LEAF, 0x40000002);
	ck_assert_int_eq(k->verdict, KVMCPUID_PASS);
	for (i = 0; (k = kvmcpuid_report_check(rep, i)); i++)
		if (!strcmp(k->subject, "KVM block 0x40000000"))
			break;
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->verdict, KVMCPUID_PASS);
	ck_assert_str_eq(k->seen_text, "exactly those");
	kvmcpuid_report_unref(rep);
	kvmcpuid_policy_unref(p);
}
END_TEST

/* Linux looks for KVM only with CPUID.1's hypervisor bit: KVM's own table has it clear. */
START_TEST(test_no_hypervisor_bit)
{
	const struct kvm_cpuid_entry2 *sup;
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct kvm_cpuid_entry2 *t;
	size_t n;

	t = hyperv_table(&n, kvmcpuid_host_info(host)->features);
	((struct kvm_cpuid_entry2 *)table_find(t, n, 1, 0))->ecx &= ~(1u << 31);
	ck_assert_int_eq(kvmcpuid_verify_table(ctx, t, n, 0, &rep, &d), 0);
	if (!kvmcpuid_report_ok(rep))
		dump(rep);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0);
	ck_assert(strstr(find(rep, KVMCPUID_CHECK_DETECT, 0)->cause, "no hypervisor bit"));
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_FEATURE, 0)->seen_text, "absent");
	kvmcpuid_report_unref(rep);
	free(t);
	(void)sup;
}
END_TEST

static char *matrix_json(unsigned int threads, const char *fail, bool hang, size_t *n)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "enforce=on");
	struct kvmcpuid_report **reps = NULL;
	struct kvmcpuid_diag d = { 0 };
	char *all = strdup(""), *j;
	size_t i;

	ctx->matrix_threads = threads;
	ctx->fail_run_label = fail;
	ctx->fail_run_hang = hang;
	ck_assert_int_eq(kvmcpuid_matrix(p, 0, &reps, n, &d), 0);
	for (i = 0; i < *n; i++) {
		char *cat;

		ck_assert_int_eq(kvmcpuid_report_to_json(reps[i], &j), 0);
		ck_assert_int_gt(asprintf(&cat, "%s%s\n", all, j), 0);
		free(all);
		free(j);
		all = cat;
		if (fail && !strcmp(kvmcpuid_report_info(reps[i])->label, fail)) {
			const struct kvmcpuid_check *c = kvmcpuid_report_check(reps[i], 0);

			ck_assert(!kvmcpuid_report_ok(reps[i]));
			ck_assert_int_eq(c->kind, KVMCPUID_CHECK_RUN);
			ck_assert(strstr(c->cause, hang ? "did not finish" : "injected"));
		} else {
			if (!kvmcpuid_report_ok(reps[i]))
				dump(reps[i]);
			ck_assert_msg(kvmcpuid_report_ok(reps[i]), "%s",
				      kvmcpuid_report_info(reps[i])->label);
		}
		kvmcpuid_report_unref(reps[i]);
	}
	free(reps);
	kvmcpuid_policy_unref(p);
	ctx->matrix_threads = 0;
	ctx->fail_run_label = NULL;
	return all;
}

/* The pool of threads gives what one thread gives: the same reports, in order. */
START_TEST(test_matrix_threads_equal_sequential)
{
	size_t n1, n2;
	char *seq = matrix_json(1, NULL, false, &n1), *par = matrix_json(8, NULL, false, &n2);

	ck_assert_uint_eq(n1, n2);
	ck_assert_str_eq(seq, par);
	free(seq);
	free(par);
}
END_TEST

/* A policy whose vCPU fails, or never finishes, fails alone. */
START_TEST(test_matrix_failure_is_local)
{
	size_t n;

	/*
	 * The deadline bounds every vCPU of the pool, the honest ones too: 8 threads on the
	 * test VM's 2 emulated CPUs, on a loaded machine, missed 300 ms (twice in one run).
	 * 10 s keeps them clear of it; the hanging one costs those 10 s once.
	 */
	kvmcpuid_set_deadline_ms(ctx, 10000);
	free(matrix_json(8, "-steal_time", false, &n));
	ck_assert_uint_eq(n, KVMCPUID_FEATURE_COUNT + 2);
	free(matrix_json(8, "-pv_eoi", true, &n));
	ck_assert_uint_eq(n, KVMCPUID_FEATURE_COUNT + 2);
}
END_TEST

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The mappings a verify makes: vCPU run structures and the guest memory (a named memfd). */
static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	while (fgets(line, sizeof(line), f))
		n += strstr(line, "kvm-vcpu") != NULL || strstr(line, "kvmcpuid-guest") != NULL;
	fclose(f);
	return n;
}

START_TEST(test_no_leaks_over_100_verifies)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "steal_time=off,enforce=on");
	struct kvmcpuid_report *rep;
	int fds, maps, i;

	rep = verify("default=host");	/* warm up: the probe's /dev/kvm fd stays open */
	kvmcpuid_report_unref(rep);
	fds = count_dir("/proc/self/fd");
	maps = count_maps();
	for (i = 0; i < 100; i++) {
		rep = NULL;
		ck_assert_int_eq(kvmcpuid_verify(p, 0, &rep, NULL), 0);
		ck_assert(kvmcpuid_report_ok(rep));
		kvmcpuid_report_unref(rep);
	}
	ck_assert_int_eq(count_dir("/proc/self/fd"), fds);
	ck_assert_int_eq(count_maps(), maps);
	kvmcpuid_policy_unref(p);
}
END_TEST

/*
 * Where hypercalls complete (every KVM but kvm_pvm, whose guests never return from one),
 * their return values, exactly: 5, 10 and 11 return 0 when granted and -KVM_ENOSYS
 * (-1000) when masked under enforcement; 12 is -KVM_ENOSYS without
 * KVM_CAP_EXIT_HYPERCALL; a hidden signature hides every PV feature from enforcement.
 */
START_TEST(test_hypercall_values)
{
	static const uint32_t nr[] = { KVM_HC_KICK_CPU, KVM_HC_SEND_IPI, KVM_HC_SCHED_YIELD,
				       KVM_HC_MAP_GPA_RANGE };
	static const int feat[] = { KVMCPUID_FEATURE_PV_UNHALT, KVMCPUID_FEATURE_PV_SEND_IPI,
				    KVMCPUID_FEATURE_PV_SCHED_YIELD, -1 };
	static const struct {
		const char *policy;
		int granted;	/* 1: granted, 0: refused, -1: granted iff the host offers it */
	} cases[] = {
		{ "default=host,enforce=on", -1 },
		{ "pv_unhalt=off,pv_send_ipi=off,pv_sched_yield=off,enforce=on", 0 },
		{ "pv_unhalt=off,pv_send_ipi=off,pv_sched_yield=off,enforce=off", 1 },
		{ "signature=hidden,enforce=on", 0 },
	};
	size_t c, j;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct kvmcpuid_report *rep = verify(cases[c].policy);

		ck_assert_msg(kvmcpuid_report_ok(rep), "%s", cases[c].policy);
		for (j = 0; j < 4; j++) {
			const struct kvmcpuid_check *k = find(rep, KVMCPUID_CHECK_HYPERCALL, nr[j]);
			bool granted = feat[j] >= 0 &&
				       (cases[c].granted < 0 ? (host->features >> feat[j]) & 1
							     : (uint32_t)cases[c].granted);

			/* the feature gating it; none gates hypercall 12 (features.c) */
			ck_assert_int_eq(k->feature, feat[j]);
			if (feat[j] >= 0)
				ck_assert_int_eq(kvmcpuid_feature((unsigned int)k->feature)->hypercall,
						 (int)nr[j]);
			if (!strcmp(host->module, "kvm_pvm")) {
				ck_assert_int_eq(k->verdict, KVMCPUID_UNTESTABLE);
				ck_assert_int_eq(k->seen.type, KVMCPUID_VALUE_NONE);
				continue;
			}
			ck_assert_msg(k->verdict == KVMCPUID_PASS, "%s: %s",
				      cases[c].policy, k->subject);
			ck_assert_msg(k->seen.type == KVMCPUID_VALUE_RET &&
				      k->seen.u.ret == (granted ? 0 : -KVM_ENOSYS),
				      "%s: %s returned %s", cases[c].policy, k->subject,
				      k->seen_text);
			ck_assert_str_eq(k->seen_text, granted ? "0" : "-1000");
		}
		kvmcpuid_report_unref(rep);
	}
}
END_TEST

/* Where hypercalls are not known not to complete, the first verify tries one under the
 * deadline; a host that never completes it is found out once and remembered. */
START_TEST(test_hypercall_probe_is_bounded)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "default=host");
	struct kvmcpuid_report *rep = NULL;
	const struct kvmcpuid_check *c;
	struct kvmcpuid_diag d = { 0 };
	int r;

	ck_assert_int_eq(kvmcpuid_set_deadline_ms(ctx, 300), 0);
	ctx->hypercalls = 0;	/* pretend we know nothing of this host ... */
	ctx->force_hypercall_probe = true;	/* ... not even its KVM module */
	r = kvmcpuid_verify(p, 0, &rep, &d);
	ck_assert_msg(r == 0, "%s", d.message);
	ck_assert(kvmcpuid_report_ok(rep));
	c = find(rep, KVMCPUID_CHECK_HYPERCALL, KVM_HC_SCHED_YIELD);
	if (ctx->hypercalls < 0) {
		/* this host does not complete hypercalls (kvm_pvm) */
		ck_assert_int_eq(c->verdict, KVMCPUID_UNTESTABLE);
		ck_assert(strstr(kvmcpuid_report_info(rep)->hypercall_note, "did not complete within 300 ms"));
	} else {
		ck_assert_int_eq(c->verdict, KVMCPUID_PASS);
		ck_assert_str_eq(c->seen_text, "0");
		ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_RET);
		ck_assert_int_eq(c->seen.u.ret, 0);
	}
	/* every CPUID and MSR result is there either way */
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME);
	ck_assert_str_eq(c->seen_text, "read ok, write ok");
	ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_NONE);
	ck_assert_int_eq(c->seen.u.access.write, KVMCPUID_FAULT_NONE);
	kvmcpuid_report_unref(rep);
	kvmcpuid_policy_unref(p);
}
END_TEST

/*
 * Fail every KVM ioctl (alloc = false) or every allocation (alloc = true) of a verify in
 * turn, on a fresh context each time so the host probe is covered too: each attempt
 * gives a clean negative errno and a message, leaves the policy as it was, and leaks no
 * fd and no mapping; in the end the failure point lies past the last one and verify works.
 */
static void fail_each(bool alloc)
{
	int fds = count_dir("/proc/self/fd"), maps = count_maps();
	unsigned int at;
	bool succeeded = false;

	for (at = 1; at < 400 && !succeeded; at++) {
		struct kvmcpuid_ctx *c = test_ctx();
		struct kvmcpuid_policy *p = inline_policy(c, "pv_eoi=off,enforce=on,timing=on");
		struct kvmcpuid_policy *before = NULL;
		struct kvmcpuid_report *rep = NULL;
		struct kvmcpuid_diag d = { 0 };
		int r;

		ck_assert_int_eq(kvmcpuid_policy_dup(p, &before), 0);
		if (alloc) {
			c->fail_alloc_at = at;
		} else {
			c->fail_ioctl_at = at;
			/* and codes verify does not document: they come back as -EIO */
			c->fail_errno = (const int[]){ EIO, ENOMEM, EFAULT, E2BIG, EBUSY }[at % 5];
		}
		r = kvmcpuid_verify(p, 0, &rep, &d);
		if (r == 0) {
			ck_assert(kvmcpuid_report_ok(rep));
			succeeded = (alloc ? c->fail_alloc_at : c->fail_ioctl_at) != 0;
			kvmcpuid_report_unref(rep);
		} else if (alloc) {
			ck_assert_msg(r == -ENOMEM, "allocation %u: %d (%s)", at, r, d.message);
			ck_assert_msg(d.message[0], "allocation %u: no message", at);
			ck_assert_ptr_null(rep);
		} else {
			ck_assert_msg(r == -EIO || r == -ENOMEM || r == -ENODEV || r == -ENOTSUP,
				      "ioctl %u: unexpected %d (%s)", at, r, d.message);
			ck_assert_msg(d.message[0], "ioctl %u: no message", at);
			ck_assert_ptr_null(rep);
		}
		ck_assert(kvmcpuid_policy_equal(p, before));
		kvmcpuid_policy_unref(before);
		kvmcpuid_policy_unref(p);
		kvmcpuid_unref(c);
		ck_assert_int_eq(count_dir("/proc/self/fd"), fds);
		ck_assert_int_eq(count_maps(), maps);
	}
	ck_assert_msg(succeeded, "verify never got past the injected failures");
}

START_TEST(test_every_ioctl_failing)
{
	fail_each(false);
}
END_TEST

START_TEST(test_every_allocation_failing)
{
	fail_each(true);
}
END_TEST

/* Two contexts in two threads never touch each other: concurrent verifies, each with its
 * own deadline timer and signal mask, all come back right. */
static void *verify_thread(void *arg)
{
	const char *inl = arg;
	struct kvmcpuid_ctx *c = NULL;
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	long bad = 0;
	int i;

	if (kvmcpuid_new(&c) < 0)
		return (void *)1;
	kvmcpuid_set_log_fn(c, NULL, NULL);
	if (kvmcpuid_policy_parse_inline(c, inl, "t", &d, &p) < 0)
		bad++;
	for (i = 0; i < 10 && !bad; i++) {
		struct kvmcpuid_report *rep = NULL;

		if (kvmcpuid_verify(p, 0, &rep, &d) < 0 || !kvmcpuid_report_ok(rep))
			bad++;
		else if (!strcmp(inl, "steal_time=off,enforce=on") &&
			 (kvmcpuid_report_info(rep)->guest_features & (1u << 5)))
			bad++;
		kvmcpuid_report_unref(rep);
	}
	kvmcpuid_policy_unref(p);
	kvmcpuid_unref(c);
	return (void *)bad;
}

START_TEST(test_two_threads)
{
	pthread_t a, b;
	void *ra, *rb;

	ck_assert_int_eq(pthread_create(&a, NULL, verify_thread, "steal_time=off,enforce=on"), 0);
	ck_assert_int_eq(pthread_create(&b, NULL, verify_thread, "signature=hidden,timing=on"), 0);
	ck_assert_int_eq(pthread_join(a, &ra), 0);
	ck_assert_int_eq(pthread_join(b, &rb), 0);
	ck_assert_ptr_null(ra);
	ck_assert_ptr_null(rb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live-verify");
	TCase *tc = tcase_create("verify");

	require_kvm();
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_default);
	tcase_add_loop_test(tc, test_masked_alone, 0, 2 * (KVMCPUID_FEATURE_REALTIME + 1));
	tcase_add_test(tc, test_signatures);
	tcase_add_test(tc, test_settings);
	tcase_add_test(tc, test_hyperv_at_base_kvm_at_0x100);
	tcase_add_test(tc, test_wrong_expectation_is_caught);
	tcase_add_test(tc, test_intel_vendor_table);
	tcase_add_loop_test(tc, test_matrix, 0, 2);
	tcase_add_test(tc, test_scan_full);
	tcase_add_test(tc, test_no_hypervisor_bit);
	tcase_add_test(tc, test_matrix_threads_equal_sequential);
	tcase_add_test(tc, test_matrix_failure_is_local);
	tcase_add_test(tc, test_no_leaks_over_100_verifies);
	tcase_add_test(tc, test_hypercall_values);
	tcase_add_test(tc, test_hypercall_probe_is_bounded);
	tcase_add_test(tc, test_every_ioctl_failing);
	tcase_add_test(tc, test_every_allocation_failing);
	tcase_add_test(tc, test_two_threads);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
