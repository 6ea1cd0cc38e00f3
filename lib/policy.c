// SPDX-License-Identifier: LGPL-2.1-or-later
/* The policy object, its settings and canonical printing. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *const policy_setting_keys[] = {
	"default", "signature", "base", "max_leaf", "timing", "enforce", NULL,
};

static const char *const action_names[] = { "host", "on", "off", "force" };

KVMCPUID_EXPORT int kvmcpuid_policy_new(struct kvmcpuid_ctx *ctx, struct kvmcpuid_policy **ret)
{
	struct kvmcpuid_policy *p;

	if (!ctx || !ret)
		return -EINVAL;
	p = xalloc(ctx, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->refcount = 1;
	p->ctx = kvmcpuid_ref(ctx);
	p->def = KVMCPUID_ACTION_HOST;
	p->sig_kind = KVMCPUID_SIGNATURE_KVM;
	p->base = PV_BASE_FIRST;
	p->max_leaf_kind = KVMCPUID_MAX_LEAF_AUTO;
	*ret = p;
	return 0;
}

KVMCPUID_EXPORT struct kvmcpuid_policy *kvmcpuid_policy_ref(struct kvmcpuid_policy *p)
{
	if (p)
		p->refcount++;
	return p;
}

KVMCPUID_EXPORT struct kvmcpuid_policy *kvmcpuid_policy_unref(struct kvmcpuid_policy *p)
{
	if (!p || --p->refcount > 0)
		return NULL;
	kvmcpuid_unref(p->ctx);
	free(p);
	return NULL;
}

KVMCPUID_EXPORT int kvmcpuid_policy_dup(const struct kvmcpuid_policy *p,
					struct kvmcpuid_policy **ret)
{
	struct kvmcpuid_policy *c;

	if (!p || !ret)
		return -EINVAL;
	c = xalloc(p->ctx, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *p;
	c->refcount = 1;
	kvmcpuid_ref(c->ctx);
	*ret = c;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	unsigned int base = 10, digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		v = v * base + d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (!digits)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_action(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(action_names); i++)
		if (!strcmp(s, action_names[i]))
			return (int)i;
	return -EINVAL;
}

static bool base_valid(uint32_t base)
{
	return base >= PV_BASE_FIRST && base <= PV_BASE_LAST && !(base & 0xff);
}

/* The setting's slot for a key that is not a feature name, or -1. */
static int setting_slot(const char *key)
{
	unsigned int i;

	for (i = 0; policy_setting_keys[i]; i++)
		if (!strcmp(key, policy_setting_keys[i]))
			return FEATURE_COUNT + (int)i;
	return -1;
}

static const char *static_key(const char *key, int slot)
{
	if (slot >= FEATURE_COUNT)
		return policy_setting_keys[slot - FEATURE_COUNT];
	return feature_spelling((unsigned int)slot, key);
}

static bool note_seen(struct set_seen *seen, int slot, const char *key, unsigned int line,
		      char *msg, size_t msglen)
{
	if (!seen)
		return true;
	if (seen->line[slot]) {
		const char *prev = seen->by[slot];
		const char *name = slot < FEATURE_COUNT ? feature_get(slot)->name : prev;

		if (prev && strcmp(prev, key))
			snprintf(msg, msglen, "duplicate key '%s': '%s' was already set at line %u "
				 "(by '%s')", key, name, seen->line[slot], prev);
		else
			snprintf(msg, msglen, "duplicate key '%s' (first set at line %u)", key,
				 seen->line[slot]);
		return false;
	}
	seen->line[slot] = line;
	seen->by[slot] = static_key(key, slot);
	return true;
}

