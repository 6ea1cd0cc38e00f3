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
 *   only named bits: lib/vmm/qemu.c), never a hint; it passes invtsc too, and with it QEMU
 *   adds the timing leaf (vmware-cpuid-freq): <feature policy='disable' name='invtsc'/>
 *   keeps timing=off exact;
 * - without <cpu>, or with a named model (custom, host-model), QEMU's model defaults
 *   apply: kvmclock, kvm-nopiodelay, kvm-asyncpf, kvm-steal-time, kvm-pv-eoi,
 *   kvmclock-stable-bit (QEMU docs/system/i386/kvm-pv.rst);
 * - <hyperv> enlightenments move KVM to 0x40000100 (QEMU kvm_arch_init_vcpu).
 * - <ioapic driver='qemu'/> is -machine kernel_irqchip=split (qemu_command.c), and with a
 *   split irqchip QEMU offers KVM_FEATURE_MSI_EXT_DEST_ID itself (target/i386/kvm/kvm.c,
 *   kvm_arch_get_supported_cpuid: ret |= MSI_EXT_DEST_ID when kvm_irqchip_is_split()),
 *   which host-passthrough passes and named models take by default (QEMU makes
 *   kvm-msi-ext-dest-id=on their default with a split irqchip and KVM's x2APIC API); no
 *   <cpu><feature> names the bit.  <ioapic driver='kvm'/> (kernel_irqchip=on, any x86
 *   machine: qemu_validate.c) keeps it clear.  libvirt itself adds driver='qemu' for an
 *   <iommu> with intremap='on' and, from 10.10, for more than 255 vCPUs, so the export
 *   always names the driver: merged into such a domain it conflicts visibly (libvirt
 *   refuses the domain) instead of leaving the bit to chance.
 * The import reads a whole domain (its <features>, <cpu>, <clock> and <devices><iommu>)
 * or <features>, <cpu> and <clock> parts with the XML scanner of xml.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"
#include "xml.h"

enum { F_CS = KVMCPUID_FEATURE_CLOCKSOURCE, F_CS2 = KVMCPUID_FEATURE_CLOCKSOURCE2,
	F_EOI = KVMCPUID_FEATURE_PV_EOI, F_UNHALT = KVMCPUID_FEATURE_PV_UNHALT,
	F_IPI = KVMCPUID_FEATURE_PV_SEND_IPI, F_POLL = KVMCPUID_FEATURE_POLL_CONTROL,
	F_RT = KVMCPUID_FEATURE_REALTIME, F_VMEXIT = KVMCPUID_FEATURE_ASYNC_PF_VMEXIT,
	F_MSI = KVMCPUID_FEATURE_MSI_EXT_DEST_ID };

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
	export_lost_qemu_frontend(e, "libvirt");

	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
		int a = export_action(e, id);

		switch (id) {
		case F_CS:
			lost_switch(e, id, a, "<timer name='kvmclock'/>");
			break;
		case F_CS2:
			export_lost_kvmclock_pair(e, "libvirt's kvmclock timer");
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
				if (a != KVMCPUID_ACTION_OFF && id != F_MSI)
					export_lost(e, f->name, "libvirt has no element for %s: "
						    "QEMU leaves it clear", f->macro);
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
	/* QEMU's split irqchip sets msi_ext_dest_id; the in-kernel one leaves it clear */
	sb_printf(o, "    <ioapic driver='%s'/>\n", export_wants(e, F_MSI) ? "qemu" : "kvm");
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
		  export_qemu_timing(e) ? "require" : "disable");
	sb_printf(o, "  <clock offset='utc'>\n    <timer name='kvmclock' present='%s'/>\n"
		  "  </clock>\n</domain>\n", cs == KVMCPUID_ACTION_OFF ? "no" : "yes");
	return 0;
}

/* ---- import: what the elements mean ------------------------------------- */

enum ctx { C_SKIP, C_DOMAIN, C_FEATURES, C_KVM, C_HYPERV, C_CPU, C_CLOCK, C_DEVICES, C_IOMMU };

