// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a Linux guest should do with the PV leaves (a table of rules, one row per feature,
 * per kernel version where the rule changed), and what it did (its PV MSRs on every vCPU,
 * its log: the printk ring read from its memory, else its console): the typed report of
 * `kvmcpuid boot`.  Predictions are a pure function of the applied table, the
 * enforcement, the vCPU count, the command line and the kernel's release (a bzImage's
 * kernel_version string, a vmlinux's linux_banner).
 *
 * The rules come from arch/x86/kernel/kvm.c and arch/x86/kernel/kvmclock.c as read in
 * stored copies of 5.10.13, 6.0-6.5, a 6.10-6.15 kvmclock.c and 7.x-era code (the
 * research note lib/boot/linux-pv-rules.md lists them and what stays unverified).
 */
#include <linux/kvm_para.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "report.h"

#define BIT(f) (1u << KVM_FEATURE_##f)	/* bits of base+1.EAX (uapi kvm_para.h) */
#define HINT_REALTIME 1u		/* KVM_HINTS_REALTIME: EDX bit 0 of base+1 */
#define HYPERVISOR_CALLBACK_VECTOR 0xf3

/*
 * kvm.c, pv_tlb_flush_supported / pv_ipi_supported / pv_sched_yield_supported:
 * "num_possible_cpus() != 1" came with ec756e40e271 ("x86/kvm: Don't use pv
 * tlb/ipi/sched_yield if on 1 vCPU"), in the KVM fixes for 5.17-rc (Feb 2022), and went
 * to stable 5.16.15 (its release notes) and 5.15.29 (AUTOSEL, the 14 Mar 2022 queue;
 * present in a stored 5.15.85 kvm.c), not to 5.10.y (absent from that queue and from
 * Debian's 5.10.223, booted on one vCPU in the test VM).  MAJOR.MINOR cannot tell
 * 5.15.28 from 5.15.29: 5.15 and 5.16 take the stable rule.
 * "!boot_cpu_has(X86_FEATURE_MWAIT)" came with 40cd58dbf121 ("x86/kvm: Don't use PV
 * TLB/yield when mwait is advertised"), in Linux 5.17-rc7 (its shortlog); absent from
 * the stored 5.15.85 copy, present in the 6.0-6.5 one.
 */
#define SINCE_ONE_CPU KV(5, 15)
#define SINCE_MWAIT KV(5, 17)
/* A release the loader could not read is taken as the newest rules. */
#define NEWEST KV(255, 255)

/* What decides (the conditions of a rule). */
enum {
	IF_NOT_REALTIME = 1 << 0,	/* off under KVM_HINTS_REALTIME */
	IF_SMP = 1 << 1,		/* off on one possible CPU, from SINCE_ONE_CPU */
	IF_NO_MWAIT = 1 << 2,		/* off with MONITOR/MWAIT offered, from SINCE_MWAIT */
	IF_REALTIME = 1 << 3,		/* on only under KVM_HINTS_REALTIME */
	IF_NOT_CLOCK2 = 1 << 4,		/* off when CLOCKSOURCE2 is offered (it wins) */
	MSR_SHARED = 1 << 5,		/* KVM reads the MSR alike for another feature: the
					 * console line tells which one was used */
	IF_KVMCLOCK = 1 << 6,		/* only once kvmclock is on: CLOCKSOURCE2 or CLOCKSOURCE */
};

/*
 * One rule: the row's feature; the feature bits Linux tests (all of need); the other
 * conditions; the command-line word that turns it off; the witness: an MSR whose value
 * is (value & mask) == want on every vCPU when used and its reset value when not, and/or
 * a console line (pr_info in every release listed) when used / when not.
 */
struct boot_rule {
	int feature;
	uint32_t need;
	unsigned int cond;
	unsigned int cmd_off;		/* BOOT_CMD_* */
	uint32_t msr;			/* 0: no MSR witness */
	uint64_t mask, want;
	uint64_t reset;			/* the MSR when unused (POLL_CONTROL: 1) */
	const char *line_used;		/* NULL: none */
	const char *line_unused;	/* the start of the line saying why not, quoted */
	const char *note;		/* what the rule rests on, for the report */
};

