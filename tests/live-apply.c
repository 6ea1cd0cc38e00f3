// SPDX-License-Identifier: LGPL-2.1-or-later
/* Live: the host probe, KVM_SET_CPUID2 on a real vCPU, read back, EINVAL after run. */
#include <sys/ioctl.h>

#include "testutil.h"
#include "vm.h"
#include "report.h"

static struct kvmcpuid_ctx *ctx;
static struct kvmcpuid_host *host;

static void setup(void)
{
	struct kvmcpuid_diag d = { 0 };

	ctx = test_ctx();
	ck_assert_int_eq(kvmcpuid_host_probe(ctx, &d, &host), 0);
}

static void teardown(void)
{
	host = kvmcpuid_host_unref(host);
	ctx = kvmcpuid_unref(ctx);
}

START_TEST(test_probe)
{
	const struct kvm_cpuid_entry2 *e;
	struct kvmcpuid_host *again = NULL;
	size_t n;

	e = kvmcpuid_host_info(host)->supported;
	n = kvmcpuid_host_info(host)->nsupported;
	/* KVM_GET_SUPPORTED_CPUID needs more than the first 32-entry guess on any modern CPU */
	ck_assert_uint_gt(n, 32);
	ck_assert_ptr_nonnull(table_find(e, n, 0, 0));
	ck_assert_uint_eq(table_kvm_base(e, n), 0x40000000);
	ck_assert_uint_eq(kvmcpuid_host_info(host)->features,
			  table_find(e, n, 0x40000001, 0)->eax & KVMCPUID_FEATURES_VALID_EAX);
	ck_assert_str_ne(kvmcpuid_host_info(host)->module, "unknown");
	/* cached per context */
	ck_assert_int_eq(kvmcpuid_host_probe(ctx, NULL, &again), 0);
	ck_assert_ptr_eq(again, host);
	kvmcpuid_host_unref(again);
}
END_TEST

/* A probed host outlives its context, and the cache lives as long as the host. */
START_TEST(test_probe_outlives_ctx)
{
	struct kvmcpuid_ctx *c = test_ctx();
	struct kvmcpuid_host *h = NULL, *again = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_host_probe(c, &d, &h), 0);
	ck_assert_int_eq(kvmcpuid_host_probe(c, &d, &again), 0);
	ck_assert_ptr_eq(again, h);
	kvmcpuid_host_unref(again);
	c = kvmcpuid_unref(c);
	ck_assert_uint_eq(kvmcpuid_host_info(h)->features, kvmcpuid_host_info(host)->features);
	ck_assert_ptr_nonnull(kvmcpuid_host_info(h)->supported);
	ck_assert_uint_gt(kvmcpuid_host_info(h)->nsupported, 32);
	kvmcpuid_host_unref(h);
}
END_TEST

/* Through the library's count: 5.10/6.1 leave nent at the capacity on success. */
static size_t readback(int vcpu_fd, struct kvm_cpuid_entry2 *out, size_t cap)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + cap * sizeof(*out));
	int n = vcpu_get_cpuid(ctx, vcpu_fd, c, cap);

	ck_assert_int_ge(n, 0);
	ck_assert_uint_lt((size_t)n, cap);
	memcpy(out, c->entries, (size_t)n * sizeof(*out));
	free(c);
	return (size_t)n;
}

START_TEST(test_apply_own_vcpu_and_read_back)
{
	struct kvm_cpuid_entry2 back[300];
	struct kvmcpuid_policy *p = inline_policy(ctx, "steal_time=off,pv_eoi=off,enforce=on");
	struct kvmcpuid_cpuid *c = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct vcpu vcpu;
	struct vm vm;
	size_t n;

	ck_assert_int_eq(vm_create(ctx, 0, &vm, &d), 0);
	ck_assert_int_eq(vm_vcpu_create(&vm, &vcpu, &d), 0);
	ck_assert_int_eq(kvmcpuid_build(p, host, 0, &c, &d), 0);
	ck_assert_int_eq(kvmcpuid_cpuid_apply(c, vcpu.fd, NULL, 0, &d), 0);
	kvmcpuid_cpuid_unref(c);
	n = readback(vcpu.fd, back, 300);
	/* the host's table with its KVM block replaced by one of the same two leaves */
	ck_assert_uint_eq(n, host->nent);
	ck_assert_uint_eq(table_find(back, n, 0x40000001, 0)->eax,
			  kvmcpuid_host_info(host)->features & ~((1u << 5) | (1u << 6)));
	ck_assert_uint_eq(table_kvm_base(back, n), 0x40000000);
	vm_vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	kvmcpuid_policy_unref(p);
}
END_TEST

