/* SPDX-License-Identifier: MIT */
/*
 * nvme.h - NVMe SMART/Health log and Identify Controller through libnvme.
 *
 * The SMART / Health Information log page (log id 02h, 512 bytes) is decoded by
 * ONE table, sm_nvme_fields[]: each row says where a field is (offset, width,
 * unit) and what it means (struct sm_desc: family, JSON key). The sm_health
 * fill and the readings every renderer walks both go through
 * sm_nvme_field_decode(), so a field cannot be decoded twice in two ways.
 */
#ifndef SM_NVME_H
#define SM_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "health.h"
#include "lib/fmt.h"

extern const struct sm_collector sm_nvme_collector;

/* libnvme's default admin timeout is the kernel's 60 s; ours when opts give none. */
#define SM_NVME_DEFAULT_TIMEOUT_MS 5000u

enum sm_nvme_unit {
        SM_NVME_UNIT_FLAG,    /* one bit of a bitmap (bit column): 0 or 1 */
        SM_NVME_UNIT_COUNT,   /* a plain number (or a whole bitmap) */
        SM_NVME_UNIT_KELVIN,  /* temperature in kelvin, 0 = not reported; base unit °C = K - 273 */
        SM_NVME_UNIT_PERCENT, /* base unit: ratio = percent / 100 (may exceed 1) */
        SM_NVME_UNIT_DATA_UNITS, /* 1000 x 512-byte units; base unit: bytes (x 512000) */
        SM_NVME_UNIT_MINUTES,    /* base unit: seconds (x 60) */
        SM_NVME_UNIT_HOURS,      /* base unit: seconds (x 3600) */
        SM_NVME_UNIT_SECONDS,
};

/* Rows that fill struct sm_health; their values reach Prometheus through health.h's families. */
enum sm_nvme_generic {
        SM_NVME_GEN_NONE = 0,
        SM_NVME_GEN_HEALTHY,      /* critical warning byte: healthy = (byte == 0) */
        SM_NVME_GEN_TEMPERATURE,  /* composite temperature -> temperature_c */
        SM_NVME_GEN_SENSOR,       /* temperature sensor `index` -> sensor_temps_c[index] */
        SM_NVME_GEN_POWER_ON,     /* -> power_on_seconds */
        SM_NVME_GEN_POWER_CYCLES, /* -> power_cycles */
};

struct sm_nvme_field {
        uint16_t offset; /* byte offset in the 512-byte page */
        uint8_t width;   /* bytes, little-endian: 1, 2, 4 or 16 */
        uint8_t bit;     /* SM_NVME_UNIT_FLAG: the bit within the byte at offset */
        enum sm_nvme_unit unit;
        struct sm_desc raw;      /* the value as stored; JSON key: nvme-cli's name */
        struct sm_desc si;       /* the value in base units; empty when not converted */
        const char *label_value; /* value of the family's one label (warning, threshold) */
        const char *words;       /* critical warning bits: the words of `ssd-monitor check` */
        const char *help;        /* fields without a family of their own: what they are */
        enum sm_nvme_generic generic;
        uint8_t index; /* SM_NVME_GEN_SENSOR: 0..7 */
};

extern const struct sm_nvme_field sm_nvme_fields[];
extern const size_t sm_nvme_n_fields;

struct sm_nvme_value {
        bool present;     /* false: not reported (a temperature of 0 K) */
        sm_u128 raw;      /* the field as stored (a flag: 0 or 1) */
        double value;     /* in base units: °C, ratio, bytes, seconds, count */
        char raw_dec[48]; /* raw as an exact decimal */
        char exact[48];   /* value as an exact decimal; "" when not integral (ratios) */
};

/* Decode one field of a 512-byte SMART/Health log page. */
void sm_nvme_field_decode(const struct sm_nvme_field *f, const uint8_t *log,
                          struct sm_nvme_value *ret);

/* The critical warning byte of the page (any bit set: the drive is failing). */
uint8_t sm_nvme_critical_warning(const struct sm_nvme_health *nh);

/* What critical warning bit `bit` means, in a word or two ("spare", "read-only"), or NULL. */
const char *sm_nvme_critical_warning_words(unsigned bit);

/* Percentage Used (may exceed 100), or -1. */
int sm_nvme_percent_used(const struct sm_nvme_health *nh);

/* The table row with this JSON key (raw.json.key), or NULL. */
const struct sm_nvme_field *sm_nvme_field_by_key(const char *key);

/*
 * Fill the generic parts of h (healthy, temperature, sensors, power-on, power
 * cycles, rotation rate 0) and h->nvme.smart_log from a log page, through the table.
 */
void sm_nvme_decode_health(const uint8_t *log, struct sm_health *h);

/*
 * Fill identity, wctemp/cctemp, capacity and have_id from 4096 bytes of Identify
 * Controller data (mn/sn/fr are space padded, not NUL-terminated there).
 */
void sm_nvme_decode_id_ctrl(const uint8_t *id_ctrl, struct sm_health *h);

#endif
