/* SPDX-License-Identifier: MIT */
/*
 * test-discovery - collectors/discovery.c against a umockdev testbed (run it
 * under umockdev-wrapper). Device descriptions: test/data/umockdev/ (README
 * there). Expected identities are the values written by hand in those files.
 *
 *   test-discovery enum-udev   enumeration with udev properties (host /run/udev)
 *   test-discovery enum-sysfs  the same devices with only kernel-provided facts
 *   test-discovery hotplug     add/remove/change uevents at the discovery level
 *   test-discovery hotplug-udevd  the same with a (faked) running udevd: both the
 *                              "kernel" and the "udev" uevent sources are followed
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#include "check.h"
#include "collectors/discovery.h"
#include "lib/regex.h"

#define SATA_SSD  "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"
#define SATA_HDD  "/sys/devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb"
#define NVME_CTRL "/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0"
#define NVME_NS   NVME_CTRL "/nvme0n1"
#define SAS_SSD                                                                            \
        "/sys/devices/pci0000:00/0000:00:03.0/0000:02:00.0/host4/port-4:0/end_device-4:0/" \
        "target4:0:0/4:0:0:0/block/sdc"
#define MCCOE "/sys/devices/pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sde"
#define USB_SSD                                                                                  \
        "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host7/target7:0:0/7:0:0:0/block/" \
        "sdf"

static UMockdevTestbed *tb;
static char data_dir[PATH_MAX];
static int sandboxed; /* 1: private /run (see check.h) */

static void load(const char *rel)
{
        char path[PATH_MAX + 64];
        GError *err = NULL;

        snprintf(path, sizeof(path), "%s/%s", data_dir, rel);
        if (!umockdev_testbed_add_from_file(tb, path, &err)) {
                fprintf(stderr, "cannot load %s: %s\n", path, err ? err->message : "?");
                exit(1);
        }
}

struct scan {
        int r;
        struct sm_device_id *v;
        size_t n;
        char names[512];
        char err[256];
};

static void do_scan(const struct sm_discovery_opts *o, struct scan *s)
{
        struct sm_discovery *d = NULL;

        memset(s, 0, sizeof(*s));
        s->r = sm_discovery_new(o, &d, s->err, sizeof(s->err));
        if (s->r < 0)
                return;
        s->r = sm_discovery_scan(d, &s->v, &s->n);
        sm_discovery_free(d);
        for (size_t i = 0; s->r == 0 && i < s->n; i++) {
                size_t len = strlen(s->names);

                snprintf(s->names + len, sizeof(s->names) - len, "%s%s", i ? "," : "",
                         s->v[i].name);
        }
}

static const struct sm_device_id *find(const struct scan *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i].name, name) == 0)
                        return &s->v[i];
        return NULL;
}

static void expect_names(const struct sm_discovery_opts *o, const char *want, const char *ctx)
{
        struct scan s;

        do_scan(o, &s);
        CHECK(s.r == 0, "%s: scan failed: %d %s", ctx, s.r, s.err);
        CHECK_STR(s.names, want, ctx);
        free(s.v);
}

struct want {
        const char *name;
        enum sm_class cls;
        enum sm_proto proto;
        const char *devnode, *aux, *bus, *model, *serial, *firmware, *wwn;
        uint64_t capacity;
};

static void expect_device(const struct scan *s, const struct want *w, const char *ctx)
{
        const struct sm_device_id *id = find(s, w->name);
        char c[128];

        snprintf(c, sizeof(c), "%s: %s", ctx, w->name);
        CHECK(id != NULL, "%s: not found (have %s)", c, s->names);
        if (!id)
                return;
        CHECK(id->cls == w->cls, "%s: class %s, want %s", c, sm_class_name(id->cls),
              sm_class_name(w->cls));
        CHECK(id->proto == w->proto, "%s: proto %s, want %s", c, sm_proto_name(id->proto),
              sm_proto_name(w->proto));
        CHECK_STR(id->devnode, w->devnode, c);
        if (w->aux)
                CHECK_STR(id->aux, w->aux, c);
        CHECK_STR(id->bus, w->bus, c);
        CHECK_STR(id->ident.model, w->model, c);
        CHECK_STR(id->ident.serial, w->serial, c);
        CHECK_STR(id->ident.firmware, w->firmware, c);
        CHECK_STR(id->ident.wwn, w->wwn, c);
        CHECK(id->capacity_bytes == w->capacity, "%s: capacity %llu, want %llu", c,
              (unsigned long long)id->capacity_bytes, (unsigned long long)w->capacity);
        CHECK(!id->replay, "%s: replay set", c);
}

