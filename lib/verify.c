// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Verify: apply a table to a fresh vCPU, run the guest, compare.  The CPUID and MSR
 * probes come back first (phase 1); the hypercalls run after (phase 2), only where
 * they can complete, so a host that never finishes a hypercall loses nothing else.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "vm.h"

#define MAX_TABLE 256

/* Once per context: can this host complete a guest's hypercall? */
static void hypercall_mode_init(struct kvmcpuid_ctx *ctx, const struct kvmcpuid_host *h)
{
	if (ctx->hypercalls)
		return;
	if (!strcmp(h->module, "kvm_pvm") && !ctx->force_hypercall_probe) {
		ctx->hypercalls = -1;
		snprintf(ctx->hypercall_note, sizeof(ctx->hypercall_note),
			 "not testable on this host (kvm_pvm: hypercalls do not complete)");
	}
}

struct run_args {
	const struct kvm_cpuid_entry2 *table;
	size_t nent;
	unsigned int apply_flags;
	unsigned int guest_flags;	/* GUEST_SCAN_FULL */
	uint32_t policy_base;
	const char *label;
	const struct kvmcpuid_policy *policy;
	const struct kvm_cpuid_entry2 *expect_table;	/* NULL: the applied table */
	size_t expect_nent;
	const struct kvm_cpuid_entry2 *block;	/* the built leaves, when there is a policy */
	size_t nblock;
};

/* What one vCPU brought back: the raw results, for the comparison. */
struct run_out {
	struct guest_io request;
	struct guest_io results;
	struct guest_scan scan;
	bool hcall_timeout;		/* the deadline passed in a hypercall */
};

/*
 * One vCPU: create, apply, set up, run the guest to its single exit, copy its slot out.
 * Touches no shared state of the context but what kvm_ioctl and diag_set do, so vCPUs
 * of one VM run this in parallel (the matrix).  hypercalls: the context's knowledge
 * (0 unknown, 1 complete, -1 do not).
 */
static int run_vcpu(struct vm *vm, const struct kvmcpuid_host *h, const struct run_args *a,
		    int hypercalls, struct run_out *o, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_ctx *ctx = vm->ctx;
	struct vcpu vcpu = { .fd = -1 };
	unsigned int flags = a->guest_flags | (hypercalls < 0 ? GUEST_NO_HCALLS : 0);
	int r, phase;

	if (ctx->fail_run_label && !strcmp(a->label, ctx->fail_run_label)) {
		if (!ctx->fail_run_hang)
			return diag_set(ctx, diag, EIO, NULL, 0, 0, "injected failure (test hook)");
		flags |= GUEST_TEST_HANG;
	}
	r = vm_vcpu_create(vm, &vcpu, diag);
	if (r < 0)
		goto out;
	/* The table first: from 6.12 KVM_SET_SREGS checks EFER against it (vm_vcpu_setup). */
	r = apply_table(ctx, vcpu.fd, a->table, a->nent, a->apply_flags, diag);
	if (r < 0)
		goto out;
	r = vm_vcpu_setup(vm, &vcpu, diag);
	if (r < 0)
		goto out;
	request_fill(&o->request, a->expect_table ? a->expect_table : a->table,
		     a->expect_table ? a->expect_nent : a->nent, a->policy_base, flags,
		     h->vendor == KVMCPUID_VENDOR_AMD);
	memcpy(vm_io(vm, vcpu.id), &o->request, sizeof(o->request));
	r = vm_vcpu_run(vm, &vcpu, ctx->deadline_ms, &phase, diag);
	memcpy(&o->results, vm_io(vm, vcpu.id), sizeof(o->results));
	if (flags & GUEST_SCAN_FULL)
		memcpy(&o->scan, vm_scan(vm, vcpu.id), sizeof(o->scan));
	if (r == -ETIMEDOUT && hypercalls == 0 && o->results.msrs_done == o->request.nmsrs &&
	    o->results.hcalls_started > o->results.hcalls_done) {
		/* every probe but the hypercall it is stuck in is done: the caller decides */
		o->hcall_timeout = true;
		r = 0;
	} else if (r == -ETIMEDOUT) {
		r = diag_set(ctx, diag, ETIMEDOUT, NULL, 0, 0,
			     "the guest did not finish its probes within %u ms "
			     "(raise it with --deadline)", ctx->deadline_ms);
	} else if (r == 0 && phase == GUEST_PHASE_FAULT) {
		r = diag_set(ctx, diag, EIO, NULL, 0, 0,
			     "the guest took an unexpected exception (vector %u at 0x%llx)",
			     o->results.fault_vector, (unsigned long long)o->results.fault_rip);
	} else if (r == 0 && phase != GUEST_PHASE_DONE) {
		r = diag_set(ctx, diag, EIO, NULL, 0, 0, "the guest stopped early (phase %d)", phase);
	}
	if (r == 0)
		exit_stats_add(ctx, &vcpu, vm, &o->results);
out:
	vm_vcpu_destroy(&vcpu);
	return r;
}

