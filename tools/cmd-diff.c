// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid diff */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A build output, or else a policy built against the host (probed on first need). */
static int load_cpuid(struct cli *cli, const char *path, struct kvmcpuid_host **h,
		      const char *profile, struct kvmcpuid_cpuid **ret)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	int r;

	r = kvmcpuid_cpuid_load_file(cli->ctx, path, &diag, ret);
	if (r == 0)
		return EXIT_OK;
	if (r != -EMEDIUMTYPE) {
		/* a build output, but a broken one (or unreadable): say so, not a policy error */
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	/* Not a build output: then it must be a policy. */
	memset(&diag, 0, sizeof(diag));
	r = kvmcpuid_policy_parse_file(cli->ctx, path, &diag, &p);
	if (r < 0) {
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	if (!*h) {
		r = cli_load_host(cli, profile, h);
		if (r) {
			kvmcpuid_policy_unref(p);
			return r;
		}
	}
	r = kvmcpuid_build(p, *h, 0, ret, &diag);
	kvmcpuid_policy_unref(p);
	if (r < 0) {
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void print_difference(const struct kvmcpuid_difference *d,
			     const struct kvmcpuid_cpuid *a, const struct kvmcpuid_cpuid *b)
{
	static const char *const clear_set[] = { "clear", "set" };
	static const char *const absent_present[] = { "absent", "present" };
	static const char *const off_on[] = { "off", "on" };

	switch (d->kind) {
	case KVMCPUID_DIFF_DETECTED:
		printf(_("KVM found at: %s%08x -> %s%08x\n"), d->a ? "0x" : "none ", d->a,
		       d->b ? "0x" : "none ", d->b);
		break;
	case KVMCPUID_DIFF_MAX_LEAF:
		printf(_("max leaf: base+0x%x -> base+0x%x\n"), d->a, d->b);
		break;
	case KVMCPUID_DIFF_FEATURE:
		printf(_("%-24s %s -> %s\n"), kvmcpuid_feature((unsigned int)d->feature)->name,
		       clear_set[d->a & 1], clear_set[d->b & 1]);
		break;
	case KVMCPUID_DIFF_TIMING:
		printf(_("timing leaf: %s -> %s\n"), absent_present[d->a & 1],
		       absent_present[d->b & 1]);
		break;
	case KVMCPUID_DIFF_ENFORCE:
		printf(_("enforce: %s -> %s\n"), off_on[d->a & 1], off_on[d->b & 1]);
		break;
	case KVMCPUID_DIFF_SIGNATURE:
		printf(_("signature: %s -> %s\n"), kvmcpuid_cpuid_info(a)->signature,
		       kvmcpuid_cpuid_info(b)->signature);
		break;
	}
}

static const char diff_usage[] =
	N_("Usage: kvmcpuid diff A B [--host-profile FILE]\n\n"
	"Show what a guest would see differently between A and B, feature by feature.\n"
	"A and B are policies (resolved against this host or the profile) or build outputs\n"
	"(--format json or raw).  Exits 0 when they are the same for a guest, 1 when not.\n"
	"  --host-profile FILE   resolve policies against a saved host profile\n"
	"  -h, --help            this text\n");

int cmd_diff(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host-profile", required_argument, NULL, CLI_OPT_PROFILE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_difference d[KVMCPUID_MAX_DIFFERENCES];
	struct kvmcpuid_cpuid *a = NULL, *b = NULL;
	struct kvmcpuid_host *h = NULL;
	struct common o = { 0 };
	int r, i, n;

	r = cli_parse_common(argc, argv, diff_usage, opts, &o, 2, 2);
	if (r >= 0)
		return r;
	r = load_cpuid(cli, o.args[0], &h, o.profile, &a);
	if (!r)
		r = load_cpuid(cli, o.args[1], &h, o.profile, &b);
	if (r)
		goto out;
	n = kvmcpuid_cpuid_diff(a, b, d, KVMCPUID_MAX_DIFFERENCES);
	if (n < 0) {
		r = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < n && i < KVMCPUID_MAX_DIFFERENCES; i++)
		print_difference(&d[i], a, b);
	if (!n)
		printf(_("no difference a guest can see\n"));
	r = n ? EXIT_CHECK : EXIT_OK;
out:
	kvmcpuid_cpuid_unref(a);
	kvmcpuid_cpuid_unref(b);
	kvmcpuid_host_unref(h);
	return r;
}
