// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvmcpuid_policy_export / _import for every format: a walk over policies (each feature
 * under each action, each setting, mixed policies) checks that every export is
 * well-formed, that the lost parts counted are the ones reported, that each format
 * expresses some policies exactly, and that importing an exact export gives a policy with
 * the same meaning whose export is byte-identical (lib/vmm.h: the same meaning).
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
 * (lib/vmm-chv.c): timing = off and timing = on each hold only on some hosts, so no
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

/* The action that builds the same bit on every host (lib/vmm.h). */
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

START_TEST(test_import_linear)
{
	size_t hl = strlen(shapes[_i].head), ul = strlen(shapes[_i].unit);
	size_t tl = strlen(shapes[_i].tail), n = (POLICY_MAX_BYTES - hl - tl) / ul, len, k, off;
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	struct last_lost ll = { 0 };
	unsigned int line = 1, col = 1;
	struct timespec t0, t1;
	double secs;
	char *text;
	int r;

	text = malloc(POLICY_MAX_BYTES + 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, shapes[_i].head, hl);
	for (k = 0; k < n; k++)
		memcpy(text + hl + k * ul, shapes[_i].unit, ul);
	memcpy(text + hl + n * ul, shapes[_i].tail, tl);
	len = hl + n * ul + tl;
	ck_assert_uint_le(len, POLICY_MAX_BYTES);
	ck_assert_uint_gt(len, POLICY_MAX_BYTES - ul - 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = kvmcpuid_policy_import(ctx, shapes[_i].format, text, len, "big", &diag, keep_last, &ll,
				   &p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
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

int main(void)
{
	Suite *s = suite_create("vmm");
	TCase *tc = tcase_create("vmm");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_export_import_walk);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_loop_test(tc, test_import_linear, 0, ARRAY_SIZE(shapes));
	suite_add_tcase(s, tc);
	return run_suite(s);
}
