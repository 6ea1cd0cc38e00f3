// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvirt: a domain XML (https://libvirt.org/formatdomain.html) and back.  What libvirt's
 * QEMU driver makes of each element (src/qemu/qemu_command.c, qemuBuildCpuCommandLine and
 * qemuBuildCpuModelArgStr; the tests/qemuxmlconfdata kvm-features, kvm-features-off and
 * kvmclock .args files show the -cpu strings):
 * - <clock><timer name='kvmclock' present='yes|no'/> gives kvmclock=on|off (bits 0 and 3);
 *   <features><apic eoi='on|off'/> kvm-pv-eoi=on|off; <pvspinlock state='on|off'/>
 *   kvm-pv-unhalt=on|off; nothing is written for an absent element;
 * - <features><kvm>: <hidden state='on'/> gives kvm=off, <hint-dedicated state='on'/>
 *   kvm-hint-dedicated=on, <poll-control state='on'/> kvm-poll-control=on, <pv-ipi
 *   state='off'/> kvm-pv-ipi=off; the other state of each writes nothing (so poll-control
 *   cannot be turned off, pv-ipi cannot be asked for); <dirty-ring> is KVM's dirty ring
 *   (-accel kvm,dirty-ring-size), no CPUID bit;
 * - qemu_validate.c (qemuValidateDomainDefFeatures) refuses hint-dedicated unless the CPU
 *   is host-passthrough; qemu_process.c (qemuProcessVerifyKVMFeatures) refuses to start a
 *   domain with <pvspinlock state='on'/> whose guest CPU lacks kvm_pv_unhalt: the one
 *   element that means `on` rather than `host`;
 * - <cpu><feature> names come from src/cpu_map/x86_features.xml, which has no leaf
 *   0x40000001 bit (src/cpu/cpu_x86.c adds only kvm_pv_unhalt, for the check above): no
 *   other KVM bit can be named there, and none of kvm-pv-enforce-cpuid, the signature,
 *   the base or vmware-cpuid-freq has an element;
 * - <cpu mode='host-passthrough' migratable='off'> is -cpu host,migratable=off: every bit
 *   KVM_GET_SUPPORTED_CPUID offers, async_pf_vmexit included (QEMU's migratable=on keeps
 *   only named bits: lib/vmm-qemu.c), never a hint; it passes invtsc too, and with it QEMU
 *   adds the timing leaf (vmware-cpuid-freq): <feature policy='disable' name='invtsc'/>
 *   keeps timing=off exact;
 * - without <cpu>, or with a named model (custom, host-model), QEMU's model defaults
 *   apply: kvmclock, kvm-nopiodelay, kvm-asyncpf, kvm-steal-time, kvm-pv-eoi,
 *   kvmclock-stable-bit (QEMU docs/system/i386/kvm-pv.rst);
 * - <hyperv> enlightenments move KVM to 0x40000100 (QEMU kvm_arch_init_vcpu).
 * The import reads a whole domain or <features>, <cpu> and <clock> parts with a small XML
 * scanner of its own (positions are byte offsets of the text).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

enum { F_CS = KVMCPUID_FEATURE_CLOCKSOURCE, F_CS2 = KVMCPUID_FEATURE_CLOCKSOURCE2,
	F_EOI = KVMCPUID_FEATURE_PV_EOI, F_UNHALT = KVMCPUID_FEATURE_PV_UNHALT,
	F_IPI = KVMCPUID_FEATURE_PV_SEND_IPI, F_POLL = KVMCPUID_FEATURE_POLL_CONTROL,
	F_RT = KVMCPUID_FEATURE_REALTIME, F_VMEXIT = KVMCPUID_FEATURE_ASYNC_PF_VMEXIT };

/* ---- export ------------------------------------------------------------- */

static const char *on_off(bool on)
{
	return on ? "on" : "off";
}

