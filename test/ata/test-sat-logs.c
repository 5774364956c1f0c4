/* SPDX-License-Identifier: MIT */
/*
 * test-sat-logs - the SAT log path (collectors/sat.c over libsgutils2) against an
 * emulated drive: sat_mock.so (preloaded by meson) answers SG_IO from files this
 * test writes byte by byte from the ACS-4 layouts. Checks:
 *  - the exact ATA PASS-THROUGH(16) CDB of every command, in order (hand-written
 *    from SAT-4/ACS-4, and equal to what the real smartctl sends for the same read);
 *  - Device Statistics: page 00h first, then only listed pages (page 06h exists
 *    but is not listed: never asked), unsupported and supported-but-invalid qwords
 *    are absent, a negative temperature, the normalized flag ignored;
 *  - the GPL path (READ LOG EXT) and the SMART path (SMART READ LOG, one contiguous
 *    read of pages 0..max), chosen by IDENTIFY word 84/87 bit 5 and the directories;
 *  - error logs 03h (two pages, the newest entry on page 1) and 01h, self-test logs
 *    07h and 06h (a read failure with its LBA, then newer passes);
 *  - a short transfer, a CHECK CONCONDITION (descriptor and fixed sense), a transport
 *    failure (nothing sent after it), and a drive without GPL/SMART logging (nothing
 *    sent at all);
 *  - the decoded values equal the real smartctl's (`-d sat -j -l devstat -l xerror
 *    -l xselftest`, `-l error -l selftest`) on the same emulated drive.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/ata_log.h"
#include "collectors/sat.h"
#include "test/check.h"

static char dir[64], dev[96], logpath[96];

/* ---- building the drive, byte by byte ---- */

struct drive {
        uint8_t identify[512];
        uint8_t gdir[512], sdir[512];
        uint8_t devstat[8 * 512];
        uint8_t xerr[2 * 512], serr[512];
        uint8_t xst[512], sst[512];
};

