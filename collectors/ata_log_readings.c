/* SPDX-License-Identifier: MIT */
/*
 * ata_log_readings.c - what the values of struct sm_ata_logs (ata_log.h) mean:
 * their families and JSON places, declared once, and the readings of one drive.
 * JSON: the objects "devstat", "error_log" and "self_test_log" inside "ata".
 * The endurance and host-bytes families that Device Statistics feeds are the
 * shared ones (collectors/health.h), filled by the ATA endurance code, not here.
 */
#include "ata_log_readings.h"

#include <stdio.h>

/* ---- families ---- */

const struct sm_family sm_family_ata_devstat_temp_highest = {
        .name = "ssdmon_ata_devstat_temperature_highest_celsius",
        .unit = "celsius",
        .help = "Highest temperature over the drive's life (ATA Device Statistics page 05h)",
};

const struct sm_family sm_family_ata_devstat_temp_lowest = {
        .name = "ssdmon_ata_devstat_temperature_lowest_celsius",
        .unit = "celsius",
        .help = "Lowest temperature over the drive's life (ATA Device Statistics page 05h)",
};

const struct sm_family sm_family_ata_devstat_uncorrectable = {
        .name = "ssdmon_ata_devstat_reported_uncorrectable_errors_total",
        .type = SM_COUNTER,
        .help = "Errors the drive reported as uncorrectable to the host (ATA Device Statistics "
                "page 04h)",
};

const struct sm_family sm_family_ata_error_log_errors = {
        .name = "ssdmon_ata_error_log_errors_total",
        .type = SM_COUNTER,
        .help = "Errors the drive counted in its SMART error log over its life (device error "
                "count of log 03h or 01h)",
};

const struct sm_family sm_family_ata_self_test_last_status = {
        .name = "ssdmon_ata_self_test_last_status",
        .help = "Execution status code of the newest logged self-test (0 completed without "
                "error, 1 aborted by host, 2 interrupted by reset, 3 fatal error, 4-8 failed: "
                "unknown, electrical, servo, read, handling; 15 in progress)",
};

const struct sm_family sm_family_ata_self_tests_failed = {
        .name = "ssdmon_ata_self_tests_failed",
        .help = "Failed self-tests in the drive's log that no newer successful extended "
                "self-test outdates",
};

/* ---- JSON places ---- */

/* clang-format off */
#define DS(kind_, k, fl) {.kind = kind_, .section = "ata/devstat", .key = k, .flags = fl}
#define EL(kind_, k, fl) {.kind = kind_, .section = "ata/error_log", .key = k, .flags = fl}
#define ELE(kind_, k, fl) \
        {.kind = kind_, .section = "ata/error_log", .array = "entries", .key = k, .flags = fl}
#define ST(kind_, k, fl) {.kind = kind_, .section = "ata/self_test_log", .key = k, .flags = fl}
#define STE(kind_, k, fl) \
        {.kind = kind_, .section = "ata/self_test_log", .array = "entries", .key = k, .flags = fl}
/* clang-format on */

/* clang-format off */
SM_DESC(d_ds_read,          NULL,                                 DS(SM_JSON_BOOL, "read", 0));
SM_DESC(d_ds_source,        NULL,                                 DS(SM_JSON_STRING, "source", SM_JSON_NULL));
SM_DESC(d_ds_pages,         NULL,                                 {.kind = SM_JSON_NUMBER, .section = "ata/devstat", .array = "pages"});
SM_DESC(d_ds_cycles,        NULL,                                 DS(SM_JSON_NUMBER, "power_cycles", SM_JSON_NULL));
SM_DESC(d_ds_hours,         NULL,                                 DS(SM_JSON_NUMBER, "power_on_hours", SM_JSON_NULL));
SM_DESC(d_ds_written,       NULL,                                 DS(SM_JSON_NUMBER, "logical_sectors_written", SM_JSON_NULL));
SM_DESC(d_ds_read_sectors,  NULL,                                 DS(SM_JSON_NUMBER, "logical_sectors_read", SM_JSON_NULL));
SM_DESC(d_ds_uncorrectable, &sm_family_ata_devstat_uncorrectable, DS(SM_JSON_NUMBER, "reported_uncorrectable_errors", SM_JSON_NULL));
SM_DESC(d_ds_temp,          NULL,                                 DS(SM_JSON_NUMBER, "temperature_celsius", SM_JSON_NULL));
SM_DESC(d_ds_temp_max,      &sm_family_ata_devstat_temp_highest,  DS(SM_JSON_NUMBER, "temperature_highest_celsius", SM_JSON_NULL));
SM_DESC(d_ds_temp_min,      &sm_family_ata_devstat_temp_lowest,   DS(SM_JSON_NUMBER, "temperature_lowest_celsius", SM_JSON_NULL));
SM_DESC(d_ds_used,          NULL,                                 DS(SM_JSON_NUMBER, "percentage_used", SM_JSON_NULL));
SM_DESC(d_ds_why,           NULL,                                 DS(SM_JSON_STRING, "why", SM_JSON_NULL));

