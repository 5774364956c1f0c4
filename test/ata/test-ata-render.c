/* SPDX-License-Identifier: MIT */
/*
 * test-ata-render - the ATA collector's Prometheus families and JSON fields.
 * Five replayed devices (plus a device without data and an NVMe device that
 * must be ignored) are rendered; the text must pass `promtool check metrics`,
 * carry each family header once, and contain series whose values were copied
 * by hand from `skdump --load=FILE` output (raw bytes printed there as
 * raw[0]..raw[5], decoded little-endian by hand). The JSON must parse and
 * carry the same values, 48-bit raws also as decimal strings.
 */
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/render.h"
#include "collectors/ata.h"
#include "collectors/drivedb.h"
#include "lib/buf.h"
#include "test/check.h"

static const char *root;

static void load(struct sm_device_state *d, const char *name, const char *rel)
{
        struct sm_read_opts opts = {.timeout_ms = 1000};
        char err[192] = "";
        int r;

        memset(d, 0, sizeof(*d));
        snprintf(d->id.name, sizeof(d->id.name), "%s", name);
        snprintf(d->id.devnode, sizeof(d->id.devnode), "%s/test/data/%s", root, rel);
        d->id.replay = true;
        d->id.proto = SM_PROTO_ATA;
        r = sm_ata_collector.read(&d->id, &opts, &d->health, err, sizeof(err));
        CHECK(r == 0, "%s: read %d (%s)", name, r, err);
        d->have_data = r == 0;
        d->status = r == 0 ? SM_READ_OK : SM_READ_ERROR;
}

static unsigned count(const char *hay, const char *needle)
{
        unsigned n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/* A whole exposition line "series value\n". */
static bool has_line(const char *text, const char *line)
{
        size_t l = strlen(line);

        for (const char *p = text; (p = strstr(p, line)); p++) {
                if ((p == text || p[-1] == '\n') && p[l] == '\n')
                        return true;
        }
        return false;
}

/* Feed text to `promtool check metrics` on stdin; returns its exit status or -1. */
static int promtool_check(const char *text)
{
        char tmpl[] = "/tmp/ssdmon-ata-prom-XXXXXX";
        int fd = mkstemp(tmpl);
        pid_t pid;
        int st;

        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
                return -1;
        lseek(fd, 0, SEEK_SET);
        pid = fork();
        if (pid == 0) {
                dup2(fd, 0);
                execlp("promtool", "promtool", "check", "metrics", (char *)NULL);
                _exit(127);
        }
        close(fd);
        unlink(tmpl);
        if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
                return -1;
        return WEXITSTATUS(st);
}

static const cJSON *attr_json(const cJSON *dev, int id)
{
        const cJSON *a;
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(dev, "ata"), "attributes");

        cJSON_ArrayForEach(a, arr) {
                const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, "id");

                if (cJSON_IsNumber(x) && x->valueint == id)
                        return a;
        }
        return NULL;
}

static double num(const cJSON *o, const char *k)
{
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsNumber(x) ? x->valuedouble : -12345;
}

static const char *str(const cJSON *o, const char *k)
{
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsString(x) ? x->valuestring : "";
}

static cJSON *render_json(const struct sm_device_state *d)
{
        cJSON *o = cJSON_CreateObject();
        char *s;
        cJSON *back;

        CHECK(o && sm_render_json_protocol(o, d) == 0, "%s: render_json failed", d->id.name);
        /* round trip through text, as the HTTP layer serves it */
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        CHECK(s != NULL, "%s: print failed", d->id.name);
        back = s ? cJSON_Parse(s) : NULL;
        free(s);
        CHECK(back != NULL, "%s: JSON does not parse", d->id.name);
        return back;
}

/*
 * With smartmontools' database: smartctl's names, and the endurance families. Values by
 * hand from skdump / smartctl: Intel 320 225 raw 0x0334 = 820 x 32 MiB = 27514634240,
 * 242 raw 0x121a = 4634 x 32 MiB = 155491237888, 233 normalized 100 -> 0; Kingston A400
 * 231 raw 98 -> 0.02, 241 398 GiB = 427349245952, 242 937 GiB = 1006096089088.
 */
