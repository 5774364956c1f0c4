/* SPDX-License-Identifier: MIT */
/*
 * verdict.h - why a drive is at risk: a fixed list of reasons, each 0/1 (or
 * unknown when the drive does not report what it needs), and one overall
 * state, ok / warning / critical, the highest severity of the reasons set.
 *
 * Pure: (current readings, history, forecast) -> verdict. The thresholds and
 * the study or specification behind each are in docs/health.md.
 */
#ifndef SM_VERDICT_H
#define SM_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "forecast.h"
#include "history.h"

#define SM_VERDICT_WINDOW_S       (30 * 86400) /* "growing": more than 30 days ago */
#define SM_VERDICT_ENDURANCE_HIGH 0.90         /* endurance_over_90 */
#define SM_VERDICT_DAYS_LEFT_MIN  30.0         /* endurance_days_left_under_30 */
#define SM_VERDICT_SPARE_MARGIN   0.10         /* spare_near_threshold: within 10 points */
#define SM_VERDICT_TEMP_DEFAULT_C 70.0 /* temperature_over_warning without a drive threshold */

enum sm_health_state { SM_HEALTH_OK = 0, SM_HEALTH_WARNING, SM_HEALTH_CRITICAL, SM_HEALTH_N };

enum sm_reason {
        SM_REASON_SMART_FAILING = 0,
        SM_REASON_CRITICAL_WARNING,
        SM_REASON_SPARE_BELOW_THRESHOLD,
        SM_REASON_SELF_TEST_FAILED,
        SM_REASON_ENDURANCE_EXHAUSTED,
        SM_REASON_MEDIA_ERRORS_GROWING,
        SM_REASON_REALLOCATIONS_GROWING,
        SM_REASON_ENDURANCE_OVER_90,
        SM_REASON_ENDURANCE_DAYS_LEFT_UNDER_30,
        SM_REASON_SPARE_NEAR_THRESHOLD,
        SM_REASON_TEMPERATURE_OVER_WARNING,
        SM_REASON_COUNT
};

struct sm_reason_info {
        const char *name; /* the `reason` label */
        enum sm_health_state severity;
        const char *summary; /* one line for people (landing page, check) */
};

extern const struct sm_reason_info sm_reasons[SM_REASON_COUNT];

const char *sm_health_state_name(enum sm_health_state s);

/* What the verdict needs beyond the history; has_* false: the drive does not say. */
struct sm_verdict_input {
        int smart_healthy; /* the drive's own verdict: 1 healthy, 0 failing, -1 unknown */
        bool has_critical_warning;
        uint8_t critical_warning; /* NVMe SMART/Health byte 0 */
        bool has_self_test;
        bool self_test_failed; /* the newest completed self-test failed */
        bool has_temperature;
        double temperature_c; /* now (the history keeps hourly maxima) */
        bool has_temp_warning;
        double temp_warning_c; /* the drive's warning threshold (NVMe WCTEMP) */
        bool has_spare_threshold;
        double spare_threshold; /* ratio (NVMe available spare threshold) */
};

struct sm_verdict {
        uint32_t known; /* bit per enum sm_reason: could be evaluated */
        uint32_t set;   /* bit per enum sm_reason: applies */
        bool state_known;
        enum sm_health_state state;
};

static inline bool sm_verdict_has(const struct sm_verdict *v, enum sm_reason r)
{
        return v->set & (1u << r);
}

/*
 * The verdict for a drive: in, its history h (the newest sample is the current
 * collection) and its forecast fc (NULL: no forecast reasons).
 */
void sm_verdict_compute(const struct sm_verdict_input *in, const struct sm_history *h,
                        const struct sm_forecast *fc, struct sm_verdict *ret);

#endif