static int set_feature(struct kvmcpuid_policy *p, uint32_t mask, const char *key,
		       const char *value, struct set_seen *seen, unsigned int line, char *msg,
		       size_t msglen)
{
	int action = parse_action(value);
	unsigned int i;
	uint32_t m;

	if (action < 0) {
		snprintf(msg, msglen, "invalid value '%s' for '%s': expected host, on, off or force",
			 value, key);
		return -EINVAL;
	}
	for (m = mask; m; m &= m - 1) {
		if (feature_get((unsigned int)__builtin_ctz(m))->deprecated &&
		    action != KVMCPUID_ACTION_OFF && action != KVMCPUID_ACTION_FORCE) {
			snprintf(msg, msglen, "invalid value '%s' for '%s': the feature is "
				 "deprecated and never offered, so only off or force are allowed",
				 value, key);
			return -EINVAL;
		}
	}
	for (i = 0; i < FEATURE_COUNT; i++)
		if ((mask & (1u << i)) && !note_seen(seen, (int)i, key, line, msg, msglen))
			return -EEXIST;
	for (i = 0; i < FEATURE_COUNT; i++)
		if (mask & (1u << i))
			p->action[i] = (uint8_t)action;
	p->explicit_mask |= mask;
	return 0;
}

static int set_signature(struct kvmcpuid_policy *p, const char *value, size_t vlen, bool quoted,
			 char *msg, size_t msglen)
{
	static const char kvm_sig[12] = "KVMKVMKVM\0\0";
	size_t i;

	if (!quoted && !strcmp(value, "kvm")) {
		p->sig_kind = KVMCPUID_SIGNATURE_KVM;
		return 0;
	}
	if (!quoted && !strcmp(value, "hidden")) {
		p->sig_kind = KVMCPUID_SIGNATURE_HIDDEN;
		return 0;
	}
	if (!quoted) {
		snprintf(msg, msglen, "invalid signature '%s': expected kvm, hidden, or a custom "
			 "signature, which must be quoted (\"<exactly 12 bytes>\")", value);
		return -EINVAL;
	}
	if (vlen != 12) {
		snprintf(msg, msglen, "invalid signature: expected kvm, hidden or a quoted string of "
			 "exactly 12 bytes, got %zu byte%s", vlen, vlen == 1 ? "" : "s");
		return -EINVAL;
	}
	for (i = 0; i < vlen; i++) {
		if ((unsigned char)value[i] >= 0x80) {
			snprintf(msg, msglen, "invalid signature: byte %zu is not ASCII "
				 "(CPUID signatures are 12 ASCII bytes)", i + 1);
			return -EINVAL;
		}
	}
	memcpy(p->sig, value, 12);
	/* The KVM signature spelled out is the KVM signature. */
	p->sig_kind = memcmp(p->sig, kvm_sig, 12) ? KVMCPUID_SIGNATURE_CUSTOM
						   : KVMCPUID_SIGNATURE_KVM;
	return 0;
}

