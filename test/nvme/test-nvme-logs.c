/* SPDX-License-Identifier: MIT */
/*
 * test-nvme-logs.c - the NVMe Error Information log (01h) and Device Self-test
 * log (06h): gating on Identify Controller, the exact admin commands (through
 * ioctl_mock.so and the real libnvme), and the decoding of pages built here
 * byte by byte from the NVMe Base Specification 2.0 layouts:
 *   Error Information Log Entry (64 bytes): 7:0 Error Count, 9:8 SQID, 11:10 CID,
 *   13:12 Status Field (bit 0 phase tag), 15:14 Parameter Error Location,
 *   23:16 LBA, 27:24 NSID, 28 VS, 29 TRTYPE, 39:32 Command Specific Info,
 *   41:40 Transport Type Specific Info;
 *   Device Self-test log: byte 0 current operation, 1 completion, then 20 results
 *   of 28 bytes: 0 status (code 7:4, result 3:0), 1 segment, 2 valid diagnostic
 *   info, 11:4 POH, 15:12 NSID, 23:16 failing LBA, 24 SCT, 25 SC.
 * Expected values are worked out by hand from those bytes, and cross-checked
 * against nvme-cli (`nvme error-log -o json`, `nvme self-test-log -o json`, the
 * status text of `nvme error-log`) fed the same pages through the mock.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/render.h"
#include "agent/state.h"
#include "collectors/nvme.h"
#include "collectors/nvme_logs.h"
#include "lib/buf.h"
#include "test/check.h"
#include "test/nvme/nvme-cli.h"

static char dir[128], dev[192], id_path[192], err_path[192], st_path[192], log_path[192];
static bool have_cli;

static void put_le(uint8_t *p, unsigned width, uint64_t v)
{
        for (unsigned i = 0; i < width; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void write_file(const char *path, const void *data, size_t len)
{
        FILE *f = fopen(path, "we");

        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                perror(path);
                exit(2);
        }
}

/* Identify Controller with only the bytes that gate the logs set. */
static void build_id(uint8_t *p, uint16_t oacs, uint8_t lpa, uint8_t elpe)
{
        memset(p, 0, 4096);
        memcpy(p + 24, "Hand Built NVMe                         ", 40); /* MN 63:24 */
        put_le(p + 256, 2, oacs);                                       /* OACS 257:256 */
        p[261] = lpa;                                                   /* LPA */
        p[262] = elpe;                                                  /* ELPE, 0's based */
}

struct err_entry_in {
        uint64_t count;
        uint16_t sqid, cid, sf, pel;
        uint64_t lba;
        uint32_t nsid;
        uint8_t vs, trtype;
        uint64_t cs;
        uint16_t tsi;
};

static void put_err_entry(uint8_t *p, const struct err_entry_in *e)
{
        memset(p, 0, 64);
        put_le(p, 8, e->count);
        put_le(p + 8, 2, e->sqid);
        put_le(p + 10, 2, e->cid);
        put_le(p + 12, 2, e->sf);
        put_le(p + 14, 2, e->pel);
        put_le(p + 16, 8, e->lba);
        put_le(p + 24, 4, e->nsid);
        p[28] = e->vs;
        p[29] = e->trtype;
        put_le(p + 32, 8, e->cs);
        put_le(p + 40, 2, e->tsi);
        p[63] = 0xa5; /* reserved (log page version in 2.0): ignored */
}

/*
 * The "full" page: ELPE = 3, four valid entries, newest first.
 *  0: count 7, I/O queue 1, CID 42h, SCT 2h SC 81h (Unrecovered Read Error) with
 *     DNR: status 4281h, field (4281h << 1) | phase 1 = 8503h; parameter
 *     location FFFFh; LBA 12_3456_789Ah; NSID 1;
 *  1: count 6, admin queue, CID 10h, SCT 0 SC 02h (Invalid Field) with DNR:
 *     field 8004h (phase 0); byte 28h bit 3 -> location 0328h; NSID FFFFFFFFh;
 *  2: count 5, queue 2, CID 1234h, SCT 2 SC 80h (Write Fault): field 0500h;
 *     LBA 1000, NSID 2, VS page 2, command specific DEADBEEFh;
 *  3: count 4, not command specific (SQID/CID FFFFh), Internal Error 06h: field 000Ch.
 */
static const struct err_entry_in full_in[] = {
        {7, 1, 0x42, 0x8503, 0xffff, 0x123456789aULL, 1, 0, 0, 0, 0},
        {6, 0, 0x10, 0x8004, 0x0328, 0, 0xffffffffu, 0, 0, 0, 0},
        {5, 2, 0x1234, 0x0500, 0, 1000, 2, 2, 0, 0xdeadbeefULL, 0},
        {4, 0xffff, 0xffff, 0x000c, 0, 0, 0, 0, 0, 0, 0x0102},
};

static void build_full(uint8_t *page)
{
        for (int i = 0; i < 4; i++)
                put_err_entry(page + 64 * i, &full_in[i]);
}

struct st_in {
        uint8_t dsts, seg, vdi;
        uint64_t poh;
        uint32_t nsid;
        uint64_t flba;
        uint8_t sct, sc;
};

static void build_self_test(uint8_t *p, uint8_t op, uint8_t completion, const struct st_in *r,
                            int n)
{
        memset(p, 0, 564);
        p[0] = op;
        p[1] = completion;
        for (int i = 0; i < 20; i++) {
                uint8_t *q = p + 4 + 28 * i;

                if (i >= n) {
                        q[0] = 0x0f; /* result Fh: entry not used */
                        continue;
                }
                q[0] = r[i].dsts;
                q[1] = r[i].seg;
                q[2] = r[i].vdi;
                put_le(q + 4, 8, r[i].poh);
                put_le(q + 12, 4, r[i].nsid);
                put_le(q + 16, 8, r[i].flba);
                q[24] = r[i].sct;
                q[25] = r[i].sc;
        }
}

