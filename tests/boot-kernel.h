/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real kernel the boot tests use: $KVMCPUID_BOOT_KERNEL, else the first /boot/vmlinuz*. */
#ifndef KVMCPUID_TESTS_BOOT_KERNEL_H
#define KVMCPUID_TESTS_BOOT_KERNEL_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