/* kvmcpuid apply's path, for every feature masked alone. */
START_TEST(test_each_feature_masked_alone)
{
	unsigned int f = (unsigned int)_i;
	struct kvmcpuid_cpuid *c = NULL, *kept = NULL;
	const struct kvm_cpuid_entry2 *back, *e;
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	uint32_t want_eax, want_edx;
	size_t n, total = 0;

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	ck_assert_int_eq(kvmcpuid_policy_set(p, kvmcpuid_feature(f)->name, "off", &d), 0);
	ck_assert_int_eq(kvmcpuid_build(p, host, 0, &c, &d), 0);
	want_eax = kvmcpuid_cpuid_info(c)->features;
	want_edx = kvmcpuid_cpuid_info(c)->hints;
	ck_assert_int_eq(kvmcpuid_cpuid_readback(c, &kept, &total, &d), 0);
	ck_assert_uint_eq(total, host->nent);
	back = kvmcpuid_cpuid_info(kept)->entries;
	n = kvmcpuid_cpuid_info(kept)->nent;
	e = table_find(back, n, 0x40000001, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->eax, want_eax);
	ck_assert_uint_eq(e->edx, want_edx);
	ck_assert_uint_eq(((kvmcpuid_feature(f)->reg ? e->edx : e->eax) >> kvmcpuid_feature(f)->bit) & 1,
			  0);
	/* kvmcpuid apply's verdict: KVM kept what was built */
	ck_assert(kvmcpuid_cpuid_equal(c, kept));
	ck_assert_uint_eq(kvmcpuid_cpuid_info(kept)->features, want_eax);
	kvmcpuid_cpuid_unref(kept);
	kvmcpuid_cpuid_unref(c);
	kvmcpuid_policy_unref(p);
}
END_TEST

START_TEST(test_einval_after_run)
{
	struct kvmcpuid_diag d = { 0 };
	uint32_t eax;
	struct kvm_cpuid_entry2 *t;
	const struct kvm_cpuid_entry2 *sup;
	struct vcpu vcpu;
	struct vm vm;
	size_t n;
	int phase;

	sup = kvmcpuid_host_info(host)->supported;
	n = kvmcpuid_host_info(host)->nsupported;
	t = malloc(n * sizeof(*t));
	memcpy(t, sup, n * sizeof(*t));
	ck_assert_int_eq(vm_create(ctx, 0, &vm, &d), 0);
	ck_assert_int_eq(vm_vcpu_create(&vm, &vcpu, &d), 0);
	ck_assert_int_eq(kvmcpuid_apply(ctx, vcpu.fd, t, n, 0, &d), 0);
	/* registers after the table: 6.12+ refuses long-mode EFER without CPUID.LM */
	ck_assert_int_eq(vm_vcpu_setup(&vm, &vcpu, &d), 0);
	request_fill(vm_io(&vm, vcpu.id), t, n, 0, GUEST_NO_HCALLS, false);
	ck_assert_int_eq(vm_vcpu_run(&vm, &vcpu, 5000, &phase, &d), 0);
	ck_assert_int_eq(phase, GUEST_PHASE_DONE);
	/* after the vCPU has run KVM takes only the table it has (as KVM_GET_CPUID2 gives it) */
	free(t);
	t = calloc(300, sizeof(*t));
	ck_assert_uint_eq(readback(vcpu.fd, t, 300), n);
	ck_assert_int_eq(kvmcpuid_apply(ctx, vcpu.fd, t, n, 0, &d), 0);
	eax = table_find(t, n, 0x40000001, 0)->eax ^ (1u << 5);
	((struct kvm_cpuid_entry2 *)table_find(t, n, 0x40000001, 0))->eax = eax;
	if (kernel_at_least(host, 5, 16)) {
		/*
		 * feb627e8d6f6 ("KVM: x86: Forbid KVM_SET_CPUID{,2} after KVM_RUN", 5.16) and
		 * c6617c61e8fe ("Partially allow ... after KVM_RUN": an identical table), in
		 * kvm_arch_vcpu_ioctl / kvm_set_cpuid (arch/x86/kvm/cpuid.c).
		 */
		ck_assert_int_eq(kvmcpuid_apply(ctx, vcpu.fd, t, n, 0, &d), -EINVAL);
		ck_assert(strstr(d.message, "identical"));
	} else {
		/* before 5.16 KVM took any table at any time, and the guest sees the new one */
		ck_assert_int_eq(kvmcpuid_apply(ctx, vcpu.fd, t, n, 0, &d), 0);
		memset(t, 0, 300 * sizeof(*t));
		ck_assert_uint_eq(readback(vcpu.fd, t, 300), n);
		ck_assert_uint_eq(table_find(t, n, 0x40000001, 0)->eax, eax);
	}
	vm_vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	free(t);
}
END_TEST

