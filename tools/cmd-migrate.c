// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid migrate-check: can a guest built with BUILD move to the host of PROFILE? */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char migrate_usage[] =
	N_("Usage: kvmcpuid migrate-check [--json] BUILD PROFILE\n\n"
	"Can a guest started with BUILD (kvmcpuid build --format json or raw) move to the host\n"
	"of PROFILE (kvmcpuid host --json)?  Cloud Hypervisor's rules: the same signature,\n"
	"features a subset of what the destination offers, a max leaf not greater; and\n"
	"enforcement available there when the guest has it.  Prints the reason for each\n"
	"refusal.  Exits 0 when safe, 1 when not.\n"
	"  --json       print {\"safe\": ..., \"refusals\": [...]}\n"
	"  -h, --help   this text\n");

static const char *const kind_names[] = {
	[KVMCPUID_DIFF_DETECTED] = "detected", [KVMCPUID_DIFF_MAX_LEAF] = "max_leaf",
	[KVMCPUID_DIFF_FEATURE] = "feature", [KVMCPUID_DIFF_TIMING] = "timing",
	[KVMCPUID_DIFF_ENFORCE] = "enforce", [KVMCPUID_DIFF_SIGNATURE] = "signature",
};

static void reason(const struct kvmcpuid_difference *d, char *buf, size_t len)
{
	switch (d->kind) {
	case KVMCPUID_DIFF_SIGNATURE:
		snprintf(buf, len, _("signature: the guest's (leaf 0x%08x) is not the destination's "
				     "(%s)"), d->a, d->b ? "KVMKVMKVM at 0x40000000" : "none");
		break;
	case KVMCPUID_DIFF_FEATURE:
		snprintf(buf, len, _("%s: the guest has it, the destination does not offer it"),
			 kvmcpuid_feature((unsigned int)d->feature)->name);
		break;
	case KVMCPUID_DIFF_MAX_LEAF:
		snprintf(buf, len, _("max leaf: the guest's base+0x%x is above the destination's "
				     "base+0x%x"), d->a, d->b);
		break;
	case KVMCPUID_DIFF_ENFORCE:
		snprintf(buf, len, _("enforce: the guest runs with it, the destination lacks "
				     "KVM_CAP_ENFORCE_PV_FEATURE_CPUID"));
		break;
	default:
		snprintf(buf, len, "%s", kind_names[d->kind]);
		break;
	}
}

int cmd_migrate_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_difference d[KVMCPUID_MAX_DIFFERENCES];
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_cpuid *cpuid = NULL;
	struct kvmcpuid_host *h = NULL;
	struct common o = { 0 };
	bool json;
	char buf[256];
	int i, n, r;

	r = cli_parse_common(argc, argv, migrate_usage, opts, &o, 2, 2);
	if (r >= 0)
		return r;
	json = o.json;
	if (kvmcpuid_cpuid_load_file(cli->ctx, o.args[0], &diag, &cpuid) < 0) {
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	r = cli_load_host(cli, o.args[1], &h);
	if (r)
		goto out;
	n = kvmcpuid_migrate_check(cpuid, h, d, KVMCPUID_MAX_DIFFERENCES);
	if (n < 0) {
		r = EXIT_USAGE;
		goto out;
	}
	if (json)
		printf("{\n  \"safe\": %s,\n  \"refusals\": [", n ? "false" : "true");
	for (i = 0; i < n && i < KVMCPUID_MAX_DIFFERENCES; i++) {
		reason(&d[i], buf, sizeof(buf));
		if (!json) {
			printf(_("refused: %s\n"), buf);
			continue;
		}
		printf("%s{ \"kind\": \"%s\", \"feature\": ", i ? ",\n    " : "\n    ",
		       kind_names[d[i].kind]);
		if (d[i].feature >= 0)
			printf("\"%s\"", kvmcpuid_feature((unsigned int)d[i].feature)->name);
		else
			printf("null");
		printf(", \"guest\": %u, \"destination\": %u, \"reason\": ", d[i].a, d[i].b);
		cli_json_string(stdout, buf);
		printf(" }");
	}
	if (json)
		printf("%s]\n}\n", n ? "\n  " : "");
	else if (n)
		printf(_("not safe: %d reason(s)\n"), n);
	else
		printf(_("safe: the destination can run this guest\n"));
	r = n ? EXIT_CHECK : EXIT_OK;
out:
	kvmcpuid_cpuid_unref(cpuid);
	kvmcpuid_host_unref(h);
	return r;
}