/* What the context learnt from a run about hypercalls (before 0: unknown). */
static void hypercall_learn(struct kvmcpuid_ctx *ctx, const struct kvmcpuid_host *h,
			    const struct run_out *o)
{
	if (ctx->hypercalls)
		return;
	if (!o->hcall_timeout) {
		ctx->hypercalls = 1;
		return;
	}
	/* Remember it: no later verify on this context pays the deadline again. */
	ctx->hypercalls = -1;
	snprintf(ctx->hypercall_note, sizeof(ctx->hypercall_note),
		 "not testable on this host (%s: a hypercall did not complete within %u ms)",
		 h->module, ctx->deadline_ms);
}

/* Compare a run's results into a new report. */
static int run_report(struct kvmcpuid_ctx *ctx, const struct kvmcpuid_host *h,
		      const struct run_args *a, struct run_out *o, struct kvmcpuid_report **ret,
		      struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_report *rep = NULL;
	struct expect x;
	int r;

	r = report_new(ctx, a->label, &rep);
	if (r < 0)
		return r;
	x = (struct expect){
		.table = a->expect_table ? a->expect_table : a->table,
		.nent = a->expect_table ? a->expect_nent : a->nent,
		.enforce = a->apply_flags & KVMCPUID_APPLY_ENFORCE,
		.policy_base = a->policy_base,
		.host_steal_time = (h->features >> KVMCPUID_FEATURE_STEAL_TIME) & 1,
		.ignore_msrs = h->ignore_msrs,
		.pv_refusal_ignored = h->pv_refusal_ignored,
		.enforce_leaf = h->enforce_leaf,
		.kernel = h->kernel,
		.hypercalls_run = ctx->hypercalls > 0,
		.hypercall_note = ctx->hypercall_note,
		.request = &o->request,
		.scan = a->guest_flags & GUEST_SCAN_FULL ? &o->scan : NULL,
		.check_block = a->policy != NULL,
		.block = a->block, .nblock = a->nblock,
	};
	if (ctx->hypercalls <= 0)
		o->results.hcalls_done = o->results.hcalls_started = 0;
	r = compare_results(ctx, &x, &o->results, rep, diag);
	if (r < 0)
		goto out;
	if (a->policy)
		kvmcpuid_policy_dup(a->policy, &rep->policy);
	*ret = rep;
	rep = NULL;
out:
	kvmcpuid_report_unref(rep);
	return r;
}

static int run_one(struct vm *vm, const struct kvmcpuid_host *h, const struct run_args *a,
		   struct kvmcpuid_report **ret, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_ctx *ctx = vm->ctx;
	struct run_out *o;
	int r;

	o = xalloc(ctx, sizeof(*o));
	if (!o)
		return -ENOMEM;
	hypercall_mode_init(ctx, h);
	r = run_vcpu(vm, h, a, ctx->hypercalls, o, diag);
	if (r == 0) {
		hypercall_learn(ctx, h, o);
		r = run_report(ctx, h, a, o, ret, diag);
	}
	free(o);
	return r;
}

/* The policy built for this host, merged into the host's table: what one run applies. */
struct built {
	struct kvmcpuid_cpuid *cpuid;
	struct kvm_cpuid_entry2 *table;
	size_t nent;
};

static void built_clear(struct built *b)
{
	b->cpuid = kvmcpuid_cpuid_unref(b->cpuid);
	free(b->table);
	b->table = NULL;
}

int policy_guest_table(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		       unsigned int flags, struct kvmcpuid_cpuid **cpuid,
		       struct kvm_cpuid_entry2 **table, size_t *nent, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_cpuid *c = NULL;
	struct kvm_cpuid_entry2 *l1;
	int r;

	r = kvmcpuid_build(p, h, flags, &c, diag);
	if (r < 0)
		return r;
	r = cpuid_merged_table(c, h->entries, h->nent, table, nent, diag);
	if (r < 0) {
		kvmcpuid_cpuid_unref(c);
		return r;
	}
	/*
	 * CPUID.1's hypervisor bit, as every VMM sets it (QEMU's CPUID_EXT_HYPERVISOR):
	 * KVM_GET_SUPPORTED_CPUID leaves it clear, and without it a Linux guest never looks
	 * for KVM (kvmcpuid_verify_table shows that case).
	 */
	l1 = (struct kvm_cpuid_entry2 *)table_find(*table, *nent, 1, 0);
	if (l1)
		l1->ecx |= 1u << 31;
	*cpuid = c;
	return 0;
}

