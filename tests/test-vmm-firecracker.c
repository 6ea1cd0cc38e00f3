// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Firecracker custom CPU template (export and import) and the Cloud Hypervisor export:
 * the template parses as Firecracker's documented format (checked field by field with
 * json-c), bits sit where Firecracker reads them (the last character is bit 0), import
 * errors and lost parts carry their exact line:col, and a template from Firecracker's own
 * tests imports.  tests/test-vmm.c walks both formats over many policies.
 */
#include <json-c/json.h>

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

#define MAX_LOST 32
struct lost_log {
	int n;
	char key[MAX_LOST][64];
	char msg[MAX_LOST][512];
	unsigned int line[MAX_LOST], column[MAX_LOST];
};

static void log_lost(void *data, const struct kvmcpuid_lost *l)
{
	struct lost_log *log = data;

	ck_assert_int_lt(log->n, MAX_LOST);
	snprintf(log->key[log->n], sizeof(log->key[0]), "%s", l->key);
	snprintf(log->msg[log->n], sizeof(log->msg[0]), "%s", l->message);
	log->line[log->n] = l->line;
	log->column[log->n] = l->column;
	log->n++;
}

/* Index of the first lost part with key, or -1. */
static int lost_find(const struct lost_log *log, const char *key)
{
	int i;

	for (i = 0; i < log->n; i++)
		if (!strcmp(log->key[i], key))
			return i;
	return -1;
}

static struct kvmcpuid_policy *policy(const char *set)
{
	struct kvmcpuid_policy *p = NULL;

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	if (*set)
		ck_assert_msg(kvmcpuid_policy_override(p, set, "test", NULL) == 0, "%s", set);
	return p;
}

static char *export(const char *fmt, const char *set, struct lost_log *log)
{
	struct kvmcpuid_policy *p = policy(set);
	char *out = NULL;
	int n;

	memset(log, 0, sizeof(*log));
	n = kvmcpuid_policy_export(p, fmt, log_lost, log, &out);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(n, log->n);
	kvmcpuid_policy_unref(p);
	return out;
}

static struct json_object *member(struct json_object *o, const char *key, enum json_type t)
{
	struct json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
	ck_assert_msg(json_object_is_type(v, t), "\"%s\" is %s", key,
		      json_type_to_name(json_object_get_type(v)));
	return v;
}

/*
 * Check text against Firecracker's x86_64 template format (CustomCpuTemplate) and return
 * the bitmaps: bm[leaf - 0x40000000][register].
 */
static struct json_object *check_template(const char *text, const char *bm[2][4])
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *cpuid;
	size_t i, j, k;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)strlen(text));
	ck_assert_msg(root && json_tokener_get_error(tok) == json_tokener_success, "%s", text);
	json_tokener_free(tok);
	ck_assert(json_object_is_type(root, json_type_object));
	/*
	 * Only cpuid_modifiers: Firecracker 1.4.0's CustomCpuTemplate (deny_unknown_fields)
	 * has cpuid_modifiers and msr_modifiers, no kvm_capabilities (1.5.0).
	 */
	ck_assert_int_eq(json_object_object_length(root), 1);
	cpuid = member(root, "cpuid_modifiers", json_type_array);
	ck_assert_uint_eq(json_object_array_length(cpuid), 2);
	memset(bm, 0, sizeof(const char *) * 8);
	for (i = 0; i < 2; i++) {
		struct json_object *leaf = json_object_array_get_idx(cpuid, i), *mods;
		char want[16];

		ck_assert(json_object_is_type(leaf, json_type_object));
		snprintf(want, sizeof(want), "0x%zx", 0x40000000 + i);
		ck_assert_str_eq(json_object_get_string(member(leaf, "leaf", json_type_string)),
				 want);
		ck_assert_str_eq(json_object_get_string(member(leaf, "subleaf", json_type_string)),
				 "0x0");
		ck_assert_int_eq(json_object_get_int64(member(leaf, "flags", json_type_int)), 0);
		mods = member(leaf, "modifiers", json_type_array);
		ck_assert_uint_eq(json_object_array_length(mods), 4);
		for (j = 0; j < 4; j++) {
			struct json_object *m = json_object_array_get_idx(mods, j);
			const char *b = json_object_get_string(member(m, "bitmap",
								      json_type_string));

			ck_assert_str_eq(json_object_get_string(member(m, "register",
								       json_type_string)),
					 regs[j]);
			/* schema.json: 0b[01x]{32} */
			ck_assert_uint_eq(strlen(b), 34);
			ck_assert(!strncmp(b, "0b", 2));
			for (k = 2; k < 34; k++)
				ck_assert_msg(strchr("01x", b[k]), "%s", b);
			bm[i][j] = b;
		}
	}
	return root;
}

