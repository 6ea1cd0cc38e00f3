// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The XML scanner (lib/vmm/xml.h) on its own: the tags it hands out with their offsets,
 * what it skips, decoded values, and the byte each refusal points at.  What libvirt's
 * elements mean is tested through the importer (tests/vmm-libvirt.sh, tests/test-vmm).
 */
#include <time.h>

#include "testutil.h"
#include "vmm/xml.h"

static struct xml x;
static struct xml_tag tag;

static int next(void)
{
	return xml_next(&x, &tag);
}

static void start(const char *text)
{
	xml_init(&x, text, strlen(text));
}

static void expect_tag(int event, const char *name, size_t off, unsigned int depth)
{
	int r = next();

	ck_assert_msg(r == event, "event %d, want %d (%s at %zu: %s)", r, event, name, off, x.err);
	ck_assert_msg(xml_name_is(tag.name, tag.nlen, name), "<%.*s>, want <%s>", (int)tag.nlen,
		      tag.name, name);
	ck_assert_uint_eq(tag.off, off);
	ck_assert_uint_eq(tag.depth, depth);
}

START_TEST(test_tags)
{
	static const char doc[] =
		"<?xml version='1.0'?>\n"		/*  0 */
		"<!DOCTYPE domain>\n"			/* 22 */
		"<domain type=\"kvm\">\n"		/* 40 */
		"  <!-- a comment -->\n"		/* 60 */
		"  <cpu mode = 'host'><![CDATA[<x>]]></cpu>\n"	/* 81 */
		"  <clock/>\n"				/* 124 */
		"</domain >\n";				/* 135 */
	const struct xml_attr *a;
	char v[16];

	start(doc);
	expect_tag(XML_START, "domain", 40, 0);
	ck_assert(!tag.empty);
	ck_assert_uint_eq(tag.nattr, 1);
	a = xml_attr(&tag, "type");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->off, 48);
	ck_assert_uint_eq(a->voff, 54);
	xml_value(a, v, sizeof(v));
	ck_assert_str_eq(v, "kvm");
	ck_assert_ptr_null(xml_attr(&tag, "typ"));

	expect_tag(XML_START, "cpu", 83, 1);
	a = xml_attr(&tag, "mode");
	ck_assert_uint_eq(a->off, 88);
	ck_assert_uint_eq(a->voff, 96);
	ck_assert_uint_eq(a->vlen, 4);
	expect_tag(XML_END, "cpu", 83, 1);
	ck_assert_uint_eq(tag.nattr, 0);

	expect_tag(XML_START, "clock", 126, 1);
	ck_assert(tag.empty);
	expect_tag(XML_END, "domain", 40, 0);
	ck_assert_int_eq(next(), XML_EOF);
	ck_assert_int_eq(next(), XML_EOF);
}
END_TEST

START_TEST(test_fragments)
{
	start("<features/>\n<cpu></cpu>\t<clock/>\r\n");
	expect_tag(XML_START, "features", 0, 0);
	expect_tag(XML_START, "cpu", 12, 0);
	expect_tag(XML_END, "cpu", 12, 0);
	expect_tag(XML_START, "clock", 24, 0);
	ck_assert_int_eq(next(), XML_EOF);

	start("");
	ck_assert_int_eq(next(), XML_EOF);
	start("  <!-- only a comment -->\n");
	ck_assert_int_eq(next(), XML_EOF);
}
END_TEST