static int policy_run_args(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
			   unsigned int flags, struct built *b, struct run_args *a,
			   const char *label, struct kvmcpuid_diag *diag)
{
	int r;

	built_clear(b);
	r = policy_guest_table(p, h, flags, &b->cpuid, &b->table, &b->nent, diag);
	if (r < 0)
		return r;
	*a = (struct run_args){
		.table = b->table, .nent = b->nent,
		.apply_flags = b->cpuid->enforce ? KVMCPUID_APPLY_ENFORCE : 0,
		.guest_flags = flags & KVMCPUID_VERIFY_SCAN_FULL ? GUEST_SCAN_FULL : 0,
		.policy_base = b->cpuid->base,
		.label = label, .policy = p,
		.block = b->cpuid->entries, .nblock = b->cpuid->nent,
	};
	return 0;
}

/*
 * What verify, verify_table and matrix return: the documented codes (kvmcpuid.h) as they
 * are, anything else (EFAULT, E2BIG, EBUSY from an ioctl) as -EIO.  The diag, filled
 * first, keeps the real cause.
 */
static int verify_finish(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag, int r)
{
	r = diag_finish(ctx, diag, r);
	switch (r) {
	case -EINVAL: case -ENOENT: case -EACCES: case -ENODEV: case -ENOTSUP: case -EPERM:
	case -ETIMEDOUT: case -EIO: case -ENOMEM:
		return r;
	default:
		return r < 0 ? -EIO : r;
	}
}

KVMCPUID_EXPORT int kvmcpuid_verify(const struct kvmcpuid_policy *p, unsigned int flags,
				    struct kvmcpuid_report **ret, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_host *h = NULL;
	struct built b = { 0 };
	struct run_args a;
	struct vm vm;
	int r;

	diag_begin(diag);
	if (!p || !ret)
		return diag_finish(p ? p->ctx : NULL, diag, -EINVAL);
	/* A saved profile describes another host: verify always runs on this one. */
	r = kvmcpuid_host_probe(p->ctx, diag, &h);
	if (r < 0)
		return verify_finish(p->ctx, diag, r);
	r = policy_run_args(p, h, flags, &b, &a, "policy", diag);
	if (r < 0)
		goto out;
	r = vm_create(p->ctx, 0, &vm, diag);
	if (r < 0)
		goto out;
	r = run_one(&vm, h, &a, ret, diag);
	vm_destroy(&vm);
out:
	built_clear(&b);
	kvmcpuid_host_unref(h);
	return verify_finish(p->ctx, diag, r);
}

/* Internal (tests): apply one table, expect another. */
int verify_table_expect(struct kvmcpuid_ctx *ctx, const struct kvm_cpuid_entry2 *table,
			size_t nent, const struct kvm_cpuid_entry2 *expect, size_t expect_nent,
			unsigned int apply_flags, struct kvmcpuid_report **ret,
			struct kvmcpuid_diag *diag);
int verify_table_expect(struct kvmcpuid_ctx *ctx, const struct kvm_cpuid_entry2 *table,
			size_t nent, const struct kvm_cpuid_entry2 *expect, size_t expect_nent,
			unsigned int apply_flags, struct kvmcpuid_report **ret,
			struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_host *h = NULL;
	struct run_args a = {
		.table = table, .nent = nent, .label = "table",
		.apply_flags = apply_flags & ~(unsigned int)KVMCPUID_VERIFY_SCAN_FULL,
		.guest_flags = apply_flags & KVMCPUID_VERIFY_SCAN_FULL ? GUEST_SCAN_FULL : 0,
		.expect_table = expect, .expect_nent = expect_nent,
	};
	struct vm vm;
	int r;

	if (!ctx || !ret || (!table && nent) || nent > MAX_TABLE || (!expect && expect_nent))
		return -EINVAL;
	a.policy_base = table_kvm_base(expect, expect_nent);
	r = kvmcpuid_host_probe(ctx, diag, &h);
	if (r < 0)
		return r;
	r = vm_create(ctx, 0, &vm, diag);
	if (r == 0) {
		r = run_one(&vm, h, &a, ret, diag);
		vm_destroy(&vm);
	}
	kvmcpuid_host_unref(h);
	return r;
}

