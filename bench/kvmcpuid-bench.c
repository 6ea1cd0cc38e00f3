// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvmcpuid-bench: what verifying costs, against the floor of KVM itself.
 *   floor       open /dev/kvm, create a VM, one vCPU, map memory, run a guest that
 *               only HLTs, tear down (raw ioctls, no library)
 *   verify-one  one kvmcpuid_verify of the default policy (host probe cached)
 *   matrix      the whole masking matrix with enforcement on, in one VM
 *   build       parse + build of a typical policy in memory
 *   rss         peak RSS of a process that does one verify
 * Medians of N runs.  `--json` prints the same as JSON.
 *
 * Before all of that, on any machine (no /dev/kvm needed), from a saved host profile
 * (--host-profile, default the source tree's tests/data/host-amd.json): parse + build, export to each
 * format and import of that export, per policy.  Without /dev/kvm the bench prints these
 * and names the rows that need a local KVM, and exits 0.
 *
 * First, machine-independent: the VM exits of one verify (default policy, a masked
 * policy, the full scan) and of the matrix, by reason, from KVM's per-vCPU statistics
 * (KVM_GET_STATS_FD, summed over the verifying vCPUs; before 5.14 debugfs, summed per VM;
 * lib/stats.c).  Each row says which source it came from.  KVM's generic statistics have
 * no CPUID or MSR counter: those two come from what the guest executed.  A counter the
 * source lacks (5.10 has no pf_taken) prints as "-".  `--exits` prints only these.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vm.h"

extern const uint8_t bench_loop64[], bench_loop64_end[], bench_loop16[], bench_loop16_end[];

static const char typical[] = "# tenant-a: dedicated vCPUs, no async page faults\n"
			      "default      = host\n"
			      "async_pf     = off\n"
			      "async_pf_int = off\n"
			      "async_pf_vmexit = off\n"
			      "realtime     = on\n"
			      "pv_unhalt    = off\n"
			      "enforce      = on\n";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The floor: the least a VMM does to run a guest to HLT (code: NULL for a bare hlt). */
static int floor_once_code(const uint8_t *code, size_t len, double *run_ns)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_run *run;
	int kvm, vm, vcpu, r = -1;
	long run_size;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -1;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code)
		memcpy(mem, code, len);
	else
		mem[0] = 0xf4;	/* hlt */
	region.memory_size = 0x1000;
	region.userspace_addr = (uintptr_t)mem;
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ioctl(vcpu, KVM_GET_SREGS, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &sregs);
	regs.rsp = 0xff0;
	ioctl(vcpu, KVM_SET_REGS, &regs);
	{
		double s = now_ns();

		if (ioctl(vcpu, KVM_RUN, 0) == 0 && run->exit_reason == KVM_EXIT_HLT)
			r = 0;
		if (run_ns)
			*run_ns = now_ns() - s;
	}
	munmap(run, (size_t)run_size);
	close(vcpu);
	munmap(mem, 0x1000);
	close(vm);
	close(kvm);
	return r;
}

static int floor_once(void)
{
	return floor_once_code(NULL, 0, NULL);
}

/* The long-mode snippet in the verifying guest's VM setup (no irqchip: HLT exits). */
static int long_mode_run(struct kvmcpuid_ctx *ctx, bool loop, double *run_ns)
{
	static const uint8_t hlt = 0xf4;
	struct vcpu vcpu;
	struct vm vm;
	int phase, r;

	if (vm_create(ctx, VM_NO_IRQCHIP, &vm, NULL) < 0)
		return -1;
	if (loop)
		vm_load_raw(&vm, bench_loop64, (size_t)(bench_loop64_end - bench_loop64));
	else
		vm_load_raw(&vm, &hlt, 1);
	r = vm_vcpu_create(&vm, &vcpu, NULL);
	if (r == 0) {
		const struct kvmcpuid_host_info *hi;
		struct kvmcpuid_host *h = NULL;
		double s;

		kvmcpuid_host_probe(ctx, NULL, &h);
		hi = kvmcpuid_host_info(h);
		/* the table before the registers: KVM checks EFER against it (vm.h) */
		r = kvmcpuid_apply(ctx, vcpu.fd, hi ? hi->supported : NULL, hi ? hi->nsupported : 0,
				   0, NULL);
		kvmcpuid_host_unref(h);
		if (r == 0)
			r = vm_vcpu_setup(&vm, &vcpu, NULL);
		if (r == 0) {
			s = now_ns();
			r = vm_vcpu_run(&vm, &vcpu, 5000, &phase, NULL);
			*run_ns = now_ns() - s;
		}
		vm_vcpu_destroy(&vcpu);
	}
	vm_destroy(&vm);
	return r;
}

