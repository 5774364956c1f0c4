/* SPDX-License-Identifier: MIT */
/*
 * test-ata-live - the live ATA path through the REAL libatasmart device code
 * (sk_disk_open("/dev/sda"), udev type detection, SAT ATA PASS-THROUGH(16))
 * against an emulated SATA SSD: umockdev provides sysfs, /dev/sda and its udev
 * parents; an ioctl handler plays the drive (BLKGETSIZE64 and SG_IO), answering
 * from a libatasmart blob and recording every ATA command it is sent.
 *
 * Run under `umockdev-wrapper` (meson does). Two test-only shims:
 *  - fstat/__fxstat: umockdev 0.17 does not fake fstat(), and libatasmart
 *    checks S_ISBLK on the fd (notes/libraries.md 4.4);
 *  - open: records the flags libatasmart opens /dev/sda with (must be O_RDONLY).
 *
 * Checks: good path equals the blob's replay reading (itself checked against
 * skdump by test-ata-replay); the command trace never contains SMART ENABLE
 * (B0h/D8h), DISABLE, EXECUTE OFFLINE IMMEDIATE (self-test, D4h), any other
 * command or a data-out transfer; standby (CHECK POWER MODE count 00h) gives
 * SM_READ_RET_ASLEEP with no SMART command; IDENTIFY word 85 bit 0 clear gives
 * "SMART disabled" and no SMART command; EIO from SG_IO gives an error; a
 * failing drive gives BAD_STATUS; runtime-suspended sysfs state means no open.
 */
/* The shims below must define the plain libc symbols open/fstat that libatasmart imports:
 * no fortify wrappers, no open64 redirection (same ABI on 64-bit). */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>
#include <unistd.h>

#include "collectors/ata.h"
#include "test/check.h"
#include "test/shim.h"

#define SYSPATH  "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"
#define SCSIPATH "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0"

/* ---- shims ---- */

static int sda_opens, sda_open_flags = -1;

int open(const char *path, int flags, ...)
{
        static int (*real_open)(const char *, int, ...);
        mode_t mode = SHIM_OPEN_MODE(flags);

        if (strcmp(path, "/dev/sda") == 0) {
                sda_opens++;
                sda_open_flags = flags;
        }
        if (!real_open)
                real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
        return real_open(path, flags, mode);
}

/* If fd is an emulated /dev node, take type and rdev from umockdev's path-based stat(). */
static void fix_stat(int fd, struct stat *st)
{
        const char *dir = getenv("UMOCKDEV_DIR");
        char link[64], target[4096], devpath[4096];
        ssize_t n;
        size_t dl;
        struct stat pst;

        if (!dir)
                return;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
                return;
        target[n] = '\0';
        dl = strlen(dir);
        if (strncmp(target, dir, dl) != 0 || strncmp(target + dl, "/dev/", 5) != 0)
                return;
        snprintf(devpath, sizeof(devpath), "%s", target + dl);
        if (stat(devpath, &pst) == 0) {
                st->st_mode = pst.st_mode;
                st->st_rdev = pst.st_rdev;
        }
}

int fstat(int fd, struct stat *st)
{
        static int (*real_fstat)(int, struct stat *);
        int r;

        if (!real_fstat)
                real_fstat = (int (*)(int, struct stat *))dlsym(RTLD_NEXT, "fstat");
        r = real_fstat(fd, st);
        if (r == 0)
                fix_stat(fd, st);
        return r;
}

/* Debian's libatasmart was built against an older glibc and imports __fxstat. */
int __fxstat(int ver, int fd, struct stat *st);

int __fxstat(int ver, int fd, struct stat *st)
{
        (void)ver;
        return fstat(fd, st);
}

/* ---- the emulated drive ---- */

struct cmd {
        uint8_t ata, feature, log;
        uint16_t page, count;
        int dir;
};

static struct mock {
        uint8_t identify[512], data[512], thresholds[512];
        bool status_good, has_smst;
        uint8_t power_count;        /* CHECK POWER MODE count: FFh active/idle, 00h standby */
        int fail_ata, fail_feature; /* complete this command with EIO (-1: none) */
        uint64_t size;
        unsigned n_cmds, n_ioctls;
        struct cmd cmds[64];
        /* log reads (READ LOG EXT, SMART READ LOG): answered only when `logs` */
        bool logs;
        uint8_t gpl_dir[512], smart_dir[512], devstat[8][512];
        int abort_page; /* abort READ LOG EXT of this log 04h page (-1: none) */
} m;

