/* SPDX-License-Identifier: MIT */
/*
 * scsi_pages.h - pure decoding of SCSI (SAS) health data: LOG SENSE pages,
 * standard INQUIRY, VPD pages and the READ DEFECT DATA header, bytes in,
 * plain structs out. No I/O, no library beyond libc: the live reader
 * (scsi.c, libsgutils2) and the replay reader (`sg_logs --raw` captures) hand
 * their bytes here, so both are decoded by the same code.
 *
 * Layouts are SPC-5 (log pages 00h, 0Dh, 0Dh/01h, 0Eh, 10h, 11h, 18h, 2Fh,
 * 02h/03h/05h/06h; VPD 00h/80h/83h/89h) and SBC-4 (15h, VPD B1h, READ DEFECT
 * DATA). Every value has a present flag: a parameter the device did not send,
 * or sent with a "not available" code, is absent, never 0.
 */
#ifndef SM_SCSI_PAGES_H
#define SM_SCSI_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/enum.h"

/* Log page codes we read (SPC-5 table 349, SBC-4 table 228). */
enum {
        SM_SCSI_LP_SUPPORTED = 0x00,
        SM_SCSI_LP_WRITE_ERRORS = 0x02,
        SM_SCSI_LP_READ_ERRORS = 0x03,
        SM_SCSI_LP_VERIFY_ERRORS = 0x05,
        SM_SCSI_LP_NON_MEDIUM = 0x06,
        SM_SCSI_LP_TEMPERATURE = 0x0d, /* subpage 01h: environmental reporting */
        SM_SCSI_LP_START_STOP = 0x0e,
        SM_SCSI_LP_SELF_TEST = 0x10,
        SM_SCSI_LP_SOLID_STATE = 0x11,
        SM_SCSI_LP_BACKGROUND_SCAN = 0x15,
        SM_SCSI_LP_PROTOCOL_PORT = 0x18,
        SM_SCSI_LP_IE = 0x2f,
};

#define SM_SCSI_SUB_ENVIRONMENTAL 0x01

/* One log parameter as iterated from a page (SPC-5 7.3.2.2.1). */
struct sm_scsi_param {
        uint16_t code;
        uint8_t control; /* DU, TSD, ETC, TMC, FORMAT AND LINKING (bits 1..0) */
        uint8_t len;     /* PARAMETER LENGTH: bytes after the 4-byte header */
        const uint8_t *data;
};

/* FORMAT AND LINKING field of the control byte. */
enum {
        SM_SCSI_FL_BOUNDED = 0, /* bounded data counter */
        SM_SCSI_FL_ASCII = 1,   /* ASCII format list */
        SM_SCSI_FL_BOUNDED_OR_UNBOUNDED = 2,
        SM_SCSI_FL_BINARY = 3, /* binary format list */
};

/*
 * A log page's header, checked: page code, SPF/subpage, and the parameter
 * bytes that are really there (PAGE LENGTH clipped to len). False when len < 4.
 */
struct sm_scsi_page_hdr {
        uint8_t page, subpage;
        bool spf, ds;
        uint16_t page_length; /* as the device says */
        size_t params_len;    /* bytes of parameters present: min(page_length, len - 4) */
        bool truncated;       /* page_length says more than len holds */
};

bool sm_scsi_page_header(const uint8_t *buf, size_t len, struct sm_scsi_page_hdr *ret);

/*
 * Iterate a page's parameters: *off starts at 0 (relative to the parameters).
 * Returns false at the end or at a parameter that would overrun the page.
 */
bool sm_scsi_next_param(const uint8_t *buf, const struct sm_scsi_page_hdr *h, size_t *off,
                        struct sm_scsi_param *ret);

/* Each parameter of page buf (header h) in turn into p, a struct sm_scsi_param. */
#define sm_scsi_foreach_param(p, buf, h) \
        for (size_t _sp_off = 0; sm_scsi_next_param((buf), (h), &_sp_off, &(p));)

/* A parameter's value as a big-endian unsigned counter (up to 8 bytes; longer: low 8). */
uint64_t sm_scsi_param_u64(const struct sm_scsi_param *p);

#define SM_SCSI_MAX_PAGES 64
#define SM_SCSI_MAX_ENV   4
#define SM_SCSI_MAX_PHYS  8