/* The character of bitmap b (as Firecracker reads it) for bit. */
static char bit_char(const char *b, unsigned int bit)
{
	return b[strlen(b) - 1 - bit];
}

static uint32_t fixed_value(const char *b)
{
	uint32_t v = 0;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		ck_assert(bit_char(b, bit) != 'x');
		v |= (uint32_t)(bit_char(b, bit) == '1') << bit;
	}
	return v;
}

START_TEST(test_export_format)
{
	static const char *const policies[] = {
		"", "steal_time=off,pv_eoi=force,realtime=on", "default=off,clocksource=host",
		"signature=\"ABCDEFGHIJKL\",max_leaf=legacy-zero", "max_leaf=0x40000005",
		"signature=hidden,enforce=on", "base=0x40000100,timing=on",
		"timing=on,max_leaf=0x40000010", "base=0x40000100,timing=on,max_leaf=0x40000110",
		"max_leaf=0x40000010", "timing=on,max_leaf=0x4000000f",
	};
	struct lost_log log;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		char *out = export("firecracker", policies[i], &log);
		const char *bm[2][4];
		struct json_object *root = check_template(out, bm);

		if (i == 0) {
			ck_assert_int_eq(log.n, 0);
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0x40000001);
			ck_assert_uint_eq(fixed_value(bm[0][1]), 0x4b4d564b);	/* "KVMK" */
			ck_assert_uint_eq(fixed_value(bm[0][2]), 0x564b4d56);	/* "VMKV" */
			ck_assert_uint_eq(fixed_value(bm[0][3]), 0x0000004d);	/* "M\0\0\0" */
			/* host: keep what KVM gives; vmm-provided and reserved bits clear */
			ck_assert_int_eq(bit_char(bm[1][0], 5), 'x');
			ck_assert_int_eq(bit_char(bm[1][0], 15), '0');
			ck_assert_int_eq(bit_char(bm[1][0], 8), '0');
			ck_assert_int_eq(bit_char(bm[1][3], 0), '0');
		} else if (i == 1) {
			ck_assert_int_eq(log.n, 0);
			ck_assert_int_eq(bit_char(bm[1][0], 5), '0');	/* steal_time masked */
			ck_assert_int_eq(bit_char(bm[1][0], 6), '1');	/* pv_eoi forced */
			ck_assert_int_eq(bit_char(bm[1][3], 0), '1');	/* realtime */
			ck_assert_int_eq(bit_char(bm[1][0], 0), 'x');
		} else if (i == 2) {
			ck_assert_int_eq(log.n, 0);
			ck_assert_int_eq(bit_char(bm[1][0], 0), 'x');
			ck_assert_int_eq(bit_char(bm[1][0], 3), '0');
		} else if (i == 3) {
			ck_assert_int_eq(log.n, 0);
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0);
			ck_assert_uint_eq(fixed_value(bm[0][1]), 0x44434241);	/* "ABCD" */
			ck_assert_uint_eq(fixed_value(bm[0][3]), 0x4c4b4a49);	/* "IJKL" */
		} else if (i == 4) {
			ck_assert_int_eq(log.n, 0);
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0x40000005);
		} else if (i == 5) {
			/* the closest: no signature, no features; enforcement lost */
			ck_assert_int_eq(log.n, 2);
			ck_assert_int_ge(lost_find(&log, "signature"), 0);
			ck_assert_int_ge(lost_find(&log, "enforce"), 0);
			ck_assert_uint_eq(fixed_value(bm[0][1]), 0);
			ck_assert_uint_eq(fixed_value(bm[1][0]), 0);
		} else if (i == 6) {
			ck_assert_int_eq(log.n, 2);
			ck_assert_int_ge(lost_find(&log, "base"), 0);
			ck_assert_int_ge(lost_find(&log, "timing"), 0);
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0x40000001);
		} else if (i == 7 || i == 8) {
			/* never announce the timing leaf it cannot provide: max leaf base+1 */
			int k = lost_find(&log, "max_leaf");

			ck_assert_int_eq(log.n, i == 7 ? 2 : 3);
			ck_assert_int_ge(lost_find(&log, "timing"), 0);
			ck_assert_int_ge(k, 0);
			ck_assert_str_eq(log.msg[k], i == 7 ?
				"0x40000010 would announce the timing leaf 0x40000010, which "
				"Firecracker cannot provide (a guest would read a TSC frequency of 0 "
				"kHz there): the max leaf is base+1" :
				"0x40000110 would announce the timing leaf 0x40000110, which "
				"Firecracker cannot provide (a guest would read a TSC frequency of 0 "
				"kHz there): the max leaf is base+1");
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0x40000001);
		} else if (i == 9) {
			/* without timing the leaf is empty under kvmcpuid's build too: exact */
			ck_assert_int_eq(log.n, 0);
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0x40000010);
		} else {
			/* below the timing leaf: announced leaves are empty in build as well */
			ck_assert_int_eq(log.n, 1);
			ck_assert_str_eq(log.key[0], "timing");
			ck_assert_uint_eq(fixed_value(bm[0][0]), 0x4000000f);
		}
		json_object_put(root);
		free(out);
	}
}
END_TEST

