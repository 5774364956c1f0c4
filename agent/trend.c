/* SPDX-License-Identifier: MIT */
/* trend.c - the downsampled life used and temperature series (see trend.h). */
#include "trend.h"

#include <string.h>

const char *sm_trend_res_name(enum sm_trend_res r)
{
        return r == SM_TREND_DAILY ? "daily" : "hourly";
}

static int16_t value_of(const struct sm_hist_sample *s, uint16_t field)
{
        if (field == SM_HIST_TEMP)
                return s->temp_max_c;
        return s->life_e4 > INT16_MAX ? INT16_MAX : (int16_t)s->life_e4;
}

static void put(struct sm_trend_series *out, const struct sm_hist_sample *s, int16_t v)
{
        if (out->n == 0)
                out->t0 = s->t;
        out->dt[out->n] = (uint32_t)(s->t - out->t0);
        out->v[out->n++] = v;
}

static void series(const struct sm_hist_sample *ring, size_t n, uint16_t field,
                   struct sm_trend_series *out)
{
        const struct sm_hist_sample *pick[SM_HIST_DAILY];
        size_t m = 0;

        memset(out, 0, sizeof(*out));
        for (size_t i = 0; i < n; i++)
                if (ring[i].present & field)
                        pick[m++] = &ring[i];
        out->samples = (uint16_t)m;
        if (m < 2)
                return;
        if (m <= SM_TREND_POINTS) {
                for (size_t i = 0; i < m; i++)
                        put(out, pick[i], value_of(pick[i], field));
                return;
        }
        for (size_t k = 0; k < SM_TREND_POINTS; k++) {
                size_t lo = k * m / SM_TREND_POINTS, hi = (k + 1) * m / SM_TREND_POINTS;
                int16_t v = value_of(pick[hi - 1], field);

                if (field == SM_HIST_TEMP)
                        for (size_t i = lo; i < hi; i++)
                                if (value_of(pick[i], field) > v)
                                        v = value_of(pick[i], field);
                put(out, pick[hi - 1], v);
        }
}

void sm_trend_compute(const struct sm_history *h, struct sm_trend *ret)
{
        bool daily = h->n_daily >= SM_TREND_DAILY_MIN;
        const struct sm_hist_sample *ring = daily ? h->daily : h->hourly;
        size_t n = daily ? h->n_daily : h->n_hourly;

        memset(ret, 0, sizeof(*ret));
        ret->res = daily ? SM_TREND_DAILY : SM_TREND_HOURLY;
        ret->ring_samples = (uint16_t)n;
        series(ring, n, SM_HIST_LIFE, &ret->life);
        series(ring, n, SM_HIST_TEMP, &ret->temp);
}

const char *sm_trend_missing(const struct sm_trend *t, const struct sm_trend_series *s)
{
        if (s->n >= 2)
                return NULL;
        if (t->ring_samples < 2)
                return "fewer than 2 samples in the history";
        if (s->samples == 0)
                return s == &t->life ? "the drive does not report endurance used"
                                     : "the drive does not report a temperature";
        return s == &t->life ? "fewer than 2 samples with endurance used"
                             : "fewer than 2 samples with a temperature";
}
