/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Big inputs for the linearity tests of the JSON reader and the importers: about 1 MiB of
 * one shape, and a monotonic clock to time reading it.
 */
#ifndef KVMCPUID_TESTS_BIGTEXT_H
#define KVMCPUID_TESTS_BIGTEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * head, then item(i, buf) for i < max while the whole stays within 1 MiB, then tail (a
 * trailing comma is dropped before a closing tail).  *len is the length; free the text.
 */
static inline char *big(const char *head, void (*item)(size_t i, char *buf), size_t max,
			const char *tail, size_t *len)
{
	size_t cap = 1024 * 1024, n, i;
	char *t = malloc(cap + 1), buf[512];

	n = (size_t)sprintf(t, "%s", head);
	for (i = 0; i < max; i++) {
		size_t l;

		item(i, buf);
		l = strlen(buf);
		if (n + l + strlen(tail) > cap)
			break;
		memcpy(t + n, buf, l);
		n += l;
	}
	if (t[n - 1] == ',' && (*tail == ']' || *tail == '}'))
		n--;
	n += (size_t)sprintf(t + n, "%s", tail);
	*len = n;
	return t;
}

#endif
