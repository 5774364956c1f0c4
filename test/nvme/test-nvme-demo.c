/* SPDX-License-Identifier: MIT */
/*
 * test-nvme-demo.c - the NVMe demo captures (test/data/demo/<stem>.smart-log and
 * .id-ctrl) and the rendered output of NVMe devices:
 *
 *  - each capture is in the format nvme-cli writes (`nvme smart-log -b`,
 *    `nvme id-ctrl -b` through ioctl_mock.so give back the very bytes);
 *  - our Identify Controller decode (model, serial, firmware, capacity, WCTEMP,
 *    CCTEMP) equals nvme-cli's `id-ctrl -o json`, trimmed;
 *  - nvme-qemu, captured from QEMU's emulated controller, decodes as nvme-cli and
 *    smartctl decoded that device in the same boot (test/data/qemu/);
 *  - a device whose read was refused (EPERM, through the mock) is up=0 with the
 *    CAP_SYS_ADMIN reason in its JSON;
 *  - the agent's whole /metrics body for these devices passes `promtool check metrics`,
 *    and every NVMe family appears exactly once with HELP and TYPE.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/snapshot.h"
#include "collectors/nvme.h"
#include "lib/util.h"
#include "test/check.h"
#include "test/nvme/nvme-cli.h"

#define MAX_DEVS 16

static const char *dev_path;

static char *nvme_cli(const char *args, const char *idctrl, size_t *ret_len)
{
        return nvme_cli_run("SM_NVME_MOCK_IDCTRL", idctrl, args, dev_path, ret_len);
}

/* nvme-cli prints the space-padded fields as they are: trim to compare. */
static void trimmed(char *dst, size_t n, const char *src)
{
        size_t b = 0, e = strlen(src);

        while (src[b] == ' ')
                b++;
        while (e > b && src[e - 1] == ' ')
                e--;
        if (e - b >= n)
                e = b + n - 1;
        memcpy(dst, src + b, e - b);
        dst[e - b] = '\0';
}

static void check_id(const char *stem, const char *idctrl, const struct sm_health *h)
{
        size_t len = 0;
        char *raw = nvme_cli("id-ctrl -b", idctrl, &len);
        char *text = nvme_cli("id-ctrl -o json", idctrl, NULL);
        cJSON *j = text ? cJSON_Parse(text) : NULL;
        FILE *f = fopen(idctrl, "re");
        char want[4096], s[64];
        const cJSON *v;

        CHECK(f && fread(want, 1, sizeof(want), f) == sizeof(want), "%s: read id-ctrl", stem);
        if (f)
                fclose(f);
        CHECK(raw && len == 4096 && memcmp(raw, want, 4096) == 0,
              "%s: `nvme id-ctrl -b` gave %zu bytes that differ from the capture", stem, len);
        CHECK(j != NULL, "%s: nvme-cli id-ctrl JSON", stem);
        v = cJSON_GetObjectItemCaseSensitive(j, "mn");
        trimmed(s, sizeof(s), cJSON_IsString(v) ? v->valuestring : "?");
        CHECK(strcmp(s, h->ident.model) == 0, "%s: model nvme-cli '%s', ours '%s'", stem, s,
              h->ident.model);
        v = cJSON_GetObjectItemCaseSensitive(j, "sn");
        trimmed(s, sizeof(s), cJSON_IsString(v) ? v->valuestring : "?");
        CHECK(strcmp(s, h->ident.serial) == 0, "%s: serial nvme-cli '%s', ours '%s'", stem, s,
              h->ident.serial);
        v = cJSON_GetObjectItemCaseSensitive(j, "fr");
        trimmed(s, sizeof(s), cJSON_IsString(v) ? v->valuestring : "?");
        CHECK(strcmp(s, h->ident.firmware) == 0, "%s: firmware nvme-cli '%s', ours '%s'", stem, s,
              h->ident.firmware);
        v = cJSON_GetObjectItemCaseSensitive(j, "wctemp");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == h->nvme.wctemp, "%s: wctemp", stem);
        v = cJSON_GetObjectItemCaseSensitive(j, "cctemp");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == h->nvme.cctemp, "%s: cctemp", stem);
        v = cJSON_GetObjectItemCaseSensitive(j, "tnvmcap");
        snprintf(s, sizeof(s), "%llu", (unsigned long long)h->capacity_bytes);
        CHECK(cJSON_IsString(v) && strcmp(v->valuestring, s) == 0,
              "%s: tnvmcap nvme-cli %s, ours %s", stem, cJSON_IsString(v) ? v->valuestring : "?",
              s);
        cJSON_Delete(j);
        free(text);
        free(raw);
}