static int verify_once(struct kvmcpuid_ctx *ctx, struct kvmcpuid_policy *p)
{
	struct kvmcpuid_report *rep = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r = kvmcpuid_verify(p, 0, &rep, &d);

	if (r < 0) {
		fprintf(stderr, "verify: %s\n", d.message);
		return r;
	}
	r = kvmcpuid_report_ok(rep) ? 0 : -1;
	kvmcpuid_report_unref(rep);
	(void)ctx;
	return r;
}

/* The reasons printed, and "other": exits no listed counter accounts for. */
static const enum exit_stat shown[] = {
	EXIT_STAT_CPUID, EXIT_STAT_MSR, EXIT_STAT_HYPERCALLS, EXIT_STAT_IO, EXIT_STAT_MMIO,
	EXIT_STAT_HALT, EXIT_STAT_IRQ, EXIT_STAT_PF_TAKEN,
};
/* KVM's other counters, in the JSON only: what "other" may be made of. */
static const enum exit_stat more[] = {
	EXIT_STAT_IRQ_WINDOW, EXIT_STAT_NMI_WINDOW, EXIT_STAT_SIGNAL, EXIT_STAT_REQUEST_IRQ,
	EXIT_STAT_INSN_EMULATION,
};

struct exit_row {
	const char *name;
	struct exit_stats st;
	size_t policies;
};

/* Count the exits of one verify (inl: an inline policy) or of the matrix. */
static int count_exits(struct kvmcpuid_ctx *ctx, const char *inl, bool matrix,
		       unsigned int flags, struct exit_row *row)
{
	struct kvmcpuid_policy *p = NULL;
	struct kvmcpuid_diag d = { 0 };
	int r;

	memset(&row->st, 0, sizeof(row->st));
	if (kvmcpuid_policy_parse_inline(ctx, inl, "bench", &d, &p) < 0)
		return -1;
	ctx->exit_stats = &row->st;
	if (matrix) {
		struct kvmcpuid_report **reps = NULL;
		size_t k;

		r = kvmcpuid_matrix(p, flags, &reps, &row->policies, &d);
		for (k = 0; r == 0 && k < row->policies; k++)
			kvmcpuid_report_unref(reps[k]);
		free(reps);
	} else {
		struct kvmcpuid_report *rep = NULL;

		r = kvmcpuid_verify(p, flags, &rep, &d);
		kvmcpuid_report_unref(rep);
		row->policies = 1;
	}
	ctx->exit_stats = NULL;
	kvmcpuid_policy_unref(p);
	if (r < 0)
		fprintf(stderr, "kvmcpuid-bench: %s\n", d.message);
	return r;
}

static uint64_t row_other(const struct exit_row *row)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(shown); i++)
		sum += row->st.v[shown[i]];
	return row->st.v[EXIT_STAT_EXITS] > sum ? row->st.v[EXIT_STAT_EXITS] - sum : 0;
}

/* Where KVM's counters of a row came from; NULL: from nowhere, or not for every vCPU. */
static const char *row_source(const struct exit_row *row)
{
	const struct exit_stats *st = &row->st;

	if (st->missing || !st->vcpus)
		return NULL;
	if (st->fd_vcpus && st->debugfs_vms)
		return "stats fd+debugfs";
	return st->debugfs_vms ? "debugfs" : "stats fd";
}

static bool row_has(const struct exit_row *row, enum exit_stat s)
{
	return row->st.have & (1u << s);
}

/* One counter of the text table: "-" where the row's source has no such counter. */
static void print_count(const struct exit_row *row, enum exit_stat s, int width)
{
	if (row_has(row, s))
		printf(" %*llu", width, (unsigned long long)row->st.v[s]);
	else
		printf(" %*s", width, "-");
}

