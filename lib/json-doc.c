// SPDX-License-Identifier: LGPL-2.1-or-later
/* The shared JSON reader: positions in the text, the value index, duplicate keys refused. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define JSON_MAX_DEPTH 16
#define JSON_MAX_CONTAINERS 8192
#define JSON_MAX_VALUES 65536

void offset_to_linecol(const char *text, size_t off, unsigned int *line, unsigned int *col)
{
	struct text_cursor c = { 0 };

	text_cursor_at(&c, text, off, line, col);
}

/*
 * Moves c from where it last stood, so callers that ask for positions in text order (an
 * importer's warnings) scan the text once in all; a step back costs its own length (and,
 * across a line, the start of the line it lands on).
 */
void text_cursor_at(struct text_cursor *c, const char *text, size_t off, unsigned int *line,
		    unsigned int *col)
{
	bool crossed = false;
	size_t i;

	if (!c->line) {
		c->off = 0;
		c->line = 1;
		c->col = 1;
	}
	for (i = c->off; i > off; i--) {
		if (text[i - 1] == '\n') {
			c->line--;
			crossed = true;
		} else if (((unsigned char)text[i - 1] & 0xc0) != 0x80) {
			c->col--;
		}
	}
	if (crossed) {
		for (i = off; i && text[i - 1] != '\n'; i--)
			;
		c->off = i;
		c->col = 1;
	} else if (off < c->off) {
		c->off = off;
	}
	for (i = c->off; i < off; i++) {
		if (text[i] == '\n') {
			c->line++;
			c->col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			c->col++;
		}
	}
	c->off = off;
	*line = c->line;
	*col = c->col;
}

/* ---- the position index: one linear pass over text json-c has accepted ---- */

static size_t jws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* The offset just past the string or scalar starting at i (never a container). */
static size_t jskip_scalar(const char *t, size_t len, size_t i)
{
	if (t[i] == '"') {
		for (i++; i < len && t[i] != '"'; i++)
			if (t[i] == '\\')
				i++;
		return i < len ? i + 1 : len;
	}
	while (i < len && !strchr(",}] \t\r\n", t[i]))
		i++;
	return i;
}

static int jnode_add(struct json_doc *d, size_t off, size_t key, uint32_t parent,
		     uint32_t *last)
{
	struct json_node *n;

	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct json_node *bigger = realloc(d->nodes, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		d->nodes = bigger;
		d->cap = cap;
	}
	n = &d->nodes[d->count];
	n->off = off;
	n->key = key;
	n->next = n->child = 0;
	if (d->count) {
		if (*last)
			d->nodes[*last].next = (uint32_t)d->count;
		else
			d->nodes[parent].child = (uint32_t)d->count;
		*last = (uint32_t)d->count;
	}
	d->count++;
	return 0;
}

/*
 * Index every value of text (valid JSON, depth at most JSON_MAX_DEPTH, as json-c has
 * checked): where it starts, its key's quote in an object, its siblings and children.
 */
static int json_index(struct json_doc *d, const char *t, size_t len)
{
	struct {
		uint32_t node, last;
		bool object;
	} st[JSON_MAX_DEPTH + 2];
	int depth = -1, r;
	size_t i = jws(t, len, 0), key = SIZE_MAX;
	uint32_t none = 0;

	for (;;) {
		/* a value at i */
		r = jnode_add(d, i, key, depth >= 0 ? st[depth].node : 0,
			      depth >= 0 ? &st[depth].last : &none);
		if (r < 0)
			return r;
		if (t[i] == '{' || t[i] == '[') {
			if (depth + 1 >= (int)ARRAY_SIZE(st))
				return -EINVAL;
			depth++;
			st[depth].node = (uint32_t)(d->count - 1);
			st[depth].last = 0;
			st[depth].object = t[i] == '{';
			i = jws(t, len, i + 1);
			if (t[i] == '}' || t[i] == ']') {
				i++;
				depth--;
			} else {
				goto next_value;
			}
		} else {
			i = jskip_scalar(t, len, i);
		}
		/* after a value: ',' then the next, or closes */
		for (;;) {
			if (depth < 0)
				return 0;
			i = jws(t, len, i);
			if (i >= len)
				return -EINVAL;
			if (t[i] == ',') {
				i = jws(t, len, i + 1);
				break;
			}
			i++;	/* '}' or ']' */
			depth--;
		}
next_value:
		key = SIZE_MAX;
		if (st[depth].object) {
			key = i;
			i = jws(t, len, jskip_scalar(t, len, i));
			i = jws(t, len, i + 1);	/* the ':' */
		}
	}
}

