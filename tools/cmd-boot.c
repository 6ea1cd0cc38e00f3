// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid boot */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char boot_usage[] =
	N_("Usage: kvmcpuid boot [POLICY] --kernel KERNEL [OPTIONS]\n"
	"       kvmcpuid boot --matrix [POLICY] --kernel KERNEL [OPTIONS]\n\n"
	"Boot a Linux kernel on vCPUs given the policy's table, until it panics for want of\n"
	"a root file system (after its PV setup); show the PV MSRs each vCPU was left with\n"
	"and, per PV feature, what Linux's rules predict against what the guest did (its\n"
	"MSRs, its log).  Exits 1 on a mismatch or when the guest did not get there.\n"
	"  --kernel KERNEL       the kernel: a bzImage (boot protocol 2.12 or later), or\n"
	"                        an ELF vmlinux (booted faster: nothing to decompress)\n"
	"  --initrd FILE         an initrd\n"
	"  --cpus N              vCPUs (default 2)\n"
	"  --memory MIB          guest memory (default 256)\n"
	"  --append ARGS         added to \"console=ttyS0 panic=-1 quiet\"\n"
	"  --console             print the guest's kernel log (read from its memory; where\n"
	"                        it cannot be, what the guest wrote to its console)\n"
	"  --json                the result as JSON\n"
	"  --deadline S          give up after S seconds of guest run (default 120)\n"
	"  --matrix              boot the policy's masking matrix (all-on, all-off, each PV\n"
	"                        feature masked alone, as kvmcpuid matrix) and print one row\n"
	"                        per policy; boots run side by side as the CPUs allow\n"
	"  -s, --set K=V[,K=V]   override policy settings (repeatable)\n"
	"  -h, --help            this text\n"
	"Exit status: 0 all as predicted, 1 a mismatch or a boot that did not reach its end,\n"
	"2 bad input, 3 no usable KVM.\n");

/* The verb's own options (struct common's verb[]), the first five by library key. */
enum { OPT_KERNEL, OPT_INITRD, OPT_CPUS, OPT_MEMORY, OPT_APPEND, OPT_CONSOLE, OPT_MATRIX };

/* The MSRs by kvm_para.h's names, in the order of the info's msrs. */
static const char *msr_name(uint32_t msr)
{
	static const char *const pv[] = {
		"MSR_KVM_WALL_CLOCK_NEW", "MSR_KVM_SYSTEM_TIME_NEW", "MSR_KVM_ASYNC_PF_EN",
		"MSR_KVM_STEAL_TIME", "MSR_KVM_PV_EOI_EN", "MSR_KVM_POLL_CONTROL",
		"MSR_KVM_ASYNC_PF_INT", "MSR_KVM_ASYNC_PF_ACK",
	};

	if (msr >= 0x4b564d00 && msr < 0x4b564d00 + sizeof(pv) / sizeof(pv[0]))
		return pv[msr - 0x4b564d00];
	return msr == 0x11 ? "MSR_KVM_WALL_CLOCK" : msr == 0x12 ? "MSR_KVM_SYSTEM_TIME" : "?";
}

static void print_json(const struct kvmcpuid_boot_info *bi)
{
	unsigned int c, i;
	char *json = NULL;

	printf("{\"kvmcpuid_boot\": 1, \"end\": ");
	cli_json_string(stdout, bi->end_name);
	printf(", \"end_vcpu\": %u, \"setup_ms\": %llu, \"run_ms\": %llu, "
	       "\"first_output_ms\": %llu, \"cmdline\": ", bi->end_vcpu,
	       (unsigned long long)bi->setup_ms, (unsigned long long)bi->run_ms,
	       (unsigned long long)bi->first_output_ms);
	cli_json_string(stdout, bi->cmdline);
	if (bi->protocol)
		printf(", \"kernel_format\": \"bzImage\", \"protocol\": \"%u.%02u\"",
		       bi->protocol >> 8, bi->protocol & 0xff);
	else
		printf(", \"kernel_format\": \"vmlinux\", \"protocol\": null");
	printf(", \"vcpus\": [");
	for (c = 0; c < bi->cpus; c++) {
		printf("%s{\"vcpu\": %u, \"mp_state\": %u, \"msrs\": {", c ? ", " : "", c,
		       bi->vcpu[c].mp_state);
		for (i = 0; i < KVMCPUID_BOOT_MSRS; i++) {
			printf("%s\"0x%x\": ", i ? ", " : "", bi->msrs[i]);
			if (bi->vcpu[c].readable & (1u << i))
				printf("\"0x%llx\"", (unsigned long long)bi->vcpu[c].msr[i]);
			else
				printf("null");
		}
		printf("}}");
	}
	printf("], \"console\": ");
	cli_json_string(stdout, bi->console);
	printf(", \"console_truncated\": %s, \"log\": ", bi->console_truncated ? "true" : "false");
	if (bi->log)
		cli_json_string(stdout, bi->log);
	else
		printf("null");
	printf(", \"log_unread\": ");
	if (bi->log_unread)
		cli_json_string(stdout, bi->log_unread);
	else
		printf("null");
	printf(", \"release\": ");
	cli_json_string(stdout, bi->release);
	printf(", \"report\": ");
	if (bi->report && kvmcpuid_report_to_json(bi->report, &json) == 0)
		printf("%s", json);
	else
		printf("null");
	free(json);
	printf("}\n");
}

