/* SPDX-License-Identifier: MIT */
/*
 * test-ata-logs-render - the declarations of the ATA log values (ata_log_readings.c)
 * through the generic renderers: the Samsung 860 EVO replay (blob + .devstat) and a
 * drive whose error and self-test logs were decoded from sectors built by hand.
 * Prometheus text passes `promtool check metrics`; expected values are the drive's
 * own smartctl -x JSON (860 EVO) and the hand-built sectors' contents.
 */
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/render.h"
#include "collectors/ata.h"
#include "collectors/ata_log.h"
#include "lib/buf.h"
#include "test/check.h"

static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = text; (p = strstr(p, line)) != NULL; p += n) {
                if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
                        return true;
        }
        return false;
}

static int promtool(const char *text)
{
        FILE *p = popen("promtool check metrics >/dev/null 2>&1", "we");

        if (!p)
                return -1;
        fputs(text, p);
        return WEXITSTATUS(pclose(p));
}

static cJSON *json_of(const struct sm_device_state *d)
{
        cJSON *o = cJSON_CreateObject();
        char *s;
        cJSON *back;

        CHECK(o && sm_render_json_protocol(o, d) == 0, "render_json");
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        back = s ? cJSON_Parse(s) : NULL;
        free(s);
        return back;
}

static const cJSON *get(const cJSON *o, const char *a, const char *b, const char *c)
{
        o = cJSON_GetObjectItemCaseSensitive(o, a);
        if (b)
                o = cJSON_GetObjectItemCaseSensitive(o, b);
        if (c)
                o = cJSON_GetObjectItemCaseSensitive(o, c);
        return o;
}

static double num(const cJSON *o)
{
        return cJSON_IsNumber(o) ? o->valuedouble : -1;
}

static void sum(uint8_t *s)
{
        uint8_t c = 0;

        for (int i = 0; i < 511; i++)
                c = (uint8_t)(c + s[i]);
        s[511] = (uint8_t)(0x100 - c);
}

