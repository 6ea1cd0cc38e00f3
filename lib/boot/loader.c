// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The bzImage loader: the 64-bit boot protocol of the kernel tree's
 * Documentation/arch/x86/boot.rst, the way small VMMs do it without firmware (kvmtool's
 * x86/kvm.c load_bzimage, Firecracker's linux-loader bzimage and its arch/x86_64
 * configure_system).  The setup header is read from the image at 0x1f1 and copied into a
 * zeroed boot_params ("zero page"), which also gets the e820 map, the command line and
 * the initrd; the protected-mode kernel goes to its load address; the BSP enters at
 * startup_64 (load address + 0x200) in long mode on identity page tables, with RSI
 * pointing at boot_params (run.c).  Every check runs before the first byte is written.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"

/* Offsets in the image and in boot_params (arch/x86/include/uapi/asm/bootparam.h). */
#define HDR_START 0x1f1		/* struct setup_header */
#define OFF_SETUP_SECTS 0x1f1
#define OFF_SYSSIZE 0x1f4
#define OFF_BOOT_FLAG 0x1fe
#define OFF_JUMP 0x200
#define OFF_HEADER 0x202
#define OFF_VERSION 0x206
#define OFF_TYPE_OF_LOADER 0x210
#define OFF_LOADFLAGS 0x211
#define OFF_CODE32_START 0x214
#define OFF_RAMDISK_IMAGE 0x218
#define OFF_RAMDISK_SIZE 0x21c
#define OFF_CMD_LINE_PTR 0x228
#define OFF_INITRD_ADDR_MAX 0x22c
#define OFF_KERNEL_ALIGNMENT 0x230
#define OFF_RELOCATABLE 0x234
#define OFF_XLOADFLAGS 0x236
#define OFF_CMDLINE_SIZE 0x238
#define OFF_PREF_ADDRESS 0x258
#define OFF_INIT_SIZE 0x260
#define HDR_NEEDED 0x264	/* init_size is the last field the loader reads */
#define HDR_MAX 0x290		/* boot_params: the setup header's slot ends here */
#define OFF_E820_ENTRIES 0x1e8
#define OFF_E820_TABLE 0x2d0
#define E820_ENTRY_SIZE 20
#define ZERO_PAGE_SIZE 0x1000

#define HDRS_MAGIC 0x53726448u	/* "HdrS" */
#define BOOT_FLAG 0xaa55
#define LOADER_UNDEFINED 0xff	/* type_of_loader: a boot loader without an assigned id */
#define ELF_PROTOCOL 0x020f	/* the version boot_params says for a vmlinux */
#define PAGE_2M 0x83ull		/* present, writable, 2 MiB page */
#define PTE_TABLE 0x3ull	/* present, writable */

/*
 * An ELF vmlinux: the kernel as the build links it, before compression (a kernel tree's
 * vmlinux, or scripts/extract-vmlinux of a bzImage).  Firecracker boots this form (its
 * linux-loader elf::Elf::load, arch/x86_64 configure_system): each PT_LOAD segment at
 * its physical address (arch/x86/kernel/vmlinux.lds.S places them at LOAD_PHYSICAL_ADDR
 * and after), entry at e_entry, which the same script sets to phys_startup_64: startup_64
 * of arch/x86/kernel/head_64.S, entered in long mode on identity page tables with RSI
 * pointing at boot_params, as the bzImage's own decompressor enters it.  No guest-side
 * decompression: on the test VM's nested KVM that took about 2.5 s of a 7 s boot.
 */
#define ELF_MAGIC "\177ELF"
#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define ELF_CMDLINE_SIZE 2047	/* COMMAND_LINE_SIZE (2048) less the NUL, as bzImages say */
#define ELF_INITRD_ADDR_MAX 0x7fffffffu	/* what every bzImage since 2.03 says */

