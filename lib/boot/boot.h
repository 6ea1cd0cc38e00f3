/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Booting Linux (internal): the x86 64-bit boot protocol of the kernel tree's
 * Documentation/arch/x86/boot.rst, written as pure functions into a guest-memory buffer
 * (loader.c, mptable.c), and the run on KVM (run.c).
 */
#ifndef KVMCPUID_BOOT_H
#define KVMCPUID_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/*
 * The oldest boot protocol the loader takes: 2.12 (Linux 3.8) is the first with
 * xloadflags, whose XLF_KERNEL_64 says the image has the 64-bit entry point at
 * load address + 0x200 (boot.rst, "64-bit BOOT PROTOCOL").  It also brings every field
 * the loader reads: cmdline_size (2.06), pref_address and init_size (2.10).
 */
#define BOOT_MIN_PROTOCOL 0x020c
/* The MP table's APIC IDs are 8 bits: vCPUs 0..N-1, the IOAPIC takes N (as Firecracker). */
#define BOOT_MAX_CPUS 254u
/* No RAM is mapped into the PCI hole below 4 GiB (IOAPIC 0xfec00000, LAPIC 0xfee00000). */
#define BOOT_MAX_MEMORY (3ull << 30)

/* The guest's low memory, as Firecracker's arch/x86_64 layout (layout.rs) places it. */
#define BOOT_GDT 0x500ull
#define BOOT_ZERO_PAGE 0x7000ull
#define BOOT_STACK 0x8ff0ull
#define BOOT_PML4 0x9000ull
#define BOOT_PDPT 0xa000ull
#define BOOT_PD 0xb000ull	/* four page directories: 4 GiB of 2 MiB pages */
#define BOOT_CMDLINE 0x20000ull
#define BOOT_EBDA 0x9fc00ull	/* the end of the RAM below 640 KiB */
#define BOOT_BIOS 0xf0000ull	/* the BIOS area: reserved; the MP table lives here */
#define BOOT_HIMEM 0x100000ull
#define BOOT_IOAPIC_ADDR 0xfec00000u
#define BOOT_LAPIC_ADDR 0xfee00000u

/* GDT selectors: boot.rst asks for __BOOT_CS 0x10 and __BOOT_DS 0x18, 4 GiB flat. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_TSS 0x20
#define BOOT_GDT_ENTRIES 5

/* xloadflags and loadflags bits (arch/x86/include/uapi/asm/bootparam.h) */
#define XLF_KERNEL_64 (1u << 0)
#define LOADED_HIGH (1u << 0)

/* Little-endian fields of the boot structures, at any alignment. */
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static inline uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A loadable segment of an ELF vmlinux (its PT_LOAD program header). */
struct boot_segment {
	uint64_t offset, paddr, filesz, memsz;
};
#define BOOT_ELF_MAX_SEGMENTS 16

/*
 * What the setup header of a bzImage says (boot.rst, "THE REAL-MODE KERNEL HEADER"), or,
 * for an ELF vmlinux (version 0), what its program headers say in the same terms: the
 * span of its segments as kernel_size/init_size, its e_entry as entry.
 */
struct boot_kernel {
	uint16_t version;		/* 0x206: 0x020c is 2.12; 0: an ELF vmlinux */
	uint32_t setup_size;		/* (setup_sects + 1) * 512: the protected-mode kernel's offset */
	uint32_t kernel_size;		/* syssize * 16: its length */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;		/* memory from the runtime start the kernel needs */
	uint32_t cmdline_size;		/* longest command line, without its NUL */
	uint32_t initrd_addr_max;	/* highest address the initrd may occupy */
	uint32_t header_end;		/* 0x202 + the byte at 0x201 */
	char release[65];		/* kernel_version's first word ("6.1.0-28-amd64"), or "" */
	/* an ELF vmlinux: its PT_LOAD segments, lowest address first, and its entry */
	unsigned int nseg;
	struct boot_segment seg[BOOT_ELF_MAX_SEGMENTS];
	uint64_t entry;
};

