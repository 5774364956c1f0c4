/* SPDX-License-Identifier: MIT */
/* ata.h - ATA/SATA SMART through libatasmart (live devices and skdump blobs). */
#ifndef SM_ATA_H
#define SM_ATA_H

#include "collector.h"

extern const struct sm_collector sm_ata_collector;

#endif
