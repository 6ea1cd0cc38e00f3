// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The guest kernel's log read out of a synthetic guest memory built here: page tables
 * (4-level with a 1 GiB, a 2 MiB and two 4 KiB pages; 5-level), a VMCOREINFO page with
 * what x86-64 Linux 6.1 exports, and a printk ring holding every kind of record the reader
 * meets.  Each bad input: its exact return code and its exact why.
 */
#include <errno.h>

#include "boot/boot.h"
#include "boot/klog.h"
#include "testutil.h"

#define MIB (1024 * 1024)
#define MEM_SIZE (64 * MIB)

/* The kernel's maps (Documentation/arch/x86/x86_64/mm.rst): the direct map of all RAM
 * (4-level and 5-level PAGE_OFFSET, no KASLR) and the kernel image (__START_KERNEL_map). */
#define DIRECT4 0xffff888000000000ull
#define DIRECT5 0xff11000000000000ull

/* Page tables: 4-level under PML4; PML5 adds a level for the 5-level case. */
#define PML4 0x100000ull
#define PDPT_K 0x101000ull	/* the kernel image: PML4[511] */
#define PD_K 0x102000ull	/* PDPT_K[510] */
#define PT_K 0x103000ull	/* PD_K[22]: 4 KiB pages */
#define PDPT_D 0x104000ull	/* the direct map: one 1 GiB page */
#define PML5 0x105000ull
#define PML4_D5 0x106000ull	/* 5-level: PML5[273] -> PML4_D5[0] -> PDPT_D */
#define P 0x1ull
#define RW 0x2ull
#define PS 0x80ull

/* SYMBOL(prb) in a 2 MiB page; the printk_ringbuffer it points to across two 4 KiB pages
 * whose frames are far apart (a read that does not translate each page reads garbage).
 * Placed so that its descs pointer straddles the boundary (real kernels align it). */
#define SYM_PRB 0xffffffff82a1b2c0ull
#define KIMG_2M 0xffffffff82a00000ull	/* PD_K[21] -> 0x2a00000 */
#define KIMG_4K 0xffffffff82c05000ull	/* PT_K[5] -> 0x3005000, PT_K[6] -> 0x3100000 */
#define RB_VA 0xffffffff82c05ff4ull
#define VMCI_PA 0x1f43000ull
#define DESCS_PA 0x1000000ull
#define INFOS_PA 0x1100000ull
#define DATA_PA 0x1200000ull

/*
 * x86-64 Linux 6.1's layouts (kernel/printk/printk_ringbuffer.h, include/linux/dev_printk.h
 * for dev_printk_info: subsystem[16], device[48]), as log_buf_vmcoreinfo_setup() in
 * kernel/printk/printk.c exports them.  Lines of the VMCOREINFO of Debian's 6.1.0-50-amd64
 * as the test VM showed it (the VMCOREINFO note of its /proc/kcore; it has ~100 more),
 * but for the addresses (SYMBOL values, KERNELOFFSET), made up for this memory.
 */
static const char *const vmci_61[] = {
	"OSRELEASE=6.1.0-50-amd64",
	"BUILD-ID=06f8bde30046985060c60820f7a11515a33afb06",
	"PAGESIZE=4096",
	"SYMBOL(init_uts_ns)=ffffffff82e14400",
	"SYMBOL(_stext)=ffffffff81000000",
	"SYMBOL(prb)=ffffffff82a1b2c0",
	"SYMBOL(printk_rb_static)=ffffffff82a1b2e0",
	"SYMBOL(clear_seq)=ffffffff835f8a60",
	"SIZE(printk_ringbuffer)=88",
	"OFFSET(printk_ringbuffer.desc_ring)=0",
	"OFFSET(printk_ringbuffer.text_data_ring)=48",
	"OFFSET(printk_ringbuffer.fail)=80",
	"SIZE(prb_desc_ring)=48",
	"OFFSET(prb_desc_ring.count_bits)=0",
	"OFFSET(prb_desc_ring.descs)=8",
	"OFFSET(prb_desc_ring.infos)=16",
	"OFFSET(prb_desc_ring.head_id)=24",
	"OFFSET(prb_desc_ring.tail_id)=32",
	"SIZE(prb_desc)=24",
	"OFFSET(prb_desc.state_var)=0",
	"OFFSET(prb_desc.text_blk_lpos)=8",
	"SIZE(prb_data_blk_lpos)=16",
	"OFFSET(prb_data_blk_lpos.begin)=0",
	"OFFSET(prb_data_blk_lpos.next)=8",
	"SIZE(printk_info)=88",
	"OFFSET(printk_info.seq)=0",
	"OFFSET(printk_info.ts_nsec)=8",
	"OFFSET(printk_info.text_len)=16",
	"OFFSET(printk_info.caller_id)=20",
	"OFFSET(printk_info.dev_info)=24",
	"SIZE(dev_printk_info)=64",
	"OFFSET(dev_printk_info.subsystem)=0",
	"LENGTH(printk_info_subsystem)=16",
	"OFFSET(dev_printk_info.device)=16",
	"LENGTH(printk_info_device)=48",
	"SIZE(prb_data_ring)=32",
	"OFFSET(prb_data_ring.size_bits)=0",
	"OFFSET(prb_data_ring.data)=8",
	"OFFSET(prb_data_ring.head_lpos)=16",
	"OFFSET(prb_data_ring.tail_lpos)=24",
	"SIZE(atomic_long_t)=8",
	"OFFSET(atomic_long_t.counter)=0",
	"SIZE(latched_seq)=24",
	"OFFSET(latched_seq.val)=8",
	"NUMBER(phys_base)=-47226880",
	"SYMBOL(init_top_pgt)=ffffffff82e0a000",
	"NUMBER(pgtable_l5_enabled)=0",
	"KERNELOFFSET=1a00000",
	NULL,
};

