// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The minimal VM: a few pages of memory (guest/protocol.h), one 2 MiB identity page, a
 * flat GDT, an IDT pointing at the guest's handlers, and vCPUs entered directly in 64-bit
 * mode, each with its own slot (request, results, stack).  Every KVM_RUN is bounded: a
 * timer signal aimed at the thread that created the vCPU, blocked in that thread (and
 * in every thread it starts after vm_create) but unblocked inside KVM_RUN
 * (KVM_SET_SIGNAL_MASK), kicks the vCPU out with EINTR.  The signal is consumed with
 * sigtimedwait, so no handler is installed and the application's signal setup is never
 * touched.  vCPUs of one VM may be created and run by different threads at once.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm.h"

extern const uint8_t kvmcpuid_guest_image[];
extern const uint8_t kvmcpuid_guest_image_end[];


struct guest_io *vm_io(struct vm *vm, unsigned int slot)
{
	return (struct guest_io *)(vm->mem + GUEST_SLOTS + slot * GUEST_SLOT_SIZE);
}

const struct guest_scan *vm_scan(struct vm *vm, unsigned int slot)
{
	return (const struct guest_scan *)((uint8_t *)vm_io(vm, slot) + GUEST_SLOT_SCAN);
}

static void set_gate(uint8_t *idt, unsigned int vec, uint64_t handler)
{
	uint8_t *g = idt + vec * 16;

	memset(g, 0, 16);
	g[0] = handler & 0xff;
	g[1] = (handler >> 8) & 0xff;
	g[2] = 0x08;		/* code selector */
	g[5] = 0x8e;		/* present, DPL 0, 64-bit interrupt gate */
	g[6] = (handler >> 16) & 0xff;
	g[7] = (handler >> 24) & 0xff;
	memcpy(g + 8, (uint32_t[]){ (uint32_t)(handler >> 32) }, 4);
}

static void setup_memory(struct vm *vm, const struct guest_head *head)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(vm->mem + GUEST_PDPT);
	uint64_t *pd = (uint64_t *)(vm->mem + GUEST_PD);
	uint64_t *gdt = (uint64_t *)(vm->mem + GUEST_GDT);
	unsigned int v;

	pml4[0] = GUEST_PDPT | 0x3;
	pdpt[0] = GUEST_PD | 0x3;
	pd[0] = 0x83;		/* 2 MiB page at 0, present, writable */
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffull;	/* 0x08: 64-bit code */
	gdt[2] = 0x00cf93000000ffffull;	/* 0x10: data */
	for (v = 0; v < 32; v++)
		set_gate(vm->mem + GUEST_IDT, v,
			 v == 6 ? head->ud_handler : v == 13 ? head->gp_handler
							      : head->other_handler);
}

static int load_image(struct vm *vm, struct kvmcpuid_diag *diag)
{
	/* two linker symbols: compare addresses, not pointers into different objects */
	size_t len = (uintptr_t)kvmcpuid_guest_image_end - (uintptr_t)kvmcpuid_guest_image;
	struct guest_head head;

	if (len < sizeof(head) || len > GUEST_IMAGE_MAX)
		return diag_set(vm->ctx, diag, EIO, NULL, 0, 0, "embedded guest image is broken");
	memcpy(&head, kvmcpuid_guest_image, sizeof(head));
	if (head.magic != GUEST_MAGIC || head.image_end > GUEST_SLOTS ||
	    head.entry < GUEST_IMAGE || head.entry >= GUEST_IMAGE + len)
		return diag_set(vm->ctx, diag, EIO, NULL, 0, 0, "embedded guest image is broken");
	memcpy(vm->mem + GUEST_IMAGE, kvmcpuid_guest_image, len);
	setup_memory(vm, &head);
	return 0;
}

