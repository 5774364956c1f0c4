/* SPDX-License-Identifier: MIT */
/*
 * ata_log.c - decoding of ATA log sectors into plain structs (see ata_log.h).
 * All multi-byte fields are little-endian. Nothing here does I/O.
 */
#include "ata_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static unsigned word(const uint8_t *p, unsigned w)
{
        return (unsigned)p[2 * w] | ((unsigned)p[2 * w + 1] << 8);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
        uint64_t v = 0;

        while (n-- > 0)
                v = (v << 8) | p[n];
        return v;
}

static void note(char *why, size_t len, const char *s)
{
        if (!why[0])
                snprintf(why, len, "%s", s);
}

/* ---- IDENTIFY ---- */

/* Words 84 (supported) and 87 (enabled/supported copy): valid when bits 15:14 = 01b. */
static bool id_bit_84_87(const uint8_t *id, unsigned bit)
{
        unsigned w84 = word(id, 84), w87 = word(id, 87);

        return ((w84 & 0xC000) == 0x4000 && (w84 & (1u << bit))) ||
               ((w87 & 0xC000) == 0x4000 && (w87 & (1u << bit)));
}

bool sm_ata_id_gpl(const uint8_t *identify)
{
        return id_bit_84_87(identify, 5);
}

bool sm_ata_id_error_logging(const uint8_t *identify)
{
        return id_bit_84_87(identify, 0);
}

bool sm_ata_id_self_test(const uint8_t *identify)
{
        return id_bit_84_87(identify, 1);
}

uint32_t sm_ata_id_logical_sector_size(const uint8_t *identify)
{
        unsigned w106 = word(identify, 106);

        if ((w106 & 0xC000) == 0x4000 && (w106 & (1u << 12))) {
                uint32_t words =
                        (uint32_t)word(identify, 117) | ((uint32_t)word(identify, 118) << 16);

                if (words >= 256 && words <= 32768)
                        return words * 2;
        }
        return 512;
}

/* ---- log directory ---- */

void sm_ata_logdir_decode(const uint8_t *sector, struct sm_ata_logdir *dir)
{
        memset(dir, 0, sizeof(*dir));
        dir->version = (uint16_t)word(sector, 0);
        /* word 0 is the version; log 00h itself is the directory (1 page) */
        dir->pages[0] = 1;
        for (unsigned i = 1; i < 256; i++)
                dir->pages[i] = (uint16_t)word(sector, i);
        dir->valid = true;
}

/* ---- Device Statistics ---- */

const uint8_t sm_devstat_wanted[4] = {0x01, 0x04, 0x05, 0x07};

void sm_devstat_init(struct sm_devstat *ds)
{
        memset(ds, 0, sizeof(*ds));
}

int sm_devstat_decode_list(const uint8_t *page0, struct sm_devstat *ds)
{
        unsigned n = page0[8];

        /* header: revision (bytes 0-1), page number (byte 2) = 00h */
        if (page0[2] != 0x00 || n == 0 || word(page0, 0) == 0) {
                snprintf(ds->why, sizeof(ds->why),
                         "Device Statistics page 00h invalid (page %02Xh, %u entries)", page0[2],
                         n);
                return -EINVAL;
        }
        if (n > SM_ATA_LOG_SECTOR - 9)
                n = SM_ATA_LOG_SECTOR - 9;
        ds->n_pages = 0;
        for (unsigned i = 0; i < n && ds->n_pages < SM_DEVSTAT_MAX_PAGES; i++)
                ds->pages[ds->n_pages++] = page0[9 + i];
        ds->read_ok = true;
        return 0;
}

bool sm_devstat_listed(const struct sm_devstat *ds, uint8_t page)
{
        for (unsigned i = 0; i < ds->n_pages && i < SM_DEVSTAT_MAX_PAGES; i++) {
                if (ds->pages[i] == page)
                        return true;
        }
        return false;
}

/* The qword at byte `off`: SUPPORTED (bit 63) and VALID (bit 62) in byte 7. */
static bool qword_ok(const uint8_t *data, unsigned off)
{
        return (data[off + 7] & 0xC0) == 0xC0;
}

