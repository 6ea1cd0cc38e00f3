// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Linux's PV rules (lib/boot/rules.c) without KVM: every rule's prediction, the releases
 * where a rule changed, the enforcement fault of async_pf masked with async_pf_int offered,
 * the hidden signature, and the report against synthetic MSRs and console lines.
 */
#include <linux/kvm_para.h>

#include "boot/boot.h"
#include "report.h"
#include "testutil.h"
#include "boot-kernel.h"

#define F(x) (1u << KVM_FEATURE_##x)
/* What KVM offers today (KVM_GET_SUPPORTED_CPUID): every feature bit but MMU_OP. */
#define ALL (F(CLOCKSOURCE) | F(NOP_IO_DELAY) | F(CLOCKSOURCE2) | F(ASYNC_PF) | \
	     F(STEAL_TIME) | F(PV_EOI) | F(PV_UNHALT) | F(PV_TLB_FLUSH) | F(ASYNC_PF_VMEXIT) | \
	     F(PV_SEND_IPI) | F(POLL_CONTROL) | F(PV_SCHED_YIELD) | F(ASYNC_PF_INT) | \
	     F(MSI_EXT_DEST_ID) | F(CLOCKSOURCE_STABLE_BIT))
#define ID(x) KVMCPUID_FEATURE_##x
#define USED KVMCPUID_USE_USED
#define NOT KVMCPUID_USE_NOT_USED
#define FAULT KVMCPUID_USE_FAULT

static struct boot_guest guest(uint32_t features, unsigned int cpus, const char *release)
{
	struct boot_guest g = { .base = 0x40000000, .features = features, .cpus = cpus };

	g.version = boot_release_version(release);
	snprintf(g.release, sizeof(g.release), "%s", release);
	return g;
}

START_TEST(release)
{
	char out[65];

	ck_assert_uint_eq(boot_release_version("6.1.0-28-amd64"), 0x601);
	ck_assert_uint_eq(boot_release_version("5.10.13"), 0x50a);
	ck_assert_uint_eq(boot_release_version("6.12"), 0x60c);
	ck_assert_uint_eq(boot_release_version("v6.1"), 0);
	ck_assert_uint_eq(boot_release_version("6"), 0);
	ck_assert_uint_eq(boot_release_version(""), 0);
	/* the setup header's kernel_version (0x20e) points at the string, less 0x200 */
	make_image();
	strcpy((char *)image + 0x400, "6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP");
	put16(image + 0x20e, 0x200);
	boot_release(image, sizeof(image), out, sizeof(out));
	ck_assert_str_eq(out, "6.1.0-28-amd64");
	put16(image + 0x20e, 0);
	boot_release(image, sizeof(image), out, sizeof(out));
	ck_assert_str_eq(out, "");
	/* a pointer past the file: nothing read */
	put16(image + 0x20e, 0xfff0);
	boot_release(image, sizeof(image), out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(cmdline)
{
	ck_assert_uint_eq(boot_cmdline_flags("console=ttyS0 no-kvmclock nopvspin"),
			  BOOT_CMD_NO_KVMCLOCK | BOOT_CMD_NOPVSPIN);
	ck_assert_uint_eq(boot_cmdline_flags("no-kvmapf nopv"), BOOT_CMD_NO_KVMAPF | BOOT_CMD_NOPV);
	/* words, not substrings */
	ck_assert_uint_eq(boot_cmdline_flags("xno-kvmclock nopvx no-kvmapf=1"), 0);
	ck_assert_uint_eq(boot_cmdline_flags(NULL), 0);
	/* the console's level: the last word wins; pr_info needs 7 */
	ck_assert_uint_eq(boot_cmdline_flags("console=ttyS0 quiet"), BOOT_CMD_INFO_HIDDEN);
	ck_assert_uint_eq(boot_cmdline_flags("quiet loglevel=7"), 0);
	ck_assert_uint_eq(boot_cmdline_flags("loglevel=7 quiet"), BOOT_CMD_INFO_HIDDEN);
	ck_assert_uint_eq(boot_cmdline_flags("loglevel=6"), BOOT_CMD_INFO_HIDDEN);
	ck_assert_uint_eq(boot_cmdline_flags("quiet ignore_loglevel"), 0);
	ck_assert_uint_eq(boot_cmdline_flags("quiet debug"), 0);
}
END_TEST

/* Everything KVM offers, two vCPUs, Linux 6.1: all used but what the rules rule out. */
START_TEST(default_61)
{
	struct boot_guest g = guest(ALL, 2, "6.1.0-28-amd64");

	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE2)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE)), NOT);	/* clocksource2 wins */
	ck_assert_int_eq(boot_predict(&g, ID(STEAL_TIME)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_EOI)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_INT)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_VMEXIT)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_UNHALT)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(POLL_CONTROL)), NOT);	/* no realtime hint */
	g.features &= ~F(CLOCKSOURCE2);
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE2)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE_STABLE_BIT)), USED);
	g.features &= ~F(CLOCKSOURCE);
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE)), NOT);
	/* kvmclock_init returns before it reads the stable bit: nothing to be stable */
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE_STABLE_BIT)), NOT);
}
END_TEST

