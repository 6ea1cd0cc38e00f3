// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid verify, kvmcpuid matrix */
#include <errno.h>
#include <linux/kvm_para.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct option vopts_long[] = {
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "json", no_argument, NULL, CLI_OPT_JSON },
	{ "deadline", required_argument, NULL, CLI_OPT_DEADLINE },
	{ "strict", no_argument, NULL, CLI_OPT_STRICT },
	{ "all", no_argument, NULL, CLI_OPT_ALL },
	{ "scan", required_argument, NULL, CLI_OPT_SCAN },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const char verify_usage[] =
	N_("Usage: kvmcpuid verify [POLICY] [OPTIONS]\n\n"
	"Build the policy, apply it to a fresh vCPU, run a tiny guest that reads the leaves,\n"
	"finds KVM as Linux does and probes the PV MSRs and hypercalls, and compare.\n"
	"  -s, --set K=V[,K=V]   override settings (repeatable)\n"
	"  --json                print the report as JSON\n"
	"  --deadline S          bound every KVM_RUN to S seconds (default 2)\n"
	"  --all                 list passing scan and leaf checks too\n"
	"  --scan full           read all 256 steps of 0x40000000-0x4000ff00 (256 VM exits more)\n"
	"  --strict              lint warnings are errors\n"
	"  -h, --help            this text\n"
	"Exit status: 0 all as expected, 1 a mismatch, 2 policy or usage error,\n"
	"3 this host cannot run it (no /dev/kvm, permission).\n");

/* The cause of an untestable MSR check (kvm.ignore_msrs hides enforcement), if any. */
static void untestable_msr_cause(const struct kvmcpuid_report *rep, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < kvmcpuid_report_count(rep); i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(rep, i);

		if (c->kind == KVMCPUID_CHECK_MSR && c->verdict == KVMCPUID_UNTESTABLE) {
			snprintf(buf, size, "%s", c->cause);
			return;
		}
	}
}

static void print_report(const struct kvmcpuid_report *rep, bool all)
{
	size_t i, n = kvmcpuid_report_count(rep), pass = 0, fail = 0, untestable = 0;
	const struct kvmcpuid_report_info *info = kvmcpuid_report_info(rep);
	const char *note = info->hypercall_note;
	char msr_note[256] = "";

	printf(_("%-9s %-35s %-36s %-36s %s\n"), "KIND", "SUBJECT", "EXPECTED", "GUEST", "VERDICT");
	for (i = 0; i < n; i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(rep, i);
		char subj[64];

		pass += c->verdict == KVMCPUID_PASS;
		fail += c->verdict == KVMCPUID_FAIL;
		untestable += c->verdict == KVMCPUID_UNTESTABLE;
		/* passing leaves outside the hypervisor range (0x1's bit) only with --all */
		if (!all && c->verdict == KVMCPUID_PASS && c->kind == KVMCPUID_CHECK_LEAF &&
		    (c->id < 0x40000000u || c->id > 0x4fffffffu))
			continue;
		if (c->feature >= 0 && c->kind != KVMCPUID_CHECK_FEATURE)
			snprintf(subj, sizeof(subj), "%s (%s)", c->subject,
				 kvmcpuid_feature((unsigned int)c->feature)->name);
		else
			snprintf(subj, sizeof(subj), "%s", c->subject);
		printf(_("%-9s %-35s %-36s %-36s %s\n"), c->kind_name, subj, c->expected_text,
		       c->seen_text, c->verdict_name);
		if (c->cause && c->verdict == KVMCPUID_FAIL)
			printf(_("          cause: %s\n"), c->cause);
	}
	printf(_("\n%zu checks: %zu pass, %zu fail, %zu untestable\n"), n, pass, fail, untestable);
	printf(_("kernel: %s\n"), info->kernel);
	if (note)
		printf(_("hypercalls: %s; the verdict rests on the CPUID and MSR probes\n"), note);
	untestable_msr_cause(rep, msr_note, sizeof(msr_note));
	if (msr_note[0])
		printf(_("MSRs: %s\n"), msr_note);
	if (!info->enforced)
		printf(_("enforce = off: masking is advisory, a guest can still use a masked "
		       "feature's MSRs and hypercalls\n"));
	printf(_("verdict: %s\n"), kvmcpuid_report_ok(rep) ? "as expected" : "MISMATCH");
}