SM_DESC(d_el_present,   NULL,                            EL(SM_JSON_BOOL, "present", 0));
SM_DESC(d_el_source,    NULL,                            EL(SM_JSON_STRING, "source", SM_JSON_NULL));
SM_DESC(d_el_count,     &sm_family_ata_error_log_errors, EL(SM_JSON_NUMBER, "count", SM_JSON_NULL));
SM_DESC(d_el_why,       NULL,                            EL(SM_JSON_STRING, "why", SM_JSON_NULL));
SM_DESC(d_ele_number,   NULL,                            ELE(SM_JSON_NUMBER, "number", 0));
SM_DESC(d_ele_hours,    NULL,                            ELE(SM_JSON_NUMBER, "power_on_hours", 0));
SM_DESC(d_ele_state,    NULL,                            ELE(SM_JSON_NUMBER, "device_state", 0));
SM_DESC(d_ele_error,    NULL,                            ELE(SM_JSON_NUMBER, "error_register", 0));
SM_DESC(d_ele_status,   NULL,                            ELE(SM_JSON_NUMBER, "status_register", 0));
SM_DESC(d_ele_count,    NULL,                            ELE(SM_JSON_NUMBER, "count_register", 0));
SM_DESC(d_ele_lba,      NULL,                            ELE(SM_JSON_NUMBER, "lba", 0));
SM_DESC(d_ele_command,  NULL,                            ELE(SM_JSON_NUMBER, "command", SM_JSON_NULL));
SM_DESC(d_ele_features, NULL,                            ELE(SM_JSON_NUMBER, "features", SM_JSON_NULL));
SM_DESC(d_ele_ts,       NULL,                            ELE(SM_JSON_NUMBER, "command_powerup_milliseconds", SM_JSON_NULL));

SM_DESC(d_st_present,      NULL,                                 ST(SM_JSON_BOOL, "present", 0));
SM_DESC(d_st_source,       NULL,                                 ST(SM_JSON_STRING, "source", SM_JSON_NULL));
SM_DESC(d_st_logged,       NULL,                                 ST(SM_JSON_NUMBER, "logged", SM_JSON_NULL));
SM_DESC(d_st_failed,       &sm_family_ata_self_tests_failed,     ST(SM_JSON_NUMBER, "failed", SM_JSON_NULL));
SM_DESC(d_st_last,         &sm_family_ata_self_test_last_status, {0});
SM_DESC(d_st_why,          NULL,                                 ST(SM_JSON_STRING, "why", SM_JSON_NULL));
SM_DESC(d_ste_type,        NULL,                                 STE(SM_JSON_NUMBER, "type", 0));
SM_DESC(d_ste_type_name,   NULL,                                 STE(SM_JSON_STRING, "type_name", SM_JSON_NULL));
SM_DESC(d_ste_status,      NULL,                                 STE(SM_JSON_NUMBER, "status", 0));
SM_DESC(d_ste_status_name, NULL,                                 STE(SM_JSON_STRING, "status_name", SM_JSON_NULL));
SM_DESC(d_ste_passed,      NULL,                                 STE(SM_JSON_BOOL, "passed", SM_JSON_NULL));
SM_DESC(d_ste_remaining,   NULL,                                 STE(SM_JSON_NUMBER, "remaining_percent", 0));
SM_DESC(d_ste_hours,       NULL,                                 STE(SM_JSON_NUMBER, "power_on_hours", 0));
SM_DESC(d_ste_lba,         NULL,                                 STE(SM_JSON_NUMBER, "failing_lba", SM_JSON_NULL));

/* clang-format on */

/* ---- readings ---- */

static void num(const struct sm_desc *d, double v, bool present, sm_emit_fn emit, void *ctx)
{
        struct sm_reading r = sm_reading_num(d, v, NULL);

        r.present = present;
        emit(ctx, &r);
}

static void u64(const struct sm_desc *d, const struct sm_devstat_u64 *v, sm_emit_fn emit, void *ctx)
{
        num(d, (double)v->value, v->present, emit, ctx);
}

static void i8(const struct sm_desc *d, const struct sm_devstat_i8 *v, sm_emit_fn emit, void *ctx)
{
        num(d, v->value, v->present, emit, ctx);
}

