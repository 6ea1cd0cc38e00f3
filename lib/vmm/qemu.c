// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * QEMU: a -cpu property list ("kvm=on,kvmclock=on,...") to append to any CPU model, and
 * back.  Facts it relies on (QEMU 7.2, target/i386/cpu.c and kvm/kvm.c; docs/system/i386/
 * kvm-pv.rst):
 * - the bits with a CPU property are those named in the feature table (struct
 *   kvmcpuid_feature.qemu); "kvmclock" names bits 0 and 3 together; hc_map_gpa_range and
 *   migration_control have none; async_pf_vmexit has none before QEMU 8.2 (7.2, Debian
 *   12's, refuses "kvm-asyncpf-vmexit"; 8.2 added it to FEAT_KVM's feat_names), so the
 *   export never writes it and names the bit's fate per version;
 * - -cpu host and max take the named bits KVM offers (x86_cpu_get_migratable_flags keeps
 *   only named bits), every bit KVM offers with migratable=off; named models leave
 *   unnamed bits clear;
 * - with KVM, QEMU drops a requested bit KVM_GET_SUPPORTED_CPUID lacks, with a warning
 *   ("host doesn't support requested feature"), so kvm-X=on is the policy's `host`;
 *   QEMU's enforce option refuses to start instead, but for every feature of the CPU
 *   model at once, so `on` (refuse for this one bit) and `force` have no spelling;
 * - kvm=off hides the KVM leaves (signature hidden); QEMU always writes KVMKVMKVM and
 *   puts the block at 0x40000000, or 0x40000100 when Hyper-V enlightenments (hv-*) take
 *   0x40000000, with max leaf base+1;
 * - vmware-cpuid-freq (default on) adds the timing leaf base+0x10 only when the guest has
 *   invtsc and QEMU knows the TSC frequency;
 * - kvm-pv-enforce-cpuid turns on KVM_CAP_ENFORCE_PV_FEATURE_CPUID;
 * - without kvm-X settings a CPU model gets kvmclock, kvm-nopiodelay, kvm-asyncpf,
 *   kvm-steal-time, kvm-pv-eoi and kvmclock-stable-bit (kvm-pv.rst); host and max get
 *   every named bit KVM offers, never the hints;
 * - any Hyper-V enlightenment (hv-*) moves the KVM block to 0x40000100 (kvm.c,
 *   kvm_arch_init_vcpu: kvm_base = KVM_CPUID_SIGNATURE_NEXT when hyperv_enabled);
 * - with -machine kernel_irqchip=split (or -accel kvm,kernel-irqchip=split) QEMU offers
 *   KVM_FEATURE_MSI_EXT_DEST_ID itself (kvm.c, kvm_arch_get_supported_cpuid: ret |=
 *   MSI_EXT_DEST_ID when kvm_irqchip_is_split()), so -cpu host and max take it, and
 *   makes kvm-msi-ext-dest-id=on the default of named models (with KVM's x2APIC API);
 *   an explicit kvm-msi-ext-dest-id=off still wins (a user's setting is never
 *   overridden by a default or by what KVM offers), so the export is exact either way.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmm.h"

enum { ID_CLOCKSOURCE = 0, ID_CLOCKSOURCE2 = 3 };

static int qemu_export(struct vmm_export *e)
{
	const struct kvmcpuid_policy *p = e->policy;
	unsigned int id;

	sb_printf(&e->out, "kvm=%s", p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN ? "off" : "on");
	export_lost_qemu_layout(e, "QEMU", "hv-*");
	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
		int a = export_action(e, id);

		if (id == ID_CLOCKSOURCE2)
			continue;	/* one property with bit 0 */
		if (id == ID_CLOCKSOURCE)
			export_lost_kvmclock_pair(e, "QEMU's kvmclock");
		if (id == KVMCPUID_FEATURE_ASYNC_PF_VMEXIT) {
			/* clear under a named model in every version; -cpu host: see the man page */
			if (a != KVMCPUID_ACTION_OFF)
				export_lost(e, f->name, "QEMU 7.2 has no -cpu property for %s: it "
					    "leaves the bit clear (QEMU 8.2 and later call it %s: add "
					    "%s=on there)", f->macro, f->qemu, f->qemu);
			continue;
		}
		if (!f->qemu) {
			if (a != KVMCPUID_ACTION_OFF)
				export_lost(e, f->name, "QEMU has no -cpu property for %s: it "
					    "leaves the bit clear (only -cpu host,migratable=off passes "
					    "what KVM offers)", f->macro);
			continue;
		}
		sb_printf(&e->out, ",%s=%s", f->qemu, a == KVMCPUID_ACTION_OFF ? "off" : "on");
		if (a == KVMCPUID_ACTION_FORCE)
			export_lost(e, f->name, "QEMU cannot force %s: it drops the bit where the "
				    "host lacks it", f->qemu);
		else if (a == KVMCPUID_ACTION_ON && f->provider == KVMCPUID_PROVIDER_KVM)
			export_lost(e, f->name, "QEMU drops %s with a warning where the host lacks "
				    "it instead of refusing to start (its enforce option refuses "
				    "for every feature of the CPU model)", f->qemu);
		else if (a == KVMCPUID_ACTION_ON && !strcmp(f->name, "msi_ext_dest_id"))
			export_lost(e, f->name, "QEMU offers %s only with a split irqchip "
				    "(kvm_arch_get_supported_cpuid): add -machine "
				    "kernel-irqchip=split, without which QEMU drops it with a "
				    "warning", f->qemu);
	}
	sb_printf(&e->out, ",vmware-cpuid-freq=%s", export_qemu_timing(e) ? "on" : "off");
	export_lost_qemu_timing(e, "add invtsc=on");
	sb_printf(&e->out, ",kvm-pv-enforce-cpuid=%s\n", p->enforce ? "on" : "off");
	return 0;
}

