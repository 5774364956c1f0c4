/* SPDX-License-Identifier: MIT */
/*
 * sat_mock.c - an LD_PRELOAD shim that plays a SATA drive behind a SCSI/ATA
 * translator: it interposes ioctl() and answers SG_IO (sg_io_hdr v3) carrying
 * ATA PASS-THROUGH(16) from files, so libsgutils2 (our SAT path) and the real
 * smartctl (`-d sat`) talk to the same emulated drive. Pattern of
 * test/nvme/ioctl_mock.c.
 *
 * Steered by the environment, read at each call:
 *   SM_SAT_MOCK_DEV    a regular file that plays the disk node; fstat()/stat() of
 *                      it report a block device 8:0; SG_IO on its fds is answered here
 *   SM_SAT_MOCK_DIR    the drive: files `identify` (512 bytes), optional `smart-data`,
 *                      `gpl-XX` (all pages of GP log XX, XX = 2 lower-case hex digits)
 *                      and `smart-XX` (SMART log XX). A log without a file, or a read
 *                      past its end, is aborted like a real drive does (ATA ERR, ABRT)
 *   SM_SAT_MOCK_LOG    append one line per SG_IO:
 *                      "cdb=85 09 0e 00 00 00 01 00 04 00 00 00 00 00 2f 00 dir=from len=512"
 *   SM_SAT_MOCK_SHORT  "CC:LL:PP" (ATA command, log, page; hex): transfer only half
 *                      of that read (resid = len/2)
 *   SM_SAT_MOCK_ABORT  "CC:LL:PP": complete that read with CHECK CONDITION, ABORTED
 *                      COMMAND and an ATA Status Return descriptor (status 51h, error 04h)
 *   SM_SAT_MOCK_FIXED  "1": sense data in fixed format (70h) instead of descriptor (72h)
 *   SM_SAT_MOCK_EIO    "CC:LL:PP": the ioctl itself fails with EIO (transport failure)
 *   SM_SAT_MOCK_STANDBY "1": CHECK POWER MODE answers count 00h (standby)
 * Any other ATA command is aborted and logged, so a test sees it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *next(const char *sym)
{
        void *p = dlsym(RTLD_NEXT, sym);

        if (!p) {
                fprintf(stderr, "sat_mock: no next %s\n", sym);
                abort();
        }
        return p;
}

static int is_mock(dev_t dev, ino_t ino)
{
        int (*real_stat)(const char *, struct stat *) = next("stat");
        const char *p = getenv("SM_SAT_MOCK_DEV");
        struct stat st;

        if (!p || !*p || real_stat(p, &st) < 0)
                return 0;
        return st.st_dev == dev && st.st_ino == ino;
}

static int fd_is_mock(int fd)
{
        int (*real_fstat)(int, struct stat *) = next("fstat");
        struct stat st;

        return real_fstat(fd, &st) == 0 && is_mock(st.st_dev, st.st_ino);
}

#define FAKE_MODE(st)                                      \
        do {                                               \
                if (is_mock((st)->st_dev, (st)->st_ino)) { \
                        (st)->st_mode = S_IFBLK | 0660;    \
                        (st)->st_rdev = makedev(8, 0);     \
                }                                          \
        } while (0)

int fstat(int fd, struct stat *st)
{
        int (*real)(int, struct stat *) = next("fstat");
        int r = real(fd, st);

        if (r == 0)
                FAKE_MODE(st);
        return r;
}

int fstat64(int fd, struct stat64 *st)
{
        int (*real)(int, struct stat64 *) = next("fstat64");
        int r = real(fd, st);

        if (r == 0)
                FAKE_MODE(st);
        return r;
}

int stat(const char *path, struct stat *st)
{
        int (*real)(const char *, struct stat *) = next("stat");
        int r = real(path, st);

        if (r == 0)
                FAKE_MODE(st);
        return r;
}

int stat64(const char *path, struct stat64 *st)
{
        int (*real)(const char *, struct stat64 *) = next("stat64");
        int r = real(path, st);

        if (r == 0)
                FAKE_MODE(st);
        return r;
}

/* ---- the drive ---- */

