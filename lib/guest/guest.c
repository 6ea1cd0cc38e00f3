// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verifying guest: runs the host's request and writes the results back into its
 * vCPU's slot.  Every CPUID, MSR access and hypercall is an exit; nothing else here is.
 */
#include "protocol.h"

int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
int64_t hypercall(uint64_t nr, const uint64_t args[4], int amd);
void guest_main(volatile struct guest_io *io);

static void cpuid(uint32_t fn, uint32_t idx, volatile struct guest_regs *r)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(fn), "c"(idx));
	r->eax = a;
	r->ebx = b;
	r->ecx = c;
	r->edx = d;
}

static void signal_host(uint8_t phase)
{
	__asm__ volatile("outb %0, %1" : : "a"(phase), "Nd"((uint16_t)GUEST_PORT) : "memory");
}

static int kvm_sig(const struct guest_regs *r)
{
	return r->ebx == 0x4b4d564bu && r->ecx == 0x564b4d56u && r->edx == 0x4du;
}

void guest_main(volatile struct guest_io *io)
{
	volatile struct guest_scan *scan =
		(volatile struct guest_scan *)((volatile char *)io + GUEST_SLOT_SCAN);
	uint32_t i, n, full = io->flags & GUEST_SCAN_FULL, hv;
	struct guest_regs r;

	while (io->flags & GUEST_TEST_HANG)
		__asm__ volatile("pause");
	n = io->nleaves < GUEST_MAX_LEAVES ? io->nleaves : GUEST_MAX_LEAVES;
	for (i = 0; i < n; i++)
		cpuid(io->leaves[i][0], io->leaves[i][1], &io->leaf_out[i]);
	io->leaves_done = n;

	/*
	 * Linux's detection (arch/x86/kernel/kvm.c kvm_cpuid_base): only with CPUID.1's
	 * hypervisor bit, the 0x100 steps from 0x40000000 up to the first KVM signature.
	 * The full scan reads every step whatever it finds.
	 */
	cpuid(1, 0, &r);
	hv = r.ecx >> 31;
	io->hypervisor_bit = hv;
	for (i = 0; i < GUEST_SCAN_STEPS; i++) {
		if (!full && (!hv || io->detect_base))
			break;
		cpuid(0x40000000u + i * 0x100u, 0, &r);
		if (full)
			scan->step[i] = r;
		if (hv && !io->detect_base && kvm_sig(&r))
			io->detect_base = 0x40000000u + i * 0x100u;
	}
	io->walk_steps = i;
	if (io->detect_base) {
		cpuid(io->detect_base + 1, 0, &r);
		io->detect_features = r.eax;
		io->detect_hints = r.edx;
	}

	n = io->nmsrs < GUEST_MAX_MSRS ? io->nmsrs : GUEST_MAX_MSRS;
	for (i = 0; i < n; i++) {
		uint64_t v = 0;

		io->msr_out[i].rd_vector = (uint32_t)rdmsr_safe(io->msrs[i], &v);
		io->msr_out[i].value = v;
		io->msr_out[i].wr_vector = (uint32_t)wrmsr_safe(io->msrs[i], io->msr_write[i]);
	}
	io->msrs_done = n;

	/*
	 * The hypercalls last, with no exit before them: every other result is already in
	 * memory, so a hypercall that never returns (kvm_pvm) loses nothing but itself.
	 */
	n = io->nhcalls < GUEST_MAX_HCALLS ? io->nhcalls : GUEST_MAX_HCALLS;
	if (io->flags & GUEST_NO_HCALLS)
		n = 0;
	for (i = 0; i < n; i++) {
		uint64_t args[4] = { io->hcall_args[i][0], io->hcall_args[i][1],
				     io->hcall_args[i][2], io->hcall_args[i][3] };

		io->hcalls_started = i + 1;
		io->hcall_ret[i] = hypercall(io->hcalls[i], args, (int)io->use_vmmcall);
		io->hcalls_done = i + 1;
	}
	signal_host(GUEST_PHASE_DONE);
}
