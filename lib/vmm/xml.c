// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The XML scanner of xml.h.  It reads what a VMM's configuration XML uses and refuses the
 * rest with a position rather than guessing: no DTD, so no entity but XML's five.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "xml.h"

static bool name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       c >= 0x80;
}

static bool name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int xml_error(struct xml *x, size_t off, const char *fmt, ...) PRINTF(3, 4);
static int xml_error(struct xml *x, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	x->err_off = off;
	return -EINVAL;
}

/*
 * The reference at t[0] == '&' (t NUL-terminated): its length, with its code point in
 * *cp, or 0 when it is none of XML's.
 */
static size_t ref_decode(const char *t, unsigned long *cp)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
		{ "apos;", '\'' },
	};
	unsigned long v = 0;
	size_t k, d, start;
	bool hex;

	t++;
	for (k = 0; k < ARRAY_SIZE(named); k++)
		if (!strncmp(t, named[k].name, strlen(named[k].name))) {
			*cp = (unsigned char)named[k].c;
			return 1 + strlen(named[k].name);
		}
	if (t[0] != '#')
		return 0;
	hex = t[1] == 'x';
	d = start = hex ? 2 : 1;
	for (; t[d] && t[d] != ';' && d < 12; d++) {
		int c = (unsigned char)t[d], x = c >= '0' && c <= '9' ? c - '0'
			: hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
			: hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (x < 0)
			break;
		v = v * (hex ? 16 : 10) + (unsigned long)x;
	}
	if (t[d] != ';' || d == start || !v || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return d + 2;
}

/* Checks the references of text[s..e) (text or, attr, an attribute value). */
static int check_refs(struct xml *x, size_t s, size_t e, bool attr)
{
	const char *t = x->text;
	unsigned long cp;
	size_t i, n, k;

	for (i = s; i < e; i++) {
		if (attr && t[i] == '<')
			return xml_error(x, i, "a '<' inside an attribute value (write &lt;)");
		if (t[i] != '&')
			continue;
		n = ref_decode(t + i, &cp);
		if (n) {
			i += n - 1;
			continue;
		}
		if (t[i + 1] == '#')
			return xml_error(x, i, "a character reference that is not a character "
					 "(&#N; or &#xH;)");
		for (k = 0; k < 32 && name_char((unsigned char)t[i + 1 + k]); k++)
			;
		if (k && t[i + 1 + k] == ';')
			return xml_error(x, i, "unknown entity '&%.*s;' (XML has &amp; &lt; &gt; "
					 "&quot; &apos;)", (int)k, t + i + 1);
		return xml_error(x, i, "a bare '&' (write &amp;)");
	}
	return 0;
}