KVMCPUID_EXPORT int kvmcpuid_verify_table(struct kvmcpuid_ctx *ctx,
					  const struct kvm_cpuid_entry2 *table, size_t nent,
					  unsigned int apply_flags, struct kvmcpuid_report **ret,
					  struct kvmcpuid_diag *diag)
{
	diag_begin(diag);
	return verify_finish(ctx, diag, verify_table_expect(ctx, table, nent, table, nent,
							   apply_flags, ret, diag));
}

int matrix_variant(const struct kvmcpuid_policy *base, int which, struct kvmcpuid_policy **ret,
		   char *label, size_t len)
{
	struct kvmcpuid_policy *p;
	unsigned int i;
	int r = kvmcpuid_policy_dup(base, &p);

	if (r < 0)
		return r;
	if (which == MATRIX_ALL_ON) {
		/* all-on: every feature the host offers, the VMM-provided ones as given */
		for (i = 0; i < FEATURE_COUNT; i++)
			if (feature_get(i)->provider == KVMCPUID_PROVIDER_KVM)
				policy_set_action(p, i, KVMCPUID_ACTION_HOST);
		snprintf(label, len, "all-on");
	} else if (which == MATRIX_ALL_OFF) {
		for (i = 0; i < FEATURE_COUNT; i++)
			policy_set_action(p, i, KVMCPUID_ACTION_OFF);
		snprintf(label, len, "all-off");
	} else {
		policy_set_action(p, (unsigned int)which, KVMCPUID_ACTION_OFF);
		snprintf(label, len, "-%s", feature_get((unsigned int)which)->name);
	}
	*ret = p;
	return 0;
}

/* One policy of the matrix: built in the calling thread, run by any thread of the pool. */
struct matrix_job {
	struct built b;
	struct run_args a;
	char label[64];
	int masked;		/* the feature this policy masks alone, -1: all-on, all-off */
	struct kvmcpuid_policy *p;
	struct run_out *o;
	struct kvmcpuid_diag diag;
	int r;
};

struct matrix_pool {
	struct vm *vm;
	const struct kvmcpuid_host *h;
	struct matrix_job *jobs;
	int hypercalls;		/* settled before the pool starts */
};

static void matrix_job_run(void *arg, size_t i)
{
	struct matrix_pool *pool = arg;
	struct matrix_job *j = &pool->jobs[i];

	j->r = run_vcpu(pool->vm, pool->h, &j->a, pool->hypercalls, j->o, &j->diag);
}

struct pool {
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	size_t next;		/* the next job to take (atomic) */
};

static void *pool_worker(void *arg)
{
	struct pool *pool = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED)) < pool->n)
		pool->fn(pool->arg, i);
	return NULL;
}

void pool_run(size_t from, size_t n, long threads, void (*fn)(void *arg, size_t i), void *arg)
{
	struct pool pool = { .fn = fn, .arg = arg, .n = n, .next = from };
	pthread_t tid[MATRIX_MAX];
	size_t started = 0, i;

	if (from >= n)
		return;
	if (threads > (long)(n - from))
		threads = (long)(n - from);
	if (threads > MATRIX_MAX)
		threads = MATRIX_MAX;
	while ((long)started + 1 < threads &&
	       pthread_create(&tid[started], NULL, pool_worker, &pool) == 0)
		started++;
	pool_worker(&pool);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

long pool_threads(const struct kvmcpuid_ctx *ctx, unsigned int per_job)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (ctx->matrix_threads)
		return (long)ctx->matrix_threads;
	cpus /= per_job ? (long)per_job : 1;
	return cpus > 0 ? cpus : 1;
}

struct kvmcpuid_check run_failed_check(int r, const char *subject, const char *cause)
{
	return (struct kvmcpuid_check){
		.kind = KVMCPUID_CHECK_RUN, .verdict = KVMCPUID_FAIL, .feature = -1,
		.id = (uint32_t)-r,
		.expected = { .type = KVMCPUID_VALUE_RET, .u.ret = 0 },
		.seen = { .type = KVMCPUID_VALUE_RET, .u.ret = r },
		.subject = subject, .expected_text = "ran to the end",
		.seen_text = strerror(-r), .cause = cause,
	};
}

