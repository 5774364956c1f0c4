/* SPDX-License-Identifier: MIT */
#include "health.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"

void sm_health_init(struct sm_health *h)
{
        memset(h, 0, sizeof(*h));
        h->healthy = -1;
        h->rotation_rate = -1;
        h->ata.overall = -1;
        for (unsigned i = 0; i < 8; i++)
                h->sensor_temps_c[i] = (double)NAN;
}

/* ===== the shared families ===== */

const struct sm_family sm_family_smart_healthy = {
        .name = "ssdmon_smart_healthy",
        .help = "1 if the drive's own verdict is healthy, 0 if it reports failing (ATA SMART "
                "status or attribute at threshold; NVMe critical warning)",
        .flags = SM_FAMILY_ALWAYS,
};

const struct sm_family sm_family_temperature = {
        .name = "ssdmon_temperature_celsius",
        .unit = "celsius",
        .help = "Drive temperature; without a sensor label the drive's own (composite) "
                "temperature",
        .labels = {"sensor"},
        .flags = SM_FAMILY_ALWAYS,
};

const struct sm_family sm_family_power_on = {
        .name = "ssdmon_power_on_seconds_total",
        .type = SM_COUNTER,
        .unit = "seconds",
        .help = "Time the drive has been powered on, as it reports it",
        .flags = SM_FAMILY_ALWAYS,
};

const struct sm_family sm_family_power_cycles = {
        .name = "ssdmon_power_cycles_total",
        .type = SM_COUNTER,
        .help = "Power cycles the drive reports",
        .flags = SM_FAMILY_ALWAYS,
};

const struct sm_family sm_family_bad_sectors = {
        .name = "ssdmon_bad_sectors",
        .help = "Reallocated plus pending sectors (ATA attributes 5 and 197)",
        .flags = SM_FAMILY_ALWAYS,
};

const struct sm_family sm_family_endurance_used = {
        .name = "ssdmon_endurance_used_ratio",
        .unit = "ratio",
        .help = "Vendor estimate of the rated endurance used (NVMe percentage used / 100); may "
                "exceed 1",
};

const struct sm_family sm_family_host_read_bytes = {
        .name = "ssdmon_host_read_bytes_total",
        .type = SM_COUNTER,
        .unit = "bytes",
        .help = "Bytes the host read (NVMe data units read x 512000; rounded up by the drive)",
};

const struct sm_family sm_family_host_written_bytes = {
        .name = "ssdmon_host_written_bytes_total",
        .type = SM_COUNTER,
        .unit = "bytes",
        .help = "Bytes the host wrote (NVMe data units written x 512000; rounded up by the "
                "drive)",
};

const struct sm_family *const sm_health_families[] = {
        &sm_family_smart_healthy, &sm_family_temperature, &sm_family_power_on,
        &sm_family_power_cycles,  &sm_family_bad_sectors, NULL,
};

/* ===== readings: the JSON "health" object ===== */

#define HEALTH(fam, k, kind_, fl)            \
        {                                    \
                .family = fam, .json = {     \
                        .kind = kind_,       \
                        .section = "health", \
                        .key = k,            \
                        .flags = fl          \
                }                            \
        }

static const struct sm_desc d_healthy =
        HEALTH(&sm_family_smart_healthy, "healthy", SM_JSON_BOOL, SM_JSON_NULL);
static const struct sm_desc d_rotation =
        HEALTH(NULL, "rotation_rate_rpm", SM_JSON_NUMBER, SM_JSON_NULL);
static const struct sm_desc d_temperature =
        HEALTH(&sm_family_temperature, "temperature_celsius", SM_JSON_NUMBER, SM_JSON_NULL);
static const struct sm_desc d_power_on =
        HEALTH(&sm_family_power_on, "power_on_seconds", SM_JSON_NUMBER, SM_JSON_EXACT);
static const struct sm_desc d_power_cycles =
        HEALTH(&sm_family_power_cycles, "power_cycles", SM_JSON_NUMBER, SM_JSON_EXACT);
static const struct sm_desc d_bad_sectors =
        HEALTH(&sm_family_bad_sectors, "bad_sectors", SM_JSON_NUMBER, SM_JSON_EXACT);
static const struct sm_desc d_sensor = {
        .family = &sm_family_temperature,
        .json = {.kind = SM_JSON_NUMBER,
                 .section = "health",
                 .array = "sensor_temperatures_celsius",
                 .flags = SM_JSON_NULL},
};

static void emit_u64(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, bool has, uint64_t v)
{
        char exact[SM_FMT_MAX];
        struct sm_reading r = sm_reading_num(desc, (double)v, exact);

        sm_fmt_u64(v, exact, sizeof(exact));
        r.present = has;
        emit(ctx, &r);
}

void sm_health_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx)
{
        struct sm_reading r;

        r = sm_reading_num(&d_healthy, h->healthy, NULL);
        r.present = h->healthy >= 0;
        emit(ctx, &r);
        r = sm_reading_num(&d_rotation, h->rotation_rate, NULL);
        r.present = h->rotation_rate >= 0;
        emit(ctx, &r);
        r = sm_reading_num(&d_temperature, h->temperature_c, NULL);
        r.present = h->has_temperature;
        emit(ctx, &r);
        emit_u64(emit, ctx, &d_power_on, h->has_power_on, h->power_on_seconds);
        emit_u64(emit, ctx, &d_power_cycles, h->has_power_cycles, h->power_cycles);
        emit_u64(emit, ctx, &d_bad_sectors, h->has_bad_sectors, h->bad_sectors);
        for (unsigned k = 0; k < 8; k++) {
                char sensor[4];

                snprintf(sensor, sizeof(sensor), "%u", k + 1);
                r = sm_reading_num(&d_sensor, h->sensor_temps_c[k], NULL);
                r.labels[0] = sensor;
                r.present = !isnan(h->sensor_temps_c[k]);
                emit(ctx, &r);
        }
}
