/* SPDX-License-Identifier: MIT */
/*
 * test-snapshot.c - sm_snapshot_build/find and the store's reference counting.
 * Run under ASan (the suite's sanitizer build) a use-after-free or leak here
 * fails the test even where the plain build cannot see it.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/render.h"
#include "agent/snapshot.h"
#include "lib/util.h"
#include "test/check.h"

static void dev(struct sm_device_state *d, const char *name, const char *udev_serial,
                const char *drive_serial)
{
        memset(d, 0, sizeof(*d));
        sm_strlcpy(d->id.name, name, sizeof(d->id.name));
        snprintf(d->id.devnode, sizeof(d->id.devnode), "/dev/%s", name);
        sm_strlcpy(d->id.bus, "ata", sizeof(d->id.bus));
        sm_strlcpy(d->id.ident.serial, udev_serial, sizeof(d->id.ident.serial));
        d->id.cls = SM_CLASS_SSD;
        d->id.proto = SM_PROTO_ATA;
        sm_health_init(&d->health);
        sm_strlcpy(d->health.ident.serial, drive_serial, sizeof(d->health.ident.serial));
        d->status = SM_READ_ERROR;
        sm_strlcpy(d->error, "synthetic", sizeof(d->error));
}

static struct sm_snapshot *build(uint64_t gen, const struct sm_device_state *devs, size_t n)
{
        struct sm_agent_stats st = {.collections_total = gen, .replay = true};

        return sm_snapshot_build(gen, true, &st, devs, n);
}

static unsigned refs(struct sm_snapshot *s)
{
        return atomic_load(&s->refs);
}

static void test_find(void)
{
        struct sm_device_state d[4];
        struct sm_snapshot *s;

        /* Given out of order; the snapshot sorts by name. */
        dev(&d[0], "sdb", "", "DRIVE-SERIAL-B");
        dev(&d[1], "nvme0n1", "UDEV-NVME", "");
        dev(&d[2], "sda", "UDEV-A", "DRIVE-A");
        dev(&d[3], "sdc", "", ""); /* no serial at all */
        s = build(1, d, 4);
        CHECK(s != NULL, "build");
        if (!s)
                return;
        CHECK_STR(s->devices[0].id.name, "nvme0n1", "sorted 0");
        CHECK_STR(s->devices[1].id.name, "sda", "sorted 1");
        CHECK_STR(s->devices[2].id.name, "sdb", "sorted 2");
        CHECK_STR(s->devices[3].id.name, "sdc", "sorted 3");

        CHECK(sm_snapshot_find(s, "sda") == 1, "by name");
        CHECK(sm_snapshot_find(s, "nvme0n1") == 0, "by name nvme");
        CHECK(sm_snapshot_find(s, "UDEV-NVME") == 0, "by udev serial");
        CHECK(sm_snapshot_find(s, "DRIVE-SERIAL-B") == 2, "by the drive's own serial");
        CHECK(sm_snapshot_find(s, "UDEV-A") == 1, "udev serial preferred");
        CHECK(sm_snapshot_find(s, "DRIVE-A") == -1, "drive serial hidden by the udev one");
        CHECK(sm_snapshot_find(s, "") == -1, "empty key matches no serial-less device");
        CHECK(sm_snapshot_find(s, "sd") == -1, "prefix is not a match");
        CHECK(sm_snapshot_find(s, "sdaa") == -1, "longer is not a match");
        CHECK(sm_snapshot_find(s, "SDA") == -1, "case-sensitive");
        CHECK(sm_snapshot_find(s, "nope") == -1, "unknown");
        CHECK_STR(s->etag, "\"g1\"", "etag");
        sm_snapshot_unref(s);

        /* A name wins over another device's serial equal to that name. */
        dev(&d[0], "sdx", "sdy", "");
        dev(&d[1], "sdy", "S1", "");
        s = build(2, d, 2);
        CHECK(s && sm_snapshot_find(s, "sdy") == 1, "name before serial");
        sm_snapshot_unref(s);

        /* Zero devices. */
        s = build(3, d, 0);
        CHECK(s && s->n_devices == 0 && sm_snapshot_find(s, "sda") == -1, "empty snapshot");
        CHECK(s && s->metrics.data && strstr(s->metrics.data, "ssdmon_build_info"),
              "empty snapshot still renders metrics");
        sm_snapshot_unref(s);
}

