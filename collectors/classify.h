/* SPDX-License-Identifier: MIT */
/* classify.h - pure classification of a block device into ssd/hdd/virtual (see issue #4). */
#ifndef SM_CLASSIFY_H
#define SM_CLASSIFY_H

#include "device.h"

#endif