/* ===== enumeration ===== */

static void enum_with_udev(void)
{
        struct sm_discovery_opts o = {0};
        struct scan s;
        const char *ctx = "udev";
        regex_t inc, exc, exc2;
        char why[256] = "";

        load("nvme.umockdev");
        load("nvme-ns2.umockdev");
        load("sata-ssd.umockdev");
        load("partition.umockdev");
        load("sata-hdd.umockdev");
        load("virtual.umockdev");
        load("extra.umockdev");

        /* Default: SSDs only. sdd is sdc's second path, nvme0n2 a second namespace of nvme0,
           sde the rotational=1 SSD that says 0 rpm; no loop/zram/dm/vda/sda1/sr0. */
        expect_names(&o, "nvme0n1,sda,sdc,sde,sdf", "udev default");
        o.include_hdd = true;
        do_scan(&o, &s);
        CHECK(s.r == 0, "scan: %d", s.r);
        CHECK_STR(s.names, "nvme0n1,sda,sdb,sdc,sde,sdf", "udev include-hdd");
        expect_device(&s,
                      &(struct want){"nvme0n1", SM_CLASS_SSD, SM_PROTO_NVME, "/dev/nvme0", NVME_NS,
                                     "nvme", "Samsung SSD 970 EVO Plus 250GB", "S4EUNX0N000001",
                                     "2B2QEXM7", "eui.0025385391b00001", 488397168ull * 512},
                      ctx);
        expect_device(&s,
                      &(struct want){"sda", SM_CLASS_SSD, SM_PROTO_ATA, "/dev/sda", SATA_SSD, "ata",
                                     "INTEL_SSDSC2KB480G8", "PHYF000000000480BGN", "XCV10110",
                                     "0x55cd2e414e000001", 937703088ull * 512},
                      ctx);
        /* No ID_REVISION and no sysfs rev in the shared description: firmware unknown. */
        expect_device(&s,
                      &(struct want){"sdb", SM_CLASS_HDD, SM_PROTO_ATA, "/dev/sdb", SATA_HDD, "ata",
                                     "WDC_WD20EFRX-68EUZN0", "WD-WCC4M0000001", "",
                                     "0x50014ee000000001", 3907029168ull * 512},
                      ctx);
        expect_device(&s,
                      &(struct want){"sdc", SM_CLASS_SSD, SM_PROTO_SCSI, "/dev/sdc", SAS_SSD,
                                     "scsi", "HUSMM1640ASS204", "0QV0000C", "C29C",
                                     "0x5000cca0000000c1", 781422768ull * 512},
                      ctx);
        expect_device(&s,
                      &(struct want){"sde", SM_CLASS_SSD, SM_PROTO_ATA, "/dev/sde", MCCOE, "ata",
                                     "MCCOE64GEMPP", "01234567890123456789", "2.01.22", "",
                                     125045424ull * 512},
                      ctx);
        /* SATA SSD in a USB enclosure: udev's ata_id answered through SAT (ID_ATA=1), so
           it is an ATA disk and its rpm beats the kernel's rotational=1 for USB; the
           model is udev's ID_MODEL_ENC decoded (spaces), not ID_MODEL (underscores). */
        expect_device(&s,
                      &(struct want){"sdf", SM_CLASS_SSD, SM_PROTO_ATA, "/dev/sdf", USB_SSD, "ata",
                                     "Samsung SSD 860 EVO 500GB", "S3Z1NB0K000001F", "RVT02B6Q", "",
                                     976773168ull * 512},
                      ctx);
        free(s.v);

        /* include/exclude are POSIX extended regexes on the kernel name (regex.h). */
        o.include_hdd = false;
        CHECK(sm_regex_compile(&inc, "^sd", why, sizeof(why)) == 0 &&
                      sm_regex_compile(&exc, "^sda$", why, sizeof(why)) == 0 &&
                      sm_regex_compile(&exc2, "^nvme|[ef]$", why, sizeof(why)) == 0,
              "compile: %s", why);
        o.include = &inc;
        expect_names(&o, "sda,sdc,sde,sdf", "include ^sd");
        o.exclude = &exc;
        expect_names(&o, "sdc,sde,sdf", "include ^sd exclude ^sda$");
        o.include = NULL;
        o.exclude = &exc2;
        expect_names(&o, "sda,sdc", "exclude ^nvme|[ef]$");
        o.exclude = NULL;
        regfree(&inc);
        regfree(&exc);
        regfree(&exc2);
        CHECK(sm_regex_compile(&inc, "(", why, sizeof(why)) == -EINVAL && why[0],
              "bad regex refused: '%s'", why);

        /* Explicit paths are monitored whatever their class: this shows each class. */
        {
                const char *devs[] = {"/dev/loop0", "/dev/zram0", "/dev/dm-0", "/dev/vda",
                                      "/dev/sr0"};

                o.devices = devs;
                o.n_devices = 5;
                do_scan(&o, &s);
                CHECK_STR(s.names, "dm-0,loop0,sr0,vda,zram0", "explicit virtual devices");
                for (size_t i = 0; i < s.n; i++) {
                        CHECK(s.v[i].cls == SM_CLASS_VIRTUAL, "%s: class %s", s.v[i].name,
                              sm_class_name(s.v[i].cls));
                        CHECK(s.v[i].proto == SM_PROTO_NONE || strcmp(s.v[i].name, "sr0") == 0,
                              "%s: proto %s", s.v[i].name, sm_proto_name(s.v[i].proto));
                }
                expect_device(&s,
                              &(struct want){"vda", SM_CLASS_VIRTUAL, SM_PROTO_NONE, "/dev/vda",
                                             NULL, "virtio", "", "", "", "", 536870912ull * 512},
                              "explicit");
                expect_device(&s,
                              &(struct want){"dm-0", SM_CLASS_VIRTUAL, SM_PROTO_NONE, "/dev/dm-0",
                                             "/sys/devices/virtual/block/dm-0", "", "", "", "", "",
                                             104857600ull * 512},
                              "explicit");
                free(s.v);
        }
        {
                /* A partition means its disk; an NVMe controller node means its namespace;
                   an HDD is taken without --collector.include-hdd; a missing path is
                   skipped; two paths of one drive are read once. */
                char dir[PATH_MAX], link[PATH_MAX + 64];
                const char *devs[] = {"/dev/sda1", "/dev/nvme0", "/dev/sdb",
                                      "/dev/nope", "/dev/sdc",   "/dev/sdd"};

                gchar *root = umockdev_testbed_get_root_dir(tb);

                snprintf(dir, sizeof(dir), "%s/dev/disk/by-id", root);
                g_free(root);
                snprintf(link, sizeof(link), "%s/ata-WDC_WD20EFRX-68EUZN0", dir);
                CHECK(g_mkdir_with_parents(dir, 0755) == 0 && symlink("../../sdb", link) == 0,
                      "cannot create the by-id link: %s", strerror(errno));
                o.devices = devs;
                o.n_devices = 6;
                expect_names(&o, "nvme0n1,sda,sdb,sdc", "explicit mixed");
                devs[0] = "/dev/disk/by-id/ata-WDC_WD20EFRX-68EUZN0";
                o.n_devices = 1;
                do_scan(&o, &s);
                CHECK_STR(s.names, "sdb", "explicit by-id symlink");
                expect_device(&s,
                              &(struct want){"sdb", SM_CLASS_HDD, SM_PROTO_ATA, "/dev/sdb",
                                             SATA_HDD, "ata", "WDC_WD20EFRX-68EUZN0",
                                             "WD-WCC4M0000001", "", "0x50014ee000000001",
                                             3907029168ull * 512},
                              "by-id");
                free(s.v);
                o.devices = NULL;
                o.n_devices = 0;
        }
}