/* One vCPU: 5.15+ skips PV IPI, TLB flush and sched yield; every release skips spinlocks. */
START_TEST(one_cpu_by_release)
{
	struct boot_guest g = guest(ALL, 1, "6.1.0");

	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_UNHALT)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(STEAL_TIME)), USED);
	g = guest(ALL, 1, "5.10.13");
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_UNHALT)), NOT);
	/*
	 * ec756e40e271 (5.17-rc) reached 5.15.29 and 5.16.15, never 5.12-5.14: 5.14 still
	 * sets up PV IPIs on one vCPU, 5.15 does not (5.15.85's pv_ipi_supported)
	 */
	g = guest(ALL, 1, "5.14.21");
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), USED);
	g = guest(ALL, 1, "5.15.0-91-generic");
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), NOT);
	/* an unknown release takes the newest rules */
	g = guest(ALL, 1, "");
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), NOT);
}
END_TEST

/* MONITOR/MWAIT offered: TLB flush and sched yield off from 5.17, PV IPI unaffected. */
START_TEST(mwait_by_release)
{
	struct boot_guest g = guest(ALL, 2, "6.1.0");

	g.mwait = true;
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), USED);
	g = guest(ALL, 2, "5.15.0");
	g.mwait = true;
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), USED);
	/* 40cd58dbf121 is in 5.17-rc7: 5.16 still uses both under MWAIT */
	g = guest(ALL, 2, "5.16.20");
	g.mwait = true;
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), USED);
	g = guest(ALL, 2, "5.17.0");
	g.mwait = true;
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), NOT);
}
END_TEST

START_TEST(realtime_and_dependencies)
{
	struct boot_guest g = guest(ALL, 2, "6.1.0");

	g.hints = 1;	/* KVM_HINTS_REALTIME */
	ck_assert_int_eq(boot_predict(&g, ID(PV_UNHALT)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(POLL_CONTROL)), USED);
	g.features &= ~F(POLL_CONTROL);
	ck_assert_int_eq(boot_predict(&g, ID(POLL_CONTROL)), NOT);
	/* TLB flush and sched yield need steal time (pv_tlb_flush_supported) */
	g = guest(ALL & ~F(STEAL_TIME), 2, "6.1.0");
	ck_assert_int_eq(boot_predict(&g, ID(PV_TLB_FLUSH)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SCHED_YIELD)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(STEAL_TIME)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_SEND_IPI)), USED);
	/* the command line */
	g = guest(ALL, 2, "6.1.0");
	g.cmd = BOOT_CMD_NO_KVMCLOCK | BOOT_CMD_NO_KVMAPF | BOOT_CMD_NOPVSPIN;
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE2)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_INT)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_UNHALT)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(STEAL_TIME)), USED);
}
END_TEST

