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

/*
 * A host-initiated read of MSR_KVM_POLL_CONTROL into *v: -1 if KVM refuses it (KVM_GET_MSRS
 * processed no MSR).  Returns 0, or -errno when the ioctl itself fails.
 */
static int read_poll_control(struct kvmcpuid_ctx *ctx, int vcpu, int64_t *v)
{
	struct kvm_msrs *m = xalloc(ctx, sizeof(*m) + sizeof(m->entries[0]));
	int r;

	if (!m)
		return -ENOMEM;
	m->nmsrs = 1;
	m->entries[0].index = MSR_KVM_POLL_CONTROL;
	r = kvm_ioctl(ctx, vcpu, KVM_GET_MSRS, m);
	*v = r == 1 ? (int64_t)m->entries[0].data : -1;
	free(m);
	return r < 0 ? r : 0;
}

/* KVM_SET_CPUID2 with a two-leaf KVM block at base, features eax, then enforcement on. */
static int set_block(struct kvmcpuid_ctx *ctx, int vcpu, struct kvm_cpuid2 *c, uint32_t base,
		     uint32_t eax)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 } };
	int r;

	memset(c, 0, sizeof(*c) + 2 * sizeof(c->entries[0]));
	c->nent = 2;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = base, .eax = base + 1,
		.ebx = KVM_SIG_EBX, .ecx = KVM_SIG_ECX, .edx = KVM_SIG_EDX };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = base + 1, .eax = eax };
	r = kvm_ioctl(ctx, vcpu, KVM_SET_CPUID2, c);
	if (r < 0)
		return r;
	/* enabling the cap again recomputes the features on every kernel that has it */
	r = kvm_ioctl(ctx, vcpu, KVM_ENABLE_CAP, &cap);
	return r < 0 ? r : 0;
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
static int probe_enforcement(struct kvmcpuid_ctx *ctx, int vcpu, struct kvmcpuid_host *h)
{
	struct kvm_cpuid2 *c = xalloc(ctx, sizeof(*c) + 2 * sizeof(c->entries[0]));
	int64_t v;
	int r;

	if (!c)
		return -ENOMEM;
	/* no features, KVM at 0x40000000: both models refuse poll control */
	r = set_block(ctx, vcpu, c, PV_BASE_FIRST, 0);
	if (r < 0)
		goto out;
	if (h->ignore_msrs) {
		r = read_poll_control(ctx, vcpu, &v);
		if (r < 0)
			goto out;
		h->pv_refusal_ignored = v == 0;
	}
	r = set_block(ctx, vcpu, c, PV_BASE_FIRST + 0x100, 1u << KVM_FEATURE_POLL_CONTROL);
	if (r < 0)
		goto out;
	r = read_poll_control(ctx, vcpu, &v);
	if (r < 0)
		goto out;
	h->enforce_leaf = v == 1 ? ENFORCE_LEAF_SCAN : ENFORCE_LEAF_FIXED;
	h->enforce_leaf_probed = true;
out:
	free(c);
	return r;
}

/*
 * What only a vCPU tells, on one throwaway vCPU that never runs: the TSC rate (for the
 * timing leaf) and how enforcement behaves.  A failure is a failed probe, never a guess:
 * with ignore_msrs set, a guessed answer would mispredict every masked MSR.
 */
static int probe_vcpu(struct kvmcpuid_ctx *ctx, int kvm_fd, struct kvmcpuid_host *h,
		      struct kvmcpuid_diag *diag)
{
	int vm, vcpu = -1, r;

