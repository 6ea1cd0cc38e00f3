// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The bzImage loader and the MP table on synthetic images built here: every check of the
 * setup header with its exact message, and every byte the loader writes that Linux reads.
 */
#include "boot/boot.h"
#include "testutil.h"
#include "boot-kernel.h"

#define MIB (1024 * 1024)

static struct kvmcpuid_ctx *ctx;
static uint8_t *mem;
static size_t mem_size;

static void setup(void)
{
	ctx = test_ctx();
	mem_size = 128 * MIB;
	mem = calloc(1, mem_size);
	ck_assert_ptr_nonnull(mem);
}

static void teardown(void)
{
	free(mem);
	ctx = kvmcpuid_unref(ctx);
}

static struct boot_spec spec(void)
{
	return (struct boot_spec){
		.kernel = image, .kernel_len = sizeof(image), .kernel_origin = "vmlinuz",
		.cmdline = "console=ttyS0 panic=-1", .cpus = 2, .mem_size = mem_size,
	};
}

static bool mem_is_zero(void)
{
	size_t i;

	for (i = 0; i < mem_size; i += 8)
		if (get64(mem + i))
			return false;
	return true;
}

/* boot_parse of the first len bytes of img fails with r and exactly msg. */
static void parse_fails_in(const uint8_t *img, size_t len, const char *origin, int r,
			   const char *msg)
{
	struct kvmcpuid_diag d = { 0 };
	struct boot_kernel k;
	char buf[600];

	ck_assert_int_eq(boot_parse(ctx, img, len, origin, &k, &d), r);
	ck_assert_str_eq(kvmcpuid_diag_format(&d, buf, sizeof(buf)), msg);
}

/* ... of the bzImage, named "vmlinuz" */
static void parse_fails(size_t len, int r, const char *msg)
{
	parse_fails_in(image, len, "vmlinuz", r, msg);
}

/* boot_load fails with r and exactly msg, and writes nothing. */
static void load_fails(const struct boot_spec *s, int r, const char *msg)
{
	struct kvmcpuid_diag d = { 0 };
	struct boot_image img;
	char buf[600];

	ck_assert_int_eq(boot_load(ctx, s, mem, &img, &d), r);
	ck_assert_str_eq(kvmcpuid_diag_format(&d, buf, sizeof(buf)), msg);
	ck_assert(mem_is_zero());
}

START_TEST(parse_header)
{
	struct kvmcpuid_diag d = { 0 };
	struct boot_kernel k;

	make_image();
	ck_assert_int_eq(boot_parse(ctx, image, sizeof(image), "vmlinuz", &k, &d), 0);
	ck_assert_str_eq(d.message, "");
	ck_assert_uint_eq(k.version, 0x020f);
	ck_assert_uint_eq(k.setup_size, SETUP_SIZE);
	ck_assert_uint_eq(k.kernel_size, KERNEL_SIZE);
	ck_assert(k.relocatable);
	ck_assert_uint_eq(k.kernel_alignment, 0x200000);
	ck_assert_uint_eq(k.pref_address, 0x1000000);
	ck_assert_uint_eq(k.init_size, 0x2000000);
	ck_assert_uint_eq(k.cmdline_size, 2047);
	ck_assert_uint_eq(k.initrd_addr_max, 0x7fffffff);
	ck_assert_uint_eq(k.header_end, 0x26c);
	ck_assert_uint_eq(k.xloadflags, 0x7f);

	/* boot.rst: setup_sects 0 means 4 */
	image[0x1f1] = 0;
	ck_assert_int_eq(boot_parse(ctx, image, sizeof(image), "vmlinuz", &k, &d), 0);
	ck_assert_uint_eq(k.setup_size, SETUP_SIZE);
	/* a longer header is read up to boot_params' slot (0x290) only */
	image[0x201] = 0xff;
	ck_assert_int_eq(boot_parse(ctx, image, sizeof(image), "vmlinuz", &k, &d), 0);
	ck_assert_uint_eq(k.header_end, 0x290);
}
END_TEST

