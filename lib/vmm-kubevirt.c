// SPDX-License-Identifier: LGPL-2.1-or-later
/* kubevirt: NOT WRITTEN YET (a placeholder so the format table links). */
#include "vmm.h"

static int kubevirt_export(struct vmm_export *e)
{
	sb_printf(&e->out, "\n");
	export_lost(e, "format", "the kubevirt export is not written yet");
	return 0;
}

const struct vmm_format vmm_kubevirt = {
	.name = "kubevirt",
	.export_fn = kubevirt_export,
};