/*
 * Debian's 5.10.0-32-amd64 and 7.2.13+deb14-amd64 (the test VM, as above): the same keys,
 * these lines differ.  5.10 has no last_finalized_id in prb_desc_ring (5.19 added it), so
 * text_data_ring is at 40; in 7.2 struct printk_info grew to 112.
 */
static const char *const diff_510[] = {
	"OSRELEASE=5.10.0-32-amd64",
	"SIZE(printk_ringbuffer)=80",
	"OFFSET(printk_ringbuffer.text_data_ring)=40",
	"OFFSET(printk_ringbuffer.fail)=72",
	"SIZE(prb_desc_ring)=40",
	NULL,
};
static const char *const diff_72[] = {
	"OSRELEASE=7.2.13+deb14-amd64",
	"SIZE(printk_info)=112",
	"OFFSET(printk_info.dev_info)=44",
	NULL,
};

/* 6.1 booted with 5-level paging: init_top_pgt is the PML5 (phys_base as above). */
static const char *const diff_61_l5[] = {
	"SYMBOL(init_top_pgt)=ffffffff82e0f000",
	"NUMBER(pgtable_l5_enabled)=1",
	NULL,
};

/* What the ring writers below take from a kernel's layout. */
static const struct kernel {
	const char *const *diff;	/* lines that replace 6.1's */
	unsigned int text_ring;		/* OFFSET(printk_ringbuffer.text_data_ring) */
	unsigned int info_size;		/* SIZE(printk_info) */
} k510 = { diff_510, 40, 88 }, k61 = { NULL, 48, 88 }, k72 = { diff_72, 48, 112 },
  k61_l5 = { diff_61_l5, 48, 88 };

#define DESC_SIZE 24
#define COUNT_BITS 4
#define SIZE_BITS 8
#define DATA_SIZE (1u << SIZE_BITS)
/* printk_ringbuffer.h: desc states, the special lpos values, BLK0_LPOS (the first pass
 * over the data ring overflows an unsigned long when it wraps) */
#define ST_RESERVED 0ull
#define ST_COMMITTED 1ull
#define ST_FINALIZED 2ull
#define ST_REUSABLE 3ull
#define FAILED_LPOS 0x1ull
#define EMPTY_LINE_LPOS 0x3ull
#define BLK0_LPOS (-(uint64_t)DATA_SIZE)

static uint8_t *mem;
static uint64_t direct;		/* the direct map's base in the case at hand */
static uint64_t cr3, cr4;
static const struct kernel *kern;
static uint64_t lpos;		/* the data ring's head */
static bool old_wrap;		/* place blocks as kernels before 6.18 did */

static uint64_t v2p(uint64_t va)
{
	if (va >= direct && va - direct < MEM_SIZE)
		return va - direct;
	if (va >= KIMG_2M && va < KIMG_2M + 2 * MIB)
		return va - KIMG_2M + 0x2a00000;
	if (va >= KIMG_4K && va < KIMG_4K + 4096)
		return va - KIMG_4K + 0x3005000;
	if (va >= KIMG_4K + 4096 && va < KIMG_4K + 8192)
		return va - KIMG_4K - 4096 + 0x3100000;
	ck_abort_msg("test bug: 0x%llx is not mapped here", (unsigned long long)va);
	return 0;
}