/* QEMU's boolean spellings (qapi's parse of a bool property). */
static int qemu_bool(const char *v, size_t n, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "y" };
	static const char *const no[] = { "off", "no", "false", "n" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strlen(yes[i]) == n && !strncmp(v, yes[i], n)) {
			*out = true;
			return 0;
		}
		if (strlen(no[i]) == n && !strncmp(v, no[i], n)) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * The model's KVM defaults: host and max take what KVM offers (async_pf_vmexit: see
 * qemu_import), the others kvm-pv.rst's six.  Returns whether the model is host or max.
 */
static bool qemu_model(struct vmm_import *im, const char *m, size_t n)
{
	static const char *const defaults[] = { "clocksource", "clocksource2", "nop_io_delay",
		"async_pf", "steal_time", "pv_eoi", "clocksource_stable_bit" };
	bool all = (n == 4 && !strncmp(m, "host", 4)) || (n == 3 && !strncmp(m, "max", 3));
	unsigned int id, i;

	for (id = 0; id < FEATURE_COUNT; id++)
		import_action(im, id, all && kvmcpuid_feature(id)->provider == KVMCPUID_PROVIDER_KVM
			      && id != KVMCPUID_FEATURE_ASYNC_PF_VMEXIT ? KVMCPUID_ACTION_HOST
			      : KVMCPUID_ACTION_OFF);
	if (!all)
		for (i = 0; i < ARRAY_SIZE(defaults); i++)
			import_action(im, (unsigned)kvmcpuid_feature_lookup(defaults[i]),
				      KVMCPUID_ACTION_HOST);
	return all;
}

/*
 * Whether a hv-* property turns Hyper-V on, which moves KVM to 0x40000100: QEMU's
 * hyperv_enabled() (target/i386/kvm/kvm.c) counts the enlightenments, hv-passthrough and
 * a hv-spinlocks retry count other than 0xffffffff (never notify); hv-vendor-id,
 * hv-version-id-*, hv-enforce-cpuid and hv-no-nonarch-coresharing only shape the
 * Hyper-V leaves.
 */
static bool qemu_hv_enables(const char *key, const char *v, size_t vlen, bool on)
{
	if (!strcmp(key, "hv-vendor-id") || !strncmp(key, "hv-version-id", 13) ||
	    !strcmp(key, "hv-enforce-cpuid") || !strcmp(key, "hv-no-nonarch-coresharing"))
		return false;
	if (!strcmp(key, "hv-spinlocks"))
		return !v || !(vlen == 10 && !strncasecmp(v, "0xffffffff", 10));
	return on;
}