/* Lost part for a feature that -cpu host,migratable=off sets wherever KVM offers it. */
static void lost_host_only(struct vmm_export *e, unsigned int id, int a, const char *how)
{
	const struct kvmcpuid_feature *f = kvmcpuid_feature(id);

	if (a == KVMCPUID_ACTION_OFF)
		export_lost(e, f->name, "libvirt cannot clear %s%s: host-passthrough passes it "
			    "wherever KVM offers it", f->macro, how);
	else if (a == KVMCPUID_ACTION_ON)
		export_lost(e, f->name, "libvirt cannot refuse to start where the host lacks %s: "
			    "host-passthrough leaves it clear there", f->macro);
	else if (a == KVMCPUID_ACTION_FORCE)
		export_lost(e, f->name, "libvirt cannot force %s: host-passthrough leaves it clear "
			    "where the host lacks it", f->macro);
}

/* A feature one element sets to `host` (on) or off; on and force are lost. */
static void lost_switch(struct vmm_export *e, unsigned int id, int a, const char *el)
{
	const struct kvmcpuid_feature *f = kvmcpuid_feature(id);

	if (a == KVMCPUID_ACTION_ON)
		export_lost(e, f->name, "%s drops %s with a warning where the host lacks it "
			    "instead of refusing to start", el, f->macro);
	else if (a == KVMCPUID_ACTION_FORCE)
		export_lost(e, f->name, "libvirt cannot force %s: %s drops it where the host "
			    "lacks it", f->macro, el);
}

static int libvirt_export(struct vmm_export *e)
{
	const struct kvmcpuid_policy *p = e->policy;
	struct strbuf *o = &e->out;
	int cs = export_action(e, F_CS), unhalt = export_action(e, F_UNHALT);
	unsigned int id;

	export_lost_qemu_layout(e, "libvirt", "<hyperv>");
	if (p->enforce)
		export_lost(e, "enforce", "libvirt has no element for kvm-pv-enforce-cpuid: the "
			    "mask stays advisory, the guest can still use a masked feature");
	if (p->timing)
		export_lost(e, "timing", "libvirt has no vmware-cpuid-freq setting: QEMU adds the "
			    "timing leaf only when the guest has invtsc (required here; it blocks "
			    "migration) and QEMU knows the TSC frequency");

	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
		int a = export_action(e, id);

		switch (id) {
		case F_CS:
			lost_switch(e, id, a, "<timer name='kvmclock'/>");
			break;
		case F_CS2:
			if (a != cs)
				export_lost(e, f->name, "libvirt's kvmclock timer sets bits 0 and 3 "
					    "together: clocksource2 follows clocksource (%s)",
					    action_name((unsigned)cs));
			break;
		case F_EOI:
			lost_switch(e, id, a, "<apic eoi='on'/>");
			break;
		case F_UNHALT:
			if (a == KVMCPUID_ACTION_FORCE)
				export_lost(e, f->name, "libvirt cannot force %s: <pvspinlock "
					    "state='on'/> refuses to start where the host lacks it",
					    f->macro);
			break;
		case F_IPI:
			lost_host_only(e, id, a == KVMCPUID_ACTION_OFF ? KVMCPUID_ACTION_HOST : a, "");
			break;
		case F_POLL:
			if (a == KVMCPUID_ACTION_OFF)
				export_lost(e, f->name, "libvirt cannot clear %s: <poll-control "
					    "state='off'/> writes nothing and host-passthrough passes it "
					    "wherever KVM offers it", f->macro);
			else
				lost_switch(e, id, a, "<poll-control state='on'/>");
			break;
		case F_RT:
			break;	/* <hint-dedicated>: vmm-provided, on and off both exact */
		default:
			if (f->provider != KVMCPUID_PROVIDER_KVM) {
				if (a != KVMCPUID_ACTION_OFF)
					export_lost(e, f->name, "libvirt has no element for %s: "
						    "QEMU leaves it clear%s", f->macro,
						    f->qemu ? " (kvm-msi-ext-dest-id needs <ioapic "
						    "driver='qemu'/> and x2apic)" : "");
			} else {
				lost_host_only(e, id, a, " (it has no element)");
			}
			break;
		}
	}

	sb_printf(o, "<!-- kvmcpuid policy for libvirt.  The <features>, <cpu> and <clock> parts are\n"
		  "     kvmcpuid's: merge them into your domain.  name, memory and os are placeholders\n"
		  "     so that this document validates on its own (virt-xml-validate FILE domain). -->\n");
	sb_printf(o, "<domain type='kvm'>\n  <name>kvmcpuid</name>\n"
		  "  <memory unit='MiB'>256</memory>\n"
		  "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n");
	sb_printf(o, "  <features>\n    <apic eoi='%s'/>\n",
		  on_off(export_wants(e, F_EOI)));
	sb_printf(o, "    <kvm>\n      <hidden state='%s'/>\n      <hint-dedicated state='%s'/>\n"
		  "      <poll-control state='on'/>\n      <pv-ipi state='%s'/>\n    </kvm>\n",
		  on_off(p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN), on_off(export_wants(e, F_RT)),
		  on_off(export_wants(e, F_IPI)));
	if (unhalt == KVMCPUID_ACTION_HOST)
		sb_printf(o, "    <!-- no <pvspinlock>: kvm-pv-unhalt wherever KVM offers it -->\n");
	else
		sb_printf(o, "    <pvspinlock state='%s'/>\n", on_off(unhalt != KVMCPUID_ACTION_OFF));
	sb_printf(o, "  </features>\n  <cpu mode='host-passthrough' migratable='off'>\n"
		  "    <feature policy='%s' name='invtsc'/>\n  </cpu>\n",
		  p->timing ? "require" : "disable");
	sb_printf(o, "  <clock offset='utc'>\n    <timer name='kvmclock' present='%s'/>\n"
		  "  </clock>\n</domain>\n", cs == KVMCPUID_ACTION_OFF ? "no" : "yes");
	return 0;
}

