/* SPDX-License-Identifier: MIT */
/*
 * device.h - what a device is: its class, protocol and identity, as discovery
 * (udev/sysfs) or replay finds it. Owned by discovery; read by everyone.
 * The health a collector reads is in health.h, the poller's bookkeeping in
 * agent/state.h. All plain data, fixed-size and copyable with memcpy.
 */
#ifndef SM_DEVICE_H
#define SM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

enum sm_class {
        SM_CLASS_SSD = 0,
        SM_CLASS_HDD,
        SM_CLASS_VIRTUAL, /* no SMART: virtio, loop, zram, dm, md, ... (never monitored) */
        SM_CLASS_COUNT
};

enum sm_proto {
        SM_PROTO_NONE = 0,
        SM_PROTO_ATA,  /* ATA/SATA (also SAT behind SCSI): libatasmart */
        SM_PROTO_NVME, /* NVMe: libnvme */
        SM_PROTO_SCSI, /* SCSI/SAS: LOG SENSE through libsgutils2 */
};

/*
 * Identity strings, as udev/sysfs or the drive's own IDENTIFY data give them,
 * cleaned on entry (identity.h): valid printable UTF-8. *_raw: the original
 * bytes escaped (\xNN) when cleaning replaced any, "" otherwise.
 */
struct sm_identity {
        char model[64];
        char serial[64];
        char firmware[32];
        char wwn[64];
        char model_raw[128]; /* may be cut short: it is for people */
        char serial_raw[96];
        char firmware_raw[48];
};

struct sm_device_id {
        char name[64];     /* kernel name, the `device` label: sda, nvme0n1 (replay: file stem) */
        char devnode[256]; /* what a collector opens: /dev/sda, NVMe controller /dev/nvme0,
                              or in replay mode the capture file */
        char aux[256];     /* replay: NVMe id-ctrl capture (may be empty); live: syspath */
        char bus[16];      /* "ata", "scsi", "nvme", "usb", "replay", ... */
        struct sm_identity ident; /* from udev/sysfs; empty strings when unknown */
        uint64_t capacity_bytes;  /* 0 when unknown */
        enum sm_class cls;
        enum sm_proto proto;
        bool replay; /* devnode is a capture file, not a device node */
};

const char *sm_class_name(enum sm_class c);
const char *sm_proto_name(enum sm_proto p);

#endif