START_TEST(test_values)
{
	/* é is U+00E9 (2 bytes of UTF-8), € U+20AC (3), 😀 U+1F600 (4) */
	start("<t a='&lt;&amp;&gt;&quot;&apos;' b=\"it's\" c='&#233;&#x20ac;&#x1F600;' d=''/>");
	ck_assert_int_eq(next(), XML_START);
	ck_assert_uint_eq(tag.nattr, 4);
	{
		char v[32];

		xml_value(xml_attr(&tag, "a"), v, sizeof(v));
		ck_assert_str_eq(v, "<&>\"'");
		xml_value(xml_attr(&tag, "b"), v, sizeof(v));
		ck_assert_str_eq(v, "it's");
		xml_value(xml_attr(&tag, "c"), v, sizeof(v));
		ck_assert_str_eq(v, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
		xml_value(xml_attr(&tag, "d"), v, sizeof(v));
		ck_assert_str_eq(v, "");
		/* cut short, with room for a whole UTF-8 sequence, rather than overflow */
		xml_value(xml_attr(&tag, "b"), v, 7);
		ck_assert_str_eq(v, "it");
	}
	/* entities in text are checked and skipped */
	start("<t>a &amp; b &#10;</t>");
	expect_tag(XML_START, "t", 0, 0);
	expect_tag(XML_END, "t", 0, 0);
}
END_TEST

/* Each refusal: the offset of the byte at fault and the start of the message. */
static const struct {
	const char *text;
	size_t off;
	const char *msg;
} bad[] = {
	{ "<a></b>", 3, "</b> where </a> should close" },
	{ "</a>", 0, "</a> closes no element" },
	{ "<a></a x>", 7, "'x' in the end tag </a" },
	{ "<a>\n<b>", 4, "<b> is never closed" },
	{ "<a", 0, "<a is never closed with '>'" },
	{ "<a b='1'c='2'/>", 8, "'c' where an attribute name" },
	{ "<a b='1' b='2'/>", 9, "attribute b given twice" },
	{ "<a b/>", 4, "attribute b has no '='" },
	{ "<a b=1/>", 5, "the value of b is not quoted" },
	{ "<a b='1/>", 5, "the value of b is never closed" },
	{ "<a b='<'/>", 6, "a '<' inside an attribute value" },
	{ "<a b='&nbsp;'/>", 6, "unknown entity '&nbsp;'" },
	{ "<a>&#0;</a>", 3, "a character reference that is not a character" },
	{ "<a>&#xd800;</a>", 3, "a character reference that is not a character" },
	{ "<a>&#x110000;</a>", 3, "a character reference that is not a character" },
	{ "<a>&;</a>", 3, "a bare '&'" },
	{ "<a>& b</a>", 3, "a bare '&'" },
	{ "<a>\n<!-- x -- y -->\n</a>", 11, "'--' inside a comment" },
	{ "<a><!-- x", 3, "a comment that is never closed" },
	{ "<?xml version='1.0'", 0, "a processing instruction that is never closed" },
	{ "<![CDATA[x]]><a/>", 0, "CDATA outside any element" },
	{ "<a><![CDATA[x</a>", 3, "CDATA that is never closed" },
	{ "<!DOCTYPE a [ <!ENTITY e 'x'> ]><a/>", 12, "a DOCTYPE with an internal subset" },
	{ "<!DOCTYPE a", 0, "a DOCTYPE with an internal subset (or never closed)" },
	{ "<a/><!DOCTYPE a>", 4, "'<!' that starts no comment, CDATA or DOCTYPE" },
	{ "<a><!ELEMENT a ANY></a>", 3, "'<!' that starts no comment" },
	{ "<a>< b</a>", 3, "a '<' that starts no tag" },
	{ "<a>1 < 2</a>", 5, "a '<' that starts no tag" },
	{ " x <a/>", 1, "text outside any element" },
	{ "<a/>\n.", 5, "text outside any element" },
};

START_TEST(test_refused)
{
	int r;

	start(bad[_i].text);
	while ((r = next()) > 0)
		;
	ck_assert_msg(r == -EINVAL, "'%s' is accepted", bad[_i].text);
	ck_assert_msg(!strncmp(x.err, bad[_i].msg, strlen(bad[_i].msg)), "'%s': '%s', want '%s'",
		      bad[_i].text, x.err, bad[_i].msg);
	ck_assert_msg(x.err_off == bad[_i].off, "'%s': offset %zu, want %zu", bad[_i].text,
		      x.err_off, bad[_i].off);
}
END_TEST

START_TEST(test_limits)
{
	char text[XML_MAX_DEPTH * 3 + 8 * (XML_MAX_ATTRS + 1) + 16];
	size_t o = 0;
	unsigned int i;
	int r;

	/* XML_MAX_DEPTH elements nest; one more is refused at its '<' */
	for (i = 0; i <= XML_MAX_DEPTH; i++)
		o += (size_t)sprintf(text + o, "<a>");
	start(text);
	for (i = 0; i < XML_MAX_DEPTH; i++)
		expect_tag(XML_START, "a", 3 * i, i);
	ck_assert_int_eq(next(), -EINVAL);
	ck_assert_uint_eq(x.err_off, 3 * XML_MAX_DEPTH);
	ck_assert_str_eq(x.err, "elements nested deeper than 256");

	/* XML_MAX_ATTRS attributes; one more is refused at its name */
	o = (size_t)sprintf(text, "<a");
	for (i = 0; i < XML_MAX_ATTRS; i++)
		o += (size_t)sprintf(text + o, " a%u=''", i);
	start(strcat(text, "/>"));
	ck_assert_int_eq(next(), XML_START);
	ck_assert_uint_eq(tag.nattr, XML_MAX_ATTRS);
	sprintf(text + o, " b=''/>");
	start(text);
	r = next();
	ck_assert_int_eq(r, -EINVAL);
	ck_assert_uint_eq(x.err_off, o + 1);
	ck_assert_str_eq(x.err, "more than 32 attributes");
}
END_TEST

/*
 * The scanner is linear: 1 MiB of each of its busiest shapes (many empty elements with
 * 32 attributes, many comments, text full of references, elements 256 deep over and
 * over) scans under 10 s, a bound linear work meets with room and quadratic work misses
 * by minutes; every tag is handed out.
 */
static const struct {
	const char *unit;
	unsigned int tags;	/* XML_START and XML_END events per unit */
} linear[] = {
	{ "<a a0='' a1='' a2='' a3='' a4='' a5='' a6='' a7='' a8='' a9='' b0='' b1='' b2='' "
	  "b3='' b4='' b5='' b6='' b7='' b8='' b9='' c0='' c1='' c2='' c3='' c4='' c5='' c6='' "
	  "c7='' c8='' c9='' d0='' d1='&amp;'/>\n", 1 },
	{ "<!-- a comment - with dashes - -->", 0 },
	{ "&amp;&lt;&#x41;&#65;text", 0 },
	{ "<?pi?><![CDATA[<a>]]>", 0 },
	{ "<b><b><b><b><b><b><b><b><b><b><b><b><b><b><b><b></b></b></b></b></b></b></b></b>"
	  "</b></b></b></b></b></b></b></b>", 32 },
};

START_TEST(test_linear)
{
	size_t ul = strlen(linear[_i].unit), n = ((1u << 20) - 16) / ul, k, events = 0;
	struct timespec t0, t1;
	char *text = malloc(n * ul + 16);
	double secs;
	int r;

	ck_assert_ptr_nonnull(text);
	strcpy(text, "<r>");
	for (k = 0; k < n; k++)
		memcpy(text + 3 + k * ul, linear[_i].unit, ul);
	strcpy(text + 3 + n * ul, "</r>");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	start(text);
	while ((r = next()) > 0)
		events++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(r == XML_EOF, "%s at %zu", x.err, x.err_off);
	ck_assert_uint_eq(events, 2 + n * linear[_i].tags);
	ck_assert_msg(secs < 10, "%.1f s for 1 MiB: not linear", secs);
	printf("xml: 1 MiB of %zu units of shape %d: %.3f s\n", n, _i, secs);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xml");
	TCase *tc = tcase_create("xml");

	tcase_add_test(tc, test_tags);
	tcase_add_test(tc, test_fragments);
	tcase_add_test(tc, test_values);
	tcase_add_loop_test(tc, test_refused, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_limits);
	tcase_add_loop_test(tc, test_linear, 0, ARRAY_SIZE(linear));
	suite_add_tcase(s, tc);
	return run_suite(s);
}