static int elf_parse(struct kvmcpuid_ctx *ctx, const uint8_t *image, size_t len,
		     const char *origin, struct boot_kernel *k, struct kvmcpuid_diag *diag)
{
	uint64_t phoff, lo = UINT64_MAX, file_end = 0, mem_end = 0;
	unsigned int i, phnum, phentsize;

	if (len < EHDR_SIZE)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"truncated: %zu bytes, too short for an ELF header", len);
	if (image[4] != ELFCLASS64 || image[5] != ELFDATA2LSB || get16(image + 18) != EM_X86_64 ||
	    get16(image + 16) != ET_EXEC)
		return diag_set(ctx, diag, ENOTSUP, origin, 0, 0,
				"an ELF file, but not a 64-bit x86 executable (a vmlinux is "
				"ELFCLASS64, little-endian, EM_X86_64, ET_EXEC)");
	phoff = get64(image + 32);
	phentsize = get16(image + 54);
	phnum = get16(image + 56);
	if (phentsize != PHDR_SIZE || !phnum || phoff > len || (len - phoff) / PHDR_SIZE < phnum)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"truncated or not a vmlinux: %u program headers of %u bytes at "
				"0x%llx in %zu bytes", phnum, phentsize, (unsigned long long)phoff,
				len);
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = image + phoff + (size_t)i * PHDR_SIZE;
		struct boot_segment sg = {
			.offset = get64(ph + 8), .paddr = get64(ph + 24),
			.filesz = get64(ph + 32), .memsz = get64(ph + 40),
		};
		unsigned int j;

		if (get32(ph) != PT_LOAD || !sg.memsz)
			continue;
		if (k->nseg == BOOT_ELF_MAX_SEGMENTS)
			return diag_set(ctx, diag, EINVAL, origin, 0, 0,
					"not a vmlinux: more than %u loadable segments",
					BOOT_ELF_MAX_SEGMENTS);
		if (sg.filesz > sg.memsz)
			return diag_set(ctx, diag, EINVAL, origin, 0, 0,
					"not a vmlinux: segment %u has more file bytes (0x%llx) "
					"than memory (0x%llx)", i, (unsigned long long)sg.filesz,
					(unsigned long long)sg.memsz);
		if (sg.offset > len || len - sg.offset < sg.filesz)
			return diag_set(ctx, diag, EINVAL, origin, 0, 0,
					"truncated or not a vmlinux: segment %u (%llu bytes at "
					"0x%llx) is not within its %zu bytes", i,
					(unsigned long long)sg.filesz,
					(unsigned long long)sg.offset, len);
		if (sg.paddr < BOOT_HIMEM || sg.paddr >= BOOT_MAX_MEMORY ||
		    sg.memsz > BOOT_MAX_MEMORY - sg.paddr)
			return diag_set(ctx, diag, EINVAL, origin, 0, 0,
					"not a vmlinux: segment %u (0x%llx bytes at physical 0x%llx) "
					"is not within 1 MiB to %llu MiB", i,
					(unsigned long long)sg.memsz, (unsigned long long)sg.paddr,
					BOOT_MAX_MEMORY >> 20);
		/* in address order, none overlapping */
		for (j = k->nseg; j && k->seg[j - 1].paddr > sg.paddr; j--)
			k->seg[j] = k->seg[j - 1];
		k->seg[j] = sg;
		k->nseg++;
		if (sg.paddr < lo)
			lo = sg.paddr;
		if (sg.paddr + sg.filesz > file_end)
			file_end = sg.paddr + sg.filesz;
		if (sg.paddr + sg.memsz > mem_end)
			mem_end = sg.paddr + sg.memsz;
	}
	if (!k->nseg)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a vmlinux: no loadable segment");
	for (i = 1; i < k->nseg; i++)
		if (k->seg[i - 1].paddr + k->seg[i - 1].memsz > k->seg[i].paddr)
			return diag_set(ctx, diag, EINVAL, origin, 0, 0,
					"not a vmlinux: its segments at 0x%llx and 0x%llx overlap",
					(unsigned long long)k->seg[i - 1].paddr,
					(unsigned long long)k->seg[i].paddr);
	k->entry = get64(image + 24);
	for (i = 0; i < k->nseg; i++)
		if (k->entry >= k->seg[i].paddr && k->entry < k->seg[i].paddr + k->seg[i].filesz)
			break;
	if (i == k->nseg)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a vmlinux: its entry 0x%llx is in no loaded segment (a "
				"vmlinux's e_entry is phys_startup_64)",
				(unsigned long long)k->entry);
	/* __startup_64 of head64.c stops on a kernel that is not 2 MiB aligned */
	if (lo & 0x1fffff)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a vmlinux: it starts at 0x%llx, not 2 MiB aligned",
				(unsigned long long)lo);
	k->pref_address = lo;
	k->kernel_size = (uint32_t)(file_end - lo);
	k->init_size = (uint32_t)(mem_end - lo);
	k->cmdline_size = ELF_CMDLINE_SIZE;
	k->initrd_addr_max = ELF_INITRD_ADDR_MAX;
	boot_elf_release(image, len, k->release, sizeof(k->release));
	return 0;
}

