// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvmcpuid_policy_export / _import for every format: a walk over policies (each feature
 * under each action, each setting, mixed policies) checks that every export is
 * well-formed, that the lost parts counted are the ones reported, that each format
 * expresses some policies exactly, and that importing an exact export gives a policy with
 * the same meaning whose export is byte-identical (lib/vmm/vmm.h: the same meaning).
 * Format-specific cases live in tests/vmm-*.sh (real QEMU, virt-xml-validate, ...).
 */
#include <time.h>

#include "testutil.h"

/*
 * exact: how many policies of the walk each format expresses exactly (a mapping change
 * shows here).  KubeVirt has no setting that reaches async_pf_vmexit, and what
 * host-passthrough does with it depends on virt-launcher's QEMU (clear before 8.2,
 * passed from 8.2), so no policy is exact.  Cloud Hypervisor adds the timing leaf by
 * itself wherever the host CPU has an invariant TSC and has no option against it
 * (lib/vmm/cloud-hypervisor.c): timing = off and timing = on each hold only on some hosts, so no
 * policy is exact; tests/test-vmm-firecracker.c checks what it does express.
 */
static const struct {
	const char *name;
	bool imports;
	unsigned int exact;
} formats[] = {
	{ "qemu", true, 42 },
	{ "libvirt", true, 35 },
	{ "kubevirt", false, 0 },
	{ "firecracker", true, 123 },
	{ "cloud-hypervisor", false, 0 },
};

static struct kvmcpuid_ctx *ctx;

static void setup(void)
{
	ctx = test_ctx();
}

static void teardown(void)
{
	kvmcpuid_unref(ctx);
}

static void count_lost(void *data, const struct kvmcpuid_lost *l)
{
	ck_assert_ptr_nonnull(l->key);
	ck_assert_ptr_nonnull(l->message);
	ck_assert_uint_gt(strlen(l->message), 10);
	(*(int *)data)++;
}

/* The action that builds the same bit on every host (lib/vmm/vmm.h). */
static int meaning(const struct kvmcpuid_policy *p, unsigned int id)
{
	const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
	int a = policy_action(p, id);

	if (f->provider != KVMCPUID_PROVIDER_KVM && a == KVMCPUID_ACTION_HOST)
		return KVMCPUID_ACTION_OFF;
	if (f->provider == KVMCPUID_PROVIDER_VMM && a == KVMCPUID_ACTION_FORCE)
		return KVMCPUID_ACTION_ON;
	return a;
}

/* max_leaf = auto spelled as the value it builds (base+1, base+0x10 with timing). */
static void explicit_auto(const struct kvmcpuid_policy *p, char *v, size_t size)
{
	if (!strcmp(v, "auto"))
		snprintf(v, size, "0x%08x", p->base + (p->timing ? 0x10 : 0x1));
}

static void assert_same_meaning(const struct kvmcpuid_policy *a, const struct kvmcpuid_policy *b,
				const char *fmt, const char *text)
{
	static const char *const keys[] = { "signature", "base", "max_leaf", "timing", "enforce" };
	char va[KVMCPUID_POLICY_VALUE_MAX], vb[KVMCPUID_POLICY_VALUE_MAX];
	unsigned int i;

	for (i = 0; i < KVMCPUID_FEATURE_COUNT; i++)
		ck_assert_msg(meaning(a, i) == meaning(b, i), "%s: %s: %d became %d (%s)", fmt,
			      kvmcpuid_feature(i)->name, meaning(a, i), meaning(b, i), text);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		ck_assert_int_eq(kvmcpuid_policy_get(a, keys[i], va, sizeof(va)), 0);
		ck_assert_int_eq(kvmcpuid_policy_get(b, keys[i], vb, sizeof(vb)), 0);
		/* an explicit max leaf of what auto gives builds the same leaves */
		if (!strcmp(keys[i], "max_leaf")) {
			explicit_auto(a, va, sizeof(va));
			explicit_auto(b, vb, sizeof(vb));
		}
		ck_assert_msg(!strcmp(va, vb), "%s: %s: %s became %s (%s)", fmt, keys[i], va, vb,
			      text);
	}
}

