/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KVMCPUID_INTERNAL_H
#define KVMCPUID_INTERNAL_H

#include <errno.h>
#include <stdio.h>
#include <syslog.h>
#include <string.h>

#include "kvmcpuid.h"

#define KVMCPUID_EXPORT __attribute__((visibility("default")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

#define KVM_SIG_EBX 0x4b4d564bu	/* "KVMK" */
#define KVM_SIG_ECX 0x564b4d56u	/* "VMKV" */
#define KVM_SIG_EDX 0x0000004du	/* "M\0\0\0" */
#define PV_BASE_FIRST 0x40000000u
#define PV_BASE_LAST 0x4000ff00u
#define KVM_CPUID_SIGNATURE_LEAF 0x40000000u
#define POLICY_MAX_BYTES (1u << 20)

enum { FEATURE_COUNT = KVMCPUID_FEATURE_COUNT };

/* ---- feature table (features.c) ---- */
/* The public row (struct kvmcpuid_feature) is the table's own. */
#define feature_get(id) kvmcpuid_feature(id)
/* Name (canonical, macro, QEMU) to a mask of feature ids; 0 if unknown. */
uint32_t feature_mask_lookup(const char *name);
/* The table's own copy of the spelling `name` used for feature id (for diagnostics). */
const char *feature_spelling(unsigned int id, const char *name);
/* Nearest name among features and extra[] (NULL-terminated), or NULL. */
const char *name_suggest(const char *name, const char *const *extra);

/* ---- context (ctx.c) ---- */
struct kvmcpuid_ctx {
	int refcount;
	kvmcpuid_log_fn log_fn;
	void *log_data;
	int log_priority;
	char *device;
	int kvm_fd;
	struct kvmcpuid_host *host;	/* weak: the host's last unref clears it */
	unsigned int deadline_ms;
	int hypercalls;		/* 0 unknown, 1 work, -1 do not complete */
	char hypercall_note[160];
	/* test hook: fail the n-th KVM ioctl with -fail_errno */
	unsigned int fail_ioctl_at;
	unsigned int fail_alloc_at;	/* test hook: fail the n-th allocation */
	bool force_hypercall_probe;	/* test hook: try one even on kvm_pvm */
	int fail_errno;
	struct exit_stats *exit_stats;	/* the benchmark's hook (stats.c): count exits */
	unsigned int matrix_threads;	/* test hook: the matrix's pool size (0: online CPUs) */
	const char *fail_run_label;	/* test hook: this policy's vCPU fails ... */
	bool fail_run_hang;		/* ... by never finishing (deadline), not with EIO */
};

/* ---- exit counts (stats.c): KVM's per-vCPU statistics, summed over verified vCPUs ---- */
enum exit_stat {
	EXIT_STAT_EXITS,	/* KVM's "exits": every VM exit */
	EXIT_STAT_IO, EXIT_STAT_MMIO, EXIT_STAT_HALT, EXIT_STAT_IRQ, EXIT_STAT_HYPERCALLS,
	EXIT_STAT_PF_TAKEN, EXIT_STAT_SIGNAL, EXIT_STAT_IRQ_WINDOW, EXIT_STAT_NMI_WINDOW,
	EXIT_STAT_REQUEST_IRQ, EXIT_STAT_INSN_EMULATION,
	EXIT_STAT_KVM_COUNT,
	/* not in KVM's generic statistics: from what the guest did (its request) */
	EXIT_STAT_CPUID = EXIT_STAT_KVM_COUNT, EXIT_STAT_MSR,
	EXIT_STAT_COUNT,
};
struct exit_stats {
	uint64_t v[EXIT_STAT_COUNT];
	uint64_t vcpus;		/* vCPUs counted */
	uint64_t missing;	/* vCPUs whose KVM counters could be read from neither source */
	uint64_t fd_vcpus;	/* vCPUs whose KVM counters came from their stats fd */
	uint64_t debugfs_vms;	/* VMs whose KVM counters came from debugfs (a sum per VM) */
	uint32_t have;		/* bit per enum exit_stat: a source had that counter */
};
/* KVM's name of each counter below EXIT_STAT_KVM_COUNT. */
const char *exit_stat_name(enum exit_stat s);
int kvm_ioctl(struct kvmcpuid_ctx *ctx, int fd, unsigned long request, void *arg);
/* The /dev/kvm fd, opened lazily with O_CLOEXEC.  Returns fd, -ENOENT, -EACCES, -ENODEV. */
int ctx_kvm_fd(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag);

