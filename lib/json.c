// SPDX-License-Identifier: LGPL-2.1-or-later
/* JSON (json-c): the shared reader and helpers, and policies in and out. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define JSON_MAX_DEPTH 16
#define JSON_MAX_CONTAINERS 8192
#define JSON_MAX_VALUES 65536

struct jkey {
	size_t off;	/* offset of the opening quote */
	size_t len;
	const char *s;	/* raw key text between the quotes */
};

void offset_to_linecol(const char *text, size_t off, unsigned int *line, unsigned int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/*
 * json-c keeps the last of duplicate keys and gives no positions, so scan the
 * (already valid) text for the top-level keys ourselves.
 */
static size_t scan_top_keys(const char *t, size_t len, struct jkey *keys, size_t max)
{
	size_t i, n = 0;
	int depth = 0;
	bool expect_key = false;

	for (i = 0; i < len; i++) {
		char c = t[i];

		if (c == '"') {
			size_t start = i++;

			while (i < len && t[i] != '"') {
				if (t[i] == '\\')
					i++;
				i++;
			}
			if (depth == 1 && expect_key && n < max) {
				keys[n].off = start;
				keys[n].s = t + start + 1;
				keys[n].len = i - start - 1;
				n++;
			}
			expect_key = false;
		} else if (c == '{' || c == '[') {
			depth++;
			expect_key = (c == '{' && depth == 1);
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ',' && depth == 1) {
			expect_key = true;
		}
	}
	return n;
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

int json_parse_checked(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
			      const char *origin, struct kvmcpuid_diag *diag,
			      struct json_object **ret)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	unsigned int line, col;
	size_t end;

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
	*ret = obj;
	return 0;
}

/* A JSON scalar as the text the policy grammar takes; -EINVAL for arrays/objects/null. */
/*
 * The value as text for policy_set_kv.  A number is taken as written in the source (raw,
 * just after its key's ':'): json-c clamps what does not fit in 64 bits, and an error
 * must quote what the user wrote.
 */
static int scalar_text(struct json_object *v, const char *raw, const char *end, char *buf,
		       size_t cap, const char **out, size_t *outlen)
{
	size_t n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		*out = json_object_get_string(v);
		*outlen = (size_t)json_object_get_string_len(v);
		return 0;
	case json_type_boolean:
		*out = json_object_get_boolean(v) ? "on" : "off";
		*outlen = strlen(*out);
		return 0;
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			return -ERANGE;
		while (raw < end && (*raw == ':' || strchr(" \t\r\n", *raw)))
			raw++;
		for (n = 0; raw + n < end && raw[n] >= '0' && raw[n] <= '9'; n++)
			;
		if (n >= cap)
			snprintf(buf, cap, "%.*s...", (int)(cap - 4), raw);
		else if (n)
			snprintf(buf, cap, "%.*s", (int)n, raw);
		else
			snprintf(buf, cap, "%lld", (long long)json_object_get_int64(v));
		*out = buf;
		*outlen = strlen(buf);
		return 0;
	default:
		return -EINVAL;
	}
}

int policy_from_json(struct kvmcpuid_ctx *ctx, const char *text, size_t len, const char *origin,
		     struct kvmcpuid_diag *diag, struct kvmcpuid_policy **ret)
{
	struct jkey keys[128];
	struct set_seen seen;
	struct json_object *obj;
	struct kvmcpuid_policy *p;
	size_t nkeys, i;
	int r, slot;

