/* SPDX-License-Identifier: MIT */
/*
 * collector.h - the small interface every protocol collector (ATA, NVMe)
 * implements, and the static registry of them.
 *
 * A collector reads one device (live node or replay capture) into a
 * struct sm_health, and renders its protocol-specific metric families and
 * JSON fields from snapshot data. Reads run on worker threads, one device
 * per thread, so they must not touch shared mutable state.
 */
#ifndef SM_COLLECTOR_H
#define SM_COLLECTOR_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "device.h"
#include "lib/buf.h"

/* A positive return of read(): the drive is asleep and was left alone. */
#define SM_READ_RET_ASLEEP 1

struct sm_read_opts {
        unsigned timeout_ms; /* per-command bound passed to the library where it takes one */
};

struct sm_collector {
        const char *name;
        enum sm_proto proto;
        /*
         * Read a device. id->replay selects the capture file in id->devnode.
         * Returns 0 with *ret filled, SM_READ_RET_ASLEEP, or a negative errno with a
         * one-line reason in err (errlen bytes). Never writes to the drive.
         */
        int (*read)(const struct sm_device_id *id, const struct sm_read_opts *opts,
                    struct sm_health *ret, char *err, size_t errlen);
        /*
         * Append this protocol's metric families for the devices of this protocol
         * that have data (devs[i]->have_data). Each family appears once.
         */
        void (*render_prom)(struct sm_buf *b, const struct sm_device_state *const *devs, size_t n);
        /* Add this protocol's fields to a device's JSON object; -ENOMEM on failure. */
        int (*render_json)(cJSON *obj, const struct sm_device_state *d);
};

/* The collector for a protocol, or NULL. */
const struct sm_collector *sm_collector_for(enum sm_proto proto);

/* All collectors, NULL-terminated. */
const struct sm_collector *const *sm_collectors(void);

#endif