/* ---- the XML scanner ---------------------------------------------------- */

#define XML_MAX_ATTRS 32
#define XML_MAX_DEPTH 256

struct xml_attr {
	const char *name, *val;		/* into the text; val raw (entities not decoded) */
	size_t nlen, vlen, off, voff;
};

struct xml_tag {
	const char *name;
	size_t nlen, off;
	bool empty;
	unsigned int nattr;
	struct xml_attr attr[XML_MAX_ATTRS];
};

static bool name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static bool name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The entity at t[i] == '&': its code point in *cp and length in *n, or an error.
 */
static int xml_entity(struct vmm_import *im, size_t i, unsigned long *cp, size_t *n)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' },
	};
	const char *t = im->text + i + 1;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(named); k++)
		if (!strncmp(t, named[k].name, strlen(named[k].name))) {
			*cp = (unsigned char)named[k].c;
			*n = 1 + strlen(named[k].name);
			return 0;
		}
	if (t[0] == '#') {
		bool hex = t[1] == 'x';
		unsigned long v = 0;
		size_t d = hex ? 2 : 1, start = d;

		for (; t[d] && t[d] != ';' && d < 12; d++) {
			int c = (unsigned char)t[d], x = c >= '0' && c <= '9' ? c - '0'
				: hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
				: hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (x < 0)
				break;
			v = v * (hex ? 16 : 10) + (unsigned long)x;
		}
		if (t[d] == ';' && d > start && v && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff)) {
			*cp = v;
			*n = d + 2;
			return 0;
		}
		return import_error(im, i, "a character reference that is not a character "
				    "(&#N; or &#xH;)");
	}
	for (k = 0; k < 32 && name_char((unsigned char)t[k]); k++)
		;
	if (k && t[k] == ';')
		return import_error(im, i, "unknown entity '&%.*s;' (XML has &amp; &lt; &gt; "
				    "&quot; &apos;)", (int)k, t);
	return import_error(im, i, "a bare '&' (write &amp;)");
}