void xml_value(const struct xml_attr *a, char *out, size_t size)
{
	size_t i, o = 0, n;
	unsigned long cp;

	for (i = 0; i < a->vlen && o + 5 < size; i++) {
		if (a->val[i] != '&') {
			out[o++] = a->val[i];
			continue;
		}
		n = ref_decode(a->val + i, &cp);
		if (!n)
			break;	/* checked while scanning: cannot happen */
		i += n - 1;
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
}

bool xml_name_is(const char *name, size_t nlen, const char *s)
{
	return strlen(s) == nlen && !memcmp(name, s, nlen);
}

const struct xml_attr *xml_attr(const struct xml_tag *tag, const char *name)
{
	unsigned int i;

	for (i = 0; i < tag->nattr; i++)
		if (xml_name_is(tag->attr[i].name, tag->attr[i].nlen, name))
			return &tag->attr[i];
	return NULL;
}

/* Reads a start tag at x->pos ('<' then a name start); leaves x->pos after its '>'. */
static int start_tag(struct xml *x, struct xml_tag *tag)
{
	const char *t = x->text;
	size_t i = x->pos + 1;

	tag->off = x->pos;
	tag->name = t + i;
	while (name_char((unsigned char)t[i]))
		i++;
	tag->nlen = (size_t)(t + i - tag->name);
	tag->nattr = 0;
	tag->empty = false;
	for (;;) {
		struct xml_attr *a;
		bool blank = false;
		unsigned int k;
		char q;
		int r;

		while (is_blank(t[i])) {
			i++;
			blank = true;
		}
		if (t[i] == '>' || (t[i] == '/' && t[i + 1] == '>')) {
			tag->empty = t[i] == '/';
			x->pos = i + (tag->empty ? 2 : 1);
			return 0;
		}
		if (!t[i])
			return xml_error(x, tag->off, "<%.*s is never closed with '>'",
					 (int)tag->nlen, tag->name);
		if (!blank || !name_start((unsigned char)t[i]))
			return xml_error(x, i, "'%c' where an attribute name or '>' should be",
					 t[i]);
		if (tag->nattr == XML_MAX_ATTRS)
			return xml_error(x, i, "more than %d attributes", XML_MAX_ATTRS);
		a = &tag->attr[tag->nattr];
		a->off = i;
		a->name = t + i;
		while (name_char((unsigned char)t[i]))
			i++;
		a->nlen = (size_t)(t + i - a->name);
		for (k = 0; k < tag->nattr; k++)
			if (tag->attr[k].nlen == a->nlen &&
			    !memcmp(tag->attr[k].name, a->name, a->nlen))
				return xml_error(x, a->off, "attribute %.*s given twice",
						 (int)a->nlen, a->name);
		while (is_blank(t[i]))
			i++;
		if (t[i] != '=')
			return xml_error(x, i, "attribute %.*s has no '=' and value",
					 (int)a->nlen, a->name);
		i++;
		while (is_blank(t[i]))
			i++;
		if (t[i] != '\'' && t[i] != '"')
			return xml_error(x, i, "the value of %.*s is not quoted", (int)a->nlen,
					 a->name);
		q = t[i++];
		a->voff = i;
		a->val = t + i;
		while (t[i] && t[i] != q)
			i++;
		if (!t[i])
			return xml_error(x, a->voff - 1, "the value of %.*s is never closed",
					 (int)a->nlen, a->name);
		a->vlen = i - a->voff;
		r = check_refs(x, a->voff, i, true);
		if (r < 0)
			return r;
		i++;
		tag->nattr++;
	}
}

/* Reads the end tag at x->pos ("</"): tag names the element it closes. */
static int end_tag(struct xml *x, struct xml_tag *tag)
{
	const char *t = x->text;
	size_t s = x->pos, i = s + 2, n;

	while (name_char((unsigned char)t[i]))
		i++;
	n = i - s - 2;
	while (is_blank(t[i]))
		i++;
	if (t[i] != '>')
		return xml_error(x, i, "'%c' in the end tag </%.*s", t[i], (int)n, t + s + 2);
	if (!x->depth)
		return xml_error(x, s, "</%.*s> closes no element", (int)n, t + s + 2);
	x->depth--;
	if (n != x->open[x->depth].nlen || memcmp(t + s + 2, x->open[x->depth].name, n))
		return xml_error(x, s, "</%.*s> where </%.*s> should close the element opened "
				 "before", (int)n, t + s + 2, (int)x->open[x->depth].nlen,
				 x->open[x->depth].name);
	tag->name = x->open[x->depth].name;
	tag->nlen = x->open[x->depth].nlen;
	tag->off = x->open[x->depth].off;
	tag->depth = x->depth;
	tag->empty = false;
	tag->nattr = 0;
	x->pos = i + 1;
	return XML_END;
}

/* Skips the comment, processing instruction, CDATA or DOCTYPE at x->pos. */
static int skip_markup(struct xml *x)
{
	const char *t = x->text, *tend = x->text + x->len, *end;
	size_t pos = x->pos;

	if (!strncmp(t + pos, "<!--", 4)) {
		end = text_find(t + pos + 4, tend, "--", 2);
		if (!end)
			return xml_error(x, pos, "a comment that is never closed with '-->'");
		if (end[2] != '>')
			return xml_error(x, (size_t)(end - t), "'--' inside a comment");
		x->pos = (size_t)(end - t) + 3;
	} else if (!strncmp(t + pos, "<?", 2)) {
		end = text_find(t + pos + 2, tend, "?>", 2);
		if (!end)
			return xml_error(x, pos, "a processing instruction that is never closed "
					 "with '?>'");
		x->pos = (size_t)(end - t) + 2;
	} else if (!strncmp(t + pos, "<![CDATA[", 9)) {
		if (x->depth == 0)
			return xml_error(x, pos, "CDATA outside any element");
		end = text_find(t + pos + 9, tend, "]]>", 3);
		if (!end)
			return xml_error(x, pos, "CDATA that is never closed with ']]>'");
		x->pos = (size_t)(end - t) + 3;
	} else if (!strncmp(t + pos, "<!DOCTYPE", 9) && x->depth == 0 && !x->root) {
		while (pos < x->len && t[pos] != '>' && t[pos] != '[')
			pos++;
		if (t[pos] != '>')
			return xml_error(x, pos < x->len ? pos : x->pos, "a DOCTYPE with an "
					 "internal subset (or never closed): kvmcpuid reads no "
					 "entity declarations");
		x->pos = pos + 1;
	} else {
		return xml_error(x, pos, "'<!' that starts no comment, CDATA or DOCTYPE");
	}
	return 0;
}

void xml_init(struct xml *x, const char *text, size_t len)
{
	x->text = text;
	x->len = len;
	x->pos = 0;
	x->depth = 0;
	x->root = false;
	x->err_off = 0;
	x->err[0] = '\0';
}

int xml_next(struct xml *x, struct xml_tag *tag)
{
	const char *t = x->text;
	int r;

	while (x->pos < x->len) {
		size_t s = x->pos;

		if (t[s] != '<') {
			while (x->pos < x->len && t[x->pos] != '<')
				x->pos++;
			r = check_refs(x, s, x->pos, false);
			if (r < 0)
				return r;
			if (x->depth == 0)
				for (; s < x->pos; s++)
					if (!is_blank(t[s]))
						return xml_error(x, s, "text outside any element");
		} else if (t[s + 1] == '?' || t[s + 1] == '!') {
			r = skip_markup(x);
			if (r < 0)
				return r;
		} else if (t[s + 1] == '/') {
			return end_tag(x, tag);
		} else if (name_start((unsigned char)t[s + 1])) {
			r = start_tag(x, tag);
			if (r < 0)
				return r;
			if (x->depth == XML_MAX_DEPTH)
				return xml_error(x, tag->off, "elements nested deeper than %d",
						 XML_MAX_DEPTH);
			tag->depth = x->depth;
			x->root = true;
			if (!tag->empty) {
				x->open[x->depth].name = tag->name;
				x->open[x->depth].nlen = tag->nlen;
				x->open[x->depth].off = tag->off;
				x->depth++;
			}
			return XML_START;
		} else {
			return xml_error(x, s, "a '<' that starts no tag (write &lt;)");
		}
	}
	if (x->depth)
		return xml_error(x, x->open[x->depth - 1].off, "<%.*s> is never closed",
				 (int)x->open[x->depth - 1].nlen, x->open[x->depth - 1].name);
	return XML_EOF;
}
