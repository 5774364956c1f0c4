/* SPDX-License-Identifier: MIT */
/*
 * test-scsi-mock.c - the SCSI read path against the real libsgutils2, with a
 * SAS SSD played by sg_mock.so (LD_PRELOAD, set by meson).
 *
 * Every response is built here byte by byte from the SPC-5 / SBC-4 / SPL-4
 * layouts (parameter codes, control bytes with their format-and-linking bits,
 * parameter lengths), with values written by hand; every expected value is
 * worked out by hand from those bytes, and the ones sg_logs prints are also
 * read back from the real sg_logs run against the same mock.
 *
 * What the mock logs is asserted command by command: the exact CDBs
 * (INQUIRY, LOG SENSE 4Dh with PC=01b and the page/subpage, the allocation
 * lengths of the probe and of the whole page, MODE SENSE(10), READ DEFECT
 * DATA(10)), the direction and the timeout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/scsi.h"
#include "test/check.h"

static char dir[128], dev[192], log_path[192];

/* ---- building responses ---- */

struct page {
        uint8_t b[8192];
        size_t n;
};

static void start_page(struct page *p, uint8_t page, uint8_t sub)
{
        memset(p, 0, sizeof(*p));
        p->b[0] = (uint8_t)(page | (sub ? 0x40 : 0)); /* SPF when a subpage */
        p->b[1] = sub;
        p->n = 4;
}

/* One log parameter: code, control byte, then len value bytes. */
static void param(struct page *p, uint16_t code, uint8_t control, const uint8_t *v, uint8_t len)
{
        p->b[p->n++] = (uint8_t)(code >> 8);
        p->b[p->n++] = (uint8_t)code;
        p->b[p->n++] = control;
        p->b[p->n++] = len;
        memcpy(p->b + p->n, v, len);
        p->n += len;
}

/* A big-endian counter parameter of width bytes. */
static void counter(struct page *p, uint16_t code, uint8_t control, uint64_t v, uint8_t width)
{
        uint8_t b[8];

        for (unsigned i = 0; i < width; i++)
                b[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
        param(p, code, control, b, width);
}

static void end_page(struct page *p)
{
        p->b[2] = (uint8_t)((p->n - 4) >> 8);
        p->b[3] = (uint8_t)(p->n - 4);
}

static void write_file(const char *name, const void *data, size_t len)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "wb");
        if (!f || fwrite(data, 1, len, f) != len) {
                perror(path);
                exit(1);
        }
        fclose(f);
}

static void write_page(const char *name, struct page *p)
{
        end_page(p);
        write_file(name, p->b, p->n);
}

/* Control bytes: FORMAT AND LINKING 00b bounded counter, 01b ASCII, 11b binary list. */
#define CTL_COUNTER 0x02 /* TSD=0 ETC=0 TMC=0, FL=10b (bounded or unbounded counter) */
#define CTL_BOUNDED 0x00
#define CTL_ASCII   0x01
#define CTL_BINARY  0x03

/* Page lengths as written, for the expected allocation lengths. */
static size_t len_of[0x40][2];

static void record(uint8_t page, bool sub, const struct page *p)
{
        len_of[page][sub] = p->n;
}

/* 60 medium scan parameters make page 15h 1464 bytes: longer than any probe. */
#define N_SCAN_DEFECTS 60