/*
 * The "aborted" log: a short test running (op 1h, 35 %); newest an extended test
 * (code 2h) aborted by a Device Self-test command (result 1h): 21h at POH 5000;
 * before it a short test (1h) that completed with failed segment 3 (result 7h):
 * 17h, every diagnostic valid (0Fh), POH 4990, NSID 1, failing LBA 1234567h,
 * SCT 2h SC 81h; before that a short test without error (10h) at POH 4000.
 */
static const struct st_in aborted_in[] = {
        {0x21, 0, 0, 5000, 0, 0, 0, 0},
        {0x17, 3, 0x0f, 4990, 1, 0x1234567, 2, 0x81},
        {0x10, 0, 0, 4000, 0, 0, 0, 0},
};

/* ===== mock ===== */

static int read_cmds(char lines[][256], int max)
{
        FILE *f = fopen(log_path, "re");
        int n = 0;

        if (!f)
                return 0;
        while (n < max && fgets(lines[n], 256, f)) {
                lines[n][strcspn(lines[n], "\n")] = '\0';
                n++;
        }
        fclose(f);
        return n;
}

static bool starts(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void serve_files(const char *errlog, const char *stlog)
{
        unlink(log_path);
        if (errlog)
                setenv("SM_NVME_MOCK_ERRLOG", errlog, 1);
        else
                unsetenv("SM_NVME_MOCK_ERRLOG");
        if (stlog)
                setenv("SM_NVME_MOCK_SELFTEST", stlog, 1);
        else
                unsetenv("SM_NVME_MOCK_SELFTEST");
}

static void read_through_mock(const uint8_t *id, struct sm_nvme_error_log *el,
                              struct sm_nvme_self_test_log *sl)
{
        struct sm_nvme_log_caps caps;
        uint8_t buf[SM_NVME_ERR_MAX_READ * SM_NVME_ERR_ENTRY_SIZE];
        int fd = open(dev, O_RDONLY | O_CLOEXEC);

        CHECK(fd >= 0, "open %s", dev);
        sm_nvme_log_caps_from_id(id, &caps);
        sm_nvme_read_logs(fd, 2500, &caps, buf, el, sl);
        if (fd >= 0)
                close(fd);
}

/* ===== gating and commands ===== */

static void test_gating(void)
{
        uint8_t id[4096];
        struct sm_nvme_log_caps c;

        build_id(id, 0x0010, 0x06, 3);
        sm_nvme_log_caps_from_id(id, &c);
        CHECK(c.known && c.oacs == 0x0010 && c.lpa == 0x06 && c.elpe == 3, "caps %d %x %x %u",
              c.known, c.oacs, c.lpa, c.elpe);
        CHECK_U64(sm_nvme_error_log_entries_to_read(&c), 4, "ELPE 3 -> 4 entries");
        CHECK(sm_nvme_self_test_log_supported(&c), "OACS bit 4 -> self-test log");
        /* Security, Format, Firmware, Namespace Management: bits 0-3, not bit 4. */
        build_id(id, 0x000f, 0x06, 0);
        sm_nvme_log_caps_from_id(id, &c);
        CHECK(!sm_nvme_self_test_log_supported(&c), "OACS 000Fh: no self-test log");
        CHECK_U64(sm_nvme_error_log_entries_to_read(&c), 1, "ELPE 0 -> 1 entry");
        build_id(id, 0xffef, 0xff, 255);
        sm_nvme_log_caps_from_id(id, &c);
        CHECK(!sm_nvme_self_test_log_supported(&c), "OACS FFEFh (all but bit 4): no self-test");
        CHECK_U64(sm_nvme_error_log_entries_to_read(&c), 64, "ELPE 255 -> 64 (one 4 KiB read)");
        sm_nvme_log_caps_from_id(NULL, &c);
        CHECK(!c.known && sm_nvme_error_log_entries_to_read(&c) == 0 &&
                      !sm_nvme_self_test_log_supported(&c),
              "no Identify: nothing");
}

static void test_commands(const char *full_path, const char *st_file)
{
        uint8_t id[4096];
        struct sm_nvme_error_log el;
        struct sm_nvme_self_test_log sl;
        char lines[8][256];
        int n;

        /* Both supported: exactly two Get Log Page commands, RAE set, NSID all, no offset.
         * 01h, 4 entries = 256 bytes: NUMD 63 (3Fh) -> CDW10 003F_8001h.
         * 06h, 564 bytes: NUMD 140 (8Ch) -> CDW10 008C_8006h. */
        build_id(id, 0x0010, 0x02, 3);
        serve_files(full_path, st_file);
        read_through_mock(id, &el, &sl);
        n = read_cmds(lines, 8);
        CHECK(n == 2, "two commands, got %d", n);
        if (n >= 1)
                CHECK(starts(lines[0], "opcode=0x02 nsid=0xffffffff cdw10=0x003f8001 "
                                       "cdw11=0x00000000 cdw12=0x00000000 cdw13=0x00000000 "
                                       "cdw14=0x00000000 data_len=256 timeout_ms=2500"),
                      "error log command: %s", lines[0]);
        if (n >= 2)
                CHECK(starts(lines[1], "opcode=0x02 nsid=0xffffffff cdw10=0x008c8006 "
                                       "cdw11=0x00000000 cdw12=0x00000000 cdw13=0x00000000 "
                                       "cdw14=0x00000000 data_len=564 timeout_ms=2500"),
                      "self-test log command: %s", lines[1]);
        CHECK(el.present && el.valid_entries == 4 && el.newest_error_count == 7,
              "error log through the mock: present %d valid %u newest %llu (%s)", el.present,
              el.valid_entries, (unsigned long long)el.newest_error_count, el.absent_reason);
        CHECK(sl.present && sl.n_results == 3, "self-test log through the mock: %d %u (%s)",
              sl.present, sl.n_results, sl.absent_reason);

        /* OACS bit 4 clear: the error log only; log 06h is never asked for. */
        build_id(id, 0x0006, 0x02, 3);
        serve_files(full_path, st_file);
        read_through_mock(id, &el, &sl);
        n = read_cmds(lines, 8);
        CHECK(n == 1 && starts(lines[0], "opcode=0x02 nsid=0xffffffff cdw10=0x003f8001 "),
              "OACS bit 4 clear: one command (error log), got %d: %s", n, n ? lines[0] : "");
        for (int i = 0; i < n; i++)
                CHECK(!strstr(lines[i], "cdw10=0x008c8006") && !starts(lines[i], "opcode=0x14"),
                      "no self-test log read, no Device Self-test command: %s", lines[i]);
        CHECK(!sl.present && strstr(sl.absent_reason, "OACS bit 4"), "self-test absent: '%s'",
              sl.absent_reason);

        /* No Identify Controller: nothing at all. */
        serve_files(full_path, st_file);
        {
                struct sm_nvme_log_caps none;
                uint8_t buf[SM_NVME_ERR_MAX_READ * SM_NVME_ERR_ENTRY_SIZE];
                int fd = open(dev, O_RDONLY | O_CLOEXEC);

                sm_nvme_log_caps_from_id(NULL, &none);
                sm_nvme_read_logs(fd, 2500, &none, buf, &el, &sl);
                close(fd);
        }
        n = read_cmds(lines, 8);
        CHECK(n == 0, "no Identify: no command, got %d", n);
        CHECK(!el.present && strstr(el.absent_reason, "Identify"), "error log absent: '%s'",
              el.absent_reason);

        /* ELPE 255: 64 entries (4096 bytes) in one command: NUMD 1023 -> 03FF_8001h. */
        build_id(id, 0x0000, 0x00, 255);
        serve_files(full_path, NULL);
        read_through_mock(id, &el, &sl);
        n = read_cmds(lines, 8);
        CHECK(n == 1 && starts(lines[0], "opcode=0x02 nsid=0xffffffff cdw10=0x03ff8001 "
                                         "cdw11=0x00000000 cdw12=0x00000000 cdw13=0x00000000 "
                                         "cdw14=0x00000000 data_len=4096 "),
              "ELPE 255: %d: %s", n, n ? lines[0] : "");
        CHECK(el.present && el.entries == 64 && el.valid_entries == 4,
              "64 entries read, 4 valid (%u, %u)", el.entries, el.valid_entries);

        /* The controller refuses log 01h (Invalid Log Page): absent with the status;
         * the self-test log is still read. */
        build_id(id, 0x0010, 0x02, 3);
        serve_files(NULL, st_file);
        read_through_mock(id, &el, &sl);
        n = read_cmds(lines, 8);
        CHECK(n == 2, "refused error log: still two commands, got %d", n);
        CHECK(!el.present && strstr(el.absent_reason, "NVMe status 0x4109") &&
                      strstr(el.absent_reason, "Invalid Log Page"),
              "refused error log: '%s'", el.absent_reason);
        CHECK(sl.present, "self-test log read after a refused error log");
}

/* ===== decoding ===== */

static void test_decode_full(const uint8_t *page)
{
        struct sm_nvme_error_log l;
        const struct sm_nvme_error_entry *e = l.newest;
        int r = sm_nvme_decode_error_log(page, 256, &l);

        CHECK(r == 0 && l.present, "decode: %d", r);
        CHECK_U64(l.entries, 4, "entries");
        CHECK_U64(l.valid_entries, 4, "valid entries");
        CHECK_U64(l.newest_error_count, 7, "newest error count");
        CHECK_U64(l.n_newest, 4, "kept");
        CHECK_U64(e[0].error_count, 7, "[0] count");
        CHECK_U64(e[0].sqid, 1, "[0] sqid");
        CHECK_U64(e[0].cmdid, 0x42, "[0] cmdid");
        CHECK_U64(e[0].status, 0x4281, "[0] status (SCT 2h, SC 81h, DNR)");
        CHECK(e[0].phase_tag, "[0] phase tag 1");
        CHECK_U64(e[0].parm_error_location, 0xffff, "[0] parameter location");
        CHECK_U64(e[0].lba, 0x123456789aULL, "[0] LBA");
        CHECK_U64(e[0].nsid, 1, "[0] nsid");
        CHECK_U64(e[1].status, 0x4002, "[1] status (Invalid Field, DNR)");
        CHECK(!e[1].phase_tag, "[1] phase tag 0");
        CHECK_U64(e[1].parm_error_location, 0x0328, "[1] location (byte 28h, bit 3)");
        CHECK_U64(e[1].nsid, 0xffffffffu, "[1] nsid");
        CHECK_U64(e[2].status, 0x0280, "[2] status (Write Fault)");
        CHECK_U64(e[2].vs, 2, "[2] vs");
        CHECK_U64(e[2].cs, 0xdeadbeefULL, "[2] command specific");
        CHECK_U64(e[2].lba, 1000, "[2] LBA");
        CHECK_U64(e[3].sqid, 0xffff, "[3] sqid (not command specific)");
        CHECK_U64(e[3].status, 0x0006, "[3] status (Internal Error)");
        CHECK_U64(e[3].trtype_spec_info, 0x0102, "[3] transport specific");
        /* The status text must be libnvme's for that status: nvme-cli prints it too. */
        CHECK(strstr(e[0].status_text, "Unrecovered Read Error") != NULL, "[0] text '%s'",
              e[0].status_text);
        CHECK(strstr(e[1].status_text, "Invalid Field in Command") != NULL, "[1] text '%s'",
              e[1].status_text);
}

static void test_decode_shapes(void)
{
        uint8_t page[1024];
        struct sm_nvme_error_log l;
        int r;

        /* Empty: ELPE 3, every error count 0 (no error ever logged). */
        memset(page, 0, sizeof(page));
        r = sm_nvme_decode_error_log(page, 256, &l);
        CHECK(r == 0 && l.present && l.entries == 4 && l.valid_entries == 0 &&
                      l.newest_error_count == 0 && l.n_newest == 0,
              "empty: %d %u %u %llu %u", r, l.entries, l.valid_entries,
              (unsigned long long)l.newest_error_count, l.n_newest);

        /* Wrapped: 16 entries, the drive logged 300 errors; counts 300..285, newest first. */
        for (int i = 0; i < 16; i++) {
                struct err_entry_in e = {.count = 300u - (unsigned)i,
                                         .sqid = 1,
                                         .cid = (uint16_t)i,
                                         .sf = 0x0502,
                                         .lba = 5000u + (unsigned)i,
                                         .nsid = 1};

                put_err_entry(page + 64 * i, &e);
        }
        r = sm_nvme_decode_error_log(page, 1024, &l);
        CHECK(r == 0 && l.entries == 16 && l.valid_entries == 16 && l.newest_error_count == 300,
              "wrapped: %u %u %llu", l.entries, l.valid_entries,
              (unsigned long long)l.newest_error_count);
        CHECK(l.n_newest == 8 && l.newest[0].error_count == 300 && l.newest[7].error_count == 293 &&
                      l.newest[7].cmdid == 7 && l.newest[7].lba == 5007,
              "wrapped: the 8 newest kept, 300..293 (%u, last %llu)", l.n_newest,
              (unsigned long long)l.newest[l.n_newest ? l.n_newest - 1 : 0].error_count);

        /* Ring order (a controller that does not put the newest first): slots hold
         * 69, 70, 71, 72, 65, 66, 67, 68 and one invalid entry; newest is 72. */
        memset(page, 0, sizeof(page));
        {
                static const uint64_t counts[] = {69, 70, 71, 72, 65, 66, 67, 68, 0};

                for (int i = 0; i < 9; i++) {
                        struct err_entry_in e = {.count = counts[i], .cid = (uint16_t)(100 + i)};

                        put_err_entry(page + 64 * i, &e);
                }
        }
        r = sm_nvme_decode_error_log(page, 64 * 10, &l);
        CHECK(r == 0 && l.entries == 10 && l.valid_entries == 8 && l.newest_error_count == 72,
              "ring: %u %u %llu", l.entries, l.valid_entries,
              (unsigned long long)l.newest_error_count);
        for (unsigned i = 0; i < l.n_newest; i++)
                CHECK(l.newest[i].error_count == 72 - i, "ring: kept[%u] = %llu, expected %u", i,
                      (unsigned long long)l.newest[i].error_count, 72 - i);
        CHECK(l.newest[0].cmdid == 103, "ring: newest is slot 3 (cid %u)", l.newest[0].cmdid);

        CHECK(sm_nvme_decode_error_log(page, 0, &l) == -EINVAL && !l.present, "0 bytes");
        CHECK(sm_nvme_decode_error_log(page, 63, &l) == -EINVAL, "63 bytes");
        CHECK(sm_nvme_decode_error_log(page, 100, &l) == -EINVAL && l.absent_reason[0],
              "100 bytes: '%s'", l.absent_reason);
}

static void test_decode_self_test(const uint8_t *aborted)
{
        uint8_t page[564];
        struct sm_nvme_self_test_log l;
        const struct sm_nvme_self_test_result *c = &l.last_completed;
        int r = sm_nvme_decode_self_test_log(aborted, 564, &l);

        CHECK(r == 0 && l.present, "decode %d", r);
        CHECK_U64(l.current_operation, 1, "current operation: short");
        CHECK_U64(l.completion_percent, 35, "completion");
        CHECK_U64(l.n_results, 3, "results in use");
        CHECK_U64(l.n_newest, 3, "kept");
        CHECK(l.newest[0].code == 2 && l.newest[0].result == SM_NVME_ST_ABORTED_BY_COMMAND &&
                      l.newest[0].power_on_hours == 5000,
              "newest: extended, aborted by command, POH 5000 (%u %u %llu)", l.newest[0].code,
              l.newest[0].result, (unsigned long long)l.newest[0].power_on_hours);
        CHECK(strcmp(sm_nvme_self_test_result_name(l.newest[0].result), "aborted_by_command") == 0,
              "name '%s'", sm_nvme_self_test_result_name(l.newest[0].result));
        CHECK(!sm_nvme_self_test_result_failed(l.newest[0].result), "an abort is not a failure");
        CHECK(l.have_completed, "a completed test exists");
        CHECK(c->code == 1 && c->result == SM_NVME_ST_FAILED_SEGMENT && c->segment == 3 &&
                      c->valid == 0x0f && c->power_on_hours == 4990 && c->nsid == 1 &&
                      c->failing_lba == 0x1234567 && c->sct == 2 && c->sc == 0x81,
              "last completed: short, failed segment 3, LBA 1234567h at POH 4990 (%u %u %u %x "
              "%llu %u %llx %u %x)",
              c->code, c->result, c->segment, c->valid, (unsigned long long)c->power_on_hours,
              c->nsid, (unsigned long long)c->failing_lba, c->sct, c->sc);
        CHECK(sm_nvme_self_test_result_failed(c->result), "failed segment is a failure");
        CHECK(strcmp(sm_nvme_self_test_code_name(c->code), "short") == 0 &&
                      strcmp(sm_nvme_self_test_code_name(2), "extended") == 0 &&
                      strcmp(sm_nvme_self_test_code_name(0xe), "vendor_specific") == 0,
              "code names");

        /* Never tested: every entry Fh. */
        build_self_test(page, 0, 0, NULL, 0);
        r = sm_nvme_decode_self_test_log(page, 564, &l);
        CHECK(r == 0 && l.present && l.n_results == 0 && !l.have_completed && l.n_newest == 0 &&
                      l.current_operation == 0,
              "never tested: %u results", l.n_results);

        /* Only aborted tests (reset 2h, sanitize 9h): no verdict. */
        {
                static const struct st_in ab[] = {{0x12, 0, 0, 77, 0, 0, 0, 0},
                                                  {0x29, 0, 0, 70, 0, 0, 0, 0}};

                build_self_test(page, 0, 0, ab, 2);
        }
        r = sm_nvme_decode_self_test_log(page, 564, &l);
        CHECK(r == 0 && l.n_results == 2 && !l.have_completed &&
                      l.newest[1].result == SM_NVME_ST_ABORTED_SANITIZE,
              "only aborted: %u, completed %d", l.n_results, l.have_completed);

        /* 20 results, all passed: the newest kept, the verdict from the newest. */
        {
                struct st_in all[20];

                for (int i = 0; i < 20; i++)
                        all[i] = (struct st_in){.dsts = 0x10, .poh = 2000u - (unsigned)i};
                build_self_test(page, 0, 0, all, 20);
        }
        r = sm_nvme_decode_self_test_log(page, 564, &l);
        CHECK(r == 0 && l.n_results == 20 && l.have_completed &&
                      l.last_completed.power_on_hours == 2000 &&
                      !sm_nvme_self_test_result_failed(l.last_completed.result),
              "20 passed: %u", l.n_results);

        CHECK(sm_nvme_decode_self_test_log(page, 512, &l) == -EINVAL && !l.present &&
                      strstr(l.absent_reason, "564"),
              "512 bytes: '%s'", l.absent_reason);
}

/* ===== through the collector: live, replay, plain health data, JSON, Prometheus ===== */

static char smart_path[192];

static const cJSON *jget(const cJSON *o, const char *path)
{
        char buf[128], *save = NULL;

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
                if (cJSON_IsArray(o))
                        o = cJSON_GetArrayItem(o, atoi(k));
                else
                        o = cJSON_GetObjectItemCaseSensitive(o, k);
        }
        return o;
}

