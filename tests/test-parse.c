// SPDX-License-Identifier: LGPL-2.1-or-later
/* The policy language: text, inline and JSON, canonical printing, every error position. */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static struct kvmcpuid_ctx *ctx;

static void setup(void)
{
	ctx = test_ctx();
}

static void teardown(void)
{
	ctx = kvmcpuid_unref(ctx);
}

static struct kvmcpuid_policy *text_policy(const char *s)
{
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r = kvmcpuid_policy_parse_text(ctx, s, strlen(s), "p", &d, &p);

	ck_assert_msg(r == 0, "'%s' did not parse: %s", s, d.message);
	return p;
}

START_TEST(test_design_example)
{
	struct kvmcpuid_policy *p = text_policy(
		"# tenant-a: dedicated vCPUs, no async page faults, enforce the mask\n"
		"default      = host\n"
		"async_pf     = off\n"
		"realtime     = on\n"
		"enforce      = on\n");

	char *text;

	ck_assert_str_eq(policy_value(p, "async_pf"), "off");
	ck_assert_str_eq(policy_value(p, "realtime"), "on");
	ck_assert_str_eq(policy_value(p, "steal_time"), "host");
	/* steal_time follows the default: the policy does not name it */
	ck_assert_int_eq(kvmcpuid_policy_to_text(p, &text), 0);
	ck_assert_ptr_null(strstr(text, "steal_time"));
	free(text);
	ck_assert_str_eq(policy_value(p, "enforce"), "on");
	ck_assert_str_eq(policy_value(p, "timing"), "off");
	ck_assert_str_eq(policy_value(p, "base"), "0x40000000");
	kvmcpuid_policy_unref(p);
}
END_TEST

START_TEST(test_three_forms_agree)
{
	const char *text = "default = off\nsteal_time = on\nKVM_FEATURE_PV_EOI = force\n"
			   "kvm-hint-dedicated = on\nenforce = true\nbase = 0x40000100\n"
			   "max_leaf = 0x40000101\ntiming = yes\nsignature = \"ABCDEFGHIJKL\"\n";
	const char *inl = "default=off,steal_time=on,KVM_FEATURE_PV_EOI=force,"
			  "kvm-hint-dedicated=on,enforce=1,base=1073742080,max_leaf=0x40000101,"
			  "timing=on,signature=\"ABCDEFGHIJKL\"";
	const char *json = "{\"default\":\"off\",\"steal_time\":\"on\",\"KVM_FEATURE_PV_EOI\":"
			   "\"force\",\"kvm-hint-dedicated\":\"on\",\"enforce\":true,"
			   "\"base\":1073742080,\"max_leaf\":\"0x40000101\",\"timing\":true,"
			   "\"signature\":\"ABCDEFGHIJKL\"}";
	struct kvmcpuid_policy *a = text_policy(text), *b = inline_policy(ctx, inl), *c = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_policy_parse_json(ctx, json, strlen(json), "j", &d, &c), 0);
	ck_assert(kvmcpuid_policy_equal(a, b));
	ck_assert(kvmcpuid_policy_equal(a, c));
	ck_assert_str_eq(policy_value(a, "signature"), "\"ABCDEFGHIJKL\"");
	ck_assert_str_eq(policy_value(a, "realtime"), "on");
	ck_assert_str_eq(policy_value(a, "clocksource"), "off");
	kvmcpuid_policy_unref(a);
	kvmcpuid_policy_unref(b);
	kvmcpuid_policy_unref(c);
}
END_TEST

static void roundtrip(struct kvmcpuid_policy *p)
{
	struct kvmcpuid_policy *q = NULL, *r = NULL;
	struct kvmcpuid_diag d = { 0 };
	char *text, *json;

	ck_assert_int_eq(kvmcpuid_policy_to_text(p, &text), 0);
	ck_assert_int_eq(kvmcpuid_policy_to_json(p, &json), 0);
	ck_assert_msg(kvmcpuid_policy_parse_text(ctx, text, strlen(text), "t", &d, &q) == 0,
		      "canonical text did not parse: %s\n%s", d.message, text);
	ck_assert_msg(kvmcpuid_policy_parse_json(ctx, json, strlen(json), "j", &d, &r) == 0,
		      "canonical JSON did not parse: %s\n%s", d.message, json);
	ck_assert_msg(kvmcpuid_policy_equal(p, q), "text round trip differs:\n%s", text);
	ck_assert_msg(kvmcpuid_policy_equal(p, r), "JSON round trip differs:\n%s", json);
	free(text);
	free(json);
	kvmcpuid_policy_unref(q);
	kvmcpuid_policy_unref(r);
}