static void put16(uint8_t *p, unsigned v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void sum(uint8_t *s)
{
        uint8_t c = 0;

        for (int i = 0; i < 511; i++)
                c = (uint8_t)(c + s[i]);
        s[511] = (uint8_t)(0x100 - c);
}

static void id_string(uint8_t *id, unsigned word, unsigned len, const char *s)
{
        size_t n = strlen(s);

        for (unsigned i = 0; i < len; i++) {
                char c = i < n ? s[i] : ' ';

                id[2 * word + (i ^ 1)] = (uint8_t)c;
        }
}

/* A qword of Device Statistics page `page` at byte `off`: value, then flags in byte 7. */
static void qw(struct drive *d, unsigned page, unsigned off, uint64_t value, uint8_t flags)
{
        uint8_t *q = d->devstat + 512 * page + off;

        put_le(q, value, 7);
        q[7] = flags;
}

static void build(struct drive *d, bool gpl, bool logging)
{
        unsigned w84 = 0x4000 | (logging ? 0x0003 : 0) | (gpl ? 0x0020 : 0);
        uint8_t *p;

        memset(d, 0, sizeof(*d));
        /* IDENTIFY: model/serial/firmware, SMART supported+enabled, 84/87 as asked */
        put16(d->identify + 0, 0x0040);
        id_string(d->identify, 10, 20, "MOCK0001");
        id_string(d->identify, 23, 8, "FW01");
        id_string(d->identify, 27, 40, "MOCK SATA SSD");
        put16(d->identify + 2 * 49, 0x0300);
        put16(d->identify + 2 * 82, 0x4001);
        put16(d->identify + 2 * 83, 0x4400);
        put16(d->identify + 2 * 84, w84);
        put16(d->identify + 2 * 85, 0x4001);
        put16(d->identify + 2 * 86, 0x0400);
        put16(d->identify + 2 * 87, w84);
        put16(d->identify + 2 * 100, 0x1000);
        put16(d->identify + 2 * 217, 1);
        d->identify[510] = 0xA5;
        sum(d->identify);

        /* GPL directory: 03h 2 pages, 04h 8 pages, 07h 1 page; SMART: 01h, 04h 8, 06h */
        put16(d->gdir, 1);
        put16(d->gdir + 2 * 0x03, 2);
        put16(d->gdir + 2 * 0x04, 8);
        put16(d->gdir + 2 * 0x07, 1);
        put16(d->sdir, 1);
        put16(d->sdir + 2 * 0x01, 1);
        put16(d->sdir + 2 * 0x04, 8);
        put16(d->sdir + 2 * 0x06, 1);

        /* Device Statistics page 00h: revision 1, page 0, 4 entries: 00 01 05 07 (pages
         * 04h and 06h exist in the log but are not listed) */
        p = d->devstat;
        put16(p, 1);
        p[2] = 0x00;
        p[8] = 4;
        p[9] = 0x00;
        p[10] = 0x01;
        p[11] = 0x05;
        p[12] = 0x07;
        for (unsigned pg = 1; pg <= 7; pg++) {
                if (pg == 2 || pg == 3)
                        continue;
                put16(d->devstat + 512 * pg, 1);
                d->devstat[512 * pg + 2] = (uint8_t)pg;
        }
        /* 01h: resets 13, hours 14551, written 64777770148, read supported but NOT valid */
        qw(d, 1, 0x08, 13, 0xC0);
        qw(d, 1, 0x10, 14551, 0xC0);
        qw(d, 1, 0x18, 64777770148ull, 0xC0);
        qw(d, 1, 0x20, 1348861990ull, 0xC0);
        qw(d, 1, 0x28, 34909544344ull, 0x80);
        /* 04h (not listed): a valid uncorrectable count that must not show */
        qw(d, 4, 0x08, 5, 0xC0);
        /* 05h: current 36, highest NOT supported (flags 0, a value that must not show),
         * lowest -5 (two's complement FBh) */
        qw(d, 5, 0x08, 36, 0xC0);
        qw(d, 5, 0x20, 99, 0x00);
        qw(d, 5, 0x28, 0xFB, 0xC0);
        /* 06h: exists but page 00h does not list it */
        qw(d, 6, 0x08, 133, 0xC0);
        /* 07h: 87 % used, VALID + NORMALIZED */
        qw(d, 7, 0x08, 87, 0xE0);

        /* Extended comprehensive error log 03h, 2 pages (8 entries): errors 3, 4, 5 at
         * indices 3, 4 (page 0 slots 2, 3) and 5 (page 1 slot 0); count 5, index 5. */
        for (unsigned pg = 0; pg < 2; pg++)
                d->xerr[512 * pg] = 1;
        put16(d->xerr + 2, 5);
        put16(d->xerr + 500, 5);
        for (unsigned k = 0; k < 3; k++) {
                unsigned idx = 3 + k, pg = (idx - 1) / 4, slot = (idx - 1) % 4;
                uint8_t *e = d->xerr + 512 * pg + 4 + 124 * slot;
                uint8_t *cmd = e + 18 * 4, *er = e + 90;
                uint64_t lba = 0x00123456789Aull + k;

                /* command that failed: READ FPDMA QUEUED (60h), 8 sectors, in slot 4 */
                cmd[1] = 0x08;
                cmd[5] = (uint8_t)lba;
                cmd[6] = (uint8_t)(lba >> 24);
                cmd[7] = (uint8_t)(lba >> 8);
                cmd[8] = (uint8_t)(lba >> 32);
                cmd[9] = (uint8_t)(lba >> 16);
                cmd[10] = (uint8_t)(lba >> 40);
                cmd[11] = 0x40;
                cmd[12] = 0x60;
                put_le(cmd + 14, 1000u * (k + 1), 4);
                /* an older command in slot 3: FLUSH CACHE EXT */
                e[18 * 3 + 12] = 0xEA;
                put_le(e + 18 * 3 + 14, 900u * (k + 1), 4);
                er[1] = 0x40; /* UNC */
                er[2] = 0x08;
                er[4] = (uint8_t)lba;
                er[5] = (uint8_t)(lba >> 24);
                er[6] = (uint8_t)(lba >> 8);
                er[7] = (uint8_t)(lba >> 32);
                er[8] = (uint8_t)(lba >> 16);
                er[9] = (uint8_t)(lba >> 40);
                er[10] = 0x40;
                er[11] = 0x41; /* DRDY ERR */
                er[31] = 0x03;
                put16(er + 32, 14000 + k);
        }
        sum(d->xerr);
        sum(d->xerr + 512);

        /* Summary error log 01h: count 7 (5 kept), index 2; entries in slots 0 and 1 */
        d->serr[0] = 1;
        d->serr[1] = 2;
        put16(d->serr + 452, 7);
        for (unsigned slot = 0; slot < 2; slot++) {
                uint8_t *e = d->serr + 2 + 90 * slot, *cmd = e + 12 * 4, *er = e + 60;

                cmd[1] = 0x00;
                cmd[2] = 0x01;
                cmd[3] = 0x78;
                cmd[4] = 0x56;
                cmd[5] = 0x34;
                cmd[6] = 0xE2; /* LBA mode, LBA 27:24 = 2 */
                cmd[7] = 0xC8; /* READ DMA */
                put_le(cmd + 8, 5000u + slot, 4);
                er[1] = 0x40;
                er[2] = 0x01;
                er[3] = (uint8_t)(0x78 + slot);
                er[4] = 0x56;
                er[5] = 0x34;
                er[6] = 0xE2;
                er[7] = 0x51;
                er[27] = 0x03;
                put16(er + 28, 12000 + slot);
        }
        sum(d->serr);

        /* Extended self-test log 07h: #1 extended ok (12000 h), #2 short offline read
         * failure, 90 % remaining, LBA 123456789h (13000 h), #3 short ok (14000 h). */
        d->xst[0] = 1;
        put16(d->xst + 2, 3);
        {
                uint8_t *x = d->xst + 4;

                x[0] = 0x02;
                x[1] = 0x00;
                put16(x + 2, 12000);
                x += 26;
                x[0] = 0x01;
                x[1] = 0x79;
                put16(x + 2, 13000);
                put_le(x + 5, 0x123456789ull, 6);
                x[11] = 0x5A; /* vendor specific (11-25), not part of the 48-bit LBA */
                x += 26;
                x[0] = 0x01;
                x[1] = 0x00;
                put16(x + 2, 14000);
        }
        sum(d->xst);
        /* SMART self-test log 06h: the same three tests, 32-bit LBA field */
        put16(d->sst, 1);
        d->sst[508] = 3;
        {
                uint8_t *x = d->sst + 2;

                x[0] = 0x02;
                put16(x + 2, 12000);
                x += 24;
                x[0] = 0x01;
                x[1] = 0x79;
                put16(x + 2, 13000);
                put_le(x + 5, 0x0456789Au, 4);
                x[9] = 0x5A; /* vendor specific (9-23), not part of the 32-bit LBA field */
                x += 24;
                x[0] = 0x01;
                put16(x + 2, 14000);
        }
        sum(d->sst);
}

static void write_file(const char *name, const void *buf, size_t len)
{
        char path[600];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fwrite(buf, 1, len, f) != len) {
                fprintf(stderr, "cannot write %s\n", path);
                exit(2);
        }
        fclose(f);
}

