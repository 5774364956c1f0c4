/* SPDX-License-Identifier: MIT */
/*
 * discovery.c - libudev enumeration and monitoring of block disks (issue #4).
 *
 * Scan: enumerate subsystem "block", read the facts classify.h needs from udev
 * properties and sysfs attributes (never from the device itself: sysfs values
 * are cached by the kernel, so a sleeping drive is not woken), keep the
 * monitorable ones the options ask for, fill the identity from udev properties
 * or, without the udev database (a container without the host's /run/udev),
 * from sysfs, and read each physical drive once (same WWN, or same
 * serial+model: multipath, two NVMe namespaces of one controller).
 *
 * Monitor: a "kernel" uevent source always (the kernel broadcasts uevents into
 * every network namespace owned by the initial user namespace, so an ordinary
 * pod receives them), plus the "udev" source when udevd is visible through
 * /run/udev (its events only reach the host network namespace, and they come
 * after udev wrote the properties). Both are filtered on block/disk and folded
 * into one epoll fd, so the poller sees one pollable fd.
 */
#include "discovery.h"

#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "identity.h"
#include "lib/err.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAX_EVENTS_PER_DRAIN 4096
#define RCVBUF_BYTES         (4 * 1024 * 1024)

struct explicit_dev {
        char *path;
        bool warned;
};

struct sm_discovery {
        struct udev *udev;
        struct udev_monitor *mon[2];
        bool mon_udev[2]; /* this monitor is the "udev" source */
        size_t n_mon;
        int epfd;
        bool include_hdd;
        const regex_t *include, *exclude; /* borrowed from the caller */
        struct explicit_dev *devices;
        size_t n_devices;
        bool udev_db;
        bool udev_alive; /* the "udev" source has delivered an event: udevd reaches us */
        uint64_t events_seen, events_relevant;
        /* Kernel names the last scan returned (to tell new devices from known ones). */
        char (*prev)[sizeof(((struct sm_device_id *)0)->name)];
        size_t n_prev;
};

/* A growing list of candidates. */
struct list {
        struct sm_device_id *v;
        size_t n, cap;
};

static void udev_device_unrefp(struct udev_device **d)
{
        if (*d)
                udev_device_unref(*d);
}

static void udev_enumerate_unrefp(struct udev_enumerate **e)
{
        if (*e)
                udev_enumerate_unref(*e);
}

#define _cleanup_udev_device_    _cleanup_(udev_device_unrefp)
#define _cleanup_udev_enumerate_ _cleanup_(udev_enumerate_unrefp)

static bool nonempty(const char *s)
{
        return s && s[0];
}

/* Identity strings enter the agent here (identity.h cleans them); raw may be NULL. */
static void ident_set(char *dst, size_t n, char *raw, size_t rawn, const char *src)
{
        dst[0] = '\0';
        if (raw)
                raw[0] = '\0';
        if (src)
                (void)sm_ident_clean(dst, n, raw, rawn, src, strlen(src));
}

