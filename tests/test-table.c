// SPDX-License-Identifier: LGPL-2.1-or-later
/* Merging the leaves into a full CPUID table. */
#include "testutil.h"

#define E(fn, a, ...) E_(fn, a, __VA_ARGS__)
#define E_(fn, a, b, c, d) { .function = (fn), .eax = (a), .ebx = (b), .ecx = (c), .edx = (d) }
#define KVMSIG 0x4b4d564b, 0x564b4d56, 0x4d
#define HVSIG 0x7263694d, 0x666f736f, 0x76482074	/* "Microsoft Hv" */

static const struct kvm_cpuid_entry2 leaves[2] = {
	E(0x40000000, 0x40000001, KVMSIG), E(0x40000001, 0x5, 0, 0, 0),
};

/* The merge as a VMM makes it: a cpuid holding leaves at base, loaded from a build output. */
static int merge(const struct kvm_cpuid_entry2 *l, size_t nl, uint32_t base,
		 struct kvm_cpuid_entry2 *t, size_t *n, size_t cap, struct kvmcpuid_diag *d)
{
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct kvmcpuid_cpuid *c = NULL;
	int r;

	ck_assert_int_eq(cpuid_new(ctx, l, nl, &c), 0);
	c->base = base;
	r = kvmcpuid_cpuid_merge(c, t, n, cap, d);
	kvmcpuid_cpuid_unref(c);
	kvmcpuid_unref(ctx);
	return r;
}

static bool sorted(const struct kvm_cpuid_entry2 *t, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (t[i - 1].function > t[i].function ||
		    (t[i - 1].function == t[i].function && t[i - 1].index >= t[i].index))
			return false;
	return true;
}

