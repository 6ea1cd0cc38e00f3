// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The text and inline policy parser.  Both forms share one grammar:
 *   pair  := key ws* '=' ws* value
 *   value := bare | '"' (char | '\"' | '\\' | '\xNN')* '"'
 * pairs are separated by newlines (text, where '#' starts a comment) or by ','
 * (inline).  Diagnostics carry 1-based line and column, columns counted in characters.
 * `include = NAME` is the parser's whole: it reads the shipped profile NAME (profile.c
 * finds and reads it, nothing more) and parses it here, into the same policy.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Profiles include profiles; a cycle ends here. */
#define PROFILE_MAX_DEPTH 8

/*
 * The profiles one parse has read, by name: a policy of 60 000 `include = minimal` lines
 * reads the file once, not 60 000 times (every include is still parsed, in order: later
 * lines win).  Shared by the includes of one top-level parse, freed at its end.
 */
struct include_cache {
	struct {
		char name[65];
		char *path;
		char *text;
		size_t len;
	} e[8];
	size_t n;
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	size_t line_start;
	unsigned int line;
	bool inline_form;
	/* each line is one --set: a key may appear again on a later line (later wins) */
	bool lines_override;
	const char *origin;
	struct kvmcpuid_ctx *ctx;
	struct kvmcpuid_diag *diag;
	unsigned int depth;	/* of include = NAME */
	struct include_cache *cache;	/* the top-level parse's */
};

/* Column (in UTF-8 characters, 1-based) of byte offset off on the current line. */
static unsigned int column_of(const struct parser *ps, size_t off)
{
	unsigned int col = 1;
	size_t i;

	for (i = ps->line_start; i < off && i < ps->len; i++)
		if (((unsigned char)ps->s[i] & 0xc0) != 0x80)
			col++;
	return col;
}

static int PRINTF(3, 4) fail_at(struct parser *ps, size_t off, const char *fmt, ...)
{
	char msg[400];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	return diag_set(ps->ctx, ps->diag, EINVAL, ps->origin, ps->line, column_of(ps, off), "%s",
			msg);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid; *cpout its code point. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cpout)
{
	size_t len, i;
	uint32_t cp;

	*cpout = s[0];
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cpout = cp;
	return len;
}

/*
 * The whole character at off for a message: 'c' for ASCII, 'é' (U+00E9) beyond it, and a
 * byte order mark by name (the text is valid UTF-8 by now: check_encoding ran first).
 */
static const char *char_at(const struct parser *ps, size_t off, char *buf, size_t cap)
{
	uint32_t cp;
	size_t n = utf8_len((const unsigned char *)ps->s + off, ps->len - off, &cp);

	if (cp == 0xfeff)
		snprintf(buf, cap, "U+FEFF (a byte order mark: save the file without it)");
	else if (n > 1)
		snprintf(buf, cap, "'%.*s' (U+%04X)", (int)n, ps->s + off, (unsigned int)cp);
	else
		snprintf(buf, cap, "'%c'", ps->s[off]);
	return buf;
}

/* Reject NUL bytes and invalid UTF-8 before anything else looks at the text. */
static int check_encoding(struct parser *ps)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < ps->len) {
		unsigned char c = (unsigned char)ps->s[i];

		if (c >= 0x20 && c < 0x80) {	/* the common case: printable ASCII */
			i++;
			continue;
		}
		if (c == '\n') {
			ps->line++;
			ps->line_start = ++i;
			continue;
		}
		if (c == '\0')
			return fail_at(ps, i, "NUL byte in policy text");
		n = utf8_len((const unsigned char *)ps->s + i, ps->len - i, &cp);
		if (!n)
			return fail_at(ps, i, "invalid UTF-8 byte 0x%02x", c);
		i += n;
	}
	ps->line = 1;
	ps->line_start = 0;
	return 0;
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool key_char(char c, bool unused)
{
	(void)unused;
	return is_key_char(c);
}

static bool at_end_of_pair(const struct parser *ps)
{
	char c;

	if (ps->pos >= ps->len)
		return true;
	c = ps->s[ps->pos];
	if (ps->inline_form)
		return c == ',' || c == '\n';
	return c == '\n' || c == '#';
}