/* Bytes [off, off+len) of DIR/name into buf; -1 if the file is missing or too short. */
static int serve(const char *name, size_t off, void *buf, size_t len)
{
        int (*real_open)(const char *, int, ...) = next("open");
        const char *dir = getenv("SM_SAT_MOCK_DIR");
        char path[4096];
        size_t got = 0;
        ssize_t n;
        int fd;

        if (!dir)
                return -1;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = real_open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        while (got < len && (n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got))) > 0)
                got += (size_t)n;
        close(fd);
        return got == len ? 0 : -1;
}

static int matches(const char *var, unsigned cmd, unsigned log, unsigned page)
{
        const char *v = getenv(var);
        unsigned c, l, p;

        if (!v || sscanf(v, "%x:%x:%x", &c, &l, &p) != 3)
                return 0;
        return c == cmd && l == log && p == page;
}

static void log_cmd(const uint8_t *cdb, unsigned cdb_len, const sg_io_hdr_t *h)
{
        const char *p = getenv("SM_SAT_MOCK_LOG");
        FILE *f;

        if (!p || !*p)
                return;
        f = fopen(p, "ae");
        if (!f)
                return;
        fprintf(f, "cdb=");
        for (unsigned i = 0; i < cdb_len; i++)
                fprintf(f, "%s%02x", i ? " " : "", cdb[i]);
        fprintf(f, " dir=%s len=%u\n",
                h->dxfer_direction == SG_DXFER_FROM_DEV ? "from"
                : h->dxfer_direction == SG_DXFER_TO_DEV ? "to"
                : h->dxfer_direction == SG_DXFER_NONE   ? "none"
                                                        : "other",
                h->dxfer_len);
        fclose(f);
}

static void checksum(uint8_t *s)
{
        uint8_t sum = 0;

        for (int i = 0; i < 511; i++)
                sum = (uint8_t)(sum + s[i]);
        s[511] = (uint8_t)(0x100 - sum);
}

/* Complete with sense data: key/asc/ascq plus the ATA registers. */
static void sense(sg_io_hdr_t *h, uint8_t key, uint8_t asc, uint8_t ascq, uint8_t err,
                  uint8_t status, uint8_t count)
{
        uint8_t s[32] = {0};
        unsigned n;
        const char *fixed = getenv("SM_SAT_MOCK_FIXED");

        if (fixed && strcmp(fixed, "1") == 0) {
                /* SAT-3 fixed format: INFORMATION = ERROR, STATUS, DEVICE, COUNT */
                s[0] = 0x70;
                s[2] = key;
                s[3] = err;
                s[4] = status;
                s[5] = 0;
                s[6] = count;
                s[7] = 10;
                s[12] = asc;
                s[13] = ascq;
                n = 18;
        } else {
                s[0] = 0x72;
                s[1] = key;
                s[2] = asc;
                s[3] = ascq;
                s[7] = 14;
                s[8] = 0x09; /* ATA Status Return descriptor */
                s[9] = 0x0C;
                s[8 + 3] = err;
                s[8 + 5] = count;
                s[8 + 13] = status;
                n = 22;
        }
        if (h->mx_sb_len < n)
                n = h->mx_sb_len;
        if (h->sbp && n)
                memcpy(h->sbp, s, n);
        h->sb_len_wr = (unsigned char)n;
        h->status = 0x02; /* CHECK CONDITION */
        h->masked_status = 0x01;
        h->driver_status = 0x08; /* DRIVER_SENSE */
        h->info |= SG_INFO_CHECK;
}

static void abort_cmd(sg_io_hdr_t *h)
{
        sense(h, 0x0B, 0x00, 0x00, 0x04, 0x51, 0);
        if (h->dxfer_direction == SG_DXFER_FROM_DEV)
                h->resid = (int)h->dxfer_len;
}

