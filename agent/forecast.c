/* SPDX-License-Identifier: MIT */
/* forecast.c - rates and days left from a history (see forecast.h). */
#include "forecast.h"

#include <string.h>

#include "lib/util.h"

#define DAY 86400.0

const char *sm_fc_method_name(enum sm_fc_method m)
{
        static const char *const names[SM_FC_N_METHODS] = {
                [SM_FC_RECENT] = "recent",
                [SM_FC_LIFETIME] = "lifetime",
        };

        return SM_ENUM_NAME(names, m, "?");
}

int sm_fc_best(const struct sm_fc_value v[SM_FC_N_METHODS])
{
        if (v[SM_FC_RECENT].known)
                return SM_FC_RECENT;
        if (v[SM_FC_LIFETIME].known)
                return SM_FC_LIFETIME;
        return -1;
}

static void set(struct sm_fc_value *v, double x)
{
        v->known = true;
        v->v = x;
}

/*
 * Recent endurance rate over the series s[0..n) (oldest first), samples with
 * life only. An edge is a sample whose life is above its predecessor's; the
 * change happened since that predecessor, so the interval between two edges
 * holds exactly the life between them.
 */
static const char *recent_life(const struct sm_hist_sample *const *s, size_t n,
                               struct sm_fc_value *ret)
{
        const struct sm_hist_sample *prev = NULL, *newest, *edges[3] = {NULL};
        const struct sm_hist_sample *first_in_window = NULL;
        size_t n_edges = 0;
        int64_t now = 0;
        double rate, step, since;

        for (size_t i = 0; i < n; i++)
                if (s[i]->present & SM_HIST_LIFE)
                        now = s[i]->t;
        /* Keep the oldest edge within the window, the newest two, the sample before the newest. */
        for (size_t i = 0; i < n; i++) {
                if (!(s[i]->present & SM_HIST_LIFE))
                        continue;
                if (prev && s[i]->life_e4 > prev->life_e4) {
                        n_edges++;
                        if (s[i]->t >= now - SM_FC_LIFE_WINDOW_S && first_in_window == NULL)
                                first_in_window = s[i];
                        edges[0] = edges[1];
                        edges[1] = s[i];
                        edges[2] = prev; /* the sample before the newest edge */
                }
                prev = s[i];
        }
        newest = edges[1];
        if (n_edges < 2)
                return n_edges == 0 ? "endurance used did not change in the history"
                                    : "endurance used changed only once in the history";
        /* Fewer than two edges in the window: the newest and the one before it. */
        if (first_in_window == NULL || first_in_window == newest)
                first_in_window = edges[0];
        rate = (newest->life_e4 - first_in_window->life_e4) / 10000.0 /
               ((double)(newest->t - first_in_window->t) / DAY);
        if (rate < 0) /* life went down between the two edges (a vendor quirk) */
                rate = 0;
        /* No change since the newest edge: less than one step in that time. */
        step = (newest->life_e4 - edges[2]->life_e4) / 10000.0;
        since = (double)(now - newest->t) / DAY;
        if (since > 0 && step / since < rate)
                rate = step / since;
        set(ret, rate);
        return NULL;
}

static const char *recent_written(const struct sm_hist_sample *const *s, size_t n,
                                  struct sm_fc_value *ret)
{
        const struct sm_hist_sample *old = NULL, *last = NULL;
        double span;

        for (size_t i = 0; i < n; i++)
                if (s[i]->present & SM_HIST_WRITTEN)
                        last = s[i];
        if (last == NULL)
                return "the drive reports no bytes written";
        for (size_t i = 0; i < n && old == NULL; i++)
                if ((s[i]->present & SM_HIST_WRITTEN) && s[i]->t >= last->t - SM_FC_WRITE_WINDOW_S)
                        old = s[i];
        if (old == NULL) /* not reached: last itself is in the window */
                old = last;
        span = (double)(last->t - old->t);
        if (span < SM_FC_MIN_SPAN_S)
                return "history shorter than one day";
        set(ret, (double)(last->written_bytes - old->written_bytes) / (span / DAY));
        return NULL;
}

void sm_forecast_compute(const struct sm_history *h, uint64_t capacity_bytes,
                         struct sm_forecast *ret)
{
        const struct sm_hist_sample *s[SM_HIST_HOURLY + SM_HIST_DAILY], *last;
        size_t n = sm_history_series(h, s, SM_HIST_HOURLY + SM_HIST_DAILY);

        memset(ret, 0, sizeof(*ret));
        ret->samples = (unsigned)n;
        if (n == 0) {
                ret->recent_life_why = ret->recent_write_why = "no history";
                return;
        }
        last = s[n - 1];
        ret->span_s = (double)(last->t - s[0]->t);
        ret->recent_life_why = recent_life(s, n, &ret->life_per_day[SM_FC_RECENT]);
        ret->recent_write_why = recent_written(s, n, &ret->written_per_day[SM_FC_RECENT]);

        if ((last->present & SM_HIST_POWER_ON) && last->power_on_s >= DAY) {
                double days = last->power_on_s / DAY;

                if (last->present & SM_HIST_LIFE)
                        set(&ret->life_per_day[SM_FC_LIFETIME], sm_hist_life(last) / days);
                if (last->present & SM_HIST_WRITTEN)
                        set(&ret->written_per_day[SM_FC_LIFETIME],
                            (double)last->written_bytes / days);
        }

        for (int m = 0; m < SM_FC_N_METHODS; m++) {
                const struct sm_fc_value *r = &ret->life_per_day[m];
                const struct sm_fc_value *w = &ret->written_per_day[m];

                if ((last->present & SM_HIST_LIFE) && sm_hist_life(last) >= 1.0 && r->known)
                        set(&ret->days_left[m], 0);
                else if (r->known && r->v > 0)
                        set(&ret->days_left[m], (1.0 - sm_hist_life(last)) / r->v);
                if (w->known && capacity_bytes > 0)
                        set(&ret->dwpd[m], w->v / (double)capacity_bytes);
        }
}
