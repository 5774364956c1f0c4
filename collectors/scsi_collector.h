/* SPDX-License-Identifier: MIT */
/* scsi_collector.h - SCSI/SAS log pages through libsgutils2 (live devices and sg3-utils captures).
 */
#ifndef SM_SCSI_COLLECTOR_H
#define SM_SCSI_COLLECTOR_H

#include "collector.h"

extern const struct sm_collector sm_scsi_collector;

#endif