/* Checks the entities of t[s..e) (text or attribute value). */
static int xml_check_refs(struct vmm_import *im, size_t s, size_t e, bool attr)
{
	unsigned long cp;
	size_t i, n;
	int r;

	for (i = s; i < e; i++) {
		if (attr && im->text[i] == '<')
			return import_error(im, i, "a '<' inside an attribute value (write &lt;)");
		if (im->text[i] != '&')
			continue;
		r = xml_entity(im, i, &cp, &n);
		if (r < 0)
			return r;
		i += n - 1;
	}
	return 0;
}

/* The decoded value of a (entities replaced), truncated to size - 1 bytes. */
static void xml_value(struct vmm_import *im, const struct xml_attr *a, char *out, size_t size)
{
	size_t i, o = 0, n;
	unsigned long cp;

	for (i = 0; i < a->vlen && o + 5 < size; i++) {
		if (a->val[i] != '&') {
			out[o++] = a->val[i];
			continue;
		}
		if (xml_entity(im, (size_t)(a->val + i - im->text), &cp, &n) < 0)
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

static bool name_is(const char *name, size_t nlen, const char *s)
{
	return strlen(s) == nlen && !memcmp(name, s, nlen);
}

static const struct xml_attr *tag_attr(const struct xml_tag *tag, const char *name)
{
	unsigned int i;

	for (i = 0; i < tag->nattr; i++)
		if (name_is(tag->attr[i].name, tag->attr[i].nlen, name))
			return &tag->attr[i];
	return NULL;
}

/* Reads a start tag at *pos ('<' then a name start); leaves *pos after its '>'. */
static int xml_start_tag(struct vmm_import *im, size_t *pos, struct xml_tag *tag)
{
	const char *t = im->text;
	size_t i = *pos + 1;

	tag->off = *pos;
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
			*pos = i + (tag->empty ? 2 : 1);
			return 0;
		}
		if (!t[i])
			return import_error(im, tag->off, "<%.*s is never closed with '>'",
					    (int)tag->nlen, tag->name);
		if (!blank || !name_start((unsigned char)t[i]))
			return import_error(im, i, "'%c' where an attribute name or '>' should be",
					    t[i]);
		if (tag->nattr == XML_MAX_ATTRS)
			return import_error(im, i, "more than %d attributes", XML_MAX_ATTRS);
		a = &tag->attr[tag->nattr];
		a->off = i;
		a->name = t + i;
		while (name_char((unsigned char)t[i]))
			i++;
		a->nlen = (size_t)(t + i - a->name);
		for (k = 0; k < tag->nattr; k++)
			if (tag->attr[k].nlen == a->nlen && !memcmp(tag->attr[k].name, a->name, a->nlen))
				return import_error(im, a->off, "attribute %.*s given twice",
						    (int)a->nlen, a->name);
		while (is_blank(t[i]))
			i++;
		if (t[i] != '=')
			return import_error(im, i, "attribute %.*s has no '=' and value",
					    (int)a->nlen, a->name);
		i++;
		while (is_blank(t[i]))
			i++;
		if (t[i] != '\'' && t[i] != '"')
			return import_error(im, i, "the value of %.*s is not quoted",
					    (int)a->nlen, a->name);
		q = t[i++];
		a->voff = i;
		a->val = t + i;
		while (t[i] && t[i] != q)
			i++;
		if (!t[i])
			return import_error(im, a->voff - 1, "the value of %.*s is never closed",
					    (int)a->nlen, a->name);
		a->vlen = i - a->voff;
		r = xml_check_refs(im, a->voff, i, true);
		if (r < 0)
			return r;
		i++;
		tag->nattr++;
	}
}

/* ---- import: what the elements mean ------------------------------------- */

enum ctx { C_SKIP, C_DOMAIN, C_FEATURES, C_KVM, C_HYPERV, C_CPU, C_CLOCK };

struct lv {
	struct vmm_import *im;
	int8_t el[FEATURE_COUNT];	/* set by a <features>/<clock> element, -1: not */
	int8_t cpu[FEATURE_COUNT];	/* set by a <cpu><feature>, -1: not */
	int passthrough;		/* -1: no <cpu>; 0: a named model; 1: host-passthrough */
	int migratable;			/* -1: not said */
	int hidden, timing;		/* -1: not said */
	size_t cpu_off;
	bool hv_on;
};

