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

static const struct {
	uint32_t nr;
	uint64_t args[4];
} hcalls[] = {
	/* Harmless: kick / yield to an APIC ID nobody has, an IPI to nobody. */
	{ KVM_HC_KICK_CPU, { 0, 0xfe, 0, 0 } },
	{ KVM_HC_SEND_IPI, { 0, 0, 0, 0 } },
	{ KVM_HC_SCHED_YIELD, { 0xfe, 0, 0, 0 } },
	{ KVM_HC_MAP_GPA_RANGE, { 0x100000, 0, 0, 0 } },
};

static int msr_feature(uint32_t msr)
{
	unsigned int i, k;

	for (i = 0; i < FEATURE_COUNT; i++)
		for (k = 0; k < feature_get(i)->nmsrs; k++)
			if (feature_get(i)->msrs[k] == msr)
				return (int)i;
	return -1;
}

/* The feature gating bits of a write to msr (feature_get: wr_msr, wr_bits), or -1. */
static int msr_bit_feature(uint32_t msr, uint64_t value)
{
	unsigned int i;

	for (i = 0; i < FEATURE_COUNT && value; i++)
		if (feature_get(i)->wr_msr == msr && feature_get(i)->wr_bits == value)
			return (int)i;
	return -1;
}

static int hcall_feature(uint32_t nr)
{
	unsigned int i;

	for (i = 0; i < FEATURE_COUNT; i++)
		if (feature_get(i)->hypercall == (int)nr)
			return (int)i;
	return -1;
}

static bool request_has(const struct guest_io *io, uint32_t fn, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < io->nleaves; i++)
		if (io->leaves[i][0] == fn && io->leaves[i][1] == idx)
			return true;
	return false;
}

/* A sentinel: a step outside the table, so that an out-of-range rule of KVM answers it. */
static void add_sentinel(struct guest_io *io, const struct kvm_cpuid_entry2 *table,
			 size_t nent, uint32_t fn)
{
	if (io->nleaves >= GUEST_MAX_LEAVES || table_find(table, nent, fn, 0) ||
	    request_has(io, fn, 0))
		return;
	io->leaves[io->nleaves][0] = fn;
	io->leaves[io->nleaves++][1] = 0;
}

/*
 * The leaves a guest can meet: every entry of the table in 0x40000000-0x4000FFFF (the KVM
 * block and any other block the VMM put there), then sentinels, one per rule of KVM for a
 * leaf the table lacks (arch/x86/kvm/cpuid.c get_out_of_range_cpuid_entry): inside the
 * KVM block's range (zeros), past its max leaf (the max basic leaf on all but AMD/Hygon
 * guests), and the first 0x100 step with no block at all (the same, no class).  Linux's
 * detection walk and CPUID.1 the guest does on its own.
 */
