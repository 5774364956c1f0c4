/* SPDX-License-Identifier: MIT */
/*
 * collector.h - the small interface every protocol collector (ATA, NVMe)
 * implements, and the static registry of them.
 *
 * A collector reads one device (live node or replay capture) and decodes it
 * into a struct sm_health (plain data), and lists what its values mean: the
 * readings of a health record, each pointing at a declaration (metric.h), and
 * its families in exposition order. It renders nothing. Reads run on worker
 * threads, one device per thread, so they must not touch shared mutable state.
 */
#ifndef SM_COLLECTOR_H
#define SM_COLLECTOR_H

#include <stddef.h>

#include "device.h"
#include "health.h"
#include "metric.h"

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
         * Emit the protocol's readings of a successful read, in JSON order (the
         * protocol's own section of the device object). Pure: reads h only.
         */
        void (*readings)(const struct sm_health *h, sm_emit_fn emit, void *ctx);
        /* This protocol's families, in exposition order; NULL-terminated. */
        const struct sm_family *const *families;
};

/* Define a collector (then list it in collector.c's registry). */
#define SM_COLLECTOR(var, name_, proto_, read_, readings_, families_) \
        const struct sm_collector var = {.name = name_,               \
                                         .proto = proto_,             \
                                         .read = read_,               \
                                         .readings = readings_,       \
                                         .families = families_}

/* The collector for a protocol, or NULL. */
const struct sm_collector *sm_collector_for(enum sm_proto proto);

/* All collectors, NULL-terminated. */
const struct sm_collector *const *sm_collectors(void);

#endif