static void check_with_drivedb(void)
{
        static struct sm_device_state devs[3];
        const struct sm_device_state *ptrs[3] = {&devs[0], &devs[1], &devs[2]};
        struct sm_drivedb *db = NULL;
        char err[256], *text;
        struct sm_buf b;
        size_t len;

        if (sm_drivedb_load("/usr/share/smartmontools/drivedb.h", &db, err, sizeof(err)) < 0) {
                printf("no drive database (%s): endurance rendering not checked\n", err);
                return;
        }
        sm_ata_set_drivedb(db);
        load(&devs[0], "intel320", "demo/INTEL_SSDSA2CW120G3--4PC10302");
        load(&devs[1], "kingston",
             "ata/blobs-from-smartctl/"
             "smartctl_exporter__sat-Phison_Driven_SSDs-KINGSTON_SA400M8120G-sda");
        load(&devs[2], "maxtor2", "demo/Maxtor_96147H8--BAC51KJ0--2");
        sm_buf_init(&b);
        sm_render_prom_protocol(&b, SM_PROTO_ATA, ptrs, 3);
        text = sm_buf_steal(&b, &len);
        CHECK(text && promtool_check(text) == 0, "promtool on the endurance families");
        if (getenv("SM_TEST_VERBOSE") && text)
                fputs(text, stdout);
        CHECK(text && has_line(text, "ssdmon_host_written_bytes_total{device=\"intel320\"} "
                                     "27514634240"),
              "intel320 written");
        CHECK(text && has_line(text, "ssdmon_host_read_bytes_total{device=\"intel320\"} "
                                     "155491237888"),
              "intel320 read");
        CHECK(text && has_line(text, "ssdmon_endurance_used_ratio{device=\"intel320\"} 0"),
              "intel320 used");
        CHECK(text && has_line(text, "ssdmon_endurance_source_info{device=\"intel320\",metric="
                                     "\"ssdmon_host_written_bytes_total\",source=\"attribute\","
                                     "attribute=\"225\"} 1"),
              "intel320 written source");
        CHECK(text && has_line(text, "ssdmon_endurance_used_ratio{device=\"kingston\"} 0.02"),
              "kingston used");
        CHECK(text && has_line(text, "ssdmon_host_written_bytes_total{device=\"kingston\"} "
                                     "427349245952"),
              "kingston written");
        CHECK(text && has_line(text, "ssdmon_host_read_bytes_total{device=\"kingston\"} "
                                     "1006096089088"),
              "kingston read");
        CHECK(text && has_line(text, "ssdmon_ata_attribute_raw{device=\"kingston\",id=\"231\","
                                     "name=\"SSD_Life_Left\"} 98"),
              "kingston 231 named by the database");
        CHECK(text && !strstr(text, "_ratio{device=\"maxtor2\"") &&
                      !strstr(text, "bytes_total{device=\"maxtor2\""),
              "no endurance for a drive not known to be an SSD");
        free(text);
        {
                cJSON *j = render_json(&devs[2]);
                const cJSON *ata = cJSON_GetObjectItemCaseSensitive(j, "ata");

                CHECK(strstr(str(ata, "endurance_missing"), "solid-state") ||
                              strstr(str(ata, "endurance_missing"), "rotating"),
                      "maxtor2 why: %s", str(ata, "endurance_missing"));
                cJSON_Delete(j);
                j = render_json(&devs[0]);
                ata = cJSON_GetObjectItemCaseSensitive(j, "ata");
                CHECK(num(ata, "host_written_bytes") == 27514634240.0 &&
                              strcmp(str(ata, "host_written_bytes_string"), "27514634240") == 0 &&
                              strcmp(str(ata, "host_written_source"), "attribute 225") == 0,
                      "intel320 JSON endurance");
                cJSON_Delete(j);
        }
        sm_ata_set_drivedb(NULL);
        sm_drivedb_free(db);
}

