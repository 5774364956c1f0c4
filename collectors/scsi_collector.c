/* SPDX-License-Identifier: MIT */
/*
 * scsi_collector.c - the SCSI (SAS) collector: reads through scsi.c (live,
 * libsgutils2) or a capture directory, fills the shared health values, and
 * declares what each SCSI value means (families and JSON keys, metric.h).
 *
 * Shared families it fills: smart_healthy (2Fh: ASC 00h healthy, any other
 * ASC failing), temperature (0Dh, else 2Fh's most recent temperature; the
 * 0Dh/01h temperature reports as sensors 1..), power-on (15h accumulated
 * power-on minutes), endurance used (11h), host bytes written/read (02h/03h
 * total bytes processed). Everything else is ssdmon_scsi_*.
 */
#include "scsi_collector.h"

#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "scsi.h"

/* ---- reading ---- */

/* Runtime PM: a device the kernel has suspended is not opened (not woken). */
static bool runtime_suspended(const char *syspath)
{
        char path[512], buf[32];
        FILE *f;
        bool suspended = false;

        if (!syspath || !syspath[0])
                return false;
        snprintf(path, sizeof(path), "%s/device/power/runtime_status", syspath);
        f = fopen(path, "re");
        if (!f)
                return false;
        if (fgets(buf, sizeof(buf), f))
                suspended = strncmp(buf, "suspended", 9) == 0;
        fclose(f);
        return suspended;
}

/* The shared values of struct sm_health from the SCSI ones. */
static void fill_health(const struct sm_scsi_health *s, struct sm_health *h)
{
        h->scsi = *s;
        if (s->has_ie)
                h->has_healthy = true, h->healthy = s->ie_asc == 0;
        if (s->has_temperature) {
                h->has_temperature = true;
                h->temperature_c = s->temperature_c;
        } else if (s->has_ie_temperature) {
                h->has_temperature = true;
                h->temperature_c = s->ie_temperature_c;
        }
        for (unsigned k = 0; k < s->n_env && k < 8; k++) {
                if (s->env[k].current != SM_SCSI_TEMP_NA) {
                        h->sensor_temps_present |= (uint8_t)(1u << k);
                        h->sensor_temps_c[k] = s->env[k].current;
                }
        }
        if (s->has_background_scan) {
                h->has_power_on = true;
                h->power_on_seconds = (uint64_t)s->power_on_minutes * 60u;
        }
        /* The newest self-test, if it ran to a result (not aborted, not running). */
        if (s->has_self_test && s->self_tests > 0 &&
            (s->last_self_test_result == SM_SCSI_ST_OK ||
             (s->last_self_test_result >= SM_SCSI_ST_UNKNOWN_ERROR &&
              s->last_self_test_result <= SM_SCSI_ST_FAILED_OTHER_SEGMENT))) {
                h->has_self_test = true;
                h->self_test_failed = s->last_self_test_result != SM_SCSI_ST_OK;
                h->self_test_power_on_hours = s->last_self_test_power_on_hours;
        }
        h->has_rotation_rate = s->has_rotation_rate;
        h->rotation_rate = s->rotation_rate;
        if (s->vendor[0] && s->product[0])
                snprintf(h->ident.model, sizeof(h->ident.model), "%s %s", s->vendor, s->product);
        else
                sm_strlcpy(h->ident.model, s->product, sizeof(h->ident.model));
        sm_strlcpy(h->ident.serial, s->serial, sizeof(h->ident.serial));
        sm_strlcpy(h->ident.firmware, s->revision, sizeof(h->ident.firmware));
        sm_strlcpy(h->ident.wwn, s->wwn, sizeof(h->ident.wwn));
}

static int scsi_read(const struct sm_device_id *id, const struct sm_read_opts *opts,
                     struct sm_health *ret, char *err, size_t errlen)
{
        _cleanup_free_ struct sm_scsi_health *s = malloc(sizeof(*s));
        _cleanup_free_ struct sm_health *h = malloc(sizeof(*h));
        int r;