static void build_device(void)
{
        uint8_t inq[36] = {0x00, 0x00, 0x07 /* SPC-5 */, 0x02, 31};
        uint8_t vpd00[] = {0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x83, 0x86, 0xb0, 0xb1};
        uint8_t vpd80[4 + 20] = {0x00, 0x80, 0x00, 20};
        /* a target port NAA (association 01b) first: must be skipped; then the LU's NAA-5 */
        uint8_t vpd83[] = {0x00, 0x83, 0x00, 24,   0x61, 0x93, 0x00, 0x08, 0x50, 0x00,
                           0xcc, 0xa0, 0x00, 0x00, 0x00, 0xc2, 0x01, 0x03, 0x00, 0x08,
                           0x50, 0x00, 0xcc, 0xa0, 0x00, 0x00, 0x00, 0xc1};
        uint8_t vpdb1[64] = {0x00, 0xb1, 0x00, 0x3c, 0x00, 0x01 /* non-rotating */, 0x00, 0x03};
        uint8_t mode1c[8 + 12] = {0x00, 18,   0,
                                  0,    0,    0,
                                  0,    0, /* header, no block descriptors */
                                  0x1c, 0x0a, 0x00 /* DEXCPT=0 */,
                                  0x04 /* MRIE 4 */};
        uint8_t defect10[4] = {0x00, 0x0c /* GLISTV, bytes from index */, 0x00, 0x40};
        struct page p;

        memcpy(inq + 8, "HGST    ", 8);
        memcpy(inq + 16, "HUSMM1640ASS204 ", 16);
        memcpy(inq + 32, "C2D0", 4);
        write_file("inquiry", inq, sizeof(inq));
        write_file("vpd-00", vpd00, sizeof(vpd00));
        memcpy(vpd80 + 4, "        0QV1ABCD1234", 20); /* right-aligned, as SAS drives do */
        write_file("vpd-80", vpd80, sizeof(vpd80));
        write_file("vpd-83", vpd83, sizeof(vpd83));
        write_file("vpd-b1", vpdb1, sizeof(vpdb1));
        write_file("mode-1c", mode1c, sizeof(mode1c));
        write_file("defect10", defect10, sizeof(defect10));

        /* 00h: supported pages (one byte each) and 00h/FFh: (page, subpage) pairs. */
        {
                static const uint8_t pages[] = {0x00, 0x02, 0x03, 0x05, 0x06, 0x0d, 0x0e,
                                                0x10, 0x11, 0x15, 0x18, 0x2f, 0x30};
                static const uint8_t pairs[][2] = {
                        {0x00, 0x00}, {0x00, 0xff}, {0x02, 0x00}, {0x03, 0x00}, {0x05, 0x00},
                        {0x06, 0x00}, {0x0d, 0x00}, {0x0d, 0x01}, {0x0e, 0x00}, {0x10, 0x00},
                        {0x11, 0x00}, {0x15, 0x00}, {0x18, 0x00}, {0x2f, 0x00}, {0x30, 0x00}};

                start_page(&p, 0x00, 0);
                memcpy(p.b + 4, pages, sizeof(pages));
                p.n += sizeof(pages);
                record(0x00, 0, &p);
                write_page("log-00-00", &p);
                start_page(&p, 0x00, 0xff);
                for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                        p.b[p.n++] = pairs[i][0];
                        p.b[p.n++] = pairs[i][1];
                }
                record(0x00, 1, &p);
                write_page("log-00-ff", &p);
        }
        /* 0Dh: temperature 36 C, reference 70 C (byte 5 of each parameter). */
        start_page(&p, 0x0d, 0);
        param(&p, 0x0000, CTL_BINARY, (const uint8_t[]){0x00, 36}, 2);
        param(&p, 0x0001, CTL_BINARY, (const uint8_t[]){0x00, 70}, 2);
        record(0x0d, 0, &p);
        write_page("log-0d-00", &p);
        /* 0Dh/01h: one temperature report, OTV=1; then a humidity report (skipped). */
        start_page(&p, 0x0d, 0x01);
        param(&p, 0x0000, CTL_BINARY,
              (const uint8_t[]){0x01, 37, 60, 0xfb /* -5 */, 40, 30, 45, 20, 0, 0, 0, 0}, 12);
        param(&p, 0x0100, CTL_BINARY, (const uint8_t[]){0x00, 50, 80, 10, 60, 40, 0, 0, 0, 0, 0, 0},
              12);
        record(0x0d, 1, &p);
        write_page("log-0d-01", &p);
        /* 2Fh: ASC 00h ASCQ 00h, most recent temperature 38 C. */
        start_page(&p, 0x2f, 0);
        param(&p, 0x0000, CTL_BINARY, (const uint8_t[]){0x00, 0x00, 38, 0x00}, 4);
        record(0x2f, 0, &p);
        write_page("log-2f-00", &p);
        /* 11h: percentage used endurance indicator 5 % (byte 7). */
        start_page(&p, 0x11, 0);
        param(&p, 0x0001, CTL_BINARY, (const uint8_t[]){0, 0, 0, 5}, 4);
        record(0x11, 0, &p);
        write_page("log-11-00", &p);
        /* 02h write errors: 4-byte counters and an 8-byte bytes-processed counter. */
        start_page(&p, 0x02, 0);
        counter(&p, 0x0000, CTL_COUNTER, 0, 4);
        counter(&p, 0x0001, CTL_COUNTER, 0, 4);
        counter(&p, 0x0002, CTL_COUNTER, 0, 4);
        counter(&p, 0x0003, CTL_COUNTER, 0, 4);
        counter(&p, 0x0004, CTL_COUNTER, 0, 4);
        counter(&p, 0x0005, CTL_COUNTER, 12345678901248ull, 8);
        counter(&p, 0x0006, CTL_COUNTER, 0, 4);
        record(0x02, 0, &p);
        write_page("log-02-00", &p);
        /* 03h read errors: some corrected, 2 uncorrected; 6-byte bytes processed. */
        start_page(&p, 0x03, 0);
        counter(&p, 0x0000, CTL_COUNTER, 1000, 4);
        counter(&p, 0x0001, CTL_COUNTER, 3, 4);
        counter(&p, 0x0002, CTL_COUNTER, 0, 4);
        counter(&p, 0x0003, CTL_COUNTER, 1003, 4);
        counter(&p, 0x0004, CTL_COUNTER, 2000, 4);
        counter(&p, 0x0005, CTL_COUNTER, 98765432109568ull, 6);
        counter(&p, 0x0006, CTL_COUNTER, 2, 4);
        counter(&p, 0x8000, CTL_BOUNDED, 77, 2); /* vendor specific: ignored */
        record(0x03, 0, &p);
        write_page("log-03-00", &p);
        /* 05h verify errors: only two parameters. */
        start_page(&p, 0x05, 0);
        counter(&p, 0x0000, CTL_COUNTER, 9, 4);
        counter(&p, 0x0006, CTL_COUNTER, 1, 4);
        record(0x05, 0, &p);
        write_page("log-05-00", &p);
        /* 06h: non-medium error count 7, a 2-byte counter. */
        start_page(&p, 0x06, 0);
        counter(&p, 0x0000, CTL_COUNTER, 7, 2);
        record(0x06, 0, &p);
        write_page("log-06-00", &p);
        /* 0Eh: manufactured 2017 week 23; accounting date blank; cycles. */
        start_page(&p, 0x0e, 0);
        param(&p, 0x0001, CTL_ASCII, (const uint8_t *)"201723", 6);
        param(&p, 0x0002, CTL_ASCII, (const uint8_t *)"      ", 6);
        counter(&p, 0x0003, CTL_BINARY, 50000, 4);
        counter(&p, 0x0004, CTL_BINARY, 42, 4);
        counter(&p, 0x0005, CTL_BINARY, 600000, 4);
        counter(&p, 0x0006, CTL_BINARY, 84, 4);
        record(0x0e, 0, &p);
        write_page("log-0e-00", &p);
        /* 15h: status parameter, then N_SCAN_DEFECTS medium scan parameters (20 bytes each). */
        start_page(&p, 0x15, 0);
        param(&p, 0x0000, CTL_BINARY,
              (const uint8_t[]){0x00, 0x08, 0xb8, 0xc0, /* 571584 minutes */
                                0x00, 0x01,             /* reserved, status 01h */
                                0x00, 0x0c,             /* 12 scans performed */
                                0x80, 0x00,             /* progress 32768/65536 */
                                0x00, 0x0b},            /* 11 medium scans */
              12);
        for (unsigned i = 1; i <= N_SCAN_DEFECTS; i++) {
                uint8_t d[20] = {0x00, 0x08, 0xb8, (uint8_t)i, 0x31, 0x11, 0x00};

                param(&p, (uint16_t)i, CTL_BINARY, d, 20);
        }
        record(0x15, 0, &p);
        write_page("log-15-00", &p);
        /* 18h: SAS target port 1 with two phys (48-byte phy descriptors). */
        {
                uint8_t v[4 + 2 * 48];

                memset(v, 0, sizeof(v));
                v[0] = 0x06; /* protocol identifier: SAS */
                v[2] = 1;    /* generation code */
                v[3] = 2;    /* number of phys */
                for (unsigned k = 0; k < 2; k++) {
                        uint8_t *x = v + 4 + 48 * k;
                        uint32_t c[4] = {k ? 0x10u : 3u, k ? 0x20u : 2u, k ? 0x30u : 1u,
                                         k ? 0x40u : 0u};

                        x[1] = (uint8_t)k; /* phy identifier */
                        x[3] = 44;         /* SAS phy log descriptor length */
                        for (unsigned j = 0; j < 4; j++) {
                                x[32 + 4 * j] = (uint8_t)(c[j] >> 24);
                                x[33 + 4 * j] = (uint8_t)(c[j] >> 16);
                                x[34 + 4 * j] = (uint8_t)(c[j] >> 8);
                                x[35 + 4 * j] = (uint8_t)c[j];
                        }
                }
                start_page(&p, 0x18, 0);
                param(&p, 0x0001, CTL_BINARY, v, sizeof(v));
                record(0x18, 0, &p);
                write_page("log-18-00", &p);
        }
        /* 10h: 20 self-test parameters; the newest a background short test that failed
         * in another segment at 4660 hours, then one that passed, then unused ones. */
        start_page(&p, 0x10, 0);
        for (unsigned i = 1; i <= 20; i++) {
                uint8_t e[16];

                memset(e, 0, sizeof(e));
                if (i == 1) {
                        e[0] = (1 << 5) | 7; /* code 1 (background short), result 7 */
                        e[1] = 2;            /* self-test number */
                        e[2] = 0x12;         /* power-on hours 0x1234 */
                        e[3] = 0x34;
                        memset(e + 4, 0xff, 8);
                        e[12] = 0x03; /* sense key medium error */
                } else if (i == 2) {
                        e[0] = (2 << 5) | 0; /* background extended, passed */
                        e[1] = 1;
                        e[3] = 0x10;
                        memset(e + 4, 0xff, 8);
                }
                param(&p, (uint16_t)i, CTL_BINARY, e, 16);
        }
        record(0x10, 0, &p);
        write_page("log-10-00", &p);
        /* 30h: listed but not ours, never read. */
}