START_TEST(parse_errors)
{
	make_image();
	parse_fails(0x100, -EINVAL,
		    "vmlinuz: truncated: 256 bytes, too short for a bzImage's setup header");
	parse_fails(0x250, -EINVAL, "vmlinuz: truncated: 592 bytes, the setup header ends at 620");
	parse_fails(sizeof(image) - 1, -EINVAL,
		    "vmlinuz: truncated: 6655 bytes, the setup (2560 bytes) and the protected-mode "
		    "kernel (syssize: 4096 bytes) need 6656");
	image[0x1f1] = 5;	/* one more setup sector: the kernel now ends past the file */
	parse_fails(sizeof(image), -EINVAL,
		    "vmlinuz: truncated: 6656 bytes, the setup (3072 bytes) and the protected-mode "
		    "kernel (syssize: 4096 bytes) need 7168");
	make_image();
	memcpy(image + 0x202, "HdrT", 4);
	parse_fails(sizeof(image), -EINVAL,
		    "vmlinuz: not a bzImage (no \"HdrS\" boot header at 0x202) nor an ELF vmlinux");
	make_image();
	put16(image + 0x1fe, 0);
	parse_fails(sizeof(image), -EINVAL,
		    "vmlinuz: not a bzImage (no \"HdrS\" boot header at 0x202) nor an ELF vmlinux");
	make_image();
	put16(image + 0x206, 0x020b);
	parse_fails(sizeof(image), -ENOTSUP,
		    "vmlinuz: boot protocol 2.11 is too old: the loader needs 2.12 (Linux 3.8) "
		    "for the 64-bit entry point");
	make_image();
	image[0x201] = 0x5e;
	parse_fails(sizeof(image), -EINVAL,
		    "vmlinuz: not a bzImage: its setup header ends at 0x260, before init_size "
		    "(0x264)");
	make_image();
	put16(image + 0x236, 0x7e);
	parse_fails(sizeof(image), -ENOTSUP,
		    "vmlinuz: no 64-bit entry point (XLF_KERNEL_64 clear in xloadflags): "
		    "a 32-bit kernel?");
	make_image();
	image[0x211] = 0;
	parse_fails(sizeof(image), -EINVAL,
		    "vmlinuz: a zImage (LOADED_HIGH clear in loadflags), not a bzImage");
	make_image();
	put32(image + 0x230, 0x300000);
	parse_fails(sizeof(image), -EINVAL,
		    "vmlinuz: not a bzImage: kernel_alignment 0x300000 is not a power of two");
	make_image();
	put32(image + 0x260, 0);
	parse_fails(sizeof(image), -EINVAL, "vmlinuz: not a bzImage: init_size is 0");
	make_image();
	put32(image + 0x1f4, 0);
	parse_fails(sizeof(image), -EINVAL, "vmlinuz: not a bzImage: syssize is 0");
	make_image();
	put32(image + 0x1f4, 0x10000000);
	parse_fails(sizeof(image), -EINVAL, "vmlinuz: not a bzImage: syssize 0x10000000 is out of range");
}
END_TEST

START_TEST(load_layout)
{
	static const char cmdline[] = "console=ttyS0 panic=-1";
	struct boot_spec s;
	struct boot_image img;
	const uint8_t *bp = mem + BOOT_ZERO_PAGE;
	unsigned int i;

	make_image();
	s = spec();
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	/* a relocatable kernel at pref_address, entered at startup_64 */
	ck_assert_uint_eq(img.load_addr, 0x1000000);
	ck_assert_uint_eq(img.runtime_start, 0x1000000);
	ck_assert_uint_eq(img.entry, 0x1000200);
	ck_assert_int_eq(memcmp(mem + img.load_addr, image + SETUP_SIZE, KERNEL_SIZE), 0);
	ck_assert_uint_eq(mem[img.load_addr + KERNEL_SIZE], 0);
	/* boot_params: the header copied to its end, the loader's fields */
	ck_assert_int_eq(memcmp(bp + 0x1f1, image + 0x1f1, 0x210 - 0x1f1), 0);
	ck_assert_uint_eq(bp[0x26b], 0x77);
	ck_assert_uint_eq(bp[0x26c], 0);
	ck_assert_uint_eq(bp[0x210], 0xff);	/* type_of_loader */
	ck_assert_uint_eq(get32(bp + 0x214), 0x1000000);	/* code32_start */
	ck_assert_uint_eq(get32(bp + 0x228), BOOT_CMDLINE);	/* cmd_line_ptr */
	ck_assert_str_eq((const char *)mem + BOOT_CMDLINE, cmdline);
	ck_assert_uint_eq(get32(bp + 0x218), 0);	/* no initrd */
	ck_assert_uint_eq(get32(bp + 0x21c), 0);
	/* e820: RAM below the EBDA, the EBDA, the BIOS area, RAM from 1 MiB to the end */
	ck_assert_uint_eq(bp[0x1e8], 4);
	ck_assert_uint_eq(img.e820_entries, 4);
	ck_assert_uint_eq(get64(bp + 0x2d0), 0);
	ck_assert_uint_eq(get64(bp + 0x2d0 + 8), 0x9fc00);
	ck_assert_uint_eq(get32(bp + 0x2d0 + 16), E820_RAM);
	ck_assert_uint_eq(get64(bp + 0x2e4), 0x9fc00);
	ck_assert_uint_eq(get64(bp + 0x2e4 + 8), 0x400);
	ck_assert_uint_eq(get32(bp + 0x2e4 + 16), E820_RESERVED);
	ck_assert_uint_eq(get64(bp + 0x2f8), 0xf0000);
	ck_assert_uint_eq(get64(bp + 0x2f8 + 8), 0x10000);
	ck_assert_uint_eq(get32(bp + 0x2f8 + 16), E820_RESERVED);
	ck_assert_uint_eq(get64(bp + 0x30c), 0x100000);
	ck_assert_uint_eq(get64(bp + 0x30c + 8), mem_size - 0x100000);
	ck_assert_uint_eq(get32(bp + 0x30c + 16), E820_RAM);
	ck_assert_uint_eq(get64(bp + 0x320), 0);
	/* identity map of 4 GiB in 2 MiB pages */
	ck_assert_uint_eq(get64(mem + BOOT_PML4), BOOT_PDPT | 3);
	ck_assert_uint_eq(get64(mem + BOOT_PML4 + 8), 0);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(get64(mem + BOOT_PDPT + i * 8), (BOOT_PD + i * 0x1000) | 3);
	ck_assert_uint_eq(get64(mem + BOOT_PDPT + 32), 0);
	for (i = 0; i < 2048; i++)
		ck_assert_uint_eq(get64(mem + BOOT_PD + i * 8), ((uint64_t)i << 21) | 0x83);
	/* the GDT: __BOOT_CS 64-bit code, __BOOT_DS flat data, a TSS */
	ck_assert_uint_eq(get64(mem + BOOT_GDT), 0);
	ck_assert_uint_eq(get64(mem + BOOT_GDT + BOOT_CS), 0x00af9b000000ffffull);
	ck_assert_uint_eq(get64(mem + BOOT_GDT + BOOT_DS), 0x00cf93000000ffffull);
	ck_assert_uint_eq(get64(mem + BOOT_GDT + BOOT_TSS), 0x00008b0000000067ull);
	/* the MP floating pointer where Linux scans for it */
	ck_assert_uint_eq(img.mptable, 0xf0000);
	ck_assert_int_eq(memcmp(mem + 0xf0000, "_MP_", 4), 0);
}
END_TEST

