/* SPDX-License-Identifier: MIT */
/*
 * The collector loop against replay captures: a "drive" that never answers
 * (a named pipe nobody writes to) must not delay the others or the snapshot,
 * must be reported as timed out, must not be read again while stuck, and must
 * come back once it answers; captures that appear and disappear are picked up
 * by the rescan.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/poller.h"
#include "agent/snapshot.h"
#include "lib/util.h"
#include "test/check.h"

static char dir[PATH_MAX];

static void copy_file(const char *from, const char *to)
{
        char buf[8192];
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        size_t n;

        if (!in || !out) {
                fprintf(stderr, "cannot copy %s to %s: %s\n", from, to, strerror(errno));
                exit(1);
        }
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                fwrite(buf, 1, n, out);
        fclose(in);
        fclose(out);
}

static const struct sm_device_state *find(const struct sm_snapshot *s, const char *name)
{
        long i = sm_snapshot_find(s, name);

        return i < 0 ? NULL : &s->devices[i];
}

/* Wait (bounded) until pred holds for the current snapshot; returns it (ref) or NULL. */
static struct sm_snapshot *wait_for(struct sm_store *st, bool (*pred)(const struct sm_snapshot *),
                                    unsigned timeout_ms)
{
        uint64_t end = sm_now_mono_ms() + timeout_ms;

        do {
                struct sm_snapshot *s = sm_store_acquire(st);

                if (s && pred(s))
                        return s;
                sm_snapshot_unref(s);
                usleep(20000);
        } while (sm_now_mono_ms() < end);
        return NULL;
}

static bool is_ready(const struct sm_snapshot *s)
{
        return s->ready;
}

static bool second_collection(const struct sm_snapshot *s)
{
        return s->stats.collections_total >= 2;
}

static bool stuck_recovered(const struct sm_snapshot *s)
{
        const struct sm_device_state *d = find(s, "stuck");

        return d && d->status != SM_READ_TIMEOUT;
}

static bool new_one_seen(const struct sm_snapshot *s)
{
        return find(s, "late-arrival") != NULL;
}

static bool removed_gone(const struct sm_snapshot *s)
{
        return find(s, "ssd-b") == NULL;
}

static bool stuck2_timed_out(const struct sm_snapshot *s)
{
        const struct sm_device_state *d = find(s, "stuck2");

        return d && d->status == SM_READ_TIMEOUT && d->error[0] && d->reads_total > 0;
}

static bool stuck2_gone(const struct sm_snapshot *s)
{
        return find(s, "stuck2") == NULL;
}

/*
 * Stuck reads are bounded: with --collector.parallel=1 at most 4 abandoned
 * workers; past that, devices are reported timed out without a new thread
 * (a FIFO whose read was never started has no reader: opening it for writing
 * without blocking fails with ENXIO), and /metrics says how many are stuck.
 */
static void test_stuck_limit(void)
{
        char d2[] = "/tmp/sm-poller-limit-XXXXXX", f[PATH_MAX + 64], err[256] = "";
        char a0[] = "ssd-monitor", a1[] = "--replay", a3[] = "--collector.interval=1h",
             a4[] = "--collector.timeout=300ms", a5[] = "--collector.parallel=1",
             a6[] = "--no-drop-privileges";
        char *argv[] = {a0, a1, d2, a3, a4, a5, a6};
        struct sm_config cfg;
        struct sm_store *store = sm_store_new();
        struct sm_poller *p = NULL;
        struct sm_snapshot *s = NULL;
        unsigned refused = 0, readers = 0, noreader = 0;

        if (!mkdtemp(d2) || !store)
                return;
        for (int i = 0; i < 6; i++) {
                snprintf(f, sizeof(f), "%s/s%d.smart-log", d2, i);
                CHECK(mkfifo(f, 0600) == 0, "mkfifo %s", f);
        }
        CHECK(sm_config_parse((int)ARRAY_SIZE(argv), argv, &cfg, err, sizeof(err)) == 0,
              "config: %s", err);
        CHECK(sm_poller_new(&cfg, store, &p, err, sizeof(err)) == 0, "poller: %s", err);
        if (!p)
                goto out;
        CHECK(sm_poller_start(p) == 0, "start");
        s = wait_for(store, is_ready, 10000);
        CHECK(s != NULL, "first collection never finished");
        if (!s)
                goto out;
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *dv = &s->devices[i];

                CHECK(dv->status == SM_READ_TIMEOUT, "%s: %s", dv->id.name,
                      sm_read_status_name(dv->status));
                refused += strstr(dv->error, "limit") != NULL;
        }
        CHECK(refused == 2, "2 devices refused at the limit, got %u", refused);
        CHECK(strstr(s->metrics.data, "\nssdmon_stuck_reads 4\n") &&
                      strstr(s->metrics.data, "\nssdmon_stuck_reads_limit 4\n"),
              "metrics report 4 stuck reads, limit 4");
        for (int i = 0; i < 6; i++) {
                int fd;

                snprintf(f, sizeof(f), "%s/s%d.smart-log", d2, i);
                fd = open(f, O_WRONLY | O_NONBLOCK);
                if (fd >= 0) {
                        readers++;
                        close(fd); /* wakes that worker: it reads EOF and returns */
                } else {
                        noreader += errno == ENXIO;
                }
        }
        CHECK(readers == 4 && noreader == 2, "threads started: %u, not started: %u", readers,
              noreader);