	r = json_parse_checked(ctx, text, len, origin, diag, &obj);
	if (r < 0)
		return r;
	r = kvmcpuid_policy_new(ctx, &p);
	if (r < 0) {
		json_object_put(obj);
		return r;
	}
	memset(&seen, 0, sizeof(seen));
	nkeys = scan_top_keys(text, len, keys, ARRAY_SIZE(keys));
	if (nkeys >= ARRAY_SIZE(keys)) {
		r = diag_set(ctx, diag, EINVAL, origin, 1, 1, "too many keys in the JSON object");
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		char key[64], msg[400], num[32];
		struct json_object *v;
		unsigned int line, col;
		const char *value;
		size_t vlen, k;
		bool key_error;

		offset_to_linecol(text, keys[i].off, &line, &col);
		if (keys[i].len >= sizeof(key) || memchr(keys[i].s, '\\', keys[i].len)) {
			r = diag_set(ctx, diag, EINVAL, origin, line, col, "unknown key '%.*s'",
				     (int)(keys[i].len > 60 ? 60 : keys[i].len), keys[i].s);
			goto out;
		}
		memcpy(key, keys[i].s, keys[i].len);
		key[keys[i].len] = '\0';
		for (k = 0; k < i; k++) {
			if (keys[k].len == keys[i].len && !memcmp(keys[k].s, key, keys[i].len)) {
				unsigned int l0, c0;

				offset_to_linecol(text, keys[k].off, &l0, &c0);
				r = diag_set(ctx, diag, EINVAL, origin, line, col,
					     "duplicate key '%s' (first set at line %u)", key, l0);
				goto out;
			}
		}
		if (!json_object_object_get_ex(obj, key, &v) ||
		    scalar_text(v, keys[i].s + keys[i].len + 1, text + len, num, sizeof(num), &value,
				&vlen) < 0) {
			r = diag_set(ctx, diag, EINVAL, origin, line, col,
				     "invalid value for '%s': expected a string, a boolean or a "
				     "non-negative number", key);
			goto out;
		}
		r = policy_set_kv(p, key, value, vlen,
				  json_object_is_type(v, json_type_string) &&
				  !(strcmp(key, "signature") == 0 &&
				    (!strcmp(value, "kvm") || !strcmp(value, "hidden"))),
				  &seen, line, &key_error, msg, sizeof(msg));
		if (r < 0) {
			r = diag_set(ctx, diag, EINVAL, origin, line, col, "%s", msg);
			goto out;
		}
		if (!strcmp(key, "base") || !strcmp(key, "max_leaf"))
			seen.col[key[0] == 'b' ? SLOT_BASE : SLOT_MAX_LEAF] = col;
	}
	char msg[400];

	if (policy_check(p, msg, sizeof(msg), &slot) < 0) {
		slot = seen.line[SLOT_BASE] > seen.line[SLOT_MAX_LEAF] ? SLOT_BASE : SLOT_MAX_LEAF;
		r = diag_set(ctx, diag, EINVAL, origin, seen.line[slot], seen.col[slot], "%s", msg);
		goto out;
	}
	r = 0;
out:
	json_object_put(obj);
	if (r < 0)
		kvmcpuid_policy_unref(p);
	else
		*ret = p;
	return r;
}

KVMCPUID_EXPORT int kvmcpuid_policy_parse_json(struct kvmcpuid_ctx *ctx, const char *text,
					       size_t len, const char *origin,
					       struct kvmcpuid_diag *diag,
					       struct kvmcpuid_policy **ret)
{
	diag_begin(diag);
	if (!ctx || !text || !ret)
		return diag_finish(ctx, diag, -EINVAL);
	return diag_finish(ctx, diag, policy_from_json(ctx, text, len, origin ? origin : "<json>",
							diag, ret));
}

int json_finish(struct json_object *obj, char **ret)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = s ? strdup(s) : NULL;

	json_object_put(obj);
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

int get_u32(struct json_object *o, const char *k, bool required, uint32_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return required ? -ENOENT : 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);

		if (x < 0 || x > UINT32_MAX)
			return -ERANGE;
		*out = (uint32_t)x;
		return 0;
	}
	if (json_object_is_type(v, json_type_string))
		return parse_u32(json_object_get_string(v), out);
	return -EINVAL;
}

int json_object_with_array(struct json_object **o, struct json_object **arr)
{
	*o = json_object_new_object();
	*arr = json_object_new_array();
	if (*o && *arr)
		return 0;
	json_object_put(*o);
	json_object_put(*arr);
	return -ENOMEM;
}

void add_hex(struct json_object *o, const char *k, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08x", v);
	json_object_object_add(o, k, json_object_new_string(buf));
}

KVMCPUID_EXPORT int kvmcpuid_policy_to_json(const struct kvmcpuid_policy *p, char **ret)
{
	struct json_object *o;
	unsigned int i;

	if (!p || !ret)
		return -EINVAL;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "default", json_object_new_string(action_name(p->def)));
	if (p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM)
		json_object_object_add(o, "signature", json_object_new_string_len(p->sig, 12));
	else
		json_object_object_add(o, "signature", json_object_new_string(
			p->sig_kind == KVMCPUID_SIGNATURE_KVM ? "kvm" : "hidden"));
	add_hex(o, "base", p->base);
	if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT)
		add_hex(o, "max_leaf", p->max_leaf);
	else
		json_object_object_add(o, "max_leaf", json_object_new_string(
			p->max_leaf_kind == KVMCPUID_MAX_LEAF_AUTO ? "auto" : "legacy-zero"));
	json_object_object_add(o, "timing", json_object_new_boolean(p->timing));
	json_object_object_add(o, "enforce", json_object_new_boolean(p->enforce));
	for (i = 0; i < FEATURE_COUNT; i++)
		if (p->explicit_mask & (1u << i))
			json_object_object_add(o, feature_get(i)->name,
					       json_object_new_string(action_name(p->action[i])));
	return json_finish(o, ret);
}