/*
 * An ELF vmlinux as arch/x86/kernel/vmlinux.lds.S links one (readelf -l of Debian's 6.1):
 * text at 16 MiB (entry phys_startup_64 at its start), data after it, a segment whose
 * memory is longer than its file bytes (bss), and a PT_NOTE the loader skips.  Segment
 * bytes: 0xa1, 0xa2, 0xa3; linux_banner in the data.
 */
#define ELF_TEXT 0x1000000ull
#define ELF_DATA 0x1200000ull
#define ELF_BSS 0x1400000ull
static uint8_t elf[0x4000];

static void elf_phdr(unsigned int i, uint32_t type, uint64_t off, uint64_t paddr, uint64_t filesz,
		     uint64_t memsz)
{
	uint8_t *ph = elf + 64 + i * 56;

	put32(ph, type);
	put64(ph + 8, off);
	put64(ph + 16, paddr | 0xffffffff80000000ull);	/* p_vaddr: the kernel map */
	put64(ph + 24, paddr);
	put64(ph + 32, filesz);
	put64(ph + 40, memsz);
}

static void make_elf(void)
{
	static const char banner[] = "Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org)";

	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\177ELF", 4);
	elf[4] = 2;			/* ELFCLASS64 */
	elf[5] = 1;			/* ELFDATA2LSB */
	elf[6] = 1;
	put16(elf + 16, 2);		/* ET_EXEC */
	put16(elf + 18, 62);		/* EM_X86_64 */
	put64(elf + 24, ELF_TEXT);	/* e_entry */
	put64(elf + 32, 64);		/* e_phoff */
	put16(elf + 54, 56);		/* e_phentsize */
	put16(elf + 56, 4);		/* e_phnum */
	/* out of address order, as a linker may write them */
	elf_phdr(0, 1, 0x2000, ELF_DATA, 0x800, 0x800);
	elf_phdr(1, 1, 0x1000, ELF_TEXT, 0x1000, 0x1000);
	elf_phdr(2, 4, 0x1010, ELF_TEXT + 0x10, 0x20, 0x20);	/* PT_NOTE */
	elf_phdr(3, 1, 0x3000, ELF_BSS, 0x100, 0x3000);
	memset(elf + 0x1000, 0xa1, 0x1000);
	memset(elf + 0x2000, 0xa2, 0x800);
	memcpy(elf + 0x2100, banner, sizeof(banner));
	memset(elf + 0x3000, 0xa3, 0x100);
}

static void elf_fails(size_t len, int r, const char *msg)
{
	parse_fails_in(elf, len, "vmlinux", r, msg);
}