static void install(const struct drive *d, bool gpl)
{
        char cmd[1200];

        snprintf(cmd, sizeof(cmd), "rm -f %s/gpl-* %s/smart-* %s", dir, dir, logpath);
        if (system(cmd) != 0)
                exit(2);
        write_file("identify", d->identify, 512);
        write_file("smart-00", d->sdir, 512);
        write_file("smart-01", d->serr, 512);
        write_file("smart-04", d->devstat, sizeof(d->devstat));
        write_file("smart-06", d->sst, 512);
        if (gpl) {
                write_file("gpl-00", d->gdir, 512);
                write_file("gpl-03", d->xerr, sizeof(d->xerr));
                write_file("gpl-04", d->devstat, sizeof(d->devstat));
                write_file("gpl-07", d->xst, 512);
        }
}

/* ---- the command trace ---- */

static char trace[64][256];
static unsigned n_trace;

static void load_trace(void)
{
        FILE *f = fopen(logpath, "re");
        char line[256];

        n_trace = 0;
        if (!f)
                return;
        while (fgets(line, sizeof(line), f) && n_trace < 64) {
                line[strcspn(line, "\n")] = '\0';
                memcpy(trace[n_trace++], line, sizeof(trace[0]));
        }
        fclose(f);
        unlink(logpath);
}

/* The expected line for a log read, written out from SAT-4/ACS-4 by hand. */
static void want_gpl(char *buf, size_t len, unsigned log, unsigned page, unsigned count)
{
        snprintf(buf, len,
                 "cdb=85 09 0e 00 00 %02x %02x 00 %02x %02x %02x 00 00 00 2f 00 dir=from len=%u",
                 count >> 8, count & 0xFF, log, page >> 8, page & 0xFF, 512 * count);
}

static void want_smart(char *buf, size_t len, unsigned log, unsigned count)
{
        snprintf(buf, len,
                 "cdb=85 08 0e 00 d5 %02x %02x 00 %02x 00 4f 00 c2 00 b0 00 dir=from len=%u",
                 count >> 8, count & 0xFF, log, 512 * count);
}

static void check_trace(const char *what, char want[][80], unsigned n)
{
        CHECK(n_trace == n, "%s: %u commands sent, want %u", what, n_trace, n);
        for (unsigned i = 0; i < n && i < n_trace; i++)
                CHECK(strcmp(trace[i], want[i]) == 0, "%s: command %u\n  got  %s\n  want %s", what,
                      i, trace[i], want[i]);
}