void kvmcpuid_log(struct kvmcpuid_ctx *ctx, int priority, const char *file, int line,
		  const char *fn, const char *format, ...) PRINTF(6, 7);
#define log_cond(ctx, prio, ...)                                                            \
	do {                                                                                \
		if ((ctx) && (ctx)->log_priority >= (prio))                                   \
			kvmcpuid_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__);   \
	} while (0)
#define dbg(ctx, ...) log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define warn(ctx, ...) log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define err(ctx, ...) log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* Copy src to dst (cap bytes, NUL-terminated), control characters written as \xNN / \uNNNN. */
void escape_controls(char *dst, size_t cap, const char *src);
/* Fill diag (may be NULL) and log it at LOG_ERR; returns -errnum for `return diag_set(...)`. */
int diag_set(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag, int errnum,
	     const char *origin, unsigned int line, unsigned int column, const char *fmt, ...)
	PRINTF(7, 8);

/*
 * Every public entry point that takes a diag calls diag_begin() first and leaves with an
 * error only through diag_set() (which says why) or diag_finish() (which fills in a
 * generic message when nothing deeper said why, e.g. an allocation): every error has one,
 * and a success leaves the diag empty.
 */
static inline void diag_begin(struct kvmcpuid_diag *diag)
{
	if (diag)
		diag->message[0] = '\0';
}
int diag_finish(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag, int r);

/* Read a whole file (at most POLICY_MAX_BYTES; "-": stdin) into a NUL-terminated buffer. */
int read_file_limited(struct kvmcpuid_ctx *ctx, const char *path, char **buf, size_t *len,
		      struct kvmcpuid_diag *diag);
/* How read_file_limited names path in diagnostics. */
const char *file_origin(const char *path);
/* Turns a file's text into an object (*ret): a policy, a host profile, a build output. */
typedef int (*text_loader_fn)(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
			      const char *origin, struct kvmcpuid_diag *diag, void *ret);
/*
 * The one shape of every *_load_file / *_parse_file entry point: check the arguments,
 * read path (read_file_limited), hand the text to load, fill the diag.
 */
int load_file(struct kvmcpuid_ctx *ctx, const char *path, text_loader_fn load, void *ret,
	      struct kvmcpuid_diag *diag);
/* Line and column (1-based, columns in characters) of byte off of text. */
void offset_to_linecol(const char *text, size_t off, unsigned int *line, unsigned int *col);
/* The same from a cursor that remembers the last position: linear over ordered calls. */
struct text_cursor {
	size_t off;
	unsigned int line, col;		/* line 0: not started */
};
void text_cursor_at(struct text_cursor *c, const char *text, size_t off, unsigned int *line,
		    unsigned int *col);
/*
 * The first needle (n bytes) in [p, end), or NULL: linear over a text searched again and
 * again from later points, where strstr and memmem under ASan check all the rest of the
 * text at every call (quadratic: 1 MiB of processing instructions took 34 s).
 */
static inline const char *text_find(const char *p, const char *end, const char *needle,
				    size_t n)
{
	for (; p && p <= end && (size_t)(end - p) >= n; p++)
		if (*p == needle[0] && !memcmp(p, needle, n))
			return p;
	return NULL;
}
/* Does text look like JSON (first non-blank byte '{')? */
bool looks_like_json(const char *text, size_t len);

/* ---- policy (policy.c) ---- */
enum kvmcpuid_action {
	KVMCPUID_ACTION_HOST = 0,	/* set iff the host offers it */
	KVMCPUID_ACTION_ON = 1,		/* require */
	KVMCPUID_ACTION_OFF = 2,	/* clear */
	KVMCPUID_ACTION_FORCE = 3,	/* set whatever the host says */
};

enum kvmcpuid_signature {
	KVMCPUID_SIGNATURE_KVM = 0,
	KVMCPUID_SIGNATURE_HIDDEN = 1,
	KVMCPUID_SIGNATURE_CUSTOM = 2,
};

