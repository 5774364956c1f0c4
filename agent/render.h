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
