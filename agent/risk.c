/* SPDX-License-Identifier: MIT */
/* risk.c - forecast and verdict families and readings; the inputs taken from readings. */
#include "risk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/health.h"
#include "state.h"

/* ===== families ===== */

/* All gauges: RF(variable, name, unit, label, help). */
#define RF(var, name, unit, label, help) \
        SM_FAMILY(static, var, name, SM_GAUGE, unit, 0, help, label)
// clang-format off
RF(f_life_rate, "ssdmon_endurance_used_per_day_ratio", "ratio", "method", "Rated endurance used per day: method recent from the agent's history (per wall-clock day), lifetime = endurance used / power-on days");
RF(f_days_left, "ssdmon_endurance_remaining_seconds", "seconds", "method", "Time until 100 % of the rated endurance is used at that method's rate (0 once past it; absent when the rate is 0 or unknown)");
RF(f_written_rate, "ssdmon_host_written_bytes_per_day", "bytes", "method", "Host bytes written per day: recent over the last 7 days of history, lifetime = bytes written / power-on days");
RF(f_dwpd, "ssdmon_drive_writes_per_day", "ratio", "method", "Drive writes per day: host bytes written per day / capacity");
RF(f_risk, "ssdmon_health_risk", "", "reason", "1 if the reason applies to the drive, 0 if not; absent when the drive does not report what it needs (docs/health.md)");
RF(f_state, "ssdmon_health_state", "", "state", "The agent's verdict: 1 for the current state (ok, warning, critical: the highest severity of the reasons set), 0 for the others");
RF(f_samples, "ssdmon_history_samples", "", NULL, "Samples in the drive's history (hourly for 14 days, daily for 3 years)");
RF(f_persisted, "ssdmon_history_persisted", "", NULL, "1 if the drive's history is kept in --state.dir, 0 if only in memory");
// clang-format on
#undef RF

const struct sm_family *const sm_risk_families[] = {
        &f_life_rate, &f_days_left, &f_written_rate, &f_dwpd, &f_risk,
        &f_state,     &f_samples,   &f_persisted,    NULL,
};

/* ===== readings ===== */

#define J(sec, k, kind_)                                                       \
        {                                                                      \
                .kind = kind_, .section = sec, .key = k, .flags = SM_JSON_NULL \
        }
#define FC(fam, k)                                                      \
        {                                                               \
                .family = fam, .json = J("forecast", k, SM_JSON_NUMBER) \
        }

/* [series][method] */
static const struct sm_desc d_fc[4][SM_FC_N_METHODS] = {
        {FC(&f_life_rate, "endurance_used_per_day_recent"),
         FC(&f_life_rate, "endurance_used_per_day_lifetime")},
        {FC(NULL, "endurance_days_left_recent"), FC(NULL, "endurance_days_left_lifetime")},
        {FC(&f_written_rate, "host_written_bytes_per_day_recent"),
         FC(&f_written_rate, "host_written_bytes_per_day_lifetime")},
        {FC(&f_dwpd, "drive_writes_per_day_recent"), FC(&f_dwpd, "drive_writes_per_day_lifetime")},
};
static const struct sm_desc d_days_prom = {.family = &f_days_left};
static const struct sm_desc d_method = {.json = J("forecast", "method", SM_JSON_STRING)};
static const struct sm_desc d_life_why = {
        .json = J("forecast", "recent_endurance_unavailable", SM_JSON_STRING)};
static const struct sm_desc d_write_why = {
        .json = J("forecast", "recent_writes_unavailable", SM_JSON_STRING)};
static const struct sm_desc d_samples = {.family = &f_samples,
                                         .json = J("history", "samples", SM_JSON_NUMBER)};
static const struct sm_desc d_span = {.json = J("history", "span_seconds", SM_JSON_NUMBER)};
static const struct sm_desc d_persisted = {.family = &f_persisted,
                                           .json = J("history", "persisted", SM_JSON_BOOL)};
static const struct sm_desc d_memory_why = {
        .json = J("history", "memory_only_reason", SM_JSON_STRING)};
static const struct sm_desc d_state_str = {.json = J("verdict", "state", SM_JSON_STRING)};
static const struct sm_desc d_state = {.family = &f_state};
static const struct sm_desc d_risk = {.family = &f_risk};
static const struct sm_desc d_reason = {
        .json = {
                .kind = SM_JSON_STRING, .section = "verdict", .array = "reasons", .key = "reason"}};