/* The value of attribute name of tag, which must be one of on / off spellings. */
static int tag_switch(struct lv *lv, const struct xml_tag *tag, const char *name, const char *yes,
		      const char *no, int *out)
{
	const struct xml_attr *a = tag_attr(tag, name);
	char v[64];

	*out = -1;
	if (!a)
		return 0;
	xml_value(lv->im, a, v, sizeof(v));
	if (!strcmp(v, yes) || !strcmp(v, no)) {
		*out = !strcmp(v, yes);
		return 0;
	}
	return import_error(lv->im, a->voff, "'%s' is not a value of %s: %s or %s", v, name, yes,
			    no);
}

static void set_el(struct lv *lv, unsigned int id, int on)
{
	const struct kvmcpuid_feature *f = kvmcpuid_feature(id);

	lv->el[id] = (int8_t)(!on ? KVMCPUID_ACTION_OFF : f->provider == KVMCPUID_PROVIDER_KVM ?
			      KVMCPUID_ACTION_HOST : KVMCPUID_ACTION_ON);
}

static void lost_el(struct lv *lv, const struct xml_tag *tag, const char *where)
{
	char key[80];

	snprintf(key, sizeof(key), "%.*s", (int)tag->nlen, tag->name);
	import_lost(lv->im, key, tag->off, "%s<%s> is not a KVM paravirtual CPUID setting",
		    where, key);
}

/* <cpu><feature policy='...' name='...'/> */
static int cpu_feature(struct lv *lv, const struct xml_tag *tag)
{
	static const char *const pol[] = { "force", "require", "optional", "disable", "forbid" };
	const struct xml_attr *pa = tag_attr(tag, "policy"), *na = tag_attr(tag, "name");
	char v[64], name[80];
	unsigned int k;
	bool on = true;
	int id;

	if (!na)
		return import_error(lv->im, tag->off, "<feature> without a name");
	if (pa) {
		xml_value(lv->im, pa, v, sizeof(v));
		for (k = 0; k < ARRAY_SIZE(pol) && strcmp(v, pol[k]); k++)
			;
		if (k == ARRAY_SIZE(pol))
			return import_error(lv->im, pa->voff, "'%s' is not a feature policy: force, "
					    "require, optional, disable or forbid", v);
		on = k < 3;
	}
	xml_value(lv->im, na, name, sizeof(name));
	if (!strcmp(name, "invtsc")) {
		lv->timing = on;
		return 0;
	}
	for (k = 0; name[k]; k++)	/* libvirt's kvm_pv_unhalt is QEMU's kvm-pv-unhalt */
		if (name[k] == '_')
			name[k] = '-';
	id = strncmp(name, "kvm", 3) ? -ENOENT : kvmcpuid_feature_lookup(name);
	if (id < 0) {
		xml_value(lv->im, na, name, sizeof(name));
		import_lost(lv->im, name, tag->off, "<cpu><feature name='%s'> is not a KVM "
			    "paravirtual feature", name);
		return 0;
	}
	lv->cpu[id] = (int8_t)(!on ? KVMCPUID_ACTION_OFF :
			       kvmcpuid_feature((unsigned)id)->provider == KVMCPUID_PROVIDER_KVM ?
			       KVMCPUID_ACTION_HOST : KVMCPUID_ACTION_ON);
	if (id == F_CS)
		lv->cpu[F_CS2] = lv->cpu[F_CS];
	return 0;
}

