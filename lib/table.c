// SPDX-License-Identifier: LGPL-2.1-or-later
/* Merging the built leaves into a full CPUID table; comparing tables as a guest reads them. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const struct kvm_cpuid_entry2 *table_find(const struct kvm_cpuid_entry2 *t, size_t n,
					  uint32_t function, uint32_t index)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].function == function &&
		    (!(t[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || t[i].index == index))
			return &t[i];
	return NULL;
}

bool entry_has_kvm_sig(const struct kvm_cpuid_entry2 *e)
{
	return e->ebx == KVM_SIG_EBX && e->ecx == KVM_SIG_ECX && e->edx == KVM_SIG_EDX;
}

uint32_t table_kvm_base(const struct kvm_cpuid_entry2 *t, size_t n)
{
	uint32_t base;

	for (base = PV_BASE_FIRST; base <= PV_BASE_LAST; base += 0x100) {
		const struct kvm_cpuid_entry2 *e = table_find(t, n, base, 0);

		if (e && entry_has_kvm_sig(e))
			return base;
	}
	return 0;
}

/*
 * A total order on entries, by function and index first: entries that tie there (the
 * duplicates a caller's table may hold) are ordered by the rest of their contents, so the
 * sort of any table is one table whatever the sort's stability and merging twice gives
 * the same table.
 */
static int entry_cmp(const void *a, const void *b)
{
	const struct kvm_cpuid_entry2 *x = a, *y = b;
	const uint32_t kx[] = { x->function, x->index, x->flags, x->eax, x->ebx, x->ecx, x->edx };
	const uint32_t ky[] = { y->function, y->index, y->flags, y->eax, y->ebx, y->ecx, y->edx };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kx); i++)
		if (kx[i] != ky[i])
			return kx[i] < ky[i] ? -1 : 1;
	return 0;
}

/* The 256 blocks of 0x40000000-0x4000FF00 as a set: one bit each, any table fits. */
struct blocks {
	uint64_t bits[256 / 64];
};

static bool pv_range(uint32_t function)
{
	return function >= PV_BASE_FIRST && function <= PV_BASE_LAST + 0xff;
}

static void blocks_add(struct blocks *s, uint32_t function)
{
	uint32_t i = (function - PV_BASE_FIRST) >> 8;

	s->bits[i / 64] |= 1ull << (i % 64);
}

/* Is function in a 0x100 block that the merge replaces? */
static bool dropped(uint32_t function, const struct blocks *s)
{
	uint32_t i = (function - PV_BASE_FIRST) >> 8;

	return pv_range(function) && (s->bits[i / 64] >> (i % 64) & 1);
}

int table_merge(const struct kvm_cpuid_entry2 *leaves, size_t nleaves, uint32_t base,
		struct kvm_cpuid_entry2 *table, size_t *nent, size_t cap,
		struct kvmcpuid_diag *diag)
{
	struct blocks drop = { { 0 } };
	size_t n = 0, i;

