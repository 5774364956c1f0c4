/* SPDX-License-Identifier: MIT */
/*
 * test-nvme-mock.c - the NVMe collector against the real libnvme, with the
 * controller played by ioctl_mock.so (LD_PRELOAD, set by meson).
 *
 * The SMART/Health page and the Identify Controller data are built here byte by
 * byte from the NVMe Base Specification layout (figure "SMART / Health Information
 * Log Page", Identify Controller bytes 4..71, 266..269, 280..295) with values
 * written by hand; every expected value below is worked out by hand from them,
 * never taken from our decoder.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/render.h"
#include "collectors/nvme.h"
#include "lib/buf.h"
#include "test/check.h"

static char dir[128], dev[192], smart_path[192], idctrl_path[192], log_path[192];

static void put_le(uint8_t *p, unsigned width, uint64_t v)
{
        for (unsigned i = 0; i < width; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* The hand-written page. */
static void build_page(uint8_t *p)
{
        memset(p, 0, 512);
        p[0] = 0x05; /* critical warning: bit 0 spare, bit 2 degraded */
        p[1] = 0x42; /* composite temperature 0x0142 = 322 K = 49 °C */
        p[2] = 0x01;
        p[3] = 7;                   /* available spare 7 % */
        p[4] = 10;                  /* threshold 10 % */
        p[5] = 180;                 /* percentage used 180 % */
        p[6] = 0x08;                /* endurance group summary: bit 3 read-only */
        put_le(p + 32, 8, 1000);    /* data units read */
        p[48] = 5;                  /* data units written = 2^64 + 5: low qword 5 ... */
        p[56] = 1;                  /* ... high qword 1 */
        for (int i = 0; i < 8; i++) /* host read commands 0x0102030405060708 */
                p[64 + i] = (uint8_t)(8 - i);
        put_le(p + 80, 8, 123456789); /* host write commands */
        put_le(p + 96, 8, 90);        /* controller busy 90 min */
        put_le(p + 112, 8, 42);       /* power cycles */
        put_le(p + 128, 8, 10000);    /* power-on hours */
        put_le(p + 144, 8, 7);        /* unsafe shutdowns */
        put_le(p + 160, 8, 3);        /* media errors */
        p[176] = 0x2c;                /* error log entries 0x012c = 300 */
        p[177] = 0x01;
        put_le(p + 192, 4, 5);      /* warning composite temperature time, 5 min */
        put_le(p + 196, 4, 2);      /* critical composite temperature time, 2 min */
        for (int i = 0; i < 8; i++) /* sensors 1..8: 300..307 K */
                put_le(p + 200 + 2 * i, 2, 300 + (unsigned)i);
        put_le(p + 216, 4, 11);   /* TMT1 transitions */
        put_le(p + 220, 4, 22);   /* TMT2 transitions */
        put_le(p + 224, 4, 3333); /* TMT1 total seconds */
        put_le(p + 228, 4, 4444); /* TMT2 total seconds */
        p[511] = 0xa5;            /* reserved byte: must be ignored */
}

static void build_id_ctrl(uint8_t *p)
{
        memset(p, 0, 4096);
        memcpy(p + 4, "  S4EWNX0R123456    ", 20);                      /* SN, bytes 23:04 */
        memcpy(p + 24, "Samsung SSD 970 EVO Plus 1TB            ", 40); /* MN, 63:24 */
        memcpy(p + 64, "2B2QEXM7", 8);                                  /* FR, 71:64 */
        put_le(p + 266, 2, 355);                                        /* WCTEMP 355 K = 82 °C */
        put_le(p + 268, 2, 360);                                        /* CCTEMP 360 K = 87 °C */
        put_le(p + 280, 8, 1000204886016ULL);                           /* TNVMCAP */
}

static void write_file(const char *path, const void *data, size_t len)
{
        FILE *f = fopen(path, "we");

        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                perror(path);
                exit(2);
        }
}

/* The admin commands the mock saw since the last reset, one per line. */
static int read_log(char lines[][256], int max)
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