/*
 * async_pf is never tested: async_pf_int gates both MSRs.  Under enforcement with async_pf
 * masked, the WRMSR to 0x4b564d02 faults (issue 17: measured under QEMU with Linux 6.1).
 */
START_TEST(async_pf_enforcement)
{
	struct boot_guest g = guest(ALL & ~(F(ASYNC_PF) | F(PV_EOI) | F(STEAL_TIME)), 2, "6.1.0");

	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_INT)), USED);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), USED);		/* advisory: accepted */
	g.enforce = true;
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_INT)), USED);	/* 0x4b564d06 first */
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), FAULT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_VMEXIT)), FAULT);
	ck_assert_int_eq(boot_predict(&g, ID(PV_EOI)), NOT);
	g.features &= ~F(ASYNC_PF_VMEXIT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_VMEXIT)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), FAULT);
	/* async_pf_int masked too: Linux touches neither MSR, nothing faults */
	g.features &= ~F(ASYNC_PF_INT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF_INT)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), NOT);
	/* async_pf offered alone: nothing (kvm_guest_cpu_init tests ASYNC_PF_INT only) */
	g = guest(F(ASYNC_PF), 2, "6.1.0");
	ck_assert_int_eq(boot_predict(&g, ID(ASYNC_PF)), NOT);
}
END_TEST

/* A table as a VMM applies it: CPUID.1 with the hypervisor bit, the KVM block at base. */
static size_t table(struct kvm_cpuid_entry2 *t, uint32_t base, const char *sig, uint32_t eax,
		    uint32_t edx, bool hypervisor)
{
	memset(t, 0, 3 * sizeof(*t));
	t[0].function = 1;
	t[0].ecx = hypervisor ? 1u << 31 : 0;
	t[1].function = base;
	t[1].eax = base | 1;
	memcpy(&t[1].ebx, sig, 4);
	memcpy(&t[1].ecx, sig + 4, 4);
	memcpy(&t[1].edx, sig + 8, 4);
	t[2].function = base | 1;
	t[2].eax = eax;
	t[2].edx = edx;
	return 3;
}

START_TEST(detection)
{
	struct kvm_cpuid_entry2 t[3];
	struct boot_guest g;
	size_t n;

	n = table(t, 0x40000100, "KVMKVMKVM\0\0\0", ALL, 1, true);
	boot_guest_from_table(t, n, KVMCPUID_APPLY_ENFORCE, 2, "console=ttyS0", "6.1.0-28-amd64",
			      &g);
	ck_assert_uint_eq(g.base, 0x40000100);
	ck_assert_uint_eq(g.features, ALL);
	ck_assert_uint_eq(g.hints, 1);
	ck_assert(g.enforce);
	ck_assert_uint_eq(g.version, 0x601);
	ck_assert_int_eq(boot_predict(&g, ID(STEAL_TIME)), USED);
	/* hidden signature: no KVM, nothing used, whatever the bits say */
	n = table(t, 0x40000000, "NotKVMatAll\0", ALL, 0, true);
	boot_guest_from_table(t, n, 0, 2, "", "6.1.0", &g);
	ck_assert_uint_eq(g.base, 0);
	ck_assert_int_eq(boot_predict(&g, ID(CLOCKSOURCE2)), NOT);
	ck_assert_int_eq(boot_predict(&g, ID(STEAL_TIME)), NOT);
	/* no hypervisor bit, or nopv: not detected either */
	n = table(t, 0x40000000, "KVMKVMKVM\0\0\0", ALL, 0, false);
	boot_guest_from_table(t, n, 0, 2, "", "6.1.0", &g);
	ck_assert_uint_eq(g.base, 0);
	n = table(t, 0x40000000, "KVMKVMKVM\0\0\0", ALL, 0, true);
	boot_guest_from_table(t, n, 0, 2, "quiet nopv", "6.1.0", &g);
	ck_assert_uint_eq(g.base, 0);
}
END_TEST

/* ---- the report against synthetic witnesses ---- */

static struct kvmcpuid_boot_vcpu vcpus[2];
static char console[4096];

