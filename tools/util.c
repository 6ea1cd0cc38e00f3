// SPDX-License-Identifier: LGPL-2.1-or-later
/* Helpers shared by the CLI verbs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/*
 * One line whatever the arguments it quotes hold: control bytes (C0, DEL, and C1 as
 * UTF-8, CSI among them) are shown escaped, as the library's own messages show them.
 */
void cli_error(const char *fmt, ...)
{
	char msg[1024];
	const unsigned char *m = (const unsigned char *)msg;
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	fputs("kvmcpuid: ", stderr);
	for (; *m; m++) {
		if (*m == 0xc2 && m[1] >= 0x80 && m[1] <= 0x9f)
			fprintf(stderr, "\\u%04x", *++m);
		else if (*m < 0x20 || *m == 0x7f)
			fprintf(stderr, "\\x%02x", *m);
		else
			fputc(*m, stderr);
	}
	fputc('\n', stderr);
}

void cli_diag(const struct kvmcpuid_diag *diag)
{
	char buf[1024];

	fprintf(stderr, _("%s\n"), kvmcpuid_diag_format(diag, buf, sizeof(buf)));
}

int cli_exit_for(int r)
{
	switch (-r) {
	case ENOENT:
	case EACCES:
	case ENODEV:
	case EPERM:
		return r == -EPERM ? EXIT_USAGE : EXIT_HOST;
	case ETIMEDOUT:
	case EIO:
		return EXIT_CHECK;
	default:
		return EXIT_USAGE;
	}
}

int cli_load_policy(struct cli *cli, const char *path, const char *const *sets, int nsets,
		    struct kvmcpuid_policy **ret, struct kvmcpuid_policy **base)
{
	struct kvmcpuid_diag diag = { 0 };
	struct kvmcpuid_policy *p = NULL;
	char *text;
	size_t len;
	int r, i;

	/* the library reads "-" as standard input */
	if (!path)
		r = kvmcpuid_policy_new(cli->ctx, &p);
	else
		r = kvmcpuid_policy_parse_file(cli->ctx, path, &diag, &p);
	if (r < 0) {
		cli_diag(&diag);
		return EXIT_USAGE;
	}
	/* one line per --set, checked together: a later --set may settle an earlier conflict */
	for (i = 0, len = 0; i < nsets; i++)
		len += strlen(sets[i]) + 1;
	if (nsets) {
		text = calloc(1, len);
		if (!text || (base && kvmcpuid_policy_dup(p, base) < 0)) {
			free(text);
			kvmcpuid_policy_unref(p);
			return EXIT_USAGE;
		}
		for (i = 0; i < nsets; i++) {
			if (i)
				strcat(text, "\n");
			strcat(text, sets[i]);
		}
		memset(&diag, 0, sizeof(diag));
		r = kvmcpuid_policy_override(p, text, "--set", &diag);
		free(text);
		if (r < 0) {
			cli_diag(&diag);
			kvmcpuid_policy_unref(p);
			if (base)
				*base = kvmcpuid_policy_unref(*base);
			return EXIT_USAGE;
		}
	}
	*ret = p;
	return EXIT_OK;
}

bool cli_policy_enforces(const struct kvmcpuid_policy *p)
{
	char v[KVMCPUID_POLICY_VALUE_MAX];

	return kvmcpuid_policy_get(p, "enforce", v, sizeof(v)) == 0 && !strcmp(v, "on");
}

int cli_load_host(struct cli *cli, const char *profile, struct kvmcpuid_host **ret)
{
	struct kvmcpuid_diag diag = { 0 };
	int r;

	if (profile)
		r = kvmcpuid_host_load_file(cli->ctx, profile, &diag, ret);
	else
		r = kvmcpuid_host_probe(cli->ctx, &diag, ret);
	if (r < 0) {
		cli_diag(&diag);
		return profile ? EXIT_USAGE : cli_exit_for(r);
	}
	return EXIT_OK;
}

/* The temporary file being written, removed if SIGINT/SIGTERM/SIGHUP ends the process. */
static char *volatile pending_tmp;

static void remove_pending(int sig)
{
	char *tmp = pending_tmp;

	if (tmp)
		unlink(tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on ? remove_pending : SIG_DFL };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal the shell told us to ignore stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * -o replaces a regular file (keeping its mode) or creates one (mode 0666 less the umask),
 * through a short temporary name in the same directory, so a long name still fits NAME_MAX.
 * Anything else (device, FIFO, directory, socket) is refused: -EINVAL.
 */
int cli_write_output(const char *path, const void *data, size_t len)
{
	const char *slash;
	struct stat st;
	mode_t mode, mask;
	char *tmp;
	int fd, r = 0;

	if (!path)
		return write_all(STDOUT_FILENO, data, len);
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		mode = st.st_mode & 07777;
	} else if (errno == ENOENT) {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	} else {
		return -errno;
	}
	slash = strrchr(path, '/');
	if (asprintf(&tmp, "%.*s.kvmcpuid-XXXXXX", slash ? (int)(slash - path + 1) : 0, path) < 0)
		return -ENOMEM;
	guard_signals(true);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	pending_tmp = tmp;
	r = write_all(fd, data, len);
	if (!r && fchmod(fd, mode) < 0)
		r = -errno;
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	pending_tmp = NULL;
out:
	guard_signals(false);
	free(tmp);
	return r;
}

