// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The exported boot object: settings by key (as policies take theirs), one run, its
 * result through kvmcpuid_boot_info.  Files are read and the kernel's header checked
 * when they are set, so a bad kernel is refused before anything else happens.
 */
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "report.h"

/*
 * panic=-1: the run ends at the panic (no root), after Linux's PV setup.  quiet: the
 * witnesses are pr_info lines (kvm.c "kvm-guest: setup PV IPIs", kvmclock.c "kvm-clock:
 * Using msrs ..."), and the guest's log, read from its memory at the end (klog.c), holds
 * them whatever the console shows; the console keeps errors and the panic line, which
 * ends the run.  Every console byte costs the guest an exit to the VMM (the 8250 driver
 * reads LSR before each; the write of THR is coalesced where KVM can, run.c), so a
 * console at loglevel=7 costs a boot about a quarter of its time: measured with Debian's
 * 6.1.0-50 on 2 vCPUs in the test VM (KVM nested in QEMU TCG), 7.3 s from the first
 * KVM_RUN to the panic at loglevel=7 against 5.5-6.2 s with quiet, 15.6 KB of console.
 * A kernel whose log cannot be read (no VMCOREINFO) leaves its console-only rows (PV
 * spinlocks, TLB flush, IPI, sched yield, which kvmclock pair) not observable rather than
 * guessed from an absent line (rules.c, info_hidden): "--append loglevel=7" shows them on
 * the console instead.
 */
#define BOOT_BASE_CMDLINE "console=ttyS0 panic=-1 quiet"
#define BOOT_DEFAULT_CPUS 2		/* with one, Linux sets up no PV IPI, yield, TLB flush */
#define BOOT_DEFAULT_MIB 256
#define BOOT_DEFAULT_DEADLINE_MS 120000
#define BOOT_MAX_DEADLINE_MS 3600000u

struct kvmcpuid_boot {
	int refcount;
	struct kvmcpuid_ctx *ctx;
	struct kvmcpuid_policy *policy;
	char *kernel_path, *initrd_path;
	uint8_t *kernel, *initrd;
	size_t kernel_len, initrd_len;
	uint16_t protocol;
	char *cmdline;
	unsigned int cpus;
	unsigned int memory_mib;
	unsigned int deadline_ms;
	char release[65];		/* the kernel's: setup header or linux_banner */
	struct boot_result res;
	struct kvmcpuid_report *report;
	struct kvmcpuid_boot_info info;
};

KVMCPUID_EXPORT int kvmcpuid_boot_new(const struct kvmcpuid_policy *policy,
				      struct kvmcpuid_boot **ret)
{
	struct kvmcpuid_boot *b;
	int r;

	if (!policy || !ret)
		return -EINVAL;
	b = xalloc(policy->ctx, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->refcount = 1;
	b->cpus = BOOT_DEFAULT_CPUS;
	b->memory_mib = BOOT_DEFAULT_MIB;
	b->deadline_ms = BOOT_DEFAULT_DEADLINE_MS;
	b->cmdline = xalloc(policy->ctx, sizeof(BOOT_BASE_CMDLINE));
	if (b->cmdline)
		memcpy(b->cmdline, BOOT_BASE_CMDLINE, sizeof(BOOT_BASE_CMDLINE));
	r = b->cmdline ? kvmcpuid_policy_dup(policy, &b->policy) : -ENOMEM;
	if (r < 0) {
		free(b->cmdline);
		free(b);
		return r;
	}
	b->ctx = kvmcpuid_ref(policy->ctx);
	*ret = b;
	return 0;
}

KVMCPUID_EXPORT struct kvmcpuid_boot *kvmcpuid_boot_unref(struct kvmcpuid_boot *b)
{
	if (!b || --b->refcount > 0)
		return NULL;
	boot_result_clear(&b->res);
	kvmcpuid_report_unref(b->report);
	free(b->kernel);
	free(b->initrd);
	free(b->kernel_path);
	free(b->initrd_path);
	free(b->cmdline);
	kvmcpuid_policy_unref(b->policy);
	kvmcpuid_unref(b->ctx);
	free(b);
	return NULL;
}

/* A number in [min, max], or -EINVAL with diag naming key. */
static int set_number(struct kvmcpuid_boot *b, const char *key, const char *value,
		      unsigned int min, unsigned int max, unsigned int *out,
		      struct kvmcpuid_diag *diag)
{
	uint32_t v;