/*
 * The rules.  Every line is matched as a substring of the log; kvm.c prints with
 * pr_fmt "kvm-guest: " (all copies read), kvmclock.c has no pr_fmt.
 */
static const struct boot_rule rules[] = {
	/*
	 * kvmclock.c, kvmclock_init: CLOCKSOURCE2 picks MSR_KVM_SYSTEM_TIME_NEW, else
	 * CLOCKSOURCE MSR_KVM_SYSTEM_TIME, else nothing (silently); "no-kvmclock" returns
	 * first.  kvm_register_clock writes GPA(pvti) | 1 on every CPU.  "kvm-clock: Using
	 * msrs %x and %x" is pr_info in 5.10, 6.1 and 6.12.  KVM keeps one value for both
	 * MSRs (arch/x86/kvm/x86.c, kvm_get_msr_common reads vcpu->arch.time for either), so
	 * the console says which pair.
	 */
	{ KVMCPUID_FEATURE_CLOCKSOURCE2, BIT(CLOCKSOURCE2), MSR_SHARED, BOOT_CMD_NO_KVMCLOCK,
	  0x4b564d01, 1, 1, 0, "kvm-clock: Using msrs 4b564d01 and 4b564d00", NULL,
	  "kvmclock.c kvmclock_init" },
	{ KVMCPUID_FEATURE_CLOCKSOURCE, BIT(CLOCKSOURCE), IF_NOT_CLOCK2 | MSR_SHARED,
	  BOOT_CMD_NO_KVMCLOCK,
	  0x12, 1, 1, 0, "kvm-clock: Using msrs 12 and 11", NULL,
	  "kvmclock.c kvmclock_init (CLOCKSOURCE2 wins)" },
	/* kvm.c, kvm_guest_cpu_init -> kvm_register_steal_time: GPA(steal_time) | 1 */
	{ KVMCPUID_FEATURE_STEAL_TIME, BIT(STEAL_TIME), 0, 0, 0x4b564d03, 1, 1, 0, NULL, NULL,
	  "kvm.c kvm_register_steal_time" },
	/* kvm.c, kvm_guest_cpu_init: MSR_KVM_PV_EOI_EN <- GPA(kvm_apic_eoi) | 1; no line */
	{ KVMCPUID_FEATURE_PV_EOI, BIT(PV_EOI), 0, 0, 0x4b564d04, 1, 1, 0, NULL, NULL,
	  "kvm.c kvm_guest_cpu_init" },
	/*
	 * kvm.c, kvm_guest_cpu_init: under ASYNC_PF_INT (never ASYNC_PF, in any release
	 * read) and without "no-kvmapf", MSR_KVM_ASYNC_PF_INT <- HYPERVISOR_CALLBACK_VECTOR,
	 * then MSR_KVM_ASYNC_PF_EN <- GPA | ENABLED (0) | DELIVERY_AS_INT (3), | bit 2 with
	 * ASYNC_PF_VMEXIT.  The "setup async PF" line is pr_debug since 5.17: not used.
	 */
	{ KVMCPUID_FEATURE_ASYNC_PF_INT, BIT(ASYNC_PF_INT), 0, BOOT_CMD_NO_KVMAPF,
	  0x4b564d06, ~0ull, HYPERVISOR_CALLBACK_VECTOR, 0, NULL, NULL,
	  "kvm.c kvm_guest_cpu_init" },
	{ KVMCPUID_FEATURE_ASYNC_PF, BIT(ASYNC_PF_INT), 0, BOOT_CMD_NO_KVMAPF,
	  0x4b564d02, 0x9, 0x9, 0, NULL, NULL,
	  "kvm.c kvm_guest_cpu_init: the gate is ASYNC_PF_INT, ASYNC_PF is never tested" },
	{ KVMCPUID_FEATURE_ASYNC_PF_VMEXIT, BIT(ASYNC_PF_INT) | BIT(ASYNC_PF_VMEXIT), 0,
	  BOOT_CMD_NO_KVMAPF, 0x4b564d02, 0x4, 0x4, 0, NULL, NULL,
	  "kvm.c kvm_guest_cpu_init: bit 2 of MSR_KVM_ASYNC_PF_EN" },
	/*
	 * kvm.c, kvm_spinlock_init: "PV spinlocks enabled" with PV_UNHALT on more than one
	 * possible CPU, no REALTIME hint, no "nopvspin"; else one "PV spinlocks disabled..."
	 * line whose wording depends on the order of the tests (5.10/6.1: PV_UNHALT first;
	 * 6.12 and 7.x: last; with pv_unhalt off and realtime on, Debian's 6.12.117 and 7.2
	 * print "... with KVM_HINTS_REALTIME hints" in the test VM): quoted as seen, not
	 * predicted.
	 */
	{ KVMCPUID_FEATURE_PV_UNHALT, BIT(PV_UNHALT), IF_NOT_REALTIME | IF_SMP, BOOT_CMD_NOPVSPIN,
	  0, 0, 0, 0, "kvm-guest: PV spinlocks enabled", "kvm-guest: PV spinlocks disabled",
	  "kvm.c kvm_spinlock_init" },
	/* kvm.c, kvm_guest_init: pv_tlb_flush_supported(), needs STEAL_TIME too */
	{ KVMCPUID_FEATURE_PV_TLB_FLUSH, BIT(PV_TLB_FLUSH) | BIT(STEAL_TIME),
	  IF_NOT_REALTIME | IF_SMP | IF_NO_MWAIT, 0, 0, 0, 0, 0,
	  "kvm-guest: KVM setup pv remote TLB flush", NULL,
	  "kvm.c kvm_guest_init, pv_tlb_flush_supported" },
	/* kvm.c, kvm_apic_init: pv_ipi_supported() (REALTIME and MWAIT do not matter) */
	{ KVMCPUID_FEATURE_PV_SEND_IPI, BIT(PV_SEND_IPI), IF_SMP, 0, 0, 0, 0, 0,
	  "kvm-guest: setup PV IPIs", NULL, "kvm.c kvm_apic_init, pv_ipi_supported" },
	/* kvm.c, kvm_guest_init: pv_sched_yield_supported(), needs STEAL_TIME too */
	{ KVMCPUID_FEATURE_PV_SCHED_YIELD, BIT(PV_SCHED_YIELD) | BIT(STEAL_TIME),
	  IF_NOT_REALTIME | IF_SMP | IF_NO_MWAIT, 0, 0, 0, 0, 0,
	  "kvm-guest: setup PV sched yield", NULL,
	  "kvm.c kvm_guest_init, pv_sched_yield_supported" },
	/*
	 * drivers/cpuidle/cpuidle-haltpoll.c haltpoll_init: only under the REALTIME hint
	 * (or cpuidle_haltpoll.force); then kvm.c arch_haltpoll_enable writes
	 * MSR_KVM_POLL_CONTROL <- 0 on every CPU.  KVM resets it to 1.
	 */
	{ KVMCPUID_FEATURE_POLL_CONTROL, BIT(POLL_CONTROL), IF_REALTIME, 0, 0x4b564d05, ~0ull, 0,
	  1, NULL, NULL, "cpuidle-haltpoll.c haltpoll_init, kvm.c arch_haltpoll_enable" },
	/* No witness a host can read: listed so the report says so. */
	{ KVMCPUID_FEATURE_NOP_IO_DELAY, BIT(NOP_IO_DELAY), 0, 0, 0, 0, 0, 0, NULL, NULL,
	  "kvm.c paravirt_ops_setup: no MSR, no line" },
	/*
	 * kvmclock.c, kvmclock_init: returns (silently) without CLOCKSOURCE2 and CLOCKSOURCE
	 * before it tests CLOCKSOURCE_STABLE_BIT (pvclock_set_flags), in a pre-5.0 copy, the
	 * 6.10-6.15 one and Sean Christopherson's 2025 kvmclock patches alike: the bit means
	 * nothing without kvmclock.
	 */
	{ KVMCPUID_FEATURE_CLOCKSOURCE_STABLE_BIT, BIT(CLOCKSOURCE_STABLE_BIT), IF_KVMCLOCK,
	  BOOT_CMD_NO_KVMCLOCK, 0, 0, 0, 0, NULL, NULL, "kvmclock.c kvmclock_init: no MSR, no line" },
	{ KVMCPUID_FEATURE_MSI_EXT_DEST_ID, BIT(MSI_EXT_DEST_ID), 0, 0, 0, 0, 0, 0, NULL, NULL,
	  "kvm.c kvm_msi_ext_dest_id: no MSR, no line" },
};

