/* SPDX-License-Identifier: MIT */
/* check.h - what the udev tests share: the sandbox, uevent burst size, assertions. */
#ifndef SM_TEST_UDEV_CHECK_H
#define SM_TEST_UDEV_CHECK_H

#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test/check.h"

/*
 * umockdev does not redirect /run/udev, so libudev would merge the HOST's udev
 * database (/run/udev/data/b8:0, ...) into the testbed's devices with the same
 * device numbers. Run the test in a private mount namespace (a user namespace
 * too when not root) with an empty tmpfs on /run: no udevd, no database, the
 * situation of a container without the host's /run/udev. fake_udevd adds an
 * empty /run/udev/data and a /run/udev/control, as when udevd runs (discovery
 * then also listens to the "udev" source; umockdev feeds both).
 * Call first thing in main(), before any thread exists. Returns 0 or -errno.
 */
static inline int write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");
        int r = 0;

        if (!f)
                return -errno;
        if (fputs(text, f) < 0)
                r = -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}

static inline int udev_sandbox(bool fake_udevd)
{
        if (unshare(CLONE_NEWNS) < 0) {
                char map[64];
                unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();

                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        return -errno;
                snprintf(map, sizeof(map), "0 %u 1\n", uid);
                if (write_file("/proc/self/uid_map", map) < 0)
                        return -EPERM;
                (void)write_file("/proc/self/setgroups", "deny");
                snprintf(map, sizeof(map), "0 %u 1\n", gid);
                if (write_file("/proc/self/gid_map", map) < 0)
                        return -EPERM;
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                return -errno;
        if (fake_udevd) {
                if (mkdir("/run/udev", 0755) < 0 || mkdir("/run/udev/data", 0755) < 0)
                        return -errno;
                if (write_file("/run/udev/control", "") < 0)
                        return -EIO;
        }
        return 0;
}

/* Without a sandbox: can the host's udev database collide with a testbed device? */
static inline bool host_udev_db_collides(void)
{
        /* Block device numbers used by test/data/umockdev (chosen to be rare on real hosts). */
        static const char *const ids[] = {
                "b135:0",    "b135:1",    "b135:16",     "b135:32",     "b135:48",    "b135:64",
                "b135:80",   "b135:96",   "b135:112",    "b11:200",     "b7:1000",    "b252:1000",
                "b253:1000", "b254:1000", "b259:900000", "b259:900001", "b259:900004"};
        char path[64];

        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                snprintf(path, sizeof(path), "/run/udev/data/%s", ids[i]);
                if (access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

/* Sandbox or decide to skip: returns 1 sandboxed, 0 run as is, 77 skip. */
static inline int enter_udev_sandbox(bool fake_udevd)
{
        int r = udev_sandbox(fake_udevd);

        if (r == 0)
                return 1;
        fprintf(stderr, "no private mount namespace (%s)\n", strerror(-r));
        if (fake_udevd) {
                fprintf(stderr, "SKIP: cannot fake a running udevd without one\n");
                return 77;
        }
        if (host_udev_db_collides()) {
                fprintf(stderr, "SKIP: the host's /run/udev/data has entries for the testbed's "
                                "device numbers and umockdev does not hide them\n");
                return 77;
        }
        return 0;
}

/*
 * How many uevents may be queued unread before umockdev's sender gives up: half
 * of the kernel's datagram queue length (net.unix.max_dgram_qlen).
 */
static inline int burst_size(void)
{
        FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
        int qlen = 10;

        if (f) {
                if (fscanf(f, "%d", &qlen) != 1)
                        qlen = 10;
                fclose(f);
        }
        return qlen / 2 > 1 ? qlen / 2 : 1;
}

#endif
