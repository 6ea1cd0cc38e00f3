/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A policy in other VMMs' terms (kvmcpuid_policy_export) and back
 * (kvmcpuid_policy_import).  vmm.c dispatches by format name and owns the plumbing
 * (text buffer, lost parts, positioned errors); one file per format knows that VMM:
 * qemu.c, libvirt.c, kubevirt.c, firecracker.c (+ firecracker-import.c), cloud-hypervisor.c.
 *
 * The rules every format follows:
 * - An export describes the policy, not one host.  Started on a host, the VMM must show
 *   the guest the leaves kvmcpuid_build gives on that host; whatever it cannot promise
 *   is a lost part (export_lost), with what the VMM does instead, and the output is the
 *   closest the format comes.  Name every feature the format can name, so the VMM's own
 *   defaults (which differ by CPU model, machine type and version) never decide.
 * - Two actions mean the same when they build the same bit on every host: for a
 *   feature the host never offers (vmm-provided, mmu_op) `host` is `off`, and for a
 *   vmm-provided one `force` is `on`.  Import gives the first spelling.
 * - Import positions every error (import_error: origin:line:col of the byte it names)
 *   and reports every setting it cannot carry (import_lost) instead of dropping it.
 */
#ifndef KVMCPUID_VMM_H
#define KVMCPUID_VMM_H

#include "internal.h"

/* A growing NUL-terminated string; oom sticks once an allocation failed. */
struct strbuf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};
void sb_printf(struct strbuf *b, const char *fmt, ...) PRINTF(2, 3);

struct vmm_export {
	const struct kvmcpuid_policy *policy;
	struct strbuf out;
	kvmcpuid_lost_fn fn;
	void *data;
	int nlost;
};
/* One part of the policy the format cannot express: key is the policy key. */
void export_lost(struct vmm_export *e, const char *key, const char *fmt, ...) PRINTF(3, 4);
/*
 * The leaf layout QEMU decides for each of its front ends (QEMU itself, libvirt,
 * KubeVirt): KVMKVMKVM at 0x40000000, or at 0x40000100 when Hyper-V enlightenments take
 * 0x40000000, max leaf base+1 (0x40000010 with the timing leaf).  Reports what of the
 * policy's signature, base and max_leaf that layout loses, saying what the guest sees;
 * vmm names the front end, hyperv its spelling of the enlightenments.  Nothing with
 * signature = hidden: no leaves either way.
 */
void export_lost_qemu_layout(struct vmm_export *e, const char *vmm, const char *hyperv);
/*
 * timing = on under QEMU: where and when QEMU adds its timing leaf, and what the guest
 * sees otherwise; how says how the export asks for invtsc.
 */
void export_lost_qemu_timing(struct vmm_export *e, const char *how);
/*
 * Whether QEMU can add the timing leaf this policy asks for (timing = on, KVM visible at
 * 0x40000000): only then do the exports ask for it (vmware-cpuid-freq, invtsc), since
 * invtsc blocks migration and elsewhere buys nothing.
 */
bool export_qemu_timing(const struct vmm_export *e);
/* What a front end of QEMU (libvirt, KubeVirt) cannot pass: enforce and timing. */
void export_lost_qemu_frontend(struct vmm_export *e, const char *vmm);
/*
 * An explicit or legacy-zero max leaf under a VMM that writes the max leaf itself: KVM
 * at kbase, max leaf kbase+1, or kbase+0x10 timing_when (NULL: the VMM adds no timing
 * leaf for this policy).  Lost unless the explicit value is what the policy's own timing
 * gives, whose fate the timing part tells.  The VMMs that write the max leaf themselves
 * never announce a leaf they do not write.
 */
void export_lost_max_leaf(struct vmm_export *e, const char *vmm, uint32_t kbase,
			  const char *timing_when);
/*
 * One setting for bits 0 and 3 (QEMU's kvmclock property, libvirt's and KubeVirt's
 * kvmclock timer): a lost clocksource2 when its action is not clocksource's; what names
 * the setting ("QEMU's kvmclock").
 */
void export_lost_kvmclock_pair(struct vmm_export *e, const char *what);
/* The action feature id gets (its own, or the default's), spelled as import would read it. */
int export_action(const struct vmm_export *e, unsigned int id);
/* Whether the policy sets feature id's bit wherever the host offers it (host, on, force). */
bool export_wants(const struct vmm_export *e, unsigned int id);

struct vmm_import {
	struct kvmcpuid_ctx *ctx;
	const char *text;		/* NUL-terminated, len bytes */
	size_t len;
	const char *origin;
	struct kvmcpuid_diag *diag;
	kvmcpuid_lost_fn fn;
	void *data;
	int nlost;
	struct kvmcpuid_policy *policy;	/* starts as kvmcpuid_policy_new's default */
	struct text_cursor at;		/* positions of lost parts: linear in text order */
};
/* A setting at byte off of the text the policy cannot carry; key is the text's name for it. */
void import_lost(struct vmm_import *im, const char *key, size_t off, const char *fmt, ...)
	PRINTF(4, 5);
/* Text the importer cannot read, at byte off: fills the diag, returns -EINVAL. */
int import_error(struct vmm_import *im, size_t off, const char *fmt, ...) PRINTF(3, 4);
/* Set feature id to action (KVMCPUID_ACTION_*) in the policy being imported. */
void import_action(struct vmm_import *im, unsigned int id, unsigned int action);

struct vmm_format {
	const char *name;
	int (*export_fn)(struct vmm_export *e);		/* 0, -ENOMEM */
	int (*import_fn)(struct vmm_import *im);	/* 0, import_error's -EINVAL, -ENOMEM;
							 * NULL: the format is export-only */
};
extern const struct vmm_format vmm_qemu, vmm_libvirt, vmm_kubevirt, vmm_firecracker,
	vmm_cloud_hypervisor;

#endif