static const struct boot_rule *rule_for(int feature)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].feature == feature)
			return &rules[i];
	return NULL;
}

/* What Linux does with rule r, and why (into why, when not used). */
static enum kvmcpuid_use predict(const struct boot_guest *g, const struct boot_rule *r,
				 char *why, size_t size)
{
	unsigned int v = g->version ? g->version : NEWEST;
	bool rt = g->hints & HINT_REALTIME;

	why[0] = '\0';
	if (!g->base) {
		snprintf(why, size, "no KVM found: Linux runs as on bare hardware");
		return KVMCPUID_USE_NOT_USED;
	}
	if ((g->features & r->need) != r->need) {
		snprintf(why, size, "%s not offered",
			 (r->need & ~g->features & ~(1u << feature_get(r->feature)->bit)) ?
			 "a feature it needs is" : "the bit is");
		return KVMCPUID_USE_NOT_USED;
	}
	if (g->cmd & r->cmd_off) {
		snprintf(why, size, "turned off on the command line");
		return KVMCPUID_USE_NOT_USED;
	}
	if ((r->cond & IF_KVMCLOCK) && !(g->features & (BIT(CLOCKSOURCE) | BIT(CLOCKSOURCE2)))) {
		snprintf(why, size, "kvmclock is off: neither clocksource offered");
		return KVMCPUID_USE_NOT_USED;
	}
	if ((r->cond & IF_NOT_CLOCK2) && (g->features & BIT(CLOCKSOURCE2))) {
		snprintf(why, size, "clocksource2 wins");
		return KVMCPUID_USE_NOT_USED;
	}
	if ((r->cond & IF_NOT_REALTIME) && rt) {
		snprintf(why, size, "the realtime hint turns it off");
		return KVMCPUID_USE_NOT_USED;
	}
	if ((r->cond & IF_REALTIME) && !rt) {
		snprintf(why, size, "only under the realtime hint (cpuidle-haltpoll)");
		return KVMCPUID_USE_NOT_USED;
	}
	/* kvm_spinlock_init tests num_possible_cpus() == 1 in every release read */
	if ((r->cond & IF_SMP) && g->cpus == 1 &&
	    (v >= SINCE_ONE_CPU || r->feature == KVMCPUID_FEATURE_PV_UNHALT)) {
		snprintf(why, size, "one vCPU");
		return KVMCPUID_USE_NOT_USED;
	}
	if ((r->cond & IF_NO_MWAIT) && g->mwait && v >= SINCE_MWAIT) {
		snprintf(why, size, "MONITOR/MWAIT is offered");
		return KVMCPUID_USE_NOT_USED;
	}
	/*
	 * Enforcement: KVM refuses MSR_KVM_ASYNC_PF_EN without ASYNC_PF (arch/x86/kvm/x86.c,
	 * kvm_set_msr_common: guest_pv_has), so Linux's unchecked wrmsrl takes #GP, fixed up
	 * by arch/x86/mm/extable.c ex_handler_msr: "unchecked MSR access error: WRMSR to
	 * 0x4b564d02", printed once per boot.  The same refusal holds for bit 2 without
	 * ASYNC_PF_VMEXIT, which Linux never sets then.
	 */
	if (g->enforce && (r->feature == KVMCPUID_FEATURE_ASYNC_PF ||
			   r->feature == KVMCPUID_FEATURE_ASYNC_PF_VMEXIT) &&
	    !(g->features & BIT(ASYNC_PF))) {
		snprintf(why, size, "async_pf masked (enforced), async_pf_int not: WRMSR "
			 "0x4b564d02 #GP");
		return KVMCPUID_USE_FAULT;
	}
	return KVMCPUID_USE_USED;
}

