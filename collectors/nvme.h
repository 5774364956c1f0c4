/* SPDX-License-Identifier: MIT */
/* nvme.h - NVMe SMART/Health log and Identify Controller through libnvme. */
#ifndef SM_NVME_H
#define SM_NVME_H

#include "collector.h"

extern const struct sm_collector sm_nvme_collector;

#endif