static void check_outputs(const struct sm_health *h, const char *name)
{
        struct sm_device_state d;
        cJSON *root = cJSON_CreateObject();
        const cJSON *v;
        const struct sm_device_state *devs[] = {&d};
        struct sm_buf b;
        char *text;
        /* 4990 h = 17964000 s; 35 % = 0.35. */
        static const char *const lines[] = {
                "ssdmon_nvme_error_log_valid_entries{device=\"nvme0n1\"} 4",
                "ssdmon_nvme_error_log_newest_error_id{device=\"nvme0n1\"} 7",
                "ssdmon_nvme_self_test_running{device=\"nvme0n1\"} 1",
                "ssdmon_nvme_self_test_progress_ratio{device=\"nvme0n1\"} 0.35",
                "ssdmon_nvme_self_test_results{device=\"nvme0n1\"} 3",
                "ssdmon_nvme_self_test_last_failed{device=\"nvme0n1\"} 1",
                "ssdmon_nvme_self_test_last_result{device=\"nvme0n1\"} 7",
                "ssdmon_nvme_self_test_last_power_on_seconds{device=\"nvme0n1\"} 17964000",
        };

        memset(&d, 0, sizeof(d));
        snprintf(d.id.name, sizeof(d.id.name), "nvme0n1");
        d.id.proto = SM_PROTO_NVME;
        d.have_data = true;
        d.status = SM_READ_OK;
        d.health = *h;
        CHECK(sm_render_json_protocol(root, &d) == 0, "%s: JSON renders", name);
        v = jget(root, "nvme_error_log.valid_entries");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 4, "%s: JSON valid_entries", name);
        v = jget(root, "nvme_error_log.newest.0.lba_string");
        CHECK(cJSON_IsString(v) && strcmp(v->valuestring, "78187493530") == 0,
              "%s: JSON newest[0].lba_string (12_3456_789Ah)", name);
        v = jget(root, "nvme_error_log.newest.0.status_code_type");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 2, "%s: newest[0] SCT 2", name);
        v = jget(root, "nvme_error_log.newest.0.status_code");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 0x81, "%s: newest[0] SC 81h", name);
        v = jget(root, "nvme_error_log.newest.0.do_not_retry");
        CHECK(cJSON_IsTrue(v), "%s: newest[0] DNR", name);
        v = jget(root, "nvme_error_log.newest.3.sqid");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 0xffff, "%s: newest[3] sqid", name);
        v = jget(root, "nvme_error_log.newest.4");
        CHECK(v == NULL, "%s: four entries in the JSON", name);
        v = jget(root, "nvme_self_test_log.last_completed_result");
        CHECK(cJSON_IsString(v) && strcmp(v->valuestring, "failed_segment") == 0,
              "%s: last completed result '%s'", name, cJSON_IsString(v) ? v->valuestring : "");
        v = jget(root, "nvme_self_test_log.last_completed_power_on_hours");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 4990, "%s: last completed POH", name);
        v = jget(root, "nvme_self_test_log.completion_percent");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 35, "%s: completion 35", name);
        v = jget(root, "nvme_self_test_log.newest.0.result");
        CHECK(cJSON_IsString(v) && strcmp(v->valuestring, "aborted_by_command") == 0,
              "%s: newest result", name);
        v = jget(root, "nvme_self_test_log.newest.0.failing_lba");
        CHECK(cJSON_IsNull(v), "%s: newest[0] failing LBA null (FLBAV clear)", name);
        v = jget(root, "nvme_self_test_log.newest.1.failing_lba");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == 0x1234567, "%s: newest[1] failing LBA", name);
        cJSON_Delete(root);

        sm_buf_init(&b);
        sm_render_prom_protocol(&b, SM_PROTO_NVME, devs, 1);
        text = sm_buf_steal(&b, NULL);
        CHECK(text != NULL, "%s: Prometheus renders", name);
        for (size_t i = 0; text && i < sizeof(lines) / sizeof(lines[0]); i++) {
                char want[200];

                snprintf(want, sizeof(want), "\n%s\n", lines[i]);
                CHECK(strstr(text, want) != NULL, "%s: Prometheus line missing: %s", name,
                      lines[i]);
        }
        /* No per-entry series: nothing with an LBA, CID or status label. */
        CHECK(text && !strstr(text, "lba=") && !strstr(text, "cmdid=") && !strstr(text, "status="),
              "%s: no per-entry labels", name);
        free(text);
}

