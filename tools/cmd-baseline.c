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
	long host;		/* the first host lacking it, -1: only the VMM provides it */
};

/* A removal comment names at most this many hosts: a fleet has thousands. */
#define NAMES_MAX 10

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

/* Does host i lack what removal r removed?  (r->host is the first such host.) */
static bool lacks(struct kvmcpuid_host *h, const struct removal *r)
{
	const struct kvmcpuid_host_info *info = kvmcpuid_host_info(h);
	int id;

	if (!strcmp(r->key, "enforce"))
		return !info->has_enforce;
	id = kvmcpuid_feature_lookup(r->key);
	return id >= 0 && !((info->offered >> id) & 1);
}

/* How many hosts removed r: 0 for what only the VMM provides. */
static size_t count_lacking(struct kvmcpuid_host **hosts, int n, const struct removal *r)
{
	size_t count = 0;
	int k;

	for (k = r->host < 0 ? n : (int)r->host; k < n; k++)
		count += lacks(hosts[k], r);
	return count;
}

/*
 * The header says how many profiles; each removal names the hosts that removed it, the
 * first NAMES_MAX of them and how many more, never the whole fleet on one line.
 */
static void print_text(const struct removals *rs, struct kvmcpuid_host **hosts, char **paths,
		       int n, const char *policy)
{
	size_t i, count, shown;
	int k;

	printf(_("# baseline of %d host profiles\n"), n);
	for (i = 0; i < rs->n; i++) {
		const struct removal *r = &rs->r[i];

		if (r->host < 0) {
			printf(_("# %s: off (%s)\n"), r->key, reason(r));
			continue;
		}
		count = count_lacking(hosts, n, r);
		if (count == 1) {
			printf(_("# %s: removed by %s (%s)\n"), r->key, paths[r->host], reason(r));
			continue;
		}
		printf(_("# %s: removed by %zu of %d hosts (%s):"), r->key, count, n, reason(r));
		for (k = (int)r->host, shown = 0; k < n && shown < NAMES_MAX; k++)
			if (lacks(hosts[k], r))
				printf(shown++ ? ", %s" : " %s", paths[k]);
		if (count > shown)
			printf(_(", and %zu more"), count - shown);
		printf("\n");
	}
	fputs(policy, stdout);
}

static void print_json(const struct removals *rs, struct kvmcpuid_host **hosts, char **paths,
		       int n, const char *policy)
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
		printf(", \"count\": %zu", count_lacking(hosts, n, &rs->r[i]));
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
		print_json(&rs, hosts, o.args, n, text);
	else
		print_text(&rs, hosts, o.args, n, text);
	r = EXIT_OK;
out:
	free(text);
	kvmcpuid_policy_unref(p);
	for (i = 0; i < n; i++)
		kvmcpuid_host_unref(hosts[i]);
	free(hosts);
	return r;
}
