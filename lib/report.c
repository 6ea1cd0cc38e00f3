// SPDX-License-Identifier: LGPL-2.1-or-later
/* The verify report: checks, accessors, JSON. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int report_new(struct kvmcpuid_ctx *ctx, const char *label, struct kvmcpuid_report **ret)
{
	struct kvmcpuid_report *rep = xalloc(ctx, sizeof(*rep));

	if (!rep)
		return -ENOMEM;
	rep->refcount = 1;
	rep->ctx = kvmcpuid_ref(ctx);
	snprintf(rep->label, sizeof(rep->label), "%s", label ? label : "");
	*ret = rep;
	return 0;
}

int report_add(struct kvmcpuid_report *rep, int kind, int feature, int verdict,
	       const char *subject, const char *expected, const char *seen, const char *cause)
{
	struct check *c;

	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 64;
		struct check *bigger = xrealloc(rep->ctx, rep->checks, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		rep->checks = bigger;
		rep->cap = cap;
	}
	c = &rep->checks[rep->n++];
	c->kind = (uint8_t)kind;
	c->feature = (int8_t)feature;
	c->verdict = (uint8_t)verdict;
	snprintf(c->subject, sizeof(c->subject), "%s", subject);
	snprintf(c->expected, sizeof(c->expected), "%s", expected);
	snprintf(c->seen, sizeof(c->seen), "%s", seen);
	snprintf(c->cause, sizeof(c->cause), "%s", cause ? cause : "");
	return 0;
}

KVMCPUID_EXPORT struct kvmcpuid_report *kvmcpuid_report_ref(struct kvmcpuid_report *rep)
{
	if (rep)
		rep->refcount++;
	return rep;
}

KVMCPUID_EXPORT struct kvmcpuid_report *kvmcpuid_report_unref(struct kvmcpuid_report *rep)
{
	if (!rep || --rep->refcount > 0)
		return NULL;
	kvmcpuid_policy_unref(rep->policy);
	kvmcpuid_unref(rep->ctx);
	free(rep->checks);
	free(rep);
	return NULL;
}

KVMCPUID_EXPORT bool kvmcpuid_report_ok(const struct kvmcpuid_report *rep)
{
	size_t i;

	if (!rep)
		return false;
	for (i = 0; i < rep->n; i++)
		if (rep->checks[i].verdict == KVMCPUID_FAIL)
			return false;
	return true;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_label(const struct kvmcpuid_report *rep)
{
	return rep ? rep->label : NULL;
}

KVMCPUID_EXPORT const struct kvmcpuid_policy *kvmcpuid_report_policy(
	const struct kvmcpuid_report *rep)
{
	return rep ? rep->policy : NULL;
}

KVMCPUID_EXPORT uint32_t kvmcpuid_report_detected_base(const struct kvmcpuid_report *rep)
{
	return rep ? rep->detected_base : 0;
}

KVMCPUID_EXPORT uint32_t kvmcpuid_report_guest_features(const struct kvmcpuid_report *rep)
{
	return rep ? rep->guest_features : 0;
}

KVMCPUID_EXPORT uint32_t kvmcpuid_report_guest_hints(const struct kvmcpuid_report *rep)
{
	return rep ? rep->guest_hints : 0;
}

KVMCPUID_EXPORT bool kvmcpuid_report_enforced(const struct kvmcpuid_report *rep)
{
	return rep && rep->enforced;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_kernel(const struct kvmcpuid_report *rep)
{
	return rep ? rep->kernel : NULL;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_hypercall_note(const struct kvmcpuid_report *rep)
{
	return rep && rep->hypercall_note[0] ? rep->hypercall_note : NULL;
}

KVMCPUID_EXPORT size_t kvmcpuid_report_count(const struct kvmcpuid_report *rep)
{
	return rep ? rep->n : 0;
}

static const struct check *get(const struct kvmcpuid_report *rep, size_t i)
{
	return rep && i < rep->n ? &rep->checks[i] : NULL;
}

KVMCPUID_EXPORT int kvmcpuid_report_kind(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c ? c->kind : -EINVAL;
}

KVMCPUID_EXPORT int kvmcpuid_report_feature(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c ? c->feature : -EINVAL;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_subject(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c ? c->subject : NULL;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_expected(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c ? c->expected : NULL;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_seen(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c ? c->seen : NULL;
}

KVMCPUID_EXPORT int kvmcpuid_report_verdict(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c ? c->verdict : -EINVAL;
}

KVMCPUID_EXPORT const char *kvmcpuid_report_cause(const struct kvmcpuid_report *rep, size_t i)
{
	const struct check *c = get(rep, i);

	return c && c->cause[0] ? c->cause : NULL;
}

static const char *const kind_names[] = { "leaf", "feature", "detect", "msr", "hypercall" };
static const char *const verdict_names[] = { "pass", "FAIL", "untestable" };

KVMCPUID_EXPORT int kvmcpuid_report_to_json(const struct kvmcpuid_report *rep, char **ret)
{
	struct json_object *o, *arr;
	size_t i;

	if (!rep || !ret)
		return -EINVAL;
	if (json_object_with_array(&o, &arr) < 0)
		return -ENOMEM;
	json_object_object_add(o, "label", json_object_new_string(rep->label));
	json_object_object_add(o, "ok", json_object_new_boolean(kvmcpuid_report_ok(rep)));
	json_object_object_add(o, "enforced", json_object_new_boolean(rep->enforced));
	json_object_object_add(o, "kernel", json_object_new_string(rep->kernel));
	json_object_object_add(o, "enforce_reads", json_object_new_string(
		rep->enforce_leaf == ENFORCE_LEAF_FIXED ? "0x40000001" : "signature"));
	add_hex(o, "detected_base", rep->detected_base);
	add_hex(o, "guest_features", rep->guest_features);
	add_hex(o, "guest_hints", rep->guest_hints);
	json_object_object_add(o, "hypercall_note", rep->hypercall_note[0] ?
			       json_object_new_string(rep->hypercall_note) : NULL);
	if (!rep->enforced)
		json_object_object_add(o, "note", json_object_new_string(
			"enforcement is off: masking is advisory, a guest can still use a masked "
			"feature"));
	for (i = 0; i < rep->n; i++) {
		const struct check *c = &rep->checks[i];
		struct json_object *jc = json_object_new_object();

		json_object_object_add(jc, "kind", json_object_new_string(kind_names[c->kind]));
		json_object_object_add(jc, "feature", c->feature >= 0 ?
				       json_object_new_string(feature_get(c->feature)->name) : NULL);
		json_object_object_add(jc, "subject", json_object_new_string(c->subject));
		json_object_object_add(jc, "expected", json_object_new_string(c->expected));
		json_object_object_add(jc, "seen", json_object_new_string(c->seen));
		json_object_object_add(jc, "verdict",
				       json_object_new_string(c->verdict == KVMCPUID_FAIL ? "fail" :
							      verdict_names[c->verdict]));
		json_object_object_add(jc, "cause", c->cause[0] ?
				       json_object_new_string(c->cause) : NULL);
		json_object_array_add(arr, jc);
	}
	json_object_object_add(o, "checks", arr);
	return json_finish(o, ret);
}
