// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Firecracker's custom CPU template (or a --config-file naming one) read back into a
 * policy, as strictly as Firecracker's own serde structs read it: the facts are listed
 * at the top of firecracker.c.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "firecracker.h"

/* What the template does to one register of 0x40000000/0x40000001, and where it says so. */
struct fc_reg {
	uint32_t filter, value;
	size_t off[32];		/* the bitmap character that decided each bit */
	size_t where;		/* the last bitmap string that touched the register */
};

struct fc_state {
	struct vmm_import *im;
	const struct json_doc *doc;	/* json-c's values and where each one is */
	struct fc_reg regs[2][4];
};

/* A value and its node in st->doc. */
struct fc_val {
	struct json_object *v;
	uint32_t n;
};

static const char *fc_type(struct json_object *o)
{
	return json_type_to_name(json_object_get_type(o));
}

static size_t fc_off(const struct fc_state *st, uint32_t n)
{
	return st->doc->nodes[n].off;
}

/*
 * The members of object o (node n) named in names, one pass over the object (serde
 * ignores the other keys of a CpuidLeafModifier or RegisterModifier; the index makes each
 * member's position known without searching).
 */
static void fc_members(const struct fc_state *st, struct fc_val o, const char *const *names,
		       struct fc_val *out, size_t count)
{
	struct lh_entry *e = json_object_get_object(o.v)->head;
	uint32_t c;
	size_t i;

	memset(out, 0, count * sizeof(*out));
	for (c = st->doc->nodes[o.n].child; c && e; c = st->doc->nodes[c].next, e = e->next)
		for (i = 0; i < count; i++)
			if (!strcmp((const char *)e->k, names[i]))
				out[i] = (struct fc_val){ (struct json_object *)lh_entry_v(e), c };
}

/* Each named member present, or a "missing field" error at the object. */
static int fc_require(struct fc_state *st, struct fc_val o, const char *const *names,
		      const struct fc_val *got, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!got[i].v)
			return import_error(st->im, fc_off(st, o.n), "missing field \"%s\"",
					    names[i]);
	return 0;
}

/* A Firecracker number string ("0x" hex or "0b" binary, deserialize_from_str_u32). */
static int fc_u32(struct vmm_import *im, struct json_object *v, size_t off, const char *name,
		  uint64_t max, uint64_t *out)
{
	const char *s;
	unsigned int base;
	uint64_t n = 0;
	size_t i;

	if (!json_object_is_type(v, json_type_string))
		return import_error(im, off, "%s must be a string holding a 0x (hex) or 0b "
				    "(binary) number, not %s", name, fc_type(v));
	s = json_object_get_string(v);
	if (strncmp(s, "0x", 2) && strncmp(s, "0b", 2))
		return import_error(im, off, "%s '%.40s' has no 0x or 0b prefix (Firecracker "
				    "reads no decimal)", name, s);
	base = s[1] == 'x' ? 16 : 2;
	i = s[2] == '+' ? 3 : 2;	/* Rust's from_str_radix takes one '+' */
	if (!s[i])
		return import_error(im, off, "%s '%.40s' has no digits", name, s);
	for (; s[i]; i++) {
		int d = isdigit((unsigned char)s[i]) ? s[i] - '0'
			: isxdigit((unsigned char)s[i]) ? tolower((unsigned char)s[i]) - 'a' + 10
			: 99;

		if ((unsigned int)d >= base)
			return import_error(im, off, "%s '%.40s' is not a %s number", name, s,
					    base == 16 ? "hex" : "binary");
		n = n * base + (unsigned int)d;
		if (n > max)
			return import_error(im, off, "%s '%.40s' does not fit in %d bits", name, s,
					    max == UINT32_MAX ? 32 : 64);
	}
	*out = n;
	return 0;
}

/*
 * A bitmap of bits bits as RegisterValueFilter::deserialize reads it, from the right.
 * tok is the string token's offset; characters map to bytes when the token has no escape.
 */
