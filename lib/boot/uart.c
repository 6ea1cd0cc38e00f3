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
