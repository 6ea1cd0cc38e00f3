// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The feature table: the one place that knows the KVM paravirtual CPUID flags
 * (Documentation/virt/kvm/x86/cpuid.rst).  Everything else looks flags up here.
 *
 * msrs[], hypercall and wr_msr/wr_bits are what KVM_CAP_ENFORCE_PV_FEATURE_CPUID gates,
 * as KVM enforces it (arch/x86/kvm/x86.c, guest_pv_has() from 66570e966dd9, 5.10):
 * kvm_{get,set}_msr_common refuse a feature's MSRs, kvm_emulate_hypercall answers
 * -KVM_ENOSYS to its hypercall, and kvm_pv_enable_async_pf refuses a write to
 * MSR_KVM_ASYNC_PF_EN that sets KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT (bit 2) without
 * async_pf_vmexit or KVM_ASYNC_PF_DELIVERY_AS_INT (bit 3) without async_pf_int.
 * Two features name an interface enforcement never gates, so the table lists none:
 * hc_map_gpa_range (kvm_emulate_hypercall: KVM_HC_MAP_GPA_RANGE is refused unless
 * the VMM enabled KVM_CAP_EXIT_HYPERCALL for it, whatever the CPUID says) and
 * migration_control (kvm_set_msr_common has no case for MSR_KVM_MIGRATION_CONTROL:
 * the VMM handles it, through KVM_CAP_X86_USER_SPACE_MSR).
 *
 * depends: a Linux guest (arch/x86/kernel/kvm.c) uses the feature only with one of
 * these: pv_tlb_flush_supported and pv_sched_yield_supported need steal time;
 * kvm_guest_cpu_init sets the #PF-vmexit bit only inside its async_pf_int branch.
 */
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>
#include <string.h>

#include "internal.h"

/* Meanings are marked for translation; the CLI looks them up in the "kvmcpuid" domain. */
#define N_(s) s

#define F(id) (1u << KVMCPUID_FEATURE_##id)
#define EAX KVMCPUID_REG_EAX
#define EDX KVMCPUID_REG_EDX
#define KVM KVMCPUID_PROVIDER_KVM
#define VMM KVMCPUID_PROVIDER_VMM