static void check_plain(const struct sm_health *h, const char *name)
{
        CHECK(h->has_self_test && h->self_test_failed && h->self_test_power_on_hours == 4990,
              "%s: health self-test: has %d failed %d POH %llu", name, h->has_self_test,
              h->self_test_failed, (unsigned long long)h->self_test_power_on_hours);
        CHECK(h->has_error_log && h->error_log_entries == 4 && h->error_log_newest_count == 7,
              "%s: health error log: has %d entries %u newest %llu", name, h->has_error_log,
              h->error_log_entries, (unsigned long long)h->error_log_newest_count);
}

static void test_collector(const char *full_path, const char *st_file)
{
        uint8_t smart[512], id[4096];
        struct sm_device_id dev_id;
        struct sm_read_opts opts = {.timeout_ms = 2000};
        struct sm_health *h = calloc(1, sizeof(*h));
        char err[192] = "", lines[8][256], p[224];
        int r, n;

        memset(smart, 0, sizeof(smart));
        smart[1] = 0x2c; /* 300 K */
        smart[2] = 0x01;
        write_file(smart_path, smart, sizeof(smart));
        build_id(id, 0x0016, 0x02, 3); /* Format, Firmware, Self-test (bit 4); ELPE 3 */
        write_file(id_path, id, sizeof(id));
        setenv("SM_NVME_MOCK_SMART", smart_path, 1);
        setenv("SM_NVME_MOCK_IDCTRL", id_path, 1);

        /* Live. */
        memset(&dev_id, 0, sizeof(dev_id));
        snprintf(dev_id.devnode, sizeof(dev_id.devnode), "%s", dev);
        snprintf(dev_id.name, sizeof(dev_id.name), "nvme0n1");
        dev_id.proto = SM_PROTO_NVME;
        serve_files(full_path, st_file);
        r = sm_nvme_collector.read(&dev_id, &opts, h, err, sizeof(err));
        CHECK(r == 0, "live read %d (%s)", r, err);
        n = read_cmds(lines, 8);
        CHECK(n == 4 && starts(lines[0], "opcode=0x02 nsid=0xffffffff cdw10=0x007f8002 ") &&
                      starts(lines[1], "opcode=0x06 ") &&
                      starts(lines[2], "opcode=0x02 nsid=0xffffffff cdw10=0x003f8001 ") &&
                      starts(lines[3], "opcode=0x02 nsid=0xffffffff cdw10=0x008c8006 "),
              "live: SMART, Identify, error log, self-test log (%d commands)", n);
        check_plain(h, "live");
        check_outputs(h, "live");

        /* Live, OACS bit 4 clear: no 06h; the JSON says why. */
        build_id(id, 0x0006, 0x02, 3);
        write_file(id_path, id, sizeof(id));
        serve_files(full_path, st_file);
        r = sm_nvme_collector.read(&dev_id, &opts, h, err, sizeof(err));
        n = read_cmds(lines, 8);
        CHECK(r == 0 && n == 3, "OACS bit 4 clear: 3 commands, got %d", n);
        for (int i = 0; i < n; i++)
                CHECK(!strstr(lines[i], "cdw10=0x008c8006") && !starts(lines[i], "opcode=0x14"),
                      "OACS bit 4 clear: %s", lines[i]);
        CHECK(!h->has_self_test && !h->nvme.self_test.present, "no self-test data");
        {
                struct sm_device_state d;
                cJSON *root = cJSON_CreateObject();
                const cJSON *v;

                memset(&d, 0, sizeof(d));
                d.id = dev_id;
                d.have_data = true;
                d.health = *h;
                sm_render_json_protocol(root, &d);
                v = jget(root, "nvme_self_test_log.read");
                CHECK(cJSON_IsFalse(v), "JSON self-test read false");
                v = jget(root, "nvme_self_test_log.absent_reason");
                CHECK(cJSON_IsString(v) && strstr(v->valuestring, "OACS bit 4"),
                      "JSON says why: '%s'", cJSON_IsString(v) ? v->valuestring : "");
                cJSON_Delete(root);
        }

        /* Replay: <stem>.smart-log, .id-ctrl, .error-log, .self-test-log. */
        build_id(id, 0x0016, 0x02, 3);
        write_file(id_path, id, sizeof(id));
        unlink(log_path);
        memset(&dev_id, 0, sizeof(dev_id));
        dev_id.replay = true;
        dev_id.proto = SM_PROTO_NVME;
        snprintf(dev_id.name, sizeof(dev_id.name), "hand");
        snprintf(dev_id.devnode, sizeof(dev_id.devnode), "%s", smart_path);
        snprintf(dev_id.aux, sizeof(dev_id.aux), "%s", id_path);
        r = sm_nvme_collector.read(&dev_id, &opts, h, err, sizeof(err));
        CHECK(r == 0, "replay read %d (%s)", r, err);
        CHECK(read_cmds(lines, 8) == 0, "replay sends nothing");
        check_plain(h, "replay");
        check_outputs(h, "replay");

        /* Replay without the log captures: absent, and why. */
        snprintf(p, sizeof(p), "%s/hand.error-log", dir);
        {
                char moved[224];

                snprintf(moved, sizeof(moved), "%s/moved.error-log", dir);
                CHECK(rename(p, moved) == 0, "move the error log capture away");
                r = sm_nvme_collector.read(&dev_id, &opts, h, err, sizeof(err));
                CHECK(r == 0 && !h->has_error_log && !h->nvme.error_log.present &&
                              strstr(h->nvme.error_log.absent_reason, "no capture"),
                      "replay without .error-log: '%s'", h->nvme.error_log.absent_reason);
                /* A capture of a wrong size: absent, not a crash, the device still read. */
                write_file(p, "short", 5);
                r = sm_nvme_collector.read(&dev_id, &opts, h, err, sizeof(err));
                CHECK(r == 0 && !h->nvme.error_log.present &&
                              strstr(h->nvme.error_log.absent_reason, "multiple of 64"),
                      "replay with a 5-byte .error-log: %d '%s'", r,
                      h->nvme.error_log.absent_reason);
                rename(moved, p);
        }
        unsetenv("SM_NVME_MOCK_SMART");
        unsetenv("SM_NVME_MOCK_IDCTRL");
        unlink(smart_path);
        free(h);
}

