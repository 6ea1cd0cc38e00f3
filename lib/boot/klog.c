// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The guest kernel's log out of its memory: the VMCOREINFO page says where the printk ring
 * buffer is and how its structs are laid out, the guest's page tables turn its kernel
 * virtual addresses into offsets in mem, and the ring is walked as the kernel's own reader
 * walks it (kernel/printk/printk_ringbuffer.c; scripts/gdb/linux/dmesg.py does the same
 * from gdb).  Every number comes from the guest and is checked before it is used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "klog.h"

#define PAGE_SIZE 4096u

/* Page-table entries (Intel SDM vol. 3, 4.5): present, page size, the frame's address. */
#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define CR4_LA57 (1ull << 12)

/*
 * kernel/printk/printk_ringbuffer.h: the top two bits of a descriptor's state_var are its
 * state, the rest its id.  Committed and finalized records hold consistent data; the
 * kernel's readers wait for finalized (desc_read_finalized_seq()), dmesg.py takes committed
 * too, and so does this reader: the newest record, a line still open, is only committed.
 */
#define DESC_FLAGS_SHIFT 62
#define DESC_ID_MASK (~(3ull << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1u
#define DESC_FINALIZED 2u
/* A data-less block: bit 0 of both lpos; 0x3 (NO_LPOS, EMPTY_LINE_LPOS since 2023) = "",
 * anything else (FAILED_LPOS) lost. */
#define LPOS_DATALESS(lpos) ((lpos) & 1u)
#define EMPTY_LINE_LPOS 0x3ull
/* The data block starts with the descriptor's id: an unsigned long (prb_data_block). */
#define BLK_ID_SIZE 8u

/*
 * kernel/printk/printk.c: log_buf_len is at most LOG_BUF_LEN_MAX (2 GiB), and
 * setup_log_buf() gives it log_buf_len >> PRB_AVGBITS (5) descriptors: 2^26 at most.
 */
#define MAX_SIZE_BITS 31u
#define MAX_COUNT_BITS 26u
/* No struct the reader reads from is anywhere near a page. */
#define MAX_STRUCT 4096u

/* Where the reader finds things: VMCOREINFO's numbers. */
struct layout {
	uint64_t prb;			/* SYMBOL(prb): the address of the pointer `prb` */
	uint64_t rb_desc_ring, rb_text_ring;
	uint64_t dr_count_bits, dr_descs, dr_infos, dr_head_id, dr_tail_id;
	uint64_t desc_size, desc_state_var, desc_text_blk_lpos;
	uint64_t lpos_begin, lpos_next;
	uint64_t info_size, info_text_len, info_seq;
	uint64_t data_size_bits, data_data;
	uint64_t counter;		/* OFFSET(atomic_long_t.counter) */
};

/*
 * The keys kernel/printk/printk.c log_buf_vmcoreinfo_setup() writes (5.10 on) through the
 * macros of include/linux/crash_core.h (vmcore_info.h from 6.10): SYMBOL(name)=%lx,
 * OFFSET(struct.member)=%lu, SIZE(struct)=%lu (VMCOREINFO_STRUCT_SIZE and _SIZE alike).
 */