#define IDENT_SET(ident, f, src) \
        ident_set((ident)->f, sizeof((ident)->f), (ident)->f##_raw, sizeof((ident)->f##_raw), (src))
#define WWN_SET(ident, src) ident_set((ident)->wwn, sizeof((ident)->wwn), NULL, 0, (src))

/*
 * udev's ID_*_ENC values escape bytes as \xNN (udev writes them for bytes that
 * are not valid UTF-8, and for spaces); decode back to the bytes, then clean.
 */
static void copy_decoded(char *dst, size_t n, char *raw, size_t rawn, const char *src)
{
        char tmp[256];
        size_t w = 0;

        for (; *src && w + 1 < sizeof(tmp); src++) {
                unsigned v;

                if (src[0] == '\\' && src[1] == 'x' && isxdigit((unsigned char)src[2]) &&
                    isxdigit((unsigned char)src[3]) && sscanf(src + 2, "%2x", &v) == 1) {
                        tmp[w++] = v ? (char)v : ' ';
                        src += 3;
                } else {
                        tmp[w++] = *src;
                }
        }
        tmp[w] = '\0';
        ident_set(dst, n, raw, rawn, tmp);
}

static int parse_int(const char *s, int dflt)
{
        char *end;
        long v;

        if (!nonempty(s))
                return dflt;
        errno = 0;
        v = strtol(s, &end, 10);
        while (isspace((unsigned char)*end))
                end++;
        if (errno || *end || v < INT_MIN || v > INT_MAX)
                return dflt;
        return (int)v;
}

static int64_t parse_i64(const char *s)
{
        char *end;
        long long v;

        if (!nonempty(s))
                return -1;
        errno = 0;
        v = strtoll(s, &end, 10);
        while (isspace((unsigned char)*end))
                end++;
        if (errno || *end || v < 0)
                return -1;
        return v;
}

/* ===== options ===== */

static bool name_wanted(const struct sm_discovery *d, const char *name)
{
        if (d->include && regexec(d->include, name, 0, NULL, 0) != 0)
                return false;
        if (d->exclude && regexec(d->exclude, name, 0, NULL, 0) == 0)
                return false;
        return true;
}

/* ===== facts and identity ===== */

/* The nearest ancestor with a driver (sd, virtio_blk, ...), at most a few levels up. */
static const char *nearest_driver(struct udev_device *dev)
{
        struct udev_device *p = udev_device_get_parent(dev);

        for (unsigned i = 0; p && i < 8; i++, p = udev_device_get_parent(p)) {
                const char *drv = udev_device_get_driver(p);

                if (nonempty(drv))
                        return drv;
        }
        return NULL;
}

static bool has_ancestor_subsystem(struct udev_device *dev, const char *subsystem)
{
        return udev_device_get_parent_with_subsystem_devtype(dev, subsystem, NULL) != NULL;
}

/* Read a small binary sysfs file (relative to a syspath); returns bytes read or -errno. */
static ssize_t read_sysfs_bin(const char *syspath, const char *rel, unsigned char *buf, size_t len)
{
        char path[PATH_MAX];
        size_t n = 0;
        int r = sm_path_join(path, sizeof(path), syspath, rel, NULL);

        if (r == 0)
                r = sm_read_file(path, buf, len, &n, 0);
        return r < 0 ? r : (ssize_t)n;
}

/* SCSI unit serial number from the kernel's cached VPD page 80h (no I/O to the device). */
static void serial_from_vpd80(struct udev_device *scsi, struct sm_identity *ident)
{
        unsigned char buf[260];
        ssize_t len = read_sysfs_bin(udev_device_get_syspath(scsi), "vpd_pg80", buf, sizeof(buf));
        size_t plen;

        if (len < 4 || buf[1] != 0x80)
                return;
        plen = ((size_t)buf[2] << 8) | buf[3];
        if (plen > (size_t)len - 4)
                plen = (size_t)len - 4;
        (void)sm_ident_clean(ident->serial, sizeof(ident->serial), ident->serial_raw,
                             sizeof(ident->serial_raw), buf + 4, plen);
}

/* SCSI wwid "naa.5000c500..." / "eui.0025..." -> "0x5000c500..." (udev's ID_WWN form). */
static void wwn_from_scsi_wwid(const char *wwid, char *dst, size_t n)
{
        char tmp[80];

        dst[0] = '\0';
        if (!nonempty(wwid))
                return;
        if (strncmp(wwid, "naa.", 4) != 0 && strncmp(wwid, "eui.", 4) != 0)
                return; /* t10 vendor ids carry no WWN */
        snprintf(tmp, sizeof(tmp), "0x%s", wwid + 4);
        for (char *c = tmp; *c; c++)
                *c = (char)tolower((unsigned char)*c);
        sm_copy_trimmed(dst, n, tmp);
}

static const char *prop(struct udev_device *dev, const char *key)
{
        const char *v = udev_device_get_property_value(dev, key);

        return nonempty(v) ? v : NULL;
}

static const char *attr(struct udev_device *dev, const char *key)
{
        const char *v = dev ? udev_device_get_sysattr_value(dev, key) : NULL;

        return nonempty(v) ? v : NULL;
}

/*
 * The controller node of an NVMe namespace: the parent controller nvmeN, or for a
 * native multipath head (parent nvme-subsysN) the controller of its first path
 * (multipath/nvmeXcYnZ -> nvmeY).
 */
static void nvme_controller_node(struct udev_device *dev, struct udev_device *parent, char *dst,
                                 size_t n)
{
        const char *syspath = udev_device_get_syspath(dev);
        char path[PATH_MAX], best[64] = "";
        DIR *dir;
        struct dirent *de;

        if (parent && sm_streq(udev_device_get_subsystem(parent), "nvme")) {
                const char *node = udev_device_get_devnode(parent);

                if (node)
                        sm_strlcpy(dst, node, n);
                else
                        snprintf(dst, n, "/dev/%s", udev_device_get_sysname(parent));
                return;
        }
        snprintf(path, sizeof(path), "%s/multipath", syspath);
        dir = opendir(path);
        if (dir) {
                while ((de = readdir(dir))) {
                        unsigned a, b, c;
                        char tail;

                        if (sscanf(de->d_name, "nvme%uc%un%u%c", &a, &b, &c, &tail) != 3)
                                continue;
                        if (!best[0] || strcmp(de->d_name, best) < 0)
                                sm_strlcpy(best, de->d_name, sizeof(best));
                }
                closedir(dir);
        }
        if (best[0]) {
                unsigned a, b;

                if (sscanf(best, "nvme%uc%u", &a, &b) == 2) {
                        snprintf(dst, n, "/dev/nvme%u", b);
                        return;
                }
        }
        /* Unknown layout: the namespace node itself (libnvme accepts it for admin commands). */
        snprintf(dst, n, "/dev/%s", udev_device_get_sysname(dev));
}

/* Identity from udev properties (the first source; sysfs fills the gaps later). */
static void identity_from_udev(struct udev_device *dev, struct sm_identity *ident)
{
        const char *v;

        if ((v = prop(dev, "ID_MODEL_ENC")))
                copy_decoded(ident->model, sizeof(ident->model), ident->model_raw,
                             sizeof(ident->model_raw), v);
        else if ((v = prop(dev, "ID_MODEL")))
                IDENT_SET(ident, model, v);
        /* SCSI disks: the unit serial number (VPD 80h, as smartctl has it); udev's
         * ID_SERIAL_SHORT there is taken from the VPD 83h designator. */
        if ((!sm_streq(prop(dev, "ID_ATA"), "1") && (v = prop(dev, "ID_SCSI_SERIAL"))) ||
            (v = prop(dev, "ID_SERIAL_SHORT")))
                IDENT_SET(ident, serial, v);
        if ((v = prop(dev, "ID_REVISION")))
                IDENT_SET(ident, firmware, v);
        /* With the extension: the full NAA-6 name, as the kernel's wwid has it. */
        if ((v = prop(dev, "ID_WWN_WITH_EXTENSION")) || (v = prop(dev, "ID_WWN")))
                WWN_SET(ident, v);
}

/* A sysfs attribute into an identity string that udev left empty (cleaned on the way). */
#define FILL_GAP(ident, f, attr_value)                     \
        do {                                               \
                if (!(ident)->f[0])                        \
                        IDENT_SET(ident, f, (attr_value)); \
        } while (0)

/* An NVMe namespace: the controller node is what we open; it (or the subsystem) has the identity.
 */
static void describe_nvme(struct udev_device *dev, struct udev_device *parent,
                          struct sm_device_id *id)
{
        sm_strlcpy(id->bus, "nvme", sizeof(id->bus));
        nvme_controller_node(dev, parent, id->devnode, sizeof(id->devnode));
        FILL_GAP(&id->ident, model, attr(parent, "model"));
        FILL_GAP(&id->ident, serial, attr(parent, "serial"));
        FILL_GAP(&id->ident, firmware, attr(parent, "firmware_rev"));
        if (!id->ident.wwn[0])
                WWN_SET(&id->ident, attr(dev, "wwid"));
}

/* The bus label: udev's ID_BUS, else what the sysfs ancestry says. */
static void bus_of(struct udev_device *dev, const struct sm_classify_facts *f,
                   struct udev_device *scsi, char *dst, size_t n)
{
        if (f->bus)
                sm_strlcpy(dst, f->bus, n);
        else if (has_ancestor_subsystem(dev, "usb"))
                sm_strlcpy(dst, "usb", n);
        else if (sm_streq(f->vendor, "ATA"))
                sm_strlcpy(dst, "ata", n);
        else if (scsi)
                sm_strlcpy(dst, "scsi", n);
        else if (sm_streq(f->parent_subsystem, "virtio") || sm_streq(f->driver, "virtio_blk"))
                sm_strlcpy(dst, "virtio", n);
        else if (has_ancestor_subsystem(dev, "mmc"))
                sm_strlcpy(dst, "mmc", n);
}

/* Model, serial, firmware and WWN of a SCSI-attached disk from sysfs (no I/O to the device). */
static void identity_from_scsi(struct udev_device *scsi, const char *vendor,
                               struct sm_identity *ident)
{
        if (!ident->model[0]) {
                char model[32], full[64];

                sm_copy_trimmed(model, sizeof(model), attr(scsi, "model"));
                if (vendor[0] && !sm_streq(vendor, "ATA") && model[0])
                        snprintf(full, sizeof(full), "%s %s", vendor, model);
                else
                        sm_strlcpy(full, model, sizeof(full));
                IDENT_SET(ident, model, full);
        }
        if (!ident->serial[0])
                serial_from_vpd80(scsi, ident);
        FILL_GAP(ident, firmware, attr(scsi, "rev"));
        if (!ident->wwn[0]) {
                char wwn[64];

                wwn_from_scsi_wwid(attr(scsi, "wwid"), wwn, sizeof(wwn));
                WWN_SET(ident, wwn);
        }
}

/* A disk that is not NVMe: its node, bus, protocol and the rest of its identity. */
static void describe_disk(struct udev_device *dev, const struct sm_classify_facts *f,
                          struct udev_device *scsi, struct sm_device_id *id)
{
        const char *v = udev_device_get_devnode(dev);

        if (v)
                sm_strlcpy(id->devnode, v, sizeof(id->devnode));
        else
                snprintf(id->devnode, sizeof(id->devnode), "/dev/%s", f->sysname);
        bus_of(dev, f, scsi, id->bus, sizeof(id->bus));
        /* libata disks (vendor "ATA"), SAT behind HBAs and bridges udev's ata_id answered. */
        if (sm_streq(f->bus, "ata") || sm_streq(prop(dev, "ID_ATA"), "1") ||
            sm_streq(f->vendor, "ATA"))
                id->proto = SM_PROTO_ATA;
        /*
         * Other SCSI disks (SAS, FC, iSCSI, scsi_debug): LOG SENSE. Not behind USB: bridges
         * that udev's ata_id could not talk to are known to hang on commands they lack.
         */
        else if (scsi && !sm_streq(id->bus, "usb"))
                id->proto = SM_PROTO_SCSI;
        if (scsi)
                identity_from_scsi(scsi, f->vendor, &id->ident);
        else
                /* virtio-blk exposes the serial it was given (may be empty). */
                FILL_GAP(&id->ident, serial, attr(dev, "serial"));
}

/*
 * Describe one block device: classification facts, then (when wanted) the
 * struct sm_device_id. Returns the classification in *cls.
 */
static void describe(struct udev_device *dev, struct sm_classification *cls,
                     struct sm_device_id *id)
{
        struct udev_device *parent = udev_device_get_parent(dev);
        struct udev_device *scsi =
                udev_device_get_parent_with_subsystem_devtype(dev, "scsi", "scsi_device");
        char vendor[16], model_fact[64];
        struct sm_classify_facts f = {
                .sysname = udev_device_get_sysname(dev),
                .devtype = udev_device_get_devtype(dev),
                .syspath = udev_device_get_syspath(dev),
                .bus = prop(dev, "ID_BUS"),
                .driver = nearest_driver(dev),
                .parent_subsystem = parent ? udev_device_get_subsystem(parent) : NULL,
                .rotational = parse_int(attr(dev, "queue/rotational"), -1),
                .rotation_rate_rpm = parse_int(prop(dev, "ID_ATA_ROTATION_RATE_RPM"), -1),
                .scsi_type = parse_int(attr(scsi, "type"), -1),
                .cdrom = sm_streq(prop(dev, "ID_CDROM"), "1"),
                .removable = sm_streq(attr(dev, "removable"), "1"),
                .size_sectors = parse_i64(attr(dev, "size")),
                .vendor = vendor,
                .model = model_fact,
        };

        /* Vendor and model as sysfs has them (SCSI device, or NVMe controller/subsystem). */
        sm_copy_trimmed(vendor, sizeof(vendor), attr(scsi, "vendor"));
        sm_copy_trimmed(model_fact, sizeof(model_fact),
                        scsi ? attr(scsi, "model") : attr(parent, "model"));
        sm_classify(&f, cls);
        if (!id)
                return;
        memset(id, 0, sizeof(*id));
        sm_strlcpy(id->name, f.sysname, sizeof(id->name));
        sm_strlcpy(id->aux, f.syspath ? f.syspath : "", sizeof(id->aux));
        id->cls = cls->cls;
        id->proto = cls->proto;
        id->capacity_bytes = f.size_sectors > 0 ? (uint64_t)f.size_sectors * 512u : 0;
        identity_from_udev(dev, &id->ident);
        if (cls->proto == SM_PROTO_NVME)
                describe_nvme(dev, parent, id);
        else
                describe_disk(dev, &f, scsi, id);
}

/* ===== scan ===== */

static int list_push(struct list *l, const struct sm_device_id *id)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct sm_device_id *v = realloc(l->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n++] = *id;
        return 0;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(((const struct sm_device_id *)a)->name,
                      ((const struct sm_device_id *)b)->name);
}

