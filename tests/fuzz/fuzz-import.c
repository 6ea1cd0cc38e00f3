// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer: kvmcpuid_policy_import of every format.  The first byte picks the format
 * (qemu, libvirt, firecracker), the rest is the text.  Every error must say where; every
 * imported policy must export to every format, and an exact export must import back to
 * the same export.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const importers[] = { "qemu", "libvirt", "firecracker" };
static const char *const exporters[] = { "qemu", "libvirt", "kubevirt", "firecracker",
					 "cloud-hypervisor" };

static void round_trip(struct kvmcpuid_ctx *ctx, const struct kvmcpuid_policy *p)
{
	struct kvmcpuid_diag diag;
	size_t i, j;

	for (i = 0; i < sizeof(exporters) / sizeof(exporters[0]); i++) {
		struct kvmcpuid_policy *q = NULL;
		char *out = NULL, *again = NULL;
		int n = kvmcpuid_policy_export(p, exporters[i], NULL, NULL, &out);

		if (n < 0)
			abort();
		for (j = 0; n == 0 && j < sizeof(importers) / sizeof(importers[0]); j++) {
			if (strcmp(importers[j], exporters[i]))
				continue;
			if (kvmcpuid_policy_import(ctx, importers[j], out, strlen(out), "export", &diag,
						   NULL, NULL, &q) != 0 ||
			    kvmcpuid_policy_export(q, exporters[i], NULL, NULL, &again) != 0 ||
			    strcmp(out, again))
				abort();
			free(again);
			kvmcpuid_policy_unref(q);
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag diag;
	struct kvmcpuid_ctx *ctx;
	const char *fmt;

	if (size < 1)
		return 0;
	fmt = importers[data[0] % 3];
	if (kvmcpuid_new(&ctx) < 0)
		return 0;
	kvmcpuid_set_log_fn(ctx, NULL, NULL);
	if (kvmcpuid_policy_import(ctx, fmt, (const char *)data + 1, size - 1, "fuzz", &diag, NULL,
				   NULL, &p) >= 0) {
		round_trip(ctx, p);
		kvmcpuid_policy_unref(p);
	} else if (!diag.message[0]) {
		abort();	/* every error says what */
	}
	kvmcpuid_unref(ctx);
	return 0;
}
