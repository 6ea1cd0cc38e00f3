// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid: the command-line tool.  It parses arguments, calls libkvmcpuid, prints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "host", cmd_host, N_("what this host's KVM offers, bit by bit") },
	{ "build", cmd_build, N_("resolve a policy and print the KVM PV CPUID leaves") },
	{ "decode", cmd_decode, N_("name the bits of a 0x40000001 EAX [EDX] value") },
	{ "lint", cmd_lint, N_("parse and lint a policy (no /dev/kvm needed)") },
	{ "diff", cmd_diff, N_("what differs between two policies or build outputs") },
	{ "apply", cmd_apply, N_("apply a policy to a scratch vCPU and read the table back") },
	{ "verify", cmd_verify, N_("run a tiny guest and check what it sees and can do") },
	{ "matrix", cmd_matrix, N_("verify each feature masked alone, plus all-on and all-off") },
	{ "boot", cmd_boot, N_("boot a Linux kernel on the policy's vCPUs and read its PV MSRs") },
	{ "baseline", cmd_baseline, N_("the largest policy every host profile can run") },
	{ "migrate-check", cmd_migrate_check, N_("can a built guest move to another host?") },
	{ "export", cmd_export, N_("write a policy as QEMU, libvirt, KubeVirt, Firecracker, Cloud Hypervisor") },
	{ "import", cmd_import, N_("read a QEMU, libvirt or Firecracker configuration into a policy") },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, _("Usage: kvmcpuid VERB [OPTIONS] [ARGS]\n\n"
		"Build, apply and verify the KVM paravirtual CPUID leaves.\n\nVerbs:\n"));
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-14s %s\n", verbs[i].name, _(verbs[i].summary));
	fprintf(f, _("\n'kvmcpuid VERB --help' describes a verb.\n"
		"Exit status: 0 ok, 1 a check failed, 2 usage or policy error, "
		"3 this host cannot do it.\n"));
}

/*
 * Messages and feature meanings are translated (gettext domain "kvmcpuid").
 * KVMCPUID_LOCALEDIR overrides where the catalogues are (tests, uninstalled use).
 * LANGUAGE alone is enough: in the C locale glibc ignores LANGUAGE, so then the
 * C.UTF-8 locale is used for messages and characters.
 */
static void setup_locale(void)
{
	const char *dir = getenv("KVMCPUID_LOCALEDIR");
	const char *cur = setlocale(LC_ALL, "");
	const char *lang = getenv("LANGUAGE");

	if (lang && *lang && (!cur || !strcmp(cur, "C") || !strcmp(cur, "POSIX")))
		setlocale(LC_ALL, "C.UTF-8");
	bindtextdomain(PACKAGE, dir && *dir ? dir : LOCALEDIR);
	textdomain(PACKAGE);
}

/*
 * Every verb's output goes to stdout: a write that failed (>/dev/full, a closed stdout)
 * is an error, reported once, as build reports its own (exit 2).
 */
static int close_stdout(int r)
{
	bool failed = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0)
		failed = true;
	if (!failed)
		return r;
	cli_error(_("%s: cannot write: %s"), "<stdout>", strerror(errno ? errno : EIO));
	return r == EXIT_OK || r == EXIT_CHECK ? EXIT_USAGE : r;
}

static int run(int argc, char **argv)
{
	struct cli cli = { .prog = "kvmcpuid" };
	size_t i;
	int r;

	setup_locale();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf(_("kvmcpuid %s\n"), PACKAGE_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[1], verbs[i].name))
			continue;
		r = kvmcpuid_new(&cli.ctx);
		if (r < 0) {
			cli_error(_("cannot create a library context: %s"), strerror(-r));
			return EXIT_USAGE;
		}
		/* The CLI prints the library's diagnostics itself; keep the log quiet. */
		if (!getenv("KVMCPUID_LOG"))
			kvmcpuid_set_log_fn(cli.ctx, NULL, NULL);
		/* KVMCPUID_DEVICE: another KVM device node (containers, tests). */
		if (getenv("KVMCPUID_DEVICE"))
			kvmcpuid_set_device(cli.ctx, getenv("KVMCPUID_DEVICE"));
		r = verbs[i].fn(&cli, argc - 1, argv + 1);
		kvmcpuid_unref(cli.ctx);
		return r;
	}
	cli_error(_("unknown verb '%s' (try 'kvmcpuid --help')"), argv[1]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return close_stdout(run(argc, argv));
}