enum kvmcpuid_max_leaf {
	KVMCPUID_MAX_LEAF_AUTO = 0,
	KVMCPUID_MAX_LEAF_LEGACY_ZERO = 1,
	KVMCPUID_MAX_LEAF_EXPLICIT = 2,
};

struct kvmcpuid_policy {
	int refcount;
	struct kvmcpuid_ctx *ctx;
	uint8_t action[FEATURE_COUNT];
	uint32_t explicit_mask;
	uint8_t def;
	uint8_t sig_kind;
	char sig[12];
	uint32_t base;
	uint8_t max_leaf_kind;
	uint32_t max_leaf;
	bool timing;
	bool enforce;
};

/* The keys that are not feature names, for suggestions and the man page test. */
extern const char *const policy_setting_keys[];
/* Parse helpers shared by the text and JSON readers. */
int parse_bool(const char *s, bool *out);
int parse_u32(const char *s, uint32_t *out);
/*
 * Set key to value on p.  seen[] tracks which slots were set by this input (for duplicate
 * detection; NULL to allow overriding).  On error returns -EINVAL with msg filled.
 * valcol receives the 0-based offset within value of the problem (0 when the whole value).
 */
struct set_seen {
	unsigned int line[FEATURE_COUNT + 8];
	const char *by[FEATURE_COUNT + 8];
	unsigned int col[FEATURE_COUNT + 8];
};
enum {
	SLOT_DEFAULT = FEATURE_COUNT,
	SLOT_SIGNATURE,
	SLOT_BASE,
	SLOT_MAX_LEAF,
	SLOT_TIMING,
	SLOT_ENFORCE,
	SLOT_COUNT,
};
int policy_set_kv(struct kvmcpuid_policy *p, const char *key, const char *value, size_t vlen,
		  bool quoted, struct set_seen *seen, unsigned int line, bool *key_error,
		  char *msg, size_t msglen);
/* Cross-field checks (max_leaf inside the base block).  -EINVAL with msg, slot of the culprit. */
int policy_check(const struct kvmcpuid_policy *p, char *msg, size_t msglen, int *slot);
const char *action_name(unsigned int action);
/* The action a feature gets (its own, or the default) and setting one (a valid one). */
int policy_action(const struct kvmcpuid_policy *p, unsigned int feature);
void policy_set_action(struct kvmcpuid_policy *p, unsigned int feature, uint8_t action);
/* Escape a signature for the text format (quoted, \xNN for non-printables). */
void signature_quote(const char sig[12], char *out, size_t len);

/* ---- profiles (profile.c): the shipped profiles, read by name ---- */
/*
 * Read the shipped profile name (nlen bytes): its text into *text (malloc'd, *len bytes)
 * and its path into path.  0; -EINVAL with msg set (a bad or unknown name, an unreadable
 * file) for the caller to position; -ENOMEM.  `include = NAME` is parse.c's.
 */
int profile_read(struct kvmcpuid_ctx *ctx, const char *name, size_t nlen, char **text,
		 size_t *len, char *path, size_t pathlen, char *msg, size_t msglen);

/* ---- host (host.c) ---- */
struct kvmcpuid_host {
	int refcount;
	struct kvmcpuid_ctx *ctx;
	uint32_t features;
	uint32_t hints;
	bool enforce_cap;
	bool exit_hypercall_cap;
	bool ignore_msrs;	/* kvm.ignore_msrs=Y: unknown MSRs do not fault */
	bool pv_refusal_ignored;	/* ignore_msrs also hides enforcement's MSR refusals */
	uint8_t enforce_leaf;	/* enum enforce_leaf: where enforcement reads the features */
	bool enforce_leaf_probed;	/* measured (else from the release) */
	char kernel[65];	/* uname release of the running kernel */
	uint8_t vendor;
	char module[32];
	uint32_t tsc_khz;
	size_t nent;
	struct kvm_cpuid_entry2 *entries;
	struct kvmcpuid_host_info info;	/* kvmcpuid_host_info's view of the above */
};
/* Does h offer feature (a kvm-provided one, set in its leaf)? */
bool host_offers(const struct kvmcpuid_host *h, unsigned int feature);
/*
 * Which leaf KVM_CAP_ENFORCE_PV_FEATURE_CPUID takes the feature bits from.  FIXED: entry
 * 0x40000001 whatever the signature (before 5.16).  SCAN: base+1 of the first 0x100 step
 * in 0x40000000-0x4000ff00 with "KVMKVMKVM", none without one (760849b1476c, 5.16).
 */
