// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Boot a Linux kernel on KVM, on the library's own VM (vm.c): the platform of a small VMM
 * (in-kernel PIC, IOAPIC, LAPICs and PIT; the UART of uart.c; ports 0xcf9 and 0x64 for
 * reset), one thread per vCPU, every vCPU given its CPUID table before anything else.
 * The BSP enters the kernel at startup_64 in long mode with RSI at boot_params; the APs
 * wait in the in-kernel LAPIC for Linux's INIT/SIPI.  The run ends on the console's
 * "Kernel panic - not syncing" (panic=-1 with no root: Linux's PV setup is done and its
 * reboot path, which turns steal time, PV EOI and async PF off again, has not begun),
 * a reset, a triple fault, or the deadline; then every vCPU is kicked out of KVM_RUN with
 * its deadline timer and reads its own PV MSRs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "klog.h"
#include "vm.h"

#define MSR_KVM_WALL_CLOCK 0x11
#define MSR_KVM_SYSTEM_TIME 0x12
#define MSR_KVM_PV_BASE 0x4b564d00

const uint32_t boot_pv_msrs[BOOT_PV_MSRS] = {
	MSR_KVM_PV_BASE + 0,	/* MSR_KVM_WALL_CLOCK_NEW */
	MSR_KVM_PV_BASE + 1,	/* MSR_KVM_SYSTEM_TIME_NEW */
	MSR_KVM_PV_BASE + 2,	/* MSR_KVM_ASYNC_PF_EN */
	MSR_KVM_PV_BASE + 3,	/* MSR_KVM_STEAL_TIME */
	MSR_KVM_PV_BASE + 4,	/* MSR_KVM_PV_EOI_EN */
	MSR_KVM_PV_BASE + 5,	/* MSR_KVM_POLL_CONTROL */
	MSR_KVM_PV_BASE + 6,	/* MSR_KVM_ASYNC_PF_INT */
	MSR_KVM_PV_BASE + 7,	/* MSR_KVM_ASYNC_PF_ACK */
	MSR_KVM_WALL_CLOCK,
	MSR_KVM_SYSTEM_TIME,
};

#define PORT_KBD_STATUS 0x64
#define PORT_RESET_CONTROL 0xcf9
#define KBD_PULSE_RESET 0xfe
#define RST_CPU 0x04		/* 0xcf9: bit 2 starts the reset (Linux writes 0x02, 0x06) */
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_MASK 0x700
#define APIC_MODE_NMI 0x400
#define APIC_MODE_EXTINT 0x700

const char *boot_end_name(enum boot_end end)
{
	static const char *const names[] = {
		[BOOT_END_NONE] = "none", [BOOT_END_PANIC] = "panic", [BOOT_END_RESET] = "reset",
		[BOOT_END_SHUTDOWN] = "shutdown", [BOOT_END_HLT] = "halt",
		[BOOT_END_DEADLINE] = "deadline", [BOOT_END_ERROR] = "error",
	};

	return (unsigned int)end < ARRAY_SIZE(names) ? names[end] : "?";
}

struct boot_vcpu {
	struct boot_run *b;
	unsigned int index;
	struct vcpu v;
	bool created;
	pthread_t thread;
	bool started;
	struct kvm_cpuid_entry2 *table;
	int r;
	struct kvmcpuid_diag diag;
};

struct boot_run {
	struct kvmcpuid_ctx *ctx;
	const struct boot_config *cfg;
	struct vm vm;
	struct boot_image img;
	struct boot_vcpu *vcpus;
	unsigned int ncpus;
	bool tsc_deadline;		/* KVM_CAP_TSC_DEADLINE_TIMER */
	pthread_mutex_t lock;		/* the UART, the console, the end, and: */
	pthread_cond_t cond;		/* a change of turn, prepared or go */
	unsigned int turn;		/* vCPU ids go in order: the next thread to create one */
	unsigned int prepared;		/* threads done with vcpu_prepare */
	bool go;			/* every vCPU exists: run */
	bool failed;			/* a vCPU could not be set up */
	int stop;			/* atomic: every vCPU leaves KVM_RUN */
	struct boot_uart uart;
	struct boot_ring ring;		/* the UART data port's writes KVM kept (uart.c) */
	struct boot_console con;	/* into res->console */
	struct boot_result *res;
	uint64_t start_ms, deadline_at;
};

