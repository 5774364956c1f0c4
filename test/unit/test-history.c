/* SPDX-License-Identifier: MIT */
/*
 * test-history - the per-drive history store: buckets, bounds, the file
 * format (round trip, every way a file can be bad), atomic replacement and
 * crash safety (a writer killed with SIGKILL at random points leaves the last
 * good file and nothing partial).
 *
 * Expected values are worked out by hand from the rules in history.h.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/history.h"
#include "test/check.h"

#define T0 1699920000 /* 2023-11-14 00:00:00 UTC, a day boundary */

static struct sm_history h, g;

static struct sm_hist_sample sample(int64_t t, double temp, uint64_t written)
{
        struct sm_hist_sample s = {.t = t};

        sm_hist_set_temp(&s, temp);
        sm_hist_set_written(&s, written);
        sm_hist_set_power_on(&s, (uint64_t)(t - T0) + 86400);
        sm_hist_set_life(&s, 0.07);
        return s;
}

static void test_buckets(void)
{
        struct sm_hist_sample s;

        sm_history_init(&h, "wwn:eui.0025388b71b23ac8", "node-a");
        /* 00:00, 00:20, 00:40 fold into one hour; the temperature maximum is 45. */
        s = sample(T0, 40, 1000);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_NEW_HOUR, "first sample starts an hour");
        s = sample(T0 + 1200, 45, 2000);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_MERGED, "same hour merges");
        s = sample(T0 + 2400, 41, 3000);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_MERGED, "same hour merges");
        CHECK_U64(h.n_hourly, 1, "one hourly sample");
        CHECK_U64(h.n_daily, 1, "one daily sample");
        CHECK_U64(h.hourly[0].t, T0 + 2400, "hour sample keeps the last time");
        CHECK_U64(h.hourly[0].written_bytes, 3000, "hour sample keeps the last value");
        CHECK(h.hourly[0].temp_max_c == 45, "temperature max 45, got %d", h.hourly[0].temp_max_c);
        /* 01:00 starts the second hour, same day. */
        s = sample(T0 + 3600, 39, 4000);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_NEW_HOUR, "01:00 new hour");
        CHECK_U64(h.n_hourly, 2, "two hourly samples");
        CHECK_U64(h.n_daily, 1, "still one day");
        CHECK(h.daily[0].temp_max_c == 45, "day max 45, got %d", h.daily[0].temp_max_c);
        CHECK(h.hourly[1].temp_max_c == 39, "second hour max 39");
        /* A clock stepped back is ignored. */
        s = sample(T0 + 3000, 99, 9000);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_OLDER, "older sample ignored");
        CHECK_U64(sm_history_last(&h)->written_bytes, 4000, "older sample left no trace");
        /* Bytes written going down (another drive's counters): the history restarts. */
        s = sample(T0 + 7200, 30, 10);
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_RESET, "counter went backwards");
        CHECK_U64(h.n_hourly, 1, "reset: one hourly sample");
        CHECK_U64(h.n_daily, 1, "reset: one daily sample");
        CHECK_U64(h.created, T0 + 7200, "reset: created now");
        /* Power-on time half an hour lower is rounding, not a reset; two hours lower is. */
        s = sample(T0 + 10800, 30, 10);
        s.power_on_s = sm_history_last(&h)->power_on_s - 1800;
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_NEW_HOUR, "power-on within an hour");
        s = sample(T0 + 14400, 30, 10);
        s.power_on_s = sm_history_last(&h)->power_on_s - 7200;
        CHECK(sm_history_add(&h, &s) == SM_HIST_ADD_RESET, "power-on two hours back");
}