START_TEST(test_replace_and_sort)
{
	struct kvm_cpuid_entry2 t[8] = {
		E(0x80000000, 0x80000008, 0, 0, 0), E(0x0, 0xd, 1, 2, 3),
		E(0x40000001, 0xffffffff, 0, 0, 0), E(0x40000000, 0x40000001, KVMSIG),
		{ .function = 0x7, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 9 },
		{ .function = 0x7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 8 },
	};
	size_t n = 6;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(merge(leaves, 2, 0x40000000, t, &n, 8, &d), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert(sorted(t, n));
	ck_assert_uint_eq(t[0].function, 0);
	ck_assert_uint_eq(t[1].function, 7);
	ck_assert_uint_eq(t[1].index, 0);
	ck_assert_uint_eq(t[2].index, 1);
	ck_assert_uint_eq(t[3].function, 0x40000000);
	ck_assert_uint_eq(t[4].function, 0x40000001);
	ck_assert_uint_eq(t[4].eax, 0x5);	/* the old 0xffffffff is gone */
	ck_assert_uint_eq(t[5].function, 0x80000000);
}
END_TEST

START_TEST(test_hyperv_kept_when_base_moves)
{
	struct kvm_cpuid_entry2 moved[2] = {
		E(0x40000100, 0x40000101, KVMSIG), E(0x40000101, 0x5, 0, 0, 0),
	};
	struct kvm_cpuid_entry2 t[10] = {
		E(0x0, 0xd, 1, 2, 3),
		E(0x40000000, 0x4000000a, HVSIG), E(0x40000001, 0x31237648, 0, 0, 0),
		E(0x40000003, 0x1, 0, 0, 0),
		E(0x40000100, 0x40000101, KVMSIG), E(0x40000101, 0xff, 0, 0, 0),
		E(0x40000110, 0x1234, 0, 0, 0),	/* a stale timing leaf in the target block */
	};
	size_t n = 7;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(merge(moved, 2, 0x40000100, t, &n, 10, &d), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert(sorted(t, n));
	ck_assert_uint_eq(t[1].function, 0x40000000);
	ck_assert_uint_eq(t[1].ebx, 0x7263694d);	/* Hyper-V kept */
	ck_assert_uint_eq(t[3].function, 0x40000003);
	ck_assert_uint_eq(t[4].function, 0x40000100);
	ck_assert_uint_eq(t[5].eax, 0x5);
	ck_assert_uint_eq(table_kvm_base(t, n), 0x40000100);
}
END_TEST

START_TEST(test_old_kvm_block_removed)
{
	/* KVM at 0x40000000 in the host table, the policy puts it at 0x40000200 */
	struct kvm_cpuid_entry2 moved[2] = {
		E(0x40000200, 0x40000201, KVMSIG), E(0x40000201, 0x5, 0, 0, 0),
	};
	struct kvm_cpuid_entry2 t[6] = {
		E(0x40000000, 0x40000001, KVMSIG), E(0x40000001, 0xff, 0, 0, 0),
		E(0x40000010, 0x1, 0, 0, 0), E(0x80000000, 0, 0, 0, 0),
	};
	size_t n = 4;

	ck_assert_int_eq(merge(moved, 2, 0x40000200, t, &n, 6, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(t[0].function, 0x40000200);
	ck_assert_uint_eq(t[2].function, 0x80000000);
	ck_assert_uint_eq(table_kvm_base(t, n), 0x40000200);
}
END_TEST

START_TEST(test_every_kvm_block_removed)
{
	/* three KVM signatures (0x40000000, 0x40000100, 0x40000300), Hyper-V at 0x40000200 */
	struct kvm_cpuid_entry2 t[12] = {
		E(0x40000000, 0x40000001, KVMSIG), E(0x40000001, 0xff, 0, 0, 0),
		E(0x40000100, 0x40000101, KVMSIG), E(0x40000101, 0xff, 0, 0, 0),
		E(0x40000110, 0x1, 0, 0, 0),
		E(0x40000200, 0x40000205, HVSIG),
		E(0x40000300, 0x40000301, KVMSIG), E(0x40000301, 0xff, 0, 0, 0),
		E(0x80000000, 0, 0, 0, 0),
	};
	struct kvm_cpuid_entry2 moved[2] = {
		E(0x40000400, 0x40000401, KVMSIG), E(0x40000401, 0x5, 0, 0, 0),
	};
	size_t n = 9, i;

	ck_assert_int_eq(merge(moved, 2, 0x40000400, t, &n, 12, NULL), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(t[0].function, 0x40000200);
	ck_assert_uint_eq(t[1].function, 0x40000400);
	ck_assert_uint_eq(t[2].function, 0x40000401);
	ck_assert_uint_eq(t[3].function, 0x80000000);
	for (i = 0; i < n; i++)
		ck_assert_uint_ne(t[i].function & 0xff00, 0x0100);
	ck_assert(sorted(t, n));
}
END_TEST

START_TEST(test_hidden_removes_everything)
{
	struct kvm_cpuid_entry2 t[4] = {
		E(0x1, 0, 0, 0, 0), E(0x40000000, 0x40000001, KVMSIG), E(0x40000001, 0xff, 0, 0, 0),
	};
	size_t n = 3;

	ck_assert_int_eq(merge(NULL, 0, 0x40000000, t, &n, 4, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(table_kvm_base(t, n), 0);
}
END_TEST

START_TEST(test_capacity_and_errors_leave_table_untouched)
{
	struct kvm_cpuid_entry2 t[3] = { E(0x0, 1, 0, 0, 0), E(0x1, 2, 0, 0, 0), E(0x2, 3, 0, 0, 0) };
	struct kvm_cpuid_entry2 copy[3];
	struct kvm_cpuid_entry2 bad[1] = { E(0x40000101, 0, 0, 0, 0) };
	struct kvmcpuid_diag d = { 0 };
	size_t n = 3;

	memcpy(copy, t, sizeof(t));
	ck_assert_int_eq(merge(leaves, 2, 0x40000000, t, &n, 3, &d), -ENOSPC);
	ck_assert(strstr(d.message, "needs 5 entries, the buffer holds 3"));
	ck_assert_uint_eq(n, 3);
	ck_assert(!memcmp(t, copy, sizeof(t)));
	ck_assert_int_eq(merge(bad, 1, 0x40000000, t, &n, 3, &d), -EINVAL);
	ck_assert(strstr(d.message, "outside the block"));
	ck_assert_int_eq(merge(leaves, 2, 0x40000080, t, &n, 3, &d), -EINVAL);
	ck_assert(!memcmp(t, copy, sizeof(t)));
	n = 4;
	ck_assert_int_eq(merge(leaves, 2, 0x40000000, t, &n, 3, &d), -EINVAL);
}
END_TEST

/* KVM_GET_CPUID2's count, as 6.1 (nent left at the capacity) and 6.5+ (nent set) give it. */
START_TEST(test_get_cpuid_count)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 8 * sizeof(c->entries[0]));

	memset(c->entries, 0xff, 8 * sizeof(c->entries[0]));
	memcpy(c->entries, leaves, sizeof(leaves));
	c->nent = 8;		/* 5.10, 6.1: unchanged on success */
	ck_assert_uint_eq(cpuid2_written(c, 8), 2);
	c->nent = 2;		/* 6.5+ */
	ck_assert_uint_eq(cpuid2_written(c, 8), 2);
	memset(c->entries, 0xff, 8 * sizeof(c->entries[0]));
	c->nent = 8;		/* an empty table on 6.1 */
	ck_assert_uint_eq(cpuid2_written(c, 8), 0);
	memset(c->entries, 0, 8 * sizeof(c->entries[0]));
	ck_assert_uint_eq(cpuid2_written(c, 8), 8);	/* full */
	c->entries[3].function = ~0u;	/* one all-0xff register is not the sentinel */
	ck_assert_uint_eq(cpuid2_written(c, 8), 8);
	free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, test_replace_and_sort);
	tcase_add_test(tc, test_get_cpuid_count);
	tcase_add_test(tc, test_hyperv_kept_when_base_moves);
	tcase_add_test(tc, test_old_kvm_block_removed);
	tcase_add_test(tc, test_every_kvm_block_removed);
	tcase_add_test(tc, test_hidden_removes_everything);
	tcase_add_test(tc, test_capacity_and_errors_leave_table_untouched);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
