/* SPDX-License-Identifier: MIT */
/* summary.c - one drive's summary from its readings (see summary.h). */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/health.h"

// clang-format off
static const struct sm_sum_state_look looks[SM_SUM_N] = {
        [SM_SUM_CRITICAL]    = {"critical",    "&#10006;" /* heavy multiplication x */, "critical", "\033[1;31m"},
        [SM_SUM_WARNING]     = {"warning",     "&#9888;" /* warning sign */,            "warning",  "\033[33m"},
        [SM_SUM_UNKNOWN]     = {"unknown",     "?",                                     "unknown",  "\033[35m"},
        [SM_SUM_NEVER]       = {"never read",  "?",                                     "unknown",  "\033[35m"},
        [SM_SUM_OK]          = {"ok",          "&#10004;" /* heavy check mark */,       "ok",       "\033[32m"},
        [SM_SUM_ASLEEP]      = {"asleep",      "&#9790;" /* moon */,                    "unknown",  NULL},
        [SM_SUM_UNSUPPORTED] = {"unsupported", "?",                                     "unknown",  NULL},
};

// clang-format on

const struct sm_sum_state_look *sm_sum_state_look(enum sm_sum_state s)
{
        static const struct sm_sum_state_look none = {"?", "?", "unknown", NULL};

        return (unsigned)s < SM_SUM_N ? &looks[s] : &none;
}

const char *sm_sum_state_name(enum sm_sum_state s)
{
        return sm_sum_state_look(s)->name;
}

static uint64_t count_of(const struct sm_reading *r)
{
        if (r->exact && r->exact[0] >= '0' && r->exact[0] <= '9')
                return strtoull(r->exact, NULL, 10);
        return r->value > 0 ? (uint64_t)llround(r->value) : 0;
}

static bool fam(const struct sm_reading *r, const char *name)
{
        return strcmp(r->desc->family->name, name) == 0;
}

/* Picks the values by family name from every reading of the drive. */
static void pick(void *opaque, const struct sm_reading *r)
{
        struct sm_summary *s = opaque;
        const char *v;

        if (!r->present || !r->desc->family || r->json_only)
                return;
        if (fam(r, "ssdmon_endurance_used_ratio")) {
                s->has_life = true;
                s->life_used = r->value;
        } else if (fam(r, "ssdmon_endurance_source_info")) {
                v = sm_reading_label(r, "metric");
                if (v && strcmp(v, "ssdmon_endurance_used_ratio") == 0) {
                        const char *src = sm_reading_label(r, "source"),
                                   *attr = sm_reading_label(r, "attribute");

                        if (attr)
                                snprintf(s->life_source, sizeof(s->life_source), "attribute %s",
                                         attr);
                        else
                                snprintf(s->life_source, sizeof(s->life_source), "%s",
                                         src ? src : "");
                }
        } else if (fam(r, "ssdmon_host_written_bytes_total")) {
                s->has_written = true;
                s->written_bytes = count_of(r);
        } else if (fam(r, "ssdmon_available_spare_ratio")) {
                s->has_spare = true;
                s->spare = r->value;
        } else if (fam(r, "ssdmon_available_spare_threshold_ratio")) {
                s->has_spare_threshold = true;
                s->spare_threshold = r->value;
        } else if (fam(r, "ssdmon_temperature_celsius")) {
                if (!sm_reading_label(r, "sensor")) {
                        s->has_temp = true;
                        s->temp_c = r->value;
                }
        } else if (fam(r, "ssdmon_nvme_temperature_threshold_celsius")) {
                v = sm_reading_label(r, "threshold");
                if (v && strcmp(v, "warning") == 0) {
                        s->has_temp_warning = true;
                        s->temp_warning_c = r->value;
                }
        } else if (fam(r, "ssdmon_power_on_seconds_total")) {
                s->has_power_on = true;
                s->power_on_s = count_of(r);
        }
}