/* Writes at a guest virtual address, byte by byte through the map above. */
static void poke(uint64_t va, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		mem[v2p(va + i)] = b[i];
}

static void poke64(uint64_t va, uint64_t v)
{
	uint8_t b[8];

	put64(b, v);
	poke(va, b, 8);
}

static void poke32(uint64_t va, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	poke(va, b, 4);
}

/* The line l with the key (the text before '=') of line r: r, else l. */
static const char *swap(const char *l, const char *r)
{
	size_t k = strcspn(r, "=") + 1;

	return strncmp(l, r, k) ? l : r;
}

/* The VMCOREINFO page at pa: 6.1's lines as the kernel at hand has them, without the line
 * starting with omit, with the line of replace's key replaced. */
static void put_vmcoreinfo(uint64_t pa, const char *omit, const char *replace)
{
	char *p = (char *)mem + pa;
	size_t i, j;

	memset(p, 0, 4096);
	for (i = 0; vmci_61[i]; i++) {
		const char *l = vmci_61[i];

		for (j = 0; kern->diff && kern->diff[j]; j++)
			l = swap(l, kern->diff[j]);
		if (omit && !strncmp(l, omit, strlen(omit)))
			continue;
		if (replace)
			l = swap(l, replace);
		p += sprintf(p, "%s\n", l);
	}
}

static void put_tables(bool la57)
{
	put64(mem + PML4 + 511 * 8, PDPT_K | P | RW);
	put64(mem + PDPT_K + 510 * 8, PD_K | P | RW);
	put64(mem + PD_K + 21 * 8, 0x2a00000 | P | RW | PS);
	put64(mem + PD_K + 22 * 8, PT_K | P | RW);
	put64(mem + PT_K + 5 * 8, 0x3005000 | P | RW);
	put64(mem + PT_K + 6 * 8, 0x3100000 | P | RW);
	put64(mem + PDPT_D + 0 * 8, 0 | P | RW | PS);
	if (!la57) {
		put64(mem + PML4 + 273 * 8, PDPT_D | P | RW);	/* 0xffff888000000000 */
		cr3 = PML4;
		cr4 = 0x20;				/* PAE */
		direct = DIRECT4;
		return;
	}
	put64(mem + PML5 + 511 * 8, PML4 | P | RW);
	put64(mem + PML5 + 273 * 8, PML4_D5 | P | RW);	/* 0xff11000000000000 */
	put64(mem + PML4_D5 + 0 * 8, PDPT_D | P | RW);
	cr3 = PML5 | 0x5;				/* the PCID in the low bits */
	cr4 = 0x20 | 0x1000;				/* PAE, LA57 */
	direct = DIRECT5;
}

/* The ring's header: count_bits, descs, infos, head/tail ids, the data ring. */
static void put_ring(uint64_t tail_id, uint64_t head_id)
{
	poke64(SYM_PRB, RB_VA);
	poke32(RB_VA + 0, COUNT_BITS);
	poke64(RB_VA + 8, direct + DESCS_PA);
	poke64(RB_VA + 16, direct + INFOS_PA);
	poke64(RB_VA + 24, head_id);
	poke64(RB_VA + 32, tail_id);
	poke32(RB_VA + kern->text_ring, SIZE_BITS);
	poke64(RB_VA + kern->text_ring + 8, direct + DATA_PA);
	poke64(RB_VA + kern->text_ring + 16, lpos);
	poke64(RB_VA + kern->text_ring + 24, lpos - DATA_SIZE);
}

/*
 * A data block for text, as printk_ringbuffer.c data_alloc()/get_next_lpos() place it:
 * the id, the text, padding to 8; a block that would pass the end of the ring has only
 * its id at begin and lives whole at index 0.  From 6.18 (is_blk_wrapped()) a block that
 * ends exactly at the end stays put; before, it wrapped (old_wrap).
 */
