// SPDX-License-Identifier: LGPL-2.1-or-later
/* JSON for machines: host profiles in and out, and the build output (a cpuid) in and out. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct json_object *entry_to_json(const struct kvm_cpuid_entry2 *e)
{
	struct json_object *je = json_object_new_object();

	add_hex(je, "function", e->function);
	add_hex(je, "index", e->index);
	add_hex(je, "flags", e->flags);
	add_hex(je, "eax", e->eax);
	add_hex(je, "ebx", e->ebx);
	add_hex(je, "ecx", e->ecx);
	add_hex(je, "edx", e->edx);
	return je;
}

static const char *const entry_keys[] = { "function", "index", "flags", "eax", "ebx", "ecx",
					  "edx" };

/* An entry from JSON; only "function" is required.  The failing key, or NULL. */
static const char *entry_from_json(struct json_object *je, struct kvm_cpuid_entry2 *e)
{
	uint32_t vals[7] = { 0 };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(entry_keys); k++)
		if (!json_object_is_type(je, json_type_object) ||
		    get_u32(je, entry_keys[k], k == 0, &vals[k]) < 0)
			return entry_keys[k];
	*e = (struct kvm_cpuid_entry2){ .function = vals[0], .index = vals[1], .flags = vals[2],
					.eax = vals[3], .ebx = vals[4], .ecx = vals[5],
					.edx = vals[6] };
	return NULL;
}

/* ---- host profiles ---- */

static const char *const vendor_names[] = { "other", "intel", "amd" };

KVMCPUID_EXPORT int kvmcpuid_host_to_json(const struct kvmcpuid_host *h, char **ret)
{
	struct json_object *o, *arr;
	size_t i;

	if (!h || !ret)
		return -EINVAL;
	if (json_object_with_array(&o, &arr) < 0)
		return -ENOMEM;
	json_object_object_add(o, "kvmcpuid_host_profile", json_object_new_int(1));
	json_object_object_add(o, "module", json_object_new_string(h->module));
	json_object_object_add(o, "vendor", json_object_new_string(vendor_names[h->vendor]));
	add_hex(o, "features", h->features);
	add_hex(o, "hints", h->hints);
	json_object_object_add(o, "enforce_pv_feature_cpuid", json_object_new_boolean(h->enforce_cap));
	json_object_object_add(o, "exit_hypercall", json_object_new_boolean(h->exit_hypercall_cap));
	json_object_object_add(o, "tsc_khz", json_object_new_int64(h->tsc_khz));
	for (i = 0; i < h->nent; i++)
		json_object_array_add(arr, entry_to_json(&h->entries[i]));
	json_object_object_add(o, "supported_cpuid", arr);
	return json_finish(o, ret);
}

