// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The console: a 16550A at 0x3f8 with just what Linux's 8250 driver reads and writes
 * (drivers/tty/serial/8250/8250_port.c: autoconfig, serial8250_console_write).  Output
 * only, never an interrupt: the kernel's console writes poll LSR for THRE|TEMT
 * (wait_for_xmitr), and a guest that has no init never writes through the tty.  The
 * registers follow the PC16550D data sheet; loopback (MCR bit 4) maps the modem control
 * outputs to the status inputs, as autoconfig's loopback test expects, and keeps what is
 * written from the output.
 */
#include <string.h>
#include <unistd.h>

#include "boot.h"

enum {
	UART_TX = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
	UART_MSR = 6, UART_SCR = 7,
};
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define IIR_NO_INT 0x01
#define IIR_FIFO 0xc0		/* FIFOs enabled: a 16550A */
#define LSR_IDLE 0x60		/* THRE | TEMT: ready to take a byte, nothing pending */
#define MSR_IDLE 0xb0		/* DCD | DSR | CTS: a terminal is there */

/* Loopback: OUT2 -> DCD, OUT1 -> RI, DTR -> DSR, RTS -> CTS. */
static uint8_t loop_msr(uint8_t mcr)
{
	return (uint8_t)(((mcr & 0x08) << 4) | ((mcr & 0x04) << 4) | ((mcr & 0x01) << 5) |
			 ((mcr & 0x02) << 3));
}

int boot_uart_io(struct boot_uart *u, unsigned int off, bool write, uint8_t *val)
{
	bool dlab = u->lcr & LCR_DLAB;

	if (!write)
		*val = 0;
	switch (off) {
	case UART_TX:
		if (dlab) {
			if (write)
				u->dll = *val;
			else
				*val = u->dll;
		} else if (write && !(u->mcr & MCR_LOOP)) {
			return *val;
		}
		break;
	case UART_IER:
		if (dlab) {
			if (write)
				u->dlm = *val;
			else
				*val = u->dlm;
		} else if (write) {
			u->ier = *val & 0x0f;
		} else {
			*val = u->ier;
		}
		break;
	case UART_IIR:	/* FCR when written */
		if (write)
			u->fcr = *val;
		else
			*val = (u->fcr & 1 ? IIR_FIFO : 0) | IIR_NO_INT;
		break;
	case UART_LCR:
		if (write)
			u->lcr = *val;
		else
			*val = u->lcr;
		break;
	case UART_MCR:
		if (write)
			u->mcr = *val & 0x1f;
		else
			*val = u->mcr;
		break;
	case UART_LSR:
		if (!write)
			*val = LSR_IDLE;
		break;
	case UART_MSR:
		if (!write)
			*val = u->mcr & MCR_LOOP ? loop_msr(u->mcr) : MSR_IDLE;
		break;
	case UART_SCR:
		if (write)
			u->scr = *val;
		else
			*val = u->scr;
		break;
	}
	return -1;
}

bool boot_console_put(struct boot_console *con, char c)
{
	bool panic = false;

	/* Linux ends console lines with "\r\n" (uart_console_write): keep the "\n" */
	if (c == '\r')
		return false;
	if (con->len + 1 < con->cap) {
		con->buf[con->len++] = c;
		con->buf[con->len] = '\0';
	} else {
		con->truncated = true;
	}
	if (c == '\n') {
		con->line[con->line_len] = '\0';
		panic = strstr(con->line, BOOT_PANIC_LINE) != NULL;
		con->line_len = 0;
	} else if (con->line_len + 1 < sizeof(con->line)) {
		con->line[con->line_len++] = c;
	}
	return panic;
}

const char *boot_last_line(const struct boot_result *res, char *out, size_t len)
{
	const char *text = res->log ? res->log : res->console;
	size_t n = res->log ? res->log_len : res->console_len;
	const char *end, *start;

	if (len)
		out[0] = '\0';
	if (!text || !len)
		return NULL;
	end = text + n;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > text && start[-1] != '\n' && start[-1] != '\r')
		start--;
	if ((size_t)(end - start) >= len)
		start = end - (len - 1);
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return !out[0] ? NULL : res->log ? "the last line of its log" : "its console's last line";
}

/*
 * The UART's data port coalesced (KVM_CAP_COALESCED_PIO, Linux 4.19): a byte the guest
 * writes there no longer exits; KVM queues it in the ring page of the vCPU mapping
 * (KVM_COALESCED_MMIO_PAGE_OFFSET), the same ring for every vCPU.  Half of the console's
 * exits (at loglevel=7 ~24 000 of ~41 000 in a boot).  Without the capability r stays
 * empty and every byte exits, as before.
 */
void boot_ring_setup(struct kvmcpuid_ctx *ctx, int vm_fd, void *vcpu_run, size_t run_size,
		     struct boot_ring *r)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = BOOT_UART_PORT, .size = 1, .pio = 1 };
	long page = sysconf(_SC_PAGESIZE);
	size_t at;

	memset(r, 0, sizeof(*r));
	if (page <= 0)
		return;
	at = (size_t)page * KVM_COALESCED_MMIO_PAGE_OFFSET;
	if (run_size < at + (size_t)page ||
	    kvm_ioctl(ctx, vm_fd, KVM_CHECK_EXTENSION, (void *)(long)KVM_CAP_COALESCED_PIO) <= 0 ||
	    kvm_ioctl(ctx, vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0)
		return;
	r->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)vcpu_run + at);
	r->max = (unsigned int)(((size_t)page - sizeof(*r->ring)) /
				sizeof(struct kvm_coalesced_mmio));
}

/*
 * The oldest write KVM kept, copied out before its slot is handed back; the consumer's
 * side of QEMU's kvm_flush_coalesced_mmio_buffer (accel/kvm/kvm-all.c).  The caller
 * serialises (one consumer at a time).
 */
bool boot_ring_pop(struct boot_ring *r, struct kvm_coalesced_mmio *e)
{
	uint32_t first;

	if (!r->ring)
		return false;
	first = __atomic_load_n(&r->ring->first, __ATOMIC_RELAXED);
	if (first == __atomic_load_n(&r->ring->last, __ATOMIC_ACQUIRE) || first >= r->max)
		return false;
	*e = r->ring->coalesced_mmio[first];
	__atomic_store_n(&r->ring->first, (first + 1) % r->max, __ATOMIC_RELEASE);
	return true;
}
