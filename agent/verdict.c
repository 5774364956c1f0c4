/* SPDX-License-Identifier: MIT */
/* verdict.c - reasons and the overall health state (see verdict.h, docs/health.md). */
#include "verdict.h"

#include <string.h>

#include "lib/util.h"

// clang-format off
const struct sm_reason_info sm_reasons[SM_REASON_COUNT] = {
        [SM_REASON_SMART_FAILING] = {"smart_failing", SM_HEALTH_CRITICAL, "the drive's own SMART verdict is failing"},
        [SM_REASON_CRITICAL_WARNING] = {"critical_warning", SM_HEALTH_CRITICAL, "NVMe critical warning set"},
        [SM_REASON_SPARE_BELOW_THRESHOLD] = {"spare_below_threshold", SM_HEALTH_CRITICAL, "available spare below the drive's threshold"},
        [SM_REASON_SELF_TEST_FAILED] = {"self_test_failed", SM_HEALTH_CRITICAL, "the last self-test failed"},
        [SM_REASON_ENDURANCE_EXHAUSTED] = {"endurance_exhausted", SM_HEALTH_CRITICAL, "rated endurance used up (100 %)"},
        [SM_REASON_MEDIA_ERRORS_GROWING] = {"media_errors_growing", SM_HEALTH_WARNING, "media/uncorrectable errors grew within 30 days"},
        [SM_REASON_REALLOCATIONS_GROWING] = {"reallocations_growing", SM_HEALTH_WARNING, "reallocated or pending sectors grew within 30 days"},
        [SM_REASON_ENDURANCE_OVER_90] = {"endurance_over_90", SM_HEALTH_WARNING, "90 % of the rated endurance used"},
        [SM_REASON_ENDURANCE_DAYS_LEFT_UNDER_30] = {"endurance_days_left_under_30", SM_HEALTH_WARNING, "endurance runs out within 30 days"},
        [SM_REASON_SPARE_NEAR_THRESHOLD] = {"spare_near_threshold", SM_HEALTH_WARNING, "available spare within 10 points of its threshold"},
        [SM_REASON_TEMPERATURE_OVER_WARNING] = {"temperature_over_warning", SM_HEALTH_WARNING, "temperature at or over the warning threshold"},
};

// clang-format on

const char *sm_health_state_name(enum sm_health_state s)
{
        static const char *const names[SM_HEALTH_N] = {
                [SM_HEALTH_OK] = "ok",
                [SM_HEALTH_WARNING] = "warning",
                [SM_HEALTH_CRITICAL] = "critical",
        };

        return SM_ENUM_NAME(names, s, "?");
}

static void put(struct sm_verdict *v, enum sm_reason r, bool set)
{
        v->known |= 1u << r;
        if (set)
                v->set |= 1u << r;
}

/* The lowest value of a counter within the window before the newest sample. */
static uint32_t window_min(const struct sm_hist_sample *const *s, size_t n, uint16_t bit,
                           uint32_t (*get)(const struct sm_hist_sample *))
{
        int64_t since = s[n - 1]->t - SM_VERDICT_WINDOW_S;
        uint32_t m = get(s[n - 1]);

        for (size_t i = 0; i < n; i++)
                if (s[i]->t >= since && (s[i]->present & bit) && get(s[i]) < m)
                        m = get(s[i]);
        return m;
}

static uint32_t media_of(const struct sm_hist_sample *s)
{
        return s->media_errors;
}

static uint32_t realloc_of(const struct sm_hist_sample *s)
{
        return s->reallocated;
}

static uint32_t pending_of(const struct sm_hist_sample *s)
{
        return s->pending;
}

static bool grew(const struct sm_hist_sample *const *s, size_t n, uint16_t bit,
                 uint32_t (*get)(const struct sm_hist_sample *))
{
        return (s[n - 1]->present & bit) && get(s[n - 1]) > window_min(s, n, bit, get);
}

void sm_verdict_compute(const struct sm_verdict_input *in, const struct sm_history *h,
                        const struct sm_forecast *fc, struct sm_verdict *ret)
{
        const struct sm_hist_sample *s[SM_HIST_HOURLY + SM_HIST_DAILY], *now = NULL;
        size_t n = h ? sm_history_series(h, s, SM_HIST_HOURLY + SM_HIST_DAILY) : 0;

        memset(ret, 0, sizeof(*ret));
        if (n)
                now = s[n - 1];

        if (in->smart_healthy >= 0)
                put(ret, SM_REASON_SMART_FAILING, in->smart_healthy == 0);
        if (in->has_critical_warning)
                put(ret, SM_REASON_CRITICAL_WARNING, in->critical_warning != 0);
        if (in->has_self_test)
                put(ret, SM_REASON_SELF_TEST_FAILED, in->self_test_failed);
        if (in->has_temperature) {
                double limit =
                        in->has_temp_warning ? in->temp_warning_c : SM_VERDICT_TEMP_DEFAULT_C;
                /* The drive's own threshold counts when reached; the default when exceeded. */
                bool over = in->has_temp_warning ? in->temperature_c >= limit
                                                 : in->temperature_c > limit;

                put(ret, SM_REASON_TEMPERATURE_OVER_WARNING, over);
        }

        if (now && (now->present & SM_HIST_LIFE)) {
                put(ret, SM_REASON_ENDURANCE_EXHAUSTED, sm_hist_life(now) >= 1.0);
                put(ret, SM_REASON_ENDURANCE_OVER_90,
                    sm_hist_life(now) >= SM_VERDICT_ENDURANCE_HIGH);
        }
        if (now && (now->present & SM_HIST_SPARE) && in->has_spare_threshold) {
                double spare = sm_hist_spare(now);

                put(ret, SM_REASON_SPARE_BELOW_THRESHOLD, spare < in->spare_threshold);
                /* Compared in 1/10000 so 0.20 vs 0.10 + 0.10 is not a rounding question. */
                put(ret, SM_REASON_SPARE_NEAR_THRESHOLD,
                    now->spare_e4 <= (long)(in->spare_threshold * 10000.0 + 0.5) +
                                             (long)(SM_VERDICT_SPARE_MARGIN * 10000.0 + 0.5));
        }
        if (now && (now->present & SM_HIST_MEDIA))
                put(ret, SM_REASON_MEDIA_ERRORS_GROWING, grew(s, n, SM_HIST_MEDIA, media_of));
        if (now && (now->present & (SM_HIST_REALLOC | SM_HIST_PENDING)))
                put(ret, SM_REASON_REALLOCATIONS_GROWING,
                    grew(s, n, SM_HIST_REALLOC, realloc_of) ||
                            grew(s, n, SM_HIST_PENDING, pending_of));
        if (fc) {
                /* The method the rate comes from; a zero rate has no days left: not running out. */
                int m = sm_fc_best(fc->life_per_day);

                if (m >= 0)
                        put(ret, SM_REASON_ENDURANCE_DAYS_LEFT_UNDER_30,
                            fc->days_left[m].known &&
                                    fc->days_left[m].v < SM_VERDICT_DAYS_LEFT_MIN);
        }

        for (unsigned r = 0; r < SM_REASON_COUNT; r++) {
                if (!(ret->known & (1u << r)))
                        continue;
                ret->state_known = true;
                if ((ret->set & (1u << r)) && sm_reasons[r].severity > ret->state)
                        ret->state = sm_reasons[r].severity;
        }
}
