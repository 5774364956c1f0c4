/* SPDX-License-Identifier: MIT */
#include "device.h"

#include <stddef.h>

#include "lib/util.h"

static const char *const class_names[] = {
        [SM_CLASS_SSD] = "ssd",
        [SM_CLASS_HDD] = "hdd",
        [SM_CLASS_VIRTUAL] = "virtual",
};

static const char *const proto_names[] = {
        [SM_PROTO_NONE] = "none",
        [SM_PROTO_ATA] = "ata",
        [SM_PROTO_NVME] = "nvme",
        [SM_PROTO_SCSI] = "scsi",
};

const char *sm_class_name(enum sm_class c)
{
        if ((size_t)c >= ARRAY_SIZE(class_names) || !class_names[c])
                return "unknown";
        return class_names[c];
}

const char *sm_proto_name(enum sm_proto p)
{
        if ((size_t)p >= ARRAY_SIZE(proto_names) || !proto_names[p])
                return "none";
        return proto_names[p];
}
