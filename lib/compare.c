// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Expectations and comparison: what the guest must see given the applied table
 * and enforcement, against what it wrote back (untrusted, bounds-checked first).
 */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>
#include <string.h>

#include "report.h"

#define MAX_SCAN_DETAIL 8

static uint8_t guest_vendor(const struct expect *x)
{
	const struct kvm_cpuid_entry2 *e = table_find(x->table, x->nent, 0, 0);

	return e ? vendor_from_leaf0(e->ebx, e->ecx, e->edx) : KVMCPUID_VENDOR_OTHER;
}

/*
 * What CPUID(fn, idx) returns in the guest.  A leaf in the table is returned as is.
 * A missing leaf reads zeros on an AMD or Hygon guest; on every other guest vendor
 * (the table's leaf 0, not the host CPU), outside a present class KVM returns the max
 * basic leaf's data (arch/x86/kvm/cpuid.c get_out_of_range_cpuid_entry, called from
 * kvm_cpuid; exact = false: KVM adjusts some basic leaves at run time).
 */
static void expected_regs(const struct expect *x, uint32_t fn, uint32_t idx,
			  struct guest_regs *out, bool *exact, bool *fallback)
{
	const struct kvm_cpuid_entry2 *e = table_find(x->table, x->nent, fn, idx), *cls, *basic;

	*exact = true;
	*fallback = false;
	memset(out, 0, sizeof(*out));
	if (e)
		goto found;
	/* vendor_from_leaf0 gives AMD for "HygonGenuine" too, as KVM's is_guest_vendor_hygon */
	if (guest_vendor(x) == KVMCPUID_VENDOR_AMD)
		return;
	basic = table_find(x->table, x->nent, 0, 0);
	if (!basic)
		return;
	if (fn >= 0x40000000u && fn <= 0x4fffffffu)
		cls = table_find(x->table, x->nent, fn & 0xffffff00u, 0);
	else if (fn >= 0xc0000000u)
		cls = table_find(x->table, x->nent, 0xc0000000u, 0);
	else
		cls = table_find(x->table, x->nent, fn & 0x80000000u, 0);
	if (cls && fn <= cls->eax)
		return;
	*fallback = true;
	*exact = false;
	e = table_find(x->table, x->nent, basic->eax, idx);
	if (!e)
		return;
found:
	out->eax = e->eax;
	out->ebx = e->ebx;
	out->ecx = e->ecx;
	out->edx = e->edx;
}

static bool regs_equal(const struct guest_regs *a, const struct guest_regs *b)
{
	return a->eax == b->eax && a->ebx == b->ebx && a->ecx == b->ecx && a->edx == b->edx;
}

static bool regs_kvm_sig(const struct guest_regs *r)
{
	return r->ebx == KVM_SIG_EBX && r->ecx == KVM_SIG_ECX && r->edx == KVM_SIG_EDX;
}

static void fmt_regs(char *buf, size_t len, const struct guest_regs *r)
{
	snprintf(buf, len, "%08x %08x %08x %08x", r->eax, r->ebx, r->ecx, r->edx);
}

static struct kvmcpuid_value regs_value(const struct guest_regs *r, bool exact)
{
	return (struct kvmcpuid_value){
		.type = exact ? KVMCPUID_VALUE_REGS : KVMCPUID_VALUE_MAX_BASIC,
		.u.regs = { r->eax, r->ebx, r->ecx, r->edx },
	};
}

static struct kvmcpuid_value bit_value(bool set)
{
	return (struct kvmcpuid_value){ .type = KVMCPUID_VALUE_BIT, .u.bit = set };
}

/*
 * A CPUID leaf check.  An inexact expectation (the max basic leaf) prints as such, or
 * as its registers with print_regs.
 */
static int add_leaf(struct kvmcpuid_report *rep, uint32_t fn, uint32_t idx, bool ok,
		    const struct guest_regs *want, bool exact, bool print_regs,
		    const struct guest_regs *got, const char *cause)
{
	char want_s[64], got_s[64], subj[48];

	fmt_regs(want_s, sizeof(want_s), want);
	fmt_regs(got_s, sizeof(got_s), got);
	snprintf(subj, sizeof(subj), "CPUID 0x%08x", fn);
	return report_add(rep, &(struct kvmcpuid_check){
		.kind = KVMCPUID_CHECK_LEAF, .verdict = ok ? KVMCPUID_PASS : KVMCPUID_FAIL,
		.feature = -1, .id = fn, .subleaf = idx,
		.expected = regs_value(want, exact), .seen = regs_value(got, true),
		.subject = subj,
		.expected_text = exact || print_regs ? want_s : "max basic leaf data",
		.seen_text = got_s, .cause = cause,
	});
}