/* A result where every vCPU holds the MSR values given (index, value pairs, 0-ended). */
static struct boot_result result(const char *con, const uint64_t *kv)
{
	struct boot_result res = { .end = BOOT_END_PANIC, .cpus = 2, .vcpu = vcpus };
	unsigned int c, i, k;

	snprintf(console, sizeof(console), "%s", con);
	res.console = console;
	res.console_len = strlen(console);
	for (c = 0; c < 2; c++) {
		memset(&vcpus[c], 0, sizeof(vcpus[c]));
		vcpus[c].readable = (1u << BOOT_PV_MSRS) - 1;
		for (i = 0; i < BOOT_PV_MSRS; i++)
			vcpus[c].msr[i] = boot_pv_msrs[i] == 0x4b564d05 ? 1 : 0;
		for (k = 0; kv[k]; k += 2)
			for (i = 0; i < BOOT_PV_MSRS; i++)
				if (boot_pv_msrs[i] == kv[k])
					vcpus[c].msr[i] = kv[k + 1] + c * 0x40;
	}
	return res;
}

static void assert_check(const struct kvmcpuid_report *rep, const char *subj,
			 enum kvmcpuid_use predicted, int seen, enum kvmcpuid_verdict verdict)
{
	const struct kvmcpuid_check *c = boot_check_of(rep, subj);

	ck_assert_int_eq(c->kind, KVMCPUID_CHECK_GUEST);
	ck_assert_str_eq(c->kind_name, "guest");
	ck_assert_int_eq(c->expected.type, KVMCPUID_VALUE_USE);
	ck_assert_msg(c->expected.u.use == predicted, "%s: predicted %s", subj, c->expected_text);
	if (seen < 0) {
		ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_NONE);
	} else {
		ck_assert_int_eq(c->seen.type, KVMCPUID_VALUE_USE);
		ck_assert_msg(c->seen.u.use == (enum kvmcpuid_use)seen, "%s: seen %s", subj,
			      c->seen_text);
	}
	ck_assert_msg(c->verdict == verdict, "%s: verdict %s (%s / %s)", subj, c->verdict_name,
		      c->expected_text, c->seen_text);
}

#define ROOT_PANIC "Kernel panic - not syncing: VFS: Unable to mount root fs\n"
#define DEFAULT_CONSOLE \
	"Hypervisor detected: KVM\nkvm-clock: Using msrs 4b564d01 and 4b564d00\n" \
	"Booting paravirtualized kernel on KVM\nkvm-guest: PV spinlocks enabled\n" \
	"kvm-guest: KVM setup pv remote TLB flush\nkvm-guest: setup PV sched yield\n" \
	"kvm-guest: setup PV IPIs\nclocksource: Switched to clocksource kvm-clock\n" \
	ROOT_PANIC

/* A default 6.1 guest's PV MSRs (vCPU 1's per-CPU areas 0x40 further: result()). */
static const uint64_t default_msrs[] = { 0x4b564d01, 0x3fe01001, 0x12, 0x3fe01001,
	0x4b564d03, 0x3fe1c001, 0x4b564d04, 0x3fe1c101, 0x4b564d06, 0xf3,
	0x4b564d02, 0x3fe1c20d, 0x4b564d00, 0x2000, 0x11, 0x2000, 0 };