/* Policy number i of the walk, or NULL past its end. */
static struct kvmcpuid_policy *walk_policy(unsigned int i)
{
	static const char *const actions[] = { "host", "on", "off", "force" };
	static const char *const settings[] = {
		"signature=hidden", "signature=\"ABCDEFGHIJKL\"", "base=0x40000100",
		"base=0x40000200", "max_leaf=legacy-zero", "max_leaf=0x40000005", "timing=on",
		"enforce=on", "default=off", "default=off,clocksource=host,clocksource2=host",
		"default=off,enforce=on,steal_time=host,pv_eoi=host",
		"clocksource=off,clocksource2=host", "signature=hidden,enforce=on",
		"max_leaf=0x40000001", "timing=on,max_leaf=0x40000010",
		"base=0x40000100,timing=on,max_leaf=0x40000110",
	};
	unsigned int nfa = KVMCPUID_FEATURE_COUNT * 4 * 2;
	struct kvmcpuid_policy *p = NULL;
	char set[1024];

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	if (i < nfa) {
		const struct kvmcpuid_feature *f = kvmcpuid_feature(i / 8);
		const char *a = actions[i % 4];

		if (!strcmp(f->name, "mmu_op") && (i % 4 == 0 || i % 4 == 1))
			a = "off";
		snprintf(set, sizeof(set), "default=%s,%s=%s", i % 8 < 4 ? "host" : "off",
			 f->name, a);
	} else if (i < nfa + ARRAY_SIZE(settings)) {
		snprintf(set, sizeof(set), "%s", settings[i - nfa]);
	} else if (i < nfa + ARRAY_SIZE(settings) + 64) {
		/* Mixed policies: a fixed pseudo-random action per feature. */
		uint32_t x = 2463534242u * (i + 1);
		size_t n = 0;
		unsigned int id;

		set[0] = '\0';
		for (id = 0; id < KVMCPUID_FEATURE_COUNT; id++) {
			const char *name = kvmcpuid_feature(id)->name;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			if (strcmp(name, "mmu_op"))
				n += (size_t)snprintf(set + n, sizeof(set) - n, "%s%s=%s",
						      n ? "," : "", name, actions[x % 4]);
		}
	} else {
		kvmcpuid_policy_unref(p);
		return NULL;
	}
	ck_assert_msg(kvmcpuid_policy_override(p, set, "walk", NULL) == 0, "%s", set);
	return p;
}