static const char *leaf_cause(const struct guest_regs *want, const struct guest_regs *got,
			      uint32_t fn, bool fallback)
{
	if (fallback)
		return "a missing leaf on a guest vendor other than AMD/Hygon returns the max "
		       "basic leaf's data, which KVM adjusts at run time";
	if ((fn & 0xff) == 1 && want->eax != got->eax &&
	    (want->eax ^ got->eax) == (1u << KVM_FEATURE_PV_UNHALT) && !(got->eax & (1u << 7)))
		return "KVM stripped pv_unhalt: it does so when HLT exits are disabled "
		       "(KVM_CAP_X86_DISABLE_EXITS)";
	return "the guest does not see the table that was applied: KVM changed it, or "
	       "something else intercepts CPUID";
}

static int validate(const struct expect *x, const struct guest_io *r, char *why, size_t len)
{
	const struct guest_io *q = x->request;
	bool full = q->flags & GUEST_SCAN_FULL;
	uint32_t i;

	if (r->leaves_done != q->nleaves) {
		snprintf(why, len, "%u leaves reported, %u asked for", r->leaves_done, q->nleaves);
		return -1;
	}
	if (r->msrs_done != q->nmsrs) {
		snprintf(why, len, "%u MSR results, %u asked for", r->msrs_done, q->nmsrs);
		return -1;
	}
	if (r->hcalls_done > q->nhcalls || r->hcalls_started > q->nhcalls ||
	    r->hcalls_done > r->hcalls_started) {
		snprintf(why, len, "hypercall counts %u/%u out of range (%u asked for)",
			 r->hcalls_done, r->hcalls_started, q->nhcalls);
		return -1;
	}
	if (r->hypervisor_bit > 1) {
		snprintf(why, len, "hypervisor bit %u is not a bit", r->hypervisor_bit);
		return -1;
	}
	for (i = 0; i < r->msrs_done; i++) {
		uint32_t rv = r->msr_out[i].rd_vector, wv = r->msr_out[i].wr_vector;

		if ((rv && rv != 6 && rv != 13) || (wv && wv != 6 && wv != 13)) {
			snprintf(why, len, "MSR %u: fault vectors %u/%u are not #UD/#GP", i, rv, wv);
			return -1;
		}
	}
	if (r->walk_steps > GUEST_SCAN_STEPS || (full && r->walk_steps != GUEST_SCAN_STEPS)) {
		snprintf(why, len, "%u detection steps reported", r->walk_steps);
		return -1;
	}
	if (full) {
		uint32_t first = 0;

		for (i = 0; i < GUEST_SCAN_STEPS && !first && r->hypervisor_bit; i++)
			if (regs_kvm_sig(&x->scan->step[i]))
				first = 0x40000000u + i * 0x100u;
		if (r->detect_base != first) {
			snprintf(why, len, "detected base 0x%x does not match the scan (0x%x)",
				 r->detect_base, first);
			return -1;
		}
	} else {
		/* the walk stops at what it finds, and walks nothing without the bit */
		uint32_t last = 0x40000000u + (r->walk_steps - 1) * 0x100u;

		if ((!r->hypervisor_bit && r->walk_steps) ||
		    (r->detect_base && (!r->walk_steps || r->detect_base != last)) ||
		    (!r->detect_base && r->hypervisor_bit && r->walk_steps != GUEST_SCAN_STEPS)) {
			snprintf(why, len, "detected base 0x%x after %u steps is not a walk",
				 r->detect_base, r->walk_steps);
			return -1;
		}
	}
	return 0;
}

/* A feature bit in the KVM leaf the guest found; NONE when it found none. */
static struct kvmcpuid_value feature_value(bool detected, uint32_t word, unsigned int bit)
{
	if (!detected)
		return (struct kvmcpuid_value){ .type = KVMCPUID_VALUE_NONE };
	return bit_value((word >> bit) & 1);
}

