// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer: the text and inline policy parser, and the canonical round trip. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvmcpuid_policy *p = NULL, *q = NULL;
	struct kvmcpuid_diag diag;
	struct kvmcpuid_ctx *ctx;
	char *text, *canon;

	if (kvmcpuid_new(&ctx) < 0)
		return 0;
	kvmcpuid_set_log_fn(ctx, NULL, NULL);
	if (kvmcpuid_policy_parse_text(ctx, (const char *)data, size, "fuzz", &diag, &p) == 0) {
		/* whatever parses must print canonically and parse back to the same policy */
		if (kvmcpuid_policy_to_text(p, &canon) == 0) {
			if (kvmcpuid_policy_parse_text(ctx, canon, strlen(canon), "canon", &diag,
						       &q) < 0 || !kvmcpuid_policy_equal(p, q))
				abort();
			free(canon);
		}
		kvmcpuid_policy_unref(q);
		q = NULL;
		if (kvmcpuid_policy_to_json(p, &canon) == 0) {
			if (kvmcpuid_policy_parse_json(ctx, canon, strlen(canon), "canon", &diag,
						       &q) < 0 || !kvmcpuid_policy_equal(p, q))
				abort();
			free(canon);
		}
		kvmcpuid_policy_unref(q);
		kvmcpuid_policy_unref(p);
	} else if (!diag.message[0]) {
		abort();	/* every error says what */
	}
	/* the same bytes as an inline policy and as an override */
	text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
		p = NULL;
		if (kvmcpuid_policy_parse_inline(ctx, text, "fuzz", &diag, &p) == 0) {
			struct kvmcpuid_policy *before = NULL;

			kvmcpuid_policy_dup(p, &before);
			if (kvmcpuid_policy_override(p, text, "again", &diag) < 0 &&
			    !kvmcpuid_policy_equal(p, before))
				abort();	/* a failed override changes nothing */
			kvmcpuid_policy_unref(before);
			kvmcpuid_policy_unref(p);
		}
		free(text);
	}
	kvmcpuid_unref(ctx);
	return 0;
}
