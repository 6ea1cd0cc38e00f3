// SPDX-License-Identifier: LGPL-2.1-or-later
/* The feature table against the KVM CPUID document and <asm/kvm_para.h>. */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>

#include "testutil.h"

static const struct {
	const char *name, *macro, *qemu;
	int reg, bit, provider;
} expected[] = {
	{ "clocksource", "KVM_FEATURE_CLOCKSOURCE", "kvmclock", 0, KVM_FEATURE_CLOCKSOURCE, 0 },
	{ "nop_io_delay", "KVM_FEATURE_NOP_IO_DELAY", "kvm-nopiodelay", 0, 1, 0 },
	{ "mmu_op", "KVM_FEATURE_MMU_OP", "kvm-mmu", 0, 2, 2 },
	{ "clocksource2", "KVM_FEATURE_CLOCKSOURCE2", "kvmclock", 0, 3, 0 },
	{ "async_pf", "KVM_FEATURE_ASYNC_PF", "kvm-asyncpf", 0, 4, 0 },
	{ "steal_time", "KVM_FEATURE_STEAL_TIME", "kvm-steal-time", 0, 5, 0 },
	{ "pv_eoi", "KVM_FEATURE_PV_EOI", "kvm-pv-eoi", 0, 6, 0 },
	{ "pv_unhalt", "KVM_FEATURE_PV_UNHALT", "kvm-pv-unhalt", 0, 7, 0 },
	{ "pv_tlb_flush", "KVM_FEATURE_PV_TLB_FLUSH", "kvm-pv-tlb-flush", 0, 9, 0 },
	{ "async_pf_vmexit", "KVM_FEATURE_ASYNC_PF_VMEXIT", "kvm-asyncpf-vmexit", 0, 10, 0 },
	{ "pv_send_ipi", "KVM_FEATURE_PV_SEND_IPI", "kvm-pv-ipi", 0, 11, 0 },
	{ "poll_control", "KVM_FEATURE_POLL_CONTROL", "kvm-poll-control", 0, 12, 0 },
	{ "pv_sched_yield", "KVM_FEATURE_PV_SCHED_YIELD", "kvm-pv-sched-yield", 0, 13, 0 },
	{ "async_pf_int", "KVM_FEATURE_ASYNC_PF_INT", "kvm-asyncpf-int", 0, 14, 0 },
	{ "msi_ext_dest_id", "KVM_FEATURE_MSI_EXT_DEST_ID", "kvm-msi-ext-dest-id", 0, 15, 1 },
	{ "hc_map_gpa_range", "KVM_FEATURE_HC_MAP_GPA_RANGE", NULL, 0, 16, 1 },
	{ "migration_control", "KVM_FEATURE_MIGRATION_CONTROL", NULL, 0, 17, 1 },
	{ "clocksource_stable_bit", "KVM_FEATURE_CLOCKSOURCE_STABLE_BIT", "kvmclock-stable-bit",
	  0, 24, 0 },
	{ "realtime", "KVM_HINTS_REALTIME", "kvm-hint-dedicated", 3, 0, 1 },
};