static const struct sm_desc d_reason_set = {
        .json = {.kind = SM_JSON_BOOL, .section = "verdict", .array = "reasons", .key = "risk"}};
static const struct sm_desc d_reason_sev = {.json = {.kind = SM_JSON_STRING,
                                                     .section = "verdict",
                                                     .array = "reasons",
                                                     .key = "severity"}};

/* trend (agent/trend.h): arrays of {t, value} objects, one per point */
#define PT(arr, k)                              \
        {                                       \
                .json = {                       \
                        .kind = SM_JSON_NUMBER, \
                        .section = "trend",     \
                        .array = arr,           \
                        .key = k,               \
                        .flags = SM_JSON_SERIES \
                }                               \
        }
static const struct sm_desc d_tr_source = {.json = J("trend", "source", SM_JSON_STRING)};
static const struct sm_desc d_tr_res = {.json = J("trend", "resolution", SM_JSON_STRING)};
static const struct sm_desc d_tr_samples = {.json = J("trend", "samples", SM_JSON_NUMBER)};
static const struct sm_desc d_tr_life[2] = {PT("life_used", "t"), PT("life_used", "ratio")};
static const struct sm_desc d_tr_life_why = {
        .json = J("trend", "life_used_unavailable", SM_JSON_STRING)};
static const struct sm_desc d_tr_temp[2] = {PT("temperature", "t"), PT("temperature", "celsius")};
static const struct sm_desc d_tr_temp_why = {
        .json = J("trend", "temperature_unavailable", SM_JSON_STRING)};

static void emit_str(sm_emit_fn emit, void *ctx, const struct sm_desc *d, const char *s)
{
        struct sm_reading r = {.desc = d, .str = s, .present = s != NULL};

        emit(ctx, &r);
}

static void emit_num(sm_emit_fn emit, void *ctx, const struct sm_desc *d, double v, bool present,
                     const char *label)
{
        struct sm_reading r = sm_reading_num(d, v, NULL);

        r.present = present;
        r.labels[0] = label;
        emit(ctx, &r);
}

/* Days left: days in the JSON, seconds in Prometheus (its base unit). */
static void emit_days_left(sm_emit_fn emit, void *ctx, int m, struct sm_fc_value v)
{
        struct sm_reading r = sm_reading_num(&d_fc[1][m], v.v, NULL);

        r.present = v.known;
        emit(ctx, &r);
        r.desc = &d_days_prom;
        r.value = v.v * 86400.0;
        r.labels[0] = sm_fc_method_name(m);
        emit(ctx, &r);
}

static void emit_series(sm_emit_fn emit, void *ctx, const struct sm_trend_series *s,
                        const struct sm_desc d[2], double unit)
{
        for (unsigned i = 0; i < s->n; i++) {
                struct sm_reading r = sm_reading_num(&d[0], (double)(s->t0 + s->dt[i]), NULL);

                r.row = i;
                emit(ctx, &r);
                r = sm_reading_num(&d[1], s->v[i] / unit, NULL);
                r.row = i;
                emit(ctx, &r);
        }
}

static void trend_readings(const struct sm_trend *t, sm_emit_fn emit, void *ctx)
{
        bool any = t->life.n >= 2 || t->temp.n >= 2;

        emit_str(emit, ctx, &d_tr_source, any ? "history" : NULL);
        emit_str(emit, ctx, &d_tr_res, any ? sm_trend_res_name(t->res) : NULL);
        emit_num(emit, ctx, &d_tr_samples, t->ring_samples, true, NULL);
        emit_series(emit, ctx, &t->life, d_tr_life, 10000.0);
        emit_str(emit, ctx, &d_tr_life_why, sm_trend_missing(t, &t->life));
        emit_series(emit, ctx, &t->temp, d_tr_temp, 1.0);
        emit_str(emit, ctx, &d_tr_temp_why, sm_trend_missing(t, &t->temp));
}