/* The element tag under a parent of context parent: what it sets, and its own context. */
static int lv_element(struct lv *lv, enum ctx parent, const struct xml_tag *tag, enum ctx *ret)
{
	const char *n = tag->name;
	size_t nl = tag->nlen;
	int v, r = 0;

	*ret = C_SKIP;
	switch (parent) {
	case C_DOMAIN:
		*ret = name_is(n, nl, "features") ? C_FEATURES : name_is(n, nl, "cpu") ? C_CPU
			: name_is(n, nl, "clock") ? C_CLOCK : C_SKIP;
		break;
	case C_FEATURES:
		if (name_is(n, nl, "kvm")) {
			*ret = C_KVM;
		} else if (name_is(n, nl, "hyperv")) {
			char mode[32] = "";

			if (tag_attr(tag, "mode"))
				xml_value(lv->im, tag_attr(tag, "mode"), mode, sizeof(mode));
			lv->hv_on |= !strcmp(mode, "passthrough");
			*ret = C_HYPERV;
		} else if (name_is(n, nl, "apic")) {
			r = tag_switch(lv, tag, "eoi", "on", "off", &v);
			if (v >= 0)
				set_el(lv, F_EOI, v);
		} else if (name_is(n, nl, "pvspinlock")) {
			r = tag_switch(lv, tag, "state", "on", "off", &v);
			lv->el[F_UNHALT] = (int8_t)(v == 0 ? KVMCPUID_ACTION_OFF : KVMCPUID_ACTION_ON);
		} else {
			lost_el(lv, tag, "<features>");
		}
		break;
	case C_KVM:
		r = tag_switch(lv, tag, "state", "on", "off", &v);
		if (r < 0)
			break;
		if (name_is(n, nl, "hidden"))
			lv->hidden = v;
		else if (name_is(n, nl, "hint-dedicated"))
			set_el(lv, F_RT, v == 1);
		else if (name_is(n, nl, "poll-control") && v == 1)
			set_el(lv, F_POLL, 1);	/* state='off' writes nothing */
		else if (name_is(n, nl, "pv-ipi") && v == 0)
			set_el(lv, F_IPI, 0);	/* state='on' writes nothing */
		else if (!name_is(n, nl, "poll-control") && !name_is(n, nl, "pv-ipi"))
			lost_el(lv, tag, "<kvm>");
		break;
	case C_HYPERV:
		r = tag_switch(lv, tag, "state", "on", "off", &v);
		lv->hv_on |= v == 1;
		break;
	case C_CPU:
		if (name_is(n, nl, "feature"))
			r = cpu_feature(lv, tag);
		else if (!name_is(n, nl, "model"))
			lost_el(lv, tag, "<cpu>");
		break;
	case C_CLOCK:
		if (name_is(n, nl, "timer") && tag_attr(tag, "name")) {
			char name[32];

			xml_value(lv->im, tag_attr(tag, "name"), name, sizeof(name));
			if (!strcmp(name, "kvmclock")) {
				r = tag_switch(lv, tag, "present", "yes", "no", &v);
				if (v >= 0) {
					set_el(lv, F_CS, v);
					set_el(lv, F_CS2, v);
				}
				break;
			}
		}
		lost_el(lv, tag, "<clock>");
		break;
	case C_SKIP:
		break;
	}
	return r;
}

/* <cpu mode=... migratable=...> */
static int lv_cpu(struct lv *lv, const struct xml_tag *tag)
{
	const struct xml_attr *m = tag_attr(tag, "mode");
	char mode[32] = "custom";
	int r;

	lv->cpu_off = tag->off;
	if (m)
		xml_value(lv->im, m, mode, sizeof(mode));
	if (strcmp(mode, "custom") && strcmp(mode, "host-model") &&
	    strcmp(mode, "host-passthrough") && strcmp(mode, "maximum"))
		return import_error(lv->im, m->voff, "'%s' is not a CPU mode: custom, host-model, "
				    "host-passthrough or maximum", mode);
	lv->passthrough = !strcmp(mode, "host-passthrough") || !strcmp(mode, "maximum");
	r = tag_switch(lv, tag, "migratable", "on", "off", &lv->migratable);
	return r;
}