static void devstat_readings(const struct sm_devstat *ds, sm_emit_fn emit, void *ctx)
{
        num(&d_ds_read, ds->read_ok, true, emit, ctx);
        sm_emit_str(emit, ctx, &d_ds_source,
                    !ds->read_ok  ? NULL
                    : ds->capture ? "capture"
                    : ds->gpl     ? "gpl"
                                  : "smart",
                    0);
        for (unsigned i = 0; i < ds->n_pages && i < SM_DEVSTAT_MAX_PAGES; i++) {
                struct sm_reading r = sm_reading_num(&d_ds_pages, ds->pages[i], NULL);

                r.row = i;
                emit(ctx, &r);
        }
        u64(&d_ds_cycles, &ds->power_cycles, emit, ctx);
        u64(&d_ds_hours, &ds->power_on_hours, emit, ctx);
        u64(&d_ds_written, &ds->logical_sectors_written, emit, ctx);
        u64(&d_ds_read_sectors, &ds->logical_sectors_read, emit, ctx);
        u64(&d_ds_uncorrectable, &ds->reported_uncorrectable_errors, emit, ctx);
        i8(&d_ds_temp, &ds->temp_current, emit, ctx);
        i8(&d_ds_temp_max, &ds->temp_max, emit, ctx);
        i8(&d_ds_temp_min, &ds->temp_min, emit, ctx);
        u64(&d_ds_used, &ds->percentage_used, emit, ctx);
        sm_emit_str(emit, ctx, &d_ds_why, ds->why, 0);
}

static void error_log_readings(const struct sm_ata_error_log *l, sm_emit_fn emit, void *ctx)
{
        num(&d_el_present, l->present, true, emit, ctx);
        sm_emit_str(emit, ctx, &d_el_source,
                    l->present ? (l->extended ? "extended" : "summary") : NULL, 0);
        num(&d_el_count, l->count, l->present, emit, ctx);
        sm_emit_str(emit, ctx, &d_el_why, l->why, 0);
        for (unsigned i = 0; i < l->n_entries && i < SM_ATA_ERR_MAX; i++) {
                const struct sm_ata_error *e = &l->entries[i];
                struct sm_reading r = {.row = i, .present = true};

#define ROW(d_, v, p)                                 \
        do {                                          \
                r.desc = (d_), r.value = (double)(v); \
                r.present = (p);                      \
                emit(ctx, &r);                        \
        } while (0)
                ROW(&d_ele_number, e->number, true);
                ROW(&d_ele_hours, e->power_on_hours, true);
                ROW(&d_ele_state, e->state, true);
                ROW(&d_ele_error, e->error, true);
                ROW(&d_ele_status, e->status, true);
                ROW(&d_ele_count, e->count, true);
                ROW(&d_ele_lba, e->lba, true);
                ROW(&d_ele_command, e->command, e->has_command);
                ROW(&d_ele_features, e->features, e->has_command);
                ROW(&d_ele_ts, e->command_timestamp_ms, e->has_command);
        }
}

static void self_test_readings(const struct sm_ata_self_test_log *l, sm_emit_fn emit, void *ctx)
{
        num(&d_st_present, l->present, true, emit, ctx);
        sm_emit_str(emit, ctx, &d_st_source,
                    l->present ? (l->extended ? "extended" : "standard") : NULL, 0);
        num(&d_st_logged, l->n_logged, l->present, emit, ctx);
        num(&d_st_failed, l->n_failed, l->present, emit, ctx);
        num(&d_st_last, l->n_entries ? l->entries[0].status : 0, l->present && l->n_entries > 0,
            emit, ctx);
        sm_emit_str(emit, ctx, &d_st_why, l->why, 0);
        for (unsigned i = 0; i < l->n_entries && i < SM_ATA_ST_MAX; i++) {
                const struct sm_ata_self_test *t = &l->entries[i];
                struct sm_reading r = {.row = i, .present = true};
                /* smartctl's "passed": true for code 0, false for 4..8, unknown otherwise */
                bool known = t->status == 0 || (t->status >= 4 && t->status <= 8);

                ROW(&d_ste_type, t->type, true);
                r.desc = &d_ste_type_name, r.str = sm_ata_self_test_type_str(t->type);
                r.present = r.str != NULL;
                emit(ctx, &r);
                ROW(&d_ste_status, t->status, true);
                r.desc = &d_ste_status_name, r.str = sm_ata_self_test_status_str(t->status);
                r.present = true;
                emit(ctx, &r);
                ROW(&d_ste_passed, t->status == 0, known);
                ROW(&d_ste_remaining, t->remaining_pct, true);
                ROW(&d_ste_hours, t->power_on_hours, true);
                ROW(&d_ste_lba, t->failing_lba, t->has_failing_lba);
#undef ROW
        }
}

void sm_ata_logs_readings(const struct sm_ata_logs *l, sm_emit_fn emit, void *ctx)
{
        devstat_readings(&l->devstat, emit, ctx);
        error_log_readings(&l->errors, emit, ctx);
        self_test_readings(&l->self_tests, emit, ctx);
}
