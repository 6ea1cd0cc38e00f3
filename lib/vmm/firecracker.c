// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Firecracker: a custom CPU template (the JSON of PUT /cpu-config) with cpuid_modifiers for
 * leaves 0x40000000 and 0x40000001, and back.  Facts it relies on (firecracker-microvm/
 * firecracker, docs/cpu_templates/cpu-templates.md, schema.json, cpuid-normalization.md):
 * - src/vmm/src/cpu_config/x86_64/custom_cpu_template.rs, CustomCpuTemplate (serde
 *   deny_unknown_fields): the x86_64 keys are cpuid_modifiers and msr_modifiers (1.4.0)
 *   and kvm_capabilities (1.5.0, CHANGELOG #3967), each optional; aarch64's are
 *   kvm_capabilities, reg_modifiers and vcpu_features; a CpuidLeafModifier needs "leaf"
 *   and "subleaf" (strings, deserialize_from_str_u32 in templates_serde.rs: "0x" hex or
 *   "0b" binary, a bare number is refused), "flags" (a JSON integer, u32) and "modifiers"
 *   [{"register": "eax"|"ebx"|"ecx"|"edx", "bitmap": ...}]; unknown keys inside a leaf are
 *   ignored;
 * - src/vmm/src/cpu_config/templates.rs, RegisterValueFilter::deserialize: the bitmap is
 *   read from the right, so the last character is bit 0 and the 32nd from the right bit
 *   31; "0b" is optional, '_' separates, 'x' keeps, '0' clears, '1' sets; a shorter bitmap
 *   leaves the missing high bits 'x', one character past 32 bits is an error ("string is
 *   too long"), any other character too.  KvmCapability: "N" adds and "!N" removes a
 *   capability Firecracker checks for before it starts (it never enables one), N read
 *   with str::parse::<u32>;
 * - src/vmm/src/resources.rs, VmmConfig: a --config-file's "cpu-config" is the path of a
 *   template file, read by VmResources::from_json;
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

#include "firecracker.h"

const uint32_t fc_kvm_leaf0[4] = { FC_LEAF_FEAT, KVM_SIG_EBX, KVM_SIG_ECX, KVM_SIG_EDX };
const char *const fc_reg_names[4] = { "eax", "ebx", "ecx", "edx" };

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
		sb_printf(b, "        { \"register\": \"%s\", \"bitmap\": \"", fc_reg_names[r]);
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
		/*
		 * Never announce the timing leaf the template cannot provide: a guest would
		 * read zeros there and take a TSC frequency of 0 kHz.  Below base+0x10 the
		 * leaves are empty under kvmcpuid's own build too.
		 */
		if (p->timing && p->max_leaf_kind == KVMCPUID_MAX_LEAF_EXPLICIT &&
		    p->max_leaf - p->base >= 0x10) {
			export_lost(e, "max_leaf", "0x%08x would announce the timing leaf 0x%08x, "
				    "which Firecracker cannot provide (a guest would read a TSC "
				    "frequency of 0 kHz there): the max leaf is base+1", p->max_leaf,
				    p->base + 0x10);
			sig[0] = FC_LEAF_FEAT;
		}
		fc_features(e, filter, feat);
	}
	if (p->enforce)
		export_lost(e, "enforce", "Firecracker never enables "
			    "KVM_CAP_ENFORCE_PV_FEATURE_CPUID (kvm_capabilities only lists what "
			    "it checks for): masking is advisory, a guest can still use a masked "
			    "feature");
	/*
	 * Only cpuid_modifiers: Firecracker 1.4.0's CustomCpuTemplate (deny_unknown_fields)
	 * has no kvm_capabilities (1.5.0 added it, CHANGELOG #3967), and both it and
	 * msr_modifiers are #[serde(default)], so this template reads on 1.4.0 and later.
	 */
	sb_printf(&e->out, "{\n  \"cpuid_modifiers\": [\n");
	fc_leaf(&e->out, FC_LEAF_SIG, (const uint32_t[4]){ ~0u, ~0u, ~0u, ~0u }, sig, false);
	fc_leaf(&e->out, FC_LEAF_FEAT, filter, feat, true);
	sb_printf(&e->out, "  ]\n}\n");
	return 0;
}

const struct vmm_format vmm_firecracker = {
	.name = "firecracker",
	.export_fn = firecracker_export,
	.import_fn = firecracker_import,
};