int boot_parse(struct kvmcpuid_ctx *ctx, const uint8_t *image, size_t len, const char *origin,
	       struct boot_kernel *k, struct kvmcpuid_diag *diag)
{
	uint8_t sects;

	memset(k, 0, sizeof(*k));
	if (len >= 4 && !memcmp(image, ELF_MAGIC, 4))
		return elf_parse(ctx, image, len, origin, k, diag);
	if (len < OFF_HEADER + 4)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"truncated: %zu bytes, too short for a bzImage's setup header", len);
	if (get32(image + OFF_HEADER) != HDRS_MAGIC || get16(image + OFF_BOOT_FLAG) != BOOT_FLAG)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a bzImage (no \"HdrS\" boot header at 0x202) nor an ELF "
				"vmlinux");
	k->version = get16(image + OFF_VERSION);
	if (k->version < BOOT_MIN_PROTOCOL)
		return diag_set(ctx, diag, ENOTSUP, origin, 0, 0,
				"boot protocol %u.%02u is too old: the loader needs %u.%02u "
				"(Linux 3.8) for the 64-bit entry point",
				k->version >> 8, k->version & 0xff, BOOT_MIN_PROTOCOL >> 8,
				BOOT_MIN_PROTOCOL & 0xff);
	/* boot.rst: the header ends at 0x202 + the byte at 0x201 (the jump's offset) */
	k->header_end = OFF_HEADER + image[OFF_JUMP + 1];
	if (k->header_end < HDR_NEEDED)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a bzImage: its setup header ends at 0x%x, before init_size (0x%x)",
				k->header_end, HDR_NEEDED);
	if (len < k->header_end)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"truncated: %zu bytes, the setup header ends at %u", len,
				k->header_end);
	if (k->header_end > HDR_MAX)
		k->header_end = HDR_MAX;
	/* boot.rst, setup_sects: "If this field is 0, the real value is 4." */
	sects = image[OFF_SETUP_SECTS] ? image[OFF_SETUP_SECTS] : 4;
	k->setup_size = (sects + 1u) * 512u;
	k->loadflags = image[OFF_LOADFLAGS];
	k->xloadflags = get16(image + OFF_XLOADFLAGS);
	k->relocatable = image[OFF_RELOCATABLE] != 0;
	k->kernel_alignment = get32(image + OFF_KERNEL_ALIGNMENT);
	k->pref_address = get64(image + OFF_PREF_ADDRESS);
	k->init_size = get32(image + OFF_INIT_SIZE);
	k->cmdline_size = get32(image + OFF_CMDLINE_SIZE);
	k->initrd_addr_max = get32(image + OFF_INITRD_ADDR_MAX);
	/* syssize counts 16-byte paragraphs (32 bits since 2.04) */
	if (get32(image + OFF_SYSSIZE) > (UINT32_MAX >> 4))
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a bzImage: syssize 0x%x is out of range",
				get32(image + OFF_SYSSIZE));
	k->kernel_size = get32(image + OFF_SYSSIZE) << 4;
	boot_release(image, len, k->release, sizeof(k->release));
	if (!(k->loadflags & LOADED_HIGH))
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"a zImage (LOADED_HIGH clear in loadflags), not a bzImage");
	if (!(k->xloadflags & XLF_KERNEL_64))
		return diag_set(ctx, diag, ENOTSUP, origin, 0, 0,
				"no 64-bit entry point (XLF_KERNEL_64 clear in xloadflags): "
				"a 32-bit kernel?");
	if (!k->kernel_size || !k->init_size)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a bzImage: %s is 0", k->kernel_size ? "init_size" : "syssize");
	if (k->relocatable &&
	    (!k->kernel_alignment || (k->kernel_alignment & (k->kernel_alignment - 1))))
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"not a bzImage: kernel_alignment 0x%x is not a power of two",
				k->kernel_alignment);
	if (len < (size_t)k->setup_size + k->kernel_size)
		return diag_set(ctx, diag, EINVAL, origin, 0, 0,
				"truncated: %zu bytes, the setup (%u bytes) and the protected-mode "
				"kernel (syssize: %u bytes) need %zu",
				len, k->setup_size, k->kernel_size,
				(size_t)k->setup_size + k->kernel_size);
	return 0;
}

