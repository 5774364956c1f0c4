/* SPDX-License-Identifier: MIT */
#include "state.h"

#include <string.h>

#include "lib/fmt.h"
#include "lib/util.h"

const char *sm_read_status_name(enum sm_read_status s)
{
        static const char *const names[] = {
                [SM_READ_NEVER] = "never",     [SM_READ_OK] = "ok",
                [SM_READ_ASLEEP] = "asleep",   [SM_READ_ERROR] = "error",
                [SM_READ_TIMEOUT] = "timeout", [SM_READ_UNSUPPORTED] = "unsupported",
        };

        return SM_ENUM_NAME(names, s, "unknown");
}

static void fill(char *dst, const char *primary, const char *fallback, size_t n)
{
        const char *src = primary[0] ? primary : fallback;
        size_t len = strnlen(src, n - 1);

        memcpy(dst, src, len);
        dst[len] = '\0';
}

/* A value and its escaped original travel together: both from the same source. */
#define FILL_RAW(ret, u, h, f)                                                    \
        do {                                                                      \
                fill((ret)->f, (u)->f, (h)->f, sizeof((ret)->f));                 \
                fill((ret)->f##_raw, (u)->f[0] ? (u)->f##_raw : (h)->f##_raw, "", \
                     sizeof((ret)->f##_raw));                                     \
        } while (0)

void sm_device_identity(const struct sm_device_state *d, struct sm_identity *ret)
{
        const struct sm_identity *u = &d->id.ident;
        const struct sm_identity *h = &d->health.ident;

        FILL_RAW(ret, u, h, model);
        FILL_RAW(ret, u, h, serial);
        FILL_RAW(ret, u, h, firmware);
        fill(ret->wwn, u->wwn, h->wwn, sizeof(ret->wwn));
}

uint64_t sm_device_capacity(const struct sm_device_state *d)
{
        if (d->id.capacity_bytes) /* discovery (sysfs size); 0 there: no medium or unknown */
                return d->id.capacity_bytes;
        return d->health.has_capacity ? d->health.capacity_bytes : 0;
}

bool sm_device_up(const struct sm_device_state *d)
{
        return d->status == SM_READ_OK || d->status == SM_READ_ASLEEP;
}

bool sm_device_values_current(const struct sm_device_state *d)
{
        return d->have_data && sm_device_up(d);
}

/* ===== the agent's per-device families ===== */

SM_FAMILY(static, f_info, "ssdmon_device_info", SM_GAUGE, "", SM_FAMILY_ALWAYS,
          "Identity of a monitored device (always 1)", "class", "protocol", "bus", "model",
          "serial", "firmware", "wwn");
SM_FAMILY(static, f_up, "ssdmon_device_up", SM_GAUGE, "", SM_FAMILY_ALWAYS,
          "1 if the last read of the device succeeded (or found it asleep)", NULL);
SM_FAMILY(static, f_unsupported, "ssdmon_device_unsupported", SM_GAUGE, "", SM_FAMILY_ALWAYS,
          "1 if no collector can read the device's protocol yet (never read, so "
          "ssdmon_device_up is 0 without a failure)",
          NULL);
SM_FAMILY(static, f_asleep, "ssdmon_device_asleep", SM_GAUGE, "", SM_FAMILY_ALWAYS,
          "1 if the drive was in standby and was left alone (values are from the last "
          "read while awake)",
          NULL);
SM_FAMILY(static, f_read_duration, "ssdmon_read_duration_seconds", SM_GAUGE, "seconds",
          SM_FAMILY_ALWAYS, "Time the last read of the device took", NULL);
SM_FAMILY(static, f_last_success, "ssdmon_last_success_timestamp_seconds", SM_GAUGE, "seconds",
          SM_FAMILY_ALWAYS, "Unix time of the last successful read of the device (0: never)", NULL);
SM_FAMILY(static, f_reads, "ssdmon_reads_total", SM_COUNTER, "", SM_FAMILY_ALWAYS,
          "Read attempts of the device since the agent started", NULL);
SM_FAMILY(static, f_read_errors, "ssdmon_read_errors_total", SM_COUNTER, "", SM_FAMILY_ALWAYS,
          "Failed or timed-out reads of the device since the agent started", NULL);
SM_FAMILY(static, f_capacity, "ssdmon_device_capacity_bytes", SM_GAUGE, "bytes", SM_FAMILY_ALWAYS,
          "Capacity of the device", NULL);

const struct sm_family *const sm_state_families[] = {
        &f_info,         &f_up,    &f_unsupported, &f_asleep,   &f_read_duration,
        &f_last_success, &f_reads, &f_read_errors, &f_capacity, NULL,
};

/* ===== readings: the top level of a device's JSON object ===== */

#define TOP(fam, k, kind_, fl)                                                 \
        {                                                                      \
                .family = fam, .json = {.kind = kind_, .key = k, .flags = fl } \
        }

static const struct sm_desc d_device = TOP(NULL, "device", SM_JSON_STRING, 0);
static const struct sm_desc d_class = TOP(NULL, "class", SM_JSON_STRING, 0);
static const struct sm_desc d_protocol = TOP(NULL, "protocol", SM_JSON_STRING, 0);
static const struct sm_desc d_bus = TOP(NULL, "bus", SM_JSON_STRING, SM_JSON_NULL);
static const struct sm_desc d_path = TOP(NULL, "path", SM_JSON_STRING, 0);
static const struct sm_desc d_model = TOP(NULL, "model", SM_JSON_STRING, SM_JSON_NULL);
static const struct sm_desc d_serial = TOP(NULL, "serial", SM_JSON_STRING, SM_JSON_NULL);
static const struct sm_desc d_firmware = TOP(NULL, "firmware", SM_JSON_STRING, SM_JSON_NULL);
static const struct sm_desc d_wwn = TOP(NULL, "wwn", SM_JSON_STRING, SM_JSON_NULL);
/* The original bytes, escaped, only where cleaning replaced some (collectors/identity.h). */
static const struct sm_desc d_model_raw = TOP(NULL, "model_raw", SM_JSON_STRING, 0);
static const struct sm_desc d_serial_raw = TOP(NULL, "serial_raw", SM_JSON_STRING, 0);
static const struct sm_desc d_firmware_raw = TOP(NULL, "firmware_raw", SM_JSON_STRING, 0);
static const struct sm_desc d_info = TOP(&f_info, NULL, SM_JSON_NONE, 0);
static const struct sm_desc d_capacity =
        TOP(&f_capacity, "capacity_bytes", SM_JSON_NUMBER, SM_JSON_EXACT | SM_JSON_NULL);
static const struct sm_desc d_status = TOP(NULL, "status", SM_JSON_STRING, 0);
static const struct sm_desc d_up = TOP(&f_up, "up", SM_JSON_BOOL, 0);
static const struct sm_desc d_asleep = TOP(&f_asleep, "asleep", SM_JSON_BOOL, 0);
static const struct sm_desc d_error = TOP(NULL, "error", SM_JSON_STRING, SM_JSON_NULL);
static const struct sm_desc d_unsupported = TOP(&f_unsupported, NULL, SM_JSON_NONE, 0);
/* Why a device is unsupported ("no SMART collector for bus scsi"); only then. */
static const struct sm_desc d_reason = TOP(NULL, "reason", SM_JSON_STRING, 0);
static const struct sm_desc d_stale = TOP(NULL, "stale", SM_JSON_BOOL, 0);
static const struct sm_desc d_last_success =
        TOP(&f_last_success, "last_success_timestamp", SM_JSON_NUMBER, 0);
static const struct sm_desc d_last_attempt = TOP(NULL, "last_attempt_timestamp", SM_JSON_NUMBER, 0);
static const struct sm_desc d_read_duration =
        TOP(&f_read_duration, "read_duration_seconds", SM_JSON_NUMBER, 0);
static const struct sm_desc d_reads = TOP(&f_reads, "reads_total", SM_JSON_NUMBER, SM_JSON_EXACT);
static const struct sm_desc d_read_errors =
        TOP(&f_read_errors, "read_errors_total", SM_JSON_NUMBER, SM_JSON_EXACT);

static void emit_str(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, const char *s)
{
        struct sm_reading r = {.desc = desc, .str = s, .present = true};

        emit(ctx, &r);
}

/* A string reported only when not empty. */
static void emit_opt_str(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, const char *s)
{
        struct sm_reading r = {.desc = desc, .str = s, .present = s[0] != '\0'};

        emit(ctx, &r);
}

static void emit_num(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, double v)
{
        struct sm_reading r = sm_reading_num(desc, v, NULL);

        emit(ctx, &r);
}

void sm_state_readings(const struct sm_device_state *d, sm_emit_fn emit, void *ctx)
{
        const char *cls = sm_class_name(d->id.cls), *proto = sm_proto_name(d->id.proto);
        struct sm_identity ident;
        struct sm_reading r;
        uint64_t cap = sm_device_capacity(d);
        bool unsupported = d->status == SM_READ_UNSUPPORTED;

        sm_device_identity(d, &ident);
        emit_str(emit, ctx, &d_device, d->id.name);
        emit_str(emit, ctx, &d_class, cls);
        emit_str(emit, ctx, &d_protocol, proto);
        emit_str(emit, ctx, &d_bus, d->id.bus);
        emit_str(emit, ctx, &d_path, d->id.devnode);
        emit_str(emit, ctx, &d_model, ident.model);
        emit_str(emit, ctx, &d_serial, ident.serial);
        emit_str(emit, ctx, &d_firmware, ident.firmware);
        emit_str(emit, ctx, &d_wwn, ident.wwn);
        emit_opt_str(emit, ctx, &d_model_raw, ident.model_raw);
        emit_opt_str(emit, ctx, &d_serial_raw, ident.serial_raw);
        emit_opt_str(emit, ctx, &d_firmware_raw, ident.firmware_raw);
        r = (struct sm_reading){.desc = &d_info,
                                .labels = {cls, proto, d->id.bus, ident.model, ident.serial,
                                           ident.firmware, ident.wwn},
                                .value = 1,
                                .present = true};
        emit(ctx, &r);
        sm_emit_u64(emit, ctx, &d_capacity, cap, cap != 0);
        emit_str(emit, ctx, &d_status, sm_read_status_name(d->status));
        emit_num(emit, ctx, &d_up, sm_device_up(d));
        emit_num(emit, ctx, &d_asleep, d->status == SM_READ_ASLEEP);
        emit_num(emit, ctx, &d_unsupported, unsupported);
        emit_str(emit, ctx, &d_error, unsupported ? "" : d->error);
        emit_opt_str(emit, ctx, &d_reason, unsupported ? d->error : "");
        emit_num(emit, ctx, &d_stale, d->have_data && d->status != SM_READ_OK);
        emit_num(emit, ctx, &d_last_success, d->last_success_ts);
        emit_num(emit, ctx, &d_last_attempt, d->last_attempt_ts);
        emit_num(emit, ctx, &d_read_duration, d->read_duration_s);
        sm_emit_u64(emit, ctx, &d_reads, d->reads_total, true);
        sm_emit_u64(emit, ctx, &d_read_errors, d->read_errors_total, true);
}