struct sm_scsi_page_id {
        uint8_t page, subpage;
};

/* Error counter pages 02h/03h/05h, parameter codes 0000h..0006h (SBC-4 6.2.x). */
enum {
        SM_SCSI_EC_CORRECTED_FAST = 0, /* errors corrected without substantial delay */
        SM_SCSI_EC_CORRECTED_DELAYED,  /* corrected with possible delays */
        SM_SCSI_EC_REWRITES,           /* total rewrites or rereads */
        SM_SCSI_EC_CORRECTED_TOTAL,    /* total errors corrected */
        SM_SCSI_EC_ALGORITHM,          /* times the correction algorithm was processed */
        SM_SCSI_EC_BYTES,              /* total bytes processed */
        SM_SCSI_EC_UNCORRECTED,        /* total uncorrected errors */
        SM_SCSI_EC_COUNT
};

struct sm_scsi_error_counters {
        bool present; /* the page was read */
        uint8_t has;  /* bit k: parameter k was sent */
        uint64_t v[SM_SCSI_EC_COUNT];
};

/* One temperature report parameter of 0Dh/01h (SPC-5 7.3.8.2); INT8_MIN = not available. */
struct sm_scsi_env_temp {
        uint16_t param;
        int8_t current, lifetime_max, lifetime_min, max_since_power_on, min_since_power_on;
        bool other_valid;
        int8_t max_other, min_other;
};

#define SM_SCSI_TEMP_NA INT8_MIN

/* One SAS phy of log page 18h (SPL-4 protocol-specific port log parameter). */
struct sm_scsi_phy {
        uint16_t port;  /* relative target port identifier (the parameter code) */
        uint8_t phy_id; /* PHY IDENTIFIER */
        uint32_t invalid_dwords, disparity_errors, loss_of_sync, reset_problems;
};

/* Self-test result values (SPC-5 table 370) and their texts. */
/* clang-format off */
#define SM_SCSI_ST_RESULT_CODES(X) \
        X(SM_SCSI_ST_OK,                      0, "completed without error") \
        X(SM_SCSI_ST_ABORTED_BY_HOST,         1, "aborted by SEND DIAGNOSTIC") \
        X(SM_SCSI_ST_ABORTED,                 2, "aborted") \
        X(SM_SCSI_ST_UNKNOWN_ERROR,           3, "unknown error") \
        X(SM_SCSI_ST_FAILED_UNKNOWN_SEGMENT,  4, "failed in an unknown segment") \
        X(SM_SCSI_ST_FAILED_FIRST_SEGMENT,    5, "failed in the first segment") \
        X(SM_SCSI_ST_FAILED_SECOND_SEGMENT,   6, "failed in the second segment") \
        X(SM_SCSI_ST_FAILED_OTHER_SEGMENT,    7, "failed in another segment") \
        X(SM_SCSI_ST_IN_PROGRESS,            15, "in progress")

/* clang-format on */

enum { SM_SCSI_ST_RESULT_CODES(SM_ENUM_VALUE) };

/* Everything decoded from one SCSI device; plain data, copyable with memcpy. */
struct sm_scsi_health {
        /* Standard INQUIRY */
        bool has_inquiry;
        uint8_t peripheral_type;
        uint8_t version; /* 7: SPC-5 */
        char vendor[9], product[17], revision[5];
        /* VPD */
        bool has_vpd_list;
        bool vpd_ata;           /* VPD 89h (ATA information) listed: a SATA drive behind SAT */
        char serial[64];        /* VPD 80h */
        char wwn[40];           /* VPD 83h NAA designator of the logical unit, "0x" + hex */
        bool has_rotation_rate; /* VPD B1h reported it: */
        unsigned rotation_rate; /* 0 non-rotating, else rpm */

        /* LOG SENSE 00h and 00h/FFh */
        unsigned n_pages;
        struct sm_scsi_page_id pages[SM_SCSI_MAX_PAGES];
        bool subpages_listed; /* 00h/FFh answered */

        /* 0Dh */
        bool has_temperature, has_reference_temperature;
        uint8_t temperature_c, reference_temperature_c;
        /* 0Dh/01h */
        unsigned n_env;
        struct sm_scsi_env_temp env[SM_SCSI_MAX_ENV];