/* ---- the mock's command log ---- */

static char *read_log(void)
{
        FILE *f = fopen(log_path, "r");
        char *s;

        if (!f)
                return strdup("");
        s = check_slurp_stream(f, NULL);
        fclose(f);
        return s;
}

static void reset_log(void)
{
        unlink(log_path);
}

static void expect_line(char **cursor, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The next log line must be exactly this. */
static void expect_line(char **cursor, const char *fmt, ...)
{
        char want[256], got[256];
        char *nl = strchr(*cursor, '\n');
        size_t n = nl ? (size_t)(nl - *cursor) : strlen(*cursor);
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(want, sizeof(want), fmt, ap);
        va_end(ap);
        if (n >= sizeof(got))
                n = sizeof(got) - 1;
        memcpy(got, *cursor, n);
        got[n] = '\0';
        CHECK_STR(got, want, "command");
        *cursor = nl ? nl + 1 : *cursor + strlen(*cursor);
}

static void expect_log_sense(char **cur, uint8_t page, uint8_t sub, unsigned timeout_ms)
{
        size_t len = len_of[page][sub ? 1 : 0];
        size_t want = len % 2 ? len + 1 : len;

        /* byte 1: PPC=0 SP=0; byte 2: PC=01b (cumulative) | page code; 5-6 parameter pointer 0 */
        expect_line(cur, "cdb=4d 00 %02x %02x 00 00 00 00 04 00 dir=in len=4 timeout_ms=%u",
                    0x40 | page, sub, timeout_ms);
        expect_line(cur, "cdb=4d 00 %02x %02x 00 00 00 %02x %02x 00 dir=in len=%zu timeout_ms=%u",
                    0x40 | page, sub, (unsigned)(want >> 8), (unsigned)(want & 0xff), want,
                    timeout_ms);
}

static void test_read_and_cdbs(void)
{
        struct sm_scsi_health h;
        char err[256] = "";
        char *log, *cur;
        int r;

        reset_log();
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == 0, "read: %d %s", r, err);
        log = read_log();
        cur = log;
        /* identity: standard INQUIRY (96 bytes asked), VPD 00h, then only listed pages we use */
        expect_line(&cur, "cdb=12 00 00 00 60 00 dir=in len=96 timeout_ms=3000");
        expect_line(&cur, "cdb=12 01 00 00 fc 00 dir=in len=252 timeout_ms=3000");
        expect_line(&cur, "cdb=12 01 80 00 fc 00 dir=in len=252 timeout_ms=3000");
        expect_line(&cur, "cdb=12 01 83 00 fc 00 dir=in len=252 timeout_ms=3000");
        expect_line(&cur, "cdb=12 01 b1 00 fc 00 dir=in len=252 timeout_ms=3000");
        expect_log_sense(&cur, 0x00, 0x00, 3000);
        expect_log_sense(&cur, 0x00, 0xff, 3000);
        expect_log_sense(&cur, 0x0d, 0x00, 3000);
        expect_log_sense(&cur, 0x0d, 0x01, 3000);
        expect_log_sense(&cur, 0x2f, 0x00, 3000);
        expect_log_sense(&cur, 0x11, 0x00, 3000);
        expect_log_sense(&cur, 0x02, 0x00, 3000);
        expect_log_sense(&cur, 0x03, 0x00, 3000);
        expect_log_sense(&cur, 0x05, 0x00, 3000);
        expect_log_sense(&cur, 0x06, 0x00, 3000);
        expect_log_sense(&cur, 0x0e, 0x00, 3000);
        expect_log_sense(&cur, 0x15, 0x00, 3000);
        expect_log_sense(&cur, 0x18, 0x00, 3000);
        expect_log_sense(&cur, 0x10, 0x00, 3000);
        /* MODE SENSE(10): DBD=1, PC=00b current, page 1Ch, allocation 64 */
        expect_line(&cur, "cdb=5a 08 1c 00 00 00 00 00 40 00 dir=in len=64 timeout_ms=3000");
        /* READ DEFECT DATA(10): REQ_GLIST, bytes-from-index format, header only */
        expect_line(&cur, "cdb=37 0c 00 00 00 00 00 00 04 00 dir=in len=4 timeout_ms=3000");
        CHECK(*cur == '\0', "no further commands (never page 30h, never a write): %s", cur);
        free(log);

        /* identity */
        CHECK_STR(h.vendor, "HGST", "vendor");
        CHECK_STR(h.product, "HUSMM1640ASS204", "product");
        CHECK_STR(h.revision, "C2D0", "revision");
        CHECK_U64(h.version, 7, "SPC version");
        CHECK_STR(h.serial, "0QV1ABCD1234", "VPD 80h serial, leading blanks trimmed");
        CHECK_STR(h.wwn, "0x5000cca0000000c1", "VPD 83h: the LU's NAA, not the port's");
        CHECK(OPT(h.has_rotation_rate, h.rotation_rate) == 0,
              "VPD B1h rotation rate 1 -> non-rotating: %d",
              OPT(h.has_rotation_rate, h.rotation_rate));
        CHECK(!h.vpd_ata, "not SAT");
        /* 0Dh, 0Dh/01h */
        CHECK(h.has_temperature && h.temperature_c == 36, "temperature %u", h.temperature_c);
        CHECK(h.has_reference_temperature && h.reference_temperature_c == 70, "reference %u",
              h.reference_temperature_c);
        CHECK(h.n_env == 1, "one temperature report (humidity skipped): %u", h.n_env);
        CHECK(h.env[0].current == 37 && h.env[0].lifetime_max == 60 &&
                      h.env[0].lifetime_min == -5 && h.env[0].max_since_power_on == 40 &&
                      h.env[0].min_since_power_on == 30 && h.env[0].other_valid &&
                      h.env[0].max_other == 45 && h.env[0].min_other == 20,
              "environmental report %d %d %d", h.env[0].current, h.env[0].lifetime_max,
              h.env[0].lifetime_min);
        /* 2Fh */
        CHECK(h.has_ie && h.ie_asc == 0 && h.ie_ascq == 0, "IE asc/ascq %x/%x", h.ie_asc,
              h.ie_ascq);
        CHECK(h.has_ie_temperature && h.ie_temperature_c == 38, "IE temperature");
        CHECK_STR(h.ie_text, "No additional sense information", "sg_lib's name of 00h/00h");
        CHECK(h.has_ie_mode && !h.ie_dexcpt && h.ie_mrie == 4, "IE mode page");
        /* 11h */
        CHECK(h.has_endurance && h.endurance_used_percent == 5, "endurance used %u",
              h.endurance_used_percent);
        /* 02h/03h/05h */
        CHECK(h.errors[0].present && h.errors[0].has == 0x7f, "write page: all 7 params");
        CHECK_U64(h.errors[0].v[SM_SCSI_EC_BYTES], 12345678901248ull, "bytes written");
        CHECK_U64(h.errors[1].v[SM_SCSI_EC_BYTES], 98765432109568ull, "bytes read (6-byte)");
        CHECK_U64(h.errors[1].v[SM_SCSI_EC_CORRECTED_TOTAL], 1003, "read corrected total");
        CHECK_U64(h.errors[1].v[SM_SCSI_EC_ALGORITHM], 2000, "read algorithm invocations");
        CHECK_U64(h.errors[1].v[SM_SCSI_EC_UNCORRECTED], 2, "read uncorrected");
        CHECK(h.errors[2].has == ((1u << 0) | (1u << 6)), "verify: params 0 and 6 only: %x",
              h.errors[2].has);
        CHECK_U64(h.errors[2].v[SM_SCSI_EC_CORRECTED_FAST], 9, "verify corrected fast");
        /* 06h */
        CHECK(h.has_non_medium && h.non_medium_errors == 7, "non-medium errors");
        /* 0Eh */
        CHECK(h.has_manufacture_date && h.manufacture_year == 2017 && h.manufacture_week == 23,
              "manufacture date %u/%u", h.manufacture_year, h.manufacture_week);
        CHECK(h.has_start_stop && h.start_stop_cycles == 42 && h.start_stop_specified == 50000,
              "start-stop cycles");
        CHECK(h.has_load_unload && h.load_unload_cycles == 84 && h.load_unload_specified == 600000,
              "load-unload cycles");
        /* 15h */
        CHECK(h.has_background_scan && h.power_on_minutes == 571584, "power-on minutes %u",
              h.power_on_minutes);
        CHECK(h.background_scan_status == 1 && h.background_scans == 12 &&
                      h.background_scan_progress == 0x8000 && h.background_medium_scans == 11,
              "background scan status");
        CHECK_U64(h.background_scan_defects, N_SCAN_DEFECTS, "medium scan parameters");
        /* 18h */
        CHECK(h.has_phys && h.n_phys == 2, "two phys: %u", h.n_phys);
        CHECK(h.phys[0].port == 1 && h.phys[0].phy_id == 0 && h.phys[0].invalid_dwords == 3 &&
                      h.phys[0].disparity_errors == 2 && h.phys[0].loss_of_sync == 1 &&
                      h.phys[0].reset_problems == 0,
              "phy 0 counters");
        CHECK(h.phys[1].phy_id == 1 && h.phys[1].invalid_dwords == 0x10 &&
                      h.phys[1].disparity_errors == 0x20 && h.phys[1].loss_of_sync == 0x30 &&
                      h.phys[1].reset_problems == 0x40,
              "phy 1 counters");
        /* 10h */
        CHECK(h.has_self_test && h.self_tests == 2 && h.self_tests_failed == 1,
              "self-tests %u failed %u", h.self_tests, h.self_tests_failed);
        CHECK(h.last_self_test_code == 1 && h.last_self_test_result == 7 &&
                      h.last_self_test_power_on_hours == 0x1234,
              "newest self-test");
        /* READ DEFECT DATA */
        CHECK(h.has_grown_defects && h.grown_defects == 8, "grown defects 0x40/8 = 8: %u",
              h.grown_defects);
}