START_TEST(test_export_lost_on)
{
	struct lost_log log;
	char *out = export("firecracker", "steal_time=on,hc_map_gpa_range=on,realtime=on", &log);

	/* no refusal in Firecracker: kvm-provided `on` is lost; the hypercall nobody enables */
	ck_assert_int_eq(log.n, 2);
	ck_assert_int_ge(lost_find(&log, "steal_time"), 0);
	ck_assert_int_ge(lost_find(&log, "hc_map_gpa_range"), 0);
	free(out);
}
END_TEST

static int import(const char *text, struct kvmcpuid_diag *diag, struct lost_log *log,
		  struct kvmcpuid_policy **q)
{
	memset(log, 0, sizeof(*log));
	memset(diag, 0, sizeof(*diag));
	*q = NULL;
	return kvmcpuid_policy_import(ctx, "firecracker", text, strlen(text), "t.json", diag,
				      log_lost, log, q);
}

static void get(const struct kvmcpuid_policy *p, const char *key, const char *want)
{
	char v[KVMCPUID_POLICY_VALUE_MAX];

	ck_assert_int_eq(kvmcpuid_policy_get(p, key, v, sizeof(v)), 0);
	ck_assert_str_eq(v, want);
}

#define LEAF1(eax) \
	"{\n" \
	"  \"cpuid_modifiers\": [\n" \
	"    {\n" \
	"      \"leaf\": \"0x40000001\",\n" \
	"      \"subleaf\": \"0x0\",\n" \
	"      \"flags\": 0,\n" \
	"      \"modifiers\": [\n" \
	"        { \"register\": \"eax\", \"bitmap\": \"" eax "\" }\n" \
	"      ]\n" \
	"    }\n" \
	"  ]\n" \
	"}\n"

START_TEST(test_import_actions)
{
	struct kvmcpuid_diag diag;
	struct kvmcpuid_policy *q;
	struct lost_log log;

	/* contracted bitmap (cpu-templates.md): high bits x; '_' separates */
	ck_assert_int_eq(import(LEAF1("0b1_0x01"), &diag, &log, &q), 0);
	ck_assert_int_eq(log.n, 0);
	get(q, "clocksource", "force");
	get(q, "nop_io_delay", "off");
	get(q, "clocksource2", "off");
	get(q, "async_pf", "force");
	get(q, "steal_time", "host");
	get(q, "signature", "kvm");
	get(q, "max_leaf", "auto");
	kvmcpuid_policy_unref(q);

	/* bit 8 is reserved: lost at its character (line 8; bit 31 is column 43) */
	ck_assert_int_eq(import(LEAF1("0bxxxxxxxxxxxxxxxxxxxxxxx1xxxxxxxx"), &diag, &log, &q), 1);
	ck_assert_str_eq(log.key[0], "bitmap");
	ck_assert_uint_eq(log.line[0], 8);
	ck_assert_uint_eq(log.column[0], 43 + 31 - 8);
	kvmcpuid_policy_unref(q);
}
END_TEST

