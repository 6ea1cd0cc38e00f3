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

/*
 * The case: 300 duplicates of a KVM-signature leaf filled the old list of blocks
 * (256 entries), and the block after them kept its signature.
 */
START_TEST(test_duplicates_cannot_hide_a_block)
{
	size_t cap = 310, n = 0, i;
	struct kvm_cpuid_entry2 *t = calloc(cap, sizeof(*t));

	for (i = 0; i < 300; i++)
		t[n++] = (struct kvm_cpuid_entry2)E(0x40000100, 0x40000101, KVMSIG);
	t[n++] = (struct kvm_cpuid_entry2)E(0x40000200, 0x40000201, KVMSIG);
	t[n++] = (struct kvm_cpuid_entry2)E(0x40000201, 0xff, 0, 0, 0);
	t[n++] = (struct kvm_cpuid_entry2)E(0x1, 0, 0, 0, 0);
	ck_assert_int_eq(merge(leaves, 2, 0x40000000, t, &n, cap, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(t[0].function, 0x1);
	ck_assert_uint_eq(t[1].function, 0x40000000);
	ck_assert_uint_eq(t[2].function, 0x40000001);
	free(t);
}
END_TEST

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* A random entry: mostly in the PV range, some first leaves with the KVM signature. */
static struct kvm_cpuid_entry2 random_entry(uint64_t *s)
{
	uint32_t block = 0x40000000 + (rnd(s) % 8) * 0x100;
	struct kvm_cpuid_entry2 e = E(0, rnd(s) % 4, rnd(s) % 3, 0, 0);

	switch (rnd(s) % 4) {
	case 0:
		e = (struct kvm_cpuid_entry2)E(block, block + 1, KVMSIG);
		break;
	case 1:
		e.function = block + rnd(s) % 0x12;
		break;
	case 2:
		e.function = rnd(s) % 0x10;
		e.index = rnd(s) % 3;
		e.flags = rnd(s) % 2 ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		break;
	default:
		e.function = 0x80000000 + rnd(s) % 8;
		break;
	}
	return e;
}

static bool entry_eq(const struct kvm_cpuid_entry2 *a, const struct kvm_cpuid_entry2 *b)
{
	return a->function == b->function && a->index == b->index && a->flags == b->flags &&
	       a->eax == b->eax && a->ebx == b->ebx && a->ecx == b->ecx && a->edx == b->edx;
}

static size_t count_eq(const struct kvm_cpuid_entry2 *t, size_t n,
		       const struct kvm_cpuid_entry2 *e)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += entry_eq(&t[i], e);
	return c;
}

/*
 * Any table (duplicates, unsorted, up to 4096 entries, the capacity exactly what the
 * merge needs): every block whose first leaf carries the KVM signature and the target
 * block are gone, every other entry is kept as often as it was there, the leaves are in,
 * the order is sorted, and merging again gives the same table.
 */
START_TEST(test_any_table)
{
	uint64_t seed = 0x16 + (uint64_t)_i;
	size_t n0 = _i == 0 ? 0 : rnd(&seed) % (_i < 40 ? 64 : 4096), n = n0, cap, keep = 0, i, j;
	struct kvm_cpuid_entry2 *in = calloc(n0 + 2, sizeof(*in)), *t, *again;
	uint32_t base = 0x40000000 + (rnd(&seed) % 8) * 0x100;
	struct kvm_cpuid_entry2 l[2] = { E(base, base + 1, KVMSIG), E(base + 1, 0x5, 0, 0, 0) };
	bool drop[8] = { false };

	for (i = 0; i < n0; i++)
		in[i] = random_entry(&seed);
	drop[(base - 0x40000000) >> 8] = true;
	for (i = 0; i < n0; i++)
		if (in[i].function >= 0x40000000 && in[i].function < 0x40000800 &&
		    !(in[i].function & 0xff) && in[i].ebx == 0x4b4d564b && in[i].ecx == 0x564b4d56 &&
		    in[i].edx == 0x4d)
			drop[(in[i].function - 0x40000000) >> 8] = true;
	for (i = 0; i < n0; i++)
		keep += !(in[i].function >= 0x40000000 && in[i].function < 0x40000800 &&
			  drop[(in[i].function - 0x40000000) >> 8]);
	cap = keep + 2;
	t = calloc(n0 + 2, sizeof(*t));
	again = calloc(n0 + 2, sizeof(*t));
	memcpy(t, in, n0 * sizeof(*t));
	if (cap > 2) {
		size_t small = cap - 1;

		ck_assert_int_eq(merge(l, 2, base, t, &n, small, NULL), n0 > small ? -EINVAL : -ENOSPC);
		ck_assert_uint_eq(n, n0);
		ck_assert(!memcmp(t, in, n0 * sizeof(*t)));
	}
	if (n0 > cap)
		cap = n0;	/* *nent > cap is -EINVAL: give it room for the input */
	ck_assert_int_eq(merge(l, 2, base, t, &n, cap, NULL), 0);
	ck_assert_uint_eq(n, keep + 2);
	for (i = 0; i < n; i++) {
		uint32_t f = t[i].function;

		if (i)
			ck_assert(t[i - 1].function < f ||
				  (t[i - 1].function == f && t[i - 1].index <= t[i].index));
		if (f >= 0x40000000 && f < 0x40000800 && drop[(f - 0x40000000) >> 8]) {
			ck_assert_uint_eq(f & ~0xffu, base);
			ck_assert(entry_eq(&t[i], &l[f - base]));
		} else {
			ck_assert_uint_eq(count_eq(t, n, &t[i]), count_eq(in, n0, &t[i]));
		}
		if (f >= 0x40000000 && f < 0x40010000 && !(f & 0xff) && t[i].ebx == 0x4b4d564b)
			ck_assert_uint_eq(f, base);
	}
	for (j = 0; j < 2; j++)
		ck_assert_uint_eq(count_eq(t, n, &l[j]), 1);
	memcpy(again, t, n * sizeof(*t));
	i = n;
	ck_assert_int_eq(merge(l, 2, base, again, &i, n, NULL), 0);
	ck_assert_uint_eq(i, n);
	ck_assert(!memcmp(again, t, n * sizeof(*t)));
	free(in);
	free(t);
	free(again);
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
	tcase_add_test(tc, test_duplicates_cannot_hide_a_block);
	tcase_add_loop_test(tc, test_any_table, 0, 60);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
