/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - the immutable, refcounted, pre-rendered state that HTTP
 * serves. The poller builds one after each collection (sm_snapshot_build
 * renders every body once, gzip included) and publishes it in the store;
 * handlers take a reference and hand out the bytes. Nothing in a published
 * snapshot changes.
 */
#ifndef SM_SNAPSHOT_H
#define SM_SNAPSHOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render.h"
#include "state.h"

struct sm_snapshot {
        atomic_uint refs;
        uint64_t generation;
        bool ready; /* the first full collection had finished */
        struct sm_agent_stats stats;
        size_t n_devices;
        struct sm_device_state *devices; /* sorted by name */
        struct sm_body metrics;          /* Prometheus text */
        struct sm_body devices_json;     /* /api/v1/devices */
        struct sm_body *device_json;     /* /api/v1/devices/{name}, one per device */
        struct sm_body landing;          /* / (HTML) */
        /* /device/{name} (HTML), one per device: rendered on first request (under
         * page_lock, from the snapshot's own data), then kept; see sm_snapshot_page(). */
        pthread_mutex_t page_lock;
        struct sm_body *device_page;
        char etag[32];    /* "gN": the identity bodies' validator */
        char etag_gz[36]; /* "gN-gz": the gzip bodies' (RFC 9110 8.8.3) */
};

/*
 * Copy devs (n entries) into a new snapshot and render all bodies.
 * Returns NULL on allocation failure (the caller keeps the previous snapshot).
 */
struct sm_snapshot *sm_snapshot_build(uint64_t generation, bool ready,
                                      const struct sm_agent_stats *stats,
                                      const struct sm_device_state *devs, size_t n);
struct sm_snapshot *sm_snapshot_ref(struct sm_snapshot *s);
void sm_snapshot_unref(struct sm_snapshot *s);

/* Index of the device with this kernel name or serial number, or -1. */
long sm_snapshot_find(const struct sm_snapshot *s, const char *name_or_serial);

/*
 * The HTML page of device i, rendered the first time it is asked for and kept for
 * the snapshot's life (most snapshots never serve one). NULL on allocation failure.
 */
const struct sm_body *sm_snapshot_page(struct sm_snapshot *s, size_t i);

/* Index of the device with this kernel name, or -1. */
long sm_snapshot_find_name(const struct sm_snapshot *s, const char *name);

/* The store: where the poller publishes and HTTP handlers acquire. */
struct sm_store;

struct sm_store *sm_store_new(void);
struct sm_store *sm_store_free(struct sm_store *st);
/* Publish s (the store takes the caller's reference). */
void sm_store_publish(struct sm_store *st, struct sm_snapshot *s);
/* A new reference to the current snapshot, or NULL before the first publish. */
struct sm_snapshot *sm_store_acquire(struct sm_store *st);

#endif
