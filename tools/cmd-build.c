// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid build, kvmcpuid lint */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

static const char build_usage[] =
	N_("Usage: kvmcpuid build [POLICY] [OPTIONS]\n\n"
	"Resolve a policy against the host and print the KVM PV CPUID leaves.\n"
	"POLICY is a policy file (text or JSON; '-' reads stdin); none: the built-in default\n"
	"(default = host, signature = kvm, enforce = off).\n"
	"  -s, --set K=V[,K=V]   override settings (repeatable; later ones win)\n"
	"  --host-profile FILE   build for a saved host profile (kvmcpuid host --json)\n"
	"  --format FMT          table (default), json, or raw (a struct kvm_cpuid2 blob)\n"
	"  -o, --output FILE     write there (atomically) instead of stdout\n"
	"  --strict              lint warnings are errors\n"
	"  -h, --help            this text\n");

static const struct option build_opts[] = {
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "host-profile", required_argument, NULL, CLI_OPT_PROFILE },
	{ "format", required_argument, NULL, CLI_OPT_FORMAT },
	{ "output", required_argument, NULL, CLI_OPT_OUTPUT },
	{ "strict", no_argument, NULL, CLI_OPT_STRICT },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static void print_entries(FILE *f, const struct kvm_cpuid_entry2 *e, size_t n)
{
	size_t i;

	fprintf(f, _("%-10s  %-5s  %-10s  %-10s  %-10s  %s\n"), "FUNCTION", "INDEX", "EAX", "EBX",
		"ECX", "EDX");
	for (i = 0; i < n; i++)
		fprintf(f, _("0x%08x  %-5u  0x%08x  0x%08x  0x%08x  0x%08x\n"), e[i].function,
			e[i].index, e[i].eax, e[i].ebx, e[i].ecx, e[i].edx);
	if (!n)
		fprintf(f, _("(none: the signature is hidden, the guest sees no KVM leaves)\n"));
}

static void print_features(FILE *f, const struct kvmcpuid_policy *p, uint32_t eax, uint32_t edx)
{
	unsigned int i;

	fprintf(f, _("%-24s %-7s %-7s %s\n"), "FEATURE", "BIT", "ACTION", "GUEST SEES");
	for (i = 0; i < KVMCPUID_FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *ft = kvmcpuid_feature(i);
		bool on = (((ft->reg == KVMCPUID_REG_EAX) ? eax : edx) >> ft->bit) & 1;
		char action[KVMCPUID_POLICY_VALUE_MAX];

		kvmcpuid_policy_get(p, ft->name, action, sizeof(action));
		fprintf(f, _("%-24s %s.%-3d %-7s %s\n"), ft->name, reg_names[ft->reg], (int)ft->bit,
			action, on ? "set" : "clear");
	}
}

int cmd_build(struct cli *cli, int argc, char **argv)
{
	const struct kvmcpuid_cpuid_info *info;
	const struct kvm_cpuid_entry2 *leaves;
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_cpuid *cpuid = NULL;
	struct kvmcpuid_policy *p = NULL, *base = NULL;
	struct kvmcpuid_host *h = NULL;
	struct cli_origin org;
	struct common o = { 0 };
	char *buf = NULL, *text;
	size_t len = 0, n;
	FILE *mem;
	int r;

	r = cli_parse_common(argc, argv, build_usage, build_opts, &o, 0, 1);
	if (r >= 0)
		return r;
	if (o.format && strcmp(o.format, "table") && strcmp(o.format, "json") &&
	    strcmp(o.format, "raw")) {
		cli_error(_("build: unknown format '%s' (table, json or raw)"), o.format);
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p, &base);
	if (r)
		return r;
	r = cli_load_host(cli, o.profile, &h);
	if (r)
		goto out;
	if (kvmcpuid_build(p, h, o.strict ? KVMCPUID_STRICT : 0, &cpuid, &diag) < 0) {
		cli_diag(&diag);
		r = EXIT_USAGE;
		goto out;
	}
	org = (struct cli_origin){ .policy = o.policy, .base = base, .host = h };
	cli_print_lints(cpuid, &org);
	info = kvmcpuid_cpuid_info(cpuid);
	leaves = info->entries;
	n = info->nent;
	mem = open_memstream(&buf, &len);
	if (!mem) {
		r = EXIT_USAGE;
		goto out;
	}
	if (o.format && !strcmp(o.format, "raw")) {
		struct kvm_cpuid2 head = { .nent = (uint32_t)n };

		fwrite(&head, sizeof(head), 1, mem);
		fwrite(leaves, sizeof(leaves[0]), n, mem);
	} else if (o.format && !strcmp(o.format, "json")) {
		if (kvmcpuid_cpuid_to_json(cpuid, &text) == 0) {
			fprintf(mem, _("%s\n"), text);
			free(text);
		}
	} else {
		if (kvmcpuid_policy_to_text(p, &text) == 0) {
			fprintf(mem, _("# policy (host: %s)\n%s\n"), kvmcpuid_host_info(h)->module, text);
			free(text);
		}
		fprintf(mem, _("# leaves\n"));
		print_entries(mem, leaves, n);
		fprintf(mem, _("\n# features\n"));
		print_features(mem, p, info->features, info->hints);
		if (!info->enforce)
			fprintf(mem, _("\nenforce = off: masking is advisory, a guest can still use a "
				"masked feature's MSRs and hypercalls.\n"));
	}
	r = cli_emit(o.output, mem, &buf, &len);
out:
	kvmcpuid_cpuid_unref(cpuid);
	kvmcpuid_host_unref(h);
	kvmcpuid_policy_unref(base);
	kvmcpuid_policy_unref(p);
	return r;
}

static const char lint_usage[] =
	N_("Usage: kvmcpuid lint POLICY [OPTIONS]\n\n"
	"Parse and lint a policy without /dev/kvm.  Prints each warning; exits 0 when\n"
	"there are none, 1 when there are, 2 when the policy does not parse.\n"
	"  -s, --set K=V[,K=V]   override settings (repeatable)\n"
	"  --host-profile FILE   also run the host-dependent lints against a saved profile\n"
	"  -h, --help            this text\n");

int cmd_lint(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, CLI_OPT_SET },
		{ "host-profile", required_argument, NULL, CLI_OPT_PROFILE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_policy *p = NULL, *base = NULL;
	struct kvmcpuid_host *h = NULL;
	struct cli_origin org;
	struct common o = { 0 };
	int r, warnings;

	r = cli_parse_common(argc, argv, lint_usage, opts, &o, 0, 1);
	if (r >= 0)
		return r;
	if (!o.policy) {
		fputs(_(lint_usage), stderr);
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p, &base);
	if (r)
		return r;
	if (o.profile) {
		r = cli_load_host(cli, o.profile, &h);
		if (r) {
			kvmcpuid_policy_unref(base);
			kvmcpuid_policy_unref(p);
			return r;
		}
	}
	org = (struct cli_origin){ .policy = o.policy, .base = base, .host = h };
	warnings = kvmcpuid_lint(p, h, cli_print_lint, &org);
	if (!warnings)
		printf(_("%s: ok\n"), o.policy);
	kvmcpuid_host_unref(h);
	kvmcpuid_policy_unref(base);
	kvmcpuid_policy_unref(p);
	return warnings ? EXIT_CHECK : EXIT_OK;
}

