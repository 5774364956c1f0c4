/* SPDX-License-Identifier: MIT */
/*
 * test-nvme-fixtures.c - the 58 real-drive SMART/Health pages in
 * test/data/nvme/smart-log/ must decode to what two independent readers say:
 *
 *  1. nvme-cli (`nvme smart-log DEV -o json`, Debian's nvme-cli 2.3 with the real
 *     libnvme) run on the same page, served by ioctl_mock.so, and `nvme smart-log -b`
 *     must write back the very bytes (the replay capture format);
 *  2. smartctl's JSON of the drive the page was rebuilt from
 *     (test/data/nvme/smartctl-json/<same name>.json).
 *
 * Our side is the collector's replay read (struct sm_health) and its JSON renderer.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/render.h"
#include "collectors/nvme.h"
#include "lib/util.h"
#include "test/check.h"
#include "test/nvme/nvme-cli.h"

static char *slurp(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        char *s;

        if (!f)
                return NULL;
        s = check_slurp_stream(f, ret_len);
        fclose(f);
        return s;
}

static const char *dev_path;

static char *nvme_cli(const char *args, const char *page, size_t *ret_len)
{
        return nvme_cli_run("SM_NVME_MOCK_SMART", page, args, dev_path, ret_len);
}

static double num(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsNumber(v) ? v->valuedouble : (double)NAN;
}

/* Compare every field nvme-cli prints with ours (same key names: nvme-cli's JSON). */
static void against_nvme_cli(const char *name, const char *page, const cJSON *ours)
{
        size_t len = 0;
        char *raw = nvme_cli("smart-log -b", page, &len);
        char *want = slurp(page, NULL);
        char *text = nvme_cli("smart-log -o json", page, NULL);
        cJSON *cli = text ? cJSON_Parse(text) : NULL;
        const cJSON *item;
        int compared = 0;

        CHECK(raw && want && len == 512 && memcmp(raw, want, 512) == 0,
              "%s: `nvme smart-log -b` wrote %zu bytes that differ from the page", name, len);
        CHECK(cli != NULL, "%s: nvme-cli JSON: %s", name, text ? text : "(none)");
        cJSON_ArrayForEach(item, cli) {
                const struct sm_nvme_field *f = sm_nvme_field_by_key(item->string);
                char skey[96];

                CHECK(f != NULL, "%s: nvme-cli field %s is not in our table", name, item->string);
                if (!f)
                        continue;
                compared++;
                if (cJSON_IsString(item)) {
                        /* 128-bit counters: nvme-cli prints exact decimal strings. */
                        const cJSON *s;

                        snprintf(skey, sizeof(skey), "%s_string", item->string);
                        s = cJSON_GetObjectItemCaseSensitive(ours, skey);
                        CHECK(cJSON_IsString(s) && strcmp(s->valuestring, item->valuestring) == 0,
                              "%s: %s nvme-cli \"%s\", ours \"%s\"", name, item->string,
                              item->valuestring, cJSON_IsString(s) ? s->valuestring : "(none)");
                } else {
                        CHECK(num(ours, item->string) == item->valuedouble,
                              "%s: %s nvme-cli %.17g, ours %.17g", name, item->string,
                              item->valuedouble, num(ours, item->string));
                }
        }
        /* nvme-cli leaves out sensors that read 0 K; ours must say "not reported" there. */
        for (int i = 1; i <= 8; i++) {
                char key[32], ckey[48];

                snprintf(key, sizeof(key), "temperature_sensor_%d", i);
                snprintf(ckey, sizeof(ckey), "%s_celsius", key);
                if (!cJSON_GetObjectItemCaseSensitive(cli, key))
                        CHECK(num(ours, key) == 0 &&
                                      cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ours, ckey)),
                              "%s: sensor %d absent for nvme-cli, present for us", name, i);
        }
        CHECK(compared >= 21, "%s: only %d fields compared with nvme-cli", name, compared);
        cJSON_Delete(cli);
        free(text);
        free(raw);
        free(want);
}