static void request_leaves(struct guest_io *io, const struct kvm_cpuid_entry2 *table,
			   size_t nent, uint32_t base)
{
	const struct kvm_cpuid_entry2 *b;
	uint32_t fn, max;
	size_t i;

	for (i = 0; i < nent && io->nleaves < GUEST_MAX_LEAVES - 3; i++) {
		if (table[i].function < PV_BASE_FIRST || table[i].function > PV_BASE_LAST + 0xff)
			continue;
		io->leaves[io->nleaves][0] = table[i].function;
		io->leaves[io->nleaves++][1] =
			table[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX ? table[i].index : 0;
	}
	b = table_find(table, nent, base, 0);
	if (b) {
		/* legacy-zero (EAX 0) is read as base+1 by guests, but KVM takes EAX as is */
		max = b->eax > base && b->eax <= base + 0xff ? b->eax : base;
		for (fn = base + 1; fn <= max && table_find(table, nent, fn, 0); fn++)
			;
		if (fn <= max)
			add_sentinel(io, table, nent, fn);
		if (max < base + 0xff)
			add_sentinel(io, table, nent, max + 1);
	}
	for (fn = PV_BASE_FIRST; fn <= PV_BASE_LAST; fn += 0x100)
		if (!table_find(table, nent, fn, 0)) {
			add_sentinel(io, table, nent, fn);
			break;
		}
}

void request_fill(struct guest_io *io, const struct kvm_cpuid_entry2 *table, size_t nent,
		  uint32_t base, unsigned int flags, bool amd)
{
	unsigned int i, k;

	memset(io, 0, sizeof(*io));
	io->magic = GUEST_MAGIC;
	io->use_vmmcall = amd;
	io->flags = flags;
	if (!base)
		base = table_kvm_base(table, nent);
	request_leaves(io, table, nent, base ? base : PV_BASE_FIRST);
	for (i = 0; i < FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);

		for (k = 0; k < f->nmsrs && io->nmsrs < GUEST_MAX_MSRS; k++) {
			io->msrs[io->nmsrs] = f->msrs[k];
			/* 0 disables everything, except: the wall clock has no enable bit (KVM
			 * writes it to the address given: point at scratch), and poll control's
			 * default is 1 (polling on). */
			if (f->msrs[k] == MSR_KVM_WALL_CLOCK || f->msrs[k] == MSR_KVM_WALL_CLOCK_NEW)
				io->msr_write[io->nmsrs] = GUEST_SCRATCH;
			else if (f->msrs[k] == MSR_KVM_POLL_CONTROL)
				io->msr_write[io->nmsrs] = 1;
			io->nmsrs++;
		}
	}
	/* A write with each gated bit alone: without KVM_ASYNC_PF_ENABLED nothing starts. */
	for (i = 0; i < FEATURE_COUNT && io->nmsrs < GUEST_MAX_MSRS; i++) {
		const struct kvmcpuid_feature *f = feature_get(i);

		if (!f->wr_msr)
			continue;
		io->msrs[io->nmsrs] = f->wr_msr;
		io->msr_write[io->nmsrs++] = f->wr_bits;
	}
	/* No feature gates it (features.c): probed for what KVM does with it. */
	if (io->nmsrs < GUEST_MAX_MSRS)
		io->msrs[io->nmsrs++] = MSR_KVM_MIGRATION_CONTROL;
	for (i = 0; i < ARRAY_SIZE(hcalls); i++) {
		io->hcalls[i] = hcalls[i].nr;
		memcpy(io->hcall_args[i], hcalls[i].args, sizeof(hcalls[i].args));
	}
	io->nhcalls = ARRAY_SIZE(hcalls);
}

unsigned int request_cpuid_exits(const struct guest_io *r)
{
	/* the listed leaves, CPUID.1, the walk's steps and base+1 of what it found */
	return r->leaves_done + 1 + r->walk_steps + (r->detect_base != 0);
}

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

static const char *access_word(uint32_t rd, uint32_t wr, char *buf, size_t len)
{
	static const char *const v[] = { [0] = "ok", [6] = "#UD", [13] = "#GP" };

	snprintf(buf, len, "read %s, write %s", v[rd] ? v[rd] : "?", v[wr] ? v[wr] : "?");
	return buf;
}

/* rd and wr are 0, 6 or 13: validate() refused anything else from the guest. */
static struct kvmcpuid_value access_value(uint32_t rd, uint32_t wr)
{
	return (struct kvmcpuid_value){
		.type = KVMCPUID_VALUE_ACCESS,
		.u.access = { (enum kvmcpuid_fault)rd, (enum kvmcpuid_fault)wr },
	};
}

/* MSRs KVM has no handler for: KVM_MSR_RET_INVALID, #GP unless kvm.ignore_msrs. */
static bool msr_unhandled(uint32_t msr)
{
	return msr == MSR_KVM_MIGRATION_CONTROL;
}