static void reset_mock(void)
{
        unlink(log_path);
        unsetenv("SM_NVME_MOCK_FAIL");
        unsetenv("SM_NVME_MOCK_FAIL_OPCODE");
        unsetenv("SM_NVME_MOCK_ALIAS");
        setenv("SM_NVME_MOCK_SMART", smart_path, 1);
        setenv("SM_NVME_MOCK_IDCTRL", idctrl_path, 1);
}

static struct sm_device_id live_id(const char *devnode, const char *name)
{
        struct sm_device_id id;

        memset(&id, 0, sizeof(id));
        snprintf(id.devnode, sizeof(id.devnode), "%s", devnode);
        snprintf(id.name, sizeof(id.name), "%s", name);
        id.proto = SM_PROTO_NVME;
        return id;
}

static bool near(double a, double b)
{
        return fabs(a - b) < 1e-9;
}

static int do_read(const struct sm_device_id *id, unsigned timeout_ms, struct sm_health *h,
                   char *err, size_t errlen)
{
        struct sm_read_opts opts = {.timeout_ms = timeout_ms};

        err[0] = '\0';
        return sm_nvme_collector.read(id, &opts, h, err, errlen);
}

static void check_commands(unsigned timeout_ms)
{
        char lines[8][256];
        int n = read_log(lines, 8);
        unsigned t = 0;

        /* SMART/Health, Identify, then what Identify allows: this Identify has ELPE 0
         * (one error log entry) and OACS bit 4 clear (no self-test log). */
        CHECK(n == 3,
              "expected 3 admin commands (Get Log Page 02h, Identify, Get Log Page 01h), "
              "got %d",
              n);
        /* Error log: 1 entry = 64 bytes, NUMD 15 (0Fh), RAE, NSID all: CDW10 000F_8001h. */
        if (n >= 3)
                CHECK(strncmp(lines[2],
                              "opcode=0x02 nsid=0xffffffff cdw10=0x000f8001 cdw11=0x00000000 "
                              "cdw12=0x00000000 cdw13=0x00000000 cdw14=0x00000000 data_len=64 ",
                              strlen("opcode=0x02 nsid=0xffffffff cdw10=0x000f8001 "
                                     "cdw11=0x00000000 cdw12=0x00000000 cdw13=0x00000000 "
                                     "cdw14=0x00000000 data_len=64 ")) == 0,
                      "Get Log Page 01h command: %s", lines[2]);
        if (n < 1)
                return;
        /* Get Log Page: opcode 02h, NSID all, CDW10 = LID 02h | RAE (bit 15) | NUMDL 127. */
        CHECK(strncmp(lines[0],
                      "opcode=0x02 nsid=0xffffffff cdw10=0x007f8002 cdw11=0x00000000 "
                      "cdw12=0x00000000 cdw13=0x00000000 cdw14=0x00000000 data_len=512 ",
                      strlen("opcode=0x02 nsid=0xffffffff cdw10=0x007f8002 cdw11=0x00000000 "
                             "cdw12=0x00000000 cdw13=0x00000000 cdw14=0x00000000 data_len=512 ")) ==
                      0,
              "Get Log Page command: %s", lines[0]);
        CHECK(sscanf(strstr(lines[0], "timeout_ms=") ? strstr(lines[0], "timeout_ms=") : "",
                     "timeout_ms=%u", &t) == 1 &&
                      t > 0 && t <= timeout_ms,
              "Get Log Page timeout %u must be in 1..%u: %s", t, timeout_ms, lines[0]);
        if (n < 2)
                return;
        /* Identify: opcode 06h, CNS 01h (controller), CNTID 0, NSID 0, 4096 bytes. */
        CHECK(strncmp(lines[1], "opcode=0x06 nsid=0x00000000 cdw10=0x00000001 ",
                      strlen("opcode=0x06 nsid=0x00000000 cdw10=0x00000001 ")) == 0 &&
                      strstr(lines[1], " data_len=4096 "),
              "Identify command: %s", lines[1]);
        t = 0;
        CHECK(strstr(lines[1], "timeout_ms=") &&
                      sscanf(strstr(lines[1], "timeout_ms="), "timeout_ms=%u", &t) == 1 && t > 0 &&
                      t <= timeout_ms,
              "Identify timeout %u must be in 1..%u", t, timeout_ms);
}