/* Replace the guest by raw code: a head, then the code, which is entry and every handler. */
int vm_load_raw(struct vm *vm, const void *code, size_t len)
{
	uint32_t at = GUEST_IMAGE + sizeof(struct guest_head);
	struct guest_head head = {
		.magic = GUEST_MAGIC, .entry = at, .ud_handler = at, .gp_handler = at,
		.other_handler = at, .image_end = at + (uint32_t)len,
	};

	if (len > GUEST_IMAGE_MAX - sizeof(head))
		return -EINVAL;
	memset(vm->mem + GUEST_IMAGE, 0, GUEST_IMAGE_MAX);
	memcpy(vm->mem + GUEST_IMAGE, &head, sizeof(head));
	memcpy(vm->mem + at, code, len);
	setup_memory(vm, &head);
	return 0;
}

static int setup_deadline(struct vm *vm)
{
	sigset_t set;

	vm->sig = SIGRTMAX - 1;
	sigemptyset(&set);
	sigaddset(&set, vm->sig);
	if (pthread_sigmask(SIG_BLOCK, &set, &vm->saved_mask) != 0)
		return -EIO;
	vm->mask_saved = true;
	return 0;
}

/* The deadline timer of a vCPU: it signals the thread that creates the vCPU. */
static int vcpu_timer(struct vm *vm, struct vcpu *vcpu)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = vm->sig;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &vcpu->timer) != 0)
		return -errno;
	vcpu->timer_ok = true;
	return 0;
}

/*
 * A Linux guest's platform (lib/boot): the full in-kernel irqchip (PIC, IOAPIC, LAPICs),
 * the PIT, and the three pages Intel's VMX needs for real mode and the identity map,
 * above the LAPIC as QEMU and kvmtool place them (0xfffbc000, 0xfffbd000).  The TSS and
 * identity-map addresses go before the first vCPU, the PIT after the irqchip
 * (Documentation/virt/kvm/api.rst).
 */