static int read_logs(struct sm_ata_logs *l, const struct drive *d, unsigned *n_cmds)
{
        int fd = open(dev, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        *n_cmds = sm_sat_read_logs(fd, d->identify, 2000, l);
        close(fd);
        load_trace();
        return 0;
}

/* ---- smartctl, the independent reference ---- */

static cJSON *smartctl(const char *opts)
{
        char cmd[800];
        FILE *p;
        char *out;
        cJSON *j;

        snprintf(cmd, sizeof(cmd), "smartctl -d sat -j %s %s 2>/dev/null", opts, dev);
        p = popen(cmd, "re");
        if (!p)
                return NULL;
        out = check_slurp_stream(p, NULL);
        pclose(p);
        unlink(logpath);
        j = out ? cJSON_Parse(out) : NULL;
        free(out);
        return j;
}

static cJSON *path(cJSON *j, const char *const *keys)
{
        for (; j && *keys; keys++)
                j = cJSON_GetObjectItemCaseSensitive(j, *keys);
        return j;
}

#define PATH(j, ...) path((j), (const char *const[]){__VA_ARGS__, NULL})

static double num(cJSON *j, const char *key, double dflt)
{
        cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

        return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* smartctl's entry for page/offset: -1 absent, 0 present not valid, 1 valid (value in *v) */
static int sc_stat(cJSON *j, int page, int offset, double *v)
{
        cJSON *pages = PATH(j, "ata_device_statistics", "pages"), *pg, *e;

        cJSON_ArrayForEach(pg, pages) {
                if (num(pg, "number", -1) != page)
                        continue;
                cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(pg, "table")) {
                        if (num(e, "offset", -1) != offset)
                                continue;
                        if (!cJSON_IsTrue(PATH(e, "flags", "valid")))
                                return 0;
                        *v = num(e, "value", -1);
                        return 1;
                }
        }
        return -1;
}

static void cmp_u(cJSON *j, int page, int off, const struct sm_devstat_u64 *s, const char *name)
{
        double v = 0;
        int r = sc_stat(j, page, off, &v);

        CHECK((r == 1) == s->present, "%s: smartctl says %s, we say %s", name,
              r == 1 ? "valid" : "absent", s->present ? "present" : "absent");
        if (r == 1 && s->present)
                CHECK((double)s->value == v, "%s: %llu vs smartctl %.0f", name,
                      (unsigned long long)s->value, v);
}

static void cmp_i8(cJSON *j, int page, int off, const struct sm_devstat_i8 *s, const char *name)
{
        double v = 0;
        int r = sc_stat(j, page, off, &v);

        CHECK((r == 1) == s->present, "%s: smartctl %d, we %d", name, r, s->present);
        if (r == 1 && s->present)
                CHECK((double)s->value == v, "%s: %d vs smartctl %.0f", name, s->value, v);
}

static void cmp_devstat(cJSON *j, const struct sm_devstat *ds, const char *what)
{
        char n[128];

        CHECK(PATH(j, "ata_device_statistics", "pages") != NULL, "%s: smartctl has no devstat",
              what);
#define C(page, off, field)                                                    \
        do {                                                                   \
                snprintf(n, sizeof(n), "%s: %s", what, #field);                \
                _Generic(ds->field, struct sm_devstat_u64                      \
                         : cmp_u, struct sm_devstat_i8                         \
                         : cmp_i8)(j, page, off, (const void *)&ds->field, n); \
        } while (0)
        C(1, 0x08, power_cycles);
        C(1, 0x10, power_on_hours);
        C(1, 0x18, logical_sectors_written);
        C(1, 0x28, logical_sectors_read);
        C(4, 0x08, reported_uncorrectable_errors);
        C(5, 0x08, temp_current);
        C(5, 0x20, temp_max);
        C(5, 0x28, temp_min);
        C(7, 0x08, percentage_used);
#undef C
}

static void cmp_errors(cJSON *j, const struct sm_ata_error_log *l, const char *key,
                       const char *what)
{
        cJSON *log = PATH(j, "ata_smart_error_log", key), *e;
        unsigned k = 0;

        CHECK(log != NULL, "%s: smartctl has no %s error log", what, key);
        CHECK(num(log, "count", -1) == (double)l->count, "%s: count %u vs smartctl %.0f", what,
              l->count, num(log, "count", -1));
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(log, "table")) {
                cJSON *regs = cJSON_GetObjectItemCaseSensitive(e, "completion_registers");
                cJSON *prev = cJSON_GetArrayItem(
                        cJSON_GetObjectItemCaseSensitive(e, "previous_commands"), 0);
                const struct sm_ata_error *x;
                double lba;

                if (!regs)
                        continue; /* smartctl lists empty slots too */
                if (k >= l->n_entries || k >= SM_ATA_ERR_MAX)
                        break;
                x = &l->entries[k++];
                lba = num(regs, "lba", -1);
                if (!l->extended) /* smartctl's summary LBA has 24 bits; 27:24 are in DEVICE */
                        lba += (double)(((unsigned)num(regs, "device", 0) & 0x0F) << 24);
                CHECK(num(e, "error_number", -1) == x->number, "%s: error number %u vs %.0f", what,
                      x->number, num(e, "error_number", -1));
                CHECK(num(e, "lifetime_hours", -1) == x->power_on_hours, "%s: hours %u vs %.0f",
                      what, x->power_on_hours, num(e, "lifetime_hours", -1));
                CHECK(num(regs, "error", -1) == x->error && num(regs, "status", -1) == x->status &&
                              num(regs, "count", -1) == x->count,
                      "%s: registers of error %u", what, x->number);
                CHECK(lba == (double)x->lba, "%s: LBA %llx vs %.0f", what,
                      (unsigned long long)x->lba, lba);
                CHECK(prev && x->has_command &&
                              num(PATH(prev, "registers"), "command", -1) == x->command &&
                              num(PATH(prev, "registers"), "features", -1) == x->features &&
                              num(prev, "powerup_milliseconds", -1) == x->command_timestamp_ms,
                      "%s: failing command of error %u: %02x", what, x->number, x->command);
        }
        CHECK(k == l->n_entries, "%s: smartctl lists %u filled entries, we %u", what, k,
              l->n_entries);
}

static void cmp_self_tests(cJSON *j, const struct sm_ata_self_test_log *l, const char *key,
                           const char *what)
{
        cJSON *log = PATH(j, "ata_smart_self_test_log", key), *e;
        unsigned k = 0;

        CHECK(log != NULL, "%s: smartctl has no %s self-test log", what, key);
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(log, "table")) {
                const struct sm_ata_self_test *t;
                cJSON *lba = cJSON_GetObjectItemCaseSensitive(e, "lba");

                if (k >= l->n_entries)
                        break;
                t = &l->entries[k++];
                CHECK(num(PATH(e, "type"), "value", -1) == t->type, "%s: type", what);
                CHECK(num(PATH(e, "status"), "value", -1) ==
                              (double)((t->status << 4) | (t->remaining_pct / 10)),
                      "%s: status %x/%u vs %.0f", what, t->status, t->remaining_pct,
                      num(PATH(e, "status"), "value", -1));
                CHECK_STR(cJSON_GetStringValue(PATH(e, "status", "string")),
                          sm_ata_self_test_status_str(t->status), what);
                CHECK(num(e, "lifetime_hours", -1) == t->power_on_hours, "%s: hours", what);
                CHECK((lba != NULL) == t->has_failing_lba &&
                              (!lba || lba->valuedouble == (double)t->failing_lba),
                      "%s: failing LBA %llx", what, (unsigned long long)t->failing_lba);
        }
        CHECK(k == l->n_entries, "%s: %u entries vs ours %u", what, k, l->n_entries);
        if (cJSON_GetObjectItemCaseSensitive(log, "error_count_total"))
                CHECK(num(log, "error_count_total", 0) - num(log, "error_count_outdated", 0) ==
                              l->n_failed,
                      "%s: failed count %u", what, l->n_failed);
}

