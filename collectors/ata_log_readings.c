/* SPDX-License-Identifier: MIT */
/*
 * ata_log_readings.c - what the values of struct sm_ata_logs (ata_log.h) mean:
 * their families and JSON places, declared once, and the readings of one drive.
 * JSON: the objects "devstat", "error_log" and "self_test_log" inside "ata".
 * The endurance and host-bytes families that Device Statistics feeds are the
 * shared ones (collectors/health.h), filled by the ATA endurance code, not here.
 */
#include "ata_log_readings.h"

#include <stddef.h>
#include <stdio.h>

#include "lib/util.h"

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
SM_DESC(d_ds_why,           NULL,                                 DS(SM_JSON_STRING, "why", SM_JSON_NULL));

SM_DESC(d_el_present,   NULL,                            EL(SM_JSON_BOOL, "present", 0));
SM_DESC(d_el_source,    NULL,                            EL(SM_JSON_STRING, "source", SM_JSON_NULL));
SM_DESC(d_el_count,     &sm_family_ata_error_log_errors, EL(SM_JSON_NUMBER, "count", SM_JSON_NULL));
SM_DESC(d_el_why,       NULL,                            EL(SM_JSON_STRING, "why", SM_JSON_NULL));

SM_DESC(d_st_present,      NULL,                                 ST(SM_JSON_BOOL, "present", 0));
SM_DESC(d_st_source,       NULL,                                 ST(SM_JSON_STRING, "source", SM_JSON_NULL));
SM_DESC(d_st_logged,       NULL,                                 ST(SM_JSON_NUMBER, "logged", SM_JSON_NULL));
SM_DESC(d_st_failed,       &sm_family_ata_self_tests_failed,     ST(SM_JSON_NUMBER, "failed", SM_JSON_NULL));
SM_DESC(d_st_last,         &sm_family_ata_self_test_last_status, {0});
SM_DESC(d_st_why,          NULL,                                 ST(SM_JSON_STRING, "why", SM_JSON_NULL));

/* clang-format on */

/* Device Statistics values (struct sm_devstat_u64 / _i8: present, value). */
#define DSV(fam, k, m, t)                                                             \
        {                                                                             \
                .desc = {.family = fam, .json = DS(SM_JSON_NUMBER, k, SM_JSON_NULL)}, \
                SM_FIELD_VALUE(struct sm_devstat, m.value, t),                        \
                SM_FIELD_IF(struct sm_devstat, m.present, 1)                          \
        }

static const struct sm_field devstat_values[] = {
        DSV(NULL, "power_cycles", power_cycles, U64),
        DSV(NULL, "power_on_hours", power_on_hours, U64),
        DSV(NULL, "logical_sectors_written", logical_sectors_written, U64),
        DSV(NULL, "logical_sectors_read", logical_sectors_read, U64),
        DSV(&sm_family_ata_devstat_uncorrectable, "reported_uncorrectable_errors",
            reported_uncorrectable_errors, U64),
        DSV(NULL, "temperature_celsius", temp_current, I8),
        DSV(&sm_family_ata_devstat_temp_highest, "temperature_highest_celsius", temp_max, I8),
        DSV(&sm_family_ata_devstat_temp_lowest, "temperature_lowest_celsius", temp_min, I8),
        DSV(NULL, "percentage_used", percentage_used, U64),
};

/* One object of "entries" per logged error (struct sm_ata_error); the failing command's
 * registers only where the drive filled them. */
#define ERR(k, m, t)                                                                              \
        {                                                                                         \
                .desc.json = ELE(SM_JSON_NUMBER, k, 0), SM_FIELD_VALUE(struct sm_ata_error, m, t) \
        }
#define ERR_CMD(k, m, t)                                           \
        {                                                          \
                .desc.json = ELE(SM_JSON_NUMBER, k, SM_JSON_NULL), \
                SM_FIELD_VALUE(struct sm_ata_error, m, t),         \
                SM_FIELD_IF(struct sm_ata_error, has_command, 1)   \
        }

static const struct sm_field error_entry[] = {
        ERR("number", number, U32),
        ERR("power_on_hours", power_on_hours, U16),
        ERR("device_state", state, U8),
        ERR("error_register", error, U8),
        ERR("status_register", status, U8),
        ERR("count_register", count, U16),
        ERR("lba", lba, U64),
        ERR_CMD("command", command, U8),
        ERR_CMD("features", features, U16),
        ERR_CMD("command_powerup_milliseconds", command_timestamp_ms, U32),
};

/* One object of "entries" per logged self-test (struct sm_ata_self_test). */
#define STF(kd, k, fl, m, t, ...)                                                           \
        {                                                                                   \
                .desc.json = STE(kd, k, fl), SM_FIELD_VALUE(struct sm_ata_self_test, m, t), \
                __VA_ARGS__                                                                 \
        }
#define IF(m) SM_FIELD_IF(struct sm_ata_self_test, m, 1)

static const struct sm_field self_test_entry[] = {
        STF(SM_JSON_NUMBER, "type", 0, type, U8),
        STF(SM_JSON_STRING, "type_name", SM_JSON_NULL, type, NAME,
            .name = sm_ata_self_test_type_str),
        STF(SM_JSON_NUMBER, "status", 0, status, U8),
        STF(SM_JSON_STRING, "status_name", SM_JSON_NULL, status, NAME,
            .name = sm_ata_self_test_status_str),
        STF(SM_JSON_BOOL, "passed", SM_JSON_NULL, passed, BOOL, IF(has_passed)),
        STF(SM_JSON_NUMBER, "remaining_percent", 0, remaining_pct, U8),
        STF(SM_JSON_NUMBER, "power_on_hours", 0, power_on_hours, U16),
        STF(SM_JSON_NUMBER, "failing_lba", SM_JSON_NULL, failing_lba, U64, IF(has_failing_lba)),
};

/* ---- readings ---- */

static void num(const struct sm_desc *d, double v, bool present, sm_emit_fn emit, void *ctx)
{
        struct sm_reading r = sm_reading_num(d, v, NULL);

        r.present = present;
        emit(ctx, &r);
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
        sm_emit_fields(devstat_values, ARRAY_SIZE(devstat_values), ds, 0, emit, ctx);
        sm_emit_str(emit, ctx, &d_ds_why, ds->why, 0);
}

static void error_log_readings(const struct sm_ata_error_log *l, sm_emit_fn emit, void *ctx)
{
        num(&d_el_present, l->present, true, emit, ctx);
        sm_emit_str(emit, ctx, &d_el_source,
                    l->present ? (l->extended ? "extended" : "summary") : NULL, 0);
        num(&d_el_count, l->count, l->present, emit, ctx);
        sm_emit_str(emit, ctx, &d_el_why, l->why, 0);
        for (unsigned i = 0; i < l->n_entries && i < SM_ATA_ERR_MAX; i++)
                sm_emit_fields(error_entry, ARRAY_SIZE(error_entry), &l->entries[i], i, emit, ctx);
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
        for (unsigned i = 0; i < l->n_entries && i < SM_ATA_ST_MAX; i++)
                sm_emit_fields(self_test_entry, ARRAY_SIZE(self_test_entry), &l->entries[i], i,
                               emit, ctx);
}

void sm_ata_logs_readings(const struct sm_ata_logs *l, sm_emit_fn emit, void *ctx)
{
        devstat_readings(&l->devstat, emit, ctx);
        error_log_readings(&l->errors, emit, ctx);
        self_test_readings(&l->self_tests, emit, ctx);
}
