// SPDX-License-Identifier: LGPL-2.1-or-later
/* The verifying guest: runs the host's request and writes the results back. */
#include "protocol.h"

int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
int64_t hypercall(uint64_t nr, const uint64_t args[4], int amd);
void guest_main(void);
void guest_fatal(uint32_t vector, uint64_t rip);

#define IO ((volatile struct guest_io *)GUEST_IO)

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

void guest_fatal(uint32_t vector, uint64_t rip)
{
	IO->fault_vector = vector;
	IO->fault_rip = rip;
	signal_host(GUEST_PHASE_FAULT);
}

void guest_main(void)
{
	volatile struct guest_io *io = IO;
	struct guest_regs r;
	uint32_t i, n;

	n = io->nleaves < GUEST_MAX_LEAVES ? io->nleaves : GUEST_MAX_LEAVES;
	for (i = 0; i < n; i++) {
		cpuid(io->leaves[i][0], io->leaves[i][1], &io->leaf_out[i]);
		io->leaves_done = i + 1;
	}

	/* Linux's detection: the first 0x100 step carrying "KVMKVMKVM\0\0\0". */
	for (i = 0; i < GUEST_SCAN_STEPS; i++) {
		cpuid(0x40000000u + i * 0x100u, 0, &io->scan[i]);
		io->scan_done = i + 1;
		if (!io->detect_base && io->scan[i].ebx == 0x4b4d564bu &&
		    io->scan[i].ecx == 0x564b4d56u && io->scan[i].edx == 0x4du)
			io->detect_base = 0x40000000u + i * 0x100u;
	}
	if (io->detect_base) {
		cpuid(io->detect_base + 1, 0, &r);
		io->detect_features = r.eax;
		io->detect_hints = r.edx;
	}
	cpuid(1, 0, &r);
	io->hypervisor_bit = r.ecx >> 31;

	n = io->nmsrs < GUEST_MAX_MSRS ? io->nmsrs : GUEST_MAX_MSRS;
	for (i = 0; i < n; i++) {
		uint64_t v = 0;

		io->msr_out[i].rd_vector = (uint32_t)rdmsr_safe(io->msrs[i], &v);
		io->msr_out[i].value = v;
		io->msr_out[i].wr_vector = (uint32_t)wrmsr_safe(io->msrs[i], io->msr_write[i]);
		io->msrs_done = i + 1;
	}
	signal_host(GUEST_PHASE_PROBES);

	/* The host resumes us only if it wants the hypercalls: they may never complete. */
	n = io->nhcalls < GUEST_MAX_HCALLS ? io->nhcalls : GUEST_MAX_HCALLS;
	for (i = 0; i < n; i++) {
		uint64_t args[4] = { io->hcall_args[i][0], io->hcall_args[i][1],
				     io->hcall_args[i][2], io->hcall_args[i][3] };

		io->hcalls_started = i + 1;
		io->hcall_ret[i] = hypercall(io->hcalls[i], args, (int)io->use_vmmcall);
		io->hcalls_done = i + 1;
	}
	signal_host(GUEST_PHASE_HCALLS);
}