/*
 * The platform's part of vCPU id's leaves, as a VMM adds it to what KVM supports: the
 * APIC ID the MP table names where Linux reads it, as QEMU's cpu_x86_cpuid fills them
 * (target/i386/cpu.c: leaf 1 EBX[31:24], leaves 0xb and 0x1f EDX, AMD's 0x8000001e EAX;
 * KVM_GET_SUPPORTED_CPUID has 0 everywhere) and, with the in-kernel
 * LAPIC, the TSC deadline timer (CPUID.1:ECX[24]).  KVM_GET_SUPPORTED_CPUID never sets
 * that bit: it depends on the irqchip the VMM made, and KVM_CAP_TSC_DEADLINE_TIMER says
 * KVM emulates it (Documentation/virt/kvm/api.rst; QEMU's kvm_arch_get_supported_cpuid
 * adds it likewise).  Without it Linux calibrates the LAPIC timer against the PIT, which
 * in a nested test VM fails ("APIC timer disabled due to verification failure") and
 * leaves the guest without high-resolution timers.
 */
static void vcpu_platform_leaves(struct kvm_cpuid_entry2 *t, size_t n, unsigned int id,
				 bool tsc_deadline)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].function == 1 && t[i].index == 0) {
			t[i].ebx = (t[i].ebx & 0x00ffffffu) | id << 24;
			if (tsc_deadline)
				t[i].ecx |= 1u << 24;
		} else if (t[i].function == 0xb || t[i].function == 0x1f) {
			t[i].edx = id;
		} else if (t[i].function == 0x8000001eu) {
			t[i].eax = id;
		}
	}
}

/* Stop every vCPU: the first end wins.  Called with b->lock held. */
static void end_locked(struct boot_run *b, struct boot_vcpu *bv, enum boot_end end)
{
	unsigned int i;

	if (b->res->end != BOOT_END_NONE)
		return;
	b->res->end = end;
	b->res->end_vcpu = bv->index;
	b->res->run_ms = vm_now_ms() - b->start_ms;
	__atomic_store_n(&b->stop, 1, __ATOMIC_SEQ_CST);
	/* a kick: each vCPU's deadline timer fires now (and every 10 ms until it is out) */
	for (i = 0; i < b->ncpus; i++)
		if (b->vcpus[i].created && &b->vcpus[i] != bv)
			vm_vcpu_arm(&b->vcpus[i].v, 1);
}

static void drain_locked(struct boot_run *b, struct boot_vcpu *bv);

static void end_run(struct boot_run *b, struct boot_vcpu *bv, enum boot_end end)
{
	pthread_mutex_lock(&b->lock);
	drain_locked(b, bv);	/* a panic line still in the ring is the end */
	end_locked(b, bv, end);
	pthread_mutex_unlock(&b->lock);
}

/* One byte of port I/O (b->lock held): the UART, the two reset ports, nothing else. */
static void port_io_locked(struct boot_run *b, struct boot_vcpu *bv, unsigned int p, bool write,
			   uint8_t *data)
{
	if (p >= BOOT_UART_PORT && p < BOOT_UART_PORT + 8) {
		int c = boot_uart_io(&b->uart, p - BOOT_UART_PORT, write, data);

		if (c >= 0 && !b->res->first_output_ms)
			b->res->first_output_ms = vm_now_ms() - b->start_ms;
		if (c >= 0 && boot_console_put(&b->con, (char)c))
			end_locked(b, bv, BOOT_END_PANIC);
	} else if (write) {
		if ((p == PORT_KBD_STATUS && *data == KBD_PULSE_RESET) ||
		    (p == PORT_RESET_CONTROL && (*data & RST_CPU)))
			end_locked(b, bv, BOOT_END_RESET);
	} else {
		/* no i8042 (Linux finds none), the CMOS reads 0, the rest floats */
		*data = p == 0x71 || p == PORT_RESET_CONTROL ? 0 : 0xff;
	}
}