static const char *bit_word(const struct kvmcpuid_value *v)
{
	if (v->type != KVMCPUID_VALUE_BIT)
		return "absent";
	return v->u.bit ? "set" : "clear";
}

/* CPUID.1's hypervisor bit as the table sets it: Linux looks for KVM only when it is set. */
static bool table_hypervisor_bit(const struct expect *x)
{
	const struct kvm_cpuid_entry2 *l1 = table_find(x->table, x->nent, 1, 0);

	return l1 && (l1->ecx >> 31);
}

/* The full scan: every step of 0x40000000-0x4000FF00, the differing ones in detail. */
static int check_scan(const struct expect *x, struct kvmcpuid_report *rep)
{
	unsigned int i, bad = 0;
	char got_s[64];
	int ret = 0;

	for (i = 0; i < GUEST_SCAN_STEPS && !ret; i++) {
		const struct guest_regs *got = &x->scan->step[i];
		uint32_t fn = 0x40000000u + i * 0x100u;
		struct guest_regs want;
		bool exact, fallback, same;

		expected_regs(x, fn, 0, &want, &exact, &fallback);
		same = exact ? regs_equal(&want, got) : !regs_kvm_sig(got);
		if (same)
			continue;
		if (bad++ >= MAX_SCAN_DETAIL)
			continue;
		ret = add_leaf(rep, fn, 0, false, &want, exact, true, got,
			       leaf_cause(&want, got, fn, fallback));
	}
	if (ret)
		return ret;
	snprintf(got_s, sizeof(got_s), bad ? "%u steps differ" : "as expected", bad);
	return report_add(rep, &(struct kvmcpuid_check){
		.kind = KVMCPUID_CHECK_LEAF, .verdict = bad ? KVMCPUID_FAIL : KVMCPUID_PASS,
		.feature = -1, .id = 0x40000000u,
		.expected = { .type = KVMCPUID_VALUE_COUNT, .u.count = 0 },
		.seen = { .type = KVMCPUID_VALUE_COUNT, .u.count = bad },
		.subject = "scan 0x40000000-0x4000ff00",
		.expected_text = "every step as the table says", .seen_text = got_s,
	});
}

/*
 * Static, no guest involved: the merged table holds exactly the KVM block the policy
 * asks for: each built leaf as built, nothing else in its 0x100 block, and no KVM
 * signature in any other block (Linux would find the first one, enforcement might read
 * another).  A hidden signature asks for no leaves and no signature at all.
 */
static int check_block(const struct expect *x, struct kvmcpuid_report *rep)
{
	uint32_t base = x->policy_base ? x->policy_base : PV_BASE_FIRST, s;
	const struct kvm_cpuid_entry2 *t;
	char subj[48], want_s[64], got_s[96], first[64] = "";
	unsigned int bad = 0;
	size_t i;

	for (i = 0; i < x->nblock; i++) {
		const struct kvm_cpuid_entry2 *e = &x->block[i];

		t = table_find(x->table, x->nent, e->function, e->index);
		if (t && t->eax == e->eax && t->ebx == e->ebx && t->ecx == e->ecx &&
		    t->edx == e->edx)
			continue;
		if (!bad++)
			snprintf(first, sizeof(first), "0x%08x %s", e->function,
				 t ? "differs" : "missing");
	}
	for (i = 0; i < x->nent; i++) {
		t = &x->table[i];
		if (t->function < base || t->function > base + 0xff ||
		    table_find(x->block, x->nblock, t->function, t->index))
			continue;
		if (!bad++)
			snprintf(first, sizeof(first), "0x%08x not asked for", t->function);
	}
	for (s = PV_BASE_FIRST; s <= PV_BASE_LAST; s += 0x100) {
		t = table_find(x->table, x->nent, s, 0);
		if (s == base || !t || !entry_has_kvm_sig(t))
			continue;
		if (!bad++)
			snprintf(first, sizeof(first), "a KVM signature at 0x%08x too", s);
	}
	snprintf(subj, sizeof(subj), "KVM block 0x%08x", base);
	if (x->nblock)
		snprintf(want_s, sizeof(want_s), "the policy's %zu leaves, no other", x->nblock);
	else
		snprintf(want_s, sizeof(want_s), "no KVM leaves (signature hidden)");
	if (bad)
		snprintf(got_s, sizeof(got_s), "%u differ: %s", bad, first);
	else
		snprintf(got_s, sizeof(got_s), "exactly those");
	return report_add(rep, &(struct kvmcpuid_check){
		.kind = KVMCPUID_CHECK_LEAF, .verdict = bad ? KVMCPUID_FAIL : KVMCPUID_PASS,
		.feature = -1, .id = base,
		.expected = { .type = KVMCPUID_VALUE_COUNT, .u.count = 0 },
		.seen = { .type = KVMCPUID_VALUE_COUNT, .u.count = bad },
		.subject = subj, .expected_text = want_s, .seen_text = got_s,
		.cause = bad ? "the merged table does not hold the KVM block the policy asks for "
			       "(checked in the table, before any guest ran)" : NULL,
	});
}

