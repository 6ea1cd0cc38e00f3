/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkvmcpuid - build, apply and verify the KVM paravirtual CPUID leaves.
 *
 * Every function returns 0 (or a documented non-negative value) on success
 * and a negative errno on failure.  Richer errors go into a caller-supplied
 * struct kvmcpuid_diag (may be NULL) and to the context's log callback.
 * The library never prints, exits or aborts and keeps no global state.  A context and
 * the objects made from it are used from one thread at a time; two contexts in two
 * threads never touch each other.  What an _info accessor returns lives as long as its
 * object.
 */
#ifndef KVMCPUID_H
#define KVMCPUID_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kvmcpuid_ctx;
struct kvmcpuid_policy;
struct kvmcpuid_host;
struct kvmcpuid_report;
struct kvmcpuid_cpuid;

/* Where and what went wrong.  line/column are 1-based, 0 when unknown. */
struct kvmcpuid_diag {
	char message[512];
	char origin[256];
	unsigned int line;
	unsigned int column;
};

/* Format a diag as "origin:line:col: message" (parts that are unknown are left out). */
const char *kvmcpuid_diag_format(const struct kvmcpuid_diag *diag, char *buf, size_t len);

/* ---- library context ---------------------------------------------------- */

typedef void (*kvmcpuid_log_fn)(void *data, int priority, const char *file, int line,
				const char *fn, const char *format, va_list args);

/* Create a context.  Returns 0, -ENOMEM. KVMCPUID_LOG=err|warning|info|debug sets the level. */
int kvmcpuid_new(struct kvmcpuid_ctx **ret);
/* A new reference to ctx (NULL stays NULL). */
struct kvmcpuid_ctx *kvmcpuid_ref(struct kvmcpuid_ctx *ctx);
/* Drop a reference; the last one frees the context (objects hold their own). Returns NULL. */
struct kvmcpuid_ctx *kvmcpuid_unref(struct kvmcpuid_ctx *ctx);
/* Replace the log callback (default: errors to stderr). fn NULL silences the library. */
void kvmcpuid_set_log_fn(struct kvmcpuid_ctx *ctx, kvmcpuid_log_fn fn, void *data);
/* Log messages up to this syslog priority (LOG_ERR .. LOG_DEBUG), as KVMCPUID_LOG does. */
void kvmcpuid_set_log_priority(struct kvmcpuid_ctx *ctx, int priority);
/* Device to open instead of /dev/kvm (tests, containers). Returns 0, -EINVAL, -ENOMEM, -EBUSY (already open). */
int kvmcpuid_set_device(struct kvmcpuid_ctx *ctx, const char *path);
/* Per-KVM_RUN deadline used by verify, in milliseconds (default 2000). Returns 0, -EINVAL. */
int kvmcpuid_set_deadline_ms(struct kvmcpuid_ctx *ctx, unsigned int ms);

/* ---- the feature table -------------------------------------------------- */

/* Feature ids, in the order of the feature table. */
enum kvmcpuid_feature_id {
	KVMCPUID_FEATURE_CLOCKSOURCE = 0,
	KVMCPUID_FEATURE_NOP_IO_DELAY,
	KVMCPUID_FEATURE_MMU_OP,
	KVMCPUID_FEATURE_CLOCKSOURCE2,
	KVMCPUID_FEATURE_ASYNC_PF,
	KVMCPUID_FEATURE_STEAL_TIME,
	KVMCPUID_FEATURE_PV_EOI,
	KVMCPUID_FEATURE_PV_UNHALT,
	KVMCPUID_FEATURE_PV_TLB_FLUSH,
	KVMCPUID_FEATURE_ASYNC_PF_VMEXIT,
	KVMCPUID_FEATURE_PV_SEND_IPI,
	KVMCPUID_FEATURE_POLL_CONTROL,
	KVMCPUID_FEATURE_PV_SCHED_YIELD,
	KVMCPUID_FEATURE_ASYNC_PF_INT,
	KVMCPUID_FEATURE_MSI_EXT_DEST_ID,
	KVMCPUID_FEATURE_HC_MAP_GPA_RANGE,
	KVMCPUID_FEATURE_MIGRATION_CONTROL,
	KVMCPUID_FEATURE_CLOCKSOURCE_STABLE_BIT,
	KVMCPUID_FEATURE_REALTIME,
	KVMCPUID_FEATURE_COUNT,		/* the number of features: ids are 0 .. COUNT-1 */
};

/* Valid bits of 0x40000001.EAX (features) / EDX (hints): everything else is reserved. */
enum {
	KVMCPUID_FEATURES_VALID_EAX = 0x0103feff,	/* bits 0-7, 9-17, 24 */
	KVMCPUID_FEATURES_VALID_EDX = 0x00000001,	/* bit 0 */
};

enum kvmcpuid_reg {
	KVMCPUID_REG_EAX = 0,
	KVMCPUID_REG_EBX = 1,
	KVMCPUID_REG_ECX = 2,
	KVMCPUID_REG_EDX = 3,
};

enum kvmcpuid_provider {
	KVMCPUID_PROVIDER_KVM = 0,	/* KVM reports it in KVM_GET_SUPPORTED_CPUID */
	KVMCPUID_PROVIDER_VMM = 1,	/* the VMM must implement it; never offered by the host */
	KVMCPUID_PROVIDER_NONE = 2,	/* deprecated: never offered */
};

/*
 * One row of the feature table: read-only, static, owned by the library.  Fields may be
 * added at the end.
 */