/*
 * The writes KVM kept in the coalesced ring (b->lock held), in order, before anything
 * else the guest did after them is handled: the 8250 driver reads LSR before each byte
 * it writes (wait_for_xmitr), so the bytes of a line are in by the next byte's read, and
 * a reset or shutdown exit drains them before it ends the run (uart.c, boot_ring_pop).
 */
static void drain_locked(struct boot_run *b, struct boot_vcpu *bv)
{
	struct kvm_coalesced_mmio e;
	uint32_t i;

	while (boot_ring_pop(&b->ring, &e))
		for (i = 0; i < e.len && i < sizeof(e.data); i++)
			port_io_locked(b, bv, (unsigned int)e.phys_addr + i, true, &e.data[i]);
}

/* Port I/O that exits: what is coalesced first, then each byte of this access. */
static void handle_io(struct boot_run *b, struct boot_vcpu *bv, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;
	size_t n = (size_t)run->io.size * run->io.count, i;

	if (run->io.data_offset >= bv->v.run_size || n > bv->v.run_size - run->io.data_offset)
		return;
	pthread_mutex_lock(&b->lock);
	drain_locked(b, bv);
	for (i = 0; i < n; i++)
		port_io_locked(b, bv, run->io.port + (unsigned int)(i % run->io.size), write,
			       &data[i]);
	pthread_mutex_unlock(&b->lock);
}

/* KVM_RUN until the run ends for everyone; the vCPU's own failure ends it too. */
static int vcpu_loop(struct boot_run *b, struct boot_vcpu *bv)
{
	struct kvmcpuid_ctx *ctx = b->ctx;
	struct kvm_run *run = bv->v.run;
	uint64_t now = vm_now_ms();
	int r = 0;

	vm_vcpu_arm(&bv->v, b->deadline_at > now ? (unsigned int)(b->deadline_at - now) : 1);
	while (!__atomic_load_n(&b->stop, __ATOMIC_SEQ_CST)) {
		r = kvm_ioctl(ctx, bv->v.fd, KVM_RUN, 0);
		if (r == -EINTR || (r == 0 && run->exit_reason == KVM_EXIT_INTR)) {
			vm_drain_signal(&b->vm);
			r = 0;
			if (!__atomic_load_n(&b->stop, __ATOMIC_SEQ_CST) &&
			    vm_now_ms() >= b->deadline_at)
				end_run(b, bv, BOOT_END_DEADLINE);
			continue;
		}
		/*
		 * An AP that KVM_RUN finds uninitialized blocks until its INIT/SIPI arrives and
		 * then returns EAGAIN: run it again (arch/x86/kvm/x86.c, kvm_arch_vcpu_ioctl_run).
		 */
		if (r == -EAGAIN) {
			r = 0;
			continue;
		}
		if (r < 0) {
			r = diag_set(ctx, &bv->diag, EIO, "KVM_RUN", 0, 0, "vCPU %u: failed: %s",
				     bv->index, strerror(-r));
			end_run(b, bv, BOOT_END_ERROR);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(b, bv, run);
			break;
		case KVM_EXIT_MMIO:
			/* no device there: reads float, writes go nowhere */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_SHUTDOWN:
			end_run(b, bv, BOOT_END_SHUTDOWN);
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			end_run(b, bv, run->system_event.type == KVM_SYSTEM_EVENT_RESET
					       ? BOOT_END_RESET : BOOT_END_SHUTDOWN);
			break;
		case KVM_EXIT_HLT:
			end_run(b, bv, BOOT_END_HLT);
			break;
		default:
			r = diag_set(ctx, &bv->diag, EIO, "KVM_RUN", 0, 0,
				     "vCPU %u: unexpected exit from the guest (exit reason %u)",
				     bv->index, run->exit_reason);
			end_run(b, bv, BOOT_END_ERROR);
			break;
		}
		if (r < 0)
			break;
	}
	vm_vcpu_arm(&bv->v, 0);
	vm_drain_signal(&b->vm);
	return r;
}

