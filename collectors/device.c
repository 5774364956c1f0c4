/* SPDX-License-Identifier: MIT */
#include "device.h"

const char *sm_class_name(enum sm_class c)
{
        switch (c) {
        case SM_CLASS_SSD:
                return "ssd";
        case SM_CLASS_HDD:
                return "hdd";
        case SM_CLASS_VIRTUAL:
                return "virtual";
        case SM_CLASS_COUNT:
                break;
        }
        return "unknown";
}

const char *sm_proto_name(enum sm_proto p)
{
        switch (p) {
        case SM_PROTO_ATA:
                return "ata";
        case SM_PROTO_NVME:
                return "nvme";
        case SM_PROTO_NONE:
                break;
        }
        return "none";
}