        if (!s || !h)
                return sm_errf(err, errlen, -ENOMEM, "out of memory");
        if (id->replay) {
                r = sm_scsi_read_capture(id->devnode, s, err, errlen);
        } else {
                if (runtime_suspended(id->aux))
                        return SM_READ_RET_ASLEEP;
                r = sm_scsi_read_device(id->devnode, opts ? opts->timeout_ms : 0, s, err, errlen);
        }
        if (r < 0)
                return r;
        if (s->n_pages == 0)
                return sm_errf(err, errlen, -ENOTSUP,
                               "no SMART data: %s lists no LOG SENSE pages (LOG SENSE refused)",
                               id->devnode);
        sm_health_init(h);
        fill_health(s, h);
        *ret = *h;
        return 0;
}

/* ---- what the values mean ---- */

/* This file's families: static, no flags. */
#define FAMILY(var, n, t, u, h, ...) SM_FAMILY(static, var, n, t, u, 0, h, __VA_ARGS__)

/* clang-format off */
FAMILY(f_ref_temp,          "ssdmon_scsi_temperature_reference_celsius",          SM_GAUGE,   "celsius", "SCSI temperature log page 0Dh reference temperature: the maximum the drive is rated to run at continuously", NULL);
FAMILY(f_env_temp,          "ssdmon_scsi_environmental_temperature_celsius",      SM_GAUGE,   "celsius", "SCSI environmental reporting (log page 0Dh/01h) temperature extremes per sensor: lifetime and since power-on maximum/minimum, and the other temperature's", "sensor", "stat");
FAMILY(f_ie_asc,            "ssdmon_scsi_ie_asc",                                 SM_GAUGE,   "",        "Informational exceptions log page 2Fh additional sense code; 0 means no exception", NULL);
FAMILY(f_ie_ascq,           "ssdmon_scsi_ie_ascq",                                SM_GAUGE,   "",        "Informational exceptions log page 2Fh additional sense code qualifier", NULL);
FAMILY(f_ie_enabled,        "ssdmon_scsi_ie_reporting_enabled",                   SM_GAUGE,   "",        "1 if informational exception reporting is enabled (mode page 1Ch DEXCPT=0); the log page 2Fh is read either way", NULL);
FAMILY(f_corr_fast,         "ssdmon_scsi_errors_corrected_fast_total",            SM_COUNTER, "",        "Errors corrected without substantial delay (error counter pages 02h/03h/05h)", "op");
FAMILY(f_corr_delayed,      "ssdmon_scsi_errors_corrected_delayed_total",         SM_COUNTER, "",        "Errors corrected with possible delays", "op");
FAMILY(f_rereads,           "ssdmon_scsi_rereads_rewrites_total",                 SM_COUNTER, "",        "Total rewrites or rereads", "op");
FAMILY(f_corr_total,        "ssdmon_scsi_errors_corrected_total",                 SM_COUNTER, "",        "Total errors corrected", "op");
FAMILY(f_algorithm,         "ssdmon_scsi_correction_algorithm_invocations_total", SM_COUNTER, "",        "Times the correction algorithm was processed", "op");
FAMILY(f_processed,         "ssdmon_scsi_processed_bytes_total",                  SM_COUNTER, "bytes",   "Total bytes processed (error counter pages 02h/03h/05h parameter 0005h)", "op");
FAMILY(f_uncorrected,       "ssdmon_scsi_errors_uncorrected_total",               SM_COUNTER, "",        "Total uncorrected errors", "op");
FAMILY(f_non_medium,        "ssdmon_scsi_non_medium_errors_total",                SM_COUNTER, "",        "Non-medium error count (log page 06h)", NULL);
FAMILY(f_start_stop,        "ssdmon_scsi_start_stop_cycles_total",                SM_COUNTER, "",        "Accumulated start-stop cycles (log page 0Eh)", NULL);
FAMILY(f_start_stop_spec,   "ssdmon_scsi_start_stop_cycles_specified",            SM_GAUGE,   "",        "Start-stop cycles the drive is specified for over its lifetime", NULL);
FAMILY(f_load_unload,       "ssdmon_scsi_load_unload_cycles_total",               SM_COUNTER, "",        "Accumulated load-unload cycles (log page 0Eh)", NULL);
FAMILY(f_load_unload_spec,  "ssdmon_scsi_load_unload_cycles_specified",           SM_GAUGE,   "",        "Load-unload cycles the drive is specified for over its lifetime", NULL);
FAMILY(f_bg_scans,          "ssdmon_scsi_background_scans_total",                 SM_COUNTER, "",        "Background scans performed (log page 15h)", NULL);
FAMILY(f_bg_medium_scans,   "ssdmon_scsi_background_medium_scans_total",          SM_COUNTER, "",        "Background medium scans performed (log page 15h)", NULL);
FAMILY(f_bg_status,         "ssdmon_scsi_background_scan_status",                 SM_GAUGE,   "",        "Background scan status code (SBC-4: 0 no scan active, 1 medium scan active, 2 pre-scan active, ...)", NULL);
FAMILY(f_bg_progress,       "ssdmon_scsi_background_scan_progress_ratio",         SM_GAUGE,   "ratio",   "Progress of the current background medium scan, 0..1", NULL);
FAMILY(f_bg_defects,        "ssdmon_scsi_background_scan_defects",                SM_GAUGE,   "",        "Medium defects the background scans listed (log page 15h parameters 0001h..0800h read)", NULL);
FAMILY(f_phy_invalid,       "ssdmon_scsi_phy_invalid_dwords_total",               SM_COUNTER, "",        "SAS phy invalid dword count (log page 18h)", "port", "phy");
FAMILY(f_phy_disparity,     "ssdmon_scsi_phy_running_disparity_errors_total",     SM_COUNTER, "",        "SAS phy running disparity error count", "port", "phy");
FAMILY(f_phy_sync,          "ssdmon_scsi_phy_loss_of_dword_sync_total",           SM_COUNTER, "",        "SAS phy loss of dword synchronization count", "port", "phy");
FAMILY(f_phy_reset,         "ssdmon_scsi_phy_reset_problems_total",               SM_COUNTER, "",        "SAS phy reset problem count", "port", "phy");
FAMILY(f_self_tests,        "ssdmon_scsi_self_tests",                             SM_GAUGE,   "",        "Entries in the self-test results log (10h); the agent never starts a test", NULL);
FAMILY(f_self_tests_failed, "ssdmon_scsi_self_tests_failed",                      SM_GAUGE,   "",        "Self-test log entries with a failure result (3..7)", NULL);
FAMILY(f_last_self_test,    "ssdmon_scsi_last_self_test_result",                  SM_GAUGE,   "",        "Result code of the most recent self-test (0 passed, 1-2 aborted, 3-7 failed, 15 in progress)", NULL);
FAMILY(f_grown_defects,     "ssdmon_scsi_grown_defects",                          SM_GAUGE,   "",        "Entries in the grown defect list (READ DEFECT DATA(10) header)", NULL);
/* clang-format on */