static const struct kvmcpuid_feature features[FEATURE_COUNT] = {
	[KVMCPUID_FEATURE_CLOCKSOURCE] = {
		"clocksource", "KVM_FEATURE_CLOCKSOURCE", "kvmclock",
		N_("kvmclock available at MSRs 0x11 and 0x12"),
		EAX, KVM_FEATURE_CLOCKSOURCE, KVM, false, 2,
		{ MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME }, -1, 0 },
	[KVMCPUID_FEATURE_NOP_IO_DELAY] = {
		"nop_io_delay", "KVM_FEATURE_NOP_IO_DELAY", "kvm-nopiodelay",
		N_("not necessary to perform delays on PIO operations"),
		EAX, KVM_FEATURE_NOP_IO_DELAY, KVM, false, 0, { 0 }, -1, 0 },
	[KVMCPUID_FEATURE_MMU_OP] = {
		"mmu_op", "KVM_FEATURE_MMU_OP", "kvm-mmu",
		N_("deprecated"),
		EAX, KVM_FEATURE_MMU_OP, KVMCPUID_PROVIDER_NONE, true, 0, { 0 }, -1, 0 },
	[KVMCPUID_FEATURE_CLOCKSOURCE2] = {
		"clocksource2", "KVM_FEATURE_CLOCKSOURCE2", "kvmclock",
		N_("kvmclock available at MSRs 0x4b564d00 and 0x4b564d01"),
		EAX, KVM_FEATURE_CLOCKSOURCE2, KVM, false, 2,
		{ MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW }, -1, 0 },
	[KVMCPUID_FEATURE_ASYNC_PF] = {
		"async_pf", "KVM_FEATURE_ASYNC_PF", "kvm-asyncpf",
		N_("async pf can be enabled by writing to MSR 0x4b564d02"),
		EAX, KVM_FEATURE_ASYNC_PF, KVM, false, 1, { MSR_KVM_ASYNC_PF_EN }, -1, 0 },
	[KVMCPUID_FEATURE_STEAL_TIME] = {
		"steal_time", "KVM_FEATURE_STEAL_TIME", "kvm-steal-time",
		N_("steal time can be enabled by writing to MSR 0x4b564d03"),
		EAX, KVM_FEATURE_STEAL_TIME, KVM, false, 1, { MSR_KVM_STEAL_TIME }, -1, 0 },
	[KVMCPUID_FEATURE_PV_EOI] = {
		"pv_eoi", "KVM_FEATURE_PV_EOI", "kvm-pv-eoi",
		N_("paravirtualized end of interrupt handler can be enabled by writing to MSR 0x4b564d04"),
		EAX, KVM_FEATURE_PV_EOI, KVM, false, 1, { MSR_KVM_PV_EOI_EN }, -1, 0 },
	[KVMCPUID_FEATURE_PV_UNHALT] = {
		"pv_unhalt", "KVM_FEATURE_PV_UNHALT", "kvm-pv-unhalt",
		N_("guest checks this feature bit before enabling paravirtualized spinlock support"),
		EAX, KVM_FEATURE_PV_UNHALT, KVM, false, 0, { 0 }, KVM_HC_KICK_CPU, 0 },
	[KVMCPUID_FEATURE_PV_TLB_FLUSH] = {
		"pv_tlb_flush", "KVM_FEATURE_PV_TLB_FLUSH", "kvm-pv-tlb-flush",
		N_("guest checks this feature bit before enabling paravirtualized tlb flush"),
		EAX, KVM_FEATURE_PV_TLB_FLUSH, KVM, false, 0, { 0 }, -1, F(STEAL_TIME) },
	[KVMCPUID_FEATURE_ASYNC_PF_VMEXIT] = {
		"async_pf_vmexit", "KVM_FEATURE_ASYNC_PF_VMEXIT", "kvm-asyncpf-vmexit",
		N_("paravirtualized async PF VM EXIT can be enabled by setting bit 2 when writing to MSR 0x4b564d02"),
		EAX, KVM_FEATURE_ASYNC_PF_VMEXIT, KVM, false, 0, { 0 }, -1, F(ASYNC_PF_INT),
		MSR_KVM_ASYNC_PF_EN, KVM_ASYNC_PF_DELIVERY_AS_PF_VMEXIT },
	[KVMCPUID_FEATURE_PV_SEND_IPI] = {
		"pv_send_ipi", "KVM_FEATURE_PV_SEND_IPI", "kvm-pv-ipi",
		N_("guest checks this feature bit before enabling paravirtualized send IPIs"),
		EAX, KVM_FEATURE_PV_SEND_IPI, KVM, false, 0, { 0 }, KVM_HC_SEND_IPI, 0 },
	[KVMCPUID_FEATURE_POLL_CONTROL] = {
		"poll_control", "KVM_FEATURE_POLL_CONTROL", "kvm-poll-control",
		N_("host-side polling on HLT can be disabled by writing to MSR 0x4b564d05"),
		EAX, KVM_FEATURE_POLL_CONTROL, KVM, false, 1, { MSR_KVM_POLL_CONTROL }, -1, 0 },
	[KVMCPUID_FEATURE_PV_SCHED_YIELD] = {
		"pv_sched_yield", "KVM_FEATURE_PV_SCHED_YIELD", "kvm-pv-sched-yield",
		N_("guest checks this feature bit before using paravirtualized sched yield"),
		EAX, KVM_FEATURE_PV_SCHED_YIELD, KVM, false, 0, { 0 }, KVM_HC_SCHED_YIELD,
		F(STEAL_TIME) },
	[KVMCPUID_FEATURE_ASYNC_PF_INT] = {
		"async_pf_int", "KVM_FEATURE_ASYNC_PF_INT", "kvm-asyncpf-int",
		N_("guest checks this feature bit before using the second async pf control MSR 0x4b564d06 and async pf acknowledgment MSR 0x4b564d07"),
		EAX, KVM_FEATURE_ASYNC_PF_INT, KVM, false, 2,
		{ MSR_KVM_ASYNC_PF_INT, MSR_KVM_ASYNC_PF_ACK }, -1, F(ASYNC_PF),
		MSR_KVM_ASYNC_PF_EN, KVM_ASYNC_PF_DELIVERY_AS_INT },
	[KVMCPUID_FEATURE_MSI_EXT_DEST_ID] = {
		"msi_ext_dest_id", "KVM_FEATURE_MSI_EXT_DEST_ID", "kvm-msi-ext-dest-id",
		N_("guest checks this feature bit before using extended destination ID bits in MSI address bits 11-5"),
		EAX, KVM_FEATURE_MSI_EXT_DEST_ID, VMM, false, 0, { 0 }, -1, 0 },
	[KVMCPUID_FEATURE_HC_MAP_GPA_RANGE] = {
		"hc_map_gpa_range", "KVM_FEATURE_HC_MAP_GPA_RANGE", NULL,
		N_("guest checks this feature bit before using the map gpa range hypercall to notify the page state change"),
		EAX, KVM_FEATURE_HC_MAP_GPA_RANGE, VMM, false, 0, { 0 }, -1, 0 },
	[KVMCPUID_FEATURE_MIGRATION_CONTROL] = {
		"migration_control", "KVM_FEATURE_MIGRATION_CONTROL", NULL,
		N_("guest checks this feature bit before using MSR_KVM_MIGRATION_CONTROL"),
		EAX, KVM_FEATURE_MIGRATION_CONTROL, VMM, false, 0, { 0 }, -1, 0 },
	[KVMCPUID_FEATURE_CLOCKSOURCE_STABLE_BIT] = {
		"clocksource_stable_bit", "KVM_FEATURE_CLOCKSOURCE_STABLE_BIT", "kvmclock-stable-bit",
		N_("host will warn if no guest-side per-cpu warps are expected in kvmclock"),
		EAX, KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, KVM, false, 0, { 0 }, -1,
		F(CLOCKSOURCE) | F(CLOCKSOURCE2) },
	[KVMCPUID_FEATURE_REALTIME] = {
		"realtime", "KVM_HINTS_REALTIME", "kvm-hint-dedicated",
		N_("guest checks this feature bit to determine that vCPUs are never preempted for an unlimited time allowing optimizations"),
		EDX, KVM_HINTS_REALTIME, VMM, false, 0, { 0 }, -1, 0 },
};