START_TEST(test_export_import_walk)
{
	unsigned int exact[ARRAY_SIZE(formats)] = { 0 }, f, i;
	struct kvmcpuid_policy *p;

	for (i = 0; (p = walk_policy(i)); i++) {
		for (f = 0; f < ARRAY_SIZE(formats); f++) {
			struct kvmcpuid_policy *q = NULL;
			char *out = NULL, *again = NULL;
			int n, nlost = 0;

			n = kvmcpuid_policy_export(p, formats[f].name, count_lost, &nlost, &out);
			ck_assert_int_ge(n, 0);
			ck_assert_int_eq(n, nlost);
			ck_assert_ptr_nonnull(out);
			ck_assert_msg(strlen(out) > 1 && out[strlen(out) - 1] == '\n', "%s: %s",
				      formats[f].name, out);
			if (n == 0)
				exact[f]++;
			if (n || !formats[f].imports) {
				free(out);
				continue;
			}
			nlost = 0;
			n = kvmcpuid_policy_import(ctx, formats[f].name, out, strlen(out), "export",
						   NULL, count_lost, &nlost, &q);
			ck_assert_msg(n == 0, "%s: import of its own exact export: %d (%s)",
				      formats[f].name, n, out);
			ck_assert_int_eq(nlost, 0);
			assert_same_meaning(p, q, formats[f].name, out);
			ck_assert_int_eq(kvmcpuid_policy_export(q, formats[f].name, NULL, NULL, &again),
					 0);
			ck_assert_str_eq(out, again);
			free(again);
			free(out);
			kvmcpuid_policy_unref(q);
		}
		kvmcpuid_policy_unref(p);
	}
	for (f = 0; f < ARRAY_SIZE(formats); f++)
		ck_assert_msg(exact[f] == formats[f].exact, "%s expresses %u policies of the walk "
			      "exactly, not %u", formats[f].name, exact[f], formats[f].exact);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL, *q = NULL;
	char *out = NULL;

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	ck_assert_int_eq(kvmcpuid_policy_export(NULL, "qemu", NULL, NULL, &out), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_export(p, NULL, NULL, NULL, &out), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_export(p, "qemu", NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_export(p, "bochs", NULL, NULL, &out), -ENOENT);
	ck_assert_int_eq(kvmcpuid_policy_import(ctx, "bochs", "x", 1, "f", &diag, NULL, NULL, &q),
			 -ENOENT);
	ck_assert(strstr(diag.message, "bochs"));
	ck_assert_int_eq(kvmcpuid_policy_import(ctx, "kubevirt", "x", 1, "f", &diag, NULL, NULL,
						&q), -ENOTSUP);
	ck_assert_int_eq(kvmcpuid_policy_import(ctx, "qemu", "kvm=on\0x", 8, "f", &diag, NULL,
						NULL, &q), -EINVAL);
	ck_assert_str_eq(diag.origin, "f");
	ck_assert_uint_eq(diag.column, 7);
	ck_assert_ptr_null(q);
	/* the file form: its arguments, the format before the file, the file's own errors */
	ck_assert_int_eq(kvmcpuid_policy_import_file(ctx, "qemu", NULL, &diag, NULL, NULL, &q),
			 -EINVAL);
	ck_assert_int_eq(kvmcpuid_policy_import_file(ctx, "kubevirt", "/nonexistent", &diag,
						     NULL, NULL, &q), -ENOTSUP);
	ck_assert_int_eq(kvmcpuid_policy_import_file(ctx, "bochs", "/nonexistent", &diag, NULL,
						     NULL, &q), -ENOENT);
	ck_assert(strstr(diag.message, "bochs"));
	ck_assert_int_eq(kvmcpuid_policy_import_file(ctx, "qemu", "/nonexistent", &diag, NULL,
						     NULL, &q), -ENOENT);
	ck_assert_str_eq(diag.origin, "/nonexistent");
	ck_assert(strstr(diag.message, "cannot open"));
	ck_assert_ptr_null(q);
	kvmcpuid_policy_unref(p);
}
END_TEST

/*
 * Every importer is linear in its text (issue 16): 1 MiB of each importer's worst shape
 * (a head, one unit repeated to fill the loader's 1 MiB, a tail) imports under a bound
 * of 10 s, which quadratic work misses by minutes and linear work meets with room on any
 * machine; the real figure is printed.  Each unit carries `lost` parts, the last of them
 * reported at byte `at` of the last unit, and the warnings are all there, positioned.
 */
#define OPEN10 "<x><x><x><x><x><x><x><x><x><x>"
#define OPEN50 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10
#define OPEN250 OPEN50 OPEN50 OPEN50 OPEN50 OPEN50
#define CLOSE10 "</x></x></x></x></x></x></x></x></x></x>"
#define CLOSE50 CLOSE10 CLOSE10 CLOSE10 CLOSE10 CLOSE10
#define CLOSE250 CLOSE50 CLOSE50 CLOSE50 CLOSE50 CLOSE50
static const struct {
	const char *format, *head, *unit, *tail;
	unsigned int lost;	/* per unit */
	int at;			/* where the last unit's lost part is reported; -1: none */
	unsigned int extra;	/* lost parts outside the units */
} shapes[] = {
	/* QEMU: unknown properties, Hyper-V properties, known ones, many lines, continuations */
	{ "qemu", "-cpu host", ",a", "\n", 1, 1, 1 },
	{ "qemu", "-cpu host", ",hv-vendor-id", "\n", 1, 1, 1 },
	{ "qemu", "-cpu 'qemu64", ",kvm-pv-eoi=on", "'\n", 0, -1, 0 },
	{ "qemu", "qemu-system-x86_64", " -m 1G \\\n", " -cpu host,a\n", 0, -1, 2 },
	{ "qemu", "qemu-system-x86_64 -cpu", " \\\n", " host,a\n", 0, -1, 2 },
	{ "qemu", "", "-cpux ", "-cpu qemu64,a", 0, -1, 1 },
	/* libvirt: empty elements, one a line, many attributes, deep nesting, comments, text */
	{ "libvirt", "<features>", "<a/>", "</features>\n", 1, 0, 0 },
	{ "libvirt", "<features>\n", "  <a/>\n", "</features>\n", 1, 2, 0 },
	{ "libvirt", "<features>", "<a b='' c='' d='' e='' f='' g='' h='' i='' j='' k=''/>",
	  "</features>\n", 1, 0, 0 },
	{ "libvirt", "<cpu>", "<feature name='x'/>", "</cpu>\n", 1, 0, 0 },
	{ "libvirt", "<features>", "<hyperv/>", "</features>\n", 1, 0, 0 },
	{ "libvirt", "<domain>",
	  "<x><x><x><x><x><x><x><x><x><x><x><x><x><x><x><x></x></x></x></x></x></x></x></x>"
	  "</x></x></x></x></x></x></x></x>", "</domain>\n", 0, -1, 0 },
	/* 32 attributes (the most) whose names differ in their last byte */
	{ "libvirt", "<features>",
	  "<a abcdefghijklmnopqrstuvwA='' abcdefghijklmnopqrstuvwB='' abcdefghijklm"
	  "nopqrstuvwC='' abcdefghijklmnopqrstuvwD='' abcdefghijklmnopqrstuvwE='' a"
	  "bcdefghijklmnopqrstuvwF='' abcdefghijklmnopqrstuvwG='' abcdefghijklmnopq"
	  "rstuvwH='' abcdefghijklmnopqrstuvwI='' abcdefghijklmnopqrstuvwJ='' abcde"
	  "fghijklmnopqrstuvwK='' abcdefghijklmnopqrstuvwL='' abcdefghijklmnopqrstu"
	  "vwM='' abcdefghijklmnopqrstuvwN='' abcdefghijklmnopqrstuvwO='' abcdefghi"
	  "jklmnopqrstuvwP='' abcdefghijklmnopqrstuvwQ='' abcdefghijklmnopqrstuvwR="
	  "'' abcdefghijklmnopqrstuvwS='' abcdefghijklmnopqrstuvwT='' abcdefghijklm"
	  "nopqrstuvwU='' abcdefghijklmnopqrstuvwV='' abcdefghijklmnopqrstuvwW='' a"
	  "bcdefghijklmnopqrstuvwX='' abcdefghijklmnopqrstuvwY='' abcdefghijklmnopq"
	  "rstuvwZ='' abcdefghijklmnopqrstuvw0='' abcdefghijklmnopqrstuvw1='' abcde"
	  "fghijklmnopqrstuvw2='' abcdefghijklmnopqrstuvw3='' abcdefghijklmnopqrstu"
	  "vw4='' abcdefghijklmnopqrstuvw5=''/>",
	  "</features>\n", 1, 0, 0 },
	/* nesting 250 deep, over and over */
	{ "libvirt", "<domain>", OPEN250 CLOSE250, "</domain>\n", 0, -1, 0 },
	{ "libvirt", "<cpu>", "<?pi a processing instruction ?><![CDATA[ <a> ]]>", "</cpu>\n", 0,
	  -1, 0 },
	{ "libvirt", "<features><!--", "- ", "--></features>\n", 0, -1, 0 },
	{ "libvirt", "<features>", "<!-- c -->", "</features>\n", 0, -1, 0 },
	{ "libvirt", "<features>", "&amp;&#x41;", "</features>\n", 0, -1, 0 },
	{ "libvirt", "<features><a b='", "&lt;", "'/></features>\n", 0, -1, 1 },
};

struct last_lost {
	unsigned int n, line, column;
};

static void keep_last(void *data, const struct kvmcpuid_lost *l)
{
	struct last_lost *ll = data;

	ll->n++;
	if (l->line > ll->line || (l->line == ll->line && l->column > ll->column)) {
		ll->line = l->line;
		ll->column = l->column;
	}
}

/* head, unit repeated n times to fill the 1 MiB kvmcpuid reads, tail: *len bytes. */
static char *fill_mib(const char *head, const char *unit, const char *tail, size_t *n,
		      size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), k;
	char *text = malloc(POLICY_MAX_BYTES + 1);

	ck_assert_ptr_nonnull(text);
	*n = (POLICY_MAX_BYTES - hl - tl) / ul;
	memcpy(text, head, hl);
	for (k = 0; k < *n; k++)
		memcpy(text + hl + k * ul, unit, ul);
	memcpy(text + hl + *n * ul, tail, tl);
	*len = hl + *n * ul + tl;
	ck_assert_uint_le(*len, POLICY_MAX_BYTES);
	ck_assert_uint_gt(*len, POLICY_MAX_BYTES - ul - 1);
	return text;
}