/* Inflate a gzip body and compare with the plain one. */
static bool gunzip_equals(const struct sm_body *b)
{
        z_stream zs = {0};
        char *out = malloc(b->len + 1);
        bool ok;

        if (!out || inflateInit2(&zs, 15 + 16) != Z_OK) {
                free(out);
                return false;
        }
        zs.next_in = (Bytef *)b->gz;
        zs.avail_in = (uInt)b->gz_len;
        zs.next_out = (Bytef *)out;
        zs.avail_out = (uInt)b->len + 1;
        ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == b->len &&
             memcmp(out, b->data, b->len) == 0;
        inflateEnd(&zs);
        free(out);
        return ok;
}

static void test_bodies(void)
{
        struct sm_device_state d[50];
        struct sm_snapshot *s;
        cJSON *j, *arr;

        for (int i = 0; i < 50; i++) {
                char name[16], serial[16];

                snprintf(name, sizeof(name), "sd%c%c", 'a' + i / 26, 'a' + i % 26);
                snprintf(serial, sizeof(serial), "SER%03d", i);
                dev(&d[i], name, serial, "");
        }
        s = build(9, d, 50);
        CHECK(s != NULL, "build 50");
        if (!s)
                return;
        CHECK(s->metrics.len == strlen(s->metrics.data), "metrics len");
        CHECK(s->metrics.gz && s->metrics.gz_len < s->metrics.len, "metrics gzipped");
        CHECK(s->metrics.gz && gunzip_equals(&s->metrics), "metrics gzip round trip");
        CHECK(s->devices_json.gz && gunzip_equals(&s->devices_json), "json gzip round trip");
        j = cJSON_Parse(s->devices_json.data);
        arr = j ? cJSON_GetObjectItem(j, "devices") : NULL;
        CHECK(cJSON_IsArray(arr) && cJSON_GetArraySize(arr) == 50, "devices list");
        CHECK(j && cJSON_GetNumberValue(cJSON_GetObjectItem(j, "generation")) == 9.0, "generation");
        cJSON_Delete(j);
        for (size_t i = 0; i < s->n_devices; i++) {
                cJSON *o = cJSON_Parse(s->device_json[i].data);
                const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(o, "device"));

                CHECK(name && strcmp(name, s->devices[i].id.name) == 0, "device body %zu", i);
                cJSON_Delete(o);
        }
        CHECK(s->landing.data && strstr(s->landing.data, "sdax"), "landing lists devices");
        sm_snapshot_unref(s);
}

static void test_render_edges(void)
{
        struct sm_device_state d[1];
        struct sm_body b = {0};
        struct sm_snapshot *s;
        char big[1024];
        cJSON *j;

        /* gzip only from 1 KiB on, and then it round-trips. */
        memset(big, 'm', sizeof(big));
        b.data = big;
        b.len = 1023;
        CHECK(sm_render_gzip(&b) == 0 && b.gz == NULL, "1023 bytes stay plain");
        b.len = 1024;
        CHECK(sm_render_gzip(&b) == 0 && b.gz != NULL && gunzip_equals(&b), "1024 bytes gzipped");
        free(b.gz);

        /* A name with every character that needs escaping somewhere. */
        dev(&d[0], "q\"b\\c\nd<e>&", "S/1 x", "");
        s = build(4, d, 1);
        CHECK(s != NULL, "build odd name");
        if (!s)
                return;
        CHECK(strstr(s->metrics.data, "ssdmon_device_up{device=\"q\\\"b\\\\c\\nd<e>&\"} 0\n") !=
                      NULL,
              "Prometheus label escaped");
        CHECK(strstr(s->metrics.data, "serial=\"S/1 x\"") != NULL, "serial label");
        j = cJSON_Parse(s->device_json[0].data);
        CHECK(j && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "device")),
                          "q\"b\\c\nd<e>&") == 0,
              "JSON round-trips the name");
        CHECK(j && cJSON_IsNull(cJSON_GetObjectItem(j, "health")), "no data: health null");
        CHECK(j && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "error")), "synthetic") == 0,
              "error string");
        cJSON_Delete(j);
        CHECK(strstr(s->landing.data, "q&quot;b\\c\nd&lt;e&gt;&amp;") != NULL, "HTML escaped");
        CHECK(strstr(s->landing.data, "<e>") == NULL, "no raw markup from a name");
        CHECK(sm_snapshot_find(s, "q\"b\\c\nd<e>&") == 0 && sm_snapshot_find(s, "S/1 x") == 0,
              "find odd name and serial");
        sm_snapshot_unref(s);
}