static int sg_io(sg_io_hdr_t *h)
{
        uint8_t cdb[16] = {0};
        unsigned ata, feature, log, page, count;
        uint8_t *data = h->dxferp;
        size_t len = h->dxfer_len;
        char name[32];
        int ok;

        if (h->interface_id != 'S' || !h->cmdp || h->cmd_len > 16) {
                errno = EINVAL;
                return -1;
        }
        memcpy(cdb, h->cmdp, h->cmd_len);
        log_cmd(cdb, h->cmd_len, h);
        h->status = h->masked_status = 0;
        h->host_status = h->driver_status = 0;
        h->sb_len_wr = 0;
        h->resid = 0;
        h->info = 0;
        h->duration = 1;
        if (cdb[0] != 0x85 || h->cmd_len != 16) {
                /* not ATA PASS-THROUGH(16): INVALID COMMAND OPERATION CODE */
                sense(h, 0x05, 0x20, 0x00, 0, 0, 0);
                return 0;
        }
        ata = cdb[14];
        feature = cdb[4];
        log = cdb[8];
        count = (unsigned)cdb[5] << 8 | cdb[6];
        page = ata == 0x2F || ata == 0x47 ? ((unsigned)cdb[9] << 8 | cdb[10]) : 0;
        if (matches("SM_SAT_MOCK_EIO", ata, log, page)) {
                errno = EIO;
                return -1;
        }
        switch (ata) {
        case 0xEC: /* IDENTIFY DEVICE */
                if (len != 512 || serve("identify", 0, data, 512) < 0)
                        abort_cmd(h);
                return 0;
        case 0xE5: { /* CHECK POWER MODE: registers back through sense */
                const char *sb = getenv("SM_SAT_MOCK_STANDBY");

                sense(h, 0x01, 0x00, 0x1D, 0, 0x50, sb && strcmp(sb, "1") == 0 ? 0x00 : 0xFF);
                return 0;
        }
        case 0xB0:
                if (cdb[10] != 0x4F || cdb[12] != 0xC2) {
                        abort_cmd(h);
                        return 0;
                }
                if (feature == 0xD0 || feature == 0xD1) {
                        if (len != 512) {
                                abort_cmd(h);
                                return 0;
                        }
                        if (feature == 0xD1 || serve("smart-data", 0, data, 512) < 0) {
                                memset(data, 0, 512);
                                data[0] = 0x10;
                                checksum(data);
                        }
                        return 0;
                }
                if (feature == 0xDA) {
                        /* RETURN STATUS: good (4Fh/C2h) in the return descriptor */
                        uint8_t s[22] = {0x72, 0x01, 0x00, 0x1D, 0, 0, 0, 14, 0x09, 0x0C};

                        s[8 + 9] = 0x4F;
                        s[8 + 11] = 0xC2;
                        s[8 + 13] = 0x50;
                        if (h->sbp && h->mx_sb_len >= sizeof(s)) {
                                memcpy(h->sbp, s, sizeof(s));
                                h->sb_len_wr = sizeof(s);
                        }
                        h->status = 0x02;
                        h->masked_status = 0x01;
                        h->driver_status = 0x08;
                        return 0;
                }
                if (feature != 0xD5) { /* everything else (ENABLE, self-tests, ...) */
                        abort_cmd(h);
                        return 0;
                }
                snprintf(name, sizeof(name), "smart-%02x", log);
                break;
        case 0x2F: /* READ LOG EXT */
        case 0x47: /* READ LOG DMA EXT */
                snprintf(name, sizeof(name), "gpl-%02x", log);
                break;
        default:
                abort_cmd(h);
                return 0;
        }
        if (h->dxfer_direction != SG_DXFER_FROM_DEV || count == 0 || len != 512u * count) {
                abort_cmd(h);
                return 0;
        }
        ok = serve(name, 512u * page, data, len) == 0;
        if (!ok || matches("SM_SAT_MOCK_ABORT", ata, log, page)) {
                memset(data, 0, len);
                abort_cmd(h);
                return 0;
        }
        if (matches("SM_SAT_MOCK_SHORT", ata, log, page)) {
                memset(data + len / 2, 0, len - len / 2);
                h->resid = (int)(len - len / 2);
        }
        return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
        int (*real)(int, unsigned long, ...) = next("ioctl");
        va_list ap;
        void *arg;

        va_start(ap, request);
        arg = va_arg(ap, void *);
        va_end(ap);
        if (!fd_is_mock(fd))
                return real(fd, request, arg);
        if (request == SG_IO)
                return sg_io(arg);
        if (request == SG_GET_VERSION_NUM) {
                *(int *)arg = 30527;
                return 0;
        }
        errno = ENOTTY;
        return -1;
}