START_TEST(test_roundtrip_every_feature_and_action)
{
	static const char *const actions[] = { "host", "on", "off", "force" };
	unsigned int f, a;

	for (f = 0; f < KVMCPUID_FEATURE_COUNT; f++) {
		for (a = 0; a < 4; a++) {
			struct kvmcpuid_policy *p = NULL;
			struct kvmcpuid_diag d = { 0 };
			int r;

			ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
			r = kvmcpuid_policy_set(p, kvmcpuid_feature(f)->name, actions[a], &d);
			if (f == KVMCPUID_FEATURE_MMU_OP && (a == 0 || a == 1)) {
				ck_assert_int_eq(r, -EINVAL);
			} else {
				ck_assert_int_eq(r, 0);
				roundtrip(p);
			}
			kvmcpuid_policy_unref(p);
		}
	}
}
END_TEST

START_TEST(test_roundtrip_settings)
{
	static const char *const cases[] = {
		"default=off", "signature=hidden", "signature=kvm",
		"signature=\"Microsoft Hv\"", "signature=\"a\\\"b\\\\c\\x00\\x01\\x7fwxyz\"",
		"base=0x4000ff00", "base=0x40000100,max_leaf=0x400001ff", "max_leaf=legacy-zero",
		"max_leaf=0x40000000", "timing=on", "enforce=yes", "kvmclock=off",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvmcpuid_policy *p = inline_policy(ctx, cases[i]);

		roundtrip(p);
		kvmcpuid_policy_unref(p);
	}
}
END_TEST

START_TEST(test_kvm_signature_spelled_out)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "signature=\"KVMKVMKVM\\x00\\x00\\x00\"");

	ck_assert_str_eq(policy_value(p, "signature"), "kvm");
	kvmcpuid_policy_unref(p);
}
END_TEST

START_TEST(test_kvmclock_sets_both)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "kvmclock=off");

	ck_assert_str_eq(policy_value(p, "clocksource"), "off");
	ck_assert_str_eq(policy_value(p, "clocksource2"), "off");
	ck_assert_str_eq(policy_value(p, "kvmclock"), "off");
	kvmcpuid_policy_unref(p);
}
END_TEST