static void put_block(uint64_t id, const char *text, size_t len, uint64_t *begin,
		      uint64_t *next)
{
	uint64_t size = (8 + len + 7) & ~7ull, b = lpos, n = b + size;
	uint64_t end = old_wrap ? n : n - 1;
	uint8_t *data = mem + DATA_PA;

	put64(data + (b & (DATA_SIZE - 1)), id);
	if (b >> SIZE_BITS != end >> SIZE_BITS) {
		n = ((b >> SIZE_BITS) + 1) << SIZE_BITS;
		n += size;
		put64(data, id);
		memcpy(data + 8, text, len);
	} else {
		memcpy(data + (b & (DATA_SIZE - 1)) + 8, text, len);
	}
	lpos = n;
	*begin = b;
	*next = n;
}

static void put_desc(uint64_t id, uint64_t sv_id, uint64_t state, uint64_t begin,
		     uint64_t next, uint16_t text_len)
{
	uint64_t idx = id & ((1u << COUNT_BITS) - 1);
	uint8_t *d = mem + DESCS_PA + idx * DESC_SIZE;
	uint8_t *in = mem + INFOS_PA + idx * kern->info_size;

	put64(d + 0, state << 62 | sv_id);
	put64(d + 8, begin);
	put64(d + 16, next);
	put64(in + 0, id);		/* seq */
	put16(in + 16, text_len);
}

/* A record with its text in a block of its own. */
static void put_record(uint64_t id, uint64_t state, const char *text)
{
	uint64_t b, n;

	put_block(id, text, strlen(text), &b, &n);
	put_desc(id, id, state, b, n, strlen(text));
}

static void setup(void)
{
	mem = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(mem);
	memset(mem + DATA_PA, '#', DATA_SIZE);	/* the padding a clamped text shows */
	lpos = BLK0_LPOS + 168;
	old_wrap = false;
	kern = &k61;
}

static void teardown(void)
{
	free(mem);
}

/*
 * Every kind of record, ids 0x1e..0x27 in a ring of 16 descriptors and 256 text bytes,
 * still in the data ring's first pass (lpos from BLK0_LPOS): one block wraps to the start
 * of the ring and its next overflows past 0.
 */
#define WANT                                                                               \
	"Linux version 6.1.0-50-amd64\n"                                                   \
	"kvm-guest: setup PV IPIs\n"                                                        \
	"kvm-clock: Using msrs 4b564d01 and 4b564d00\n"                                     \
	"\n"                                                                               \
	"clocksource: Switched to clocksource kvm-clock\n second line\n"

static void put_log(void)
{
	uint64_t b, n;

	put_vmcoreinfo(VMCI_PA, NULL, NULL);
	put_desc(0x1e, 0x1e, ST_REUSABLE, FAILED_LPOS, FAILED_LPOS, 0);	/* gone */
	put_desc(0x1f, 0x1f, ST_FINALIZED, FAILED_LPOS, FAILED_LPOS, 0);	/* data lost */
	put_record(0x20, ST_FINALIZED, "Linux version 6.1.0-50-amd64");
	put_record(0x21, ST_FINALIZED, "kvm-guest: setup PV IPIs");
	put_record(0x22, ST_FINALIZED, "kvm-clock: Using msrs 4b564d01 and 4b564d00");
	ck_assert_uint_lt(lpos, 64);	/* it wrapped, past the overflow */
	/* a slot still holding the record of the previous wrap of the desc ring */
	put_block(0x23 - 16, "STALE", 5, &b, &n);
	put_desc(0x23, 0x23 - 16, ST_FINALIZED, b, n, 5);
	/* a writer is still in it */
	put_block(0x24, "RESERVED", 8, &b, &n);
	put_desc(0x24, 0x24, ST_RESERVED, b, n, 8);
	put_desc(0x25, 0x25, ST_FINALIZED, EMPTY_LINE_LPOS, EMPTY_LINE_LPOS, 0);
	/* an lpos the kernel calls illegal (not aligned to the id) */
	put_block(0x26, "ILLEGAL", 7, &b, &n);
	put_desc(0x26, 0x26, ST_FINALIZED, b + 4, n, 7);
	/* committed, not finalized: the newest record, a continuation line in it */
	put_record(0x27, ST_COMMITTED,
		   "clocksource: Switched to clocksource kvm-clock\n second line");
	put_ring(0x1e, 0x27);
}