static void test_store(void)
{
        struct sm_store *st = sm_store_new();
        struct sm_device_state d[2];
        struct sm_snapshot *s1, *s2, *a, *b;

        CHECK(st != NULL, "store");
        if (!st)
                return;
        CHECK(sm_store_acquire(st) == NULL, "nothing before the first publish");
        dev(&d[0], "sda", "A", "");
        dev(&d[1], "sdb", "B", "");
        s1 = build(1, d, 2);
        s2 = build(2, d, 1);
        if (!s1 || !s2) {
                CHECK(false, "build");
                return;
        }
        CHECK(refs(s1) == 1, "new snapshot has one reference");
        sm_store_publish(st, s1); /* the store takes it */
        CHECK(refs(s1) == 1, "publish takes the caller's reference");
        a = sm_store_acquire(st);
        CHECK(a == s1 && refs(s1) == 2, "acquire adds one (%u)", refs(s1));

        sm_store_publish(st, s2);
        CHECK(refs(s1) == 1, "old snapshot kept alive by the reader (%u)", refs(s1));
        /* Still readable after being replaced (ASan catches a premature free here). */
        CHECK(a->n_devices == 2 && strcmp(a->devices[1].id.name, "sdb") == 0 &&
                      strstr(a->metrics.data, "sdb") != NULL,
              "old snapshot intact");
        b = sm_store_acquire(st);
        CHECK(b == s2 && refs(s2) == 2, "acquire returns the new one");
        sm_snapshot_unref(a); /* last reference to s1: freed */
        CHECK(sm_snapshot_ref(NULL) == NULL, "ref(NULL)");
        sm_snapshot_unref(NULL);

        st = sm_store_free(st); /* drops the store's reference to s2 */
        CHECK(st == NULL, "free returns NULL");
        CHECK(refs(b) == 1 && b->generation == 2, "reader outlives the store");
        sm_snapshot_unref(b);
        CHECK(sm_store_free(NULL) == NULL, "free(NULL)");
}

/* Readers acquire and read while the writer publishes: no use-after-free, no leak. */
struct race {
        struct sm_store *st;
        atomic_bool stop;
        atomic_ulong reads, bad;
};

static void *reader(void *arg)
{
        struct race *r = arg;

        while (!atomic_load(&r->stop)) {
                struct sm_snapshot *s = sm_store_acquire(r->st);

                if (s) {
                        if (s->metrics.len != strlen(s->metrics.data) ||
                            (s->n_devices && sm_snapshot_find(s, "sda") != 0))
                                r->bad++;
                        r->reads++;
                        sm_snapshot_unref(s);
                }
        }
        return NULL;
}

static void test_store_race(void)
{
        struct race r = {.st = sm_store_new()};
        struct sm_device_state d[3];
        pthread_t t[2];

        dev(&d[0], "sda", "A", "");
        dev(&d[1], "sdb", "B", "");
        dev(&d[2], "sdc", "C", "");
        atomic_init(&r.stop, false);
        atomic_init(&r.reads, 0);
        atomic_init(&r.bad, 0);
        for (int i = 0; i < 2; i++)
                pthread_create(&t[i], NULL, reader, &r);
        for (uint64_t g = 1; g <= 300; g++) {
                struct sm_snapshot *s = build(g, d, 1 + g % 3);

                if (s)
                        sm_store_publish(r.st, s);
        }
        /* Let the readers see the last one at least once (bounded wait). */
        for (int i = 0; i < 2000 && atomic_load(&r.reads) == 0; i++)
                usleep(1000);
        atomic_store(&r.stop, true);
        for (int i = 0; i < 2; i++)
                pthread_join(t[i], NULL);
        CHECK(atomic_load(&r.bad) == 0, "%lu inconsistent reads", atomic_load(&r.bad));
        CHECK(atomic_load(&r.reads) > 0, "readers ran");
        sm_store_free(r.st);
}

int main(void)
{
        test_find();
        test_bodies();
        test_render_edges();
        test_store();
        test_store_race();
        return check_summary();
}
