// SPDX-License-Identifier: LGPL-2.1-or-later
/* The comparison on synthetic guest results, including hostile ones. */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>

#include "report.h"
#include "testutil.h"

#define AMD_LEAF0 { .function = 0, .eax = 0x10, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65 }
#define INTEL_LEAF0 { .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 }

static struct kvmcpuid_ctx *ctx;
static struct kvm_cpuid_entry2 table[4];
static struct guest_io req, res;
static struct expect x;

static void make_table(bool intel, uint32_t features)
{
	struct kvm_cpuid_entry2 l0i = INTEL_LEAF0, l0a = AMD_LEAF0;

	memset(table, 0, sizeof(table));
	table[0] = intel ? l0i : l0a;
	table[1] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 1u << 31 };
	table[2] = (struct kvm_cpuid_entry2){ .function = 0x40000000, .eax = 0x40000001,
					      .ebx = KVM_SIG_EBX, .ecx = KVM_SIG_ECX,
					      .edx = KVM_SIG_EDX };
	table[3] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = features };
}

/* What a well-behaved guest under a well-behaved KVM writes back. */
static void honest_results(bool enforce)
{
	unsigned int i;

	memcpy(&res, &req, sizeof(req));
	res.leaves_done = req.nleaves;
	res.leaf_out[0] = (struct guest_regs){ table[2].eax, table[2].ebx, table[2].ecx, table[2].edx };
	res.leaf_out[1] = (struct guest_regs){ table[3].eax, 0, 0, 0 };
	res.hypervisor_bit = 1;
	res.walk_steps = 1;
	res.detect_base = 0x40000000;
	res.detect_features = table[3].eax;
	res.msrs_done = req.nmsrs;
	for (i = 0; i < req.nmsrs; i++) {
		int f = -1;
		unsigned int k, j;

		for (k = 0; k < KVMCPUID_FEATURE_COUNT; k++) {
			const struct kvmcpuid_feature *ft = kvmcpuid_feature(k);

			for (j = 0; j < ft->nmsrs; j++)
				if (ft->msrs[j] == req.msrs[i])
					f = (int)k;
		}
		if (req.msrs[i] == MSR_KVM_MIGRATION_CONTROL ||
		    (enforce && !(table[3].eax & (1u << kvmcpuid_feature((unsigned int)f)->bit))))
			res.msr_out[i].rd_vector = res.msr_out[i].wr_vector = 13;
		else if (enforce && req.msr_write[i] & KVM_ASYNC_PF_DELIVERY_AS_INT &&
			 req.msrs[i] == MSR_KVM_ASYNC_PF_EN && !(table[3].eax & (1u << KVM_FEATURE_ASYNC_PF_INT)))
			res.msr_out[i].wr_vector = 13;	/* kvm_pv_enable_async_pf */
		else if (enforce && req.msr_write[i] & KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT &&
			 req.msrs[i] == MSR_KVM_ASYNC_PF_EN &&
			 !(table[3].eax & (1u << KVM_FEATURE_ASYNC_PF_VMEXIT)))
			res.msr_out[i].wr_vector = 13;
	}
}

static struct kvmcpuid_report *run(int expect_ret)
{
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(report_new(ctx, "t", &rep), 0);
	ck_assert_int_eq(compare_results(ctx, &x, &res, rep, &d), expect_ret);
	if (expect_ret)
		ck_assert(strstr(d.message, "guest results are malformed"));
	return rep;
}

static void setup(void)
{
	ctx = test_ctx();
	make_table(false, 0x01007efb);
	request_fill(&req, table, 4, 0x40000000, 0, true);
	x = (struct expect){ .table = table, .nent = 4, .policy_base = 0x40000000,
			     .host_steal_time = true, .hypercall_note = "not run here",
			     .request = &req };
	honest_results(false);
}

static void teardown(void)
{
	ctx = kvmcpuid_unref(ctx);
}

