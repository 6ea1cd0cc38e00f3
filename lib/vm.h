/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minimal VM the verifying guest runs in. */
#ifndef KVMCPUID_VM_H
#define KVMCPUID_VM_H

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include "internal.h"
#include "guest/protocol.h"

/* Control register and EFER bits the VMs set and read (the SDM's names). */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

struct vm {
	struct kvmcpuid_ctx *ctx;
	int vm_fd;
	uint8_t *mem;
	size_t mem_size;
	unsigned int flags;	/* enum vm_flags */
	size_t run_size;
	int sig;
	bool mask_saved;
	sigset_t saved_mask;
	unsigned int next_vcpu_id;
	pid_t creator_tid;	/* the thread that made KVM_CREATE_VM: it names the debugfs dir */
	unsigned int stats_debugfs;	/* vCPUs counted without a stats fd (atomic) */
};

struct vcpu {
	int fd;
	unsigned int id;	/* also its slot in guest memory */
	struct kvm_run *run;
	size_t run_size;
	timer_t timer;		/* the deadline, aimed at the creating thread */
	bool timer_ok;
};

enum vm_flags {
	VM_NO_IRQCHIP = 1 << 0,	/* the bare floor: no in-kernel LAPIC */
	/* A Linux guest (lib/boot): PIC, IOAPIC, LAPICs and PIT in the kernel, no guest image. */
	VM_BOOT = 1 << 1,
};

/* Create the VM, its memory, page tables, GDT, IDT and load the guest image. */
int vm_create(struct kvmcpuid_ctx *ctx, unsigned int flags, struct vm *vm,
	      struct kvmcpuid_diag *diag);
/* The same with mem_size bytes of guest memory (at least GUEST_MEM_SIZE; else -EINVAL). */
int vm_create_mem(struct kvmcpuid_ctx *ctx, unsigned int flags, size_t mem_size, struct vm *vm,
		  struct kvmcpuid_diag *diag);
/*
 * A new vCPU: fd, kvm_run, the deadline signal mask and timer, no register state.  Run it
 * in the thread that creates it (the deadline signals that thread).  Give it its
 * CPUID table (apply_table), then vm_vcpu_setup: KVM checks SREGS against the table.
 */
int vm_vcpu_create(struct vm *vm, struct vcpu *vcpu, struct kvmcpuid_diag *diag);
/* Where and how a vCPU enters 64-bit mode: flat segments, PAE paging, these registers. */
struct vm_entry {
	uint64_t rip, rsi, rdi, rsp;
	uint64_t cr3;
	uint64_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
	uint16_t cs, ds, tr;	/* selectors; TR is a 64-bit TSS at tr_base */
	uint64_t tr_base, gs_base;
};
/* Long mode at e (SREGS, REGS).  After KVM_SET_CPUID2 (see vm_vcpu_setup). */
int vm_vcpu_enter(struct vm *vm, struct vcpu *vcpu, const struct vm_entry *e,
		  struct kvmcpuid_diag *diag);
/* 64-bit mode at the guest's entry point (SREGS, REGS, MP state).  After KVM_SET_CPUID2. */
int vm_vcpu_setup(struct vm *vm, struct vcpu *vcpu, struct kvmcpuid_diag *diag);
/*
 * KVM_RUN until the guest signals a phase on GUEST_PORT (returned in *phase),
 * halts (*phase = 0), or deadline_ms passes (-ETIMEDOUT).  -EIO on anything else.
 */
int vm_vcpu_run(struct vm *vm, struct vcpu *vcpu, unsigned int deadline_ms, int *phase,
		struct kvmcpuid_diag *diag);
/*
 * The deadline timer of a vCPU: its first signal after ms (0 disarms), then one every 10 ms
 * in case a kick lands just before KVM_RUN unblocks the signal.  Any thread may arm any
 * vCPU's timer (a kick); the signal goes to the thread that created the vCPU.
 */
int vm_vcpu_arm(struct vcpu *vcpu, unsigned int ms);
/* Consume the calling thread's pending deadline signals, so the next KVM_RUN is not cut short. */
void vm_drain_signal(struct vm *vm);
uint64_t vm_now_ms(void);
void vm_vcpu_destroy(struct vcpu *vcpu);
void vm_destroy(struct vm *vm);
/* A vCPU's slot: its request and results (struct guest_io), and the full scan's page. */
struct guest_io *vm_io(struct vm *vm, unsigned int slot);
const struct guest_scan *vm_scan(struct vm *vm, unsigned int slot);
/*
 * With ctx->exit_stats set (the benchmark), add the vCPU's counters (KVM_GET_STATS_FD) and
 * the CPUID/MSR exits the guest's results account for.  Safe from concurrent threads.
 * Without a stats fd (before 5.14) the vCPU is left to exit_stats_vm_done.
 */
void exit_stats_add(struct kvmcpuid_ctx *ctx, struct vcpu *vcpu, struct vm *vm,
		    const struct guest_io *results);
/*
 * Before the VM fd closes (vm_destroy): if a counted vCPU had no stats fd, add the VM's
 * counters from debugfs, summed over all its vCPUs.
 */
void exit_stats_vm_done(struct vm *vm);
/* Raw image helpers for the benchmark's floor guest. */
int vm_load_raw(struct vm *vm, const void *code, size_t len);

#endif