static const struct bad {
	const char *text;
	unsigned int line, col;
	const char *msg;
} bad_text[] = {
	{ "steal_tim = off\n", 1, 1, "unknown key 'steal_tim'; did you mean 'steal_time'?" },
	{ "# c\n\n  enforse = on\n", 3, 3, "did you mean 'enforce'?" },
	{ "steal_time = of\n", 1, 14, "invalid value 'of' for 'steal_time'" },
	{ "steal_time = off\nsteal_time = on\n", 2, 1, "duplicate key 'steal_time' (first set at line 1)" },
	{ "kvmclock = on\nclocksource = off\n", 2, 1, "already set at line 1 (by 'kvmclock')" },
	{ "default = on\n", 1, 11, "expected host or off" },
	{ "base = 0x40000080\n", 1, 8, "invalid base '0x40000080'" },
	{ "base = 0x40010000\n", 1, 8, "invalid base" },
	{ "base = 0x3fffff00\n", 1, 8, "invalid base" },
	{ "base = 0x1ffffffff\n", 1, 8, "invalid base" },
	{ "signature = \"short\"\n", 1, 13, "exactly 12 bytes, got 5 bytes" },
	{ "signature = \"thirteen byte\"\n", 1, 13, "got 13 bytes" },
	{ "signature = KVMKVMKVMKVM\n", 1, 13, "must be quoted" },
	{ "signature = \"unterminated\n", 1, 13, "unterminated quoted value" },
	{ "signature = \"bad\\qescape!\"\n", 1, 17, "invalid escape" },
	{ "signature = \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"\n", 1, 13, "not ASCII" },
	{ "max_leaf = 0x40000200\n", 1, 1, "outside the block of base 0x40000000" },
	{ "max_leaf = 0x40000101\nbase = 0x40000200\n", 2, 1, "outside the block" },
	{ "max_leaf = sometimes\n", 1, 12, "invalid max_leaf 'sometimes'" },
	{ "timing = maybe\n", 1, 10, "expected on or off" },
	{ "enforce = 2\n", 1, 11, "expected on or off" },
	{ "mmu_op = on\n", 1, 10, "only off or force" },
	{ "mmu_op = host\n", 1, 10, "only off or force" },
	{ "steal_time off\n", 1, 12, "expected '=' after 'steal_time'" },
	{ "steal_time = off extra\n", 1, 18, "unexpected text after the value of 'steal_time'" },
	{ "= off\n", 1, 1, "expected a key, found '='" },
	{ "steal_time =\n", 1, 13, "missing value" },
	{ "steal_time = off\nbad\xff = on\n", 2, 4, "invalid UTF-8 byte 0xff" },
	{ "x\xc3\xa9y = on\n", 1, 2, "invalid character '\xc3\xa9' (U+00E9) in key 'x'" },
	{ "\xef\xbb\xbfsteal_time = on\n", 1, 1, "found U+FEFF (a byte order mark" },
	{ "\xe2\x82\xac = on\n", 1, 1, "expected a key, found '\xe2\x82\xac' (U+20AC)" },
	{ "steal_time = o\x1b[2Jn\n", 1, 14, "invalid value 'o\\x1b[2Jn'" },
	{ "steal_time = off # ok\npv_eoi = off\n\xc0\x80", 3, 1, "invalid UTF-8" },
	{ "reserved_bit_8 = on\n", 1, 1, "unknown key 'reserved_bit_8'" },
	{ "STEAL_TIME = on\n", 1, 1, "unknown key 'STEAL_TIME'" },
};

START_TEST(test_bad_text)
{
	const struct bad *b = &bad_text[_i];
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r = kvmcpuid_policy_parse_text(ctx, b->text, strlen(b->text), "bad.policy", &d, &p);

	ck_assert_msg(r == -EINVAL, "case %d parsed (r=%d)", _i, r);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(d.origin, "bad.policy");
	ck_assert_msg(d.line == b->line && d.column == b->col,
		      "case %d: at %u:%u, want %u:%u (%s)", _i, d.line, d.column, b->line, b->col,
		      d.message);
	ck_assert_msg(strstr(d.message, b->msg), "case %d: message '%s' lacks '%s'", _i,
		      d.message, b->msg);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "steal_time = off\npv_\0eoi = on\n";
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_policy_parse_text(ctx, text, sizeof(text) - 1, "n", &d, &p),
			 -EINVAL);
	ck_assert_uint_eq(d.line, 2);
	ck_assert_uint_eq(d.column, 4);
	ck_assert(strstr(d.message, "NUL"));
}
END_TEST

START_TEST(test_too_big)
{
	size_t len = (1u << 20) + 1;
	char *big = malloc(len);
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };

	memset(big, '\n', len);
	ck_assert_int_eq(kvmcpuid_policy_parse_text(ctx, big, len, "big", &d, &p), -EFBIG);
	ck_assert(strstr(d.message, "1 MiB"));
	/* exactly 1 MiB of blank lines is fine */
	ck_assert_int_eq(kvmcpuid_policy_parse_text(ctx, big, len - 1, "big", &d, &p), 0);
	kvmcpuid_policy_unref(p);
	free(big);
}
END_TEST

static const struct bad bad_inline[] = {
	{ "steal_time=off,,pv_eoi=off", 1, 16, "empty setting between commas" },
	{ "steal_time=off,", 1, 16, "trailing ','" },
	{ "steal_time=off pv_eoi=off", 1, 16, "separate settings with ','" },
	{ "pv_eoi=off,stealtime=off", 1, 12, "did you mean 'steal_time'?" },
	{ "base=0x40000100,max_leaf=0x40000001", 1, 17, "outside the block of base 0x40000100" },
	{ "signature=\"a,b,c\"", 1, 11, "got 5 bytes" },
};

