// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: log callback, /dev/kvm, the cached host probe. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static void __attribute__((format(printf, 6, 0))) log_stderr(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	fputs("libkvmcpuid: ", stderr);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

static int log_priority(const char *s)
{
	char *end;
	long prio = strtol(s, &end, 10);

	if (end != s && (*end == '\0' || *end == '\n'))
		return (int)prio;
	if (!strncmp(s, "err", 3))
		return LOG_ERR;
	if (!strncmp(s, "warn", 4))
		return LOG_WARNING;
	if (!strncmp(s, "info", 4))
		return LOG_INFO;
	if (!strncmp(s, "debug", 5))
		return LOG_DEBUG;
	return LOG_ERR;
}

void kvmcpuid_log(struct kvmcpuid_ctx *ctx, int priority, const char *file, int line,
		  const char *fn, const char *format, ...)
{
	va_list args;

	if (!ctx->log_fn)
		return;
	va_start(args, format);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	va_end(args);
}

void escape_controls(char *dst, size_t cap, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	if (!cap)
		return;
	for (; *s && n + 1 < cap; s++) {
		unsigned int c = *s;

		/* C0 controls, DEL, and C1 controls (U+0080-U+009F: 0xc2 0x80-0x9f, CSI among them) */
		if (c == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
			c = *++s;
		else if (c >= 0x20 && c != 0x7f) {
			dst[n++] = (char)c;
			continue;
		}
		if (n + 5 >= cap)
			break;
		n += (size_t)snprintf(dst + n, cap - n, c >= 0x80 ? "\\u%04x" : "\\x%02x", c);
		if (n + 1 >= cap) {
			n = cap - 1;
			break;
		}
	}
	dst[n] = '\0';
}

int diag_set(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag, int errnum,
	     const char *origin, unsigned int line, unsigned int column, const char *fmt, ...)
{
	char raw[sizeof(diag->message)], msg[sizeof(diag->message)], org[sizeof(diag->origin)];
	va_list args;

	va_start(args, fmt);
	vsnprintf(raw, sizeof(raw), fmt, args);
	va_end(args);
	/* one line, no terminal escapes: whatever the input quoted is shown, not obeyed */
	escape_controls(msg, sizeof(msg), raw);
	escape_controls(org, sizeof(org), origin ? origin : "");
	origin = origin ? org : NULL;
	if (diag) {
		memcpy(diag->message, msg, sizeof(msg));
		snprintf(diag->origin, sizeof(diag->origin), "%s", org);
		diag->line = line;
		diag->column = column;
	}
	if (ctx)
		err(ctx, "%s%s%s", origin ? origin : "", origin ? ": " : "", msg);
	return -errnum;
}

int diag_finish(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag, int r)
{
	if (r < 0 && diag && !diag->message[0])
		diag_set(ctx, diag, -r, NULL, 0, 0, "%s",
			 r == -ENOMEM ? "out of memory" : strerror(-r));
	return r;
}

KVMCPUID_EXPORT const char *kvmcpuid_diag_format(const struct kvmcpuid_diag *diag, char *buf,
						size_t len)
{
	if (!buf || !len)
		return NULL;
	if (!diag) {
		snprintf(buf, len, "unknown error");
	} else if (diag->origin[0] && diag->line) {
		if (diag->column)
			snprintf(buf, len, "%s:%u:%u: %s", diag->origin, diag->line, diag->column,
				 diag->message);
		else
			snprintf(buf, len, "%s:%u: %s", diag->origin, diag->line, diag->message);
	} else if (diag->origin[0]) {
		snprintf(buf, len, "%s: %s", diag->origin, diag->message);
	} else {
		snprintf(buf, len, "%s", diag->message[0] ? diag->message : "unknown error");
	}
	return buf;
}

KVMCPUID_EXPORT int kvmcpuid_new(struct kvmcpuid_ctx **ret)
{
	struct kvmcpuid_ctx *ctx;
	const char *env;

	if (!ret)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = log_stderr;
	ctx->log_priority = LOG_ERR;
	ctx->kvm_fd = -1;
	ctx->deadline_ms = 2000;
	env = secure_getenv("KVMCPUID_LOG");
	if (env)
		ctx->log_priority = log_priority(env);
	*ret = ctx;
	return 0;
}

KVMCPUID_EXPORT struct kvmcpuid_ctx *kvmcpuid_ref(struct kvmcpuid_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

KVMCPUID_EXPORT struct kvmcpuid_ctx *kvmcpuid_unref(struct kvmcpuid_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	if (ctx->kvm_fd >= 0)
		close(ctx->kvm_fd);
	free(ctx->device);
	free(ctx);
	return NULL;
}

KVMCPUID_EXPORT void kvmcpuid_set_log_fn(struct kvmcpuid_ctx *ctx, kvmcpuid_log_fn fn, void *data)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_data = data;
}

KVMCPUID_EXPORT void kvmcpuid_set_log_priority(struct kvmcpuid_ctx *ctx, int priority)
{
	if (ctx)
		ctx->log_priority = priority;
}

KVMCPUID_EXPORT int kvmcpuid_set_device(struct kvmcpuid_ctx *ctx, const char *path)
{
	char *copy;

	if (!ctx || !path || !*path)
		return -EINVAL;
	if (ctx->kvm_fd >= 0)
		return -EBUSY;
	copy = xalloc(ctx, strlen(path) + 1);
	if (copy)
		strcpy(copy, path);
	if (!copy)
		return -ENOMEM;
	free(ctx->device);
	ctx->device = copy;
	return 0;
}

KVMCPUID_EXPORT int kvmcpuid_set_deadline_ms(struct kvmcpuid_ctx *ctx, unsigned int ms)
{
	if (!ctx || ms == 0 || ms > 600000)
		return -EINVAL;
	ctx->deadline_ms = ms;
	return 0;
}

int ctx_kvm_fd(struct kvmcpuid_ctx *ctx, struct kvmcpuid_diag *diag)
{
	const char *dev;
	int fd, e, version;

	diag_begin(diag);
	if (!ctx)
		return diag_finish(NULL, diag, -EINVAL);
	if (ctx->kvm_fd >= 0)
		return ctx->kvm_fd;
	dev = ctx->device ? ctx->device : "/dev/kvm";
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return diag_set(ctx, diag, ENOENT, dev, 0, 0,
					"no such device: is KVM enabled in the BIOS and the module "
					"loaded (modprobe kvm_intel or kvm_amd)?");
		if (e == EACCES || e == EPERM)
			return diag_set(ctx, diag, EACCES, dev, 0, 0,
					"permission denied: run as root or add yourself to group kvm "
					"(usermod -aG kvm $USER)");
		return diag_set(ctx, diag, ENODEV, dev, 0, 0, "cannot open: %s", strerror(e));
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		close(fd);
		return diag_set(ctx, diag, ENODEV, dev, 0, 0,
				"not a KVM device (KVM_GET_API_VERSION gave %d, want %d)", version,
				KVM_API_VERSION);
	}
	ctx->kvm_fd = fd;
	return fd;
}