int policy_set_kv(struct kvmcpuid_policy *p, const char *key, const char *value, size_t vlen,
		  bool quoted, struct set_seen *seen, unsigned int line, bool *key_error,
		  char *msg, size_t msglen)
{
	uint32_t mask = feature_mask_lookup(key), u;
	int slot, r;
	bool b;

	*key_error = false;
	/* Only a signature may carry bytes a C string cannot: a feature's value neither. */
	if (mask && strlen(value) != vlen) {
		snprintf(msg, msglen, "invalid value for '%s': contains a NUL byte", key);
		return -EINVAL;
	}
	if (mask) {
		r = set_feature(p, mask, key, value, seen, line, msg, msglen);
		*key_error = r == -EEXIST;
		return r < 0 ? -EINVAL : 0;
	}
	slot = setting_slot(key);
	if (slot < 0) {
		const char *hint = name_suggest(key, policy_setting_keys);

		*key_error = true;
		if (hint)
			snprintf(msg, msglen, "unknown key '%s'; did you mean '%s'?", key, hint);
		else
			snprintf(msg, msglen, "unknown key '%s'", key);
		return -EINVAL;
	}
	if (!note_seen(seen, slot, key, line, msg, msglen)) {
		*key_error = true;
		return -EINVAL;
	}
	/* Only a signature may carry bytes a C string cannot. */
	if (slot != SLOT_SIGNATURE && strlen(value) != vlen) {
		snprintf(msg, msglen, "invalid value for '%s': contains a NUL byte", key);
		return -EINVAL;
	}

	switch (slot) {
	case SLOT_DEFAULT:
		r = parse_action(value);
		if (r != KVMCPUID_ACTION_HOST && r != KVMCPUID_ACTION_OFF) {
			snprintf(msg, msglen, "invalid value '%s' for 'default': expected host or off",
				 value);
			return -EINVAL;
		}
		p->def = (uint8_t)r;
		return 0;
	case SLOT_SIGNATURE:
		return set_signature(p, value, vlen, quoted, msg, msglen);
	case SLOT_BASE:
		if (parse_u32(value, &u) < 0 || !base_valid(u)) {
			snprintf(msg, msglen, "invalid base '%s': expected a multiple of 0x100 from "
				 "0x40000000 to 0x4000ff00", value);
			return -EINVAL;
		}
		p->base = u;
		return 0;
	case SLOT_MAX_LEAF:
		if (!strcmp(value, "auto")) {
			p->max_leaf_kind = KVMCPUID_MAX_LEAF_AUTO;
		} else if (!strcmp(value, "legacy-zero")) {
			p->max_leaf_kind = KVMCPUID_MAX_LEAF_LEGACY_ZERO;
		} else if (parse_u32(value, &u) == 0) {
			p->max_leaf_kind = KVMCPUID_MAX_LEAF_EXPLICIT;
			p->max_leaf = u;
		} else {
			snprintf(msg, msglen, "invalid max_leaf '%s': expected auto, legacy-zero or "
				 "a leaf number", value);
			return -EINVAL;
		}
		return 0;
	case SLOT_TIMING:
	case SLOT_ENFORCE:
		if (parse_bool(value, &b) < 0) {
			snprintf(msg, msglen, "invalid value '%s' for '%s': expected on or off "
				 "(true/false, yes/no, 1/0)", value, key);
			return -EINVAL;
		}
		if (slot == SLOT_TIMING)
			p->timing = b;
		else
			p->enforce = b;
		return 0;
	}
	return -EINVAL;
}

int policy_check(const struct kvmcpuid_policy *p, char *msg, size_t msglen, int *slot)
{
	if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT &&
	    (p->max_leaf < p->base || p->max_leaf > p->base + 0xff)) {
		snprintf(msg, msglen, "max_leaf 0x%x is outside the block of base 0x%x "
			 "(0x%x-0x%x)", p->max_leaf, p->base, p->base, p->base + 0xff);
		*slot = SLOT_MAX_LEAF;
		return -EINVAL;
	}
	return 0;
}

int policy_action(const struct kvmcpuid_policy *p, unsigned int feature)
{
	return p->explicit_mask & (1u << feature) ? p->action[feature] : p->def;
}

void policy_set_action(struct kvmcpuid_policy *p, unsigned int feature, uint8_t action)
{
	p->action[feature] = action;
	p->explicit_mask |= 1u << feature;
}

/* The canonical text of a setting's value, as the policy printer writes it. */
static void setting_text(const struct kvmcpuid_policy *p, int slot, char *out, size_t len)
{
	switch (slot) {
	case SLOT_DEFAULT:
		snprintf(out, len, "%s", action_names[p->def]);
		break;
	case SLOT_SIGNATURE:
		if (p->sig_kind == KVMCPUID_SIGNATURE_CUSTOM)
			signature_quote(p->sig, out, len);
		else
			snprintf(out, len, "%s",
				 p->sig_kind == KVMCPUID_SIGNATURE_KVM ? "kvm" : "hidden");
		break;
	case SLOT_BASE:
		snprintf(out, len, "0x%08x", p->base);
		break;
	case SLOT_MAX_LEAF:
		if (p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT)
			snprintf(out, len, "0x%08x", p->max_leaf);
		else
			snprintf(out, len, "%s",
				 p->max_leaf_kind == KVMCPUID_MAX_LEAF_AUTO ? "auto" : "legacy-zero");
		break;
	case SLOT_TIMING:
		snprintf(out, len, "%s", p->timing ? "on" : "off");
		break;
	case SLOT_ENFORCE:
		snprintf(out, len, "%s", p->enforce ? "on" : "off");
		break;
	}
}