void sm_summary_device(const struct sm_device_state *d, double now, struct sm_summary *ret)
{
        const struct sm_risk *k = &d->risk;
        const struct sm_collector *col = sm_collector_for(d->id.proto);
        bool verdict = d->have_data && k->have && k->verdict.state_known;
        int m;

        memset(ret, 0, sizeof(*ret));
        ret->d = d;
        ret->name = d->id.name;
        sm_device_identity(d, &ret->ident);
        ret->cls = sm_class_name(d->id.cls);
        ret->proto = sm_proto_name(d->id.proto);
        ret->capacity_bytes = sm_device_capacity(d);
        ret->last_success_ts = d->last_success_ts;
        ret->last_attempt_ts = d->last_attempt_ts;
        ret->age_s = d->last_success_ts > 0 ? now - d->last_success_ts : -1;
        ret->stale = d->have_data && d->status != SM_READ_OK;
        if ((d->status == SM_READ_ERROR || d->status == SM_READ_TIMEOUT) && d->error[0])
                ret->last_error = d->error;

        if (d->have_data) {
                sm_health_readings(&d->health, pick, ret);
                if (col && col->readings)
                        col->readings(&d->health, pick, ret);
        }
        if (d->have_data && k->have) {
                m = sm_fc_best(k->fc.life_per_day);
                if (m >= 0 && k->fc.days_left[m].known) {
                        ret->has_days_left = true;
                        ret->days_left = k->fc.days_left[m].v;
                        ret->days_left_method = sm_fc_method_name(m);
                }
                m = sm_fc_best(k->fc.dwpd);
                if (m >= 0) {
                        ret->has_dwpd = true;
                        ret->dwpd = k->fc.dwpd[m].v;
                        ret->dwpd_method = sm_fc_method_name(m);
                }
        }
        if (verdict)
                ret->reasons = k->verdict.set;

        /* A critical or warning verdict of the last good read stays, whatever came since. */
        if (verdict && k->verdict.state == SM_HEALTH_CRITICAL)
                ret->state = SM_SUM_CRITICAL;
        else if (verdict && k->verdict.state == SM_HEALTH_WARNING)
                ret->state = SM_SUM_WARNING;
        else if (d->status == SM_READ_UNSUPPORTED) {
                ret->state = SM_SUM_UNSUPPORTED;
                ret->state_why = d->error[0] ? d->error : "no SMART collector for this drive";
        } else if (d->status == SM_READ_NEVER) {
                ret->state = SM_SUM_NEVER;
                ret->state_why = "not read yet";
        } else if (d->status == SM_READ_ERROR || d->status == SM_READ_TIMEOUT) {
                ret->state = SM_SUM_UNKNOWN;
                ret->state_why = d->status == SM_READ_TIMEOUT ? "the last read timed out"
                                                              : "the last read failed";
        } else if (d->status == SM_READ_ASLEEP) {
                ret->state = SM_SUM_ASLEEP;
                ret->state_why = "in standby, left alone (values from the last read while awake)";
        } else if (verdict) {
                ret->state = SM_SUM_OK;
        } else {
                ret->state = SM_SUM_UNKNOWN;
                ret->state_why = "the drive reports nothing the verdict can use";
        }
}

int sm_summary_cmp(const struct sm_summary *a, const struct sm_summary *b)
{
        if (a->state != b->state)
                return a->state < b->state ? -1 : 1;
        if (a->has_life != b->has_life)
                return a->has_life ? -1 : 1;
        if (a->has_life && a->life_used != b->life_used)
                return a->life_used > b->life_used ? -1 : 1;
        return strcmp(a->name, b->name);
}

static int cmp_void(const void *a, const void *b)
{
        return sm_summary_cmp(a, b);
}

void sm_summary_build(const struct sm_device_state *devs, size_t n, double now,
                      struct sm_summary *ret, struct sm_node_summary *node)
{
        memset(node, 0, sizeof(*node));
        node->worst_life = node->fewest_days = node->hottest = -1;
        for (size_t i = 0; i < n; i++)
                sm_summary_device(&devs[i], now, &ret[i]);
        if (n > 1)
                qsort(ret, n, sizeof(*ret), cmp_void);
        node->n = n;
        for (size_t i = 0; i < n; i++) {
                const struct sm_summary *s = &ret[i];

                node->by_state[s->state]++;
                if (s->has_life &&
                    (node->worst_life < 0 || s->life_used > ret[node->worst_life].life_used))
                        node->worst_life = (long)i;
                if (s->has_days_left &&
                    (node->fewest_days < 0 || s->days_left < ret[node->fewest_days].days_left))
                        node->fewest_days = (long)i;
                if (s->has_temp && (node->hottest < 0 || s->temp_c > ret[node->hottest].temp_c))
                        node->hottest = (long)i;
        }
}

void sm_summary_fmt_duration(double seconds, char *buf, size_t n)
{
        uint64_t s = seconds > 0 ? (uint64_t)seconds : 0;
        uint64_t d = s / 86400;

        if (d >= 365)
                snprintf(buf, n, "%llu y %llu d", (unsigned long long)(d / 365),
                         (unsigned long long)(d % 365));
        else if (d >= 1)
                snprintf(buf, n, "%llu d %llu h", (unsigned long long)d,
                         (unsigned long long)(s % 86400 / 3600));
        else if (s >= 3600)
                snprintf(buf, n, "%llu h %llu min", (unsigned long long)(s / 3600),
                         (unsigned long long)(s % 3600 / 60));
        else if (s >= 60)
                snprintf(buf, n, "%llu min", (unsigned long long)(s / 60));
        else
                snprintf(buf, n, "%llu s", (unsigned long long)s);
}
