/* SPDX-License-Identifier: MIT */
/*
 * test-drivedb - collectors/drivedb.c against the real smartmontools database
 * (/usr/share/smartmontools/drivedb.h, Debian smartmontools 7.3) and smartctl's
 * own reading of real drives: for every ATA drive in test/data/ata/smartctl-json
 * the family we match must be the document's "model_family" and every
 * attribute name we give must be the document's "name". Then hostile inputs:
 * each must be refused with an error naming the line, never crash.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/drivedb.h"
#include "test/check.h"

#define SYSTEM_DB "/usr/share/smartmontools/drivedb.h"

/*
 * Where smartctl's document and Debian's 7.3 database (drivedb.h r5319,
 * 2022-02-19) legitimately disagree. Each entry: file stem, attribute id
 * (0: the family, ANY: the family and every attribute), and why.
 */
#define ANY 256u

static const struct {
        const char *file;
        unsigned id;
        const char *why;
} known[] = {
        {"sat-Samsung_based_SSDs-SAMSUNG_MZ7L3240HCHQ-00A07-sda", ANY,
         "PM893 (MZ7L3...) entered the database after r5319; that smartctl 7.1 ran with a "
         "database refreshed by update-smart-drivedb (its sibling "
         "sat-null-SAMSUNG_MZ7L3480HCHQ-00A07 has no family, like us)"},
        {"sat-Micron_5100___52x0___5300___5400_SSDs-Micron_5300_MTFDDAK480TDS-sda", 0,
         "family renamed after r5319 when the 5400 was added ('Micron 5100 / 52x0 / 5300 / "
         "5400 SSDs'); r5319 calls it 'Micron 5100 Pro / 52x0 / 5300 SSDs', same presets"},
        {"smart-ata2", ANY,
         "hand-edited upstream in scrutiny: model 'X SSD 850 PRO 128GB' and family 'X based "
         "SSDs' (a Samsung 850 PRO with the vendor replaced by X), so no real entry matches"},
};

static bool is_known(const char *file, unsigned id)
{
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                if (strcmp(known[i].file, file) == 0 && (known[i].id == id || known[i].id == ANY))
                        return true;
        }
        return false;
}

static cJSON *load_json(const char *path)
{
        FILE *f = fopen(path, "r");
        char *s;
        cJSON *j;

        if (!f)
                return NULL;
        s = check_slurp_stream(f, NULL);
        fclose(f);
        j = s ? cJSON_Parse(s) : NULL;
        free(s);
        return j;
}

static unsigned n_drives, n_names, n_in_db;

static void check_doc(const struct sm_drivedb *db, const char *stem, const char *path)
{
        cJSON *j = load_json(path), *x, *tab, *a;
        const char *model, *fw = "", *family = NULL;
        unsigned rotation = 0;
        struct sm_drivedb_match *m;
        char err[256] = "";

        CHECK(j != NULL, "%s: cannot parse", path);
        if (!j)
                return;
        x = cJSON_GetObjectItem(j, "model_name");
        tab = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ata_smart_attributes"), "table");
        if (!cJSON_IsString(x) || !cJSON_IsArray(tab)) {
                cJSON_Delete(j);
                return; /* not an ATA drive with attributes */
        }
        model = x->valuestring;
        x = cJSON_GetObjectItem(j, "firmware_version");
        if (cJSON_IsString(x))
                fw = x->valuestring;
        x = cJSON_GetObjectItem(j, "model_family");
        if (cJSON_IsString(x))
                family = x->valuestring;
        x = cJSON_GetObjectItem(j, "rotation_rate");
        if (cJSON_IsNumber(x))
                rotation = x->valueint == 0 ? 1 : (unsigned)x->valueint;
        m = malloc(sizeof(*m));
        CHECK(m && sm_drivedb_match(db, model, fw, m, err, sizeof(err)) == 0, "%s: match: %s", stem,
              err);
        if (!m) {
                cJSON_Delete(j);
                return;
        }
        n_drives++;
        n_in_db += m->in_db;
        if (!is_known(stem, 0)) {
                if (family)
                        CHECK(m->in_db && strcmp(m->family, family) == 0,
                              "%s: family '%s' vs smartctl '%s'", stem, m->family, family);
                else
                        CHECK(!m->in_db, "%s: matched '%s', smartctl found no entry", stem,
                              m->family);
        }
        cJSON_ArrayForEach(a, tab) {
                cJSON *id = cJSON_GetObjectItem(a, "id"), *name = cJSON_GetObjectItem(a, "name");
                const char *ours;

                if (!cJSON_IsNumber(id) || !cJSON_IsString(name) || id->valueint < 1 ||
                    id->valueint > 255)
                        continue;
                ours = sm_drivedb_attr_name(db, m, (uint8_t)id->valueint, rotation);
                n_names++;
                if (is_known(stem, (unsigned)id->valueint))
                        continue;
                CHECK(strcmp(ours, name->valuestring) == 0,
                      "%s: attr %d name '%s' vs smartctl '%s'", stem, id->valueint, ours,
                      name->valuestring);
        }
        free(m);
        cJSON_Delete(j);
}

