/* SPDX-License-Identifier: MIT */
/*
 * test-scsi-replay.c - the SCSI demo captures (test/data/demo/<stem>.scsi/)
 * through the capture reader, against two independent decoders of the same
 * bytes or drive:
 *   - sg_logs (sg3-utils) decoding the capture's `logs` file (--in, --raw);
 *   - smartctl's JSON of the drive: the shared fixture a capture was rebuilt from,
 *     or, for scsi-debug, smartctl -a/-x of the kernel's scsi_debug disk taken
 *     in the same VM boot as the capture (test/data/scsi/).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/scsi.h"
#include "test/check.h"

static const char *src_root;

static char *slurp_path(const char *path)
{
        FILE *f = fopen(path, "r");
        char *s;

        if (!f)
                return NULL;
        s = check_slurp_stream(f, NULL);
        fclose(f);
        return s;
}

static cJSON *json_file(const char *path)
{
        char *s = slurp_path(path);
        cJSON *j = s ? cJSON_Parse(s) : NULL;

        free(s);
        CHECK(j != NULL, "cannot parse %s", path);
        return j;
}

static double num(const cJSON *o, const char *a, const char *b)
{
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

        if (b)
                x = cJSON_GetObjectItemCaseSensitive(x, b);
        if (cJSON_IsString(x))
                return strtod(x->valuestring, NULL);
        return cJSON_IsNumber(x) ? x->valuedouble : -12345;
}

/* sg_logs' text of a capture's logs file. */
static char *sg_logs_of(const char *dir)
{
        char cmd[1024];
        FILE *p;
        char *out;

        snprintf(cmd, sizeof(cmd), "sg_logs --all --all --raw --in='%s/logs' 2>&1", dir);
        p = popen(cmd, "r");
        if (!p)
                return NULL;
        out = check_slurp_stream(p, NULL);
        pclose(p);
        return out;
}

/* The integer after `key` in the section of text that starts with `section` (or anywhere). */
static long long after(const char *text, const char *section, const char *key)
{
        const char *s = section ? strstr(text, section) : text;
        const char *k = s ? strstr(s, key) : NULL;

        return k ? strtoll(k + strlen(key), NULL, 0) : -12345;
}

static void check_against_sg_logs(const char *dir, const struct sm_scsi_health *h)
{
        char *t = sg_logs_of(dir);
        static const char *const sect[] = {"Write error counter page", "Read error counter page",
                                           "Verify error counter page"};

        if (access("/usr/bin/sg_logs", X_OK) != 0 || !t) {
                free(t);
                return;
        }
        if (h->has_temperature)
                CHECK_U64(h->temperature_c, after(t, "Temperature page", "Current temperature = "),
                          dir);
        if (h->has_reference_temperature)
                CHECK_U64(h->reference_temperature_c,
                          after(t, "Temperature page", "Reference temperature = "), dir);
        for (unsigned op = 0; op < 3; op++) {
                const struct sm_scsi_error_counters *e = &h->errors[op];

                CHECK(e->present == (strstr(t, sect[op]) != NULL), "%s: %s presence", dir,
                      sect[op]);
                if (e->has & (1u << SM_SCSI_EC_BYTES))
                        CHECK_U64(e->v[SM_SCSI_EC_BYTES],
                                  after(t, sect[op], "Total bytes processed = "), sect[op]);
                if (e->has & (1u << SM_SCSI_EC_CORRECTED_TOTAL))
                        CHECK_U64(e->v[SM_SCSI_EC_CORRECTED_TOTAL],
                                  after(t, sect[op], "Total errors corrected = "), sect[op]);
                if (e->has & (1u << SM_SCSI_EC_UNCORRECTED))
                        CHECK_U64(e->v[SM_SCSI_EC_UNCORRECTED],
                                  after(t, sect[op], "Total uncorrected errors = "), sect[op]);
        }
        if (h->has_ie) {
                CHECK_U64(h->ie_asc, after(t, "Informational Exceptions", "IE asc = "), dir);
                CHECK_U64(h->ie_ascq, after(t, "Informational Exceptions", "ascq = "), dir);
        }
        if (h->has_endurance)
                CHECK_U64(h->endurance_used_percent,
                          after(t, NULL, "Percentage used endurance indicator: "), dir);
        if (h->has_non_medium)
                CHECK_U64(h->non_medium_errors, after(t, NULL, "Non-medium error count = "), dir);
        if (h->has_start_stop)
                CHECK_U64(h->start_stop_cycles, after(t, NULL, "Accumulated start-stop cycles = "),
                          dir);
        if (h->has_background_scan)
                CHECK_U64(h->power_on_minutes, after(t, NULL, "Accumulated power on minutes: "),
                          dir);
        if (h->n_env > 0) {
                CHECK_U64((long long)h->env[0].current,
                          after(t, "Environmental reporting", "Temperature: "), dir);
                CHECK_U64((long long)h->env[0].lifetime_max,
                          after(t, "Environmental reporting", "Lifetime maximum temperature: "),
                          dir);
                CHECK_U64((long long)h->env[0].lifetime_min,
                          after(t, "Environmental reporting", "Lifetime minimum temperature: "),
                          dir);
        }
        for (unsigned k = 0; k < h->n_phys; k++) {
                char key[64];

                snprintf(key, sizeof(key), "phy identifier = %u", h->phys[k].phy_id);
                CHECK_U64(h->phys[k].invalid_dwords, after(t, key, "Invalid DWORD count = "), key);
                CHECK_U64(h->phys[k].reset_problems, after(t, key, "Phy reset problem count = "),
                          key);
        }
        if (h->has_self_test && h->self_tests > 0)
                CHECK_U64(h->last_self_test_power_on_hours,
                          after(t, "Parameter code = 1,", "accumulated power-on hours = "), dir);
        free(t);
}