static void test_bounds(void)
{
        struct sm_hist_sample s;
        uint8_t *buf = malloc(SM_HIST_MAX_FILE);
        size_t len;

        /* Four years of 20-minute collections: 14 days hourly, 3 years daily. */
        sm_history_init(&h, "wwn:0x5002538e40a0b1c2", "node-a");
        for (int64_t t = T0; t < T0 + 4 * 365 * 86400LL; t += 1200) {
                s = sample(t, 40, (uint64_t)(t - T0));
                sm_history_add(&h, &s);
        }
        CHECK_U64(h.n_hourly, SM_HIST_HOURLY, "hourly ring full at 336");
        CHECK_U64(h.n_daily, SM_HIST_DAILY, "daily ring full at 1096");
        /* Newest hourly: the last collection, 4*365 days - 20 min after T0. */
        CHECK_U64(h.hourly[SM_HIST_HOURLY - 1].t, T0 + 4 * 365 * 86400LL - 1200, "newest hour");
        /* Oldest hourly: 335 hours before the newest's hour, at its 40th minute. */
        CHECK_U64(h.hourly[0].t, T0 + 4 * 365 * 86400LL - 336 * 3600 + 2400, "oldest hour");
        /* Oldest daily: 1095 days before the last day, its last collection (23:40). */
        CHECK_U64(h.daily[0].t, T0 + (4 * 365 - 1096) * 86400LL + 86400 - 1200, "oldest day");
        CHECK(buf != NULL, "malloc");
        len = sm_history_encode(&h, buf);
        /* 224 + (336 + 1096) * 40 + 4 */
        CHECK_U64(len, 57508, "full file size");
        CHECK_U64(SM_HIST_MAX_FILE, 57508, "declared bound");
        CHECK(sm_history_decode(buf, len, h.key, "node-a", &g, NULL, 0) == 0, "round trip");
        CHECK(memcmp(&g, &h, sizeof(h)) == 0, "decoded equals encoded");
        free(buf);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_crc(uint8_t *buf, size_t len)
{
        put_le32(buf + len - 4, (uint32_t)crc32(0L, buf, (uInt)(len - 4)));
}

static void test_decode_errors(void)
{
        struct sm_hist_sample s;
        uint8_t buf[SM_HIST_MAX_FILE + 8], copy[sizeof(buf)];
        char why[128];
        size_t len;

        sm_history_init(&h, "ms:Samsung SSD 970:S4EW0002", "node-a");
        for (int k = 0; k < 30; k++) {
                s = sample(T0 + k * 3600LL, 40, (uint64_t)k);
                sm_history_add(&h, &s);
        }
        len = sm_history_encode(&h, buf);
        /* 224 + (30 hourly + 2 daily) * 40 + 4 */
        CHECK_U64(len, 1508, "30 hours over two days");

        /* Layout written from the format description in history.h, not from the encoder. */
        CHECK(memcmp(buf, "SSDMHIST", 8) == 0, "magic");
        CHECK(buf[8] == 1 && buf[9] == 0, "version 1 LE");
        CHECK(buf[12] == 40, "record size 40");
        CHECK(buf[16] == (336 & 0xff) && buf[17] == (336 >> 8), "hourly capacity 336");
        CHECK(buf[20] == 30 && buf[22] == 2, "counts 30 and 2");
        CHECK(strcmp((const char *)buf + 32, "node-a") == 0, "node at 32");
        CHECK(strcmp((const char *)buf + 96, "ms:Samsung SSD 970:S4EW0002") == 0, "key at 96");
        /* first record: t = T0 little-endian at 224 */
        CHECK(buf[224] == (T0 & 0xff) && buf[225] == ((T0 >> 8) & 0xff), "first t");
        /* life 0.07 = 700 at record offset 32 */
        CHECK(buf[224 + 32] == (700 & 0xff) && buf[224 + 33] == (700 >> 8), "life 700");
        CHECK(buf[224 + 36] == 40, "temperature 40");

        CHECK(sm_history_decode(buf, len, h.key, "node-a", &g, why, sizeof(why)) == 0, "valid");
        CHECK(sm_history_decode(buf, len, NULL, NULL, &g, why, sizeof(why)) == 0, "no checks");

        /* Every truncation is refused. */
        for (size_t l = 0; l < len; l += 7)
                CHECK(sm_history_decode(buf, l, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG,
                      "truncated to %zu", l);
        /* Every single bit flip is refused (CRC-32 catches all of them). */
        for (size_t i = 0; i < len; i++) {
                memcpy(copy, buf, len);
                copy[i] ^= (uint8_t)(1u << (i % 8));
                int r = sm_history_decode(copy, len, h.key, "node-a", &g, why, sizeof(why));
                CHECK(r == -EBADMSG, "flip at %zu: %d", i, r);
        }
        /* Trailing garbage. */
        memcpy(copy, buf, len);
        copy[len] = 0;
        CHECK(sm_history_decode(copy, len + 1, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG,
              "trailing byte");
        /* A future version with a valid checksum. */
        memcpy(copy, buf, len);
        copy[8] = 2;
        fix_crc(copy, len);
        CHECK(sm_history_decode(copy, len, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG,
              "version 2");
        CHECK(strstr(why, "version") != NULL, "why names the version: %s", why);
        /* Counts over capacity with a valid checksum. */
        memcpy(copy, buf, len);
        copy[21] = 0xff;
        fix_crc(copy, len);
        CHECK(sm_history_decode(copy, len, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG,
              "count over capacity");
        /* Samples out of order with a valid checksum: swap the first two records' times. */
        memcpy(copy, buf, len);
        memcpy(copy + 224, buf + 264, 8);
        memcpy(copy + 264, buf + 224, 8);
        fix_crc(copy, len);
        CHECK(sm_history_decode(copy, len, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG,
              "out of order");
        /* Another node's file, another drive's file. */
        CHECK(sm_history_decode(buf, len, h.key, "node-b", &g, why, sizeof(why)) == -EXDEV,
              "other node");
        CHECK(strstr(why, "node-a") != NULL, "why names the node: %s", why);
        CHECK(sm_history_decode(buf, len, "wwn:x", "node-a", &g, why, sizeof(why)) == -ESTALE,
              "other drive");
        /* Random bytes. */
        srand(14);
        for (size_t i = 0; i < len; i++)
                copy[i] = (uint8_t)rand();
        CHECK(sm_history_decode(copy, len, NULL, NULL, &g, why, sizeof(why)) == -EBADMSG,
              "random bytes");
}

static void test_names(void)
{
        char key[SM_HIST_KEY_MAX], name[160], name2[160];

        CHECK(sm_history_key("eui.0025388b71b23ac8", "M", "S", key, sizeof(key)) == 0, "wwn");
        CHECK_STR(key, "wwn:eui.0025388b71b23ac8", "wwn key");
        CHECK(sm_history_key("", "INTEL SSDSC2KB480G8", "PHYF0001", key, sizeof(key)) == 0, "ms");
        CHECK_STR(key, "ms:INTEL SSDSC2KB480G8:PHYF0001", "model+serial key");
        CHECK(sm_history_key("", "M", "", key, sizeof(key)) == -ENOENT, "no identity");
        CHECK(sm_history_key(NULL, NULL, NULL, key, sizeof(key)) == -ENOENT, "no identity");

        /* crc32("ms:INTEL SSDSC2KB480G8:PHYF0001"), python: zlib.crc32(b"...") */
        CHECK(sm_history_file_name(key, name, sizeof(name)) == 0, "name");
        char want[160];
        snprintf(want, sizeof(want), "ms_INTEL_SSDSC2KB480G8_PHYF0001-%08lx.hist",
                 (unsigned long)crc32(0L, (const Bytef *)key, (uInt)strlen(key)));
        CHECK_STR(name, want, "sanitized name");
        /* Path tricks stay one harmless name. */
        CHECK(sm_history_file_name("../../etc/passwd", name, sizeof(name)) == 0, "dots");
        CHECK(strchr(name, '/') == NULL && name[0] != '.', "no slash, no leading dot: %s", name);
        /* Two keys that sanitize alike still differ. */
        CHECK(sm_history_file_name("ms:a b:1", name, sizeof(name)) == 0, "a b");
        CHECK(sm_history_file_name("ms:a_b:1", name2, sizeof(name2)) == 0, "a_b");
        CHECK(strcmp(name, name2) != 0, "distinct: %s %s", name, name2);
        /* A long key is cut to 80 sanitized bytes + "-xxxxxxxx.hist". */
        memset(key, 'k', 120);
        key[120] = '\0';
        CHECK(sm_history_file_name(key, name, sizeof(name)) == 0, "long");
        CHECK_U64(strlen(name), 80 + 1 + 8 + 5, "long name length");
}

static char dir[256];

static int count_entries(void)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        int n = 0;

        while (d && (e = readdir(d)) != NULL)
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                        n++;
        if (d)
                closedir(d);
        return n;
}

static void fill(struct sm_history *x, int hours)
{
        struct sm_hist_sample s;

        sm_history_init(x, "wwn:0x5000000000000001", "node-a");
        for (int k = 0; k < hours; k++) {
                s = sample(T0 + k * 3600LL, 40, (uint64_t)k);
                sm_history_add(x, &s);
        }
}

static void test_files(int dfd)
{
        char why[128], name[160], path[512];
        int fd;

        fill(&h, 100);
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == -ENOENT, "none yet");
        CHECK(sm_history_save(dfd, &h) == 0, "save");
        CHECK(count_entries() == 1, "one file, no temp left: %d", count_entries());
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == 0, "load: %s", why);
        CHECK(memcmp(&g, &h, sizeof(h)) == 0, "loaded equals saved");
        sm_history_file_name(h.key, name, sizeof(name));
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        struct stat st;
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");

        /* A truncated file on disk. */
        CHECK(truncate(path, 1000) == 0, "truncate");
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG,
              "truncated file");
        /* Replaced by the next save. */
        CHECK(sm_history_save(dfd, &h) == 0, "save over corrupt");
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == 0, "good again");
        /* An oversized file. */
        fd = open(path, O_WRONLY | O_APPEND);
        CHECK(fd >= 0, "open");
        {
                static const char junk[1000];

                for (int i = 0; i < 60; i++)
                        CHECK(write(fd, junk, sizeof(junk)) == 1000, "append");
        }
        close(fd);
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG, "oversized");
        /* Not a regular file: a FIFO is refused without blocking. */
        unlink(path);
        CHECK(mkfifo(path, 0600) == 0, "mkfifo");
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == -EBADMSG, "fifo");
        unlink(path);
        /* A symlink is not followed. */
        CHECK(symlink("/etc/passwd", path) == 0, "symlink");
        CHECK(sm_history_load(dfd, h.key, "node-a", &g, why, sizeof(why)) == -ELOOP, "symlink");
        CHECK(sm_history_save(dfd, &h) == 0, "save replaces the symlink");
        CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "a regular file now");
        /* Leftover temp files are cleaned, others left alone. */
        snprintf(path, sizeof(path), "%s/.%s.tmp", dir, name);
        fd = open(path, O_WRONLY | O_CREAT, 0600);
        close(fd);
        snprintf(path, sizeof(path), "%s/.other.tmp", dir);
        fd = open(path, O_WRONLY | O_CREAT, 0600);
        close(fd);
        CHECK(sm_history_clean_dir(dfd) == 1, "one temp removed");
        CHECK(count_entries() == 2, "history and the unrelated file remain");
        unlink(path);
}

/*
 * Crash safety: a child saves two different histories (100 and 200 hours)
 * in turn as fast as it can; the parent kills it with SIGKILL after a random
 * delay. Afterwards the file must load and be one of the two, and after
 * cleaning no temp file may remain. 60 kills at random points of the cycle.
 */
static void test_crash(int dfd)
{
        static struct sm_history a, b;
        char why[128];
        int good = 0, both[2] = {0, 0};

        fill(&a, 100);
        fill(&b, 200);
        CHECK(sm_history_save(dfd, &a) == 0, "initial save");
        srand((unsigned)time(NULL));
        for (int round = 0; round < 60; round++) {
                pid_t pid = fork();

                if (pid == 0) {
                        for (;;) {
                                sm_history_save(dfd, &b);
                                sm_history_save(dfd, &a);
                        }
                }
                struct timespec ts = {0, (long)(rand() % 20000) * 1000};
                nanosleep(&ts, NULL);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);

                int r = sm_history_load(dfd, a.key, "node-a", &g, why, sizeof(why));
                if (r == 0 && (g.n_hourly == a.n_hourly || g.n_hourly == b.n_hourly)) {
                        good++;
                        both[g.n_hourly == b.n_hourly]++;
                } else {
                        CHECK(0, "round %d: load %d (%s), %u hours", round, r, why, g.n_hourly);
                }
                sm_history_clean_dir(dfd);
                CHECK(count_entries() == 1, "round %d: only the history file", round);
        }
        CHECK(good == 60, "all 60 kills left a good history (%d)", good);
        printf("crash: %d rounds ended on the 100-hour file, %d on the 200-hour one\n", both[0],
               both[1]);
}