/* What the guest left in the PV MSRs, and whether the vCPU ever started. */
static void read_state(struct boot_run *b, struct boot_vcpu *bv)
{
	struct kvmcpuid_boot_vcpu *st = &b->res->vcpu[bv->index];
	struct kvm_mp_state mp = { 0 };
	unsigned int i;

	for (i = 0; i < BOOT_PV_MSRS; i++) {
		struct {
			struct kvm_msrs h;
			struct kvm_msr_entry e;
		} m = { .h.nmsrs = 1, .e.index = boot_pv_msrs[i] };

		/* one at a time: KVM_GET_MSRS stops at the first it refuses (enforcement) */
		if (kvm_ioctl(b->ctx, bv->v.fd, KVM_GET_MSRS, &m) == 1) {
			st->msr[i] = m.e.data;
			st->readable |= 1u << i;
		}
	}
	if (kvm_ioctl(b->ctx, bv->v.fd, KVM_GET_MP_STATE, &mp) == 0)
		st->mp_state = mp.mp_state;
}

/*
 * The guest's log out of its memory (every vCPU has stopped: its thread is done), through
 * the kernel's own page tables as its VMCOREINFO names them, so wherever a vCPU stopped;
 * failing that, through the page tables of the vCPU that saw the end.  log_why says why
 * the rules do not read it: not read, or its oldest records overwritten.
 */
static void read_log(struct boot_run *b)
{
	struct boot_result *res = b->res;
	unsigned int c = res->end_vcpu < b->ncpus ? res->end_vcpu : 0;
	struct kvm_sregs sr;
	char why[sizeof(res->log_why)];
	int r;

	if (!b->vcpus || !b->vcpus[c].created)
		return;
	r = boot_klog_read(b->vm.mem, b->vm.mem_size, 0, 0, &res->log, &res->log_len,
			   &res->log_lost, res->log_why, sizeof(res->log_why));
	if (r < 0 && kvm_ioctl(b->ctx, b->vcpus[c].v.fd, KVM_GET_SREGS, &sr) == 0 &&
	    (sr.efer & EFER_LMA) && (sr.cr0 & CR0_PG) &&
	    boot_klog_read(b->vm.mem, b->vm.mem_size, sr.cr3, sr.cr4, &res->log, &res->log_len,
			   &res->log_lost, why, sizeof(why)) == 0)
		r = 0;
	if (r == 0 && res->log_lost)
		snprintf(res->log_why, sizeof(res->log_why),
			 "its printk ring wrapped: its first %llu records were overwritten",
			 (unsigned long long)res->log_lost);
	else if (r == 0)
		res->log_why[0] = '\0';
}

/* LINT0 ExtINT, LINT1 NMI, as Firecracker's set_lint (arch/x86_64/interrupts.rs). */
static int set_lint(struct boot_run *b, struct boot_vcpu *bv)
{
	struct kvm_lapic_state *lapic = xalloc(b->ctx, sizeof(*lapic));
	uint32_t v;
	int r;

	if (!lapic)
		return -ENOMEM;
	r = kvm_ioctl(b->ctx, bv->v.fd, KVM_GET_LAPIC, lapic);
	if (r == 0) {
		memcpy(&v, lapic->regs + APIC_LVT0, 4);
		v = (v & ~APIC_MODE_MASK) | APIC_MODE_EXTINT;
		memcpy(lapic->regs + APIC_LVT0, &v, 4);
		memcpy(&v, lapic->regs + APIC_LVT1, 4);
		v = (v & ~APIC_MODE_MASK) | APIC_MODE_NMI;
		memcpy(lapic->regs + APIC_LVT1, &v, 4);
		r = kvm_ioctl(b->ctx, bv->v.fd, KVM_SET_LAPIC, lapic);
	}
	free(lapic);
	if (r < 0)
		return diag_set(b->ctx, &bv->diag, EIO, "KVM_SET_LAPIC", 0, 0, "vCPU %u: failed: %s",
				bv->index, strerror(-r));
	return 0;
}

