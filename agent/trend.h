/* SPDX-License-Identifier: MIT */
/*
 * trend.h - a small downsampled picture of a drive's history for the pages
 * and the JSON: life used and the maximum temperature over time, at most
 * SM_TREND_POINTS points each. Pure, plain data (copied into every snapshot:
 * sizeof(struct sm_trend) bytes per drive, no pointers), computed by the
 * tracker after each collection, so rendering never reads a history.
 *
 * The rule (docs/health.md, "Trend"):
 *   - resolution: the daily samples when the history holds at least
 *     SM_TREND_DAILY_MIN of them (more days than the 14 of the hourly ring),
 *     else the hourly samples;
 *   - per series, the samples of that resolution that hold the value (oldest
 *     first), m of them: fewer than 2, no series; at most SM_TREND_POINTS,
 *     one point per sample; more, SM_TREND_POINTS groups, group k being the
 *     samples [floor(k m / P), floor((k + 1) m / P)): a point at the time of
 *     the group's newest sample, with that sample's life used, or the highest
 *     temperature maximum of the group.
 */
#ifndef SM_TREND_H
#define SM_TREND_H

#include <stdint.h>

#include "history.h"

#define SM_TREND_POINTS    48
#define SM_TREND_DAILY_MIN 15

enum sm_trend_res {
        SM_TREND_HOURLY = 0,
        SM_TREND_DAILY,
};

/* One series: point i is at t0 + dt[i] (unix s) with value v[i]. */
struct sm_trend_series {
        int64_t t0;
        uint32_t dt[SM_TREND_POINTS];
        int16_t v[SM_TREND_POINTS]; /* life used in 1/10000 (at most INT16_MAX), or C */
        uint8_t n;                  /* 0, or 2..SM_TREND_POINTS */
        uint16_t samples;           /* the samples it was drawn from (m) */
};

struct sm_trend {
        enum sm_trend_res res;
        uint16_t ring_samples; /* samples of that resolution in the history */
        struct sm_trend_series life, temp;
};

const char *sm_trend_res_name(enum sm_trend_res r);

/* The trend of h (see above). */
void sm_trend_compute(const struct sm_history *h, struct sm_trend *ret);

/* Why series s has no points, or NULL when it has them ("endurance used"/"temperature"). */
const char *sm_trend_missing(const struct sm_trend *t, const struct sm_trend_series *s);

#endif
