// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Firecracker: a custom CPU template (the JSON of PUT /cpu-config) with cpuid_modifiers for
 * leaves 0x40000000 and 0x40000001, and back.  Facts it relies on (firecracker-microvm/
 * firecracker, docs/cpu_templates/cpu-templates.md, schema.json, cpuid-normalization.md):
 * - src/vmm/src/cpu_config/x86_64/custom_cpu_template.rs, CustomCpuTemplate (serde
 *   deny_unknown_fields): the x86_64 keys are kvm_capabilities, cpuid_modifiers and
 *   msr_modifiers, each optional; a CpuidLeafModifier needs "leaf" and "subleaf" (strings,
 *   deserialize_from_str_u32 in templates_serde.rs: "0x" hex or "0b" binary, a bare number
 *   is refused), "flags" (a JSON integer, u32) and "modifiers" [{"register": "eax"|"ebx"|
 *   "ecx"|"edx", "bitmap": ...}]; unknown keys inside a leaf are ignored;
 * - src/vmm/src/cpu_config/templates.rs, RegisterValueFilter::deserialize: the bitmap is
 *   read from the right, so the last character is bit 0 and the 32nd from the right bit
 *   31; "0b" is optional, '_' separates, 'x' keeps, '0' clears, '1' sets; a shorter bitmap
 *   leaves the missing high bits 'x', one character past 32 bits is an error ("string is
 *   too long"), any other character too.  KvmCapability: "N" adds and "!N" removes a
 *   capability Firecracker checks for before it starts (it never enables one);
 * - src/vmm/src/arch/x86_64/kvm.rs, Kvm::init_arch: the guest's CPUID starts as
 *   KVM_GET_SUPPORTED_CPUID, whose KVM leaves are 0x40000000 ("KVMKVMKVM", EAX 0x40000001)
 *   and 0x40000001 (EAX: every feature this KVM offers, EDX 0), nothing else in
 *   0x40000000-0x4000ffff; CPUID normalization (cpuid/normalize.rs, Cpuid::normalize, and
 *   the tables of cpuid-normalization.md) never touches them, so an 'x' bit is the
 *   policy's `host`;
 * - src/vmm/src/cpu_config/x86_64/mod.rs, CpuConfiguration::apply_template: a modifier of
 *   a leaf/subleaf not in that table makes Firecracker refuse to start
 *   (CpuidFeatureNotSupported), so a template cannot add the timing leaf base+0x10, move
 *   KVM to another base or remove the leaves; it replaces the entry's flags with "flags";
 * - src/vmm/src/arch/x86_64/vcpu.rs, KvmVcpu::configure: normalize, KVM_SET_CPUID2, MSRs;
 *   Firecracker never enables KVM_CAP_ENFORCE_PV_FEATURE_CPUID, so masking is advisory;
 *   it has no handler for MSR 0x4b564d08 and does not enable KVM_CAP_EXIT_HYPERCALL.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#define FC_LEAF_SIG 0x40000000u
#define FC_LEAF_FEAT 0x40000001u
/* What KVM_GET_SUPPORTED_CPUID gives in 0x40000000: EAX, EBX, ECX, EDX. */
static const uint32_t kvm_leaf0[4] = { FC_LEAF_FEAT, KVM_SIG_EBX, KVM_SIG_ECX, KVM_SIG_EDX };
static const char *const reg_names[4] = { "eax", "ebx", "ecx", "edx" };

/* ---- export ---- */

/* A 32-character bitmap: bits in filter are '0'/'1' from value, the others 'x'. */
static void fc_bitmap(struct strbuf *b, uint32_t filter, uint32_t value)
{
	int bit;

	sb_printf(b, "0b");
	for (bit = 31; bit >= 0; bit--)
		sb_printf(b, "%c", !((filter >> bit) & 1) ? 'x' : ((value >> bit) & 1) ? '1' : '0');
}

static void fc_leaf(struct strbuf *b, uint32_t leaf, const uint32_t filter[4],
		    const uint32_t value[4], bool last)
{
	unsigned int r;

	sb_printf(b, "    {\n      \"leaf\": \"0x%x\",\n      \"subleaf\": \"0x0\",\n"
		  "      \"flags\": 0,\n      \"modifiers\": [\n", leaf);
	for (r = 0; r < 4; r++) {
		sb_printf(b, "        { \"register\": \"%s\", \"bitmap\": \"", reg_names[r]);
		fc_bitmap(b, filter[r], value[r]);
		sb_printf(b, "\" }%s\n", r < 3 ? "," : "");
	}
	sb_printf(b, "      ]\n    }%s\n", last ? "" : ",");
}

/* Leaf 0x40000001 EAX/EDX for the policy: 'x' for host, '0' off, '1' on and force. */
static void fc_features(struct vmm_export *e, uint32_t filter[4], uint32_t value[4])
{
	unsigned int id;

	for (id = 0; id < FEATURE_COUNT; id++) {
		const struct kvmcpuid_feature *f = kvmcpuid_feature(id);
		unsigned int r = f->reg == KVMCPUID_REG_EAX ? 0 : 3;
		int a = export_action(e, id);

		if (a == KVMCPUID_ACTION_HOST) {
			filter[r] &= ~(1u << f->bit);
			continue;
		}
		if (a != KVMCPUID_ACTION_OFF)
			value[r] |= 1u << f->bit;
		if (a == KVMCPUID_ACTION_ON && f->provider == KVMCPUID_PROVIDER_KVM)
			export_lost(e, f->name, "Firecracker cannot refuse to start where the host "
				    "lacks %s: the template sets the bit whatever KVM offers, as "
				    "force", f->macro);
		else if (a == KVMCPUID_ACTION_ON && id == KVMCPUID_FEATURE_HC_MAP_GPA_RANGE)
			export_lost(e, f->name, "Firecracker does not enable KVM_CAP_EXIT_HYPERCALL: "
				    "the bit is set but KVM refuses the guest's KVM_HC_MAP_GPA_RANGE");
		else if (a == KVMCPUID_ACTION_ON && id == KVMCPUID_FEATURE_MIGRATION_CONTROL)
			export_lost(e, f->name, "Firecracker has no handler for MSR 0x4b564d08: the "
				    "bit is set but the guest's access to the MSR faults");
	}
}

static int firecracker_export(struct vmm_export *e)
{
	const struct kvmcpuid_policy *p = e->policy;
	uint32_t filter[4] = { ~0u, ~0u, ~0u, ~0u }, sig[4] = { 0 }, feat[4] = { 0 };

	if (p->sig_kind == KVMCPUID_SIGNATURE_HIDDEN) {
		export_lost(e, "signature", "Firecracker cannot remove the leaves "
			    "KVM_GET_SUPPORTED_CPUID returns: the template zeroes 0x40000000 and "
			    "0x40000001 instead, so a guest finds no signature and no features "
			    "but reads zeros there rather than no leaves");
	} else {
		if (p->base != PV_BASE_FIRST)
			export_lost(e, "base", "Firecracker cannot add leaves (a modifier of 0x%08x, "
				    "which KVM does not return, makes it refuse to start): KVM "
				    "stays at 0x40000000", p->base);
		if (p->timing)
			export_lost(e, "timing", "Firecracker cannot add the timing leaf 0x%08x "
				    "(KVM does not return it; a modifier of it makes Firecracker "
				    "refuse to start): the max leaf stays base+1", p->base + 0x10);
		memcpy(&sig[1], p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM ? p->sig
			: "KVMKVMKVM\0\0\0", 12);
		if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT)
			sig[0] = p->max_leaf - p->base + PV_BASE_FIRST;
		else if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_AUTO)
			sig[0] = FC_LEAF_FEAT;
		fc_features(e, filter, feat);
	}
	if (p->enforce)
		export_lost(e, "enforce", "Firecracker never enables "
			    "KVM_CAP_ENFORCE_PV_FEATURE_CPUID (kvm_capabilities only lists what "
			    "it checks for): masking is advisory, a guest can still use a masked "
			    "feature");
	sb_printf(&e->out, "{\n  \"kvm_capabilities\": [],\n  \"cpuid_modifiers\": [\n");
	fc_leaf(&e->out, FC_LEAF_SIG, (const uint32_t[4]){ ~0u, ~0u, ~0u, ~0u }, sig, false);
	fc_leaf(&e->out, FC_LEAF_FEAT, filter, feat, true);
	sb_printf(&e->out, "  ],\n  \"msr_modifiers\": []\n}\n");
	return 0;
}