static const struct sm_family *const scsi_families[] = {
        &sm_family_endurance_used,
        &sm_family_endurance_source_info,
        &sm_family_host_read_bytes,
        &sm_family_host_written_bytes,
        &f_ref_temp,
        &f_env_temp,
        &f_ie_asc,
        &f_ie_ascq,
        &f_ie_enabled,
        &f_corr_fast,
        &f_corr_delayed,
        &f_rereads,
        &f_corr_total,
        &f_algorithm,
        &f_processed,
        &f_uncorrected,
        &f_non_medium,
        &f_start_stop,
        &f_start_stop_spec,
        &f_load_unload,
        &f_load_unload_spec,
        &f_bg_scans,
        &f_bg_medium_scans,
        &f_bg_status,
        &f_bg_progress,
        &f_bg_defects,
        &f_phy_invalid,
        &f_phy_disparity,
        &f_phy_sync,
        &f_phy_reset,
        &f_self_tests,
        &f_self_tests_failed,
        &f_last_self_test,
        &f_grown_defects,
        NULL,
};

/* clang-format off */
#define J(kind_, k, fl) {.kind = kind_, .section = "scsi", .key = k, .flags = fl}
#define JA(arr, kind_, k, fl) {.kind = kind_, .section = "scsi", .array = arr, .key = k, .flags = fl}