static void check_health(const struct sm_health *h, const uint8_t *page, bool with_id)
{
        CHECK(OPT(h->has_healthy, h->healthy) == 0,
              "healthy %d, expected 0 (critical warning 0x05)", OPT(h->has_healthy, h->healthy));
        CHECK(OPT(h->has_rotation_rate, h->rotation_rate) == 0, "rotation rate %d",
              OPT(h->has_rotation_rate, h->rotation_rate));
        CHECK(h->has_temperature && near(h->temperature_c, 49), "temperature %g, expected 49",
              h->temperature_c);
        for (int i = 0; i < 8; i++)
                CHECK(near(h->sensor_temps_c[i], 27 + i), "sensor %d: %g, expected %d", i + 1,
                      h->sensor_temps_c[i], 27 + i);
        CHECK(h->has_power_on && h->power_on_seconds == 36000000ULL,
              "power-on %llu s, expected 36000000", (unsigned long long)h->power_on_seconds);
        CHECK(h->has_power_cycles && h->power_cycles == 42, "power cycles %llu",
              (unsigned long long)h->power_cycles);
        CHECK(memcmp(h->nvme.smart_log, page, 512) == 0, "raw log kept byte for byte");
        CHECK(!h->has_bad_sectors, "NVMe has no bad-sector count");
        CHECK(h->nvme.have_id == with_id, "have_id %d", h->nvme.have_id);
        if (!with_id)
                return;
        CHECK(strcmp(h->ident.model, "Samsung SSD 970 EVO Plus 1TB") == 0, "model '%s'",
              h->ident.model);
        CHECK(strcmp(h->ident.serial, "S4EWNX0R123456") == 0, "serial '%s'", h->ident.serial);
        CHECK(strcmp(h->ident.firmware, "2B2QEXM7") == 0, "firmware '%s'", h->ident.firmware);
        CHECK(h->nvme.wctemp == 355 && h->nvme.cctemp == 360, "wctemp %u cctemp %u", h->nvme.wctemp,
              h->nvme.cctemp);
        CHECK(h->capacity_bytes == 1000204886016ULL, "capacity %llu",
              (unsigned long long)h->capacity_bytes);
}

static double jnum(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsNumber(v) ? v->valuedouble : (double)NAN;
}