static const struct vmci_key {
	const char *key;
	size_t field;
	int base;
	bool optional;
} keys[] = {
	{ "SYMBOL(prb)", offsetof(struct layout, prb), 16, false },
	{ "OFFSET(printk_ringbuffer.desc_ring)", offsetof(struct layout, rb_desc_ring), 10, false },
	{ "OFFSET(printk_ringbuffer.text_data_ring)", offsetof(struct layout, rb_text_ring), 10,
	  false },
	{ "OFFSET(prb_desc_ring.count_bits)", offsetof(struct layout, dr_count_bits), 10, false },
	{ "OFFSET(prb_desc_ring.descs)", offsetof(struct layout, dr_descs), 10, false },
	{ "OFFSET(prb_desc_ring.infos)", offsetof(struct layout, dr_infos), 10, false },
	{ "OFFSET(prb_desc_ring.head_id)", offsetof(struct layout, dr_head_id), 10, false },
	{ "OFFSET(prb_desc_ring.tail_id)", offsetof(struct layout, dr_tail_id), 10, false },
	{ "SIZE(prb_desc)", offsetof(struct layout, desc_size), 10, false },
	{ "OFFSET(prb_desc.state_var)", offsetof(struct layout, desc_state_var), 10, false },
	{ "OFFSET(prb_desc.text_blk_lpos)", offsetof(struct layout, desc_text_blk_lpos), 10,
	  false },
	{ "OFFSET(prb_data_blk_lpos.begin)", offsetof(struct layout, lpos_begin), 10, false },
	{ "OFFSET(prb_data_blk_lpos.next)", offsetof(struct layout, lpos_next), 10, false },
	{ "SIZE(printk_info)", offsetof(struct layout, info_size), 10, false },
	{ "OFFSET(printk_info.text_len)", offsetof(struct layout, info_text_len), 10, false },
	/* the record's number: printk_info's first member in every release (5.10 on) */
	{ "OFFSET(printk_info.seq)", offsetof(struct layout, info_seq), 10, true },
	{ "OFFSET(prb_data_ring.size_bits)", offsetof(struct layout, data_size_bits), 10, false },
	{ "OFFSET(prb_data_ring.data)", offsetof(struct layout, data_data), 10, false },
	/* atomic_long_t is { s64 counter; }: its one member is at 0 if a kernel omits it */
	{ "OFFSET(atomic_long_t.counter)", offsetof(struct layout, counter), 10, true },
};

struct klog {
	const uint8_t *mem;
	size_t mem_size;
	uint64_t cr3;
	bool la57;
	char *why;
	size_t why_len;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct klog *k, int r, const char *fmt, ...)
{
	va_list ap;

	if (k->why && k->why_len) {
		va_start(ap, fmt);
		vsnprintf(k->why, k->why_len, fmt, ap);
		va_end(ap);
	}
	return r;
}

/*
 * crash_save_vmcoreinfo_init() (kernel/crash_core.c, kernel/vmcore_info.c from 6.10)
 * writes the text into a page of its own (get_zeroed_page), "OSRELEASE=" first: a page
 * step finds it.  The page holding SYMBOL(prb) wins; else the first (it then lacks it).
 * text: the page's text, NUL-terminated.  Returns false when no page starts so.
 */
static bool find_vmcoreinfo(const uint8_t *mem, size_t mem_size, char text[PAGE_SIZE + 1])
{
	static const char start[] = "OSRELEASE=";
	size_t first = SIZE_MAX, p;

	for (p = 0; p + PAGE_SIZE <= mem_size; p += PAGE_SIZE) {
		if (memcmp(mem + p, start, sizeof(start) - 1))
			continue;
		memcpy(text, mem + p, PAGE_SIZE);
		text[PAGE_SIZE] = '\0';
		if (!strncmp(text, "SYMBOL(prb)=", 12) || strstr(text, "\nSYMBOL(prb)="))
			return true;
		if (first == SIZE_MAX)
			first = p;
	}
	if (first == SIZE_MAX)
		return false;
	memcpy(text, mem + first, PAGE_SIZE);
	text[PAGE_SIZE] = '\0';
	return true;
}

/*
 * KEY's value in the VMCOREINFO text, base 16 or 10 (-10: a signed decimal, %ld, kept
 * modulo 2^64).  Returns 0, -ENOENT (no line KEY=), -EINVAL (not a number).
 */