/* The policy the collected elements give (lv's comment order is QEMU's -cpu order). */
static void lv_finish(struct lv *lv)
{
	static const unsigned int model[] = { F_CS, F_CS2, KVMCPUID_FEATURE_NOP_IO_DELAY,
		KVMCPUID_FEATURE_ASYNC_PF, KVMCPUID_FEATURE_STEAL_TIME, F_EOI,
		KVMCPUID_FEATURE_CLOCKSOURCE_STABLE_BIT };
	struct kvmcpuid_policy *p = lv->im->policy;
	unsigned int id, i;

	for (id = 0; id < FEATURE_COUNT; id++) {
		bool host = lv->passthrough == 1 &&
			kvmcpuid_feature(id)->provider == KVMCPUID_PROVIDER_KVM &&
			(id != F_VMEXIT || lv->migratable == 0);

		import_action(lv->im, id, host ? KVMCPUID_ACTION_HOST : KVMCPUID_ACTION_OFF);
	}
	if (lv->passthrough != 1)
		for (i = 0; i < ARRAY_SIZE(model); i++)
			import_action(lv->im, model[i], KVMCPUID_ACTION_HOST);
	for (id = 0; id < FEATURE_COUNT; id++)
		if (lv->cpu[id] >= 0)
			import_action(lv->im, id, (unsigned)lv->cpu[id]);
	for (id = 0; id < FEATURE_COUNT; id++)
		if (lv->el[id] >= 0)
			import_action(lv->im, id, (unsigned)lv->el[id]);
	if (lv->hidden == 1)
		p->sig_kind = KVMCPUID_SIGNATURE_HIDDEN;
	if (lv->hv_on)
		p->base = 0x40000100;
	if (lv->timing >= 0)
		p->timing = lv->timing;
	else if (lv->passthrough == 1 && lv->migratable == 0)
		import_lost(lv->im, "invtsc", lv->cpu_off, "host-passthrough with migratable='off' "
			    "passes the host's invtsc, and with it QEMU adds the timing leaf where "
			    "the host has invtsc: kept as timing=off");
}

