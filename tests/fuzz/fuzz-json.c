// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer: the JSON policy and host-profile readers, and building against a loaded host. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvmcpuid_policy *p = NULL, *def = NULL;
	struct kvmcpuid_host *h = NULL;
	struct kvmcpuid_diag diag;
	struct kvmcpuid_ctx *ctx;
	char *out;

	if (kvmcpuid_new(&ctx) < 0)
		return 0;
	kvmcpuid_set_log_fn(ctx, NULL, NULL);
	if (kvmcpuid_policy_parse_json(ctx, (const char *)data, size, "fuzz", &diag, &p) == 0) {
		if (kvmcpuid_policy_to_text(p, &out) == 0)
			free(out);
	} else if (!diag.message[0]) {
		abort();
	}
	if (kvmcpuid_host_load_json(ctx, (const char *)data, size, "fuzz", &diag, &h) == 0) {
		struct kvmcpuid_cpuid *c = NULL;
		char *json = NULL;
		const struct kvmcpuid_host_info *hi = kvmcpuid_host_info(h);

		if (!hi || (hi->nsupported && !hi->supported))
			abort();
		if (kvmcpuid_host_to_json(h, &out) == 0)
			free(out);
		kvmcpuid_policy_new(ctx, &def);
		if (kvmcpuid_build(p ? p : def, h, 0, &c, &diag) == 0 &&
		    kvmcpuid_cpuid_to_json(c, &json) == 0)
			free(json);
		kvmcpuid_cpuid_unref(c);
		kvmcpuid_lint(p ? p : def, h, NULL, NULL);
		kvmcpuid_policy_unref(def);
		kvmcpuid_host_unref(h);
	}
	kvmcpuid_policy_unref(p);
	kvmcpuid_unref(ctx);
	return 0;
}