/* Placeholder serials some bridges and firmwares report for every unit. */
static bool serial_usable(const char *s)
{
        if (!s[0])
                return false;
        for (; *s; s++)
                if (*s != '0' && *s != ' ' && *s != '-' && *s != '_')
                        return true;
        return false;
}

/* The same physical drive seen twice: same WWN, or same serial and model. */
static bool same_drive(const struct sm_device_id *a, const struct sm_device_id *b)
{
        if (strcmp(a->name, b->name) == 0)
                return true;
        if (a->ident.wwn[0] && strcmp(a->ident.wwn, b->ident.wwn) == 0)
                return true;
        return serial_usable(a->ident.serial) && a->ident.model[0] &&
               strcmp(a->ident.serial, b->ident.serial) == 0 &&
               strcmp(a->ident.model, b->ident.model) == 0;
}

/* Sort by name and keep the first of every group of duplicates. */
static void dedupe(struct list *l)
{
        size_t w = 0;

        if (l->n > 1)
                qsort(l->v, l->n, sizeof(*l->v), cmp_name);
        for (size_t i = 0; i < l->n; i++) {
                bool dup = false;

                for (size_t j = 0; j < w && !dup; j++)
                        dup = same_drive(&l->v[j], &l->v[i]);
                if (dup) {
                        sm_log_debug("discovery: %s is the same drive as an earlier device, "
                                     "read once",
                                     l->v[i].name);
                        continue;
                }
                if (w != i)
                        l->v[w] = l->v[i];
                w++;
        }
        l->n = w;
}

