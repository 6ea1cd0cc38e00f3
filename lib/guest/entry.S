/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry and exception handling of the verifying guest.  The host enters at _start
 * in 64-bit mode at CPL 0 with paging, GDT and IDT already set up.  A probing
 * instruction sets fixup_rip first; a #GP/#UD handler records the vector and
 * resumes there.  A fault with no fixup is reported to the host and stops the guest.
 */
#include "protocol.h"

	.section .head, "a"
	.long GUEST_MAGIC
	.long _start
	.long ud_handler
	.long gp_handler
	.long other_handler
	.long __image_end

	.section .text.entry, "ax"
	.globl _start
_start:
	movq	$GUEST_STACK_TOP, %rsp
	call	guest_main
1:	hlt
	jmp	1b

/* Resume at fixup_rip with the vector in fault_vector, or give up. */
#define HANDLER(name, vec, has_error_code)	\
	.globl name;				\
name:						\
	.if has_error_code;			\
	addq	$8, %rsp;			\
	.endif;					\
	movl	$vec, fault_vector(%rip);	\
	cmpq	$0, fixup_rip(%rip);		\
	je	fatal;				\
	pushq	%rax;				\
	movq	fixup_rip(%rip), %rax;		\
	movq	%rax, 8(%rsp);			\
	popq	%rax;				\
	iretq

HANDLER(ud_handler, 6, 0)
HANDLER(gp_handler, 13, 1)

other_handler:
	movl	$0xff, fault_vector(%rip)
fatal:
	movq	(%rsp), %rsi		/* RIP of the fault (error code, if any, not skipped) */
	movl	fault_vector(%rip), %edi
	call	guest_fatal
2:	hlt
	jmp	2b

/* int rdmsr_safe(uint32_t msr, uint64_t *val): 0 or the vector taken */
	.globl rdmsr_safe
rdmsr_safe:
	movl	$0, fault_vector(%rip)
	leaq	1f(%rip), %rax
	movq	%rax, fixup_rip(%rip)
	movl	%edi, %ecx
	rdmsr
	movl	%eax, %eax
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, (%rsi)
1:	movq	$0, fixup_rip(%rip)
	movl	fault_vector(%rip), %eax
	ret

/* int wrmsr_safe(uint32_t msr, uint64_t val): 0 or the vector taken */
	.globl wrmsr_safe
wrmsr_safe:
	movl	$0, fault_vector(%rip)
	leaq	1f(%rip), %rax
	movq	%rax, fixup_rip(%rip)
	movl	%edi, %ecx
	movl	%esi, %eax
	movq	%rsi, %rdx
	shrq	$32, %rdx
	wrmsr
1:	movq	$0, fixup_rip(%rip)
	movl	fault_vector(%rip), %eax
	ret

/*
 * int64_t hypercall(uint64_t nr, const uint64_t args[4], int amd)
 * KVM ABI: nr in rax, arguments in rbx, rcx, rdx, rsi; result in rax.
 */
	.globl hypercall
hypercall:
	pushq	%rbx
	movq	%rdi, %rax
	movq	%rdx, %r8
	movq	(%rsi), %rbx
	movq	8(%rsi), %rcx
	movq	16(%rsi), %rdx
	movq	24(%rsi), %rsi
	movl	$0, fault_vector(%rip)
	leaq	2f(%rip), %r9
	movq	%r9, fixup_rip(%rip)
	testq	%r8, %r8
	jz	1f
	vmmcall
	jmp	2f
1:	vmcall
2:	movq	$0, fixup_rip(%rip)
	popq	%rbx
	ret

	.section .bss
	.balign 8
	.globl fixup_rip, fault_vector
fixup_rip:	.quad 0
fault_vector:	.long 0

	.section .note.GNU-stack, "", @progbits
