/* SPDX-License-Identifier: MIT */
/*
 * render.h - pure functions from collected data to response bodies: the
 * Prometheus text (render_prom.c), the JSON API (render_json.c), the landing
 * page and gzip (render.c). No I/O, no globals, no protocol knowledge: they
 * walk the declarations of collectors/metric.h. Each returns 0 or a negative
 * errno; on failure nothing is half-rendered.
 */
#ifndef SM_RENDER_H
#define SM_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "state.h"

struct sm_body {
        char *data; /* NUL-terminated */
        size_t len;
        char *gz; /* gzip of data, or NULL when not worth it */
        size_t gz_len;
};

/*
 * A source of per-device readings, walked by every renderer in the order of
 * sm_sources[] (agent/sources.c): the device state, the shared health values,
 * the protocol collector's readings. A module that computes values in agent/
 * (rates, forecasts) adds one entry there.
 */
struct sm_source {
        const char *name;
        /* Its families, exposition order, NULL-terminated; NULL for the protocol source. */
        const struct sm_family *const *families;
        bool protocol;   /* the device's collector: families are each collector's list */
        bool needs_data; /* only for devices with a successful read (Prometheus: current) */
        void (*readings)(const struct sm_device_state *d, sm_emit_fn emit, void *ctx);
};

/* NULL-terminated. */
extern const struct sm_source *const sm_sources[];

/* What a body is rendered from (a snapshot's contents). */
struct sm_view {
        uint64_t generation;
        bool ready; /* the first full collection had finished */
        const struct sm_agent_stats *stats;
        const struct sm_device_state *devices; /* sorted by name */
        size_t n_devices;
};

int sm_render_metrics(const struct sm_view *v, struct sm_body *ret);
/* Per-device JSON bodies (ret[i] for v->devices[i]) and the list body built from them. */
int sm_render_json(const struct sm_view *v, struct sm_body *ret_devices, struct sm_body *ret_list);
int sm_render_landing(const struct sm_view *v, struct sm_body *ret);
/* The HTML page of v->devices[i] (/device/<name>): its card and every reading. */
int sm_render_device_page(const struct sm_view *v, size_t i, struct sm_body *ret);
/* gzip b->data into b->gz when it is worth it; -ENOMEM on failure. */
int sm_render_gzip(struct sm_body *b);

/*
 * Only the protocol collectors' readings, for their tests: the families of
 * protocol `proto` of the devices of that protocol that have data (Prometheus;
 * headers only where sampled), or one device's protocol section added to obj
 * (JSON).
 */
int sm_render_prom_protocol(struct sm_buf *b, enum sm_proto proto,
                            const struct sm_device_state *const *devs, size_t n);
int sm_render_json_protocol(cJSON *obj, const struct sm_device_state *d);

#endif
