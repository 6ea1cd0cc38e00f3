// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Exit counts, the benchmark's first figure: KVM's binary statistics of a vCPU
 * (KVM_GET_STATS_FD, 5.14+), read just before the vCPU goes.  KVM has no per-reason
 * counter for CPUID or MSR exits in its generic statistics: those come from the guest's
 * results (each CPUID it executed, a RDMSR and a WRMSR per MSR probed).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "vm.h"

static const char *const names[EXIT_STAT_KVM_COUNT] = {
	[EXIT_STAT_EXITS] = "exits",
	[EXIT_STAT_IO] = "io_exits",
	[EXIT_STAT_MMIO] = "mmio_exits",
	[EXIT_STAT_HALT] = "halt_exits",
	[EXIT_STAT_IRQ] = "irq_exits",
	[EXIT_STAT_HYPERCALLS] = "hypercalls",
	[EXIT_STAT_PF_TAKEN] = "pf_taken",
	[EXIT_STAT_SIGNAL] = "signal_exits",
	[EXIT_STAT_IRQ_WINDOW] = "irq_window_exits",
	[EXIT_STAT_NMI_WINDOW] = "nmi_window_exits",
	[EXIT_STAT_REQUEST_IRQ] = "request_irq_exits",
	[EXIT_STAT_INSN_EMULATION] = "insn_emulation",
};

const char *exit_stat_name(enum exit_stat s)
{
	return s < EXIT_STAT_KVM_COUNT ? names[s] : s == EXIT_STAT_CPUID ? "cpuid (guest)"
		: s == EXIT_STAT_MSR ? "msr (guest)" : "?";
}

/* The counters of one vCPU into v[]; -1 when the kernel has no stats fd. */
static int read_vcpu_stats(struct kvmcpuid_ctx *ctx, int vcpu_fd, uint64_t *v)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *d;
	size_t dsize;
	uint8_t *descs = NULL;
	uint32_t i;
	int fd, r = -1;

	fd = kvm_ioctl(ctx, vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -1;
	if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) || hdr.num_desc > 4096 ||
	    hdr.name_size > 4096)
		goto out;
	dsize = sizeof(*d) + hdr.name_size;
	descs = malloc(dsize * hdr.num_desc);
	if (!descs || pread(fd, descs, dsize * hdr.num_desc, hdr.desc_offset) !=
			      (ssize_t)(dsize * hdr.num_desc))
		goto out;
	for (i = 0; i < hdr.num_desc; i++) {
		unsigned int s;
		uint64_t val;

		d = (struct kvm_stats_desc *)(descs + i * dsize);
		d->name[hdr.name_size - 1] = 0;
		for (s = 0; s < EXIT_STAT_KVM_COUNT; s++)
			if (!strcmp(d->name, names[s]) && d->size == 1 &&
			    pread(fd, &val, sizeof(val), hdr.data_offset + d->offset) ==
				    (ssize_t)sizeof(val))
				v[s] += val;
	}
	r = 0;
out:
	free(descs);
	close(fd);
	return r;
}

void exit_stats_add(struct kvmcpuid_ctx *ctx, struct vcpu *vcpu, struct vm *vm,
		    const struct guest_io *results)
{
	struct exit_stats *st = ctx->exit_stats;
	uint64_t v[EXIT_STAT_COUNT] = { 0 };
	unsigned int s;

	(void)vm;
	if (!st)
		return;
	if (read_vcpu_stats(ctx, vcpu->fd, v) < 0) {
		__atomic_add_fetch(&st->missing, 1, __ATOMIC_RELAXED);
		return;
	}
	v[EXIT_STAT_CPUID] = request_cpuid_exits(results);
	v[EXIT_STAT_MSR] = 2ull * results->msrs_done;
	for (s = 0; s < EXIT_STAT_COUNT; s++)
		__atomic_add_fetch(&st->v[s], v[s], __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->vcpus, 1, __ATOMIC_RELAXED);
}