out:
        sm_snapshot_unref(s);
        sm_poller_free(p);
        sm_store_free(store);
        for (int i = 0; i < 6; i++) {
                snprintf(f, sizeof(f), "%s/s%d.smart-log", d2, i);
                unlink(f);
        }
        rmdir(d2);
}

int main(void)
{
        const char *src = getenv("SM_SOURCE_ROOT");
        char path[PATH_MAX + 64], blob[PATH_MAX], fifo[PATH_MAX + 64], err[256] = "";
        char fifo2[PATH_MAX + 64], away[PATH_MAX + 64];
        char a0[] = "ssd-monitor", a1[] = "--replay", a3[] = "--collector.interval=1h",
             a4[] = "--collector.timeout=700ms", a5[] = "--collector.rescan=1s",
             a6[] = "--no-drop-privileges";
        char *argv[] = {a0, a1, dir, a3, a4, a5, a6};
        struct sm_config cfg;
        struct sm_store *store;
        struct sm_poller *p = NULL;
        struct sm_snapshot *s;
        const struct sm_device_state *d;
        uint64_t t0, reads_a, reads_stuck, errors_stuck;
        int r;

        signal(SIGPIPE, SIG_IGN); /* the "drive" may close its end first */
        snprintf(blob, sizeof(blob), "%s/test/data/poller/INTEL_SSDSA2CW120G3--4PC10302",
                 src ? src : ".");
        snprintf(dir, sizeof(dir), "/tmp/sm-poller-XXXXXX");
        if (!mkdtemp(dir))
                return 1;
        snprintf(path, sizeof(path), "%s/ssd-a", dir);
        copy_file(blob, path);
        snprintf(path, sizeof(path), "%s/ssd-b", dir);
        copy_file(blob, path);
        snprintf(fifo, sizeof(fifo), "%s/stuck.smart-log", dir);
        snprintf(fifo2, sizeof(fifo2), "%s/stuck2.smart-log", dir);
        snprintf(away, sizeof(away), "%s.stuck2-away", dir);
        if (mkfifo(fifo, 0600) < 0)
                return 1;

        r = sm_config_parse((int)ARRAY_SIZE(argv), argv, &cfg, err, sizeof(err));
        CHECK(r == 0, "config: %s", err);
        store = sm_store_new();
        r = sm_poller_new(&cfg, store, &p, err, sizeof(err));
        CHECK(r == 0, "poller_new: %s", err);
        if (r < 0)
                return 1;

        /* Known before the first read: devices listed, not ready. */
        s = sm_store_acquire(store);
        CHECK(s && s->n_devices == 3 && !s->ready, "initial snapshot: %zu devices, ready=%d",
              s ? s->n_devices : 0, s ? s->ready : -1);
        sm_snapshot_unref(s);

        t0 = sm_now_mono_ms();
        CHECK(sm_poller_start(p) == 0, "start");
        s = wait_for(store, is_ready, 5000);
        CHECK(s != NULL, "first collection never finished");
        if (!s)
                goto out;
        /* Bounded by the timeout (700 ms), not by the stuck drive. */
        CHECK(sm_now_mono_ms() - t0 < 3000, "ready after %llu ms",
              (unsigned long long)(sm_now_mono_ms() - t0));
        d = find(s, "stuck");
        CHECK(d && d->status == SM_READ_TIMEOUT && d->err == -ETIMEDOUT && d->error[0],
              "stuck: status %s", d ? sm_read_status_name(d->status) : "missing");
        CHECK(d && !d->have_data, "stuck device has no data");
        d = find(s, "ssd-a");
        CHECK(d && d->status == SM_READ_OK && d->have_data, "ssd-a: %s (%s)",
              d ? sm_read_status_name(d->status) : "missing", d ? d->error : "");
        CHECK(d && d->reads_total == 1, "ssd-a read once");
        reads_a = d ? d->reads_total : 0;
        d = find(s, "stuck");
        reads_stuck = d ? d->reads_total : 0;
        errors_stuck = d ? d->read_errors_total : 0;
        CHECK(strstr(s->metrics.data, "ssdmon_device_up{device=\"stuck\"} 0") != NULL,
              "metrics show the stuck device down");
        sm_snapshot_unref(s);

        /* A second collection reads the others again, leaves the stuck one alone. */
        sm_poller_trigger(p);
        s = wait_for(store, second_collection, 3000);
        CHECK(s != NULL, "second collection never finished");
        if (!s)
                goto out;
        d = find(s, "ssd-a");
        CHECK(d && d->reads_total == reads_a + 1, "ssd-a read again");
        d = find(s, "stuck");
        CHECK(d && d->reads_total == reads_stuck && d->status == SM_READ_TIMEOUT,
              "stuck device not read again while its read hangs (reads %llu -> %llu)",
              (unsigned long long)reads_stuck, d ? (unsigned long long)d->reads_total : 0ULL);
        sm_snapshot_unref(s);

        /*
         * The drive answers at last (with garbage: a short read). Its result is
         * published at once, and that one attempt stays counted once: it was
         * counted (read and error) at its deadline, not again when it returned.
         */
        {
                int fd = open(fifo, O_WRONLY | O_NONBLOCK); /* fails if nobody reads */

                CHECK(fd >= 0, "open fifo for writing: %s", strerror(errno));
                if (fd >= 0) {
                        (void)!write(fd, "short", 5);
                        close(fd);
                }
        }
        s = wait_for(store, stuck_recovered, 3000);
        CHECK(s != NULL, "stuck device never left the timeout state");
        d = s ? find(s, "stuck") : NULL;
        CHECK(d && d->status == SM_READ_ERROR && d->reads_total == reads_stuck &&
                      d->read_errors_total == errors_stuck,
              "a late answer is the same attempt: reads %llu -> %llu, errors %llu -> %llu",
              (unsigned long long)reads_stuck, d ? (unsigned long long)d->reads_total : 0ULL,
              (unsigned long long)errors_stuck,
              d ? (unsigned long long)d->read_errors_total : 0ULL);
        sm_snapshot_unref(s);

        /* Captures that appear and disappear: picked up by the rescan. */
        snprintf(path, sizeof(path), "%s/late-arrival", dir);
        copy_file(blob, path);
        s = wait_for(store, new_one_seen, 3000);
        CHECK(s != NULL, "new capture not picked up by the rescan");
        sm_snapshot_unref(s);
        snprintf(path, sizeof(path), "%s/ssd-b", dir);
        unlink(path);
        s = wait_for(store, removed_gone, 3000);
        CHECK(s != NULL, "removed capture still in the snapshot");
        sm_snapshot_unref(s);

        /*
         * A drive that drops off the bus while its read is stuck and comes back:
         * it must show as timed out (its old read is still stuck), not "never
         * read" with no error forever.
         */
        CHECK(mkfifo(fifo2, 0600) == 0, "mkfifo stuck2");
        s = wait_for(store, stuck2_timed_out, 4000);
        CHECK(s != NULL, "stuck2 never timed out");
        sm_snapshot_unref(s);
        CHECK(rename(fifo2, away) == 0, "move stuck2 out");
        s = wait_for(store, stuck2_gone, 3000);
        CHECK(s != NULL, "stuck2 not removed");
        sm_snapshot_unref(s);
        CHECK(rename(away, fifo2) == 0, "move stuck2 back");
        s = wait_for(store, stuck2_timed_out, 3000);
        d = s ? find(s, "stuck2") : NULL;
        CHECK(d != NULL, "stuck2 back, still stuck: %s, error '%s', reads %llu",
              d ? sm_read_status_name(d->status) : "not timed out", d ? d->error : "",
              d ? (unsigned long long)d->reads_total : 0ULL);
        sm_snapshot_unref(s);
out:
        sm_poller_free(p);
        sm_store_free(store);
        unlink(fifo);
        unlink(fifo2);
        unlink(away);
        snprintf(path, sizeof(path), "%s/ssd-a", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/late-arrival", dir);
        unlink(path);
        rmdir(dir);
        test_stuck_limit();
        return check_summary();
}