struct kvmcpuid_feature {
	const char *name;		/* canonical: "steal_time" */
	const char *macro;		/* kernel macro: "KVM_FEATURE_STEAL_TIME" */
	const char *qemu;		/* QEMU property: "kvm-steal-time"; NULL if QEMU has none */
	const char *meaning;		/* English (the kernel's cpuid.rst), untranslated */
	enum kvmcpuid_reg reg;		/* register of leaf base+1: EAX (features) or EDX (hints) */
	unsigned int bit;
	enum kvmcpuid_provider provider;
	bool deprecated;
	unsigned int nmsrs;		/* the MSRs it gates: msrs[0 .. nmsrs-1] */
	uint32_t msrs[2];
	int hypercall;			/* the hypercall it gates, -1: none */
	uint32_t depends;		/* features it needs to be useful to a Linux guest (id mask) */
	uint32_t wr_msr;		/* it gates setting wr_bits in a write to this MSR (0: none; */
	uint64_t wr_bits;		/* the MSR itself is another feature's, e.g. async_pf's) */
};

/* The feature with id (0 .. KVMCPUID_FEATURE_COUNT-1), or NULL out of range. */
const struct kvmcpuid_feature *kvmcpuid_feature(unsigned int id);
/* Feature id for a canonical name, kernel macro or QEMU property.  Returns the id, -ENOENT. */
int kvmcpuid_feature_lookup(const char *name);

/* ---- policies ----------------------------------------------------------- */

/* The built-in default policy: default = host, signature kvm, enforce off. 0, -EINVAL, -ENOMEM. */
int kvmcpuid_policy_new(struct kvmcpuid_ctx *ctx, struct kvmcpuid_policy **ret);
/* A new reference / drop one (the last frees it; returns NULL).  NULL is ignored. */
struct kvmcpuid_policy *kvmcpuid_policy_ref(struct kvmcpuid_policy *policy);
struct kvmcpuid_policy *kvmcpuid_policy_unref(struct kvmcpuid_policy *policy);
/* Deep copy. Returns 0, -EINVAL, -ENOMEM. */
int kvmcpuid_policy_dup(const struct kvmcpuid_policy *policy, struct kvmcpuid_policy **ret);

/*
 * Parse a policy.  _text: the file format; _inline: "k=v,k=v"; _json: one JSON
 * object; _file: reads a file (at most 1 MiB; "-" is standard input, named "<stdin>")
 * and picks JSON when its first non-blank byte is '{'.  origin names the source in
 * diagnostics.
 * Returns 0, -EINVAL (syntax or value; diag says where), -EFBIG, -ENOMEM, or the
 * errno of open/read for _file.
 */
int kvmcpuid_policy_parse_text(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
			       const char *origin, struct kvmcpuid_diag *diag,
			       struct kvmcpuid_policy **ret);
int kvmcpuid_policy_parse_inline(struct kvmcpuid_ctx *ctx, const char *text,
				 const char *origin, struct kvmcpuid_diag *diag,
				 struct kvmcpuid_policy **ret);
int kvmcpuid_policy_parse_json(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
			       const char *origin, struct kvmcpuid_diag *diag,
			       struct kvmcpuid_policy **ret);
int kvmcpuid_policy_parse_file(struct kvmcpuid_ctx *ctx, const char *path,
			       struct kvmcpuid_diag *diag, struct kvmcpuid_policy **ret);
/*
 * Apply inline overrides ("k=v,k=v") on top of a policy; later settings win.  Each line
 * of text is one group (a --set): a key may be set again on a later line, not twice on
 * one; a diag's line is the group's.  Settings that depend on each other (max_leaf inside
 * base's block) are checked once, after the last group, so a later group can settle a
 * conflict.  All or nothing: on error the policy is unchanged. Returns 0, -EINVAL, -EFBIG,
 * -ENOMEM.
 */
int kvmcpuid_policy_override(struct kvmcpuid_policy *policy, const char *text,
			     const char *origin, struct kvmcpuid_diag *diag);
/*
 * Policy values by key, with the names and value syntax of the policy language
 * (kvmcpuid.policy(5)).  key is a feature (canonical name, kernel macro or QEMU property:
 * host, on, off or force) or one of default, signature, base, max_leaf, timing, enforce.
 *
 * _set parses value exactly as the right-hand side of a line of a policy file: "on",
 * "0x40000100", and a custom signature quoted with its escapes ("\"ABCDEFGHIJKL\"");
 * blanks around it are ignored.  A later setting wins; on error the policy is unchanged.
 * Returns 0, -EINVAL (bad value, or a NULL argument; diag says why), -ENOENT (no such key).
 *
 * _get writes the value's canonical text, as kvmcpuid_policy_to_text prints it ("host",
 * "0x40000100", "\"ABCDEFGHIJKL\"", "auto", "on"), NUL-terminated, into buf; a feature
 * reads as its action, the default's when the policy does not name it.  A buffer of
 * KVMCPUID_POLICY_VALUE_MAX bytes always suffices.  Returns 0, -EINVAL (a NULL policy or
 * key, buf NULL with size > 0, or an alias naming features that have different actions),
 * -ENOENT (no such key), -ENOSPC (size too small, 0 included: buf may then be NULL).
 */
#define KVMCPUID_POLICY_VALUE_MAX 64
int kvmcpuid_policy_set(struct kvmcpuid_policy *policy, const char *key, const char *value,
			struct kvmcpuid_diag *diag);
int kvmcpuid_policy_get(const struct kvmcpuid_policy *policy, const char *key, char *buf,
			size_t size);
/* Same settings: true when both are NULL. */
bool kvmcpuid_policy_equal(const struct kvmcpuid_policy *a, const struct kvmcpuid_policy *b);

/*
 * Canonical text / JSON; *ret is malloc'd, free() it. Parsing it gives an equal policy.
 * Returns 0, -EINVAL (a NULL argument), -ENOMEM.
 */
int kvmcpuid_policy_to_text(const struct kvmcpuid_policy *policy, char **ret);
int kvmcpuid_policy_to_json(const struct kvmcpuid_policy *policy, char **ret);

/* ---- the host ----------------------------------------------------------- */

enum kvmcpuid_vendor {
	KVMCPUID_VENDOR_OTHER = 0,
	KVMCPUID_VENDOR_INTEL = 1,
	KVMCPUID_VENDOR_AMD = 2,
};

