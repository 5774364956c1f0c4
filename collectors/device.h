/* SPDX-License-Identifier: MIT */
/*
 * device.h - the one data structure that flows from the collectors to the
 * HTTP layer: a device's identity (from discovery or replay), the health a
 * collector read from it, and the per-device state the poller keeps.
 *
 * Everything here is plain data, fixed-size and copyable with memcpy, so a
 * snapshot is an array of these and nothing else needs freeing.
 */
#ifndef SM_DEVICE_H
#define SM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

enum sm_class {
        SM_CLASS_SSD = 0,
        SM_CLASS_HDD,
        SM_CLASS_VIRTUAL, /* no SMART: virtio, loop, zram, dm, md, ... (never monitored) */
        SM_CLASS_COUNT
};

enum sm_proto {
        SM_PROTO_NONE = 0,
        SM_PROTO_ATA,  /* ATA/SATA (also SAT behind SCSI): libatasmart */
        SM_PROTO_NVME, /* NVMe: libnvme */
};

/* Identity strings, as udev/sysfs or the drive's own IDENTIFY data give them. */
struct sm_identity {
        char model[64];
        char serial[64];
        char firmware[32];
        char wwn[64];
};

struct sm_device_id {
        char name[64];     /* kernel name, the `device` label: sda, nvme0n1 (replay: file stem) */
        char devnode[256]; /* what a collector opens: /dev/sda, NVMe controller /dev/nvme0,
                              or in replay mode the capture file */
        char aux[256];     /* replay: NVMe id-ctrl capture (may be empty); live: syspath */
        char bus[16];      /* "ata", "scsi", "nvme", "usb", "replay", ... */
        struct sm_identity ident; /* from udev/sysfs; empty strings when unknown */
        uint64_t capacity_bytes;  /* 0 when unknown */
        enum sm_class cls;
        enum sm_proto proto;
        bool replay; /* devnode is a capture file, not a device node */
};

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
        int overall;       /* SkSmartOverall, or -1 when the verdict is unavailable */
        bool status_valid; /* SMART RETURN STATUS was read */
        bool status_good;
        unsigned n_attrs;
        struct sm_ata_attr attrs[SM_ATA_MAX_ATTRS];
};

#define SM_NVME_LOG_SIZE 512

struct sm_nvme_health {
        uint8_t smart_log[SM_NVME_LOG_SIZE]; /* SMART / Health log page 02h, raw */
        bool have_id;                        /* Identify Controller was read */
        uint16_t wctemp, cctemp; /* warning/critical composite temperature, kelvin; 0 unknown */
};

/* Result of one successful read. Collectors fill what they can; has_* say what is valid. */
struct sm_health {
        struct sm_identity ident; /* from the drive itself (IDENTIFY); may be empty */
        int healthy;              /* 1 healthy, 0 failing, -1 unknown */
        int rotation_rate;        /* -1 unknown, 0 non-rotating, else rpm */
        bool has_temperature, has_power_on, has_power_cycles, has_bad_sectors;
        double temperature_c;
        uint64_t power_on_seconds;
        uint64_t power_cycles;
        uint64_t bad_sectors;
        uint64_t capacity_bytes;  /* 0 when unknown */
        double sensor_temps_c[8]; /* extra sensors (NVMe); NaN when absent */
        struct sm_ata_health ata;
        struct sm_nvme_health nvme;
};

/* What the last read attempt of a device came to. */
enum sm_read_status {
        SM_READ_NEVER = 0, /* not read yet */
        SM_READ_OK,
        SM_READ_ASLEEP, /* drive in standby/sleep: not read, so not woken */
        SM_READ_ERROR,
        SM_READ_TIMEOUT, /* the read overran its deadline (still running or abandoned) */
};

/* Per-device state: owned by the poller, copied into each snapshot. */
struct sm_device_state {
        struct sm_device_id id;
        enum sm_read_status status;
        int err;                 /* negative errno of the last failure, 0 */
        char error[192];         /* last failure, for people; empty when the last read succeeded */
        bool have_data;          /* health holds a successful read */
        struct sm_health health; /* the last successful read */
        double last_success_ts;  /* wall clock, seconds; 0 never */
        double last_attempt_ts;
        double read_duration_s; /* duration of the last attempt */
        uint64_t reads_total;
        uint64_t read_errors_total;
};

/* Zero a health record and mark every optional value unknown. */
void sm_health_init(struct sm_health *h);

const char *sm_class_name(enum sm_class c);
const char *sm_proto_name(enum sm_proto p);
const char *sm_read_status_name(enum sm_read_status s);

/* The device's best identity: udev/sysfs values, with the drive's own filling the gaps. */
void sm_device_identity(const struct sm_device_state *d, struct sm_identity *ret);

#endif