/* The first check of a kind about id (a feature id for FEATURE checks), or NULL. */
static const struct kvmcpuid_check *lookup(const struct kvmcpuid_report *rep, int kind,
					   uint32_t id)
{
	const struct kvmcpuid_check *c;
	size_t i;

	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++)
		if ((int)c->kind == kind &&
		    (kind == KVMCPUID_CHECK_FEATURE ? c->feature == (int)id : c->id == id))
			return c;
	return NULL;
}

static const struct kvmcpuid_check *find(const struct kvmcpuid_report *rep, int kind,
					 uint32_t id)
{
	const struct kvmcpuid_check *c = lookup(rep, kind, id);

	ck_assert_msg(c, "no check of kind %d about 0x%x", kind, id);
	return c;
}

START_TEST(test_honest_passes)
{
	struct kvmcpuid_report *rep = run(0);
	const struct kvmcpuid_check *c;

	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_uint_eq(kvmcpuid_report_info(rep)->detected_base, 0x40000000);
	c = find(rep, KVMCPUID_CHECK_HYPERCALL, KVM_HC_KICK_CPU);
	ck_assert_str_eq(c->subject, "hypercall 5");
	ck_assert_int_eq(c->verdict, KVMCPUID_UNTESTABLE);
	ck_assert_str_eq(c->cause, "not run here");
	ck_assert_int_eq(c->feature, KVMCPUID_FEATURE_PV_UNHALT);
	ck_assert_int_eq(c->expected.type, KVMCPUID_VALUE_RET);
	ck_assert_int_eq(c->expected.u.ret, 0);
	ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_NONE);
	ck_assert_str_eq(c->seen_text, "not run");
	/* advisory masking is explained even when it passes */
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME);
	ck_assert_str_eq(c->subject, "MSR 0x4b564d03");
	ck_assert_ptr_null(c->cause);
	ck_assert_int_eq(c->feature, KVMCPUID_FEATURE_STEAL_TIME);
	ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_ACCESS);
	ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_NONE);
	ck_assert_int_eq(c->seen.u.access.write, KVMCPUID_FAULT_NONE);
	c = find(rep, KVMCPUID_CHECK_DETECT, 0);
	ck_assert_int_eq(c->expected.type, KVMCPUID_VALUE_LEAF);
	ck_assert_uint_eq(c->seen.u.leaf, 0x40000000);
	ck_assert_str_eq(c->seen_text, "0x40000000");
	c = find(rep, KVMCPUID_CHECK_LEAF, 0x40000001);
	ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_REGS);
	ck_assert_uint_eq(c->seen.u.regs[KVMCPUID_REG_EAX], 0x01007efb);
	ck_assert_str_eq(c->seen_text, "01007efb 00000000 00000000 00000000");
	ck_assert_str_eq(c->kind_name, "leaf");
	ck_assert_str_eq(c->verdict_name, "pass");
	kvmcpuid_report_unref(rep);
}
END_TEST

START_TEST(test_enforced_mask)
{
	const struct kvmcpuid_check *c;
	struct kvmcpuid_report *rep;

	make_table(false, 0x01007efb & ~(1u << KVM_FEATURE_STEAL_TIME));
	x.enforce = true;
	honest_results(true);
	rep = run(0);
	ck_assert(kvmcpuid_report_ok(rep));
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME);
	ck_assert_str_eq(c->expected_text, "read #GP, write #GP");
	ck_assert_int_eq(c->expected.u.access.read, KVMCPUID_FAULT_GP);
	ck_assert_int_eq(c->expected.u.access.write, KVMCPUID_FAULT_GP);
	ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_GP);
	ck_assert(strstr(c->cause, "masked and enforced"));
	kvmcpuid_report_unref(rep);

	/* KVM did not enforce: caught */
	res.msr_out[5].rd_vector = res.msr_out[5].wr_vector = 0;
	ck_assert_uint_eq(req.msrs[5], MSR_KVM_STEAL_TIME);
	rep = run(0);
	ck_assert(!kvmcpuid_report_ok(rep));
	c = find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME);
	ck_assert_int_eq(c->verdict, KVMCPUID_FAIL);
	ck_assert_str_eq(c->verdict_name, "FAIL");
	ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_NONE);
	ck_assert(strstr(c->cause, "ENFORCE_PV_FEATURE_CPUID"));
	kvmcpuid_report_unref(rep);
}
END_TEST