void sm_risk_readings(const struct sm_risk *k, sm_emit_fn emit, void *ctx)
{
        const struct sm_fc_value *series[4] = {k->fc.life_per_day, k->fc.days_left,
                                               k->fc.written_per_day, k->fc.dwpd};
        const struct sm_verdict *v = &k->verdict;
        int best = sm_fc_best(k->fc.life_per_day);
        unsigned row = 0;

        if (!k->have)
                return;
        emit_str(emit, ctx, &d_method, best < 0 ? NULL : sm_fc_method_name(best));
        for (int s = 0; s < 4; s++)
                for (int m = 0; m < SM_FC_N_METHODS; m++)
                        if (s == 1)
                                emit_days_left(emit, ctx, m, series[s][m]);
                        else
                                emit_num(emit, ctx, &d_fc[s][m], series[s][m].v, series[s][m].known,
                                         sm_fc_method_name(m));
        emit_str(emit, ctx, &d_life_why, k->fc.recent_life_why);
        emit_str(emit, ctx, &d_write_why, k->fc.recent_write_why);

        emit_num(emit, ctx, &d_samples, k->fc.samples, true, NULL);
        emit_num(emit, ctx, &d_span, k->fc.span_s, true, NULL);
        emit_num(emit, ctx, &d_persisted, k->persisted, true, NULL);
        emit_str(emit, ctx, &d_memory_why, k->memory_why);

        emit_str(emit, ctx, &d_state_str, v->state_known ? sm_health_state_name(v->state) : NULL);
        for (int s = 0; s < SM_HEALTH_N; s++)
                emit_num(emit, ctx, &d_state, v->state == (enum sm_health_state)s, v->state_known,
                         sm_health_state_name((enum sm_health_state)s));
        for (unsigned i = 0; i < SM_REASON_COUNT; i++) {
                bool known = v->known & (1u << i), set = v->set & (1u << i);
                struct sm_reading r;

                emit_num(emit, ctx, &d_risk, set, known, sm_reasons[i].name);
                if (!known)
                        continue;
                r = (struct sm_reading){
                        .desc = &d_reason, .str = sm_reasons[i].name, .row = row, .present = true};
                emit(ctx, &r);
                r = sm_reading_num(&d_reason_set, set, NULL);
                r.row = row;
                emit(ctx, &r);
                r = (struct sm_reading){.desc = &d_reason_sev,
                                        .str = sm_health_state_name(sm_reasons[i].severity),
                                        .row = row,
                                        .present = true};
                emit(ctx, &r);
                row++;
        }
        trend_readings(&k->trend, emit, ctx);
}

/* ===== inputs, by family name ===== */

enum pick_field {
        P_HEALTHY,
        P_TEMP,
        P_TEMP_WARNING,
        P_POWER_ON,
        P_LIFE,
        P_WRITTEN,
        P_MEDIA,
        P_REALLOC,
        P_PENDING,
        P_SPARE,
        P_SPARE_THRESHOLD,
        P_CRITICAL_WARNING,
        P_SELF_TEST_FAILED,
        P_N,
};

/* Which reading feeds what: family name, and a label that must (or must not) be set. */
static const struct pick {
        const char *family;
        const char *label;       /* NULL: no condition */
        const char *label_value; /* NULL: the label must be absent; else equal */
        enum pick_field field;
} picks[] = {
        {"ssdmon_smart_healthy", NULL, NULL, P_HEALTHY},
        {"ssdmon_temperature_celsius", "sensor", NULL, P_TEMP},
        {"ssdmon_nvme_temperature_threshold_celsius", "threshold", "warning", P_TEMP_WARNING},
        {"ssdmon_power_on_seconds_total", NULL, NULL, P_POWER_ON},
        {"ssdmon_endurance_used_ratio", NULL, NULL, P_LIFE},
        {"ssdmon_host_written_bytes_total", NULL, NULL, P_WRITTEN},
        {"ssdmon_nvme_media_errors_total", NULL, NULL, P_MEDIA},
        {"ssdmon_ata_reported_uncorrectable_errors_total", NULL, NULL, P_MEDIA},
        {"ssdmon_ata_attribute_raw", "id", "187", P_MEDIA},
        {"ssdmon_ata_attribute_raw", "id", "5", P_REALLOC},
        {"ssdmon_ata_attribute_raw", "id", "197", P_PENDING},
        {"ssdmon_available_spare_ratio", NULL, NULL, P_SPARE},
        {"ssdmon_available_spare_threshold_ratio", NULL, NULL, P_SPARE_THRESHOLD},
        {"ssdmon_nvme_critical_warning", NULL, NULL, P_CRITICAL_WARNING},
        {"ssdmon_self_test_failed", NULL, NULL, P_SELF_TEST_FAILED},
};