static void stat_u(const uint8_t *data, unsigned off, unsigned size, struct sm_devstat_u64 *v)
{
        if (!qword_ok(data, off))
                return;
        v->present = true;
        v->value = le(data + off, size);
}

static void stat_i8(const uint8_t *data, unsigned off, struct sm_devstat_i8 *v)
{
        if (!qword_ok(data, off))
                return;
        v->present = true;
        v->value = (int8_t)data[off];
}

int sm_devstat_decode_page(const uint8_t *data, uint8_t page, struct sm_devstat *ds)
{
        if (data[2] != page || word(data, 0) == 0) {
                char buf[96];

                snprintf(buf, sizeof(buf),
                         "Device Statistics page %02Xh: header names page %02Xh, revision %u", page,
                         data[2], word(data, 0));
                note(ds->why, sizeof(ds->why), buf);
                return -EINVAL;
        }
        switch (page) {
        case 0x01:
                stat_u(data, 0x08, 4, &ds->power_cycles);
                stat_u(data, 0x10, 4, &ds->power_on_hours);
                stat_u(data, 0x18, 6, &ds->logical_sectors_written);
                stat_u(data, 0x28, 6, &ds->logical_sectors_read);
                break;
        case 0x04:
                stat_u(data, 0x08, 4, &ds->reported_uncorrectable_errors);
                break;
        case 0x05:
                stat_i8(data, 0x08, &ds->temp_current);
                stat_i8(data, 0x20, &ds->temp_max);
                stat_i8(data, 0x28, &ds->temp_min);
                break;
        case 0x07:
                stat_u(data, 0x08, 1, &ds->percentage_used);
                break;
        default:
                break;
        }
        return 0;
}

void sm_devstat_note_missing(struct sm_devstat *ds)
{
        if (!ds->read_ok)
                return;
        if (!sm_devstat_listed(ds, 0x07))
                note(ds->why, sizeof(ds->why),
                     "no Device Statistics page 07h (Solid State Device Statistics)");
        else if (!sm_devstat_listed(ds, 0x01))
                note(ds->why, sizeof(ds->why), "no Device Statistics page 01h");
}

void sm_ata_logs_init(struct sm_ata_logs *l)
{
        memset(l, 0, sizeof(*l));
}

int sm_devstat_decode_capture(const uint8_t *buf, size_t len, struct sm_devstat *ds)
{
        bool seen[256] = {false};
        size_t n = len / SM_ATA_LOG_SECTOR;

        sm_devstat_init(ds);
        if (len == 0 || len % SM_ATA_LOG_SECTOR || n > 256) {
                snprintf(ds->why, sizeof(ds->why),
                         "Device Statistics capture of %zu bytes: not 1..256 pages of 512 bytes",
                         len);
                return -EINVAL;
        }
        if (sm_devstat_decode_list(buf, ds) < 0)
                return -EINVAL;
        for (size_t i = 1; i < n; i++) {
                const uint8_t *p = buf + i * SM_ATA_LOG_SECTOR;
                uint8_t page = p[2];

                if (page == 0x00)
                        continue;
                if (seen[page]) {
                        sm_devstat_init(ds);
                        snprintf(ds->why, sizeof(ds->why),
                                 "Device Statistics capture names page %02Xh twice", page);
                        return -EINVAL;
                }
                seen[page] = true;
                if (sm_devstat_listed(ds, page))
                        (void)sm_devstat_decode_page(p, page, ds);
        }
        for (size_t i = 0; i < sizeof(sm_devstat_wanted); i++) {
                uint8_t page = sm_devstat_wanted[i];

                if (sm_devstat_listed(ds, page) && !seen[page]) {
                        char b[96];

                        snprintf(b, sizeof(b),
                                 "Device Statistics page %02Xh listed but not captured", page);
                        note(ds->why, sizeof(ds->why), b);
                }
        }
        sm_devstat_note_missing(ds);
        return 0;
}

/* ---- checksums ---- */