static int check_msrs(const struct expect *x, const struct guest_io *r,
		      struct kvmcpuid_report *rep, uint32_t enforce_features, bool kvm_found)
{
	const struct guest_io *q = x->request;
	bool hidden = x->enforce && x->ignore_msrs && x->pv_refusal_ignored;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < q->nmsrs && !ret; i++) {
		uint32_t msr = q->msrs[i], want_rd = 0, want_wr = 0;
		int feat = msr_feature(msr), bfeat = msr_bit_feature(msr, q->msr_write[i]);
		const struct kvmcpuid_feature *f = feature_get((unsigned int)feat);
		const struct kvmcpuid_feature *bf = feature_get((unsigned int)bfeat);
		bool visible = f && ((enforce_features >> f->bit) & 1) && kvm_found;
		bool bit_visible = bf && ((enforce_features >> bf->bit) & 1) && kvm_found;
		const char *cause = NULL;
		char subj[48], want_s[40], got_s[40];
		bool ok;

		if (msr_unhandled(msr)) {
			/* kvm_msr_ignored_check (arch/x86/kvm/x86.c): enforcement plays no part */
			if (!x->ignore_msrs) {
				want_rd = want_wr = 13;
				cause = "KVM does not emulate MSR_KVM_MIGRATION_CONTROL: a VMM that "
					"offers migration_control must handle it "
					"(KVM_CAP_X86_USER_SPACE_MSR)";
			} else {
				cause = "KVM has no handler for it and kvm.ignore_msrs=1: reads 0, "
					"writes are dropped";
			}
		} else if (x->enforce && !visible && hidden) {
			cause = "masked and enforced, but kvm.ignore_msrs=1 turns KVM's refusal "
				"into read 0 / write dropped";
		} else if (x->enforce && !visible) {
			want_rd = want_wr = 13;
			cause = kvm_found ? "masked and enforced: KVM answers #GP"
					  : x->enforce_leaf == ENFORCE_LEAF_FIXED
					  ? "enforced with no leaf 0x40000001: this kernel reads the "
					    "features there whatever the signature, so it blocks every "
					    "PV MSR"
					  : "enforced with no KVM signature: KVM blocks every PV MSR";
		} else if (msr == MSR_KVM_STEAL_TIME && !x->host_steal_time) {
			/* returns 1, not KVM_MSR_RET_INVALID: ignore_msrs does not hide it */
			want_wr = 13;
			cause = "the host kernel has no sched_info: KVM refuses to enable steal time";
		} else if (!x->enforce && f && !visible) {
			cause = "masked but not enforced: masking is advisory, the guest can still "
				"use it (enforce = on makes it #GP)";
		}
		/*
		 * The MSR passed (or its refusal was ignored): kvm_pv_enable_async_pf
		 * (arch/x86/kvm/x86.c) then refuses the bit of a masked feature with 1, not
		 * KVM_MSR_RET_INVALID, so kvm.ignore_msrs never hides it.
		 */
		if (bf && x->enforce && visible && !bit_visible) {
			want_wr = 13;
			cause = "masked and enforced: KVM refuses a write setting this bit "
				"(kvm_pv_enable_async_pf)";
		} else if (bf && !cause && !x->enforce && !bit_visible) {
			cause = "masked but not enforced: masking is advisory, KVM accepts the bit "
				"(enforce = on makes the write #GP)";
		}
		if (bf)
			feat = bfeat;
		ok = r->msr_out[i].rd_vector == want_rd && r->msr_out[i].wr_vector == want_wr;
		if (!ok)
			cause = want_rd || want_wr ? "KVM let the guest use an MSR it should refuse: "
				"is KVM_CAP_ENFORCE_PV_FEATURE_CPUID in effect?"
				: "KVM refused an MSR the table grants (does the host support it?)";
		if (bf)
			snprintf(subj, sizeof(subj), "MSR 0x%x bit %d", msr,
				 __builtin_ctzll(bf->wr_bits));
		else
			snprintf(subj, sizeof(subj), "MSR 0x%x", msr);
		ret = report_add(rep, &(struct kvmcpuid_check){
			.kind = KVMCPUID_CHECK_MSR, .verdict = ok ? KVMCPUID_PASS : KVMCPUID_FAIL,
			.feature = feat, .id = msr, .expected = access_value(want_rd, want_wr),
			.seen = access_value(r->msr_out[i].rd_vector, r->msr_out[i].wr_vector),
			.subject = subj,
			.expected_text = access_word(want_rd, want_wr, want_s, sizeof(want_s)),
			.seen_text = access_word(r->msr_out[i].rd_vector, r->msr_out[i].wr_vector,
						 got_s, sizeof(got_s)),
			.cause = cause,
		});
	}
	/* Said once: no MSR check above can tell enforcement from its absence. */
	if (!ret && hidden)
		ret = report_add(rep, &(struct kvmcpuid_check){
			.kind = KVMCPUID_CHECK_MSR, .verdict = KVMCPUID_UNTESTABLE, .feature = -1,
			.expected = access_value(KVMCPUID_FAULT_GP, KVMCPUID_FAULT_GP),
			.seen = access_value(KVMCPUID_FAULT_NONE, KVMCPUID_FAULT_NONE),
			.subject = "MSR enforcement", .expected_text = "#GP on masked PV MSRs",
			.seen_text = "no fault (kvm.ignore_msrs=1)",
			.cause = "enforcement cannot be observed through MSRs on this host "
				 "(kvm.ignore_msrs=1)",
		});
	return ret;
}

