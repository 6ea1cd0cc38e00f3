// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Exit counts, the benchmark's first figure: KVM's binary statistics of a vCPU
 * (KVM_GET_STATS_FD, 5.14+), read just before the vCPU goes.  KVM has no per-reason
 * counter for CPUID or MSR exits in its generic statistics: those come from the guest's
 * results (each CPUID it executed, a RDMSR and a WRMSR per MSR probed).
 *
 * Before 5.14 (Debian bullseye's 5.10) there is no stats fd; the same counters are in
 * debugfs, one directory per VM.  In 5.10, virt/kvm/kvm_main.c:kvm_dev_ioctl_create_vm
 * calls kvm_create_vm_debugfs(kvm, fd) with the new VM fd, which makes
 * /sys/kernel/debug/kvm/"%d-%d" of task_pid_nr(current) (the creating *thread's* id, not
 * the process's) and that fd, and a file per entry of arch/x86/kvm/x86.c:debugfs_entries
 * ("exits", "io_exits", "halt_exits", "hypercalls", "irq_window", "request_irq", ...: some
 * names differ from the stats fd's, and "pf_taken" is not there).  A VCPU_STAT file is
 * kvm_main.c:kvm_get_stat_per_vcpu, the sum over every vCPU of the VM; the directory goes
 * in kvm_destroy_vm (kvm_destroy_vm_debugfs), when the VM's last reference, its fd or a
 * vCPU fd, is closed.  So debugfs gives one sum per VM: vm_destroy reads it before it
 * closes the VM fd, once, for all the VM's vCPUs.  A verify is one VM, so its count is
 * exact; the matrix is one VM for all its policies, so debugfs gives only the matrix's
 * total (with any vCPU whose run failed), never a policy's share.  debugfs is read only
 * where it is mounted (/sys/kernel/debug/kvm exists and is readable: root); the library
 * never mounts it.  A PID namespace hides it too (the name holds the initial namespace's
 * id): then there are no statistics.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* The debugfs file of each counter where 5.10 named it otherwise (NULL: the same name). */
static const char *const debugfs_names[EXIT_STAT_KVM_COUNT] = {
	[EXIT_STAT_IRQ_WINDOW] = "irq_window",
	[EXIT_STAT_NMI_WINDOW] = "nmi_window",
	[EXIT_STAT_REQUEST_IRQ] = "request_irq",
};

const char *exit_stat_name(enum exit_stat s)
{
	return s < EXIT_STAT_KVM_COUNT ? names[s] : s == EXIT_STAT_CPUID ? "cpuid (guest)"
		: s == EXIT_STAT_MSR ? "msr (guest)" : "?";
}

/* The counters of one vCPU into v[] (have: the ones found); -1 when there is no stats fd. */
static int read_vcpu_stats(struct kvmcpuid_ctx *ctx, int vcpu_fd, uint64_t *v, uint32_t *have)
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
				    (ssize_t)sizeof(val)) {
				v[s] += val;
				*have |= 1u << s;
			}
	}
	r = 0;
out:
	free(descs);
	close(fd);
	return r;
}

/* One debugfs counter: "%llu\n" (simple_attr), read in one bounded read. */
static int read_debugfs_counter(int dir, const char *name, uint64_t *val)
{
	char buf[32], *end;
	unsigned long long x;
	ssize_t n;
	int fd;

	fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	buf[n] = 0;
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno || (*end && *end != '\n'))
		return -1;
	*val = x;
	return 0;
}

/*
 * The VM's counters from /sys/kernel/debug/kvm/TID-FD into v[] (have: the ones found);
 * -1 without the directory or its "exits".  Files that vanish meanwhile are just missing.
 */
static int read_vm_debugfs(const struct vm *vm, uint64_t *v, uint32_t *have)
{
	char path[64];
	unsigned int s;
	uint64_t val;
	int dir;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d", (int)vm->creator_tid,
		 vm->vm_fd);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	for (s = 0; s < EXIT_STAT_KVM_COUNT; s++) {
		if ((debugfs_names[s] && !read_debugfs_counter(dir, debugfs_names[s], &val)) ||
		    !read_debugfs_counter(dir, names[s], &val)) {
			v[s] = val;
			*have |= 1u << s;
		}
	}
	close(dir);
	return *have & (1u << EXIT_STAT_EXITS) ? 0 : -1;
}

static void stats_add(struct exit_stats *st, const uint64_t *v, uint32_t have)
{
	unsigned int s;

	for (s = 0; s < EXIT_STAT_COUNT; s++)
		__atomic_add_fetch(&st->v[s], v[s], __ATOMIC_RELAXED);
	__atomic_or_fetch(&st->have, have, __ATOMIC_RELAXED);
}

void exit_stats_add(struct kvmcpuid_ctx *ctx, struct vcpu *vcpu, struct vm *vm,
		    const struct guest_io *results)
{
	struct exit_stats *st = ctx->exit_stats;
	uint64_t v[EXIT_STAT_COUNT] = { 0 };
	uint32_t have = 1u << EXIT_STAT_CPUID | 1u << EXIT_STAT_MSR;

	if (!st)
		return;
	if (read_vcpu_stats(ctx, vcpu->fd, v, &have) == 0) {
		__atomic_add_fetch(&st->fd_vcpus, 1, __ATOMIC_RELAXED);
	} else {
		/* KVM's counters of this vCPU come with the VM's, from debugfs */
		memset(v, 0, sizeof(v));
		have = 1u << EXIT_STAT_CPUID | 1u << EXIT_STAT_MSR;
		__atomic_add_fetch(&vm->stats_debugfs, 1, __ATOMIC_RELAXED);
	}
	v[EXIT_STAT_CPUID] = request_cpuid_exits(results);
	v[EXIT_STAT_MSR] = 2ull * results->msrs_done;
	stats_add(st, v, have);
	__atomic_add_fetch(&st->vcpus, 1, __ATOMIC_RELAXED);
}

void exit_stats_vm_done(struct vm *vm)
{
	struct exit_stats *st = vm->ctx->exit_stats;
	unsigned int pending = __atomic_load_n(&vm->stats_debugfs, __ATOMIC_RELAXED);
	uint64_t v[EXIT_STAT_COUNT] = { 0 };
	uint32_t have = 0;

	if (!st || !pending)
		return;
	if (read_vm_debugfs(vm, v, &have) < 0) {
		__atomic_add_fetch(&st->missing, pending, __ATOMIC_RELAXED);
		return;
	}
	stats_add(st, v, have);
	__atomic_add_fetch(&st->debugfs_vms, 1, __ATOMIC_RELAXED);
}