/*
 * Check a bzImage or an ELF vmlinux (len bytes; origin names it in diagnostics) and read
 * its setup header or program headers.  Returns 0, -EINVAL (truncated, not a bzImage nor
 * a vmlinux; diag says which), -ENOTSUP (a protocol older than BOOT_MIN_PROTOCOL, no
 * 64-bit entry point, an ELF that is not a 64-bit x86 executable).
 */
int boot_parse(struct kvmcpuid_ctx *ctx, const uint8_t *image, size_t len, const char *origin,
	       struct boot_kernel *k, struct kvmcpuid_diag *diag);

/* What to load. */
struct boot_spec {
	const uint8_t *kernel;
	size_t kernel_len;
	const char *kernel_origin;
	const uint8_t *initrd;		/* NULL: none */
	size_t initrd_len;
	const char *initrd_origin;
	const char *cmdline;		/* NULL: empty */
	unsigned int cpus;
	unsigned int max_cpus;		/* KVM's limit; 0: BOOT_MAX_CPUS */
	size_t mem_size;		/* bytes of guest RAM, from address 0 */
};

/* Where it went. */
struct boot_image {
	struct boot_kernel k;
	uint64_t load_addr;		/* the protected-mode kernel */
	uint64_t runtime_start;		/* where it runs (boot.rst, init_size) */
	uint64_t entry;			/* startup_64: load_addr + 0x200 */
	uint64_t initrd_addr;		/* 0: none */
	uint64_t mptable;		/* the MP floating pointer */
	unsigned int e820_entries;
};

/*
 * Check spec against the kernel's header and load everything into mem (spec->mem_size
 * bytes, zeroed by the caller): the protected-mode kernel, boot_params with the e820 map
 * and command line, the initrd, identity page tables for the first 4 GiB, the GDT and the
 * MP table.  Nothing is written unless every check passes.  Returns 0, the errors of
 * boot_parse, -EINVAL (cpus 0 or past the limit, memory out of range), -E2BIG (a command
 * line longer than cmdline_size), -ENOSPC (kernel or initrd does not fit the memory).
 */
int boot_load(struct kvmcpuid_ctx *ctx, const struct boot_spec *spec, uint8_t *mem,
	      struct boot_image *img, struct kvmcpuid_diag *diag);
/* boot_load's checks alone, *img filled: what to do before any memory exists. */
int boot_check(struct kvmcpuid_ctx *ctx, const struct boot_spec *spec, struct boot_image *img,
	       struct kvmcpuid_diag *diag);

/* The e820 map boot_load writes: up to BOOT_E820_MAX entries {addr, size, type}. */
#define BOOT_E820_MAX 4
#define E820_RAM 1
#define E820_RESERVED 2
struct boot_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};
unsigned int boot_e820(size_t mem_size, struct boot_e820 *out);

/* ---- the MP table (mptable.c) ---- */
/* Bytes the MP table of cpus vCPUs takes (floating pointer + configuration table). */
size_t boot_mptable_size(unsigned int cpus);
/*
 * Write the MP table for cpus vCPUs (APIC IDs 0..cpus-1, 0 the BSP) at addr of mem (mem_size
 * bytes): Linux's smp_scan_config finds the floating pointer in 0xf0000-0xfffff.
 * Returns 0, -EINVAL (cpus 0 or past BOOT_MAX_CPUS), -ENOSPC (does not fit).
 */
int boot_mptable(uint8_t *mem, size_t mem_size, uint64_t addr, unsigned int cpus);

/* ---- the console (uart.c) ---- */
#define BOOT_UART_PORT 0x3f8
struct boot_uart {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
};
/*
 * One byte access to register off (0-7) of the UART: a write takes *val, a read fills it.
 * Returns the byte the guest transmitted, or -1 when the access transmits nothing.
 */
int boot_uart_io(struct boot_uart *u, unsigned int off, bool write, uint8_t *val);
/* The writes to the data port KVM keeps in its coalesced ring, when it can. */
struct boot_ring {
	struct kvm_coalesced_mmio_ring *ring;	/* NULL: every byte exits */
	unsigned int max;			/* entries in the ring page */
};
void boot_ring_setup(struct kvmcpuid_ctx *ctx, int vm_fd, void *vcpu_run, size_t run_size,
		     struct boot_ring *r);