static int boot_platform(struct vm *vm, struct kvmcpuid_diag *diag)
{
	struct kvm_pit_config pit = { .flags = 0 };
	uint64_t identity = 0xfffbc000;
	const char *what = "KVM_SET_IDENTITY_MAP_ADDR";
	int r;

	r = kvm_ioctl(vm->ctx, vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity);
	if (r == 0) {
		what = "KVM_SET_TSS_ADDR";
		r = kvm_ioctl(vm->ctx, vm->vm_fd, KVM_SET_TSS_ADDR, (void *)0xfffbd000ul);
	}
	if (r == 0) {
		what = "KVM_CREATE_IRQCHIP";
		r = kvm_ioctl(vm->ctx, vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
	}
	if (r == 0) {
		what = "KVM_CREATE_PIT2";
		r = kvm_ioctl(vm->ctx, vm->vm_fd, KVM_CREATE_PIT2, &pit);
	}
	if (r < 0)
		return diag_set(vm->ctx, diag, r == -ENOMEM ? ENOMEM : EIO, what, 0, 0,
				"failed: %s", strerror(-r));
	return 0;
}

/*
 * The guest memory.  A probe VM's is a named memfd: it shows as /memfd:kvmcpuid-guest in
 * /proc/PID/maps (live-verify counts those mappings to prove nothing is left behind).
 * A Linux boot touches tens of MiB; there the memory is anonymous, 2 MiB aligned and
 * MADV_HUGEPAGE, as QEMU allocates its RAM (util/mmap-alloc.c qemu_ram_mmap aligns it;
 * softmmu/physmem.c ram_block_add advises QEMU_MADV_HUGEPAGE): shmem gets no transparent huge pages by default
 * (shmem_enabled "never"), so KVM would map a memfd 4 KiB at a time.  Measured in the
 * test VM (tests/vm/boot-vs-qemu.sh): a 6.1 guest took ~26 400 nested page faults on a
 * memfd against ~660 on this memory, and its boot 21.4 s -> 10.6 s.
 */
static int guest_mem_map(struct vm *vm, size_t mem_size)
{
	const size_t huge = 2u << 20;
	uint8_t *p, *aligned;
	size_t head;
	int fd;

	if (!(vm->flags & VM_BOOT)) {
		fd = memfd_create("kvmcpuid-guest", MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (ftruncate(fd, (off_t)mem_size) < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		p = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			return -ENOMEM;
		vm->mem = p;
		return 0;
	}
	if (mem_size > SIZE_MAX - huge)
		return -ENOMEM;
	p = mmap(NULL, mem_size + huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	aligned = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	head = (size_t)(aligned - p);
	if (head)
		munmap(p, head);
	munmap(aligned + mem_size, huge - head);
	/* Advice only: without THP the boot is slower, not wrong. */
	(void)madvise(aligned, mem_size, MADV_HUGEPAGE);
	vm->mem = aligned;
	return 0;
}

int vm_create(struct kvmcpuid_ctx *ctx, unsigned int flags, struct vm *vm,
	      struct kvmcpuid_diag *diag)
{
	return vm_create_mem(ctx, flags, GUEST_MEM_SIZE, vm, diag);
}

int vm_create_mem(struct kvmcpuid_ctx *ctx, unsigned int flags, size_t mem_size, struct vm *vm,
		  struct kvmcpuid_diag *diag)
{
	struct kvm_userspace_memory_region region = { 0 };
	int kvm_fd, r;

	memset(vm, 0, sizeof(*vm));
	vm->ctx = ctx;
	vm->vm_fd = -1;
	if (mem_size < GUEST_MEM_SIZE)
		return -EINVAL;
	vm->flags = flags;
	kvm_fd = ctx_kvm_fd(ctx, diag);
	if (kvm_fd < 0)
		return kvm_fd;
	r = kvm_ioctl(ctx, kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		r = diag_set(ctx, diag, EIO, "KVM_GET_VCPU_MMAP_SIZE", 0, 0, "failed: %s",
			     strerror(r < 0 ? -r : EINVAL));
		goto err;
	}
	vm->run_size = (size_t)r;
	vm->creator_tid = (pid_t)syscall(SYS_gettid);
	r = kvm_ioctl(ctx, kvm_fd, KVM_CREATE_VM, 0);
	if (r < 0) {
		r = diag_set(ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_CREATE_VM", 0, 0,
			     "failed: %s", strerror(-r));
		goto err;
	}
	vm->vm_fd = r;
	r = guest_mem_map(vm, mem_size);
	if (r < 0) {
		r = diag_set(ctx, diag, ENOMEM, NULL, 0, 0, "cannot allocate guest memory: %s",
			     strerror(-r));
		goto err;
	}
	vm->mem_size = mem_size;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	r = kvm_ioctl(ctx, vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (r < 0) {
		r = diag_set(ctx, diag, EIO, "KVM_SET_USER_MEMORY_REGION", 0, 0, "failed: %s",
			     strerror(-r));
		goto err;
	}
	if (flags & VM_BOOT) {
		r = boot_platform(vm, diag);
		if (r < 0)
			goto err;
	} else if (!(flags & VM_NO_IRQCHIP)) {
		/*
		 * An in-kernel LAPIC (PV EOI, async PF delivery and the PV IPIs need one) but
		 * no in-kernel PIC/IOAPIC: the split irqchip.  A full KVM_CREATE_IRQCHIP
		 * costs ~11 ms more to tear down (measured on kvm_pvm) and buys nothing here.
		 */
		struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

		r = kvm_ioctl(ctx, vm->vm_fd, KVM_ENABLE_CAP, &split);
		if (r < 0)
			r = kvm_ioctl(ctx, vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
		if (r < 0) {
			r = diag_set(ctx, diag, EIO, "KVM_CREATE_IRQCHIP", 0, 0, "failed: %s",
				     strerror(-r));
			goto err;
		}
	}
	r = flags & VM_BOOT ? 0 : load_image(vm, diag);
	if (r < 0)
		goto err;
	r = setup_deadline(vm);
	if (r < 0) {
		r = diag_set(ctx, diag, -r, NULL, 0, 0, "cannot set up the KVM_RUN deadline timer: %s",
			     strerror(-r));
		goto err;
	}
	return 0;
err:
	vm_destroy(vm);
	return r;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

/*
 * The vCPU's fd, its kvm_run mapping and the deadline signal mask.  No register state:
 * the caller gives the vCPU its CPUID table first and only then calls vm_vcpu_setup.
 */
int vm_vcpu_create(struct vm *vm, struct vcpu *vcpu, struct kvmcpuid_diag *diag)
{
	struct kvm_signal_mask *kmask;
	sigset_t unblocked;
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->fd = -1;
	vcpu->id = __atomic_fetch_add(&vm->next_vcpu_id, 1, __ATOMIC_RELAXED);
	/* a slot each in the verifying guest's memory; a Linux guest has no slots */
	if (!(vm->flags & VM_BOOT) && vcpu->id >= GUEST_MAX_VCPUS)
		return diag_set(vm->ctx, diag, ENOSPC, NULL, 0, 0,
				"the verifying VM has room for %u vCPUs", GUEST_MAX_VCPUS);
	r = kvm_ioctl(vm->ctx, vm->vm_fd, KVM_CREATE_VCPU, (void *)(long)vcpu->id);
	if (r < 0)
		return diag_set(vm->ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_CREATE_VCPU", 0, 0,
				"failed: %s", strerror(-r));
	vcpu->fd = r;
	vcpu->run_size = vm->run_size;
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		r = -ENOMEM;
		goto err;
	}
	/* Inside KVM_RUN the deadline signal is unblocked, so it ends the run with EINTR. */
	kmask = xalloc(vm->ctx, sizeof(*kmask) + 8);
	if (!kmask) {
		r = -ENOMEM;
		goto err;
	}
	unblocked = vm->saved_mask;
	sigdelset(&unblocked, vm->sig);
	kmask->len = 8;
	memcpy(kmask->sigset, &unblocked, 8);
	r = kvm_ioctl(vm->ctx, vcpu->fd, KVM_SET_SIGNAL_MASK, kmask);
	free(kmask);
	if (r < 0) {
		r = diag_set(vm->ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "KVM_SET_SIGNAL_MASK", 0, 0,
			     "failed: %s", strerror(-r));
		goto err;
	}
	r = vcpu_timer(vm, vcpu);
	if (r < 0) {
		r = diag_set(vm->ctx, diag, -r, NULL, 0, 0,
			     "cannot set up the KVM_RUN deadline timer: %s", strerror(-r));
		goto err;
	}
	return 0;
err:
	vm_vcpu_destroy(vcpu);
	return r;
}

/*
 * Long mode at the guest's entry point.  Call it after KVM_SET_CPUID2: kvm_is_valid_sregs
 * checks CR4/CR0 against the guest's CPUID, and Yosry Ahmed's patch (2026, Cc: stable,
 * arch/x86/kvm/regs.c kvm_is_valid_sregs) adds kvm_valid_efer(vcpu, sregs->efer), which
 * refuses EFER.LME without X86_FEATURE_LM in the vCPU's CPUID: EINVAL on a vCPU with no
 * table yet (measured on 6.12.y; it reaches every stable series that takes the patch).
 */
int vm_vcpu_enter(struct vm *vm, struct vcpu *vcpu, const struct vm_entry *e,
		  struct kvmcpuid_diag *diag)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	r = kvm_ioctl(vm->ctx, vcpu->fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		goto err_ioctl;
	seg(&sregs.cs, e->cs, 11, true);
	seg(&sregs.ds, e->ds, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gs.base = e->gs_base;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = e->tr;
	sregs.tr.base = e->tr_base;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	sregs.gdt.base = e->gdt_base;
	sregs.gdt.limit = e->gdt_limit;
	sregs.idt.base = e->idt_base;
	sregs.idt.limit = e->idt_limit;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	sregs.cr3 = e->cr3;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	r = kvm_ioctl(vm->ctx, vcpu->fd, KVM_SET_SREGS, &sregs);
	if (r < 0)
		goto err_ioctl;
	memset(&regs, 0, sizeof(regs));
	regs.rip = e->rip;
	regs.rsi = e->rsi;
	regs.rdi = e->rdi;
	regs.rsp = e->rsp;
	regs.rflags = 0x2;
	r = kvm_ioctl(vm->ctx, vcpu->fd, KVM_SET_REGS, &regs);
	if (r < 0)
		goto err_ioctl;
	return 0;
err_ioctl:
	return diag_set(vm->ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "vCPU setup", 0, 0,
			"failed: %s%s", strerror(-r),
			r == -EINVAL ? " (was the CPUID table applied first?)" : "");
}

int vm_vcpu_setup(struct vm *vm, struct vcpu *vcpu, struct kvmcpuid_diag *diag)
{
	struct guest_head head;
	struct vm_entry e;
	int r;

	memcpy(&head, vm->mem + GUEST_IMAGE, sizeof(head));
	e = (struct vm_entry){
		.rip = head.entry,
		.rdi = GUEST_SLOTS + vcpu->id * GUEST_SLOT_SIZE,
		.rsp = GUEST_SLOTS + vcpu->id * GUEST_SLOT_SIZE + GUEST_SLOT_STACK,
		.cr3 = GUEST_PML4,
		.gdt_base = GUEST_GDT, .gdt_limit = 3 * 8 - 1,
		.idt_base = GUEST_IDT, .idt_limit = 32 * 16 - 1,
		.cs = 0x08, .ds = 0x10,
		.tr_base = GUEST_TSS,
		.gs_base = GUEST_SLOTS + vcpu->id * GUEST_SLOT_SIZE,
	};
	r = vm_vcpu_enter(vm, vcpu, &e, diag);
	if (r < 0)
		return r;
	/* With an in-kernel LAPIC every vCPU but the first waits for SIPI: make it runnable. */
	if (vcpu->id > 0) {
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

		r = kvm_ioctl(vm->ctx, vcpu->fd, KVM_SET_MP_STATE, &mp);
		if (r < 0)
			return diag_set(vm->ctx, diag, r == -ENOMEM ? ENOMEM : EIO, "vCPU setup", 0,
					0, "failed: %s", strerror(-r));
	}
	return 0;
}

void vm_drain_signal(struct vm *vm)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, vm->sig);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

int vm_vcpu_arm(struct vcpu *vcpu, unsigned int ms)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	/* Re-fire every 10 ms in case a kick lands just before KVM_RUN blocks the signal. */
	if (ms)
		its.it_interval.tv_nsec = 10 * 1000000L;
	return timer_settime(vcpu->timer, 0, &its, NULL) ? -errno : 0;
}

uint64_t vm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int vm_vcpu_run(struct vm *vm, struct vcpu *vcpu, unsigned int deadline_ms, int *phase,
		struct kvmcpuid_diag *diag)
{
	uint64_t end = vm_now_ms() + deadline_ms;
	int r;

	*phase = -1;
	r = vm_vcpu_arm(vcpu, deadline_ms);
	if (r < 0)
		return diag_set(vm->ctx, diag, EIO, NULL, 0, 0, "cannot arm the deadline: %s",
				strerror(-r));
	for (;;) {
		struct kvm_run *run = vcpu->run;

		r = kvm_ioctl(vm->ctx, vcpu->fd, KVM_RUN, 0);
		if (r == -EINTR || (r == 0 && run->exit_reason == KVM_EXIT_INTR)) {
			if (vm_now_ms() >= end) {
				r = -ETIMEDOUT;
				break;
			}
			continue;
		}
		if (r < 0) {
			r = diag_set(vm->ctx, diag, EIO, "KVM_RUN", 0, 0, "failed: %s", strerror(-r));
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == GUEST_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
		    run->io.data_offset < vcpu->run_size) {
			*phase = ((uint8_t *)run)[run->io.data_offset];
			r = 0;
			break;
		}
		if (run->exit_reason == KVM_EXIT_HLT) {
			*phase = 0;
			r = 0;
			break;
		}
		r = diag_set(vm->ctx, diag, EIO, "KVM_RUN", 0, 0,
			     "unexpected exit from the guest (exit reason %u)", run->exit_reason);
		break;
	}
	vm_vcpu_arm(vcpu, 0);
	vm_drain_signal(vm);
	return r;
}

void vm_vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->timer_ok)
		timer_delete(vcpu->timer);
	vcpu->timer_ok = false;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

void vm_destroy(struct vm *vm)
{
	if (vm->mask_saved) {
		vm_drain_signal(vm);
		pthread_sigmask(SIG_SETMASK, &vm->saved_mask, NULL);
	}
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	/* the VM's debugfs directory goes with its last reference: read it first */
	if (vm->vm_fd >= 0 && vm->ctx)
		exit_stats_vm_done(vm);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = -1;
}