START_TEST(test_apply_errors)
{
	struct kvm_cpuid_entry2 big[257];
	struct kvmcpuid_diag d = { 0 };
	struct vcpu vcpu;
	struct vm vm;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	memset(big, 0, sizeof(big));
	ck_assert_int_eq(vm_create(ctx, 0, &vm, &d), 0);
	ck_assert_int_eq(vm_vcpu_create(&vm, &vcpu, &d), 0);
	ck_assert_int_eq(kvmcpuid_apply(ctx, vcpu.fd, big, 257, 0, &d), -E2BIG);
	ck_assert(strstr(d.message, "at most 256"));
	ck_assert_int_eq(kvmcpuid_apply(ctx, fd, big, 1, 0, &d), -EIO);
	ck_assert(strstr(d.message, "vCPU"));
	ck_assert_int_eq(kvmcpuid_apply(ctx, -1, big, 1, 0, &d), -EINVAL);
	vm_vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	close(fd);
}
END_TEST

START_TEST(test_missing_device)
{
	struct kvmcpuid_ctx *c = test_ctx();
	struct kvmcpuid_host *h = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_set_device(c, "/nonexistent/kvm"), 0);
	ck_assert_int_eq(kvmcpuid_host_probe(c, &d, &h), -ENOENT);
	ck_assert(strstr(d.message, "modprobe"));
	ck_assert_int_eq(kvmcpuid_set_device(c, "/dev/null"), 0);
	ck_assert_int_eq(kvmcpuid_host_probe(c, &d, &h), -ENODEV);
	ck_assert(strstr(d.message, "not a KVM device"));
	kvmcpuid_unref(c);
}
END_TEST

/* Fail each ioctl, then each allocation, of applying a policy to our own vCPU. */
START_TEST(test_apply_with_failures)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "steal_time=off,enforce=on");
	struct kvm_cpuid_entry2 before[300], after[300];
	struct kvmcpuid_cpuid *c = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct vcpu vcpu;
	struct vm vm;
	unsigned int kind, at;
	size_t nb, na;

	ck_assert_int_eq(vm_create(ctx, 0, &vm, &d), 0);
	ck_assert_int_eq(vm_vcpu_create(&vm, &vcpu, &d), 0);
	ck_assert_int_eq(kvmcpuid_build(p, host, 0, &c, &d), 0);
	for (kind = 0; kind < 2; kind++) {
		bool succeeded = false;

		for (at = 1; at < 50 && !succeeded; at++) {
			int r;

			nb = readback(vcpu.fd, before, 300);
			if (kind == 0) {
				ctx->fail_ioctl_at = at;
				ctx->fail_errno = EIO;
			} else {
				ctx->fail_alloc_at = at;
			}
			r = kvmcpuid_cpuid_apply(c, vcpu.fd, NULL, 0, &d);
			succeeded = r == 0 && (kind ? ctx->fail_alloc_at : ctx->fail_ioctl_at) != 0;
			ctx->fail_ioctl_at = ctx->fail_alloc_at = 0;
			if (r < 0) {
				ck_assert_msg(r == (kind ? -ENOMEM : -EIO) ||
					      (!kind && r == -ENOTSUP), "%u/%u: %d", kind, at, r);
				ck_assert(d.message[0]);
				/* whatever failed, the vCPU's table is as it was */
				na = readback(vcpu.fd, after, 300);
				ck_assert_uint_eq(na, nb);
				ck_assert(!memcmp(after, before, nb * sizeof(*before)));
			}
		}
		ck_assert(succeeded);
	}
	vm_vcpu_destroy(&vcpu);
	vm_destroy(&vm);
	kvmcpuid_cpuid_unref(c);
	kvmcpuid_policy_unref(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live-apply");
	TCase *tc = tcase_create("apply");

	require_kvm();
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_probe_outlives_ctx);
	tcase_add_test(tc, test_apply_own_vcpu_and_read_back);
	tcase_add_loop_test(tc, test_each_feature_masked_alone, 0, KVMCPUID_FEATURE_REALTIME + 1);
	tcase_add_test(tc, test_einval_after_run);
	tcase_add_test(tc, test_apply_errors);
	tcase_add_test(tc, test_missing_device);
	tcase_add_test(tc, test_apply_with_failures);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