/* ---- the scenarios ---- */

static void expect_devstat(const struct sm_devstat *ds, const char *what)
{
        CHECK(ds->read_ok, "%s: devstat not read (%s)", what, ds->why);
        CHECK(ds->n_pages == 4 && ds->pages[3] == 0x07, "%s: page list (%u)", what, ds->n_pages);
        CHECK(ds->power_cycles.present && ds->power_cycles.value == 13, "%s: power cycles", what);
        CHECK(ds->power_on_hours.present && ds->power_on_hours.value == 14551, "%s: hours", what);
        CHECK(ds->logical_sectors_written.present &&
                      ds->logical_sectors_written.value == 64777770148ull,
              "%s: written", what);
        CHECK(!ds->logical_sectors_read.present, "%s: supported-but-invalid read counter shown",
              what);
        CHECK(!ds->reported_uncorrectable_errors.present, "%s: statistic of an unlisted page shown",
              what);
        CHECK(ds->temp_current.present && ds->temp_current.value == 36, "%s: temp", what);
        CHECK(!ds->temp_max.present, "%s: unsupported statistic shown", what);
        CHECK(ds->temp_min.present && ds->temp_min.value == -5, "%s: temp min %d", what,
              ds->temp_min.value);
        CHECK(ds->percentage_used.present && ds->percentage_used.value == 87, "%s: used", what);
}

