/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernels of the boot tests: a synthetic bzImage header (make_image), and a real one,
 * $KVMCPUID_BOOT_KERNEL, else the first /boot/vmlinuz*.
 */
#ifndef KVMCPUID_TESTS_BOOT_KERNEL_H
#define KVMCPUID_TESTS_BOOT_KERNEL_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define KERNEL_SIZE 0x1000

/* A bzImage as Linux 6.1's arch/x86/boot/header.S lays it out, kernel bytes 0x5a. */
static uint8_t image[SETUP_SIZE + KERNEL_SIZE];

static inline void make_image(void)
{
	memset(image, 0, sizeof(image));
	image[0x1f1] = SETUP_SECTS;
	put32(image + 0x1f4, KERNEL_SIZE / 16);	/* syssize */
	put16(image + 0x1fe, 0xaa55);
	image[0x200] = 0xeb;			/* jmp to 0x26c: the header ends there */
	image[0x201] = 0x6a;
	memcpy(image + 0x202, "HdrS", 4);
	put16(image + 0x206, 0x020f);
	image[0x211] = 0x01;			/* LOADED_HIGH */
	put32(image + 0x22c, 0x7fffffff);	/* initrd_addr_max */
	put32(image + 0x230, 0x200000);		/* kernel_alignment */
	image[0x234] = 1;			/* relocatable */
	put16(image + 0x236, 0x7f);		/* xloadflags */
	put32(image + 0x238, 2047);		/* cmdline_size */
	put32(image + 0x258, 0x1000000);	/* pref_address */
	put32(image + 0x260, 0x2000000);	/* init_size: 32 MiB */
	image[0x26b] = 0x77;			/* the header's last byte */
	image[0x26c] = 0x99;			/* code after it: never copied */
	memset(image + SETUP_SIZE, 0x5a, KERNEL_SIZE);
}

/* The kernel's path into path (len bytes); false when there is none. */
static inline bool find_boot_kernel(char *path, size_t len)
{
	const char *env = getenv("KVMCPUID_BOOT_KERNEL");
	struct dirent *e;
	DIR *d;

	path[0] = '\0';
	if (env && *env) {
		snprintf(path, len, "%s", env);
		return true;
	}
	d = opendir("/boot");
	if (!d)
		return false;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz", 7)) {
			snprintf(path, len, "/boot/%s", e->d_name);
			break;
		}
	closedir(d);
	return path[0] != '\0';
}

/* The boot report's check of subject (its feature's name, or "detect"); aborts without. */
static inline const struct kvmcpuid_check *boot_check_of(const struct kvmcpuid_report *rep,
							 const char *subj)
{
	size_t i;

	for (i = 0; i < kvmcpuid_report_count(rep); i++)
		if (!strcmp(kvmcpuid_report_check(rep, i)->subject, subj))
			return kvmcpuid_report_check(rep, i);
	ck_abort_msg("no check %s", subj);
	return NULL;
}

#endif
