/* SPDX-License-Identifier: MIT */
/*
 * ioctl_mock.c - an LD_PRELOAD shim that plays an NVMe controller, in the way
 * libnvme's own test/ioctl/ mock does: it interposes ioctl() and answers
 * NVME_IOCTL_ADMIN_CMD from files, so the real libnvme (and the real nvme-cli)
 * run unchanged on a machine without NVMe hardware.
 *
 * Everything is steered by the environment, read at each call:
 *   SM_NVME_MOCK_DEV      a regular file that plays the controller node. fstat()/stat()
 *                         of it report a character device; admin ioctls on an fd of it
 *                         are answered here. Other fds pass through to the real ioctl.
 *   SM_NVME_MOCK_ALIAS    optional path (e.g. /dev/nvme0) whose open() opens DEV instead.
 *   SM_NVME_MOCK_SMART    file served for Get Log Page, log id 02h.
 *   SM_NVME_MOCK_IDCTRL   file served for Identify, CNS 01h (absent: status 0x4002).
 *   SM_NVME_MOCK_ERRLOG   file served for Get Log Page, log id 01h (Error Information),
 *   SM_NVME_MOCK_SELFTEST file served for log id 06h (Device Self-test); unset: status
 *                         0x4109 (DNR, Invalid Log Page). Log page offsets (CDW12/13)
 *                         are honoured; past the file's end the page reads as zeros.
 *   SM_NVME_MOCK_FAIL     eio | enodev | eperm | eacces | a hex NVMe status (0x4002):
 *                         how to fail instead of answering.
 *   SM_NVME_MOCK_FAIL_OPCODE  only fail this admin opcode (decimal or 0x..); default all.
 *   SM_NVME_MOCK_LOG      append one line per admin command received:
 *                         "opcode=0x02 nsid=0xffffffff cdw10=0x007f8002 cdw11=0x00000000
 *                          cdw12=0x00000000 cdw13=0x00000000 cdw14=0x00000000
 *                          data_len=512 timeout_ms=3000"
 * Commands other than Get Log Page 02h and Identify CNS 01h are logged and
 * refused with status 0x4001 (Invalid Command Opcode), so a test sees them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* The fortified inline open() would clash with the definitions below, and so would
 * open -> open64 / stat -> stat64 redirection: define each symbol under its own name. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS

#include <linux/nvme_ioctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/shim.h"

static void *next(const char *sym)
{
        void *p = dlsym(RTLD_NEXT, sym);

        if (!p) {
                fprintf(stderr, "ioctl_mock: no next %s\n", sym);
                abort();
        }
        return p;
}

/* Is (dev, ino) the mock controller file? */
static int is_mock(dev_t dev, ino_t ino)
{
        int (*real_stat)(const char *, struct stat *) = next("stat");
        const char *p = getenv("SM_NVME_MOCK_DEV");
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
        const char *alias = getenv("SM_NVME_MOCK_ALIAS");
        const char *dev = getenv("SM_NVME_MOCK_DEV");

        if (path && alias && dev && *alias && strcmp(path, alias) == 0)
                return dev;
        return path;
}

int open(const char *path, int flags, ...)
{
        int (*real)(const char *, int, ...) = next("open");
        mode_t mode = SHIM_OPEN_MODE(flags);

        return real(redirect(path), flags, mode);
}

int open64(const char *path, int flags, ...)
{
        int (*real)(const char *, int, ...) = next("open64");
        mode_t mode = SHIM_OPEN_MODE(flags);

        return real(redirect(path), flags, mode);
}

/* The fortified entry points (nvme-cli is built with _FORTIFY_SOURCE). */
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
                        (st)->st_mode = S_IFCHR | 0600;    \
                        (st)->st_rdev = makedev(241, 0);   \
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

static void log_cmd(const struct nvme_passthru_cmd *c)
{
        const char *p = getenv("SM_NVME_MOCK_LOG");
        FILE *f;

        if (!p || !*p)
                return;
        f = fopen(p, "ae");
        if (!f)
                return;
        fprintf(f,
                "opcode=0x%02x nsid=0x%08x cdw10=0x%08x cdw11=0x%08x cdw12=0x%08x "
                "cdw13=0x%08x cdw14=0x%08x data_len=%u timeout_ms=%u\n",
                c->opcode, c->nsid, c->cdw10, c->cdw11, c->cdw12, c->cdw13, c->cdw14, c->data_len,
                c->timeout_ms);
        fclose(f);
}

