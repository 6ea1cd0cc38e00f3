// SPDX-License-Identifier: LGPL-2.1-or-later
/* The verify report: checks, accessors, JSON. */
#include <json-c/json.h>
#include <linux/kvm_para.h>
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
	rep->masked = -1;
	*ret = rep;
	return 0;
}

static const char *const kind_names[] = { "leaf", "feature", "detect", "msr", "hypercall",
					  "run", "guest" };
static const char *const verdict_names[] = { "pass", "FAIL", "untestable" };

static void point(struct check *c)
{
	c->pub.subject = c->subject;
	c->pub.expected_text = c->expected;
	c->pub.seen_text = c->seen;
	c->pub.cause = c->cause[0] ? c->cause : NULL;
}

int report_add(struct kvmcpuid_report *rep, const struct kvmcpuid_check *in)
{
	struct check *c;
	size_t i;

	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 64;
		struct check *bigger = xrealloc(rep->ctx, rep->checks, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		rep->checks = bigger;
		rep->cap = cap;
		for (i = 0; i < rep->n; i++)
			point(&rep->checks[i]);
	}
	c = &rep->checks[rep->n++];
	c->pub = *in;
	c->pub.kind_name = kind_names[in->kind];
	c->pub.verdict_name = verdict_names[in->verdict];
	snprintf(c->subject, sizeof(c->subject), "%s", in->subject);
	snprintf(c->expected, sizeof(c->expected), "%s", in->expected_text);
	snprintf(c->seen, sizeof(c->seen), "%s", in->seen_text);
	snprintf(c->cause, sizeof(c->cause), "%s", in->cause ? in->cause : "");
	point(c);
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
		if (rep->checks[i].pub.verdict == KVMCPUID_FAIL)
			return false;
	return true;
}

/* A view of the report's fields, refreshed on every call (see kvmcpuid_host_info). */
KVMCPUID_EXPORT const struct kvmcpuid_report_info *kvmcpuid_report_info(
	const struct kvmcpuid_report *rep)
{
	struct kvmcpuid_report_info *info;

	if (!rep)
		return NULL;
	info = (struct kvmcpuid_report_info *)&rep->info;
	*info = (struct kvmcpuid_report_info){
		.label = rep->label,
		.masked = rep->masked,
		.policy = rep->policy,
		.detected_base = rep->detected_base,
		.guest_features = rep->guest_features,
		.guest_hints = rep->guest_hints,
		.enforced = rep->enforced,
		.kernel = rep->kernel,
		.hypercall_note = rep->hypercall_note[0] ? rep->hypercall_note : NULL,
	};
	return info;
}

KVMCPUID_EXPORT size_t kvmcpuid_report_count(const struct kvmcpuid_report *rep)
{
	return rep ? rep->n : 0;
}

KVMCPUID_EXPORT const struct kvmcpuid_check *kvmcpuid_report_check(
	const struct kvmcpuid_report *rep, size_t i)
{
	return rep && i < rep->n ? &rep->checks[i].pub : NULL;
}

static const char *fault_name(enum kvmcpuid_fault f)
{
	return f == KVMCPUID_FAULT_GP ? "#GP" : f == KVMCPUID_FAULT_UD ? "#UD" : "ok";
}

/* A typed value as JSON: {"type": ..., and the member that type uses}. */
static struct json_object *value_json(const struct kvmcpuid_value *v)
{
	static const char *const types[] = { "none", "regs", "max_basic", "bit", "leaf",
					     "access", "ret", "count", "use" };
	static const char *const uses[] = { "not used", "used", "fault" };
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	struct json_object *o = json_object_new_object();
	unsigned int r;

	if (!o)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(types[v->type]));
	switch (v->type) {
	case KVMCPUID_VALUE_REGS:
	case KVMCPUID_VALUE_MAX_BASIC:
		for (r = 0; r < 4; r++)
			add_hex(o, regs[r], v->u.regs[r]);
		break;
	case KVMCPUID_VALUE_BIT:
		json_object_object_add(o, "set", json_object_new_boolean(v->u.bit));
		break;
	case KVMCPUID_VALUE_LEAF:
		add_hex(o, "leaf", v->u.leaf);
		break;
	case KVMCPUID_VALUE_ACCESS:
		json_object_object_add(o, "read", json_object_new_string(
			fault_name(v->u.access.read)));
		json_object_object_add(o, "write", json_object_new_string(
			fault_name(v->u.access.write)));
		break;
	case KVMCPUID_VALUE_RET:
		json_object_object_add(o, "ret", json_object_new_int64(v->u.ret));
		break;
	case KVMCPUID_VALUE_COUNT:
		json_object_object_add(o, "count", json_object_new_int64(v->u.count));
		break;
	case KVMCPUID_VALUE_USE:
		json_object_object_add(o, "use", json_object_new_string(uses[v->u.use]));
		break;
	case KVMCPUID_VALUE_NONE:
		break;
	}
	return o;
}

