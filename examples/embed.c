// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * embed.c: a minimal VMM that uses libkvmcpuid through its public header only.
 *
 *   cc -o embed embed.c $(pkg-config --cflags --libs kvmcpuid)
 *   ./embed POLICY
 *
 * It opens /dev/kvm, makes a VM and a vCPU, takes its own CPUID table from
 * KVM_GET_SUPPORTED_CPUID, loads the policy, builds the KVM leaves, merges them into
 * its table, applies it, runs a few real-mode instructions that read 0x40000000 and
 * 0x40000001 and prints what the guest saw.  Exit 77 without /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kvmcpuid.h>

#define MAX_ENTRIES 256
#define RESULTS 0x1000

/*
 * The guest, 16-bit real mode at address 0:
 *   mov eax, 0x40000000 ; cpuid ; mov [0x1000..0x100c], eax/ebx/ecx/edx
 *   mov eax, 0x40000001 ; cpuid ; mov [0x1010], eax ; mov [0x1014], edx ; hlt
 */
static const unsigned char guest[] = {
	0x66, 0xb8, 0x00, 0x00, 0x00, 0x40, 0x0f, 0xa2,
	0x66, 0x89, 0x06, 0x00, 0x10, 0x66, 0x89, 0x1e, 0x04, 0x10,
	0x66, 0x89, 0x0e, 0x08, 0x10, 0x66, 0x89, 0x16, 0x0c, 0x10,
	0x66, 0xb8, 0x01, 0x00, 0x00, 0x40, 0x0f, 0xa2,
	0x66, 0x89, 0x06, 0x10, 0x10, 0x66, 0x89, 0x16, 0x14, 0x10,
	0xf4,
};

static int fail(const char *what, const struct kvmcpuid_diag *diag)
{
	char buf[1024];

	fprintf(stderr, "embed: %s: %s\n", what, kvmcpuid_diag_format(diag, buf, sizeof(buf)));
	return 1;
}

int main(int argc, char **argv)
{
	struct kvm_cpuid_entry2 leaves[KVMCPUID_MAX_LEAVES];
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *policy = NULL;
	struct kvmcpuid_host *host = NULL;
	struct kvmcpuid_ctx *ctx = NULL;
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_cpuid2 *table;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_run *run;
	size_t nent;
	unsigned char *mem;
	uint32_t *seen;
	int kvm, vm, vcpu, n, r = 1;
	char sig[13] = { 0 }, base[KVMCPUID_POLICY_VALUE_MAX], enforce[KVMCPUID_POLICY_VALUE_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: embed POLICY\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fprintf(stderr, "embed: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm < 0 || mem == MAP_FAILED)
		return 1;
	memcpy(mem, guest, sizeof(guest));
	region.memory_size = 0x2000;
	region.userspace_addr = (unsigned long)mem;
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu, 0);

	/* The VMM's own table: what KVM supports. */
	table = calloc(1, sizeof(*table) + MAX_ENTRIES * sizeof(table->entries[0]));
	table->nent = MAX_ENTRIES;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, table) < 0) {
		perror("KVM_GET_SUPPORTED_CPUID");
		return 1;
	}

	if (kvmcpuid_new(&ctx) < 0)
		return 1;
	if (kvmcpuid_policy_parse_file(ctx, argv[1], &diag, &policy) < 0)
		return fail("policy", &diag) + 1;
	if (kvmcpuid_host_probe(ctx, &diag, &host) < 0)
		return fail("host", &diag);
	n = kvmcpuid_build(policy, host, 0, leaves, KVMCPUID_MAX_LEAVES, &diag);
	if (n < 0)
		return fail("build", &diag);
	nent = table->nent;
	kvmcpuid_policy_get(policy, "base", base, sizeof(base));
	kvmcpuid_policy_get(policy, "enforce", enforce, sizeof(enforce));
	if (kvmcpuid_table_merge(leaves, (size_t)n, (uint32_t)strtoul(base, NULL, 16),
				 table->entries, &nent, MAX_ENTRIES, &diag) < 0)
		return fail("merge", &diag);
	if (kvmcpuid_apply(ctx, vcpu, table->entries, nent,
			   !strcmp(enforce, "on") ? KVMCPUID_APPLY_ENFORCE : 0, &diag) < 0)
		return fail("apply", &diag);

	ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &sregs);
	ioctl(vcpu, KVM_SET_REGS, &regs);
	if (ioctl(vcpu, KVM_RUN, 0) < 0 || run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "embed: the guest did not reach HLT (exit %u)\n", run->exit_reason);
		goto out;
	}
	seen = (uint32_t *)(mem + RESULTS);
	memcpy(sig, &seen[1], 12);
	printf("guest saw 0x40000000: max leaf 0x%08x, signature \"%s\"\n", seen[0], sig);
	printf("guest saw 0x40000001: features 0x%08x, hints 0x%08x\n", seen[4], seen[5]);
	r = 0;
out:
	kvmcpuid_host_unref(host);
	kvmcpuid_policy_unref(policy);
	kvmcpuid_unref(ctx);
	free(table);
	return r;
}