static void scenario_gpl(void)
{
        struct drive d;
        struct sm_ata_logs l;
        unsigned n;
        char want[16][80];
        cJSON *j;

        build(&d, true, true);
        install(&d, true);
        CHECK(read_logs(&l, &d, &n) == 0, "gpl: open");
        want_gpl(want[0], 80, 0x00, 0, 1);
        want_gpl(want[1], 80, 0x04, 0, 1);
        want_gpl(want[2], 80, 0x04, 1, 1);
        want_gpl(want[3], 80, 0x04, 5, 1);
        want_gpl(want[4], 80, 0x04, 7, 1);
        want_gpl(want[5], 80, 0x03, 0, 1);
        want_gpl(want[6], 80, 0x03, 1, 1);
        want_gpl(want[7], 80, 0x07, 0, 1);
        check_trace("gpl", want, 8);
        CHECK(n == 8, "gpl: %u commands counted", n);
        expect_devstat(&l.devstat, "gpl");
        CHECK(l.devstat.gpl, "gpl: not read with READ LOG EXT");
        CHECK(l.errors.present && l.errors.extended && l.errors.count == 5 &&
                      l.errors.n_entries == 3,
              "gpl: error log present %d count %u entries %u (%s)", l.errors.present,
              l.errors.count, l.errors.n_entries, l.errors.why);
        CHECK(l.errors.entries[0].number == 5 && l.errors.entries[0].lba == 0x00123456789Cull &&
                      l.errors.entries[0].command == 0x60 &&
                      l.errors.entries[0].power_on_hours == 14002 &&
                      l.errors.entries[0].error == 0x40 && l.errors.entries[0].status == 0x41,
              "gpl: newest error");
        CHECK(l.self_tests.present && l.self_tests.extended && l.self_tests.n_entries == 3 &&
                      l.self_tests.n_failed == 1 && l.self_tests.n_logged == 3,
              "gpl: self-tests present %d entries %u failed %u", l.self_tests.present,
              l.self_tests.n_entries, l.self_tests.n_failed);
        CHECK(l.self_tests.entries[1].status == 7 && l.self_tests.entries[1].remaining_pct == 90 &&
                      l.self_tests.entries[1].has_failing_lba &&
                      l.self_tests.entries[1].failing_lba == 0x123456789ull &&
                      !l.self_tests.entries[0].has_failing_lba,
              "gpl: failed self-test");

        j = smartctl("-l devstat -l xerror -l xselftest");
        CHECK(j != NULL, "gpl: smartctl JSON");
        if (j) {
                cmp_devstat(j, &l.devstat, "gpl vs smartctl");
                cmp_errors(j, &l.errors, "extended", "gpl vs smartctl");
                cmp_self_tests(j, &l.self_tests, "extended", "gpl vs smartctl");
                cJSON_Delete(j);
        }
        /* smartctl's own READ LOG EXT of log 04h page 07h is byte for byte our CDB */
        if (system("true") == 0) {
                char cmd[800];
                bool found = false;

                snprintf(cmd, sizeof(cmd),
                         "SM_SAT_MOCK_LOG=%s smartctl -d sat -l devstat,7 %s >/dev/null 2>&1",
                         logpath, dev);
                if (system(cmd) >= 0) {
                        load_trace();
                        for (unsigned i = 0; i < n_trace; i++)
                                found = found || strcmp(trace[i], want[4]) == 0;
                }
                CHECK(found, "smartctl's READ LOG EXT 04h/07h differs from ours (%u commands)",
                      n_trace);
        }
}

static void scenario_smart(void)
{
        struct drive d;
        struct sm_ata_logs l;
        unsigned n;
        char want[8][80];
        cJSON *j;

        build(&d, false, true);
        install(&d, false);
        CHECK(read_logs(&l, &d, &n) == 0, "smart: open");
        want_smart(want[0], 80, 0x00, 1);
        want_smart(want[1], 80, 0x04, 1);
        want_smart(want[2], 80, 0x04, 8);
        want_smart(want[3], 80, 0x01, 1);
        want_smart(want[4], 80, 0x06, 1);
        check_trace("smart", want, 5);
        expect_devstat(&l.devstat, "smart");
        CHECK(!l.devstat.gpl, "smart: devstat claims GPL");
        CHECK(l.errors.present && !l.errors.extended && l.errors.count == 7 &&
                      l.errors.n_entries == 2 && l.errors.entries[0].number == 7 &&
                      l.errors.entries[0].lba == 0x02345679u && l.errors.entries[0].command == 0xC8,
              "smart: summary error log (%s)", l.errors.why);
        CHECK(l.self_tests.present && !l.self_tests.extended && l.self_tests.n_entries == 3 &&
                      l.self_tests.entries[1].failing_lba == 0x0456789Au,
              "smart: self-test log (%s)", l.self_tests.why);
        j = smartctl("-l devstat -l error -l selftest");
        CHECK(j != NULL, "smart: smartctl JSON");
        if (j) {
                cmp_devstat(j, &l.devstat, "smart vs smartctl");
                cmp_errors(j, &l.errors, "summary", "smart vs smartctl");
                cmp_self_tests(j, &l.self_tests, "standard", "smart vs smartctl");
                cJSON_Delete(j);
        }

        /* page 07h not in the directory's page count (4 pages): not asked, and said so */
        put16(d.sdir + 2 * 0x04, 4);
        install(&d, false);
        CHECK(read_logs(&l, &d, &n) == 0, "smart short dir: open");
        want_smart(want[2], 80, 0x04, 2); /* listed pages below 4: 01h only */
        CHECK(n_trace >= 3 && strcmp(trace[2], want[2]) == 0, "smart short dir: %s",
              n_trace >= 3 ? trace[2] : "-");
        CHECK(!l.devstat.percentage_used.present && !l.devstat.temp_current.present &&
                      l.devstat.power_on_hours.present,
              "smart short dir: pages past the directory's count used");
}

