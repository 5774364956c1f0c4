/* SPDX-License-Identifier: MIT */
#include "collector.h"

#include "ata.h"
#include "nvme.h"
#include "scsi_collector.h"

static const struct sm_collector *const registry[] = {
        &sm_ata_collector,
        &sm_nvme_collector,
        &sm_scsi_collector,
        NULL,
};

const struct sm_collector *const *sm_collectors(void)
{
        return registry;
}

const struct sm_collector *sm_collector_for(enum sm_proto proto)
{
        for (size_t i = 0; registry[i]; i++) {
                if (registry[i]->proto == proto)
                        return registry[i];
        }
        return NULL;
}