/* ---- import ---- */

/*
 * json-c keeps no positions, so the importer finds them in the text: the scanner below
 * walks JSON json_parse_checked has already accepted (strict), so it need not check it.
 */
static size_t js_ws(const char *t, size_t i)
{
	while (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')
		i++;
	return i;
}

/* The offset just past the value starting at i. */
static size_t js_skip(const char *t, size_t i)
{
	char close;

	if (t[i] == '"') {
		for (i++; t[i] && t[i] != '"'; i++)
			if (t[i] == '\\' && t[i + 1])
				i++;
		return t[i] ? i + 1 : i;
	}
	if (t[i] != '{' && t[i] != '[') {
		while (t[i] && !strchr(",}] \t\r\n", t[i]))
			i++;
		return i;
	}
	close = t[i] == '{' ? '}' : ']';
	for (i = js_ws(t, i + 1); t[i] && t[i] != close; i = js_ws(t, i)) {
		if (close == '}') {
			i = js_ws(t, js_skip(t, i));	/* the key */
			i = js_ws(t, i + 1);		/* the colon */
		}
		i = js_ws(t, js_skip(t, i));
		if (t[i] == ',')
			i++;
	}
	return t[i] ? i + 1 : i;
}

/* Where member key's value starts in the object at off (the last one, as json-c keeps it). */
static size_t js_member(const char *t, size_t off, const char *key)
{
	size_t klen = strlen(key), found = off, i;

	if (t[off] != '{')
		return off;
	for (i = js_ws(t, off + 1); t[i] == '"'; ) {
		size_t k = i, v;

		i = js_ws(t, js_skip(t, i));
		v = js_ws(t, i + 1);
		if (i - k == klen + 2 && !memcmp(t + k + 1, key, klen))
			found = v;
		i = js_ws(t, js_skip(t, v));
		if (t[i] == ',')
			i = js_ws(t, i + 1);
	}
	return found;
}

/* Where element idx starts in the array at off. */
static size_t js_element(const char *t, size_t off, size_t idx)
{
	size_t i;

	if (t[off] != '[')
		return off;
	for (i = js_ws(t, off + 1); idx-- && t[i] && t[i] != ']'; ) {
		i = js_ws(t, js_skip(t, i));
		if (t[i] == ',')
			i = js_ws(t, i + 1);
	}
	return i;
}

/* What the template does to one register of 0x40000000/0x40000001, and where it says so. */
struct fc_reg {
	uint32_t filter, value;
	size_t off[32];		/* the bitmap character that decided each bit */
	size_t where;		/* the last bitmap string that touched the register */
};

struct fc_state {
	struct vmm_import *im;
	struct fc_reg regs[2][4];
};

static const char *fc_type(struct json_object *o)
{
	return json_type_to_name(json_object_get_type(o));
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

/* Field name of the object o at off; -ENOENT (with the error set) when missing. */
static int fc_field(struct vmm_import *im, struct json_object *o, size_t off, const char *name,
		    struct json_object **v, size_t *voff)
{
	if (!json_object_object_get_ex(o, name, v))
		return import_error(im, off, "missing field \"%s\"", name);
	*voff = js_member(im->text, off, name);
	return 0;
}

static int fc_modifiers(struct fc_state *st, struct json_object *mods, size_t off, int slot)
{
	struct vmm_import *im = st->im;
	size_t n, i;

	if (!json_object_is_type(mods, json_type_array))
		return import_error(im, off, "modifiers must be an array, not %s", fc_type(mods));
	n = json_object_array_length(mods);
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(mods, i), *reg, *bm;
		size_t moff = js_element(im->text, off, i), roff = 0, boff = 0, offs[32];
		uint64_t f, v;
		unsigned int r;
		int ret;

		if (!json_object_is_type(m, json_type_object))
			return import_error(im, moff, "a register modifier must be an object, "
					    "not %s", fc_type(m));
		if ((ret = fc_field(im, m, moff, "register", &reg, &roff)) < 0 ||
		    (ret = fc_field(im, m, moff, "bitmap", &bm, &boff)) < 0)
			return ret;
		for (r = 0; r < 4; r++)
			if (json_object_is_type(reg, json_type_string) &&
			    !strcmp(json_object_get_string(reg), reg_names[r]))
				break;
		if (r == 4)
			return import_error(im, roff, "register must be one of eax, ebx, ecx, edx");
		ret = fc_bitmap_parse(im, bm, boff, 32, &f, &v, offs);
		if (ret < 0)
			return ret;
		if (slot >= 0) {
			/* Firecracker applies the modifiers in order: compose them. */
			struct fc_reg *fr = &st->regs[slot][r];
			unsigned int b;

			fr->value = (fr->value & ~(uint32_t)f) | (uint32_t)v;
			fr->filter |= (uint32_t)f;
			for (b = 0; b < 32; b++)
				if ((f >> b) & 1)
					fr->off[b] = offs[b];
			fr->where = boff;
		}
	}
	return 0;
}

static int fc_cpuid(struct fc_state *st, struct json_object *arr, size_t off)
{
	struct vmm_import *im = st->im;
	size_t n, i;

	if (!json_object_is_type(arr, json_type_array))
		return import_error(im, off, "cpuid_modifiers must be an array, not %s",
				    fc_type(arr));
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *lv, *sv, *fv, *mv;
		size_t eoff = js_element(im->text, off, i), loff = 0, soff = 0, foff = 0, moff = 0;
		uint64_t leaf, subleaf;
		int64_t flags;
		int r, slot = -1;

		if (!json_object_is_type(o, json_type_object))
			return import_error(im, eoff, "a cpuid modifier must be an object, not %s",
					    fc_type(o));
		if ((r = fc_field(im, o, eoff, "leaf", &lv, &loff)) < 0 ||
		    (r = fc_u32(im, lv, loff, "leaf", UINT32_MAX, &leaf)) < 0 ||
		    (r = fc_field(im, o, eoff, "subleaf", &sv, &soff)) < 0 ||
		    (r = fc_u32(im, sv, soff, "subleaf", UINT32_MAX, &subleaf)) < 0 ||
		    (r = fc_field(im, o, eoff, "flags", &fv, &foff)) < 0 ||
		    (r = fc_field(im, o, eoff, "modifiers", &mv, &moff)) < 0)
			return r;
		flags = json_object_get_int64(fv);
		if (!json_object_is_type(fv, json_type_int) || flags < 0 || flags > UINT32_MAX)
			return import_error(im, foff, "flags must be an integer from 0 to "
					    "4294967295");
		if ((leaf == FC_LEAF_SIG || leaf == FC_LEAF_FEAT) && subleaf == 0) {
			slot = (int)(leaf - FC_LEAF_SIG);
			if (flags)
				import_lost(im, "flags", foff, "flags %lld on leaf 0x%x: the policy's "
					    "leaves carry no KVM CPUID flags (KVM's are 0)",
					    (long long)flags, (unsigned int)leaf);
		} else if (leaf >= PV_BASE_FIRST && leaf <= PV_BASE_LAST + 0xff) {
			import_lost(im, "leaf", loff, "leaf 0x%x subleaf 0x%x: KVM returns no such "
				    "leaf, so Firecracker refuses to start with this template "
				    "(CpuidFeatureNotSupported); kvmcpuid reads only 0x40000000 and "
				    "0x40000001 subleaf 0", (unsigned int)leaf, (unsigned int)subleaf);
		} else {
			import_lost(im, "leaf", loff, "leaf 0x%x is not a KVM paravirtual leaf: a "
				    "policy cannot carry it", (unsigned int)leaf);
		}
		r = fc_modifiers(st, mv, moff, slot);
		if (r < 0)
			return r;
	}
	return 0;
}

