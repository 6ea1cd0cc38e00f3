// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid host, kvmcpuid decode */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };
static const char *const vendor_names[] = { "other", "intel", "amd" };

static int help_or_bad(const char *usage, int c)
{
	if (c == 'h') {
		fputs(_(usage), stdout);
		return EXIT_OK;
	}
	fputs(_(usage), stderr);
	return EXIT_USAGE;
}

static const char host_usage[] =
	N_("Usage: kvmcpuid host [--json] [--format text|json|nfd] [--host-profile FILE]\n\n"
	"Show what this host's KVM offers in 0x40000001, bit by bit, and its KVM module.\n"
	"  --json               print a host profile (JSON) that build --host-profile reads\n"
	"  --format nfd         Node Feature Discovery labels: kvm-pv.FEATURE=true|false,\n"
	"                       kvm-pv.module, kvm-pv.enforce (json: as --json)\n"
	"  --host-profile FILE  show a saved profile instead of probing /dev/kvm\n"
	"  -h, --help           this text\n");

int cmd_host(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "host-profile", required_argument, NULL, 'H' },
		{ "format", required_argument, NULL, CLI_OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct kvmcpuid_host_info *hi;
	bool nfd = false;
	struct kvmcpuid_host *h;
	const char *profile = NULL;
	bool json = false;
	unsigned int i;
	int c, r;

	while ((c = getopt_long(argc, argv, "hjH:", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'H')
			profile = optarg;
		else if (c == CLI_OPT_FORMAT && (!strcmp(optarg, "json") || !strcmp(optarg, "nfd") ||
						 !strcmp(optarg, "text"))) {
			json = !strcmp(optarg, "json");
			nfd = !strcmp(optarg, "nfd");
		} else
			return help_or_bad(host_usage, c);
	}
	if (optind != argc)
		return help_or_bad(host_usage, '?');
	r = cli_load_host(cli, profile, &h);
	if (r)
		return r;
	if (json) {
		char *s;

		r = kvmcpuid_host_to_json(h, &s);
		if (r == 0) {
			printf(_("%s\n"), s);
			free(s);
		}
		kvmcpuid_host_unref(h);
		return r ? EXIT_USAGE : EXIT_OK;
	}
	hi = kvmcpuid_host_info(h);
	if (nfd) {
		cli_print_nfd(hi);
		kvmcpuid_host_unref(h);
		return EXIT_OK;
	}
	printf(_("KVM module:      %s\n"), hi->module);
	printf(_("CPU vendor:      %s\n"), vendor_names[hi->vendor]);
	printf(_("enforcement:     %s (KVM_CAP_ENFORCE_PV_FEATURE_CPUID)\n"),
	       hi->has_enforce ? "available" : "not available");
	printf(_("exit hypercall:  %s (KVM_CAP_EXIT_HYPERCALL)\n"),
	       hi->has_exit_hypercall ? "available" : "not available");
	printf(_("TSC:             %u kHz\n"), hi->tsc_khz);
	printf(_("0x40000001:      EAX 0x%08x  EDX 0x%08x\n\n"), hi->features, hi->hints);
	printf(_("%-24s %-7s %-10s %s\n"), "FEATURE", "BIT", "HOST", "MEANING");
	for (i = 0; i < KVMCPUID_FEATURE_COUNT; i++) {
		const struct kvmcpuid_feature *ft = kvmcpuid_feature(i);
		const char *state;

		if (ft->provider == KVMCPUID_PROVIDER_NONE)
			state = "never";
		else if (ft->provider == KVMCPUID_PROVIDER_VMM)
			state = "vmm";
		else
			state = (hi->offered >> i) & 1 ? "offered" : "no";
		printf(_("%-24s %s.%-3d %-10s %s\n"), ft->name, reg_names[ft->reg], (int)ft->bit, state,
		       cli_feature_meaning(i));
	}
	printf(_("\nvmm: the VMM must implement it; KVM never offers it.\n"));
	kvmcpuid_host_unref(h);
	return EXIT_OK;
}

static const char decode_usage[] =
	N_("Usage: kvmcpuid decode EAX [EDX]\n\n"
	"Name the bits of a 0x40000001 EAX (features) and EDX (hints) value a guest saw.\n"
	"Values are hex (0x...) or decimal.  Reserved bits are reported.\n"
	"  -h, --help   this text\n");

static int parse_word(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	/* 0x... is hex, anything else decimal (010 is ten, not octal), as in policies */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static void decode_word(const char *regname, int reg, uint32_t v, uint32_t valid)
{
	unsigned int bit, i;

	printf(_("%s = 0x%08x\n"), regname, v);
	for (bit = 0; bit < 32; bit++) {
		bool named = false;

		if (!(v & (1u << bit)))
			continue;
		for (i = 0; i < KVMCPUID_FEATURE_COUNT; i++) {
			const struct kvmcpuid_feature *ft = kvmcpuid_feature(i);

			if ((int)ft->reg == reg && ft->bit == bit) {
				printf(_("  bit %2u  %-24s %s\n"), bit, ft->name,
				       cli_feature_meaning(i));
				named = true;
			}
		}
		if (!named && !(valid & (1u << bit)))
			printf(_("  bit %2u  %-24s %s\n"), bit, "(reserved)",
			       "reserved: no KVM defines it, a host should never set it");
	}
}

int cmd_decode(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint32_t eax, edx = 0;
	struct common o = { 0 };
	int r;

	(void)cli;
	r = cli_parse_common(argc, argv, decode_usage, opts, &o, 1, 2);
	if (r >= 0)
		return r;
	if (parse_word(o.args[0], &eax) < 0) {
		cli_error(_("decode: '%s' is not a 32-bit number"), o.args[0]);
		return EXIT_USAGE;
	}
	if (o.nargs == 2 && parse_word(o.args[1], &edx) < 0) {
		cli_error(_("decode: '%s' is not a 32-bit number"), o.args[1]);
		return EXIT_USAGE;
	}
	decode_word("EAX (features)", KVMCPUID_REG_EAX, eax, KVMCPUID_FEATURES_VALID_EAX);
	if (o.nargs == 2)
		decode_word("EDX (hints)", KVMCPUID_REG_EDX, edx, KVMCPUID_FEATURES_VALID_EDX);
	return EXIT_OK;
}