START_TEST(elf_load)
{
	struct boot_spec s = spec();
	struct boot_image img;
	const uint8_t *bp = mem + BOOT_ZERO_PAGE;
	uint64_t a;

	make_elf();
	s.kernel = elf;
	s.kernel_len = sizeof(elf);
	s.kernel_origin = "vmlinux";
	memset(mem + ELF_BSS, 0xee, 0x4000);	/* the loader must clear the bss itself */
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	ck_assert_uint_eq(img.k.version, 0);
	ck_assert_uint_eq(img.k.nseg, 3);
	ck_assert_uint_eq(img.k.seg[0].paddr, ELF_TEXT);
	ck_assert_uint_eq(img.k.seg[1].paddr, ELF_DATA);
	ck_assert_uint_eq(img.k.seg[2].paddr, ELF_BSS);
	ck_assert_str_eq(img.k.release, "6.1.0-50-amd64");
	/* entered at e_entry, not at load + 0x200 */
	ck_assert_uint_eq(img.load_addr, ELF_TEXT);
	ck_assert_uint_eq(img.runtime_start, ELF_TEXT);
	ck_assert_uint_eq(img.entry, ELF_TEXT);
	/* every segment at its physical address, its bss zeroed, nothing between */
	for (a = ELF_TEXT; a < ELF_TEXT + 0x1000; a++)
		ck_assert_uint_eq(mem[a], 0xa1);
	ck_assert_uint_eq(mem[ELF_TEXT + 0x1000], 0);
	for (a = ELF_DATA; a < ELF_DATA + 0x800; a++)
		ck_assert_uint_eq(mem[a], elf[0x2000 + a - ELF_DATA]);
	ck_assert_uint_eq(mem[ELF_DATA + 0x800], 0);
	for (a = ELF_BSS; a < ELF_BSS + 0x3000; a++)
		ck_assert_uint_eq(mem[a], a < ELF_BSS + 0x100 ? 0xa3 : 0);
	ck_assert_uint_eq(mem[ELF_BSS + 0x3000], 0xee);	/* past memsz: untouched */
	/* boot_params: no header to copy, the fields the kernel proper reads written */
	ck_assert_uint_eq(get16(bp + 0x1fe), 0xaa55);
	ck_assert_uint_eq(get32(bp + 0x202), 0x53726448);
	ck_assert_uint_eq(get16(bp + 0x206), 0x020f);
	ck_assert_uint_eq(bp[0x210], 0xff);
	ck_assert_uint_eq(bp[0x211], 0x01);
	ck_assert_uint_eq(get32(bp + 0x228), BOOT_CMDLINE);
	ck_assert_uint_eq(get32(bp + 0x22c), 0x7fffffff);
	ck_assert_uint_eq(get32(bp + 0x230), 0x1000000);
	ck_assert_uint_eq(get32(bp + 0x238), 2047);
	ck_assert_uint_eq(get32(bp + 0x1f4), 0);	/* syssize: none */
	ck_assert_str_eq((const char *)mem + BOOT_CMDLINE, "console=ttyS0 panic=-1");
	ck_assert_uint_eq(bp[0x1e8], 4);
	ck_assert_int_eq(memcmp(mem + 0xf0000, "_MP_", 4), 0);
}
END_TEST