static bool load_blob(const char *path)
{
        uint8_t b[4096];
        FILE *f = fopen(path, "re");
        size_t n, off = 0;

        if (!f)
                return false;
        n = fread(b, 1, sizeof(b), f);
        fclose(f);
        memset(m.identify, 0, 512);
        memset(m.data, 0, 512);
        memset(m.thresholds, 0, 512);
        m.status_good = true;
        m.has_smst = false;
        while (off + 8 <= n) {
                uint32_t len = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 |
                               (uint32_t)b[off + 6] << 8 | b[off + 7];
                const uint8_t *p = b + off + 8;

                if (len > n - off - 8)
                        return false;
                if (!memcmp(b + off, "IDFY", 4) && len == 512)
                        memcpy(m.identify, p, 512);
                else if (!memcmp(b + off, "SMDT", 4) && len == 512)
                        memcpy(m.data, p, 512);
                else if (!memcmp(b + off, "SMTH", 4) && len == 512)
                        memcpy(m.thresholds, p, 512);
                else if (!memcmp(b + off, "SMST", 4) && len == 4) {
                        m.status_good = p[0] | p[1] | p[2] | p[3];
                        m.has_smst = true;
                }
                off += 8 + len;
        }
        return true;
}

static void reset_drive(const char *blob)
{
        char path[4096];
        const char *root = getenv("SM_SOURCE_ROOT");

        snprintf(path, sizeof(path), "%s/test/data/demo/%s", root ? root : ".", blob);
        if (!load_blob(path)) {
                fprintf(stderr, "cannot load %s\n", path);
                exit(2);
        }
        m.power_count = 0xFF;
        m.fail_ata = m.fail_feature = -1;
        m.size = 120034123776ull;
        m.n_cmds = m.n_ioctls = 0;
        m.logs = false;
        m.abort_page = -1;
        sda_opens = 0;
        sda_open_flags = -1;
}

static UMockdevIoctlData *resolve(UMockdevIoctlData *d, size_t off, size_t len)
{
        GError *e = NULL;
        UMockdevIoctlData *r = umockdev_ioctl_data_resolve(d, off, len, &e);

        if (!r) {
                fprintf(stderr, "resolve failed: %s\n", e ? e->message : "?");
                g_clear_error(&e);
        }
        return r;
}

/*
 * READ LOG EXT (log 00h: the GPL directory, log 04h pages 0-7) and SMART READ LOG
 * (log 00h: the SMART directory) from m; anything else completes like a drive that
 * aborts: CHECK CONDITION, ABORTED COMMAND, ATA status 51h error 04h.
 */
static gboolean answer_log(UMockdevIoctlClient *client, UMockdevIoctlData *hd,
                           const struct sg_io_hdr *h, const uint8_t *cdb, uint8_t ata)
{
        unsigned log = cdb[8], page = (unsigned)cdb[9] << 8 | cdb[10], count = cdb[6];
        const uint8_t *reply = NULL;
        UMockdevIoctlData *dd;

        if (ata == 0x2F && count == 1 && log == 0x00 && page == 0)
                reply = m.gpl_dir;
        else if (ata == 0x2F && count == 1 && log == 0x04 && page < 8 && (int)page != m.abort_page)
                reply = m.devstat[page];
        else if (ata == 0xB0 && count == 1 && log == 0x00)
                reply = m.smart_dir;
        if (reply && h->dxfer_direction == SG_DXFER_FROM_DEV && h->dxfer_len == 512) {
                dd = resolve(hd, offsetof(struct sg_io_hdr, dxferp), 512);
                if (!dd)
                        return FALSE;
                umockdev_ioctl_data_update(dd, 0, (guint8 *)(uintptr_t)reply, 512);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
        }
        {
                uint8_t sense[22] = {0x72, 0x0B, 0x00, 0x00, 0, 0, 0, 14, 0x09, 0x0C};
                unsigned char st = 0x02, mst = 0x01, wr = sizeof(sense);
                unsigned short drv = 0x08;
                UMockdevIoctlData *sd;

                sense[8 + 3] = 0x04;  /* ABRT */
                sense[8 + 13] = 0x51; /* DRDY DSC ERR */
                if (h->mx_sb_len >= sizeof(sense)) {
                        sd = resolve(hd, offsetof(struct sg_io_hdr, sbp), sizeof(sense));
                        if (!sd)
                                return FALSE;
                        umockdev_ioctl_data_update(sd, 0, sense, sizeof(sense));
                }
                umockdev_ioctl_data_update(hd, offsetof(struct sg_io_hdr, status), &st, 1);
                umockdev_ioctl_data_update(hd, offsetof(struct sg_io_hdr, masked_status), &mst, 1);
                umockdev_ioctl_data_update(hd, offsetof(struct sg_io_hdr, driver_status),
                                           (guint8 *)&drv, sizeof(drv));
                umockdev_ioctl_data_update(hd, offsetof(struct sg_io_hdr, sb_len_wr), &wr, 1);
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
        }
}

