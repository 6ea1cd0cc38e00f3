// SPDX-License-Identifier: LGPL-2.1-or-later
/* JSON (json-c): policies in and out, and the small helpers the writers share. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
	struct text_cursor at = { 0 };
	struct set_seen seen;
	struct json_doc doc;
	struct kvmcpuid_policy *p;
	struct lh_entry *e;
	char msg[400];
	uint32_t c;
	int r, slot;

	r = json_parse_doc(ctx, text, len, origin, diag, &doc);
	if (r < 0)
		return r;
	r = kvmcpuid_policy_new(ctx, &p);
	if (r < 0) {
		json_doc_free(&doc);
		return r;
	}
	memset(&seen, 0, sizeof(seen));
	/* json_parse_doc refused duplicates, so members and json-c's entries pair in order */
	e = json_object_get_object(doc.root)->head;
	for (c = doc.nodes[0].child; c && e; c = doc.nodes[c].next, e = e->next) {
		const char *key = (const char *)e->k, *value;
		struct json_object *v = (struct json_object *)lh_entry_v(e);
		const struct json_node *n = &doc.nodes[c];
		unsigned int line, col;
		char num[32];
		size_t vlen;
		bool key_error;

		text_cursor_at(&at, text, n->key, &line, &col);
		if (strlen(key) >= 64 || memchr(text + n->key + 1, '\\', strlen(key))) {
			r = diag_set(ctx, diag, EINVAL, origin, line, col, "unknown key '%.60s'",
				     key);
			goto out;
		}
		if (scalar_text(v, text + n->off, text + len, num, sizeof(num), &value,
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
	if (policy_check(p, msg, sizeof(msg), &slot) < 0) {
		slot = seen.line[SLOT_BASE] > seen.line[SLOT_MAX_LEAF] ? SLOT_BASE : SLOT_MAX_LEAF;
		r = diag_set(ctx, diag, EINVAL, origin, seen.line[slot], seen.col[slot], "%s", msg);
		goto out;
	}
	r = 0;
out:
	json_doc_free(&doc);
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