enum kvmcpuid_use boot_predict(const struct boot_guest *g, int feature)
{
	const struct boot_rule *r = rule_for(feature);
	char why[160];

	return r ? predict(g, r, why, sizeof(why)) : KVMCPUID_USE_NOT_USED;
}

#define FAULT_LINE "unchecked MSR access error: WRMSR to 0x4b564d02"

static unsigned int msr_slot(uint32_t msr)
{
	unsigned int i;

	for (i = 0; i < BOOT_PV_MSRS; i++)
		if (boot_pv_msrs[i] == msr)
			break;
	return i;
}

/*
 * What the MSR of rule r says on every vCPU: USED when it has the shape, NOT_USED when it
 * holds its reset value (or KVM would not read it: enforcement refuses a host read of a
 * masked feature's MSR, kvm_get_msr_common), -1 when vCPUs disagree or hold anything else
 * (detail says which).
 */
static int observe_msr(const struct boot_result *res, const struct boot_rule *r, char *detail,
		       size_t size)
{
	unsigned int slot = msr_slot(r->msr), c;
	int use = -2;

	detail[0] = '\0';
	for (c = 0; c < res->cpus; c++) {
		const struct kvmcpuid_boot_vcpu *v = &res->vcpu[c];
		uint64_t x = v->msr[slot];
		int u;

		if (!(v->readable & (1u << slot)))
			u = KVMCPUID_USE_NOT_USED;
		else if ((x & r->mask) == r->want && x != r->reset)
			u = KVMCPUID_USE_USED;
		else if (x == r->reset || (r->mask != ~0ull && !(x & r->mask)))
			u = KVMCPUID_USE_NOT_USED;
		else
			u = -1;
		if (u < 0 || (use != -2 && u != use)) {
			snprintf(detail, size, "vCPU %u: MSR 0x%x = 0x%llx", c, r->msr,
				 (unsigned long long)x);
			return -1;
		}
		use = u;
	}
	if (use == -2)
		return -1;
	if (!(res->vcpu[0].readable & (1u << slot)))
		snprintf(detail, size, "MSR 0x%x unreadable (masked under enforcement)", r->msr);
	else if (res->cpus > 1)
		snprintf(detail, size, "MSR 0x%x = 0x%llx on vCPU 0, alike on all %u", r->msr,
			 (unsigned long long)res->vcpu[0].msr[slot], res->cpus);
	else
		snprintf(detail, size, "MSR 0x%x = 0x%llx", r->msr,
			 (unsigned long long)res->vcpu[0].msr[slot]);
	return use;
}