enum enforce_leaf {
	ENFORCE_LEAF_FIXED = 1,
	ENFORCE_LEAF_SCAN,
};
int host_new(struct kvmcpuid_ctx *ctx, struct kvmcpuid_host **ret);
/* Make h the context's cached probe: kvmcpuid_host_probe returns it while h lives. */
void host_cache(struct kvmcpuid_ctx *ctx, struct kvmcpuid_host *h);
uint8_t vendor_from_leaf0(uint32_t ebx, uint32_t ecx, uint32_t edx);

/* ---- resolution (build.c) ---- */
struct resolved {
	uint32_t eax;		/* features */
	uint32_t edx;		/* hints */
	uint8_t sig_kind;
	char sig[12];
	uint32_t base;
	uint32_t max_leaf;	/* value written in EAX of base */
	bool timing;
	uint32_t tsc_khz;
	uint32_t apic_khz;
};
int resolve_policy(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		   unsigned int flags, struct resolved *r, struct kvmcpuid_diag *diag);
int leaves_encode(const struct resolved *r, struct kvm_cpuid_entry2 *out, size_t cap);

/* ---- the built leaves (build.c) ---- */
struct cpuid_lint {
	int feature;
	char message[400];
};
struct kvmcpuid_cpuid {
	int refcount;
	struct kvmcpuid_ctx *ctx;
	struct kvmcpuid_policy *policy;	/* a copy; NULL when loaded from a raw blob */
	struct kvm_cpuid_entry2 *entries;
	size_t nent;
	uint32_t base;
	bool enforce;
	uint32_t eax;
	uint32_t edx;
	struct cpuid_lint *lints;
	size_t nlints;
	struct kvmcpuid_cpuid_info info;	/* kvmcpuid_cpuid_info's view of the above */
};
/* An empty cpuid holding a copy of entries (n may be 0). */
int cpuid_new(struct kvmcpuid_ctx *ctx, const struct kvm_cpuid_entry2 *entries, size_t n,
	      struct kvmcpuid_cpuid **ret);
/* base, eax and edx from the entries: where a guest finds KVM (else the first entry's block). */
void cpuid_derive(struct kvmcpuid_cpuid *c);
/* The signature at the cpuid's base as the policy language writes it (kvm, hidden, "..."). */
void cpuid_signature_text(const struct kvmcpuid_cpuid *c, char *out, size_t len);
/*
 * "Build, copy the table, merge", once: a malloc'd copy of table (nent entries) with the
 * cpuid merged in, in *ret / *n.  Returns 0, -ENOMEM, the errors of the merge.
 */
int cpuid_merged_table(const struct kvmcpuid_cpuid *c, const struct kvm_cpuid_entry2 *table,
		       size_t nent, struct kvm_cpuid_entry2 **ret, size_t *n,
		       struct kvmcpuid_diag *diag);
int table_merge(const struct kvm_cpuid_entry2 *leaves, size_t nleaves, uint32_t base,
		struct kvm_cpuid_entry2 *table, size_t *nent, size_t cap,
		struct kvmcpuid_diag *diag);
const struct kvm_cpuid_entry2 *table_find(const struct kvm_cpuid_entry2 *t, size_t n,
					  uint32_t function, uint32_t index);
bool entry_has_kvm_sig(const struct kvm_cpuid_entry2 *e);
/* Where a Linux guest finds KVM in a table: first 0x100 step with the signature; 0 if none. */
uint32_t table_kvm_base(const struct kvm_cpuid_entry2 *t, size_t n);

/* ---- apply ---- */
/* Entries KVM_GET_CPUID2 wrote into a buffer pre-filled with 0xff (see apply.c). */
size_t cpuid2_written(const struct kvm_cpuid2 *c, size_t cap);
/* KVM_GET_CPUID2 with the real entry count in c->nent (returned), or -errno. */
int vcpu_get_cpuid(struct kvmcpuid_ctx *ctx, int vcpu_fd, struct kvm_cpuid2 *c, size_t cap);
int apply_table(struct kvmcpuid_ctx *ctx, int vcpu_fd, const struct kvm_cpuid_entry2 *table,
		size_t nent, unsigned int flags, struct kvmcpuid_diag *diag);