START_TEST(test_wrong_expectation_caught)
{
	const struct kvmcpuid_check *c;
	struct kvmcpuid_report *rep;

	/* the guest sees pv_unhalt cleared: KVM stripped it */
	res.leaf_out[1].eax &= ~(1u << KVM_FEATURE_PV_UNHALT);
	res.detect_features = res.leaf_out[1].eax;
	rep = run(0);
	ck_assert(!kvmcpuid_report_ok(rep));
	c = find(rep, KVMCPUID_CHECK_FEATURE, KVMCPUID_FEATURE_PV_UNHALT);
	ck_assert_str_eq(c->subject, "pv_unhalt");
	ck_assert_int_eq(c->verdict, KVMCPUID_FAIL);
	ck_assert_str_eq(c->expected_text, "set");
	ck_assert_str_eq(c->seen_text, "clear");
	ck_assert_int_eq(c->expected.type, KVMCPUID_VALUE_BIT);
	ck_assert(c->expected.u.bit);
	ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_BIT);
	ck_assert(!c->seen.u.bit);
	ck_assert_int_eq(c->reg, KVMCPUID_REG_EAX);
	ck_assert_uint_eq(c->bit, KVM_FEATURE_PV_UNHALT);
	ck_assert(strstr(c->cause, "HLT exits"));
	c = find(rep, KVMCPUID_CHECK_LEAF, 0x40000001);
	ck_assert(strstr(c->cause, "stripped pv_unhalt"));
	ck_assert_uint_eq(c->expected.u.regs[KVMCPUID_REG_EAX] ^ c->seen.u.regs[KVMCPUID_REG_EAX],
			  1u << KVM_FEATURE_PV_UNHALT);
	kvmcpuid_report_unref(rep);
}
END_TEST

/* No KVM leaves in the table; the guest reads something else (1 2 3 4) at the base. */
static void hidden_results(void)
{
	x.nent = 2;
	honest_results(false);
	res.leaf_out[0] = res.leaf_out[1] = (struct guest_regs){ 1, 2, 3, 4 };
	res.walk_steps = GUEST_SCAN_STEPS;
	res.detect_base = 0;
	res.detect_features = 0;
}

START_TEST(test_intel_missing_leaf)
{
	struct kvmcpuid_report *rep;

	/* hidden on an Intel-vendor guest: the scan reads the max basic leaf's data */
	make_table(true, 0);
	hidden_results();
	rep = run(0);
	ck_assert_msg(kvmcpuid_report_ok(rep), "Intel fallback data must not fail");
	ck_assert(strstr(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->cause, "max basic leaf"));
	ck_assert_int_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->expected.type,
			 KVMCPUID_VALUE_MAX_BASIC);
	ck_assert_int_eq(find(rep, KVMCPUID_CHECK_FEATURE, 0)->seen.type, KVMCPUID_VALUE_NONE);
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_FEATURE, 0)->seen_text, "absent");
	kvmcpuid_report_unref(rep);
}
END_TEST

/* A vendor KVM does not know takes the Intel path: out of range is the max basic leaf. */
START_TEST(test_other_vendor_missing_leaf)
{
	struct kvmcpuid_report *rep;

	make_table(false, 0);
	table[0].ebx = 0x746e6543;	/* "CentaurHauls" */
	table[0].edx = 0x48727561;
	table[0].ecx = 0x736c7561;
	hidden_results();
	rep = run(0);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->expected_text,
			 "max basic leaf data");
	ck_assert_int_eq(find(rep, KVMCPUID_CHECK_LEAF, 0x40000000)->expected.type,
			 KVMCPUID_VALUE_MAX_BASIC);
	kvmcpuid_report_unref(rep);
	/* the same on an AMD guest must read zeros */
	make_table(false, 0);
	rep = run(0);
	ck_assert(!kvmcpuid_report_ok(rep));
	kvmcpuid_report_unref(rep);
}
END_TEST

