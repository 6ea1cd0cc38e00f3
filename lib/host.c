// SPDX-License-Identifier: LGPL-2.1-or-later
/* Probing /dev/kvm: what this host's KVM offers. */
#include <asm/kvm_para.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"

int host_new(struct kvmcpuid_ctx *ctx, struct kvmcpuid_host **ret)
{
	struct kvmcpuid_host *h = xalloc(ctx, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->refcount = 1;
	h->ctx = kvmcpuid_ref(ctx);
	snprintf(h->module, sizeof(h->module), "unknown");
	*ret = h;
	return 0;
}

uint8_t vendor_from_leaf0(uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	/* "GenuineIntel" and "AuthenticAMD"/"HygonGenuine" (Hygon takes AMD's paths). */
	if (ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e)
		return KVMCPUID_VENDOR_INTEL;
	if ((ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163) ||
	    (ebx == 0x6f677948 && edx == 0x6e65476e && ecx == 0x656e6975))
		return KVMCPUID_VENDOR_AMD;
	return KVMCPUID_VENDOR_OTHER;
}

static void detect_module(char *out, size_t len)
{
	static const char *const mods[] = { "kvm_pvm", "kvm_intel", "kvm_amd" };
	char path[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0) {
			snprintf(out, len, "%s", mods[i]);
			return;
		}
	}
	snprintf(out, len, "unknown");
}

static bool read_sys_flag(const char *path)
{
	char c = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}

/* KVM_GET_SUPPORTED_CPUID, growing the buffer for as long as KVM says E2BIG. */
static int get_supported(struct kvmcpuid_ctx *ctx, int kvm_fd, struct kvmcpuid_host *h,
			 struct kvmcpuid_diag *diag)
{
	struct kvm_cpuid2 *c = NULL;
	uint32_t n = 32;
	int r;

	for (;;) {
		struct kvm_cpuid2 *bigger = xrealloc(ctx, c, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!bigger) {
			free(c);
			return -ENOMEM;
		}
		c = bigger;
		memset(c, 0, sizeof(*c) + n * sizeof(c->entries[0]));
		c->nent = n;
		r = kvm_ioctl(ctx, kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r != -E2BIG)
			break;
		if (n >= 65536) {
			r = -EIO;
			break;
		}
		n *= 2;
	}
	if (r < 0) {
		free(c);
		return diag_set(ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_GET_SUPPORTED_CPUID",
				0, 0, "failed: %s", strerror(-r));
	}
	h->nent = c->nent;
	h->entries = xalloc(ctx, (c->nent ? c->nent : 1) * sizeof(c->entries[0]));
	if (!h->entries) {
		free(c);
		return -ENOMEM;
	}
	memcpy(h->entries, c->entries, c->nent * sizeof(c->entries[0]));
	free(c);
	return 0;
}

/* KVM_GET_TSC_KHZ is a vCPU ioctl: make a throwaway VM with one vCPU. */
static uint32_t probe_tsc_khz(struct kvmcpuid_ctx *ctx, int kvm_fd)
{
	int vm, vcpu, r = 0;

	vm = kvm_ioctl(ctx, kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 0;
	vcpu = kvm_ioctl(ctx, vm, KVM_CREATE_VCPU, 0);
	if (vcpu >= 0) {
		r = kvm_ioctl(ctx, vcpu, KVM_GET_TSC_KHZ, 0);
		close(vcpu);
	}
	close(vm);
	return r > 0 ? (uint32_t)r : 0;
}

/* A host-initiated read of MSR_KVM_POLL_CONTROL: -1 if KVM refuses it, else its value. */
static int64_t read_poll_control(struct kvmcpuid_ctx *ctx, int vcpu)
{
	struct kvm_msrs *m = xalloc(ctx, sizeof(*m) + sizeof(m->entries[0]));
	int64_t v = -1;

	if (!m)
		return -1;
	m->nmsrs = 1;
	m->entries[0].index = MSR_KVM_POLL_CONTROL;
	if (kvm_ioctl(ctx, vcpu, KVM_GET_MSRS, m) == 1)
		v = (int64_t)m->entries[0].data;
	free(m);
	return v;
}

/* KVM_SET_CPUID2 with a two-leaf KVM block at base, features eax, then enforcement on. */
static int set_block(struct kvmcpuid_ctx *ctx, int vcpu, struct kvm_cpuid2 *c, uint32_t base,
		     uint32_t eax)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 } };

	memset(c, 0, sizeof(*c) + 2 * sizeof(c->entries[0]));
	c->nent = 2;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = base, .eax = base + 1,
		.ebx = KVM_SIG_EBX, .ecx = KVM_SIG_ECX, .edx = KVM_SIG_EDX };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = base + 1, .eax = eax };
	if (kvm_ioctl(ctx, vcpu, KVM_SET_CPUID2, c) < 0)
		return -1;
	/* enabling the cap again recomputes the features on every kernel that has it */
	return kvm_ioctl(ctx, vcpu, KVM_ENABLE_CAP, &cap) < 0 ? -1 : 0;
}

