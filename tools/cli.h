/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KVMCPUID_CLI_H
#define KVMCPUID_CLI_H

#include <getopt.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>

#include "kvmcpuid.h"

#define _(s) gettext(s)
#define N_(s) s

enum {
	EXIT_OK = 0,
	EXIT_CHECK = 1,		/* a check failed / a difference was found */
	EXIT_USAGE = 2,		/* usage or policy error */
	EXIT_HOST = 3,		/* this host cannot do it (no /dev/kvm, permission) */
};

struct cli {
	struct kvmcpuid_ctx *ctx;
	const char *prog;
};

#define CLI_MAX_SETS 64
#define CLI_MAX_VERB_OPTS 8

/* The options build, lint and apply share. */
struct common {
	const char *policy;
	char **args;			/* the positional arguments */
	int nargs;
	const char *sets[CLI_MAX_SETS];
	int nsets;
	const char *profile;
	const char *format;
	const char *output;
	bool strict;
	/* verify and matrix */
	bool json;
	bool all;
	bool scan_full;
	unsigned int deadline_ms;
	/* a verb's own options (val CLI_OPT_VERB + i): the argument, "" for a flag */
	const char *verb[CLI_MAX_VERB_OPTS];
};

enum { CLI_OPT_SET = 256, CLI_OPT_PROFILE, CLI_OPT_FORMAT, CLI_OPT_STRICT, CLI_OPT_OUTPUT,
       CLI_OPT_JSON, CLI_OPT_DEADLINE, CLI_OPT_ALL, CLI_OPT_SCAN,
       CLI_OPT_VERB = 400 };

/* Where lint warnings came from, for cli_print_lint. */
struct cli_origin {
	const char *policy;			/* the policy file; NULL: "<default>" */
	const struct kvmcpuid_policy *base;	/* the policy before --set; NULL: no --set */
	const struct kvmcpuid_host *host;	/* the host the lints ran against, or NULL */
};

/* util.c */
/*
 * Parse the options of struct common and between min_args and max_args (-1: any number)
 * positional arguments (args, nargs; policy too when there is one); returns -1 to go on,
 * else an exit code.
 */
int cli_parse_common(int argc, char **argv, const char *usage, const struct option *opts,
		     struct common *o, int min_args, int max_args);
/* Print the lint warnings build found, as cli_print_lint does. */
void cli_print_lints(const struct kvmcpuid_cpuid *cpuid, const struct cli_origin *origin);
/* Close mem (an open_memstream of buf/len) and write it to output (NULL: stdout). */
int cli_emit(const char *output, FILE *mem, char **buf, size_t *len);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_diag(const struct kvmcpuid_diag *diag);
/* Exit code for a failed library call. */
int cli_exit_for(int r);
/*
 * Load POLICY (NULL: the built-in default; "-": stdin) then apply --set overrides.
 * base (may be NULL) receives the policy before them, or NULL when there is no --set.
 */
int cli_load_policy(struct cli *cli, const char *path, const char *const *sets, int nsets,
		    struct kvmcpuid_policy **ret, struct kvmcpuid_policy **base);
/* The policy's enforce setting is on. */
bool cli_policy_enforces(const struct kvmcpuid_policy *p);
/* The host: --host-profile FILE or a probe of /dev/kvm. */
int cli_load_host(struct cli *cli, const char *profile, struct kvmcpuid_host **ret);
/* Write data to path atomically (temp file + rename), or to stdout when path is NULL. */
int cli_write_output(const char *path, const void *data, size_t len);
const char *cli_feature_meaning(unsigned int id);
/* A kvmcpuid_lint_fn printing "ORIGIN: warning: MESSAGE"; data is a struct cli_origin. */
void cli_print_lint(void *data, int feature, const char *message);
int cli_parse_deadline(const char *s, unsigned int *ms);
/* Append one --set argument; -1 (after printing why) when there are too many. */
int cli_add_set(const char **sets, int *nsets, int max, const char *arg);

int cmd_host(struct cli *cli, int argc, char **argv);
int cmd_decode(struct cli *cli, int argc, char **argv);
int cmd_build(struct cli *cli, int argc, char **argv);
int cmd_lint(struct cli *cli, int argc, char **argv);
int cmd_diff(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_matrix(struct cli *cli, int argc, char **argv);
int cmd_boot(struct cli *cli, int argc, char **argv);
int cmd_baseline(struct cli *cli, int argc, char **argv);
int cmd_migrate_check(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);

/* json-out.c: s as a JSON string, quoted and escaped. */
void cli_json_string(FILE *f, const char *s);
/* nfd.c: the host as Node Feature Discovery labels. */
void cli_print_nfd(const struct kvmcpuid_host_info *hi);

#endif