static int vmci_get(const char *text, const char *key, int base, uint64_t *val)
{
	size_t klen = strlen(key);
	const char *line = text, *p;
	bool minus = false;
	uint64_t v = 0;

	for (;;) {
		if (!strncmp(line, key, klen) && line[klen] == '=')
			break;
		line = strchr(line, '\n');
		if (!line)
			return -ENOENT;
		line++;
	}
	p = line + klen + 1;
	if (base == -10) {
		minus = *p == '-';
		p += minus;
		base = 10;
	}
	if (*p == '\n' || !*p)
		return -EINVAL;
	for (; *p && *p != '\n'; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*val = minus ? -v : v;
	return 0;
}

/* KEY's value, or why not: -EPROTO (missing unless optional, or not a number). */
static int vmci_need(struct klog *k, const char *text, const struct vmci_key *key, uint64_t *v)
{
	int r = vmci_get(text, key->key, key->base, v);

	if (r == -ENOENT && key->optional)
		return 0;
	if (r == -ENOENT)
		return fail(k, -EPROTO, "VMCOREINFO has no %s", key->key);
	if (r)
		return fail(k, -EPROTO, "VMCOREINFO has a bad %s", key->key);
	return 0;
}

static int parse_layout(struct klog *k, const char *text, struct layout *l)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint64_t *v = (uint64_t *)((char *)l + keys[i].field);
		int r = vmci_need(k, text, &keys[i], v);

		if (r)
			return r;
		/* offsets and sizes are small; SYMBOL(prb) is any address */
		if (keys[i].base == 10 && *v > MAX_STRUCT)
			return fail(k, -EPROTO, "VMCOREINFO's %s %llu is out of range", keys[i].key,
				    (unsigned long long)*v);
	}
	/* every field read lies inside the struct it is read from */
	if (!l->desc_size || l->desc_state_var + l->counter + 8 > l->desc_size ||
	    l->desc_text_blk_lpos + l->lpos_begin + 8 > l->desc_size ||
	    l->desc_text_blk_lpos + l->lpos_next + 8 > l->desc_size)
		return fail(k, -EPROTO,
			    "VMCOREINFO's prb_desc offsets do not fit in SIZE(prb_desc) %llu",
			    (unsigned long long)l->desc_size);
	if (!l->info_size || l->info_text_len + 2 > l->info_size || l->info_seq + 8 > l->info_size)
		return fail(k, -EPROTO,
			    "VMCOREINFO's printk_info offsets do not fit in SIZE(printk_info) %llu",
			    (unsigned long long)l->info_size);
	return 0;
}

/*
 * The kernel's own page tables, for a caller without a CR3 it trusts: x86-64
 * arch_crash_save_vmcoreinfo() (arch/x86/kernel/crash_core_64.c, vmcore_info_64.c from
 * 6.10) exports SYMBOL(init_top_pgt), NUMBER(phys_base) (%ld: negative when KASLR moved
 * the image further in virtual than in physical memory) and NUMBER(pgtable_l5_enabled);
 * the symbol lies in the kernel image map, where __pa_symbol(x) is
 * x - __START_KERNEL_map + phys_base (arch/x86/include/asm/page_64.h __phys_addr_symbol).
 */
#define START_KERNEL_MAP 0xffffffff80000000ull

static int kernel_cr3(struct klog *k, const char *text)
{
	static const struct vmci_key pgt_key = { "SYMBOL(init_top_pgt)", 0, 16, false };
	static const struct vmci_key base_key = { "NUMBER(phys_base)", 0, -10, false };
	static const struct vmci_key l5_key = { "NUMBER(pgtable_l5_enabled)", 0, 10, true };
	uint64_t pgt = 0, base = 0, l5 = 0;
	int r;

	if ((r = vmci_need(k, text, &pgt_key, &pgt)) ||
	    (r = vmci_need(k, text, &base_key, &base)) ||
	    (r = vmci_need(k, text, &l5_key, &l5)))
		return r;
	if (pgt < START_KERNEL_MAP)
		return fail(k, -EPROTO,
			    "SYMBOL(init_top_pgt) 0x%llx is not in the kernel image map",
			    (unsigned long long)pgt);
	k->cr3 = pgt - START_KERNEL_MAP + base;
	k->la57 = l5 != 0;
	return 0;
}

/*
 * va through the guest's page tables (SDM vol. 3, 4.5): 4 levels, 5 with CR4.LA57; 1 GiB
 * and 2 MiB pages (PS in a PDPTE or PDE).  *pa the address, *room the bytes left in its
 * page.  Returns 0, -EFAULT (not mapped: not canonical or an entry not present), -ERANGE
 * (a page table outside mem).
 */
