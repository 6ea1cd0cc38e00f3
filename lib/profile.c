// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The store of profiles shipped with kvmcpuid: NAME.policy in $(pkgdatadir)/profiles, or in
 * $KVMCPUID_PROFILEDIR (tests, uninstalled use).  NAME is a name, never a path: a policy
 * must not make the library read a file it names.  This file only finds and reads a
 * profile; `include = NAME` itself (where, how deep, parsing what was read) is the
 * parser's (parse.c), which is the only user.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifndef PROFILEDIR
#define PROFILEDIR "/usr/share/kvmcpuid/profiles"
#endif

static const char *profile_dir(void)
{
	const char *dir = secure_getenv("KVMCPUID_PROFILEDIR");

	return dir && *dir ? dir : PROFILEDIR;
}

/* NAME: a-z, 0-9, '-', '_'; no '/', no '.': it can only name a file in the directory. */
static bool name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > 64 || name[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-' || name[i] == '_'))
			return false;
	return true;
}

/* "a, b, c": the profiles in dir, sorted, for the message naming an unknown one. */
static void list_profiles(const char *dir, char *out, size_t len)
{
	struct dirent **ents;
	size_t k = 0;
	int i, n;

	out[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (l > 7 && !strcmp(ents[i]->d_name + l - 7, ".policy") && k + l < len)
			k += (size_t)snprintf(out + k, len - k, "%s%.*s", k ? ", " : "",
					      (int)(l - 7), ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

int profile_read(struct kvmcpuid_ctx *ctx, const char *name, size_t nlen, char **text,
		 size_t *len, char *path, size_t pathlen, char *msg, size_t msglen)
{
	struct kvmcpuid_diag d = { 0 };
	const char *dir = profile_dir();
	char names[400];
	int r;

	msg[0] = '\0';
	if (strlen(name) != nlen || !name_valid(name)) {
		snprintf(msg, msglen, "invalid profile name '%s': include takes the name of a "
			 "profile shipped with kvmcpuid (a-z, 0-9, '-', '_'), never a path", name);
		return -EINVAL;
	}
	snprintf(path, pathlen, "%s/%s.policy", dir, name);
	if (access(path, F_OK) != 0) {
		list_profiles(dir, names, sizeof(names));
		snprintf(msg, msglen, "unknown profile '%s' (profiles: %s)", name,
			 names[0] ? names : "none installed");
		return -EINVAL;
	}
	r = read_file_limited(ctx, path, text, len, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/* a parse's documented errors: an unreadable profile is the include's error */
		snprintf(msg, msglen, "cannot read profile '%s': %s", name,
			 d.message[0] ? d.message : strerror(-r));
		return -EINVAL;
	}
	return 0;
}