int main(void)
{
        static struct sm_device_state devs[7];
        const struct sm_device_state *ptrs[7];
        struct sm_buf b;
        char *text;
        size_t len;
        int rc;

        root = getenv("SM_SOURCE_ROOT");
        if (!root)
                root = ".";

        load(&devs[0], "intel320", "demo/INTEL_SSDSA2CW120G3--4PC10302");
        load(&devs[1], "maxtor2", "demo/Maxtor_96147H8--BAC51KJ0--2");
        load(&devs[2], "wdc", "demo/WDC_WD2500JB--00REA0-20.00K20");
        load(&devs[3], "fujitsu", "demo/FUJITSU_MHY2120BH--0085000B");
        load(&devs[4], "kingston",
             "ata/blobs-from-smartctl/"
             "smartctl_exporter__sat-Phison_Driven_SSDs-KINGSTON_SA400M8120G-sda");
        /* no data yet, and an NVMe device that slipped in: both must be ignored */
        memset(&devs[5], 0, sizeof(devs[5]));
        snprintf(devs[5].id.name, sizeof(devs[5].id.name), "sdz");
        devs[5].id.proto = SM_PROTO_ATA;
        devs[6] = devs[0];
        snprintf(devs[6].id.name, sizeof(devs[6].id.name), "nvme0n1");
        devs[6].id.proto = SM_PROTO_NVME;
        for (int i = 0; i < 7; i++)
                ptrs[i] = &devs[i];

        sm_buf_init(&b);
        sm_render_prom_protocol(&b, SM_PROTO_ATA, ptrs, 7);
        CHECK(!sm_buf_failed(&b), "render_prom buffer failed");
        text = sm_buf_steal(&b, &len);
        if (!text)
                return check_summary();

        if (getenv("SM_TEST_VERBOSE"))
                fputs(text, stdout);

        /* promtool (Prometheus' own linter/parser) */
        rc = promtool_check(text);
        if (rc == 127 || rc < 0) {
                printf("promtool not installed: skipping\n");
                free(text);
                return 77;
        }
        CHECK(rc == 0, "promtool check metrics failed (exit %d)", rc);

        /* each family header once */
        {
                static const char *const fams[] = {
                        "ssdmon_smart_status", "ssdmon_ata_attribute_normalized",
                        "ssdmon_ata_attribute_worst", "ssdmon_ata_attribute_threshold",
                        "ssdmon_ata_attribute_raw"};

                for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
                        char h[128], t[128];

                        snprintf(h, sizeof(h), "# HELP %s ", fams[i]);
                        snprintf(t, sizeof(t), "# TYPE %s gauge\n", fams[i]);
                        CHECK(count(text, h) == 1 && count(text, t) == 1,
                              "%s: %u HELP / %u TYPE lines", fams[i], count(text, h),
                              count(text, t));
                }
        }
        /* the lead renders the generic families: not us */
        CHECK(!strstr(text, "ssdmon_temperature_celsius") &&
                      !strstr(text, "ssdmon_smart_healthy") && !strstr(text, "ssdmon_device_up"),
              "generic families emitted by the ATA collector");
        CHECK(!strstr(text, "nvme0n1") && !strstr(text, "\"sdz\""),
              "device without data or of another protocol rendered");

        /* overall verdicts: skdump says GOOD (intel320), BAD_STATUS (maxtor2), none (wdc) */
        CHECK(has_line(text, "ssdmon_smart_status{device=\"intel320\",status=\"good\"} 1"),
              "intel320 good");
        CHECK(has_line(text, "ssdmon_smart_status{device=\"intel320\",status=\"bad_sector\"} 0"),
              "intel320 bad_sector 0");
        CHECK(has_line(text, "ssdmon_smart_status{device=\"maxtor2\",status=\"bad_status\"} 1"),
              "maxtor2 bad_status");
        CHECK(has_line(text, "ssdmon_smart_status{device=\"maxtor2\",status=\"good\"} 0"),
              "maxtor2 good 0");
        CHECK(count(text, "ssdmon_smart_status{device=\"intel320\",") == 6,
              "six status series for intel320");
        CHECK(count(text, "ssdmon_smart_status{device=\"wdc\",") == 0,
              "wdc has no SMST record: no verdict series");
        CHECK(count(text, "status=\"bad_attribute_in_the_past\"") == 4, "state names");

        /* attribute series, values from skdump output */
        CHECK(count(text, "ssdmon_ata_attribute_raw{device=\"intel320\",") == 19,
              "intel320: skdump lists 19 attributes");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"intel320\",id=\"9\",name=\"power-"
                             "on-hours\"} 45"),
              "intel320 power-on-hours raw 0x2d");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"intel320\",id=\"242\",name=\"total-"
                             "lbas-read\"} 4634"),
              "intel320 242 raw 0x1a12");
        CHECK(has_line(text, "ssdmon_ata_attribute_threshold{device=\"intel320\",id=\"170\",name="
                             "\"available-reserved-space\"} 10"),
              "intel320 170 threshold 10");
        CHECK(has_line(text, "ssdmon_ata_attribute_normalized{device=\"maxtor2\",id=\"3\",name="
                             "\"spin-up-time\"} 187"),
              "maxtor2 3 value 187");
        CHECK(has_line(text, "ssdmon_ata_attribute_worst{device=\"maxtor2\",id=\"3\",name=\"spin-"
                             "up-time\"} 183"),
              "maxtor2 3 worst 183");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"maxtor2\",id=\"3\",name=\"spin-up-"
                             "time\"} 61976378081334"),
              "maxtor2 3 raw 0x360000005e38");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"maxtor2\",id=\"1\",name=\"raw-read-"
                             "error-rate\"} 441745"),
              "maxtor2 1 raw");
        CHECK(has_line(text, "ssdmon_ata_attribute_worst{device=\"wdc\",id=\"3\",name=\"spin-up-"
                             "time\"} 1"),
              "wdc 3 worst 1");
        CHECK(has_line(text, "ssdmon_ata_attribute_threshold{device=\"wdc\",id=\"3\",name=\"spin-"
                             "up-time\"} 21"),
              "wdc 3 threshold 21");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"fujitsu\",id=\"5\",name="
                             "\"reallocated-sector-count\"} 8589934592000"),
              "fujitsu 5 raw 0x00000000d007 (48 bits exact)");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"fujitsu\",id=\"197\",name="
                             "\"attribute-197\"} 120173136838658"),
              "fujitsu 197 raw with libatasmart's generic name (name copied after callback)");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"kingston\",id=\"194\",name="
                             "\"temperature-celsius-2\"} 120261640230"),
              "kingston 194 raw 0x260027001c00");
        CHECK(has_line(text, "ssdmon_ata_attribute_raw{device=\"kingston\",id=\"231\",name="
                             "\"temperature-celsius\"} 98"),
              "kingston 231 raw 98 (libatasmart 0.19's name)");
        free(text);

        /* JSON */
        {
                cJSON *j = render_json(&devs[0]);
                const cJSON *ata = cJSON_GetObjectItemCaseSensitive(j, "ata");
                const cJSON *a9 = attr_json(j, 9), *a170 = attr_json(j, 170);

                CHECK(strcmp(str(ata, "overall"), "good") == 0, "intel320 JSON overall");
                CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ata, "smart_status_passed")),
                      "intel320 smart_status_passed");
                CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ata, "attributes")) == 19,
                      "intel320 19 attributes in JSON");
                CHECK(a9 && num(a9, "raw") == 45 && strcmp(str(a9, "raw_string"), "45") == 0 &&
                              num(a9, "value") == 100 && num(a9, "worst") == 100 &&
                              strcmp(str(a9, "name"), "power-on-hours") == 0,
                      "intel320 attr 9 JSON");
                CHECK(a170 && num(a170, "threshold") == 10 &&
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a170, "prefailure")) &&
                              cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a170, "online")),
                      "intel320 attr 170 JSON (skdump: prefail online, threshold 10)");
                cJSON_Delete(j);

                j = render_json(&devs[1]);
                ata = cJSON_GetObjectItemCaseSensitive(j, "ata");
                CHECK(strcmp(str(ata, "overall"), "bad_status") == 0, "maxtor2 JSON overall");
                CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ata, "smart_status_passed")),
                      "maxtor2 smart_status_passed false");
                cJSON_Delete(j);

                j = render_json(&devs[2]);
                ata = cJSON_GetObjectItemCaseSensitive(j, "ata");
                CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ata, "overall")) &&
                              cJSON_IsNull(
                                      cJSON_GetObjectItemCaseSensitive(ata, "smart_status_passed")),
                      "wdc without SMST: overall and status null");
                cJSON_Delete(j);

                j = render_json(&devs[3]);
                a9 = attr_json(j, 5);
                CHECK(a9 && strcmp(str(a9, "raw_string"), "8589934592000") == 0 &&
                              num(a9, "raw") == 8589934592000.0,
                      "fujitsu attr 5 raw_string");
                cJSON_Delete(j);

                /* without a drive database: no endurance from attributes, and why */
                j = render_json(&devs[4]);
                ata = cJSON_GetObjectItemCaseSensitive(j, "ata");
                CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ata, "endurance_used_ratio")) &&
                              strstr(str(ata, "endurance_missing"), "no drive database"),
                      "kingston without database: endurance null, why: %s",
                      str(ata, "endurance_missing"));
                cJSON_Delete(j);

                /* no data: nothing added */
                j = cJSON_CreateObject();
                CHECK(sm_render_json_protocol(j, &devs[5]) == 0 &&
                              !cJSON_GetObjectItemCaseSensitive(j, "ata"),
                      "device without data: no ata object");
                cJSON_Delete(j);
        }
        check_with_drivedb();
        return check_summary();
}
