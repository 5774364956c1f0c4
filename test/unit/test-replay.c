/* SPDX-License-Identifier: MIT */
/*
 * test-replay.c - sm_replay_scan on directories built here: ATA blobs are
 * recognised by their leading libatasmart record tag, NVMe captures by the
 * .smart-log suffix (with an optional .id-ctrl), everything else is ignored,
 * names come back sorted, and a name that does not fit is skipped with a warning.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/replay.h"
#include "test/check.h"

static char root[256];

static void put(const char *dir, const char *name, const void *data, size_t len)
{
        char path[1024];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (!f) {
                perror(path);
                exit(2);
        }
        if (len && fwrite(data, 1, len, f) != len)
                exit(2);
        fclose(f);
}

/* A blob whose first record tag is tag (the scan only sniffs the first 4 bytes). */
static void put_blob(const char *dir, const char *name, const char *tag)
{
        char data[8 + 512];

        memset(data, 0, sizeof(data));
        memcpy(data, tag, 4);
        data[6] = 0x02; /* big-endian length 512 */
        put(dir, name, data, sizeof(data));
}

static char *subdir(const char *name)
{
        static char path[4][512];
        static int k;
        char *p = path[k++ % 4];

        snprintf(p, sizeof(path[0]), "%s/%s", root, name);
        if (mkdir(p, 0755) < 0) {
                perror(p);
                exit(2);
        }
        return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static void test_mixed(void)
{
        const char *dir = subdir("mixed");
        static const char *const want[] = {"nvme0n1", "nvme1n1", "sda", "sdb",
                                           "sdc",     "sdd",     "slow"};
        char nvme[512] = {0}, idctrl[4096] = {0}, path[1024];
        struct sm_device_id *ids = NULL;
        size_t n = 0;
        char err[256] = "";
        int r;

        /* Written in an order unlike the expected one. */
        put_blob(dir, "sdd", "SMTH");
        put_blob(dir, "sdb", "SMST");
        put_blob(dir, "sda", "IDFY");
        put_blob(dir, "sdc", "SMDT");
        put(dir, "nvme1n1.smart-log", nvme, sizeof(nvme));
        put(dir, "nvme0n1.smart-log", nvme, sizeof(nvme));
        put(dir, "nvme0n1.id-ctrl", idctrl, sizeof(idctrl));
        /* Ignored: text, hidden, too short, wrong tag, lone id-ctrl, directory, symlink. */
        put(dir, "README.md", "# captures\n", 11);
        put_blob(dir, ".hidden", "IDFY");
        put(dir, "short", "IDF", 3);
        put(dir, "empty", "", 0);
        put_blob(dir, "idfy-lowercase", "idfy");
        put_blob(dir, "other", "XXXX");
        put(dir, "orphan.id-ctrl", idctrl, sizeof(idctrl));
        snprintf(path, sizeof(path), "%s/adir", dir);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/alink", dir);
        CHECK(symlink("sda", path) == 0, "symlink");
        /* A named pipe counts only as an NVMe capture. */
        snprintf(path, sizeof(path), "%s/slow.smart-log", dir);
        CHECK(mkfifo(path, 0600) == 0, "mkfifo");
        snprintf(path, sizeof(path), "%s/fifo-ata", dir);
        CHECK(mkfifo(path, 0600) == 0, "mkfifo");

        r = sm_replay_scan(dir, &ids, &n, err, sizeof(err));
        CHECK(r == 0, "scan: %d %s", r, err);
        CHECK_U64(n, sizeof(want) / sizeof(want[0]), "captures found");
        for (size_t i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
                const struct sm_device_id *id = &ids[i];
                bool is_nvme = strncmp(want[i], "nvme", 4) == 0 || strcmp(want[i], "slow") == 0;
                char devnode[1024], aux[1024];

                CHECK_STR(id->name, want[i], "sorted name");
                CHECK(id->replay, "%s: replay flag", id->name);
                CHECK_STR(id->bus, "replay", id->name);
                CHECK(id->proto == (is_nvme ? SM_PROTO_NVME : SM_PROTO_ATA), "%s: proto %d",
                      id->name, id->proto);
                snprintf(devnode, sizeof(devnode), "%s/%s%s", dir, want[i],
                         is_nvme ? ".smart-log" : "");
                CHECK_STR(id->devnode, devnode, "devnode");
                snprintf(aux, sizeof(aux), "%s/nvme0n1.id-ctrl", dir);
                CHECK_STR(id->aux, strcmp(want[i], "nvme0n1") == 0 ? aux : "", "aux");
        }
        free(ids);
}

static void test_errors(void)
{
        struct sm_device_id *ids = (struct sm_device_id *)&ids; /* must stay untouched */
        size_t n = 12345;
        char err[256] = "";
        char name[128];
        const char *dir;
        int r;

        /* Missing directory. */
        r = sm_replay_scan("/nonexistent/replay/dir", &ids, &n, err, sizeof(err));
        CHECK(r == -ENOENT && strstr(err, "/nonexistent/replay/dir"), "missing dir: %d %s", r, err);
        CHECK(n == 12345, "ret_n untouched on failure");

        /* Empty directory: no captures is not an error. */
        dir = subdir("empty");
        r = sm_replay_scan(dir, &ids, &n, err, sizeof(err));
        CHECK(r == 0 && n == 0, "empty dir: %d %zu", r, n);
        free(ids);

        /* 63 characters fit the device name; 64 do not. */
        dir = subdir("name63");
        memset(name, 'a', 63);
        name[63] = '\0';
        put_blob(dir, name, "IDFY");
        r = sm_replay_scan(dir, &ids, &n, err, sizeof(err));
        CHECK(r == 0 && n == 1 && strlen(ids[0].name) == 63, "63-char name: %d %s", r, err);
        free(ids);

        /* A name that does not fit is skipped with a warning; the rest is served. */
        dir = subdir("name64");
        memset(name, 'b', 64);
        name[64] = '\0';
        put_blob(dir, name, "IDFY");
        put_blob(dir, "fine", "IDFY");
        err[0] = '\0';
        r = sm_replay_scan(dir, &ids, &n, err, sizeof(err));
        CHECK(r == 0 && n == 1 && strcmp(ids[0].name, "fine") == 0, "64-char ATA name: %d %zu", r,
              n);
        CHECK(strstr(err, name) && strstr(err, "too long") && strstr(err, "skipped"), "warning: %s",
              err);
        free(ids);

        dir = subdir("nvme64");
        memset(name, 'c', 64);
        strcpy(name + 64, ".smart-log");
        put(dir, name, "", 0);
        err[0] = '\0';
        r = sm_replay_scan(dir, &ids, &n, err, sizeof(err));
        CHECK(r == 0 && n == 0 && strstr(err, "too long"), "64-char NVMe stem: %d %s", r, err);
        free(ids);

        /* Nothing skipped: no warning. */
        dir = subdir("clean");
        put_blob(dir, "fine", "IDFY");
        strcpy(err, "stale");
        r = sm_replay_scan(dir, &ids, &n, err, sizeof(err));
        CHECK(r == 0 && n == 1 && err[0] == '\0', "clean dir: %d '%s'", r, err);
        free(ids);
}

int main(void)
{
        const char *tmp = getenv("TMPDIR");

        snprintf(root, sizeof(root), "%s/sm-replay-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                return 2;
        }
        test_mixed();
        test_errors();
        nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        return check_summary();
}
