/* SPDX-License-Identifier: MIT */
/*
 * sg_mock.c - an LD_PRELOAD shim that plays a SCSI disk behind SG_IO (the
 * pattern of test/nvme/ioctl_mock.c): it interposes ioctl() and answers
 * SG_IO (sg_io_hdr v3) from files, so the real libsgutils2 (and the real
 * sg_logs / sg_inq / smartctl) run unchanged without a SCSI device.
 *
 * Steered by the environment, read at each call:
 *   SM_SCSI_MOCK_DEV    a regular file that plays the device node: stat()/fstat() of
 *                       it report a block device (8:0); SG_IO on its fds is answered
 *                       here, other fds pass through to the real ioctl.
 *   SM_SCSI_MOCK_ALIAS  optional path (e.g. /dev/sdz) whose open()/stat() mean DEV.
 *   SM_SCSI_MOCK_DIR    where the answers are:
 *                         inquiry          standard INQUIRY data
 *                         vpd-XX           INQUIRY EVPD page XX (two lower-case hex digits)
 *                         log-PP-SS        LOG SENSE page PP subpage SS
 *                         mode-PP          MODE SENSE(10) page PP (the whole response)
 *                         defect10         READ DEFECT DATA(10) response
 *                       A missing file: CHECK CONDITION, ILLEGAL REQUEST, 24h/00h
 *                       (invalid field in CDB). Other opcodes: ILLEGAL REQUEST 20h/00h.
 *   SM_SCSI_MOCK_CHECK  "OP:PP:SS=K/ASC/ASCQ" (hex; PP/SS the page/subpage for 4Dh, VPD
 *                       page for 12h, else 00): answer that command with CHECK CONDITION
 *                       and fixed-format sense data (key K, ASC, ASCQ) instead.
 *   SM_SCSI_MOCK_FAIL   eperm | eacces | eio | enodev: fail every SG_IO with that errno.
 *   SM_SCSI_MOCK_LOG    append one line per SG_IO:
 *                       "cdb=4d 40 0d 00 00 00 00 00 04 00 dir=in len=4 timeout_ms=5000"
 * Data is truncated at the allocation length and the residual reported, as a
 * device and the kernel do.
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
                fprintf(stderr, "sg_mock: no next %s\n", sym);
                abort();
        }
        return p;
}

static int is_mock(dev_t dev, ino_t ino)
{
        int (*real_stat)(const char *, struct stat *) = next("stat");
        const char *p = getenv("SM_SCSI_MOCK_DEV");
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

static const char *redirect(const char *path)
{
        const char *alias = getenv("SM_SCSI_MOCK_ALIAS");
        const char *dev = getenv("SM_SCSI_MOCK_DEV");

        if (path && alias && dev && *alias && strcmp(path, alias) == 0)
                return dev;
        return path;
}

static mode_t open_mode(int flags, va_list ap)
{
        return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
        int (*real)(const char *, int, ...) = next("open");
        va_list ap;
        mode_t mode;

        va_start(ap, flags);
        mode = open_mode(flags, ap);
        va_end(ap);
        return real(redirect(path), flags, mode);
}

int open64(const char *path, int flags, ...)
{
        int (*real)(const char *, int, ...) = next("open64");
        va_list ap;
        mode_t mode;

        va_start(ap, flags);
        mode = open_mode(flags, ap);
        va_end(ap);
        return real(redirect(path), flags, mode);
}

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

int __open_2(const char *path, int flags)
{
        int (*real)(const char *, int) = next("__open_2");

        return real(redirect(path), flags);
}

int __open64_2(const char *path, int flags)
{
        int (*real)(const char *, int) = next("__open64_2");

        return real(redirect(path), flags);
}

#define FAKE_MODE(st)                                      \
        do {                                               \
                if (is_mock((st)->st_dev, (st)->st_ino)) { \
                        (st)->st_mode = S_IFBLK | 0600;    \
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
        int r = real(redirect(path), st);

        if (r == 0)
                FAKE_MODE(st);
        return r;
}

int stat64(const char *path, struct stat64 *st)
{
        int (*real)(const char *, struct stat64 *) = next("stat64");
        int r = real(redirect(path), st);

        if (r == 0)
                FAKE_MODE(st);
        return r;
}

static void log_cmd(const sg_io_hdr_t *h)
{
        const char *p = getenv("SM_SCSI_MOCK_LOG");
        const char *dir = "none";
        FILE *f;

        if (!p || !*p)
                return;
        f = fopen(p, "ae");
        if (!f)
                return;
        fprintf(f, "cdb=");
        for (unsigned i = 0; i < h->cmd_len; i++)
                fprintf(f, "%s%02x", i ? " " : "", h->cmdp[i]);
        if (h->dxfer_direction == SG_DXFER_FROM_DEV)
                dir = "in";
        else if (h->dxfer_direction == SG_DXFER_TO_DEV)
                dir = "out";
        fprintf(f, " dir=%s len=%u timeout_ms=%u\n", dir, h->dxfer_len, h->timeout);
        fclose(f);
}

/* Read the answer file (at most max bytes); -1 if there is none. */
static long answer(const char *name, uint8_t *buf, size_t max)
{
        int (*real)(const char *, int, ...) = next("open");
        const char *dir = getenv("SM_SCSI_MOCK_DIR");
        char path[4096];
        size_t got = 0;
        ssize_t n;
        int fd;

        if (!dir || !*dir)
                return -1;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = real(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        while (got < max && (n = read(fd, buf + got, max - got)) > 0)
                got += (size_t)n;
        close(fd);
        return (long)got;
}

static void check_condition(sg_io_hdr_t *h, uint8_t key, uint8_t asc, uint8_t ascq)
{
        uint8_t sense[18] = {0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0};
        unsigned n = h->mx_sb_len < sizeof(sense) ? h->mx_sb_len : sizeof(sense);

        if (h->sbp && n)
                memcpy(h->sbp, sense, n);
        h->sb_len_wr = (unsigned char)n;
        h->status = 0x02; /* CHECK CONDITION */
        h->masked_status = 0x01;
        h->driver_status = 0x08; /* DRIVER_SENSE */
        h->info |= SG_INFO_CHECK;
        h->resid = (int)h->dxfer_len;
}

/* SM_SCSI_MOCK_CHECK entries matching this command. */
static int injected(sg_io_hdr_t *h, uint8_t op, uint8_t pg, uint8_t sub)
{
        const char *s = getenv("SM_SCSI_MOCK_CHECK");

        while (s && *s) {
                unsigned o, p, q, k, a, b;

                if (sscanf(s, "%x:%x:%x=%x/%x/%x", &o, &p, &q, &k, &a, &b) == 6 && o == op &&
                    p == pg && q == sub) {
                        check_condition(h, (uint8_t)k, (uint8_t)a, (uint8_t)b);
                        return 1;
                }
                s = strchr(s, ',');
                if (s)
                        s++;
        }
        return 0;
}

static int sg_io(sg_io_hdr_t *h)
{
        const char *fail = getenv("SM_SCSI_MOCK_FAIL");
        uint8_t resp[65536];
        const uint8_t *c = h->cmdp;
        uint8_t op, pg = 0, sub = 0;
        unsigned alloc = 0;
        char name[32];
        long n;

        if (h->interface_id != 'S' || !c || h->cmd_len < 6) {
                errno = EINVAL;
                return -1;
        }
        log_cmd(h);
        if (fail && *fail) {
                errno = strcmp(fail, "eperm") == 0    ? EPERM
                        : strcmp(fail, "eacces") == 0 ? EACCES
                        : strcmp(fail, "enodev") == 0 ? ENODEV
                                                      : EIO;
                return -1;
        }
        h->status = h->masked_status = 0;
        h->host_status = h->driver_status = 0;
        h->sb_len_wr = 0;
        h->info = 0;
        h->resid = 0;
        h->duration = 1;
        op = c[0];
        switch (op) {
        case 0x12: /* INQUIRY */
                alloc = (unsigned)(c[3] << 8 | c[4]);
                if (c[1] & 1) {
                        pg = c[2];
                        snprintf(name, sizeof(name), "vpd-%02x", pg);
                } else {
                        snprintf(name, sizeof(name), "inquiry");
                }
                break;
        case 0x4d: /* LOG SENSE */
                pg = c[2] & 0x3f;
                sub = c[3];
                alloc = (unsigned)(c[7] << 8 | c[8]);
                snprintf(name, sizeof(name), "log-%02x-%02x", pg, sub);
                break;
        case 0x5a: /* MODE SENSE(10) */
                pg = c[2] & 0x3f;
                sub = c[3];
                alloc = (unsigned)(c[7] << 8 | c[8]);
                snprintf(name, sizeof(name), "mode-%02x", pg);
                break;
        case 0x37: /* READ DEFECT DATA(10) */
                alloc = (unsigned)(c[7] << 8 | c[8]);
                snprintf(name, sizeof(name), "defect10");
                break;
        default:
                if (!injected(h, op, 0, 0))
                        check_condition(h, 0x05, 0x20, 0x00);
                return 0;
        }
        if (injected(h, op, pg, sub))
                return 0;
        n = answer(name, resp, sizeof(resp));
        if (n < 0) {
                check_condition(h, 0x05, 0x24, 0x00);
                return 0;
        }
        if ((unsigned long)n > alloc)
                n = (long)alloc;
        if ((unsigned long)n > h->dxfer_len)
                n = (long)h->dxfer_len;
        if (h->dxferp && n > 0)
                memcpy(h->dxferp, resp, (size_t)n);
        h->resid = (int)(h->dxfer_len - (unsigned)n);
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