/* Create vCPU index (in order: KVM's id is the APIC ID the MP table names), table, state. */
static int vcpu_prepare(struct boot_run *b, struct boot_vcpu *bv)
{
	const struct boot_config *cfg = b->cfg;
	int r;

	pthread_mutex_lock(&b->lock);
	while (b->turn != bv->index)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	r = vm_vcpu_create(&b->vm, &bv->v, &bv->diag);
	bv->created = r == 0;
	pthread_mutex_lock(&b->lock);
	b->turn++;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	if (r < 0)
		return r;
	/* The table first: KVM_SET_SREGS checks EFER and CR4 against it (vm_vcpu_setup). */
	r = apply_table(b->ctx, bv->v.fd, bv->table, cfg->nent, cfg->apply_flags, &bv->diag);
	if (r == 0)
		r = set_lint(b, bv);
	if (r == 0 && bv->index == 0) {
		struct vm_entry e = {
			.rip = b->img.entry, .rsi = BOOT_ZERO_PAGE, .rsp = BOOT_STACK,
			.cr3 = BOOT_PML4,
			.gdt_base = BOOT_GDT, .gdt_limit = BOOT_GDT_ENTRIES * 8 - 1,
			.cs = BOOT_CS, .ds = BOOT_DS, .tr = BOOT_TSS,
		};

		r = vm_vcpu_enter(&b->vm, &bv->v, &e, &bv->diag);
	}
	return r;
}

static void *vcpu_thread(void *arg)
{
	struct boot_vcpu *bv = arg;
	struct boot_run *b = bv->b;

	bool run;

	bv->r = vcpu_prepare(b, bv);
	/* every vCPU exists before the BSP runs: an INIT/SIPI to a missing one is lost */
	pthread_mutex_lock(&b->lock);
	b->prepared++;
	if (bv->r < 0)
		b->failed = true;
	pthread_cond_broadcast(&b->cond);
	while (!b->go)
		pthread_cond_wait(&b->cond, &b->lock);
	run = !b->failed;
	pthread_mutex_unlock(&b->lock);
	if (run)
		bv->r = vcpu_loop(b, bv);
	if (bv->created)
		read_state(b, bv);
	return NULL;
}

static int max_vcpus(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag)
{
	int fd = ctx_kvm_fd(ctx, diag), r;

	if (fd < 0)
		return fd;
	r = kvm_ioctl(ctx, fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_MAX_VCPUS);
	if (r <= 0)
		r = kvm_ioctl(ctx, fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_NR_VCPUS);
	return r > 0 ? r : 1;
}

/* Start a thread per vCPU, wait until each has made its vCPU, then let them all run. */
static int start_vcpus(struct boot_run *b, unsigned int n, uint64_t t0)
{
	unsigned int i, started = 0;
	int r = 0;

	b->vcpus = xalloc(b->ctx, n * sizeof(*b->vcpus));
	if (!b->vcpus)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct boot_vcpu *bv = &b->vcpus[i];

		bv->b = b;
		bv->index = i;
		bv->v.fd = -1;
		bv->table = xalloc(b->ctx, b->cfg->nent * sizeof(*bv->table) + 1);
		if (!bv->table)
			return -ENOMEM;
		memcpy(bv->table, b->cfg->table, b->cfg->nent * sizeof(*bv->table));
		vcpu_platform_leaves(bv->table, b->cfg->nent, i, b->tsc_deadline);
	}
	b->ncpus = n;
	for (i = 0; i < n && r == 0; i++) {
		r = -pthread_create(&b->vcpus[i].thread, NULL, vcpu_thread, &b->vcpus[i]);
		b->vcpus[i].started = r == 0;
		started += r == 0;
	}
	pthread_mutex_lock(&b->lock);
	while (b->prepared < started)
		pthread_cond_wait(&b->cond, &b->lock);
	if (r < 0)
		b->failed = true;	/* a run that cannot start every vCPU is not made */
	else if (b->vcpus[0].created)
		boot_ring_setup(b->ctx, b->vm.vm_fd, b->vcpus[0].v.run, b->vcpus[0].v.run_size,
				&b->ring);
	b->start_ms = vm_now_ms();
	b->deadline_at = b->start_ms + b->cfg->deadline_ms;
	b->res->setup_ms = b->start_ms - t0;
	b->go = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	for (i = 0; i < n; i++)
		if (b->vcpus[i].started)
			pthread_join(b->vcpus[i].thread, NULL);
	return r;
}