/*
 * The report: per PV feature, the bit the table offers (base+1 where Linux found KVM),
 * what Linux's rules predict, what the guest did, the verdict.
 */
static void print_report(const struct kvmcpuid_report *rep)
{
	const struct kvmcpuid_report_info *info = kvmcpuid_report_info(rep);
	size_t i, n = kvmcpuid_report_count(rep), ok = 0, bad = 0, unseen = 0;
	char base[16];

	snprintf(base, sizeof(base), info->detected_base ? "0x%08x" : "-", info->detected_base);
	printf(_("\nkernel release %s, KVM found at %s, enforce = %s\n"),
	       *info->kernel ? info->kernel : "?", base, info->enforced ? "on" : "off");
	printf("%-24s %-10s %-40s %-40s %s\n", "FEATURE", "OFFERED", "PREDICTED", "OBSERVED",
	       "VERDICT");
	for (i = 0; i < n; i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(rep, i);
		/* detect: where KVM was found; end: nothing offered */
		const char *offered = c->kind == KVMCPUID_CHECK_RUN ? "-" : c->feature < 0 ? base :
				      !info->detected_base ? "-" :
				      (info->guest_features >> c->bit) & 1 ? "yes" : "no";
		const char *verdict = c->verdict == KVMCPUID_PASS ? "as predicted" :
				      c->verdict == KVMCPUID_FAIL ? "MISMATCH" : "not observable";

		ok += c->verdict == KVMCPUID_PASS;
		bad += c->verdict == KVMCPUID_FAIL;
		unseen += c->verdict == KVMCPUID_UNTESTABLE;
		printf("%-24s %-10s %-40s %-40s %s\n", c->subject, offered, c->expected_text,
		       c->seen_text, verdict);
		if (c->cause && c->verdict == KVMCPUID_FAIL)
			printf(_("          cause: %s\n"), c->cause);
	}
	printf(_("%zu checks: %zu as predicted, %zu mismatch, %zu not observable\n"), n, ok, bad,
	       unseen);
	printf(_("verdict: %s\n"), kvmcpuid_report_ok(rep) ? "as predicted" : "MISMATCH");
}

static void print_text(const struct kvmcpuid_boot_info *bi, bool console)
{
	const char *text = bi->log ? bi->log : bi->console;
	size_t len = bi->log ? bi->log_len : bi->console_len;
	unsigned int c, i;

	if (console && len)
		printf("%s%s", text, text[len - 1] == '\n' ? "" : "\n");
	if (bi->protocol)
		printf(_("boot protocol %u.%02u, command line: %s\n"), bi->protocol >> 8,
		       bi->protocol & 0xff, bi->cmdline);
	else
		printf(_("ELF vmlinux, command line: %s\n"), bi->cmdline);
	printf(_("end: %s (vCPU %u), %llu ms after the first KVM_RUN (setup: %llu ms)\n"),
	       bi->end_name, bi->end_vcpu, (unsigned long long)bi->run_ms,
	       (unsigned long long)bi->setup_ms);
	if (bi->first_output_ms)
		printf(_("first console output: %llu ms after the first KVM_RUN\n"),
		       (unsigned long long)bi->first_output_ms);
	if (!bi->log_unread)
		printf(_("guest log: %zu bytes, read from its memory\n"), bi->log_len);
	else
		printf(_("guest log: not used (%s): the console stands in\n"), bi->log_unread);
	printf("%-10s  %-23s", "MSR", "NAME");
	for (c = 0; c < bi->cpus; c++)
		printf("  vCPU %-13u", c);
	printf("\n");
	for (i = 0; i < KVMCPUID_BOOT_MSRS; i++) {
		printf("0x%-8x  %-23s", bi->msrs[i], msr_name(bi->msrs[i]));
		for (c = 0; c < bi->cpus; c++)
			if (bi->vcpu[c].readable & (1u << i))
				printf("  0x%-16llx", (unsigned long long)bi->vcpu[c].msr[i]);
			else
				printf("  %-18s", "-");
		printf("\n");
	}
	if (bi->report)
		print_report(bi->report);
}