START_TEST(test_table_matches_document)
{
	unsigned int i;

	uint32_t valid[2] = { 0, 0 };

	ck_assert_uint_eq(KVMCPUID_FEATURE_COUNT, ARRAY_SIZE(expected));
	for (i = 0; i < ARRAY_SIZE(expected); i++) {
		ck_assert_str_eq(kvmcpuid_feature(i)->name, expected[i].name);
		ck_assert_str_eq(kvmcpuid_feature(i)->macro, expected[i].macro);
		if (expected[i].qemu)
			ck_assert_str_eq(kvmcpuid_feature(i)->qemu, expected[i].qemu);
		else
			ck_assert_ptr_null(kvmcpuid_feature(i)->qemu);
		ck_assert_int_eq(kvmcpuid_feature(i)->reg, expected[i].reg);
		ck_assert_int_eq(kvmcpuid_feature(i)->bit, expected[i].bit);
		/* the documented valid-bit constants are the table's */
		valid[kvmcpuid_feature(i)->reg == KVMCPUID_REG_EDX] |= 1u << kvmcpuid_feature(i)->bit;
		ck_assert_int_eq(kvmcpuid_feature(i)->provider, expected[i].provider);
		ck_assert_ptr_nonnull(kvmcpuid_feature(i)->meaning);
		ck_assert_int_eq(kvmcpuid_feature_lookup(expected[i].name), (int)i);
		ck_assert_int_eq(kvmcpuid_feature_lookup(expected[i].macro), (int)i);
	}
	ck_assert_ptr_null(kvmcpuid_feature(ARRAY_SIZE(expected)));
	ck_assert_ptr_null(kvmcpuid_feature(99));
	ck_assert_uint_eq(valid[0], KVMCPUID_FEATURES_VALID_EAX);
	ck_assert_uint_eq(valid[1], KVMCPUID_FEATURES_VALID_EDX);
}
END_TEST

START_TEST(test_reserved_bits)
{
	uint32_t eax = KVMCPUID_FEATURES_VALID_EAX;

	ck_assert_uint_eq(eax, 0x010300ffu | 0x0000fe00u);
	ck_assert(!(eax & (1u << 8)));
	ck_assert(!(eax & 0xfefc0000u));
	ck_assert_uint_eq(KVMCPUID_FEATURES_VALID_EDX, 1u);
}
END_TEST

START_TEST(test_aliases)
{
	/* QEMU's kvmclock names bits 0 and 3 together. */
	ck_assert_uint_eq(feature_mask_lookup("kvmclock"),
			  (1u << KVMCPUID_FEATURE_CLOCKSOURCE) | (1u << KVMCPUID_FEATURE_CLOCKSOURCE2));
	ck_assert_int_eq(kvmcpuid_feature_lookup("kvm-hint-dedicated"), KVMCPUID_FEATURE_REALTIME);
	ck_assert_int_eq(kvmcpuid_feature_lookup("kvm-pv-ipi"), KVMCPUID_FEATURE_PV_SEND_IPI);
	/* Aliases are case-sensitive, as written in those projects. */
	ck_assert_int_eq(kvmcpuid_feature_lookup("STEAL_TIME"), -ENOENT);
	ck_assert_int_eq(kvmcpuid_feature_lookup("kvm_feature_steal_time"), -ENOENT);
	ck_assert_int_eq(kvmcpuid_feature_lookup(""), -ENOENT);
	ck_assert_int_eq(kvmcpuid_feature_lookup(NULL), -ENOENT);
}
END_TEST

/* A short key is never read past its end (ASan: heap-buffer-overflow before). */
START_TEST(test_lookup_short)
{
	static const char *const keys[] = { "K", "KVM", "KVM_FEATURE_", "k", "kv" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *k = strdup(keys[i]);

		ck_assert_int_eq(kvmcpuid_feature_lookup(k), -ENOENT);
		free(k);
	}
}
END_TEST