static int fc_bitmap_parse(struct vmm_import *im, struct json_object *v, size_t tok,
			   unsigned int bits, uint64_t *filter, uint64_t *value, size_t *offs)
{
	const char *s;
	size_t len, k, start;
	unsigned int i = 0;
	bool raw;

	if (!json_object_is_type(v, json_type_string))
		return import_error(im, tok, "bitmap must be a string (0b and %u of 0, 1, x), "
				    "not %s", bits, fc_type(v));
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	raw = im->text[tok] == '"' && !memchr(im->text + tok + 1, '\\', len);
	start = len >= 2 && s[0] == '0' && s[1] == 'b' ? 2 : 0;
	*filter = *value = 0;
	for (k = len; k-- > start; ) {
		size_t pos = raw ? tok + 1 + k : tok;
		unsigned char c = (unsigned char)s[k];

		if (i == bits)
			return import_error(im, pos, "bitmap is longer than %u bits (Firecracker "
					    "reads it from the right)", bits);
		if (c == '_')
			continue;
		if (c == '0' || c == '1')
			*filter |= 1ull << i;
		if (c == '1')
			*value |= 1ull << i;
		if (c != '0' && c != '1' && c != 'x') {
			if (isprint(c))
				return import_error(im, pos, "'%c' is not a bitmap character (0, 1, "
						    "x or _)", c);
			return import_error(im, pos, "byte 0x%02x is not a bitmap character "
					    "(0, 1, x or _)", c);
		}
		if (offs)
			offs[i] = pos;
		i++;
	}
	for (; offs && i < bits; i++)
		offs[i] = tok;	/* implied 'x' of a contracted bitmap */
	return 0;
}

/* An array value: its type checked, then each element with its node. */
static int fc_array(struct fc_state *st, struct fc_val a, const char *what)
{
	if (!json_object_is_type(a.v, json_type_array))
		return import_error(st->im, fc_off(st, a.n), "%s must be an array, not %s", what,
				    fc_type(a.v));
	return 0;
}

#define fc_elements(st, a, el, i)                                                          \
	for ((i) = 0, (el).n = (st)->doc->nodes[(a).n].child;                                \
	     (el).n && ((el).v = json_object_array_get_idx((a).v, (i)), true);               \
	     (i)++, (el).n = (st)->doc->nodes[(el).n].next)

static int fc_modifiers(struct fc_state *st, struct fc_val mods, int slot)
{
	static const char *const names[] = { "register", "bitmap" };
	struct vmm_import *im = st->im;
	struct fc_val m;
	size_t i;
	int ret;

	if ((ret = fc_array(st, mods, "modifiers")) < 0)
		return ret;
	fc_elements(st, mods, m, i) {
		struct fc_val f[2];
		size_t offs[32];
		uint64_t fl, v;
		unsigned int r;

		if (!json_object_is_type(m.v, json_type_object))
			return import_error(im, fc_off(st, m.n), "a register modifier must be an "
					    "object, not %s", fc_type(m.v));
		fc_members(st, m, names, f, 2);
		if ((ret = fc_require(st, m, names, f, 2)) < 0)
			return ret;
		for (r = 0; r < 4; r++)
			if (json_object_is_type(f[0].v, json_type_string) &&
			    !strcmp(json_object_get_string(f[0].v), fc_reg_names[r]))
				break;
		if (r == 4)
			return import_error(im, fc_off(st, f[0].n), "register must be one of eax, "
					    "ebx, ecx, edx");
		ret = fc_bitmap_parse(im, f[1].v, fc_off(st, f[1].n), 32, &fl, &v, offs);
		if (ret < 0)
			return ret;
		if (slot >= 0) {
			/* Firecracker applies the modifiers in order: compose them. */
			struct fc_reg *fr = &st->regs[slot][r];
			unsigned int b;

			fr->value = (fr->value & ~(uint32_t)fl) | (uint32_t)v;
			fr->filter |= (uint32_t)fl;
			for (b = 0; b < 32; b++)
				if ((fl >> b) & 1)
					fr->off[b] = offs[b];
			fr->where = fc_off(st, f[1].n);
		}
	}
	return 0;
}

/*
 * "flags" as serde reads a u32 (deserialize_kvm_cpuid_flags): a JSON integer from 0 to
 * 4294967295.  serde_json reads "-0" as the float -0.0 and refuses it; json-c gives 0.
 */
