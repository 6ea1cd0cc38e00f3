/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small XML scanner for the importers that read XML (libvirt.c).  It hands out the
 * start and end tags of a text one at a time and checks that the text is well-formed on
 * the way; what the elements mean is the caller's business.  It allocates nothing: names
 * and values point into the text, and every position is a byte offset into it (vmm.h's
 * import_error and import_lost turn offsets into line:col).
 *
 * Accepted: elements with attributes quoted '...' or "...", several root elements one
 * after the other (a document's fragments), text inside elements (blanks outside them),
 * comments, processing instructions (the <?xml ...?> declaration among them), CDATA
 * sections inside an element, a DOCTYPE before the first element, and in text and values
 * the five named entities (&amp; &lt; &gt; &quot; &apos;) and character references
 * (&#N; &#xH; of a code point other than 0 and the surrogates).
 *
 * Refused, each with the offset of the byte at fault: a DOCTYPE with an internal subset
 * (the scanner reads no entity declarations) or after the first element, any other '<!',
 * an unknown entity, a bare '&', a '<' in a value or one that starts no tag, an unquoted
 * value, an attribute given twice or without '=', an end tag that closes no element or
 * not the last one opened, an element never closed, '--' inside a comment, an unclosed
 * comment, processing instruction, CDATA or value, text or CDATA outside any element,
 * more than XML_MAX_ATTRS attributes and nesting deeper than XML_MAX_DEPTH.
 *
 * Not checked: the characters of names past the first ('-', '.', digits and every byte
 * from 0x80 count as name characters), namespaces, the encoding (the text is bytes).
 */
#ifndef KVMCPUID_XML_H
#define KVMCPUID_XML_H

#include <stdbool.h>
#include <stddef.h>

#define XML_MAX_ATTRS 32
#define XML_MAX_DEPTH 256

struct xml_attr {
	const char *name, *val;		/* into the text; val raw (entities not decoded) */
	size_t nlen, vlen;
	size_t off, voff;		/* of the name, of the value's first byte */
};

struct xml_tag {
	const char *name;		/* into the text, nlen bytes */
	size_t nlen;
	size_t off;			/* the '<' of the start tag (for XML_END too) */
	unsigned int depth;		/* 0: a root element */
	bool empty;			/* <name .../>: no XML_END follows */
	unsigned int nattr;		/* 0 for XML_END */
	struct xml_attr attr[XML_MAX_ATTRS];
};

enum xml_event {
	XML_EOF,			/* the end of the text: every element closed */
	XML_START,			/* a start tag, or an empty-element tag */
	XML_END,			/* an end tag: tag names the element it closes */
};

struct xml {
	const char *text;		/* NUL-terminated, len bytes */
	size_t len;
	size_t pos;
	unsigned int depth;		/* elements open */
	bool root;			/* an element was seen: no DOCTYPE any more */
	struct {
		const char *name;
		size_t nlen, off;
	} open[XML_MAX_DEPTH];
	size_t err_off;			/* after an error: the offset of the byte at fault */
	char err[512];			/* and what is wrong with it */
};

/* Starts scanning text (NUL-terminated, len bytes) from its first byte. */
void xml_init(struct xml *x, const char *text, size_t len);
/*
 * The next tag into *tag: XML_START, XML_END or XML_EOF (and XML_EOF again on every later
 * call), or -EINVAL with x->err and x->err_off.  Text, comments, processing instructions,
 * CDATA and the DOCTYPE are checked and skipped.
 */
int xml_next(struct xml *x, struct xml_tag *tag);
/* Whether the nlen bytes at name are s. */
bool xml_name_is(const char *name, size_t nlen, const char *s);
/* The attribute called name of tag, or NULL. */
const struct xml_attr *xml_attr(const struct xml_tag *tag, const char *name);
/* The value of a with its entities decoded (UTF-8), NUL-terminated and cut to fit size. */
void xml_value(const struct xml_attr *a, char *out, size_t size);

#endif
