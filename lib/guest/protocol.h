/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contract between the host (lib/vm.c, lib/verify.c) and the verifying guest
 * (lib/guest/).  Guest physical memory, identity-mapped:
 *
 *   0x0000-0x00ff  scratch (wall clock MSR writes land here)
 *   0x0100-0x01ff  GDT          0x0200-0x03ff  IDT (32 gates)   0x0400 TSS
 *   0x1000 PML4    0x2000 PDPT  0x3000 PD (one 2 MiB page)
 *   0x4000-0x6fff  struct guest_io: request (host writes) then results (guest writes)
 *   0x7000-0x7fff  stack
 *   0x8000-        the guest image (starts with struct guest_head)
 */
#ifndef KVMCPUID_GUEST_PROTOCOL_H
#define KVMCPUID_GUEST_PROTOCOL_H


#define GUEST_SCRATCH 0x0000
#define GUEST_GDT 0x0100
#define GUEST_IDT 0x0200
#define GUEST_TSS 0x0400
#define GUEST_PML4 0x1000
#define GUEST_PDPT 0x2000
#define GUEST_PD 0x3000
#define GUEST_IO 0x4000
#define GUEST_IO_END 0x7000
#define GUEST_STACK_TOP 0x8000
#define GUEST_IMAGE 0x8000
#define GUEST_MEM_SIZE 0xc000
#define GUEST_IMAGE_MAX (GUEST_MEM_SIZE - GUEST_IMAGE)

#define GUEST_MAGIC 0x4b435047	/* "GPCK" */
#define GUEST_PORT 0x0cb0	/* one OUT to this port: a phase is done */
#define GUEST_PHASE_PROBES 1	/* CPUID and MSR results are in */
#define GUEST_PHASE_HCALLS 2	/* hypercall results are in */
#define GUEST_PHASE_FAULT 0xee	/* an exception nobody expected */

#define GUEST_MAX_LEAVES 32
#define GUEST_SCAN_STEPS 256
#define GUEST_MAX_MSRS 16
#define GUEST_MAX_HCALLS 8

#ifndef __ASSEMBLER__
#include <stdint.h>

struct guest_head {
	uint32_t magic;
	uint32_t entry;
	uint32_t ud_handler;
	uint32_t gp_handler;
	uint32_t other_handler;	/* every other vector */
	uint32_t image_end;	/* end of .bss */
};

struct guest_regs {
	uint32_t eax, ebx, ecx, edx;
};

struct guest_io {
	/* request, written by the host */
	uint32_t magic;
	uint32_t use_vmmcall;	/* AMD: vmmcall, else vmcall */
	uint32_t nleaves;
	uint32_t leaves[GUEST_MAX_LEAVES][2];	/* function, index */
	uint32_t nmsrs;
	uint32_t msrs[GUEST_MAX_MSRS];
	uint64_t msr_write[GUEST_MAX_MSRS];	/* the harmless value written */
	uint32_t nhcalls;
	uint32_t hcalls[GUEST_MAX_HCALLS];
	uint64_t hcall_args[GUEST_MAX_HCALLS][4];

	/* results, written by the guest: untrusted */
	uint32_t leaves_done;
	struct guest_regs leaf_out[GUEST_MAX_LEAVES];
	uint32_t scan_done;
	struct guest_regs scan[GUEST_SCAN_STEPS];
	uint32_t hypervisor_bit;	/* CPUID.1:ECX[31] */
	uint32_t detect_base;	/* 0: no KVM signature found */
	uint32_t detect_features;
	uint32_t detect_hints;
	uint32_t msrs_done;
	struct {
		uint64_t value;
		uint32_t rd_vector;	/* 0: no fault, else the vector taken */
		uint32_t wr_vector;
	} msr_out[GUEST_MAX_MSRS];
	uint32_t hcalls_started;
	uint32_t hcalls_done;
	int64_t hcall_ret[GUEST_MAX_HCALLS];
	uint32_t fault_vector;	/* unexpected exception, with its RIP */
	uint64_t fault_rip;
};

_Static_assert(sizeof(struct guest_io) <= GUEST_IO_END - GUEST_IO, "guest_io too big");
#endif /* __ASSEMBLER__ */

#endif