bool boot_ring_pop(struct boot_ring *r, struct kvm_coalesced_mmio *e);

/* What the guest wrote, and its current line, for the end of the run. */
#define BOOT_PANIC_LINE "Kernel panic - not syncing"
struct boot_console {
	char *buf;			/* cap bytes, NUL-terminated */
	size_t len, cap;
	bool truncated;			/* bytes past cap - 1 were dropped */
	char line[160];
	size_t line_len;
};
/* Append a byte; true when it ends a line holding BOOT_PANIC_LINE.  "\r" is dropped. */
bool boot_console_put(struct boot_console *con, char c);

/* ---- the run on KVM (run.c) ---- */
/* How a boot ended: the public enum's values (kvmcpuid.h). */
enum boot_end {
	BOOT_END_NONE = KVMCPUID_BOOT_END_NONE,
	BOOT_END_PANIC = KVMCPUID_BOOT_END_PANIC,
	BOOT_END_RESET = KVMCPUID_BOOT_END_RESET,
	BOOT_END_SHUTDOWN = KVMCPUID_BOOT_END_SHUTDOWN,
	BOOT_END_HLT = KVMCPUID_BOOT_END_HLT,
	BOOT_END_DEADLINE = KVMCPUID_BOOT_END_DEADLINE,
	BOOT_END_ERROR = KVMCPUID_BOOT_END_ERROR,
};
const char *boot_end_name(enum boot_end end);

/* The PV MSRs read back from every vCPU at the end (arch/x86/include/uapi/asm/kvm_para.h). */
#define BOOT_PV_MSRS KVMCPUID_BOOT_MSRS
extern const uint32_t boot_pv_msrs[BOOT_PV_MSRS];

struct boot_config {
	struct boot_spec spec;
	const struct kvm_cpuid_entry2 *table;	/* every vCPU's (its APIC ID set per vCPU) */
	size_t nent;
	unsigned int apply_flags;	/* KVMCPUID_APPLY_ENFORCE */
	unsigned int deadline_ms;	/* from the first KVM_RUN to the end */
};

struct boot_result {
	enum boot_end end;
	unsigned int end_vcpu;		/* the vCPU that saw it */
	uint64_t setup_ms;		/* VM, memory, load and vCPUs, to the first KVM_RUN */
	uint64_t run_ms;		/* the first KVM_RUN to the end */
	uint64_t first_output_ms;	/* the first KVM_RUN to the first console byte (0: none) */
	char *console;			/* what the guest wrote to the UART, NUL-terminated */
	size_t console_len;
	bool console_truncated;		/* past BOOT_CONSOLE_MAX: the rest is dropped */
	/*
	 * The guest kernel's log (its printk ring buffer), read from its memory once every
	 * vCPU stopped (klog.c): every record, whatever the console's level; NULL when it
	 * could not be read, log_why saying why.
	 */
	char *log;
	size_t log_len;
	uint64_t log_lost;		/* records overwritten before the oldest it holds */
	char log_why[160];
	unsigned int cpus;
	struct kvmcpuid_boot_vcpu *vcpu;	/* cpus of them */
};
#define BOOT_CONSOLE_MAX (1u << 20)

/*
 * Boot the kernel of cfg->spec on cfg->spec.cpus vCPUs (each with cfg->table) until it
 * ends (enum boot_end), then kick every vCPU out of KVM_RUN and read its PV MSRs.
 * *res is filled whenever the guest ran (free it with boot_result_clear), also when the
 * result is -ETIMEDOUT (the deadline) or -EIO (a vCPU failed; diag says which and why).
 * Returns 0, the errors of boot_load, -ENOENT/-EACCES/-ENODEV (no usable /dev/kvm),
 * -ENOMEM, -EIO, -ETIMEDOUT.
 */
int boot_run(struct kvmcpuid_ctx *ctx, const struct boot_config *cfg, struct boot_result *res,
	     struct kvmcpuid_diag *diag);
void boot_result_clear(struct boot_result *res);
/*
 * Whether the rules read the guest's log: read, and whole since the kernel's first line
 * (a ring that wrapped lost its oldest records, where the first PV lines are).
 */