unsigned int boot_e820(size_t mem_size, struct boot_e820 *out)
{
	/* kvmtool's x86/bios.c e820_setup: RAM, the EBDA, the BIOS area, RAM above 1 MiB */
	out[0] = (struct boot_e820){ 0, BOOT_EBDA, E820_RAM };
	out[1] = (struct boot_e820){ BOOT_EBDA, 0xa0000 - BOOT_EBDA, E820_RESERVED };
	out[2] = (struct boot_e820){ BOOT_BIOS, BOOT_HIMEM - BOOT_BIOS, E820_RESERVED };
	out[3] = (struct boot_e820){ BOOT_HIMEM, mem_size - BOOT_HIMEM, E820_RAM };
	return 4;
}

/*
 * Where the kernel runs.  boot.rst, init_size: a relocatable kernel runs at its load
 * address raised to pref_address and aligned up to kernel_alignment, any other at
 * pref_address.  The loader puts a relocatable kernel right there (no move before
 * decompression), any other at 1 MiB, as kvmtool's load_bzimage does (BZ_KERNEL_START).
 */
static void placement(const struct boot_kernel *k, uint64_t *load, uint64_t *runtime)
{
	uint64_t start = BOOT_HIMEM;

	if (!k->version) {	/* a vmlinux: where its segments say */
		*load = *runtime = k->pref_address;
		return;
	}
	if (!k->relocatable) {
		*load = BOOT_HIMEM;
		*runtime = k->pref_address;
		return;
	}
	if (start < k->pref_address)
		start = k->pref_address;
	start = (start + k->kernel_alignment - 1) & ~(uint64_t)(k->kernel_alignment - 1);
	*load = *runtime = start;
}

static int check_spec(struct kvmcpuid_ctx *ctx, const struct boot_spec *s,
		      struct boot_image *img, size_t cmdline_len, struct kvmcpuid_diag *diag)
{
	const struct boot_kernel *k = &img->k;
	unsigned int limit = s->max_cpus && s->max_cpus < BOOT_MAX_CPUS ? s->max_cpus
									 : BOOT_MAX_CPUS;
	uint64_t end, top;