START_TEST(elf_errors)
{
	struct boot_spec s = spec();

	make_elf();
	elf_fails(40, -EINVAL, "vmlinux: truncated: 40 bytes, too short for an ELF header");
	elf_fails(0x100, -EINVAL,
		  "vmlinux: truncated or not a vmlinux: 4 program headers of 56 bytes at 0x40 in "
		  "256 bytes");
	elf_fails(0x3080, -EINVAL,
		  "vmlinux: truncated or not a vmlinux: segment 3 (256 bytes at 0x3000) is not "
		  "within its 12416 bytes");
	elf[4] = 1;
	elf_fails(sizeof(elf), -ENOTSUP,
		  "vmlinux: an ELF file, but not a 64-bit x86 executable (a vmlinux is "
		  "ELFCLASS64, little-endian, EM_X86_64, ET_EXEC)");
	make_elf();
	put16(elf + 18, 183);	/* EM_AARCH64 */
	elf_fails(sizeof(elf), -ENOTSUP,
		  "vmlinux: an ELF file, but not a 64-bit x86 executable (a vmlinux is "
		  "ELFCLASS64, little-endian, EM_X86_64, ET_EXEC)");
	make_elf();
	put16(elf + 16, 3);	/* ET_DYN */
	elf_fails(sizeof(elf), -ENOTSUP,
		  "vmlinux: an ELF file, but not a 64-bit x86 executable (a vmlinux is "
		  "ELFCLASS64, little-endian, EM_X86_64, ET_EXEC)");
	make_elf();
	put16(elf + 54, 32);
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: truncated or not a vmlinux: 4 program headers of 32 bytes at 0x40 in "
		  "16384 bytes");
	make_elf();
	elf_phdr(3, 1, 0x3000, ELF_BSS, 0x200, 0x100);	/* file longer than memory */
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: not a vmlinux: segment 3 has more file bytes (0x200) than memory "
		  "(0x100)");
	make_elf();
	/* an offset that wraps around with its size */
	elf_phdr(3, 1, 0xffffffffffffff00ull, ELF_BSS, 0x200, 0x200);
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: truncated or not a vmlinux: segment 3 (512 bytes at "
		  "0xffffffffffffff00) is not within its 16384 bytes");
	make_elf();
	elf_phdr(3, 1, 0x3000, 0x80000, 0x100, 0x100);
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: not a vmlinux: segment 3 (0x100 bytes at physical 0x80000) is not "
		  "within 1 MiB to 3072 MiB");
	make_elf();
	/* memory that wraps around with its address */
	elf_phdr(3, 1, 0x3000, 0x2000000, 0x100, 0xffffffffffffff00ull);
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: not a vmlinux: segment 3 (0xffffffffffffff00 bytes at physical "
		  "0x2000000) is not within 1 MiB to 3072 MiB");
	/* seventeen loadable segments: more than a vmlinux has */
	make_elf();
	put16(elf + 56, 17);
	for (unsigned int i = 0; i < 17; i++)
		elf_phdr(i, 1, 0x1000, ELF_TEXT + i * 0x200000, 0x10, 0x10);
	elf_fails(sizeof(elf), -EINVAL, "vmlinux: not a vmlinux: more than 16 loadable segments");
	make_elf();
	elf_phdr(3, 1, 0x3000, ELF_DATA + 0x400, 0x100, 0x100);
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: not a vmlinux: its segments at 0x1200000 and 0x1200400 overlap");
	make_elf();
	put64(elf + 24, ELF_BSS + 0x200);	/* in the bss: no code there */
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: not a vmlinux: its entry 0x1400200 is in no loaded segment (a "
		  "vmlinux's e_entry is phys_startup_64)");
	make_elf();
	elf_phdr(1, 1, 0x1000, ELF_TEXT + 0x1000, 0x1000, 0x1000);
	put64(elf + 24, ELF_TEXT + 0x1000);
	elf_fails(sizeof(elf), -EINVAL,
		  "vmlinux: not a vmlinux: it starts at 0x1001000, not 2 MiB aligned");
	make_elf();
	elf_phdr(0, 4, 0, 0, 0, 0);
	elf_phdr(1, 4, 0, 0, 0, 0);
	elf_phdr(3, 4, 0, 0, 0, 0);
	elf_fails(sizeof(elf), -EINVAL, "vmlinux: not a vmlinux: no loadable segment");
	/* a kernel bigger than the memory: nothing written */
	make_elf();
	elf_phdr(3, 1, 0x3000, ELF_BSS, 0x100, 0x8000000);
	s.kernel = elf;
	s.kernel_len = sizeof(elf);
	s.kernel_origin = "vmlinux";
	load_fails(&s, -ENOSPC,
		   "vmlinux: the kernel runs at 0x1000000 and needs 132 MiB there (its segments): "
		   "128 MiB of guest memory is not enough");
}
END_TEST

START_TEST(load_not_relocatable)
{
	struct boot_spec s;
	struct boot_image img;

	make_image();
	image[0x234] = 0;
	s = spec();
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	/* kvmtool's BZ_KERNEL_START; it moves itself to pref_address */
	ck_assert_uint_eq(img.load_addr, 0x100000);
	ck_assert_uint_eq(img.runtime_start, 0x1000000);
	ck_assert_uint_eq(img.entry, 0x100200);
	ck_assert_int_eq(memcmp(mem + 0x100000, image + SETUP_SIZE, KERNEL_SIZE), 0);
}
END_TEST

START_TEST(load_alignment)
{
	struct boot_spec s;
	struct boot_image img;

	make_image();
	put32(image + 0x258, 0x1100000);	/* 17 MiB: aligned up to 18 MiB */
	s = spec();
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	ck_assert_uint_eq(img.load_addr, 0x1200000);
	ck_assert_uint_eq(img.entry, 0x1200200);
}
END_TEST