static const char *jstr(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

static void check_json(const struct sm_device_state *d)
{
        cJSON *root = cJSON_CreateObject();
        const cJSON *o;
        int r = sm_render_json_protocol(root, d);

        /* key, number (raw as stored) */
        static const struct {
                const char *key;
                double v;
        } nums[] = {
                {"critical_warning", 5},
                {"temperature", 322},
                {"temperature_celsius", 49},
                {"avail_spare", 7},
                {"available_spare_ratio", 0.07},
                {"spare_thresh", 10},
                {"available_spare_threshold_ratio", 0.10},
                {"percent_used", 180},
                {"endurance_used_ratio", 1.8},
                {"endurance_grp_critical_warning_summary", 8},
                {"data_units_read", 1000},
                {"host_read_bytes", 512000000},
                {"data_units_written", 18446744073709551621.0},
                {"host_written_bytes", 9444732965739290429952000.0},
                {"host_read_commands", 72623859790382856.0},
                {"host_write_commands", 123456789},
                {"controller_busy_time", 90},
                {"controller_busy_seconds", 5400},
                {"power_cycles", 42},
                {"power_on_hours", 10000},
                {"power_on_seconds", 36000000},
                {"unsafe_shutdowns", 7},
                {"media_errors", 3},
                {"num_err_log_entries", 300},
                {"warning_temp_time", 5},
                {"warning_temperature_seconds", 300},
                {"critical_comp_time", 2},
                {"critical_temperature_seconds", 120},
                {"temperature_sensor_1", 300},
                {"temperature_sensor_1_celsius", 27},
                {"temperature_sensor_8", 307},
                {"temperature_sensor_8_celsius", 34},
                {"thm_temp1_trans_count", 11},
                {"thm_temp2_trans_count", 22},
                {"thm_temp1_total_time", 3333},
                {"thm_temp2_total_time", 4444},
                {"wctemp", 355},
                {"cctemp", 360},
        };

        static const struct {
                const char *key, *v;
        } strs[] = {
                {"data_units_written_string", "18446744073709551621"},
                {"host_written_bytes_string", "9444732965739290429952000"},
                {"host_read_commands_string", "72623859790382856"},
                {"host_read_bytes_string", "512000000"},
                {"power_on_seconds_string", "36000000"},
                {"num_err_log_entries_string", "300"},
        };

        static const struct {
                const char *key;
                bool v;
        } flags[] = {
                {"critical_warning_spare", true},
                {"critical_warning_temperature", false},
                {"critical_warning_degraded", true},
                {"critical_warning_readonly", false},
                {"critical_warning_volatile_memory", false},
                {"critical_warning_pmr_readonly", false},
                {"endurance_grp_critical_warning_spare", false},
                {"endurance_grp_critical_warning_degraded", false},
                {"endurance_grp_critical_warning_readonly", true},
        };

        CHECK(r == 0, "render_json returned %d", r);
        o = cJSON_GetObjectItemCaseSensitive(root, "nvme");
        CHECK(cJSON_IsObject(o), "JSON has an \"nvme\" object");
        if (!o) {
                cJSON_Delete(root);
                return;
        }
        for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
                double v = jnum(o, nums[i].key);

                CHECK(v == nums[i].v || fabs(v - nums[i].v) <= 1e-12 * fabs(nums[i].v),
                      "JSON %s = %.17g, expected %.17g", nums[i].key, v, nums[i].v);
        }
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
                CHECK(strcmp(jstr(o, strs[i].key), strs[i].v) == 0, "JSON %s = '%s', expected '%s'",
                      strs[i].key, jstr(o, strs[i].key), strs[i].v);
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, flags[i].key);

                CHECK(cJSON_IsBool(v) && (bool)cJSON_IsTrue(v) == flags[i].v,
                      "JSON %s, expected %s", flags[i].key, flags[i].v ? "true" : "false");
        }
        cJSON_Delete(root);
}

static void check_prom(const struct sm_device_state *d)
{
        static const char *const lines[] = {
                "ssdmon_nvme_critical_warning{device=\"nvme0n1\",warning=\"spare\"} 1",
                "ssdmon_nvme_critical_warning{device=\"nvme0n1\",warning=\"temperature\"} 0",
                "ssdmon_nvme_critical_warning{device=\"nvme0n1\",warning=\"degraded\"} 1",
                "ssdmon_nvme_critical_warning{device=\"nvme0n1\",warning=\"readonly\"} 0",
                "ssdmon_nvme_critical_warning{device=\"nvme0n1\",warning=\"volatile_memory\"} 0",
                "ssdmon_nvme_critical_warning{device=\"nvme0n1\",warning=\"pmr_readonly\"} 0",
                "ssdmon_nvme_endurance_group_critical_warning{device=\"nvme0n1\",warning="
                "\"readonly\"} 1",
                "ssdmon_available_spare_ratio{device=\"nvme0n1\"} 0.07",
                "ssdmon_available_spare_threshold_ratio{device=\"nvme0n1\"} 0.1",
                "ssdmon_endurance_used_ratio{device=\"nvme0n1\"} 1.8",
                "ssdmon_host_read_bytes_total{device=\"nvme0n1\"} 512000000",
                "ssdmon_host_written_bytes_total{device=\"nvme0n1\"} 9444732965739290429952000",
                "ssdmon_nvme_host_read_commands_total{device=\"nvme0n1\"} 72623859790382856",
                "ssdmon_nvme_host_write_commands_total{device=\"nvme0n1\"} 123456789",
                "ssdmon_nvme_controller_busy_seconds_total{device=\"nvme0n1\"} 5400",
                "ssdmon_nvme_unsafe_shutdowns_total{device=\"nvme0n1\"} 7",
                "ssdmon_nvme_media_errors_total{device=\"nvme0n1\"} 3",
                "ssdmon_nvme_error_log_entries_total{device=\"nvme0n1\"} 300",
                "ssdmon_nvme_warning_temperature_seconds_total{device=\"nvme0n1\"} 300",
                "ssdmon_nvme_critical_temperature_seconds_total{device=\"nvme0n1\"} 120",
                "ssdmon_nvme_thermal_transitions_total{device=\"nvme0n1\",threshold=\"1\"} 11",
                "ssdmon_nvme_thermal_transitions_total{device=\"nvme0n1\",threshold=\"2\"} 22",
                "ssdmon_nvme_thermal_seconds_total{device=\"nvme0n1\",threshold=\"1\"} 3333",
                "ssdmon_nvme_thermal_seconds_total{device=\"nvme0n1\",threshold=\"2\"} 4444",
                "ssdmon_nvme_temperature_threshold_celsius{device=\"nvme0n1\",threshold="
                "\"warning\"} 82",
                "ssdmon_nvme_temperature_threshold_celsius{device=\"nvme0n1\",threshold="
                "\"critical\"} 87",
        };
        /* Rendered by the lead from struct sm_health: must not appear twice. */
        static const char *const generic[] = {
                "ssdmon_temperature_celsius",
                "ssdmon_power_on_seconds_total",
                "ssdmon_power_cycles_total",
                "ssdmon_smart_healthy",
                "ssdmon_device_",
        };
        const struct sm_device_state *devs[] = {d};
        struct sm_buf b;
        char *text;

        sm_buf_init(&b);
        sm_render_prom_protocol(&b, SM_PROTO_NVME, devs, 1);
        text = sm_buf_steal(&b, NULL);
        CHECK(text != NULL, "render_prom produced text");
        if (!text)
                return;
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                char want[256];

                snprintf(want, sizeof(want), "\n%s\n", lines[i]);
                CHECK(strstr(text, want) != NULL, "Prometheus line missing: %s", lines[i]);
        }
        for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
                CHECK(strstr(text, generic[i]) == NULL,
                      "generic family %s rendered by the collector", generic[i]);
        if (check_failed)
                fputs(text, stdout);
        free(text);
}

