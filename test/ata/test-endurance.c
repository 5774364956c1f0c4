/* SPDX-License-Identifier: MIT */
/*
 * test-endurance - life used and host bytes of the 43 real SATA SSDs among the
 * fixtures: each rebuilt blob goes through our attribute decoder, the real
 * smartmontools database (names) and the endurance table; the result must equal
 * test/data/ata/endurance-expected.txt, written by hand from each drive's own
 * smartctl attributes. Then Device Statistics precedence and the "why" texts on
 * hand-made inputs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/ata_attr.h"
#include "collectors/drivedb.h"
#include "collectors/endurance.h"
#include "test/check.h"

#define SYSTEM_DB "/usr/share/smartmontools/drivedb.h"

static const uint8_t *record(const uint8_t *b, size_t len, const char *tag)
{
        size_t off = 0;

        while (len - off >= 8) {
                uint32_t n = ((uint32_t)b[off + 4] << 24) | ((uint32_t)b[off + 5] << 16) |
                             ((uint32_t)b[off + 6] << 8) | b[off + 7];

                if (n > len - off - 8)
                        return NULL;
                if (memcmp(b + off, tag, 4) == 0)
                        return n == 512 ? b + off + 8 : NULL;
                off += 8 + (size_t)n;
        }
        return NULL;
}

/* IDENTIFY string as smartctl prints it: swapped, trimmed, inner spaces kept. */
static void id_str(const uint8_t *id, unsigned off, unsigned len, char *out)
{
        char tmp[48];
        size_t a = 0, b;

        for (unsigned i = 0; i < len; i += 2) {
                tmp[i] = (char)id[off + i + 1];
                tmp[i + 1] = (char)id[off + i];
        }
        tmp[len] = '\0';
        b = strlen(tmp);
        while (a < b && tmp[a] == ' ')
                a++;
        while (b > a && tmp[b - 1] == ' ')
                b--;
        memcpy(out, tmp + a, b - a);
        out[b - a] = '\0';
}

/* "-" -> absent; "N*S" / "N*M32" / "N*G"; a plain number. */
static bool parse_bytes(const char *s, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        if (strcmp(s, "-") == 0)
                return false;
        v = strtoull(s, &end, 10);
        if (*end == '\0')
                *ret = v;
        else if (strcmp(end, "*S") == 0)
                *ret = v * 512;
        else if (strcmp(end, "*M32") == 0)
                *ret = v * 32 * 1024 * 1024;
        else if (strcmp(end, "*G") == 0)
                *ret = v * 1024 * 1024 * 1024;
        else {
                fprintf(stderr, "bad bytes field '%s'\n", s);
                exit(2);
        }
        return true;
}

static char *trim(char *s)
{
        char *e;

        while (*s == ' ')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
                *--e = '\0';
        return s;
}

static void check_drive(const struct sm_drivedb *db, const char *dir, char **f)
{
        char path[8192], model[48], fw[16];
        uint8_t blob[8192];
        size_t len;
        const uint8_t *id, *data, *thr;
        struct sm_ata_attr_table t;
        struct sm_drivedb_match *m = malloc(sizeof(*m));
        struct sm_endurance_attr ea[SM_ATA_ATTR_SLOTS];
        struct sm_endurance e;
        unsigned rot;
        char err[256];
        const char *stem = f[0];
        uint64_t want;
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, stem);
        fp = fopen(path, "rb");
        CHECK(fp != NULL && m != NULL, "%s: cannot open", stem);
        if (!fp || !m) {
                free(m);
                return;
        }
        len = fread(blob, 1, sizeof(blob), fp);
        fclose(fp);
        id = record(blob, len, "IDFY");
        data = record(blob, len, "SMDT");
        thr = record(blob, len, "SMTH");
        CHECK(id && data, "%s: records", stem);
        if (!id || !data) {
                free(m);
                return;
        }
        id_str(id, 54, 40, model);
        id_str(id, 46, 8, fw);
        rot = (unsigned)(id[434] | (id[435] << 8)); /* word 217 */
        CHECK(sm_ata_attr_decode(data, 512, thr, thr ? 512 : 0, 0, 0, &t) == 0, "%s: decode", stem);
        CHECK(sm_drivedb_match(db, model, fw, m, err, sizeof(err)) == 0, "%s: match %s", stem, err);
        for (unsigned i = 0; i < t.n; i++) {
                ea[i].id = t.a[i].id;
                ea[i].name = sm_drivedb_attr_name(db, m, t.a[i].id, rot);
                ea[i].value = t.a[i].value;
                ea[i].value_valid = t.a[i].value_valid;
                ea[i].raw = t.a[i].raw48;
        }
        sm_endurance_ata(ea, t.n, m->family, m->in_db, 512, NULL, &e);

        if (strcmp(f[1], "-") == 0) {
                CHECK(!e.used.present, "%s: life used %.2f, expected none", stem, e.used_ratio);
                CHECK(strstr(e.why, "life used:") != NULL, "%s: why '%s'", stem, e.why);
        } else {
                double w = strtod(f[1], NULL) / 100.0;

                CHECK(e.used.present && e.used_ratio > w - 1e-9 && e.used_ratio < w + 1e-9,
                      "%s: life used %d/%.4f, expected %.4f", stem, e.used.present, e.used_ratio,
                      w);
                CHECK(e.used.source == SM_ENDURANCE_ATTRIBUTE && e.used.attr == atoi(f[2]),
                      "%s: life attribute %u, expected %s", stem, e.used.attr, f[2]);
        }
        if (parse_bytes(f[3], &want)) {
                CHECK(e.written.present && e.written_bytes == want,
                      "%s: written %d/%" PRIu64 ", expected %" PRIu64, stem, e.written.present,
                      e.written_bytes, want);
                CHECK(e.written.attr == atoi(f[4]), "%s: write attribute %u, expected %s", stem,
                      e.written.attr, f[4]);
        } else {
                CHECK(!e.written.present, "%s: written %" PRIu64 ", expected none", stem,
                      e.written_bytes);
        }
        if (parse_bytes(f[5], &want)) {
                CHECK(e.read.present && e.read_bytes == want,
                      "%s: read %d/%" PRIu64 ", expected %" PRIu64, stem, e.read.present,
                      e.read_bytes, want);
                CHECK(e.read.attr == atoi(f[6]), "%s: read attribute %u, expected %s", stem,
                      e.read.attr, f[6]);
        } else {
                CHECK(!e.read.present, "%s: read %" PRIu64 ", expected none", stem, e.read_bytes);
                CHECK(strstr(e.why, "host reads:") != NULL, "%s: why '%s'", stem, e.why);
        }
        if (!m->in_db)
                CHECK(strstr(e.why, "model not in the drive database") != NULL, "%s: why '%s'",
                      stem, e.why);
        free(m);
}

