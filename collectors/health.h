/* SPDX-License-Identifier: MIT */
/*
 * health.h - what a collector read from a drive: plain data, filled by the
 * protocol decoders (ata.c, nvme.c) and nothing else. Fixed-size and copyable.
 *
 * Optional values, one convention: a value that may be unknown has a flag next
 * to it (has_*, *_valid, have_id, a bit in *_present) and is 0 when the flag is
 * false; sm_health_init() (all zero) means "nothing known". Raw protocol data (the NVMe page, the
 * ATA attribute table) is kept whole; what each value means is declared in the protocol's table
 * (metric.h).
 */
#ifndef SM_HEALTH_H
#define SM_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "ata_log.h"
#include "device.h"
#include "endurance.h"
#include "metric.h"
#include "nvme_logs.h"
#include "scsi_pages.h"

/* One ATA SMART attribute as the drive reports it (libatasmart's parse). */
struct sm_ata_attr {
        uint8_t id;
        char name[40];
        uint16_t flags;
        bool prefailure;
        bool online;
        uint8_t value, worst, threshold;
        bool value_valid, worst_valid, threshold_valid;
        uint64_t raw; /* 48-bit raw value, little-endian bytes 0..5 */
};

#define SM_ATA_MAX_ATTRS 30

struct sm_ata_health {
        int overall;       /* SkSmartOverall; valid with status_valid */
        bool status_valid; /* SMART RETURN STATUS was read */
        bool status_good;
        unsigned n_attrs;
        struct sm_ata_attr attrs[SM_ATA_MAX_ATTRS];
        struct sm_endurance endurance; /* life used, host bytes: see endurance.h */
        /* Device Statistics, error and self-test logs (SG_IO; replay: <name>.devstat);
         * each part says in its present/read_ok flag whether it was read, else why. */
        struct sm_ata_logs logs;
};

#define SM_NVME_LOG_SIZE 512

struct sm_nvme_health {
        uint8_t smart_log[SM_NVME_LOG_SIZE]; /* SMART / Health log page 02h, raw */
        bool have_id;                        /* Identify Controller was read */
        uint16_t wctemp, cctemp; /* warning/critical composite temperature, kelvin; 0 unknown */
        struct sm_nvme_error_log error_log;     /* log 01h (present, or absent and why) */
        struct sm_nvme_self_test_log self_test; /* log 06h (present, or absent and why) */
};

/* Result of one successful read. Collectors fill what they can; has_* say what is valid. */
struct sm_health {
        struct sm_identity ident; /* from the drive itself (IDENTIFY); may be empty */
        bool has_healthy;         /* the drive gave its own verdict: */
        bool healthy;             /* true healthy, false failing */
        bool has_rotation_rate;
        unsigned rotation_rate; /* 0 non-rotating, else rpm */
        bool has_temperature, has_power_on, has_power_cycles, has_bad_sectors, has_capacity;
        double temperature_c;
        uint64_t power_on_seconds;
        uint64_t power_cycles;
        uint64_t bad_sectors;
        uint64_t capacity_bytes;
        uint8_t sensor_temps_present; /* bit k: sensor_temps_c[k] was read */
        double sensor_temps_c[8];     /* extra sensors (NVMe sensors 1-8, SCSI environment) */
        /*
         * The drive's own logs, protocol-independent, for the verdict (has_* false:
         * the drive has no such log, it was not read, or holds no result yet).
         * Filled from the NVMe Device Self-test / Error Information logs.
         */
        bool has_self_test;                /* a completed self-test result was read */
        bool self_test_failed;             /* the newest completed self-test failed */
        uint64_t self_test_power_on_hours; /* power-on hours when that test ended */
        bool has_error_log;                /* the error log was read */
        uint32_t error_log_entries;        /* valid entries in it, as read (newest first) */
        uint64_t error_log_newest_count;   /* error count of the newest entry; 0: none */
        struct sm_ata_health ata;
        struct sm_nvme_health nvme;
        struct sm_scsi_health scsi;
};

/* Zero a health record: every optional value unknown. */
void sm_health_init(struct sm_health *h);

/*
 * The families every protocol may fill (declared once, here), in exposition
 * order: smart_healthy, temperature, power-on, power cycles, bad sectors; then
 * endurance used and host bytes read/written, which each protocol's table uses.
 */
extern const struct sm_family sm_family_smart_healthy;
extern const struct sm_family sm_family_temperature;
extern const struct sm_family sm_family_power_on;
extern const struct sm_family sm_family_power_cycles;
extern const struct sm_family sm_family_bad_sectors;
extern const struct sm_family sm_family_endurance_used;
extern const struct sm_family sm_family_host_read_bytes;
extern const struct sm_family sm_family_host_written_bytes;
extern const struct sm_family sm_family_endurance_source_info;

/* NULL-terminated: the families sm_health_readings() emits. */
extern const struct sm_family *const sm_health_families[];

/* The protocol-independent readings of h (the JSON "health" object), in JSON order. */
void sm_health_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx);

#endif