static bool listed_before(const struct sm_discovery *d, const char *name)
{
        for (size_t i = 0; i < d->n_prev; i++)
                if (strcmp(d->prev[i], name) == 0)
                        return true;
        return false;
}

/*
 * A new device udevd has not processed yet: the kernel's event came first and
 * its properties (identity, rotation rate) are not in the database. Wait for
 * udevd's own event, which asks for another rescan, instead of listing it with
 * a sysfs identity that changes a moment later. Only when udevd's events do
 * reach us (else nothing would bring it back before the periodic rescan), and
 * never for a device already listed (a re-trigger must not drop a disk).
 */
static bool wait_for_udev(const struct sm_discovery *d, struct udev_device *dev)
{
        const char *name = udev_device_get_sysname(dev);

        if (!d->udev_db || !d->udev_alive || listed_before(d, name))
                return false;
        if (udev_device_get_is_initialized(dev) != 0)
                return false;
        sm_log_debug("discovery: %s not yet processed by udev, waiting for its event", name);
        return true;
}

static int scan_all(struct sm_discovery *d, struct list *l)
{
        _cleanup_udev_enumerate_ struct udev_enumerate *e = udev_enumerate_new(d->udev);
        struct udev_list_entry *entry;
        int r;

        if (!e)
                return -ENOMEM;
        r = udev_enumerate_add_match_subsystem(e, "block");
        if (r < 0)
                return r;
        r = udev_enumerate_scan_devices(e);
        if (r < 0)
                return r;
        udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
                _cleanup_udev_device_ struct udev_device *dev =
                        udev_device_new_from_syspath(d->udev, udev_list_entry_get_name(entry));
                struct sm_classification c;
                struct sm_device_id id;
                const char *name;

                if (!dev)
                        continue; /* removed meanwhile */
                name = udev_device_get_sysname(dev);
                if (!name || !sm_streq(udev_device_get_devtype(dev), "disk"))
                        continue;
                describe(dev, &c, &id);
                if (!c.monitorable) {
                        sm_log_debug("discovery: %s skipped: %s", name, c.reason);
                        continue;
                }
                if (c.cls == SM_CLASS_HDD && !d->include_hdd) {
                        sm_log_debug("discovery: %s skipped: HDD (%s)", name, c.reason);
                        continue;
                }
                if (!name_wanted(d, name)) {
                        sm_log_debug("discovery: %s skipped by include/exclude", name);
                        continue;
                }
                if (wait_for_udev(d, dev))
                        continue;
                r = list_push(l, &id);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The first (lowest-named) namespace of an NVMe controller. */
static struct udev_device *nvme_first_namespace(struct sm_discovery *d, struct udev_device *ctrl)
{
        _cleanup_udev_enumerate_ struct udev_enumerate *e = udev_enumerate_new(d->udev);
        struct udev_list_entry *entry;
        struct udev_device *best = NULL;

        if (!e || udev_enumerate_add_match_subsystem(e, "block") < 0 ||
            udev_enumerate_add_match_parent(e, ctrl) < 0 || udev_enumerate_scan_devices(e) < 0)
                return NULL;
        udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
                struct udev_device *dev =
                        udev_device_new_from_syspath(d->udev, udev_list_entry_get_name(entry));

                if (!dev)
                        continue;
                if (!sm_streq(udev_device_get_devtype(dev), "disk") ||
                    (best &&
                     strcmp(udev_device_get_sysname(dev), udev_device_get_sysname(best)) >= 0)) {
                        udev_device_unref(dev);
                        continue;
                }
                if (best)
                        udev_device_unref(best);
                best = dev;
        }
        if (best) {
                /* A hidden multipath path nvmeXcYnZ: the namespace is its head nvmeXnZ. */
                unsigned s, c, ns;
                char tail, head[48];

                if (sscanf(udev_device_get_sysname(best), "nvme%uc%un%u%c", &s, &c, &ns, &tail) ==
                    3) {
                        snprintf(head, sizeof(head), "nvme%un%u", s, ns);
                        udev_device_unref(best);
                        best = udev_device_new_from_subsystem_sysname(d->udev, "block", head);
                }
        }
        return best;
}

