/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest of tests/vm/qemu-kvm.sh: a multiboot (v1) 32-bit kernel that QEMU loads
 * with -kernel.  It executes CPUID for the KVM leaves (0x40000000, 0x40000001, the
 * timing leaf 0x40000010, and 0x40000100/0x40000101 where Hyper-V moves KVM), prints
 * each on COM1 as
 *
 *	cpuid 0x40000000 eax=0x40000001 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d
 *
 * then "done", and exits QEMU through isa-debug-exit (iobase 0xf4: QEMU's exit status
 * is value*2+1, so 0x10 gives 33), halting if there is no such device.
 * Freestanding: no libc, no stack needed beyond the 4 KiB below.
 */
	.set	MB_MAGIC, 0x1badb002
	.set	MB_FLAGS, 0		/* ELF image: no address fields, no memory info */
	.set	COM1, 0x3f8
	.set	DEBUG_EXIT, 0xf4

	.text
	.code32
	.balign	4
	.long	MB_MAGIC		/* the header, first in the image's text */
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.globl	_start
_start:
	cli
	movl	$stack_top, %esp
	movl	$leaves, %esi
1:	movl	(%esi), %eax
	testl	%eax, %eax
	jz	2f
	call	leaf
	addl	$4, %esi
	jmp	1b
2:	movl	$s_done, %ebx
	call	puts
	movl	$0x10, %eax
	movw	$DEBUG_EXIT, %dx
	outl	%eax, %dx
3:	hlt
	jmp	3b

/* leaf: CPUID %eax (subleaf 0) and its line. */
leaf:
	pushl	%esi
	movl	%eax, %edi		/* the function, printed first */
	xorl	%ecx, %ecx
	cpuid
	pushl	%edx
	pushl	%ecx
	pushl	%ebx
	pushl	%eax
	movl	$s_cpuid, %ebx
	call	puts
	movl	%edi, %eax
	call	puthex
	movl	$s_eax, %ebx
	call	puts
	popl	%eax
	call	puthex
	movl	$s_ebx, %ebx
	call	puts
	popl	%eax
	call	puthex
	movl	$s_ecx, %ebx
	call	puts
	popl	%eax
	call	puthex
	movl	$s_edx, %ebx
	call	puts
	popl	%eax
	call	puthex
	movb	$'\n', %al
	call	putc
	popl	%esi
	ret

/* putc: %al to COM1, once the transmitter holds nothing. */
putc:
	pushl	%eax
	movw	$COM1 + 5, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	ret

/* puts: the NUL-terminated string at %ebx. */
puts:
1:	movb	(%ebx), %al
	testb	%al, %al
	jz	2f
	call	putc
	incl	%ebx
	jmp	1b
2:	ret

/* puthex: %eax as 0x and eight lower-case hex digits. */
puthex:
	movl	%eax, %ebx
	movb	$'0', %al
	call	putc
	movb	$'x', %al
	call	putc
	movl	$8, %ecx
1:	roll	$4, %ebx
	movl	%ebx, %eax
	andl	$0xf, %eax
	movb	hexdigits(%eax), %al
	pushl	%ecx
	call	putc
	popl	%ecx
	loop	1b
	ret

	.section .rodata
leaves:	.long	0x40000000, 0x40000001, 0x40000010, 0x40000100, 0x40000101, 0
hexdigits: .ascii "0123456789abcdef"
s_cpuid: .asciz	"cpuid "
s_eax:	.asciz	" eax="
s_ebx:	.asciz	" ebx="
s_ecx:	.asciz	" ecx="
s_edx:	.asciz	" edx="
s_done:	.asciz	"done\n"

	.bss
	.balign	16
	.skip	4096
stack_top:
