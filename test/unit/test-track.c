/* SPDX-License-Identifier: MIT */
/*
 * test-track - the agent's history tracker: histories survive a restart
 * through the state directory, a corrupt or foreign file is reported once and
 * replaced, and (mode "fs", in a private mount namespace) a read-only state
 * directory degrades to in-memory history with exactly one warning, and
 * writing resumes with one line when the directory is writable again.
 *
 * The agent's log goes to stderr; the test points stderr at a file and counts lines.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "agent/track.h"
#include "lib/log.h"
#include "test/check.h"

#define T0 1699920000LL

static char dir[256], logpath[300];
static int saved_stderr = -1;

static void log_to_file(void)
{
        int fd;

        snprintf(logpath, sizeof(logpath), "%s.log", dir);
        fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        fflush(stderr);
        saved_stderr = dup(2);
        dup2(fd, 2);
        close(fd);
}

/* Lines of the log so far containing what. */
static int log_count(const char *what)
{
        FILE *f;
        char line[512];
        int n = 0;

        fflush(stderr);
        f = fopen(logpath, "r");
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, what))
                        n++;
        if (f)
                fclose(f);
        return n;
}

static void log_restore(void)
{
        FILE *f;
        char line[512];

        fflush(stderr);
        dup2(saved_stderr, 2);
        close(saved_stderr);
        /* The checks' FAIL lines went to the log too: show them. */
        f = fopen(logpath, "r");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "FAIL ", 5) == 0)
                        fputs(line, stderr);
        if (f)
                fclose(f);
        unlink(logpath);
}

static struct sm_hist_sample sample(int hour)
{
        struct sm_hist_sample s = {.t = T0 + hour * 3600LL};

        sm_hist_set_life(&s, 0.10);
        sm_hist_set_power_on(&s, 86400ULL * 100 + (uint64_t)hour * 3600);
        sm_hist_set_written(&s, (uint64_t)hour * 1000000);
        return s;
}

static const struct sm_verdict_input in = {.smart_healthy = 1};

static void feed(struct sm_tracker *t, const char *key, int from, int to, struct sm_risk *r)
{
        for (int k = from; k <= to; k++) {
                struct sm_hist_sample s = sample(k);

                sm_tracker_update(t, key, "nvme0n1", &s, 1000000000000ULL, &in, r);
        }
}

static void write_file(const char *name, const void *data, size_t len)
{
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len, "write %s", name);
        close(fd);
}

static void test_restart(void)
{
        struct sm_tracker *t = sm_tracker_new(dir, true);
        struct sm_risk r;

        feed(t, "wwn:a", 0, 9, &r);
        CHECK(r.have && r.persisted && r.memory_why == NULL, "persisted: %s",
              r.memory_why ? r.memory_why : "");
        CHECK_U64(r.fc.samples, 10, "10 hourly samples");
        t = sm_tracker_free(t); /* flushes */

        t = sm_tracker_new(dir, true);
        feed(t, "wwn:a", 10, 29, &r);
        /* 10 from the file + 20 new */
        CHECK_U64(r.fc.samples, 30, "history survived the restart");
        /* A drive without identity keeps an in-memory history and says why. */
        feed(t, NULL, 0, 2, &r);
        CHECK(!r.persisted && r.memory_why && strstr(r.memory_why, "WWN"), "no identity");
        CHECK_U64(r.fc.samples, 3, "in-memory history");
        sm_tracker_free(t);

        /* Read-only mode (check): loads, never writes. */
        t = sm_tracker_new(dir, false);
        feed(t, "wwn:a", 30, 40, &r);
        CHECK_U64(r.fc.samples, 41, "check mode sees the history");
        sm_tracker_free(t);
        t = sm_tracker_new(dir, true);
        feed(t, "wwn:a", 41, 41, &r);
        CHECK_U64(r.fc.samples, 31, "check mode wrote nothing (30 + 1)");
        sm_tracker_free(t);
}

static void test_bad_files(void)
{
        char name[160];
        struct sm_tracker *t;
        struct sm_risk r;
        struct sm_history h;
        int warns;

        /* Garbage in the drive's file: one warning, a new history, replaced on disk. */
        sm_history_file_name("wwn:b", name, sizeof(name));
        write_file(name, "garbage", 7);
        warns = log_count("unusable");
        t = sm_tracker_new(dir, true);
        feed(t, "wwn:b", 0, 5, &r);
        CHECK(log_count("unusable") == warns + 1, "one warning for the corrupt file");
        CHECK_U64(r.fc.samples, 6, "new history");
        CHECK(sm_tracker_sync(t, 5000), "writes done");
        {
                int dfd = open(dir, O_RDONLY | O_DIRECTORY);

                CHECK(sm_history_load(dfd, "wwn:b", NULL, &h, NULL, 0) == 0, "replaced");
                close(dfd);
        }
        sm_tracker_free(t);

        /* Another node's file: said once (info), this node starts a new history. */
        {
                static struct sm_history other;
                struct sm_hist_sample s = sample(0);
                int dfd = open(dir, O_RDONLY | O_DIRECTORY);

                sm_history_init(&other, "wwn:c", "some-other-node");
                sm_history_add(&other, &s);
                CHECK(sm_history_save(dfd, &other) == 0, "foreign file");
                close(dfd);
        }
        t = sm_tracker_new(dir, true);
        feed(t, "wwn:c", 5, 6, &r);
        CHECK(log_count("some-other-node") == 1, "one line naming the other node");
        CHECK_U64(r.fc.samples, 2, "new history here");
        sm_tracker_free(t);

        /* A temp file a killed writer left is removed at start. */
        char tmp[200];
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        write_file(tmp, "x", 1);
        t = sm_tracker_new(dir, true);
        CHECK(log_count("unfinished temp file") == 1, "temp file removal said");
        sm_tracker_free(t);
}

static int test_read_only(void)
{
        struct sm_tracker *t;
        struct sm_risk r;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700") < 0) {
                printf("SKIP: no private mount namespace / tmpfs (%s)\n", strerror(errno));
                return 77;
        }
        CHECK(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0, "ro");
        t = sm_tracker_new(dir, true);
        /* 48 hours of collections, 48 hourly writes attempted (each waited for): one warning. */
        for (int k = 0; k < 48; k++) {
                feed(t, "wwn:ro", k, k, &r);
                CHECK(sm_tracker_sync(t, 5000), "writer done");
        }
        feed(t, "wwn:ro", 48, 48, &r);
        CHECK(log_count("cannot write") == 1, "exactly one warning: %d", log_count("cannot write"));
        CHECK(!r.persisted && r.memory_why && strstr(r.memory_why, "not writable"), "says why");
        CHECK_U64(r.fc.samples, 49, "history kept in memory");
        CHECK(r.fc.life_per_day[SM_FC_LIFETIME].known, "forecast still computed");
        /* Writable again: the next hour's write works and says so once. */
        CHECK(mount(NULL, dir, NULL, MS_REMOUNT, NULL) == 0, "rw");
        feed(t, "wwn:ro", 49, 50, &r);
        CHECK(sm_tracker_sync(t, 5000), "writer done");
        feed(t, "wwn:ro", 50, 50, &r); /* same hour: no write, status read */
        CHECK(log_count("again") == 1, "one line when writing works again");
        CHECK(r.persisted, "persisted again");
        sm_tracker_free(t);
        umount(dir);
        return 0;
}

/*
 * Two present drives reporting one identity (constant serial numbers, clones):
 * they must not take turns resetting one history. Expected by hand: the first
 * drive's 5 hours stay in the file untouched; from the second drive on, each
 * counts only its own samples, in memory, saying why; one warning, no
 * "starts over"; when both left, a drive with that identity finds the 5 hours.
 */
static void update_as(struct sm_tracker *t, const char *name, int hour, uint64_t written,
                      struct sm_risk *r)
{
        struct sm_hist_sample s = sample(hour);

        sm_hist_set_written(&s, written);
        sm_tracker_update(t, "ms:CLONE:0000", name, &s, 1000000000000ULL, &in, r);
}

static void test_shared_identity(void)
{
        struct sm_tracker *t = sm_tracker_new(dir, true);
        struct sm_risk ra, rb;
        int warns = log_count("report the same identity"), resets = log_count("starts over");

        for (int k = 0; k < 5; k++)
                update_as(t, "sda", k, (uint64_t)k * 1000000, &ra);
        CHECK(ra.persisted && ra.fc.samples == 5, "sda alone: persisted, 5 samples (%u)",
              (unsigned)ra.fc.samples);
        CHECK(sm_tracker_sync(t, 5000), "written");
        /* sdb: same identity, much lower counters (it is another drive). */
        update_as(t, "sdb", 5, 10, &rb);
        CHECK(!rb.persisted && rb.memory_why && strstr(rb.memory_why, "same identity"),
              "sdb in memory: %s", rb.memory_why ? rb.memory_why : "(none)");
        CHECK_U64(rb.fc.samples, 1, "sdb starts its own history");
        for (int k = 6; k <= 20; k++) {
                update_as(t, "sda", k, (uint64_t)k * 1000000, &ra);
                update_as(t, "sdb", k, (uint64_t)k * 10, &rb);
        }
        CHECK_U64(ra.fc.samples, 15, "sda: its own 15 samples (hours 6-20)");
        CHECK_U64(rb.fc.samples, 16, "sdb: its own 16 samples (hours 5-20)");
        CHECK(!ra.persisted && !rb.persisted, "neither persisted");
        CHECK(log_count("report the same identity") == warns + 1, "one warning");
        CHECK(log_count("starts over") == resets, "no history reset");
        CHECK(sm_tracker_sync(t, 5000), "synced");
        {
                /* The file still holds sda's first 5 hours: a reader sees 5 + its 1. */
                struct sm_tracker *ro = sm_tracker_new(dir, false);
                struct sm_risk rr;

                update_as(ro, "sdx", 21, 21000000, &rr);
                CHECK_U64(rr.fc.samples, 6, "the file kept 5 hours");
                sm_tracker_free(ro);
        }
        /* Both leave; a drive with that identity later finds the first drive's 5 hours. */
        sm_tracker_forget(t, "ms:CLONE:0000", "sdb");
        sm_tracker_forget(t, "ms:CLONE:0000", "sda");
        update_as(t, "sdc", 30, 30000000, &ra);
        CHECK(ra.persisted && ra.fc.samples == 6, "sdc: the file's 5 hours + 1 (%u, %s)",
              (unsigned)ra.fc.samples, ra.memory_why ? ra.memory_why : "persisted");
        sm_tracker_free(t);
}

int main(int argc, char **argv)
{
        const char *base = getenv("SM_BUILD_ROOT");
        int r = 0;

        snprintf(dir, sizeof(dir), "%s/test-track.XXXXXX", base ? base : "/tmp");
        if (mkdtemp(dir) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        log_to_file();
        if (argc > 1 && strcmp(argv[1], "fs") == 0) {
                r = test_read_only();
        } else {
                test_restart();
                test_bad_files();
                test_shared_identity();
        }
        log_restore();
        if (r == 77) {
                rmdir(dir);
                return 77;
        }
        {
                char cmd[400];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", dir);
        }
        return check_summary();
}