const char *cli_feature_meaning(unsigned int id)
{
	const struct kvmcpuid_feature *ft = kvmcpuid_feature(id);

	return ft ? _(ft->meaning) : "";
}

struct lint_match {
	const char *message;
	bool found;
};

static void lint_match(void *data, int feature, const char *message)
{
	struct lint_match *m = data;

	m->found |= !strcmp(m->message, message);
	(void)feature;
}

/* A lint the policy without --set also has came from the file (or the defaults). */
void cli_print_lint(void *data, int feature, const char *message)
{
	const struct cli_origin *o = data;
	const char *origin = o->policy ? o->policy : "<default>";

	if (o->base) {
		struct lint_match m = { .message = message };

		kvmcpuid_lint(o->base, o->host, lint_match, &m);
		if (!m.found)
			origin = "--set";
	}
	fprintf(stderr, _("%s: warning: %s\n"), origin, message);
	(void)feature;
}

int cli_parse_deadline(const char *s, unsigned int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	/* written so that NaN fails too */
	if (errno || end == s || *end || !(v > 0 && v <= 600))
		return -EINVAL;
	*ms = (unsigned int)(v * 1000 + 0.5);
	if (!*ms)
		*ms = 1;
	return 0;
}

int cli_add_set(const char **sets, int *nsets, int max, const char *arg)
{
	if (*nsets == max) {
		cli_error(_("too many --set options (at most %d)"), max);
		return -1;
	}
	sets[(*nsets)++] = arg;
	return 0;
}

/* Parse the options the verbs share; returns -1 to go on, else an exit code. */
int cli_parse_common(int argc, char **argv, const char *usage, const struct option *opts,
			struct common *o, int min_args, int max_args)
{
	bool set = false, output = false;
	const struct option *op;
	const char *shorts;
	int c;

	/* -s and -o only for the verbs that take --set and write a file */
	for (op = opts; op->name; op++) {
		set |= op->val == CLI_OPT_SET;
		output |= op->val == CLI_OPT_OUTPUT;
	}
	shorts = set ? (output ? "hs:o:" : "hs:") : (output ? "ho:" : "h");
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case 's':
		case CLI_OPT_SET:
			if (cli_add_set(o->sets, &o->nsets, CLI_MAX_SETS, optarg) < 0)
				return EXIT_USAGE;
			break;
		case CLI_OPT_PROFILE:
			o->profile = optarg;
			break;
		case CLI_OPT_FORMAT:
			o->format = optarg;
			break;
		case CLI_OPT_STRICT:
			o->strict = true;
			break;
		case 'o':
		case CLI_OPT_OUTPUT:
			o->output = optarg;
			break;
		case CLI_OPT_JSON:
			o->json = true;
			break;
		case CLI_OPT_ALL:
			o->all = true;
			break;
		case CLI_OPT_SCAN:
			if (strcmp(optarg, "full") && strcmp(optarg, "default")) {
				cli_error(_("--scan: '%s' is not full or default"), optarg);
				return EXIT_USAGE;
			}
			o->scan_full = !strcmp(optarg, "full");
			break;
		case CLI_OPT_DEADLINE:
			if (cli_parse_deadline(optarg, &o->deadline_ms) < 0) {
				cli_error(_("--deadline: '%s' is not a number of seconds in (0, 600]"),
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(_(usage), stdout);
			return EXIT_OK;
		default:
			if (c >= CLI_OPT_VERB && c < CLI_OPT_VERB + CLI_MAX_VERB_OPTS) {
				o->verb[c - CLI_OPT_VERB] = optarg ? optarg : "";
				break;
			}
			fputs(_(usage), stderr);
			return EXIT_USAGE;
		}
	}
	if (max_args >= 0 && argc - optind > max_args) {
		cli_error(_("unexpected argument '%s'"), argv[optind + max_args]);
		fputs(_(usage), stderr);
		return EXIT_USAGE;
	}
	if (argc - optind < min_args) {
		fputs(_(usage), stderr);
		return EXIT_USAGE;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nargs == 1)
		o->policy = argv[optind];
	return -1;
}

void cli_print_lints(const struct kvmcpuid_cpuid *cpuid, const struct cli_origin *origin)
{
	const char *msg;
	size_t i;
	int feature;

	for (i = 0; (msg = kvmcpuid_cpuid_lint(cpuid, i, &feature)); i++)
		cli_print_lint((void *)origin, feature, msg);
}

int cli_emit(const char *output, FILE *mem, char **buf, size_t *len)
{
	int r;

	/* open_memstream publishes buf and len only at fclose */
	fclose(mem);
	r = cli_write_output(output, *buf, *len);
	free(*buf);
	if (r < 0) {
		if (r == -EINVAL)
			cli_error(_("%s: not a regular file: -o writes only a file or a new name"),
				  output);
		else
			cli_error(_("%s: cannot write: %s"), output ? output : "<stdout>",
				  strerror(-r));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