static void against_smartctl(const char *name, const char *json_path, const struct sm_health *h,
                             const cJSON *ours)
{
        char *text = slurp(json_path, NULL);
        cJSON *root = text ? cJSON_Parse(text) : NULL;
        const cJSON *log =
                cJSON_GetObjectItemCaseSensitive(root, "nvme_smart_health_information_log");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "smart_status");
        const cJSON *sensors = cJSON_GetObjectItemCaseSensitive(log, "temperature_sensors");
        /* smartctl key -> our JSON key (raw value as the drive reports it) */
        static const char *const same[][2] = {
                {"critical_warning", "critical_warning"},
                {"available_spare", "avail_spare"},
                {"available_spare_threshold", "spare_thresh"},
                {"percentage_used", "percent_used"},
                {"data_units_read", "data_units_read"},
                {"data_units_written", "data_units_written"},
                {"host_reads", "host_read_commands"},
                {"host_writes", "host_write_commands"},
                {"controller_busy_time", "controller_busy_time"},
                {"power_cycles", "power_cycles"},
                {"power_on_hours", "power_on_hours"},
                {"unsafe_shutdowns", "unsafe_shutdowns"},
                {"media_errors", "media_errors"},
                {"num_err_log_entries", "num_err_log_entries"},
                {"warning_temp_time", "warning_temp_time"},
                {"critical_comp_time", "critical_comp_time"},
        };
        int n_sensors = cJSON_IsArray(sensors) ? cJSON_GetArraySize(sensors) : 0;

        CHECK(cJSON_IsObject(log), "%s: smartctl JSON has no NVMe health log", name);
        if (!cJSON_IsObject(log))
                goto out;
        for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(log, same[i][0]);

                if (!v) /* older smartctl leaves out the temperature times */
                        continue;
                CHECK(num(ours, same[i][1]) == v->valuedouble, "%s: %s smartctl %.17g, ours %.17g",
                      name, same[i][0], v->valuedouble, num(ours, same[i][1]));
        }
        /* Base units through struct sm_health (what the generic families export). */
        CHECK(h->has_temperature && h->temperature_c == num(log, "temperature"),
              "%s: temperature smartctl %g °C, ours %g", name, num(log, "temperature"),
              h->temperature_c);
        CHECK(h->power_on_seconds == (uint64_t)num(log, "power_on_hours") * 3600u,
              "%s: power-on %llu s, smartctl %g h", name, (unsigned long long)h->power_on_seconds,
              num(log, "power_on_hours"));
        CHECK(h->power_cycles == (uint64_t)num(log, "power_cycles"), "%s: power cycles", name);
        CHECK(fabs(num(ours, "endurance_used_ratio") * 100 - num(log, "percentage_used")) < 1e-9,
              "%s: endurance ratio %g vs %g %%", name, num(ours, "endurance_used_ratio"),
              num(log, "percentage_used"));
        CHECK(fabs(num(ours, "host_written_bytes") - num(log, "data_units_written") * 512000.0) <=
                      1e-15 * num(ours, "host_written_bytes"),
              "%s: written bytes", name);
        for (int i = 0; i < 8; i++) {
                if (i < n_sensors)
                        CHECK(h->sensor_temps_c[i] == cJSON_GetArrayItem(sensors, i)->valuedouble,
                              "%s: sensor %d smartctl %g, ours %g", name, i + 1,
                              cJSON_GetArrayItem(sensors, i)->valuedouble, h->sensor_temps_c[i]);
                else
                        CHECK(!((h->sensor_temps_present >> i) & 1u),
                              "%s: sensor %d should be absent", name, i + 1);
        }
        if (cJSON_IsObject(status)) {
                const cJSON *ok = cJSON_GetObjectItemCaseSensitive(status, "passed");

                CHECK(cJSON_IsBool(ok) &&
                              OPT(h->has_healthy, h->healthy) == (cJSON_IsTrue(ok) ? 1 : 0),
                      "%s: smartctl passed=%s, ours healthy=%d", name,
                      cJSON_IsTrue(ok) ? "true" : "false", OPT(h->has_healthy, h->healthy));
        }