/* kvmcpuid_policy_import, timed: its return in *r, the seconds it took. */
static double timed_import(const char *format, const char *text, size_t len,
			   struct kvmcpuid_diag *diag, kvmcpuid_lost_fn fn, void *data,
			   struct kvmcpuid_policy **p, int *r)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*r = kvmcpuid_policy_import(ctx, format, text, len, "big", diag, fn, data, p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

START_TEST(test_import_linear)
{
	size_t hl = strlen(shapes[_i].head), ul = strlen(shapes[_i].unit), n, len, k, off;
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct last_lost ll = { 0 };
	unsigned int line = 1, col = 1;
	double secs;
	char *text;
	int r;

	text = fill_mib(shapes[_i].head, shapes[_i].unit, shapes[_i].tail, &n, &len);
	secs = timed_import(shapes[_i].format, text, len, &diag, keep_last, &ll, &p, &r);
	printf("import --from %s, 1 MiB of %zu units of shape %d: %.3f s, %u lost\n",
	       shapes[_i].format, n, _i, secs, ll.n);
	ck_assert_msg(r >= 0, "%s: %s", shapes[_i].unit, diag.message);
	ck_assert_msg(secs < 10, "%s: %.1f s for 1 MiB: not linear", shapes[_i].unit, secs);
	ck_assert_uint_eq((unsigned)r, ll.n);
	ck_assert_uint_eq(ll.n, shapes[_i].lost * n + shapes[_i].extra);
	if (shapes[_i].at >= 0) {
		/* the last unit's part: its line:col counted here the slow way */
		off = hl + (n - 1) * ul + (size_t)shapes[_i].at;
		for (k = 0; k < off; k++) {
			if (text[k] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		ck_assert_uint_eq(ll.line, line);
		ck_assert_uint_eq(ll.column, col);
	}
	kvmcpuid_policy_unref(p);
	free(text);
}
END_TEST

/*
 * 1 MiB that the importers refuse: the error comes as fast, at the byte at fault (the
 * position is counted once, however far into the text).
 */
static const struct {
	const char *format, *head, *unit, *tail, *message;
	unsigned int line, column;
} bad_shapes[] = {
	{ "libvirt", "<features><!--", "x", "", "a comment that is never closed", 1, 11 },
	{ "libvirt", "<features><a b='", "x", "", "the value of b is never closed", 1, 16 },
	{ "libvirt", "<features>", "<a>", "", "elements nested deeper than 256", 1, 776 },
	{ "libvirt", "<features>\n", "\n", "&</features>", "a bare '&'", 0, 1 },
	{ "qemu", "-cpu ", "a", "", "a setting name of", 1, 6 },
	{ "qemu", "host", ",a", " x\n", "a blank inside the -cpu argument", 1, 0 },
};

START_TEST(test_import_linear_errors)
{
	size_t hl = strlen(bad_shapes[_i].head), ul = strlen(bad_shapes[_i].unit), n, len;
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	double secs;
	char *text;
	int r;

	text = fill_mib(bad_shapes[_i].head, bad_shapes[_i].unit, bad_shapes[_i].tail, &n, &len);
	secs = timed_import(bad_shapes[_i].format, text, len, &diag, NULL, NULL, &p, &r);
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_msg(secs < 10, "%.1f s to refuse 1 MiB", secs);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(diag.message, bad_shapes[_i].message), "%s", diag.message);
	/* 0: the last line (the head's newline and n more), or just past the units */
	ck_assert_uint_eq(diag.line, bad_shapes[_i].line ? bad_shapes[_i].line : n + 2);
	ck_assert_uint_eq(diag.column, bad_shapes[_i].column ? bad_shapes[_i].column
			  : hl + n * ul + 1);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmm");
	TCase *tc = tcase_create("vmm");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export_import_walk);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_loop_test(tc, test_import_linear, 0, ARRAY_SIZE(shapes));
	tcase_add_loop_test(tc, test_import_linear_errors, 0, ARRAY_SIZE(bad_shapes));
	suite_add_tcase(s, tc);
	return run_suite(s);
}