START_TEST(test_bad_inline)
{
	const struct bad *b = &bad_inline[_i];
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_policy_parse_inline(ctx, b->text, "--set", &d, &p), -EINVAL);
	ck_assert_msg(d.line == b->line && d.column == b->col, "case %d at %u:%u (%s)", _i,
		      d.line, d.column, d.message);
	ck_assert_msg(strstr(d.message, b->msg), "case %d: '%s'", _i, d.message);
}
END_TEST

static const struct bad bad_json[] = {
	{ "{\"steal_time\":\"off\",\n \"steal_time\":\"on\"}", 2, 2, "duplicate key 'steal_time'" },
	{ "{\"stael_time\":\"off\"}", 1, 2, "did you mean 'steal_time'?" },
	{ "{\"steal_time\":[\"off\"]}", 1, 2, "expected a string, a boolean" },
	{ "{\"steal_time\":{\"a\":1}}", 1, 2, "expected a string, a boolean" },
	{ "{\"steal_time\":null}", 1, 2, "expected a string" },
	{ "{\"enforce\":\"perhaps\"}", 1, 2, "expected on or off" },
	{ "{\"base\":-256}", 1, 2, "non-negative" },
	{ "{\"base\":1.5}", 1, 2, "expected a string" },
	/* numbers json-c clamps are quoted as written */
	{ "{\"base\" :\n 99999999999999999999999}", 1, 2, "invalid base '99999999999999999999999'" },
	{ "{\"enforce\": 18446744073709551616}", 1, 2, "invalid value '18446744073709551616'" },
	{ "{\"steal_time\":\"off\"", 1, 20, "invalid JSON" },
	{ "{\"steal_time\":\"off\"} x", 1, 22, "invalid JSON" },
	{ "[1,2]", 1, 1, "expected one JSON object" },
	{ "{\"a\":\"\xff\"}", 1, 7, "invalid JSON" },
	{ "{\"signature\":\"toolong-by-far\"}", 1, 2, "exactly 12 bytes" },
	{ "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]}", 1, 21, "invalid JSON" },
};

START_TEST(test_bad_json)
{
	const struct bad *b = &bad_json[_i];
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r = kvmcpuid_policy_parse_json(ctx, b->text, strlen(b->text), "p.json", &d, &p);

	ck_assert_msg(r == -EINVAL, "case %d: r=%d", _i, r);
	ck_assert_msg(d.line == b->line && d.column == b->col, "case %d at %u:%u (%s)", _i,
		      d.line, d.column, d.message);
	ck_assert_msg(strstr(d.message, b->msg), "case %d: '%s'", _i, d.message);
}
END_TEST

START_TEST(test_override_is_atomic)
{
	struct kvmcpuid_policy *p = inline_policy(ctx, "steal_time=off,enforce=on");
	struct kvmcpuid_policy *before = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_int_eq(kvmcpuid_policy_dup(p, &before), 0);
	/* later settings win over the file's */
	ck_assert_int_eq(kvmcpuid_policy_override(p, "steal_time=on", NULL, &d), 0);
	ck_assert_str_eq(policy_value(p, "steal_time"), "on");
	ck_assert_int_eq(kvmcpuid_policy_override(p, "steal_time=off", NULL, &d), 0);
	/* a failing override changes nothing, not even its valid first half */
	ck_assert_int_eq(kvmcpuid_policy_override(p, "pv_eoi=off,bogus=1", NULL, &d), -EINVAL);
	ck_assert_uint_eq(d.column, 12);
	ck_assert(kvmcpuid_policy_equal(p, before));
	ck_assert_int_eq(kvmcpuid_policy_set(p, "base", "0x40000100", &d), 0);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "base", "0x40000180", &d), -EINVAL);
	ck_assert_str_eq(policy_value(p, "base"), "0x40000100");
	kvmcpuid_policy_unref(p);
	kvmcpuid_policy_unref(before);
}
END_TEST