static int walk(const struct klog *k, uint64_t va, uint64_t *pa, uint64_t *room)
{
	unsigned int levels = k->la57 ? 5 : 4, level;
	unsigned int shift = 12 + 9 * (levels - 1);
	uint64_t table = k->cr3 & PTE_ADDR;
	int64_t high = (int64_t)va >> (shift + 8);	/* bits 63..47 (63..56): one sign */

	if (high != 0 && high != -1)
		return -EFAULT;
	for (level = levels; level >= 1; level--, shift -= 9) {
		uint64_t at = table + ((va >> shift) & 511) * 8, e;

		if (k->mem_size < 8 || at > k->mem_size - 8)
			return -ERANGE;
		e = get64(k->mem + at);
		if (!(e & PTE_P))
			return -EFAULT;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t size = 1ull << shift;

			*pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			*room = size - (va & (size - 1));
			return 0;
		}
		if (e & PTE_PS)		/* reserved in a PML4E and a PML5E */
			return -EFAULT;
		table = e & PTE_ADDR;
	}
	return -EFAULT;
}

/* len bytes at the guest's virtual va, page by page; what names it in why. */
static int read_virt(struct klog *k, const char *what, uint64_t va, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		uint64_t pa = 0, room = 0;
		size_t n;
		int r = walk(k, va, &pa, &room);

		if (!r && pa >= k->mem_size)
			r = -ERANGE;
		if (r == -EFAULT)
			return fail(k, -EPROTO, "%s 0x%llx is not mapped", what,
				    (unsigned long long)va);
		if (r)
			return fail(k, -EPROTO, "%s 0x%llx is outside guest memory", what,
				    (unsigned long long)va);
		n = len;
		if (n > room)
			n = room;
		if (n > k->mem_size - pa)
			n = k->mem_size - pa;
		memcpy(p, k->mem + pa, n);
		p += n;
		va += n;
		len -= n;
	}
	return 0;
}

static int read_u64(struct klog *k, const char *what, uint64_t va, uint64_t *v)
{
	uint8_t b[8];
	int r = read_virt(k, what, va, b, sizeof(b));

	if (!r)
		*v = get64(b);
	return r;
}

static int read_u32(struct klog *k, const char *what, uint64_t va, uint32_t *v)
{
	uint8_t b[4];
	int r = read_virt(k, what, va, b, sizeof(b));

	if (!r)
		*v = get32(b);
	return r;
}

/* The ring as the reader uses it. */
struct ring {
	uint64_t descs, infos, data;
	uint64_t count;			/* descriptors: 1 << count_bits */
	unsigned int size_bits;		/* the data ring: 1 << size_bits bytes */
	uint64_t head_id, tail_id;
};

static int read_ring(struct klog *k, const struct layout *l, struct ring *g)
{
	uint64_t prb, dr, td;
	uint32_t count_bits, size_bits;
	int r;

	r = read_u64(k, "SYMBOL(prb)", l->prb, &prb);
	if (r)
		return r;
	dr = prb + l->rb_desc_ring;
	td = prb + l->rb_text_ring;
	if ((r = read_u32(k, "prb", dr + l->dr_count_bits, &count_bits)) ||
	    (r = read_u64(k, "prb", dr + l->dr_descs, &g->descs)) ||
	    (r = read_u64(k, "prb", dr + l->dr_infos, &g->infos)) ||
	    (r = read_u64(k, "prb", dr + l->dr_head_id + l->counter, &g->head_id)) ||
	    (r = read_u64(k, "prb", dr + l->dr_tail_id + l->counter, &g->tail_id)) ||
	    (r = read_u32(k, "prb", td + l->data_size_bits, &size_bits)) ||
	    (r = read_u64(k, "prb", td + l->data_data, &g->data)))
		return r;
	if (count_bits > MAX_COUNT_BITS)
		return fail(k, -EPROTO, "prb_desc_ring.count_bits %u is out of range (at most %u)",
			    count_bits, MAX_COUNT_BITS);
	if (size_bits > MAX_SIZE_BITS)
		return fail(k, -EPROTO, "prb_data_ring.size_bits %u is out of range (at most %u)",
			    size_bits, MAX_SIZE_BITS);
	g->count = 1ull << count_bits;
	g->size_bits = size_bits;
	/* the arrays are real memory: a ring larger than the guest is made up */
	if (g->count * l->desc_size > k->mem_size || g->count * l->info_size > k->mem_size ||
	    (1ull << size_bits) > k->mem_size)
		return fail(k, -EPROTO,
			    "the printk ring (%llu descriptors, %llu bytes) is larger than guest memory",
			    (unsigned long long)g->count, 1ull << size_bits);
	/* printk_ringbuffer.c desc_reserve(): head - tail stays below the descriptor count */
	if (((g->head_id - g->tail_id) & DESC_ID_MASK) >= g->count)
		return fail(k, -EPROTO,
			    "prb_desc_ring ids 0x%llx..0x%llx span more than its %llu descriptors",
			    (unsigned long long)g->tail_id, (unsigned long long)g->head_id,
			    (unsigned long long)g->count);
	return 0;
}