static void check_dir(const struct sm_drivedb *db, const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;

        CHECK(d != NULL, "cannot open %s", dir);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char path[8192], stem[256];
                size_t n = strlen(de->d_name);

                if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                if (n - 5 >= sizeof(stem))
                        continue;
                memcpy(stem, de->d_name, n - 5);
                stem[n - 5] = '\0';
                check_doc(db, stem, path);
        }
        closedir(d);
}

/* A hostile or malformed text must be refused with "origin:LINE: ..." */
static void bad(const char *text, unsigned line, const char *what)
{
        struct sm_drivedb *db = NULL;
        char err[256] = "", want[32];
        int r = sm_drivedb_parse(text, strlen(text), "t", &db, err, sizeof(err));

        snprintf(want, sizeof(want), "t:%u: ", line);
        CHECK(r < 0 && db == NULL, "%s: accepted", what);
        CHECK(strncmp(err, want, strlen(want)) == 0, "%s: error '%s', want prefix '%s'", what, err,
              want);
        sm_drivedb_free(db);
}

static void bad_match(const char *text, const char *model, const char *fw, unsigned line,
                      const char *what)
{
        struct sm_drivedb *db = NULL;
        struct sm_drivedb_match *m = malloc(sizeof(*m));
        char err[256] = "", want[32];
        int r = sm_drivedb_parse(text, strlen(text), "t", &db, err, sizeof(err));

        CHECK(r == 0, "%s: refused at load: %s", what, err);
        snprintf(want, sizeof(want), "t:%u: ", line);
        if (r == 0 && m) {
                CHECK(sm_drivedb_match(db, model, fw, m, err, sizeof(err)) == -EINVAL,
                      "%s: matched", what);
                CHECK(strncmp(err, want, strlen(want)) == 0, "%s: error '%s', want prefix '%s'",
                      what, err, want);
        }
        free(m);
        sm_drivedb_free(db);
}

static void good(const char *text, const char *model, const char *fw, unsigned id,
                 unsigned rotation, const char *want, const char *what)
{
        struct sm_drivedb *db = NULL;
        struct sm_drivedb_match *m = malloc(sizeof(*m));
        char err[256] = "";
        int r = sm_drivedb_parse(text, strlen(text), "t", &db, err, sizeof(err));

        CHECK(r == 0, "%s: refused: %s", what, err);
        if (r == 0 && m) {
                CHECK(sm_drivedb_match(db, model, fw, m, err, sizeof(err)) == 0, "%s: match", what);
                CHECK_STR(sm_drivedb_attr_name(db, m, (uint8_t)id, rotation), want, what);
        }
        free(m);
        sm_drivedb_free(db);
}