/*
 * Two behaviours of PV enforcement that changed over time, measured on a throwaway vCPU
 * that never runs, through host-initiated reads of MSR_KVM_POLL_CONTROL (1 from vCPU
 * creation; a refusal reads as a failed KVM_GET_MSRS, or as 0 where KVM lets the host read
 * an advertised MSR or ignores the refusal).
 *
 * Where the features come from: the block is put at 0x40000100 only.  Before Paul
 * Durrant's 760849b1476c ("KVM: x86: Make sure KVM_CPUID_FEATURES really are
 * KVM_CPUID_FEATURES", 5.16) kvm_update_pv_runtime read the fixed entry
 * KVM_CPUID_FEATURES (0x40000001), absent here, so poll control stays refused; from it,
 * kvm_find_kvm_cpuid_features reads base+1 of the KVM signature found by
 * kvm_update_kvm_cpuid_base (arch/x86/kvm/cpuid.c), and the read gives 1.
 *
 * Whether kvm.ignore_msrs hides a refusal: guest_pv_has refusals in kvm_{get,set}_msr_common
 * (arch/x86/kvm/x86.c) returned 1, which kvm_msr_ignored_check never sees (only
 * KVM_MSR_RET_INVALID, later _UNSUPPORTED, is ignored) until Sean Christopherson's
 * 5bb9ac186512 ("KVM: x86: Return "unsupported" instead of "invalid" on access to
 * unsupported PV MSR", Cc: stable, 2026), which stable series took at different point
 * releases.  With ignore_msrs on, a refused host read that succeeds is that new code.
 */