	r = vm = kvm_ioctl(ctx, kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		goto err;
	r = vcpu = kvm_ioctl(ctx, vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto err;
	r = kvm_ioctl(ctx, vcpu, KVM_GET_TSC_KHZ, 0);
	h->tsc_khz = r > 0 ? (uint32_t)r : 0;
	r = h->enforce_cap ? probe_enforcement(ctx, vcpu, h) : 0;
	if (r < 0)
		goto err;
	goto out;
err:
	r = diag_set(ctx, diag, r == -ENOMEM ? ENOMEM : EIO, NULL, 0, 0,
		     "cannot probe a vCPU of this KVM: %s", strerror(-r));
out:
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	return r;
}

/* The release's major.minor against 5.16, when the probe could not run. */
static uint8_t enforce_leaf_from_release(const char *rel)
{
	unsigned int major = 0, minor = 0;

	if (sscanf(rel, "%u.%u", &major, &minor) != 2)
		return ENFORCE_LEAF_SCAN;	/* unknown: the newest behaviour */
	return major > 5 || (major == 5 && minor >= 16) ? ENFORCE_LEAF_SCAN : ENFORCE_LEAF_FIXED;
}

/*
 * The context's cache holds a weak pointer, as libkmod's module pool does: the host holds
 * a reference on the context, never the other way round, and the host's last unref
 * clears the cache.  So the probe is shared while anyone holds it, and nothing is freed
 * under a caller who still does.
 */
void host_cache(struct kvmcpuid_ctx *ctx, struct kvmcpuid_host *h)
{
	ctx->host = h;
}

KVMCPUID_EXPORT int kvmcpuid_host_probe(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag,
					struct kvmcpuid_host **ret)
{
	const struct kvm_cpuid_entry2 *e;
	struct kvmcpuid_host *h;
	int kvm_fd, r;

	diag_begin(diag);
	if (!ctx || !ret)
		return diag_finish(ctx, diag, -EINVAL);
	if (ctx->host) {
		*ret = kvmcpuid_host_ref(ctx->host);
		return 0;
	}
	kvm_fd = ctx_kvm_fd(ctx, diag);
	if (kvm_fd < 0)
		return diag_finish(ctx, diag, kvm_fd);
	r = host_new(ctx, &h);
	if (r < 0)
		return diag_finish(ctx, diag, r);
	r = get_supported(ctx, kvm_fd, h, diag);
	if (r < 0)
		goto err;
	e = table_find(h->entries, h->nent, KVM_CPUID_SIGNATURE_LEAF + 1, 0);
	if (e) {
		h->features = e->eax & KVMCPUID_FEATURES_VALID_EAX;
		h->hints = e->edx & KVMCPUID_FEATURES_VALID_EDX;
	}
	e = table_find(h->entries, h->nent, 0, 0);
	if (e)
		h->vendor = vendor_from_leaf0(e->ebx, e->ecx, e->edx);
	/* KVM_CHECK_EXTENSION: 0 absent, > 0 present, < 0 a failure (not "absent") */
	r = kvm_ioctl(ctx, kvm_fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_ENFORCE_PV_FEATURE_CPUID);
	if (r >= 0) {
		h->enforce_cap = r > 0;
		r = kvm_ioctl(ctx, kvm_fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_EXIT_HYPERCALL);
		h->exit_hypercall_cap = r > 0;
	}
	if (r < 0) {
		r = diag_set(ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_CHECK_EXTENSION", 0, 0,
			     "failed: %s", strerror(-r));
		goto err;
	}
	detect_module(h->module, sizeof(h->module));
	h->ignore_msrs = read_sys_flag("/sys/module/kvm/parameters/ignore_msrs");
	{
		struct utsname u;

		snprintf(h->kernel, sizeof(h->kernel), "%s", uname(&u) == 0 ? u.release : "unknown");
	}
	r = probe_vcpu(ctx, kvm_fd, h, diag);
	if (r < 0)
		goto err;
	if (!h->enforce_leaf)
		h->enforce_leaf = enforce_leaf_from_release(h->kernel);
	host_cache(ctx, h);
	*ret = h;
	info(ctx, "host: %s on %s, features 0x%08x, hints 0x%08x, %zu supported leaves, "
	     "enforcement reads %s (%s)%s", h->module, h->kernel, h->features, h->hints, h->nent,
	     h->enforce_leaf == ENFORCE_LEAF_FIXED ? "0x40000001" : "the KVM signature's block",
	     h->enforce_leaf_probed ? "measured" : "by release",
	     h->ignore_msrs ? (h->pv_refusal_ignored ? ", ignore_msrs hides its refusals"
						     : ", ignore_msrs does not hide its refusals")
			    : "");
	return 0;
err:
	kvmcpuid_host_unref(h);
	return diag_finish(ctx, diag, r);
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
	if (h->ctx->host == h)
		h->ctx->host = NULL;
	kvmcpuid_unref(h->ctx);
	free(h->entries);
	free(h);
	return NULL;
}

bool host_offers(const struct kvmcpuid_host *h, unsigned int feature)
{
	const struct kvmcpuid_feature *f = feature_get(feature);

	if (!h || !f || f->provider != KVMCPUID_PROVIDER_KVM)
		return false;
	return ((f->reg == KVMCPUID_REG_EAX ? h->features : h->hints) >> f->bit) & 1;
}

/*
 * A view of the host's fields, refreshed on every call so it never goes stale; writing it
 * is safe because the objects of a context are used from one thread at a time.
 */
KVMCPUID_EXPORT const struct kvmcpuid_host_info *kvmcpuid_host_info(const struct kvmcpuid_host *h)
{
	struct kvmcpuid_host_info *info;
	unsigned int i;

	if (!h)
		return NULL;
	info = (struct kvmcpuid_host_info *)&h->info;
	*info = (struct kvmcpuid_host_info){
		.features = h->features,
		.hints = h->hints,
		.has_enforce = h->enforce_cap,
		.has_exit_hypercall = h->exit_hypercall_cap,
		.vendor = (enum kvmcpuid_vendor)h->vendor,
		.module = h->module,
		.tsc_khz = h->tsc_khz,
		.supported = h->entries,
		.nsupported = h->nent,
	};
	for (i = 0; i < FEATURE_COUNT; i++)
		if (host_offers(h, i))
			info->offered |= 1u << i;
	return info;
}