/* A column of the matrix: a feature's check, headed by a short name (the legend spells it). */
static const char *column_head(int feature)
{
	static const struct {
		int feature;
		const char *head;
	} heads[] = {
		{ -1, "kvm" },
		{ KVMCPUID_FEATURE_CLOCKSOURCE2, "ck2" },
		{ KVMCPUID_FEATURE_CLOCKSOURCE, "ck" },
		{ KVMCPUID_FEATURE_STEAL_TIME, "st" },
		{ KVMCPUID_FEATURE_PV_EOI, "eoi" },
		{ KVMCPUID_FEATURE_ASYNC_PF_INT, "api" },
		{ KVMCPUID_FEATURE_ASYNC_PF, "apf" },
		{ KVMCPUID_FEATURE_ASYNC_PF_VMEXIT, "apx" },
		{ KVMCPUID_FEATURE_PV_UNHALT, "unh" },
		{ KVMCPUID_FEATURE_PV_TLB_FLUSH, "tlb" },
		{ KVMCPUID_FEATURE_PV_SEND_IPI, "ipi" },
		{ KVMCPUID_FEATURE_PV_SCHED_YIELD, "yld" },
		{ KVMCPUID_FEATURE_POLL_CONTROL, "pol" },
		{ KVMCPUID_FEATURE_NOP_IO_DELAY, "nop" },
		{ KVMCPUID_FEATURE_CLOCKSOURCE_STABLE_BIT, "stb" },
		{ KVMCPUID_FEATURE_MSI_EXT_DEST_ID, "msi" },
	};
	size_t i;

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (heads[i].feature == feature)
			return heads[i].head;
	return "?";
}

static char use_mark(const struct kvmcpuid_value *v)
{
	if (v->type != KVMCPUID_VALUE_USE)
		return '?';
	return v->u.use == KVMCPUID_USE_USED ? '+' : v->u.use == KVMCPUID_USE_FAULT ? '#' : '.';
}

/* The row's check for the column's feature, or NULL. */
static const struct kvmcpuid_check *row_check(const struct kvmcpuid_report *rep, int feature)
{
	size_t i;

	for (i = 0; i < kvmcpuid_report_count(rep); i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(rep, i);

		if (c->kind == KVMCPUID_CHECK_GUEST && c->feature == feature)
			return c;
	}
	return NULL;
}

#define MATRIX_COLUMNS 32
#define MATRIX_LABEL 23
#define MATRIX_CELL 4

/*
 * The columns: the GUEST checks of the first booted row, less those no row could observe
 * (nop_io_delay, clocksource_stable_bit, msi_ext_dest_id have no witness).
 */
static size_t matrix_columns(struct kvmcpuid_report *const *reps, size_t n, int *cols)
{
	size_t ncols = 0, i, r;

	for (r = 0; r < n && !ncols; r++)
		for (i = 0; i < kvmcpuid_report_count(reps[r]) && ncols < MATRIX_COLUMNS; i++) {
			const struct kvmcpuid_check *c = kvmcpuid_report_check(reps[r], i);
			size_t k;

			if (c->kind != KVMCPUID_CHECK_GUEST)
				continue;
			for (k = 0; k < n; k++) {
				const struct kvmcpuid_check *o = row_check(reps[k], c->feature);

				if (o && o->seen.type == KVMCPUID_VALUE_USE)
					break;
			}
			if (k < n)
				cols[ncols++] = c->feature;
		}
	return ncols;
}