START_TEST(load_initrd)
{
	static uint8_t initrd[10000];
	struct boot_spec s;
	struct boot_image img;

	make_image();
	memset(initrd, 0xa5, sizeof(initrd));
	s = spec();
	s.initrd = initrd;
	s.initrd_len = sizeof(initrd);
	s.initrd_origin = "initrd.img";
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	/* as high as it goes: the end of memory, 4 KiB aligned down */
	ck_assert_uint_eq(img.initrd_addr, (mem_size - sizeof(initrd)) & ~0xfffull);
	ck_assert_int_eq(memcmp(mem + img.initrd_addr, initrd, sizeof(initrd)), 0);
	ck_assert_uint_eq(get32(mem + BOOT_ZERO_PAGE + 0x218), img.initrd_addr);
	ck_assert_uint_eq(get32(mem + BOOT_ZERO_PAGE + 0x21c), sizeof(initrd));

	/* below initrd_addr_max when that is lower */
	memset(mem, 0, mem_size);
	put32(image + 0x22c, 0x4000000 - 1);
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	ck_assert_uint_eq(img.initrd_addr, (0x4000000 - sizeof(initrd)) & ~0xfffull);

	/* no room between the kernel's end (16 + 32 MiB) and initrd_addr_max */
	memset(mem, 0, mem_size);
	put32(image + 0x22c, 0x3000fff);
	load_fails(&s, -ENOSPC,
		   "initrd.img: the initrd (10000 bytes) does not fit between the kernel's end "
		   "(0x3000000) and 0x3001000 (initrd_addr_max)");
	/* nor below the end of memory */
	make_image();
	s.mem_size = 48 * MIB + 8192;
	load_fails(&s, -ENOSPC,
		   "initrd.img: the initrd (10000 bytes) does not fit between the kernel's end "
		   "(0x3000000) and 0x3002000 (the end of guest memory)");
	s.initrd_len = 4096;
	ck_assert_int_eq(boot_load(ctx, &s, mem, &img, NULL), 0);
	ck_assert_uint_eq(img.initrd_addr, 0x3001000);
}
END_TEST

START_TEST(load_errors)
{
	static char long_cmdline[3000];
	struct boot_spec s;

	make_image();
	s = spec();
	s.cpus = 0;
	load_fails(&s, -EINVAL, "0 vCPUs: a boot takes 1 to 254");
	s.cpus = 255;
	load_fails(&s, -EINVAL, "255 vCPUs: a boot takes 1 to 254");
	s.cpus = 9;
	s.max_cpus = 8;
	load_fails(&s, -EINVAL, "9 vCPUs: a boot takes 1 to 8 (KVM's limit here)");

	s = spec();
	memset(long_cmdline, 'x', 2048);
	s.cmdline = long_cmdline;
	load_fails(&s, -E2BIG,
		   "the command line is 2048 bytes, the kernel takes at most 2047 (cmdline_size)");
	long_cmdline[2047] = '\0';
	ck_assert_int_eq(boot_load(ctx, &s, mem, &(struct boot_image){ 0 }, NULL), 0);
	ck_assert_str_eq((const char *)mem + BOOT_CMDLINE, long_cmdline);
	memset(mem, 0, mem_size);

	/* pref_address 16 MiB + init_size 32 MiB: 47 MiB is one too few */
	s = spec();
	s.mem_size = 47 * MIB;
	load_fails(&s, -ENOSPC,
		   "vmlinuz: the kernel runs at 0x1000000 and needs 32 MiB there (init_size): "
		   "47 MiB of guest memory is not enough");
	s.mem_size = 48 * MIB;
	ck_assert_int_eq(boot_load(ctx, &s, mem, &(struct boot_image){ 0 }, NULL), 0);
	memset(mem, 0, mem_size);
	s.mem_size = 1 * MIB;
	load_fails(&s, -EINVAL, "1 MiB of guest memory: a boot takes 2 to 3072 MiB");
	s.mem_size = 3073ull * MIB;
	load_fails(&s, -EINVAL, "3073 MiB of guest memory: a boot takes 2 to 3072 MiB");

	/* a header error comes first, through boot_parse */
	s = spec();
	s.kernel_len = 100;
	load_fails(&s, -EINVAL,
		   "vmlinuz: truncated: 100 bytes, too short for a bzImage's setup header");
}
END_TEST

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* The table as Linux's mpparse.c (smp_scan_config, smp_read_mpc) reads it. */
static void check_mptable(unsigned int cpus)
{
	const uint8_t *mpf = mem + 0xf0000, *mpc, *p;
	unsigned int i, count, ioapic = cpus;
	uint16_t len;

	memset(mem, 0, 0x100000);
	ck_assert_int_eq(boot_mptable(mem, mem_size, 0xf0000, cpus), 0);
	ck_assert_int_eq(memcmp(mpf, "_MP_", 4), 0);
	ck_assert_uint_eq(sum(mpf, 16), 0);
	ck_assert_uint_eq(mpf[8], 1);		/* 16 bytes */
	ck_assert_uint_eq(mpf[9], 4);		/* MP 1.4 */
	ck_assert_uint_eq(mpf[11], 0);		/* feature1 0: a configuration table follows */
	ck_assert_uint_eq(get32(mpf + 4), 0xf0010);
	mpc = mem + get32(mpf + 4);
	ck_assert_int_eq(memcmp(mpc, "PCMP", 4), 0);
	len = (uint16_t)(mpc[4] | mpc[5] << 8);
	ck_assert_uint_eq(len + 16, boot_mptable_size(cpus));
	ck_assert_uint_eq(sum(mpc, len), 0);
	ck_assert_uint_eq(mpc[6], 4);
	ck_assert_uint_eq(get32(mpc + 36), 0xfee00000);	/* the LAPIC */
	count = mpc[34] | mpc[35] << 8;
	ck_assert_uint_eq(count, cpus + 2 + 16 + 2);
	p = mpc + 44;
	for (i = 0; i < cpus; i++, p += 20) {
		ck_assert_uint_eq(p[0], 0);			/* processor */
		ck_assert_uint_eq(p[1], i);			/* APIC ID */
		ck_assert_uint_eq(p[2], 0x14);
		ck_assert_uint_eq(p[3], i == 0 ? 3 : 1);	/* enabled, BSP on 0 only */
		ck_assert_uint_eq(get32(p + 8), 0x201);		/* APIC, FPU */
	}
	ck_assert_uint_eq(p[0], 1);				/* the ISA bus, id 0 */
	ck_assert_uint_eq(p[1], 0);
	ck_assert_int_eq(memcmp(p + 2, "ISA   ", 6), 0);
	p += 8;
	ck_assert_uint_eq(p[0], 2);				/* the IOAPIC */
	ck_assert_uint_eq(p[1], ioapic);
	ck_assert_uint_eq(p[2], 0x11);
	ck_assert_uint_eq(p[3], 1);				/* usable */
	ck_assert_uint_eq(get32(p + 4), 0xfec00000);
	p += 8;
	for (i = 0; i < 16; i++, p += 8) {
		ck_assert_uint_eq(p[0], 3);			/* intsrc: ISA i -> pin i */
		ck_assert_uint_eq(p[1], 0);			/* mp_INT */
		ck_assert_uint_eq(p[2] | p[3] << 8, 0);		/* default polarity/trigger */
		ck_assert_uint_eq(p[4], 0);
		ck_assert_uint_eq(p[5], i);
		ck_assert_uint_eq(p[6], ioapic);
		ck_assert_uint_eq(p[7], i);
	}
	ck_assert_uint_eq(p[0], 4);				/* LINT0: ExtINT on the BSP */
	ck_assert_uint_eq(p[1], 3);
	ck_assert_uint_eq(p[6], 0);
	ck_assert_uint_eq(p[7], 0);
	p += 8;
	ck_assert_uint_eq(p[0], 4);				/* LINT1: NMI on every CPU */
	ck_assert_uint_eq(p[1], 1);
	ck_assert_uint_eq(p[6], 0xff);
	ck_assert_uint_eq(p[7], 1);
	p += 8;
	ck_assert_uint_eq((size_t)(p - mpc), len);
	ck_assert_uint_eq(*p, 0);				/* nothing written past it */
}