/*
 * Every vCPU has read msr as value; unreadable counts as 0 when unset_ok (KVM refuses a
 * host read of a masked feature's MSR under enforcement, as it refused the guest's write).
 */
static bool all_vcpus(const struct boot_result *res, uint32_t msr, uint64_t value,
		      bool unset_ok)
{
	unsigned int slot = msr_slot(msr), c;

	for (c = 0; c < res->cpus; c++) {
		bool readable = res->vcpu[c].readable & (1u << slot);

		if (readable ? res->vcpu[c].msr[slot] != value : !(unset_ok && value == 0))
			return false;
	}
	return res->cpus > 0;
}

/*
 * The refused write kept nothing: whether it carried mask shows only in the warning's
 * "(tried to write 0x%08x%08x)" (arch/x86/mm/extable.c ex_handler_msr).  FAULT if it did,
 * NOT_USED if not, -1 without the line.
 */
static int tried_bits(const char *console, uint64_t mask, char *detail, size_t size)
{
	static const char key[] = "(tried to write 0x";
	const char *p = strstr(console, FAULT_LINE);

	p = p ? strstr(p, key) : NULL;
	if (!p) {
		snprintf(detail, size, "MSR 0x4b564d02 refused: its bits not known");
		return -1;
	}
	snprintf(detail, size, "the refused write was 0x%llx",
		 (unsigned long long)strtoull(p + sizeof(key) - 1, NULL, 16));
	return strtoull(p + sizeof(key) - 1, NULL, 16) & mask ? KVMCPUID_USE_FAULT :
	       KVMCPUID_USE_NOT_USED;
}