bool sm_ata_log_checksum_ok(const uint8_t *sector)
{
        uint8_t sum = 0;

        for (unsigned i = 0; i < SM_ATA_LOG_SECTOR; i++)
                sum = (uint8_t)(sum + sector[i]);
        return sum == 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (p[i])
                        return false;
        }
        return true;
}

/* ---- summary error log (01h): 5 entries of 90 bytes from byte 2 ---- */

/* An error log entry starts with 5 command data structures of size bytes; the command
 * that caused the error is the newest (last) filled one. NULL when all are empty. */
static const uint8_t *newest_command(const uint8_t *e, size_t size)
{
        for (int c = 4; c >= 0; c--) {
                if (!all_zero(e + size * c, size))
                        return e + size * c;
        }
        return NULL;
}

/* Both error data structures (01h, 03h) end alike from the status register t: status,
 * 19 bytes extended error information, state, life timestamp (hours, 16 bit). */
static void error_data_tail(const uint8_t *t, struct sm_ata_error *x)
{
        x->status = t[0];
        x->state = t[20];
        x->power_on_hours = (uint16_t)(t[21] | (t[22] << 8));
}

/* Entry layout: 5 command data structures of 12 bytes (device control, features, count,
 * LBA x3, device, command, timestamp), then the 30-byte error data structure: reserved,
 * error, count, LBA low/mid/high, device, then the common tail from byte 7. */
static void summary_entry(const uint8_t *e, struct sm_ata_error *x)
{
        const uint8_t *d = e + 60, *cmd = newest_command(e, 12);

        memset(x, 0, sizeof(*x));
        x->error = d[1];
        x->count = d[2];
        x->lba = (uint64_t)d[3] | ((uint64_t)d[4] << 8) | ((uint64_t)d[5] << 16) |
                 ((uint64_t)(d[6] & 0x0F) << 24);
        error_data_tail(d + 7, x);
        if (cmd) {
                x->has_command = true;
                x->features = cmd[1];
                x->command = cmd[7];
                x->command_timestamp_ms = (uint32_t)le(cmd + 8, 4);
        }
}

/* A one-sector SMART log (01h, 06h): n entries of size bytes from byte 2, a circular
 * buffer; the byte at `at` holds the 1-based index of the newest entry (0 when empty). */
struct sector_log {
        const char *name;
        unsigned at, n, size;
};
static const struct sector_log summary_errors = {"SMART error log 01h", 1, 5, 90};
static const struct sector_log self_tests = {"SMART self-test log 06h", 508, 21, 24};

/*
 * The start of decoding one into a log struct (size bytes, present and why in it): the
 * struct cleared, then the sector's checksum and the index of its newest entry (at most n)
 * checked, then present. Returns the index (0: empty), or -EINVAL with why set.
 */
static int open_sector_log(const uint8_t *s, const struct sector_log *l, void *log, size_t size,
                           bool *present, char *why, size_t whylen)
{
        unsigned index = s[l->at];

        memset(log, 0, size);
        if (!sm_ata_log_checksum_ok(s)) {
                snprintf(why, whylen, "%s: checksum mismatch", l->name);
                return -EINVAL;
        }
        if (index > l->n) {
                snprintf(why, whylen, "%s: invalid index %u", l->name, index);
                return -EINVAL;
        }
        *present = true;
        return (int)index;
}

#define OPEN_SECTOR_LOG(s, l, log) \
        open_sector_log(s, l, log, sizeof(*(log)), &(log)->present, (log)->why, sizeof((log)->why))

/* The k-th newest entry (k < n) of a log whose newest is index (1-based, not 0). */
static const uint8_t *sector_log_entry(const uint8_t *s, const struct sector_log *l, unsigned index,
                                       unsigned k)
{
        return s + 2 + l->size * ((index - 1 + l->n - k) % l->n);
}