/* sg_logs (sg3-utils) on the same mock must print the values we decoded. */
static char *run(const char *cmd)
{
        FILE *f = popen(cmd, "r");
        char *out;

        if (!f)
                return NULL;
        out = check_slurp_stream(f, NULL);
        pclose(f);
        return out;
}

static void expect_in(const char *text, const char *want, const char *what)
{
        CHECK(text && strstr(text, want), "%s: sg_logs output lacks '%s'", what, want);
}

static void test_sg_logs(void)
{
        char *t;

        if (access("/usr/bin/sg_logs", X_OK) != 0) {
                printf("# sg_logs not installed (sg3-utils): cross-check skipped\n");
                return;
        }
        t = run("sg_logs --page=0xd /dev/sdz 2>&1");
        expect_in(t, "Current temperature = 36 C", "0Dh");
        expect_in(t, "Reference temperature = 70 C", "0Dh");
        free(t);
        t = run("sg_logs --page=0xd,0x1 /dev/sdz 2>&1");
        expect_in(t, "Temperature: 37 C", "0Dh/01h");
        expect_in(t, "Lifetime maximum temperature: 60 C", "0Dh/01h");
        expect_in(t, "Lifetime minimum temperature: -5 C", "0Dh/01h");
        free(t);
        t = run("sg_logs --page=0x11 /dev/sdz 2>&1");
        expect_in(t, "Percentage used endurance indicator: 5 %", "11h");
        free(t);
        t = run("sg_logs --page=0x2 /dev/sdz 2>&1");
        expect_in(t, "Total bytes processed = 12345678901248", "02h");
        free(t);
        t = run("sg_logs --page=0x3 /dev/sdz 2>&1");
        expect_in(t, "Total bytes processed = 98765432109568", "03h");
        expect_in(t, "Total uncorrected errors = 2", "03h");
        expect_in(t, "Total errors corrected = 1003", "03h");
        free(t);
        t = run("sg_logs --page=0x6 /dev/sdz 2>&1");
        expect_in(t, "Non-medium error count = 7", "06h");
        free(t);
        t = run("sg_logs --page=0xe /dev/sdz 2>&1");
        expect_in(t, "Date of manufacture, year: 2017, week: 23", "0Eh");
        expect_in(t, "Accumulated start-stop cycles = 42", "0Eh");
        expect_in(t, "Accumulated load-unload cycles = 84", "0Eh");
        expect_in(t, "Specified cycle count over device lifetime = 50000", "0Eh");
        free(t);
        t = run("sg_logs --page=0x15 /dev/sdz 2>&1");
        expect_in(t, "Accumulated power on minutes: 571584", "15h");
        expect_in(t, "Number of background scans performed: 12", "15h");
        free(t);
        t = run("sg_logs --page=0x18 /dev/sdz 2>&1");
        expect_in(t, "Invalid DWORD count = 3", "18h");
        expect_in(t, "Phy reset problem count = 64", "18h");
        free(t);
        t = run("sg_logs --page=0x2f /dev/sdz 2>&1");
        expect_in(t, "Current temperature = 38 C", "2Fh");
        free(t);
        t = run("sg_logs --page=0x10 /dev/sdz 2>&1");
        expect_in(t, "Parameter code = 1, accumulated power-on hours = 4660", "10h");
        expect_in(t, "self-test result: another segment in self test failed [7]", "10h");
        expect_in(t, "Parameter code = 2, accumulated power-on hours = 16", "10h");
        CHECK(strstr(t, "Parameter code = 3") == NULL, "10h: sg_logs stops at entry 3 as we do");
        free(t);
}