static const char *const use_names[] = { "not used", "used", "fault" };

const char *boot_use_name(enum kvmcpuid_use u)
{
	return (unsigned int)u < ARRAY_SIZE(use_names) ? use_names[u] : "?";
}

/* The last "clocksource: Switched to clocksource NAME" (kernel/time/clocksource.c). */
static void switched_to(const char *console, char *out, size_t size)
{
	static const char key[] = "Switched to clocksource ";
	const char *p = console, *last = NULL;

	out[0] = '\0';
	while ((p = strstr(p, key))) {
		last = p + sizeof(key) - 1;
		p = last;
	}
	if (last)
		snprintf(out, size, "%.*s", (int)strcspn(last, "\n "), last);
}

static int add_check(struct kvmcpuid_report *rep, int feature, uint32_t msr,
		     enum kvmcpuid_use predicted, int observed, const char *seen_detail,
		     const char *why, const char *note)
{
	struct kvmcpuid_check c = {
		.kind = KVMCPUID_CHECK_GUEST,
		.feature = feature,
		.id = msr,
		.reg = KVMCPUID_REG_EAX,
		.bit = feature >= 0 ? feature_get(feature)->bit : 0,
		.expected = { .type = KVMCPUID_VALUE_USE, .u.use = predicted },
		.seen = { .type = observed >= 0 ? KVMCPUID_VALUE_USE : KVMCPUID_VALUE_NONE,
			  .u.use = observed >= 0 ? (enum kvmcpuid_use)observed : 0 },
	};
	char exp[96], seen[96], cause[240];

	c.verdict = observed < 0 ? KVMCPUID_UNTESTABLE :
		    (enum kvmcpuid_use)observed == predicted ? KVMCPUID_PASS : KVMCPUID_FAIL;
	snprintf(exp, sizeof(exp), "%s%s%s", boot_use_name(predicted), *why ? ": " : "", why);
	snprintf(seen, sizeof(seen), "%s%s%s", observed >= 0 ? boot_use_name(observed) :
		 "not observable", *seen_detail ? ": " : "", seen_detail);
	snprintf(cause, sizeof(cause), "%s", note);
	c.subject = feature >= 0 ? feature_get(feature)->name : "detect";
	c.expected_text = exp;
	c.seen_text = seen;
	c.cause = cause;
	return report_add(rep, &c);
}

/*
 * Whether the guest's pr_info lines are out of sight: its console level hides them
 * ("quiet", "loglevel=N") and its whole log could not be read from its memory, which
 * keeps every record whatever the console shows (a ring that wrapped lost the first).
 */
static bool info_hidden(const struct boot_guest *g, const struct boot_result *res)
{
	return (g->cmd & BOOT_CMD_INFO_HIDDEN) && !boot_log_whole(res);
}

/* KVM's detection: the banner of paravirt.c default_banner, and no PV MSR touched. */
static int check_detect(const struct boot_guest *g, const struct boot_result *res,
			struct kvmcpuid_report *rep)
{
	const char *con = boot_text(res);
	bool on_kvm = strstr(con, "Booting paravirtualized kernel on KVM");
	bool bare = strstr(con, "Booting paravirtualized kernel on bare hardware");
	unsigned int c, i, touched = 0;
	char detail[96];
	int observed;