/* msr_modifiers and kvm_capabilities: checked as Firecracker would, then lost. */
static int fc_other(struct fc_state *st, const char *key, struct json_object *arr, size_t off)
{
	struct vmm_import *im = st->im;
	bool msr = !strcmp(key, "msr_modifiers");
	size_t n, i;

	if (!json_object_is_type(arr, json_type_array))
		return import_error(im, off, "%s must be an array, not %s", key, fc_type(arr));
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *av, *bv;
		size_t eoff = js_element(im->text, off, i), aoff = 0, boff = 0;
		uint64_t addr, f, v;
		const char *s;
		int r;

		if (msr) {
			if (!json_object_is_type(o, json_type_object))
				return import_error(im, eoff, "an MSR modifier must be an object, "
						    "not %s", fc_type(o));
			if ((r = fc_field(im, o, eoff, "addr", &av, &aoff)) < 0 ||
			    (r = fc_u32(im, av, aoff, "addr", UINT32_MAX, &addr)) < 0 ||
			    (r = fc_field(im, o, eoff, "bitmap", &bv, &boff)) < 0 ||
			    (r = fc_bitmap_parse(im, bv, boff, 64, &f, &v, NULL)) < 0)
				return r;
			import_lost(im, key, eoff, "MSR 0x%x: a policy carries no MSR values",
				    (unsigned int)addr);
			continue;
		}
		s = json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
		if (s && *s == '!')
			s++;
		if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10 ||
		    strtoull(s, NULL, 10) > UINT32_MAX)
			return import_error(im, eoff, "a KVM capability is a string \"N\" (check "
					    "for it) or \"!N\" (do not), N a decimal number");
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
		leaf0[r] = (kvm_leaf0[r] & ~st->regs[0][r].filter) | st->regs[0][r].value;
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
					    b, reg_names[r]);
}