/* kvmcpuid_policy_set/_get: the file's names and value syntax, the printer's values. */
START_TEST(test_set_get_by_key)
{
	/* key, value, and its canonical text (NULL: the value itself) */
	static const char *const cases[][3] = {
		{ "enforce", "on", NULL }, { "steal_time", "off", NULL },
		{ "KVM_FEATURE_PV_EOI", "force", NULL }, { "kvm-hint-dedicated", "on", NULL },
		{ "default", "off", NULL }, { "timing", "on", NULL },
		{ "signature", "\"ABCDEFGHIJKL\"", NULL }, { "base", "0x40000100", NULL },
		{ "max_leaf", "0x40000101", NULL }, { "signature", "hidden", NULL },
		{ "max_leaf", "auto", NULL }, { "enforce", "yes", "on" }, { "timing", " 0 ", "off" },
		{ "base", "1073742336", "0x40000200" },
		{ "signature", "\"a\\\"b\\\\c\\x00\\x01\\x7fwxyz\"", NULL },
		{ "signature", "\"KVMKVMKVM\\x00\\x00\\x00\"", "kvm" },
		{ "max_leaf", "legacy-zero", NULL },
		{ "signature", "\"ABCDEFGHIJKL\"", NULL },
		{ "signature", " \"A B,C=D#E\\x01KL\" ", "\"A B,C=D#E\\x01KL\"" },
	};
	struct kvmcpuid_policy *p = NULL, *q = NULL, *before = NULL;
	struct kvmcpuid_diag d = { 0 };
	char buf[KVMCPUID_POLICY_VALUE_MAX], *text, *line, *save = NULL;
	unsigned int i;

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_msg(kvmcpuid_policy_set(p, cases[i][0], cases[i][1], &d) == 0,
			      "%s = %s: %s", cases[i][0], cases[i][1], d.message);
		ck_assert_str_eq(policy_value(p, cases[i][0]), cases[i][2] ? cases[i][2] : cases[i][1]);
	}
	/* every line the printer writes reads back through _get and rebuilds the policy by _set */
	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &q), 0);
	ck_assert_int_eq(kvmcpuid_policy_to_text(p, &text), 0);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(line, " = ");

		ck_assert_ptr_nonnull(eq);
		*eq = '\0';
		ck_assert_str_eq(policy_value(p, line), eq + 3);
		ck_assert_int_eq(kvmcpuid_policy_set(q, line, eq + 3, &d), 0);
	}
	free(text);
	ck_assert(kvmcpuid_policy_equal(p, q));

	/* errors, as in a file; the policy is left as it was */
	ck_assert_int_eq(kvmcpuid_policy_dup(p, &before), 0);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "signature", "ABCDEFGHIJKL", &d), -EINVAL);
	ck_assert(strstr(d.message, "must be quoted"));
	ck_assert_int_eq(kvmcpuid_policy_set(p, "steal_time", "sometimes", &d), -EINVAL);
	ck_assert(strstr(d.message, "expected host, on, off or force"));
	ck_assert_int_eq(kvmcpuid_policy_set(p, "mmu_op", "on", &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "default", "force", &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "base", "0x40000180", &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "max_leaf", "0x40000300", &d), -EINVAL);
	ck_assert(strstr(d.message, "outside the block"));
	ck_assert_int_eq(kvmcpuid_policy_set(p, "enforce", "on # why", &d), -EINVAL);
	ck_assert(strstr(d.message, "unexpected text after the value"));
	ck_assert_int_eq(kvmcpuid_policy_set(p, "enforce", "on\ntiming=off", &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "enforce", "", &d), -EINVAL);
	ck_assert(strstr(d.message, "missing value"));
	ck_assert_int_eq(kvmcpuid_policy_set(p, "stealtime", "off", &d), -ENOENT);
	ck_assert(strstr(d.message, "did you mean 'steal_time'"));
	ck_assert(kvmcpuid_policy_equal(p, before));
	ck_assert_int_eq(kvmcpuid_policy_set(NULL, "enforce", "on", &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, NULL, "on", &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "enforce", NULL, NULL), -EINVAL);

	ck_assert_int_eq(kvmcpuid_policy_get(p, "stealtime", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "base", buf, 10), -ENOSPC);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "base", buf, 11), 0);
	ck_assert_int_eq(kvmcpuid_policy_get(NULL, "base", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_get(p, NULL, buf, sizeof(buf)), -EINVAL);
	/* size 0 is a buffer too small (the header's -ENOSPC), buf untouched, NULL allowed */
	buf[0] = 'x';
	ck_assert_int_eq(kvmcpuid_policy_get(p, "enforce", buf, 0), -ENOSPC);
	ck_assert_int_eq(buf[0], 'x');
	ck_assert_int_eq(kvmcpuid_policy_get(p, "base", NULL, 0), -ENOSPC);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "stealtime", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "base", NULL, 11), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "enforce", buf, 2), -ENOSPC);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "enforce", buf, 3), 0);
	/* QEMU's kvmclock names two features: it has a value only while they agree */
	ck_assert_int_eq(kvmcpuid_policy_set(p, "clocksource2", "host", &d), 0);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "clocksource", "force", &d), 0);
	ck_assert_int_eq(kvmcpuid_policy_get(p, "kvmclock", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_set(p, "kvmclock", "off", &d), 0);
	ck_assert_str_eq(policy_value(p, "kvmclock"), "off");
	kvmcpuid_policy_unref(p);
	kvmcpuid_policy_unref(q);
	kvmcpuid_policy_unref(before);
}
END_TEST