static int check_leaves(const struct expect *x, const struct guest_io *r,
			struct kvmcpuid_report *rep)
{
	const struct guest_io *q = x->request;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < q->nleaves && !ret; i++) {
		uint32_t fn = q->leaves[i][0], idx = q->leaves[i][1];
		const struct guest_regs *got = &r->leaf_out[i];
		bool sentinel = !table_find(x->table, x->nent, fn, idx);
		struct guest_regs want;
		bool exact, fallback, ok;
		const char *cause = NULL;

		expected_regs(x, fn, idx, &want, &exact, &fallback);
		ok = exact ? regs_equal(&want, got) : !regs_kvm_sig(got);
		if (!ok || fallback)
			cause = leaf_cause(&want, got, fn, fallback);
		else if (sentinel)
			/* a sentinel is always reported with the rule that answered it */
			cause = guest_vendor(x) == KVMCPUID_VENDOR_AMD
				? "a missing leaf on an AMD/Hygon guest reads zeros"
				: "a missing leaf inside its block's range reads zeros";
		ret = add_leaf(rep, fn, idx, ok, &want, exact, false, got, cause);
	}
	if (!ret) {
		bool want = table_hypervisor_bit(x);

		ret = report_add(rep, &(struct kvmcpuid_check){
			.kind = KVMCPUID_CHECK_LEAF,
			.verdict = want == (bool)r->hypervisor_bit ? KVMCPUID_PASS : KVMCPUID_FAIL,
			.feature = -1, .id = 1, .reg = KVMCPUID_REG_ECX, .bit = 31,
			.expected = bit_value(want), .seen = bit_value(r->hypervisor_bit),
			.subject = "CPUID 0x1 ECX.hypervisor",
			.expected_text = want ? "set" : "clear",
			.seen_text = r->hypervisor_bit ? "set" : "clear",
			.cause = r->hypervisor_bit ? NULL
				 : "Linux looks for hypervisor leaves only when this bit is set",
		});
	}
	if (!ret && x->scan)
		ret = check_scan(x, rep);
	if (!ret && x->check_block)
		ret = check_block(x, rep);
	return ret;
}

static int check_detect(const struct expect *x, const struct guest_io *r,
			struct kvmcpuid_report *rep, uint32_t *want_base)
{
	char want_s[32], got_s[32];
	const char *cause = NULL;

	/* arch/x86/kernel/kvm.c kvm_cpuid_base: no X86_FEATURE_HYPERVISOR, no search */
	*want_base = table_hypervisor_bit(x) ? table_kvm_base(x->table, x->nent) : 0;
	snprintf(want_s, sizeof(want_s), *want_base ? "0x%08x" : "not found", *want_base);
	snprintf(got_s, sizeof(got_s), r->detect_base ? "0x%08x" : "not found", r->detect_base);
	if (!*want_base && table_kvm_base(x->table, x->nent))
		cause = "CPUID.1 has no hypervisor bit: Linux does not look for hypervisor "
			"leaves, so it finds no KVM and uses no PV feature";
	else if (!*want_base && x->policy_base)
		cause = "no KVM signature in 0x40000000-0x4000ff00: a Linux guest does not "
			"know it runs on KVM and uses no PV feature";
	return report_add(rep, &(struct kvmcpuid_check){
		.kind = KVMCPUID_CHECK_DETECT,
		.verdict = *want_base == r->detect_base ? KVMCPUID_PASS : KVMCPUID_FAIL,
		.feature = -1,
		.expected = { .type = KVMCPUID_VALUE_LEAF, .u.leaf = *want_base },
		.seen = { .type = KVMCPUID_VALUE_LEAF, .u.leaf = r->detect_base },
		.subject = "Linux finds KVM at", .expected_text = want_s, .seen_text = got_s,
		.cause = cause,
	});
}

