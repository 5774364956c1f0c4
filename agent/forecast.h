/* SPDX-License-Identifier: MIT */
/*
 * forecast.h - wear and write rates and days of endurance left, from a
 * drive's history (pure; docs/health.md has the rules and their reasons).
 *
 * Two methods, each reported on its own when it can be computed:
 *   recent   - from the history this agent kept: endurance used per day between
 *              the oldest and newest change of "endurance used" within the last
 *              30 days (or the last two changes when fewer fall in that window),
 *              capped by one step over the time since the newest change;
 *              bytes written per day over the last 7 days (at least 1 day of it).
 *   lifetime - the drive's own average: endurance used / power-on days,
 *              bytes written / power-on days (at least 1 power-on day).
 * Days are 86400 s; recent rates are per wall-clock day, lifetime rates per
 * power-on day.
 */
#ifndef SM_FORECAST_H
#define SM_FORECAST_H

#include <stdbool.h>
#include <stdint.h>

#include "history.h"

#define SM_FC_LIFE_WINDOW_S  (30 * 86400) /* recent endurance rate window */
#define SM_FC_WRITE_WINDOW_S (7 * 86400)  /* recent write rate window */
#define SM_FC_MIN_SPAN_S     86400        /* shortest history a recent write rate uses */

enum sm_fc_method { SM_FC_RECENT = 0, SM_FC_LIFETIME, SM_FC_N_METHODS };

struct sm_fc_value {
        bool known;
        double v;
};

struct sm_forecast {
        struct sm_fc_value life_per_day[SM_FC_N_METHODS]; /* endurance used per day, ratio */
        struct sm_fc_value days_left[SM_FC_N_METHODS];    /* until 100 % at that rate; 0 past it */
        struct sm_fc_value written_per_day[SM_FC_N_METHODS]; /* host bytes per day */
        struct sm_fc_value dwpd[SM_FC_N_METHODS]; /* drive writes per day: bytes/day / capacity */
        unsigned samples;                         /* samples in the history */
        double span_s;                            /* newest - oldest sample */
        const char *recent_life_why;  /* why the recent endurance rate is unknown, else NULL */
        const char *recent_write_why; /* why the recent write rate is unknown, else NULL */
};

const char *sm_fc_method_name(enum sm_fc_method m);

/*
 * The method a single figure should use: recent when known, else lifetime;
 * -1 when neither is known.
 */
int sm_fc_best(const struct sm_fc_value v[SM_FC_N_METHODS]);

/* Compute the forecast of h (capacity 0: unknown, no drive writes per day). */
void sm_forecast_compute(const struct sm_history *h, uint64_t capacity_bytes,
                         struct sm_forecast *ret);

#endif