/* boot_klog_read succeeds with exactly want (want_len bytes) and why "". */
static void read_ok(const char *want, size_t want_len)
{
	char why[200] = "x", *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(boot_klog_read(mem, MEM_SIZE, cr3, cr4, &out, &len, NULL, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(out, want, want_len);
	ck_assert_int_eq(out[len], '\0');
	free(out);
}

/* What boot_klog_read gives, whatever it returns: "" when it fails (a static copy). */
static const char *read_any(void)
{
	static char got[4096];
	char *out = NULL;
	size_t len = 0;

	got[0] = '\0';
	if (!boot_klog_read(mem, MEM_SIZE, cr3, cr4, &out, &len, NULL, NULL, 0)) {
		snprintf(got, sizeof(got), "%s", out);
		free(out);
	}
	return got;
}

/* boot_klog_read fails with r and exactly msg, handing nothing out. */
static void read_fails(int r, const char *msg)
{
	char why[200] = "x", *out = (char *)1;
	size_t len = 1;

	ck_assert_int_eq(boot_klog_read(mem, MEM_SIZE, cr3, cr4, &out, &len, NULL, why, sizeof(why)), r);
	ck_assert_str_eq(why, msg);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
}

/*
 * The oldest record's sequence number: 0 when nothing was overwritten; here put_desc
 * numbers each record by its id, so the oldest read (0x20: 0x1e and 0x1f hold no data)
 * says that 0x20 records came before it and are gone.
 */
START_TEST(first_seq)
{
	uint64_t seq = 7;
	char *out = NULL;
	size_t len = 0;

	put_tables(false);
	put_log();
	ck_assert_int_eq(boot_klog_read(mem, MEM_SIZE, cr3, cr4, &out, &len, &seq, NULL, 0), 0);
	ck_assert_uint_eq(seq, 0x20);
	free(out);
	/* the same ring holding the kernel's first record: whole */
	put64(mem + INFOS_PA + (0x20 & ((1u << COUNT_BITS) - 1)) * kern->info_size, 0);
	ck_assert_int_eq(boot_klog_read(mem, MEM_SIZE, cr3, cr4, &out, &len, &seq, NULL, 0), 0);
	ck_assert_uint_eq(seq, 0);
	free(out);
	/* OFFSET(printk_info.seq) past the struct: refused */
	put_vmcoreinfo(VMCI_PA, NULL, "OFFSET(printk_info.seq)=84");
	read_fails(-EPROTO, "VMCOREINFO's printk_info offsets do not fit in SIZE(printk_info) 88");
}
END_TEST

START_TEST(log_4level)
{
	put_tables(false);
	put_log();
	read_ok(WANT, strlen(WANT));
}
END_TEST

START_TEST(log_5level)
{
	put_tables(true);
	put_log();
	read_ok(WANT, strlen(WANT));
	/* the same memory read with 4-level paging: PML5 read as a PML4 maps nothing there */
	cr4 &= ~0x1000ull;
	read_fails(-EPROTO, "SYMBOL(prb) 0xffffffff82a1b2c0 is not mapped");
}
END_TEST

/*
 * cr3 0: the kernel's own tables from VMCOREINFO (init_top_pgt at 0xffffffff82e0a000,
 * phys_base -0x2d0a000: PML4 at 0x100000; 5-level: PML5 at 0x105000), whatever cr4 says.
 */
START_TEST(log_kernel_cr3)
{
	put_tables(false);
	put_log();
	cr3 = 0;
	cr4 = 0x1000;
	read_ok(WANT, strlen(WANT));
	memset(mem, 0, MEM_SIZE);
	memset(mem + DATA_PA, '#', DATA_SIZE);
	lpos = BLK0_LPOS + 168;
	kern = &k61_l5;
	put_tables(true);
	put_log();
	cr3 = 0;
	cr4 = 0;
	read_ok(WANT, strlen(WANT));
	/* what it needs, each */
	put_vmcoreinfo(VMCI_PA, "SYMBOL(init_top_pgt)", NULL);
	read_fails(-EPROTO, "VMCOREINFO has no SYMBOL(init_top_pgt)");
	put_vmcoreinfo(VMCI_PA, "NUMBER(phys_base)", NULL);
	read_fails(-EPROTO, "VMCOREINFO has no NUMBER(phys_base)");
	put_vmcoreinfo(VMCI_PA, NULL, "NUMBER(phys_base)=-");
	read_fails(-EPROTO, "VMCOREINFO has a bad NUMBER(phys_base)");
	put_vmcoreinfo(VMCI_PA, NULL, "SYMBOL(init_top_pgt)=ffff888000105000");
	read_fails(-EPROTO,
		   "SYMBOL(init_top_pgt) 0xffff888000105000 is not in the kernel image map");
	/* without NUMBER(pgtable_l5_enabled): 4-level, and the PML5 read as a PML4 maps nothing */
	put_vmcoreinfo(VMCI_PA, "NUMBER(pgtable_l5_enabled)", NULL);
	read_fails(-EPROTO, "SYMBOL(prb) 0xffffffff82a1b2c0 is not mapped");
}
END_TEST

/* The same log in the layouts of 5.10 and 7.2, as their VMCOREINFO says. */
START_TEST(log_other_kernels)
{
	const struct kernel *ks[] = { &k510, &k72 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		memset(mem, 0, MEM_SIZE);
		memset(mem + DATA_PA, '#', DATA_SIZE);
		lpos = BLK0_LPOS + 168;
		kern = ks[i];
		put_tables(false);
		put_log();
		read_ok(WANT, strlen(WANT));
		/* and with 6.1's VMCOREINFO the same memory reads wrong or not at all */
		kern = &k61;
		put_vmcoreinfo(VMCI_PA, NULL, NULL);
		kern = ks[i];
		ck_assert_int_ne(memcmp(read_any(), WANT, strlen(WANT)), 0);
	}
}
END_TEST

/* A block that ends exactly at the end of the ring, in the first pass (its next is 0). */
START_TEST(exact_fit)
{
	static const char t[] = "kvm-stealtime: cpu 0, msr 7fc24040, and 48 chars";

	ck_assert_uint_eq(strlen(t), 48);
	put_tables(false);
	put_vmcoreinfo(VMCI_PA, NULL, NULL);
	lpos = BLK0_LPOS + DATA_SIZE - 56;
	put_record(0x20, ST_FINALIZED, t);		/* 6.18: stays at index 200 */
	ck_assert_uint_eq(lpos, 0);
	put_ring(0x20, 0x20);
	read_ok("kvm-stealtime: cpu 0, msr 7fc24040, and 48 chars\n", 49);
	memset(mem + DATA_PA, '#', DATA_SIZE);
	old_wrap = true;
	lpos = BLK0_LPOS + DATA_SIZE - 56;
	put_record(0x20, ST_FINALIZED, t);		/* before: wrapped to index 0 */
	ck_assert_uint_eq(lpos, 56);
	ck_assert_mem_eq(mem + DATA_PA + 8, t, 48);
	read_ok("kvm-stealtime: cpu 0, msr 7fc24040, and 48 chars\n", 49);
}
END_TEST

/* text_len past its block: cut to the block (dmesg.py), padding and all. */
START_TEST(text_len_past_block)
{
	uint64_t b, n;

	put_tables(false);
	put_vmcoreinfo(VMCI_PA, NULL, NULL);
	put_block(0x20, "ABCDE", 5, &b, &n);
	put_desc(0x20, 0x20, ST_FINALIZED, b, n, 200);
	put_record(0x21, ST_FINALIZED, "after");
	put_ring(0x20, 0x21);
	read_ok("ABCDE###\nafter\n", 15);
}
END_TEST

/* Of two pages starting "OSRELEASE=", the one holding SYMBOL(prb) is read. */
START_TEST(two_vmcoreinfo_pages)
{
	put_tables(false);
	put_log();
	put_vmcoreinfo(0x1000, "SYMBOL(prb)", "OFFSET(prb_desc.state_var)=8");
	read_ok(WANT, strlen(WANT));
	put_vmcoreinfo(VMCI_PA, "SYMBOL(prb)", NULL);
	read_fails(-EPROTO, "VMCOREINFO has no SYMBOL(prb)");
}
END_TEST

START_TEST(no_vmcoreinfo)
{
	char *out = (char *)1;
	size_t len = 1;

	put_tables(false);
	read_fails(-ENOENT, "no VMCOREINFO in guest memory");
	/* no why buffer, nothing written */
	ck_assert_int_eq(boot_klog_read(mem, MEM_SIZE, cr3, cr4, &out, &len, NULL, NULL, 0), -ENOENT);
	/* a page that only starts with something else */
	memcpy(mem + VMCI_PA + 1, "OSRELEASE=6.1", 13);
	read_fails(-ENOENT, "no VMCOREINFO in guest memory");
	/* a memory shorter than a page */
	ck_assert_int_eq(boot_klog_read(mem, 100, cr3, cr4, &out, &len, NULL, NULL, 0), -ENOENT);
}
END_TEST

START_TEST(missing_key)
{
	put_tables(false);
	put_log();
	put_vmcoreinfo(VMCI_PA, "OFFSET(prb_desc.state_var)", NULL);
	read_fails(-EPROTO, "VMCOREINFO has no OFFSET(prb_desc.state_var)");
	/* 5.10's struct printk_info inside struct prb_desc: no infos array */
	put_vmcoreinfo(VMCI_PA, "OFFSET(prb_desc_ring.infos)", NULL);
	read_fails(-EPROTO, "VMCOREINFO has no OFFSET(prb_desc_ring.infos)");
	/* atomic_long_t.counter alone may be missing: its one member is at 0 */
	put_vmcoreinfo(VMCI_PA, "OFFSET(atomic_long_t.counter)", NULL);
	read_ok(WANT, strlen(WANT));
}
END_TEST

START_TEST(bad_values)
{
	put_tables(false);
	put_log();
	put_vmcoreinfo(VMCI_PA, NULL, "SYMBOL(prb)=ffffffff82a1b2cg");
	read_fails(-EPROTO, "VMCOREINFO has a bad SYMBOL(prb)");
	put_vmcoreinfo(VMCI_PA, NULL, "SYMBOL(prb)=1ffffffff82a1b2c0");
	read_fails(-EPROTO, "VMCOREINFO has a bad SYMBOL(prb)");
	put_vmcoreinfo(VMCI_PA, NULL, "OFFSET(printk_info.text_len)=");
	read_fails(-EPROTO, "VMCOREINFO has a bad OFFSET(printk_info.text_len)");
	put_vmcoreinfo(VMCI_PA, NULL, "OFFSET(printk_info.text_len)=-16");
	read_fails(-EPROTO, "VMCOREINFO has a bad OFFSET(printk_info.text_len)");
	put_vmcoreinfo(VMCI_PA, NULL, "OFFSET(printk_info.text_len)=99999999999");
	read_fails(-EPROTO,
		   "VMCOREINFO's OFFSET(printk_info.text_len) 99999999999 is out of range");
	put_vmcoreinfo(VMCI_PA, NULL, "OFFSET(printk_info.text_len)=87");
	read_fails(-EPROTO,
		   "VMCOREINFO's printk_info offsets do not fit in SIZE(printk_info) 88");
	put_vmcoreinfo(VMCI_PA, NULL, "OFFSET(prb_data_blk_lpos.next)=16");
	read_fails(-EPROTO, "VMCOREINFO's prb_desc offsets do not fit in SIZE(prb_desc) 24");
	put_vmcoreinfo(VMCI_PA, NULL, "SIZE(prb_desc)=0");
	read_fails(-EPROTO, "VMCOREINFO's prb_desc offsets do not fit in SIZE(prb_desc) 0");
	/* a VMCOREINFO page filled to its end with no NUL: read as the page's text only */
	memset(mem + VMCI_PA, 'A', 4096);
	memcpy(mem + VMCI_PA, "OSRELEASE=", 10);
	read_fails(-EPROTO, "VMCOREINFO has no SYMBOL(prb)");
}
END_TEST

START_TEST(prb_unmapped)
{
	put_tables(false);
	put_log();
	put_vmcoreinfo(VMCI_PA, NULL, "SYMBOL(prb)=ffffffff82e00000");
	read_fails(-EPROTO, "SYMBOL(prb) 0xffffffff82e00000 is not mapped");
	/* not canonical */
	put_vmcoreinfo(VMCI_PA, NULL, "SYMBOL(prb)=7fffffff82a1b2c0");
	read_fails(-EPROTO, "SYMBOL(prb) 0x7fffffff82a1b2c0 is not mapped");
	/* the page tables themselves outside guest memory */
	put_vmcoreinfo(VMCI_PA, NULL, NULL);
	cr3 = 0x80000000;
	read_fails(-EPROTO, "SYMBOL(prb) 0xffffffff82a1b2c0 is outside guest memory");
	/* a PS bit in a PML4E is reserved */
	cr3 = PML4;
	put64(mem + PML4 + 511 * 8, PDPT_K | P | RW | PS);
	read_fails(-EPROTO, "SYMBOL(prb) 0xffffffff82a1b2c0 is not mapped");
	/* the struct's second page gone: a read across the boundary stops there */
	put64(mem + PML4 + 511 * 8, PDPT_K | P | RW);
	put64(mem + PT_K + 6 * 8, 0);
	read_fails(-EPROTO, "prb 0xffffffff82c06000 is not mapped");
}
END_TEST

START_TEST(pointers_outside)
{
	put_tables(false);
	put_log();
	/* the 1 GiB page maps 256 MiB, past the guest's 64 MiB */
	poke64(RB_VA + 8, DIRECT4 + 256 * MIB);
	/* the first descriptor read: the tail's, index 14 */
	read_fails(-EPROTO, "prb_desc_ring.descs 0xffff888010000150 is outside guest memory");
	/* the last descriptor half in memory */
	poke64(RB_VA + 8, DIRECT4 + MEM_SIZE - 16 * DESC_SIZE + 12);
	read_fails(-EPROTO, "prb_desc_ring.descs 0xffff888004000000 is outside guest memory");
	poke64(RB_VA + 8, DIRECT4 + DESCS_PA);
	poke64(RB_VA + 16, 0xffff888100000000ull);
	/* the first info read: 0x20's (0x1e and 0x1f have no data), its text_len */
	read_fails(-EPROTO, "prb_desc_ring.infos 0xffff888100000010 is not mapped");
	poke64(RB_VA + 16, DIRECT4 + INFOS_PA);
	poke64(RB_VA + 56, DIRECT4 + MEM_SIZE - 8);
	/* 0x20's text, at index 176 */
	read_fails(-EPROTO, "prb_data_ring.data 0xffff8880040000a8 is outside guest memory");
}
END_TEST

START_TEST(ring_out_of_range)
{
	put_tables(false);
	put_log();
	/* count_bits absurd: refused before any loop */
	poke32(RB_VA + 0, 63);
	read_fails(-EPROTO, "prb_desc_ring.count_bits 63 is out of range (at most 26)");
	poke32(RB_VA + 0, 0xffffffff);
	read_fails(-EPROTO, "prb_desc_ring.count_bits 4294967295 is out of range (at most 26)");
	/* in the kernel's range, but more descriptors than the guest has memory */
	poke32(RB_VA + 0, 26);
	read_fails(-EPROTO,
		   "the printk ring (67108864 descriptors, 256 bytes) is larger than guest memory");
	poke32(RB_VA + 0, COUNT_BITS);
	poke32(RB_VA + 48, 64);
	read_fails(-EPROTO, "prb_data_ring.size_bits 64 is out of range (at most 31)");
	poke32(RB_VA + 48, 27);
	read_fails(-EPROTO,
		   "the printk ring (16 descriptors, 134217728 bytes) is larger than guest memory");
	poke32(RB_VA + 48, SIZE_BITS);
	/* head - tail past the count: the ids do not describe one ring */
	poke64(RB_VA + 24, 0x1e + 16);
	read_fails(-EPROTO, "prb_desc_ring ids 0x1e..0x2e span more than its 16 descriptors");
	poke64(RB_VA + 24, 0x1d);
	read_fails(-EPROTO, "prb_desc_ring ids 0x1e..0x1d span more than its 16 descriptors");
	poke64(RB_VA + 24, 0x27);
	read_ok(WANT, strlen(WANT));
}
END_TEST

/* Blocks that overlap (every record on the same 248 bytes) are more text than the ring. */
START_TEST(overlapping_blocks)
{
	uint64_t id;
	char t[240];

	put_tables(false);
	put_vmcoreinfo(VMCI_PA, NULL, NULL);
	memset(t, 'x', sizeof(t));
	lpos = 0;
	put_block(0x20, t, sizeof(t), &(uint64_t){ 0 }, &(uint64_t){ 0 });
	for (id = 0x20; id < 0x30; id++)
		put_desc(id, id, ST_FINALIZED, 0, 248, sizeof(t));
	put_ring(0x20, 0x2f);
	read_fails(-EPROTO, "the printk records hold more text than the ring's 256 bytes");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("boot-klog");
	TCase *tc = tcase_create("klog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, log_4level);
	tcase_add_test(tc, log_5level);
	tcase_add_test(tc, log_other_kernels);
	tcase_add_test(tc, log_kernel_cr3);
	tcase_add_test(tc, exact_fit);
	tcase_add_test(tc, text_len_past_block);
	tcase_add_test(tc, first_seq);
	tcase_add_test(tc, two_vmcoreinfo_pages);
	tcase_add_test(tc, no_vmcoreinfo);
	tcase_add_test(tc, missing_key);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, prb_unmapped);
	tcase_add_test(tc, pointers_outside);
	tcase_add_test(tc, ring_out_of_range);
	tcase_add_test(tc, overlapping_blocks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