#define DEF                                                                       \
        "{ \"DEFAULT\", \"-\", \"-\", \"\", \"-v 7,raw48,Seek_Error_Rate,HDD -v " \
        "9,raw24(raw8),Power_On_Hours\" },\n"

int main(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        struct sm_drivedb *db = NULL;
        char dir[4096], err[256] = "";
        int r;

        if (!root)
                root = ".";

        /* ---- the grammar, and what a match returns ---- */
        good(DEF "{ \"Fam\", \"ACME [0-9]+\", \"\", \"\", \"-v 9,minutes -v "
                 "231,raw48,SSD_Life_Left\" }",
             "ACME 12", "X1", 231, 1, "SSD_Life_Left", "entry preset");
        good(DEF "{ \"Fam\", \"ACME [0-9]+\", \"\", \"\", \"-v 9,minutes\" }", "ACME 12", "X1", 9,
             1, "Power_On_Minutes", "legacy -v 9,minutes");
        good(DEF "{ \"Fam\", \"ACME\", \"\", \"\", \"-v 9,msec24hour32\" }", "ACME", "", 9, 1,
             "Power_On_Hours", "format-only preset keeps the default name");
        good(DEF "{ \"Fam\", \"ACME\", \"\", \"\", \"\" }", "ACME", "", 7, 1,
             "Unknown_SSD_Attribute", "HDD-only default on an SSD");
        good(DEF "{ \"Fam\", \"ACME\", \"\", \"\", \"\" }", "ACME", "", 7, 7200, "Seek_Error_Rate",
             "HDD-only default on an HDD");
        good(DEF "{ \"Fam\", \"ACME\", \"\", \"\", \"\" }", "ACME", "", 77, 1, "Unknown_Attribute",
             "no name anywhere");
        good(DEF "{ \"Fam\", \"ACME\", \"\", \"\", \"-v 5,raw48,X\" }", "ACME 2", "", 5, 1,
             "Unknown_Attribute", "regex must match the whole model");
        good(DEF "{ \"Fam\", \"ACME\", \"FW1\", \"\", \"-v 5,raw48,X\" }", "ACME", "FW2", 5, 1,
             "Unknown_Attribute", "firmware regex must match");
        good(DEF "{ \"Fam\", \"ACME\", \"FW.\", \"\", \"-v 5,raw48,X\" }", "ACME", "FW2", 5, 1, "X",
             "firmware regex matches");
        good(DEF "{ \"A\", \"ACME\", \"\", \"\", \"-v 5,raw48,First\" },"
                 "{ \"B\", \"ACME\", \"\", \"\", \"-v 5,raw48,Second\" }",
             "ACME", "", 5, 1, "First", "the first matching entry wins");
        good(DEF "{ \"$ignored\", \"ACME\", \"\", \"\", \"-v 5,raw48,No\" },"
                 "{ \"USB: x\", \"ACME\", \"\", \"\", \"-d sat\" },"
                 "{ \"B\", \"ACME\", \"\", \"\", \"-F samsung3 -v 5,raw48,Yes -d sat\" }",
             "ACME", "", 5, 1, "Yes", "'$' and USB entries skipped, -F/-d ignored");
        good("/* c */ { \"F\", \"A\" /* mid */ \"C\\\\.ME\", // x\n \"\", \"w\\n\\\"q\\\"\","
             " \"-v 5,raw48,Z\", },",
             "AC.ME", "", 5, 1, "Z", "comments, concatenation, escapes, trailing commas");

        bad("{ \"F\", \"A\", \"\", \"\", \"\" ", 1, "unterminated entry");
        bad("{ \"F\", \"A\", \"\", \"\" }", 1, "four fields");
        bad("{ \"F\", \"A\", \"\", \"\", \"\", \"\" }", 1, "six fields");
        bad("\n\n{ \"F\", \"A\n\", \"\", \"\", \"\" }", 3, "newline in a literal");
        bad("{ \"F\", \"A\\x41\", \"\", \"\", \"\" }", 1, "unsupported escape");
        bad("/* never closed\n{ \"F\", \"A\", \"\", \"\", \"\" }", 1, "unterminated comment");
        bad("{ \"F\", \"a++++++++++++++++++++++++\", \"\", \"\", \"\" }", 1, "stacked repetition");
        bad("{ \"F\", \"(((((((((a)))))))))\", \"\", \"\", \"\" }", 1, "deep nesting");
        bad("{ \"F\", \"a{1000}{1000}\", \"\", \"\", \"\" }", 1, "repeat bound product");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v 0,raw48,X\" }", 1, "attribute id 0");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v 256,raw48,X\" }", 1, "attribute id 256");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v 5\" }", 1, "-v without format");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v\" }", 1, "-v without argument");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v 5,raw48,X,TAPE\" }", 1, "bad type");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v 5,raw48,X,SSD,more\" }", 1, "too many fields");
        bad("{ \"F\", \"A\", \"\", \"\", \"-v 5,raw48,ThisNameIsLongerThanThirtyTwoCharacters\" }",
            1, "name too long");
        bad("{ \"F\", \"A\", \"\", \"\", \"junk\" }", 1, "not an option");
        bad("{ \"F\", \"\", \"\", \"\", \"\" }", 1, "empty model regex");
        bad("int x;", 1, "C code");
        bad("", 1, "empty file");
        bad(DEF DEF, 2, "two DEFAULT entries");
        /* regexes that do not compile: found by the match, with the entry's line */
        bad_match("\n{ \"F\", \"(A\", \"\", \"\", \"\" }", "A", "", 2, "invalid model regex");
        bad_match("{ \"F\", \"A\", \"[\", \"\", \"\" }", "A", "", 1, "invalid firmware regex");
        good("{ \"F\", \"B\", \"\", \"\", \"-v 5,raw48,One\" },\n{ \"G\", \"(A\", \"\", \"\", \"\" "
             "}",
             "B", "", 5, 1, "One", "a bad regex after the matching entry is never compiled");
        {
                /* a NUL byte inside a literal */
                static const char t[] = "{ \"F\", \"A\0B\", \"\", \"\", \"\" }";

                CHECK(sm_drivedb_parse(t, sizeof(t) - 1, "t", &db, err, sizeof(err)) < 0 &&
                              strstr(err, "NUL"),
                      "NUL byte: %s", err);
                db = NULL;
        }

        /* ---- the real database and smartctl's reading of real drives ---- */
        r = sm_drivedb_load(SYSTEM_DB, &db, err, sizeof(err));
        if (r == -ENOENT) {
                printf("%s missing (Debian smartmontools): skipping the real-database part\n",
                       SYSTEM_DB);
                return check_summary();
        }
        CHECK(r == 0, "load %s: %s", SYSTEM_DB, err);
        if (r == 0) {
                CHECK(sm_drivedb_entries(db) > 700, "only %zu entries", sm_drivedb_entries(db));
                CHECK(strncmp(sm_drivedb_version(db), "7.3", 3) == 0, "version '%s'",
                      sm_drivedb_version(db));
                snprintf(dir, sizeof(dir), "%s/test/data/ata/smartctl-json/smartctl_exporter",
                         root);
                check_dir(db, dir);
                snprintf(dir, sizeof(dir), "%s/test/data/ata/smartctl-json/scrutiny", root);
                check_dir(db, dir);
                CHECK(n_drives == 117, "expected 117 ATA documents, saw %u", n_drives);
                printf("%u drives (%u in the database), %u attribute names compared with "
                       "smartctl\n",
                       n_drives, n_in_db, n_names);
                sm_drivedb_free(db);
        }
        CHECK(sm_drivedb_load("/nonexistent/drivedb.h", &db, err, sizeof(err)) == -ENOENT &&
                      strstr(err, "/nonexistent/drivedb.h"),
              "missing file: %s", err);
        CHECK(sm_drivedb_load("/dev/null", &db, err, sizeof(err)) < 0, "not a regular file");
        return check_summary();
}