/*
 * A full and a read-only state directory: a 96 KiB tmpfs in a private mount
 * namespace (24 pages). A full history is 57508 bytes = 15 pages of 4 KiB, a 100-hour one
 * 4428 bytes = 2 pages: the first full history fits next to a small one (17 pages),
 * a second does not. A failed save leaves both old files as they were and no
 * temp file.
 */
static int test_small_fs(void)
{
        static struct sm_history full, small, big2;
        char why[128];
        int dfd, r;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                printf("SKIP: no private mount namespace (%s)\n", strerror(errno));
                return 77;
        }
        snprintf(dir, sizeof(dir), "/tmp/test-history-fs.XXXXXX");
        if (mkdtemp(dir) == NULL || mount("tmpfs", dir, "tmpfs", 0, "size=96k,mode=0700") < 0) {
                printf("SKIP: cannot mount a tmpfs (%s)\n", strerror(errno));
                return 77;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY);

        sm_history_init(&small, "wwn:small", "node-a");
        sm_history_init(&full, "wwn:full", "node-a");
        sm_history_init(&big2, "wwn:small", "node-a");
        for (int64_t t = T0; t < T0 + 4 * 365 * 86400LL; t += 3600) {
                struct sm_hist_sample x = sample(t, 40, (uint64_t)(t - T0));

                sm_history_add(&full, &x);
                sm_history_add(&big2, &x);
                if (t < T0 + 100 * 3600)
                        sm_history_add(&small, &x);
        }
        CHECK(sm_history_save(dfd, &small) == 0, "small fits");
        CHECK(sm_history_save(dfd, &full) == 0, "one full history fits");
        r = sm_history_save(dfd, &big2);
        CHECK(r == -ENOSPC, "a second full one does not: %d (%s)", r, strerror(-r));
        CHECK(count_entries() == 2, "no temp file left after ENOSPC: %d", count_entries());
        CHECK(sm_history_load(dfd, "wwn:small", "node-a", &g, why, sizeof(why)) == 0 &&
                      g.n_hourly == 100,
              "the old small history is intact: %s", why);
        CHECK(sm_history_load(dfd, "wwn:full", "node-a", &g, why, sizeof(why)) == 0 &&
                      memcmp(&g, &full, sizeof(g)) == 0,
              "the full history is intact: %s", why);

        CHECK(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0, "remount ro: %s",
              strerror(errno));
        r = sm_history_save(dfd, &small);
        CHECK(r == -EROFS, "read-only: %d (%s)", r, strerror(-r));
        CHECK(sm_history_load(dfd, "wwn:small", "node-a", &g, why, sizeof(why)) == 0,
              "loads from a read-only dir");
        CHECK(sm_history_clean_dir(dfd) == 0, "nothing to clean, no error on ro");
        close(dfd);
        umount(dir);
        rmdir(dir);
        return check_summary();
}

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "fs") == 0)
                return test_small_fs();
        const char *base = getenv("SM_BUILD_ROOT");
        int dfd;

        test_buckets();
        test_bounds();
        test_decode_errors();
        test_names();

        snprintf(dir, sizeof(dir), "%s/test-history.XXXXXX", base ? base : "/tmp");
        if (mkdtemp(dir) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY);
        test_files(dfd);
        test_crash(dfd);
        sm_history_clean_dir(dfd);
        {
                char name[160], path[512];

                sm_history_file_name("wwn:0x5000000000000001", name, sizeof(name));
                snprintf(path, sizeof(path), "%s/%s", dir, name);
                unlink(path);
        }
        close(dfd);
        rmdir(dir);
        return check_summary();
}