/*
 * What this host's KVM offers; a new reference to the context's cached probe, probed
 * again only when every reference to the last one has been dropped (hold the host to
 * keep it).  The host holds a reference on the context: drop them in any order.
 * Returns 0, -ENOENT/-EACCES/-ENODEV (no usable /dev/kvm; diag says how to fix), -ENOMEM, -EIO.
 */
int kvmcpuid_host_probe(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag,
			struct kvmcpuid_host **ret);
/* A saved host profile (JSON, as written by kvmcpuid_host_to_json). 0, -EINVAL, -ENOMEM, -errno. */
int kvmcpuid_host_load_json(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
			    const char *origin, struct kvmcpuid_diag *diag,
			    struct kvmcpuid_host **ret);
int kvmcpuid_host_load_file(struct kvmcpuid_ctx *ctx, const char *path,
			    struct kvmcpuid_diag *diag, struct kvmcpuid_host **ret);
/* The host as a JSON profile; *ret is malloc'd, free() it.  Returns 0, -EINVAL, -ENOMEM. */
int kvmcpuid_host_to_json(const struct kvmcpuid_host *host, char **ret);
/* A new reference / drop one (the last frees it; returns NULL).  NULL is ignored. */
struct kvmcpuid_host *kvmcpuid_host_ref(struct kvmcpuid_host *host);
struct kvmcpuid_host *kvmcpuid_host_unref(struct kvmcpuid_host *host);

/* What a host offers, as probed or loaded.  Fields may be added at the end. */
struct kvmcpuid_host_info {
	uint32_t features;		/* 0x40000001.EAX as KVM_GET_SUPPORTED_CPUID reports it */
	uint32_t hints;			/* 0x40000001.EDX */
	uint32_t offered;		/* mask of the feature ids it offers (kvm-provided ones) */
	bool has_enforce;		/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	bool has_exit_hypercall;	/* KVM_CAP_EXIT_HYPERCALL */
	enum kvmcpuid_vendor vendor;
	const char *module;		/* "kvm_intel", "kvm_amd", "kvm_pvm", ... or "unknown" */
	uint32_t tsc_khz;		/* TSC frequency in kHz, 0 if unknown */
	const struct kvm_cpuid_entry2 *supported;	/* the full KVM_GET_SUPPORTED_CPUID table */
	size_t nsupported;		/* its entries */
};
/* What host offers, valid (strings and table included) while it lives; NULL for NULL. */
const struct kvmcpuid_host_info *kvmcpuid_host_info(const struct kvmcpuid_host *host);

/* ---- build, lint, merge, apply ------------------------------------------ */

enum kvmcpuid_flags {
	KVMCPUID_STRICT = 1 << 0,	/* lint warnings are errors */
	/*
	 * verify, matrix (and verify_table's apply_flags): read every 0x100 step of
	 * 0x40000000-0x4000FF00, 256 CPUID exits more, instead of the leaves of the table,
	 * Linux's detection walk and a few sentinel steps.
	 */
	KVMCPUID_VERIFY_SCAN_FULL = 1 << 1,
};

/* At most this many entries come out of kvmcpuid_build. */
#define KVMCPUID_MAX_LEAVES 3

typedef void (*kvmcpuid_lint_fn)(void *data, int feature, const char *message);
/*
 * Lint a policy (host may be NULL: host-dependent checks are skipped).  Calls fn
 * for each warning (feature is -1 when none applies). Returns the number of warnings,
 * -EINVAL (no policy).
 */
int kvmcpuid_lint(const struct kvmcpuid_policy *policy, const struct kvmcpuid_host *host,
		  kvmcpuid_lint_fn fn, void *data);

/*
 * Build the KVM leaves of a policy for a host: base, base+1 and with timing base+0x10
 * (none when the signature is hidden).  The cpuid returned owns them and everything
 * that travels with them: the base, enforcement, the resolved features and hints, the
 * lints and a copy of the policy.  It holds a reference on the policy's context.
 * Returns 0, -EINVAL, -ENOTSUP (`on` for a feature the host lacks), -EPERM (a lint
 * warning under KVMCPUID_STRICT; diag names it), -ENOMEM.
 */
int kvmcpuid_build(const struct kvmcpuid_policy *policy, const struct kvmcpuid_host *host,
		   unsigned int flags, struct kvmcpuid_cpuid **ret, struct kvmcpuid_diag *diag);
/* A new reference / drop one (the last frees it; returns NULL).  NULL is ignored. */
struct kvmcpuid_cpuid *kvmcpuid_cpuid_ref(struct kvmcpuid_cpuid *cpuid);
struct kvmcpuid_cpuid *kvmcpuid_cpuid_unref(struct kvmcpuid_cpuid *cpuid);

/* What a cpuid holds.  Fields may be added at the end. */
struct kvmcpuid_cpuid_info {
	const struct kvm_cpuid_entry2 *entries;	/* the leaves, sorted by function */
	size_t nent;			/* may be 0 (hidden signature) */
	uint32_t base;			/* the 0x100 block of the leaves (0x40000000 unless moved) */
	bool enforce;			/* applying enables KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	uint32_t features;		/* base+1.EAX as a guest reads it: 0 with no such leaf */
	uint32_t hints;			/* base+1.EDX */
	size_t nlints;			/* lint warnings found by build (kvmcpuid_cpuid_lint) */
	char signature[52];		/* at the base, as the policy language writes it: kvm,
					 * hidden (no leaf there) or "..." (\xNN escapes) */
};
/* What cpuid holds, valid (entries included) while it lives; NULL for NULL. */
const struct kvmcpuid_cpuid_info *kvmcpuid_cpuid_info(const struct kvmcpuid_cpuid *cpuid);
/* The text of lint warning i (NULL out of range), its feature (-1: none) in *feature if not NULL. */
const char *kvmcpuid_cpuid_lint(const struct kvmcpuid_cpuid *cpuid, size_t i, int *feature);