out:
        cJSON_Delete(root);
        free(text);
}

int main(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        const char *tmp = getenv("TMPDIR");
        char dir[512], jdir[512], devp[256];
        struct dirent **list = NULL;
        int n, files = 0;

        if (!root || !getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "ioctl_mock")) {
                fprintf(stderr, "needs SM_SOURCE_ROOT and LD_PRELOAD=ioctl_mock.so (meson test)\n");
                return 1;
        }
        if (system("nvme version >/dev/null 2>&1") != 0) {
                printf("nvme-cli not installed (apt-get install nvme-cli): skipping\n");
                return 77;
        }
        snprintf(devp, sizeof(devp), "%s/ssdmon-nvme-fixtures-XXXXXX", tmp ? tmp : "/tmp");
        {
                int fd = mkstemp(devp);

                if (fd < 0) {
                        perror("mkstemp");
                        return 2;
                }
                close(fd);
        }
        dev_path = devp;
        setenv("SM_NVME_MOCK_DEV", devp, 1);
        unsetenv("SM_NVME_MOCK_IDCTRL");
        snprintf(dir, sizeof(dir), "%s/test/data/nvme/smart-log", root);
        snprintf(jdir, sizeof(jdir), "%s/test/data/nvme/smartctl-json", root);
        n = scandir(dir, &list, NULL, alphasort);
        CHECK(n > 0, "cannot list %s: %s", dir, strerror(errno));
        for (int i = 0; i < n; i++) {
                const char *fn = list[i]->d_name;
                size_t l = strlen(fn);
                char page[1024], json[1024], name[256];
                struct sm_device_state d;
                struct sm_read_opts opts = {.timeout_ms = 1000};
                cJSON *obj;
                char err[192];
                int r;

                if (l < 5 || strcmp(fn + l - 4, ".bin") != 0) {
                        free(list[i]);
                        continue;
                }
                if (l - 4 >= sizeof(name)) {
                        CHECK(false, "%s: name too long", fn);
                        free(list[i]);
                        continue;
                }
                memcpy(name, fn, l - 4);
                name[l - 4] = '\0';
                snprintf(page, sizeof(page), "%s/%s", dir, fn);
                snprintf(json, sizeof(json), "%s/%s.json", jdir, name);
                free(list[i]);
                files++;

                memset(&d, 0, sizeof(d));
                d.id.replay = true;
                d.id.proto = SM_PROTO_NVME;
                snprintf(d.id.name, sizeof(d.id.name), "nvme%d", files);
                CHECK(sm_strlcpy(d.id.devnode, page, sizeof(d.id.devnode)), "%s: path too long",
                      name);
                r = sm_nvme_collector.read(&d.id, &opts, &d.health, err, sizeof(err));
                CHECK(r == 0, "%s: replay read %d (%s)", name, r, err);
                if (r != 0)
                        continue;
                d.have_data = true;
                d.status = SM_READ_OK;
                obj = cJSON_CreateObject();
                CHECK(obj && sm_render_json_protocol(obj, &d) == 0, "%s: render_json", name);
                against_nvme_cli(name, page, cJSON_GetObjectItemCaseSensitive(obj, "nvme"));
                against_smartctl(name, json, &d.health,
                                 cJSON_GetObjectItemCaseSensitive(obj, "nvme"));
                cJSON_Delete(obj);
        }
        free(list);
        unlink(devp);
        CHECK(files == 58, "expected the 58 fixture pages, found %d", files);
        printf("%d pages; %u passed, %u failed\n", files, check_passed, check_failed);
        return check_failed ? 1 : 0;
}