/* Copy len bytes of a file from offset off to buf (zero-filled past its end); -1 if unreadable. */
static int serve_at(const char *path, uint64_t off, void *buf, uint32_t len)
{
        int (*real)(const char *, int, ...) = next("open");
        ssize_t n;
        size_t got = 0;
        int fd;

        memset(buf, 0, len);
        if (!path || !*path)
                return -1;
        fd = real(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        while (got < len && (n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got))) > 0)
                got += (size_t)n;
        close(fd);
        return 0;
}

static int serve(const char *path, void *buf, uint32_t len)
{
        return serve_at(path, 0, buf, len);
}

static int fail_now(uint8_t opcode, int *ret)
{
        const char *f = getenv("SM_NVME_MOCK_FAIL");
        const char *only = getenv("SM_NVME_MOCK_FAIL_OPCODE");

        if (!f || !*f)
                return 0;
        if (only && *only && strtoul(only, NULL, 0) != opcode)
                return 0;
        if (strcmp(f, "eio") == 0)
                errno = EIO;
        else if (strcmp(f, "enodev") == 0)
                errno = ENODEV;
        else if (strcmp(f, "eperm") == 0)
                errno = EPERM;
        else if (strcmp(f, "eacces") == 0)
                errno = EACCES;
        else {
                *ret = (int)strtoul(f, NULL, 0);
                return 1;
        }
        *ret = -1;
        return 1;
}

static int admin(struct nvme_passthru_cmd *c)
{
        void *data = (void *)(uintptr_t)c->addr;
        int r;

        log_cmd(c);
        if (fail_now(c->opcode, &r))
                return r;
        c->result = 0;
        if (c->opcode == 0x02 && (c->cdw10 & 0xff) == 0x02 && data) {
                if (serve(getenv("SM_NVME_MOCK_SMART"), data, c->data_len) < 0)
                        return 0x4002;
                return 0;
        }
        if (c->opcode == 0x02 && ((c->cdw10 & 0xff) == 0x01 || (c->cdw10 & 0xff) == 0x06) && data) {
                const char *file = getenv((c->cdw10 & 0xff) == 0x01 ? "SM_NVME_MOCK_ERRLOG"
                                                                    : "SM_NVME_MOCK_SELFTEST");
                uint64_t off = (uint64_t)c->cdw13 << 32 | c->cdw12;

                if (!file || !*file || serve_at(file, off, data, c->data_len) < 0)
                        return 0x4109;
                return 0;
        }
        if (c->opcode == 0x06 && (c->cdw10 & 0xff) == 0x01 && data) {
                if (serve(getenv("SM_NVME_MOCK_IDCTRL"), data, c->data_len) < 0)
                        return 0x4002;
                return 0;
        }
        return 0x4001;
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
        if (request == NVME_IOCTL_ADMIN_CMD)
                return admin(arg);
        if (request == NVME_IOCTL_ADMIN64_CMD) {
                struct nvme_passthru_cmd64 *c64 = arg;
                struct nvme_passthru_cmd c;
                int r;

                memset(&c, 0, sizeof(c));
                c.opcode = c64->opcode;
                c.nsid = c64->nsid;
                c.addr = c64->addr;
                c.data_len = c64->data_len;
                c.cdw10 = c64->cdw10;
                c.cdw11 = c64->cdw11;
                c.cdw12 = c64->cdw12;
                c.cdw13 = c64->cdw13;
                c.cdw14 = c64->cdw14;
                c.cdw15 = c64->cdw15;
                c.timeout_ms = c64->timeout_ms;
                r = admin(&c);
                c64->result = c.result;
                return r;
        }
        /* Anything else on the fake controller (NVME_IOCTL_ID, resets, ...): refuse. */
        errno = ENOTTY;
        return -1;
}