/* ===== against nvme-cli ===== */

static double jnum(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsNumber(v) ? v->valuedouble : -12345.0;
}

static void cli_error_log(const char *page_path, const uint8_t *page, size_t len)
{
        struct sm_nvme_error_log l;
        uint8_t id[4096];
        size_t olen;
        char *out, *text;
        cJSON *root, *errors;
        int n = 0;

        build_id(id, 0x0010, 0x02, (uint8_t)(len / 64 - 1));
        write_file(id_path, id, sizeof(id));
        setenv("SM_NVME_MOCK_IDCTRL", id_path, 1);
        sm_nvme_decode_error_log(page, len, &l);
        out = nvme_cli_run("SM_NVME_MOCK_ERRLOG", page_path, "error-log -o json", dev, &olen);
        CHECK(out != NULL, "nvme error-log -o json ran");
        root = out ? cJSON_Parse(out) : NULL;
        errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
        CHECK(cJSON_IsArray(errors), "nvme-cli JSON has errors[]: %.200s", out ? out : "");
        for (const cJSON *e = errors ? errors->child : NULL; e; e = e->next) {
                double count = jnum(e, "error_count");
                const struct sm_nvme_error_entry *m = NULL;

                if (count == 0)
                        continue;
                n++;
                for (unsigned i = 0; i < l.n_newest; i++)
                        if ((double)l.newest[i].error_count == count)
                                m = &l.newest[i];
                if (!m)
                        continue; /* older than the kept ones */
                CHECK(jnum(e, "sqid") == m->sqid && jnum(e, "cmdid") == m->cmdid &&
                              jnum(e, "status_field") == m->status &&
                              jnum(e, "phase_tag") == m->phase_tag &&
                              jnum(e, "parm_error_location") == m->parm_error_location &&
                              jnum(e, "lba") == (double)m->lba &&
                              (uint32_t)(int64_t)jnum(e, "nsid") == m->nsid &&
                              jnum(e, "vs") == m->vs && jnum(e, "trtype") == m->trtype &&
                              jnum(e, "cs") == (double)m->cs &&
                              jnum(e, "trtype_spec_info") == m->trtype_spec_info,
                      "entry with error count %.0f matches nvme-cli", count);
        }
        CHECK((unsigned)n == l.valid_entries, "valid entries: nvme-cli %d, ours %u", n,
              l.valid_entries);
        cJSON_Delete(root);
        free(out);
        /* The status text: nvme-cli prints "status_field : 0x4281(<text>)". */
        text = nvme_cli_run("SM_NVME_MOCK_ERRLOG", page_path, "error-log", dev, &olen);
        for (unsigned i = 0; text && i < l.n_newest; i++) {
                char want[160];

                snprintf(want, sizeof(want), ": %#x(%s)", l.newest[i].status,
                         l.newest[i].status_text);
                if (l.newest[i].status == 0)
                        snprintf(want, sizeof(want), ": 0(%s)", l.newest[i].status_text);
                CHECK(strstr(text, want) != NULL, "nvme-cli prints '%s'", want);
        }
        free(text);
}

