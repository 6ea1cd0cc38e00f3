// SPDX-License-Identifier: LGPL-2.1-or-later
/* libvirt: NOT WRITTEN YET (a placeholder so the format table links). */
#include "vmm.h"

static int libvirt_export(struct vmm_export *e)
{
	sb_printf(&e->out, "\n");
	export_lost(e, "format", "the libvirt export is not written yet");
	return 0;
}

const struct vmm_format vmm_libvirt = {
	.name = "libvirt",
	.export_fn = libvirt_export,
};