static void synthetic(void)
{
        struct sm_endurance_attr a[] = {
                {233, "Media_Wearout_Indicator", 90, true, 0},
                {225, "Host_Writes_32MiB", 100, true, 10},
                {241, "Total_LBAs_Written", 100, true, 10},
                {242, "Total_LBAs_Read", 100, true, 7},
        };
        struct sm_endurance_devstat ds = {
                .read_ok = true,
                .used_present = true,
                .percentage_used = 120,
                .written_present = true,
                .sectors_written = 1000,
        };
        struct sm_endurance e;

        /* Device Statistics win where present; attributes fill the rest. */
        sm_endurance_ata(a, 4, "Intel X", true, 4096, &ds, &e);
        CHECK(e.used.present && e.used.source == SM_ENDURANCE_DEVSTAT && e.used_ratio == 1.2,
              "devstat life used 120 %% -> 1.2: %d %d %f", e.used.present, e.used.source,
              e.used_ratio);
        CHECK(e.written.source == SM_ENDURANCE_DEVSTAT && e.written_bytes == 1000ull * 4096,
              "devstat written x logical sector size: %" PRIu64, e.written_bytes);
        /* 241 equals 225's raw: LBA counters are not LBAs on this firmware */
        CHECK(!e.read.present && strstr(e.why, "Total_LBAs_Read unit unknown"), "why: %s", e.why);

        /* Nothing: the text says why */
        ds = (struct sm_endurance_devstat){.read_ok = true};
        sm_endurance_ata(NULL, 0, "", false, 512, &ds, &e);
        CHECK(!e.used.present && !e.written.present && !e.read.present, "nothing");
        CHECK(strstr(e.why,
                     "life used: no Device Statistics page 07h, model not in the drive database"),
              "why: %s", e.why);

        /* an attribute the rules do not trust: normalized out of range, raw > 100 */
        {
                struct sm_endurance_attr b[] = {
                        {233, "Media_Wearout_Indicator", 254, false, 0},
                        {231, "SSD_Life_Left", 100, true, 4000},
                };

                sm_endurance_ata(b, 2, "Phison Driven SSDs", true, 512, NULL, &e);
                CHECK(!e.used.present, "invalid normalized / raw not a percentage");
        }
        /* SSD_Life_Left outside Phison: no rule */
        {
                struct sm_endurance_attr c[] = {{231, "SSD_Life_Left", 90, true, 90}};

                sm_endurance_ata(c, 1, "SandForce Driven SSDs", true, 512, NULL, &e);
                CHECK(!e.used.present, "SandForce 231 has no verified rule");
        }
        CHECK_STR(sm_endurance_source_name(SM_ENDURANCE_DEVSTAT), "devstat", "name");
        CHECK_STR(sm_endurance_source_name(SM_ENDURANCE_ATTRIBUTE), "attribute", "name");
        CHECK_STR(sm_endurance_source_name(SM_ENDURANCE_NVME), "nvme", "name");
}

int main(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        char path[4096], dir[4096], line[1024], err[256];
        struct sm_drivedb *db = NULL;
        unsigned n = 0;
        FILE *f;
        int r;

        if (!root)
                root = ".";
        synthetic();
        r = sm_drivedb_load(SYSTEM_DB, &db, err, sizeof(err));
        if (r == -ENOENT) {
                printf("%s missing: skipping the fixture part\n", SYSTEM_DB);
                return check_summary();
        }
        CHECK(r == 0, "%s", err);
        snprintf(path, sizeof(path), "%s/test/data/ata/endurance-expected.txt", root);
        snprintf(dir, sizeof(dir), "%s/test/data/ata/blobs-from-smartctl", root);
        f = fopen(path, "r");
        CHECK(f != NULL, "cannot open %s", path);
        while (f && db && fgets(line, sizeof(line), f)) {
                char *fields[7], *s = line;
                unsigned k = 0;

                if (line[0] == '#' || line[0] == '\n')
                        continue;
                for (char *p; k < 7 && (p = strsep(&s, "|")); k++)
                        fields[k] = trim(p);
                CHECK(k == 7, "bad line: %s", line);
                if (k == 7) {
                        check_drive(db, dir, fields);
                        n++;
                }
        }
        if (f)
                fclose(f);
        CHECK(n == 43, "expected 43 SATA SSDs, checked %u", n);
        sm_drivedb_free(db);
        return check_summary();
}