KVMCPUID_EXPORT int kvmcpuid_policy_get(const struct kvmcpuid_policy *p, const char *key,
					char *buf, size_t size)
{
	char text[KVMCPUID_POLICY_VALUE_MAX];
	uint32_t mask, m;
	int slot, action = -1;

	/* size 0 (buf may then be NULL) is a buffer too small for any value: -ENOSPC */
	if (!p || !key || (!buf && size))
		return -EINVAL;
	if (size)
		buf[0] = '\0';
	mask = feature_mask_lookup(key);
	if (mask) {
		/* An alias naming several features has a value only when they agree. */
		for (m = mask; m; m &= m - 1) {
			int a = policy_action(p, (unsigned int)__builtin_ctz(m));

			if (action >= 0 && a != action)
				return -EINVAL;
			action = a;
		}
		snprintf(text, sizeof(text), "%s", action_names[action]);
	} else {
		slot = setting_slot(key);
		if (slot < 0)
			return -ENOENT;
		setting_text(p, slot, text, sizeof(text));
	}
	if (strlen(text) >= size)
		return -ENOSPC;
	memcpy(buf, text, strlen(text) + 1);
	return 0;
}

KVMCPUID_EXPORT bool kvmcpuid_policy_equal(const struct kvmcpuid_policy *a,
					   const struct kvmcpuid_policy *b)
{
	unsigned int i;

	if (!a || !b)
		return a == b;
	if (a->explicit_mask != b->explicit_mask || a->def != b->def ||
	    a->sig_kind != b->sig_kind || a->base != b->base ||
	    a->max_leaf_kind != b->max_leaf_kind || a->timing != b->timing ||
	    a->enforce != b->enforce)
		return false;
	if (a->sig_kind == KVMCPUID_SIGNATURE_CUSTOM && memcmp(a->sig, b->sig, 12))
		return false;
	if (a->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT && a->max_leaf != b->max_leaf)
		return false;
	for (i = 0; i < FEATURE_COUNT; i++)
		if ((a->explicit_mask & (1u << i)) && a->action[i] != b->action[i])
			return false;
	return true;
}

void signature_quote(const char sig[12], char *out, size_t len)
{
	size_t o = 0, i;

	if (len < 4)
		return;
	out[o++] = '"';
	for (i = 0; i < 12 && o + 6 < len; i++) {
		unsigned char c = (unsigned char)sig[i];

		if (c == '"' || c == '\\')
			o += snprintf(out + o, len - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += snprintf(out + o, len - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

KVMCPUID_EXPORT int kvmcpuid_policy_to_text(const struct kvmcpuid_policy *p, char **ret)
{
	char *buf = NULL, text[KVMCPUID_POLICY_VALUE_MAX];
	size_t size = 0;
	unsigned int i;
	FILE *f;

	if (!p || !ret)
		return -EINVAL;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (i = 0; policy_setting_keys[i]; i++) {
		setting_text(p, FEATURE_COUNT + (int)i, text, sizeof(text));
		fprintf(f, "%s = %s\n", policy_setting_keys[i], text);
	}
	for (i = 0; i < FEATURE_COUNT; i++)
		if (p->explicit_mask & (1u << i))
			fprintf(f, "%s = %s\n", feature_get(i)->name, action_names[p->action[i]]);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

const char *action_name(unsigned int action)
{
	return action < ARRAY_SIZE(action_names) ? action_names[action] : "?";
}