int sm_ata_summary_error_log_decode(const uint8_t *s, struct sm_ata_error_log *log)
{
        const struct sector_log *l = &summary_errors;
        unsigned count = word(s, 226); /* bytes 452-453 */
        int index = OPEN_SECTOR_LOG(s, l, log);

        if (index < 0)
                return index;
        log->count = count;
        if (!count || !index)
                return 0;
        for (unsigned k = 0; k < l->n && log->n_entries < SM_ATA_ERR_MAX && k < count; k++) {
                const uint8_t *e = sector_log_entry(s, l, (unsigned)index, k);

                if (all_zero(e, l->size))
                        continue;
                summary_entry(e, &log->entries[log->n_entries]);
                log->entries[log->n_entries].number = count - k;
                log->n_entries++;
        }
        return 0;
}

/* ---- extended comprehensive error log (03h): 4 entries of 124 bytes from byte 4 ---- */

int sm_ata_ext_error_log_header(const uint8_t *page0, uint32_t *count, uint16_t *index)
{
        if (!sm_ata_log_checksum_ok(page0))
                return -EINVAL;
        *index = (uint16_t)word(page0, 1);   /* bytes 2-3 */
        *count = (uint32_t)word(page0, 250); /* bytes 500-501 */
        return 0;
}

/* Entry: 5 command data structures of 18 bytes (device control, features 7:0, 15:8,
 * count 7:0, 15:8, LBA 7:0, 31:24, 15:8, 39:32, 23:16, 47:40, device, command, reserved,
 * timestamp ms 32 bit), then the 34-byte error data structure (device control, error,
 * count 7:0, 15:8, LBA 7:0, 31:24, 15:8, 39:32, 23:16, 47:40, device, then the common
 * tail from byte 11: status, 19 bytes extended error information, state, life
 * timestamp hours 16 bit). */
bool sm_ata_ext_error_entry(const uint8_t *page, unsigned slot, struct sm_ata_error *x)
{
        const uint8_t *e = page + 4 + 124 * slot, *d = e + 90, *cmd;

        memset(x, 0, sizeof(*x));
        if (slot > 3 || all_zero(e, 124))
                return false;
        x->error = d[1];
        x->count = (uint16_t)(d[2] | (d[3] << 8));
        x->lba = (uint64_t)d[4] | ((uint64_t)d[5] << 24) | ((uint64_t)d[6] << 8) |
                 ((uint64_t)d[7] << 32) | ((uint64_t)d[8] << 16) | ((uint64_t)d[9] << 40);
        error_data_tail(d + 11, x);
        cmd = newest_command(e, 18);
        if (cmd) {
                x->has_command = true;
                x->features = (uint16_t)(cmd[1] | (cmd[2] << 8));
                x->command = cmd[12];
                x->command_timestamp_ms = (uint32_t)le(cmd + 14, 4);
        }
        return true;
}

/* ---- self-test logs ---- */

static const char *const st_status[16] = {
        [0x0] = "Completed without error",       [0x1] = "Aborted by host",
        [0x2] = "Interrupted (host reset)",      [0x3] = "Fatal or unknown error",
        [0x4] = "Completed: unknown failure",    [0x5] = "Completed: electrical failure",
        [0x6] = "Completed: servo/seek failure", [0x7] = "Completed: read failure",
        [0x8] = "Completed: handling damage??",  [0xF] = "Self-test routine in progress",
};

const char *sm_ata_self_test_status_str(uint8_t status)
{
        return SM_ENUM_NAME(st_status, status & 0x0F, "Unknown status");
}

/* Self-test log entry byte 0: the SMART EXECUTE OFF-LINE IMMEDIATE subcommand that ran. */
static const char *const st_type[] = {
        [0x00] = "Offline",
        [0x01] = "Short offline",
        [0x02] = "Extended offline",
        [0x03] = "Conveyance offline",
        [0x04] = "Selective offline",
        [0x7F] = "Abort offline test",
        [0x81] = "Short captive",
        [0x82] = "Extended captive",
        [0x83] = "Conveyance captive",
        [0x84] = "Selective captive",
};

const char *sm_ata_self_test_type_str(uint8_t type)
{
        return SM_ENUM_NAME(st_type, type, NULL);
}

bool sm_ata_self_test_failed(uint8_t status)
{
        return status >= 0x3 && status <= 0x8;
}