int report_of_check(struct kvmcpuid_ctx *ctx, const char *label,
		    const struct kvmcpuid_policy *p, const struct kvmcpuid_check *c,
		    struct kvmcpuid_report **ret)
{
	struct kvmcpuid_report *rep;
	int r = report_new(ctx, label, &rep);

	if (r < 0)
		return r;
	r = report_add(rep, c);
	if (r == 0 && p)
		r = kvmcpuid_policy_dup(p, &rep->policy);
	if (r < 0) {
		kvmcpuid_report_unref(rep);
		return r;
	}
	*ret = rep;
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_matrix(const struct kvmcpuid_policy *base, unsigned int flags,
				struct kvmcpuid_report ***ret, size_t *n,
				struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_ctx *ctx = base ? base->ctx : NULL;
	struct kvmcpuid_report **reps = NULL;
	struct matrix_job *jobs = NULL;
	struct kvmcpuid_host *h = NULL;
	struct matrix_pool pool;
	struct vm vm;
	bool vm_ok = false;
	size_t count = 0, njobs = 0, i, first = 0;
	int r, which;

	diag_begin(diag);
	if (!base || !ret || !n)
		return diag_finish(ctx, diag, -EINVAL);
	reps = xalloc(ctx, MATRIX_MAX * sizeof(*reps));
	jobs = xalloc(ctx, MATRIX_MAX * sizeof(*jobs));
	if (!reps || !jobs) {
		r = -ENOMEM;
		goto out;
	}
	r = kvmcpuid_host_probe(ctx, diag, &h);
	if (r < 0)
		goto out;
	/* Every policy built first, here: the pool's threads only run vCPUs. */
	for (which = MATRIX_ALL_ON; which < FEATURE_COUNT; which++) {
		struct matrix_job *j = &jobs[njobs];

		r = matrix_variant(base, which, &j->p, j->label, sizeof(j->label));
		if (r < 0)
			goto out;
		j->masked = which >= 0 ? which : -1;
		njobs++;
		/* Masking alone never trips `on`; lints are not the matrix's business. */
		r = policy_run_args(j->p, h, flags & ~KVMCPUID_STRICT, &j->b, &j->a, j->label,
				    diag);
		if (r == 0) {
			j->o = xalloc(ctx, sizeof(*j->o));
			r = j->o ? 0 : -ENOMEM;
		}
		if (r < 0)
			goto out;
	}
	/* One VM for the whole matrix: a fresh vCPU, with its own table, per policy. */
	r = vm_create(ctx, 0, &vm, diag);
	if (r < 0)
		goto out;
	vm_ok = true;
	pool = (struct matrix_pool){ .vm = &vm, .h = h, .jobs = jobs };
	hypercall_mode_init(ctx, h);
	if (!ctx->hypercalls) {
		/* The first policy alone settles whether hypercalls complete on this host. */
		jobs[0].r = run_vcpu(&vm, h, &jobs[0].a, 0, jobs[0].o, &jobs[0].diag);
		if (jobs[0].r == 0)
			hypercall_learn(ctx, h, jobs[0].o);
		first = 1;
	}
	pool.hypercalls = ctx->hypercalls;
	pool_run(first, njobs, pool_threads(ctx, 1), matrix_job_run, &pool);
	/* In order, as a sequential run gives them. */
	for (i = 0; i < njobs; i++) {
		struct matrix_job *j = &jobs[i];

		if (j->r == 0)
			j->r = run_report(ctx, h, &j->a, j->o, &reps[count], &j->diag);
		if (j->r == -ENOMEM) {
			r = diag_set(ctx, diag, ENOMEM, NULL, 0, 0, "%s", j->diag.message);
			goto out;
		}
		r = 0;
		if (j->r < 0) {
			struct kvmcpuid_check c = run_failed_check(j->r, "verifying vCPU",
								   j->diag.message);

			r = report_of_check(ctx, j->label, j->p, &c, &reps[count]);
		}
		if (r < 0)
			goto out;
		reps[count++]->masked = j->masked;
	}
	*ret = reps;
	*n = count;
	reps = NULL;
	r = 0;
out:
	if (reps) {
		while (count)
			kvmcpuid_report_unref(reps[--count]);
		free(reps);
	}
	if (vm_ok)
		vm_destroy(&vm);
	for (i = 0; jobs && i < njobs; i++) {
		built_clear(&jobs[i].b);
		kvmcpuid_policy_unref(jobs[i].p);
		free(jobs[i].o);
	}
	free(jobs);
	kvmcpuid_host_unref(h);
	return verify_finish(base->ctx, diag, r);
}