/* A row that has no boot of its own: not booted (same table) or no result. */
static void matrix_row_run(struct kvmcpuid_report *const *reps, size_t n,
			   const struct kvmcpuid_check *c, int width)
{
	char text[128];

	if (c->verdict == KVMCPUID_UNTESTABLE) {
		snprintf(text, sizeof(text), _("the table of %s: its boot answers"),
			 c->id < n ? kvmcpuid_report_info(reps[c->id])->label : "?");
		printf("%-*s %3s %s\n", width, text, "-", "not booted");
		return;
	}
	snprintf(text, sizeof(text), _("no result: %s"), c->seen.u.ret == -ETIMEDOUT ?
		 _("the deadline passed") : _("the boot failed"));
	printf("%-*s %3s %s\n", width, text, "-", "NO RESULT");
	if (c->cause)
		printf(_("          cause: %s\n"), c->cause);
}

static void matrix_row(struct kvmcpuid_report *const *reps, size_t n, size_t row,
		       const int *cols, size_t ncols)
{
	const struct kvmcpuid_report *rep = reps[row];
	const struct kvmcpuid_check *run = kvmcpuid_report_check(rep, 0);
	unsigned int bad = 0;
	size_t i;

	printf("%-*s ", MATRIX_LABEL, kvmcpuid_report_info(rep)->label);
	if (run && run->kind == KVMCPUID_CHECK_RUN) {
		matrix_row_run(reps, n, run, (int)(ncols * MATRIX_CELL));
		return;
	}
	for (i = 0; i < ncols; i++) {
		const struct kvmcpuid_check *c = row_check(rep, cols[i]);
		char cell[8] = "-";

		if (c && c->verdict == KVMCPUID_FAIL)
			snprintf(cell, sizeof(cell), "%c!%c", use_mark(&c->seen),
				 use_mark(&c->expected));
		else if (c)
			snprintf(cell, sizeof(cell), "%c", use_mark(&c->seen));
		printf("%-*s", MATRIX_CELL, cell);
	}
	/* every mismatch, the detection's and any a column does not show among them */
	for (i = 0; i < kvmcpuid_report_count(rep); i++)
		bad += kvmcpuid_report_check(rep, i)->verdict == KVMCPUID_FAIL;
	printf(" %3u %s\n", bad, kvmcpuid_report_ok(rep) ? "as predicted" : "MISMATCH");
}

/* "head name" pairs, two spaces apart, wrapped before 90 columns. */
static void matrix_legend(const int *cols, size_t ncols)
{
	size_t i, at = 0;

	for (i = 0; i < ncols; i++) {
		const char *name = cols[i] < 0 ? _("KVM found") :
				   kvmcpuid_feature((unsigned int)cols[i])->name;
		size_t w = strlen(column_head(cols[i])) + 1 + strlen(name);

		if (at && at + 2 + w > 90) {
			printf("\n");
			at = 0;
		}
		at += (size_t)printf("%s%s %s", at ? "  " : "", column_head(cols[i]), name);
	}
	if (at)
		printf("\n");
}

static int boot_matrix(struct kvmcpuid_boot *b, bool json)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_report **reps = NULL;
	const struct kvmcpuid_report_info *info = NULL;
	struct timespec t0, t1;
	int cols[MATRIX_COLUMNS];
	size_t n = 0, ncols, i, booted = 0;
	bool ok = true;
	char *text;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = kvmcpuid_boot_matrix(b, &reps, &n, &diag);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0) {
		cli_diag(&diag);
		return cli_exit_for(r);
	}
	ncols = matrix_columns(reps, n, cols);
	if (json) {
		printf("[\n");
	} else {
		printf("%-*s ", MATRIX_LABEL, "POLICY");
		for (i = 0; i < ncols; i++)
			printf("%-*s", MATRIX_CELL, column_head(cols[i]));
		printf(" %3s %s\n", "MIS", "VERDICT");
	}
	for (i = 0; i < n; i++) {
		const struct kvmcpuid_check *c = kvmcpuid_report_check(reps[i], 0);

		ok &= kvmcpuid_report_ok(reps[i]);
		/* booted: all but the rows another row's boot answers for (failed ones too) */
		booted += !(c && c->kind == KVMCPUID_CHECK_RUN && c->verdict == KVMCPUID_UNTESTABLE);
		if (!info && !(c && c->kind == KVMCPUID_CHECK_RUN))
			info = kvmcpuid_report_info(reps[i]);
		if (json) {
			if (kvmcpuid_report_to_json(reps[i], &text) == 0) {
				printf("%s%s\n", text, i + 1 < n ? "," : "");
				free(text);
			}
		} else {
			matrix_row(reps, n, i, cols, ncols);
		}
	}
	if (json) {
		printf("]\n");
	} else {
		printf(_("\n+ used  . not used  # tried, its WRMSR took #GP  ? not observable\n"
			 "X!Y the guest did X, Linux's rules predicted Y: a mismatch\n"));
		matrix_legend(cols, ncols);
		if (info)
			printf(_("kernel %s, enforce = %s%s\n"), *info->kernel ? info->kernel : "?",
			       info->enforced ? "on" : "off", info->enforced ? "" :
			       _(" (masking is advisory: the guest goes by CPUID alone)"));
		printf(_("%zu policies, %zu boots in %.0f s: %s\n"), n, booted,
		       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		       ok ? "all as predicted" : "MISMATCH");
	}
	for (i = 0; i < n; i++)
		kvmcpuid_report_unref(reps[i]);
	free(reps);
	return ok ? EXIT_OK : EXIT_CHECK;
}

