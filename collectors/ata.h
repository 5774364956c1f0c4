/* SPDX-License-Identifier: MIT */
/* ata.h - ATA/SATA SMART through libatasmart (live devices and skdump blobs). */
#ifndef SM_ATA_H
#define SM_ATA_H

#include "collector.h"

extern const struct sm_collector sm_ata_collector;

struct sm_drivedb;

/* The smartmontools drive database attribute names and endurance rules use (NULL:
 * none, libatasmart's names). The caller keeps db alive while reads may run. */
void sm_ata_set_drivedb(const struct sm_drivedb *db);

#endif