START_TEST(report_default)
{
	const uint64_t *msrs = default_msrs;
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct boot_guest g = guest(ALL, 2, "6.1.0-28-amd64");
	struct boot_result res = result(DEFAULT_CONSOLE, msrs);
	struct kvmcpuid_report *rep = NULL;
	char *json = NULL;

	/* 0x4b564d06 is 0xf3 on both vCPUs: the helper adds 0x40 on vCPU 1, undo it */
	vcpus[1].msr[6] = 0xf3;
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert_msg(kvmcpuid_report_ok(rep), "not ok");
	assert_check(rep, "detect", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "clocksource2", USED, USED, KVMCPUID_PASS);
	/* the MSR reads alike (one value in KVM): the console says which pair */
	assert_check(rep, "clocksource", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "steal_time", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_eoi", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "async_pf_int", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "async_pf", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "async_pf_vmexit", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_unhalt", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_tlb_flush", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_send_ipi", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_sched_yield", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "poll_control", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "nop_io_delay", USED, -1, KVMCPUID_UNTESTABLE);
	ck_assert_str_eq(boot_check_of(rep, "steal_time")->seen_text,
			 "used: MSR 0x4b564d03 = 0x3fe1c001 on vCPU 0, alike on all 2");
	ck_assert_str_eq(boot_check_of(rep, "clocksource2")->cause,
			 "kvmclock.c kvmclock_init; switched to clocksource kvm-clock");
	ck_assert_uint_eq(boot_check_of(rep, "steal_time")->id, 0x4b564d03);
	ck_assert_uint_eq(boot_check_of(rep, "steal_time")->bit, KVM_FEATURE_STEAL_TIME);
	ck_assert_int_eq(kvmcpuid_report_to_json(rep, &json), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"kind\": \"guest\""));
	ck_assert_ptr_nonnull(strstr(json, "\"type\": \"use\",\n        \"use\": \"used\""));
	ck_assert_ptr_nonnull(strstr(json, "\"use\": \"not used\""));
	free(json);
	kvmcpuid_report_unref(rep);
	/* a PV IPI line that is missing is a mismatch */
	res = result("Booting paravirtualized kernel on KVM\nkvm-clock: Using msrs 4b564d01 and "
		     "4b564d00\nkvm-guest: PV spinlocks enabled\n", msrs);
	vcpus[1].msr[6] = 0xf3;
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert(!kvmcpuid_report_ok(rep));
	assert_check(rep, "pv_send_ipi", USED, NOT, KVMCPUID_FAIL);
	assert_check(rep, "clocksource2", USED, USED, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	kvmcpuid_unref(ctx);
}
END_TEST

START_TEST(report_hidden)
{
	static const uint64_t none[] = { 0 }, touched[] = { 0x4b564d03, 0x1001, 0 };
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct boot_guest g = guest(ALL, 2, "6.1.0");
	struct boot_result res;
	struct kvmcpuid_report *rep = NULL;

	g.base = 0;
	res = result("Booting paravirtualized kernel on bare hardware\n"
		     "clocksource: Switched to clocksource tsc-early\n" ROOT_PANIC, none);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert(kvmcpuid_report_ok(rep));
	assert_check(rep, "detect", NOT, NOT, KVMCPUID_PASS);
	ck_assert_str_eq(boot_check_of(rep, "detect")->seen_text,
			 "not used: \"on bare hardware\", 0 PV MSR values set");
	assert_check(rep, "clocksource2", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "steal_time", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "pv_send_ipi", NOT, NOT, KVMCPUID_PASS);
	/* no KVM: kvm_spinlock_init never runs, no "PV spinlocks" line at all */
	assert_check(rep, "pv_unhalt", NOT, NOT, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	/* bare hardware said, but an MSR touched: not what hiding promises */
	res = result("Booting paravirtualized kernel on bare hardware\n", touched);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert(!kvmcpuid_report_ok(rep));
	assert_check(rep, "detect", NOT, -1, KVMCPUID_UNTESTABLE);
	assert_check(rep, "steal_time", NOT, USED, KVMCPUID_FAIL);
	kvmcpuid_report_unref(rep);
	kvmcpuid_unref(ctx);
}
END_TEST

START_TEST(report_async_pf_fault)
{
	static const uint64_t msrs[] = { 0x4b564d01, 0x3fe01001, 0x12, 0x3fe01001, 0 };
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct boot_guest g = guest(ALL & ~(F(ASYNC_PF) | F(PV_EOI) | F(STEAL_TIME)), 2, "6.1.0");
	struct boot_result res;
	struct kvmcpuid_report *rep = NULL;

	g.enforce = true;
	res = result("Booting paravirtualized kernel on KVM\nkvm-clock: Using msrs 4b564d01 and "
		     "4b564d00\nunchecked MSR access error: WRMSR to 0x4b564d02 (tried to write "
		     "0x000000003fe1c20d) at rIP: 0xffffffff8e87a2a4 (kvm_guest_cpu_init+0x84/0x180)\n"
		     "kvm-guest: PV spinlocks enabled\nkvm-guest: setup PV IPIs\n" ROOT_PANIC, msrs);
	vcpus[0].msr[6] = vcpus[1].msr[6] = 0xf3;
	/* enforcement: KVM does not let the host read the MSRs of masked features */
	vcpus[0].readable &= ~(1u << 2 | 1u << 3 | 1u << 4);
	vcpus[1].readable &= ~(1u << 2 | 1u << 3 | 1u << 4);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert_msg(kvmcpuid_report_ok(rep), "not ok");
	assert_check(rep, "async_pf_int", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "async_pf", FAULT, FAULT, KVMCPUID_PASS);
	assert_check(rep, "async_pf_vmexit", FAULT, FAULT, KVMCPUID_PASS);
	ck_assert_str_eq(boot_check_of(rep, "async_pf_vmexit")->seen_text,
			 "fault: the refused write was 0x3fe1c20d");
	ck_assert_str_eq(boot_check_of(rep, "async_pf")->expected_text,
			 "fault: async_pf masked (enforced), async_pf_int not: WRMSR 0x4b564d02 #GP");
	assert_check(rep, "steal_time", NOT, NOT, KVMCPUID_PASS);
	ck_assert_str_eq(boot_check_of(rep, "steal_time")->seen_text,
			 "not used: MSR 0x4b564d03 unreadable (masked under enforcement)");
	assert_check(rep, "pv_eoi", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "pv_tlb_flush", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "pv_sched_yield", NOT, NOT, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	/* one vCPU: the spinlock line says why, quoted */
	g.cpus = 1;
	res = result("kvm-guest: PV spinlocks disabled, single CPU\n", msrs);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	assert_check(rep, "pv_unhalt", NOT, NOT, KVMCPUID_PASS);
	ck_assert_str_eq(boot_check_of(rep, "pv_unhalt")->seen_text,
			 "not used: \"kvm-guest: PV spinlocks disabled, single CPU\"");
	assert_check(rep, "pv_send_ipi", NOT, NOT, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	g.cpus = 2;
	/* async_pf_int masked too: nothing touched, no fault; a fault line would mismatch */
	g.features &= ~F(ASYNC_PF_INT);
	res = result("Booting paravirtualized kernel on KVM\n", msrs);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	assert_check(rep, "async_pf_int", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "async_pf", NOT, NOT, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	res = result("Booting paravirtualized kernel on KVM\n"
		     "unchecked MSR access error: WRMSR to 0x4b564d02\n", msrs);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	assert_check(rep, "async_pf", NOT, FAULT, KVMCPUID_FAIL);
	assert_check(rep, "async_pf_vmexit", NOT, -1, KVMCPUID_UNTESTABLE);
	kvmcpuid_report_unref(rep);
	/*
	 * Under quiet the warning is hidden (pr_warn): 0x4b564d06 set and 0x4b564d02 not
	 * still says the second write faulted; the console-only rows are not observable.
	 */
	g.features |= F(ASYNC_PF_INT);
	g.cmd = BOOT_CMD_INFO_HIDDEN;
	res = result("Kernel panic - not syncing: VFS: Unable to mount root fs\n", msrs);
	vcpus[0].msr[6] = vcpus[1].msr[6] = 0xf3;
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert(kvmcpuid_report_ok(rep));
	assert_check(rep, "detect", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "async_pf", FAULT, FAULT, KVMCPUID_PASS);
	assert_check(rep, "async_pf_vmexit", FAULT, -1, KVMCPUID_UNTESTABLE);
	assert_check(rep, "pv_send_ipi", USED, -1, KVMCPUID_UNTESTABLE);
	/* kvmclock is on, but which pair only the hidden line says */
	assert_check(rep, "clocksource2", USED, -1, KVMCPUID_UNTESTABLE);
	assert_check(rep, "clocksource", NOT, -1, KVMCPUID_UNTESTABLE);
	assert_check(rep, "steal_time", NOT, NOT, KVMCPUID_PASS);
	ck_assert_str_eq(boot_check_of(rep, "pv_send_ipi")->seen_text,
			 "not observable: pr_info lines hidden (quiet, loglevel), the log unread or "
			 "wrapped");
	kvmcpuid_report_unref(rep);
	kvmcpuid_unref(ctx);
}
END_TEST

/*
 * A quiet console with the guest's log read from its memory: the log holds every pr_info
 * line, so the rows the console would hide are observed from it, as at loglevel=7.
 */
START_TEST(report_log)
{
	const uint64_t *msrs = default_msrs;
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct boot_guest g = guest(ALL, 2, "6.1.0-28-amd64");
	struct boot_result res = result(ROOT_PANIC, msrs);
	struct kvmcpuid_report *rep = NULL;
	char log[] = DEFAULT_CONSOLE;

	vcpus[1].msr[6] = 0xf3;
	g.cmd = BOOT_CMD_INFO_HIDDEN;
	res.log = log;
	res.log_len = strlen(log);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert_msg(kvmcpuid_report_ok(rep), "not ok");
	assert_check(rep, "detect", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "clocksource2", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "clocksource", NOT, NOT, KVMCPUID_PASS);
	assert_check(rep, "pv_unhalt", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_tlb_flush", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_send_ipi", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "pv_sched_yield", USED, USED, KVMCPUID_PASS);
	ck_assert_str_eq(boot_check_of(rep, "pv_send_ipi")->seen_text, "used: the log says so");
	ck_assert_str_eq(boot_check_of(rep, "clocksource")->seen_text,
			 "not used: MSR 0x12 = 0x3fe01001 on vCPU 0, alike on all 2, the log does "
			 "not name it");
	ck_assert_str_eq(boot_check_of(rep, "detect")->seen_text,
			 "used: \"on KVM\", 16 PV MSR values set");
	kvmcpuid_report_unref(rep);
	/* a ring that wrapped lost its first records: its lines are no witness, none guessed */
	res.log_lost = 5;
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert(kvmcpuid_report_ok(rep));
	assert_check(rep, "pv_send_ipi", USED, -1, KVMCPUID_UNTESTABLE);
	assert_check(rep, "clocksource", NOT, -1, KVMCPUID_UNTESTABLE);
	assert_check(rep, "steal_time", USED, USED, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	res.log_lost = 0;
	/* the same log missing its PV IPI line: a mismatch, though the console is quiet */
	strcpy(strstr(log, "kvm-guest: setup PV IPIs\n"),
	       "clocksource: Switched to clocksource kvm-clock\n" ROOT_PANIC);
	res.log_len = strlen(log);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	assert_check(rep, "pv_send_ipi", USED, NOT, KVMCPUID_FAIL);
	kvmcpuid_report_unref(rep);
	kvmcpuid_unref(ctx);
}
END_TEST

/* clocksource alone: MSR 0x12, its own console line; vCPUs that disagree are not a use */
START_TEST(report_clocksource)
{
	static const uint64_t msrs[] = { 0x12, 0x3fe01001, 0x4b564d01, 0x3fe01001, 0 };
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct boot_guest g = guest(ALL & ~F(CLOCKSOURCE2), 2, "6.1.0");
	struct boot_result res;
	struct kvmcpuid_report *rep = NULL;

	res = result("kvm-clock: Using msrs 12 and 11\n", msrs);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	assert_check(rep, "clocksource", USED, USED, KVMCPUID_PASS);
	assert_check(rep, "clocksource2", NOT, NOT, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	res = result("kvm-clock: Using msrs 12 and 11\n", msrs);
	vcpus[1].msr[9] = 0;	/* vCPU 1 never registered its clock */
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	assert_check(rep, "clocksource", USED, -1, KVMCPUID_UNTESTABLE);
	ck_assert_str_eq(boot_check_of(rep, "clocksource")->seen_text,
			 "not observable: vCPU 1: MSR 0x12 = 0x0");
	kvmcpuid_report_unref(rep);
	kvmcpuid_unref(ctx);
}
END_TEST

/* The end: the root panic (or init's) comes after every decision; any other does not. */
START_TEST(report_end)
{
	static const uint64_t none[] = { 0 };
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct boot_guest g = guest(ALL, 2, "7.2.13+deb14-amd64");
	struct kvmcpuid_report *rep = NULL;
	struct boot_result res = result(DEFAULT_CONSOLE, none);
	const struct kvmcpuid_check *c;

	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	c = boot_check_of(rep, "end");
	ck_assert_int_eq(c->verdict, KVMCPUID_PASS);
	ck_assert_int_eq(c->kind, KVMCPUID_CHECK_RUN);
	ck_assert_str_eq(c->seen_text,
			 "\"Kernel panic - not syncing: VFS: Unable to mount root fs\"");
	ck_assert_str_eq(c->expected_text,
			 "the root fs panic, after the PV setup");
	/* the end is the report's last check */
	ck_assert_ptr_eq(kvmcpuid_report_check(rep, kvmcpuid_report_count(rep) - 1), c);
	kvmcpuid_report_unref(rep);
	/* the test VM's 7.2 guest without noxsave: a panic in start_kernel */
	res = result("Hypervisor detected: KVM\nkvm-clock: Using msrs 4b564d01 and 4b564d00\n"
		     "Kernel panic - not syncing: Attempted to kill the idle task!\n", none);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	c = boot_check_of(rep, "end");
	ck_assert_int_eq(c->verdict, KVMCPUID_FAIL);
	ck_assert_str_eq(c->seen_text,
			 "\"Kernel panic - not syncing: Attempted to kill the idle task!\"");
	ck_assert_ptr_nonnull(strstr(c->cause, "ended before its initcalls did"));
	ck_assert(!kvmcpuid_report_ok(rep));
	kvmcpuid_report_unref(rep);
	/* an initrd's init that ran and died: after free_initmem, so after every decision */
	res = result("Freeing unused kernel image (initmem) memory: 2660K\nRun /init as init "
		     "process\nKernel panic - not syncing: Attempted to kill init! exitcode=0x100\n",
		     none);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert_int_eq(boot_check_of(rep, "end")->verdict, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	/* ... and with the console quiet, init's panic line alone says so */
	res = result("Kernel panic - not syncing: Attempted to kill init! exitcode=0x100\n", none);
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	ck_assert_int_eq(boot_check_of(rep, "end")->verdict, KVMCPUID_PASS);
	kvmcpuid_report_unref(rep);
	/* a reset with no panic line at all */
	res = result("Hypervisor detected: KVM\n", none);
	res.end = BOOT_END_RESET;
	ck_assert_int_eq(boot_report(ctx, &g, &res, &rep), 0);
	c = boot_check_of(rep, "end");
	ck_assert_int_eq(c->verdict, KVMCPUID_FAIL);
	ck_assert_str_eq(c->seen_text, "reset, no panic line");
	kvmcpuid_report_unref(rep);
	kvmcpuid_unref(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boot-rules");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, release);
	tcase_add_test(tc, cmdline);
	tcase_add_test(tc, default_61);
	tcase_add_test(tc, one_cpu_by_release);
	tcase_add_test(tc, mwait_by_release);
	tcase_add_test(tc, realtime_and_dependencies);
	tcase_add_test(tc, async_pf_enforcement);
	tcase_add_test(tc, detection);
	tcase_add_test(tc, report_default);
	tcase_add_test(tc, report_hidden);
	tcase_add_test(tc, report_async_pf_fault);
	tcase_add_test(tc, report_log);
	tcase_add_test(tc, report_clocksource);
	tcase_add_test(tc, report_end);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
