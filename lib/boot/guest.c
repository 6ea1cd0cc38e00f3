// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The guest a boot's predictions are about (struct boot_guest): what its command line
 * turns off and how loud its console is, its kernel release from the bzImage's setup
 * header, and what Linux's detection walk finds in the applied table.  rules.c predicts
 * from it alone.
 */
#include <stdlib.h>
#include <string.h>

#include "boot.h"

#define CPUID1_ECX_MONITOR (1u << 3)	/* X86_FEATURE_MWAIT */
#define CPUID1_ECX_HYPERVISOR (1u << 31)

/* The command-line words the rules read (arch/x86/kernel/kvm.c, kvmclock.c early_param). */
static const struct {
	const char *word;
	unsigned int flag;
} cmd_words[] = {
	{ "no-kvmclock", BOOT_CMD_NO_KVMCLOCK },	/* kvmclock.c parse_no_kvmclock */
	{ "no-kvmapf", BOOT_CMD_NO_KVMAPF },		/* kvm.c parse_no_kvmapf */
	{ "nopvspin", BOOT_CMD_NOPVSPIN },		/* kvm.c / spinlock.c nopvspin */
	{ "nopv", BOOT_CMD_NOPV },			/* hypervisor.c: no KVM detection */
};

/*
 * The console's level as the command line leaves it (init/main.c: "quiet" sets
 * CONSOLE_LOGLEVEL_QUIET, 4; "debug" CONSOLE_LOGLEVEL_DEBUG, 10; "loglevel=N" N; the last
 * word wins; "ignore_loglevel" prints everything): a message shows when its level is
 * below it, so pr_info (6) needs 7, Debian's CONFIG_CONSOLE_LOGLEVEL_DEFAULT.
 */
#define LOGLEVEL_DEFAULT 7
#define LOGLEVEL_INFO 6

unsigned int boot_cmdline_flags(const char *cmdline)
{
	unsigned int flags = 0, i, level = LOGLEVEL_DEFAULT;
	const char *p = cmdline ? cmdline : "";
	bool ignore = false;

	while (*p) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		for (i = 0; i < ARRAY_SIZE(cmd_words); i++)
			if (n == strlen(cmd_words[i].word) && !strncmp(p, cmd_words[i].word, n))
				flags |= cmd_words[i].flag;
		if (n == 5 && !strncmp(p, "quiet", 5))
			level = 4;
		else if (n == 5 && !strncmp(p, "debug", 5))
			level = 10;
		else if (n > 9 && !strncmp(p, "loglevel=", 9))
			level = (unsigned int)strtoul(p + 9, NULL, 10);
		else if (n == 15 && !strncmp(p, "ignore_loglevel", 15))
			ignore = true;
		p += n;
	}
	if (level <= LOGLEVEL_INFO && !ignore)
		flags |= BOOT_CMD_INFO_HIDDEN;
	return flags;
}

/* "6.1.0-28-amd64": KV(6, 1); 0 when it does not start with MAJOR.MINOR. */
unsigned int boot_release_version(const char *release)
{
	char *end;
	unsigned long maj, min;

	if (!release || *release < '0' || *release > '9')
		return 0;
	maj = strtoul(release, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return 0;
	min = strtoul(end + 1, &end, 10);
	return maj > 254 || min > 255 ? 0 : KV(maj, min);
}

/* The printable word at p (at most len bytes) into out, NUL-terminated. */
static void boot_word(const uint8_t *p, size_t len, char *out, size_t size)
{
	size_t n = 0;

	while (n < len && n + 1 < size && p[n] > ' ' && p[n] < 0x7f)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * boot.rst, kernel_version (0x20e, protocol 2.00): "If set to a nonzero value, contains a
 * pointer to a NUL-terminated human-readable kernel version number string, less 0x200."
 * Its first word is the release (uname -r).
 */
void boot_release(const uint8_t *image, size_t len, char *out, size_t size)
{
	size_t off;

	out[0] = '\0';
	if (len < 0x210 || !get16(image + 0x20e))
		return;
	off = (size_t)get16(image + 0x20e) + 0x200;
	if (off < len)
		boot_word(image + off, len - off, out, size);
}

/*
 * A vmlinux has no setup header: its release is in linux_banner (init/version.c, "Linux
 * version " UTS_RELEASE " (" ...), the line the kernel prints first.
 */
void boot_elf_release(const uint8_t *image, size_t len, char *out, size_t size)
{
	static const char banner[] = "Linux version ";
	const uint8_t *p = image, *end = image + len;
	size_t n = sizeof(banner) - 1;

	out[0] = '\0';
	while ((p = memmem(p, (size_t)(end - p), banner, n))) {
		p += n;
		if (p < end && *p >= '0' && *p <= '9')
			break;
	}
	if (p)
		boot_word(p, (size_t)(end - p), out, size);
}

void boot_guest_from_table(const struct kvm_cpuid_entry2 *table, size_t nent,
			   unsigned int apply_flags, unsigned int cpus, const char *cmdline,
			   const char *release, struct boot_guest *g)
{
	const struct kvm_cpuid_entry2 *one = table_find(table, nent, 1, 0), *kvm;

	memset(g, 0, sizeof(*g));
	g->cpus = cpus;
	g->enforce = apply_flags & KVMCPUID_APPLY_ENFORCE;
	g->cmd = boot_cmdline_flags(cmdline);
	g->version = boot_release_version(release);
	snprintf(g->release, sizeof(g->release), "%s", release ? release : "");
	g->mwait = one && (one->ecx & CPUID1_ECX_MONITOR);
	/* kvm.c __kvm_cpuid_base: only with X86_FEATURE_HYPERVISOR, and not under "nopv" */
	if (!one || !(one->ecx & CPUID1_ECX_HYPERVISOR) || (g->cmd & BOOT_CMD_NOPV))
		return;
	g->base = table_kvm_base(table, nent);
	kvm = g->base ? table_find(table, nent, g->base | 1, 0) : NULL;
	if (kvm) {
		g->features = kvm->eax;
		g->hints = kvm->edx;
	}
}