static inline bool boot_log_whole(const struct boot_result *res)
{
	return res->log && !res->log_lost;
}
/* What the rules read: the guest's whole log, else its console. */
static inline const char *boot_text(const struct boot_result *res)
{
	return boot_log_whole(res) ? res->log : res->console ? res->console : "";
}
/*
 * The guest's last line that is not empty (its last len - 1 bytes), for messages: from its
 * log where it was read (even wrapped: its newest lines), else from its console (uart.c,
 * beside the console's buffer).  Returns
 * what it is ("the last line of its log", "its console's last line"), or NULL with out ""
 * when the guest printed nothing.
 */
const char *boot_last_line(const struct boot_result *res, char *out, size_t len);
/*
 * A policy's table for a Linux guest, by the path every VMM takes: build for h, merge into
 * h's KVM_GET_SUPPORTED_CPUID, the hypervisor bit set as every VMM sets it.  *table is
 * malloc'd.  Returns 0, the errors of kvmcpuid_build and kvmcpuid_cpuid_merge.
 */
int boot_policy_table(const struct kvmcpuid_policy *p, const struct kvmcpuid_host *h,
		      unsigned int flags, struct kvm_cpuid_entry2 **table, size_t *nent,
		      unsigned int *apply_flags, struct kvmcpuid_diag *diag);
/* A whole file (a kernel, an initrd: up to 1 GiB) into a malloc'd buffer. */
int boot_read_file(struct kvmcpuid_ctx *ctx, const char *path, uint8_t **buf, size_t *len,
		   struct kvmcpuid_diag *diag);

/* ---- the guest (guest.c); what Linux should do, what it did (rules.c) ---- */
/* Command-line words Linux's PV rules read. */
enum {
	BOOT_CMD_NO_KVMCLOCK = 1 << 0,
	BOOT_CMD_NO_KVMAPF = 1 << 1,
	BOOT_CMD_NOPVSPIN = 1 << 2,
	BOOT_CMD_NOPV = 1 << 3,
	BOOT_CMD_INFO_HIDDEN = 1 << 4,	/* quiet / loglevel<=6: pr_info lines not on the console */
};
unsigned int boot_cmdline_flags(const char *cmdline);
/* The setup header's kernel_version, its first word (uname -r), into out; "" if none. */
void boot_release(const uint8_t *image, size_t len, char *out, size_t size);
/* A vmlinux's release: the word after linux_banner's "Linux version ", into out; "" if none. */
void boot_elf_release(const uint8_t *image, size_t len, char *out, size_t size);
/* "6.1.0-28-amd64" -> 0x601 (KV(6, 1)); 0 if not MAJOR.MINOR... */
#define KV(maj, min) ((unsigned int)(maj) << 8 | (unsigned int)(min))
unsigned int boot_release_version(const char *release);

/* Everything a prediction depends on. */
struct boot_guest {
	uint32_t base;			/* where Linux finds KVM; 0: nowhere (bare hardware) */
	uint32_t features, hints;	/* base+1 EAX, EDX */
	bool mwait;			/* CPUID.1:ECX[3] */
	bool enforce;			/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	unsigned int cpus;		/* possible CPUs (the MP table's) */
	unsigned int cmd;		/* BOOT_CMD_* */
	unsigned int version;		/* major << 8 | minor; 0: unknown (the newest rules) */
	char release[65];
};
/* The guest of an applied table: Linux's detection walk (with CPUID.1's hypervisor bit). */
void boot_guest_from_table(const struct kvm_cpuid_entry2 *table, size_t nent,
			   unsigned int apply_flags, unsigned int cpus, const char *cmdline,
			   const char *release, struct boot_guest *g);
/* What Linux does with feature (enum kvmcpuid_feature_id): a pure function of g. */
enum kvmcpuid_use boot_predict(const struct boot_guest *g, int feature);
const char *boot_use_name(enum kvmcpuid_use u);
/*
 * The report of a run: one GUEST check for KVM's detection, then one per rule (predicted
 * against the PV MSRs of every vCPU and the console).  Returns 0, -ENOMEM.
 */
int boot_report(struct kvmcpuid_ctx *ctx, const struct boot_guest *g,
		const struct boot_result *res, struct kvmcpuid_report **ret);

#endif
