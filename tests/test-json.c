// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one JSON reader (lib/json.c, json_parse_doc): a key repeated in any object is an
 * error at the second one's file:line:col in every JSON the library reads (policies, host
 * profiles, build outputs; imports in test-vmm-firecracker.c), and the reader is linear:
 * 1 MiB of its worst shapes under a bound that catches quadratic work (10 s) without
 * timing the machine.  The measured times go to the test log.
 */
#include "bigtext.h"
#include "testutil.h"

static struct kvmcpuid_ctx *ctx;

static void setup(void)
{
	ctx = test_ctx();
}

static void teardown(void)
{
	kvmcpuid_unref(ctx);
}

static void check_diag(const struct kvmcpuid_diag *d, const char *origin, unsigned int line,
		       unsigned int column, const char *msg)
{
	ck_assert_str_eq(d->origin, origin);
	ck_assert_msg(d->line == line && d->column == column, "%u:%u: %s", d->line, d->column,
		      d->message);
	ck_assert_str_eq(d->message, msg);
}

START_TEST(test_duplicates)
{
	static const char policy[] = "{ \"default\": \"off\",\n  \"steal_time\": \"on\",\n"
				     "  \"st\\u0065al_time\": \"off\" }";
	static const char nested[] = "{ \"a\": { \"x\": 1, \"x\": 2 } }";
	char dir[] = "/tmp/kvmcpuid-json-XXXXXX", path[64], *json = NULL, *dup;
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_host *h = NULL;
	struct kvmcpuid_cpuid *c = NULL;
	struct kvmcpuid_diag d = { 0 };
	const char *at;
	FILE *f;

	/* a policy: the escaped spelling is the same key */
	ck_assert_int_eq(kvmcpuid_policy_parse_json(ctx, policy, strlen(policy), "p.json", &d,
						    &p), -EINVAL);
	check_diag(&d, "p.json", 3, 3, "duplicate key 'steal_time' (first set at line 2)");
	/* in a nested object too, before any other check */
	ck_assert_int_eq(kvmcpuid_policy_parse_json(ctx, nested, strlen(nested), "n.json", &d,
						    &p), -EINVAL);
	check_diag(&d, "n.json", 1, 18, "duplicate key 'x' (first set at line 1)");
	/* a host profile: "features" twice no longer means the last */
	dup = malloc(strlen(TEST_HOST_PROFILE) + 64);
	at = strstr(TEST_HOST_PROFILE, "\"hints\"");
	sprintf(dup, "%.*s\n\"features\": \"0x0\", %s", (int)(at - TEST_HOST_PROFILE),
		TEST_HOST_PROFILE, at);
	ck_assert_int_eq(kvmcpuid_host_load_json(ctx, dup, strlen(dup), "h.json", &d, &h),
			 -EINVAL);
	check_diag(&d, "h.json", 2, 1, "duplicate key 'features' (first set at line 1)");
	free(dup);
	/* a build output read back */
	h = test_host(ctx);
	p = inline_policy(ctx, "steal_time=off");
	ck_assert_int_eq(kvmcpuid_build(p, h, 0, &c, NULL), 0);
	ck_assert_int_eq(kvmcpuid_cpuid_to_json(c, &json), 0);
	at = strstr(json, "\"enforce\"");
	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.json", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%.*s\"enforce\": true,\n  %s", (int)(at - json), json, at);
	ck_assert_int_eq(fclose(f), 0);
	kvmcpuid_cpuid_unref(c);
	c = NULL;
	ck_assert_int_eq(kvmcpuid_cpuid_load_file(ctx, path, &d, &c), -EINVAL);
	check_diag(&d, path, 4, 3, "duplicate key 'enforce' (first set at line 3)");
	ck_assert_ptr_null(c);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
	free(json);
	kvmcpuid_policy_unref(p);
	kvmcpuid_host_unref(h);
}
END_TEST

static void key_item(size_t i, char *buf)
{
	sprintf(buf, "\"k%015zu\":0,", i);
}

static void entry_item(size_t i, char *buf)
{
	sprintf(buf, "{\"function\":\"0x%zx\",\"eax\":\"0x%0100d\"},", i, 0);
}

START_TEST(test_linear)
{
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_host *h = NULL;
	struct kvmcpuid_diag d = { 0 };
	size_t len;
	double t0, dt;
	char *t;

	/* a policy of 1 MiB of keys, the last one a duplicate of the first */
	t = big("{\"k0\":0,", key_item, SIZE_MAX, "\"k0\":1}", &len);
	ck_assert_uint_gt(len, 1000000);
	t0 = now();
	ck_assert_int_eq(kvmcpuid_policy_parse_json(ctx, t, len, "big.json", &d, &p), -EINVAL);
	dt = now() - t0;
	printf("policy JSON, %zu bytes of keys: %.3f s\n", len, dt);
	ck_assert_msg(strstr(d.message, "duplicate key 'k0'"), "%s", d.message);
	ck_assert_double_lt(dt, 10);
	free(t);
	/* a host profile: the same keys at its top */
	t = big("{\"kvmcpuid_host_profile\":1,", key_item, SIZE_MAX,
		"\"kvmcpuid_host_profile\":1}", &len);
	t0 = now();
	ck_assert_int_eq(kvmcpuid_host_load_json(ctx, t, len, "big.json", &d, &h), -EINVAL);
	dt = now() - t0;
	printf("host profile, %zu bytes of keys: %.3f s\n", len, dt);
	ck_assert(strstr(d.message, "duplicate key 'kvmcpuid_host_profile'"));
	ck_assert_double_lt(dt, 10);
	free(t);
	/* a long array of objects, within the reader's limit of 8192 containers */
	t = big("{\"kvmcpuid_host_profile\":1,\"supported_cpuid\":[", entry_item, 8000, "]}",
		&len);
	ck_assert_uint_gt(len, 900 * 1024);
	t0 = now();
	ck_assert_int_lt(kvmcpuid_host_load_json(ctx, t, len, "big.json", &d, &h), 0);
	dt = now() - t0;
	printf("host profile, %zu bytes of entries: %.3f s (%s)\n", len, dt, d.message);
	ck_assert_double_lt(dt, 10);
	free(t);
}
END_TEST


/* The cursor gives offset_to_linecol's answer wherever it is moved, back or forth. */
START_TEST(test_cursor)
{
	static const char text[] = "ab\nc\xc3\xa9\xe2\x98\x83" "d\n\nxyz\nq";
	struct text_cursor c = { 0 };
	unsigned int l1, c1, l2, c2;
	size_t off;
	int k;

	srand(1);
	for (k = 0; k < 20000; k++) {
		off = (size_t)rand() % sizeof(text);
		offset_to_linecol(text, off, &l1, &c1);
		text_cursor_at(&c, text, off, &l2, &c2);
		ck_assert_msg(l1 == l2 && c1 == c2, "%zu: %u:%u, cursor %u:%u", off, l1, c1, l2,
			      c2);
	}
	offset_to_linecol(text, 9, &l1, &c1);
	ck_assert_uint_eq(l1, 2);
	ck_assert_uint_eq(c1, 4);	/* columns count characters, not bytes */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cursor);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_linear);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