static void enum_without_udev(void)
{
        struct sm_discovery_opts o = {.include_hdd = true};
        struct scan s;
        const char *ctx = "sysfs";

        load("noudev/nvme.umockdev");
        load("noudev/sata-ssd.umockdev");
        load("noudev/sata-hdd.umockdev");
        load("virtual.umockdev");
        load("noudev/extra.umockdev");
        load("nvme-multipath.umockdev");

        do_scan(&o, &s);
        CHECK(s.r == 0, "scan: %d", s.r);
        /* sdd again deduplicated (by the SCSI wwid); sde is now an HDD: without udev's
           ata_id only queue/rotational=1 is known (the drive's IDENTIFY fixes it later). */
        CHECK_STR(s.names, "nvme0n1,nvme1n1,sda,sdb,sdc,sde,sdf", "sysfs include-hdd");
        expect_device(&s,
                      &(struct want){"nvme0n1", SM_CLASS_SSD, SM_PROTO_NVME, "/dev/nvme0", NVME_NS,
                                     "nvme", "Samsung SSD 970 EVO Plus 250GB", "S4EUNX0N000001",
                                     "2B2QEXM7", "eui.0025385391b00001", 488397168ull * 512},
                      ctx);
        /* Native NVMe multipath: the head (under /devices/virtual) is read once, through the
           controller of its first path; the hidden paths nvme1c1n1/nvme1c2n1 are not. */
        expect_device(&s,
                      &(struct want){"nvme1n1", SM_CLASS_SSD, SM_PROTO_NVME, "/dev/nvme1",
                                     "/sys/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1",
                                     "nvme", "SAMSUNG MZWLL3T2HAJQ-00005", "S4BDNA0M000001",
                                     "GPNA9B3Q", "eui.36343730524000370025384500000001",
                                     3750748848ull * 512},
                      ctx);
        /* sysfs truncates ATA models to 16 characters and revisions to 4. */
        expect_device(&s,
                      &(struct want){"sda", SM_CLASS_SSD, SM_PROTO_ATA, "/dev/sda", SATA_SSD, "ata",
                                     "INTEL SSDSC2KB48", "PHYF000000000480BGN", "0110",
                                     "0x55cd2e414e000001", 937703088ull * 512},
                      ctx);
        expect_device(&s,
                      &(struct want){"sdb", SM_CLASS_HDD, SM_PROTO_ATA, "/dev/sdb", SATA_HDD, "ata",
                                     "WDC WD20EFRX-68E", "WD-WCC4M0000001", "0A82",
                                     "0x50014ee000000001", 3907029168ull * 512},
                      ctx);
        expect_device(&s,
                      &(struct want){"sdc", SM_CLASS_SSD, SM_PROTO_SCSI, "/dev/sdc", SAS_SSD,
                                     "scsi", "HGST HUSMM1640ASS204", "0QV0000C", "C29C",
                                     "0x5000cca0000000c1", 781422768ull * 512},
                      ctx);
        expect_device(&s,
                      &(struct want){"sde", SM_CLASS_HDD, SM_PROTO_ATA, "/dev/sde", MCCOE, "ata",
                                     "MCCOE64GEMPP", "01234567890123456789", "2.01", "",
                                     125045424ull * 512},
                      ctx);
        /* The USB SSD without udev: rotational=1 (USB default), a non-ATA vendor string from
           the bridge: an HDD on bus usb without a SMART protocol. */
        expect_device(&s,
                      &(struct want){"sdf", SM_CLASS_HDD, SM_PROTO_NONE, "/dev/sdf", USB_SSD, "usb",
                                     "Samsung SSD 860 EVO 500G", "", "0", "", 976773168ull * 512},
                      ctx);
        free(s.v);
        o.include_hdd = false;
        expect_names(&o, "nvme0n1,nvme1n1,sda,sdc", "sysfs default");

        /* An explicit controller node of a multipath drive means its namespace head. */
        {
                const char *devs[] = {"/dev/nvme2"};

                o.devices = devs;
                o.n_devices = 1;
                expect_names(&o, "nvme1n1", "explicit multipath controller");
        }
}