static void scenario_errors(void)
{
        struct drive d;
        struct sm_ata_logs l;
        unsigned n;

        build(&d, true, true);
        install(&d, true);

        /* short transfer of page 05h: its statistics absent, the rest fine */
        setenv("SM_SAT_MOCK_SHORT", "2f:04:05", 1);
        read_logs(&l, &d, &n);
        unsetenv("SM_SAT_MOCK_SHORT");
        CHECK(!l.devstat.temp_current.present && !l.devstat.temp_max.present,
              "short: temperatures from a half page");
        CHECK(strstr(l.devstat.why, "short transfer") != NULL, "short: why '%s'", l.devstat.why);
        CHECK(l.devstat.percentage_used.present && l.devstat.power_on_hours.present &&
                      l.errors.present && l.self_tests.present,
              "short: other reads lost");

        /* CHECK CONDITION (ABORTED COMMAND + ATA status) on page 07h, descriptor sense */
        setenv("SM_SAT_MOCK_ABORT", "2f:04:07", 1);
        read_logs(&l, &d, &n);
        CHECK(!l.devstat.percentage_used.present && l.devstat.temp_current.present,
              "abort: page 07h");
        CHECK(strstr(l.devstat.why, "Aborted Command") && strstr(l.devstat.why, "status 51h") &&
                      strstr(l.devstat.why, "error 04h"),
              "abort: why '%s'", l.devstat.why);
        CHECK(n == 8 && l.errors.present, "abort: sequence did not go on (%u)", n);
        /* the same in fixed-format sense */
        setenv("SM_SAT_MOCK_FIXED", "1", 1);
        read_logs(&l, &d, &n);
        CHECK(!l.devstat.percentage_used.present &&
                      strstr(l.devstat.why, "status 51h error 04h") != NULL,
              "abort fixed: why '%s'", l.devstat.why);
        unsetenv("SM_SAT_MOCK_FIXED");
        unsetenv("SM_SAT_MOCK_ABORT");

        /* transport failure (ioctl EIO) on page 05h: nothing is sent after it */
        setenv("SM_SAT_MOCK_EIO", "2f:04:05", 1);
        read_logs(&l, &d, &n);
        unsetenv("SM_SAT_MOCK_EIO");
        CHECK(n_trace == 4 && n == 4, "eio: %u commands after a transport failure", n_trace);
        CHECK(!l.errors.present && strstr(l.errors.why, "not read") != NULL,
              "eio: error log why '%s'", l.errors.why);
        CHECK(l.devstat.power_on_hours.present && !l.devstat.percentage_used.present,
              "eio: devstat");

        /* no GPL, no error logging, no self-test: not one command */
        build(&d, false, false);
        install(&d, false);
        read_logs(&l, &d, &n);
        CHECK(n_trace == 0 && n == 0, "no logging: %u commands", n_trace);
        CHECK(!l.devstat.read_ok && strstr(l.devstat.why, "neither") != NULL,
              "no logging: why '%s'", l.devstat.why);

        /* GPL without error logging/self-test bits: only the GPL directory and log 04h */
        build(&d, true, false);
        put16(d.identify + 2 * 84, 0x4020);
        put16(d.identify + 2 * 87, 0x4020);
        install(&d, true);
        read_logs(&l, &d, &n);
        CHECK(n_trace == 5, "gpl only: %u commands", n_trace);
        for (unsigned i = 0; i < n_trace; i++)
                CHECK(strstr(trace[i], " 04 00 ") || strstr(trace[i], "01 00 00 00 00 00 00 00 2f"),
                      "gpl only: unexpected %s", trace[i]);
        CHECK(!l.errors.present && strstr(l.errors.why, "error logging not supported"),
              "gpl only: error why '%s'", l.errors.why);

        /* page 00h that does not say page 00h: nothing else read from log 04h */
        build(&d, true, true);
        d.devstat[2] = 0x01;
        install(&d, true);
        read_logs(&l, &d, &n);
        CHECK(!l.devstat.read_ok && strstr(l.devstat.why, "page 00h invalid"), "bad page 0: '%s'",
              l.devstat.why);
        CHECK(n == 5, "bad page 0: %u commands", n);
}

