// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The Intel MultiProcessor Specification 1.4 table that tells Linux how many vCPUs there
 * are and where the IOAPIC is, with no ACPI: a floating pointer ("_MP_") and a
 * configuration table ("PCMP") holding one processor entry per vCPU, an ISA bus, the
 * IOAPIC, the ISA interrupts routed to its pins and the two local interrupts.  The
 * entries are the ones Firecracker writes (src/vmm/src/arch/x86_64/mptable.rs,
 * setup_mptable, itself after kvmtool's x86/mptable.c); Linux reads them in
 * arch/x86/kernel/mpparse.c (smp_scan_config, smp_read_mpc).  The APs then start through
 * the in-kernel LAPIC's INIT/SIPI.
 */
#include <string.h>

#include "boot.h"

/* Layouts of arch/x86/include/asm/mpspec_def.h, written byte by byte (packed). */
#define MPF_SIZE 16
#define MPC_HEADER_SIZE 44
#define MPC_CPU_SIZE 20
#define MPC_SMALL_SIZE 8	/* bus, ioapic, intsrc, lintsrc */

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_INTSRC = 3, MP_LINTSRC = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

#define MP_SPEC 4		/* version 1.4 */
#define APIC_VERSION 0x14
#define IOAPIC_VERSION 0x11
#define CPU_ENABLED 1
#define CPU_BOOTPROCESSOR 2
#define CPU_STEPPING 0x600	/* family 6: Firecracker's value; Linux only prints it */
#define CPU_FEATURE_FPU 0x001
#define CPU_FEATURE_APIC 0x200
#define MPC_APIC_USABLE 1
#define ISA_IRQS 16		/* the legacy IRQs, identity-routed to IOAPIC pins 0-15 */
#define BUS_ISA 0

size_t boot_mptable_size(unsigned int cpus)
{
	return MPF_SIZE + MPC_HEADER_SIZE + (size_t)cpus * MPC_CPU_SIZE +
	       (1 + 1 + ISA_IRQS + 2) * MPC_SMALL_SIZE;
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static uint8_t *small_entry(uint8_t *p, uint8_t type, uint8_t a, uint8_t b, uint16_t flags,
			    uint8_t c, uint8_t d)
{
	p[0] = type;
	p[1] = a;
	if (type == MP_BUS) {
		memcpy(p + 2, "ISA   ", 6);
		return p + MPC_SMALL_SIZE;
	}
	if (type == MP_IOAPIC) {
		p[2] = b;	/* version */
		p[3] = MPC_APIC_USABLE;
		put32(p + 4, BOOT_IOAPIC_ADDR);
		return p + MPC_SMALL_SIZE;
	}
	/* intsrc / lintsrc: irqtype a, irqflag, source bus, source irq, destination, pin */
	put16(p + 2, flags);
	p[4] = BUS_ISA;
	p[5] = b;
	p[6] = c;
	p[7] = d;
	return p + MPC_SMALL_SIZE;
}

int boot_mptable(uint8_t *mem, size_t mem_size, uint64_t addr, unsigned int cpus)
{
	size_t size = boot_mptable_size(cpus);
	uint8_t ioapic = (uint8_t)cpus;
	uint8_t *mpf, *mpc, *p;
	unsigned int i;
	uint16_t count = 0;

	if (!cpus || cpus > BOOT_MAX_CPUS)
		return -EINVAL;
	if (addr > mem_size || size > mem_size - addr)
		return -ENOSPC;
	mpf = mem + addr;
	mpc = mpf + MPF_SIZE;
	memset(mpf, 0, size);

	p = mpc + MPC_HEADER_SIZE;
	for (i = 0; i < cpus; i++, count++) {
		p[0] = MP_PROCESSOR;
		p[1] = (uint8_t)i;	/* APIC ID = KVM's vCPU id */
		p[2] = APIC_VERSION;
		p[3] = CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0);
		put32(p + 4, CPU_STEPPING);
		put32(p + 8, CPU_FEATURE_APIC | CPU_FEATURE_FPU);
		p += MPC_CPU_SIZE;
	}
	p = small_entry(p, MP_BUS, BUS_ISA, 0, 0, 0, 0);
	p = small_entry(p, MP_IOAPIC, ioapic, IOAPIC_VERSION, 0, 0, 0);
	count += 2;
	/* ISA IRQ n to IOAPIC pin n, default polarity and trigger, as Firecracker routes them */
	for (i = 0; i < ISA_IRQS; i++, count++)
		p = small_entry(p, MP_INTSRC, MP_INT, (uint8_t)i, 0, ioapic, (uint8_t)i);
	/* LINT0 of the BSP is the PIC's ExtINT, LINT1 of every CPU (0xff) is NMI */
	p = small_entry(p, MP_LINTSRC, MP_EXTINT, 0, 0, 0, 0);
	p = small_entry(p, MP_LINTSRC, MP_NMI, 0, 0, 0xff, 1);
	count += 2;

	memcpy(mpc, "PCMP", 4);
	put16(mpc + 4, (uint16_t)(p - mpc));
	mpc[6] = MP_SPEC;
	memcpy(mpc + 8, "KVMCPUID", 8);		/* OEM id */
	memcpy(mpc + 16, "BOOT        ", 12);	/* product id */
	put16(mpc + 34, count);
	put32(mpc + 36, BOOT_LAPIC_ADDR);
	mpc[7] = checksum(mpc, (size_t)(p - mpc));

	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, (uint32_t)(addr + MPF_SIZE));
	mpf[8] = 1;		/* length in 16-byte paragraphs */
	mpf[9] = MP_SPEC;
	mpf[10] = checksum(mpf, MPF_SIZE);
	return 0;
}