/* The LOG SENSE CDBs (without the timeout) from a log, one per line, in order. */
static char *log_sense_cdbs(const char *log)
{
        char *out = calloc(1, strlen(log) + 1), *o = out;

        for (const char *l = log; out && l && *l;) {
                const char *nl = strchr(l, '\n');
                size_t n = nl ? (size_t)(nl - l) : strlen(l);
                const char *t = strstr(l, " timeout_ms=");

                if (strncmp(l, "cdb=4d", 6) == 0 && t && t < l + n) {
                        memcpy(o, l, (size_t)(t - l));
                        o += t - l;
                        *o++ = '\n';
                }
                l = nl ? nl + 1 : NULL;
        }
        return out;
}

/* sg_logs asks each page with the same LOG SENSE CDBs as we do (probe, then the page). */
static void test_same_cdbs_as_sg_logs(void)
{
        static const char *const pages[] = {"0xd", "0xd,0x1", "0x2f", "0x11", "0x2",  "0x3",
                                            "0x5", "0x6",     "0xe",  "0x15", "0x18", "0x10"};
        struct sm_scsi_health h;
        char err[256], cmd[128], *ours, *theirs, *log;

        if (access("/usr/bin/sg_logs", X_OK) != 0)
                return;
        reset_log();
        for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
                snprintf(cmd, sizeof(cmd), "sg_logs --page=%s /dev/sdz >/dev/null 2>&1", pages[i]);
                if (system(cmd) != 0)
                        CHECK(0, "%s failed", cmd);
        }
        log = read_log();
        theirs = log_sense_cdbs(log);
        free(log);
        reset_log();
        (void)sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        log = read_log();
        ours = log_sense_cdbs(log);
        free(log);
        /* ours also reads 00h and 00h/FFh first: compare from page 0Dh on */
        CHECK(ours && theirs && strstr(ours, "cdb=4d 00 4d") &&
                      strcmp(strstr(ours, "cdb=4d 00 4d"), theirs) == 0,
              "LOG SENSE CDBs differ from sg_logs':\nours:\n%s\nsg_logs:\n%s", ours ? ours : "",
              theirs ? theirs : "");
        free(ours);
        free(theirs);
}

