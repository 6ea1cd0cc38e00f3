// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The loader on a real bzImage: $KVMCPUID_BOOT_KERNEL, else the first /boot/vmlinuz*.
 * Skips (77) when there is none.
 */
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "boot/boot.h"
#include "testutil.h"
#include "boot-kernel.h"

#define MIB (1024 * 1024)

static char path[4096];
static uint8_t *kimage;
static size_t image_len;

/* The file at p, mapped read-only; its length into *len. */
static uint8_t *map_file(const char *p, size_t *len)
{
	struct stat st;
	uint8_t *m;
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "%s: %s", p, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	ck_assert(m != MAP_FAILED);
	return m;
}

/* The kernel k loaded as kvmcpuid boot loads it by default (256 MiB, 2 vCPUs). */
static uint8_t *load_real(struct kvmcpuid_ctx *ctx, const uint8_t *k, size_t len,
			  const char *origin, struct boot_image *img)
{
	struct kvmcpuid_diag d = { 0 };
	struct boot_spec s = {
		.kernel = k, .kernel_len = len, .kernel_origin = origin,
		.cmdline = "console=ttyS0 panic=-1 loglevel=7", .cpus = 2, .mem_size = 256 * MIB,
	};
	uint8_t *mem = mmap(NULL, s.mem_size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert(mem != MAP_FAILED);
	ck_assert_msg(boot_load(ctx, &s, mem, img, &d) == 0, "%s", d.message);
	return mem;
}

static void read_kernel(void)
{
	kimage = map_file(path, &image_len);
}

START_TEST(real_kernel)
{
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct kvmcpuid_diag d = { 0 };
	struct boot_kernel k;
	struct boot_image img;
	uint8_t *mem;

	read_kernel();
	ck_assert_msg(boot_parse(ctx, kimage, image_len, path, &k, &d) == 0, "%s", d.message);
	printf("%s: protocol %u.%02u, setup %u bytes, kernel %u bytes, init_size %u MiB, "
	       "pref_address 0x%llx, alignment 0x%x, cmdline_size %u, xloadflags 0x%x\n",
	       path, k.version >> 8, k.version & 0xff, k.setup_size, k.kernel_size,
	       k.init_size >> 20, (unsigned long long)k.pref_address, k.kernel_alignment,
	       k.cmdline_size, k.xloadflags);
	ck_assert_uint_ge(k.version, BOOT_MIN_PROTOCOL);
	ck_assert(k.xloadflags & XLF_KERNEL_64);
	/* what a distribution's x86-64 kernel is built with */
	ck_assert(k.relocatable);
	ck_assert_uint_ge(k.cmdline_size, 255);
	ck_assert_uint_gt(k.init_size, k.kernel_size);
	/*
	 * The file holds the setup and the protected-mode kernel (arch/x86/boot/tools/build.c),
	 * then whatever was appended: Debian's signed kernels carry the Secure Boot signature
	 * (1472 bytes on bookworm's and bullseye's).
	 */
	ck_assert_uint_ge(image_len, (size_t)k.setup_size + k.kernel_size);
	ck_assert_uint_le(image_len, (size_t)k.setup_size + k.kernel_size + 64 * 1024);

	/* and it loads, in the memory kvmcpuid boot gives a guest by default */
	mem = load_real(ctx, kimage, image_len, path, &img);
	ck_assert_uint_ge(img.load_addr, k.pref_address);
	ck_assert_uint_eq(img.load_addr % k.kernel_alignment, 0);
	ck_assert_int_eq(memcmp(mem + img.load_addr, kimage + k.setup_size, k.kernel_size), 0);
	ck_assert_int_eq(memcmp(mem + BOOT_ZERO_PAGE + 0x1f1, kimage + 0x1f1, 0x210 - 0x1f1), 0);
	munmap(mem, 256 * MIB);
	munmap(kimage, image_len);
	kvmcpuid_unref(ctx);
}
END_TEST

/*
 * KVMCPUID_BOOT_VMLINUX: the same kernel as an ELF vmlinux (the test VM's /boot/vmlinux,
 * its bzImage's payload decompressed by kvmcpuid-vm): the same release, entered at the
 * start of its text (phys_startup_64), every segment's bytes where it said.
 */
START_TEST(real_vmlinux)
{
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct kvmcpuid_diag d = { 0 };
	const char *elf_path = getenv("KVMCPUID_BOOT_VMLINUX");
	struct boot_kernel bz;
	struct boot_image img;
	size_t elf_len;
	unsigned int i;
	uint8_t *mem, *elf;

	read_kernel();
	ck_assert_msg(boot_parse(ctx, kimage, image_len, path, &bz, &d) == 0, "%s", d.message);
	elf = map_file(elf_path, &elf_len);
	mem = load_real(ctx, elf, elf_len, elf_path, &img);
	printf("%s: release %s, %u segments from 0x%llx, entry 0x%llx, %u MiB in memory\n",
	       elf_path, img.k.release, img.k.nseg, (unsigned long long)img.k.seg[0].paddr,
	       (unsigned long long)img.entry, img.k.init_size >> 20);
	ck_assert_uint_eq(img.k.version, 0);
	ck_assert_str_eq(img.k.release, bz.release);
	/*
	 * arch/x86/kernel/vmlinux.lds.S: text first, at LOAD_PHYSICAL_ADDR; entered at
	 * e_entry, phys_startup_64, in one of the segments (at the text's start on 6.1,
	 * 0xc43 bytes in on 6.12, in its second segment on 7.2)
	 */
	ck_assert_uint_ge(img.k.nseg, 2);
	ck_assert_uint_eq(img.k.seg[0].paddr, bz.pref_address);
	ck_assert_uint_eq(img.entry, get64(elf + 24));
	for (i = 0; i < img.k.nseg; i++)
		if (img.entry >= img.k.seg[i].paddr &&
		    img.entry < img.k.seg[i].paddr + img.k.seg[i].filesz)
			break;
	ck_assert_uint_lt(i, img.k.nseg);
	for (i = 0; i < img.k.nseg; i++)
		ck_assert_int_eq(memcmp(mem + img.k.seg[i].paddr, elf + img.k.seg[i].offset,
					img.k.seg[i].filesz), 0);
	munmap(mem, 256 * MIB);
	munmap(elf, elf_len);
	munmap(kimage, image_len);
	kvmcpuid_unref(ctx);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	/* before any suite exists: a skip leaks nothing for LeakSanitizer to report */
	if (!find_boot_kernel(path, sizeof(path))) {
		printf("SKIP: no bzImage (set KVMCPUID_BOOT_KERNEL or install one in /boot)\n");
		return 77;
	}
	s = suite_create("boot-real");
	tc = tcase_create("core");
	tcase_add_test(tc, real_kernel);
	if (getenv("KVMCPUID_BOOT_VMLINUX"))
		tcase_add_test(tc, real_vmlinux);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