struct pick_ctx {
        struct sm_hist_sample *s;
        struct sm_verdict_input *in;
        bool have_media_counter; /* a dedicated counter wins over ATA attribute 187 */
        unsigned cw_bit;
};

static bool matches(const struct pick *p, const struct sm_reading *r)
{
        const char *v;

        if (strcmp(p->family, r->desc->family->name) != 0)
                return false;
        if (!p->label)
                return true;
        v = sm_reading_label(r, p->label);
        return p->label_value ? v && strcmp(v, p->label_value) == 0 : v == NULL;
}

/* Counters as exact integers where the reading has its exact decimal. */
static uint64_t count_of(const struct sm_reading *r)
{
        if (r->exact && r->exact[0] >= '0' && r->exact[0] <= '9')
                return strtoull(r->exact, NULL, 10);
        return r->value > 0 ? (uint64_t)llround(r->value) : 0;
}

/* The history's setters, by the field they fill: counters as exact integers, others as values. */
static void (*const count_setter[P_N])(struct sm_hist_sample *, uint64_t) = {
        [P_POWER_ON] = sm_hist_set_power_on, [P_WRITTEN] = sm_hist_set_written,
        [P_MEDIA] = sm_hist_set_media,       [P_REALLOC] = sm_hist_set_realloc,
        [P_PENDING] = sm_hist_set_pending,
};
static void (*const value_setter[P_N])(struct sm_hist_sample *, double) = {
        [P_TEMP] = sm_hist_set_temp,
        [P_LIFE] = sm_hist_set_life,
        [P_SPARE] = sm_hist_set_spare,
};

static void pick_emit(void *opaque, const struct sm_reading *r)
{
        struct pick_ctx *c = opaque;

        if (!r->present || !r->desc->family || r->json_only)
                return;
        for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
                const struct pick *p = &picks[i];

                if (!matches(p, r))
                        continue;
                if (p->field == P_MEDIA) {
                        if (strcmp(p->family, "ssdmon_ata_attribute_raw") != 0)
                                c->have_media_counter = true;
                        else if (c->have_media_counter)
                                continue;
                }
                if (count_setter[p->field])
                        count_setter[p->field](c->s, count_of(r));
                if (value_setter[p->field])
                        value_setter[p->field](c->s, r->value);
                switch (p->field) {
                case P_TEMP:
                        c->in->has_temperature = true;
                        c->in->temperature_c = r->value;
                        break;
                case P_TEMP_WARNING:
                        c->in->has_temp_warning = true;
                        c->in->temp_warning_c = r->value;
                        break;
                case P_SPARE_THRESHOLD:
                        c->in->has_spare_threshold = true;
                        c->in->spare_threshold = r->value;
                        break;
                case P_HEALTHY:
                        c->in->smart_healthy = r->value != 0;
                        break;
                case P_CRITICAL_WARNING:
                        c->in->has_critical_warning = true;
                        if (r->value != 0)
                                c->in->critical_warning |= (uint8_t)(1u << (c->cw_bit & 7));
                        c->cw_bit++;
                        break;
                case P_SELF_TEST_FAILED:
                        c->in->has_self_test = true;
                        c->in->self_test_failed = r->value != 0;
                        break;
                default: /* history fields only: the setters above */
                        break;
                }
        }
}

void sm_risk_input(const struct sm_device_state *d, int64_t t, struct sm_hist_sample *ret_s,
                   struct sm_verdict_input *ret_in)
{
        const struct sm_collector *col = sm_collector_for(d->id.proto);
        struct pick_ctx c = {.s = ret_s, .in = ret_in};

        memset(ret_s, 0, sizeof(*ret_s));
        memset(ret_in, 0, sizeof(*ret_in));
        ret_s->t = t;
        ret_in->smart_healthy = -1;
        if (!d->have_data)
                return;
        /* Self-test: the protocol-independent fields every log reader fills (health.h). */
        if (d->health.has_self_test) {
                ret_in->has_self_test = true;
                ret_in->self_test_failed = d->health.self_test_failed;
        }
        sm_health_readings(&d->health, pick_emit, &c);
        if (col && col->readings)
                col->readings(&d->health, pick_emit, &c);
}
