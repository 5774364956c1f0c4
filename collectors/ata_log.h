/* SPDX-License-Identifier: MIT */
/*
 * ata_log.h - pure decoders for the ATA logs the agent reads besides the SMART
 * attribute table: Device Statistics (log 04h), the SMART error logs (summary
 * 01h, extended comprehensive 03h), the self-test logs (06h, extended 07h) and
 * the two log directories (GPL and SMART log 00h). Bytes in, plain structs out;
 * no I/O, libc only. Layouts: ACS-4 (T13/BSR INCITS 529) sections 9.5 (Device
 * Statistics), A.2 (log directory), A.4/A.5/A.14/A.20 (error and self-test logs).
 *
 * A statistic is present only when its page was listed in page 00h, the page
 * header names the page, and the qword's flags say SUPPORTED (bit 63) and VALID
 * (bit 62). Absent is never 0.
 */
#ifndef SM_ATA_LOG_H
#define SM_ATA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SM_ATA_LOG_SECTOR 512

/* Log addresses. */
enum {
        SM_ATA_LOG_DIRECTORY = 0x00,
        SM_ATA_LOG_SUMMARY_ERROR = 0x01,
        SM_ATA_LOG_EXT_ERROR = 0x03,
        SM_ATA_LOG_DEVSTAT = 0x04,
        SM_ATA_LOG_SELF_TEST = 0x06,
        SM_ATA_LOG_EXT_SELF_TEST = 0x07,
};

/* ---- IDENTIFY DEVICE words that gate the log reads (ACS-4 table 45) ---- */

/* Word 84 or 87 bit 5: General Purpose Logging feature set supported. */
bool sm_ata_id_gpl(const uint8_t *identify);
/* Word 84 or 87 bit 0: SMART error logging supported. */
bool sm_ata_id_error_logging(const uint8_t *identify);
/* Word 84 or 87 bit 1: SMART self-test supported. */
bool sm_ata_id_self_test(const uint8_t *identify);
/* Logical sector size in bytes (words 106, 117-118), 512 when not reported. */
uint32_t sm_ata_id_logical_sector_size(const uint8_t *identify);

/* ---- log directory (log 00h, GPL or SMART) ---- */

struct sm_ata_logdir {
        bool valid;
        uint16_t version;    /* word 0 */
        uint16_t pages[256]; /* word N: number of 512-byte pages of log N; 0 = not supported */
};

void sm_ata_logdir_decode(const uint8_t *sector, struct sm_ata_logdir *dir);

/* ---- Device Statistics (log 04h) ---- */

struct sm_devstat_u64 {
        bool present;
        uint64_t value;
};

struct sm_devstat_i8 {
        bool present;
        int8_t value; /* degrees Celsius, signed per ACS */
};

#define SM_DEVSTAT_MAX_PAGES 16

struct sm_devstat {
        bool read_ok;    /* page 00h was read and is valid */
        bool gpl;        /* read with READ LOG EXT (else SMART READ LOG) */
        bool capture;    /* from a replay capture (<name>.devstat), not a drive */
        uint8_t n_pages; /* pages listed in page 00h (first SM_DEVSTAT_MAX_PAGES kept) */
        uint8_t pages[SM_DEVSTAT_MAX_PAGES];
        /* page 01h General Statistics */
        struct sm_devstat_u64 power_cycles;            /* +08h Lifetime Power-On Resets, 32 bit */
        struct sm_devstat_u64 power_on_hours;          /* +10h, 32 bit */
        struct sm_devstat_u64 logical_sectors_written; /* +18h, 48 bit */
        struct sm_devstat_u64 logical_sectors_read;    /* +28h, 48 bit */
        /* page 04h General Errors Statistics */
        struct sm_devstat_u64 reported_uncorrectable_errors; /* +08h, 32 bit */
        /* page 05h Temperature Statistics */
        struct sm_devstat_i8 temp_current; /* +08h Current Temperature */
        struct sm_devstat_i8 temp_max;     /* +20h Highest Temperature (lifetime) */
        struct sm_devstat_i8 temp_min;     /* +28h Lowest Temperature (lifetime) */
        /* page 07h Solid State Device Statistics */
        struct sm_devstat_u64 percentage_used; /* +08h Percentage Used Endurance Indicator, 8 bit
                                                  (may exceed 100; 255 = 255 or more) */
        char why[96]; /* why something is missing: !read_ok, or a wanted page not listed */
};

/* The pages the agent reads after page 00h, in this order. */
extern const uint8_t sm_devstat_wanted[4];

void sm_devstat_init(struct sm_devstat *ds);
/* Page 00h (List of Supported Pages): header page number 00h, entry count at byte 8,
 * page numbers from byte 9. Returns 0, or -EINVAL (reason in ds->why). */
int sm_devstat_decode_list(const uint8_t *page0, struct sm_devstat *ds);
bool sm_devstat_listed(const struct sm_devstat *ds, uint8_t page);
/* One statistics page. Returns 0, or -EINVAL when its header does not name `page`
 * (then none of its statistics is set). */
int sm_devstat_decode_page(const uint8_t *data, uint8_t page, struct sm_devstat *ds);
/* After all reads: note in ds->why the wanted pages the drive does not list. */
void sm_devstat_note_missing(struct sm_devstat *ds);