        /* 2Fh */
        bool has_ie;
        uint8_t ie_asc, ie_ascq;
        bool has_ie_temperature;
        uint8_t ie_temperature_c;
        char ie_text[80]; /* sg_lib's name of ASC/ASCQ (filled by the reader, scsi.c) */
        /* MODE SENSE(10) informational exceptions control mode page 1Ch */
        bool has_ie_mode;
        bool ie_dexcpt; /* informational exception reporting disabled */
        uint8_t ie_mrie;

        /* 11h */
        bool has_endurance;
        uint8_t endurance_used_percent;

        /* 02h write, 03h read, 05h verify */
        struct sm_scsi_error_counters errors[3];
        /* 06h */
        bool has_non_medium;
        uint64_t non_medium_errors;

        /* 0Eh */
        bool has_manufacture_date;
        uint16_t manufacture_year;
        uint8_t manufacture_week;
        bool has_start_stop_specified, has_start_stop;
        uint32_t start_stop_specified, start_stop_cycles;
        bool has_load_unload_specified, has_load_unload;
        uint32_t load_unload_specified, load_unload_cycles;

        /* 15h */
        bool has_background_scan;
        uint32_t power_on_minutes;
        uint8_t background_scan_status;
        uint16_t background_scans, background_medium_scans;
        uint16_t background_scan_progress; /* /65536 of a full scan */
        uint32_t background_scan_defects;  /* medium scan parameters 0001h..0800h listed */

        /* 18h */
        bool has_phys;
        unsigned n_phys;
        struct sm_scsi_phy phys[SM_SCSI_MAX_PHYS];

        /* 10h */
        bool has_self_test;
        unsigned self_tests;        /* entries before the first unused one (as sg_logs stops) */
        unsigned self_tests_failed; /* results 3..7 among them */
        uint8_t last_self_test_code, last_self_test_result;
        uint16_t last_self_test_power_on_hours;

        /* READ DEFECT DATA(10) header */
        bool has_grown_defects;
        uint32_t grown_defects;
};

/* All fields absent (rotation rate -1). */
void sm_scsi_health_init(struct sm_scsi_health *h);

/* Is (page, subpage) in the supported lists? */
bool sm_scsi_page_listed(const struct sm_scsi_health *h, uint8_t page, uint8_t subpage);

/*
 * Decoders. Each takes one complete response as the device returned it (len
 * bytes), checks its header, and fills its part of h; -EINVAL (with nothing
 * filled) when the bytes are not that page.
 */
int sm_scsi_decode_supported(const uint8_t *buf, size_t len, struct sm_scsi_health *h);
int sm_scsi_decode_log_page(const uint8_t *buf, size_t len, struct sm_scsi_health *h);

/* A log page decoded by sm_scsi_decode_log_page(): its id and its decoder. */
struct sm_scsi_log_page {
        struct sm_scsi_page_id id;
        void (*decode)(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                       struct sm_scsi_health *h);
};

/* Every log page decoded (00h aside), in the order a device's are read. */
extern const struct sm_scsi_log_page sm_scsi_log_pages[];
extern const size_t sm_scsi_n_log_pages;
int sm_scsi_decode_inquiry(const uint8_t *buf, size_t len, struct sm_scsi_health *h);
int sm_scsi_decode_vpd(const uint8_t *buf, size_t len, struct sm_scsi_health *h);
int sm_scsi_decode_ie_mode(const uint8_t *buf, size_t len, struct sm_scsi_health *h);
int sm_scsi_decode_defect_header(const uint8_t *buf, size_t len, struct sm_scsi_health *h);

/* VPD page codes listed by VPD 00h, decoded into a bitmap of the ones we use. */
#define SM_SCSI_VPD_SN    0x80
#define SM_SCSI_VPD_DEVID 0x83
#define SM_SCSI_VPD_ATA   0x89
#define SM_SCSI_VPD_BDC   0xb1

/* The VPD pages VPD 00h lists (bytes 4..), for the reader to ask only those. */
bool sm_scsi_vpd_listed(const uint8_t *vpd00, size_t len, uint8_t page);

/* Text for a self-test result value, e.g. "completed without error". */
const char *sm_scsi_self_test_result_name(uint8_t result);

#endif
