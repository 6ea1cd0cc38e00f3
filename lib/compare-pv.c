// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PV half of the comparison: each MSR's read and write, each hypercall's return,
 * against what enforcement, kvm.ignore_msrs and KVM's handlers predict.
 */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>
#include <string.h>

#include "report.h"

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

int check_msrs(const struct expect *x, const struct guest_io *r,
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

int check_hcalls(const struct expect *x, const struct guest_io *r,
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