/*
 * printk_ringbuffer.c is_blk_wrapped() (late 2025, "don't needlessly wrap data blocks
 * around"): the block's last byte, next - 1, decides.  Older kernels compared next itself,
 * but they never left a block that ends exactly at the end unwrapped, so this reads both.
 */
static bool blk_wrapped(unsigned int size_bits, uint64_t begin, uint64_t next)
{
	return begin >> size_bits != (next - 1) >> size_bits;
}

/*
 * printk_ringbuffer.c get_data(): where a record's text starts in the data ring (*at, an
 * index) and how long its block is without the id (*size).  False for a block the kernel
 * calls illegal or lost (it skips those records).  A block that would pass the end of the
 * ring is stored whole at index 0 (data_alloc(), get_next_lpos()); since late 2025 one
 * that ends exactly at the end stays put, which blk_wrapped() and the size taken modulo
 * 2^64 (cc3bad11de6e: in the first pass such a block's next overflows to 0) read right.
 */
static bool get_data(unsigned int size_bits, uint64_t begin, uint64_t next, uint64_t *at,
		     uint64_t *size)
{
	uint64_t data_size = 1ull << size_bits;

	if (LPOS_DATALESS(begin) && LPOS_DATALESS(next)) {
		if (begin != EMPTY_LINE_LPOS || next != EMPTY_LINE_LPOS)
			return false;
		*at = 0;
		*size = 0;
		return true;
	}
	if (!blk_wrapped(size_bits, begin, next) && next - begin <= data_size) {
		*at = begin & (data_size - 1);
		*size = next - begin;
	} else if (!blk_wrapped(size_bits, begin + data_size, next)) {
		*at = 0;
		*size = next & (data_size - 1);
	} else {
		return false;
	}
	if (begin % BLK_ID_SIZE || next % BLK_ID_SIZE || *size < BLK_ID_SIZE)
		return false;
	*at += BLK_ID_SIZE;
	*size -= BLK_ID_SIZE;
	/* data_check_size(): the block and the next one's id fit in the ring */
	return *size + 2 * BLK_ID_SIZE <= data_size;
}

struct out {
	char *p;
	size_t len, cap, max;
};

static int out_room(struct out *o, size_t n)
{
	char *p;
	size_t cap;

	if (o->len + n + 1 <= o->cap)
		return 0;
	cap = o->cap ? o->cap : 16384;
	while (cap < o->len + n + 1)
		cap *= 2;
	p = realloc(o->p, cap);
	if (!p)
		return -ENOMEM;
	o->p = p;
	o->cap = cap;
	return 0;
}

/*
 * One record (id, at its index): appended to o, or skipped as the kernel's reader would;
 * *seq its sequence number when appended (untouched when skipped).
 */