	if (!s->cpus || s->cpus > limit)
		return diag_set(ctx, diag, EINVAL, NULL, 0, 0,
				"%u vCPUs: a boot takes 1 to %u%s", s->cpus, limit,
				limit < BOOT_MAX_CPUS ? " (KVM's limit here)" : "");
	if (s->mem_size < 2 * BOOT_HIMEM || s->mem_size > BOOT_MAX_MEMORY)
		return diag_set(ctx, diag, EINVAL, NULL, 0, 0,
				"%zu MiB of guest memory: a boot takes 2 to %llu MiB",
				s->mem_size >> 20, BOOT_MAX_MEMORY >> 20);
	if (cmdline_len > k->cmdline_size)
		return diag_set(ctx, diag, E2BIG, NULL, 0, 0,
				"the command line is %zu bytes, the kernel takes at most %u "
				"(cmdline_size)", cmdline_len, k->cmdline_size);
	if (cmdline_len >= BOOT_EBDA - BOOT_CMDLINE)
		return diag_set(ctx, diag, E2BIG, NULL, 0, 0,
				"the command line is %zu bytes, the loader takes at most %llu",
				cmdline_len, BOOT_EBDA - BOOT_CMDLINE - 1);
	placement(k, &img->load_addr, &img->runtime_start);
	end = img->runtime_start + k->init_size;
	if (end < img->load_addr + k->kernel_size)
		end = img->load_addr + k->kernel_size;
	if (img->runtime_start < BOOT_HIMEM || end > s->mem_size)
		return diag_set(ctx, diag, ENOSPC, s->kernel_origin, 0, 0,
				"the kernel runs at 0x%llx and needs %u MiB there (%s): "
				"%zu MiB of guest memory is not enough",
				(unsigned long long)img->runtime_start, (k->init_size + 0xfffff) >> 20,
				k->version ? "init_size" : "its segments", s->mem_size >> 20);
	img->entry = k->version ? img->load_addr + 0x200 : k->entry;
	img->initrd_addr = 0;
	if (!s->initrd)
		return 0;
	/* The initrd as high as it may go (kvmtool, Firecracker): below both limits, 4 KiB aligned. */
	top = (uint64_t)k->initrd_addr_max + 1;
	if (top > s->mem_size)
		top = s->mem_size;
	if (s->initrd_len > top || ((top - s->initrd_len) & ~0xfffull) < end)
		return diag_set(ctx, diag, ENOSPC, s->initrd_origin, 0, 0,
				"the initrd (%zu bytes) does not fit between the kernel's end "
				"(0x%llx) and 0x%llx (%s)", s->initrd_len, (unsigned long long)end,
				(unsigned long long)top,
				top == s->mem_size ? "the end of guest memory" : "initrd_addr_max");
	img->initrd_addr = (top - s->initrd_len) & ~0xfffull;
	return 0;
}

static void write_page_tables(uint8_t *mem)
{
	unsigned int i;

	put64(mem + BOOT_PML4, BOOT_PDPT | PTE_TABLE);
	for (i = 0; i < 4; i++)
		put64(mem + BOOT_PDPT + i * 8, (BOOT_PD + i * 0x1000) | PTE_TABLE);
	for (i = 0; i < 4 * 512; i++)
		put64(mem + BOOT_PD + i * 8, ((uint64_t)i << 21) | PAGE_2M);
}

static void write_gdt(uint8_t *mem)
{
	/* null, null, __BOOT_CS (64-bit code), __BOOT_DS (data), a TSS for TR (Intel needs one) */
	static const uint64_t gdt[BOOT_GDT_ENTRIES] = {
		0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull, 0x00008b0000000067ull,
	};
	unsigned int i;

	for (i = 0; i < BOOT_GDT_ENTRIES; i++)
		put64(mem + BOOT_GDT + i * 8, gdt[i]);
}

static void write_zero_page(uint8_t *mem, const struct boot_spec *s,
			    const struct boot_image *img)
{
	uint8_t *bp = mem + BOOT_ZERO_PAGE;
	struct boot_e820 map[BOOT_E820_MAX];
	unsigned int i, n = boot_e820(s->mem_size, map);

	memset(bp, 0, ZERO_PAGE_SIZE);
	if (img->k.version) {
		memcpy(bp + HDR_START, s->kernel + HDR_START, img->k.header_end - HDR_START);
	} else {
		/*
		 * A vmlinux has no setup header: the fields the kernel proper reads, as
		 * Firecracker's configure_system writes them (boot_flag, header, the
		 * loader, kernel_alignment), and the version and loadflags of the newest
		 * protocol (2.15), LOADED_HIGH as for every 64-bit entry.
		 */
		put16(bp + OFF_BOOT_FLAG, BOOT_FLAG);
		put32(bp + OFF_HEADER, HDRS_MAGIC);
		put16(bp + OFF_VERSION, ELF_PROTOCOL);
		bp[OFF_LOADFLAGS] = LOADED_HIGH;
		put32(bp + OFF_KERNEL_ALIGNMENT, 0x1000000);
		put32(bp + OFF_CMDLINE_SIZE, img->k.cmdline_size);
		put32(bp + OFF_INITRD_ADDR_MAX, img->k.initrd_addr_max);
	}
	bp[OFF_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put32(bp + OFF_CODE32_START, (uint32_t)img->load_addr);
	put32(bp + OFF_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE);
	put32(bp + OFF_RAMDISK_IMAGE, (uint32_t)img->initrd_addr);
	put32(bp + OFF_RAMDISK_SIZE, img->initrd_addr ? (uint32_t)s->initrd_len : 0);
	bp[OFF_E820_ENTRIES] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		uint8_t *e = bp + OFF_E820_TABLE + i * E820_ENTRY_SIZE;

		put64(e, map[i].addr);
		put64(e + 8, map[i].size);
		put32(e + 16, map[i].type);
	}
}