/*
 * Merge the leaves into a full table of *nent entries (capacity cap): drop every
 * 0x100 block of 0x40000000-0x4000FF00 that carries the KVM signature and the target
 * block at the cpuid's base, insert the leaves, keep the rest, sorted by function/index.
 * Merging twice gives the same table.  On error the table is untouched and *nent
 * unchanged; nothing is allocated.  Returns 0, -ENOSPC (cap too small), -EINVAL.
 */
int kvmcpuid_cpuid_merge(const struct kvmcpuid_cpuid *cpuid, struct kvm_cpuid_entry2 *table,
			 size_t *nent, size_t cap, struct kvmcpuid_diag *diag);

enum kvmcpuid_apply_flags {
	KVMCPUID_APPLY_ENFORCE = 1 << 0,	/* enable KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
};
/*
 * KVM_SET_CPUID2 of a whole table on a vCPU fd, then the enforcement capability if asked
 * for.  With KVMCPUID_APPLY_ENFORCE the vCPU's table is read first and put back if KVM then
 * refuses the capability: on any error the vCPU is left as it was.  A VMM applies a
 * policy with kvmcpuid_cpuid_apply; this is for tables made some other way.
 * Returns 0, -EINVAL (vCPU has run and the table differs, or bad entry), -E2BIG,
 * -ENOTSUP (enforcement not available), -ENOMEM, -EFAULT, -EIO (not a vCPU fd).
 */
int kvmcpuid_apply(struct kvmcpuid_ctx *ctx, int vcpu_fd, const struct kvm_cpuid_entry2 *table,
		   size_t nent, unsigned int flags, struct kvmcpuid_diag *diag);
/*
 * Merge the cpuid into a copy of table (nent entries; NULL: this host's
 * KVM_GET_SUPPORTED_CPUID) and apply it to vcpu_fd, enabling enforcement when the cpuid
 * says so, with kvmcpuid_apply's rollback.  table itself is not changed.  Returns 0, the
 * errors of kvmcpuid_cpuid_merge and kvmcpuid_apply, those of kvmcpuid_host_probe
 * (table NULL).
 */
int kvmcpuid_cpuid_apply(const struct kvmcpuid_cpuid *cpuid, int vcpu_fd,
			 const struct kvm_cpuid_entry2 *table, size_t nent,
			 struct kvmcpuid_diag *diag);
/*
 * Apply the cpuid (as kvmcpuid_cpuid_apply with table NULL) to a scratch vCPU of a scratch
 * VM, read the table back with KVM_GET_CPUID2 and return what KVM kept in
 * 0x40000000-0x4000FFFF as a new cpuid in *kept (base where a guest finds KVM, enforcement
 * as applied), and the number of entries of the whole table in *total (may be NULL).
 * Compare with kvmcpuid_cpuid_equal / _contains.  Returns 0, the errors of
 * kvmcpuid_cpuid_apply, -ENOENT/-EACCES/-ENODEV (no /dev/kvm), -EIO.
 */
int kvmcpuid_cpuid_readback(const struct kvmcpuid_cpuid *cpuid, struct kvmcpuid_cpuid **kept,
			    size_t *total, struct kvmcpuid_diag *diag);
/* Whether cpuid has an entry with e's function and the same four registers. */
bool kvmcpuid_cpuid_contains(const struct kvmcpuid_cpuid *cpuid,
			     const struct kvm_cpuid_entry2 *e);
/* Whether a and b hold the same entries (_contains both ways); two NULLs are equal. */
bool kvmcpuid_cpuid_equal(const struct kvmcpuid_cpuid *a, const struct kvmcpuid_cpuid *b);

/* What a guest sees differently between two cpuids (kvmcpuid_cpuid_diff). */
enum kvmcpuid_diff_kind {
	KVMCPUID_DIFF_DETECTED = 0,	/* where Linux finds KVM: a, b = base, 0 = nowhere */
	KVMCPUID_DIFF_MAX_LEAF = 1,	/* a, b = max leaf - base as read (legacy zero: 1);
					 * only when both found KVM */
	KVMCPUID_DIFF_FEATURE = 2,	/* a, b = 0 clear / 1 set */
	KVMCPUID_DIFF_TIMING = 3,	/* a, b = 0 absent / 1 present (values may differ) */
	KVMCPUID_DIFF_ENFORCE = 4,	/* a, b = 0 off / 1 on */
	KVMCPUID_DIFF_SIGNATURE = 5,	/* a, b = the leaf holding the signature (the
					 * cpuid's base), 0 = none (hidden) */
};
struct kvmcpuid_difference {
	enum kvmcpuid_diff_kind kind;
	int feature;			/* KVMCPUID_DIFF_FEATURE: the feature id, else -1 */
	uint32_t a;
	uint32_t b;
};
/* At most this many differences come out of kvmcpuid_cpuid_diff. */
#define KVMCPUID_MAX_DIFFERENCES 25
/*
 * Compare a and b as a guest reads them (where Linux finds KVM, the signature, max leaf,
 * each feature bit, the timing leaf) plus enforcement.  Stores up to cap differences in out, in that
 * order, and returns how many there are (0: none a guest can see), -EINVAL.
 */
int kvmcpuid_cpuid_diff(const struct kvmcpuid_cpuid *a, const struct kvmcpuid_cpuid *b,
			struct kvmcpuid_difference *out, size_t cap);

/*
 * The build output as JSON: {"kvmcpuid_leaves":1, "enforce", "base", "policy", "entries"}.
 * *ret is malloc'd, free() it.  Returns 0, -EINVAL, -ENOMEM.
 */
int kvmcpuid_cpuid_to_json(const struct kvmcpuid_cpuid *cpuid, char **ret);
/*
 * Read a build output back: the JSON above or a raw struct kvm_cpuid2 blob (then enforce
 * is off and the base is where a guest finds KVM).  At most 1 MiB; "-" is standard input.
 * Returns 0, -EMEDIUMTYPE (not a build output at all: text, or JSON with neither "entries"
 * nor "kvmcpuid_leaves"), -EINVAL (a broken build output), -EFBIG, -ENOMEM, or the errno
 * of open/read.
 */
int kvmcpuid_cpuid_load_file(struct kvmcpuid_ctx *ctx, const char *path,
			     struct kvmcpuid_diag *diag, struct kvmcpuid_cpuid **ret);

/* ---- verify ------------------------------------------------------------- */

enum kvmcpuid_verdict {
	KVMCPUID_PASS = 0,
	KVMCPUID_FAIL = 1,
	KVMCPUID_UNTESTABLE = 2,
};

enum kvmcpuid_check_kind {
	KVMCPUID_CHECK_LEAF = 0,	/* a register of a CPUID leaf */
	KVMCPUID_CHECK_FEATURE = 1,	/* one feature bit as the guest sees it */
	KVMCPUID_CHECK_DETECT = 2,	/* where a Linux guest finds KVM */
	KVMCPUID_CHECK_MSR = 3,		/* RDMSR/WRMSR of a PV MSR */
	KVMCPUID_CHECK_HYPERCALL = 4,	/* a PV hypercall */
	KVMCPUID_CHECK_RUN = 5,		/* the run itself: a matrix row failed or not booted; boot's end */
	KVMCPUID_CHECK_GUEST = 6,	/* a PV decision of a booted Linux guest (boot) */
};

/* What a Linux guest did with a PV feature (kvmcpuid boot). */
enum kvmcpuid_use {
	KVMCPUID_USE_NOT_USED = 0,
	KVMCPUID_USE_USED = 1,
	KVMCPUID_USE_FAULT = 2,		/* it tried, and its WRMSR took #GP (enforcement) */
};

/* The exception an MSR access took in the guest (its vector). */
enum kvmcpuid_fault {
	KVMCPUID_FAULT_NONE = 0,
	KVMCPUID_FAULT_UD = 6,
	KVMCPUID_FAULT_GP = 13,
};

/* Which member of struct kvmcpuid_value's union holds the value. */
enum kvmcpuid_value_type {
	KVMCPUID_VALUE_NONE = 0,	/* none: not run, did not complete, no KVM leaf to read */
	KVMCPUID_VALUE_REGS = 1,	/* u.regs: EAX, EBX, ECX, EDX (enum kvmcpuid_reg order) */
	/*
	 * Expected only, for a leaf the table lacks on a guest vendor other than AMD/Hygon:
	 * u.regs is the max basic leaf as the table has it; KVM adjusts that leaf at run time,
	 * so the check only asks that the guest does not read the KVM signature.
	 */
	KVMCPUID_VALUE_MAX_BASIC = 2,
	KVMCPUID_VALUE_BIT = 3,		/* u.bit: the check's bit (reg, bit) is set */
	KVMCPUID_VALUE_LEAF = 4,	/* u.leaf: where Linux finds KVM, 0 = nowhere */
	KVMCPUID_VALUE_ACCESS = 5,	/* u.access: the fault RDMSR and WRMSR took */
	KVMCPUID_VALUE_RET = 6,		/* u.ret: a hypercall's return value (RAX) */
	KVMCPUID_VALUE_COUNT = 7,	/* u.count: scan steps that differ from the table */
	KVMCPUID_VALUE_USE = 8,		/* u.use: what a booted Linux guest did (boot) */
};

struct kvmcpuid_value {
	enum kvmcpuid_value_type type;
	union {
		uint32_t regs[4];
		bool bit;
		uint32_t leaf;
		struct {
			enum kvmcpuid_fault read;
			enum kvmcpuid_fault write;
		} access;
		int64_t ret;
		uint32_t count;
		enum kvmcpuid_use use;
	} u;
};

/*
 * One check of a report: what the guest must see (expected) against what it saw (seen),
 * as typed values, with the verdict.  Count, filter and compare on the typed fields; the
 * strings say the same for printing only (their wording may change) and live as long as
 * the report.  The library allocates checks: fields may be added at the end.
 *
 * The subject, by kind:
 *   LEAF       id = CPUID function, subleaf = its index, values REGS (expected REGS or
 *              MAX_BASIC); or id = 1 with values BIT: the hypervisor bit (reg ECX, bit 31);
 *              or id = 0x40000000 with values COUNT: the scan of 0x40000000-0x4000ff00 in
 *              steps of 0x100 as a whole (failing steps are LEAF checks of their own).
 *   FEATURE    feature, its reg and bit in leaf base+1 of where the guest found KVM;
 *              values BIT, or NONE when there is no KVM leaf to read.
 *   DETECT     values LEAF.
 *   MSR        id = MSR index, feature = the one gating it; values ACCESS.  id = 0: the
 *              whole set of masked PV MSRs (enforcement not observable, UNTESTABLE).
 *   HYPERCALL  id = hypercall number, feature = the one gating it; values RET (seen NONE
 *              when it was not run or did not complete).
 *   RUN        (matrix rows) the run failed: FAIL, id = the errno, values RET (expected 0,
 *              seen -errno); or (boot matrix) not booted: UNTESTABLE, id = the index of
 *              the row whose boot, on the same table, answers for it, values NONE.
 *   GUEST      (boot) feature = the PV feature (-1: KVM's detection), reg/bit its bit in
 *              base+1; id = the MSR witnessing it, 0 when the console alone does; values
 *              USE: what Linux's rules predict (expected) and what the guest did (seen,
 *              NONE when nothing shows it: verdict UNTESTABLE).
 */
struct kvmcpuid_check {
	enum kvmcpuid_check_kind kind;
	enum kvmcpuid_verdict verdict;
	int feature;			/* enum kvmcpuid_feature_id, -1: none */
	uint32_t id;			/* leaf, MSR or hypercall number; 0: none */
	uint32_t subleaf;
	enum kvmcpuid_reg reg;		/* the bit of BIT values */
	unsigned int bit;
	struct kvmcpuid_value expected;
	struct kvmcpuid_value seen;
	/* For printing. */
	const char *kind_name;		/* "leaf", "feature", "detect", "msr", "hypercall", "run" */
	const char *verdict_name;	/* "pass", "FAIL", "untestable" */
	const char *subject;		/* "CPUID 0x40000001", "MSR 0x4b564d03", "steal_time" */
	const char *expected_text;
	const char *seen_text;
	const char *cause;		/* why it failed, or what it rests on; NULL: none */
};

/*
 * Build the policy for this host (the context's probe of it: a saved profile describes
 * some other machine), apply it to a fresh vCPU, run the verifying guest and compare.
 * flags: KVMCPUID_STRICT, KVMCPUID_VERIFY_SCAN_FULL.  The guest reads the table's leaves
 * in 0x40000000-0x4000FFFF, Linux's detection walk (with CPUID.1's hypervisor bit) and a
 * few sentinel steps outside the table; the report also says whether the merged table
 * holds exactly the KVM block the policy asks for (checked statically).
 * Returns 0 with a report (look at kvmcpuid_report_ok), -EINVAL,
 * -ENOENT/-EACCES/-ENODEV (no /dev/kvm), -ENOTSUP, -EPERM, -ETIMEDOUT, -EIO, -ENOMEM.
 */
int kvmcpuid_verify(const struct kvmcpuid_policy *policy, unsigned int flags,
		    struct kvmcpuid_report **ret, struct kvmcpuid_diag *diag);
/*
 * Verify an already-built full CPUID table: expectations come from the table itself
 * (what it says, where Linux would find KVM) and enforcement as given.  apply_flags:
 * KVMCPUID_APPLY_ENFORCE, and KVMCPUID_VERIFY_SCAN_FULL for the full scan.
 * Returns 0 with a report, -EINVAL, and the errors of kvmcpuid_verify.
 */
int kvmcpuid_verify_table(struct kvmcpuid_ctx *ctx, const struct kvm_cpuid_entry2 *table,
			  size_t nent, unsigned int apply_flags, struct kvmcpuid_report **ret,
			  struct kvmcpuid_diag *diag);
/*
 * The masking matrix: all-on, all-off, and the policy with each feature masked alone,
 * verified in one VM, one vCPU per policy, run by a pool of threads (one per online CPU);
 * the reports come back in that order, as a sequential run gives them.  A policy whose
 * vCPU fails (or misses its deadline) fails alone: its report holds one failed check
 * saying why.  The log callback may be called from the pool's threads.  flags as verify.  *ret is a malloc'd array of *n reports: unref each, free() it.
 * Returns 0, and the errors of kvmcpuid_verify.
 */
int kvmcpuid_matrix(const struct kvmcpuid_policy *policy, unsigned int flags,
		    struct kvmcpuid_report ***ret, size_t *n, struct kvmcpuid_diag *diag);

/* A new reference / drop one (the last frees it; returns NULL).  NULL is ignored. */
struct kvmcpuid_report *kvmcpuid_report_ref(struct kvmcpuid_report *report);
struct kvmcpuid_report *kvmcpuid_report_unref(struct kvmcpuid_report *report);
/* true when no check failed (false for NULL). */
bool kvmcpuid_report_ok(const struct kvmcpuid_report *report);

/* What a report is about, beside its checks.  Fields may be added at the end. */
struct kvmcpuid_report_info {
	const char *label;		/* "policy", "table", "all-on", "all-off", "-steal_time" */
	int masked;			/* a matrix row masking one feature: its id; else -1 */
	const struct kvmcpuid_policy *policy;	/* the policy verified, NULL for a table */
	uint32_t detected_base;		/* where a Linux guest found KVM, 0 = nowhere */
	uint32_t guest_features;	/* base+1.EAX it read there */
	uint32_t guest_hints;		/* base+1.EDX */
	bool enforced;			/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID was on */
	const char *kernel;		/* the release (uname -r) the guest ran on */
	const char *hypercall_note;	/* why hypercalls were not run; NULL when they were */
};
/* What report is about, valid (strings and policy included) while it lives; NULL for NULL. */
const struct kvmcpuid_report_info *kvmcpuid_report_info(const struct kvmcpuid_report *report);
/* Number of checks in the report. */
size_t kvmcpuid_report_count(const struct kvmcpuid_report *report);
/* Check i (0 .. count-1), valid while the report lives; NULL when i is out of range. */
const struct kvmcpuid_check *kvmcpuid_report_check(const struct kvmcpuid_report *report,
						   size_t i);
/*
 * JSON of the report; malloc'd.  A matrix row's "masking" says what masking its feature
 * did (null for a row masking nothing).  Returns 0, -EINVAL (a NULL argument), -ENOMEM.
 */
int kvmcpuid_report_to_json(const struct kvmcpuid_report *report, char **ret);

/* ---- fleets: many hosts, moving guests ---------------------------------- */

/*
 * Called by kvmcpuid_baseline for each policy key (a feature's canonical name, or
 * "enforce") it turned off, with the index in hosts of the first host that lacks it, or -1
 * for a feature only the VMM provides (no host profile can vouch for it).
 */
typedef void (*kvmcpuid_removed_fn)(void *data, const char *key, long host);
/*
 * The largest policy every host of hosts[0 .. n-1] can run: default = off; `on` for each
 * kvm-provided feature every host offers, `off` for the rest; vmm-provided features `off`
 * (turn them on when every VMM of the fleet implements them); enforce = on when every host
 * has KVM_CAP_ENFORCE_PV_FEATURE_CPUID.  fn (may be NULL) hears why each key was turned
 * off.  The policy holds a reference on hosts[0]'s context.
 * Returns 0, -EINVAL (no hosts, a NULL one), -ENOMEM.
 */
int kvmcpuid_baseline(struct kvmcpuid_host *const *hosts, size_t n, kvmcpuid_removed_fn fn,
		      void *data, struct kvmcpuid_policy **ret);
/*
 * Can a guest started with cpuid move to the host dest?  Cloud Hypervisor's rules for the
 * KVM leaves: the signature equal to dest's (DIFF_SIGNATURE: a = the cpuid's base, b =
 * 0x40000000, or 0 when dest reports none), every feature set offered by dest (DIFF_FEATURE,
 * a = 1, b = 0; a vmm-provided feature counts as offered: the destination's VMM provides
 * it), the max leaf, relative to the block, not greater than dest's (DIFF_MAX_LEAF; dest's
 * is base+0x10 when it knows its TSC frequency, for the VMM's timing leaf); and enforcement
 * available on dest when the cpuid enforces (DIFF_ENFORCE, a = 1, b = 0).  A hidden
 * signature has no KVM leaves: always safe.  Stores up to cap refusals in out and
 * returns how many there are (0: safe), -EINVAL.
 */
int kvmcpuid_migrate_check(const struct kvmcpuid_cpuid *cpuid, const struct kvmcpuid_host *dest,
			   struct kvmcpuid_difference *out, size_t cap);

/* ---- other VMMs' configuration (kvmcpuid export / import) --------------- */

/*
 * One part of a policy a VMM's configuration cannot carry (export), or one part of a VMM's
 * configuration a policy cannot carry (import).
 */
struct kvmcpuid_lost {
	const char *key;		/* export: the policy key ("signature", "steal_time");
					 * import: the name the VMM's text uses ("hv-relaxed") */
	const char *message;		/* why, and what the VMM does instead (English) */
	unsigned int line;		/* import: where in the text (1-based), 0 for export */
	unsigned int column;		/* in characters, 1-based; 0 when unknown */
};
typedef void (*kvmcpuid_lost_fn)(void *data, const struct kvmcpuid_lost *lost);

/*
 * A policy in another VMM's own terms.  format: "qemu" (a -cpu property list),
 * "libvirt" (domain XML elements), "kubevirt" (VirtualMachineInstance YAML),
 * "firecracker" (a custom CPU template, JSON) or "cloud-hypervisor" (command-line
 * options).  The export describes the policy, not one host: started on a host, that VMM
 * shows the guest the leaves kvmcpuid_build gives there.  fn (may be NULL) hears each
 * part the format cannot express; *ret (malloc'd, NUL-terminated, ends in a newline) is
 * the closest the format comes.  Returns the number of parts lost (0: exact), -EINVAL (a
 * NULL argument), -ENOENT (no such format), -ENOMEM.
 */
int kvmcpuid_policy_export(const struct kvmcpuid_policy *policy, const char *format,
			   kvmcpuid_lost_fn fn, void *data, char **ret);
/*
 * Read another VMM's configuration back into a policy: format "qemu" (a -cpu argument,
 * with or without its CPU model, or a whole command line), "libvirt" (a domain XML or a
 * fragment of it) or "firecracker" (a custom CPU template, or a --config-file whose
 * cpu-config holds one or names its file, opened relative to the current directory as
 * Firecracker opens it relative to its own; a key twice in a JSON object is an error, in
 * every JSON the library reads).  What the policy cannot carry (a setting for something
 * other than the KVM leaves, a bit pattern no action gives) goes to fn (may be NULL)
 * with where it is.  Exporting a policy the format
 * expresses exactly and importing the result gives a policy with the same meaning.
 * Returns the number of parts not carried (0: all), -EINVAL (text it cannot read; diag
 * says where), -ENOENT (no such format), -ENOTSUP (the format is export-only), -EFBIG
 * (over 1 MiB), -ENOMEM.
 */
int kvmcpuid_policy_import(struct kvmcpuid_ctx *ctx, const char *format, const char *text,
			   size_t len, const char *origin, struct kvmcpuid_diag *diag,
			   kvmcpuid_lost_fn fn, void *data, struct kvmcpuid_policy **ret);
/*
 * The same from a file (at most 1 MiB; "-" is standard input, named "<stdin>"), read as
 * kvmcpuid_policy_parse_file reads one.  Returns what kvmcpuid_policy_import returns, or
 * the errno of open/read.
 */
int kvmcpuid_policy_import_file(struct kvmcpuid_ctx *ctx, const char *format, const char *path,
				struct kvmcpuid_diag *diag, kvmcpuid_lost_fn fn, void *data,
				struct kvmcpuid_policy **ret);

/* ---- boot a Linux guest ------------------------------------------------- */

struct kvmcpuid_boot;

/* How a boot ended. */
enum kvmcpuid_boot_end {
	KVMCPUID_BOOT_END_NONE = 0,	/* not run */
	KVMCPUID_BOOT_END_PANIC = 1,	/* the console showed "Kernel panic - not syncing" */
	KVMCPUID_BOOT_END_RESET = 2,	/* a reset through port 0xcf9 or 0x64 */
	KVMCPUID_BOOT_END_SHUTDOWN = 3,	/* a triple fault or a system event */
	KVMCPUID_BOOT_END_HLT = 4,	/* KVM_EXIT_HLT */
	KVMCPUID_BOOT_END_DEADLINE = 5,	/* the deadline passed first */
	KVMCPUID_BOOT_END_ERROR = 6,	/* a vCPU failed */
};

/* The PV MSRs read from every vCPU at the end: 0x4b564d00-0x4b564d07, 0x11, 0x12. */
#define KVMCPUID_BOOT_MSRS 10
struct kvmcpuid_boot_vcpu {
	uint64_t msr[KVMCPUID_BOOT_MSRS];	/* in the order of kvmcpuid_boot_info's msrs */
	uint32_t readable;		/* bit i: KVM_GET_MSRS read msrs[i] */
	uint32_t mp_state;		/* KVM_GET_MP_STATE (KVM_MP_STATE_*) at the end */
};

/* What a boot did.  Fields may be added at the end. */
struct kvmcpuid_boot_info {
	enum kvmcpuid_boot_end end;
	const char *end_name;		/* "panic", "reset", ... */
	unsigned int end_vcpu;		/* the vCPU that saw the end */
	uint64_t setup_ms;		/* VM, memory, kernel and vCPUs until the first KVM_RUN */
	uint64_t run_ms;		/* the first KVM_RUN until the end */
	uint64_t first_output_ms;	/* the first KVM_RUN until the first console byte (0:
					 * none): the kernel's decompression and early setup */
	const char *console;		/* what the guest wrote to its UART (0x3f8) */
	size_t console_len;
	bool console_truncated;		/* past 1 MiB: the rest was dropped */
	unsigned int cpus;
	const struct kvmcpuid_boot_vcpu *vcpu;	/* cpus of them */
	const uint32_t *msrs;		/* the KVMCPUID_BOOT_MSRS indices */
	const char *cmdline;		/* the kernel's command line */
	uint16_t protocol;		/* the kernel's boot protocol (0x020f: 2.15); 0: the
					 * kernel is an ELF vmlinux, without a setup header */
	const char *release;		/* its setup header's kernel_version (a vmlinux: its
					 * linux_banner), first word; "" */
	/*
	 * What Linux's rules predict for this table, kernel release, vCPU count and command
	 * line against what the guest did (its PV MSRs on every vCPU, its console): one
	 * GUEST check per PV feature (see struct kvmcpuid_check), after a successful run;
	 * NULL otherwise.  Valid as the rest of the info.
	 */
	const struct kvmcpuid_report *report;
	/*
	 * The guest kernel's log: its printk ring buffer read out of its memory once every
	 * vCPU stopped (found through VMCOREINFO), every record in order, one a line, at any
	 * console level; the report's line witnesses come from it.  NULL when it could not
	 * be read (a kernel without VMCOREINFO, a guest that never paged).  log_unread: why
	 * the report does not read it (not read, or its ring wrapped and its first records
	 * are gone: log is then what it still holds), the console standing in; NULL when
	 * it does.
	 */
	const char *log;
	size_t log_len;
	const char *log_unread;
};

/*
 * A boot of a Linux kernel (a bzImage or an ELF vmlinux) on vCPUs given policy's table
 * (build, merge, apply, as any VMM), holding a copy of the policy and a reference on its
 * context.  Returns 0, -EINVAL, -ENOMEM.
 */
int kvmcpuid_boot_new(const struct kvmcpuid_policy *policy, struct kvmcpuid_boot **ret);
/* Drop a reference (the last frees it); returns NULL.  NULL is ignored. */
struct kvmcpuid_boot *kvmcpuid_boot_unref(struct kvmcpuid_boot *boot);
/*
 * Set key to value: "kernel" (a bzImage or an ELF vmlinux, read and checked now),
 * "initrd" (a file, read now; "" for none), "cpus" (default 2), "memory" (MiB, default
 * 256), "append" (added to "console=ttyS0 panic=-1 quiet"), "deadline_ms" (from the first
 * KVM_RUN, default 120000).
 * Returns 0, -ENOENT (no such key), -EINVAL (a bad value, a file that is neither a bzImage
 * nor a vmlinux or is truncated; diag says which), -ENOTSUP (a boot protocol before 2.12,
 * no 64-bit entry, an ELF that is not a 64-bit x86 executable),
 * -ENOMEM.  Files that cannot be read give -EINVAL too, diag naming the errno.
 */
int kvmcpuid_boot_set(struct kvmcpuid_boot *boot, const char *key, const char *value,
		      struct kvmcpuid_diag *diag);
/*
 * Boot: everything about the input is checked first (nothing runs on a bad one), then the
 * guest runs until the console shows its panic (panic=-1, no root: after Linux's PV
 * setup), a reset, a triple fault or the deadline, and every vCPU's PV MSRs are read;
 * then the info's report compares them and the console with Linux's rules.
 * Returns 0 (see kvmcpuid_boot_info), -EINVAL (no kernel, memory or cpus out of range),
 * -E2BIG (a command line over the kernel's cmdline_size), -ENOSPC (kernel or initrd do not
 * fit the memory), -ENOENT/-EACCES/-ENODEV (no usable /dev/kvm), -ETIMEDOUT (the deadline:
 * diag quotes the guest's last line, from its log or console; the info is filled), -EIO
 * (a vCPU failed; the info is filled), -ENOMEM, the errors of kvmcpuid_build.
 */
int kvmcpuid_boot_run(struct kvmcpuid_boot *boot, struct kvmcpuid_diag *diag);
/* What the last run did, valid while boot lives and until its next run; NULL for NULL. */
const struct kvmcpuid_boot_info *kvmcpuid_boot_info(const struct kvmcpuid_boot *boot);
/*
 * The masking matrix of boot's policy (the policies of kvmcpuid_matrix: all-on, all-off,
 * each feature masked alone), each booted with boot's settings; boots run concurrently,
 * as many as the online CPUs hold boot's vCPUs.  A policy whose table equals an earlier
 * one's is not booted again: its report holds one RUN check (UNTESTABLE) naming that row.
 * A boot that does not reach its end fails alone: one failed RUN check saying why.  The
 * other reports are the boots' (kvmcpuid_boot_info's report), labelled; masked is -1.
 * *ret is a malloc'd array of *n reports: unref each, free() it.
 * Returns 0, and the errors of kvmcpuid_boot_run but -ETIMEDOUT and -EIO (a row's).
 */
int kvmcpuid_boot_matrix(const struct kvmcpuid_boot *boot, struct kvmcpuid_report ***ret,
			 size_t *n, struct kvmcpuid_diag *diag);

#ifdef __cplusplus
}
#endif
#endif /* KVMCPUID_H */
