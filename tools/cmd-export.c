// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid export, kvmcpuid import: a policy in other VMMs' terms, and back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char export_usage[] =
	N_("Usage: kvmcpuid export --to FORMAT [POLICY] [OPTIONS]\n\n"
	"Write a policy in another VMM's own terms.  FORMAT: qemu (a -cpu property list to\n"
	"append to a CPU model), libvirt (domain XML), kubevirt (VirtualMachineInstance YAML),\n"
	"firecracker (a custom CPU template) or cloud-hypervisor (command-line options).\n"
	"POLICY as for build (none: the built-in default).  Each part of the policy FORMAT\n"
	"cannot express is named on stderr; the export is then the closest FORMAT comes.\n"
	"Exits 0 when the export is exact, 1 when something was lost.\n"
	"  --to FORMAT           the VMM to write for\n"
	"  -s, --set K=V[,K=V]   override settings (repeatable; later ones win)\n"
	"  --json                print {\"format\", \"exact\", \"output\", \"lost\": [...]}\n"
	"  -o, --output FILE     write there (atomically) instead of stdout\n"
	"  -h, --help            this text\n");

static const char import_usage[] =
	N_("Usage: kvmcpuid import --from FORMAT FILE|- [OPTIONS]\n\n"
	"Read another VMM's configuration back into a policy.  FORMAT: qemu (a -cpu argument\n"
	"or a whole command line), libvirt (a domain XML or a fragment) or firecracker (a\n"
	"custom CPU template, or a --config-file whose cpu-config holds one or names its\n"
	"file).  Settings a policy cannot carry are warnings on stderr\n"
	"(FILE:LINE:COL).  Exits 0 when everything was carried, 1 when the policy was\n"
	"written without some settings, 2 when FILE cannot be read.\n"
	"  --from FORMAT         the VMM the text is for\n"
	"  --format FMT          the policy as text (default) or json\n"
	"  -o, --output FILE     write there (atomically) instead of stdout\n"
	"  -h, --help            this text\n");

/*
 * Lines of lost parts or warnings shown before the rest is only counted: an import of a
 * configuration kvmcpuid did not write can carry a warning per setting, hundreds of
 * thousands of them.  export --json lists every lost part (one per policy key at most).
 */
#define LOST_SHOWN 20

struct lost_print {
	const char *what;	/* export: the format; import: the file's name */
	FILE *warn;		/* import: warnings wait here until the text was read */
	FILE *json;		/* export --json: the "lost" array goes here too */
	int n;
};

static void print_lost(void *data, const struct kvmcpuid_lost *l)
{
	struct lost_print *lp = data;

	if (lp->n < LOST_SHOWN && lp->warn)
		fprintf(lp->warn, _("%s:%u:%u: warning: cannot carry '%s': %s\n"), lp->what, l->line,
			l->column, l->key, l->message);
	else if (lp->n < LOST_SHOWN)
		fprintf(stderr, _("kvmcpuid: %s cannot express '%s': %s\n"), lp->what, l->key,
			l->message);
	if (lp->json) {
		fprintf(lp->json, "%s{ \"key\": ", lp->n ? ",\n    " : "\n    ");
		cli_json_string(lp->json, l->key);
		fprintf(lp->json, ", \"message\": ");
		cli_json_string(lp->json, l->message);
		fprintf(lp->json, " }");
	}
	lp->n++;
}

