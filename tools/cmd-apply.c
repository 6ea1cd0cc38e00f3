// SPDX-License-Identifier: LGPL-2.1-or-later
/* kvmcpuid apply */
#include <stdlib.h>

#include "cli.h"

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
		{ "set", required_argument, NULL, CLI_OPT_SET },
		{ "strict", no_argument, NULL, CLI_OPT_STRICT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct kvmcpuid_cpuid *cpuid = NULL, *kept = NULL;
	const struct kvm_cpuid_entry2 *back;
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL, *base = NULL;
	struct cli_origin org;
	struct kvmcpuid_host *h = NULL;
	struct common o = { 0 };
	size_t total = 0, nback, i;
	int r;

	r = cli_parse_common(argc, argv, apply_usage, opts, &o, 0, 1);
	if (r >= 0)
		return r;
	r = cli_load_policy(cli, o.policy, o.sets, o.nsets, &p, &base);
	if (r)
		goto out;
	r = cli_load_host(cli, NULL, &h);
	if (r)
		goto out;
	if (kvmcpuid_build(p, h, o.strict ? KVMCPUID_STRICT : 0, &cpuid, &diag) < 0) {
		cli_diag(&diag);
		r = EXIT_USAGE;
		goto out;
	}
	org = (struct cli_origin){ .policy = o.policy, .base = base, .host = h };
	cli_print_lints(cpuid, &org);
	r = kvmcpuid_cpuid_readback(cpuid, &kept, &total, &diag);
	if (r < 0) {
		cli_diag(&diag);
		r = cli_exit_for(r);
		goto out;
	}
	printf(_("applied; KVM_GET_CPUID2 gives back %zu entries.  Those in 0x40000000-0x4000ffff:\n"),
	       total);
	printf(_("%-10s  %-10s  %-10s  %-10s  %-10s  %s\n"), "FUNCTION", "EAX", "EBX", "ECX", "EDX",
	       "AS BUILT");
	back = kvmcpuid_cpuid_info(kept)->entries;
	nback = kvmcpuid_cpuid_info(kept)->nent;
	for (i = 0; i < nback; i++)
		printf(_("0x%08x  0x%08x  0x%08x  0x%08x  0x%08x  %s\n"), back[i].function,
		       back[i].eax, back[i].ebx, back[i].ecx, back[i].edx,
		       kvmcpuid_cpuid_contains(cpuid, &back[i]) ? "yes" : "NO");
	if (!nback)
		printf(_("(none)\n"));
	printf(_("enforcement: %s\n"), kvmcpuid_cpuid_info(kept)->enforce
	       ? "on (KVM_CAP_ENFORCE_PV_FEATURE_CPUID)" : "off (masking is advisory)");
	if (!kvmcpuid_cpuid_equal(cpuid, kept)) {
		printf(_("KVM kept a different table than was built\n"));
		r = EXIT_CHECK;
	} else {
		r = EXIT_OK;
	}
out:
	kvmcpuid_cpuid_unref(kept);
	kvmcpuid_cpuid_unref(cpuid);
	kvmcpuid_host_unref(h);
	kvmcpuid_policy_unref(base);
	kvmcpuid_policy_unref(p);
	return r;
}