/* dst = a + b + c, or false if it does not fit. */
static bool join(char *dst, size_t n, const char *a, const char *b, const char *c)
{
        size_t la = strlen(a), lb = strlen(b), lc = strlen(c);

        if (la + lb + lc >= n)
                return false;
        memcpy(dst, a, la);
        memcpy(dst + la, b, lb);
        memcpy(dst + la + lb, c, lc + 1);
        return true;
}

static cJSON *load_json(const char *path)
{
        FILE *f = fopen(path, "re");
        char *text = f ? check_slurp_stream(f, NULL) : NULL;
        cJSON *j = text ? cJSON_Parse(text) : NULL;

        if (f)
                fclose(f);
        free(text);
        return j;
}

/*
 * nvme-qemu is a capture from QEMU's emulated controller (test/data/qemu/, taken in the
 * VM harness); the same boot's `nvme smart-log -o json`, `nvme id-ctrl -o json` and
 * `smartctl --json -a` of the real device node are stored next to it.
 */
static void check_qemu(const char *root, const struct sm_device_state *d)
{
        char path[600];
        cJSON *obj = cJSON_CreateObject();
        cJSON *cli, *id, *sc;
        const cJSON *ours, *item, *log, *v;
        char s[64];
        int compared = 0;
        FILE *a, *b;
        char ba[4096], bb[4096];

        snprintf(path, sizeof(path), "%s/test/data/qemu/qemu-nvme.smart-log", root);
        a = fopen(path, "re");
        b = fopen(d->id.devnode, "re");
        CHECK(a && b && fread(ba, 1, 512, a) == 512 && fread(bb, 1, 512, b) == 512 &&
                      memcmp(ba, bb, 512) == 0,
              "demo nvme-qemu.smart-log is the test/data/qemu capture");
        if (a)
                fclose(a);
        if (b)
                fclose(b);
        snprintf(path, sizeof(path), "%s/test/data/qemu/qemu-nvme.smart-log.json", root);
        cli = load_json(path);
        snprintf(path, sizeof(path), "%s/test/data/qemu/qemu-nvme.id-ctrl.json", root);
        id = load_json(path);
        snprintf(path, sizeof(path), "%s/test/data/qemu/qemu-nvme.smartctl.json", root);
        sc = load_json(path);
        CHECK(cli && id && sc, "QEMU reference decodes present in test/data/qemu");
        CHECK(obj && sm_render_json_protocol(obj, d) == 0, "render_json");
        ours = cJSON_GetObjectItemCaseSensitive(obj, "nvme");
        cJSON_ArrayForEach(item, cli) {
                char skey[96];

                compared++;
                if (cJSON_IsString(item)) {
                        snprintf(skey, sizeof(skey), "%s_string", item->string);
                        v = cJSON_GetObjectItemCaseSensitive(ours, skey);
                        CHECK(cJSON_IsString(v) && strcmp(v->valuestring, item->valuestring) == 0,
                              "qemu: %s nvme-cli \"%s\", ours \"%s\"", item->string,
                              item->valuestring, cJSON_IsString(v) ? v->valuestring : "(none)");
                } else {
                        v = cJSON_GetObjectItemCaseSensitive(ours, item->string);
                        CHECK(cJSON_IsNumber(v) && v->valuedouble == item->valuedouble,
                              "qemu: %s nvme-cli %g, ours %g", item->string, item->valuedouble,
                              cJSON_IsNumber(v) ? v->valuedouble : -1.0);
                }
        }
        CHECK(compared >= 20, "qemu: %d fields compared with nvme-cli", compared);
        v = cJSON_GetObjectItemCaseSensitive(id, "mn");
        trimmed(s, sizeof(s), cJSON_IsString(v) ? v->valuestring : "?");
        CHECK(strcmp(s, d->health.ident.model) == 0, "qemu: model '%s' vs '%s'", s,
              d->health.ident.model);
        v = cJSON_GetObjectItemCaseSensitive(id, "sn");
        trimmed(s, sizeof(s), cJSON_IsString(v) ? v->valuestring : "?");
        CHECK(strcmp(s, d->health.ident.serial) == 0, "qemu: serial '%s' vs '%s'", s,
              d->health.ident.serial);
        v = cJSON_GetObjectItemCaseSensitive(id, "fr");
        trimmed(s, sizeof(s), cJSON_IsString(v) ? v->valuestring : "?");
        CHECK(strcmp(s, d->health.ident.firmware) == 0, "qemu: firmware '%s' vs '%s'", s,
              d->health.ident.firmware);
        v = cJSON_GetObjectItemCaseSensitive(id, "wctemp");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == d->health.nvme.wctemp, "qemu: wctemp");
        v = cJSON_GetObjectItemCaseSensitive(id, "cctemp");
        CHECK(cJSON_IsNumber(v) && v->valuedouble == d->health.nvme.cctemp, "qemu: cctemp");
        log = cJSON_GetObjectItemCaseSensitive(sc, "nvme_smart_health_information_log");
        v = cJSON_GetObjectItemCaseSensitive(log, "temperature");
        CHECK(cJSON_IsNumber(v) && d->health.has_temperature &&
                      v->valuedouble == d->health.temperature_c,
              "qemu: temperature smartctl %g, ours %g", cJSON_IsNumber(v) ? v->valuedouble : -1.0,
              d->health.temperature_c);
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sc, "smart_status"),
                                             "passed");
        CHECK(cJSON_IsBool(v) &&
                      OPT(d->health.has_healthy, d->health.healthy) == (cJSON_IsTrue(v) ? 1 : 0),
              "qemu: smartctl passed vs healthy %d", OPT(d->health.has_healthy, d->health.healthy));
        cJSON_Delete(obj);
        cJSON_Delete(cli);
        cJSON_Delete(id);
        cJSON_Delete(sc);
}