START_TEST(mptable)
{
	check_mptable(1);
	check_mptable(2);
	check_mptable(BOOT_MAX_CPUS);
	ck_assert_int_eq(boot_mptable(mem, mem_size, 0xf0000, 0), -EINVAL);
	ck_assert_int_eq(boot_mptable(mem, mem_size, 0xf0000, BOOT_MAX_CPUS + 1), -EINVAL);
	ck_assert_int_eq(boot_mptable(mem, 0xf0100, 0xf0000, 2), -ENOSPC);
	ck_assert_int_eq(boot_mptable(mem, 0xf0000 + boot_mptable_size(2), 0xf0000, 2), 0);
}
END_TEST

static uint8_t uart_in(struct boot_uart *u, unsigned int off)
{
	uint8_t v = 0x55;

	ck_assert_int_eq(boot_uart_io(u, off, false, &v), -1);
	return v;
}

static int uart_out(struct boot_uart *u, unsigned int off, uint8_t v)
{
	return boot_uart_io(u, off, true, &v);
}

/* What Linux's 8250 driver does to the console UART (8250_port.c autoconfig, console write). */
START_TEST(uart)
{
	struct boot_uart u = { 0 };

	/* transmit: THR takes the byte, LSR always says THRE|TEMT, nothing to receive */
	ck_assert_int_eq(uart_out(&u, 0, 'K'), 'K');
	ck_assert_uint_eq(uart_in(&u, 5), 0x60);
	ck_assert_uint_eq(uart_in(&u, 0), 0);
	/* the scratch register and IER's four bits (autoconfig's scratch test) */
	ck_assert_int_eq(uart_out(&u, 7, 0xa5), -1);
	ck_assert_uint_eq(uart_in(&u, 7), 0xa5);
	ck_assert_int_eq(uart_out(&u, 1, 0xff), -1);
	ck_assert_uint_eq(uart_in(&u, 1), 0x0f);
	/* no interrupt pending; a 16550A once the FIFOs are on */
	ck_assert_uint_eq(uart_in(&u, 2), 0x01);
	ck_assert_int_eq(uart_out(&u, 2, 0x07), -1);
	ck_assert_uint_eq(uart_in(&u, 2), 0xc1);
	/* DLAB: offsets 0 and 1 are the divisor, not THR and IER */
	ck_assert_int_eq(uart_out(&u, 3, 0x83), -1);
	ck_assert_uint_eq(uart_in(&u, 3), 0x83);
	ck_assert_int_eq(uart_out(&u, 0, 0x01), -1);
	ck_assert_int_eq(uart_out(&u, 1, 0x00), -1);
	ck_assert_uint_eq(uart_in(&u, 0), 0x01);
	ck_assert_uint_eq(uart_in(&u, 1), 0x00);
	ck_assert_int_eq(uart_out(&u, 3, 0x03), -1);
	ck_assert_uint_eq(uart_in(&u, 1), 0x0f);
	/* modem status: a terminal is there (DCD, DSR, CTS) */
	ck_assert_uint_eq(uart_in(&u, 6), 0xb0);
	/* loopback (autoconfig's test): MCR 0x10 -> MSR 0, MCR 0x1f -> 0xf0; nothing is sent */
	ck_assert_int_eq(uart_out(&u, 4, 0x10), -1);
	ck_assert_uint_eq(uart_in(&u, 6), 0x00);
	ck_assert_int_eq(uart_out(&u, 4, 0x1f), -1);
	ck_assert_uint_eq(uart_in(&u, 4), 0x1f);
	ck_assert_uint_eq(uart_in(&u, 6), 0xf0);
	ck_assert_int_eq(uart_out(&u, 4, 0x1a), -1);	/* OUT2, RTS: DCD, CTS */
	ck_assert_uint_eq(uart_in(&u, 6), 0x90);
	ck_assert_int_eq(uart_out(&u, 0, 'x'), -1);
	ck_assert_int_eq(uart_out(&u, 4, 0x0b), -1);
	ck_assert_int_eq(uart_out(&u, 0, '\n'), '\n');
}
END_TEST

