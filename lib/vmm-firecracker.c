// SPDX-License-Identifier: LGPL-2.1-or-later
/* firecracker: NOT WRITTEN YET (a placeholder so the format table links). */
#include "vmm.h"

static int firecracker_export(struct vmm_export *e)
{
	sb_printf(&e->out, "\n");
	export_lost(e, "format", "the firecracker export is not written yet");
	return 0;
}

const struct vmm_format vmm_firecracker = {
	.name = "firecracker",
	.export_fn = firecracker_export,
};
