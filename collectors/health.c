/* SPDX-License-Identifier: MIT */
#include "health.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/fmt.h"

void sm_health_init(struct sm_health *h)
{
        memset(h, 0, sizeof(*h));
        sm_scsi_health_init(&h->scsi);
}

/* ===== the shared families ===== */

/* clang-format off */
SM_FAMILY(, sm_family_smart_healthy,         "ssdmon_smart_healthy",            SM_GAUGE,   "",        SM_FAMILY_ALWAYS, "1 if the drive's own verdict is healthy, 0 if it reports failing (ATA SMART status or attribute at threshold; NVMe critical warning)", NULL);
SM_FAMILY(, sm_family_temperature,           "ssdmon_temperature_celsius",      SM_GAUGE,   "celsius", SM_FAMILY_ALWAYS, "Drive temperature; without a sensor label the drive's own (composite) temperature", "sensor");
SM_FAMILY(, sm_family_power_on,              "ssdmon_power_on_seconds_total",   SM_COUNTER, "seconds", SM_FAMILY_ALWAYS, "Time the drive has been powered on, as it reports it", NULL);
SM_FAMILY(, sm_family_power_cycles,          "ssdmon_power_cycles_total",       SM_COUNTER, "",        SM_FAMILY_ALWAYS, "Power cycles the drive reports", NULL);
SM_FAMILY(, sm_family_bad_sectors,           "ssdmon_bad_sectors",              SM_GAUGE,   "",        SM_FAMILY_ALWAYS, "Reallocated plus pending sectors (ATA attributes 5 and 197)", NULL);
SM_FAMILY(, sm_family_endurance_used,        "ssdmon_endurance_used_ratio",     SM_GAUGE,   "ratio",   0,                "Vendor estimate of the rated endurance used (NVMe percentage used / 100; SATA and SCSI: see ssdmon_endurance_source_info); may exceed 1", NULL);
SM_FAMILY(, sm_family_host_read_bytes,       "ssdmon_host_read_bytes_total",    SM_COUNTER, "bytes",   0,                "Bytes the host read (NVMe data units read x 512000, rounded up by the drive; SATA and SCSI: see ssdmon_endurance_source_info)", NULL);
SM_FAMILY(, sm_family_host_written_bytes,    "ssdmon_host_written_bytes_total", SM_COUNTER, "bytes",   0,                "Bytes the host wrote (NVMe data units written x 512000, rounded up by the drive; SATA and SCSI: see ssdmon_endurance_source_info)", NULL);
SM_FAMILY(, sm_family_endurance_source_info, "ssdmon_endurance_source_info",    SM_GAUGE,   "",        0,                "Where an endurance value comes from, always 1: metric names its family, source is devstat (ATA Device Statistics), attribute (the SMART attribute whose ID is in attribute), nvme (the SMART/Health log) or scsi (log page 11h; error counter pages 02h/03h total bytes processed)", "metric", "source", "attribute");
/* clang-format on */

const struct sm_family *const sm_health_families[] = {
        &sm_family_smart_healthy, &sm_family_temperature, &sm_family_power_on,
        &sm_family_power_cycles,  &sm_family_bad_sectors, NULL,
};

/* ===== readings: the JSON "health" object ===== */

/* clang-format off */
#define HEALTH(kind_, k, fl) {.kind = kind_, .section = "health", .key = k, .flags = fl}
SM_DESC(d_healthy,      &sm_family_smart_healthy, HEALTH(SM_JSON_BOOL, "healthy", SM_JSON_NULL));
SM_DESC(d_rotation,     NULL,                     HEALTH(SM_JSON_NUMBER, "rotation_rate_rpm", SM_JSON_NULL));
SM_DESC(d_temperature,  &sm_family_temperature,   HEALTH(SM_JSON_NUMBER, "temperature_celsius", SM_JSON_NULL));
SM_DESC(d_power_on,     &sm_family_power_on,      HEALTH(SM_JSON_NUMBER, "power_on_seconds", SM_JSON_EXACT));
SM_DESC(d_power_cycles, &sm_family_power_cycles,  HEALTH(SM_JSON_NUMBER, "power_cycles", SM_JSON_EXACT));
SM_DESC(d_bad_sectors,  &sm_family_bad_sectors,   HEALTH(SM_JSON_NUMBER, "bad_sectors", SM_JSON_EXACT));
SM_DESC(d_sensor,       &sm_family_temperature,   {.kind = SM_JSON_NUMBER, .section = "health", .array = "sensor_temperatures_celsius", .flags = SM_JSON_NULL});

/* clang-format on */

void sm_health_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx)
{
        struct sm_reading r;

        r = sm_reading_num(&d_healthy, h->healthy, NULL);
        r.present = h->has_healthy;
        emit(ctx, &r);
        r = sm_reading_num(&d_rotation, h->rotation_rate, NULL);
        r.present = h->has_rotation_rate;
        emit(ctx, &r);
        r = sm_reading_num(&d_temperature, h->temperature_c, NULL);
        r.present = h->has_temperature;
        emit(ctx, &r);
        sm_emit_u64(emit, ctx, &d_power_on, h->power_on_seconds, h->has_power_on);
        sm_emit_u64(emit, ctx, &d_power_cycles, h->power_cycles, h->has_power_cycles);
        sm_emit_u64(emit, ctx, &d_bad_sectors, h->bad_sectors, h->has_bad_sectors);
        for (unsigned k = 0; k < 8; k++) {
                char sensor[4];

                snprintf(sensor, sizeof(sensor), "%u", k + 1);
                r = sm_reading_num(&d_sensor, h->sensor_temps_c[k], NULL);
                r.labels[0] = sensor;
                r.present = (h->sensor_temps_present >> k) & 1u;
                emit(ctx, &r);
        }
}
