/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest kernel's log (internal): its printk ring buffer read out of guest memory once
 * every vCPU has stopped, so a guest booted `quiet` costs no console exits and still says
 * everything it decided.  A pure function over a guest-memory buffer (klog.c).
 */
#ifndef KVMCPUID_BOOT_KLOG_H
#define KVMCPUID_BOOT_KLOG_H

#include <stddef.h>
#include <stdint.h>

/*
 * The guest kernel's log, read out of its memory after every vCPU stopped.
 * mem: guest-physical memory from address 0, mem_size bytes.  cr3, cr4: a vCPU's, from
 * KVM_GET_SREGS, in long mode (CR4.LA57 selects 5-level paging); cr3 0: the kernel's own
 * page tables (init_top_pgt and 4/5-level as x86-64's VMCOREINFO says; cr4 unused), for a
 * vCPU that may have stopped anywhere (a real-mode reboot path, a user CR3 under PTI).
 * *out (malloc'd, NUL-terminated, *out_len bytes without the NUL): every record the ring
 * still holds, oldest first, each record's text followed by "\n" (a record whose text
 * holds "\n", a continuation, stays as the kernel stored it; an empty record is "\n").
 * *first_seq (NULL: not wanted): the sequence number of the oldest record read, 0 when
 * the log is whole since the kernel's first line; more when the ring has wrapped and the
 * oldest records were overwritten (and 0 when it holds none).
 * Returns 0; -ENOENT (no VMCOREINFO page: a kernel without CONFIG_VMCORE_INFO /
 * CRASH_CORE, or not Linux); -EPROTO (VMCOREINFO lacks a key the reader needs, or a
 * pointer/offset/length leads outside guest memory or is inconsistent); -ENOMEM.
 * On failure why (why_len bytes) says in a few words what was missing, e.g.
 * "no VMCOREINFO in guest memory", "VMCOREINFO has no OFFSET(prb_desc.state_var)",
 * "SYMBOL(prb) 0xffffffff82a1b2c0 is not mapped"; on success it is "".  Nothing is
 * handed out on failure (*out NULL, *out_len 0).
 * The guest is untrusted: every read is checked against mem and every loop is bounded
 * by the ring's descriptor count, itself bounded by what the kernel allows.
 */
int boot_klog_read(const uint8_t *mem, size_t mem_size, uint64_t cr3, uint64_t cr4,
		   char **out, size_t *out_len, uint64_t *first_seq, char *why, size_t why_len);

#endif