static void test_good_read(const uint8_t *page)
{
        struct sm_device_id id = live_id(dev, "nvme0n1");
        struct sm_device_state d;
        char err[192];
        int r;

        reset_mock();
        memset(&d, 0, sizeof(d));
        r = do_read(&id, 2500, &d.health, err, sizeof(err));
        CHECK(r == 0, "live read returned %d (%s)", r, err);
        check_commands(2500);
        if (r != 0)
                return;
        check_health(&d.health, page, true);
        d.id = id;
        d.have_data = true;
        d.status = SM_READ_OK;
        check_json(&d);
        check_prom(&d);
}

static void test_default_timeout_and_fallback(void)
{
        struct sm_device_id id = live_id("/nonexistent-ssdmon/nvme0", "ssdmon-mock-nvme0n1");
        struct sm_health h;
        char err[192];
        int r;

        /* The controller node is missing (container): fall back to /dev/<namespace>. */
        reset_mock();
        setenv("SM_NVME_MOCK_ALIAS", "/dev/ssdmon-mock-nvme0n1", 1);
        r = do_read(&id, 0, &h, err, sizeof(err));
        CHECK(r == 0, "fallback to /dev/<name>: %d (%s)", r, err);
        /* No configured timeout: the collector's own bound, never libnvme's 0 (60 s). */
        check_commands(SM_NVME_DEFAULT_TIMEOUT_MS);

        reset_mock();
        r = do_read(&id, 1000, &h, err, sizeof(err));
        CHECK(r == -ENOENT && strstr(err, "/dev/ssdmon-mock-nvme0n1"),
              "neither node exists: %d (%s)", r, err);
}

