/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry and exception handling of the verifying guest.  The host enters at _start
 * in 64-bit mode at CPL 0 with paging, GDT and IDT already set up, RDI and GS.base
 * pointing at this vCPU's slot (struct guest_io) and RSP at the slot's stack.  A probing
 * instruction sets the slot's fixup_rip first; a #GP/#UD handler records the vector and
 * resumes there.  A fault with no fixup is reported to the host and stops the guest.
 * No state outside the slot: vCPUs run this concurrently.
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
	movl	$vec, %gs:GUEST_IO_TRAP;	\
	cmpq	$0, %gs:GUEST_IO_FIXUP;		\
	je	fatal;				\
	pushq	%rax;				\
	movq	%gs:GUEST_IO_FIXUP, %rax;	\
	movq	%rax, 8(%rsp);			\
	popq	%rax;				\
	iretq

HANDLER(ud_handler, 6, 0)
HANDLER(gp_handler, 13, 1)

other_handler:
	movl	$0xff, %gs:GUEST_IO_TRAP
fatal:
	movq	(%rsp), %rsi		/* RIP of the fault (error code, if any, not skipped) */
	movl	%gs:GUEST_IO_TRAP, %edi
	movl	%edi, %gs:GUEST_IO_FAULT_VECTOR
	movq	%rsi, %gs:GUEST_IO_FAULT_RIP
	movb	$GUEST_PHASE_FAULT, %al
	movw	$GUEST_PORT, %dx
	outb	%al, %dx
2:	hlt
	jmp	2b

/* int rdmsr_safe(uint32_t msr, uint64_t *val): 0 or the vector taken */
	.globl rdmsr_safe
rdmsr_safe:
	movl	$0, %gs:GUEST_IO_TRAP
	leaq	1f(%rip), %rax
	movq	%rax, %gs:GUEST_IO_FIXUP
	movl	%edi, %ecx
	rdmsr
	movl	%eax, %eax
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, (%rsi)
1:	movq	$0, %gs:GUEST_IO_FIXUP
	movl	%gs:GUEST_IO_TRAP, %eax
	ret

/* int wrmsr_safe(uint32_t msr, uint64_t val): 0 or the vector taken */
	.globl wrmsr_safe
wrmsr_safe:
	movl	$0, %gs:GUEST_IO_TRAP
	leaq	1f(%rip), %rax
	movq	%rax, %gs:GUEST_IO_FIXUP
	movl	%edi, %ecx
	movl	%esi, %eax
	movq	%rsi, %rdx
	shrq	$32, %rdx
	wrmsr
1:	movq	$0, %gs:GUEST_IO_FIXUP
	movl	%gs:GUEST_IO_TRAP, %eax
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
	movl	$0, %gs:GUEST_IO_TRAP
	leaq	2f(%rip), %r9
	movq	%r9, %gs:GUEST_IO_FIXUP
	testq	%r8, %r8
	jz	1f
	vmmcall
	jmp	2f
1:	vmcall
2:	movq	$0, %gs:GUEST_IO_FIXUP
	popq	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
