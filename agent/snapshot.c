/* SPDX-License-Identifier: MIT */
#include "snapshot.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static void body_free(struct sm_body *b)
{
        free(b->data);
        free(b->gz);
        *b = (struct sm_body){0};
}

static void snapshot_free(struct sm_snapshot *s)
{
        if (s->device_json) {
                for (size_t i = 0; i < s->n_devices; i++)
                        body_free(&s->device_json[i]);
                free(s->device_json);
        }
        if (s->device_page) {
                for (size_t i = 0; i < s->n_devices; i++)
                        body_free(&s->device_page[i]);
                free(s->device_page);
        }
        pthread_mutex_destroy(&s->page_lock);
        body_free(&s->metrics);
        body_free(&s->devices_json);
        body_free(&s->landing);
        free(s->devices);
        free(s);
}

static struct sm_view view_of(const struct sm_snapshot *s)
{
        return (struct sm_view){
                .generation = s->generation,
                .ready = s->ready,
                .stats = &s->stats,
                .devices = s->devices,
                .n_devices = s->n_devices,
        };
}

static int render_all(struct sm_snapshot *s)
{
        const struct sm_view v = view_of(s);
        int r;

        r = sm_render_metrics(&v, &s->metrics);
        if (r < 0)
                return r;
        r = sm_render_json(&v, s->device_json, &s->devices_json);
        if (r < 0)
                return r;
        r = sm_render_landing(&v, &s->landing);
        if (r < 0)
                return r;
        r = sm_render_gzip(&s->metrics);
        if (r < 0)
                return r;
        return sm_render_gzip(&s->devices_json);
}

static int cmp_state(const void *a, const void *b)
{
        return strcmp(((const struct sm_device_state *)a)->id.name,
                      ((const struct sm_device_state *)b)->id.name);
}

struct sm_snapshot *sm_snapshot_build(uint64_t generation, bool ready,
                                      const struct sm_agent_stats *stats,
                                      const struct sm_device_state *devs, size_t n)
{
        struct sm_snapshot *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        atomic_init(&s->refs, 1);
        pthread_mutex_init(&s->page_lock, NULL);
        s->generation = generation;
        s->ready = ready;
        s->stats = *stats;
        s->n_devices = n;
        s->devices = calloc(n ? n : 1, sizeof(*s->devices));
        s->device_json = calloc(n ? n : 1, sizeof(*s->device_json));
        s->device_page = calloc(n ? n : 1, sizeof(*s->device_page));
        if (!s->devices || !s->device_json || !s->device_page)
                goto fail;
        if (n > 0) {
                memcpy(s->devices, devs, n * sizeof(*devs));
                qsort(s->devices, n, sizeof(*s->devices), cmp_state);
        }
        snprintf(s->etag, sizeof(s->etag), "\"g%llu\"", (unsigned long long)generation);
        snprintf(s->etag_gz, sizeof(s->etag_gz), "\"g%llu-gz\"", (unsigned long long)generation);
        if (render_all(s) < 0)
                goto fail;
        return s;
fail:
        snapshot_free(s);
        return NULL;
}

struct sm_snapshot *sm_snapshot_ref(struct sm_snapshot *s)
{
        if (s)
                atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
        return s;
}

void sm_snapshot_unref(struct sm_snapshot *s)
{
        if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
                snapshot_free(s);
}

const struct sm_body *sm_snapshot_page(struct sm_snapshot *s, size_t i)
{
        const struct sm_view v = view_of(s);
        const struct sm_body *b = NULL;

        if (i >= s->n_devices)
                return NULL;
        pthread_mutex_lock(&s->page_lock);
        if (s->device_page[i].data || sm_render_device_page(&v, i, &s->device_page[i]) == 0)
                b = &s->device_page[i];
        pthread_mutex_unlock(&s->page_lock);
        return b;
}

long sm_snapshot_find_name(const struct sm_snapshot *s, const char *name)
{
        for (size_t i = 0; i < s->n_devices; i++)
                if (strcmp(s->devices[i].id.name, name) == 0)
                        return (long)i;
        return -1;
}

long sm_snapshot_find(const struct sm_snapshot *s, const char *key)
{
        long found = sm_snapshot_find_name(s, key);

        if (found >= 0)
                return found;
        for (size_t i = 0; i < s->n_devices; i++) {
                struct sm_identity ident;

                sm_device_identity(&s->devices[i], &ident);
                if (ident.serial[0] && strcmp(ident.serial, key) == 0)
                        return (long)i;
        }
        return -1;
}

/* ===== the store ===== */

/*
 * A mutex held only for "load the pointer and take a reference" (or swap it):
 * constant time whatever the number of devices, and no reader can take a
 * reference to a snapshot whose last reference is being dropped.
 */
struct sm_store {
        pthread_mutex_t lock;
        struct sm_snapshot *current;
};

struct sm_store *sm_store_new(void)
{
        struct sm_store *st = calloc(1, sizeof(*st));

        if (!st)
                return NULL;
        pthread_mutex_init(&st->lock, NULL);
        return st;
}

struct sm_store *sm_store_free(struct sm_store *st)
{
        if (!st)
                return NULL;
        sm_snapshot_unref(st->current);
        pthread_mutex_destroy(&st->lock);
        free(st);
        return NULL;
}

void sm_store_publish(struct sm_store *st, struct sm_snapshot *s)
{
        struct sm_snapshot *old;

        pthread_mutex_lock(&st->lock);
        old = st->current;
        st->current = s;
        pthread_mutex_unlock(&st->lock);
        sm_snapshot_unref(old);
}

struct sm_snapshot *sm_store_acquire(struct sm_store *st)
{
        struct sm_snapshot *s;

        pthread_mutex_lock(&st->lock);
        s = sm_snapshot_ref(st->current);
        pthread_mutex_unlock(&st->lock);
        return s;
}