static void probe_enforcement(struct kvmcpuid_ctx *ctx, int kvm_fd, struct kvmcpuid_host *h)
{
	struct kvm_cpuid2 *c = xalloc(ctx, sizeof(*c) + 2 * sizeof(c->entries[0]));
	int vm = -1, vcpu = -1;

	if (!c || !h->enforce_cap)
		goto out;
	vm = kvm_ioctl(ctx, kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		goto out;
	vcpu = kvm_ioctl(ctx, vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto out;
	/* no features, KVM at 0x40000000: both models refuse poll control */
	if (set_block(ctx, vcpu, c, PV_BASE_FIRST, 0) < 0)
		goto out;
	if (h->ignore_msrs)
		h->pv_refusal_ignored = read_poll_control(ctx, vcpu) == 0;
	if (set_block(ctx, vcpu, c, PV_BASE_FIRST + 0x100, 1u << KVM_FEATURE_POLL_CONTROL) < 0)
		goto out;
	h->enforce_leaf = read_poll_control(ctx, vcpu) == 1 ? ENFORCE_LEAF_SCAN
							      : ENFORCE_LEAF_FIXED;
	h->enforce_leaf_probed = true;
out:
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	free(c);
}

/* The release's major.minor against 5.16, when the probe could not run. */
static uint8_t enforce_leaf_from_release(const char *rel)
{
	unsigned int major = 0, minor = 0;

	if (sscanf(rel, "%u.%u", &major, &minor) != 2)
		return ENFORCE_LEAF_SCAN;	/* unknown: the newest behaviour */
	return major > 5 || (major == 5 && minor >= 16) ? ENFORCE_LEAF_SCAN : ENFORCE_LEAF_FIXED;
}

static int kvmcpuid_host_probe_impl(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag,
					struct kvmcpuid_host **ret)
{
	const struct kvm_cpuid_entry2 *e;
	struct kvmcpuid_host *h;
	int kvm_fd, r;

	if (!ctx || !ret)
		return -EINVAL;
	if (ctx->host) {
		ctx->host->refcount++;
		*ret = ctx->host;
		return 0;
	}
	kvm_fd = kvmcpuid_kvm_fd(ctx, diag);
	if (kvm_fd < 0)
		return kvm_fd;
	h = xalloc(ctx, sizeof(*h));
	if (!h)
		return -ENOMEM;
	r = get_supported(ctx, kvm_fd, h, diag);
	if (r < 0) {
		free(h);
		return r;
	}
	e = table_find(h->entries, h->nent, KVM_CPUID_SIGNATURE_LEAF + 1, 0);
	if (e) {
		h->features = e->eax & kvmcpuid_features_valid_eax();
		h->hints = e->edx & kvmcpuid_features_valid_edx();
	}
	e = table_find(h->entries, h->nent, 0, 0);
	if (e)
		h->vendor = vendor_from_leaf0(e->ebx, e->ecx, e->edx);
	h->enforce_cap = kvm_ioctl(ctx, kvm_fd, KVM_CHECK_EXTENSION,
				   (void *)(long)KVM_CAP_ENFORCE_PV_FEATURE_CPUID) > 0;
	h->exit_hypercall_cap = kvm_ioctl(ctx, kvm_fd, KVM_CHECK_EXTENSION,
					  (void *)(long)KVM_CAP_EXIT_HYPERCALL) > 0;
	detect_module(h->module, sizeof(h->module));
	h->ignore_msrs = read_sys_flag("/sys/module/kvm/parameters/ignore_msrs");
	h->tsc_khz = probe_tsc_khz(ctx, kvm_fd);
	{
		struct utsname u;

		snprintf(h->kernel, sizeof(h->kernel), "%s", uname(&u) == 0 ? u.release : "unknown");
	}
	probe_enforcement(ctx, kvm_fd, h);
	if (!h->enforce_leaf)
		h->enforce_leaf = enforce_leaf_from_release(h->kernel);
	/*
	 * The context caches the probe and owns it: the host holds no reference on
	 * the context (that would be a cycle) and the refcount starts at 2, one for
	 * the cache and one for the caller.
	 */
	h->refcount = 2;
	h->ctx = ctx;
	h->cached = true;
	ctx->host = h;
	*ret = h;
	info(ctx, "host: %s on %s, features 0x%08x, hints 0x%08x, %zu supported leaves, "
	     "enforcement reads %s (%s)%s", h->module, h->kernel, h->features, h->hints, h->nent,
	     h->enforce_leaf == ENFORCE_LEAF_FIXED ? "0x40000001" : "the KVM signature's block",
	     h->enforce_leaf_probed ? "measured" : "by release",
	     h->ignore_msrs ? (h->pv_refusal_ignored ? ", ignore_msrs hides its refusals"
						     : ", ignore_msrs does not hide its refusals")
			    : "");
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_host_probe(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag,
					struct kvmcpuid_host **ret)
{
	diag_begin(diag);
	return diag_finish(ctx, diag,
			   kvmcpuid_host_probe_impl(ctx, diag, ret));
}

KVMCPUID_EXPORT struct kvmcpuid_host *kvmcpuid_host_ref(struct kvmcpuid_host *h)
{
	if (h)
		h->refcount++;
	return h;
}

KVMCPUID_EXPORT struct kvmcpuid_host *kvmcpuid_host_unref(struct kvmcpuid_host *h)
{
	if (!h || --h->refcount > 0)
		return NULL;
	/* The cached probe is freed by the context (refcount never reaches 0 here). */
	kvmcpuid_unref(h->ctx);
	free(h->entries);
	free(h);
	return NULL;
}

KVMCPUID_EXPORT uint32_t kvmcpuid_host_features(const struct kvmcpuid_host *h)
{
	return h ? h->features : 0;
}

KVMCPUID_EXPORT uint32_t kvmcpuid_host_hints(const struct kvmcpuid_host *h)
{
	return h ? h->hints : 0;
}

KVMCPUID_EXPORT bool kvmcpuid_host_offers(const struct kvmcpuid_host *h, unsigned int feature)
{
	const struct feature *f = feature_get(feature);

	if (!h || !f || f->provider != KVMCPUID_PROVIDER_KVM)
		return false;
	return ((f->reg == KVMCPUID_REG_EAX ? h->features : h->hints) >> f->bit) & 1;
}

KVMCPUID_EXPORT bool kvmcpuid_host_has_enforce(const struct kvmcpuid_host *h)
{
	return h && h->enforce_cap;
}

KVMCPUID_EXPORT bool kvmcpuid_host_has_exit_hypercall(const struct kvmcpuid_host *h)
{
	return h && h->exit_hypercall_cap;
}

KVMCPUID_EXPORT enum kvmcpuid_vendor kvmcpuid_host_vendor(const struct kvmcpuid_host *h)
{
	return h ? (enum kvmcpuid_vendor)h->vendor : KVMCPUID_VENDOR_OTHER;
}

KVMCPUID_EXPORT const char *kvmcpuid_host_module(const struct kvmcpuid_host *h)
{
	return h ? h->module : "unknown";
}

KVMCPUID_EXPORT uint32_t kvmcpuid_host_tsc_khz(const struct kvmcpuid_host *h)
{
	return h ? h->tsc_khz : 0;
}

KVMCPUID_EXPORT const struct kvm_cpuid_entry2 *kvmcpuid_host_supported(
	const struct kvmcpuid_host *h, size_t *nent)
{
	if (nent)
		*nent = h ? h->nent : 0;
	return h ? h->entries : NULL;
}