/* ---- verify and the matrix (verify.c), shared with boot ---- */
/*
 * A policy's table as a VMM gives it to a guest: built for h, merged into h's
 * KVM_GET_SUPPORTED_CPUID, CPUID.1's hypervisor bit set.  *cpuid and *table (malloc'd)
 * are the caller's.  Returns 0, the errors of kvmcpuid_build and the merge.
 */
int policy_guest_table(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		       unsigned int flags, struct kvmcpuid_cpuid **cpuid,
		       struct kvm_cpuid_entry2 **table, size_t *nent, struct kvmcpuid_diag *diag);
/* The matrix's policies: which = MATRIX_ALL_ON, MATRIX_ALL_OFF, then each feature id. */
enum { MATRIX_ALL_ON = -2, MATRIX_ALL_OFF = -1 };
#define MATRIX_MAX (FEATURE_COUNT + 2)
/* Policy `which` of the matrix of base, and its label ("all-on", "-steal_time"). */
int matrix_variant(const struct kvmcpuid_policy *base, int which, struct kvmcpuid_policy **ret,
		   char *label, size_t len);
/* fn(arg, i) for every i in [from, n), on up to threads threads (the caller is one). */
void pool_run(size_t from, size_t n, long threads, void (*fn)(void *arg, size_t i), void *arg);
/* The pool's size for jobs of per_job vCPUs each: online CPUs / per_job, at least 1. */
long pool_threads(const struct kvmcpuid_ctx *ctx, unsigned int per_job);
/* The check of a matrix row whose run failed with r (cause: the diag's message). */
struct kvmcpuid_check run_failed_check(int r, const char *subject, const char *cause);
/* A report of one check, for a row that has no run to compare. */
int report_of_check(struct kvmcpuid_ctx *ctx, const char *label,
		    const struct kvmcpuid_policy *p, const struct kvmcpuid_check *c,
		    struct kvmcpuid_report **ret);

/* ---- json (json.c) ---- */
int policy_from_json(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
		     const char *origin, struct kvmcpuid_diag *diag, struct kvmcpuid_policy **ret);

/* JSON helpers shared by json.c and report.c */
struct json_object;
int json_finish(struct json_object *obj, char **ret);
int json_object_with_array(struct json_object **o, struct json_object **arr);
/*
 * Parse one JSON object (strict, UTF-8 checked, depth-limited, no key twice in an
 * object); errors with line:col.  The one JSON reader of the library.
 */
int json_parse_checked(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
		       const char *origin, struct kvmcpuid_diag *diag, struct json_object **ret);
/*
 * json-c keeps no positions: json_parse_doc also indexes where each value is, in one pass.
 * nodes[0] is the root; a container's children follow child then next (0 ends), in text
 * order, which is json-c's order of array elements and of object entries (no duplicates).
 */
struct json_node {
	size_t off;		/* the value's first byte */
	size_t key;		/* an object member's key: its opening quote; else SIZE_MAX */
	uint32_t child, next;
};
struct json_doc {
	struct json_object *root;
	struct json_node *nodes;
	size_t count, cap;
};
int json_parse_doc(struct kvmcpuid_ctx *ctx, const char *text, size_t len, const char *origin,
		   struct kvmcpuid_diag *diag, struct json_doc *doc);
void json_doc_free(struct json_doc *doc);
/* A 32-bit number (JSON number or "0x..."/decimal string); -ENOENT when required and absent. */
int get_u32(struct json_object *o, const char *k, bool required, uint32_t *out);
void add_hex(struct json_object *o, const char *k, uint32_t v);

/*
 * Every allocation the library makes for a context goes through these, so a test can
 * make the n-th one fail (ctx->fail_alloc_at).  xalloc returns zeroed memory.
 */
void *xalloc(struct kvmcpuid_ctx *ctx, size_t size);
void *xrealloc(struct kvmcpuid_ctx *ctx, void *p, size_t size);

#endif