static int fc_flags(struct fc_state *st, struct fc_val f, int64_t *flags)
{
	const char *raw = st->im->text + fc_off(st, f.n);

	*flags = json_object_get_int64(f.v);
	if (!json_object_is_type(f.v, json_type_int) || *raw == '-' || *flags > UINT32_MAX)
		return import_error(st->im, fc_off(st, f.n), "flags must be an integer from 0 "
				    "to 4294967295");
	return 0;
}

static int fc_cpuid(struct fc_state *st, struct fc_val arr)
{
	static const char *const names[] = { "leaf", "subleaf", "flags", "modifiers" };
	struct vmm_import *im = st->im;
	struct fc_val o;
	size_t i;
	int r;

	if ((r = fc_array(st, arr, "cpuid_modifiers")) < 0)
		return r;
	fc_elements(st, arr, o, i) {
		struct fc_val f[4];
		uint64_t leaf, subleaf;
		int64_t flags;
		size_t loff;
		int slot = -1;

		if (!json_object_is_type(o.v, json_type_object))
			return import_error(im, fc_off(st, o.n), "a cpuid modifier must be an "
					    "object, not %s", fc_type(o.v));
		fc_members(st, o, names, f, 4);
		loff = fc_off(st, f[0].n);
		/* serde reads the fields in the struct's order, reporting the first missing */
		if ((r = fc_require(st, o, names, f, 1)) < 0 ||
		    (r = fc_u32(im, f[0].v, loff, "leaf", UINT32_MAX, &leaf)) < 0 ||
		    (r = fc_require(st, o, names + 1, f + 1, 1)) < 0 ||
		    (r = fc_u32(im, f[1].v, fc_off(st, f[1].n), "subleaf", UINT32_MAX,
				&subleaf)) < 0 ||
		    (r = fc_require(st, o, names + 2, f + 2, 2)) < 0 ||
		    (r = fc_flags(st, f[2], &flags)) < 0)
			return r;
		if ((leaf == FC_LEAF_SIG || leaf == FC_LEAF_FEAT) && subleaf == 0) {
			slot = (int)(leaf - FC_LEAF_SIG);
			if (flags)
				import_lost(im, "flags", fc_off(st, f[2].n), "flags %lld on leaf 0x%x: "
					    "the policy's leaves carry no KVM CPUID flags (KVM's "
					    "are 0)", (long long)flags, (unsigned int)leaf);
		} else if (leaf >= PV_BASE_FIRST && leaf <= PV_BASE_LAST + 0xff) {
			import_lost(im, "leaf", loff, "leaf 0x%x subleaf 0x%x: KVM returns no such "
				    "leaf, so Firecracker refuses to start with this template "
				    "(CpuidFeatureNotSupported); kvmcpuid reads only 0x40000000 and "
				    "0x40000001 subleaf 0", (unsigned int)leaf, (unsigned int)subleaf);
		} else {
			import_lost(im, "leaf", loff, "leaf 0x%x is not a KVM paravirtual leaf: a "
				    "policy cannot carry it", (unsigned int)leaf);
		}
		r = fc_modifiers(st, f[3], slot);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A KvmCapability (templates.rs, KvmCapability::deserialize): one leading '!' removes,
 * then Rust's u32::from_str: an optional '+', decimal digits (leading zeros too), at
 * most 4294967295; nothing else, no blanks.
 */
static bool fc_capability(const char *s)
{
	uint64_t n = 0;

	if (*s == '!')
		s++;
	if (*s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (unsigned int)(*s - '0');
		if (n > UINT32_MAX)
			return false;
	}
	return true;
}

/* msr_modifiers and kvm_capabilities: checked as Firecracker would, then lost. */
static int fc_other(struct fc_state *st, const char *key, struct fc_val arr)
{
	static const char *const names[] = { "addr", "bitmap" };
	struct vmm_import *im = st->im;
	bool msr = !strcmp(key, "msr_modifiers");
	struct fc_val o;
	size_t i;
	int r;

	if ((r = fc_array(st, arr, key)) < 0)
		return r;
	fc_elements(st, arr, o, i) {
		size_t eoff = fc_off(st, o.n);
		struct fc_val f[2];
		uint64_t addr, fl, v;

		if (msr) {
			if (!json_object_is_type(o.v, json_type_object))
				return import_error(im, eoff, "an MSR modifier must be an object, "
						    "not %s", fc_type(o.v));
			fc_members(st, o, names, f, 2);
			if ((r = fc_require(st, o, names, f, 1)) < 0 ||
			    (r = fc_u32(im, f[0].v, fc_off(st, f[0].n), "addr", UINT32_MAX,
					&addr)) < 0 ||
			    (r = fc_require(st, o, names + 1, f + 1, 1)) < 0 ||
			    (r = fc_bitmap_parse(im, f[1].v, fc_off(st, f[1].n), 64, &fl, &v,
						 NULL)) < 0)
				return r;
			import_lost(im, key, eoff, "MSR 0x%x: a policy carries no MSR values",
				    (unsigned int)addr);
			continue;
		}
		if (!json_object_is_type(o.v, json_type_string) ||
		    !fc_capability(json_object_get_string(o.v)))
			return import_error(im, eoff, "a KVM capability is a string \"N\" (check "
					    "for it) or \"!N\" (do not), N a decimal u32 (an optional "
					    "+, leading zeros allowed)");
		import_lost(im, key, eoff, "kvm_capabilities only changes which capabilities "
			    "Firecracker checks for: a policy has no such list");
	}
	return 0;
}

/* The policy's action for a bit the template leaves as 'x' (KVM's value) or sets to b. */
static unsigned int fc_action(const struct kvmcpuid_feature *f, bool fixed, bool b)
{
	if (!fixed)
		return f->provider == KVMCPUID_PROVIDER_KVM ? KVMCPUID_ACTION_HOST
							    : KVMCPUID_ACTION_OFF;
	if (!b)
		return KVMCPUID_ACTION_OFF;
	return f->provider == KVMCPUID_PROVIDER_VMM ? KVMCPUID_ACTION_ON : KVMCPUID_ACTION_FORCE;
}

static void fc_to_policy(struct fc_state *st)
{
	struct vmm_import *im = st->im;
	struct kvmcpuid_policy *p = im->policy;
	uint32_t leaf0[4], known[4] = { 0 };
	unsigned int r, b, id;

	for (r = 0; r < 4; r++)
		leaf0[r] = (fc_kvm_leaf0[r] & ~st->regs[0][r].filter) | st->regs[0][r].value;
	if (!leaf0[1] && !leaf0[2] && !leaf0[3]) {
		/*
		 * No signature: a guest finds no hypervisor leaves here, which is what hidden
		 * means and what the export of hidden writes (zeros, as the closest form).
		 */
		p->sig_kind = KVMCPUID_SIGNATURE_HIDDEN;
		if (leaf0[0] || (st->regs[1][0].filter & st->regs[1][0].value) ||
		    (st->regs[1][3].filter & st->regs[1][3].value))
			import_lost(im, "bitmap", st->regs[0][1].where, "0x40000000 carries no "
				    "signature, so a guest looks no further: kept as signature = "
				    "hidden, without the max leaf and feature bits set beside it");
		return;
	}
	if (leaf0[0] == 0) {
		p->max_leaf_kind = KVMCPUID_MAX_LEAF_LEGACY_ZERO;
	} else if (leaf0[0] != FC_LEAF_FEAT && (leaf0[0] & ~0xffu) == PV_BASE_FIRST) {
		p->max_leaf_kind = KVMCPUID_MAX_LEAF_EXPLICIT;
		p->max_leaf = leaf0[0];
	} else if (leaf0[0] != FC_LEAF_FEAT) {
		import_lost(im, "bitmap", st->regs[0][0].where, "max leaf 0x%x lies outside "
			    "0x40000000-0x400000ff: a policy cannot carry it (kept auto)", leaf0[0]);
	}
	for (b = 0; b < 12; b++) {
		unsigned char c = (unsigned char)(leaf0[1 + b / 4] >> (8 * (b % 4)));

		if (c >= 0x80) {
			import_lost(im, "bitmap", st->regs[0][1 + b / 4].where, "signature byte %u "
				    "is 0x%02x, not ASCII: a policy cannot carry it (kept KVMKVMKVM)",
				    b + 1, c);
			break;
		}
		p->sig[b] = (char)c;
	}
	if (b == 12)
		p->sig_kind = memcmp(p->sig, "KVMKVMKVM\0\0\0", 12) ? KVMCPUID_SIGNATURE_CUSTOM
								   : KVMCPUID_SIGNATURE_KVM;
	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
		struct fc_reg *fr = &st->regs[1][f->reg == KVMCPUID_REG_EAX ? 0 : 3];

		known[f->reg == KVMCPUID_REG_EAX ? 0 : 3] |= 1u << f->bit;
		import_action(im, id, fc_action(f, (fr->filter >> f->bit) & 1,
						 (fr->value >> f->bit) & 1));
	}
	/* Reserved bits: '0' and 'x' (KVM sets none) agree with the policy, '1' cannot. */
	for (r = 0; r < 4; r++)
		for (b = 0; b < 32; b++)
			if (((st->regs[1][r].value & ~known[r]) >> b) & 1)
				import_lost(im, "bitmap", st->regs[1][r].off[b], "bit %u of "
					    "0x40000001 %s is reserved: a policy never sets it",
					    b, fc_reg_names[r]);
}

/* The keys of a template (CustomCpuTemplate) on x86_64 and on aarch64. */
static bool fc_x86_key(const char *k)
{
	return !strcmp(k, "cpuid_modifiers") || !strcmp(k, "msr_modifiers");
}

static bool fc_arm_key(const char *k)
{
	return !strcmp(k, "reg_modifiers") || !strcmp(k, "vcpu_features");
}

/*
 * A bare template: serde's CustomCpuTemplate, deny_unknown_fields, in
 * cpu_config/x86_64/custom_cpu_template.rs and cpu_config/aarch64/custom_cpu_template.rs.
 * An aarch64 template has no KVM paravirtual leaves (a lost part); one with keys of both
 * is refused by every Firecracker.
 */
static int fc_template(struct fc_state *st, struct fc_val tmpl)
{
	struct vmm_import *im = st->im;
	struct lh_entry *e = json_object_get_object(tmpl.v)->head;
	bool x86 = false;
	const char *first_x86 = NULL;
	uint32_t c;
	int r = 0;

	json_object_object_foreach(tmpl.v, k, v) {
		(void)v;
		if (fc_x86_key(k) && !first_x86)
			first_x86 = k;
		x86 |= fc_x86_key(k);
	}
	for (c = st->doc->nodes[tmpl.n].child; c && e; c = st->doc->nodes[c].next, e = e->next) {
		const char *key = (const char *)e->k;
		struct fc_val val = { (struct json_object *)lh_entry_v(e), c };
		size_t off = fc_off(st, c);

		if (!strcmp(key, "cpuid_modifiers"))
			r = fc_cpuid(st, val);
		else if (!strcmp(key, "msr_modifiers") || !strcmp(key, "kvm_capabilities"))
			r = fc_other(st, key, val);
		else if (fc_arm_key(key) && x86)
			r = import_error(im, st->doc->nodes[c].key, "%s is an aarch64 field and %s "
					 "an x86_64 one: Firecracker on either refuses the template "
					 "(unknown field)", key, first_x86);
		else if (fc_arm_key(key))
			import_lost(im, key, off, "%s is for aarch64 templates, which have no KVM "
				    "paravirtual CPUID leaves", key);
		else
			r = import_error(im, off, "unknown field \"%.60s\" "
					 "(a template has kvm_capabilities, cpuid_modifiers, "
					 "msr_modifiers)", key);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The template tmpl (an object of doc, which has the positions) read into im's policy. */
static int fc_read_template(struct vmm_import *im, const struct json_doc *doc,
			    struct fc_val tmpl)
{
	struct fc_state *st = calloc(1, sizeof(*st));
	int r;

	if (!st)
		return -ENOMEM;
	st->im = im;
	st->doc = doc;
	r = fc_template(st, tmpl);
	if (r == 0)
		fc_to_policy(st);
	free(st);
	return r;
}

/* The lost parts of a template read from a config file's cpu-config, told at that key. */
struct fc_relay {
	struct vmm_import *im;
	size_t off;
	const char *path;
};

static void fc_relay_lost(void *data, const struct kvmcpuid_lost *l)
{
	struct fc_relay *rl = data;

	import_lost(rl->im, l->key, rl->off, "%s:%u:%u: %s", rl->path, l->line, l->column,
		    l->message);
}

/*
 * A whole --config-file (src/vmm/src/resources.rs, VmmConfig; no deny_unknown_fields):
 * "boot-source" is required; "cpu-config" is a path (PathBuf; newer Firecracker:
 * CustomCpuTemplateOrPath, untagged, a path string or the template inline) that
 * VmResources::from_json opens with std::fs::read_to_string, so relative to Firecracker's
 * working directory: read here relative to ours.  The other keys configure devices and
 * are not kvmcpuid's; template keys at the top are not read by Firecracker.
 */
static int fc_config_file(struct vmm_import *im, const struct json_doc *doc)
{
	struct json_object *root = doc->root, *path_v = NULL, *boot = NULL;
	struct lh_entry *e = json_object_get_object(root)->head;
	struct fc_relay rl = { .im = im };
	struct kvmcpuid_diag fdiag;
	struct vmm_import sub;
	struct json_doc tdoc;
	size_t path_off = 0;
	uint32_t c, path_n = 0;
	char *buf = NULL;
	int r;

	for (c = doc->nodes[0].child; c && e; c = doc->nodes[c].next, e = e->next) {
		const char *key = (const char *)e->k;

		if (!strcmp(key, "cpu-config")) {
			path_v = (struct json_object *)lh_entry_v(e);
			path_off = doc->nodes[c].off;
			path_n = c;
		} else if (!strcmp(key, "boot-source")) {
			boot = (struct json_object *)lh_entry_v(e);
		} else if (fc_x86_key(key) || fc_arm_key(key) || !strcmp(key, "kvm_capabilities")) {
			import_lost(im, key, doc->nodes[c].key, "%s at the top of a config file is "
				    "not read by Firecracker (a template goes under cpu-config)",
				    key);
		}
	}
	if (!boot)
		return import_error(im, doc->nodes[0].off, "missing field \"boot-source\" (a "
				    "Firecracker config file needs it; a template has "
				    "cpuid_modifiers)");
	if (!path_v)
		return 0;	/* no template: KVM's leaves as they are, the default policy */
	if (json_object_is_type(path_v, json_type_object))
		return fc_read_template(im, doc, (struct fc_val){ path_v, path_n });
	if (!json_object_is_type(path_v, json_type_string) || !json_object_get_string_len(path_v))
		return import_error(im, path_off, "cpu-config must be a template (an object) or "
				    "the path of a template file, not %s",
				    json_object_is_type(path_v, json_type_string) ? "an empty string"
				    : fc_type(path_v));
	rl.path = json_object_get_string(path_v);
	rl.off = path_off;
	sub = *im;
	sub.fn = fc_relay_lost;
	sub.data = &rl;
	sub.at = (struct text_cursor){ 0 };
	/* "-" is a file name to Firecracker, not stdin */
	r = read_file_limited(im->ctx, strcmp(rl.path, "-") ? rl.path : "./-", &buf, &sub.len,
			      &fdiag);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return import_error(im, path_off, "cpu-config \"%.200s\": %s", rl.path,
				    fdiag.message);
	sub.text = buf;
	sub.origin = rl.path;
	r = json_parse_doc(im->ctx, buf, sub.len, rl.path, im->diag, &tdoc);
	if (r == 0) {
		r = fc_read_template(&sub, &tdoc, (struct fc_val){ tdoc.root, 0 });
		json_doc_free(&tdoc);
	}
	free(buf);
	return r;
}

int firecracker_import(struct vmm_import *im)
{
	struct json_doc doc;
	bool config;
	int r;

	r = json_parse_doc(im->ctx, im->text, im->len, im->origin, im->diag, &doc);
	if (r < 0)
		return r;
	/* A config file has boot-source (required) and maybe cpu-config; a template neither. */
	config = json_object_object_get_ex(doc.root, "boot-source", NULL) ||
		 json_object_object_get_ex(doc.root, "cpu-config", NULL);
	r = config ? fc_config_file(im, &doc) : fc_read_template(im, &doc,
								(struct fc_val){ doc.root, 0 });
	json_doc_free(&doc);
	return r;
}