START_TEST(test_gates)
{
	const struct kvmcpuid_feature *f;

	f = kvmcpuid_feature(KVMCPUID_FEATURE_CLOCKSOURCE);
	ck_assert_uint_eq(f->nmsrs, 2);
	ck_assert_uint_eq(f->msrs[0], MSR_KVM_WALL_CLOCK);
	ck_assert_uint_eq(f->msrs[1], MSR_KVM_SYSTEM_TIME);
	f = kvmcpuid_feature(KVMCPUID_FEATURE_ASYNC_PF_INT);
	ck_assert_uint_eq(f->nmsrs, 2);
	ck_assert_uint_eq(f->msrs[0], MSR_KVM_ASYNC_PF_INT);
	ck_assert_uint_eq(f->msrs[1], MSR_KVM_ASYNC_PF_ACK);
	/* enforcement gates neither (features.c): KVM has no handler for the MSR, and
	 * KVM_CAP_EXIT_HYPERCALL alone decides hypercall 12 */
	ck_assert_uint_eq(kvmcpuid_feature(KVMCPUID_FEATURE_MIGRATION_CONTROL)->nmsrs, 0);
	ck_assert_int_eq(kvmcpuid_feature(KVMCPUID_FEATURE_HC_MAP_GPA_RANGE)->hypercall, -1);
	ck_assert_uint_eq(kvmcpuid_feature(KVMCPUID_FEATURE_PV_TLB_FLUSH)->nmsrs, 0);
	ck_assert_int_eq(kvmcpuid_feature(KVMCPUID_FEATURE_PV_UNHALT)->hypercall, KVM_HC_KICK_CPU);
	ck_assert_int_eq(kvmcpuid_feature(KVMCPUID_FEATURE_PV_SEND_IPI)->hypercall, KVM_HC_SEND_IPI);
	ck_assert_int_eq(kvmcpuid_feature(KVMCPUID_FEATURE_PV_SCHED_YIELD)->hypercall,
			 KVM_HC_SCHED_YIELD);
	ck_assert_int_eq(kvmcpuid_feature(KVMCPUID_FEATURE_STEAL_TIME)->hypercall, -1);
	/* the async PF delivery bits of MSR_KVM_ASYNC_PF_EN (kvm_pv_enable_async_pf) */
	f = kvmcpuid_feature(KVMCPUID_FEATURE_ASYNC_PF_VMEXIT);
	ck_assert_uint_eq(f->wr_msr, MSR_KVM_ASYNC_PF_EN);
	ck_assert_uint_eq(f->wr_bits, KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT);
	f = kvmcpuid_feature(KVMCPUID_FEATURE_ASYNC_PF_INT);
	ck_assert_uint_eq(f->wr_msr, MSR_KVM_ASYNC_PF_EN);
	ck_assert_uint_eq(f->wr_bits, KVM_ASYNC_PF_DELIVERY_AS_INT);
	ck_assert(kvmcpuid_feature(KVMCPUID_FEATURE_MMU_OP)->deprecated);
	ck_assert(!kvmcpuid_feature(KVMCPUID_FEATURE_STEAL_TIME)->deprecated);
	ck_assert_uint_eq(kvmcpuid_feature(KVMCPUID_FEATURE_PV_TLB_FLUSH)->depends,
			  1u << KVMCPUID_FEATURE_STEAL_TIME);
	ck_assert_uint_eq(kvmcpuid_feature(KVMCPUID_FEATURE_ASYNC_PF_INT)->depends,
			  1u << KVMCPUID_FEATURE_ASYNC_PF);
	/* Linux sets the #PF-vmexit bit only with interrupt delivery; yield needs steal time */
	ck_assert_uint_eq(kvmcpuid_feature(KVMCPUID_FEATURE_ASYNC_PF_VMEXIT)->depends,
			  1u << KVMCPUID_FEATURE_ASYNC_PF_INT);
	ck_assert_uint_eq(kvmcpuid_feature(KVMCPUID_FEATURE_PV_SCHED_YIELD)->depends,
			  1u << KVMCPUID_FEATURE_STEAL_TIME);
}
END_TEST

START_TEST(test_suggest)
{
	ck_assert_str_eq(name_suggest("steal-time", NULL), "steal_time");
	ck_assert_str_eq(name_suggest("pv_eio", NULL), "pv_eoi");
	ck_assert_str_eq(name_suggest("KVM_FEATURE_STEAL_TIM", NULL), "steal_time");
	ck_assert_str_eq(name_suggest("kvmclok", NULL), "kvmclock");
	ck_assert_ptr_null(name_suggest("completely_unrelated_word", NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("features");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_table_matches_document);
	tcase_add_test(tc, test_reserved_bits);
	tcase_add_test(tc, test_aliases);
	tcase_add_test(tc, test_gates);
	tcase_add_test(tc, test_lookup_short);
	tcase_add_test(tc, test_suggest);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