	if (parse_u32(value, &v) < 0 || v < min || v > max)
		return diag_set(b->ctx, diag, EINVAL, NULL, 0, 0,
				"%s: '%s' is not a number from %u to %u", key, value, min, max);
	*out = v;
	return 0;
}

/* Read path; a file that cannot be read is a bad value (-EINVAL), diag has the errno. */
static int set_file(struct kvmcpuid_boot *b, const char *path, char **pathp, uint8_t **buf,
		    size_t *len, struct kvmcpuid_diag *diag)
{
	uint8_t *data = NULL;
	size_t n = 0;
	char *copy;
	int r;

	free(*buf);
	free(*pathp);
	*buf = NULL;
	*pathp = NULL;
	*len = 0;
	if (!*path)
		return 0;
	r = boot_read_file(b->ctx, path, &data, &n, diag);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	copy = xalloc(b->ctx, strlen(path) + 1);
	if (!copy) {
		free(data);
		return -ENOMEM;
	}
	memcpy(copy, path, strlen(path) + 1);
	*buf = data;
	*len = n;
	*pathp = copy;
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_boot_set(struct kvmcpuid_boot *b, const char *key,
				      const char *value, struct kvmcpuid_diag *diag)
{
	struct boot_kernel k;
	int r;

	diag_begin(diag);
	if (!b || !key || !value)
		return diag_finish(b ? b->ctx : NULL, diag, -EINVAL);
	if (!strcmp(key, "kernel")) {
		if (!*value)
			return diag_set(b->ctx, diag, EINVAL, NULL, 0, 0, "kernel: no file named");
		r = set_file(b, value, &b->kernel_path, &b->kernel, &b->kernel_len, diag);
		if (r == 0)
			r = boot_parse(b->ctx, b->kernel, b->kernel_len, b->kernel_path, &k, diag);
		if (r < 0) {
			free(b->kernel);
			b->kernel = NULL;
		} else {
			b->protocol = k.version;
			memcpy(b->release, k.release, sizeof(b->release));
		}
	} else if (!strcmp(key, "initrd")) {
		r = set_file(b, value, &b->initrd_path, &b->initrd, &b->initrd_len, diag);
	} else if (!strcmp(key, "cpus")) {
		r = set_number(b, key, value, 1, BOOT_MAX_CPUS, &b->cpus, diag);
	} else if (!strcmp(key, "memory")) {
		r = set_number(b, key, value, 2, (unsigned int)(BOOT_MAX_MEMORY >> 20),
			       &b->memory_mib, diag);
	} else if (!strcmp(key, "deadline_ms")) {
		r = set_number(b, key, value, 1, BOOT_MAX_DEADLINE_MS, &b->deadline_ms, diag);
	} else if (!strcmp(key, "append")) {
		char *c = xalloc(b->ctx, sizeof(BOOT_BASE_CMDLINE) + 1 + strlen(value));

		if (!c)
			return diag_finish(b->ctx, diag, -ENOMEM);
		sprintf(c, "%s%s%s", BOOT_BASE_CMDLINE, *value ? " " : "", value);
		free(b->cmdline);
		b->cmdline = c;
		r = 0;
	} else {
		r = diag_set(b->ctx, diag, ENOENT, NULL, 0, 0,
			     "unknown boot setting '%s' (kernel, initrd, cpus, memory, append, "
			     "deadline_ms)", key);
	}
	return diag_finish(b->ctx, diag, r);
}

static void fill_info(struct kvmcpuid_boot *b)
{
	const struct boot_result *res = &b->res;

	b->info = (struct kvmcpuid_boot_info){
		.end = (enum kvmcpuid_boot_end)res->end,
		.end_name = boot_end_name(res->end),
		.end_vcpu = res->end_vcpu,
		.setup_ms = res->setup_ms, .run_ms = res->run_ms,
		.first_output_ms = res->first_output_ms,
		.console = res->console ? res->console : "",
		.console_len = res->console_len,
		.console_truncated = res->console_truncated,
		.cpus = res->cpus, .vcpu = res->vcpu,
		.msrs = boot_pv_msrs,
		.cmdline = b->cmdline,
		.protocol = b->protocol,
		.release = b->release,
		.report = b->report,
		.log = res->log,
		.log_len = res->log_len,
		.log_unread = boot_log_whole(res) ? NULL : res->log_why,
	};
}

/* The run of b's settings (its table still to set). */
static void boot_config(const struct kvmcpuid_boot *b, struct boot_config *cfg)
{
	*cfg = (struct boot_config){
		.spec = {
			.kernel = b->kernel, .kernel_len = b->kernel_len,
			.kernel_origin = b->kernel_path,
			.initrd = b->initrd, .initrd_len = b->initrd_len,
			.initrd_origin = b->initrd_path,
			.cmdline = b->cmdline, .cpus = b->cpus,
			.mem_size = (size_t)b->memory_mib << 20,
		},
		.deadline_ms = b->deadline_ms,
	};
}

/* Policy p's table into cfg; *table is the caller's. */
static int boot_table(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		      struct boot_config *cfg, struct kvm_cpuid_entry2 **table,
		      struct kvmcpuid_diag *diag)
{
	int r = boot_policy_table(p, h, 0, table, &cfg->nent, &cfg->apply_flags, diag);

	cfg->table = *table;
	return r;
}

/* What Linux's rules predict for cfg against what the run res did. */
static int boot_compare(const struct kvmcpuid_boot *b, const struct boot_config *cfg,
			const struct boot_result *res, struct kvmcpuid_report **ret)
{
	struct boot_guest g;

	boot_guest_from_table(cfg->table, cfg->nent, cfg->apply_flags, b->cpus, b->cmdline,
			      b->release, &g);
	return boot_report(b->ctx, &g, res, ret);
}

KVMCPUID_EXPORT int kvmcpuid_boot_run(struct kvmcpuid_boot *b, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_host *h = NULL;
	struct kvm_cpuid_entry2 *table = NULL;
	struct boot_config cfg;
	struct boot_image img;
	int r;

	diag_begin(diag);
	if (!b)
		return diag_finish(NULL, diag, -EINVAL);
	boot_result_clear(&b->res);
	b->report = kvmcpuid_report_unref(b->report);
	fill_info(b);
	if (!b->kernel)
		return diag_set(b->ctx, diag, EINVAL, NULL, 0, 0, "no kernel to boot");
	boot_config(b, &cfg);
	/* the input first, against the loader's own limits: a bad one never opens /dev/kvm */
	r = boot_check(b->ctx, &cfg.spec, &img, diag);
	if (r < 0)
		goto out;
	r = kvmcpuid_host_probe(b->ctx, diag, &h);
	if (r < 0)
		goto out;
	r = boot_table(b->policy, h, &cfg, &table, diag);
	if (r < 0)
		goto out;
	r = boot_run(b->ctx, &cfg, &b->res, diag);
	if (r == 0)
		r = boot_compare(b, &cfg, &b->res, &b->report);
	fill_info(b);
out:
	free(table);
	kvmcpuid_host_unref(h);
	return diag_finish(b->ctx, diag, r);
}

/* One policy of the boot matrix: built in the calling thread, booted by any of the pool. */
struct matrix_boot {
	struct kvmcpuid_policy *p;
	char label[64];
	struct boot_config cfg;
	struct kvm_cpuid_entry2 *table;
	size_t same_as;			/* an earlier row with this very table; SIZE_MAX: none */
	struct boot_result res;
	struct kvmcpuid_diag diag;
	int r;
};

struct matrix_boots {
	struct kvmcpuid_ctx *ctx;
	struct matrix_boot **booted;	/* the rows to boot, in order */
};

static void matrix_boot_run(void *arg, size_t i)
{
	struct matrix_boots *pool = arg;
	struct matrix_boot *m = pool->booted[i];

	m->r = boot_run(pool->ctx, &m->cfg, &m->res, &m->diag);
}

/* Row i's report: its boot compared, why it has none, or that row same_as answers for it. */
static int matrix_boot_report(const struct kvmcpuid_boot *b, const struct matrix_boot *rows,
			      size_t i, struct kvmcpuid_report **ret)
{
	const struct matrix_boot *m = &rows[i];
	struct kvmcpuid_check c;
	char seen[96];
	int r;

	if (m->same_as != SIZE_MAX) {
		snprintf(seen, sizeof(seen), "not booted: the table of %s",
			 rows[m->same_as].label);
		c = (struct kvmcpuid_check){
			.kind = KVMCPUID_CHECK_RUN, .verdict = KVMCPUID_UNTESTABLE, .feature = -1,
			.id = (uint32_t)m->same_as,
			.subject = "boot", .expected_text = "a boot", .seen_text = seen,
			.cause = "masking this feature leaves the table as it was: that row's "
				 "boot answers for this one",
		};
		return report_of_check(b->ctx, m->label, m->p, &c, ret);
	}
	if (m->r < 0) {
		c = run_failed_check(m->r, "boot", m->diag.message);
		return report_of_check(b->ctx, m->label, m->p, &c, ret);
	}
	r = boot_compare(b, &m->cfg, &m->res, ret);
	if (r < 0)
		return r;
	snprintf((*ret)->label, sizeof((*ret)->label), "%s", m->label);
	return kvmcpuid_policy_dup(m->p, &(*ret)->policy);
}

static bool same_table(const struct boot_config *a, const struct boot_config *b)
{
	return a->nent == b->nent && a->apply_flags == b->apply_flags &&
	       !memcmp(a->table, b->table, a->nent * sizeof(*a->table));
}

KVMCPUID_EXPORT int kvmcpuid_boot_matrix(const struct kvmcpuid_boot *b,
					 struct kvmcpuid_report ***ret, size_t *n,
					 struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_ctx *ctx = b ? b->ctx : NULL;
	struct kvmcpuid_report **reps = NULL;
	struct matrix_boot *rows = NULL, **booted = NULL;
	struct kvmcpuid_host *h = NULL;
	struct boot_config cfg;
	struct boot_image img;
	size_t nrows = 0, nbooted = 0, count = 0, i, k;
	int r, which;

	diag_begin(diag);
	if (!b || !ret || !n)
		return diag_finish(ctx, diag, -EINVAL);
	if (!b->kernel)
		return diag_set(ctx, diag, EINVAL, NULL, 0, 0, "no kernel to boot");
	boot_config(b, &cfg);
	r = boot_check(ctx, &cfg.spec, &img, diag);
	if (r < 0)
		goto out;
	rows = xalloc(ctx, MATRIX_MAX * sizeof(*rows));
	booted = xalloc(ctx, MATRIX_MAX * sizeof(*booted));
	reps = xalloc(ctx, MATRIX_MAX * sizeof(*reps));
	if (!rows || !booted || !reps) {
		r = -ENOMEM;
		goto out;
	}
	r = kvmcpuid_host_probe(ctx, diag, &h);
	if (r < 0)
		goto out;
	/* every table first: a policy this host cannot build boots nothing */
	for (which = MATRIX_ALL_ON; which < FEATURE_COUNT; which++) {
		struct matrix_boot *m = &rows[nrows++];

		m->cfg = cfg;
		m->same_as = SIZE_MAX;
		r = matrix_variant(b->policy, which, &m->p, m->label, sizeof(m->label));
		if (r == 0)
			r = boot_table(m->p, h, &m->cfg, &m->table, diag);
		if (r < 0)
			goto out;
		for (k = 0; k + 1 < nrows && m->same_as == SIZE_MAX; k++)
			if (rows[k].same_as == SIZE_MAX && same_table(&rows[k].cfg, &m->cfg))
				m->same_as = k;
		if (m->same_as == SIZE_MAX)
			booted[nbooted++] = m;
	}
	pool_run(0, nbooted, pool_threads(ctx, b->cpus), matrix_boot_run,
		 &(struct matrix_boots){ .ctx = ctx, .booted = booted });
	for (i = 0; i < nrows; i++) {
		struct matrix_boot *m = &rows[i];

		/* no memory is no row's own failure, nor is a KVM that went away */
		if (m->r == -ENOMEM || m->r == -ENOENT || m->r == -EACCES || m->r == -ENODEV) {
			r = diag_set(ctx, diag, -m->r, NULL, 0, 0, "%s: %s", m->label,
				     m->diag.message);
			goto out;
		}
		r = matrix_boot_report(b, rows, i, &reps[count]);
		if (r < 0)
			goto out;
		count++;
	}
	*ret = reps;
	*n = count;
	reps = NULL;
out:
	while (reps && count)
		kvmcpuid_report_unref(reps[--count]);
	free(reps);
	for (i = 0; i < nrows; i++) {
		kvmcpuid_policy_unref(rows[i].p);
		free(rows[i].table);
		boot_result_clear(&rows[i].res);
	}
	free(rows);
	free(booted);
	kvmcpuid_host_unref(h);
	return diag_finish(ctx, diag, r);
}

KVMCPUID_EXPORT const struct kvmcpuid_boot_info *kvmcpuid_boot_info(const struct kvmcpuid_boot *b)
{
	return b ? &b->info : NULL;
}