static bool put_all(struct boot_console *con, const char *s)
{
	bool panic = false;

	while (*s)
		panic |= boot_console_put(con, *s++);
	return panic;
}

START_TEST(console)
{
	char buf[64], tail[32];
	struct boot_console con = { .buf = buf, .cap = sizeof(buf) };
	struct boot_result res = { 0 };

	/* the panic is seen when its line ends, never before; "\r" is dropped */
	ck_assert(!put_all(&con, "[    0.1] hello\r\n[    4.8] Kernel panic - not syncing: VFS"));
	ck_assert(put_all(&con, "\r\n"));
	ck_assert_str_eq(buf, "[    0.1] hello\n[    4.8] Kernel panic - not syncing: VFS\n");
	ck_assert(!con.truncated);
	ck_assert_ptr_null(boot_last_line(&res, tail, sizeof(tail)));	/* nothing printed */
	ck_assert_str_eq(tail, "");
	res.console = buf;
	res.console_len = con.len;
	/* the last line's last 31 bytes */
	ck_assert_str_eq(boot_last_line(&res, tail, sizeof(tail)), "its console's last line");
	ck_assert_str_eq(tail, "Kernel panic - not syncing: VFS");
	boot_last_line(&res, tail, 8);
	ck_assert_str_eq(tail, "ng: VFS");
	boot_last_line(&res, tail, 5);
	ck_assert_str_eq(tail, " VFS");
	/* the guest's log, where it was read, over its quiet console */
	res.log = (char *)"kvm-guest: setup PV IPIs\nsmpboot: CPU 1 is now offline\n\n";
	res.log_len = strlen(res.log);
	ck_assert_str_eq(boot_last_line(&res, tail, sizeof(tail)), "the last line of its log");
	ck_assert_str_eq(tail, "smpboot: CPU 1 is now offline");
	res.log = NULL;
	/* past the buffer: the text stops, the panic line is still seen */
	ck_assert(!put_all(&con, "0123456789"));
	ck_assert(con.truncated);
	ck_assert_uint_eq(con.len, sizeof(buf) - 1);
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	ck_assert(put_all(&con, "Kernel panic - not syncing\n"));
	/* a line longer than the line buffer: its start is what is matched */
	memset(con.line, 0, sizeof(con.line));
	con.line_len = 0;
	for (size_t i = 0; i < 300; i++)
		boot_console_put(&con, 'x');
	ck_assert(!put_all(&con, "Kernel panic - not syncing\n"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("boot-loader");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_header);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, load_layout);
	tcase_add_test(tc, load_not_relocatable);
	tcase_add_test(tc, load_alignment);
	tcase_add_test(tc, load_initrd);
	tcase_add_test(tc, load_errors);
	tcase_add_test(tc, elf_load);
	tcase_add_test(tc, elf_errors);
	tcase_add_test(tc, mptable);
	tcase_add_test(tc, uart);
	tcase_add_test(tc, console);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