/* clang-format on */

/* Scalar values: one row each, read from struct sm_scsi_health by offset (metric.h). */
#define SCALAR(fam, k, fl, h, v, t, ...)                                   \
        {                                                                  \
                .desc = {.family = fam, .json = J(SM_JSON_NUMBER, k, fl)}, \
                SM_FIELD_IF(struct sm_scsi_health, h, 1),                  \
                SM_FIELD_VALUE(struct sm_scsi_health, v, t), __VA_ARGS__   \
        }

static const struct sm_field scalars[] = {
        SCALAR(NULL, "peripheral_type", 0, has_inquiry, peripheral_type, U8),
        SCALAR(NULL, "spc_version", 0, has_inquiry, version, U8),
        SCALAR(NULL, "temperature_celsius", SM_JSON_NULL, has_temperature, temperature_c, U8),
        SCALAR(&f_ref_temp, "reference_temperature_celsius", SM_JSON_NULL,
               has_reference_temperature, reference_temperature_c, U8),
        SCALAR(&f_ie_asc, "ie_asc", SM_JSON_NULL, has_ie, ie_asc, U8),
        SCALAR(&f_ie_ascq, "ie_ascq", SM_JSON_NULL, has_ie, ie_ascq, U8),
        SCALAR(NULL, "ie_temperature_celsius", SM_JSON_NULL, has_ie_temperature, ie_temperature_c,
               U8),
        {.desc = {.family = &f_ie_enabled,
                  .json = J(SM_JSON_BOOL, "ie_reporting_enabled", SM_JSON_NULL)},
         SM_FIELD_IF(struct sm_scsi_health, has_ie_mode, 1),
         SM_FIELD_VALUE(struct sm_scsi_health, ie_dexcpt, BOOL),
         .negate = true},
        SCALAR(NULL, "ie_mrie", SM_JSON_NULL, has_ie_mode, ie_mrie, U8),
        SCALAR(NULL, "percentage_used_endurance_indicator", SM_JSON_NULL, has_endurance,
               endurance_used_percent, U8),
        SCALAR(&sm_family_endurance_used, "endurance_used_ratio", SM_JSON_NULL, has_endurance,
               endurance_used_percent, U8, .scale = 0.01),
        SCALAR(&f_non_medium, "non_medium_errors", SM_JSON_NULL | SM_JSON_EXACT, has_non_medium,
               non_medium_errors, U64),
        SCALAR(NULL, "manufacture_year", SM_JSON_NULL, has_manufacture_date, manufacture_year, U16),
        SCALAR(NULL, "manufacture_week", SM_JSON_NULL, has_manufacture_date, manufacture_week, U8),
        SCALAR(&f_start_stop_spec, "start_stop_cycles_specified", SM_JSON_NULL,
               has_start_stop_specified, start_stop_specified, U32),
        SCALAR(&f_start_stop, "start_stop_cycles", SM_JSON_NULL, has_start_stop, start_stop_cycles,
               U32),
        SCALAR(&f_load_unload_spec, "load_unload_cycles_specified", SM_JSON_NULL,
               has_load_unload_specified, load_unload_specified, U32),
        SCALAR(&f_load_unload, "load_unload_cycles", SM_JSON_NULL, has_load_unload,
               load_unload_cycles, U32),
        SCALAR(NULL, "power_on_minutes", SM_JSON_NULL, has_background_scan, power_on_minutes, U32),
        SCALAR(&f_bg_status, "background_scan_status", SM_JSON_NULL, has_background_scan,
               background_scan_status, U8),
        SCALAR(&f_bg_scans, "background_scans", SM_JSON_NULL, has_background_scan, background_scans,
               U16),
        SCALAR(&f_bg_medium_scans, "background_medium_scans", SM_JSON_NULL, has_background_scan,
               background_medium_scans, U16),
        SCALAR(&f_bg_progress, "background_scan_progress_ratio", SM_JSON_NULL, has_background_scan,
               background_scan_progress, U16, .scale = 1.0 / 65536.0),
        SCALAR(&f_bg_defects, "background_scan_defects", SM_JSON_NULL, has_background_scan,
               background_scan_defects, U32),
        SCALAR(&f_self_tests, "self_tests", SM_JSON_NULL, has_self_test, self_tests, U32),
        SCALAR(&f_self_tests_failed, "self_tests_failed", SM_JSON_NULL, has_self_test,
               self_tests_failed, U32),
        SCALAR(&f_grown_defects, "grown_defects", SM_JSON_NULL, has_grown_defects, grown_defects,
               U32),
};