/*
 * Where the -cpu argument is: after the last "-cpu" (or "--cpu", "-cpu=") when the text
 * is a command line, since QEMU keeps the last (softmmu/vl.c, qemu_init: cpu_option =
 * optarg), else the whole text without surrounding blanks.  Quotes around it (a pasted
 * shell line) are skipped.
 */
static void qemu_find_cpu(const char *t, size_t len, size_t *start, size_t *end)
{
	size_t i = 0, s, e = 0;
	bool found = false;

	while (i < len) {
		while (i < len && isspace((unsigned char)t[i]))
			i++;
		s = i;
		while (i < len && !isspace((unsigned char)t[i]))
			i++;
		if ((i - s == 4 && !strncmp(t + s, "-cpu", 4)) ||
		    (i - s == 5 && !strncmp(t + s, "--cpu", 5))) {
			do {	/* over a shell line continuation: -cpu \<newline> host */
				while (i < len && isspace((unsigned char)t[i]))
					i++;
				s = i;
				while (i < len && !isspace((unsigned char)t[i]))
					i++;
			} while (i - s == 1 && t[s] == '\\');
			*start = s;
			e = i;
			found = true;
		} else if (i - s > 5 && (!strncmp(t + s, "-cpu=", 5) ||
					 !strncmp(t + s, "--cpu=", 6))) {
			*start = s + (t[s + 1] == '-' ? 6 : 5);
			e = i;
			found = true;
		}
	}
	if (found) {
		s = *start;
	} else {
		s = 0;
		while (s < len && isspace((unsigned char)t[s]))
			s++;
		e = len;
		while (e > s && isspace((unsigned char)t[e - 1]))
			e--;
	}
	if (e - s >= 2 && (t[s] == '\'' || t[s] == '"') && t[e - 1] == t[s]) {
		s++;
		e--;
	}
	*start = s;
	*end = e;
}

/*
 * Whether the text (a command line) asks for a split irqchip: the last kernel_irqchip
 * (-machine) or kernel-irqchip (-accel kvm) setting says split, as the last of QEMU's
 * options wins.
 */
static bool qemu_split_irqchip(const char *t, size_t len)
{
	const char *p = t, *last = NULL;

	while ((p = text_find(p, t + len, "irqchip=", 8))) {
		if (p - t >= 7 && !strncmp(p - 7, "kernel", 6) && (p[-1] == '_' || p[-1] == '-'))
			last = p + 8;
		p += 8;
	}
	return last && !strncmp(last, "split", 5) && (last[5] == ',' || !last[5] ||
						       isspace((unsigned char)last[5]));
}

