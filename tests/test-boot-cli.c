// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvmcpuid boot on bad input: one clear line, exit 2, and nothing run: every case runs
 * with KVMCPUID_DEVICE pointing nowhere, so an input that reached KVM would exit 3.
 */
#include <sys/wait.h>

#include "testutil.h"
#include "boot-kernel.h"

static char dir[] = "/tmp/kvmcpuid-boot-cli.XXXXXX";
static char kernel_file[64], out[4096];

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Run kvmcpuid boot ARGS (a shell word list); its exit code, stderr's first line in out. */
static int run(const char *args)
{
	char cmd[8192], err[64];
	FILE *f;
	int status;

	snprintf(err, sizeof(err), "%s/stderr", dir);
	snprintf(cmd, sizeof(cmd),
		 "KVMCPUID_DEVICE=%s/no-kvm LANGUAGE= LC_ALL=C %s/kvmcpuid boot %s >/dev/null 2>%s",
		 dir, TOP_BUILDDIR, args, err);
	status = system(cmd);
	ck_assert(WIFEXITED(status));
	out[0] = '\0';
	f = fopen(err, "r");
	ck_assert_ptr_nonnull(f);
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return WEXITSTATUS(status);
}

static void fails(const char *args, const char *msg)
{
	ck_assert_int_eq(run(args), 2);
	ck_assert_str_eq(out, msg);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(kernel_file, sizeof(kernel_file), "%s/vmlinuz", dir);
	make_image();
	write_file(kernel_file, image, sizeof(image));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(bad_input)
{
	char args[4096], msg[4096];

	fails("", "kvmcpuid: boot: --kernel KERNEL is required");
	snprintf(args, sizeof(args), "--kernel %s/none", dir);
	snprintf(msg, sizeof(msg), "%s/none: cannot open: No such file or directory", dir);
	fails(args, msg);
	snprintf(args, sizeof(args), "--kernel %s", dir);
	snprintf(msg, sizeof(msg), "%s: is a directory, not a file", dir);
	fails(args, msg);

	/* truncated, not a bzImage, too old, 32-bit */
	write_file(kernel_file, image, sizeof(image) - 16);
	snprintf(args, sizeof(args), "--kernel %s", kernel_file);
	snprintf(msg, sizeof(msg), "%s: truncated: 6640 bytes, the setup (2560 bytes) and the "
		 "protected-mode kernel (syssize: 4096 bytes) need 6656", kernel_file);
	fails(args, msg);
	image[0x202] = 'X';
	write_file(kernel_file, image, sizeof(image));
	snprintf(msg, sizeof(msg), "%s: not a bzImage (no \"HdrS\" boot header at 0x202) nor an ELF vmlinux",
		 kernel_file);
	fails(args, msg);
	make_image();
	put16(image + 0x206, 0x0206);
	write_file(kernel_file, image, sizeof(image));
	snprintf(msg, sizeof(msg), "%s: boot protocol 2.06 is too old: the loader needs 2.12 "
		 "(Linux 3.8) for the 64-bit entry point", kernel_file);
	fails(args, msg);
	make_image();
	put16(image + 0x236, 0);
	write_file(kernel_file, image, sizeof(image));
	snprintf(msg, sizeof(msg), "%s: no 64-bit entry point (XLF_KERNEL_64 clear in "
		 "xloadflags): a 32-bit kernel?", kernel_file);
	fails(args, msg);

	/* a good header, bad settings */
	make_image();
	put32(image + 0x238, 30);	/* cmdline_size */
	write_file(kernel_file, image, sizeof(image));
	snprintf(args, sizeof(args), "--kernel %s --append loglevel=8", kernel_file);
	fails(args, "the command line is 39 bytes, the kernel takes at most 30 (cmdline_size)");
	make_image();
	write_file(kernel_file, image, sizeof(image));
	snprintf(args, sizeof(args), "--kernel %s --memory 40", kernel_file);
	snprintf(msg, sizeof(msg), "%s: the kernel runs at 0x1000000 and needs 32 MiB there "
		 "(init_size): 40 MiB of guest memory is not enough", kernel_file);
	fails(args, msg);
	snprintf(args, sizeof(args), "--kernel %s --memory 4096", kernel_file);
	fails(args, "memory: '4096' is not a number from 2 to 3072");
	snprintf(args, sizeof(args), "--kernel %s --cpus 0", kernel_file);
	fails(args, "cpus: '0' is not a number from 1 to 254");
	snprintf(args, sizeof(args), "--kernel %s --cpus 255", kernel_file);
	fails(args, "cpus: '255' is not a number from 1 to 254");
	snprintf(args, sizeof(args), "--kernel %s --deadline 0", kernel_file);
	fails(args, "kvmcpuid: --deadline: '0' is not a number of seconds in (0, 600]");
	/* an initrd that does not fit between the kernel's end (48 MiB) and 64 MiB */
	snprintf(msg, sizeof(msg), "%s/initrd", dir);
	write_file(msg, "", 0);
	ck_assert_int_eq(truncate(msg, 20 << 20), 0);
	snprintf(args, sizeof(args), "--kernel %s --memory 64 --initrd %s/initrd", kernel_file,
		 dir);
	snprintf(msg, sizeof(msg), "%s/initrd: the initrd (20971520 bytes) does not fit between "
		 "the kernel's end (0x3000000) and 0x4000000 (the end of guest memory)", dir);
	fails(args, msg);
	/* with room for it, the input is good: only now is KVM asked for (and missing) */
	snprintf(args, sizeof(args), "--kernel %s --memory 80 --initrd %s/initrd", kernel_file,
		 dir);
	ck_assert_int_eq(run(args), 3);
	ck_assert_msg(strstr(out, "no-kvm"), "%s", out);
}
END_TEST

/*
 * --matrix takes the same input, checked the same way before anything boots, plus its own
 * refusal; good input reaches KVM (missing here: 3) only after every check.
 */
START_TEST(matrix_bad_input)
{
	char args[4096], msg[4096];

	fails("--matrix", "kvmcpuid: boot: --kernel KERNEL is required");
	snprintf(args, sizeof(args), "--matrix --kernel %s --cpus 0", kernel_file);
	fails(args, "cpus: '0' is not a number from 1 to 254");
	snprintf(args, sizeof(args), "--matrix --kernel %s --cpus two", kernel_file);
	fails(args, "cpus: 'two' is not a number from 1 to 254");
	snprintf(args, sizeof(args), "--matrix --kernel %s --deadline 601", kernel_file);
	fails(args, "kvmcpuid: --deadline: '601' is not a number of seconds in (0, 600]");
	snprintf(args, sizeof(args), "--matrix --kernel %s --console", kernel_file);
	fails(args, "kvmcpuid: --matrix: --console shows one boot's console; boot one policy "
		    "to see it");
	snprintf(args, sizeof(args), "--matrix --kernel %s %s/a.policy %s/b.policy", kernel_file,
		 dir, dir);
	snprintf(msg, sizeof(msg), "kvmcpuid: unexpected argument '%s/b.policy'", dir);
	fails(args, msg);
	snprintf(args, sizeof(args), "--matrix --kernel %s --set steal_tim=off", kernel_file);
	ck_assert_int_eq(run(args), 2);
	ck_assert_msg(strstr(out, "--set:") && strstr(out, "steal_tim"), "%s", out);
	snprintf(args, sizeof(args), "--matrix --kernel %s --memory 40", kernel_file);
	snprintf(msg, sizeof(msg), "%s: the kernel runs at 0x1000000 and needs 32 MiB there "
		 "(init_size): 40 MiB of guest memory is not enough", kernel_file);
	fails(args, msg);
	put32(image + 0x238, 30);	/* cmdline_size */
	write_file(kernel_file, image, sizeof(image));
	snprintf(args, sizeof(args), "--matrix --kernel %s --append loglevel=8", kernel_file);
	fails(args, "the command line is 39 bytes, the kernel takes at most 30 (cmdline_size)");
	write_file(kernel_file, image, sizeof(image) - 16);
	snprintf(args, sizeof(args), "--matrix --kernel %s", kernel_file);
	snprintf(msg, sizeof(msg), "%s: truncated: 6640 bytes, the setup (2560 bytes) and the "
		 "protected-mode kernel (syssize: 4096 bytes) need 6656", kernel_file);
	fails(args, msg);
	/* good input: only now is KVM asked for (and missing) */
	make_image();
	write_file(kernel_file, image, sizeof(image));
	ck_assert_int_eq(run(args), 3);
	ck_assert_msg(strstr(out, "no-kvm"), "%s", out);
}
END_TEST

/* The library's side: no boot, nothing returned, for each refusal. */
START_TEST(matrix_api)
{
	struct kvmcpuid_ctx *ctx = test_ctx();
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_boot *b = NULL;
	struct kvmcpuid_report **reps = NULL;
	struct kvmcpuid_diag d = { 0 };
	char device[96];
	size_t n = 7;

	ck_assert_int_eq(kvmcpuid_policy_new(ctx, &p), 0);
	ck_assert_int_eq(kvmcpuid_boot_new(p, &b), 0);
	ck_assert_int_eq(kvmcpuid_boot_matrix(NULL, &reps, &n, &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_boot_matrix(b, NULL, &n, &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_boot_matrix(b, &reps, NULL, &d), -EINVAL);
	ck_assert_int_eq(kvmcpuid_boot_matrix(b, &reps, &n, &d), -EINVAL);
	ck_assert_str_eq(d.message, "no kernel to boot");
	ck_assert_int_eq(kvmcpuid_boot_set(b, "kernel", kernel_file, &d), 0);
	ck_assert_int_eq(kvmcpuid_boot_set(b, "memory", "40", &d), 0);
	ck_assert_int_eq(kvmcpuid_boot_matrix(b, &reps, &n, &d), -ENOSPC);
	ck_assert_ptr_null(strstr(d.message, "no-kvm"));
	ck_assert_int_eq(kvmcpuid_boot_set(b, "memory", "256", &d), 0);
	snprintf(device, sizeof(device), "%s/no-kvm", dir);
	ck_assert_int_eq(kvmcpuid_set_device(ctx, device), 0);
	ck_assert_int_eq(kvmcpuid_boot_matrix(b, &reps, &n, &d), -ENOENT);
	/* the device is named where the diag says where */
	ck_assert_msg(strstr(kvmcpuid_diag_format(&d, device, sizeof(device)), "no-kvm"), "%s",
		      device);
	ck_assert_ptr_null(reps);
	ck_assert_uint_eq(n, 7);
	kvmcpuid_boot_unref(b);
	kvmcpuid_policy_unref(p);
	kvmcpuid_unref(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("boot-cli");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, matrix_bad_input);
	tcase_add_test(tc, matrix_api);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