static void cli_self_test(const char *page_path, const uint8_t *page)
{
        struct sm_nvme_self_test_log l;
        size_t olen;
        char *out;
        cJSON *root, *list;
        int i = 0;

        sm_nvme_decode_self_test_log(page, 564, &l);
        out = nvme_cli_run("SM_NVME_MOCK_SELFTEST", page_path, "self-test-log -o json", dev, &olen);
        CHECK(out != NULL, "nvme self-test-log -o json ran");
        root = out ? cJSON_Parse(out) : NULL;
        CHECK(jnum(root, "Current Device Self-Test Operation") == l.current_operation &&
                      jnum(root, "Current Device Self-Test Completion") == l.completion_percent,
              "current operation and completion match nvme-cli");
        list = cJSON_GetObjectItemCaseSensitive(root, "List of Valid Reports");
        for (const cJSON *e = list ? list->child : NULL; e; e = e->next) {
                const struct sm_nvme_self_test_result *m;

                if (jnum(e, "Self test result") == 15)
                        continue;
                if ((unsigned)i >= l.n_newest) {
                        i++;
                        continue;
                }
                m = &l.newest[i++];
                CHECK(jnum(e, "Self test result") == m->result &&
                              jnum(e, "Self test code") == m->code &&
                              jnum(e, "Segment number") == m->segment &&
                              jnum(e, "Valid Diagnostic Information") == m->valid &&
                              jnum(e, "Power on hours") == (double)m->power_on_hours,
                      "result %d matches nvme-cli", i - 1);
                if (m->valid & SM_NVME_ST_VALID_NSID)
                        CHECK(jnum(e, "Namespace Identifier") == m->nsid, "result %d NSID", i - 1);
                if (m->valid & SM_NVME_ST_VALID_FLBA)
                        CHECK(jnum(e, "Failing LBA") == (double)m->failing_lba,
                              "result %d failing LBA", i - 1);
                if (m->valid & SM_NVME_ST_VALID_SCT)
                        CHECK(jnum(e, "Status Code Type") == m->sct, "result %d SCT", i - 1);
                if (m->valid & SM_NVME_ST_VALID_SC)
                        CHECK(jnum(e, "Status Code") == m->sc, "result %d SC", i - 1);
        }
        CHECK((unsigned)i == l.n_results, "results in use: nvme-cli %d, ours %u", i, l.n_results);
        cJSON_Delete(root);
        free(out);
}