static void test_failure(const char *fail, const char *opcode, int want_r, const char *want1,
                         const char *want2)
{
        struct sm_device_id id = live_id(dev, "nvme0n1");
        struct sm_health h;
        char err[192];
        int r;

        reset_mock();
        setenv("SM_NVME_MOCK_FAIL", fail, 1);
        if (opcode)
                setenv("SM_NVME_MOCK_FAIL_OPCODE", opcode, 1);
        memset(&h, 0x5a, sizeof(h));
        r = do_read(&id, 2000, &h, err, sizeof(err));
        CHECK(r == want_r, "fail=%s opcode=%s: returned %d, expected %d (%s)", fail,
              opcode ? opcode : "any", r, want_r, err);
        CHECK(strstr(err, want1) != NULL && (!want2 || strstr(err, want2) != NULL),
              "fail=%s: message '%s' lacks '%s'/'%s'", fail, err, want1, want2 ? want2 : "");
        CHECK(strchr(err, '\n') == NULL && strlen(err) > 0, "fail=%s: one-line message", fail);
        CHECK(((unsigned char *)&h)[0] == 0x5a && ((unsigned char *)&h)[sizeof(h) - 1] == 0x5a,
              "fail=%s: result left untouched", fail);
}

static void test_identify_refused(const uint8_t *page)
{
        struct sm_device_id id = live_id(dev, "nvme0n1");
        struct sm_health h;
        char err[192];
        int r;

        /* Identify answered with an NVMe status: health still read, identity unknown. */
        reset_mock();
        setenv("SM_NVME_MOCK_FAIL", "0x4002", 1);
        setenv("SM_NVME_MOCK_FAIL_OPCODE", "6", 1);
        r = do_read(&id, 2000, &h, err, sizeof(err));
        CHECK(r == 0, "Identify refused: %d (%s)", r, err);
        if (r == 0) {
                check_health(&h, page, false);
                CHECK(h.ident.model[0] == '\0', "no model without Identify");
        }
        /* What the controller supports is unknown: no log is asked for. */
        {
                char lines[8][256];
                int n = read_log(lines, 8);

                CHECK(n == 2, "Identify refused: 2 commands (02h, Identify), got %d", n);
                CHECK(!h.nvme.error_log.present && !h.nvme.self_test.present &&
                              strstr(h.nvme.error_log.absent_reason, "Identify"),
                      "logs absent: '%s'", h.nvme.error_log.absent_reason);
        }
}

static void test_replay(const uint8_t *page)
{
        struct sm_device_id id;
        struct sm_health h;
        char err[192], p[224];
        int r;

        memset(&id, 0, sizeof(id));
        id.replay = true;
        id.proto = SM_PROTO_NVME;
        snprintf(id.name, sizeof(id.name), "hand");
        snprintf(id.devnode, sizeof(id.devnode), "%s", smart_path);
        snprintf(id.aux, sizeof(id.aux), "%s", idctrl_path);
        r = do_read(&id, 0, &h, err, sizeof(err));
        CHECK(r == 0, "replay read: %d (%s)", r, err);
        if (r == 0)
                check_health(&h, page, true);

        id.aux[0] = '\0';
        r = do_read(&id, 0, &h, err, sizeof(err));
        CHECK(r == 0 && !h.nvme.have_id && OPT(h.has_healthy, h.healthy) == 0,
              "replay without id-ctrl: %d (%s)", r, err);

        snprintf(p, sizeof(p), "%s/short.smart-log", dir);
        write_file(p, page, 511);
        snprintf(id.devnode, sizeof(id.devnode), "%s", p);
        r = do_read(&id, 0, &h, err, sizeof(err));
        CHECK(r == -EINVAL && strstr(err, "511 bytes") && strstr(err, "512"),
              "511-byte capture: %d (%s)", r, err);
        unlink(p);
}

