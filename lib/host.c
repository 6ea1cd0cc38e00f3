// SPDX-License-Identifier: LGPL-2.1-or-later
/* Probing /dev/kvm: what this host's KVM offers. */
#include <stdlib.h>
#include <string.h>
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
	info(ctx, "host: %s, features 0x%08x, hints 0x%08x, %zu supported leaves", h->module,
	     h->features, h->hints, h->nent);
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
