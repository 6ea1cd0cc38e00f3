/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifying guest's flat image, embedded in the library. */
	.section .rodata.kvmcpuid_guest, "a"
	.balign 16
	.globl kvmcpuid_guest_image
	.hidden kvmcpuid_guest_image
kvmcpuid_guest_image:
	.incbin "guest.bin"
	.globl kvmcpuid_guest_image_end
	.hidden kvmcpuid_guest_image_end
kvmcpuid_guest_image_end:
	.section .note.GNU-stack, "", @progbits