static void read_dir(const char *stem, struct sm_scsi_health *h)
{
        char dir[512], err[256] = "";
        int r;

        snprintf(dir, sizeof(dir), "%s/test/data/demo/%s.scsi", src_root, stem);
        r = sm_scsi_read_capture(dir, h, err, sizeof(err));
        CHECK(r == 0, "%s: %d %s", stem, r, err);
        check_against_sg_logs(dir, h);
}

/* A capture rebuilt from a smartctl JSON document: every value it carried comes back. */
static void rebuilt(const char *stem, const char *json, const char *vendor, const char *product)
{
        char path[512];
        struct sm_scsi_health h;
        const cJSON *ec, *ss;
        cJSON *j;

        snprintf(path, sizeof(path), "%s/test/data/scsi/smartctl-json/%s", src_root, json);
        j = json_file(path);
        read_dir(stem, &h);
        CHECK_STR(h.vendor, vendor, stem);
        CHECK_STR(h.product, product, stem);
        CHECK_U64(h.temperature_c, num(j, "temperature", "current"), stem);
        CHECK_U64(h.reference_temperature_c, num(j, "temperature", "drive_trip"), stem);
        CHECK_U64(OPT(h.has_rotation_rate, h.rotation_rate), num(j, "rotation_rate", NULL), stem);
        CHECK_U64(h.power_on_minutes,
                  num(j, "power_on_time", "hours") * 60 + num(j, "power_on_time", "minutes"), stem);
        CHECK_U64(h.grown_defects, num(j, "scsi_grown_defect_list", NULL), stem);
        CHECK(h.has_ie && h.ie_asc == 0 &&
                      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItem(j, "smart_status"), "passed")),
              "%s: healthy as smartctl says", stem);
        ec = cJSON_GetObjectItemCaseSensitive(j, "scsi_error_counter_log");
        for (unsigned op = 0; op < 3; op++) {
                static const char *const name[] = {"write", "read", "verify"};
                const cJSON *e = cJSON_GetObjectItemCaseSensitive(ec, name[op]);
                const struct sm_scsi_error_counters *c = &h.errors[op];

                CHECK(c->present == (e != NULL), "%s %s", stem, name[op]);
                if (!e)
                        continue;
                CHECK_U64(c->v[SM_SCSI_EC_CORRECTED_FAST],
                          num(e, "errors_corrected_by_eccfast", NULL), name[op]);
                CHECK_U64(c->v[SM_SCSI_EC_CORRECTED_DELAYED],
                          num(e, "errors_corrected_by_eccdelayed", NULL), name[op]);
                CHECK_U64(c->v[SM_SCSI_EC_REWRITES],
                          num(e, "errors_corrected_by_rereads_rewrites", NULL), name[op]);
                CHECK_U64(c->v[SM_SCSI_EC_CORRECTED_TOTAL], num(e, "total_errors_corrected", NULL),
                          name[op]);
                CHECK_U64(c->v[SM_SCSI_EC_ALGORITHM],
                          num(e, "correction_algorithm_invocations", NULL), name[op]);
                CHECK_U64(c->v[SM_SCSI_EC_UNCORRECTED], num(e, "total_uncorrected_errors", NULL),
                          name[op]);
                /* smartctl prints GB = bytes / 10^9 with three decimals */
                CHECK((double)c->v[SM_SCSI_EC_BYTES] / 1e9 >
                                      num(e, "gigabytes_processed", NULL) - 0.0005 &&
                              (double)c->v[SM_SCSI_EC_BYTES] / 1e9 <
                                      num(e, "gigabytes_processed", NULL) + 0.0005,
                      "%s %s bytes processed %llu", stem, name[op],
                      (unsigned long long)c->v[SM_SCSI_EC_BYTES]);
        }
        ss = cJSON_GetObjectItemCaseSensitive(j, "scsi_start_stop_cycle_counter");
        CHECK(h.has_start_stop == (ss != NULL), "%s start-stop", stem);
        if (ss) {
                CHECK_U64(h.start_stop_cycles, num(ss, "accumulated_start_stop_cycles", NULL),
                          stem);
                CHECK_U64(h.load_unload_cycles, num(ss, "accumulated_load_unload_cycles", NULL),
                          stem);
                CHECK_U64(h.manufacture_year, num(ss, "year_of_manufacture", NULL), stem);
                CHECK_U64(h.manufacture_week, num(ss, "week_of_manufacture", NULL), stem);
        }
        cJSON_Delete(j);
}