static int libvirt_import(struct vmm_import *im)
{
	struct lv lv = { .im = im, .passthrough = -1, .migratable = -1, .hidden = -1,
		.timing = -1 };
	struct { enum ctx ctx; const char *name; size_t nlen, off; } stack[XML_MAX_DEPTH];
	const char *t = im->text;
	unsigned int depth = 0, roots = 0;
	bool domain = false;
	size_t pos = 0;
	int r;

	memset(lv.el, -1, sizeof(lv.el));
	memset(lv.cpu, -1, sizeof(lv.cpu));
	while (pos < im->len) {
		struct xml_tag tag;
		const char *end;
		enum ctx ctx;

		if (t[pos] != '<') {
			size_t s = pos;

			while (pos < im->len && t[pos] != '<')
				pos++;
			r = xml_check_refs(im, s, pos, false);
			if (r < 0)
				return r;
			if (depth == 0)
				for (; s < pos; s++)
					if (!is_blank(t[s]))
						return import_error(im, s, "text outside any element");
			continue;
		}
		if (!strncmp(t + pos, "<!--", 4)) {
			end = strstr(t + pos + 4, "--");
			if (!end)
				return import_error(im, pos, "a comment that is never closed with '-->'");
			if (end[2] != '>')
				return import_error(im, (size_t)(end - t), "'--' inside a comment");
			pos = (size_t)(end - t) + 3;
		} else if (!strncmp(t + pos, "<?", 2)) {
			end = strstr(t + pos + 2, "?>");
			if (!end)
				return import_error(im, pos, "a processing instruction that is never "
						    "closed with '?>'");
			pos = (size_t)(end - t) + 2;
		} else if (!strncmp(t + pos, "<![CDATA[", 9)) {
			if (depth == 0)
				return import_error(im, pos, "CDATA outside any element");
			end = strstr(t + pos + 9, "]]>");
			if (!end)
				return import_error(im, pos, "CDATA that is never closed with ']]>'");
			pos = (size_t)(end - t) + 3;
		} else if (!strncmp(t + pos, "<!DOCTYPE", 9) && depth == 0 && !roots) {
			size_t s = pos;

			while (pos < im->len && t[pos] != '>' && t[pos] != '[')
				pos++;
			if (t[pos] != '>')
				return import_error(im, pos < im->len ? pos : s, "a DOCTYPE with an "
						    "internal subset (or never closed): kvmcpuid "
						    "reads no entity declarations");
			pos++;
		} else if (t[pos + 1] == '!') {
			return import_error(im, pos, "'<!' that starts no comment, CDATA or DOCTYPE");
		} else if (t[pos + 1] == '/') {
			size_t s = pos, n;

			pos += 2;
			while (name_char((unsigned char)t[pos]))
				pos++;
			n = pos - s - 2;
			while (is_blank(t[pos]))
				pos++;
			if (t[pos] != '>')
				return import_error(im, pos, "'%c' in the end tag </%.*s", t[pos],
						    (int)n, t + s + 2);
			if (!depth)
				return import_error(im, s, "</%.*s> closes no element", (int)n, t + s + 2);
			depth--;
			if (n != stack[depth].nlen || memcmp(t + s + 2, stack[depth].name, n))
				return import_error(im, s, "</%.*s> where </%.*s> should close the "
						    "element opened before", (int)n, t + s + 2,
						    (int)stack[depth].nlen, stack[depth].name);
			if (stack[depth].ctx == C_HYPERV)
				import_lost(im, "hyperv", stack[depth].off, "<hyperv> enlightenments "
					    "are not KVM's leaves: kvmcpuid does not write them%s",
					    lv.hv_on ? "; with them KVM moves to 0x40000100 (kept as "
					    "base)" : "");
			pos++;
		} else if (name_start((unsigned char)t[pos + 1])) {
			r = xml_start_tag(im, &pos, &tag);
			if (r < 0)
				return r;
			if (depth == 0) {
				if (domain || (roots && name_is(tag.name, tag.nlen, "domain")))
					return import_error(im, tag.off, "a second root element beside "
							    "<domain>");
				roots++;
				domain = name_is(tag.name, tag.nlen, "domain");
				ctx = domain ? C_DOMAIN : name_is(tag.name, tag.nlen, "features") ?
					C_FEATURES : name_is(tag.name, tag.nlen, "cpu") ? C_CPU :
					name_is(tag.name, tag.nlen, "clock") ? C_CLOCK : C_SKIP;
				if (ctx == C_SKIP)
					return import_error(im, tag.off, "<%.*s> is not a libvirt "
							    "<domain> or its <features>, <cpu> or "
							    "<clock>", (int)tag.nlen, tag.name);
			} else {
				r = lv_element(&lv, stack[depth - 1].ctx, &tag, &ctx);
				if (r < 0)
					return r;
			}
			if (ctx == C_CPU) {
				r = lv_cpu(&lv, &tag);
				if (r < 0)
					return r;
			}
			if (depth == XML_MAX_DEPTH)
				return import_error(im, tag.off, "elements nested deeper than %d",
						    XML_MAX_DEPTH);
			stack[depth].ctx = ctx;
			stack[depth].name = tag.name;
			stack[depth].nlen = tag.nlen;
			stack[depth].off = tag.off;
			if (!tag.empty)
				depth++;
			else if (ctx == C_HYPERV)
				import_lost(im, "hyperv", tag.off, "<hyperv> enlightenments are not "
					    "KVM's leaves: kvmcpuid does not write them%s", lv.hv_on ?
					    "; with them KVM moves to 0x40000100 (kept as base)" : "");
		} else {
			return import_error(im, pos, "a '<' that starts no tag (write &lt;)");
		}
	}
	if (depth)
		return import_error(im, stack[depth - 1].off, "<%.*s> is never closed",
				    (int)stack[depth - 1].nlen, stack[depth - 1].name);
	if (!roots)
		return import_error(im, im->len, "no element: not a libvirt domain XML");
	lv_finish(&lv);
	return 0;
}

const struct vmm_format vmm_libvirt = {
	.name = "libvirt",
	.export_fn = libvirt_export,
	.import_fn = libvirt_import,
};