START_TEST(test_parse_file)
{
	char path[] = "/tmp/kvmcpuid-test-XXXXXX";
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "  \n{\"pv_eoi\": \"off\"}\n", 21), 21);
	close(fd);
	ck_assert_int_eq(kvmcpuid_policy_parse_file(ctx, path, &d, &p), 0);
	ck_assert_str_eq(policy_value(p, "pv_eoi"), "off");
	kvmcpuid_policy_unref(p);
	p = NULL;
	unlink(path);
	ck_assert_int_eq(kvmcpuid_policy_parse_file(ctx, path, &d, &p), -ENOENT);
	ck_assert_str_eq(d.origin, path);
	ck_assert_int_eq(kvmcpuid_policy_parse_file(ctx, "/tmp", &d, &p), -EISDIR);
	ck_assert(strstr(d.message, "directory"));
}
END_TEST

START_TEST(test_diag_format)
{
	struct kvmcpuid_diag d = { .line = 3, .column = 7 };
	char buf[128];

	snprintf(d.origin, sizeof(d.origin), "a.policy");
	snprintf(d.message, sizeof(d.message), "boom");
	ck_assert_str_eq(kvmcpuid_diag_format(&d, buf, sizeof(buf)), "a.policy:3:7: boom");
	d.column = 0;
	ck_assert_str_eq(kvmcpuid_diag_format(&d, buf, sizeof(buf)), "a.policy:3: boom");
	d.line = 0;
	ck_assert_str_eq(kvmcpuid_diag_format(&d, buf, sizeof(buf)), "a.policy: boom");
}
END_TEST

/* The shipped profiles, as uninstalled tests find them (TOP_SRCDIR: make check). */
static void use_source_profiles(void)
{
	char dir[4096];
	const char *top = getenv("TOP_SRCDIR");

	snprintf(dir, sizeof(dir), "%s/profiles", top ? top : ".");
	setenv("KVMCPUID_PROFILEDIR", dir, 1);
}

/* A profile that cannot be read is the include's error, positioned, and -EINVAL. */
START_TEST(test_include_unreadable)
{
	char dir[] = "/tmp/kvmcpuid-prof-XXXXXX", sub[4200];
	const char *text = "enforce = on\ninclude = broken\n";
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/broken.policy", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);	/* a directory: read refuses it */
	setenv("KVMCPUID_PROFILEDIR", dir, 1);
	ck_assert_int_eq(kvmcpuid_policy_parse_text(ctx, text, strlen(text), "p", &d, &p), -EINVAL);
	ck_assert_str_eq(d.origin, "p");
	ck_assert_uint_eq(d.line, 2);
	ck_assert_uint_eq(d.column, 11);
	ck_assert_msg(strstr(d.message, "cannot read profile 'broken'"), "%s", d.message);
	ck_assert_ptr_null(p);
	rmdir(sub);
	rmdir(dir);
	use_source_profiles();
}
END_TEST

/*
 * The parser is linear: 1 MiB of each of its worst shapes parses in well under the 10 s
 * bound that catches quadratic work without timing the machine (make bench has the real
 * figures).  Each shape ends in a setting (or an error) the parse must reach.
 */