START_TEST(test_import_errors)
{
	struct kvmcpuid_diag diag;
	struct kvmcpuid_policy *q;
	struct lost_log log;

	/* "bitmap": "0b1x2..." on line 8: bit 31 ('1') is column 43, the '2' column 45 */
	ck_assert_int_eq(import(LEAF1("0b1x2xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), &diag, &log, &q),
			 -EINVAL);
	ck_assert_ptr_null(q);
	ck_assert_str_eq(diag.origin, "t.json");
	ck_assert_uint_eq(diag.line, 8);
	ck_assert_uint_eq(diag.column, 45);
	ck_assert(strstr(diag.message, "'2'"));

	/* 33 bits: the leftmost is one too many */
	ck_assert_int_eq(import(LEAF1("0b1"
				"xxxxxxxx" "xxxxxxxx" "xxxxxxxx" "xxxxxxxx"), &diag, &log, &q),
			 -EINVAL);
	ck_assert_uint_eq(diag.line, 8);
	ck_assert_uint_eq(diag.column, 43);
	ck_assert(strstr(diag.message, "longer than 32"));

	/* a leaf is a "0x"/"0b" string, never a number */
	ck_assert_int_eq(import("{ \"cpuid_modifiers\": [ { \"leaf\": 1073741825,\n"
				"  \"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [] } ] }",
				&diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.line, 1);
	ck_assert_uint_eq(diag.column, 34);
	ck_assert_int_eq(import("{ \"cpuid_modifiers\": [ { \"leaf\": \"0x40000001\",\n"
				"  \"subleaf\": \"0\", \"flags\": 0, \"modifiers\": [] } ] }",
				&diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 14);
	ck_assert_int_eq(import("{ \"cpuid_modifiers\": [ { \"leaf\": \"0x4000000g\",\n"
				"  \"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [] } ] }",
				&diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.column, 34);
	/* missing field, at its object; bad register; unknown top-level field */
	ck_assert_int_eq(import("{ \"cpuid_modifiers\": [\n  { \"leaf\": \"0x1\" } ] }", &diag,
				&log, &q), -EINVAL);
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 3);
	ck_assert(strstr(diag.message, "subleaf"));
	ck_assert_int_eq(import("{\"cpuid_modifiers\":[{\"leaf\":\"0x1\",\"subleaf\":\"0x0\","
				"\"flags\":0,\"modifiers\":[{\"register\":\"ekx\",\"bitmap\":\"0b1\"}"
				"]}]}", &diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.column, 86);
	ck_assert_int_eq(import("{\n  \"cpu_template\": \"T2\"\n}", &diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 19);
	/* JSON syntax: json_parse_checked's line:col */
	ck_assert_int_eq(import("{\n  \"cpuid_modifiers\": [,]\n}", &diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 23);
}
END_TEST

START_TEST(test_import_lost)
{
	static const char text[] =
		"{\n"
		"  \"kvm_capabilities\": [\"!56\"],\n"
		"  \"cpuid_modifiers\": [\n"
		"    { \"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": 0,\n"
		"      \"modifiers\": [ { \"register\": \"ecx\", \"bitmap\": \"0b0\" } ] },\n"
		"    { \"leaf\": \"0x40000010\", \"subleaf\": \"0x0\", \"flags\": 0,\n"
		"      \"modifiers\": [] },\n"
		"    { \"leaf\": \"0x40000000\", \"subleaf\": \"0x0\", \"flags\": 0,\n"
		"      \"modifiers\": [ { \"register\": \"ebx\", \"bitmap\": \"0x\" },\n"
		"        { \"register\": \"ebx\", \"bitmap\": \"0b01000001_01000010_01000011_"
		"01000100\" } ] }\n"
		"  ],\n"
		"  \"msr_modifiers\": [\n"
		"    { \"addr\": \"0x10a\", \"bitmap\": \"0b0\" }\n"
		"  ]\n"
		"}\n";
	struct kvmcpuid_diag diag;
	struct kvmcpuid_policy *q;
	struct lost_log log;
	int i;

	ck_assert_int_eq(import(text, &diag, &log, &q), 4);
	i = lost_find(&log, "kvm_capabilities");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(log.line[i], 2);
	ck_assert_uint_eq(log.column[i], 24);
	i = lost_find(&log, "leaf");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(log.line[i], 4);
	ck_assert_uint_eq(log.column[i], 15);
	ck_assert(strstr(log.msg[i], "0x1 "));
	ck_assert_uint_eq(log.line[i + 1], 6);
	ck_assert_uint_eq(log.column[i + 1], 15);
	ck_assert(strstr(log.msg[i + 1], "refuses to start"));
	i = lost_find(&log, "msr_modifiers");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(log.line[i], 13);
	ck_assert_uint_eq(log.column[i], 5);
	/* two modifiers of one register apply in order: "DCBA" ends as the custom signature */
	get(q, "signature", "\"DCBAVMKVM\\x00\\x00\\x00\"");
	kvmcpuid_policy_unref(q);
}
END_TEST

/*
 * tests/data/vmm-fc/baseline.json: a template that changes four leaves that are not KVM's
 * and one MSR.  A policy carries none of it, so each is a lost part at its position, and
 * the KVM leaves, untouched, import as the default policy's meaning.
 */
START_TEST(test_import_other_leaves)
{
	static const struct {
		unsigned int line, column;
		const char *leaf;
	} leaves[] = { { 4, 15, "0x1 " }, { 12, 15, "0x7 " }, { 20, 15, "0xd " },
		       { 28, 15, "0x80000007 " } };
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *q = NULL, *def = policy("");
	char path[4096], *text;
	struct lost_log log = { 0 };
	unsigned int id, i;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/vmm-fc/baseline.json", TOP_SRCDIR);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	text = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	ck_assert_int_eq(kvmcpuid_policy_import(ctx, "firecracker", text, (size_t)n,
						"baseline.json", &diag, log_lost, &log, &q), 5);
	/* one lost part a leaf, at its "leaf" value, in the template's order */
	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		ck_assert_str_eq(log.key[i], "leaf");
		ck_assert_uint_eq(log.line[i], leaves[i].line);
		ck_assert_uint_eq(log.column[i], leaves[i].column);
		ck_assert_msg(strstr(log.msg[i], leaves[i].leaf), "'%s' does not name leaf %s",
			      log.msg[i], leaves[i].leaf);
		ck_assert(strstr(log.msg[i], "not a KVM paravirtual leaf"));
	}
	/* the MSR modifier, at its object */
	ck_assert_str_eq(log.key[4], "msr_modifiers");
	ck_assert_uint_eq(log.line[4], 37);
	ck_assert_uint_eq(log.column[4], 5);
	ck_assert(strstr(log.msg[4], "MSR 0x10a"));
	for (id = 0; id < KVMCPUID_FEATURE_COUNT; id++) {
		char a[KVMCPUID_POLICY_VALUE_MAX], b[KVMCPUID_POLICY_VALUE_MAX];
		const char *name = kvmcpuid_feature(id)->name;
		int k = kvmcpuid_feature(id)->provider == KVMCPUID_PROVIDER_KVM;

		ck_assert_int_eq(kvmcpuid_policy_get(q, name, a, sizeof(a)), 0);
		ck_assert_int_eq(kvmcpuid_policy_get(def, name, b, sizeof(b)), 0);
		/* host for what KVM provides; the others are off, the same bit */
		ck_assert_str_eq(a, k ? b : "off");
	}
	get(q, "signature", "kvm");
	get(q, "enforce", "off");
	free(text);
	kvmcpuid_policy_unref(q);
	kvmcpuid_policy_unref(def);
}
END_TEST


/* Firecracker's serde refuses these; kvmcpuid refuses them at the byte that is wrong. */
START_TEST(test_import_strict)
{
	static const struct {
		const char *text;
		unsigned int line, column;
		const char *msg;
	} bad[] = {
		/* serde: duplicate field; json-c would keep the last */
		{ "{ \"cpuid_modifiers\": [],\n  \"cpuid_modifiers\": [] }", 2, 3,
		  "duplicate key 'cpuid_modifiers' (first set at line 1)" },
		{ "{\"cpuid_modifiers\":[{\"leaf\":\"0x1\",\"subleaf\":\"0x0\",\"flags\":0,"
		  "\"modifiers\":[],\"l\\u0065af\":\"0x2\"}]}", 1, 76,
		  "duplicate key 'leaf' (first set at line 1)" },
		/* x86_64 and aarch64 fields together: unknown field on either */
		{ "{ \"cpuid_modifiers\": [],\n  \"reg_modifiers\": [] }", 2, 3,
		  "reg_modifiers is an aarch64 field and cpuid_modifiers an x86_64 one: "
		  "Firecracker on either refuses the template (unknown field)" },
		{ "{ \"vcpu_features\": [], \"msr_modifiers\": [] }", 1, 3,
		  "vcpu_features is an aarch64 field and msr_modifiers an x86_64 one: "
		  "Firecracker on either refuses the template (unknown field)" },
		/* serde_json reads -0 as the float -0.0: not a u32 */
		{ "{\"cpuid_modifiers\":[{\"leaf\":\"0x1\",\"subleaf\":\"0x0\",\"flags\":-0,"
		  "\"modifiers\":[]}]}", 1, 59, "flags must be an integer from 0 to 4294967295" },
		{ "{\"cpuid_modifiers\":[{\"leaf\":\"0x1\",\"subleaf\":\"0x0\",\"flags\":1.0,"
		  "\"modifiers\":[]}]}", 1, 59, "flags must be an integer from 0 to 4294967295" },
		{ "{\"cpuid_modifiers\":[{\"leaf\":\"0x1\",\"subleaf\":\"0x0\",\"flags\":4294967296,"
		  "\"modifiers\":[]}]}", 1, 59, "flags must be an integer from 0 to 4294967295" },
	};
	/* u32::from_str refuses these after the one '!' */
	static const char *const caps[] = { "!!56", "+", "!", "", "-1", " 56", "56 ", "++56",
					    "+-56", "4294967296", "0x38", "!+" };
	struct kvmcpuid_diag diag;
	struct kvmcpuid_policy *q;
	struct lost_log log;
	char text[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(import(bad[i].text, &diag, &log, &q), -EINVAL);
		ck_assert_ptr_null(q);
		ck_assert_int_eq(log.n, 0);
		ck_assert_msg(diag.line == bad[i].line && diag.column == bad[i].column,
			      "%u: %u:%u %s", i, diag.line, diag.column, diag.message);
		ck_assert_str_eq(diag.message, bad[i].msg);
	}
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		snprintf(text, sizeof(text), "{\n  \"kvm_capabilities\": [\"%s\"]\n}", caps[i]);
		ck_assert_int_eq(import(text, &diag, &log, &q), -EINVAL);
		ck_assert_uint_eq(diag.line, 2);
		ck_assert_uint_eq(diag.column, 24);
		ck_assert(strstr(diag.message, "a KVM capability is a string"));
	}
	/* ... and takes a '+' and leading zeros, as Firecracker does */
	ck_assert_int_eq(import("{ \"kvm_capabilities\": [\"+56\", \"!+56\", \"000000000056\", "
				"\"!4294967295\"] }", &diag, &log, &q), 4);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(log.key[i], "kvm_capabilities");
	ck_assert_uint_eq(log.column[1], 31);
	kvmcpuid_policy_unref(q);
	/* an aarch64 template alone: no KVM leaves there, a lost part */
	ck_assert_int_eq(import("{ \"kvm_capabilities\": [], \"vcpu_features\": [] }", &diag,
				&log, &q), 1);
	ck_assert_str_eq(log.key[0], "vcpu_features");
	kvmcpuid_policy_unref(q);
}
END_TEST

/* Zeros at 0x40000000 are what hidden means: the export of hidden imports as hidden. */
START_TEST(test_hidden_roundtrip)
{
	struct kvmcpuid_diag diag;
	struct kvmcpuid_policy *q;
	struct lost_log log;
	char *out = export("firecracker", "signature=hidden,steal_time=off", &log), *again;

	ck_assert_int_eq(import(out, &diag, &log, &q), 0);
	get(q, "signature", "hidden");
	get(q, "max_leaf", "auto");
	ck_assert_int_eq(kvmcpuid_policy_export(q, "firecracker", NULL, NULL, &again), 1);
	ck_assert_str_eq(again, out);
	free(again);
	kvmcpuid_policy_unref(q);
	free(out);
	/* no signature but a max leaf: still hidden (a guest looks no further), said so */
	ck_assert_int_eq(import("{ \"cpuid_modifiers\": [ { \"leaf\": \"0x40000000\", "
				"\"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [\n"
				"  { \"register\": \"ebx\", \"bitmap\": \"0b0\" },\n"
				"  { \"register\": \"ebx\", \"bitmap\": "
				"\"0b00000000000000000000000000000000\" },\n"
				"  { \"register\": \"ecx\", \"bitmap\": "
				"\"0b00000000000000000000000000000000\" },\n"
				"  { \"register\": \"edx\", \"bitmap\": "
				"\"0b00000000000000000000000000000000\" } ] } ] }", &diag, &log, &q), 1);
	get(q, "signature", "hidden");
	ck_assert_str_eq(log.key[0], "bitmap");
	ck_assert_uint_eq(log.line[0], 3);
	ck_assert_uint_eq(log.column[0], 34);
	ck_assert(strstr(log.msg[0], "kept as signature = hidden"));
	kvmcpuid_policy_unref(q);
	/* a custom signature with a zero byte or two is still custom */
	ck_assert_int_eq(import("{ \"cpuid_modifiers\": [ { \"leaf\": \"0x40000000\", "
				"\"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [\n"
				"  { \"register\": \"ebx\", \"bitmap\": \"0b0000_0000_0000_0000_"
				"0000_0000_0000_0000\" } ] } ] }", &diag, &log, &q), 0);
	get(q, "signature", "\"\\x00\\x00\\x00\\x00VMKVM\\x00\\x00\\x00\"");
	kvmcpuid_policy_unref(q);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * A whole --config-file: cpu-config names the template file (VmmConfig's PathBuf,
 * opened relative to the working directory) or holds it inline (newer Firecracker's
 * CustomCpuTemplateOrPath); the other keys are fine.
 */
START_TEST(test_config_file)
{
	char dir[] = "/tmp/kvmcpuid-fc-XXXXXX", cwd[4096];
	struct kvmcpuid_diag diag;
	struct kvmcpuid_policy *q;
	struct lost_log log;
	char *tmpl;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	tmpl = export("firecracker", "steal_time=off,pv_eoi=force", &log);
	write_file("tmpl.json", tmpl);
	write_file("other.json", "{ \"cpuid_modifiers\": [\n  { \"leaf\": \"0x1\", \"subleaf\": "
		   "\"0x0\", \"flags\": 0, \"modifiers\": [] } ] }");
	write_file("bad.json", "{ \"cpuid_modifiers\": [\n  { \"leaf\": 1 } ] }");
	ck_assert_int_eq(import("{\n  \"boot-source\": { \"kernel_image_path\": \"vmlinux\" },\n"
				"  \"drives\": [], \"machine-config\": { \"vcpu_count\": 2 },\n"
				"  \"cpu-config\": \"tmpl.json\"\n}", &diag, &log, &q), 0);
	get(q, "steal_time", "off");
	get(q, "pv_eoi", "force");
	get(q, "clocksource", "host");
	kvmcpuid_policy_unref(q);
	/* the template's lost parts: at cpu-config, naming the template's own line:col */
	ck_assert_int_eq(import("{ \"boot-source\": {},\n  \"cpu-config\": \"other.json\" }",
				&diag, &log, &q), 1);
	ck_assert_str_eq(log.key[0], "leaf");
	ck_assert_uint_eq(log.line[0], 2);
	ck_assert_uint_eq(log.column[0], 17);
	ck_assert_str_eq(log.msg[0], "other.json:2:13: leaf 0x1 is not a KVM paravirtual leaf: "
			 "a policy cannot carry it");
	kvmcpuid_policy_unref(q);
	/* its errors: the template file's own position */
	ck_assert_int_eq(import("{ \"boot-source\": {}, \"cpu-config\": \"bad.json\" }", &diag,
				&log, &q), -EINVAL);
	ck_assert_str_eq(diag.origin, "bad.json");
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 13);
	/* no cpu-config: no template, KVM's leaves as they are */
	ck_assert_int_eq(import("{ \"boot-source\": {}, \"network-interfaces\": [] }", &diag, &log,
				&q), 0);
	get(q, "steal_time", "host");
	kvmcpuid_policy_unref(q);
	/* the template inline (CustomCpuTemplateOrPath): positions are this file's */
	ck_assert_int_eq(import("{ \"boot-source\": {},\n  \"cpu-config\": { \"cpuid_modifiers\": "
				"[\n  { \"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": 0, "
				"\"modifiers\": [] },\n  { \"leaf\": \"0x40000001\", \"subleaf\": \"0x0\", "
				"\"flags\": 0, \"modifiers\": [ { \"register\": \"eax\", "
				"\"bitmap\": \"0b0xxxxx\" } ] } ] } }", &diag, &log, &q), 1);
	ck_assert_str_eq(log.key[0], "leaf");
	ck_assert_uint_eq(log.line[0], 3);
	ck_assert_uint_eq(log.column[0], 13);
	ck_assert_str_eq(log.msg[0], "leaf 0x1 is not a KVM paravirtual leaf: a policy cannot "
			 "carry it");
	get(q, "steal_time", "off");
	kvmcpuid_policy_unref(q);
	ck_assert_int_eq(import("{ \"boot-source\": {},\n  \"cpu-config\": { \"cpu_template\": "
				"\"T2\" } }", &diag, &log, &q), -EINVAL);
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 35);
	ck_assert(strstr(diag.message, "unknown field \"cpu_template\""));
	/* what Firecracker refuses */
	ck_assert_int_eq(import("{ \"boot-source\": {},\n  \"cpu-config\": 7 }", &diag, &log, &q),
			 -EINVAL);
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 17);
	ck_assert_str_eq(diag.message, "cpu-config must be a template (an object) or the path "
			 "of a template file, not int");
	ck_assert_int_eq(import("{ \"boot-source\": {}, \"cpu-config\": \"none.json\" }", &diag,
				&log, &q), -EINVAL);
	ck_assert_str_eq(diag.origin, "t.json");
	ck_assert_uint_eq(diag.column, 36);
	ck_assert_str_eq(diag.message, "cpu-config \"none.json\": cannot open: No such file or "
			 "directory");
	ck_assert_int_eq(import("{ \"cpu-config\": \"tmpl.json\" }", &diag, &log, &q), -EINVAL);
	ck_assert(strstr(diag.message, "missing field \"boot-source\""));
	/* a template's keys at the top of a config file are not read by Firecracker */
	ck_assert_int_eq(import("{ \"boot-source\": {}, \"cpuid_modifiers\": [] }", &diag, &log,
				&q), 1);
	ck_assert_str_eq(log.key[0], "cpuid_modifiers");
	ck_assert_uint_eq(log.column[0], 22);
	ck_assert_str_eq(log.msg[0], "cpuid_modifiers at the top of a config file is not read by "
			 "Firecracker (a template goes under cpu-config)");
	kvmcpuid_policy_unref(q);
	unlink("tmpl.json");
	unlink("other.json");
	unlink("bad.json");
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(tmpl);
}
END_TEST

static void count_lost(void *data, const struct kvmcpuid_lost *l)
{
	(void)l;
	(*(size_t *)data)++;
}

static void cap_item(size_t i, char *buf)
{
	(void)i;
	strcpy(buf, "\"!+000000000056\",");
}

static void leaf_item(size_t i, char *buf)
{
	sprintf(buf, "{\"leaf\":\"0x%zx\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":["
		"{\"register\":\"eax\",\"bitmap\":\"0b1\"}],\"pad\":\"%0300d\"},", i + 1, 0);
}

static void kvm_leaf_item(size_t i, char *buf)
{
	sprintf(buf, "{\"leaf\":\"0x40000001\",\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":["
		"{\"register\":\"eax\",\"bitmap\":\"0b%s\"}],\"pad\":\"%0280d\"},",
		i % 2 ? "1x0x_1x0x_1x0x_1x0x_1x0x_1x0x_1x0x_1x0x" : "xxxxxxxx", 0);
}

static void key_item(size_t i, char *buf)
{
	sprintf(buf, "\"unknown%012zu\":0,", i);
}

/*
 * 1 MiB of the importer's worst shapes (everything within the JSON reader's own limits
 * of 8192 containers and 65536 values): each finishes far below a bound that only
 * quadratic work would reach.  The times go to the test log.
 */
START_TEST(test_import_linear)
{
	static const struct {
		const char *name, *head;
		void (*item)(size_t i, char *buf);
		size_t max;
		const char *tail;
	} shapes[] = {
		{ "kvm_capabilities entries", "{\"kvm_capabilities\":[", cap_item, SIZE_MAX, "]}" },
		{ "modifiers of other leaves", "{\"cpuid_modifiers\":[", leaf_item, 2700, "]}" },
		{ "modifiers of 0x40000001", "{\"cpuid_modifiers\":[", kvm_leaf_item, 2700, "]}" },
		{ "unknown keys in a modifier", "{\"cpuid_modifiers\":[{\"leaf\":\"0x40000001\","
		  "\"subleaf\":\"0x0\",\"flags\":0,\"modifiers\":[],", key_item, SIZE_MAX, "}]}" },
		{ "keys of a config file", "{\"boot-source\":{},\"cpu-config\":\"" TOP_SRCDIR
		  "/tests/data/vmm-fc/baseline.json\",", key_item, SIZE_MAX, "\"drives\":[]}" },
		{ "unknown top-level keys", "{", key_item, SIZE_MAX, "\"drives\":[]}" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct kvmcpuid_diag diag = { 0 };
		struct kvmcpuid_policy *q = NULL;
		size_t len, lost = 0;
		char *t = big(shapes[i].head, shapes[i].item, shapes[i].max, shapes[i].tail, &len);
		double t0 = now(), dt;
		int r;

		r = kvmcpuid_policy_import(ctx, "firecracker", t, len, "big.json", &diag, count_lost,
					   &lost, &q);
		dt = now() - t0;
		printf("firecracker import, %s, %zu bytes: %.3f s, %zu lost, %s\n", shapes[i].name,
		       len, dt, lost, r < 0 ? diag.message : "imported");
		ck_assert_uint_gt(len, 900 * 1024);
		ck_assert_msg(i == 5 ? r == -EINVAL : r >= 0, "%s: %s", shapes[i].name,
			      diag.message);
		ck_assert_double_lt(dt, 10);
		if (i == 0)
			ck_assert_uint_gt(lost, 60000);
		kvmcpuid_policy_unref(q);
		free(t);
	}
}
END_TEST

START_TEST(test_chv_export)
{
	struct lost_log log;
	char *out = export("cloud-hypervisor", "", &log);

	/* the default: CH adds msi_ext_dest_id and, on invariant-TSC hosts, the timing leaf */
	ck_assert_str_eq(out, "kvm_hyperv=off\n");
	ck_assert_int_eq(log.n, 2);
	ck_assert_int_ge(lost_find(&log, "msi_ext_dest_id"), 0);
	ck_assert_int_ge(lost_find(&log, "timing"), 0);
	free(out);
	/* CH's own behaviour: only the host-dependent timing leaf is lost */
	out = export("cloud-hypervisor", "msi_ext_dest_id=on,timing=on", &log);
	ck_assert_int_eq(log.n, 1);
	ck_assert_str_eq(log.key[0], "timing");
	free(out);
	/* hidden: the closest is kvm_hyperv=on, which puts Hyper-V leaves there */
	out = export("cloud-hypervisor", "signature=hidden", &log);
	ck_assert_str_eq(out, "kvm_hyperv=on\n");
	ck_assert_int_eq(log.n, 1);
	ck_assert_str_eq(log.key[0], "signature");
	ck_assert(strstr(log.msg[0], "Hyper-V"));
	free(out);
	out = export("cloud-hypervisor", "steal_time=off,enforce=on", &log);
	ck_assert_int_ge(lost_find(&log, "steal_time"), 0);
	ck_assert_int_ge(lost_find(&log, "enforce"), 0);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmm-firecracker");
	TCase *tc = tcase_create("vmm-firecracker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export_format);
	tcase_add_test(tc, test_export_lost_on);
	tcase_add_test(tc, test_import_actions);
	tcase_add_test(tc, test_import_errors);
	tcase_add_test(tc, test_import_lost);
	tcase_add_test(tc, test_import_other_leaves);
	tcase_add_test(tc, test_import_strict);
	tcase_add_test(tc, test_hidden_roundtrip);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_import_linear);
	tcase_add_test(tc, test_chv_export);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