/*
 * What masking rep->masked did, from its checks: the bit as the guest read it, how many of
 * its MSR checks took #GP (read or write), how many of its hypercalls returned -KVM_ENOSYS.
 * Without enforcement the counts are what advisory masking gives (nothing refused).
 */
static struct json_object *masking_json(const struct kvmcpuid_report *rep)
{
	unsigned int msrs = 0, gp = 0, hcs = 0, enosys = 0, untestable = 0;
	const char *bit = "absent";
	struct json_object *o, *m, *h;
	size_t i;

	for (i = 0; i < rep->n; i++) {
		const struct kvmcpuid_check *c = &rep->checks[i].pub;

		if (c->feature != rep->masked)
			continue;
		if (c->kind == KVMCPUID_CHECK_FEATURE) {
			bit = c->seen_text;
		} else if (c->kind == KVMCPUID_CHECK_MSR && c->verdict != KVMCPUID_UNTESTABLE) {
			msrs++;
			gp += c->seen.type == KVMCPUID_VALUE_ACCESS &&
			      (c->seen.u.access.read == KVMCPUID_FAULT_GP ||
			       c->seen.u.access.write == KVMCPUID_FAULT_GP);
		} else if (c->kind == KVMCPUID_CHECK_HYPERCALL) {
			hcs++;
			untestable += c->verdict == KVMCPUID_UNTESTABLE;
			enosys += c->seen.type == KVMCPUID_VALUE_RET && c->seen.u.ret == -KVM_ENOSYS;
		}
	}
	o = json_object_new_object();
	m = json_object_new_object();
	h = json_object_new_object();
	if (!o || !m || !h) {
		json_object_put(o);
		json_object_put(m);
		json_object_put(h);
		return NULL;
	}
	json_object_object_add(o, "feature", json_object_new_string(feature_get(rep->masked)->name));
	json_object_object_add(o, "guest_bit", json_object_new_string(bit));
	json_object_object_add(m, "probed", json_object_new_int((int)msrs));
	json_object_object_add(m, "gp", json_object_new_int((int)gp));
	json_object_object_add(o, "msrs", m);
	json_object_object_add(h, "probed", json_object_new_int((int)hcs));
	json_object_object_add(h, "enosys", json_object_new_int((int)enosys));
	json_object_object_add(h, "untestable", json_object_new_int((int)untestable));
	json_object_object_add(o, "hypercalls", h);
	json_object_object_add(o, "advisory", json_object_new_boolean(!rep->enforced));
	return o;
}

KVMCPUID_EXPORT int kvmcpuid_report_to_json(const struct kvmcpuid_report *rep, char **ret)
{
	struct json_object *o, *arr;
	size_t i;

	if (!rep || !ret)
		return -EINVAL;
	if (json_object_with_array(&o, &arr) < 0)
		return -ENOMEM;
	json_object_object_add(o, "label", json_object_new_string(rep->label));
	/* a matrix row masking one feature: what masking it did (the table's cells) */
	json_object_object_add(o, "masking", rep->masked >= 0 ? masking_json(rep) : NULL);
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
		const struct kvmcpuid_check *c = &rep->checks[i].pub;
		struct json_object *jc = json_object_new_object();

		json_object_object_add(jc, "kind", json_object_new_string(c->kind_name));
		json_object_object_add(jc, "feature", c->feature >= 0 ?
				       json_object_new_string(feature_get(c->feature)->name) : NULL);
		json_object_object_add(jc, "subject", json_object_new_string(c->subject));
		if (c->kind == KVMCPUID_CHECK_LEAF || c->kind == KVMCPUID_CHECK_MSR ||
		    c->kind == KVMCPUID_CHECK_HYPERCALL || c->kind == KVMCPUID_CHECK_GUEST)
			add_hex(jc, "id", c->id);
		if (c->kind == KVMCPUID_CHECK_LEAF)
			add_hex(jc, "subleaf", c->subleaf);
		if (c->expected.type == KVMCPUID_VALUE_BIT ||
		    (c->kind == KVMCPUID_CHECK_GUEST && c->feature >= 0)) {
			json_object_object_add(jc, "reg", json_object_new_int(c->reg));
			json_object_object_add(jc, "bit", json_object_new_int((int)c->bit));
		}
		json_object_object_add(jc, "expected", json_object_new_string(c->expected_text));
		json_object_object_add(jc, "seen", json_object_new_string(c->seen_text));
		json_object_object_add(jc, "expected_value", value_json(&c->expected));
		json_object_object_add(jc, "seen_value", value_json(&c->seen));
		json_object_object_add(jc, "verdict",
				       json_object_new_string(c->verdict == KVMCPUID_FAIL ? "fail" :
							      c->verdict_name));
		json_object_object_add(jc, "cause", c->cause ?
				       json_object_new_string(c->cause) : NULL);
		json_object_array_add(arr, jc);
	}
	json_object_object_add(o, "checks", arr);
	return json_finish(o, ret);
}
