/* SPDX-License-Identifier: MIT */
/*
 * render.h - pure functions from snapshot data to response bodies: the
 * Prometheus text, the JSON API and the landing page. No I/O, no globals.
 * Each returns 0 or -ENOMEM; on failure nothing is half-rendered.
 */
#ifndef SM_RENDER_H
#define SM_RENDER_H

#include "snapshot.h"

int sm_render_metrics(const struct sm_snapshot *s, struct sm_body *ret);
/* Per-device JSON bodies (ret[i] for s->devices[i]) and the list body built from them. */
int sm_render_json(const struct sm_snapshot *s, struct sm_body *ret_devices,
                   struct sm_body *ret_list);
int sm_render_landing(const struct sm_snapshot *s, struct sm_body *ret);
/* gzip b->data into b->gz when it is worth it; -ENOMEM on failure. */
int sm_render_gzip(struct sm_body *b);

#endif
