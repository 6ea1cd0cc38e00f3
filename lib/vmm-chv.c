// SPDX-License-Identifier: LGPL-2.1-or-later
/* cloud-hypervisor: NOT WRITTEN YET (a placeholder so the format table links). */
#include "vmm.h"

static int chv_export(struct vmm_export *e)
{
	sb_printf(&e->out, "\n");
	export_lost(e, "format", "the cloud-hypervisor export is not written yet");
	return 0;
}

const struct vmm_format vmm_cloud_hypervisor = {
	.name = "cloud-hypervisor",
	.export_fn = chv_export,
};
