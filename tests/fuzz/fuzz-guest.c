// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer: verify's reading of what the guest wrote back.  The input is the results
 * half of the shared page; the request is the host's own.  Malformed results must be
 * refused with -EIO and no checks; anything accepted must give a complete report.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kvm_cpuid_entry2 table[] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
		{ .function = 1, .ecx = 1u << 31 },
		{ .function = 0x40000000, .eax = 0x40000001, .ebx = KVM_SIG_EBX, .ecx = KVM_SIG_ECX,
		  .edx = KVM_SIG_EDX },
		{ .function = 0x40000001, .eax = 0x01007efb },
	};
	size_t off = offsetof(struct guest_io, leaves_done);
	struct guest_io req, res;
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag diag;
	struct kvmcpuid_ctx *ctx;
	struct expect x;
	char *json;
	int r;

	if (size < 1 || kvmcpuid_new(&ctx) < 0)
		return 0;
	kvmcpuid_set_log_fn(ctx, NULL, NULL);
	request_fill(&req, table, 4, 0x40000000, 0, data[0] & 2);
	memcpy(&res, &req, sizeof(res));
	memset((char *)&res + off, 0, sizeof(res) - off);
	memcpy((char *)&res + off, data + 1, size - 1 < sizeof(res) - off ? size - 1 : sizeof(res) - off);
	x = (struct expect){ .table = table, .nent = 4, .enforce = data[0] & 4,
			     .policy_base = 0x40000000, .host_steal_time = data[0] & 8,
			     .hypercalls_run = data[0] & 16, .hypercall_note = "fuzz",
			     .request = &req };
	if (report_new(ctx, "fuzz", &rep) == 0) {
		r = compare_results(ctx, &x, &res, rep, &diag);
		if (r < 0 && kvmcpuid_report_count(rep) != 0)
			abort();
		/* accepted: a check per leaf, the hypervisor bit, the detection,
		 * every feature, every MSR and every hypercall */
		if (r == 0 && kvmcpuid_report_count(rep) < req.nleaves + 2 + KVMCPUID_FEATURE_COUNT +
							      req.nmsrs + req.nhcalls)
			abort();
		if (kvmcpuid_report_to_json(rep, &json) == 0)
			free(json);
		kvmcpuid_report_unref(rep);
	}
	kvmcpuid_unref(ctx);
	return 0;
}