static int setup(struct cli *cli, struct common *o, struct kvmcpuid_policy **p,
		 struct kvmcpuid_policy **base)
{
	int r;

	if (o->deadline_ms)
		kvmcpuid_set_deadline_ms(cli->ctx, o->deadline_ms);
	r = cli_load_policy(cli, o->policy, o->sets, o->nsets, p, base);
	return r;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_policy *p = NULL, *base = NULL;
	struct common o = { 0 };
	char *json;
	int r;

	r = cli_parse_common(argc, argv, verify_usage, vopts_long, &o, 0, 1);
	if (r >= 0)
		return r;
	r = setup(cli, &o, &p, &base);
	if (r)
		return r;
	{
		struct kvmcpuid_host *h = NULL;

		/* warnings first; a host that cannot be probed is reported by verify below */
		if (kvmcpuid_host_probe(cli->ctx, NULL, &h) == 0) {
			struct cli_origin org = { .policy = o.policy, .base = base, .host = h };

			kvmcpuid_lint(p, h, cli_print_lint, &org);
			kvmcpuid_host_unref(h);
		}
	}
	r = kvmcpuid_verify(p, (o.strict ? KVMCPUID_STRICT : 0) |
			    (o.scan_full ? KVMCPUID_VERIFY_SCAN_FULL : 0), &rep, &diag);
	kvmcpuid_policy_unref(base);
	if (r < 0) {
		cli_diag(&diag);
		kvmcpuid_policy_unref(p);
		return cli_exit_for(r);
	}
	if (o.json) {
		if (kvmcpuid_report_to_json(rep, &json) == 0) {
			printf(_("%s\n"), json);
			free(json);
		}
	} else {
		print_report(rep, o.all);
	}
	r = kvmcpuid_report_ok(rep) ? EXIT_OK : EXIT_CHECK;
	kvmcpuid_report_unref(rep);
	kvmcpuid_policy_unref(p);
	return r;
}

static const char matrix_usage[] =
	N_("Usage: kvmcpuid matrix [POLICY] [OPTIONS]\n\n"
	"Verify the policy with every feature masked alone, plus all-on and all-off, in one VM,\n"
	"and print one row per policy.  Default POLICY: every host feature on, enforce = on.\n"
	"  -s, --set K=V[,K=V]   override settings (repeatable)\n"
	"  --json                print every report as a JSON array\n"
	"  --deadline S          bound every KVM_RUN to S seconds (default 2)\n"
	"  --scan full           read all 256 steps of 0x40000000-0x4000ff00 (256 VM exits more)\n"
	"  -h, --help            this text\n"
	"Exit status as for verify.\n");

/*
 * The row for a report: what masking `feature` did (for all features, feature < 0).  Counts
 * of MSR checks that took #GP and hypercalls that returned -KVM_ENOSYS; without
 * enforcement nothing is refused: a masked feature's cells say "advisory".
 */
static void matrix_row(const struct kvmcpuid_report *rep, int feature)
{
	const struct kvmcpuid_report_info *info = kvmcpuid_report_info(rep);
	size_t i, n = kvmcpuid_report_count(rep);
	unsigned int msr = 0, msr_blocked = 0, hc = 0, hc_blocked = 0, hc_untestable = 0;
	char msrs[32], hcs[32], word[16];
	const char *bit = "absent";

	for (i = 0; i < n; i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(rep, i);

		if (feature >= 0 && c->feature != feature)
			continue;
		if (c->kind == KVMCPUID_CHECK_FEATURE && feature >= 0)
			bit = c->seen_text;
		if (c->kind == KVMCPUID_CHECK_MSR && c->verdict != KVMCPUID_UNTESTABLE) {
			msr++;
			msr_blocked += c->seen.u.access.read == KVMCPUID_FAULT_GP ||
				       c->seen.u.access.write == KVMCPUID_FAULT_GP;
		}
		if (c->kind == KVMCPUID_CHECK_HYPERCALL) {
			hc++;
			if (c->verdict == KVMCPUID_UNTESTABLE)
				hc_untestable++;
			else
				hc_blocked += c->seen.type == KVMCPUID_VALUE_RET &&
					      c->seen.u.ret == -KVM_ENOSYS;
		}
	}
	if (!msr)
		snprintf(msrs, sizeof(msrs), "-");
	else if (feature >= 0 && !info->enforced && !msr_blocked)
		snprintf(msrs, sizeof(msrs), "advisory");
	else
		snprintf(msrs, sizeof(msrs), "%u/%u #GP", msr_blocked, msr);
	if (!hc)
		snprintf(hcs, sizeof(hcs), "-");
	else if (hc_untestable)
		snprintf(hcs, sizeof(hcs), "untestable");
	else if (feature >= 0 && !info->enforced && !hc_blocked)
		snprintf(hcs, sizeof(hcs), "advisory");
	else
		snprintf(hcs, sizeof(hcs), "%u/%u ENOSYS", hc_blocked, hc);
	if (feature < 0) {
		snprintf(word, sizeof(word), "0x%08x", info->guest_features);
		bit = word;
	}
	printf(_("%-26s %-12s %-14s %-14s %s\n"), info->label, bit, msrs, hcs,
	       kvmcpuid_report_ok(rep) ? "as expected" : "MISMATCH");
	/* a policy whose vCPU failed: why */
	for (i = 0; i < n; i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(rep, i);

		if (c->kind == KVMCPUID_CHECK_RUN)
			printf(_("          cause: %s\n"), c->cause ? c->cause : c->seen_text);
	}
}