static const char boot_only_console[] =
	N_("--matrix: --console shows one boot's console; boot one policy to see it");

int cmd_boot(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, CLI_OPT_VERB + OPT_KERNEL },
		{ "initrd", required_argument, NULL, CLI_OPT_VERB + OPT_INITRD },
		{ "cpus", required_argument, NULL, CLI_OPT_VERB + OPT_CPUS },
		{ "memory", required_argument, NULL, CLI_OPT_VERB + OPT_MEMORY },
		{ "append", required_argument, NULL, CLI_OPT_VERB + OPT_APPEND },
		{ "console", no_argument, NULL, CLI_OPT_VERB + OPT_CONSOLE },
		{ "matrix", no_argument, NULL, CLI_OPT_VERB + OPT_MATRIX },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "deadline", required_argument, NULL, CLI_OPT_DEADLINE },
		{ "set", required_argument, NULL, CLI_OPT_SET },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* the library's keys of verb[OPT_KERNEL ..]; the last one given wins, as with --set */
	static const char *const keys[] = { "kernel", "initrd", "cpus", "memory", "append" };
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_boot *b = NULL;
	const struct kvmcpuid_boot_info *bi;
	struct common o = { 0 };
	char deadline[16];
	unsigned int i;
	bool console;
	int r;

	r = cli_parse_common(argc, argv, boot_usage, opts, &o, 0, 1);
	if (r >= 0)
		return r;
	console = o.verb[OPT_CONSOLE];
	if (!o.verb[OPT_KERNEL]) {
		cli_error(_("boot: --kernel KERNEL is required"));
		fputs(_(boot_usage), stderr);
		return EXIT_USAGE;
	}
	if (o.verb[OPT_MATRIX] && console) {
		cli_error("%s", _(boot_only_console));
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p, NULL);
	if (r)
		goto out;
	r = kvmcpuid_boot_new(p, &b);
	if (r < 0) {
		cli_error("%s", strerror(-r));
		r = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (o.verb[i] && kvmcpuid_boot_set(b, keys[i], o.verb[i], &diag) < 0) {
			cli_diag(&diag);
			r = EXIT_USAGE;
			goto out;
		}
	snprintf(deadline, sizeof(deadline), "%u", o.deadline_ms);
	if (o.deadline_ms && kvmcpuid_boot_set(b, "deadline_ms", deadline, &diag) < 0) {
		cli_diag(&diag);
		r = EXIT_USAGE;
		goto out;
	}
	if (o.verb[OPT_MATRIX]) {
		r = boot_matrix(b, o.json);
		goto out;
	}
	r = kvmcpuid_boot_run(b, &diag);
	bi = kvmcpuid_boot_info(b);
	if (r < 0 && (r == -ETIMEDOUT || r == -EIO) && bi->cpus) {
		/* the guest ran: what it did so far, then why it is not a result */
		if (o.json)
			print_json(bi);
		else
			print_text(bi, console);
	}
	if (r < 0) {
		cli_diag(&diag);
		r = cli_exit_for(r);
		goto out;
	}
	if (o.json)
		print_json(bi);
	else
		print_text(bi, console);
	r = kvmcpuid_report_ok(bi->report) ? EXIT_OK : EXIT_CHECK;
out:
	kvmcpuid_boot_unref(b);
	kvmcpuid_policy_unref(p);
	return r;
}
