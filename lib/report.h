/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verify report object (report.c) and the comparison (compare.c). */
#ifndef KVMCPUID_REPORT_H
#define KVMCPUID_REPORT_H

#include "internal.h"
#include "guest/protocol.h"

/* A check and the strings its text pointers point to (report_add re-points them). */
struct check {
	struct kvmcpuid_check pub;
	char subject[48];
	char expected[96];
	char seen[96];
	char cause[240];
};

struct kvmcpuid_report {
	int refcount;
	struct kvmcpuid_ctx *ctx;
	struct kvmcpuid_policy *policy;
	char label[64];
	int masked;			/* the matrix row's masked feature, -1: none */
	uint32_t detected_base;
	uint32_t guest_features;
	uint32_t guest_hints;
	bool enforced;
	char kernel[65];		/* the release the guest ran on */
	uint8_t enforce_leaf;		/* enum enforce_leaf the expectation used */
	char hypercall_note[160];
	size_t n, cap;
	struct check *checks;
	struct kvmcpuid_report_info info;	/* kvmcpuid_report_info's view of the above */
};

int report_new(struct kvmcpuid_ctx *ctx, const char *label, struct kvmcpuid_report **ret);
/*
 * Append a copy of c: kind, verdict, subject and values as given, the strings copied
 * (cause may be NULL), kind_name and verdict_name filled in.  -ENOMEM.
 */
int report_add(struct kvmcpuid_report *rep, const struct kvmcpuid_check *c);

/* What the guest must see, and what it was asked to do. */
struct expect {
	const struct kvm_cpuid_entry2 *table;	/* the table that was applied */
	size_t nent;
	bool enforce;
	uint32_t policy_base;		/* where the leaves were put (0: table only) */
	bool host_steal_time;		/* host kernel has sched_info */
	bool ignore_msrs;		/* kvm.ignore_msrs: unknown MSRs do not fault */
	bool pv_refusal_ignored;	/* ... nor do enforcement's refusals (host.c) */
	uint8_t enforce_leaf;		/* enum enforce_leaf: where enforcement reads */
	const char *kernel;		/* uname release, for the report */
	bool hypercalls_run;
	const char *hypercall_note;	/* why not, when !hypercalls_run */
	const struct guest_io *request;	/* what the host asked for (trusted) */
	const struct guest_scan *scan;	/* the full scan's results (a private copy), or NULL */
	bool check_block;		/* check the table holds exactly block[] at policy_base */
	const struct kvm_cpuid_entry2 *block;	/* the built leaves */
	size_t nblock;
};

/*
 * Fill the request for the table applied: its leaves in 0x40000000-0x4000FFFF and a few
 * sentinel steps outside it (base: where the KVM block is asked for; 0: where the table
 * has it), every PV MSR, the PV hypercalls.  flags: GUEST_SCAN_FULL, GUEST_NO_HCALLS.
 */
void request_fill(struct guest_io *io, const struct kvm_cpuid_entry2 *table, size_t nent,
		  uint32_t base, unsigned int flags, bool amd);
/* The CPUID instructions (each an exit) the guest executed for these results. */
unsigned int request_cpuid_exits(const struct guest_io *results);
/*
 * Compare the guest's results (untrusted; a private copy) with the expectation and append
 * the checks to rep.  -EIO when the results are malformed (nothing is appended then).
 */
/* compare-pv.c: the MSR and hypercall checks (enforce_features: what enforcement reads). */
int check_msrs(const struct expect *x, const struct guest_io *r, struct kvmcpuid_report *rep,
	       uint32_t enforce_features, bool kvm_found);
int check_hcalls(const struct expect *x, const struct guest_io *r, struct kvmcpuid_report *rep,
		 uint32_t enforce_features, bool kvm_found);
int compare_results(struct kvmcpuid_ctx *ctx, const struct expect *x,
		    const struct guest_io *results, struct kvmcpuid_report *rep,
		    struct kvmcpuid_diag *diag);

#endif