/* A custom signature at 0x40000000 with features in 0x40000001, enforced. */
static struct kvmcpuid_report *custom_signature_run(uint8_t model, bool blocked)
{
	unsigned int i;

	make_table(false, 1u << KVM_FEATURE_POLL_CONTROL);
	table[2].ebx = 0x6e6b6e55;	/* not "KVMK" */
	x.enforce = true;
	x.enforce_leaf = model;
	honest_results(true);
	res.leaf_out[0] = (struct guest_regs){ table[2].eax, table[2].ebx, table[2].ecx,
					       table[2].edx };
	res.walk_steps = GUEST_SCAN_STEPS;
	res.detect_base = 0;
	res.detect_features = 0;
	for (i = 0; i < req.nmsrs; i++)
		if (req.msrs[i] == MSR_KVM_POLL_CONTROL)
			res.msr_out[i].rd_vector = res.msr_out[i].wr_vector = blocked ? 13 : 0;
	return run(0);
}

START_TEST(test_enforce_leaf_models)
{
	struct kvmcpuid_report *rep;

	/* before 5.16: the fixed leaf counts whatever the signature */
	rep = custom_signature_run(ENFORCE_LEAF_FIXED, false);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_POLL_CONTROL)->expected_text,
			 "read ok, write ok");
	ck_assert_int_eq(find(rep, KVMCPUID_CHECK_MSR,
			      MSR_KVM_POLL_CONTROL)->expected.u.access.read, KVMCPUID_FAULT_NONE);
	kvmcpuid_report_unref(rep);
	/* from 5.16: no KVM signature, nothing allowed */
	rep = custom_signature_run(ENFORCE_LEAF_SCAN, true);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert(strstr(find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_POLL_CONTROL)->cause,
			 "no KVM signature"));
	kvmcpuid_report_unref(rep);
	/* the wrong model is caught */
	rep = custom_signature_run(ENFORCE_LEAF_SCAN, false);
	ck_assert(!kvmcpuid_report_ok(rep));
	kvmcpuid_report_unref(rep);
}
END_TEST

START_TEST(test_ignore_msrs)
{
	const struct kvmcpuid_check *c;
	struct kvmcpuid_report *rep;
	unsigned int i;

	make_table(false, 0x01007efb & ~(1u << KVM_FEATURE_STEAL_TIME));
	x.enforce = true;
	x.ignore_msrs = true;
	/* refusals return 1 (before 5bb9ac186512): only the unhandled MSR stops faulting */
	honest_results(true);
	for (i = 0; i < req.nmsrs; i++)
		if (req.msrs[i] == MSR_KVM_MIGRATION_CONTROL)
			res.msr_out[i].rd_vector = res.msr_out[i].wr_vector = 0;
	rep = run(0);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_str_eq(find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME)->expected_text,
			 "read #GP, write #GP");
	ck_assert_int_eq(find(rep, KVMCPUID_CHECK_MSR, MSR_KVM_STEAL_TIME)->expected.u.access.write,
			 KVMCPUID_FAULT_GP);
	/* the whole-set MSR check is MSR id 0 */
	ck_assert_ptr_null(lookup(rep, KVMCPUID_CHECK_MSR, 0));
	kvmcpuid_report_unref(rep);
	/* refusals ignored too: nothing faults, and the report says it cannot tell */
	x.pv_refusal_ignored = true;
	for (i = 0; i < req.nmsrs; i++)
		res.msr_out[i].rd_vector = res.msr_out[i].wr_vector = 0;
	rep = run(0);
	ck_assert(kvmcpuid_report_ok(rep));
	c = find(rep, KVMCPUID_CHECK_MSR, 0);
	ck_assert_str_eq(c->subject, "MSR enforcement");
	ck_assert_int_eq(c->verdict, KVMCPUID_UNTESTABLE);
	ck_assert_int_eq(c->seen.u.access.read, KVMCPUID_FAULT_NONE);
	ck_assert_int_eq(c->expected.u.access.read, KVMCPUID_FAULT_GP);
	ck_assert(strstr(c->cause, "cannot be observed"));
	kvmcpuid_report_unref(rep);
}
END_TEST

