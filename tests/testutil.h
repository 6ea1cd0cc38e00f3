/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers for the Check suites. */
#ifndef KVMCPUID_TESTUTIL_H
#define KVMCPUID_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static inline struct kvmcpuid_ctx *test_ctx(void)
{
	struct kvmcpuid_ctx *ctx = NULL;

	ck_assert_int_eq(kvmcpuid_new(&ctx), 0);
	kvmcpuid_set_log_fn(ctx, NULL, NULL);
	return ctx;
}

/* Live suites: exit 77 (automake's skip) when /dev/kvm cannot be opened. */
static inline void require_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/kvm cannot be opened\n");
		exit(77);
	}
	close(fd);
}

/* The running kernel (uname release, as the host probe read it) is major.minor or later. */
static inline bool kernel_at_least(const struct kvmcpuid_host *h, unsigned int major,
				   unsigned int minor)
{
	unsigned int a = 0, b = 0;

	ck_assert_int_eq(sscanf(h->kernel, "%u.%u", &a, &b), 2);
	return a > major || (a == major && b >= minor);
}

/* A host profile as orchestration would save it: everything KVM offers but steal_time. */
#define TEST_HOST_PROFILE                                                                  \
	"{ \"kvmcpuid_host_profile\": 1, \"module\": \"kvm_intel\", \"vendor\": \"intel\","  \
	" \"features\": \"0x01007edb\", \"hints\": \"0x0\", \"enforce_pv_feature_cpuid\": true," \
	" \"exit_hypercall\": false, \"tsc_khz\": 2000000, \"supported_cpuid\": ["           \
	" { \"function\": \"0x0\", \"eax\": \"0xd\", \"ebx\": \"0x756e6547\","               \
	" \"ecx\": \"0x6c65746e\", \"edx\": \"0x49656e69\" },"                                \
	" { \"function\": \"0x40000000\", \"eax\": \"0x40000001\", \"ebx\": \"0x4b4d564b\","  \
	" \"ecx\": \"0x564b4d56\", \"edx\": \"0x4d\" },"                                       \
	" { \"function\": \"0x40000001\", \"eax\": \"0x01007edb\" } ] }"

static inline struct kvmcpuid_host *test_host(struct kvmcpuid_ctx *ctx)
{
	struct kvmcpuid_host *h = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_host_load_json(ctx, TEST_HOST_PROFILE,
						 strlen(TEST_HOST_PROFILE), "profile", &d, &h), 0);
	return h;
}

/* A policy value by key, as kvmcpuid_policy_get writes it (one static buffer). */
static inline const char *policy_value(const struct kvmcpuid_policy *p, const char *key)
{
	static char buf[KVMCPUID_POLICY_VALUE_MAX];

	ck_assert_int_eq(kvmcpuid_policy_get(p, key, buf, sizeof(buf)), 0);
	return buf;
}

static inline struct kvmcpuid_policy *inline_policy(struct kvmcpuid_ctx *ctx, const char *s)
{
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r = kvmcpuid_policy_parse_inline(ctx, s, "t", &d, &p);

	ck_assert_msg(r == 0, "policy '%s' did not parse: %s", s, d.message);
	return p;
}

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);	/* CK_VERBOSITY, normal by default */
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
