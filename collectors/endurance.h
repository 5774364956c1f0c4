/* SPDX-License-Identifier: MIT */
/*
 * endurance.h - life used and host bytes written/read of a SATA SSD, from
 * Device Statistics (ACS-3+ GP log 04h, vendor-neutral) when the drive has
 * them, else from SMART attributes whose meaning one small table of ours
 * states per smartmontools drive-database name (docs/ata-endurance.md lists
 * every rule with its source). A value without a known source is absent, and
 * `why` says what was missing.
 *
 * Pure code: plain values in, a plain struct out (libc only).
 */
#ifndef SM_ENDURANCE_H
#define SM_ENDURANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sm_endurance_source {
        SM_ENDURANCE_NONE = 0,
        SM_ENDURANCE_DEVSTAT,   /* Device Statistics log 04h */
        SM_ENDURANCE_ATTRIBUTE, /* a SMART attribute (attr says which) */
        SM_ENDURANCE_NVME,      /* NVMe SMART/Health log (not set here) */
};

const char *sm_endurance_source_name(enum sm_endurance_source s); /* "devstat", ... */

struct sm_endurance_item {
        bool present;
        enum sm_endurance_source source;
        uint8_t attr; /* attribute ID when source is ATTRIBUTE, else 0 */
};

struct sm_endurance {
        struct sm_endurance_item used, written, read;
        double used_ratio;      /* 0 new, 1 rated life used (may exceed 1) */
        uint64_t written_bytes; /* host writes */
        uint64_t read_bytes;    /* host reads */
        char why[192];          /* what is missing and why; "" when all three are known */
};

/* The Device Statistics values this needs (the devstat collector's struct,
 * flattened: each present only when supported+valid and its page listed). */
struct sm_endurance_devstat {
        bool read_ok; /* log 04h page 00h was read */
        bool used_present, written_present, read_present;
        uint64_t percentage_used; /* page 07h */
        uint64_t sectors_written; /* page 01h, logical sectors */
        uint64_t sectors_read;    /* page 01h, logical sectors */
};

/* One SMART attribute as the table needs it. */
struct sm_endurance_attr {
        uint8_t id;
        const char *name; /* smartmontools drive-database name for this drive */
        uint8_t value;
        bool value_valid; /* normalized value 1..253 */
        uint64_t raw;     /* 48-bit raw */
};

/*
 * family: the drive-database family of the drive ("" or NULL when the model
 * is not in the database); in_db whether it matched an entry. sector_size:
 * logical sector size in bytes (IDENTIFY words 106, 117-118; 512 when not
 * reported). ds may be NULL (not read).
 */
void sm_endurance_ata(const struct sm_endurance_attr *attrs, size_t n, const char *family,
                      bool in_db, uint32_t sector_size, const struct sm_endurance_devstat *ds,
                      struct sm_endurance *ret);

#endif
