/* SPDX-License-Identifier: MIT */
#include "replay.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/util.h"

#define MAX_REPLAY_DEVICES 4096

static const char nvme_suffix[] = ".smart-log";
static const char idctrl_suffix[] = ".id-ctrl";
static const char scsi_suffix[] = ".scsi";

static bool has_suffix(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lx = strlen(suffix);

        return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

/* An ATA blob starts with one of libatasmart's record tags. */
static bool is_ata_blob(int dirfd, const char *name)
{
        static const char *const tags[] = {"IDFY", "SMST", "SMDT", "SMTH"};
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char head[4];

        if (fd < 0 || read(fd, head, sizeof(head)) != (ssize_t)sizeof(head))
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
                if (memcmp(head, tags[i], 4) == 0)
                        return true;
        }
        return false;
}

/* The device name of a capture file: its name without the suffix. */
static int set_stem(struct sm_device_id *id, const char *file, const char *suffix)
{
        size_t stem = strlen(file) - strlen(suffix);

        if (stem >= sizeof(id->name))
                return -ENAMETOOLONG;
        memcpy(id->name, file, stem);
        id->name[stem] = '\0';
        return 0;
}

static int fill_entry(const char *dir, int dirfd, const char *file, struct sm_device_id *id)
{
        struct stat st;

        memset(id, 0, sizeof(*id));
        id->replay = true;
        id->cls = SM_CLASS_SSD;
        sm_strlcpy(id->bus, "replay", sizeof(id->bus));
        if (sm_path_join(id->devnode, sizeof(id->devnode), dir, file, NULL) < 0)
                return -ENAMETOOLONG;

        if (has_suffix(file, nvme_suffix)) {
                if (set_stem(id, file, nvme_suffix) < 0)
                        return -ENAMETOOLONG;
                id->proto = SM_PROTO_NVME;
                if (sm_path_join(id->aux, sizeof(id->aux), dir, id->name, idctrl_suffix) < 0)
                        return -ENAMETOOLONG;
                if (fstatat(dirfd, id->aux + strlen(dir) + 1, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        id->aux[0] = '\0';
                return 0;
        }
        if (has_suffix(file, scsi_suffix)) {
                if (set_stem(id, file, scsi_suffix) < 0)
                        return -ENAMETOOLONG;
                id->proto = SM_PROTO_SCSI; /* class follows VPD B1h once read */
                return 0;
        }
        if (!sm_strlcpy(id->name, file, sizeof(id->name)))
                return -ENAMETOOLONG;
        id->proto = SM_PROTO_ATA;
        /* Class follows the capture's IDENTIFY rotation rate once it has been read. */
        return 0;
}

static int cmp_id(const void *a, const void *b)
{
        return strcmp(((const struct sm_device_id *)a)->name,
                      ((const struct sm_device_id *)b)->name);
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

int sm_replay_scan(const char *dir, struct sm_device_id **ret, size_t *ret_n, char *err,
                   size_t errlen)
{
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_free_ struct sm_device_id *ids = NULL;
        size_t n = 0, skipped = 0;
        struct dirent *de;

        if (errlen)
                err[0] = '\0';
        if (!d) {
                int e = errno;

                return sm_errf(err, errlen, -e, "cannot open replay directory '%s': %s", dir,
                               strerror(e));
        }
        while ((de = readdir(d)) != NULL) {
                struct sm_device_id id;
                struct stat st;
                int r;

                if (de->d_name[0] == '.' || has_suffix(de->d_name, idctrl_suffix))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                /* A <stem>.scsi directory holds one SCSI device's sg3-utils captures. */
                if (S_ISDIR(st.st_mode) && has_suffix(de->d_name, scsi_suffix))
                        goto add;
                /* A named pipe may stand for an NVMe capture (tests feed slow "drives"). */
                if (!S_ISREG(st.st_mode) &&
                    !(S_ISFIFO(st.st_mode) && has_suffix(de->d_name, nvme_suffix)))
                        continue;
                if (!has_suffix(de->d_name, nvme_suffix) && !is_ata_blob(dirfd(d), de->d_name))
                        continue;
        add:
                r = fill_entry(dir, dirfd(d), de->d_name, &id);
                if (r < 0) {
                        /* One bad name must not hide the other captures. */
                        if (skipped++ == 0)
                                snprintf(err, errlen,
                                         "replay capture '%s/%s': name too long (device names "
                                         "have at most %zu characters); skipped",
                                         dir, de->d_name, sizeof(id.name) - 1);
                        continue;
                }
                if (n == MAX_REPLAY_DEVICES) {
                        return sm_errf(err, errlen, -E2BIG,
                                       "replay directory '%s' has more than %d captures", dir,
                                       MAX_REPLAY_DEVICES);
                }
                if (n % 64 == 0) {
                        struct sm_device_id *p = realloc(ids, (n + 64) * sizeof(*ids));

                        if (!p)
                                return -ENOMEM;
                        ids = p;
                }
                ids[n++] = id;
        }
        if (skipped > 1) {
                size_t len = strnlen(err, errlen);

                snprintf(err + len, errlen - len, " (and %zu more)", skipped - 1);
        }
        if (n > 0)
                qsort(ids, n, sizeof(*ids), cmp_id);
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}