int cmd_matrix(struct cli *cli, int argc, char **argv)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_report **reps = NULL;
	struct kvmcpuid_policy *p = NULL;
	struct common o = { 0 };
	char note[256] = "", msr_note[256] = "";
	char kernel[65] = "";
	size_t n = 0, i;
	bool ok = true;
	int r;

	r = cli_parse_common(argc, argv, matrix_usage, vopts_long, &o, 0, 1);
	if (r >= 0)
		return r;
	/* Without a POLICY the matrix enforces; a --set (enforce=off too) comes after. */
	if (!o.policy) {
		if (o.nsets == CLI_MAX_SETS) {
			cli_error(_("too many --set options (at most %d)"), CLI_MAX_SETS - 1);
			return EXIT_USAGE;
		}
		memmove(o.sets + 1, o.sets, (size_t)o.nsets * sizeof(o.sets[0]));
		o.sets[0] = "enforce=on";
		o.nsets++;
	}
	r = setup(cli, &o, &p, NULL);
	if (r)
		return r;
	r = kvmcpuid_matrix(p, o.scan_full ? KVMCPUID_VERIFY_SCAN_FULL : 0, &reps, &n, &diag);
	if (r < 0) {
		cli_diag(&diag);
		kvmcpuid_policy_unref(p);
		return cli_exit_for(r);
	}
	if (o.json)
		printf(_("[\n"));
	else
		printf(_("%-26s %-12s %-14s %-14s %s\n"), "POLICY", "GUEST BIT", "MSRS", "HYPERCALLS",
		       "VERDICT");
	for (i = 0; i < n; i++) {
		const struct kvmcpuid_report_info *info = kvmcpuid_report_info(reps[i]);
		char *json;

		ok &= kvmcpuid_report_ok(reps[i]);
		if (!note[0] && info->hypercall_note)
			snprintf(note, sizeof(note), "%s", info->hypercall_note);
		if (!kernel[0])
			snprintf(kernel, sizeof(kernel), "%s", info->kernel);
		if (!msr_note[0])
			untestable_msr_cause(reps[i], msr_note, sizeof(msr_note));
		if (o.json) {
			if (kvmcpuid_report_to_json(reps[i], &json) == 0) {
				printf(_("%s%s\n"), json, i + 1 < n ? "," : "");
				free(json);
			}
		} else {
			matrix_row(reps[i], info->masked);
		}
		kvmcpuid_report_unref(reps[i]);
	}
	free(reps);
	if (o.json) {
		printf(_("]\n"));
	} else {
		if (note[0])
			printf(_("\nhypercalls: %s; verdicts rest on the CPUID and MSR probes\n"), note);
		if (msr_note[0])
			printf(_("MSRs: %s\n"), msr_note);
		printf(_("kernel: %s\n"), kernel);
		if (!cli_policy_enforces(p))
			printf(_("enforce = off: masking is advisory, masked MSRs stay usable\n"));
		printf(_("%zu policies verified: %s\n"), n, ok ? "all as expected" : "MISMATCH");
	}
	kvmcpuid_policy_unref(p);
	return ok ? EXIT_OK : EXIT_CHECK;
}