/* clang-format off */
SM_DESC(d_vendor,           NULL,                             J(SM_JSON_STRING, "vendor", SM_JSON_NULL));
SM_DESC(d_product,          NULL,                             J(SM_JSON_STRING, "product", SM_JSON_NULL));
SM_DESC(d_revision,         NULL,                             J(SM_JSON_STRING, "revision", SM_JSON_NULL));
SM_DESC(d_ie_text,          NULL,                             J(SM_JSON_STRING, "ie_text", SM_JSON_NULL));
SM_DESC(d_last_st,          &f_last_self_test,                J(SM_JSON_NUMBER, "last_self_test_result", SM_JSON_NULL));
SM_DESC(d_last_st_text,     NULL,                             J(SM_JSON_STRING, "last_self_test_result_text", SM_JSON_NULL));
SM_DESC(d_last_st_hours,    NULL,                             J(SM_JSON_NUMBER, "last_self_test_power_on_hours", SM_JSON_NULL));
SM_DESC(d_endurance_source, &sm_family_endurance_source_info, {0});
SM_DESC(d_pages,            NULL,                             JA("log_pages", SM_JSON_STRING, NULL, 0));
/* clang-format on */

/* Error counter pages: one JSON object per page read, one labelled series per parameter. */
static const char *const ops[] = {"write", "read", "verify"};
/* clang-format off */
SM_DESC(d_ec_op, NULL, JA("error_counters", SM_JSON_STRING, "op", 0));
/* clang-format on */
/* Every counter is a nullable exact number in its page's error_counters object. */
#define EC(fam, k)                                                                            \
        {                                                                                     \
                .family = fam,                                                                \
                .json = JA("error_counters", SM_JSON_NUMBER, k, SM_JSON_NULL | SM_JSON_EXACT) \
        }
static const struct sm_desc d_ec[SM_SCSI_EC_COUNT] = {
        EC(&f_corr_fast, "corrected_fast"),
        EC(&f_corr_delayed, "corrected_delayed"),
        EC(&f_rereads, "rereads_rewrites"),
        EC(&f_corr_total, "corrected_total"),
        EC(&f_algorithm, "correction_algorithm_invocations"),
        EC(&f_processed, "processed_bytes"),
        EC(&f_uncorrected, "uncorrected"),
};
/* clang-format off */
SM_DESC(d_host_written, &sm_family_host_written_bytes, {0});
SM_DESC(d_host_read,    &sm_family_host_read_bytes,    {0});

/* clang-format on */