/* Linux's rule: no hypervisor bit in CPUID.1, no search, no KVM found. */
START_TEST(test_hypervisor_bit_gates_detection)
{
	struct kvmcpuid_report *rep;

	table[1].ecx = 0;
	res.hypervisor_bit = 0;
	res.walk_steps = 0;
	res.detect_base = 0;
	res.detect_features = 0;
	rep = run(0);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert(strstr(lookup(rep, KVMCPUID_CHECK_DETECT, 0)->cause, "no hypervisor bit"));
	ck_assert_uint_eq(lookup(rep, KVMCPUID_CHECK_DETECT, 0)->expected.u.leaf, 0);
	kvmcpuid_report_unref(rep);
	/* a guest that found KVM all the same walked without the bit: malformed */
	res.walk_steps = 1;
	res.detect_base = 0x40000000;
	rep = run(-EIO);
	kvmcpuid_report_unref(rep);
	/* with the bit the same table expects KVM at 0x40000000 */
	table[1].ecx = 1u << 31;
	res.hypervisor_bit = 0;
	res.walk_steps = 0;
	res.detect_base = 0;
	rep = run(0);
	ck_assert(!kvmcpuid_report_ok(rep));
	kvmcpuid_report_unref(rep);
}
END_TEST

/* The static check: the table holds exactly the policy's KVM block. */
static const struct kvmcpuid_check *block_check(const struct kvmcpuid_report *rep)
{
	const struct kvmcpuid_check *c;
	size_t i;

	for (i = 0; (c = kvmcpuid_report_check(rep, i)); i++)
		if (!strncmp(c->subject, "KVM block", 9))
			return c;
	return NULL;
}

START_TEST(test_kvm_block_check)
{
	static struct kvm_cpuid_entry2 big[6];
	struct kvm_cpuid_entry2 built[2];
	struct kvmcpuid_report *rep;

	memcpy(built, &table[2], sizeof(built));
	x.check_block = true;
	x.block = built;
	x.nblock = 2;
	rep = run(0);
	ck_assert(kvmcpuid_report_ok(rep));
	ck_assert_str_eq(block_check(rep)->seen_text, "exactly those");
	kvmcpuid_report_unref(rep);
	/* missing: the table lost the block (the guest reads what it reads: not the point) */
	x.nent = 2;
	rep = run(0);
	ck_assert_int_eq(block_check(rep)->verdict, KVMCPUID_FAIL);
	ck_assert(strstr(block_check(rep)->seen_text, "0x40000000 missing"));
	kvmcpuid_report_unref(rep);
	/* duplicated: a second KVM block at 0x40000100 */
	memcpy(big, table, sizeof(table));
	big[4] = table[2];
	big[4].function = 0x40000100;
	big[4].eax = 0x40000101;
	big[5] = table[3];
	big[5].function = 0x40000101;
	x.table = big;
	x.nent = 6;
	rep = run(0);
	ck_assert_int_eq(block_check(rep)->verdict, KVMCPUID_FAIL);
	ck_assert(strstr(block_check(rep)->seen_text, "KVM signature at 0x40000100"));
	kvmcpuid_report_unref(rep);
	/* a leaf the policy did not ask for inside the block */
	big[4] = (struct kvm_cpuid_entry2){ .function = 0x40000010, .eax = 1 };
	x.nent = 5;
	rep = run(0);
	ck_assert_int_eq(block_check(rep)->verdict, KVMCPUID_FAIL);
	ck_assert(strstr(block_check(rep)->seen_text, "0x40000010 not asked for"));
	kvmcpuid_report_unref(rep);
}
END_TEST