/* One descriptor: type, status byte, hours; failing LBA only for a failed test and
 * when not all-ones (the "no LBA" value). Returns +1 successful extended test, -1 failed. */
static int st_entry(uint8_t type, uint8_t sbyte, uint16_t hours, uint64_t lba, uint64_t none,
                    struct sm_ata_self_test *t)
{
        memset(t, 0, sizeof(*t));
        t->type = type;
        t->status = sbyte >> 4;
        t->remaining_pct = (uint8_t)((sbyte & 0x0F) * 10);
        t->power_on_hours = hours;
        t->has_passed = t->status == 0 || (t->status >= 4 && t->status <= 8);
        t->passed = t->status == 0;
        if (sm_ata_self_test_failed(t->status)) {
                if (lba < none) {
                        t->has_failing_lba = true;
                        t->failing_lba = lba;
                }
                return -1;
        }
        return t->status == 0 && (type & 0x7F) == 0x02 ? 1 : 0;
}

struct st_walk {
        bool ext_ok_seen;
};

/* The next descriptor d (size bytes), newest first; an all-zero one is unused. Both logs'
 * descriptors are: type, status byte, hours (16 bit), checkpoint, then the failing LBA
 * (lba_bytes: 4 in 06h with 28 bits used, 6 in 07h). */
static void st_add(struct sm_ata_self_test_log *log, struct st_walk *w, const uint8_t *d,
                   size_t size, unsigned lba_bytes)
{
        struct sm_ata_self_test t;
        int state;

        if (all_zero(d, size))
                return;
        state = st_entry(d[0], d[1], (uint16_t)(d[2] | (d[3] << 8)), le(d + 5, lba_bytes),
                         (1ull << (8 * lba_bytes)) - 1, &t);
        if (state < 0 && !w->ext_ok_seen)
                log->n_failed++;
        else if (state > 0)
                w->ext_ok_seen = true;
        log->n_logged++;
        if (log->n_entries < SM_ATA_ST_MAX)
                log->entries[log->n_entries++] = t;
}

int sm_ata_self_test_log_decode(const uint8_t *s, struct sm_ata_self_test_log *log)
{
        const struct sector_log *l = &self_tests;
        int newest = OPEN_SECTOR_LOG(s, l, log);
        struct st_walk w = {false};

        if (newest <= 0)
                return newest; /* a failed check, or no test logged */
        for (unsigned k = 0; k < l->n; k++)
                st_add(log, &w, sector_log_entry(s, l, (unsigned)newest, k), l->size, 4);
        return 0;
}

int sm_ata_ext_self_test_log_decode(const uint8_t *pages, unsigned n_sectors,
                                    struct sm_ata_self_test_log *log)
{
        unsigned n = n_sectors * 19, index;
        struct st_walk w = {false};

        memset(log, 0, sizeof(*log));
        log->extended = true;
        if (n_sectors == 0) {
                snprintf(log->why, sizeof(log->why), "extended self-test log 07h: no pages");
                return -EINVAL;
        }
        for (unsigned p = 0; p < n_sectors; p++) {
                if (!sm_ata_log_checksum_ok(pages + SM_ATA_LOG_SECTOR * p)) {
                        snprintf(log->why, sizeof(log->why),
                                 "extended self-test log 07h page %u: checksum mismatch", p);
                        return -EINVAL;
                }
        }
        index = word(pages, 1); /* bytes 2-3, 1-based */
        if (index > n) {
                snprintf(log->why, sizeof(log->why), "extended self-test log 07h: invalid index %u",
                         index);
                return -EINVAL;
        }
        log->present = true;
        if (!index)
                return 0;
        /* 19 descriptors of 26 bytes from byte 4 of each page; newest is index-1 */
        for (unsigned k = 0; k < n; k++) {
                unsigned i = (index - 1 + n - k) % n;

                st_add(log, &w, pages + SM_ATA_LOG_SECTOR * (i / 19) + 4 + 26 * (i % 19), 26, 6);
        }
        return 0;
}