static void print_json_count(const struct exit_row *row, enum exit_stat s)
{
	if (row_has(row, s))
		printf(", \"%s\": %llu", exit_stat_name(s), (unsigned long long)row->st.v[s]);
	else
		printf(", \"%s\": null", exit_stat_name(s));
}

static void print_exits(const struct exit_row *rows, size_t n, bool json)
{
	static const int widths[ARRAY_SIZE(shown)] = { 6, 5, 6, 4, 5, 5, 5, 8 };
	size_t i, k;

	if (json) {
		printf("  \"exits\": [\n");
		for (i = 0; i < n; i++) {
			const struct exit_stats *st = &rows[i].st;
			const char *src = row_source(&rows[i]);

			printf("    { \"run\": \"%s\", \"policies\": %zu, ", rows[i].name,
			       rows[i].policies);
			printf("\"vcpus_counted\": %llu, ", (unsigned long long)st->vcpus);
			if (src)
				printf("\"source\": \"%s\", ", src);
			else
				printf("\"source\": null, ");
			printf("\"total\": %llu", (unsigned long long)st->v[EXIT_STAT_EXITS]);
			for (k = 0; k < ARRAY_SIZE(shown); k++)
				print_json_count(&rows[i], shown[k]);
			printf(", \"other\": %llu", (unsigned long long)row_other(&rows[i]));
			for (k = 0; k < ARRAY_SIZE(more); k++)
				print_json_count(&rows[i], more[k]);
			printf(" }%s\n", i + 1 < n ? "," : "");
		}
		printf("  ],\n");
		return;
	}
	printf("VM exits (KVM's counters: the vCPU's stats fd, or debugfs per VM before 5.14; "
	       "cpuid and msr from the guest's own probes)\n");
	printf("%-22s %6s %6s %5s %6s %4s %5s %5s %5s %8s %6s  %s\n", "run", "total", "cpuid",
	       "msr", "hcall", "io", "mmio", "halt", "irq", "pf_taken", "other", "source");
	for (i = 0; i < n; i++) {
		const char *src = row_source(&rows[i]);

		if (!src && rows[i].st.missing && !rows[i].st.fd_vcpus && !rows[i].st.debugfs_vms) {
			printf("%-22s no statistics (no KVM_GET_STATS_FD, before 5.14; and no "
			       "/sys/kernel/debug/kvm/PID-FD: debugfs not mounted or not root)\n",
			       rows[i].name);
			continue;
		}
		if (!src) {
			printf("%-22s incomplete statistics: %llu of %llu vCPUs unread\n",
			       rows[i].name, (unsigned long long)rows[i].st.missing,
			       (unsigned long long)rows[i].st.vcpus);
			continue;
		}
		printf("%-22s %6llu", rows[i].name,
		       (unsigned long long)rows[i].st.v[EXIT_STAT_EXITS]);
		for (k = 0; k < ARRAY_SIZE(shown); k++)
			print_count(&rows[i], shown[k], widths[k]);
		printf(" %6llu  %s\n", (unsigned long long)row_other(&rows[i]), src);
	}
	printf("targets: verify <= 48, each masked policy <= 48, matrix <= 1000\n\n");
}

/* The rows of the exit table; the context's hypercall knowledge is settled first. */
static size_t exit_rows(struct kvmcpuid_ctx *ctx, struct exit_row *rows)
{
	struct exit_row warm = { .name = "warm-up" };
	size_t n = 0;

	count_exits(ctx, "default=host", false, 0, &warm);
	rows[n].name = "verify (default)";
	n += count_exits(ctx, "default=host", false, 0, &rows[n]) == 0;
	rows[n].name = "verify -steal_time";
	n += count_exits(ctx, "steal_time=off,enforce=on", false, 0, &rows[n]) == 0;
	rows[n].name = "verify --scan full";
	n += count_exits(ctx, "default=host", false, KVMCPUID_VERIFY_SCAN_FULL, &rows[n]) == 0;
	rows[n].name = "matrix (enforce=on)";
	n += count_exits(ctx, "enforce=on", true, 0, &rows[n]) == 0;
	return n;
}

