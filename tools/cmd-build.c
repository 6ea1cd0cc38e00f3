// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid build, lint, diff, apply */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_SETS 64
#define PV_FIRST 0x40000000u
#define PV_LAST 0x4000ffffu

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

struct common {
	const char *policy;
	const char *sets[MAX_SETS];
	int nsets;
	const char *profile;
	const char *format;
	const char *output;
	bool strict;
};

enum { OPT_SET = 256, OPT_PROFILE, OPT_FORMAT, OPT_STRICT, OPT_OUTPUT };

/* Parse the options build/lint/apply share; returns -1 to go on, else an exit code. */
static int parse_common(int argc, char **argv, const char *usage, const struct option *opts,
			struct common *o, int max_args)
{
	int c;

	while ((c = getopt_long(argc, argv, "hs:o:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case OPT_SET:
			if (cli_add_set(o->sets, &o->nsets, MAX_SETS, optarg) < 0)
				return EXIT_USAGE;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case 'o':
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case 'h':
			fputs(_(usage), stdout);
			return EXIT_OK;
		default:
			fputs(_(usage), stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > max_args) {
		fprintf(stderr, _("kvmcpuid: unexpected argument '%s'\n"), argv[optind + max_args]);
		fputs(_(usage), stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 1)
		o->policy = argv[optind];
	return -1;
}

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
	{ "set", required_argument, NULL, OPT_SET },
	{ "host-profile", required_argument, NULL, OPT_PROFILE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "strict", no_argument, NULL, OPT_STRICT },
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
	for (i = 0; i < kvmcpuid_feature_count(); i++) {
		int reg = kvmcpuid_feature_reg(i), bit = kvmcpuid_feature_bit(i);
		bool on = (((reg == KVMCPUID_REG_EAX) ? eax : edx) >> bit) & 1;
		char action[KVMCPUID_POLICY_VALUE_MAX];

		kvmcpuid_policy_get(p, kvmcpuid_feature_name(i), action, sizeof(action));
		fprintf(f, _("%-24s %s.%-3d %-7s %s\n"), kvmcpuid_feature_name(i), reg_names[reg], bit,
			action, on ? "set" : "clear");
	}
}

static int emit(const char *output, FILE *mem, char **buf, size_t *len)
{
	int r;

	/* open_memstream publishes buf and len only at fclose */
	fclose(mem);
	r = cli_write_output(output, *buf, *len);
	free(*buf);
	if (r < 0) {
		cli_error(_("%s: cannot write: %s"), output ? output : "<stdout>", strerror(-r));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_build(struct cli *cli, int argc, char **argv)
{
	struct kvm_cpuid_entry2 leaves[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_host *h = NULL;
	struct common o = { 0 };
	uint32_t eax = 0, edx = 0;
	char *buf = NULL, *text;
	size_t len = 0;
	FILE *mem;
	int r, n;

	r = parse_common(argc, argv, build_usage, build_opts, &o, 1);
	if (r >= 0)
		return r;
	if (o.format && strcmp(o.format, "table") && strcmp(o.format, "json") &&
	    strcmp(o.format, "raw")) {
		cli_error(_("build: unknown format '%s' (table, json or raw)"), o.format);
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p);
	if (r)
		return r;
	r = cli_load_host(cli, o.profile, &h);
	if (r)
		goto out;
	kvmcpuid_lint(p, h, cli_print_lint, (void *)(o.policy ? o.policy : "<default>"));
	n = kvmcpuid_build(p, h, o.strict ? KVMCPUID_STRICT : 0, leaves, KVMCPUID_MAX_LEAVES,
			   &diag);
	if (n < 0) {
		cli_diag(&diag);
		r = EXIT_USAGE;
		goto out;
	}
	kvmcpuid_resolve(p, h, 0, &eax, &edx, NULL);
	mem = open_memstream(&buf, &len);
	if (!mem) {
		r = EXIT_USAGE;
		goto out;
	}
	if (o.format && !strcmp(o.format, "raw")) {
		struct kvm_cpuid2 head = { .nent = (uint32_t)n };

		fwrite(&head, sizeof(head), 1, mem);
		fwrite(leaves, sizeof(leaves[0]), (size_t)n, mem);
	} else if (o.format && !strcmp(o.format, "json")) {
		if (kvmcpuid_leaves_to_json(p, leaves, (size_t)n, &text) == 0) {
			fprintf(mem, _("%s\n"), text);
			free(text);
		}
	} else {
		if (kvmcpuid_policy_to_text(p, &text) == 0) {
			fprintf(mem, _("# policy (host: %s)\n%s\n"), kvmcpuid_host_module(h), text);
			free(text);
		}
		fprintf(mem, _("# leaves\n"));
		print_entries(mem, leaves, (size_t)n);
		fprintf(mem, _("\n# features\n"));
		print_features(mem, p, n ? eax : 0, n ? edx : 0);
		if (!cli_policy_enforces(p))
			fprintf(mem, _("\nenforce = off: masking is advisory, a guest can still use a "
				"masked feature's MSRs and hypercalls.\n"));
	}
	r = emit(o.output, mem, &buf, &len);
out:
	kvmcpuid_host_unref(h);
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
		{ "set", required_argument, NULL, OPT_SET },
		{ "host-profile", required_argument, NULL, OPT_PROFILE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_host *h = NULL;
	struct common o = { 0 };
	int r, warnings;

	r = parse_common(argc, argv, lint_usage, opts, &o, 1);
	if (r >= 0)
		return r;
	if (!o.policy) {
		fputs(_(lint_usage), stderr);
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p);
	if (r)
		return r;
	if (o.profile) {
		r = cli_load_host(cli, o.profile, &h);
		if (r) {
			kvmcpuid_policy_unref(p);
			return r;
		}
	}
	warnings = kvmcpuid_lint(p, h, cli_print_lint, (void *)o.policy);
	if (!warnings)
		printf(_("%s: ok\n"), o.policy);
	kvmcpuid_host_unref(h);
	kvmcpuid_policy_unref(p);
	return warnings ? EXIT_CHECK : EXIT_OK;
}

/* ---- diff ---- */

struct view {
	struct kvm_cpuid_entry2 e[256];
	size_t n;
	bool enforce;
};

static const struct kvm_cpuid_entry2 *find(const struct view *v, uint32_t fn)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->e[i].function == fn)
			return &v->e[i];
	return NULL;
}

/* Where a Linux guest finds KVM in these leaves (0: nowhere). */
static uint32_t kvm_base(const struct view *v)
{
	uint32_t b;

	for (b = PV_FIRST; b < PV_LAST; b += 0x100) {
		const struct kvm_cpuid_entry2 *e = find(v, b);

		if (e && e->ebx == 0x4b4d564b && e->ecx == 0x564b4d56 && e->edx == 0x4d)
			return b;
	}
	return 0;
}

static int load_view(struct cli *cli, const char *path, struct kvmcpuid_host **h,
		     const char *profile, struct view *v)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	int r, n;

	r = kvmcpuid_leaves_load_file(cli->ctx, path, v->e, 256, &v->n, &v->enforce, &diag);
	if (r == 0)
		return EXIT_OK;
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
	n = kvmcpuid_build(p, *h, 0, v->e, 256, &diag);
	v->enforce = cli_policy_enforces(p);
	kvmcpuid_policy_unref(p);
	if (n < 0) {
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	v->n = (size_t)n;
	return EXIT_OK;
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
		{ "host-profile", required_argument, NULL, OPT_PROFILE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_host *h = NULL;
	struct view *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	const char *profile = NULL;
	uint32_t ba, bb;
	unsigned int i;
	int c, r, diffs = 0;

	if (!a || !b) {
		free(a);
		free(b);
		return EXIT_USAGE;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == OPT_PROFILE) {
			profile = optarg;
			continue;
		}
		fputs(_(diff_usage), c == 'h' ? stdout : stderr);
		r = c == 'h' ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	if (argc - optind != 2) {
		fputs(_(diff_usage), stderr);
		r = EXIT_USAGE;
		goto out;
	}
	r = load_view(cli, argv[optind], &h, profile, a);
	if (!r)
		r = load_view(cli, argv[optind + 1], &h, profile, b);
	if (r)
		goto out;
	ba = kvm_base(a);
	bb = kvm_base(b);
	if (ba != bb) {
		printf(_("KVM found at: %s%08x -> %s%08x\n"), ba ? "0x" : "none ", ba,
		       bb ? "0x" : "none ", bb);
		diffs++;
	}
	{
		const struct kvm_cpuid_entry2 *sa = ba ? find(a, ba) : NULL;
		const struct kvm_cpuid_entry2 *sb = bb ? find(b, bb) : NULL;
		const struct kvm_cpuid_entry2 *fa = ba ? find(a, ba + 1) : NULL;
		const struct kvm_cpuid_entry2 *fb = bb ? find(b, bb + 1) : NULL;
		const struct kvm_cpuid_entry2 *ta = ba ? find(a, ba + 0x10) : NULL;
		const struct kvm_cpuid_entry2 *tb = bb ? find(b, bb + 0x10) : NULL;

		uint32_t ma = sa && sa->eax ? sa->eax - ba : 0, mb = sb && sb->eax ? sb->eax - bb : 0;

		if (ma != mb) {
			printf(_("max leaf: base+0x%x -> base+0x%x\n"), ma, mb);
			diffs++;
		}
		for (i = 0; i < kvmcpuid_feature_count(); i++) {
			int reg = kvmcpuid_feature_reg(i), bit = kvmcpuid_feature_bit(i);
			bool va = fa && (((reg == KVMCPUID_REG_EAX ? fa->eax : fa->edx) >> bit) & 1);
			bool vb = fb && (((reg == KVMCPUID_REG_EAX ? fb->eax : fb->edx) >> bit) & 1);

			if (va != vb) {
				printf(_("%-24s %s -> %s\n"), kvmcpuid_feature_name(i),
				       va ? "set" : "clear", vb ? "set" : "clear");
				diffs++;
			}
		}
		if (!ta != !tb || (ta && tb && (ta->eax != tb->eax || ta->ebx != tb->ebx))) {
			printf(_("timing leaf: %s -> %s\n"), ta ? "present" : "absent",
			       tb ? "present" : "absent");
			diffs++;
		}
	}
	if (a->enforce != b->enforce) {
		printf(_("enforce: %s -> %s\n"), a->enforce ? "on" : "off", b->enforce ? "on" : "off");
		diffs++;
	}
	if (!diffs)
		printf(_("no difference a guest can see\n"));
	r = diffs ? EXIT_CHECK : EXIT_OK;
out:
	kvmcpuid_host_unref(h);
	free(a);
	free(b);
	return r;
}

static const char apply_usage[] =
	N_("Usage: kvmcpuid apply [POLICY] [OPTIONS]\n\n"
	"Create a VM and a vCPU, apply the policy with KVM_SET_CPUID2 (and enforcement),\n"
	"read the table back with KVM_GET_CPUID2 and show the KVM leaves KVM kept.\n"
	"Exits 1 when KVM kept something other than what was built.\n"
	"  -s, --set K=V[,K=V]   override settings (repeatable)\n"
	"  --strict              lint warnings are errors\n"
	"  -h, --help            this text\n");

int cmd_apply(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, OPT_SET },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvm_cpuid_entry2 leaves[KVMCPUID_MAX_LEAVES], *back;
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_host *h = NULL;
	struct common o = { 0 };
	size_t nback = 0, i, shown = 0;
	int r, n, k, same = 0;

	r = parse_common(argc, argv, apply_usage, opts, &o, 1);
	if (r >= 0)
		return r;
	back = calloc(512, sizeof(*back));
	if (!back)
		return EXIT_USAGE;
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p);
	if (r)
		goto out;
	r = cli_load_host(cli, NULL, &h);
	if (r)
		goto out;
	kvmcpuid_lint(p, h, cli_print_lint, (void *)(o.policy ? o.policy : "<default>"));
	n = kvmcpuid_build(p, h, o.strict ? KVMCPUID_STRICT : 0, leaves, KVMCPUID_MAX_LEAVES,
			   &diag);
	if (n >= 0)
		r = kvmcpuid_apply_readback(p, h, o.strict ? KVMCPUID_STRICT : 0, back, 512, &nback,
					    &diag);
	if (n < 0 || r < 0) {
		cli_diag(&diag);
		r = n < 0 ? EXIT_USAGE : cli_exit_for(r);
		goto out;
	}
	printf(_("applied; KVM_GET_CPUID2 gives back %zu entries.  Those in 0x40000000-0x4000ffff:\n"),
	       nback);
	printf(_("%-10s  %-10s  %-10s  %-10s  %-10s  %s\n"), "FUNCTION", "EAX", "EBX", "ECX", "EDX",
	       "AS BUILT");
	for (i = 0; i < nback; i++) {
		bool match = false;

		if (back[i].function < PV_FIRST || back[i].function > PV_LAST)
			continue;
		shown++;
		for (k = 0; k < n; k++)
			if (leaves[k].function == back[i].function && leaves[k].eax == back[i].eax &&
			    leaves[k].ebx == back[i].ebx && leaves[k].ecx == back[i].ecx &&
			    leaves[k].edx == back[i].edx)
				match = true;
		same += match;
		printf(_("0x%08x  0x%08x  0x%08x  0x%08x  0x%08x  %s\n"), back[i].function,
		       back[i].eax, back[i].ebx, back[i].ecx, back[i].edx, match ? "yes" : "NO");
	}
	if (!shown)
		printf(_("(none)\n"));
	printf(_("enforcement: %s\n"), cli_policy_enforces(p)
	       ? "on (KVM_CAP_ENFORCE_PV_FEATURE_CPUID)" : "off (masking is advisory)");
	if (same != n || shown != (size_t)n) {
		printf(_("KVM kept a different table than was built\n"));
		r = EXIT_CHECK;
	} else {
		r = EXIT_OK;
	}
out:
	free(back);
	kvmcpuid_host_unref(h);
	kvmcpuid_policy_unref(p);
	return r;
}