static void skip_blanks(struct parser *ps)
{
	const char *s = ps->s;
	size_t pos = ps->pos, len = ps->len;

	while (pos < len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r'))
		pos++;
	ps->pos = pos;
}

/* Copy the run of characters accepted by ok() from the text into out (cap bytes). */
static size_t take_run(struct parser *ps, char *out, size_t cap, bool (*ok)(char, bool),
		       bool inline_form, bool *overflow)
{
	const char *s = ps->s;
	size_t pos = ps->pos, len = ps->len, n = 0;

	*overflow = false;
	while (pos < len && ok(s[pos], inline_form)) {
		if (n + 1 >= cap) {
			*overflow = true;
			break;
		}
		out[n++] = s[pos++];
	}
	out[n] = '\0';
	ps->pos = pos;
	return n;
}

static bool bare_value_char(char c, bool inline_form)
{
	if (c == ' ' || c == '\t' || c == '\r')
		return false;
	return c != '\n' && (inline_form ? c != ',' : c != '#');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read a value into out (cap bytes). */
static int read_value(struct parser *ps, char *out, size_t cap, size_t *outlen, bool *quoted)
{
	size_t n = 0, start = ps->pos;

	*quoted = false;
	if (ps->pos < ps->len && ps->s[ps->pos] == '"') {
		*quoted = true;
		ps->pos++;
		for (;;) {
			char c;

			if (ps->pos >= ps->len || ps->s[ps->pos] == '\n')
				return fail_at(ps, start, "unterminated quoted value");
			c = ps->s[ps->pos++];
			if (c == '"')
				break;
			if (c == '\\') {
				size_t esc = ps->pos - 1;
				char e = ps->pos < ps->len ? ps->s[ps->pos++] : '\0';

				if (e == 'x' && ps->pos + 1 < ps->len && hexval(ps->s[ps->pos]) >= 0 &&
				    hexval(ps->s[ps->pos + 1]) >= 0) {
					c = (char)(hexval(ps->s[ps->pos]) * 16 +
						   hexval(ps->s[ps->pos + 1]));
					ps->pos += 2;
				} else if (e == '"' || e == '\\') {
					c = e;
				} else {
					return fail_at(ps, esc, "invalid escape in quoted value: "
						       "expected \\\", \\\\ or \\xNN");
				}
			}
			if (n + 1 >= cap)
				return fail_at(ps, start, "value is too long");
			out[n++] = c;
		}
	} else {
		bool overflow;

		n = take_run(ps, out, cap, bare_value_char, ps->inline_form, &overflow);
		if (overflow)
			return fail_at(ps, start, "value is too long");
		if (!n)
			return fail_at(ps, start, "missing value");
	}
	out[n] = '\0';
	*outlen = n;
	return 0;
}

static int parse_pairs(struct parser *ps, struct kvmcpuid_policy *p);

/*
 * include = NAME: the shipped profile's settings, into p, as if written here (later lines
 * win).  A bad name is positioned at the value; errors inside the profile carry its own
 * file:line:col.
 */
static int include_profile(struct parser *ps, struct kvmcpuid_policy *p, const char *name,
			   size_t nlen, size_t val_off)
{
	struct include_cache *c = ps->cache;
	struct parser sub = { .line = 1, .ctx = ps->ctx, .diag = ps->diag, .depth = ps->depth + 1,
			      .cache = c };
	char path[4096], msg[400];
	char *text = NULL;
	size_t i;
	int r;

	if (ps->depth >= PROFILE_MAX_DEPTH)
		return fail_at(ps, val_off, "include of '%s' nested too deeply (a cycle?)", name);
	for (i = 0; i < c->n; i++)
		if (strlen(c->e[i].name) == nlen && !memcmp(c->e[i].name, name, nlen))
			break;
	if (i == c->n) {
		r = profile_read(ps->ctx, name, nlen, &text, &sub.len, path, sizeof(path), msg,
				 sizeof(msg));
		if (r < 0)
			return msg[0] ? fail_at(ps, val_off, "%s", msg) : r;
		if (c->n == ARRAY_SIZE(c->e) || !(c->e[i].path = strdup(path))) {
			/* no room to keep it: parse it this once */
			sub.s = text;
			sub.origin = path;
			r = parse_pairs(&sub, p);
			free(text);
			return r;
		}
		/* profile_read took it: at most 64 name characters */
		memcpy(c->e[i].name, name, nlen);
		c->e[i].name[nlen] = '\0';
		c->e[i].text = text;
		c->e[i].len = sub.len;
		c->n++;
	}
	sub.s = c->e[i].text;
	sub.len = c->e[i].len;
	sub.origin = c->e[i].path;
	return parse_pairs(&sub, p);
}

static int parse_pairs_body(struct parser *ps, struct kvmcpuid_policy *p);

/* The pairs of ps; a top-level parse owns the cache its includes share. */
static int parse_pairs(struct parser *ps, struct kvmcpuid_policy *p)
{
	struct include_cache cache;
	size_t i;
	int r;

	if (ps->cache)
		return parse_pairs_body(ps, p);
	cache.n = 0;
	ps->cache = &cache;
	r = parse_pairs_body(ps, p);
	ps->cache = NULL;
	for (i = 0; i < cache.n; i++) {
		free(cache.e[i].path);
		free(cache.e[i].text);
	}
	return r;
}

static int parse_pairs_body(struct parser *ps, struct kvmcpuid_policy *p)
{
	/* where base [0] and max_leaf [1] were last set, to blame for a conflict */
	unsigned int blame_line[2] = { 0 }, blame_col[2] = { 0 };
	struct set_seen seen;
	int r, slot;

	memset(&seen, 0, sizeof(seen));
	r = check_encoding(ps);
	if (r < 0)
		return r;
	while (ps->pos < ps->len) {
		char key[64], value[256], msg[400], ch[80];
		size_t key_off, val_off, klen = 0, vlen = 0;
		bool quoted, key_error, overflow;

		skip_blanks(ps);
		if (ps->pos >= ps->len)
			break;
		if (ps->s[ps->pos] == '\n') {
			ps->pos++;
			ps->line++;
			ps->line_start = ps->pos;
			if (ps->lines_override)
				memset(&seen, 0, sizeof(seen));
			continue;
		}
		if (!ps->inline_form && ps->s[ps->pos] == '#') {
			while (ps->pos < ps->len && ps->s[ps->pos] != '\n')
				ps->pos++;
			continue;
		}
		if (ps->inline_form && ps->s[ps->pos] == ',')
			return fail_at(ps, ps->pos, "empty setting between commas");
		key_off = ps->pos;
		klen = take_run(ps, key, sizeof(key), key_char, false, &overflow);
		if (overflow)
			return fail_at(ps, key_off, "key is too long");
		if (!klen)
			return fail_at(ps, key_off, "expected a key, found %s",
				       char_at(ps, key_off, ch, sizeof(ch)));
		skip_blanks(ps);
		if (ps->pos >= ps->len || ps->s[ps->pos] != '=') {
			if (ps->pos < ps->len && !at_end_of_pair(ps) && !is_key_char(ps->s[ps->pos]))
				return fail_at(ps, ps->pos, "invalid character %s in key '%s'",
					       char_at(ps, ps->pos, ch, sizeof(ch)), key);
			return fail_at(ps, ps->pos, "expected '=' after '%s'", key);
		}
		ps->pos++;
		skip_blanks(ps);
		val_off = ps->pos;
		r = read_value(ps, value, sizeof(value), &vlen, &quoted);
		if (r < 0)
			return r;
		skip_blanks(ps);
		if (ps->pos < ps->len && !at_end_of_pair(ps))
			return fail_at(ps, ps->pos, "unexpected text after the value of '%s'%s", key,
				       ps->inline_form ? " (separate settings with ',')" : "");
		if (ps->inline_form && ps->pos < ps->len && ps->s[ps->pos] == ',') {
			ps->pos++;	/* the comma */
			if (ps->pos >= ps->len || ps->s[ps->pos] == '\n')
				return fail_at(ps, ps->pos, "trailing ',' with no setting after it");
		}
		if (!strcmp(key, "include")) {
			r = include_profile(ps, p, value, vlen, val_off);
			if (r < 0)
				return r;
			continue;
		}
		r = policy_set_kv(p, key, value, vlen, quoted, &seen, ps->line, &key_error, msg,
				  sizeof(msg));
		if (r < 0)
			return fail_at(ps, key_error ? key_off : val_off, "%s", msg);
		if (!strcmp(key, "base") || !strcmp(key, "max_leaf")) {
			slot = key[0] == 'b' ? 0 : 1;
			blame_line[slot] = ps->line;
			blame_col[slot] = column_of(ps, key_off);
		}
	}
	{
		char msg[400];

		/* The cross-setting check, once, on the final policy. */
		if (policy_check(p, msg, sizeof(msg), &slot) < 0) {
			/* Point at whichever of max_leaf/base this input set last. */
			slot = blame_line[0] > blame_line[1] ? 0 : 1;
			return diag_set(ps->ctx, ps->diag, EINVAL, ps->origin, blame_line[slot],
					blame_line[slot] ? blame_col[slot] : 0, "%s", msg);
		}
	}
	return 0;
}

static int parse_into(struct kvmcpuid_ctx *ctx, const char *text, size_t len, const char *origin,
		      bool inline_form, struct kvmcpuid_policy *p, struct kvmcpuid_diag *diag)
{
	struct parser ps = {
		.s = text, .len = len, .line = 1, .inline_form = inline_form,
		.origin = origin, .ctx = ctx, .diag = diag,
	};

	if (len > POLICY_MAX_BYTES)
		return diag_set(ctx, diag, EFBIG, origin, 0, 0,
				"policy is larger than the 1 MiB a policy may be");
	return parse_pairs(&ps, p);
}

static int parse_new(struct kvmcpuid_ctx *ctx, const char *text, size_t len, const char *origin,
		     bool inline_form, struct kvmcpuid_diag *diag, struct kvmcpuid_policy **ret)
{
	struct kvmcpuid_policy *p;
	int r;

	if (!ctx || !text || !ret)
		return -EINVAL;
	r = kvmcpuid_policy_new(ctx, &p);
	if (r < 0)
		return r;
	r = parse_into(ctx, text, len, origin, inline_form, p, diag);
	if (r < 0) {
		kvmcpuid_policy_unref(p);
		return r;
	}
	*ret = p;
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_policy_parse_text(struct kvmcpuid_ctx *ctx, const char *text,
					       size_t len, const char *origin,
					       struct kvmcpuid_diag *diag,
					       struct kvmcpuid_policy **ret)
{
	diag_begin(diag);
	return diag_finish(ctx, diag, parse_new(ctx, text, len, origin ? origin : "<text>", false,
						 diag, ret));
}

KVMCPUID_EXPORT int kvmcpuid_policy_parse_inline(struct kvmcpuid_ctx *ctx, const char *text,
						 const char *origin, struct kvmcpuid_diag *diag,
						 struct kvmcpuid_policy **ret)
{
	diag_begin(diag);
	if (!text)
		return diag_finish(ctx, diag, -EINVAL);
	return diag_finish(ctx, diag, parse_new(ctx, text, strlen(text),
						 origin ? origin : "<inline>", true, diag, ret));
}

KVMCPUID_EXPORT int kvmcpuid_policy_override(struct kvmcpuid_policy *p, const char *text,
					     const char *origin, struct kvmcpuid_diag *diag)
{
	struct parser ps = { .line = 1, .inline_form = true, .lines_override = true, .diag = diag };
	struct kvmcpuid_policy tmp;
	int r;

	diag_begin(diag);
	if (!p || !text)
		return diag_finish(NULL, diag, -EINVAL);
	if (strlen(text) > POLICY_MAX_BYTES)
		return diag_set(p->ctx, diag, EFBIG, origin ? origin : "--set", 0, 0,
				"policy is larger than the 1 MiB a policy may be");
	tmp = *p;
	ps.s = text;
	ps.len = strlen(text);
	ps.origin = origin ? origin : "--set";
	ps.ctx = p->ctx;
	r = parse_pairs(&ps, &tmp);
	if (r < 0)
		return diag_finish(p->ctx, diag, r);
	*p = tmp;
	return 0;
}

/*
 * One value alone, as the right-hand side of a line of a policy file: blanks may surround
 * it, nothing may follow it.
 */
static int parse_one_value(struct kvmcpuid_ctx *ctx, const char *text,
			   struct kvmcpuid_diag *diag, char *out, size_t cap, size_t *outlen,
			   bool *quoted)
{
	struct parser ps = { .s = text, .len = strlen(text), .line = 1, .ctx = ctx, .diag = diag };
	int r = check_encoding(&ps);

	if (r < 0)
		return r;
	skip_blanks(&ps);
	r = read_value(&ps, out, cap, outlen, quoted);
	if (r < 0)
		return r;
	skip_blanks(&ps);
	if (ps.pos < ps.len)
		return fail_at(&ps, ps.pos, "unexpected text after the value");
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_policy_set(struct kvmcpuid_policy *p, const char *key,
					const char *value, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_policy tmp;
	char buf[256], msg[400];
	bool quoted, key_error;
	size_t vlen;
	int r, slot;

	diag_begin(diag);
	if (!p || !key || !value)
		return diag_finish(NULL, diag, -EINVAL);
	r = parse_one_value(p->ctx, value, diag, buf, sizeof(buf), &vlen, &quoted);
	if (r < 0)
		return diag_finish(p->ctx, diag, r);
	tmp = *p;
	if (policy_set_kv(&tmp, key, buf, vlen, quoted, NULL, 0, &key_error, msg, sizeof(msg)) < 0)
		return diag_set(p->ctx, diag, key_error ? ENOENT : EINVAL, NULL, 0, 0, "%s", msg);
	if (policy_check(&tmp, msg, sizeof(msg), &slot) < 0)
		return diag_set(p->ctx, diag, EINVAL, NULL, 0, 0, "%s", msg);
	*p = tmp;
	return 0;
}

/* A policy file: JSON when its first non-blank byte is '{', the policy language else. */
static int policy_text_load(struct kvmcpuid_ctx *ctx, const char *buf, size_t len,
			    const char *origin, struct kvmcpuid_diag *diag, void *ret)
{
	if (looks_like_json(buf, len))
		return policy_from_json(ctx, buf, len, origin, diag, ret);
	return parse_new(ctx, buf, len, origin, false, diag, ret);
}

KVMCPUID_EXPORT int kvmcpuid_policy_parse_file(struct kvmcpuid_ctx *ctx, const char *path,
					       struct kvmcpuid_diag *diag,
					       struct kvmcpuid_policy **ret)
{
	return load_file(ctx, path, policy_text_load, ret, diag);
}