static long child_rss_kib(void)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct kvmcpuid_ctx *ctx;
		struct kvmcpuid_policy *p;

		if (kvmcpuid_new(&ctx) < 0 || kvmcpuid_policy_new(ctx, &p) < 0)
			_exit(1);
		_exit(verify_once(ctx, p) ? 1 : 0);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return ru.ru_maxrss;
}

/* The policies of the machine-independent rows. */
static const struct {
	const char *name, *text;
} bench_policies[] = {
	{ "default", "" },
	{ "tenant-a", typical },
	{ "allow-list", "default = off\nclocksource2 = on\nclocksource_stable_bit = on\n"
			"pv_eoi = on\nenforce = on\n" },
	{ "hyperv-moved", "base = 0x40000100\ntiming = on\nsteal_time = off\n" },
	{ "hidden", "signature = hidden\n" },
};

static const char *const export_formats[] = { "qemu", "libvirt", "kubevirt", "firecracker",
					       "cloud-hypervisor" };

/* Median over n runs of reps calls of one step, in ns a call; -1 when a call fails. */
#define TIME_MEDIAN(out, n, reps, t, call)                                                  \
	do {                                                                                \
		int i_, k_, bad_ = 0;                                                       \
		for (i_ = 0; i_ < (n); i_++) {                                              \
			double s_ = now_ns();                                               \
			for (k_ = 0; k_ < (reps); k_++)                                     \
				bad_ |= (call) < 0;                                         \
			(t)[i_] = (now_ns() - s_) / (reps);                                 \
		}                                                                           \
		(out) = bad_ ? -1 : median((t), (n));                                       \
	} while (0)

static int parse_build(struct kvmcpuid_ctx *ctx, const struct kvmcpuid_host *h, const char *text)
{
	struct kvmcpuid_policy *q = NULL;
	struct kvmcpuid_cpuid *c = NULL;
	int r = kvmcpuid_policy_parse_text(ctx, text, strlen(text), "b", NULL, &q);

	if (r == 0)
		r = kvmcpuid_build(q, h, 0, &c, NULL);
	kvmcpuid_cpuid_unref(c);
	kvmcpuid_policy_unref(q);
	return r;
}

static int export_once(const struct kvmcpuid_policy *q, const char *fmt)
{
	char *out = NULL;
	int r = kvmcpuid_policy_export(q, fmt, NULL, NULL, &out);

	free(out);
	return r;
}

static int import_once(struct kvmcpuid_ctx *ctx, const char *fmt, const char *text)
{
	struct kvmcpuid_policy *q = NULL;
	int r = kvmcpuid_policy_import(ctx, fmt, text, strlen(text), "b", NULL, NULL, NULL, &q);

	kvmcpuid_policy_unref(q);
	return r;
}

/* The rows any machine can measure: per policy, parse + build, and export / import per format. */
static int machine_independent(struct kvmcpuid_ctx *ctx, const char *profile, int n, bool json)
{
	struct kvmcpuid_diag d = { 0 };
	struct kvmcpuid_host *h = NULL;
	double *t = calloc((size_t)n, sizeof(*t)), v;
	size_t i, f;
	bool first = true;

	if (!t || kvmcpuid_host_load_file(ctx, profile, &d, &h) < 0) {
		fprintf(stderr, "kvmcpuid-bench: %s\n", d.message[0] ? d.message : "out of memory");
		free(t);
		return -1;
	}
	if (json)
		printf("  \"host_profile\": \"%s\",\n  \"machine_independent\": [", profile);
	else
		printf("machine-independent (host profile %s), median of %d runs, per call:\n"
		       "%-14s %-22s %12s\n", profile, n, "policy", "step", "time");
	for (i = 0; i < ARRAY_SIZE(bench_policies); i++) {
		struct kvmcpuid_policy *q = NULL;
		const char *text = bench_policies[i].text;

		kvmcpuid_policy_parse_text(ctx, text, strlen(text), "b", NULL, &q);
		TIME_MEDIAN(v, n, 2000, t, parse_build(ctx, h, text));
		if (json)
			printf("%s\n    { \"policy\": \"%s\", \"step\": \"build\", \"ns\": %.0f }",
			       first ? "" : ",", bench_policies[i].name, v);
		else
			printf("%-14s %-22s %9.0f ns\n", bench_policies[i].name, "parse+build", v);
		first = false;
		for (f = 0; f < ARRAY_SIZE(export_formats); f++) {
			char step[40], *out = NULL;

			TIME_MEDIAN(v, n, 500, t, export_once(q, export_formats[f]));
			snprintf(step, sizeof(step), "export %s", export_formats[f]);
			if (json)
				printf(",\n    { \"policy\": \"%s\", \"step\": \"%s\", \"ns\": %.0f }",
				       bench_policies[i].name, step, v);
			else
				printf("%-14s %-22s %9.0f ns\n", "", step, v);
			/* the formats with an importer read the export back */
			if (kvmcpuid_policy_export(q, export_formats[f], NULL, NULL, &out) >= 0 &&
			    import_once(ctx, export_formats[f], out) >= 0) {
				TIME_MEDIAN(v, n, 500, t, import_once(ctx, export_formats[f], out));
				snprintf(step, sizeof(step), "import %s", export_formats[f]);
				if (json)
					printf(",\n    { \"policy\": \"%s\", \"step\": \"%s\", "
					       "\"ns\": %.0f }", bench_policies[i].name, step, v);
				else
					printf("%-14s %-22s %9.0f ns\n", "", step, v);
			}
			free(out);
		}
		kvmcpuid_policy_unref(q);
	}
	if (json)
		printf("\n  ],\n");
	else
		printf("\n");
	kvmcpuid_host_unref(h);
	free(t);
	return 0;
}