/* Pure decoders: a page whose header names another page is ignored as a whole. */
static void pure(void)
{
        struct drive d;
        struct sm_devstat ds;
        uint8_t cap[3 * 512];

        build(&d, true, true);
        sm_devstat_init(&ds);
        CHECK(sm_devstat_decode_list(d.devstat, &ds) == 0, "list");
        CHECK(sm_devstat_decode_page(d.devstat + 512 * 5, 7, &ds) < 0 &&
                      !ds.percentage_used.present,
              "page 05h taken for 07h");
        /* capture: page 00h, then 07h and 05h (any order), nothing else */
        memcpy(cap, d.devstat, 512);
        memcpy(cap + 512, d.devstat + 512 * 7, 512);
        memcpy(cap + 1024, d.devstat + 512 * 5, 512);
        CHECK(sm_devstat_decode_capture(cap, sizeof(cap), &ds) == 0, "capture: %s", ds.why);
        CHECK(ds.percentage_used.present && ds.percentage_used.value == 87 &&
                      ds.temp_min.value == -5 && !ds.power_on_hours.present,
              "capture values");
        CHECK(strstr(ds.why, "page 01h listed but not captured") != NULL, "capture why '%s'",
              ds.why);
        memcpy(cap + 1024, d.devstat + 512 * 7, 512);
        CHECK(sm_devstat_decode_capture(cap, sizeof(cap), &ds) < 0, "capture: page twice");
        CHECK(sm_devstat_decode_capture(cap, 700, &ds) < 0, "capture: 700 bytes");
        CHECK(sm_devstat_decode_capture(d.devstat, sizeof(d.devstat), &ds) == 0 &&
                      ds.power_on_hours.present && ds.percentage_used.present,
              "capture: contiguous SMART READ LOG form");
}

/* The demo's real-drive capture (rebuilt from a Samsung 860 EVO's smartctl -x JSON by
 * test/ata/make-devstat.py): our replay decode equals that drive's smartctl reading,
 * and smartctl 7.3 reading the same bytes through the mock agrees too. */
static void real_capture(void)
{
        static const char stem[] = "Samsung_SSD_860_EVO_500GB--RVT02B6Q";
        const char *root = getenv("SM_SOURCE_ROOT");
        char p[1024];
        uint8_t buf[16 * 512];
        size_t len;
        FILE *f;
        struct sm_devstat ds;
        struct drive d;
        cJSON *j;
        char *txt;

        snprintf(p, sizeof(p), "%s/test/data/demo/%s.devstat", root ? root : ".", stem);
        f = fopen(p, "re");
        CHECK(f != NULL, "cannot open %s", p);
        if (!f)
                return;
        len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        CHECK(sm_devstat_decode_capture(buf, len, &ds) == 0, "860 EVO capture: %s", ds.why);
        CHECK(ds.percentage_used.present && ds.percentage_used.value == 19 &&
                      ds.logical_sectors_written.present &&
                      ds.logical_sectors_written.value == 64777770148ull,
              "860 EVO: 19 %% used, 64777770148 sectors written (smartctl -x of the drive)");
        snprintf(p, sizeof(p), "%s/test/data/ata/smartctl-json/scrutiny/smart-ata-full.json",
                 root ? root : ".");
        f = fopen(p, "re");
        CHECK(f != NULL, "cannot open %s", p);
        if (f) {
                txt = check_slurp_stream(f, NULL);
                fclose(f);
                j = txt ? cJSON_Parse(txt) : NULL;
                free(txt);
                CHECK(j != NULL, "860 EVO JSON");
                if (j)
                        cmp_devstat(j, &ds, "860 EVO capture vs the drive's smartctl");
                cJSON_Delete(j);
        }
        /* the same bytes as a drive's log 04h (each page at its own number) */
        build(&d, true, true);
        memset(d.devstat, 0, sizeof(d.devstat));
        for (size_t i = 0; i < len / 512; i++) {
                unsigned pg = i == 0 ? 0 : buf[512 * i + 2];

                if (pg < 8)
                        memcpy(d.devstat + 512 * pg, buf + 512 * i, 512);
        }
        install(&d, true);
        j = smartctl("-l devstat");
        CHECK(j != NULL, "860 EVO: smartctl on the mock");
        if (j)
                cmp_devstat(j, &ds, "860 EVO capture vs smartctl 7.3 on the same bytes");
        cJSON_Delete(j);
}

int main(void)
{
        const char *preload = getenv("LD_PRELOAD");
        int fd;

        if (!preload || !strstr(preload, "sat_mock")) {
                printf("sat_mock.so not preloaded: skipping\n");
                return 77;
        }
        snprintf(dir, sizeof(dir), "/tmp/sm-sat-XXXXXX");
        if (!mkdtemp(dir))
                return 2;
        snprintf(dev, sizeof(dev), "%s/sda", dir);
        snprintf(logpath, sizeof(logpath), "%s/trace", dir);
        fd = open(dev, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return 2;
        close(fd);
        setenv("SM_SAT_MOCK_DEV", dev, 1);
        setenv("SM_SAT_MOCK_DIR", dir, 1);
        setenv("SM_SAT_MOCK_LOG", logpath, 1);
        if (system("smartctl --version >/dev/null 2>&1") != 0)
                fprintf(stderr, "smartctl missing: the comparisons will fail\n");

        pure();
        real_capture();
        scenario_gpl();
        scenario_smart();
        scenario_errors();

        {
                char cmd[600];

                snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "cannot remove %s\n", dir);
        }
        return check_summary();
}