static int get_bool(struct json_object *o, const char *k, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*out = json_object_get_boolean(v);
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_host_load_json(struct kvmcpuid_ctx *ctx, const char *text,
					    size_t len, const char *origin,
					    struct kvmcpuid_diag *diag, struct kvmcpuid_host **ret)
{
	struct json_object *obj, *v, *arr;
	struct kvmcpuid_host *h = NULL;
	uint32_t version = 0;
	size_t i, n;
	int r;

	diag_begin(diag);
	if (!ctx || !text || !ret)
		return diag_finish(ctx, diag, -EINVAL);
	origin = origin ? origin : "<host profile>";
	r = json_parse_checked(ctx, text, len, origin, diag, &obj);
	if (r < 0)
		return diag_finish(ctx, diag, r);
	if (get_u32(obj, "kvmcpuid_host_profile", true, &version) < 0 || version != 1) {
		r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
			     "not a kvmcpuid host profile (\"kvmcpuid_host_profile\": 1 missing)");
		goto out;
	}
	r = host_new(ctx, &h);
	if (r < 0)
		goto out;
	if (get_u32(obj, "features", true, &h->features) < 0 ||
	    get_u32(obj, "hints", false, &h->hints) < 0 ||
	    get_u32(obj, "tsc_khz", false, &h->tsc_khz) < 0 ||
	    get_bool(obj, "enforce_pv_feature_cpuid", &h->enforce_cap) < 0 ||
	    get_bool(obj, "exit_hypercall", &h->exit_hypercall_cap) < 0) {
		r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
			     "host profile: features, hints, tsc_khz must be numbers and the "
			     "capabilities booleans");
		goto out;
	}
	if ((h->features & ~KVMCPUID_FEATURES_VALID_EAX) ||
	    (h->hints & ~KVMCPUID_FEATURES_VALID_EDX)) {
		r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
			     "host profile: features 0x%x / hints 0x%x set reserved bits",
			     h->features, h->hints);
		goto out;
	}
	if (json_object_object_get_ex(obj, "module", &v) && json_object_is_type(v, json_type_string))
		/* printed in tables and messages: never a terminal escape */
		escape_controls(h->module, sizeof(h->module), json_object_get_string(v));
	if (json_object_object_get_ex(obj, "vendor", &v) && json_object_is_type(v, json_type_string))
		for (i = 0; i < ARRAY_SIZE(vendor_names); i++)
			if (!strcmp(json_object_get_string(v), vendor_names[i]))
				h->vendor = (uint8_t)i;
	if (json_object_object_get_ex(obj, "supported_cpuid", &arr)) {
		if (!json_object_is_type(arr, json_type_array) ||
		    json_object_array_length(arr) > 4096) {
			r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
				     "host profile: supported_cpuid must be an array of at most "
				     "4096 entries");
			goto out;
		}
		n = json_object_array_length(arr);
		h->entries = xalloc(ctx, (n ? n : 1) * sizeof(*h->entries));
		if (!h->entries) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			const char *bad = entry_from_json(json_object_array_get_idx(arr, i),
							  &h->entries[i]);

			if (bad) {
				r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
					     "host profile: supported_cpuid[%zu].%s is missing or "
					     "not a 32-bit number", i, bad);
				goto out;
			}
		}
		h->nent = n;
		{
			const struct kvm_cpuid_entry2 *leaf0 = table_find(h->entries, n, 0, 0);

			if (leaf0 && !json_object_object_get_ex(obj, "vendor", &v))
				h->vendor = vendor_from_leaf0(leaf0->ebx, leaf0->ecx, leaf0->edx);
		}
	}
	r = 0;
out:
	json_object_put(obj);
	if (r < 0)
		kvmcpuid_host_unref(h);
	else
		*ret = h;
	return diag_finish(ctx, diag, r);
}

static int host_text_load(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
			  const char *origin, struct kvmcpuid_diag *diag, void *ret)
{
	return kvmcpuid_host_load_json(ctx, text, len, origin, diag, ret);
}

KVMCPUID_EXPORT int kvmcpuid_host_load_file(struct kvmcpuid_ctx *ctx, const char *path,
					    struct kvmcpuid_diag *diag, struct kvmcpuid_host **ret)
{
	return load_file(ctx, path, host_text_load, ret, diag);
}

/* ---- build output: the leaves plus the policy that made them ---- */

KVMCPUID_EXPORT int kvmcpuid_cpuid_to_json(const struct kvmcpuid_cpuid *c, char **ret)
{
	struct json_object *o, *arr, *pol = NULL;
	char *ptext;
	size_t i;

	if (!c || !ret)
		return -EINVAL;
	if (c->policy) {
		if (kvmcpuid_policy_to_json(c->policy, &ptext) < 0)
			return -ENOMEM;
		pol = json_tokener_parse(ptext);
		free(ptext);
		if (!pol)
			return -ENOMEM;
	}
	o = json_object_new_object();
	arr = json_object_new_array();
	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		json_object_put(pol);
		return -ENOMEM;
	}
	json_object_object_add(o, "kvmcpuid_leaves", json_object_new_int(1));
	json_object_object_add(o, "enforce", json_object_new_boolean(c->enforce));
	add_hex(o, "base", c->base);
	if (pol)
		json_object_object_add(o, "policy", pol);
	for (i = 0; i < c->nent; i++)
		json_object_array_add(arr, entry_to_json(&c->entries[i]));
	json_object_object_add(o, "entries", arr);
	return json_finish(o, ret);
}

static int cpuid_from_raw(struct kvmcpuid_ctx *ctx, const char *buf, size_t len,
			  const char *origin, struct kvmcpuid_cpuid **ret,
			  struct kvmcpuid_diag *diag)
{
	struct kvm_cpuid2 head;
	int r;