static void test_refusals_and_errors(void)
{
        struct sm_scsi_health h;
        char err[256] = "";
        char *log;
        int r;

        /* CHECK CONDITION ILLEGAL REQUEST on a listed page: that value is absent, the rest read. */
        setenv("SM_SCSI_MOCK_CHECK", "4d:11:00=5/24/00", 1);
        reset_log();
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == 0, "refused page is not an error: %d %s", r, err);
        CHECK(!h.has_endurance, "refused 11h: no endurance");
        CHECK(h.has_temperature && h.temperature_c == 36, "others still read");
        log = read_log();
        CHECK(strstr(log, "cdb=4d 00 51 00 00 00 00 00 04 00") != NULL, "11h was asked");
        CHECK(strstr(log, "cdb=4d 00 51 00 00 00 00 00 0c 00") == NULL,
              "11h asked once: not again after the refusal");
        free(log);

        /* An unsupported page (the file missing, the mock answers 24h/00h) is absent, too. */
        setenv("SM_SCSI_MOCK_CHECK", "", 1);
        rename("log-18-00", "log-18-00.off"); /* relative to cwd == dir */
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == 0 && !h.has_phys && h.has_endurance, "missing 18h: %d %s", r, err);
        rename("log-18-00.off", "log-18-00");

        /* Only listed pages are asked: 00h without 18h, 00h/FFh without 0Dh/01h. */
        {
                static const uint8_t l00[] = {0x00, 0x00, 0x00, 0x03, 0x00, 0x0d, 0x2f};
                static const uint8_t lff[] = {0x40, 0xff, 0x00, 0x06, 0x00,
                                              0x00, 0x0d, 0x00, 0x2f, 0x00};

                rename("log-00-00", "log-00-00.full");
                rename("log-00-ff", "log-00-ff.full");
                write_file("log-00-00", l00, sizeof(l00));
                write_file("log-00-ff", lff, sizeof(lff));
                reset_log();
                r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
                log = read_log();
                CHECK(r == 0 && h.has_temperature && h.has_ie, "short list read: %d %s", r, err);
                CHECK(!h.has_phys && !h.has_endurance && h.n_env == 0 && !h.has_self_test,
                      "unlisted pages not decoded");
                CHECK(strstr(log, "cdb=4d 00 58") == NULL &&
                              strstr(log, "cdb=4d 00 4d 01") == NULL &&
                              strstr(log, "cdb=4d 00 51") == NULL,
                      "unlisted pages (18h, 0Dh/01h, 11h) never asked:\n%s", log);
                free(log);
                rename("log-00-00.full", "log-00-00");
                rename("log-00-ff.full", "log-00-ff");
        }

        /* CHECK CONDITION MEDIUM ERROR / HARDWARE ERROR on a page: the read fails, and says so. */
        setenv("SM_SCSI_MOCK_CHECK", "4d:0d:00=4/44/00", 1);
        err[0] = '\0';
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == -EIO, "hardware error: %d", r);
        CHECK(strstr(err, "LOG SENSE 0Dh/00h") && strstr(err, "/dev/sdz") &&
                      strstr(err, "Medium or hardware error"),
              "reason names the command, node and sense category: %s", err);

        /* UNIT ATTENTION is retried once, not reported (the mock always says it, so it is). */
        setenv("SM_SCSI_MOCK_CHECK", "12:00:00=6/29/00", 1);
        err[0] = '\0';
        reset_log();
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        log = read_log();
        CHECK(r == -EIO && strstr(err, "INQUIRY") && strstr(err, "Unit attention"),
              "persistent unit attention: %d %s", r, err);
        CHECK(strstr(log, "cdb=12 00 00 00 60 00") &&
                      strstr(strstr(log, "cdb=12 00") + 1, "cdb=12 00 00 00 60 00"),
              "INQUIRY sent twice");
        free(log);
        setenv("SM_SCSI_MOCK_CHECK", "", 1);

        /* SG_IO refused by the kernel (no CAP_SYS_RAWIO for a command off its list). */
        setenv("SM_SCSI_MOCK_FAIL", "eperm", 1);
        err[0] = '\0';
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == -EPERM && strstr(err, "CAP_SYS_RAWIO"), "EPERM: %d %s", r, err);
        setenv("SM_SCSI_MOCK_FAIL", "enodev", 1);
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == -ENODEV && strstr(err, "vanished"), "ENODEV: %d %s", r, err);
        setenv("SM_SCSI_MOCK_FAIL", "", 1);

        /* No such node. */
        r = sm_scsi_read_device("/nonexistent/sdq", 3000, &h, err, sizeof(err));
        CHECK(r == -ENOENT, "missing node: %d %s", r, err);
}