/* ===== hotplug ===== */

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool readable(int fd, int timeout_ms)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};

        return poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN);
}

/* Wait up to 2 s for process() to report a change; returns the seconds it took or -1. */
static double wait_change(struct sm_discovery *d)
{
        double t0 = now_s();

        while (now_s() - t0 < 2.0) {
                int r;

                if (!readable(sm_discovery_fd(d), 100))
                        continue;
                r = sm_discovery_process(d);
                if (r < 0)
                        return -1;
                if (r > 0)
                        return now_s() - t0;
        }
        return -1;
}

static void scan_names(struct sm_discovery *d, char *buf, size_t len)
{
        struct sm_device_id *v = NULL;
        size_t n = 0;

        buf[0] = '\0';
        if (sm_discovery_scan(d, &v, &n) < 0) {
                snprintf(buf, len, "(scan failed)");
                return;
        }
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(buf);

                snprintf(buf + l, len - l, "%s%s", i ? "," : "", v[i].name);
        }
        free(v);
}

static void hotplug(bool fake_udevd)
{
        struct sm_discovery_opts o = {.monitor = true};
        struct sm_discovery *d = NULL;
        char err[256] = "", names[256];
        double t;
        int r;

        load("sata-ssd.umockdev");
        r = sm_discovery_new(&o, &d, err, sizeof(err));
        CHECK(r == 0, "new: %d %s", r, err);
        if (r < 0)
                return;
        CHECK(sm_discovery_fd(d) >= 0, "no monitor fd");
        /* In the sandbox the udev database exists exactly when udevd is faked. */
        if (sandboxed)
                CHECK(sm_discovery_has_udev_db(d) == fake_udevd, "has_udev_db %d, want %d",
                      sm_discovery_has_udev_db(d), fake_udevd);
        if (sm_discovery_fd(d) < 0)
                goto out;
        scan_names(d, names, sizeof(names));
        CHECK_STR(names, "sda", "before add");
        (void)sm_discovery_process(d);

        /* add: umockdev sends "add" for every device in the file */
        load("nvme.umockdev");
        t = wait_change(d);
        CHECK(t >= 0 && t < 2.0, "no change reported within 2 s after add (t=%.3f)", t);
        printf("add noticed after %.3f s\n", t);
        scan_names(d, names, sizeof(names));
        if (fake_udevd) {
                /* udevd has not written nvme0n1's database entry yet: wait for its event. */
                CHECK_STR(names, "sda", "after add, before udev processed it");
                CHECK(write_file("/run/udev/data/b259:900000", "I:1\n") == 0, "udev db entry");
                umockdev_testbed_uevent(tb, NVME_NS, "change");
                t = wait_change(d);
                CHECK(t >= 0, "udev's event not reported");
                scan_names(d, names, sizeof(names));
        }
        CHECK_STR(names, "nvme0n1,sda", "after add");

        /* Events for devices we never monitor do not ask for a rescan. */
        load("virtual.umockdev");
        umockdev_testbed_uevent(tb, "/sys/devices/virtual/block/loop0", "change");
        umockdev_testbed_uevent(tb, "/sys/devices/virtual/block/dm-0", "change");
        (void)readable(sm_discovery_fd(d), 300);
        CHECK(sm_discovery_process(d) == 0, "loop/dm/vda events reported as a change");

        /*
         * A burst of change events: one drain reports one change and leaves nothing.
         * umockdev aborts when a listener's datagram queue is full (net.unix.max_dgram_qlen,
         * 10 by default), so the burst stays below that.
         */
        for (int i = 0; i < burst_size(); i++)
                umockdev_testbed_uevent(tb, SATA_SSD, "change");
        t = wait_change(d);
        CHECK(t >= 0, "change burst not reported");
        (void)readable(sm_discovery_fd(d), 200);
        r = sm_discovery_process(d);
        CHECK(r == 0, "change burst not drained at once: process()=%d", r);
        CHECK(!readable(sm_discovery_fd(d), 0), "fd still readable after the drain");

        /* remove: the uevent, then the device goes away */
        umockdev_testbed_uevent(tb, NVME_NS, "remove");
        umockdev_testbed_remove_device(tb, NVME_NS);
        umockdev_testbed_remove_device(tb, NVME_CTRL);
        t = wait_change(d);
        CHECK(t >= 0 && t < 2.0, "no change reported within 2 s after remove (t=%.3f)", t);
        printf("remove noticed after %.3f s\n", t);
        scan_names(d, names, sizeof(names));
        CHECK_STR(names, "sda", "after remove");

        /* An HDD hot-added is noticed, but only listed with include-hdd. */
        load("sata-hdd.umockdev");
        t = wait_change(d);
        CHECK(t >= 0, "HDD add not reported");
        scan_names(d, names, sizeof(names));
        CHECK_STR(names, "sda", "HDD add, SSDs only");
out:
        sm_discovery_free(d);

        /* An explicit --device that appears later is found by the rescan its add asks for. */
        {
                const char *devs[] = {"/dev/nvme2"};

                o.devices = devs;
                o.n_devices = 1;
                r = sm_discovery_new(&o, &d, err, sizeof(err));
                CHECK(r == 0, "new: %d %s", r, err);
                if (r == 0) {
                        scan_names(d, names, sizeof(names));
                        CHECK_STR(names, "", "explicit /dev/nvme2 before add");
                        if (fake_udevd) /* as if udevd were quick */
                                CHECK(write_file("/run/udev/data/b259:900004", "") == 0, "udev db");
                        /* (umockdev cannot re-add nvme0: a fresh drive) */
                        load("nvme-multipath.umockdev");
                        t = wait_change(d);
                        CHECK(t >= 0, "explicit device add not reported");
                        scan_names(d, names, sizeof(names));
                        CHECK_STR(names, "nvme1n1", "explicit /dev/nvme2 after add");
                        sm_discovery_free(d);
                }
                o.devices = NULL;
                o.n_devices = 0;
        }

        /* Without a monitor there is no fd. */
        o.monitor = false;
        r = sm_discovery_new(&o, &d, err, sizeof(err));
        CHECK(r == 0 && sm_discovery_fd(d) == -1, "monitor=false: fd %d",
              r == 0 ? sm_discovery_fd(d) : -2);
        CHECK(r == 0 && sm_discovery_process(d) == 0, "monitor=false: process");
        sm_discovery_free(d);
}

int main(int argc, char **argv)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        const char *what = argc > 1 ? argv[1] : "";
        const char *preload = getenv("LD_PRELOAD");
        bool fake_udevd = strcmp(what, "hotplug-udevd") == 0;

        if (!preload || !strstr(preload, "libumockdev-preload")) {
                fprintf(stderr, "run me under umockdev-wrapper\n");
                return 2;
        }
        sandboxed = enter_udev_sandbox(fake_udevd);
        if (sandboxed == 77)
                return 77;
        snprintf(data_dir, sizeof(data_dir), "%s/test/data/umockdev", root ? root : ".");
        tb = umockdev_testbed_new();
        if (strcmp(what, "enum-udev") == 0) {
                enum_with_udev();
        } else if (strcmp(what, "enum-sysfs") == 0) {
                /* A separate run: umockdev 0.17 cannot reuse node names after clear(). */
                enum_without_udev();
        } else if (strcmp(what, "hotplug") == 0 || fake_udevd) {
                hotplug(fake_udevd);
        } else {
                fprintf(stderr, "usage: %s enum-udev|enum-sysfs|hotplug|hotplug-udevd\n", argv[0]);
                return 2;
        }
        g_object_unref(tb);
        return check_summary();
}