	if (len < sizeof(head))
		return diag_set(ctx, diag, EINVAL, origin, 0, 0, "too short for a struct kvm_cpuid2");
	memcpy(&head, buf, sizeof(head));
	if (len != sizeof(head) + (size_t)head.nent * sizeof(struct kvm_cpuid_entry2))
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a struct kvm_cpuid2 blob (nent %u does not match %zu bytes)",
				head.nent, len);
	/* buf is malloc'd, so the entries after the 8-byte header are aligned */
	r = cpuid_new(ctx, (const struct kvm_cpuid_entry2 *)(buf + sizeof(head)), head.nent,
		      ret);
	if (r == 0)
		cpuid_derive(*ret);
	return r;
}

static int cpuid_from_json(struct kvmcpuid_ctx *ctx, const char *buf, size_t len,
			   const char *origin, struct kvmcpuid_cpuid **ret,
			   struct kvmcpuid_diag *diag)
{
	struct json_object *obj = NULL, *arr, *v;
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvmcpuid_cpuid *c = NULL;
	size_t i, cnt;
	uint32_t base = 0;
	int r;

	r = json_parse_checked(ctx, buf, len, origin, diag, &obj);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(obj, "entries", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		/* a policy, say: only what is marked as a build output is a broken one */
		bool marked = json_object_object_get_ex(obj, "kvmcpuid_leaves", NULL) ||
			      json_object_object_get_ex(obj, "entries", NULL);

		r = diag_set(ctx, diag, marked ? EINVAL : EMEDIUMTYPE, origin, 0, 0,
			     "not a kvmcpuid build output (no \"entries\" array)");
		goto out;
	}
	cnt = json_object_array_length(arr);
	e = xalloc(ctx, cnt * sizeof(*e));
	if (!e) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		const char *bad = entry_from_json(json_object_array_get_idx(arr, i), &e[i]);

		if (bad) {
			r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
				     "entries[%zu].%s is missing or not a 32-bit number", i, bad);
			goto out;
		}
	}
	r = cpuid_new(ctx, e, cnt, &c);
	if (r < 0)
		goto out;
	cpuid_derive(c);
	if (get_u32(obj, "base", false, &base) == 0 && base >= PV_BASE_FIRST &&
	    base <= PV_BASE_LAST && !(base & 0xff)) {
		const struct kvm_cpuid_entry2 *f = table_find(c->entries, c->nent, base + 1, 0);

		c->base = base;
		c->eax = f ? f->eax : 0;
		c->edx = f ? f->edx : 0;
	}
	if (json_object_object_get_ex(obj, "enforce", &v)) {
		/* a boolean, or a string the policy language reads as one ("off" is off) */
		bool b = false;

		if (json_object_is_type(v, json_type_boolean))
			b = json_object_get_boolean(v);
		else if (!json_object_is_type(v, json_type_string) ||
			 parse_bool(json_object_get_string(v), &b) < 0) {
			r = diag_set(ctx, diag, EINVAL, origin, 0, 0,
				     "\"enforce\" is not a boolean (true/false, on/off)");
			goto out;
		}
		c->enforce = b;
	}
	if (json_object_object_get_ex(obj, "policy", &v)) {
		const char *ptext = json_object_to_json_string(v);

		r = policy_from_json(ctx, ptext, strlen(ptext), origin, diag, &c->policy);
		if (r < 0)
			goto out;
	}
	*ret = c;
	c = NULL;
	r = 0;
out:
	kvmcpuid_cpuid_unref(c);
	json_object_put(obj);
	free(e);
	return r;
}

/* A build output: JSON, or the struct kvm_cpuid2 blob `build --format raw` writes. */
static int cpuid_text_load(struct kvmcpuid_ctx *ctx, const char *buf, size_t len,
			   const char *origin, struct kvmcpuid_diag *diag, void *ret)
{
	if (looks_like_json(buf, len))
		return cpuid_from_json(ctx, buf, len, origin, ret, diag);
	/* a struct kvm_cpuid2 always has NUL bytes (its padding): this is text */
	if (!memchr(buf, '\0', len))
		return diag_set(ctx, diag, EMEDIUMTYPE, origin, 0, 0,
				"neither a JSON build output nor a struct kvm_cpuid2 blob");
	return cpuid_from_raw(ctx, buf, len, origin, ret, diag);
}

KVMCPUID_EXPORT int kvmcpuid_cpuid_load_file(struct kvmcpuid_ctx *ctx, const char *path,
					     struct kvmcpuid_diag *diag,
					     struct kvmcpuid_cpuid **ret)
{
	return load_file(ctx, path, cpuid_text_load, ret, diag);
}
