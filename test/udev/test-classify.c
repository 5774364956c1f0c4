/* SPDX-License-Identifier: MIT */
/*
 * test-classify - table test of the pure classifier (collectors/classify.c).
 * Each row is a device as udev/sysfs describe it on real systems (the traps
 * come from the shared notes: rotational=0 on loop/zram/dm, 1 on virtio vda,
 * an SSD that leaves IDENTIFY word 217 at 0 so the kernel says rotational=1
 * while udev's ata_id says ID_ATA_ROTATION_RATE_RPM=0). Expected columns are
 * written by hand from issue #4, not produced by the code.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "collectors/classify.h"

#define U -1 /* unknown */

struct row {
        const char *what;
        struct sm_classify_facts f;
        enum sm_class cls;
        bool monitorable;
};

#define SYS(p) "/sys/devices/" p

static const struct row rows[] = {
        /* SATA SSD: everything agrees */
        {"sata ssd",
         {"sda", "disk", SYS("pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"),
          "ata", "sd", "scsi", 0, 0, 0, false, false, 937703088, "ATA", "INTEL SSDSC2KB48"},
         SM_CLASS_SSD,
         true},
        /* SATA HDD */
        {"sata hdd",
         {"sdb", "disk", SYS("pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb"),
          "ata", "sd", "scsi", 1, 5400, 0, false, false, 3907029168, NULL, NULL},
         SM_CLASS_HDD,
         true},
        /* MCCOE64GEMPP-like: word 217 = 0 -> kernel rotational=1, but ata_id says RPM 0 */
        {"ssd with rotational=1 and rpm 0",
         {"sdc", "disk", SYS("pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sdc"),
          "ata", "sd", "scsi", 1, 0, 0, false, false, 125045424, NULL, NULL},
         SM_CLASS_SSD,
         true},
        /* HDD behind a controller that claims non-rotational: the drive's own RPM wins */
        {"hdd with rotational=0 and rpm 7200",
         {"sdd", "disk", SYS("pci0000:00/0000:00:17.0/ata4/host3/target3:0:0/3:0:0:0/block/sdd"),
          "ata", "sd", "scsi", 0, 7200, 0, false, false, 1953525168, NULL, NULL},
         SM_CLASS_HDD,
         true},
        /* Same SSD without udev properties (container without /run/udev): rotational only */
        {"sata ssd without udev db",
         {"sda", "disk", SYS("pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"),
          NULL, "sd", "scsi", 0, U, 0, false, false, 937703088, NULL, NULL},
         SM_CLASS_SSD,
         true},
        /* SAS SSD (no ATA rotation property) */
        {"sas ssd",
         {"sde", "disk",
          SYS("pci0000:00/0000:00:03.0/0000:02:00.0/host4/port-4:0/end_device-4:0/"
              "target4:0:0/4:0:0:0/block/sde"),
          "scsi", "sd", "scsi", 0, U, 0, false, false, 1875385008, "HGST", "HUSMM1640ASS204"},
         SM_CLASS_SSD,
         true},
        /* USB HDD (rotational default 1) */
        {"usb hdd",
         {"sdf", "disk",
          SYS("pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/"
              "6:0:0:0/block/sdf"),
          "usb", "sd", "scsi", 1, U, 0, false, false, 1953525168, NULL, NULL},
         SM_CLASS_HDD,
         true},
        /* Unknown rotation: assumed rotating, so not picked up as an SSD by default */
        {"rotation unknown",
         {"sdg", "disk", NULL, NULL, NULL, NULL, U, U, U, false, false, U, NULL, NULL},
         SM_CLASS_HDD,
         true},
        /* NVMe namespace, and the same with nothing but the name known */
        {"nvme namespace",
         {"nvme0n1", "disk", SYS("pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1"), NULL,
          NULL, "nvme", 0, U, U, false, false, 488397168, NULL, "Samsung SSD 970 EVO Plus 250GB"},
         SM_CLASS_SSD,
         true},
        {"nvme by name only",
         {"nvme12n3", "disk", NULL, NULL, NULL, NULL, U, U, U, false, false, U, NULL, NULL},
         SM_CLASS_SSD,
         true},
        /* Native NVMe multipath head lives under /devices/virtual: still an SSD */
        {"nvme multipath head",
         {"nvme0n1", "disk", SYS("virtual/nvme-subsystem/nvme-subsys0/nvme0n1"), NULL, NULL,
          "nvme-subsystem", 0, U, U, false, false, 488397168, NULL, NULL},
         SM_CLASS_SSD,
         true},
        /* ... and its hidden per-controller paths are not read */
        {"nvme hidden path",
         {"nvme0c1n1", "disk", SYS("pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme1/nvme0c1n1"),
          NULL, NULL, "nvme", 0, U, U, false, false, 488397168, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* Traps: rotational=0 but not SSDs */
        {"loop",
         {"loop0", "disk", SYS("virtual/block/loop0"), NULL, NULL, NULL, 0, U, U, false, false, 0,
          NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"loop with backing file",
         {"loop7", "disk", SYS("virtual/block/loop7"), NULL, NULL, NULL, 0, U, U, false, false,
          2048, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"zram",
         {"zram0", "disk", SYS("virtual/block/zram0"), NULL, NULL, NULL, 0, U, U, false, false,
          8388608, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"ram",
         {"ram0", "disk", SYS("virtual/block/ram0"), NULL, NULL, NULL, 0, U, U, false, false,
          131072, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"dm",
         {"dm-0", "disk", SYS("virtual/block/dm-0"), NULL, NULL, NULL, 0, U, U, false, false,
          104857600, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"md",
         {"md127", "disk", SYS("virtual/block/md127"), NULL, NULL, NULL, 0, U, U, false, false,
          104857600, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* A software device seen without its path still falls to its name */
        {"dm by name",
         {"dm-3", "disk", NULL, NULL, NULL, NULL, 0, U, U, false, false, U, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"nbd",
         {"nbd0", "disk", SYS("virtual/block/nbd0"), NULL, NULL, NULL, 1, U, U, false, false, 0,
          NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* Trap: rotational=1 but not an HDD */
        {"virtio vda",
         {"vda", "disk", SYS("pci0000:00/0000:00:02.0/virtio1/block/vda"), NULL, "virtio_blk",
          "virtio", 1, U, U, false, false, 536870912, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"virtio by name",
         {"vdb", "disk", NULL, NULL, NULL, NULL, 1, U, U, false, false, U, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"xen",
         {"xvda", "disk", SYS("vbd-51712/block/xvda"), NULL, "vbd", "xen", 1, U, U, false, false,
          41943040, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"mmc",
         {"mmcblk0", "disk",
          SYS("platform/fe340000.mmc/mmc_host/mmc0/mmc0:0001/block/"
              "mmcblk0"),
          NULL, "mmcblk", "mmc", 0, U, U, false, false, 30777344, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"emmc boot area",
         {"mmcblk0boot0", "disk",
          SYS("platform/fe340000.mmc/mmc_host/mmc0/mmc0:0001/block/"
              "mmcblk0/mmcblk0boot0"),
          NULL, "mmcblk", "mmc", 0, U, U, false, false, 8192, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"mtd flash",
         {"mtdblock0", "disk",
          SYS("platform/soc/fe204000.spi/spi_master/spi0/spi0.0/mtd/mtd0/"
              "mtdblock0"),
          NULL, NULL, "mtd", 0, U, U, false, false, 32768, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* Partitions: never (whatever the disk is) */
        {"partition of ssd",
         {"sda1", "partition",
          SYS("pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1"), "ata", "sd",
          "block", 0, 0, 0, false, false, 1048576, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"nvme partition",
         {"nvme0n1p1", "partition",
          SYS("pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1/nvme0n1p1"), NULL, NULL,
          "block", 0, U, U, false, false, 1048576, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* Optical: by udev flag, by SCSI type, by name */
        {"sata dvd",
         {"sr0", "disk", SYS("pci0000:00/0000:00:17.0/ata5/host4/target4:0:0/4:0:0:0/block/sr0"),
          "ata", "sr", "scsi", 1, U, 5, true, true, 2097151, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"optical by scsi type only",
         {"sdh", "disk", NULL, "usb", "sd", "scsi", 1, U, 5, false, true, U, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        {"optical by ID_CDROM only",
         {"sdi", "disk", NULL, "usb", "sd", "scsi", 1, U, U, true, true, U, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* Cloud and hypervisor volumes behind emulated NVMe/SCSI controllers: no drive */
        {"aws ebs nvme",
         {"nvme1n1", "disk", SYS("pci0000:00/0000:00:1f.0/nvme/nvme1/nvme1n1"), NULL, "nvme",
          "nvme", 0, U, U, false, false, 16777216, NULL, "Amazon Elastic Block Store"},
         SM_CLASS_VIRTUAL,
         false},
        {"aws instance store nvme (a real SSD)",
         {"nvme2n1", "disk", SYS("pci0000:00/0000:00:1e.0/nvme/nvme2/nvme2n1"), NULL, "nvme",
          "nvme", 0, U, U, false, false, 3710937500, NULL, "Amazon EC2 NVMe Instance Storage"},
         SM_CLASS_SSD,
         true},
        {"gce persistent disk nvme",
         {"nvme0n1", "disk", SYS("pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1"), NULL, "nvme",
          "nvme", 0, U, U, false, false, 20971520, NULL, "nvme_card-pd"},
         SM_CLASS_VIRTUAL,
         false},
        {"gce persistent disk scsi",
         {"sda", "disk", SYS("pci0000:00/0000:00:03.0/virtio0/host0/target0:0:1/0:0:1:0/block/sda"),
          "scsi", "sd", "scsi", 1, U, 0, false, false, 20971520, "Google", "PersistentDisk"},
         SM_CLASS_VIRTUAL,
         false},
        {"hyper-v disk",
         {"sdb", "disk",
          SYS("LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/vmbus_10/host1/"
              "target1:0:0/1:0:0:0/block/sdb"),
          "scsi", "sd", "scsi", 1, U, 0, false, false, 268435456, "Msft", "Virtual Disk"},
         SM_CLASS_VIRTUAL,
         false},
        {"vmware disk",
         {"sdc", "disk", SYS("pci0000:00/0000:00:10.0/host2/target2:0:0/2:0:0:0/block/sdc"), "scsi",
          "sd", "scsi", 1, U, 0, false, false, 33554432, "VMware", "Virtual disk"},
         SM_CLASS_VIRTUAL,
         false},
        /* QEMU's emulated SATA drive answers SMART: a drive like any other */
        {"qemu ide-hd",
         {"sdd", "disk", SYS("pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sdd"),
          NULL, "sd", "scsi", 0, U, 0, false, false, 2097152, "ATA", "QEMU HARDDISK"},
         SM_CLASS_SSD,
         true},
        /* Card reader without a card */
        {"empty card reader",
         {"sdj", "disk",
          SYS("pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0/host7/target7:0:0/"
              "7:0:0:0/block/sdj"),
          "usb", "sd", "scsi", 1, U, 0, false, true, 0, NULL, NULL},
         SM_CLASS_VIRTUAL,
         false},
        /* USB SSD: removable=1 is not decisive */
        {"usb ssd removable",
         {"sdk", "disk",
          SYS("pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host8/target8:0:0/"
              "8:0:0:0/block/sdk"),
          "usb", "sd", "scsi", 0, U, 0, false, true, 1000215216, NULL, NULL},
         SM_CLASS_SSD,
         true},
};

/* Near-miss names that must NOT be taken for software devices or NVMe. */
static void check_names(void)
{
        struct sm_classification c;
        struct sm_classify_facts f = {.devtype = "disk",
                                      .rotational = 0,
                                      .rotation_rate_rpm = U,
                                      .scsi_type = U,
                                      .size_sectors = U};
        static const char *const ssd_names[] = {"sdloop", "mdx",    "sdm",  "nvme0",
                                                "nvme0n", "nvmen1", "sdram"};

        for (size_t i = 0; i < sizeof(ssd_names) / sizeof(ssd_names[0]); i++) {
                f.sysname = ssd_names[i];
                sm_classify(&f, &c);
                /* Only the rotational rule may decide these: no name rule applies. */
                CHECK(c.cls == SM_CLASS_SSD && c.monitorable &&
                              strcmp(c.reason, "queue/rotational=0") == 0,
                      "%s: class %s (%s)", ssd_names[i], sm_class_name(c.cls), c.reason);
        }
}

int main(void)
{
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
                const struct row *r = &rows[i];
                struct sm_classification c = {.cls = SM_CLASS_COUNT, .monitorable = true};

                sm_classify(&r->f, &c);
                CHECK(c.cls == r->cls, "%s: class %s, want %s (%s)", r->what, sm_class_name(c.cls),
                      sm_class_name(r->cls), c.reason ? c.reason : "(null)");
                CHECK(c.monitorable == r->monitorable, "%s: monitorable %d (%s)", r->what,
                      c.monitorable, c.reason ? c.reason : "(null)");
                CHECK(c.reason && c.reason[0], "%s: no reason", r->what);
                printf("%-34s %-8s %-3s %s\n", r->what, sm_class_name(c.cls),
                       c.monitorable ? "yes" : "no", c.reason ? c.reason : "");
        }
        check_names();
        return check_summary();
}