/* Does the string token at q (its opening quote) decode to key?  JSON escapes included. */
static bool json_token_is(const char *t, size_t q, const char *key)
{
	size_t i = q + 1, k = 0;

	while (t[i] != '"') {
		unsigned long cp;
		char u[4];
		int n, j;

		if (t[i] != '\\') {
			if (key[k++] != t[i++])
				return false;
			continue;
		}
		i++;
		if (t[i] != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

			if (key[k++] != to[strchr(from, t[i]) - from])
				return false;
			i++;
			continue;
		}
		cp = strtoul((char[5]){ t[i + 1], t[i + 2], t[i + 3], t[i + 4], 0 }, NULL, 16);
		i += 5;
		if (cp >= 0xd800 && cp < 0xdc00 && t[i] == '\\' && t[i + 1] == 'u') {
			unsigned long lo = strtoul((char[5]){ t[i + 2], t[i + 3], t[i + 4],
							      t[i + 5], 0 }, NULL, 16);

			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
		}
		if (cp == 0)
			return false;	/* json-c's key ends there: never the same key */
		if (cp < 0x80) {
			u[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			u[0] = (char)(0xf0 | cp >> 18);
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		for (j = 0; j < n; j++)
			if (key[k++] != u[j])
				return false;
	}
	return key[k] == '\0';
}

/*
 * json-c keeps the last of duplicate keys (in the first one's place); serde and every
 * reader here refuse them.  Members pair with json-c's entries in order until the first
 * repeated key: that one is the error, at its own quote.
 */
static int json_check_dups(const struct json_doc *d, uint32_t n, struct json_object *o,
			   struct kvmcpuid_ctx *ctx, const char *text, const char *origin,
			   struct kvmcpuid_diag *diag)
{
	const struct json_node *node = &d->nodes[n];
	uint32_t c;
	size_t i;
	int r;

	if (json_object_is_type(o, json_type_object)) {
		struct lh_entry *e = json_object_get_object(o)->head;
		size_t members = 0;

		for (c = node->child; c; c = d->nodes[c].next)
			members++;
		if (members != (size_t)json_object_object_length(o)) {
			struct text_cursor at = { 0 };
			unsigned int line, col, l0, c0;
			uint32_t first;

			for (c = node->child; e && json_token_is(text, d->nodes[c].key,
								  (const char *)e->k);
			     c = d->nodes[c].next)
				e = e->next;
			/* c repeats the key of one member before it: find that one */
			e = json_object_get_object(o)->head;
			for (first = node->child; first != c; first = d->nodes[first].next) {
				if (json_token_is(text, d->nodes[c].key, (const char *)e->k))
					break;
				e = e->next;
			}
			text_cursor_at(&at, text, d->nodes[first].key, &l0, &c0);
			text_cursor_at(&at, text, d->nodes[c].key, &line, &col);
			return diag_set(ctx, diag, EINVAL, origin, line, col,
					"duplicate key '%.60s' (first set at line %u)",
					first != c ? (const char *)e->k : "?", l0);
		}
		for (c = node->child; c && e; c = d->nodes[c].next, e = e->next) {
			r = json_check_dups(d, c, (struct json_object *)lh_entry_v(e), ctx, text,
					    origin, diag);
			if (r < 0)
				return r;
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (c = node->child, i = 0; c; c = d->nodes[c].next, i++) {
			r = json_check_dups(d, c, json_object_array_get_idx(o, i), ctx, text,
					    origin, diag);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * json-c spends hundreds of bytes on each object (its hash table), so 1 MiB of "{}" would
 * take hundreds of MiB: bound what the parser builds, not only the input size.  A host
 * profile, the largest input, has at most 4096 entries of 7 numbers each.  *at is where
 * the limit was passed.  Counts outside strings only.
 */
static bool json_too_many_values(const char *t, size_t len, size_t *at)
{
	size_t i, containers = 0, values = 1;

	for (i = 0; i < len; i++) {
		if (t[i] == '"') {
			for (i++; i < len && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
		} else if (t[i] == '{' || t[i] == '[') {
			containers++;
			values++;
		} else if (t[i] == ',') {
			values++;
		}
		if (containers > JSON_MAX_CONTAINERS || values > JSON_MAX_VALUES) {
			*at = i;
			return true;
		}
	}
	return false;
}

int json_parse_doc(struct kvmcpuid_ctx *ctx, const char *text, size_t len, const char *origin,
		   struct kvmcpuid_diag *diag, struct json_doc *doc)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	unsigned int line, col;
	size_t end;
	int r;

	if (len > POLICY_MAX_BYTES)
		return diag_set(ctx, diag, EFBIG, origin, 0, 0,
				"JSON is larger than the 1 MiB a policy may be");
	if (memchr(text, '\0', len)) {
		offset_to_linecol(text, (size_t)((const char *)memchr(text, '\0', len) - text),
				  &line, &col);
		return diag_set(ctx, diag, EINVAL, origin, line, col, "NUL byte in JSON text");
	}
	if (json_too_many_values(text, len, &end)) {
		offset_to_linecol(text, end, &line, &col);
		return diag_set(ctx, diag, EINVAL, origin, line, col,
				"invalid JSON: more than %d objects and arrays or %d values",
				JSON_MAX_CONTAINERS, JSON_MAX_VALUES);
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!obj && jerr == json_tokener_continue) {
		end = len;
		jerr = json_tokener_error_parse_eof;
	}
	if (obj && jerr == json_tokener_success) {
		/* Only blanks may follow the object. */
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end < len) {
			json_object_put(obj);
			json_tokener_free(tok);
			offset_to_linecol(text, end, &line, &col);
			return diag_set(ctx, diag, EINVAL, origin, line, col,
					"unexpected text after the JSON object");
		}
	}
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success) {
		json_object_put(obj);
		offset_to_linecol(text, end, &line, &col);
		return diag_set(ctx, diag, EINVAL, origin, line, col, "invalid JSON: %s",
				json_tokener_error_desc(jerr));
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return diag_set(ctx, diag, EINVAL, origin, 1, 1, "expected one JSON object");
	}
	memset(doc, 0, sizeof(*doc));
	doc->root = obj;
	r = json_index(doc, text, len);
	if (r == 0)
		r = json_check_dups(doc, 0, obj, ctx, text, origin, diag);
	if (r < 0)
		json_doc_free(doc);
	return r;
}

void json_doc_free(struct json_doc *doc)
{
	json_object_put(doc->root);
	free(doc->nodes);
	memset(doc, 0, sizeof(*doc));
}

int json_parse_checked(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
		       const char *origin, struct kvmcpuid_diag *diag, struct json_object **ret)
{
	struct json_doc doc;
	int r = json_parse_doc(ctx, text, len, origin, diag, &doc);

	if (r < 0)
		return r;
	free(doc.nodes);
	*ret = doc.root;
	return 0;
}

