/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contract between the host (lib/vm.c, lib/verify.c) and the verifying guest
 * (lib/guest/).  Guest physical memory, identity-mapped, packed so that a verify touches
 * as few pages as it can (each page a guest first touches is a nested page fault, an
 * exit; on kvm_pvm each distinct page touched between two exits costs ~2 us):
 *
 *   0x0000  PML4 (entry 0 only), then GDT 0x0100, IDT 0x0200 (32 gates), TSS 0x0400,
 *           scratch 0x0f00 (wall clock MSR writes land here)
 *   0x1000  PDPT (entry 0 only)
 *   0x2000  PD (entry 0 only: one 2 MiB page), then the guest image from 0x2100
 *   0x3000  vCPU slots, GUEST_SLOT_SIZE each, one per vCPU id: struct guest_io at the
 *           slot's start and the stack at the top of that same page; the next page holds
 *           the full scan's results, touched only when the host asks for the full scan.
 *
 * A vCPU enters with RDI = its slot and GS.base = its slot: the exception handlers
 * keep their state in the slot (%gs), so vCPUs of one VM run the guest concurrently.
 */
#ifndef KVMCPUID_GUEST_PROTOCOL_H
#define KVMCPUID_GUEST_PROTOCOL_H

#define GUEST_PML4 0x0000
#define GUEST_GDT 0x0100
#define GUEST_IDT 0x0200
#define GUEST_TSS 0x0400
#define GUEST_SCRATCH 0x0f00
#define GUEST_PDPT 0x1000
#define GUEST_PD 0x2000
#define GUEST_IMAGE 0x2100
#define GUEST_IMAGE_MAX (0x3000 - GUEST_IMAGE)
#define GUEST_SLOTS 0x3000
#define GUEST_SLOT_SIZE 0x2000
#define GUEST_SLOT_STACK 0x1000	/* stack top, from the slot's start */
#define GUEST_SLOT_SCAN 0x1000	/* the full scan's results, from the slot's start */
#define GUEST_MAX_VCPUS 32
#define GUEST_MEM_SIZE (GUEST_SLOTS + GUEST_MAX_VCPUS * GUEST_SLOT_SIZE)

/* Offsets in struct guest_io that the assembly uses (checked below). */
#define GUEST_IO_FIXUP 0
#define GUEST_IO_TRAP 8
#define GUEST_IO_FAULT_VECTOR 12
#define GUEST_IO_FAULT_RIP 16

#define GUEST_MAGIC 0x4b435047	/* "GPCK" */
#define GUEST_PORT 0x0cb0	/* one OUT to this port: the guest is done */
#define GUEST_PHASE_DONE 2	/* every result is in */
#define GUEST_PHASE_FAULT 0xee	/* an exception nobody expected */

#define GUEST_MAX_LEAVES 48
#define GUEST_SCAN_STEPS 256
#define GUEST_MAX_MSRS 16
#define GUEST_MAX_HCALLS 8

/* Request flags */
#define GUEST_SCAN_FULL 1	/* read all 256 steps into the scan page */
#define GUEST_NO_HCALLS 2	/* hypercalls do not complete here: make none */
#define GUEST_TEST_HANG 4	/* tests: never finish (a missed deadline) */

#ifndef __ASSEMBLER__
#include <stddef.h>
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
	/* the guest's own state: its exception handlers' fixup address and vector */
	uint64_t fixup_rip;
	uint32_t trap_vector;
	uint32_t fault_vector;	/* unexpected exception, with its RIP */
	uint64_t fault_rip;

	/* request, written by the host */
	uint32_t magic;
	uint32_t use_vmmcall;	/* AMD: vmmcall, else vmcall */
	uint32_t flags;		/* GUEST_SCAN_FULL, GUEST_NO_PAUSE */
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
	uint32_t hypervisor_bit;	/* CPUID.1:ECX[31] */
	uint32_t walk_steps;	/* 0x100 steps read by the detection (or the full scan) */
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
};

/* The full scan's results, GUEST_SLOT_SCAN into the slot. */
struct guest_scan {
	struct guest_regs step[GUEST_SCAN_STEPS];
};

_Static_assert(offsetof(struct guest_io, fixup_rip) == GUEST_IO_FIXUP, "fixup offset");
_Static_assert(offsetof(struct guest_io, trap_vector) == GUEST_IO_TRAP, "trap offset");
_Static_assert(offsetof(struct guest_io, fault_vector) == GUEST_IO_FAULT_VECTOR, "fault offset");
_Static_assert(offsetof(struct guest_io, fault_rip) == GUEST_IO_FAULT_RIP, "rip offset");
/* the stack needs ~256 bytes: keep 1 KiB of the page for it */
_Static_assert(sizeof(struct guest_io) <= GUEST_SLOT_STACK - 1024, "guest_io too big");
_Static_assert(sizeof(struct guest_scan) <= GUEST_SLOT_SIZE - GUEST_SLOT_SCAN, "scan too big");
#endif /* __ASSEMBLER__ */

#endif
