/* SPDX-License-Identifier: MIT */
/*
 * classify.h - pure classification of a block device into ssd/hdd/virtual
 * (issue #4). Discovery reads the facts from udev/sysfs; this function only
 * decides, so a table test covers every rule without a device.
 *
 * Rules, first match wins (in the order sm_classify() tests them):
 *   1. partitions, hidden NVMe multipath paths (nvmeXcYnZ)  -> not monitored
 *   2. hypervisor/cloud volumes that present as SCSI or NVMe (EBS, GCE PD,
 *      Hyper-V, VMware)                                -> virtual
 *   3. NVMe namespaces (nvmeXnY, or a parent or bus nvme) -> ssd, protocol NVMe
 *      (before rule 4: native NVMe multipath heads live under /devices/virtual/)
 *   4. software devices: loop, ram, zram, dm-*, md*, nbd, drbd, bcache, ...,
 *      or anything under /devices/virtual/            -> virtual, not monitored
 *   5. optical drives (sr*, ID_CDROM, SCSI type 5/7)  -> virtual, not monitored
 *   6. disks without a SMART interface (mmcblk*, mtdblock*, virtio vd*, xen xvd*)
 *                                                      -> virtual
 *   7. no medium (size 0)                              -> not monitored
 *   8. ID_ATA_ROTATION_RATE_RPM: 0 -> ssd, >0 -> hdd (beats queue/rotational,
 *      which the kernel sets to 1 for SSDs that leave IDENTIFY word 217 at 0)
 *   9. queue/rotational: 0 -> ssd, 1 -> hdd; unknown -> hdd
 * "monitored" here means "a physical drive with SMART to read"; whether HDDs
 * are wanted is discovery's policy (--collector.include-hdd).
 */
#ifndef SM_CLASSIFY_H
#define SM_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

/* Facts about one block device, as udev/sysfs give them. NULL / -1 mean unknown. */
struct sm_classify_facts {
        const char *sysname; /* kernel name: sda, nvme0n1, loop0 */
        const char *devtype; /* "disk" or "partition" */
        const char *syspath; /* /sys/devices/...; only "/devices/virtual/" matters */
        const char *bus;     /* ID_BUS, or what sysfs says: ata, scsi, usb, nvme, virtio */
        const char *driver;  /* driver of the nearest parent that has one: sd, virtio_blk, nvme */
        const char *parent_subsystem; /* subsystem of the nearest parent: scsi, nvme, virtio */
        int rotational;               /* queue/rotational: 0, 1, or -1 */
        int rotation_rate_rpm;        /* ID_ATA_ROTATION_RATE_RPM: 0 = non-rotating, or -1 */
        int scsi_type;                /* device/type: 0 disk, 5 CD/DVD, 7 optical memory, or -1 */
        bool cdrom;                   /* ID_CDROM=1 */
        bool removable;               /* removable=1; informational only (USB SSDs are removable) */
        int64_t size_sectors;         /* size (512-byte units), or -1 */
        const char *vendor;           /* SCSI INQUIRY vendor (device/vendor), trimmed, or NULL */
        const char *model; /* SCSI device/model or NVMe controller model, trimmed, or NULL */
};

struct sm_classification {
        enum sm_class cls;
        bool monitorable;    /* a physical drive that may have SMART (class ssd or hdd) */
        enum sm_proto proto; /* SM_PROTO_NVME for NVMe namespaces; NONE: decided by the bus */
        const char *reason;  /* static string, for logs and tests */
};

/* Decide; never fails, never touches the system. */
void sm_classify(const struct sm_classify_facts *f, struct sm_classification *ret);

#endif