enum shape { MANY_LINES, LONG_COMMENT, LONG_BLANKS, MANY_INCLUDES, MANY_GROUPS, LONG_LINE_ERROR,
	     SHAPES };

static const char *const shape_names[] = { "many lines", "one long comment", "one long run of "
	"blanks", "many includes", "many --set groups", "an error at the end of one long line" };

static char *shape_text(enum shape sh, size_t *len)
{
	const size_t max = 1u << 20;
	const char *unit = sh == MANY_LINES ? "# a comment\n\n" : sh == MANY_INCLUDES ?
			   "include = minimal\n" : sh == MANY_GROUPS ? "steal_time=off\n" : NULL;
	const char *tail = sh == LONG_LINE_ERROR ? "x" : sh == MANY_GROUPS ? "enforce=on" :
			   "\nenforce = on\n";
	char *t = malloc(max + 1);
	size_t n = 0;

	if (unit) {
		while (n + strlen(unit) + strlen(tail) <= max) {
			memcpy(t + n, unit, strlen(unit));
			n += strlen(unit);
		}
	} else if (sh == LONG_COMMENT) {
		t[n++] = '#';
		/* multi-byte characters: columns are counted in characters */
		while (n + 2 + strlen(tail) <= max) {
			memcpy(t + n, "\xc3\xa9", 2);
			n += 2;
		}
	} else {
		if (sh == LONG_LINE_ERROR) {
			memcpy(t, "enforce = on", 12);
			n = 12;
		}
		memset(t + n, sh == LONG_LINE_ERROR ? ' ' : '\t', max - n - strlen(tail));
		n = max - strlen(tail);
	}
	memcpy(t + n, tail, strlen(tail));
	n += strlen(tail);
	t[n] = '\0';
	*len = n;
	return t;
}

START_TEST(test_linear)
{
	enum shape sh = (enum shape)_i;
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	struct timespec a, b;
	char buf[KVMCPUID_POLICY_VALUE_MAX];
	size_t len;
	char *t = shape_text(sh, &len);
	double secs;
	int r;

	ck_assert_uint_le(len, 1u << 20);
	ck_assert_uint_gt(len, (1u << 20) - 64);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (sh == MANY_GROUPS) {
		ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
		r = kvmcpuid_policy_override(p, t, "--set", &d);
	} else {
		r = kvmcpuid_policy_parse_text(ctx, t, len, "big", &d, &p);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	fprintf(stderr, "parse of 1 MiB, %s: %.3f s\n", shape_names[sh], secs);
	ck_assert_msg(secs < 10, "%s: %.1f s", shape_names[sh], secs);
	if (sh == LONG_LINE_ERROR) {
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_uint_eq(d.line, 1);
		ck_assert_uint_eq(d.column, len);
		ck_assert(strstr(d.message, "unexpected text after the value of 'enforce'"));
	} else {
		ck_assert_msg(r == 0, "%s: %s", shape_names[sh], d.message);
		ck_assert_int_eq(kvmcpuid_policy_get(p, "enforce", buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "on");
	}
	kvmcpuid_policy_unref(p);
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	use_source_profiles();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_design_example);
	tcase_add_test(tc, test_three_forms_agree);
	tcase_add_test(tc, test_roundtrip_every_feature_and_action);
	tcase_add_test(tc, test_roundtrip_settings);
	tcase_add_test(tc, test_kvm_signature_spelled_out);
	tcase_add_test(tc, test_kvmclock_sets_both);
	tcase_add_loop_test(tc, test_bad_text, 0, ARRAY_SIZE(bad_text));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_too_big);
	tcase_add_loop_test(tc, test_bad_inline, 0, ARRAY_SIZE(bad_inline));
	tcase_add_loop_test(tc, test_bad_json, 0, ARRAY_SIZE(bad_json));
	tcase_add_test(tc, test_override_is_atomic);
	tcase_add_test(tc, test_set_get_by_key);
	tcase_add_test(tc, test_parse_file);
	tcase_add_test(tc, test_diag_format);
	tcase_add_test(tc, test_include_unreadable);
	tcase_add_loop_test(tc, test_linear, 0, SHAPES);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