/* ---- SMART error logs (summary 01h, extended comprehensive 03h) ---- */

#define SM_ATA_ERR_MAX 4 /* newest entries kept */

struct sm_ata_error {
        uint32_t number;         /* error number (device error count for the newest) */
        uint16_t power_on_hours; /* life timestamp of the error */
        uint8_t state;           /* device state (ACS: 0 unknown, 1 sleep, 2 standby, 3 active/idle,
                                    4 executing SMART off-line or self-test) */
        uint8_t error;           /* error register after the failing command */
        uint8_t status;          /* status register after the failing command */
        uint16_t count;          /* count register after the failing command */
        uint64_t lba;            /* LBA registers (28-bit for the summary log) */
        bool has_command;        /* the failing command's data structure was filled */
        uint8_t command;         /* command register of the command that caused the error */
        uint16_t features;       /* its features register */
        uint32_t command_timestamp_ms; /* its timestamp, ms since power-on (wraps) */
};

struct sm_ata_error_log {
        bool present;
        bool extended;  /* from GP log 03h, else summary log 01h */
        uint32_t count; /* device error count: errors since the drive was made */
        uint8_t n_entries;
        struct sm_ata_error entries[SM_ATA_ERR_MAX]; /* newest first */
        char why[96];
};

/* Summary error log (one sector). Returns 0 or -EINVAL (checksum, index); why set. */
int sm_ata_summary_error_log_decode(const uint8_t *sector, struct sm_ata_error_log *log);
/* Extended comprehensive error log, header from page 0: device error count and the
 * 1-based index of the newest entry (0 when none). Returns -EINVAL on a bad checksum. */
int sm_ata_ext_error_log_header(const uint8_t *page0, uint32_t *count, uint16_t *index);
/* Entry `slot` (0..3) of one extended page into e (false when the entry is empty). */
bool sm_ata_ext_error_entry(const uint8_t *page, unsigned slot, struct sm_ata_error *e);
/* Checksum of one log sector: the 512 bytes sum to 0 mod 256. */
bool sm_ata_log_checksum_ok(const uint8_t *sector);

/* ---- self-test logs (06h, extended 07h) ---- */

#define SM_ATA_ST_MAX 4 /* newest entries kept */

struct sm_ata_self_test {
        uint8_t type;            /* self-test number (LBA low of the SMART EXECUTE OFF-LINE) */
        uint8_t status;          /* execution status, bits 7:4 (0 ok, 1 aborted by host, ...) */
        uint8_t remaining_pct;   /* bits 3:0 x 10 */
        uint16_t power_on_hours; /* life timestamp */
        bool has_failing_lba;    /* only for a failed test with a valid LBA */
        uint64_t failing_lba;
        bool has_passed,
                passed; /* smartctl's "passed": status 0 passed, 4..8 not, others unknown */
};

struct sm_ata_self_test_log {
        bool present;
        bool extended;     /* from GP log 07h, else SMART log 06h */
        uint16_t n_logged; /* non-empty descriptors */
        uint16_t n_failed; /* failed tests not outdated by a newer successful extended test
                              (smartctl's error_count_total - error_count_outdated) */
        uint8_t n_entries;
        struct sm_ata_self_test entries[SM_ATA_ST_MAX]; /* newest first */
        char why[96];
};

/* SMART self-test log (one sector). Returns 0 or -EINVAL (checksum); why set. */
int sm_ata_self_test_log_decode(const uint8_t *sector, struct sm_ata_self_test_log *log);
/* Extended self-test log, `n_sectors` pages. Returns 0 or -EINVAL. */
int sm_ata_ext_self_test_log_decode(const uint8_t *pages, unsigned n_sectors,
                                    struct sm_ata_self_test_log *log);

/* ---- everything the SG_IO path reads besides attributes ---- */

struct sm_ata_logs {
        struct sm_devstat devstat;
        struct sm_ata_error_log errors;
        struct sm_ata_self_test_log self_tests;
};

void sm_ata_logs_init(struct sm_ata_logs *l);

/*
 * A Device Statistics capture (`<name>.devstat` in a replay directory): a positive
 * multiple of 512 bytes, at most 256 pages. Block 0 is page 00h. Every other block is
 * taken for the page its own header names (byte 2), if page 00h lists that page; blocks
 * whose header says page 00h (a zero-filled page, as SMART READ LOG returns for unlisted
 * pages in a contiguous read) are skipped; a page named twice is malformed. So both
 * `sg_sat_read_gplog -r` outputs (page 00h then each listed page) and one contiguous
 * SMART READ LOG of pages 0..N are accepted. Returns 0 or -EINVAL (reason in ds->why).
 */
int sm_devstat_decode_capture(const uint8_t *buf, size_t len, struct sm_devstat *ds);

/* Status code (bits 7:4) -> smartctl's words ("Completed without error", ...). */
const char *sm_ata_self_test_status_str(uint8_t status);
/* Self-test number -> smartctl's words ("Short offline", ...); NULL when reserved/vendor. */
const char *sm_ata_self_test_type_str(uint8_t type);
/* Status codes 3..8: the test failed (smartctl's "passed": false). */
bool sm_ata_self_test_failed(uint8_t status);

#endif
