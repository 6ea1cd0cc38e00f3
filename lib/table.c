// SPDX-License-Identifier: LGPL-2.1-or-later
/* Merging the built leaves into a full CPUID table. */
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

static int entry_cmp(const void *a, const void *b)
{
	const struct kvm_cpuid_entry2 *x = a, *y = b;

	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/* Is function in a 0x100 block that the merge replaces? */
static bool dropped(uint32_t function, uint32_t base, const uint32_t *kvm_blocks, size_t nblocks)
{
	size_t i;

	if (function >= PV_BASE_FIRST && function <= PV_BASE_LAST + 0xff) {
		if ((function & ~0xffu) == base)
			return true;
		for (i = 0; i < nblocks; i++)
			if ((function & ~0xffu) == kvm_blocks[i])
				return true;
	}
	return false;
}

KVMCPUID_EXPORT int kvmcpuid_table_merge(const struct kvm_cpuid_entry2 *leaves, size_t nleaves,
					 uint32_t base, struct kvm_cpuid_entry2 *table,
					 size_t *nent, size_t cap, struct kvmcpuid_diag *diag)
{
	uint32_t kvm_blocks[256];
	size_t nblocks = 0, n = 0, i;

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
	for (i = 0; i < *nent; i++)
		if (table[i].function >= PV_BASE_FIRST && table[i].function <= PV_BASE_LAST &&
		    !(table[i].function & 0xff) && entry_has_kvm_sig(&table[i]) &&
		    nblocks < ARRAY_SIZE(kvm_blocks))
			kvm_blocks[nblocks++] = table[i].function;
	/* Everything is checked before the table is touched: then compact, append, sort. */
	for (i = 0; i < *nent; i++)
		n += !dropped(table[i].function, base, kvm_blocks, nblocks);
	if (n + nleaves > cap)
		return diag_set(NULL, diag, ENOSPC, NULL, 0, 0,
				"the merged table needs %zu entries, the buffer holds %zu",
				n + nleaves, cap);
	for (i = 0, n = 0; i < *nent; i++)
		if (!dropped(table[i].function, base, kvm_blocks, nblocks))
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