int boot_check(struct kvmcpuid_ctx *ctx, const struct boot_spec *s, struct boot_image *img,
	       struct kvmcpuid_diag *diag)
{
	int r;

	memset(img, 0, sizeof(*img));
	r = boot_parse(ctx, s->kernel, s->kernel_len, s->kernel_origin, &img->k, diag);
	if (r < 0)
		return r;
	r = check_spec(ctx, s, img, s->cmdline ? strlen(s->cmdline) : 0, diag);
	if (r < 0)
		return r;
	img->mptable = BOOT_BIOS;
	if (boot_mptable_size(s->cpus) > BOOT_HIMEM - BOOT_BIOS)
		return diag_set(ctx, diag, EINVAL, NULL, 0, 0, "the MP table of %u vCPUs is too big",
				s->cpus);
	return 0;
}

int boot_load(struct kvmcpuid_ctx *ctx, const struct boot_spec *s, uint8_t *mem,
	      struct boot_image *img, struct kvmcpuid_diag *diag)
{
	const char *cmdline = s->cmdline ? s->cmdline : "";
	size_t cmdline_len = strlen(cmdline);
	int r;

	r = boot_check(ctx, s, img, diag);
	if (r < 0)
		return r;
	if (img->k.version) {
		memcpy(mem + img->load_addr, s->kernel + img->k.setup_size, img->k.kernel_size);
	} else {
		unsigned int i;

		for (i = 0; i < img->k.nseg; i++) {
			const struct boot_segment *sg = &img->k.seg[i];

			memcpy(mem + sg->paddr, s->kernel + sg->offset, sg->filesz);
			memset(mem + sg->paddr + sg->filesz, 0, sg->memsz - sg->filesz);
		}
	}
	if (s->initrd)
		memcpy(mem + img->initrd_addr, s->initrd, s->initrd_len);
	memcpy(mem + BOOT_CMDLINE, cmdline, cmdline_len + 1);
	write_zero_page(mem, s, img);
	img->e820_entries = mem[BOOT_ZERO_PAGE + OFF_E820_ENTRIES];
	write_page_tables(mem);
	write_gdt(mem);
	return boot_mptable(mem, s->mem_size, img->mptable, s->cpus);
}

/* The whole of a kernel or initrd file, at most 1 GiB, into one buffer. */
#define BOOT_FILE_MAX (1ull << 30)

int boot_read_file(struct kvmcpuid_ctx *ctx, const char *path, uint8_t **buf, size_t *len,
		   struct kvmcpuid_diag *diag)
{
	struct stat st;
	uint8_t *data = NULL;
	size_t n = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = errno;
		return diag_set(ctx, diag, r, path, 0, 0, "cannot open: %s", strerror(r));
	}
	if (fstat(fd, &st) < 0) {
		r = errno;
		r = diag_set(ctx, diag, r, path, 0, 0, "cannot stat: %s", strerror(r));
		goto err;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > BOOT_FILE_MAX) {
		r = diag_set(ctx, diag, EINVAL, path, 0, 0, "%s",
			     S_ISDIR(st.st_mode) ? "is a directory, not a file"
			     : !S_ISREG(st.st_mode) ? "is not a regular file"
						    : "is larger than 1 GiB");
		goto err;
	}
	data = xalloc(ctx, (size_t)st.st_size + 1);
	if (!data) {
		r = -ENOMEM;
		goto err;
	}
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, data + n, (size_t)st.st_size - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? errno : EIO;
			r = diag_set(ctx, diag, r, path, 0, 0, "cannot read: %s", strerror(r));
			goto err;
		}
		n += (size_t)got;
	}
	close(fd);
	*buf = data;
	*len = n;
	return 0;
err:
	free(data);
	close(fd);
	return r;
}
