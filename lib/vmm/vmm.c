// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvmcpuid_policy_export / kvmcpuid_policy_import: the dispatch by format and the
 * plumbing the formats share (lib/vmm/vmm.h says the rules every format follows).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

static const struct vmm_format *const formats[] = {
	&vmm_qemu, &vmm_libvirt, &vmm_kubevirt, &vmm_firecracker, &vmm_cloud_hypervisor,
};

static const struct vmm_format *format_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(formats); i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

static void sb_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	va_copy(aq, ap);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!b->s || b->len + (size_t)n >= b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *s;

		while (cap <= b->len + (size_t)n)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Format the message, count the part and hand it to the caller's fn. */
static void lost_report(kvmcpuid_lost_fn fn, void *data, int *count, struct kvmcpuid_lost *lost,
			const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	lost->message = msg;
	(*count)++;
	if (fn)
		fn(data, lost);
}

void export_lost(struct vmm_export *e, const char *key, const char *fmt, ...)
{
	struct kvmcpuid_lost lost = { .key = key };
	va_list ap;

	va_start(ap, fmt);
	lost_report(e->fn, e->data, &e->nlost, &lost, fmt, ap);
	va_end(ap);
}

void export_lost_max_leaf(struct vmm_export *e, const char *vmm, uint32_t kbase,
			  const char *timing_when)
{
	const struct kvmcpuid_policy *p = e->policy;
	uint32_t own = p->timing ? 0x10 : 0x1;

	if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_AUTO || p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN)
		return;
	/* the max leaf the policy's own timing gives: the timing part says the rest */
	if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT && p->max_leaf - p->base == own &&
	    (timing_when || !p->timing))
		return;
	if (timing_when)
		export_lost(e, "max_leaf", "%s has no max leaf setting: the guest sees 0x%08x, or "
			    "0x%08x %s", vmm, kbase + 1, kbase + 0x10, timing_when);
	else
		export_lost(e, "max_leaf", "%s has no max leaf setting: the guest sees 0x%08x", vmm,
			    kbase + 1);
}

/*
 * Where QEMU puts KVM for this policy: 0x40000100 when the policy asks for it (the
 * export's lost base says to add Hyper-V enlightenments), else 0x40000000.
 */
static uint32_t qemu_kvm_base(const struct kvmcpuid_policy *p)
{
	return p->base == 0x40000100 ? 0x40000100 : PV_BASE_FIRST;
}

void export_lost_qemu_layout(struct vmm_export *e, const char *vmm, const char *hyperv)
{
	const struct kvmcpuid_policy *p = e->policy;
	uint32_t kbase = qemu_kvm_base(p);

	if (p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN)
		return;		/* no leaves anywhere: nothing of the layout to lose */
	if (p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM)
		export_lost(e, "signature", "%s has no custom KVM signature: the guest sees "
			    "KVMKVMKVM", vmm);
	if (p->base == 0x40000100)
		export_lost(e, "base", "%s puts KVM at 0x40000100 only when Hyper-V "
			    "enlightenments (%s) take 0x40000000: add them", vmm, hyperv);
	else if (p->base != PV_BASE_FIRST)
		export_lost(e, "base", "%s puts KVM at 0x40000000 (0x40000100 with %s), never at "
			    "0x%08x", vmm, hyperv, p->base);
	export_lost_max_leaf(e, vmm, kbase, export_qemu_timing(e) ?
			     "where QEMU adds its timing leaf" : NULL);
}

bool export_qemu_timing(const struct vmm_export *e)
{
	const struct kvmcpuid_policy *p = e->policy;

	return p->timing && p->sig_kind != KVMCPUID_SIGNATURE_HIDDEN &&
	       qemu_kvm_base(p) == PV_BASE_FIRST;
}