struct lv {
	struct vmm_import *im;
	int8_t el[FEATURE_COUNT];	/* set by a <features>/<clock> element, -1: not */
	int8_t cpu[FEATURE_COUNT];	/* set by a <cpu><feature>, -1: not */
	int passthrough;		/* -1: no <cpu>; 0: a named model; 1: host-passthrough */
	int migratable;			/* -1: not said */
	int hidden, timing;		/* -1: not said */
	size_t cpu_off;
	bool hv_on;
	bool intremap;			/* <iommu><driver intremap='on'/>: a split I/O APIC */
};

/* The value of attribute name of tag, which must be one of on / off spellings. */
static int tag_switch(struct lv *lv, const struct xml_tag *tag, const char *name, const char *yes,
		      const char *no, int *out)
{
	const struct xml_attr *a = xml_attr(tag, name);
	char v[64];

	*out = -1;
	if (!a)
		return 0;
	xml_value(a, v, sizeof(v));
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
	const struct xml_attr *pa = xml_attr(tag, "policy"), *na = xml_attr(tag, "name");
	char v[64], name[80];
	unsigned int k;
	bool on = true;
	int id;

	if (!na)
		return import_error(lv->im, tag->off, "<feature> without a name");
	if (pa) {
		xml_value(pa, v, sizeof(v));
		for (k = 0; k < ARRAY_SIZE(pol) && strcmp(v, pol[k]); k++)
			;
		if (k == ARRAY_SIZE(pol))
			return import_error(lv->im, pa->voff, "'%s' is not a feature policy: force, "
					    "require, optional, disable or forbid", v);
		on = k < 3;
	}
	xml_value(na, name, sizeof(name));
	if (!strcmp(name, "invtsc")) {
		lv->timing = on;
		return 0;
	}
	for (k = 0; name[k]; k++)	/* libvirt's kvm_pv_unhalt is QEMU's kvm-pv-unhalt */
		if (name[k] == '_')
			name[k] = '-';
	id = strncmp(name, "kvm", 3) ? -ENOENT : kvmcpuid_feature_lookup(name);
	if (id < 0) {
		xml_value(na, name, sizeof(name));
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
		*ret = xml_name_is(n, nl, "features") ? C_FEATURES :
			xml_name_is(n, nl, "cpu") ? C_CPU : xml_name_is(n, nl, "clock") ? C_CLOCK :
			xml_name_is(n, nl, "devices") ? C_DEVICES : C_SKIP;
		break;
	case C_DEVICES:
		*ret = xml_name_is(n, nl, "iommu") ? C_IOMMU : C_SKIP;
		break;
	case C_IOMMU:
		/* libvirt adds <ioapic driver='qemu'/> for interrupt remapping (see above) */
		if (xml_name_is(n, nl, "driver")) {
			r = tag_switch(lv, tag, "intremap", "on", "off", &v);
			lv->intremap |= v == 1;
		}
		break;
	case C_FEATURES:
		if (xml_name_is(n, nl, "kvm")) {
			*ret = C_KVM;
		} else if (xml_name_is(n, nl, "hyperv")) {
			char mode[32] = "";

			if (xml_attr(tag, "mode"))
				xml_value(xml_attr(tag, "mode"), mode, sizeof(mode));
			lv->hv_on |= !strcmp(mode, "passthrough");
			*ret = C_HYPERV;
		} else if (xml_name_is(n, nl, "apic")) {
			r = tag_switch(lv, tag, "eoi", "on", "off", &v);
			if (v >= 0)
				set_el(lv, F_EOI, v);
		} else if (xml_name_is(n, nl, "ioapic")) {
			/* libvirt's schema requires the driver */
			if (!xml_attr(tag, "driver"))
				return import_error(lv->im, tag->off, "<ioapic> without a driver "
						    "(kvm or qemu)");
			r = tag_switch(lv, tag, "driver", "qemu", "kvm", &v);
			if (v >= 0)
				set_el(lv, F_MSI, v);
		} else if (xml_name_is(n, nl, "pvspinlock")) {
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
		if (xml_name_is(n, nl, "hidden"))
			lv->hidden = v;
		else if (xml_name_is(n, nl, "hint-dedicated"))
			set_el(lv, F_RT, v == 1);
		else if (xml_name_is(n, nl, "poll-control") && v == 1)
			set_el(lv, F_POLL, 1);	/* state='off' writes nothing */
		else if (xml_name_is(n, nl, "pv-ipi") && v == 0)
			set_el(lv, F_IPI, 0);	/* state='on' writes nothing */
		else if (!xml_name_is(n, nl, "poll-control") && !xml_name_is(n, nl, "pv-ipi"))
			lost_el(lv, tag, "<kvm>");
		break;
	case C_HYPERV:
		r = tag_switch(lv, tag, "state", "on", "off", &v);
		lv->hv_on |= v == 1;
		break;
	case C_CPU:
		if (xml_name_is(n, nl, "feature"))
			r = cpu_feature(lv, tag);
		else if (!xml_name_is(n, nl, "model"))
			lost_el(lv, tag, "<cpu>");
		break;
	case C_CLOCK:
		if (xml_name_is(n, nl, "timer") && xml_attr(tag, "name")) {
			char name[32];

			xml_value(xml_attr(tag, "name"), name, sizeof(name));
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
	const struct xml_attr *m = xml_attr(tag, "mode");
	char mode[32] = "custom";
	int r;

	lv->cpu_off = tag->off;
	if (m)
		xml_value(m, mode, sizeof(mode));
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
	if (lv->intremap && lv->el[F_MSI] < 0)
		set_el(lv, F_MSI, 1);
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

/* <hyperv>, once closed: the enlightenments inside it decide whether KVM moved. */
static void lost_hyperv(struct lv *lv, size_t off)
{
	import_lost(lv->im, "hyperv", off, "<hyperv> enlightenments are not KVM's leaves: "
		    "kvmcpuid does not write them%s", lv->hv_on ? "; with them KVM moves to "
		    "0x40000100 (kept as base)" : "");
}

/* A root element: a whole <domain>, or one of the parts an export is merged from. */
static int lv_root(struct vmm_import *im, const struct xml_tag *tag, enum ctx *ret)
{
	const char *n = tag->name;
	size_t nl = tag->nlen;

	*ret = xml_name_is(n, nl, "domain") ? C_DOMAIN : xml_name_is(n, nl, "features") ?
		C_FEATURES : xml_name_is(n, nl, "cpu") ? C_CPU : xml_name_is(n, nl, "clock") ?
		C_CLOCK : C_SKIP;
	if (*ret == C_SKIP)
		return import_error(im, tag->off, "<%.*s> is not a libvirt <domain> or its "
				    "<features>, <cpu> or <clock>", (int)nl, n);
	return 0;
}

static int libvirt_import(struct vmm_import *im)
{
	struct lv lv = { .im = im, .passthrough = -1, .migratable = -1, .hidden = -1,
		.timing = -1 };
	enum ctx ctx[XML_MAX_DEPTH];	/* of each open element, by depth */
	unsigned int roots = 0;
	bool domain = false;
	struct xml_tag tag;
	struct xml x;
	int r;

	memset(lv.el, -1, sizeof(lv.el));
	memset(lv.cpu, -1, sizeof(lv.cpu));
	xml_init(&x, im->text, im->len);
	while ((r = xml_next(&x, &tag)) != XML_EOF) {
		if (r < 0)
			return import_error(im, x.err_off, "%s", x.err);
		if (r == XML_END) {
			if (ctx[tag.depth] == C_HYPERV)
				lost_hyperv(&lv, tag.off);
			continue;
		}
		if (tag.depth == 0) {
			if (domain || (roots && xml_name_is(tag.name, tag.nlen, "domain")))
				return import_error(im, tag.off, "a second root element beside "
						    "<domain>");
			roots++;
			domain = xml_name_is(tag.name, tag.nlen, "domain");
			r = lv_root(im, &tag, &ctx[0]);
		} else {
			r = lv_element(&lv, ctx[tag.depth - 1], &tag, &ctx[tag.depth]);
		}
		if (r >= 0 && ctx[tag.depth] == C_CPU)
			r = lv_cpu(&lv, &tag);
		if (r < 0)
			return r;
		if (tag.empty && ctx[tag.depth] == C_HYPERV)
			lost_hyperv(&lv, tag.off);
	}
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