/* The request: the table's hypervisor-range leaves and one sentinel per rule. */
START_TEST(test_request_sentinels)
{
	ck_assert_uint_eq(req.nleaves, 4);
	ck_assert_uint_eq(req.leaves[0][0], 0x40000000);
	ck_assert_uint_eq(req.leaves[1][0], 0x40000001);
	ck_assert_uint_eq(req.leaves[2][0], 0x40000002);	/* past the max leaf */
	ck_assert_uint_eq(req.leaves[3][0], 0x40000100);	/* no block at all */
	/* timing-like: max leaf 0x40000010 leaves a gap inside the block */
	table[2].eax = 0x40000010;
	request_fill(&req, table, 4, 0x40000000, 0, true);
	ck_assert_uint_eq(req.nleaves, 5);
	ck_assert_uint_eq(req.leaves[2][0], 0x40000002);	/* inside the range: zeros */
	ck_assert_uint_eq(req.leaves[3][0], 0x40000011);
	ck_assert_uint_eq(req.leaves[4][0], 0x40000100);
}
END_TEST

static void hostile(int which)
{
	switch (which) {
	case 0: res.leaves_done = 1000; break;
	case 1: res.leaves_done = 0xffffffff; break;
	case 2: res.walk_steps = 257; break;
	case 3: res.msrs_done = GUEST_MAX_MSRS + 1; break;
	case 4: res.msr_out[0].rd_vector = 99; break;
	case 5: res.msr_out[3].wr_vector = 0xffffffff; break;
	case 6: res.hcalls_done = 100; res.hcalls_started = 100; break;
	case 7: res.hcalls_done = 2; res.hcalls_started = 1; break;
	case 8: res.detect_base = 0x40000100; break;
	case 9: res.detect_base = 0x12345678; break;
	case 10: res.hypervisor_bit = 7; break;
	case 11: memset(&res, 0xa5, sizeof(res)); break;
	}
}

START_TEST(test_hostile_results_rejected)
{
	struct kvmcpuid_report *rep;

	hostile(_i);
	rep = run(-EIO);
	ck_assert_uint_eq(kvmcpuid_report_count(rep), 0);
	kvmcpuid_report_unref(rep);
}
END_TEST

START_TEST(test_report_json)
{
	struct kvmcpuid_report *rep = run(0);
	char *json;

	ck_assert_int_eq(kvmcpuid_report_to_json(rep, &json), 0);
	ck_assert(strstr(json, "\"ok\": true"));
	ck_assert(strstr(json, "\"detected_base\": \"0x40000000\""));
	ck_assert(strstr(json, "masking is advisory"));
	ck_assert(strstr(json, "\"verdict\": \"untestable\""));
	/* the typed values beside the strings: not run is no value, 0 expected */
	ck_assert(strstr(json, "\"expected\": \"0\""));
	ck_assert(strstr(json, "\"expected_value\": {"));
	ck_assert(strstr(json, "\"type\": \"none\""));
	ck_assert(strstr(json, "\"ret\": 0\n"));
	ck_assert(strstr(json, "\"read\": \"ok\""));
	ck_assert(strstr(json, "\"eax\": \"0x01007efb\""));
	free(json);
	ck_assert_ptr_null(kvmcpuid_report_check(rep, 100000));
	ck_assert_ptr_null(kvmcpuid_report_check(NULL, 0));
	kvmcpuid_report_unref(rep);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = tcase_create("compare");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_honest_passes);
	tcase_add_test(tc, test_enforced_mask);
	tcase_add_test(tc, test_wrong_expectation_caught);
	tcase_add_test(tc, test_intel_missing_leaf);
	tcase_add_test(tc, test_other_vendor_missing_leaf);
	tcase_add_test(tc, test_enforce_leaf_models);
	tcase_add_test(tc, test_hypervisor_bit_gates_detection);
	tcase_add_test(tc, test_kvm_block_check);
	tcase_add_test(tc, test_request_sentinels);
	tcase_add_test(tc, test_ignore_msrs);
	tcase_add_loop_test(tc, test_hostile_results_rejected, 0, 12);
	tcase_add_test(tc, test_report_json);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