static void emit_errors(const struct sm_scsi_health *s, sm_emit_fn emit, void *ctx)
{
        unsigned row = 0;

        for (unsigned op = 0; op < 3; op++) {
                const struct sm_scsi_error_counters *e = &s->errors[op];
                struct sm_reading r = {
                        .desc = &d_ec_op, .str = ops[op], .row = row, .present = true};

                if (!e->present)
                        continue;
                emit(ctx, &r);
                for (unsigned k = 0; k < SM_SCSI_EC_COUNT; k++) {
                        char exact[SM_FMT_MAX];

                        sm_fmt_u64(e->v[k], exact, sizeof(exact));
                        r = sm_reading_num(&d_ec[k], (double)e->v[k], exact);
                        r.labels[0] = ops[op];
                        r.row = row;
                        r.present = e->has & (1u << k);
                        emit(ctx, &r);
                }
                row++;
        }
        for (unsigned op = 0; op < 2; op++) {
                const struct sm_scsi_error_counters *e = &s->errors[op];
                uint64_t v = e->v[SM_SCSI_EC_BYTES];
                char exact[SM_FMT_MAX];
                struct sm_reading r;

                sm_fmt_u64(v, exact, sizeof(exact));
                r = sm_reading_num(op == 0 ? &d_host_written : &d_host_read, (double)v, exact);
                r.present = e->present && (e->has & (1u << SM_SCSI_EC_BYTES));
                emit(ctx, &r);
        }
}

/* 0Dh/01h: one JSON object and one labelled series per statistic of each report. */
/* clang-format off */
SM_DESC(d_env_param, NULL, JA("environmental_temperatures", SM_JSON_NUMBER, "parameter_code", 0));
/* clang-format on */
/* Nullable numbers of one environmental_temperatures object. */
#define ENV(fam, k)                                                                       \
        {                                                                                 \
                .family = fam,                                                            \
                .json = JA("environmental_temperatures", SM_JSON_NUMBER, k, SM_JSON_NULL) \
        }
/* All but current have a series, its label stat the JSON key. */
#define ENV_STAT(k) ENV(&f_env_temp, k)
static const struct sm_desc d_env_json[7] = {
        ENV(NULL, "current"),           ENV_STAT("lifetime_max"),       ENV_STAT("lifetime_min"),
        ENV_STAT("max_since_power_on"), ENV_STAT("min_since_power_on"), ENV_STAT("max_other"),
        ENV_STAT("min_other"),
};

static void emit_env(const struct sm_scsi_health *s, sm_emit_fn emit, void *ctx)
{
        for (unsigned k = 0; k < s->n_env && k < SM_SCSI_MAX_ENV; k++) {
                const struct sm_scsi_env_temp *e = &s->env[k];
                const int8_t v[7] = {e->current,
                                     e->lifetime_max,
                                     e->lifetime_min,
                                     e->max_since_power_on,
                                     e->min_since_power_on,
                                     e->max_other,
                                     e->min_other};
                char sensor[8];
                struct sm_reading r = sm_reading_num(&d_env_param, e->param, NULL);

                snprintf(sensor, sizeof(sensor), "%u", k + 1);
                r.row = k;
                emit(ctx, &r);
                for (unsigned i = 0; i < 7; i++) {
                        r = sm_reading_num(&d_env_json[i], v[i], NULL);
                        r.labels[0] = sensor;
                        r.labels[1] = d_env_json[i].json.key;
                        r.row = k;
                        r.present = v[i] != SM_SCSI_TEMP_NA;
                        emit(ctx, &r);
                }
        }
}

/* 18h: one JSON object and one series per counter of each SAS phy. */
/* clang-format off */
SM_DESC(d_phy_port, NULL, JA("phys", SM_JSON_NUMBER, "port", 0));
SM_DESC(d_phy_id,   NULL, JA("phys", SM_JSON_NUMBER, "phy", 0));
/* clang-format on */
static const struct sm_desc d_phy[4] = {
        {.family = &f_phy_invalid, .json = JA("phys", SM_JSON_NUMBER, "invalid_dwords", 0)},
        {.family = &f_phy_disparity,
         .json = JA("phys", SM_JSON_NUMBER, "running_disparity_errors", 0)},
        {.family = &f_phy_sync, .json = JA("phys", SM_JSON_NUMBER, "loss_of_dword_sync", 0)},
        {.family = &f_phy_reset, .json = JA("phys", SM_JSON_NUMBER, "phy_reset_problems", 0)},
};