static void test_absent_values(void)
{
        uint8_t page[512];
        struct sm_health h;
        struct sm_nvme_value v;
        char buf[64];

        /* Composite temperature 0 (not reported), sensor 3 missing, no warning. */
        memset(page, 0, sizeof(page));
        put_le(page + 200, 2, 310);
        put_le(page + 202, 2, 311);
        put_le(page + 206, 2, 313);
        sm_health_init(&h);
        sm_nvme_decode_health(page, &h);
        CHECK(OPT(h.has_healthy, h.healthy) == 1, "no critical warning: healthy %d",
              OPT(h.has_healthy, h.healthy));
        CHECK(!h.has_temperature, "composite 0 K: no temperature");
        CHECK(near(h.sensor_temps_c[0], 37) && near(h.sensor_temps_c[1], 38) &&
                      !((h.sensor_temps_present >> 2) & 1u) && near(h.sensor_temps_c[3], 40) &&
                      !((h.sensor_temps_present >> 4) & 1u) &&
                      !((h.sensor_temps_present >> 7) & 1u),
              "sensor gaps stay NaN");

        /* Any critical warning bit makes the drive unhealthy, not only bit 0. */
        for (int bit = 0; bit < 8; bit++) {
                page[0] = (uint8_t)(1u << bit);
                sm_nvme_decode_health(page, &h);
                CHECK(OPT(h.has_healthy, h.healthy) == 0, "critical warning 0x%02x: healthy %d",
                      page[0], OPT(h.has_healthy, h.healthy));
        }
        page[0] = 0;

        /* Every 128-bit bit set: 2^128 - 1 units, exact bytes (Python bigint). */
        memset(page + 48, 0xff, 16);
        sm_nvme_field_decode(sm_nvme_field_by_key("data_units_written"), page, &v);
        CHECK(strcmp(v.raw_dec, "340282366920938463463374607431768211455") == 0, "2^128-1: %s",
              v.raw_dec);
        CHECK(strcmp(v.exact, "174224571863520493293247799005065324264960000") == 0,
              "(2^128-1) x 512000: %s", v.exact);
        sm_fmt_u128(0, 512000, buf, sizeof(buf));
        CHECK(strcmp(buf, "0") == 0, "zero formats as 0: %s", buf);
        sm_fmt_u128(1000000000, 1, buf, sizeof(buf));
        CHECK(strcmp(buf, "1000000000") == 0, "10^9: %s", buf);
        sm_fmt_u128((sm_u128)1000000000 * 1000000000, 1, buf, sizeof(buf));
        CHECK(strcmp(buf, "1000000000000000000") == 0, "10^18: %s", buf);

        /* percentage used 255 (the byte's maximum) */
        page[5] = 255;
        sm_nvme_field_decode(sm_nvme_field_by_key("percent_used"), page, &v);
        CHECK(near(v.value, 2.55), "percent used 255 -> %g", v.value);
}

int main(void)
{
        const char *tmp = getenv("TMPDIR");
        uint8_t page[512], idc[4096];

        if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "ioctl_mock")) {
                fprintf(stderr, "run with LD_PRELOAD=.../ioctl_mock.so (meson test does)\n");
                return 1;
        }
        snprintf(dir, sizeof(dir), "%s/ssdmon-nvme-XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 2;
        }
        snprintf(dev, sizeof(dev), "%s/nvme0", dir);
        snprintf(smart_path, sizeof(smart_path), "%s/hand.smart-log", dir);
        snprintf(idctrl_path, sizeof(idctrl_path), "%s/hand.id-ctrl", dir);
        snprintf(log_path, sizeof(log_path), "%s/commands.log", dir);
        build_page(page);
        build_id_ctrl(idc);
        write_file(dev, "", 0);
        write_file(smart_path, page, sizeof(page));
        write_file(idctrl_path, idc, sizeof(idc));
        setenv("SM_NVME_MOCK_DEV", dev, 1);
        setenv("SM_NVME_MOCK_LOG", log_path, 1);

        test_good_read(page);
        test_default_timeout_and_fallback();
        test_failure("eio", NULL, -EIO, "Get Log Page", strerror(EIO));
        test_failure("enodev", NULL, -ENODEV, "vanished", NULL);
        test_failure("enodev", "6", -ENODEV, "vanished during Identify", NULL);
        test_failure("eperm", NULL, -EPERM, "CAP_SYS_ADMIN", NULL);
        test_failure("eacces", NULL, -EACCES, "CAP_SYS_ADMIN", NULL);
        test_failure("0x4002", NULL, -EIO, "NVMe status 0x4002", "Invalid Field");
        test_identify_refused(page);
        test_replay(page);
        test_absent_values();

        unlink(dev);
        unlink(smart_path);
        unlink(idctrl_path);
        unlink(log_path);
        rmdir(dir);
        printf("%u passed, %u failed\n", check_passed, check_failed);
        return check_failed ? 1 : 0;
}