void export_lost_qemu_timing(struct vmm_export *e, const char *how)
{
	const struct kvmcpuid_policy *p = e->policy;

	if (!p->timing || p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN)
		return;
	/*
	 * target/i386/kvm/kvm.c, kvm_arch_init_vcpu: the timing leaf is added only with
	 * vmware-cpuid-freq, kvm=on, kvm_base == KVM_CPUID_SIGNATURE (no Hyper-V) and
	 * tsc_is_stable_and_known (invtsc or a user tsc-frequency), and only then is
	 * 0x40000000 EAX raised to 0x40000010: QEMU never announces a leaf it does not write.
	 */
	if (qemu_kvm_base(p) != PV_BASE_FIRST)
		export_lost(e, "timing", "QEMU adds no timing leaf when KVM sits at 0x40000100 (it "
			    "writes one only at 0x40000010, with KVM at 0x40000000): the guest sees "
			    "max leaf 0x40000101 and no timing leaf");
	else
		export_lost(e, "timing", "QEMU adds the timing leaf 0x40000010 (and max leaf "
			    "0x40000010) only when the guest has invtsc (%s; it blocks migration) "
			    "and QEMU knows the TSC frequency; otherwise the guest sees max leaf "
			    "0x40000001 and no timing leaf", how);
}

void export_lost_qemu_frontend(struct vmm_export *e, const char *vmm)
{
	if (e->policy->enforce)
		export_lost(e, "enforce", "%s has no setting for kvm-pv-enforce-cpuid: the mask "
			    "stays advisory, the guest can still use a masked feature", vmm);
	/* no vmware-cpuid-freq setting: QEMU's default (on) decides, with invtsc required */
	export_lost_qemu_timing(e, "required here: the guest does not start without it");
}

void export_lost_kvmclock_pair(struct vmm_export *e, const char *what)
{
	int cs = export_action(e, KVMCPUID_FEATURE_CLOCKSOURCE);

	if (cs != export_action(e, KVMCPUID_FEATURE_CLOCKSOURCE2))
		export_lost(e, "clocksource2", "%s sets bits 0 and 3 together: clocksource2 "
			    "follows clocksource (%s)", what, action_name((unsigned)cs));
}

int export_action(const struct vmm_export *e, unsigned int id)
{
	const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
	int a = policy_action(e->policy, id);

	/* Same bit on every host, so the same meaning (lib/vmm/vmm.h). */
	if (f->provider != KVMCPUID_PROVIDER_KVM && a == KVMCPUID_ACTION_HOST)
		return KVMCPUID_ACTION_OFF;
	if (f->provider == KVMCPUID_PROVIDER_VMM && a == KVMCPUID_ACTION_FORCE)
		return KVMCPUID_ACTION_ON;
	return a;
}

bool export_wants(const struct vmm_export *e, unsigned int id)
{
	return export_action(e, id) != KVMCPUID_ACTION_OFF;
}

/*
 * The line:col of byte off, counted on from the last position taken (offset_to_linecol's
 * rule: lines from '\n', columns in characters).  Counting from the first byte every
 * time made an import with one warning per setting quadratic (issue 16: 131072 unknown
 * -cpu properties took 9.7 s).
 */
void import_lost(struct vmm_import *im, const char *key, size_t off, const char *fmt, ...)
{
	struct kvmcpuid_lost lost = { .key = key };
	va_list ap;

	text_cursor_at(&im->at, im->text, off < im->len ? off : im->len, &lost.line,
		       &lost.column);
	va_start(ap, fmt);
	lost_report(im->fn, im->data, &im->nlost, &lost, fmt, ap);
	va_end(ap);
}

int import_error(struct vmm_import *im, size_t off, const char *fmt, ...)
{
	unsigned int line, col;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_cursor_at(&im->at, im->text, off < im->len ? off : im->len, &line, &col);
	return diag_set(im->ctx, im->diag, EINVAL, im->origin, line, col, "%s", msg);
}

void import_action(struct vmm_import *im, unsigned int id, unsigned int action)
{
	policy_set_action(im->policy, id, (uint8_t)action);
}

KVMCPUID_EXPORT int kvmcpuid_policy_export(const struct kvmcpuid_policy *policy,
					   const char *format, kvmcpuid_lost_fn fn, void *data,
					   char **ret)
{
	struct vmm_export e = { .policy = policy, .fn = fn, .data = data };
	const struct vmm_format *vf;
	int r;

	if (!policy || !format || !ret)
		return -EINVAL;
	vf = format_lookup(format);
	if (!vf)
		return -ENOENT;
	r = vf->export_fn(&e);
	if (r >= 0 && (e.out.oom || !e.out.s))
		r = -ENOMEM;
	if (r < 0) {
		free(e.out.s);
		return r;
	}
	*ret = e.out.s;
	return e.nlost;
}

