/* SPDX-License-Identifier: MIT */
/*
 * test-hotplug-daemon - hotplug through the whole collector thread (issue #4):
 * the real poller (agent/poller.c) with real discovery over a umockdev testbed
 * (run under umockdev-wrapper). A disk added by a uevent must be in the published
 * snapshot, and read, within 2 s; a removed one must leave it within 2 s; a burst
 * of 50 change uevents must not re-read a disk more than once. The devices cannot
 * be read (no ioctl emulation here), so they show up with status "error": that is
 * enough to see that a read happened (reads_total).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/poller.h"
#include "agent/snapshot.h"
#include "check.h"
#include "lib/log.h"

#define SATA_SSD  "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"
#define NVME_CTRL "/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0"
#define NVME_NS   NVME_CTRL "/nvme0n1"

static UMockdevTestbed *tb;
static struct sm_store *store;

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

static void load(const char *rel)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        char path[4096];
        GError *err = NULL;

        snprintf(path, sizeof(path), "%s/test/data/umockdev/%s", root ? root : ".", rel);
        if (!umockdev_testbed_add_from_file(tb, path, &err)) {
                fprintf(stderr, "cannot load %s: %s\n", path, err ? err->message : "?");
                exit(1);
        }
}

/*
 * The device's state in the current snapshot: 1 found (copied to *ret), 0 not, -1 none
 * yet. The answer must agree with the /metrics body rendered into the same snapshot.
 */
static int lookup(const char *name, struct sm_device_state *ret)
{
        struct sm_snapshot *s = sm_store_acquire(store);
        char info[96];
        bool in_metrics;
        long i;

        if (!s)
                return -1;
        i = sm_snapshot_find(s, name);
        if (i >= 0 && ret)
                *ret = s->devices[i];
        snprintf(info, sizeof(info), "ssdmon_device_info{device=\"%s\"", name);
        in_metrics = s->metrics.data && strstr(s->metrics.data, info);
        if (in_metrics != (i >= 0)) {
                CHECK(false, "%s: in the snapshot %d, in /metrics %d", name, i >= 0, in_metrics);
                i = -1;
        }
        sm_snapshot_unref(s);
        return i >= 0;
}

/* Wait up to timeout_s for name to be present-and-read (want=1) or absent (want=0). */
static double wait_for(const char *name, int want, double timeout_s)
{
        double t0 = now_s();

        for (;;) {
                struct sm_device_state st;
                int r = lookup(name, &st);

                if (want && r == 1 && st.reads_total > 0)
                        return now_s() - t0;
                if (!want && r == 0)
                        return now_s() - t0;
                if (now_s() - t0 > timeout_s)
                        return -1;
                sleep_ms(10);
        }
}

int main(void)
{
        static char a0[] = "ssd-monitor", a1[] = "--collector.interval=1h",
                    a2[] = "--no-drop-privileges";
        char *argv[] = {a0, a1, a2, NULL};
        const char *preload = getenv("LD_PRELOAD");
        struct sm_config cfg;
        struct sm_poller *p = NULL;
        struct sm_device_state st;
        char err[256] = "";
        uint64_t before;
        double t;
        int r;

        if (!preload || !strstr(preload, "libumockdev-preload")) {
                fprintf(stderr, "run me under umockdev-wrapper\n");
                return 2;
        }
        if (enter_udev_sandbox(false) == 77)
                return 77;
        sm_log_set_level(SM_LOG_ERR);
        tb = umockdev_testbed_new();
        load("sata-ssd.umockdev");

        r = sm_config_parse(3, argv, &cfg, err, sizeof(err));
        CHECK(r == 0, "config: %s", err);
        store = sm_store_new();
        CHECK(store != NULL, "store");
        if (r < 0 || !store)
                return check_summary();
        r = sm_poller_new(&cfg, store, &p, err, sizeof(err));
        CHECK(r == 0, "poller: %d %s", r, err);
        if (r < 0)
                goto out;
        r = sm_poller_start(p);
        CHECK(r == 0, "start: %d", r);
        if (r < 0)
                goto out;

        /* The first collection reads sda at once. */
        t = wait_for("sda", 1, 5.0);
        CHECK(t >= 0, "sda never read");
        CHECK(lookup("nvme0n1", NULL) == 0, "nvme0n1 present before it was added");

        /* add */
        load("nvme.umockdev");
        t = wait_for("nvme0n1", 1, 2.0);
        CHECK(t >= 0, "nvme0n1 not in the snapshot (read) within 2 s of its add event");
        printf("add -> in snapshot and read after %.3f s\n", t);
        if (lookup("nvme0n1", &st) == 1) {
                CHECK(st.id.cls == SM_CLASS_SSD && st.id.proto == SM_PROTO_NVME,
                      "nvme0n1: class %s proto %s", sm_class_name(st.id.cls),
                      sm_proto_name(st.id.proto));
                CHECK_STR(st.id.devnode, "/dev/nvme0", "nvme0n1 devnode");
                CHECK(st.status == SM_READ_ERROR, "nvme0n1 status %s (no ioctl emulation)",
                      sm_read_status_name(st.status));
                CHECK(st.reads_total == 1, "nvme0n1 read %llu times",
                      (unsigned long long)st.reads_total);
        }

        /* remove */
        umockdev_testbed_uevent(tb, NVME_NS, "remove");
        umockdev_testbed_remove_device(tb, NVME_NS);
        umockdev_testbed_remove_device(tb, NVME_CTRL);
        /*
         * A removal wakes nothing else (no read finishes), so the loop must publish
         * right after the debounced rescan, not at its next wake-up (up to 5 s later).
         */
        t = wait_for("nvme0n1", 0, 2.0);
        CHECK(t >= 0, "nvme0n1 still in the snapshot 2 s after its remove event");
        printf("remove -> gone after %.3f s\n", t);
        CHECK(lookup("sda", NULL) == 1, "sda lost on nvme0n1's removal");

        /* A burst of 50 change events on sda: at most one more read. */
        CHECK(lookup("sda", &st) == 1, "sda gone");
        before = st.reads_total;
        for (int i = 0; i < 50;) {
                for (int k = 0; k < burst_size() && i < 50; k++, i++)
                        umockdev_testbed_uevent(tb, SATA_SSD, "change");
                sleep_ms(20); /* the collector thread drains the monitor meanwhile */
        }
        sleep_ms(1500); /* debounce (250 ms) and the rescan are long over */
        CHECK(lookup("sda", &st) == 1, "sda gone after change events");
        CHECK(st.reads_total <= before + 1, "50 change events: reads_total %llu -> %llu",
              (unsigned long long)before, (unsigned long long)st.reads_total);
        printf("50 change events: sda reads_total %llu -> %llu\n", (unsigned long long)before,
               (unsigned long long)st.reads_total);
        CHECK(lookup("nvme0n1", NULL) == 0, "nvme0n1 back after change events");

        sm_poller_stop(p);
out:
        sm_poller_free(p);
        sm_store_free(store);
        g_object_unref(tb);
        return check_summary();
}