static int qemu_import(struct vmm_import *im)
{
	const char *t = im->text;
	struct kvmcpuid_policy *p = im->policy;
	size_t s, end, i;
	bool first = true, host_model = false, migratable = true, vmexit_named = false;
	bool msi_named = false;
	size_t model_at = 0;

	qemu_find_cpu(t, im->len, &s, &end);
	if (s == end)
		return import_error(im, s, "no -cpu argument to read");
	for (i = s; i < end; i++)
		if (isspace((unsigned char)t[i]))
			return import_error(im, i, "a blank inside the -cpu argument");
	while (s <= end) {
		size_t e = s, klen, vlen;
		const char *eq, *v;
		char key[64];
		bool on = true, sign = false;
		int id;

		while (e < end && t[e] != ',')
			e++;
		eq = memchr(t + s, '=', e - s);
		klen = eq ? (size_t)(eq - (t + s)) : e - s;
		v = eq ? eq + 1 : NULL;
		vlen = eq ? (size_t)(t + e - v) : 0;
		if (klen == 0 && !eq && e == s)
			return import_error(im, s, "an empty setting (two commas, or one at the end)");
		if (!eq && (t[s] == '+' || t[s] == '-')) {
			on = t[s] == '+';	/* QEMU's legacy +feature / -feature */
			sign = true;
		}
		if (klen - sign >= sizeof(key) || klen - sign == 0)
			return import_error(im, s, "a setting name of %zu bytes", klen - sign);
		memcpy(key, t + s + sign, klen - sign);
		key[klen - sign] = '\0';
		for (i = 0; key[i]; i++)	/* QEMU reads kvm_pv_eoi as kvm-pv-eoi */
			if (key[i] == '_')
				key[i] = '-';
		if (first) {
			first = false;
			host_model = qemu_model(im, t + s, eq || sign ? 0 : klen);
			model_at = s;
			if (!eq && !sign) {
				s = e + 1;
				continue;	/* the CPU model */
			}
		}
		if (eq && qemu_bool(v, vlen, &on) < 0 && (!strcmp(key, "kvm") ||
		    !strcmp(key, "vmware-cpuid-freq") || !strcmp(key, "kvm-pv-enforce-cpuid") ||
		    !strcmp(key, "migratable") || kvmcpuid_feature_lookup(key) >= 0))
			return import_error(im, (size_t)(v - t), "'%.*s' is not a value of %s: "
					    "on or off", (int)vlen, v, key);
		id = strncmp(key, "kvm", 3) ? -ENOENT : kvmcpuid_feature_lookup(key);
		if (id == KVMCPUID_FEATURE_ASYNC_PF_VMEXIT)
			vmexit_named = true;
		if (id == KVMCPUID_FEATURE_MSI_EXT_DEST_ID)
			msi_named = true;
		if (!strcmp(key, "migratable")) {
			if (eq)		/* decides only async_pf_vmexit (below) */
				migratable = on;
		} else if (!strcmp(key, "kvm")) {
			p->sig_kind = on ? KVMCPUID_SIGNATURE_KVM : KVMCPUID_SIGNATURE_HIDDEN;
		} else if (!strcmp(key, "vmware-cpuid-freq")) {
			p->timing = on;
		} else if (!strcmp(key, "kvm-pv-enforce-cpuid")) {
			p->enforce = on;
		} else if (id >= 0) {
			const struct kvmcpuid_feature *f = kvmcpuid_feature((unsigned)id);
			unsigned int a = !on ? KVMCPUID_ACTION_OFF
				: f->provider == KVMCPUID_PROVIDER_KVM ? KVMCPUID_ACTION_HOST
				: f->provider == KVMCPUID_PROVIDER_VMM ? KVMCPUID_ACTION_ON
				: KVMCPUID_ACTION_FORCE;

			import_action(im, (unsigned)id, a);
			if (!strcmp(key, "kvmclock"))
				import_action(im, ID_CLOCKSOURCE2, a);
			if (on && f->provider == KVMCPUID_PROVIDER_NONE)
				import_lost(im, key, s, "%s is deprecated: no KVM offers it, QEMU "
					    "drops it (kept as force)", key);
		} else if (!strncmp(key, "hv-", 3) && qemu_hv_enables(key, v, vlen, on)) {
			p->base = 0x40000100;
			import_lost(im, key, s, "kvmcpuid builds no Hyper-V leaves; QEMU's Hyper-V "
				    "moves KVM to 0x40000100 (carried as base = 0x40000100)");
		} else if (!strncmp(key, "hv-", 3)) {
			import_lost(im, key, s, "kvmcpuid builds no Hyper-V leaves (this setting "
				    "alone leaves KVM at 0x40000000)");
		} else {
			import_lost(im, key, s, "%s is not a KVM paravirtual setting", key);
		}
		s = e + 1;
	}
	/* a split irqchip anywhere on the command line sets bit 15 unless -cpu names it */
	if (!msi_named && qemu_split_irqchip(t, im->len))
		import_action(im, KVMCPUID_FEATURE_MSI_EXT_DEST_ID, KVMCPUID_ACTION_ON);
	/* host and max: bit 10 follows KVM with migratable=off, or from QEMU 8.2 by name */
	if (host_model && !vmexit_named && !migratable)
		import_action(im, KVMCPUID_FEATURE_ASYNC_PF_VMEXIT, KVMCPUID_ACTION_HOST);
	else if (host_model && !vmexit_named)
		import_lost(im, "async_pf_vmexit", model_at, "-cpu host passes "
			    "KVM_FEATURE_ASYNC_PF_VMEXIT where KVM offers it from QEMU 8.2 "
			    "(kvm-asyncpf-vmexit), not in 7.2: carried as off, as 7.2 does");
	return 0;
}

const struct vmm_format vmm_qemu = {
	.name = "qemu",
	.export_fn = qemu_export,
	.import_fn = qemu_import,
};