/* What kvmcpuid_policy_import reads a text with (a text_loader_fn's ret for _import_file). */
struct import_args {
	const struct vmm_format *vf;
	kvmcpuid_lost_fn fn;
	void *data;
	struct kvmcpuid_policy **ret;
};

/* The format in *vf, checked as both entry points say it: 0, -ENOENT, -ENOTSUP (diag). */
static int import_format(struct kvmcpuid_ctx *ctx, const char *format,
			 struct kvmcpuid_diag *diag, const struct vmm_format **vf)
{
	*vf = format_lookup(format);
	if (!*vf)
		return diag_set(ctx, diag, ENOENT, NULL, 0, 0,
				"unknown format '%s' (qemu, libvirt, firecracker)", format);
	if (!(*vf)->import_fn)
		return diag_set(ctx, diag, ENOTSUP, NULL, 0, 0,
				"kvmcpuid cannot import %s configuration (only qemu, libvirt, "
				"firecracker)", format);
	return 0;
}

static int import_text(struct kvmcpuid_ctx *ctx, const char *text, size_t len,
		       const char *origin, struct kvmcpuid_diag *diag, void *args)
{
	const struct import_args *a = args;
	struct vmm_import im = { .ctx = ctx, .len = len, .diag = diag, .fn = a->fn,
				 .data = a->data };
	char msg[400], *copy;
	int r, slot;

	im.origin = origin ? origin : "<input>";
	if (len > POLICY_MAX_BYTES)
		return diag_set(ctx, diag, EFBIG, im.origin, 0, 0,
				"larger than the 1 MiB kvmcpuid reads");
	if (memchr(text, '\0', len)) {
		im.text = text;
		return import_error(&im, (size_t)((const char *)memchr(text, '\0', len) - text),
				    "NUL byte in the text");
	}
	/* The formats read a NUL-terminated copy. */
	copy = xalloc(ctx, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	im.text = copy;
	r = kvmcpuid_policy_new(ctx, &im.policy);
	if (r < 0)
		goto out;
	r = a->vf->import_fn(&im);
	if (r >= 0 && policy_check(im.policy, msg, sizeof(msg), &slot) < 0)
		r = diag_set(ctx, diag, EINVAL, im.origin, 0, 0, "%s", msg);
	if (r < 0) {
		kvmcpuid_policy_unref(im.policy);
		goto out;
	}
	*a->ret = im.policy;
	r = im.nlost;
out:
	free(copy);
	return r;
}

KVMCPUID_EXPORT int kvmcpuid_policy_import(struct kvmcpuid_ctx *ctx, const char *format,
					   const char *text, size_t len, const char *origin,
					   struct kvmcpuid_diag *diag, kvmcpuid_lost_fn fn,
					   void *data, struct kvmcpuid_policy **ret)
{
	struct import_args a = { .fn = fn, .data = data, .ret = ret };
	int r;

	diag_begin(diag);
	if (!ctx || !format || !text || !ret)
		return diag_finish(ctx, diag, -EINVAL);
	r = import_format(ctx, format, diag, &a.vf);
	if (r < 0)
		return r;
	return diag_finish(ctx, diag, import_text(ctx, text, len, origin, diag, &a));
}

KVMCPUID_EXPORT int kvmcpuid_policy_import_file(struct kvmcpuid_ctx *ctx, const char *format,
						const char *path, struct kvmcpuid_diag *diag,
						kvmcpuid_lost_fn fn, void *data,
						struct kvmcpuid_policy **ret)
{
	struct import_args a = { .fn = fn, .data = data, .ret = ret };
	int r;

	diag_begin(diag);
	if (!ctx || !format || !path || !ret)
		return diag_finish(ctx, diag, -EINVAL);
	/* the format first: a bad one must not consume standard input */
	r = import_format(ctx, format, diag, &a.vf);
	if (r < 0)
		return r;
	return load_file(ctx, path, import_text, &a, diag);
}