int load_file(struct kvmcpuid_ctx *ctx, const char *path, text_loader_fn load, void *ret,
	      struct kvmcpuid_diag *diag)
{
	char *buf;
	size_t len;
	int r;

	diag_begin(diag);
	if (!ctx || !path || !ret)
		return diag_finish(ctx, diag, -EINVAL);
	r = read_file_limited(ctx, path, &buf, &len, diag);
	if (r == 0) {
		r = load(ctx, buf, len, file_origin(path), diag, ret);
		free(buf);
	}
	return diag_finish(ctx, diag, r);
}

int read_file_limited(struct kvmcpuid_ctx *ctx, const char *path, char **buf, size_t *len,
		      struct kvmcpuid_diag *diag)
{
	bool is_stdin = !strcmp(path, "-");
	struct stat st;
	size_t cap = 4096, n = 0;
	char *data = NULL;
	int fd, r;

	path = file_origin(path);
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = errno;
		return diag_set(ctx, diag, r, path, 0, 0, "cannot open: %s", strerror(r));
	}
	if (fstat(fd, &st) < 0) {
		r = errno;
		if (!is_stdin)
			close(fd);
		return diag_set(ctx, diag, r, path, 0, 0, "cannot stat: %s", strerror(r));
	}
	if (S_ISDIR(st.st_mode)) {
		if (!is_stdin)
			close(fd);
		return diag_set(ctx, diag, EISDIR, path, 0, 0, "is a directory, not a file");
	}
	/* Read in chunks: pipes and /proc files have no useful st_size. */
	for (;;) {
		ssize_t got;

		if (!data || n + 1 >= cap) {
			char *bigger;

			if (data)
				cap *= 2;
			bigger = xrealloc(ctx, data, cap);
			if (!bigger) {
				r = -ENOMEM;
				goto err;
			}
			data = bigger;
		}
		got = read(fd, data + n, cap - n - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = errno;
			diag_set(ctx, diag, r, path, 0, 0, "cannot read: %s", strerror(r));
			r = -r;
			goto err;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > POLICY_MAX_BYTES) {
			unsigned int line = 1, col = 1;
			size_t i;

			/* point at where the limit is crossed */
			for (i = 0; i < POLICY_MAX_BYTES; i++) {
				if (data[i] == '\n') {
					line++;
					col = 1;
				} else if (((unsigned char)data[i] & 0xc0) != 0x80) {
					col++;
				}
			}
			r = diag_set(ctx, diag, EFBIG, path, line, col,
				     "file is larger than the 1 MiB a policy may be");
			goto err;
		}
	}
	if (!is_stdin)
		close(fd);
	data[n] = '\0';
	*buf = data;
	*len = n;
	return 0;
err:
	free(data);
	if (!is_stdin)
		close(fd);
	return r;
}

const char *file_origin(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

bool looks_like_json(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	return i < len && text[i] == '{';
}

static bool alloc_fails(struct kvmcpuid_ctx *ctx)
{
	return ctx && ctx->fail_alloc_at && --ctx->fail_alloc_at == 0;
}

void *xalloc(struct kvmcpuid_ctx *ctx, size_t size)
{
	return alloc_fails(ctx) ? NULL : calloc(1, size ? size : 1);
}

void *xrealloc(struct kvmcpuid_ctx *ctx, void *p, size_t size)
{
	return alloc_fails(ctx) ? NULL : realloc(p, size ? size : 1);
}

/*
 * Every KVM ioctl the library makes goes through here, so a test can make the
 * n-th one fail (ctx->fail_ioctl_at, set by tests through the internal library).
 */
int kvm_ioctl(struct kvmcpuid_ctx *ctx, int fd, unsigned long request, void *arg)
{
	int r;

	if (ctx && ctx->fail_ioctl_at) {
		if (--ctx->fail_ioctl_at == 0)
			return -ctx->fail_errno;
	}
	do {
		r = ioctl(fd, request, arg);
	} while (r < 0 && errno == EINTR && request != KVM_RUN);
	return r < 0 ? -errno : r;
}