/* The line that counts what print_lost did not show. */
static void print_lost_rest(const struct lost_print *lp, FILE *f)
{
	if (lp->n <= LOST_SHOWN)
		return;
	if (lp->warn)
		fprintf(f, _("%s: warning: %d of %d warnings not shown (the first %d are above)\n"),
			lp->what, lp->n - LOST_SHOWN, lp->n, LOST_SHOWN);
	else
		fprintf(f, _("kvmcpuid: %s: %d of %d lost parts not shown (the first %d are above; "
			     "--json lists every one)\n"), lp->what, lp->n - LOST_SHOWN, lp->n,
			LOST_SHOWN);
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, CLI_OPT_FORMAT },
		{ "set", required_argument, NULL, CLI_OPT_SET },
		{ "json", no_argument, NULL, CLI_OPT_JSON },
		{ "output", required_argument, NULL, CLI_OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct lost_print lp = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct common o = { 0 };
	char *text = NULL, *lbuf = NULL, *buf = NULL;
	size_t llen = 0, len = 0;
	FILE *mem;
	int r, n;

	r = cli_parse_common(argc, argv, export_usage, opts, &o, 0, 1);
	if (r >= 0)
		return r;
	if (!o.format) {
		cli_error(_("export: --to FORMAT is required (qemu, libvirt, kubevirt, firecracker, "
			    "cloud-hypervisor)"));
		return EXIT_USAGE;
	}
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p, NULL);
	if (r)
		return r;
	lp.what = o.format;
	if (o.json && !(lp.json = open_memstream(&lbuf, &llen))) {
		r = EXIT_USAGE;
		goto out;
	}
	n = kvmcpuid_policy_export(p, o.format, print_lost, &lp, &text);
	if (lp.json)
		fclose(lp.json);
	print_lost_rest(&lp, stderr);
	if (n == -ENOENT) {
		cli_error(_("export: unknown format '%s' (qemu, libvirt, kubevirt, firecracker, "
			    "cloud-hypervisor)"), o.format);
		r = EXIT_USAGE;
		goto out;
	}
	if (n < 0) {
		cli_error(_("export: %s"), strerror(-n));
		r = EXIT_USAGE;
		goto out;
	}
	mem = open_memstream(&buf, &len);
	if (!mem) {
		r = EXIT_USAGE;
		goto out;
	}
	if (o.json) {
		fprintf(mem, "{\n  \"format\": ");
		cli_json_string(mem, o.format);
		fprintf(mem, ",\n  \"exact\": %s,\n  \"output\": ", n ? "false" : "true");
		cli_json_string(mem, text);
		fprintf(mem, ",\n  \"lost\": [%s%s]\n}\n", lbuf ? lbuf : "", n ? "\n  " : "");
	} else {
		fputs(text, mem);
	}
	r = cli_emit(o.output, mem, &buf, &len);
	if (r == EXIT_OK && n)
		r = EXIT_CHECK;
out:
	free(lbuf);
	free(text);
	kvmcpuid_policy_unref(p);
	return r;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, CLI_OPT_PROFILE },
		{ "format", required_argument, NULL, CLI_OPT_FORMAT },
		{ "output", required_argument, NULL, CLI_OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct lost_print lp = { 0 };
	struct common o = { 0 };
	const char *origin;
	char *text = NULL, *buf = NULL, *wbuf = NULL;
	size_t len = 0, wlen = 0;
	FILE *mem;
	int r, n;

	r = cli_parse_common(argc, argv, import_usage, opts, &o, 0, 1);
	if (r >= 0)
		return r;
	if (!o.profile || !o.policy) {
		cli_error(o.profile ? _("import: which FILE? ('-' reads stdin)")
			  : _("import: --from FORMAT is required (qemu, libvirt, firecracker)"));
		return EXIT_USAGE;
	}
	if (o.format && strcmp(o.format, "text") && strcmp(o.format, "json")) {
		cli_error(_("import: unknown format '%s' (text or json)"), o.format);
		return EXIT_USAGE;
	}
	origin = strcmp(o.policy, "-") ? o.policy : "<stdin>";
	lp.what = origin;
	lp.warn = open_memstream(&wbuf, &wlen);
	if (!lp.warn)
		return EXIT_USAGE;
	n = kvmcpuid_policy_import_file(cli->ctx, o.profile, o.policy, &diag, print_lost, &lp, &p);
	print_lost_rest(&lp, lp.warn);
	fclose(lp.warn);
	/* An error alone when the text cannot be read; the warnings with a policy. */
	if (n >= 0)
		fputs(wbuf, stderr);
	free(wbuf);
	if (n < 0) {
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	r = o.format && !strcmp(o.format, "json") ? kvmcpuid_policy_to_json(p, &text)
						   : kvmcpuid_policy_to_text(p, &text);
	if (r < 0 || !(mem = open_memstream(&buf, &len))) {
		r = EXIT_USAGE;
		goto out;
	}
	if (!o.format || strcmp(o.format, "json"))
		fprintf(mem, _("# imported by kvmcpuid from %s (%s)%s\n"), origin, o.profile,
			n ? _("; some settings were not carried (see the warnings)") : "");
	fputs(text, mem);
	r = cli_emit(o.output, mem, &buf, &len);
	if (r == EXIT_OK && n)
		r = EXIT_CHECK;
out:
	free(text);
	kvmcpuid_policy_unref(p);
	return r;
}