/* Resolve an explicit --device path (symlinks such as /dev/disk/by-id/... included). */
static struct udev_device *resolve_path(struct sm_discovery *d, const char *path, int *ret_err)
{
        _cleanup_free_ char *real = NULL;
        struct udev_device *dev = NULL;
        struct stat st;

        *ret_err = 0;
        /*
         * Resolve only symlinks (by-id, by-path): umockdev 0.17's realpath() corrupts
         * memory on its emulated char nodes, and a node path needs no resolving.
         */
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
                real = realpath(path, NULL);
                if (!real || !real[0]) {
                        *ret_err = real ? -ENOENT : -errno;
                        return NULL;
                }
                path = real;
        }
        if (stat(path, &st) < 0) {
                *ret_err = -errno;
                return NULL;
        }
        if (S_ISBLK(st.st_mode)) {
                dev = udev_device_new_from_devnum(d->udev, 'b', st.st_rdev);
        } else if (S_ISCHR(st.st_mode)) {
                /* An NVMe controller node (/dev/nvme0): monitor its first namespace. */
                _cleanup_udev_device_ struct udev_device *ctrl =
                        udev_device_new_from_devnum(d->udev, 'c', st.st_rdev);

                if (ctrl && sm_streq(udev_device_get_subsystem(ctrl), "nvme"))
                        dev = nvme_first_namespace(d, ctrl);
        } else {
                *ret_err = -ENOTBLK;
                return NULL;
        }
        if (!dev) {
                *ret_err = -ENODEV;
                return NULL;
        }
        if (sm_streq(udev_device_get_devtype(dev), "partition")) {
                /* SMART belongs to the whole disk. */
                struct udev_device *disk =
                        udev_device_get_parent_with_subsystem_devtype(dev, "block", "disk");

                if (disk)
                        disk = udev_device_ref(disk);
                udev_device_unref(dev);
                dev = disk;
                if (!dev)
                        *ret_err = -ENODEV;
        }
        return dev;
}

