/* SPDX-License-Identifier: MIT */
/*
 * nvme_logs.h - the NVMe Error Information log (log 01h) and the Device
 * Self-test log (log 06h): what Identify Controller says may be asked, the
 * exact read-only Get Log Page commands, and the pages decoded into plain data.
 *
 * Pure code: bytes -> structs (plus the two admin commands through libnvme).
 * Layouts: NVMe Base Specification 2.0, "Error Information Log Entry" (64 bytes
 * per entry, newest error first) and "Device Self-test log" (4-byte header and
 * 20 Self-test Result Data Structures of 28 bytes, newest first).
 *
 * What is asked, and only when Identify Controller was read:
 *  - Error Information: always supported (mandatory log page); min(ELPE + 1,
 *    SM_NVME_ERR_MAX_READ) entries in ONE command without an offset (the
 *    controller returns the newest ones first; an offset would need LPA bit 2),
 *    NSID FFFFFFFFh, RAE set (never clears a pending error event);
 *  - Device Self-test: only if OACS bit 4 (Device Self-test supported); 564
 *    bytes, NSID FFFFFFFFh, RAE set. Never a Device Self-test command (no start,
 *    no abort).
 */
#ifndef SM_NVME_LOGS_H
#define SM_NVME_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/enum.h"

#define SM_NVME_ERR_ENTRY_SIZE 64u
#define SM_NVME_ERR_MAX_READ   64u /* entries asked for at most: one 4 KiB transfer */
#define SM_NVME_ERR_KEEP       8u  /* newest entries kept (JSON) */
#define SM_NVME_ST_LOG_SIZE    564u
#define SM_NVME_ST_RESULTS     20u
#define SM_NVME_ST_KEEP        4u /* newest results kept (JSON) */

/* Identify Controller bytes that decide what may be asked. */
struct sm_nvme_log_caps {
        bool known;    /* Identify Controller was read; else nothing is asked */
        uint16_t oacs; /* bytes 257:256, Optional Admin Command Support */
        uint8_t lpa;   /* byte 261, Log Page Attributes */
        uint8_t elpe;  /* byte 262, Error Log Page Entries (0's based) */
};

void sm_nvme_log_caps_from_id(const uint8_t *id_ctrl /* 4096 bytes */, struct sm_nvme_log_caps *c);

/* Entries of the error log to ask for: 0 = do not ask. */
uint32_t sm_nvme_error_log_entries_to_read(const struct sm_nvme_log_caps *c);
/* Whether the self-test log may be asked for (OACS bit 4). */
bool sm_nvme_self_test_log_supported(const struct sm_nvme_log_caps *c);

/* ===== Error Information log ===== */

struct sm_nvme_error_entry {
        uint64_t error_count;         /* bytes 7:0; 0 = entry not valid */
        uint16_t sqid;                /* 9:8; FFFFh: not specific to a command */
        uint16_t cmdid;               /* 11:10 */
        uint16_t status;              /* 13:12 without the phase tag (bits 15:1 >> 1): SC 7:0,
                                         SCT 10:8, CRD 12:11, More 13, DNR 14 (libnvme's status) */
        uint8_t sct, sc;              /* the status's Status Code Type (10:8) and Code (7:0) */
        bool more, dnr;               /* its More (13) and Do Not Retry (14) bits */
        bool phase_tag;               /* bit 0 of bytes 13:12 */
        uint16_t parm_error_location; /* 15:14: byte 7:0, bit 10:8 of the failing parameter */
        uint64_t lba;                 /* 23:16: first LBA of the error */
        uint32_t nsid;                /* 27:24 */
        uint8_t vs;                   /* 28: vendor-specific log page with more, 0 none */
        uint8_t trtype;               /* 29: transport type */
        uint64_t cs;                  /* 39:32: command specific information */
        uint16_t trtype_spec_info;    /* 41:40 */
        char status_text[96];         /* libnvme's nvme_status_to_string(status) */
};

struct sm_nvme_error_log {
        bool present;                /* read (or replayed) and decoded */
        char absent_reason[128];     /* !present: why (not asked, not supported, failed) */
        uint32_t entries;            /* entries in the page as read */
        uint32_t valid_entries;      /* entries with a non-zero error count */
        uint64_t newest_error_count; /* highest error count among them; 0: none */
        uint32_t n_newest;           /* entries kept below */
        struct sm_nvme_error_entry newest[SM_NVME_ERR_KEEP]; /* by error count, newest first */
};

/*
 * Decode len bytes (a multiple of 64, at least 64) of log 01h. Entries are
 * ordered by their error count (a controller should return the newest first;
 * a ring-ordered page decodes the same). Returns 0, or -EINVAL for a bad length.
 */
int sm_nvme_decode_error_log(const uint8_t *page, size_t len, struct sm_nvme_error_log *ret);

/* ===== Device Self-test log ===== */