static int count(const char *hay, const char *needle)
{
        int n = 0;

        for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
                n++;
        return n;
}

int main(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        const char *tmp = getenv("TMPDIR");
        struct sm_device_state devs[MAX_DEVS];
        struct sm_agent_stats stats = {0};
        struct sm_snapshot *snap;
        char dir[512], devp[256], prom[300], cmd[700];
        struct dirent **list = NULL;
        size_t n = 0;
        bool qemu = false;
        int k;

        if (!root || !getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "ioctl_mock")) {
                fprintf(stderr, "needs SM_SOURCE_ROOT and LD_PRELOAD=ioctl_mock.so (meson test)\n");
                return 1;
        }
        if (system("nvme version >/dev/null 2>&1") != 0 ||
            system("promtool --version >/dev/null 2>&1") != 0) {
                printf("nvme-cli or promtool missing (apt-get install nvme-cli prometheus)\n");
                return 77;
        }
        snprintf(devp, sizeof(devp), "%s/ssdmon-nvme-demo-XXXXXX", tmp ? tmp : "/tmp");
        k = mkstemp(devp);
        if (k < 0) {
                perror("mkstemp");
                return 2;
        }
        close(k);
        dev_path = devp;
        setenv("SM_NVME_MOCK_DEV", devp, 1);

        snprintf(dir, sizeof(dir), "%s/test/data/demo", root);
        k = scandir(dir, &list, NULL, alphasort);
        CHECK(k > 0, "cannot list %s", dir);
        for (int i = 0; i < k; i++) {
                const char *fn = list[i]->d_name;
                size_t l = strlen(fn);
                struct sm_device_state *d = &devs[n];
                struct sm_read_opts opts = {.timeout_ms = 1000};
                char err[192];
                int r;

                if (l <= 10 || strcmp(fn + l - 10, ".smart-log") != 0 || n + 1 >= MAX_DEVS) {
                        free(list[i]);
                        continue;
                }
                memset(d, 0, sizeof(*d));
                d->id.replay = true;
                d->id.proto = SM_PROTO_NVME;
                d->id.cls = SM_CLASS_SSD;
                sm_strlcpy(d->id.bus, "replay", sizeof(d->id.bus));
                CHECK(l - 10 < sizeof(d->id.name), "%s: stem longer than a device name", fn);
                memcpy(d->id.name, fn, l - 10 < sizeof(d->id.name) ? l - 10 : 0);
                CHECK(join(d->id.devnode, sizeof(d->id.devnode), dir, "/", fn) &&
                              join(d->id.aux, sizeof(d->id.aux), d->id.devnode, "", ""),
                      "%s: path too long", fn);
                /* <stem>.smart-log -> <stem>.id-ctrl */
                strcpy(d->id.aux + strlen(d->id.aux) - strlen(".smart-log"), ".id-ctrl");
                free(list[i]);
                r = sm_nvme_collector.read(&d->id, &opts, &d->health, err, sizeof(err));
                CHECK(r == 0, "%s: replay read %d (%s)", d->id.name, r, err);
                if (r != 0)
                        continue;
                CHECK(d->health.nvme.have_id, "%s: every demo capture has its id-ctrl", d->id.name);
                check_id(d->id.name, d->id.aux, &d->health);
                d->status = SM_READ_OK;
                d->have_data = true;
                d->reads_total = 1;
                if (strcmp(d->id.name, "nvme-qemu") == 0) {
                        check_qemu(root, d);
                        qemu = true;
                }
                n++;
        }
        free(list);
        CHECK(n >= 6, "expected the NVMe demo captures, found %zu", n);
        CHECK(qemu, "demo has nvme-qemu (QEMU's emulated controller)");

        /* A live controller that refuses us: EPERM through the mock. */
        {
                struct sm_device_state *d = &devs[n];
                struct sm_read_opts opts = {.timeout_ms = 1000};
                int r;

                memset(d, 0, sizeof(*d));
                d->id.proto = SM_PROTO_NVME;
                d->id.cls = SM_CLASS_SSD;
                sm_strlcpy(d->id.name, "nvme9n1", sizeof(d->id.name));
                sm_strlcpy(d->id.devnode, devp, sizeof(d->id.devnode));
                setenv("SM_NVME_MOCK_FAIL", "eperm", 1);
                r = sm_nvme_collector.read(&d->id, &opts, &d->health, d->error, sizeof(d->error));
                unsetenv("SM_NVME_MOCK_FAIL");
                CHECK(r == -EPERM, "EPERM read returned %d", r);
                d->status = SM_READ_ERROR;
                d->err = r;
                d->reads_total = d->read_errors_total = 1;
                n++;
        }

        snap = sm_snapshot_build(1, true, &stats, devs, n);
        CHECK(snap != NULL, "snapshot built");
        if (snap) {
                FILE *f;
                long i = sm_snapshot_find(snap, "nvme9n1");
                cJSON *j = i >= 0 ? cJSON_Parse(snap->device_json[i].data) : NULL;
                const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
                static const char *const families[] = {
                        "ssdmon_nvme_critical_warning",
                        "ssdmon_available_spare_ratio",
                        "ssdmon_available_spare_threshold_ratio",
                        "ssdmon_endurance_used_ratio",
                        "ssdmon_host_read_bytes_total",
                        "ssdmon_host_written_bytes_total",
                        "ssdmon_nvme_media_errors_total",
                        "ssdmon_nvme_thermal_seconds_total",
                        "ssdmon_temperature_celsius",
                };

                CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "up")),
                      "refused device is up=false in JSON");
                CHECK(cJSON_IsString(err) && strstr(err->valuestring, "CAP_SYS_ADMIN"),
                      "refused device's JSON error names CAP_SYS_ADMIN: %s",
                      cJSON_IsString(err) ? err->valuestring : "(none)");
                CHECK(strstr(snap->metrics.data, "ssdmon_device_up{device=\"nvme9n1\"} 0\n") !=
                              NULL,
                      "refused device has ssdmon_device_up 0");
                CHECK(strstr(snap->metrics.data, "media_errors_total{device=\"nvme9n1\"") == NULL,
                      "no values for a device without data");
                CHECK(strstr(snap->metrics.data,
                             "ssdmon_nvme_media_errors_total{device=\"nvme-samsung-970evo-"
                             "mediaerr\"} 7\n") != NULL,
                      "media errors of the Samsung 970 EVO (smartctl: 7)");
                CHECK(strstr(snap->metrics.data, "ssdmon_endurance_used_ratio{device=\"nvme-intel-"
                                                 "p4500-worn\"} 0.75\n") != NULL,
                      "wear of the Intel P4500 (smartctl: 75 %%)");
                for (size_t fi = 0; fi < sizeof(families) / sizeof(families[0]); fi++) {
                        char h[128], t[128];

                        snprintf(h, sizeof(h), "# HELP %s ", families[fi]);
                        snprintf(t, sizeof(t), "# TYPE %s ", families[fi]);
                        CHECK(count(snap->metrics.data, h) == 1 &&
                                      count(snap->metrics.data, t) == 1,
                              "family %s: HELP/TYPE once", families[fi]);
                }
                snprintf(prom, sizeof(prom), "%s.prom", devp);
                f = fopen(prom, "we");
                CHECK(f && fputs(snap->metrics.data, f) >= 0 && fclose(f) == 0, "write %s", prom);
                snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", prom);
                CHECK(system(cmd) == 0, "promtool check metrics failed on %s", prom);
                if (check_failed)
                        fputs(snap->metrics.data, stdout);
                unlink(prom);
                cJSON_Delete(j);
                sm_snapshot_unref(snap);
        }
        unlink(devp);
        printf("%zu devices; %u passed, %u failed\n", n, check_passed, check_failed);
        return check_failed ? 1 : 0;
}