static int check_features(const struct expect *x, const struct guest_io *r,
			  struct kvmcpuid_report *rep, uint32_t want_base)
{
	struct guest_regs want = { 0 };
	bool exact = true, fallback = false;
	unsigned int i;
	int ret = 0;

	if (want_base)
		expected_regs(x, want_base + 1, 0, &want, &exact, &fallback);
	for (i = 0; i < FEATURE_COUNT && !ret; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);
		uint32_t wword = f->reg == KVMCPUID_REG_EAX ? want.eax : want.edx;
		uint32_t gword = f->reg == KVMCPUID_REG_EAX ? r->detect_features : r->detect_hints;
		struct kvmcpuid_value w = feature_value(want_base != 0, wword, f->bit);
		struct kvmcpuid_value g = feature_value(r->detect_base != 0, gword, f->bit);
		const char *cause = NULL;
		bool ok = (w.type == g.type && w.u.bit == g.u.bit) || !exact;

		if (!ok && i == KVMCPUID_FEATURE_PV_UNHALT && g.type == KVMCPUID_VALUE_BIT &&
		    !g.u.bit)
			cause = "KVM strips pv_unhalt when HLT exits are disabled "
				"(KVM_CAP_X86_DISABLE_EXITS)";
		else if (!ok)
			cause = "the guest reads a different bit than the table has";
		ret = report_add(rep, &(struct kvmcpuid_check){
			.kind = KVMCPUID_CHECK_FEATURE,
			.verdict = ok ? KVMCPUID_PASS : KVMCPUID_FAIL,
			.feature = (int)i, .reg = f->reg, .bit = f->bit, .expected = w, .seen = g,
			.subject = f->name, .expected_text = bit_word(&w),
			.seen_text = bit_word(&g),
			.cause = cause,
		});
	}
	return ret;
}

int compare_results(struct kvmcpuid_ctx *ctx, const struct expect *x,
		    const struct guest_io *r, struct kvmcpuid_report *rep,
		    struct kvmcpuid_diag *diag)
{
	const struct kvm_cpuid_entry2 *fe;
	uint32_t want_base, enforce_features = 0, kvm_base;
	char why[160];
	size_t before = rep->n;
	int ret;

	if (validate(x, r, why, sizeof(why)) < 0)
		return diag_set(ctx, diag, EIO, NULL, 0, 0, "guest results are malformed: %s", why);
	/*
	 * Where enforcement takes the features from (host.c probe_enforcement): before 5.16
	 * the fixed entry 0x40000001, whatever signature sits at 0x40000000; from 5.16
	 * (760849b1476c) base+1 of the first block with the KVM signature, none without one.
	 * A missing entry leaves the fresh vCPU's features at 0: everything blocked.
	 */
	kvm_base = table_kvm_base(x->table, x->nent);
	if (x->enforce_leaf == ENFORCE_LEAF_FIXED)
		fe = table_find(x->table, x->nent, KVM_CPUID_SIGNATURE_LEAF + 1, 0);
	else
		fe = kvm_base ? table_find(x->table, x->nent, kvm_base + 1, 0) : NULL;
	if (fe)
		enforce_features = fe->eax;
	rep->detected_base = r->detect_base;
	rep->guest_features = r->detect_features;
	rep->guest_hints = r->detect_hints;
	rep->enforced = x->enforce;
	rep->enforce_leaf = x->enforce_leaf;
	snprintf(rep->kernel, sizeof(rep->kernel), "%s", x->kernel ? x->kernel : "unknown");
	if (!x->hypercalls_run && x->hypercall_note)
		snprintf(rep->hypercall_note, sizeof(rep->hypercall_note), "%s", x->hypercall_note);
	ret = check_leaves(x, r, rep);
	if (!ret)
		ret = check_detect(x, r, rep, &want_base);
	if (!ret)
		ret = check_features(x, r, rep, want_base);
	if (!ret)
		ret = check_msrs(x, r, rep, enforce_features, fe != NULL);
	if (!ret)
		ret = check_hcalls(x, r, rep, enforce_features, fe != NULL);
	if (ret < 0)
		rep->n = before;
	return ret;
}
