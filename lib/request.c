// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verifying guest's request: the leaves a guest can meet (the table's leaves in the
 * PV range, one sentinel per out-of-range rule), every PV MSR with a harmless value and
 * the PV hypercalls.  compare.c checks what comes back against it.
 */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>
#include <string.h>

#include "report.h"

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
