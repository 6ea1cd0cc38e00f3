// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid boot */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char boot_usage[] =
	N_("Usage: kvmcpuid boot [POLICY] --kernel BZIMAGE [OPTIONS]\n\n"
	"Boot a Linux kernel on vCPUs given the policy's table, until it panics for want of\n"
	"a root file system (after its PV setup); show the PV MSRs each vCPU was left with\n"
	"and, per PV feature, what Linux's rules predict against what the guest did (its\n"
	"MSRs, its console).  Exits 1 on a mismatch or when the guest did not get there.\n"
	"  --kernel BZIMAGE      the kernel (a bzImage, boot protocol 2.12 or later)\n"
	"  --initrd FILE         an initrd\n"
	"  --cpus N              vCPUs (default 2)\n"
	"  --memory MIB          guest memory (default 256)\n"
	"  --append ARGS         added to \"console=ttyS0 panic=-1 loglevel=7\"\n"
	"  --console             print what the guest wrote to its console\n"
	"  --json                the result as JSON\n"
	"  --deadline S          give up after S seconds of guest run (default 120)\n"
	"  -s, --set K=V[,K=V]   override policy settings (repeatable)\n"
	"  -h, --help            this text\n");

enum { OPT_KERNEL = 300, OPT_INITRD, OPT_CPUS, OPT_MEMORY, OPT_APPEND, OPT_CONSOLE };

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
	printf(", \"protocol\": \"%u.%02u\", \"vcpus\": [", bi->protocol >> 8, bi->protocol & 0xff);
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
	printf(", \"console_truncated\": %s, \"release\": ", bi->console_truncated ? "true" : "false");
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
		const char *offered = c->feature < 0 ? base : !info->detected_base ? "-" :
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
	unsigned int c, i;

	if (console && bi->console_len)
		printf("%s%s", bi->console, bi->console[bi->console_len - 1] == '\n' ? "" : "\n");
	printf(_("boot protocol %u.%02u, command line: %s\n"), bi->protocol >> 8,
	       bi->protocol & 0xff, bi->cmdline);
	printf(_("end: %s (vCPU %u), %llu ms after the first KVM_RUN (setup: %llu ms)\n"),
	       bi->end_name, bi->end_vcpu, (unsigned long long)bi->run_ms,
	       (unsigned long long)bi->setup_ms);
	if (bi->first_output_ms)
		printf(_("first console output: %llu ms after the first KVM_RUN\n"),
		       (unsigned long long)bi->first_output_ms);
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

int cmd_boot(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "console", no_argument, NULL, OPT_CONSOLE },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "deadline", required_argument, NULL, CLI_OPT_DEADLINE },
		{ "set", required_argument, NULL, CLI_OPT_SET },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* the library's keys, by option; the last one given wins, as with --set */
	static const char *const keys[] = {
		"kernel", "initrd", "cpus", "memory", "append", "deadline_ms",
	};
	const char *values[sizeof(keys) / sizeof(keys[0])] = { NULL };
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_boot *b = NULL;
	const struct kvmcpuid_boot_info *bi;
	const char *sets[CLI_MAX_SETS];
	char deadline[16];
	unsigned int deadline_ms = 0, i;
	bool console = false, json = false;
	int nsets = 0, c, r;

	while ((c = getopt_long(argc, argv, "hs:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
		case OPT_INITRD:
		case OPT_CPUS:
		case OPT_MEMORY:
		case OPT_APPEND:
			values[c - OPT_KERNEL] = optarg;
			break;
		case OPT_CONSOLE:
			console = true;
			break;
		case CLI_OPT_JSON:
			json = true;
			break;
		case CLI_OPT_DEADLINE:
			if (cli_parse_deadline(optarg, &deadline_ms) < 0) {
				cli_error(_("--deadline: '%s' is not a number of seconds in (0, 600]"),
					  optarg);
				return EXIT_USAGE;
			}
			snprintf(deadline, sizeof(deadline), "%u", deadline_ms);
			values[5] = deadline;
			break;
		case 's':
		case CLI_OPT_SET:
			if (cli_add_set(sets, &nsets, CLI_MAX_SETS, optarg) < 0)
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(_(boot_usage), stdout);
			return EXIT_OK;
		default:
			fputs(_(boot_usage), stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1 || !values[0]) {
		if (!values[0])
			cli_error(_("boot: --kernel BZIMAGE is required"));
		fputs(_(boot_usage), stderr);
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, optind < argc ? argv[optind] : NULL, sets, nsets, &p, NULL);
	if (r)
		goto out;
	r = kvmcpuid_boot_new(p, &b);
	if (r < 0) {
		cli_error("%s", strerror(-r));
		r = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (values[i] && kvmcpuid_boot_set(b, keys[i], values[i], &diag) < 0) {
			cli_diag(&diag);
			r = EXIT_USAGE;
			goto out;
		}
	r = kvmcpuid_boot_run(b, &diag);
	bi = kvmcpuid_boot_info(b);
	if (r < 0 && (r == -ETIMEDOUT || r == -EIO) && bi->cpus) {
		/* the guest ran: what it did so far, then why it is not a result */
		if (json)
			print_json(bi);
		else
			print_text(bi, console);
	}
	if (r < 0) {
		cli_diag(&diag);
		r = cli_exit_for(r);
		goto out;
	}
	if (json)
		print_json(bi);
	else
		print_text(bi, console);
	r = kvmcpuid_report_ok(bi->report) ? EXIT_OK : EXIT_CHECK;
out:
	kvmcpuid_boot_unref(b);
	kvmcpuid_policy_unref(p);
	return r;
}
