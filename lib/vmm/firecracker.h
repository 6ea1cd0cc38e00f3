/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Firecracker format's two halves (firecracker.c: the facts it relies on and the
 * export; firecracker-import.c: the import) share these.
 */
#ifndef KVMCPUID_VMM_FIRECRACKER_H
#define KVMCPUID_VMM_FIRECRACKER_H

#include "vmm.h"

#define FC_LEAF_SIG 0x40000000u
#define FC_LEAF_FEAT 0x40000001u
/* What KVM_GET_SUPPORTED_CPUID gives in 0x40000000: EAX, EBX, ECX, EDX. */
extern const uint32_t fc_kvm_leaf0[4];
extern const char *const fc_reg_names[4];

int firecracker_import(struct vmm_import *im);

#endif