static int check_hcalls(const struct expect *x, const struct guest_io *r,
			struct kvmcpuid_report *rep, uint32_t enforce_features, bool kvm_found)
{
	const struct guest_io *q = x->request;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < q->nhcalls && !ret; i++) {
		int feat = hcall_feature(q->hcalls[i]);
		const struct kvmcpuid_feature *f = feature_get((unsigned int)feat);
		bool visible = f && ((enforce_features >> f->bit) & 1) && kvm_found;
		bool want_enosys = x->enforce && !visible;
		struct kvmcpuid_check c = {
			.kind = KVMCPUID_CHECK_HYPERCALL, .feature = feat, .id = q->hcalls[i],
			.expected.type = KVMCPUID_VALUE_RET, .seen.type = KVMCPUID_VALUE_NONE,
		};
		const char *cause = NULL;
		char subj[48], got_s[40];
		int verdict;

		snprintf(subj, sizeof(subj), "hypercall %u", q->hcalls[i]);
		if (q->hcalls[i] == KVM_HC_MAP_GPA_RANGE) {
			want_enosys = true;
			/* kvm_emulate_hypercall (x86.c): no guest_pv_has, only the exit cap */
			cause = "not gated by enforcement: KVM answers -KVM_ENOSYS unless the VMM "
				"enables KVM_CAP_EXIT_HYPERCALL (the verifying VM does not), "
				"whatever hc_map_gpa_range says";
		} else if (!x->enforce && f && !visible) {
			cause = "masked but not enforced: masking is advisory, the guest can still "
				"use it";
		}
		/*
		 * Handled, the three return 0 for the arguments the guest passes: KICK_CPU
		 * and SCHED_YIELD always (kvm_emulate_hypercall, arch/x86/kvm/x86.c), SEND_IPI
		 * the number of IPIs sent, none for an empty bitmap (kvm_pv_send_ipi).
		 */
		c.expected.u.ret = want_enosys ? -KVM_ENOSYS : 0;
		c.subject = subj;
		c.expected_text = want_enosys ? "-1000 (-KVM_ENOSYS)" : "0";
		if (!x->hypercalls_run) {
			c.verdict = KVMCPUID_UNTESTABLE;
			c.seen_text = "not run";
			c.cause = x->hypercall_note;
			ret = report_add(rep, &c);
			continue;
		}
		if (i >= r->hcalls_done) {
			verdict = KVMCPUID_FAIL;
			snprintf(got_s, sizeof(got_s), "did not complete");
			cause = "the hypercall never returned to the guest";
		} else {
			c.seen.type = KVMCPUID_VALUE_RET;
			c.seen.u.ret = r->hcall_ret[i];
			snprintf(got_s, sizeof(got_s), "%lld", (long long)r->hcall_ret[i]);
			verdict = c.seen.u.ret == c.expected.u.ret ? KVMCPUID_PASS : KVMCPUID_FAIL;
			if (verdict == KVMCPUID_FAIL)
				cause = want_enosys ? "KVM handled a hypercall it should refuse: is "
					"enforcement in effect?" : r->hcall_ret[i] == -KVM_ENOSYS ?
					"KVM refused a hypercall the table grants" :
					"KVM handled the hypercall but returned an unexpected value";
		}
		c.verdict = verdict;
		c.seen_text = got_s;
		c.cause = cause;
		ret = report_add(rep, &c);
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