static int firecracker_import(struct vmm_import *im)
{
	struct fc_state *st;
	struct json_object *root;
	size_t root_off = js_ws(im->text, 0);
	int r;

	r = json_parse_checked(im->ctx, im->text, im->len, im->origin, im->diag, &root);
	if (r < 0)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st) {
		json_object_put(root);
		return -ENOMEM;
	}
	st->im = im;
	if (!json_object_is_type(root, json_type_object)) {
		r = import_error(im, root_off, "a Firecracker CPU template is a JSON object, "
				 "not %s", fc_type(root));
		goto out;
	}
	json_object_object_foreach(root, key, val) {
		size_t off = js_member(im->text, root_off, key);

		if (!strcmp(key, "cpuid_modifiers"))
			r = fc_cpuid(st, val, off);
		else if (!strcmp(key, "msr_modifiers") || !strcmp(key, "kvm_capabilities"))
			r = fc_other(st, key, val, off);
		else if (!strcmp(key, "reg_modifiers") || !strcmp(key, "vcpu_features"))
			import_lost(im, key, off, "%s is for aarch64 templates, which have no KVM "
				    "paravirtual CPUID leaves", key);
		else
			r = import_error(im, off, "unknown field \"%.60s\" "
					 "(a template has kvm_capabilities, cpuid_modifiers, "
					 "msr_modifiers)", key);
		if (r < 0)
			goto out;
	}
	fc_to_policy(st);
	r = 0;
out:
	free(st);
	json_object_put(root);
	return r;
}

const struct vmm_format vmm_firecracker = {
	.name = "firecracker",
	.export_fn = firecracker_export,
	.import_fn = firecracker_import,
};
