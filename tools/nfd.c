// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvmcpuid host --format nfd: a Kubernetes Node Feature Discovery local feature file
 * (/etc/kubernetes/node-feature-discovery/features.d/), one name=value label a line.
 */
#include "cli.h"

void cli_print_nfd(const struct kvmcpuid_host_info *hi)
{
	unsigned int i;

	for (i = 0; i < KVMCPUID_FEATURE_COUNT; i++)
		printf("kvm-pv.%s=%s\n", kvmcpuid_feature(i)->name,
		       (hi->offered >> i) & 1 ? "true" : "false");
	printf("kvm-pv.module=%s\n", hi->module);
	printf("kvm-pv.enforce=%s\n", hi->has_enforce ? "true" : "false");
}