	for (c = 0; c < res->cpus; c++)
		for (i = 0; i < BOOT_PV_MSRS; i++)
			if ((res->vcpu[c].readable & (1u << i)) &&
			    res->vcpu[c].msr[i] != (boot_pv_msrs[i] == 0x4b564d05 ? 1 : 0))
				touched++;
	observed = on_kvm ? KVMCPUID_USE_USED : bare && !touched ? KVMCPUID_USE_NOT_USED : -1;
	/* the banner is pr_info: without it, a PV MSR set still says Linux found KVM */
	if (info_hidden(g, res) && touched)
		observed = KVMCPUID_USE_USED;
	snprintf(detail, sizeof(detail), "%s, %u PV MSR values set", on_kvm ? "\"on KVM\"" :
		 bare ? "\"on bare hardware\"" : "no banner", touched);
	return add_check(rep, -1, 0, g->base ? KVMCPUID_USE_USED : KVMCPUID_USE_NOT_USED,
			 observed, detail, g->base ? "KVM found" : "no KVM signature found",
			 "kvm.c __kvm_cpuid_base, paravirt.c default_banner (pr_info)");
}

/*
 * How the boot ended, a check of its own: every PV decision above is made by the end of
 * the initcalls (the APs are up in smp_init, PV TLB flush/IPIs/sched yield and the switch
 * of clocksource are initcalls), and with no root file system init/main.c kernel_init_
 * freeable -> prepare_namespace then panics "VFS: Unable to mount root fs"; with an
 * initrd, free_initmem prints "Freeing unused kernel image" (pr_info) before init runs,
 * and init's own end panics "Attempted to kill init!" or "No working init found".  Any
 * other end (the 7.2 guest of the test VM dies in fpstate_reset: "Attempted to kill the
 * idle task!") came before some of the decisions, whose rows then show what never ran.
 */
static int check_end(const struct boot_result *res, struct kvmcpuid_report *rep)
{
	static const char *const late[] = {
		"VFS: Unable to mount root fs", "Attempted to kill init!", "No working init found",
		"Requested init ",
	};
	const char *con = boot_text(res);
	const char *panic = strstr(con, BOOT_PANIC_LINE);
	bool after = strstr(con, "Freeing unused kernel") != NULL;
	int len = panic ? (int)strcspn(panic, "\n") : 0;
	struct kvmcpuid_check c = {
		.kind = KVMCPUID_CHECK_RUN,
		.feature = -1,
		.subject = "end",
		.expected = { .type = KVMCPUID_VALUE_NONE },
		.seen = { .type = KVMCPUID_VALUE_NONE },
		.expected_text = "the root fs panic, after the PV setup",
	};
	char seen[128], cause[200];
	size_t i;

	for (i = 0; panic && i < ARRAY_SIZE(late); i++)
		if (memmem(panic, (size_t)len, late[i], strlen(late[i])))
			after = true;
	if (panic)
		snprintf(seen, sizeof(seen), "\"%.*s\"", len > 100 ? 100 : len, panic);
	else
		snprintf(seen, sizeof(seen), "%s, no panic line", boot_end_name(res->end));
	c.verdict = after ? KVMCPUID_PASS : KVMCPUID_FAIL;
	snprintf(cause, sizeof(cause), "%s", after ? "init/main.c kernel_init" :
		 "the guest ended before its initcalls did: the decisions after that point "
		 "were never made (its console shows why: --console)");
	c.seen_text = seen;
	c.cause = cause;
	return report_add(rep, &c);
}

