/* SPDX-License-Identifier: MIT */
/*
 * test-identity-daemon - identities that are not valid UTF-8, and a drive no
 * collector can read, through the whole agent (discovery over a umockdev
 * testbed, the poller, the renderers); run under umockdev-wrapper.
 *
 * - sdg: udev's ID_MODEL_ENC=INTEL\x20SSD\xff\x01"x (udev writes \xNN for bytes
 *   that are not valid UTF-8); sdh: no udev model, sysfs device/model has the
 *   bytes "CUROSSEA" C0 AF "Z" (an overlong, invalid sequence). One such drive
 *   made the node unscrapable: promtool said "invalid label value", Python's
 *   json.loads a UnicodeDecodeError. Now promtool check metrics and json.loads
 *   must pass, the strings carry U+FFFD where the bytes were invalid or control
 *   characters, and the JSON keeps the original bytes escaped in model_raw.
 * - sdi (usb-nosat.umockdev: a USB flash disk, non-rotational, no SAT): no SMART
 *   collector for bus usb (USB bridges get no LOG SENSE), so status "unsupported"
 *   with a reason, no read counted, no read error, and ssdmon_device_unsupported 1
 *   in /metrics. (The SAS SSD sdc/sdd of extra.umockdev has the SCSI collector since
 *   issue #12; umockdev plays no SG_IO, so here its read fails.)
 * The expected strings follow from the bytes above and the Unicode rule (each
 * byte of an ill-formed sequence becomes U+FFFD), not from the code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/poller.h"
#include "agent/snapshot.h"
#include "check.h"
#include "lib/log.h"

static UMockdevTestbed *tb;

static void load(const char *rel)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        char path[4096];
        GError *err = NULL;

        snprintf(path, sizeof(path), "%s/test/data/umockdev/%s", root ? root : ".", rel);
        if (!umockdev_testbed_add_from_file(tb, path, &err)) {
                fprintf(stderr, "cannot load %s: %s\n", path, err ? err->message : "?");
                exit(1);
        }
}

static int write_file_n(const char *path, const char *data, size_t len)
{
        FILE *f = fopen(path, "wb");
        int ok = f && fwrite(data, 1, len, f) == len;

        if (f)
                fclose(f);
        return ok ? 0 : -1;
}

/* Run a shell command; its exit status (or -1). */
static int sh(const char *cmd)
{
        int st = system(cmd);

        return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static const char *json_check =
        "import json, sys\n"
        "want = {\n"
        "  'sdg': ('INTEL SSD\\ufffd\\ufffd\"x', 'INTEL SSD\\\\xff\\\\x01\"x'),\n"
        "  'sdh': ('CUROSSEA\\ufffd\\ufffdZ', 'CUROSSEA\\\\xc0\\\\xafZ'),\n"
        "}\n"
        "doc = json.loads(open(sys.argv[1], 'rb').read())\n"
        "bad = 0\n"
        "for d in doc['devices']:\n"
        "    one = json.loads(open(sys.argv[2] + '/' + d['device'] + '.json', 'rb').read())\n"
        "    assert one == d, d['device']\n"
        "    if d['device'] in want:\n"
        "        m, raw = want[d['device']]\n"
        "        if d['model'] != m or d.get('model_raw') != raw:\n"
        "            print('FAIL %s: model %r raw %r' % (d['device'], d['model'],"
        " d.get('model_raw')))\n"
        "            bad = 1\n"
        "    elif 'model_raw' in d:\n"
        "        print('FAIL %s: model_raw %r for a clean model' % (d['device'], d['model_raw']))\n"
        "        bad = 1\n"
        "    if d['device'] == 'sdi':\n"
        "        if d['status'] != 'unsupported' or d['up'] or d['error'] is not None or \\\n"
        "           d.get('reason') != 'no SMART collector for bus usb' or \\\n"
        "           d['reads_total'] != 0 or d['read_errors_total'] != 0:\n"
        "            print('FAIL %s: %r' % (d['device'], {k: d.get(k) for k in ('status', 'up',"
        " 'error', 'reason', 'reads_total', 'read_errors_total')}))\n"
        "            bad = 1\n"
        "sys.exit(bad)\n";

int main(int argc, char **args)
{
        static char a0[] = "ssd-monitor", a1[] = "check", a2[] = "--no-drop-privileges",
                    a3[] = "--collector.timeout=2s";
        char *argv[] = {a0, a1, a2, a3, NULL};
        const char *preload = getenv("LD_PRELOAD");
        char dir[] = "/tmp/sm-identity-XXXXXX", path[512], cmd[2048], err[256] = "";
        const char *promtool = argc > 1 ? args[1] : NULL;
        struct sm_config cfg;
        struct sm_snapshot *s = NULL;
        int r;

        if (!preload || !strstr(preload, "libumockdev-preload")) {
                fprintf(stderr, "run me under umockdev-wrapper\n");
                return 2;
        }
        if (enter_udev_sandbox(false) == 77)
                return 77;
        sm_log_set_level(SM_LOG_ERR);
        tb = umockdev_testbed_new();
        load("badident.umockdev");
        load("extra.umockdev");
        load("usb-nosat.umockdev");
        if (!mkdtemp(dir))
                return 2;

        r = sm_config_parse(4, argv, &cfg, err, sizeof(err));
        CHECK(r == 0, "config: %s", err);
        r = sm_poller_collect_once(&cfg, &s, err, sizeof(err));
        CHECK(r == 0 && s, "collect: %d %s", r, err);
        if (!s)
                return check_summary();
        CHECK(sm_snapshot_find(s, "sdg") >= 0 && sm_snapshot_find(s, "sdh") >= 0 &&
                      sm_snapshot_find(s, "sdc") >= 0 && sm_snapshot_find(s, "sdi") >= 0,
              "devices found");

        /* /metrics: promtool must accept it (it checks UTF-8 in label values). */
        snprintf(path, sizeof(path), "%s/metrics.prom", dir);
        CHECK(write_file_n(path, s->metrics.data, s->metrics.len) == 0, "write metrics");
        if (promtool && promtool[0]) {
                snprintf(cmd, sizeof(cmd), "'%s' check metrics < '%s'", promtool, path);
                CHECK(sh(cmd) == 0, "promtool check metrics accepts /metrics");
        } else {
                printf("note: no promtool; only the JSON is checked\n");
        }
        CHECK(strstr(s->metrics.data, "ssdmon_device_unsupported{device=\"sdi\"} 1\n") &&
                      strstr(s->metrics.data, "ssdmon_device_unsupported{device=\"sdg\"} 0\n"),
              "ssdmon_device_unsupported series");

        /* JSON: Python's json.loads of every body, and the strings themselves. */
        snprintf(path, sizeof(path), "%s/devices.json", dir);
        CHECK(write_file_n(path, s->devices_json.data, s->devices_json.len) == 0, "write");
        for (size_t i = 0; i < s->n_devices; i++) {
                snprintf(path, sizeof(path), "%s/%s.json", dir, s->devices[i].id.name);
                CHECK(write_file_n(path, s->device_json[i].data, s->device_json[i].len) == 0,
                      "write");
        }
        snprintf(path, sizeof(path), "%s/check.py", dir);
        CHECK(write_file_n(path, json_check, strlen(json_check)) == 0, "write");
        snprintf(cmd, sizeof(cmd), "python3 '%s/check.py' '%s/devices.json' '%s'", dir, dir, dir);
        CHECK(sh(cmd) == 0, "json.loads and the sanitised identities");

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void)sh(cmd);
        sm_snapshot_unref(s);
        sm_config_free(&cfg);
        g_object_unref(tb);
        return check_summary();
}