static void boot_run_free(struct boot_run *b)
{
	unsigned int i;

	for (i = 0; b->vcpus && i < b->ncpus; i++) {
		if (b->vcpus[i].created)
			vm_vcpu_destroy(&b->vcpus[i].v);
		free(b->vcpus[i].table);
	}
	free(b->vcpus);
	vm_destroy(&b->vm);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
}

/* The first vCPU's error, if one failed. */
static int vcpu_error(struct boot_run *b, struct kvmcpuid_diag *diag)
{
	unsigned int i;

	for (i = 0; i < b->ncpus; i++)
		if (b->vcpus[i].r < 0) {
			if (diag)
				*diag = b->vcpus[i].diag;
			return b->vcpus[i].r;
		}
	return 0;
}

int boot_run(struct kvmcpuid_ctx *ctx, const struct boot_config *cfg, struct boot_result *res,
	     struct kvmcpuid_diag *diag)
{
	struct boot_run b = { .ctx = ctx, .cfg = cfg, .res = res };
	struct boot_spec spec = cfg->spec;
	unsigned int n = cfg->spec.cpus;
	uint64_t t0 = vm_now_ms();
	int r;

	memset(res, 0, sizeof(*res));
	snprintf(res->log_why, sizeof(res->log_why), "the guest never ran");
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	b.vm.vm_fd = -1;
	r = max_vcpus(ctx, diag);
	if (r < 0)
		goto out;
	spec.max_cpus = (unsigned int)r;
	/* every check before a VM exists: a bad kernel or command line runs nothing */
	r = boot_check(ctx, &spec, &b.img, diag);
	if (r < 0)
		goto out;
	r = vm_create_mem(ctx, VM_BOOT, spec.mem_size, &b.vm, diag);
	if (r < 0)
		goto out;
	b.tsc_deadline = kvm_ioctl(ctx, b.vm.vm_fd, KVM_CHECK_EXTENSION,
				   (void *)(long)KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	r = boot_load(ctx, &spec, b.vm.mem, &b.img, diag);
	if (r < 0)
		goto out;
	res->cpus = n;
	res->vcpu = xalloc(ctx, n * sizeof(*res->vcpu));
	res->console = xalloc(ctx, BOOT_CONSOLE_MAX);
	if (!res->vcpu || !res->console) {
		r = -ENOMEM;
		goto out;
	}
	b.con = (struct boot_console){ .buf = res->console, .cap = BOOT_CONSOLE_MAX };
	r = start_vcpus(&b, n, t0);
	res->console_len = b.con.len;
	res->console_truncated = b.con.truncated;
	read_log(&b);
	if (r < 0)
		goto out;
	r = vcpu_error(&b, diag);
	if (r < 0)
		goto out;
	if (res->end == BOOT_END_DEADLINE) {
		char tail[200];
		const char *from = boot_last_line(res, tail, sizeof(tail));

		r = diag_set(ctx, diag, ETIMEDOUT, NULL, 0, 0,
			     "the guest did not finish within %u ms; %s%s%s%s", cfg->deadline_ms,
			     from ? from : "it printed nothing", from ? ": \"" : "", tail,
			     from ? "\"" : "");
	}
out:
	boot_run_free(&b);
	if (r < 0 && r != -ETIMEDOUT && !(r == -EIO && res->console))
		boot_result_clear(res);
	return r;
}

void boot_result_clear(struct boot_result *res)
{
	free(res->log);
	free(res->console);
	free(res->vcpu);
	memset(res, 0, sizeof(*res));
}

int boot_policy_table(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		      unsigned int flags, struct kvm_cpuid_entry2 **table, size_t *nent,
		      unsigned int *apply_flags, struct kvmcpuid_diag *diag)
{
	struct kvmcpuid_cpuid *c = NULL;
	int r;

	r = policy_guest_table(p, h, flags, &c, table, nent, diag);
	if (r == 0)
		*apply_flags = c->enforce ? KVMCPUID_APPLY_ENFORCE : 0;
	kvmcpuid_cpuid_unref(c);
	return r;
}
