/* SPDX-License-Identifier: MIT */
#include "classify.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "lib/util.h"

static bool has_prefix(const char *s, const char *prefix)
{
        return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* s is prefix, then at least one character, all of them of one kind (is_kind). */
static bool prefix_then_all(const char *s, const char *prefix, int (*is_kind)(int))
{
        size_t n = strlen(prefix);

        if (!has_prefix(s, prefix) || !s[n])
                return false;
        for (s += n; *s; s++)
                if (!is_kind((unsigned char)*s))
                        return false;
        return true;
}

/* "prefix" followed by at least one digit (and only digits), e.g. loop0, md127. */
static bool prefix_num(const char *s, const char *prefix)
{
        return prefix_then_all(s, prefix, isdigit);
}

/* nvme<digits>n<digits>; with_path: nvme<digits>c<digits>n<digits> (a hidden multipath path). */
static bool nvme_name(const char *s, bool with_path)
{
        if (!has_prefix(s, "nvme"))
                return false;
        s += 4;
        if (!isdigit((unsigned char)*s))
                return false;
        while (isdigit((unsigned char)*s))
                s++;
        if (with_path) {
                if (*s++ != 'c' || !isdigit((unsigned char)*s))
                        return false;
                while (isdigit((unsigned char)*s))
                        s++;
        }
        if (*s++ != 'n' || !isdigit((unsigned char)*s))
                return false;
        while (isdigit((unsigned char)*s))
                s++;
        return *s == '\0';
}

static bool software_name(const char *s)
{
        static const char *const numbered[] = {"loop", "ram",    "zram", "md", "nbd",
                                               "drbd", "bcache", "rbd",  "zd", "pmem"};

        if (has_prefix(s, "dm-") || has_prefix(s, "md_d"))
                return true;
        for (size_t i = 0; i < sizeof(numbered) / sizeof(numbered[0]); i++)
                if (prefix_num(s, numbered[i]))
                        return true;
        return false;
}

/* vda..vdzz, xvda..: letters only after the prefix. */
static bool lettered_name(const char *s, const char *prefix)
{
        return prefix_then_all(s, prefix, islower);
}

/*
 * Volumes a hypervisor or cloud serves over an emulated SCSI or NVMe controller:
 * there is no drive behind them, so no health to read. (QEMU's emulated drives
 * are left alone: they answer SMART, and the VM tests use them as drives.)
 */
static bool cloud_volume(const struct sm_classify_facts *f)
{
        static const struct {
                const char *vendor, *model; /* NULL: any; model is a prefix */
        } known[] = {
                {NULL, "Amazon Elastic Block Store"}, /* AWS EBS (NVMe) */
                {NULL, "nvme_card-pd"},               /* Google Persistent Disk (NVMe) */
                {"Google", "PersistentDisk"},         /* Google Persistent Disk (SCSI) */
                {"Msft", "Virtual Disk"},             /* Hyper-V / Azure managed disk */
                {"VMware", NULL},                     /* VMware virtual disks */
                {"VMware,", NULL},
        };

        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                if (known[i].vendor && !sm_streq(f->vendor, known[i].vendor))
                        continue;
                if (known[i].model && !has_prefix(f->model, known[i].model))
                        continue;
                return true;
        }
        return false;
}

static void set(struct sm_classification *r, enum sm_class cls, bool monitorable,
                const char *reason)
{
        r->cls = cls;
        r->monitorable = monitorable;
        r->proto = SM_PROTO_NONE;
        r->reason = reason;
}

void sm_classify(const struct sm_classify_facts *f, struct sm_classification *ret)
{
        const char *name = f->sysname ? f->sysname : "";

        if (sm_streq(f->devtype, "partition"))
                return set(ret, SM_CLASS_VIRTUAL, false, "partition");
        if (nvme_name(name, true))
                return set(ret, SM_CLASS_VIRTUAL, false, "hidden NVMe multipath path");
        if (cloud_volume(f))
                return set(ret, SM_CLASS_VIRTUAL, false, "hypervisor or cloud volume");
        /* Before the /devices/virtual rule: native NVMe multipath heads live there. */
        if (nvme_name(name, false) || sm_streq(f->parent_subsystem, "nvme") ||
            sm_streq(f->bus, "nvme")) {
                set(ret, SM_CLASS_SSD, true, "NVMe namespace");
                ret->proto = SM_PROTO_NVME;
                return;
        }
        if (software_name(name))
                return set(ret, SM_CLASS_VIRTUAL, false, "software block device");
        if (f->syspath && strstr(f->syspath, "/devices/virtual/"))
                return set(ret, SM_CLASS_VIRTUAL, false, "virtual device (no hardware parent)");
        if (f->cdrom || f->scsi_type == 5 || f->scsi_type == 7 || prefix_num(name, "sr"))
                return set(ret, SM_CLASS_VIRTUAL, false, "optical drive");
        /* mmcblk0, and the eMMC boot areas mmcblk0boot0/1, which are disks too */
        if (has_prefix(name, "mmcblk") || sm_streq(f->bus, "mmc") ||
            sm_streq(f->parent_subsystem, "mmc"))
                return set(ret, SM_CLASS_VIRTUAL, false, "MMC/SD card without SMART");
        if (has_prefix(name, "mtdblock"))
                return set(ret, SM_CLASS_VIRTUAL, false, "raw flash (MTD) without SMART");
        if (sm_streq(f->driver, "virtio_blk") || sm_streq(f->parent_subsystem, "virtio") ||
            sm_streq(f->bus, "virtio") || lettered_name(name, "vd") || lettered_name(name, "xvd") ||
            sm_streq(f->parent_subsystem, "xen"))
                return set(ret, SM_CLASS_VIRTUAL, false, "paravirtual disk without SMART");
        if (f->size_sectors == 0)
                return set(ret, SM_CLASS_VIRTUAL, false, "no medium (size 0)");
        if (f->rotation_rate_rpm == 0)
                return set(ret, SM_CLASS_SSD, true, "ATA rotation rate: non-rotating");
        if (f->rotation_rate_rpm > 0)
                return set(ret, SM_CLASS_HDD, true, "ATA rotation rate: rotating");
        if (f->rotational == 0)
                return set(ret, SM_CLASS_SSD, true, "queue/rotational=0");
        if (f->rotational == 1)
                return set(ret, SM_CLASS_HDD, true, "queue/rotational=1");
        return set(ret, SM_CLASS_HDD, true, "rotation unknown: assumed rotating");
}