/* head, unit repeated up to 1 MiB, tail: an importer's worst shape (one warning a unit). */
static char *mib_of(const char *head, const char *unit, const char *tail, size_t *len)
{
	size_t cap = 1024 * 1024, hl = strlen(head), ul = strlen(unit), tl = strlen(tail), n;
	char *t = malloc(cap + 1);

	if (!t)
		return NULL;
	memcpy(t, head, hl);
	for (n = hl; n + ul + tl <= cap; n += ul)
		memcpy(t + n, unit, ul);
	if (t[n - 1] == ',' && tail[0] == ']')
		n--;
	memcpy(t + n, tail, tl + 1);
	*len = n + tl;
	return t;
}

static void ignore_lost(void *data, const struct kvmcpuid_lost *l)
{
	(void)l;
	++*(size_t *)data;
}

/* 1 MiB of each reader's worst shape: linear readers take milliseconds (issue 16). */
static void mib_rows(struct kvmcpuid_ctx *ctx, bool json)
{
	static const struct {
		const char *name, *format, *head, *unit, *tail;
	} shapes[] = {
		{ "qemu: unknown ,a", "qemu", "-cpu host", ",a", "" },
		{ "libvirt: empty <a/>", "libvirt", "<domain type='kvm'><features>", "<a/>",
		  "</features></domain>" },
		{ "firecracker: caps", "firecracker", "{\"cpuid_modifiers\": [], "
		  "\"kvm_capabilities\": [", "\"0000000000000056\",", "]}" },
		{ "policy: comment lines", NULL, "steal_time = off\n", "# pv_eoi = off\n", "" },
	};
	size_t i;

	if (json)
		printf("  \"one_mib\": [");
	else
		printf("1 MiB of each reader's worst shape (median of 5):\n%-24s %10s %12s\n",
		       "input", "warnings", "time");
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		size_t len, lost = 0;
		char *text = mib_of(shapes[i].head, shapes[i].unit, shapes[i].tail, &len);
		double t[5];
		int k;

		if (!text)
			return;
		for (k = 0; k < 5; k++) {
			struct kvmcpuid_policy *q = NULL;
			double s = now_ns();

			lost = 0;
			if (shapes[i].format)
				kvmcpuid_policy_import(ctx, shapes[i].format, text, len, "b", NULL,
						       ignore_lost, &lost, &q);
			else
				kvmcpuid_policy_parse_text(ctx, text, len, "b", NULL, &q);
			t[k] = now_ns() - s;
			kvmcpuid_policy_unref(q);
		}
		if (json)
			printf("%s\n    { \"input\": \"%s\", \"warnings\": %zu, \"ns\": %.0f }",
			       i ? "," : "", shapes[i].name, lost, median(t, 5));
		else
			printf("%-24s %10zu %9.2f ms\n", shapes[i].name, lost, median(t, 5) / 1e6);
		free(text);
	}
	printf(json ? "\n  ],\n" : "\n");
}