/* The scsi_debug capture against smartctl and sg_logs of the same disk in the same boot. */
static void scsi_debug(void)
{
        char path[512], *text;
        struct sm_scsi_health h;
        const cJSON *t1;
        cJSON *a, *x;

        read_dir("scsi-debug", &h);
        snprintf(path, sizeof(path), "%s/test/data/scsi/smartctl-a.json", src_root);
        a = json_file(path);
        snprintf(path, sizeof(path), "%s/test/data/scsi/smartctl-x.json", src_root);
        x = json_file(path);
        CHECK_STR(h.vendor, cJSON_GetObjectItem(x, "scsi_vendor")->valuestring, "vendor");
        CHECK_STR(h.product, cJSON_GetObjectItem(x, "scsi_product")->valuestring, "product");
        CHECK_STR(h.serial, cJSON_GetObjectItem(x, "serial_number")->valuestring, "serial");
        CHECK_STR(h.wwn, cJSON_GetObjectItem(x, "logical_unit_id")->valuestring, "wwn");
        CHECK_U64(OPT(h.has_rotation_rate, h.rotation_rate), num(x, "rotation_rate", NULL),
                  "rotation rate");
        CHECK_U64(h.temperature_c, num(a, "temperature", "current"), "temperature");
        CHECK_U64(h.reference_temperature_c, num(a, "temperature", "drive_trip"), "reference");
        t1 = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "scsi_environmental_reports"),
                                 "temperature_1");
        CHECK(h.n_env == 1, "one temperature report: %u", h.n_env);
        CHECK_U64((long long)h.env[0].current, num(t1, "current", NULL), "env current");
        CHECK_U64((long long)h.env[0].lifetime_max, num(t1, "lifetime_maximum", NULL), "env max");
        CHECK_U64((long long)h.env[0].lifetime_min, num(t1, "lifetime_minimum", NULL), "env min");
        CHECK_U64((long long)h.env[0].max_since_power_on, num(t1, "maximum_since_power_on", NULL),
                  "env max since power on");
        CHECK_U64((long long)h.env[0].min_since_power_on, num(t1, "minimum_since_power_on", NULL),
                  "env min since power on");
        CHECK(h.has_ie && h.ie_asc == 0 &&
                      cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "smart_status"),
                                                       "passed")),
              "healthy, as smartctl says");
        CHECK(h.vpd_ata, "scsi_debug lists VPD 89h (and is still read as SCSI)");
        snprintf(path, sizeof(path), "%s/test/data/scsi/sg_logs.txt", src_root);
        text = slurp_path(path);
        CHECK(text && after(text, "Temperature page", "Current temperature = ") == h.temperature_c,
              "sg_logs -A of the live disk: temperature");
        free(text);
        cJSON_Delete(a);
        cJSON_Delete(x);
}

static void synthetic(void)
{
        struct sm_scsi_health h;

        read_dir("sas-ssd-synthetic", &h);
        CHECK(OPT(h.has_rotation_rate, h.rotation_rate) == 0 && h.has_endurance &&
                      h.endurance_used_percent == 23,
              "synthetic SAS SSD: non-rotating, 23 %% used");
        CHECK(h.n_phys == 2 && h.phys[1].invalid_dwords == 17, "two phys");
        CHECK(h.has_grown_defects && h.grown_defects == 2, "grown defects 16/8");
}

int main(void)
{
        src_root = getenv("SM_SOURCE_ROOT");
        if (!src_root) {
                printf("SKIP: SM_SOURCE_ROOT not set\n");
                return 77;
        }
        if (access("/usr/bin/sg_logs", X_OK) != 0)
                printf("# sg_logs not installed (sg3-utils): its cross-check is skipped\n");
        rebuilt("sas-hitachi-h109060", "smartctl_exporter/HITACHI_H109060SESUN600G_10.json",
                "HITACHI", "H109060SESUN600G");
        rebuilt("sas-seagate-st4000nm0043", "scrutiny/smart-scsi.json", "SEAGATE", "ST4000NM0043");
        scsi_debug();
        synthetic();
        return check_summary();
}