static uint8_t *slurp_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "re");
        uint8_t *buf = malloc(65536);

        *len = 0;
        if (f && buf)
                *len = fread(buf, 1, 65536, f);
        if (f)
                fclose(f);
        return buf;
}

/*
 * The replay captures in the demo data: decoded as nvme-cli decodes them, and
 * nvme-cli's capture commands write back the same bytes (so the documented
 * commands are the right ones: `nvme error-log -b`, and for the self-test log
 * `nvme get-log --log-id=6 --log-len=564 -b`; nvme-cli 2.3's `self-test-log -o
 * binary` writes nothing).
 */
static void test_demo_captures(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        static const char *const stems[] = {"nvme-synthetic-worn-out"};

        for (size_t i = 0; root && i < sizeof(stems) / sizeof(stems[0]); i++) {
                char path[512], args[96];
                size_t len = 0, olen = 0;
                uint8_t *page;
                char *out;

                snprintf(path, sizeof(path), "%s/test/data/demo/%s.error-log", root, stems[i]);
                page = slurp_file(path, &len);
                CHECK(len >= 64 && len % 64 == 0, "%s: %zu bytes", path, len);
                cli_error_log(path, page, len);
                out = nvme_cli_run("SM_NVME_MOCK_ERRLOG", path, "error-log -b", dev, &olen);
                CHECK(out && olen == len && memcmp(out, page, len) == 0,
                      "%s: `nvme error-log -b` writes the capture back (%zu bytes)", stems[i],
                      olen);
                free(out);
                free(page);

                snprintf(path, sizeof(path), "%s/test/data/demo/%s.self-test-log", root, stems[i]);
                page = slurp_file(path, &len);
                CHECK(len == 564, "%s: %zu bytes", path, len);
                if (len == 564)
                        cli_self_test(path, page);
                snprintf(args, sizeof(args), "get-log --log-id=6 --log-len=564 -b");
                out = nvme_cli_run("SM_NVME_MOCK_SELFTEST", path, args, dev, &olen);
                CHECK(out && olen == len && memcmp(out, page, len) == 0,
                      "%s: `nvme %s` writes the capture back (%zu bytes)", stems[i], args, olen);
                free(out);
                free(page);
        }
}