static int scan_explicit(struct sm_discovery *d, struct list *l)
{
        for (size_t i = 0; i < d->n_devices; i++) {
                struct explicit_dev *x = &d->devices[i];
                int err = 0;
                _cleanup_udev_device_ struct udev_device *dev = resolve_path(d, x->path, &err);
                struct sm_classification c;
                struct sm_device_id id;
                int r;

                if (!dev) {
                        if (!x->warned)
                                sm_log_debug("discovery: --device %s: %s", x->path, strerror(-err));
                        x->warned = true;
                        continue;
                }
                x->warned = false;
                if (wait_for_udev(d, dev))
                        continue;
                describe(dev, &c, &id);
                r = list_push(l, &id);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int remember(struct sm_discovery *d, const struct list *l)
{
        char(*prev)[sizeof(d->prev[0])] = NULL;

        if (l->n) {
                prev = calloc(l->n, sizeof(*prev));
                if (!prev)
                        return -ENOMEM;
                for (size_t i = 0; i < l->n; i++)
                        memcpy(prev[i], l->v[i].name, sizeof(prev[i]));
        }
        free(d->prev);
        d->prev = prev;
        d->n_prev = l->n;
        return 0;
}

int sm_discovery_scan(struct sm_discovery *d, struct sm_device_id **ret, size_t *ret_n)
{
        struct list l = {0};
        int r = d->n_devices ? scan_explicit(d, &l) : scan_all(d, &l);

        if (r < 0) {
                free(l.v);
                return r;
        }
        dedupe(&l);
        r = remember(d, &l);
        if (r < 0) {
                free(l.v);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

/* ===== monitor ===== */

int sm_discovery_fd(const struct sm_discovery *d)
{
        return d->epfd;
}

/* Could this event concern a device we monitor (or might monitor after a rescan)? */
static bool event_relevant(const struct sm_discovery *d, struct udev_device *dev)
{
        struct sm_classification c;
        struct sm_classify_facts f = {
                .sysname = udev_device_get_sysname(dev),
                .devtype = udev_device_get_devtype(dev),
                .syspath = udev_device_get_syspath(dev),
                .rotational = -1,
                .rotation_rate_rpm = -1,
                .scsi_type = -1,
                .size_sectors = -1,
        };

        if (!udev_device_get_action(dev))
                return false;
        if (d->n_devices)
                return true; /* explicit paths may name anything */
        /* Only what the name and path tell (sysfs is gone on remove): loop, dm, ... */
        sm_classify(&f, &c);
        return c.monitorable;
}

int sm_discovery_process(struct sm_discovery *d)
{
        int changed = 0;

        for (size_t m = 0; m < d->n_mon; m++) {
                struct pollfd pfd = {.fd = udev_monitor_get_fd(d->mon[m]), .events = POLLIN};

                for (unsigned i = 0; i < MAX_EVENTS_PER_DRAIN; i++) {
                        struct udev_device *dev;

                        if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
                                break;
                        errno = 0;
                        dev = udev_monitor_receive_device(d->mon[m]);
                        if (!dev) {
                                /* Events were dropped (receive buffer overrun): rescan. */
                                if (errno == ENOBUFS)
                                        changed = 1;
                                continue; /* filtered out or malformed; poll() decides */
                        }
                        d->events_seen++;
                        if (d->mon_udev[m])
                                d->udev_alive = true;
                        if (event_relevant(d, dev)) {
                                d->events_relevant++;
                                changed = 1;
                                sm_log_debug("discovery: uevent %s %s", udev_device_get_action(dev),
                                             udev_device_get_sysname(dev));
                        }
                        udev_device_unref(dev);
                }
        }
        return changed;
}

bool sm_discovery_has_udev_db(const struct sm_discovery *d)
{
        return d->udev_db;
}

static int add_monitor(struct sm_discovery *d, const char *source)
{
        struct udev_monitor *mon = udev_monitor_new_from_netlink(d->udev, source);
        struct epoll_event ev = {.events = EPOLLIN};
        int r;

        if (!mon)
                return -errno ? -errno : -EIO;
        r = udev_monitor_filter_add_match_subsystem_devtype(mon, "block", "disk");
        if (r >= 0)
                r = udev_monitor_enable_receiving(mon);
        if (r < 0) {
                udev_monitor_unref(mon);
                return r;
        }
        /* Best effort: a bigger buffer survives event storms (needs CAP_NET_ADMIN to force). */
        (void)udev_monitor_set_receive_buffer_size(mon, RCVBUF_BYTES);
        ev.data.fd = udev_monitor_get_fd(mon);
        if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0) {
                r = -errno;
                udev_monitor_unref(mon);
                return r;
        }
        d->mon_udev[d->n_mon] = strcmp(source, "udev") == 0;
        d->mon[d->n_mon++] = mon;
        return 0;
}

static void setup_monitor(struct sm_discovery *d)
{
        d->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (d->epfd < 0)
                return;
        /*
         * libudev silently disables a "udev" monitor when udevd is not running
         * (no /run/udev/control), so only ask for it when udevd is visible.
         */
        if (access("/run/udev/control", F_OK) == 0)
                (void)add_monitor(d, "udev");
        (void)add_monitor(d, "kernel");
        if (d->n_mon == 0) {
                close(d->epfd);
                d->epfd = -1;
        }
}

/* ===== lifecycle ===== */

int sm_discovery_new(const struct sm_discovery_opts *opts, struct sm_discovery **ret, char *err,
                     size_t errlen)
{
        struct sm_discovery *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        d->epfd = -1;
        d->include_hdd = opts->include_hdd;
        d->include = opts->include;
        d->exclude = opts->exclude;
        if (opts->n_devices) {
                d->devices = calloc(opts->n_devices, sizeof(*d->devices));
                if (!d->devices) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < opts->n_devices; i++) {
                        d->devices[i].path = strdup(opts->devices[i]);
                        if (!d->devices[i].path) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        d->n_devices = i + 1;
                }
        }
        d->udev = udev_new();
        if (!d->udev) {
                r = errno ? -errno : -ENOMEM;
                r = sm_errf(err, errlen, r, "cannot create a udev context: %s", strerror(-r));
                goto fail;
        }
        /* Properties live in udevd's database; without it libudev sees only sysfs. */
        d->udev_db = access("/run/udev/data", F_OK) == 0;
        if (opts->monitor)
                setup_monitor(d);
        *ret = d;
        return 0;
fail:
        sm_discovery_free(d);
        return r;
}

struct sm_discovery *sm_discovery_free(struct sm_discovery *d)
{
        if (!d)
                return NULL;
        for (size_t m = 0; m < d->n_mon; m++)
                udev_monitor_unref(d->mon[m]);
        if (d->epfd >= 0)
                close(d->epfd);
        if (d->udev)
                udev_unref(d->udev);
        for (size_t i = 0; i < d->n_devices; i++)
                free(d->devices[i].path);
        free(d->devices);
        free(d->prev);
        free(d);
        return NULL;
}