int main(void)
{
        static struct sm_device_state devs[2];
        const struct sm_device_state *ptrs[2] = {&devs[0], &devs[1]};
        const char *root = getenv("SM_SOURCE_ROOT");
        struct sm_read_opts opts = {.timeout_ms = 1000};
        char err[192] = "";
        struct sm_buf b;
        char *text;
        cJSON *j;
        int rc;

        /* 1. the 860 EVO replay */
        memset(devs, 0, sizeof(devs));
        snprintf(devs[0].id.name, sizeof(devs[0].id.name), "evo");
        snprintf(devs[0].id.devnode, sizeof(devs[0].id.devnode),
                 "%s/test/data/demo/Samsung_SSD_860_EVO_500GB--RVT02B6Q", root ? root : ".");
        devs[0].id.replay = true;
        devs[0].id.proto = SM_PROTO_ATA;
        rc = sm_ata_collector.read(&devs[0].id, &opts, &devs[0].health, err, sizeof(err));
        CHECK(rc == 0, "860 EVO replay: %d %s", rc, err);
        devs[0].have_data = rc == 0;
        /* endurance from its Device Statistics: 19 % used, 64777770148 x 512 bytes written,
         * 34909544344 x 512 read (smartctl -x of the drive; 512-byte logical sectors) */
        {
                const struct sm_endurance *e = &devs[0].health.ata.endurance;

                CHECK(e->used.present && e->used.source == SM_ENDURANCE_DEVSTAT &&
                              e->used_ratio == 0.19,
                      "860 EVO endurance used %g (source %d)", e->used_ratio, e->used.source);
                CHECK(e->written.present && e->written.source == SM_ENDURANCE_DEVSTAT &&
                              e->written_bytes == 64777770148ull * 512 && e->read.present &&
                              e->read_bytes == 34909544344ull * 512,
                      "860 EVO host bytes %llu", (unsigned long long)e->written_bytes);
        }

        /* 2. a drive with logs decoded from hand-built sectors (ACS-4 layouts) */
        devs[1] = devs[0];
        snprintf(devs[1].id.name, sizeof(devs[1].id.name), "logs");
        {
                uint8_t serr[512] = {0}, sst[512] = {0};
                struct sm_ata_logs *l = &devs[1].health.ata.logs;
                uint8_t *e = serr + 2, *x = sst + 2;

                /* summary error log: 3 errors, newest in slot 0: READ DMA (C8h) at LBA
                 * 0x0123456, UNC, 1234 h */
                serr[0] = 1;
                serr[1] = 1;
                serr[452] = 3;
                e[48 + 7] = 0xC8;
                e[60 + 1] = 0x40;
                e[60 + 3] = 0x56;
                e[60 + 4] = 0x34;
                e[60 + 5] = 0x12;
                e[60 + 6] = 0xE0;
                e[60 + 7] = 0x51;
                e[60 + 28] = 1234 & 0xFF;
                e[60 + 29] = 1234 >> 8;
                sum(serr);
                /* self-test log: one short offline test, read failure at LBA 777, 4321 h */
                sst[0] = 1;
                sst[508] = 1;
                x[0] = 0x01;
                x[1] = 0x70;
                x[2] = 4321 & 0xFF;
                x[3] = 4321 >> 8;
                x[5] = 0x09;
                x[6] = 0x03;
                sum(sst);
                CHECK(sm_ata_summary_error_log_decode(serr, &l->errors) == 0, "serr decode");
                CHECK(sm_ata_self_test_log_decode(sst, &l->self_tests) == 0, "sst decode");
        }

        sm_buf_init(&b);
        sm_render_prom_protocol(&b, SM_PROTO_ATA, ptrs, 2);
        text = sm_buf_steal(&b, NULL);
        CHECK(text != NULL, "render");
        if (!text)
                return check_summary();
        rc = promtool(text);
        if (rc == 127 || rc < 0) {
                printf("promtool not installed: skipping\n");
                free(text);
                return 77;
        }
        CHECK(rc == 0, "promtool check metrics failed (exit %d)", rc);
        /* the 860 EVO's smartctl -x: Highest 57, Lowest 24, Reported Uncorrectable 0 */
        CHECK(has_line(text, "ssdmon_ata_devstat_temperature_highest_celsius{device=\"evo\"} 57"),
              "evo highest");
        CHECK(has_line(text, "ssdmon_ata_devstat_temperature_lowest_celsius{device=\"evo\"} 24"),
              "evo lowest");
        CHECK(has_line(text, "ssdmon_ata_devstat_reported_uncorrectable_errors_total{device="
                             "\"evo\"} 0"),
              "evo uncorrectable");
        /* the replay has no error/self-test logs: no series, not 0 */
        CHECK(!strstr(text, "ssdmon_ata_error_log_errors_total{device=\"evo\"}") &&
                      !strstr(text, "ssdmon_ata_self_test_last_status{device=\"evo\"}"),
              "evo: absent logs rendered");
        CHECK(has_line(text, "ssdmon_ata_error_log_errors_total{device=\"logs\"} 3"), "errors 3");
        CHECK(has_line(text, "ssdmon_ata_self_test_last_status{device=\"logs\"} 7"),
              "last status 7 (read failure)");
        CHECK(has_line(text, "ssdmon_ata_self_tests_failed{device=\"logs\"} 1"), "failed 1");
        CHECK(strstr(text, "# TYPE ssdmon_ata_error_log_errors_total counter\n") != NULL,
              "errors counter type");
        if (getenv("SM_TEST_VERBOSE"))
                fputs(text, stdout);
        free(text);

        j = json_of(&devs[0]);
        CHECK(j != NULL, "evo JSON");
        {
                const cJSON *ds = get(j, "ata", "devstat", NULL);

                CHECK(cJSON_IsTrue(get(ds, "read", NULL, NULL)), "evo devstat read");
                CHECK(strcmp(cJSON_GetStringValue(get(ds, "source", NULL, NULL)) ?: "",
                             "capture") == 0,
                      "evo source");
                CHECK(cJSON_GetArraySize(get(ds, "pages", NULL, NULL)) == 6, "evo pages");
                CHECK(num(get(ds, "logical_sectors_written", NULL, NULL)) == 64777770148.0 &&
                              num(get(ds, "logical_sectors_read", NULL, NULL)) == 34909544344.0 &&
                              num(get(ds, "power_on_hours", NULL, NULL)) == 14551 &&
                              num(get(ds, "power_cycles", NULL, NULL)) == 13 &&
                              num(get(ds, "percentage_used", NULL, NULL)) == 19 &&
                              num(get(ds, "temperature_celsius", NULL, NULL)) == 36,
                      "evo devstat values (smartctl -x of the drive)");
                CHECK(cJSON_IsNull(get(ds, "why", NULL, NULL)), "evo why");
                CHECK(cJSON_IsFalse(get(j, "ata", "error_log", "present")) &&
                              cJSON_IsString(get(j, "ata", "error_log", "why")) &&
                              cJSON_IsNull(get(j, "ata", "error_log", "count")),
                      "evo error log absent with a reason");
                /* the attribute table and verdict stay where they were */
                CHECK(cJSON_IsArray(get(j, "ata", "attributes", NULL)) &&
                              cJSON_IsString(get(j, "ata", "overall", NULL)),
                      "evo ata object");
        }
        cJSON_Delete(j);
        j = json_of(&devs[1]);
        {
                const cJSON *e0 = cJSON_GetArrayItem(get(j, "ata", "error_log", "entries"), 0);
                const cJSON *t0 = cJSON_GetArrayItem(get(j, "ata", "self_test_log", "entries"), 0);

                CHECK(num(get(e0, "number", NULL, NULL)) == 3 &&
                              num(get(e0, "lba", NULL, NULL)) == 0x0123456 &&
                              num(get(e0, "command", NULL, NULL)) == 0xC8 &&
                              num(get(e0, "power_on_hours", NULL, NULL)) == 1234 &&
                              num(get(e0, "error_register", NULL, NULL)) == 0x40 &&
                              num(get(e0, "status_register", NULL, NULL)) == 0x51,
                      "error entry JSON");
                CHECK(strcmp(cJSON_GetStringValue(get(j, "ata", "error_log", "source")) ?: "",
                             "summary") == 0,
                      "error source");
                CHECK(num(get(t0, "status", NULL, NULL)) == 7 &&
                              cJSON_IsFalse(get(t0, "passed", NULL, NULL)) &&
                              num(get(t0, "failing_lba", NULL, NULL)) == 0x0309 &&
                              num(get(t0, "power_on_hours", NULL, NULL)) == 4321 &&
                              strcmp(cJSON_GetStringValue(get(t0, "type_name", NULL, NULL)) ?: "",
                                     "Short offline") == 0 &&
                              strcmp(cJSON_GetStringValue(get(t0, "status_name", NULL, NULL)) ?: "",
                                     "Completed: read failure") == 0,
                      "self-test entry JSON");
        }
        cJSON_Delete(j);
        return check_summary();
}
