/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest snippets for the benchmark's exit-cost rows: CPUID of 0x40000000 repeated
 * ECX times, then HLT.  Copied into guest memory as they are (position independent).
 */
	.section .rodata

	.globl bench_loop64, bench_loop64_end
	.code64
bench_loop64:
	movl	$256, %ecx
1:	pushq	%rcx
	movl	$0x40000000, %eax
	cpuid
	popq	%rcx
	loop	1b
	hlt
bench_loop64_end:

	.globl bench_loop16, bench_loop16_end
	.code16
bench_loop16:
	movl	$256, %ecx
1:	pushl	%ecx
	movl	$0x40000000, %eax
	cpuid
	popl	%ecx
	decl	%ecx
	jnz	1b
	hlt
bench_loop16_end:
	.code64

	.section .note.GNU-stack, "", @progbits