	diag_begin(diag);
	if (!nent || (!table && (*nent || cap)) || (!leaves && nleaves) || *nent > cap)
		return diag_set(NULL, diag, EINVAL, NULL, 0, 0, "invalid arguments to table merge");
	if (base < PV_BASE_FIRST || base > PV_BASE_LAST || (base & 0xff))
		return diag_set(NULL, diag, EINVAL, NULL, 0, 0,
				"base 0x%x is not a multiple of 0x100 in 0x40000000-0x4000ff00",
				base);
	for (i = 0; i < nleaves; i++)
		if ((leaves[i].function & ~0xffu) != base)
			return diag_set(NULL, diag, EINVAL, NULL, 0, 0,
					"leaf 0x%x is outside the block of base 0x%x",
					leaves[i].function, base);
	/* the target block, and every block whose first leaf carries the KVM signature */
	blocks_add(&drop, base);
	for (i = 0; i < *nent; i++)
		if (pv_range(table[i].function) && !(table[i].function & 0xff) &&
		    entry_has_kvm_sig(&table[i]))
			blocks_add(&drop, table[i].function);
	/* Everything is checked before the table is touched: then compact, append, sort. */
	for (i = 0; i < *nent; i++)
		n += !dropped(table[i].function, &drop);
	if (n + nleaves > cap)
		return diag_set(NULL, diag, ENOSPC, NULL, 0, 0,
				"the merged table needs %zu entries, the buffer holds %zu",
				n + nleaves, cap);
	for (i = 0, n = 0; i < *nent; i++)
		if (!dropped(table[i].function, &drop))
			table[n++] = table[i];
	if (nleaves)
		memcpy(table + n, leaves, nleaves * sizeof(*table));
	n += nleaves;
	/* Stable order: KVM does not care, but diffs and tests read better sorted. */
	if (n)
		qsort(table, n, sizeof(*table), entry_cmp);
	*nent = n;
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_cpuid_merge(const struct kvmcpuid_cpuid *c,
					 struct kvm_cpuid_entry2 *table, size_t *nent, size_t cap,
					 struct kvmcpuid_diag *diag)
{
	diag_begin(diag);
	if (!c)
		return diag_set(NULL, diag, EINVAL, NULL, 0, 0, "invalid arguments to table merge");
	return diag_finish(c->ctx, diag,
			   table_merge(c->entries, c->nent, c->base, table, nent, cap, diag));
}

int cpuid_merged_table(const struct kvmcpuid_cpuid *c, const struct kvm_cpuid_entry2 *table,
		       size_t nent, struct kvm_cpuid_entry2 **ret, size_t *n,
		       struct kvmcpuid_diag *diag)
{
	size_t cap = nent + c->nent;
	struct kvm_cpuid_entry2 *full;
	int r;

	if (!table && nent)
		return diag_set(c->ctx, diag, EINVAL, NULL, 0, 0, "invalid table");
	full = xalloc(c->ctx, cap * sizeof(*full));
	if (!full)
		return -ENOMEM;
	if (nent)
		memcpy(full, table, nent * sizeof(*full));
	*n = nent;
	r = table_merge(c->entries, c->nent, c->base, full, n, cap, diag);
	if (r < 0) {
		free(full);
		return r;
	}
	*ret = full;
	return 0;
}

static bool same_regs(const struct kvm_cpuid_entry2 *x, const struct kvm_cpuid_entry2 *y)
{
	return x->function == y->function && x->eax == y->eax && x->ebx == y->ebx &&
	       x->ecx == y->ecx && x->edx == y->edx;
}

KVMCPUID_EXPORT bool kvmcpuid_cpuid_contains(const struct kvmcpuid_cpuid *c,
					     const struct kvm_cpuid_entry2 *e)
{
	size_t i;

	if (!c || !e)
		return false;
	for (i = 0; i < c->nent; i++)
		if (same_regs(&c->entries[i], e))
			return true;
	return false;
}

KVMCPUID_EXPORT bool kvmcpuid_cpuid_equal(const struct kvmcpuid_cpuid *a,
					  const struct kvmcpuid_cpuid *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->nent != b->nent)
		return false;
	for (i = 0; i < a->nent; i++)
		if (!kvmcpuid_cpuid_contains(b, &a->entries[i]) ||
		    !kvmcpuid_cpuid_contains(a, &b->entries[i]))
			return false;
	return true;
}

static void difference(struct kvmcpuid_difference *out, size_t cap, size_t *n,
		       enum kvmcpuid_diff_kind kind, int feature, uint32_t a, uint32_t b)
{
	if (*n < cap)
		out[*n] = (struct kvmcpuid_difference){ .kind = kind, .feature = feature,
							.a = a, .b = b };
	(*n)++;
}

/* A leaf of the block where a guest found KVM, or NULL when it found none. */
static const struct kvm_cpuid_entry2 *kvm_leaf(const struct kvmcpuid_cpuid *c, uint32_t base,
					       uint32_t off)
{
	return base ? table_find(c->entries, c->nent, base + off, 0) : NULL;
}

/* base + 1 EAX / EDX bit of feature id, as a guest that found KVM at base reads it. */
static bool guest_bit(const struct kvm_cpuid_entry2 *f, unsigned int id)
{
	const struct kvmcpuid_feature *ft = feature_get(id);

	return f && (((ft->reg == KVMCPUID_REG_EAX ? f->eax : f->edx) >> ft->bit) & 1);
}

/* The leaf at the cpuid's base, where its signature sits (a custom one too), or NULL. */
static const struct kvm_cpuid_entry2 *signature_leaf(const struct kvmcpuid_cpuid *c)
{
	return table_find(c->entries, c->nent, c->base, 0);
}

void cpuid_signature_text(const struct kvmcpuid_cpuid *c, char *out, size_t len)
{
	const struct kvm_cpuid_entry2 *e = signature_leaf(c);
	char sig[12];

	if (!e) {
		snprintf(out, len, "hidden");
		return;
	}
	if (entry_has_kvm_sig(e)) {
		snprintf(out, len, "kvm");
		return;
	}
	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	signature_quote(sig, out, len);
}

static bool same_signature(const struct kvmcpuid_cpuid *a, const struct kvmcpuid_cpuid *b)
{
	const struct kvm_cpuid_entry2 *sa = signature_leaf(a), *sb = signature_leaf(b);

	if (!sa || !sb)
		return !sa && !sb;
	return sa->ebx == sb->ebx && sa->ecx == sb->ecx && sa->edx == sb->edx;
}

KVMCPUID_EXPORT int kvmcpuid_cpuid_diff(const struct kvmcpuid_cpuid *a,
					const struct kvmcpuid_cpuid *b,
					struct kvmcpuid_difference *out, size_t cap)
{
	const struct kvm_cpuid_entry2 *sa, *sb, *ta, *tb;
	uint32_t ba, bb, ma, mb;
	size_t n = 0;
	unsigned int i;

	if (!a || !b || (!out && cap))
		return -EINVAL;
	ba = table_kvm_base(a->entries, a->nent);
	bb = table_kvm_base(b->entries, b->nent);
	if (ba != bb)
		difference(out, cap, &n, KVMCPUID_DIFF_DETECTED, -1, ba, bb);
	if (!same_signature(a, b))
		difference(out, cap, &n, KVMCPUID_DIFF_SIGNATURE, -1, signature_leaf(a) ? a->base : 0,
			   signature_leaf(b) ? b->base : 0);
	/*
	 * The max leaf as a guest reads it: 0 is base+1 (Documentation/virt/kvm/x86/cpuid.rst:
	 * "old hosts set eax value to 0x0. This should be interpreted as if the value was
	 * 0x40000001").  Compared only where both found KVM: DETECTED says the rest.
	 */
	sa = kvm_leaf(a, ba, 0);
	sb = kvm_leaf(b, bb, 0);
	ma = sa && sa->eax ? sa->eax - ba : 1;
	mb = sb && sb->eax ? sb->eax - bb : 1;
	if (sa && sb && ma != mb)
		difference(out, cap, &n, KVMCPUID_DIFF_MAX_LEAF, -1, ma, mb);
	for (i = 0; i < FEATURE_COUNT; i++) {
		bool va = guest_bit(kvm_leaf(a, ba, 1), i), vb = guest_bit(kvm_leaf(b, bb, 1), i);

		if (va != vb)
			difference(out, cap, &n, KVMCPUID_DIFF_FEATURE, (int)i, va, vb);
	}
	ta = kvm_leaf(a, ba, 0x10);
	tb = kvm_leaf(b, bb, 0x10);
	if (!ta != !tb || (ta && tb && (ta->eax != tb->eax || ta->ebx != tb->ebx)))
		difference(out, cap, &n, KVMCPUID_DIFF_TIMING, -1, ta != NULL, tb != NULL);
	if (a->enforce != b->enforce)
		difference(out, cap, &n, KVMCPUID_DIFF_ENFORCE, -1, a->enforce, b->enforce);
	return (int)n;
}