static void test_sat(void)
{
        struct sm_scsi_health h;
        uint8_t inq[36] = {0x00, 0x00, 0x06, 0x02, 31};
        uint8_t vpd00[] = {0x00, 0x00, 0x00, 0x05, 0x00, 0x80, 0x83, 0x89, 0xb1};
        char err[256] = "";
        char *log;
        int r;

        /* A SATA drive behind a SAS HBA: INQUIRY vendor "ATA". */
        memcpy(inq + 8, "ATA     ", 8);
        memcpy(inq + 16, "Samsung SSD 860 ", 16);
        memcpy(inq + 32, "4B6Q", 4);
        write_file("inquiry", inq, sizeof(inq));
        write_file("vpd-00", vpd00, sizeof(vpd00));
        reset_log();
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == -SM_SCSI_ERR_SAT && strstr(err, "ATA collector"), "SAT by vendor: %d %s", r,
              err);
        log = read_log();
        CHECK(strstr(log, "cdb=4d") == NULL, "no LOG SENSE sent to a SAT drive");
        free(log);
        /* VPD 89h on a device with SCSI log pages (as scsi_debug has): read as SCSI. */
        memcpy(inq + 8, "JMicron ", 8);
        write_file("inquiry", inq, sizeof(inq));
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == 0 && h.vpd_ata && h.has_temperature, "VPD 89h with log pages: SCSI: %d %s", r,
              err);
        /* ... and without any (a USB bridge naming the drive's vendor): the ATA path. */
        setenv("SM_SCSI_MOCK_CHECK", "4d:00:00=5/20/00", 1);
        r = sm_scsi_read_device("/dev/sdz", 3000, &h, err, sizeof(err));
        CHECK(r == -SM_SCSI_ERR_SAT && strstr(err, "89h"), "SAT by VPD 89h: %d %s", r, err);
        setenv("SM_SCSI_MOCK_CHECK", "", 1);
}

int main(void)
{
        const char *so = getenv("LD_PRELOAD");

        if (!so || !strstr(so, "sg_mock")) {
                printf("SKIP: sg_mock.so not preloaded\n");
                return 77;
        }
        snprintf(dir, sizeof(dir), "/tmp/sm-scsi-mock-XXXXXX");
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        snprintf(dev, sizeof(dev), "%s/dev", dir);
        snprintf(log_path, sizeof(log_path), "%s/commands.log", dir);
        write_file("dev", "", 0);
        setenv("SM_SCSI_MOCK_DEV", dev, 1);
        setenv("SM_SCSI_MOCK_ALIAS", "/dev/sdz", 1);
        setenv("SM_SCSI_MOCK_DIR", dir, 1);
        setenv("SM_SCSI_MOCK_LOG", log_path, 1);
        if (chdir(dir) < 0)
                return 1;
        build_device();
        test_read_and_cdbs();
        test_sg_logs();
        test_same_cdbs_as_sg_logs();
        test_refusals_and_errors();
        test_sat();
        if (check_failed == 0) {
                char cmd[256];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "could not remove %s\n", dir);
        } else {
                fprintf(stderr, "responses and command log kept in %s\n", dir);
        }
        return check_summary();
}
