// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid baseline: the largest policy every host of a fleet can run */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char baseline_usage[] =
	N_("Usage: kvmcpuid baseline [--json] PROFILE...\n\n"
	"Print the largest policy every host can run, from their saved host profiles\n"
	"(kvmcpuid host --json): each feature every KVM offers is on, the rest off, with a\n"
	"comment naming the profile that removed it.  Features only a VMM provides are off:\n"
	"no host profile can vouch for them.  enforce is on when every host can enforce.\n"
	"  --json       print {\"policy\": ..., \"removed\": [...]} instead of policy text\n"
	"  -h, --help   this text\n");

struct removal {
	const char *key;
	long host;
};

struct removals {
	struct removal r[KVMCPUID_FEATURE_COUNT + 1];
	size_t n;
};

static void note_removed(void *data, const char *key, long host)
{
	struct removals *rs = data;

	if (rs->n < sizeof(rs->r) / sizeof(rs->r[0]))
		rs->r[rs->n++] = (struct removal){ key, host };
}

static const char *reason(const struct removal *r)
{
	if (r->host < 0)
		return _("only the VMM provides it: turn it on when every VMM implements it");
	if (!strcmp(r->key, "enforce"))
		return _("no KVM_CAP_ENFORCE_PV_FEATURE_CPUID");
	return _("not offered");
}

static void print_text(const struct removals *rs, char **paths, int n, const char *policy)
{
	size_t i;
	int k;

	printf(_("# baseline of %d host profiles:"), n);
	for (k = 0; k < n; k++)
		printf(" %s", paths[k]);
	printf("\n");
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].host >= 0)
			printf(_("# %s: removed by %s (%s)\n"), rs->r[i].key, paths[rs->r[i].host],
			       reason(&rs->r[i]));
		else
			printf(_("# %s: off (%s)\n"), rs->r[i].key, reason(&rs->r[i]));
	}
	fputs(policy, stdout);
}

static void print_json(const struct removals *rs, char **paths, int n, const char *policy)
{
	size_t i;
	int k;

	printf("{\n  \"kvmcpuid_baseline\": 1,\n  \"hosts\": [");
	for (k = 0; k < n; k++) {
		printf(k ? ", " : "");
		cli_json_string(stdout, paths[k]);
	}
	printf("],\n  \"removed\": [");
	for (i = 0; i < rs->n; i++) {
		printf(i ? ",\n    { \"key\": " : "\n    { \"key\": ");
		cli_json_string(stdout, rs->r[i].key);
		printf(", \"by\": ");
		if (rs->r[i].host >= 0)
			cli_json_string(stdout, paths[rs->r[i].host]);
		else
			printf("null");
		printf(", \"reason\": ");
		cli_json_string(stdout, reason(&rs->r[i]));
		printf(" }");
	}
	printf("%s],\n  \"policy\": %s\n}\n", rs->n ? "\n  " : "", policy);
}

int cmd_baseline(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_host **hosts;
	struct kvmcpuid_policy *p = NULL;
	struct removals rs = { .n = 0 };
	struct common o = { 0 };
	char *text = NULL;
	int i, n, r;

	r = cli_parse_common(argc, argv, baseline_usage, opts, &o, 1, -1);
	if (r >= 0)
		return r;
	r = EXIT_OK;
	n = o.nargs;
	hosts = calloc((size_t)n, sizeof(*hosts));
	if (!hosts) {
		cli_error(_("out of memory"));
		return EXIT_USAGE;
	}
	for (i = 0; i < n && !r; i++)
		r = cli_load_host(cli, o.args[i], &hosts[i]);
	if (r)
		goto out;
	r = kvmcpuid_baseline(hosts, (size_t)n, note_removed, &rs, &p);
	if (r == 0)
		r = o.json ? kvmcpuid_policy_to_json(p, &text) : kvmcpuid_policy_to_text(p, &text);
	if (r < 0) {
		cli_error(_("baseline: %s"), strerror(-r));
		r = EXIT_USAGE;
		goto out;
	}
	if (o.json)
		print_json(&rs, o.args, n, text);
	else
		print_text(&rs, o.args, n, text);
	r = EXIT_OK;
out:
	free(text);
	kvmcpuid_policy_unref(p);
	for (i = 0; i < n; i++)
		kvmcpuid_host_unref(hosts[i]);
	free(hosts);
	return r;
}