KVMCPUID_EXPORT const struct kvmcpuid_feature *kvmcpuid_feature(unsigned int id)
{
	return id < FEATURE_COUNT ? &features[id] : NULL;
}

/* Which of a feature's names a spelling belongs to: 0 canonical, 1 macro, 2 QEMU. */
static unsigned int feature_name_set(const char *name)
{
	if (name[0] == 'K')
		return 1;
	if (name[0] == 'k' && name[1] == 'v')
		return 2;
	return 0;
}

static const char *feature_name_in(const struct kvmcpuid_feature *f, unsigned int set)
{
	return set == 1 ? f->macro : set == 2 ? f->qemu : f->name;
}

uint32_t feature_mask_lookup(const char *name)
{
	uint32_t mask = 0;
	unsigned int i, set;
	size_t skip;

	if (!name || !name[0])
		return 0;
	/*
	 * The three name sets do not overlap by their first letters (macros start with
	 * 'K', QEMU properties with "kv", canonical names with neither), so only one set
	 * is compared: the parser calls this for every key.
	 */
	set = feature_name_set(name);
	/* "KVM_FEATURE_": skipped only when the key is longer, never read past its end */
	skip = set == 1 && strnlen(name, 13) > 12 ? 12 : 0;
	for (i = 0; i < FEATURE_COUNT; i++) {
		const char *cand = feature_name_in(&features[i], set);

		/* QEMU's "kvmclock" names bits 0 and 3 at once: both match. */
		if (cand && cand[skip] == name[skip] && !strcmp(name, cand))
			mask |= 1u << i;
	}
	return mask;
}

const char *feature_spelling(unsigned int id, const char *name)
{
	return feature_name_in(&features[id], feature_name_set(name));
}

static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[64], i, j, la = strlen(a), lb = strlen(b);

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return ~0u;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *name_suggest(const char *name, const char *const *extra)
{
	const char *best = NULL;
	unsigned int best_d = ~0u, i, limit;

	if (!name)
		return NULL;
	for (i = 0; i < FEATURE_COUNT; i++) {
		const char *cands[3] = { features[i].name, features[i].macro, features[i].qemu };
		unsigned int k;

		for (k = 0; k < 3; k++) {
			unsigned int d;

			if (!cands[k])
				continue;
			d = edit_distance(name, cands[k]);
			if (d < best_d) {
				best_d = d;
				/* Always suggest the canonical name of the feature. */
				best = features[i].name;
				if (k == 2 && !strcmp(cands[k], "kvmclock"))
					best = "kvmclock";
			}
		}
	}
	for (i = 0; extra && extra[i]; i++) {
		unsigned int d = edit_distance(name, extra[i]);

		if (d < best_d) {
			best_d = d;
			best = extra[i];
		}
	}
	limit = strlen(name) / 3 + 1;
	if (limit > 4)
		limit = 4;
	return best_d <= limit ? best : NULL;
}

KVMCPUID_EXPORT int kvmcpuid_feature_lookup(const char *name)
{
	uint32_t mask = feature_mask_lookup(name);

	if (!mask)
		return -ENOENT;
	return __builtin_ctz(mask);
}