static void emit_phys(const struct sm_scsi_health *s, sm_emit_fn emit, void *ctx)
{
        for (unsigned k = 0; k < s->n_phys && k < SM_SCSI_MAX_PHYS; k++) {
                const struct sm_scsi_phy *p = &s->phys[k];
                const uint32_t v[4] = {p->invalid_dwords, p->disparity_errors, p->loss_of_sync,
                                       p->reset_problems};
                char port[8], phy[8];
                struct sm_reading r;

                snprintf(port, sizeof(port), "%u", p->port);
                snprintf(phy, sizeof(phy), "%u", p->phy_id);
                r = sm_reading_num(&d_phy_port, p->port, NULL);
                r.row = k;
                emit(ctx, &r);
                r = sm_reading_num(&d_phy_id, p->phy_id, NULL);
                r.row = k;
                emit(ctx, &r);
                for (unsigned i = 0; i < 4; i++) {
                        r = sm_reading_num(&d_phy[i], v[i], NULL);
                        r.labels[0] = port;
                        r.labels[1] = phy;
                        r.row = k;
                        emit(ctx, &r);
                }
        }
}

static void scsi_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx)
{
        const struct sm_scsi_health *s = &h->scsi;
        struct sm_reading r;

        sm_emit_str(emit, ctx, &d_vendor, s->vendor, 0);
        sm_emit_str(emit, ctx, &d_product, s->product, 0);
        sm_emit_str(emit, ctx, &d_revision, s->revision, 0);
        for (unsigned i = 0; i < s->n_pages && i < SM_SCSI_MAX_PAGES; i++) {
                char pg[8];

                if (s->pages[i].subpage)
                        snprintf(pg, sizeof(pg), "%02x,%02x", s->pages[i].page,
                                 s->pages[i].subpage);
                else
                        snprintf(pg, sizeof(pg), "%02x", s->pages[i].page);
                r = (struct sm_reading){.desc = &d_pages, .str = pg, .present = true};
                emit(ctx, &r);
        }
        sm_emit_fields(scalars, ARRAY_SIZE(scalars), s, 0, emit, ctx);
        sm_emit_str(emit, ctx, &d_ie_text, s->has_ie ? s->ie_text : NULL, 0);
        /* Where the endurance values come from: page 11h, pages 02h/03h parameter 0005h. */
        for (unsigned i = 0; i < 3; i++) {
                static const struct sm_family *const fam[] = {&sm_family_endurance_used,
                                                              &sm_family_host_read_bytes,
                                                              &sm_family_host_written_bytes};
                const bool present[] = {
                        s->has_endurance,
                        s->errors[1].present && (s->errors[1].has & (1u << SM_SCSI_EC_BYTES)),
                        s->errors[0].present && (s->errors[0].has & (1u << SM_SCSI_EC_BYTES))};

                r = sm_reading_num(&d_endurance_source, 1, NULL);
                r.labels[0] = fam[i]->name;
                r.labels[1] = "scsi";
                r.present = present[i];
                emit(ctx, &r);
        }
        r = sm_reading_num(&d_last_st, s->last_self_test_result, NULL);
        r.present = s->has_self_test && s->self_tests > 0;
        emit(ctx, &r);
        sm_emit_str(emit, ctx, &d_last_st_text,
                    r.present ? sm_scsi_self_test_result_name(s->last_self_test_result) : NULL, 0);
        r = sm_reading_num(&d_last_st_hours, s->last_self_test_power_on_hours, NULL);
        r.present = s->has_self_test && s->self_tests > 0;
        emit(ctx, &r);
        emit_errors(s, emit, ctx);
        emit_env(s, emit, ctx);
        emit_phys(s, emit, ctx);
}

SM_COLLECTOR(sm_scsi_collector, "scsi", SM_PROTO_SCSI, scsi_read, scsi_readings, scsi_families);
