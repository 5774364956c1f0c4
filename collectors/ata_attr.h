/* SPDX-License-Identifier: MIT */
/*
 * ata_attr.h - one table-driven decoder of the 512-byte SMART READ DATA and
 * SMART READ THRESHOLDS sectors (ATA/ATAPI-8 ACS; attribute table at offset 2,
 * 30 slots of 12 bytes: id, flags LE16, normalized, worst, raw[6], reserved;
 * threshold table: id, threshold, 10 reserved), plus libatasmart 0.19's own
 * reading of it (names, units, per-model quirks, sanity checks, overall
 * verdict) reimplemented over our parse, so the verdict stays equal to
 * `skdump --overall` without libatasmart's per-attribute regex compilation.
 *
 * Pure code: bytes in, plain structs out (libc only).
 */
#ifndef SM_ATA_ATTR_H
#define SM_ATA_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SM_ATA_SECTOR     512
#define SM_ATA_ATTR_SLOTS 30

/* libatasmart's SkSmartAttributeUnit, same order. */
enum sm_sk_unit {
        SM_SK_UNKNOWN = 0,
        SM_SK_NONE,
        SM_SK_MSECONDS,
        SM_SK_SECTORS,
        SM_SK_MKELVIN,
        SM_SK_SMALL_PERCENT,
        SM_SK_PERCENT,
        SM_SK_MB,
};

/* libatasmart's SkSmartOverall, same values. */
enum sm_sk_overall {
        SM_SK_GOOD = 0,
        SM_SK_BAD_ATTRIBUTE_IN_THE_PAST,
        SM_SK_BAD_SECTOR,
        SM_SK_BAD_ATTRIBUTE_NOW,
        SM_SK_BAD_SECTOR_MANY,
        SM_SK_BAD_STATUS,
};

struct sm_ata_attr_raw {
        uint8_t id;
        uint16_t flags;
        bool prefailure, online; /* flags bits 0 and 1 */
        uint8_t value, worst;
        bool value_valid, worst_valid; /* 1..253 */
        uint8_t threshold;
        bool threshold_found; /* the threshold sector has a slot for this id */
        bool threshold_valid; /* found and != 0xFE (libatasmart) */
        bool good_now, good_now_valid;
        bool good_past, good_past_valid;
        uint8_t raw[6];
        uint64_t raw48;
        /* libatasmart 0.19's reading */
        const char *sk_name; /* static string, or NULL for "attribute-N" */
        enum sm_sk_unit sk_unit;
        uint64_t sk_pretty;
};

struct sm_ata_attr_table {
        unsigned n; /* non-empty slots, in table order */
        struct sm_ata_attr_raw a[SM_ATA_ATTR_SLOTS];
        bool verification_bad; /* libatasmart's "Attribute Parsing Verification: Bad" */
};

/* libatasmart 0.19's per-model quirk bits for model/firmware as
 * sk_disk_identify_parse() returns them (trimmed, inner spaces folded).
 * Compiles its ~16 regexes once per call: cache the result per drive. */
uint32_t sm_sk_quirks(const char *model, const char *firmware);

/*
 * Decode data (SMART READ DATA, len >= 512) and thr (READ THRESHOLDS, NULL or
 * len >= 512: missing thresholds). quirks from sm_sk_quirks(); size_bytes the
 * device size (0: unknown, as for blobs) for libatasmart's sector sanity check.
 * -EINVAL if data is short; otherwise 0 (the checksum is not required:
 * neither libatasmart nor smartctl refuse a bad one).
 */
int sm_ata_attr_decode(const uint8_t *data, size_t len, const uint8_t *thr, size_t thr_len,
                       uint32_t quirks, uint64_t size_bytes, struct sm_ata_attr_table *t);

/*
 * libatasmart 0.19-5 (Debian, with "drop our own many bad sectors heuristic")
 * sk_disk_smart_get_overall() over a decoded table and SMART RETURN STATUS.
 */
enum sm_sk_overall sm_sk_overall(const struct sm_ata_attr_table *t, bool status_good);

#endif