int main(int argc, char **argv)
{
	int n = 50, i, policies = 0, json = 0, exits_only = 0;
	struct exit_row rows[4];
	size_t nrows;
	double *t, floor_ns, verify_ns, matrix_ns, build_ns, cpuid64_ns, cpuid16_ns;
	struct kvmcpuid_ctx *ctx;
	struct kvmcpuid_policy *p;
	struct kvmcpuid_host *h;
	struct kvmcpuid_diag d = { 0 };
	long rss;
	const char *probes, *profile = NULL;
	char default_profile[4096];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--exits"))
			exits_only = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--host-profile") && i + 1 < argc)
			profile = argv[++i];
		else {
			fprintf(stderr, "usage: kvmcpuid-bench [--json] [--exits] [-n RUNS] "
				"[--host-profile FILE]\n");
			return 2;
		}
	}
	if (n < 3)
		n = 3;
	if (!profile) {
		/* the source tree's, from where make runs us: __FILE__ is relative to it */
		const char *slash = strrchr(__FILE__, '/');

		snprintf(default_profile, sizeof(default_profile), "%.*s%stests/data/host-amd.json",
			 slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__, slash ? "../" : "");
		profile = default_profile;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (kvmcpuid_new(&ctx) < 0)
		return 1;
	if (!exits_only) {
		struct kvmcpuid_ctx *quiet;

		/* these rows try every format's importer and read warnings: a silent context */
		if (kvmcpuid_new(&quiet) < 0)
			return 1;
		kvmcpuid_set_log_priority(quiet, 0);
		if (json)
			printf("{\n");
		if (machine_independent(quiet, profile, n, json) < 0)
			return 1;
		mib_rows(quiet, json);
		kvmcpuid_unref(quiet);
	}
	if (kvmcpuid_host_probe(ctx, &d, &h) < 0) {
		const char *need = "exits, floor, verify-one, matrix, peak RSS, CPUID exit";

		if (exits_only) {
			fprintf(stderr, "kvmcpuid-bench: %s\n", d.message);
			return 77;
		}
		if (json)
			printf("  \"needs_local_kvm\": \"%s\",\n  \"kvm\": null\n}\n", need);
		else
			printf("not measured here, they need a local KVM (%s): %s\n", d.message, need);
		kvmcpuid_unref(ctx);
		free(t);
		return 0;
	}
	kvmcpuid_policy_new(ctx, &p);

	nrows = exit_rows(ctx, rows);
	if (exits_only) {
		if (json)
			printf("{\n");
		print_exits(rows, nrows, json);
		if (json)
			printf("  \"module\": \"%s\"\n}\n", kvmcpuid_host_info(h)->module);
		kvmcpuid_policy_unref(p);
		kvmcpuid_host_unref(h);
		kvmcpuid_unref(ctx);
		free(t);
		return 0;
	}
	/* warm up both paths once */
	if (floor_once() < 0 || verify_once(ctx, p) < 0) {
		fprintf(stderr, "kvmcpuid-bench: cannot run a guest here\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		double s = now_ns();

		floor_once();
		t[i] = now_ns() - s;
	}
	floor_ns = median(t, n);
	for (i = 0; i < n; i++) {
		double s = now_ns();

		verify_once(ctx, p);
		t[i] = now_ns() - s;
	}
	verify_ns = median(t, n);

	kvmcpuid_policy_set(p, "enforce", "on", NULL);
	for (i = 0; i < (n < 11 ? n : 11); i++) {
		struct kvmcpuid_report **reps = NULL;
		size_t count = 0, k;
		double s = now_ns();

		if (kvmcpuid_matrix(p, 0, &reps, &count, &d) < 0) {
			fprintf(stderr, "matrix: %s\n", d.message);
			return 1;
		}
		t[i] = now_ns() - s;
		for (k = 0; k < count; k++)
			kvmcpuid_report_unref(reps[k]);
		free(reps);
		policies = (int)count;
	}
	matrix_ns = median(t, n < 11 ? n : 11);

	{
		int reps = 20000, k;

		for (i = 0; i < n; i++) {
			double s = now_ns();

			for (k = 0; k < reps; k++) {
				struct kvmcpuid_policy *q = NULL;
				struct kvmcpuid_cpuid *c = NULL;

				kvmcpuid_policy_parse_text(ctx, typical, sizeof(typical) - 1, "b", NULL,
							   &q);
				kvmcpuid_build(q, h, 0, &c, NULL);
				kvmcpuid_cpuid_unref(c);
				kvmcpuid_policy_unref(q);
			}
			t[i] = (now_ns() - s) / reps;
		}
		build_ns = median(t, n);
	}
	/* What one CPUID exit costs here: 256 CPUIDs minus a bare HLT, in 64-bit and real mode. */
	{
		double lm0, lm1, rm0, rm1, *a = calloc((size_t)n, sizeof(double));
		double *b = calloc((size_t)n, sizeof(double));

		for (i = 0; i < n; i++) {
			long_mode_run(ctx, false, &a[i]);
			long_mode_run(ctx, true, &b[i]);
		}
		lm0 = median(a, n);
		lm1 = median(b, n);
		for (i = 0; i < n; i++) {
			floor_once_code(NULL, 0, &a[i]);
			floor_once_code(bench_loop16, (size_t)(bench_loop16_end - bench_loop16), &b[i]);
		}
		rm0 = median(a, n);
		rm1 = median(b, n);
		cpuid64_ns = (lm1 - lm0) / 256;
		cpuid16_ns = (rm1 - rm0) / 256;
		free(a);
		free(b);
	}
	rss = child_rss_kib();
	probes = ctx->hypercalls > 0 ? "cpuid, msr, hypercall"
				     : "cpuid, msr (hypercalls not testable on this host)";

	if (json) {
		print_exits(rows, nrows, true);
		printf("  \"module\": \"%s\",\n  \"runs\": %d,\n  \"probes\": \"%s\",\n"
		       "  \"floor_us\": %.1f,\n  \"verify_one_us\": %.1f,\n"
		       "  \"verify_one_ratio\": %.2f,\n  \"matrix_policies\": %d,\n"
		       "  \"matrix_ms\": %.2f,\n  \"matrix_ratio\": %.3f,\n"
		       "  \"build_ns\": %.0f,\n  \"verify_one_peak_rss_kib\": %ld,\n"
		       "  \"cpuid_exit_64bit_ns\": %.0f,\n  \"cpuid_exit_realmode_ns\": %.0f\n}\n",
		       kvmcpuid_host_info(h)->module, n, probes, floor_ns / 1e3, verify_ns / 1e3,
		       verify_ns / floor_ns, policies, matrix_ns / 1e6,
		       matrix_ns / (policies * floor_ns), build_ns, rss, cpuid64_ns, cpuid16_ns);
	} else {
		printf("kvmcpuid-bench: %s, median of %d runs, probes: %s\n\n",
		       kvmcpuid_host_info(h)->module, n, probes);
		print_exits(rows, nrows, false);
		printf("%-12s %12s  %-28s %s\n", "measure", "value", "ratio", "target");
		printf("%-12s %9.1f us  %-28s %s\n", "floor", floor_ns / 1e3, "1.00", "");
		printf("%-12s %9.1f us  %-28.2f %s\n", "verify-one", verify_ns / 1e3,
		       verify_ns / floor_ns, "<= 1.5 x floor");
		printf("%-12s %9.2f ms  %.3f x (%d x floor)%-6s %s\n", "matrix", matrix_ns / 1e6,
		       matrix_ns / (policies * floor_ns), policies, "", "<= 0.5");
		printf("%-12s %9.0f ns  %-28s %s\n", "build", build_ns, "", "<= 2000 ns");
		printf("%-12s %9.2f MiB %-28s %s\n", "peak RSS", rss / 1024.0, "(verify-one process)",
		       "<= 8 MiB");
		printf("\none CPUID exit: %.2f us in a 64-bit guest, %.2f us in real mode "
		       "(256 CPUIDs minus a bare HLT)\n", cpuid64_ns / 1e3, cpuid16_ns / 1e3);
	}
	kvmcpuid_policy_unref(p);
	kvmcpuid_host_unref(h);
	kvmcpuid_unref(ctx);
	free(t);
	return 0;
}