static int read_record(struct klog *k, const struct layout *l, const struct ring *g,
		       uint64_t id, struct out *o, uint64_t *seq)
{
	uint64_t idx = id & (g->count - 1), sv, begin, next, at, size;
	uint8_t desc[MAX_STRUCT], len[2], sq[8];
	size_t text_len;
	int r;

	r = read_virt(k, "prb_desc_ring.descs", g->descs + idx * l->desc_size, desc,
		      l->desc_size);
	if (r)
		return r;
	sv = get64(desc + l->desc_state_var + l->counter);
	if ((sv & DESC_ID_MASK) != id)
		return 0;	/* desc_miss: the slot holds another wrap's record */
	if (sv >> DESC_FLAGS_SHIFT != DESC_COMMITTED && sv >> DESC_FLAGS_SHIFT != DESC_FINALIZED)
		return 0;	/* reserved (a writer is in it) or reusable (gone) */
	begin = get64(desc + l->desc_text_blk_lpos + l->lpos_begin);
	next = get64(desc + l->desc_text_blk_lpos + l->lpos_next);
	if (!get_data(g->size_bits, begin, next, &at, &size))
		return 0;
	r = read_virt(k, "prb_desc_ring.infos", g->infos + idx * l->info_size + l->info_text_len,
		      len, sizeof(len));
	if (r)
		return r;
	/* dmesg.py: a text_len past its block is cut to the block */
	text_len = get16(len);
	if (text_len > size)
		text_len = size;
	if (o->len + text_len + 1 > o->max)
		return fail(k, -EPROTO,
			    "the printk records hold more text than the ring's %llu bytes",
			    1ull << g->size_bits);
	if (out_room(o, text_len + 1))
		return fail(k, -ENOMEM, "out of memory");
	r = read_virt(k, "prb_data_ring.data", g->data + at, o->p + o->len, text_len);
	if (r)
		return r;
	r = read_virt(k, "prb_desc_ring.infos", g->infos + idx * l->info_size + l->info_seq, sq,
		      sizeof(sq));
	if (r)
		return r;
	*seq = get64(sq);
	o->len += text_len;
	o->p[o->len++] = '\n';
	o->p[o->len] = '\0';
	return 0;
}

int boot_klog_read(const uint8_t *mem, size_t mem_size, uint64_t cr3, uint64_t cr4,
		   char **out, size_t *out_len, uint64_t *first_seq, char *why, size_t why_len)
{
	struct klog k = { .mem = mem, .mem_size = mem_size, .cr3 = cr3,
			  .la57 = !!(cr4 & CR4_LA57), .why = why, .why_len = why_len };
	struct out o = { 0 };
	struct layout l;
	struct ring g;
	char *text;
	uint64_t i, n, seq = UINT64_MAX, first = UINT64_MAX;
	int r;

	*out = NULL;
	*out_len = 0;
	if (first_seq)
		*first_seq = 0;
	if (why && why_len)
		why[0] = '\0';
	text = malloc(PAGE_SIZE + 1);
	if (!text)
		return fail(&k, -ENOMEM, "out of memory");
	if (!find_vmcoreinfo(mem, mem_size, text)) {
		free(text);
		return fail(&k, -ENOENT, "no VMCOREINFO in guest memory");
	}
	r = parse_layout(&k, text, &l);
	if (!r && !cr3)
		r = kernel_cr3(&k, text);
	free(text);
	if (r)
		return r;
	r = read_ring(&k, &l, &g);
	if (r)
		return r;
	/* a whole ring's text, a newline a record: more means blocks overlap */
	o.max = (1ull << g.size_bits) + g.count;
	if (out_room(&o, 0))
		return fail(&k, -ENOMEM, "out of memory");
	o.p[0] = '\0';
	/* tail to head, as dmesg.py; read_ring() bounded the span by the count */
	n = ((g.head_id - g.tail_id) & DESC_ID_MASK) + 1;
	for (i = 0; i < n; i++) {
		r = read_record(&k, &l, &g, (g.tail_id + i) & DESC_ID_MASK, &o, &seq);
		if (r) {
			free(o.p);
			return r;
		}
		if (first == UINT64_MAX)
			first = seq;
	}
	*out = o.p;
	*out_len = o.len;
	if (first_seq && first != UINT64_MAX)
		*first_seq = first;
	return 0;
}