static gboolean handle_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer ud)
{
        gulong req = umockdev_ioctl_client_get_request(client);
        UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
        UMockdevIoctlData *hd, *cd, *dd = NULL, *sd;
        struct sg_io_hdr h;
        uint8_t cdb[16] = {0}, sense[32] = {0};
        uint8_t ata, feature, count_out = 0, lba_mid = 0, lba_high = 0;
        const uint8_t *reply = NULL;

        (void)base;
        (void)ud;
        m.n_ioctls++;
        if (req == BLKGETSIZE64) {
                UMockdevIoctlData *v = resolve(arg, 0, sizeof(uint64_t));

                if (!v)
                        return FALSE;
                umockdev_ioctl_data_update(v, 0, (guint8 *)&m.size, sizeof(m.size));
                umockdev_ioctl_client_complete(client, 0, 0);
                return TRUE;
        }
        if (req != SG_IO) {
                umockdev_ioctl_client_complete(client, -1, ENOTTY);
                return TRUE;
        }
        hd = resolve(arg, 0, sizeof(struct sg_io_hdr));
        if (!hd)
                return FALSE;
        memcpy(&h, hd->data, sizeof(h));
        cd = resolve(hd, offsetof(struct sg_io_hdr, cmdp), h.cmd_len);
        if (!cd || h.cmd_len > 16)
                return FALSE;
        memcpy(cdb, cd->data, h.cmd_len);
        if (cdb[0] == 0x85) { /* ATA PASS-THROUGH(16) */
                feature = cdb[4];
                ata = cdb[14];
        } else if (cdb[0] == 0xA1) { /* ATA PASS-THROUGH(12) */
                feature = cdb[3];
                ata = cdb[9];
        } else {
                umockdev_ioctl_client_complete(client, -1, EINVAL);
                return TRUE;
        }
        if (m.n_cmds < 64)
                m.cmds[m.n_cmds++] =
                        (struct cmd){ata,
                                     feature,
                                     cdb[0] == 0x85 ? cdb[8] : 0,
                                     cdb[0] == 0x85 ? (uint16_t)(cdb[9] << 8 | cdb[10]) : 0,
                                     cdb[0] == 0x85 ? (uint16_t)(cdb[5] << 8 | cdb[6]) : 0,
                                     h.dxfer_direction};
        if ((int)ata == m.fail_ata && (m.fail_feature < 0 || (int)feature == m.fail_feature)) {
                umockdev_ioctl_client_complete(client, -1, EIO);
                return TRUE;
        }
        if (m.logs && (ata == 0x2F || (ata == 0xB0 && feature == 0xD5)))
                return answer_log(client, hd, &h, cdb, ata);
        switch (ata) {
        case 0xEC: /* IDENTIFY DEVICE */
                reply = m.identify;
                break;
        case 0xE5: /* CHECK POWER MODE */
                count_out = m.power_count;
                break;
        case 0xB0: /* SMART: only the read-only subcommands are answered */
                if (feature == 0xD0)
                        reply = m.data;
                else if (feature == 0xD1)
                        reply = m.thresholds;
                else if (feature == 0xDA) {
                        lba_mid = m.status_good ? 0x4F : 0xF4;
                        lba_high = m.status_good ? 0xC2 : 0x2C;
                } else {
                        umockdev_ioctl_client_complete(client, -1, EIO);
                        return TRUE;
                }
                break;
        default:
                umockdev_ioctl_client_complete(client, -1, EIO);
                return TRUE;
        }
        if (reply) {
                if (h.dxfer_direction != SG_DXFER_FROM_DEV || h.dxfer_len != 512)
                        return FALSE;
                dd = resolve(hd, offsetof(struct sg_io_hdr, dxferp), 512);
                if (!dd)
                        return FALSE;
                umockdev_ioctl_data_update(dd, 0, (guint8 *)(uintptr_t)reply, 512);
        }
        /* descriptor-format sense with the ATA Status Return descriptor (SAT) */
        sense[0] = 0x72;
        sense[8] = 0x09;
        sense[9] = 0x0C;
        sense[8 + 5] = count_out;
        sense[8 + 9] = lba_mid;
        sense[8 + 11] = lba_high;
        sense[8 + 13] = 0x50; /* DRDY | DSC, no ERR */
        if (h.mx_sb_len >= sizeof(sense)) {
                sd = resolve(hd, offsetof(struct sg_io_hdr, sbp), sizeof(sense));
                if (!sd)
                        return FALSE;
                umockdev_ioctl_data_update(sd, 0, sense, sizeof(sense));
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        return TRUE;
}

/* ---- helpers ---- */

static int live_read(struct sm_health *h, char *err, size_t errlen)
{
        struct sm_device_id id;
        struct sm_read_opts opts = {.timeout_ms = 2000};

        memset(&id, 0, sizeof(id));
        snprintf(id.name, sizeof(id.name), "sda");
        snprintf(id.devnode, sizeof(id.devnode), "/dev/sda");
        snprintf(id.aux, sizeof(id.aux), "%s", SYSPATH);
        id.proto = SM_PROTO_ATA;
        err[0] = '\0';
        sm_health_init(h);
        return sm_ata_collector.read(&id, &opts, h, err, errlen);
}

static int replay_read(const char *blob, struct sm_health *h)
{
        struct sm_device_id id;
        struct sm_read_opts opts = {.timeout_ms = 2000};
        const char *root = getenv("SM_SOURCE_ROOT");
        char err[192];

        memset(&id, 0, sizeof(id));
        id.replay = true;
        id.proto = SM_PROTO_ATA;
        snprintf(id.name, sizeof(id.name), "r");
        snprintf(id.devnode, sizeof(id.devnode), "%s/test/data/demo/%s", root ? root : ".", blob);
        return sm_ata_collector.read(&id, &opts, h, err, sizeof(err));
}

static unsigned count_smart(void)
{
        unsigned n = 0;

        for (unsigned i = 0; i < m.n_cmds; i++)
                n += m.cmds[i].ata == 0xB0;
        return n;
}

static unsigned count_cmd(uint8_t ata, int feature)
{
        unsigned n = 0;

        for (unsigned i = 0; i < m.n_cmds; i++)
                n += m.cmds[i].ata == ata && (feature < 0 || m.cmds[i].feature == feature);
        return n;
}

/* Every command must be one a monitor may send. */
static void check_trace_read_only(const char *what)
{
        for (unsigned i = 0; i < m.n_cmds; i++) {
                const struct cmd *c = &m.cmds[i];
                /* IDENTIFY, CHECK POWER MODE, SMART READ DATA/THRESHOLDS/RETURN STATUS/
                 * READ LOG, READ LOG EXT: nothing else */
                bool ok = c->ata == 0xEC || c->ata == 0xE5 || c->ata == 0x2F ||
                          (c->ata == 0xB0 && (c->feature == 0xD0 || c->feature == 0xD1 ||
                                              c->feature == 0xDA || c->feature == 0xD5));

                CHECK(ok, "%s: forbidden ATA command %02Xh feature %02Xh", what, c->ata,
                      c->feature);
                CHECK(c->dir != SG_DXFER_TO_DEV, "%s: data-out transfer (command %02Xh)", what,
                      c->ata);
        }
        CHECK(count_cmd(0xB0, 0xD8) == 0, "%s: SMART ENABLE OPERATIONS sent", what);
        CHECK(count_cmd(0xB0, 0xD4) == 0, "%s: SMART EXECUTE OFFLINE IMMEDIATE sent", what);
        CHECK(sda_opens == 0 || (sda_open_flags & O_ACCMODE) == O_RDONLY,
              "%s: /dev/sda opened with flags %#x, not O_RDONLY", what, (unsigned)sda_open_flags);
}

static void same_as_replay(const char *blob, const struct sm_health *live)
{
        struct sm_health r;

        CHECK(replay_read(blob, &r) == 0, "%s: replay read failed", blob);
        CHECK(strcmp(live->ident.model, r.ident.model) == 0 &&
                      strcmp(live->ident.serial, r.ident.serial) == 0 &&
                      strcmp(live->ident.firmware, r.ident.firmware) == 0,
              "%s: identity '%s' vs blob '%s'", blob, live->ident.model, r.ident.model);
        CHECK(live->ata.n_attrs == r.ata.n_attrs, "%s: %u attributes vs blob %u", blob,
              live->ata.n_attrs, r.ata.n_attrs);
        for (unsigned i = 0; i < r.ata.n_attrs && i < live->ata.n_attrs; i++) {
                const struct sm_ata_attr *a = &live->ata.attrs[i], *b = &r.ata.attrs[i];

                CHECK(a->id == b->id && a->value == b->value && a->worst == b->worst &&
                              a->threshold == b->threshold && a->raw == b->raw &&
                              a->flags == b->flags && strcmp(a->name, b->name) == 0,
                      "%s: attribute %u differs from the blob", blob, b->id);
        }
        /* a capture without SMST has no verdict; the emulated drive answers "good" */
        CHECK(!m.has_smst ||
                      (OPT(live->ata.status_valid, live->ata.overall) ==
                               OPT(r.ata.status_valid, r.ata.overall) &&
                       OPT(live->has_healthy, live->healthy) == OPT(r.has_healthy, r.healthy) &&
                       live->ata.status_valid == r.ata.status_valid &&
                       live->ata.status_good == r.ata.status_good),
              "%s: verdict %d/%d vs blob %d/%d", blob,
              OPT(live->ata.status_valid, live->ata.overall), OPT(live->has_healthy, live->healthy),
              OPT(r.ata.status_valid, r.ata.overall), OPT(r.has_healthy, r.healthy));
        CHECK(live->has_temperature == r.has_temperature &&
                      (!r.has_temperature || live->temperature_c == r.temperature_c),
              "%s: temperature", blob);
        CHECK(live->has_power_on == r.has_power_on && live->power_on_seconds == r.power_on_seconds,
              "%s: power-on %llu vs %llu", blob, (unsigned long long)live->power_on_seconds,
              (unsigned long long)r.power_on_seconds);
        CHECK(live->has_power_cycles == r.has_power_cycles && live->power_cycles == r.power_cycles,
              "%s: power cycles", blob);
        CHECK(live->has_bad_sectors == r.has_bad_sectors && live->bad_sectors == r.bad_sectors,
              "%s: bad sectors", blob);
        CHECK(OPT(live->has_rotation_rate, live->rotation_rate) ==
                              OPT(r.has_rotation_rate, r.rotation_rate) &&
                      strcmp(live->ident.wwn, r.ident.wwn) == 0,
              "%s: rotation/wwn", blob);
}

/* The drive plays the Samsung 860 EVO's Device Statistics (test/data/demo, rebuilt from
 * that drive's smartctl -x JSON): log 04h listed in the GPL directory with 8 pages. */
static void load_devstat(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        char path[4096];
        uint8_t buf[8 * 512];
        size_t n;
        FILE *f;

        snprintf(path, sizeof(path),
                 "%s/test/data/demo/Samsung_SSD_860_EVO_500GB--RVT02B6Q.devstat",
                 root ? root : ".");
        f = fopen(path, "re");
        n = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
                fclose(f);
        memset(m.devstat, 0, sizeof(m.devstat));
        for (size_t i = 0; i < n / 512; i++) {
                unsigned pg = i == 0 ? 0 : buf[512 * i + 2];

                if (pg < 8)
                        memcpy(m.devstat[pg], buf + 512 * i, 512);
        }
        memset(m.gpl_dir, 0, 512);
        memset(m.smart_dir, 0, 512);
        m.gpl_dir[0] = 1;
        m.gpl_dir[2 * 4] = 8;
        m.smart_dir[0] = 1;
        m.logs = true;
}

static unsigned index_of(uint8_t ata, int from)
{
        for (unsigned i = (unsigned)from; i < m.n_cmds; i++) {
                if (m.cmds[i].ata == ata)
                        return i;
        }
        return m.n_cmds;
}

static void devstat_live(void)
{
        struct sm_health h, r;
        char err[192];
        static const uint16_t want_pages[] = {0, 1, 4, 5, 7};
        unsigned first;
        int rc;

        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        load_devstat();
        rc = live_read(&h, err, sizeof(err));
        CHECK(rc == 0, "devstat live: read() = %d (%s)", rc, err);
        check_trace_read_only("devstat live");
        {
                const struct sm_devstat *ds = &h.ata.logs.devstat;

                /* the drive's own smartctl -x JSON (scrutiny smart-ata-full.json) */
                CHECK(ds->read_ok && ds->gpl && !ds->capture, "devstat live: not read (%s)",
                      ds->why);
                CHECK(ds->power_cycles.value == 13 && ds->power_on_hours.value == 14551 &&
                              ds->logical_sectors_written.value == 64777770148ull &&
                              ds->logical_sectors_read.value == 34909544344ull &&
                              ds->reported_uncorrectable_errors.present &&
                              ds->reported_uncorrectable_errors.value == 0,
                      "devstat live: page 01h/04h values");
                CHECK(ds->temp_current.value == 36 && ds->temp_max.value == 57 &&
                              ds->temp_min.value == 24 && ds->percentage_used.present &&
                              ds->percentage_used.value == 19,
                      "devstat live: page 05h/07h values");
        }
        /* commands: log reads only after CHECK POWER MODE; exactly the listed pages */
        first = index_of(0x2F, 0);
        CHECK(index_of(0xE5, 0) < first, "devstat live: READ LOG EXT before CHECK POWER MODE");
        for (unsigned k = 0, i = first; k < sizeof(want_pages) / sizeof(want_pages[0]); k++) {
                const struct cmd *c;

                i = index_of(0x2F, (int)i + 1);
                c = i < m.n_cmds ? &m.cmds[i] : NULL;

                CHECK(c && c->ata == 0x2F && c->log == 0x04 && c->page == want_pages[k] &&
                              c->count == 1,
                      "devstat live: read %u is not log 04h page %u", k, want_pages[k]);
        }
        CHECK(m.cmds[first].log == 0x00 && count_cmd(0x2F, -1) == 6,
              "devstat live: %u READ LOG EXT (directory + 5 pages)", count_cmd(0x2F, -1));
        /* error logging supported (word 84 bit 0) but no 03h in the GPL directory: the SMART
         * directory once, and nothing of logs 01h/03h/06h/07h */
        CHECK(count_cmd(0xB0, 0xD5) == 1, "devstat live: %u SMART READ LOG", count_cmd(0xB0, 0xD5));
        CHECK(!h.ata.logs.errors.present && strstr(h.ata.logs.errors.why, "no error log"),
              "devstat live: error log why '%s'", h.ata.logs.errors.why);
        /* attributes first: what the blob's attributes give stays; devstat fills the rest */
        CHECK(replay_read("INTEL_SSDSA2CW120G3--4PC10302", &r) == 0, "devstat live: replay");
        CHECK(r.has_power_on && h.power_on_seconds == r.power_on_seconds,
              "devstat live: power-on from attribute 9, not devstat");
        CHECK(h.has_temperature && h.temperature_c == (r.has_temperature ? r.temperature_c : 36.0),
              "devstat live: temperature %g (attribute %d)", h.temperature_c, r.has_temperature);

        /* page 05h aborted by the drive: its values absent with the reason, the rest read */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        load_devstat();
        m.abort_page = 5;
        rc = live_read(&h, err, sizeof(err));
        CHECK(rc == 0 && !h.ata.logs.devstat.temp_current.present &&
                      h.ata.logs.devstat.percentage_used.present &&
                      strstr(h.ata.logs.devstat.why, "ATA status 51h error 04h") != NULL,
              "devstat live abort: rc %d why '%s'", rc, h.ata.logs.devstat.why);

        /* asleep: no log read at all */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        load_devstat();
        m.power_count = 0x00;
        rc = live_read(&h, err, sizeof(err));
        CHECK(rc == SM_READ_RET_ASLEEP && count_cmd(0x2F, -1) == 0 && count_cmd(0xB0, 0xD5) == 0,
              "devstat asleep: %u log reads", count_cmd(0x2F, -1));
}

int main(void)
{
        UMockdevTestbed *tb;
        UMockdevIoctlBase *handler;
        GError *error = NULL;
        const char *root = getenv("SM_SOURCE_ROOT");
        const char *preload = getenv("LD_PRELOAD");
        char path[4096], err[192];
        struct sm_health h;
        int r;

        if (!preload || !strstr(preload, "libumockdev-preload")) {
                printf("not running under umockdev-wrapper: skipping\n");
                return 77;
        }
        tb = umockdev_testbed_new();
        snprintf(path, sizeof(path), "%s/test/data/ata/sata-ssd.umockdev", root ? root : ".");
        if (!umockdev_testbed_add_from_file(tb, path, &error)) {
                fprintf(stderr, "umockdev: %s\n", error ? error->message : "?");
                return 2;
        }
        handler = umockdev_ioctl_base_new();
        g_signal_connect(handler, "handle-ioctl", G_CALLBACK(handle_ioctl), NULL);
        if (!umockdev_testbed_attach_ioctl(tb, "/dev/sda", handler, &error)) {
                fprintf(stderr, "attach_ioctl: %s\n", error ? error->message : "?");
                return 2;
        }

        /* 1. good path: Intel 320 */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        r = live_read(&h, err, sizeof(err));
        CHECK(r == 0, "good path: read() = %d (%s)", r, err);
        if (r == 0) {
                same_as_replay("INTEL_SSDSA2CW120G3--4PC10302", &h);
                CHECK(h.capacity_bytes == m.size, "capacity %llu from BLKGETSIZE64",
                      (unsigned long long)h.capacity_bytes);
                CHECK(strcmp(h.ident.model, "INTEL SSDSA2CW120G3") == 0, "model '%s'",
                      h.ident.model);
                CHECK(OPT(h.has_rotation_rate, h.rotation_rate) == 0 &&
                              OPT(h.has_healthy, h.healthy) == 1 &&
                              OPT(h.ata.status_valid, h.ata.overall) == 0,
                      "intel320: rotation %d healthy %d overall %d",
                      OPT(h.has_rotation_rate, h.rotation_rate), OPT(h.has_healthy, h.healthy),
                      OPT(h.ata.status_valid, h.ata.overall));
        }
        check_trace_read_only("good path");
        CHECK(sda_opens == 1, "good path: /dev/sda opened %d times", sda_opens);
        CHECK(m.n_cmds >= 4 && m.cmds[0].ata == 0xEC, "good path: IDENTIFY not first");
        {
                unsigned first_smart = m.n_cmds, first_cpm = m.n_cmds;

                for (unsigned i = m.n_cmds; i-- > 0;) {
                        if (m.cmds[i].ata == 0xB0)
                                first_smart = i;
                        if (m.cmds[i].ata == 0xE5)
                                first_cpm = i;
                }
                CHECK(first_cpm < first_smart, "good path: SMART command before CHECK POWER MODE");
        }
        CHECK(count_cmd(0xB0, 0xD0) == 1 && count_cmd(0xB0, 0xD1) == 1 &&
                      count_cmd(0xB0, 0xDA) >= 1,
              "good path: READ DATA %u, THRESHOLDS %u, RETURN STATUS %u", count_cmd(0xB0, 0xD0),
              count_cmd(0xB0, 0xD1), count_cmd(0xB0, 0xDA));
        printf("good path: %u ATA commands, %u ioctls\n", m.n_cmds, m.n_ioctls);

        /* 1a. every captured drive through the live path equals its replay reading
         * (IDENTIFY strings of 19 real drives also exercise identify_of()'s cross-check) */
        {
                static const char *const all[] = {"FUJITSU_MHY2120BH--0084000D",
                                                  "FUJITSU_MHY2120BH--0085000B",
                                                  "FUJITSU_MHY2250BH--0085000B",
                                                  "FUJITSU_MHZ2160BH_G1--0084000A",
                                                  "INTEL_SSDSA2CW120G3--4PC10302",
                                                  "INTEL_SSDSA2MH080G1GC--045C8820",
                                                  "MCCOE64GEMPP--2.9.09",
                                                  "Maxtor_96147H8--BAC51KJ0",
                                                  "Maxtor_96147H8--BAC51KJ0--2",
                                                  "SAMSUNG_HD501LJ--CR100-12",
                                                  "SAMSUNG_MMCQE28G8MUP--0VA_VAM08L1Q",
                                                  "SAMSUNG_MP0804H--UE100-14",
                                                  "ST320410A--3.39",
                                                  "ST9100821AS--3.CME",
                                                  "ST9160821AS--3.CLH",
                                                  "TOSHIBA_MK1651GSY--38IGT0G5T",
                                                  "WDC_WD2500JB--00REA0-20.00K20",
                                                  "WDC_WD2500JS-75NCB3--10.02E04",
                                                  "WDC_WD5000AAKS--00TMA0-12.01C01"};

                for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                        reset_drive(all[i]);
                        r = live_read(&h, err, sizeof(err));
                        CHECK(r == 0, "%s live: read() = %d (%s)", all[i], r, err);
                        if (r == 0)
                                same_as_replay(all[i], &h);
                        check_trace_read_only(all[i]);
                }
        }

        /* 1b. a second read opens a fresh SkDisk (IDENTIFY again) */
        m.n_cmds = 0;
        sda_opens = 0;
        r = live_read(&h, err, sizeof(err));
        CHECK(r == 0 && sda_opens == 1 && count_cmd(0xEC, -1) == 1,
              "second read: r=%d opens=%d identify=%u", r, sda_opens, count_cmd(0xEC, -1));

        /* 2. failing drive: RETURN STATUS says threshold exceeded */
        reset_drive("Maxtor_96147H8--BAC51KJ0--2");
        r = live_read(&h, err, sizeof(err));
        CHECK(r == 0, "failing drive: read() = %d (%s)", r, err);
        if (r == 0) {
                same_as_replay("Maxtor_96147H8--BAC51KJ0--2", &h);
                CHECK(OPT(h.ata.status_valid, h.ata.overall) == 5 &&
                              OPT(h.has_healthy, h.healthy) == 0 && h.ata.status_valid &&
                              !h.ata.status_good,
                      "failing drive: overall %d healthy %d",
                      OPT(h.ata.status_valid, h.ata.overall), OPT(h.has_healthy, h.healthy));
        }
        check_trace_read_only("failing drive");

        /* 3. standby: no SMART command at all */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        m.power_count = 0x00;
        r = live_read(&h, err, sizeof(err));
        CHECK(r == SM_READ_RET_ASLEEP, "standby: read() = %d (%s)", r, err);
        CHECK(count_smart() == 0 && count_cmd(0x2F, -1) == 0, "standby: %u SMART commands sent",
              count_smart());
        CHECK(count_cmd(0xE5, -1) == 1, "standby: CHECK POWER MODE not sent");
        check_trace_read_only("standby");

        /* 4. SMART disabled in IDENTIFY (word 85 bit 0): refuse, never enable */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        m.identify[170] &= (uint8_t)~1u;
        r = live_read(&h, err, sizeof(err));
        CHECK(r < 0 && strstr(err, "SMART disabled"), "SMART disabled: read() = %d (%s)", r, err);
        CHECK(count_smart() == 0 && count_cmd(0x2F, -1) == 0,
              "SMART disabled: %u SMART commands sent", count_smart());
        check_trace_read_only("SMART disabled");

        /* 5. EIO from SG_IO */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        m.fail_ata = 0xB0;
        m.fail_feature = 0xD0;
        r = live_read(&h, err, sizeof(err));
        CHECK(r < 0 && err[0], "EIO on READ DATA: read() = %d (%s)", r, err);
        check_trace_read_only("EIO on READ DATA");

        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        m.fail_ata = 0xE5;
        r = live_read(&h, err, sizeof(err));
        CHECK(r < 0 && strstr(err, "CHECK POWER MODE"), "EIO on CHECK POWER MODE: %d (%s)", r, err);
        CHECK(count_smart() == 0, "EIO on CHECK POWER MODE: %u SMART commands", count_smart());

        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        m.fail_ata = 0xEC;
        r = live_read(&h, err, sizeof(err));
        CHECK(r < 0 && strstr(err, "IDENTIFY"), "EIO on IDENTIFY: read() = %d (%s)", r, err);
        CHECK(count_smart() == 0 && count_cmd(0xE5, -1) == 0,
              "EIO on IDENTIFY: commands after a failed IDENTIFY");

        /* 6. runtime-suspended: not even opened */
        reset_drive("INTEL_SSDSA2CW120G3--4PC10302");
        umockdev_testbed_set_attribute(tb, SYSPATH, "power/runtime_status", "suspended");
        r = live_read(&h, err, sizeof(err));
        CHECK(r == SM_READ_RET_ASLEEP && sda_opens == 0 && m.n_ioctls == 0,
              "block device suspended: r=%d opens=%d ioctls=%u", r, sda_opens, m.n_ioctls);
        umockdev_testbed_set_attribute(tb, SYSPATH, "power/runtime_status", "unsupported");

        umockdev_testbed_set_attribute(tb, SCSIPATH, "power/control", "auto");
        umockdev_testbed_set_attribute(tb, SCSIPATH, "power/runtime_status", "suspended");
        r = live_read(&h, err, sizeof(err));
        CHECK(r == SM_READ_RET_ASLEEP && sda_opens == 0 && m.n_ioctls == 0,
              "scsi device suspended: r=%d opens=%d ioctls=%u", r, sda_opens, m.n_ioctls);

        /* power/control "on" keeps the device resumed: a suspended status is stale */
        umockdev_testbed_set_attribute(tb, SCSIPATH, "power/control", "on");
        r = live_read(&h, err, sizeof(err));
        CHECK(r == 0 && sda_opens == 1, "control=on: r=%d (%s) opens=%d", r, err, sda_opens);
        umockdev_testbed_set_attribute(tb, SCSIPATH, "power/runtime_status", "active");

        devstat_live();

        g_object_unref(handler);
        g_object_unref(tb);
        return check_summary();
}