int boot_report(struct kvmcpuid_ctx *ctx, const struct boot_guest *g,
		const struct boot_result *res, struct kvmcpuid_report **ret)
{
	const char *con = boot_text(res);
	struct kvmcpuid_report *rep;
	char why[160], detail[128], cs[32], note[200];
	size_t i;
	int r;

	r = report_new(ctx, "boot", &rep);
	if (r < 0)
		return r;
	rep->detected_base = g->base;
	rep->guest_features = g->features;
	rep->guest_hints = g->hints;
	rep->enforced = g->enforce;
	snprintf(rep->kernel, sizeof(rep->kernel), "%s", g->release);
	switched_to(con, cs, sizeof(cs));
	r = check_detect(g, res, rep);
	for (i = 0; i < ARRAY_SIZE(rules) && r == 0; i++) {
		const struct boot_rule *ru = &rules[i];
		enum kvmcpuid_use pred = predict(g, ru, why, sizeof(why));
		int obs = -1, line = -1;

		detail[0] = '\0';
		if (ru->msr)
			obs = observe_msr(res, ru, detail, sizeof(detail));
		if (ru->line_used && info_hidden(g, res)) {
			if (!ru->msr || ((ru->cond & MSR_SHARED) && obs == KVMCPUID_USE_USED)) {
				obs = -1;
				snprintf(detail, sizeof(detail), "pr_info lines hidden (quiet, "
					 "loglevel), the log unread or wrapped");
			}
		} else if (ru->line_used) {
			const char *why_not = ru->line_unused ? strstr(con, ru->line_unused) : NULL;

			/* line_used is pr_info whenever it is used: its absence says "not used" */
			line = strstr(con, ru->line_used) ? KVMCPUID_USE_USED : KVMCPUID_USE_NOT_USED;
			if (!ru->msr && why_not && line == KVMCPUID_USE_NOT_USED) {
				obs = line;
				snprintf(detail, sizeof(detail), "\"%.*s\"",
					 (int)strcspn(why_not, "\n"), why_not);
			} else if (!ru->msr) {
				obs = line;
				snprintf(detail, sizeof(detail), "%s", line == KVMCPUID_USE_USED ?
					 "the log says so" : "no such line");
			} else if (obs >= 0 && line != obs) {
				/* the MSR and the log disagree: the log names the pair */
				obs = line;
				snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
					 ", %s", line == 1 ? "the log names it" :
					 "the log does not name it");
			}
		}
		/*
		 * kvm_guest_cpu_init writes 0x4b564d06, then 0x4b564d02: the first set and the
		 * second not is the second's fault, whether or not the warning is shown.
		 */
		if (ru->msr == 0x4b564d02 && obs == KVMCPUID_USE_NOT_USED &&
		    all_vcpus(res, 0x4b564d02, 0, true) &&
		    (strstr(con, FAULT_LINE) ||
		     all_vcpus(res, 0x4b564d06, HYPERVISOR_CALLBACK_VECTOR, false)))
			obs = ru->feature == KVMCPUID_FEATURE_ASYNC_PF ? KVMCPUID_USE_FAULT :
			      tried_bits(con, ru->mask, detail, sizeof(detail));
		snprintf(note, sizeof(note), "%s", ru->note);
		if ((ru->feature == KVMCPUID_FEATURE_CLOCKSOURCE ||
		     ru->feature == KVMCPUID_FEATURE_CLOCKSOURCE2) && *cs)
			snprintf(note, sizeof(note), "%s; switched to clocksource %s", ru->note, cs);
		if (ru->feature == KVMCPUID_FEATURE_POLL_CONTROL && pred == KVMCPUID_USE_USED &&
		    obs == KVMCPUID_USE_NOT_USED) {
			/* haltpoll is a module in most distributions: no root, no module */
			obs = -1;
			snprintf(note, sizeof(note), "%s; cpuidle-haltpoll did not load (a module "
				 "needs a root file system)", ru->note);
		}
		r = add_check(rep, ru->feature, ru->msr, pred, obs, detail, why, note);
	}
	if (r == 0)
		r = check_end(res, rep);
	if (r < 0) {
		kvmcpuid_report_unref(rep);
		return r;
	}
	*ret = rep;
	return 0;
}