/* Self-test Result codes (byte 0 bits 3:0 of a result) and their stable names. */
/* clang-format off */
#define SM_NVME_ST_RESULT_CODES(X) \
        X(SM_NVME_ST_NO_ERROR,               0x0, "no_error") \
        X(SM_NVME_ST_ABORTED_BY_COMMAND,     0x1, "aborted_by_command") \
        X(SM_NVME_ST_ABORTED_BY_RESET,       0x2, "aborted_by_reset") \
        X(SM_NVME_ST_ABORTED_NS_REMOVED,     0x3, "aborted_ns_removed") \
        X(SM_NVME_ST_ABORTED_FORMAT,         0x4, "aborted_format") \
        X(SM_NVME_ST_FATAL_ERROR,            0x5, "fatal_error") \
        X(SM_NVME_ST_FAILED_SEGMENT_UNKNOWN, 0x6, "failed_segment_unknown") \
        X(SM_NVME_ST_FAILED_SEGMENT,         0x7, "failed_segment") \
        X(SM_NVME_ST_ABORTED_UNKNOWN,        0x8, "aborted_unknown") \
        X(SM_NVME_ST_ABORTED_SANITIZE,       0x9, "aborted_sanitize") \
        X(SM_NVME_ST_NOT_USED,               0xf, "not_used")

/* clang-format on */

enum sm_nvme_st_result { SM_NVME_ST_RESULT_CODES(SM_ENUM_VALUE) };

/* Valid Diagnostic Information bits (byte 2 of a result). */
#define SM_NVME_ST_VALID_NSID 0x1u
#define SM_NVME_ST_VALID_FLBA 0x2u
#define SM_NVME_ST_VALID_SCT  0x4u
#define SM_NVME_ST_VALID_SC   0x8u

struct sm_nvme_self_test_result {
        uint8_t code;            /* byte 0 bits 7:4: 1h short, 2h extended, Eh vendor specific */
        uint8_t result;          /* byte 0 bits 3:0: enum sm_nvme_st_result */
        uint8_t segment;         /* byte 1: first failing segment (result 7h) */
        uint8_t valid;           /* byte 2: SM_NVME_ST_VALID_* */
        uint64_t power_on_hours; /* bytes 11:4: when the test completed or was aborted */
        uint32_t nsid;           /* 15:12, if valid & NSID */
        uint64_t failing_lba;    /* 23:16, if valid & FLBA */
        uint8_t sct, sc;         /* 24 (bits 2:0), 25, if valid & SCT / SC */
};

struct sm_nvme_self_test_log {
        bool present;               /* read (or replayed) and decoded */
        char absent_reason[128];    /* !present: why (not asked, not supported, failed) */
        uint8_t current_operation;  /* byte 0 bits 3:0: 0 none, 1h short, 2h extended, Eh vendor */
        uint8_t completion_percent; /* byte 1 bits 6:0, while an operation runs */
        uint32_t n_results;         /* results in use (result != Fh) */
        /* The newest result that completed (not aborted): its verdict is the drive's. */
        bool have_completed;
        struct sm_nvme_self_test_result last_completed;
        uint32_t n_newest;
        struct sm_nvme_self_test_result newest[SM_NVME_ST_KEEP]; /* newest first */
};

/* Decode the 564-byte log 06h (-EINVAL for another length). */
int sm_nvme_decode_self_test_log(const uint8_t *page, size_t len,
                                 struct sm_nvme_self_test_log *ret);

/* Did this result find the drive failing? (fatal error, failed segment: 5h, 6h, 7h) */
bool sm_nvme_self_test_result_failed(uint8_t result);
/* Did the test run to its end? (0h, 5h, 6h, 7h) */
bool sm_nvme_self_test_result_completed(uint8_t result);

/* Stable names: "short", "extended", "vendor_specific", "none", "reserved". */
const char *sm_nvme_self_test_code_name(uint8_t code);
/* "no_error", "aborted_by_command", ..., "failed_segment", "not_used", "reserved". */
const char *sm_nvme_self_test_result_name(uint8_t result);

/* ===== reading (libnvme; the exact commands are in the header comment) ===== */

/*
 * Get Log Page `lid` (all namespaces, offset 0, Retain Asynchronous Event set) in one
 * command of len bytes (at most 4 KiB) into buf, zeroed first. Returns 0, a positive
 * NVMe status, or -1 with errno (libnvme's convention).
 */
int sm_nvme_get_log(int fd, uint32_t timeout_ms, uint8_t lid, uint32_t len, uint8_t *buf);
/*
 * Get Log Page 01h for `entries` entries into buf (entries * 64 bytes). Returns 0,
 * a positive NVMe status, or -1 with errno (libnvme's convention).
 */
int sm_nvme_get_error_log(int fd, uint32_t timeout_ms, uint32_t entries, uint8_t *buf);
/* Get Log Page 06h, 564 bytes into buf; same returns. */
int sm_nvme_get_self_test_log(int fd, uint32_t timeout_ms, uint8_t *buf);

/*
 * Read and decode both logs as Identify allows (caps), never anything else:
 * each log is present, or absent with its reason. A failing log read does not
 * fail the device read. buf: scratch of at least SM_NVME_ERR_MAX_READ * 64 bytes.
 */
void sm_nvme_read_logs(int fd, uint32_t timeout_ms, const struct sm_nvme_log_caps *caps,
                       uint8_t *buf, struct sm_nvme_error_log *err_log,
                       struct sm_nvme_self_test_log *st_log);

#endif