int main(void)
{
        const char *tmp = getenv("TMPDIR");
        uint8_t full[256], st[564], wrapped[1024];
        char wrapped_path[200];

        if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "ioctl_mock")) {
                fprintf(stderr, "run with LD_PRELOAD=.../ioctl_mock.so (meson test does)\n");
                return 1;
        }
        snprintf(dir, sizeof(dir), "%s/ssdmon-nvme-logs-XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 2;
        }
        snprintf(dev, sizeof(dev), "%s/nvme0", dir);
        snprintf(id_path, sizeof(id_path), "%s/hand.id-ctrl", dir);
        snprintf(err_path, sizeof(err_path), "%s/hand.error-log", dir);
        snprintf(st_path, sizeof(st_path), "%s/hand.self-test-log", dir);
        snprintf(wrapped_path, sizeof(wrapped_path), "%s/wrapped.error-log", dir);
        snprintf(log_path, sizeof(log_path), "%s/commands.log", dir);
        build_full(full);
        build_self_test(st, 0x01, 35, aborted_in, 3);
        for (int i = 0; i < 16; i++) {
                struct err_entry_in e = {.count = 300u - (unsigned)i,
                                         .sqid = 1,
                                         .cid = (uint16_t)i,
                                         .sf = 0x0502,
                                         .lba = 5000u + (unsigned)i,
                                         .nsid = 1};

                put_err_entry(wrapped + 64 * i, &e);
        }
        write_file(dev, "", 0);
        write_file(err_path, full, sizeof(full));
        write_file(st_path, st, sizeof(st));
        write_file(wrapped_path, wrapped, sizeof(wrapped));
        setenv("SM_NVME_MOCK_DEV", dev, 1);
        setenv("SM_NVME_MOCK_LOG", log_path, 1);
        unsetenv("SM_NVME_MOCK_SMART");
        unsetenv("SM_NVME_MOCK_IDCTRL");

        test_gating();
        test_commands(err_path, st_path);
        test_decode_full(full);
        test_decode_shapes();
        test_decode_self_test(st);
        snprintf(smart_path, sizeof(smart_path), "%s/hand.smart-log", dir);
        test_collector(err_path, st_path);

        unsetenv("SM_NVME_MOCK_LOG");
        have_cli = system("nvme version >/dev/null 2>&1") == 0;
        if (have_cli) {
                cli_error_log(err_path, full, sizeof(full));
                cli_error_log(wrapped_path, wrapped, sizeof(wrapped));
                cli_self_test(st_path, st);
                test_demo_captures();
        } else {
                printf("# nvme-cli not installed: the cross-check against it is skipped\n");
        }

        unlink(dev);
        unlink(id_path);
        unlink(err_path);
        unlink(st_path);
        unlink(wrapped_path);
        unlink(log_path);
        rmdir(dir);
        return check_summary();
}
