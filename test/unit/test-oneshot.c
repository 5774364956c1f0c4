/* SPDX-License-Identifier: MIT */
/*
 * test-oneshot.c - the node-problem-detector verdict and the node-feature-
 * discovery feature file of `ssd-monitor check` / `ssd-monitor features`,
 * fed with hand-built device states. Expected messages, exit codes and file
 * lines are written by hand from the NPD custom plugin protocol (exit 0/1/2,
 * one line of at most 80 characters) and NFD's local feature file format
 * (`# +expiry-time=<RFC3339>`, `<namespace>/<name>=<value>` label lines).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/oneshot.h"
#include "test/check.h"

static struct sm_device_state devs[8];
static struct sm_snapshot snap;

static void reset(void)
{
        memset(devs, 0, sizeof(devs));
        memset(&snap, 0, sizeof(snap));
        snap.devices = devs;
}

static struct sm_device_state *add(const char *name, enum sm_class cls, enum sm_proto proto)
{
        struct sm_device_state *d = &devs[snap.n_devices++];

        snprintf(d->id.name, sizeof(d->id.name), "%s", name);
        d->id.cls = cls;
        d->id.proto = proto;
        sm_health_init(&d->health);
        return d;
}

/* A successful read with a "healthy" verdict. */
static struct sm_device_state *add_ok(const char *name, enum sm_class cls, enum sm_proto proto)
{
        struct sm_device_state *d = add(name, cls, proto);

        d->status = SM_READ_OK;
        d->have_data = true;
        d->health.has_healthy = true, d->health.healthy = true;
        if (proto == SM_PROTO_ATA) {
                d->health.ata.status_valid = true;
                d->health.ata.status_good = true;
                d->health.ata.overall = 0;
        }
        return d;
}

static int verdict(bool include_hdd, char *msg, size_t len)
{
        int st = (int)sm_oneshot_verdict(&snap, include_hdd, msg, len);

        CHECK(strlen(msg) <= 80, "message longer than 80: '%s'", msg);
        CHECK(strchr(msg, '\n') == NULL, "message has a newline: '%s'", msg);
        return st;
}

static void test_check(void)
{
        char msg[128];
        struct sm_device_state *d;

        /* Nothing monitored: unknown. */
        reset();
        CHECK(verdict(false, msg, sizeof(msg)) == 2, "empty: got other status");
        CHECK(strcmp(msg, "UNKNOWN: no SSD found") == 0, "empty: '%s'", msg);

        /* Virtual and HDD only (HDDs not included): unknown, not OK. */
        reset();
        add_ok("vda", SM_CLASS_VIRTUAL, SM_PROTO_NONE);
        add_ok("sdb", SM_CLASS_HDD, SM_PROTO_ATA);
        CHECK(verdict(false, msg, sizeof(msg)) == 2, "hdd only");
        CHECK(strcmp(msg, "UNKNOWN: no SSD found") == 0, "hdd only: '%s'", msg);

        /* Two healthy SSDs. */
        reset();
        add_ok("nvme0n1", SM_CLASS_SSD, SM_PROTO_NVME);
        add_ok("sda", SM_CLASS_SSD, SM_PROTO_ATA);
        add_ok("vda", SM_CLASS_VIRTUAL, SM_PROTO_NONE);
        CHECK(verdict(false, msg, sizeof(msg)) == 0, "healthy");
        CHECK(strcmp(msg, "OK: 2 SSDs healthy") == 0, "healthy: '%s'", msg);

        /* NVMe critical warning bit 2 (reliability degraded) while the verdict still says 1. */
        devs[0].health.nvme.smart_log[0] = 0x04;
        CHECK(verdict(false, msg, sizeof(msg)) == 1, "nvme cw");
        CHECK(strcmp(msg, "PROBLEM: nvme0n1: critical warning 0x04 (degraded)") == 0,
              "nvme cw: '%s'", msg);

        /* Bits 0 and 3: spare below threshold and read-only. */
        devs[0].health.nvme.smart_log[0] = 0x09;
        CHECK(verdict(false, msg, sizeof(msg)) == 1, "nvme cw 0x09");
        CHECK(strcmp(msg, "PROBLEM: nvme0n1: critical warning 0x09 (spare,read-only)") == 0,
              "nvme cw 0x09: '%s'", msg);
        devs[0].health.nvme.smart_log[0] = 0;

        /* ATA SMART RETURN STATUS failing. */
        devs[1].health.has_healthy = true, devs[1].health.healthy = false;
        devs[1].health.ata.status_good = false;
        CHECK(verdict(false, msg, sizeof(msg)) == 1, "ata failing");
        CHECK(strcmp(msg, "PROBLEM: sda: SMART status FAILING") == 0, "ata failing: '%s'", msg);

        /* A critical warning on an ATA device's (unused) log bytes means nothing. */
        reset();
        d = add_ok("sda", SM_CLASS_SSD, SM_PROTO_ATA);
        d->health.nvme.smart_log[0] = 0xff;
        CHECK(verdict(false, msg, sizeof(msg)) == 0, "ata ignores nvme bytes: '%s'", msg);

        /* Many failing devices: cut at 80 characters with "...". */
        reset();
        for (int i = 0; i < 8; i++) {
                char name[32];

                snprintf(name, sizeof(name), "nvme%dn1", i + 10);
                d = add_ok(name, SM_CLASS_SSD, SM_PROTO_NVME);
                d->health.has_healthy = true, d->health.healthy = false;
        }
        CHECK(verdict(false, msg, sizeof(msg)) == 1, "many failing");
        CHECK(strlen(msg) == 80 && strcmp(msg + 77, "...") == 0, "many failing: '%s'", msg);
        CHECK(strncmp(msg, "PROBLEM: nvme10n1: SMART health failing; also nvme11n1 nvme12n1", 63) ==
                      0,
              "many failing: '%s'", msg);

        /* A short buffer is respected. */
        CHECK(sm_oneshot_verdict(&snap, false, msg, 10) == SM_NPD_PROBLEM, "short buffer");
        CHECK(strcmp(msg, "PROBLE...") == 0, "short buffer: '%s'", msg);

        /* One read, one unreadable: unknown, naming the unreadable one. */
        reset();
        add_ok("sda", SM_CLASS_SSD, SM_PROTO_ATA);
        d = add("sdb", SM_CLASS_SSD, SM_PROTO_ATA);
        d->status = SM_READ_ERROR;
        snprintf(d->error, sizeof(d->error), "open: Permission denied");
        CHECK(verdict(false, msg, sizeof(msg)) == 2, "unreadable");
        CHECK(strcmp(msg,
                     "UNKNOWN: sdb unreadable (error: open: Permission denied); 1 of 2 read") == 0,
              "unreadable: '%s'", msg);

        /* ... but a failing device wins over an unreadable one. */
        devs[0].health.has_healthy = true, devs[0].health.healthy = false;
        CHECK(verdict(false, msg, sizeof(msg)) == 1, "failing + unreadable: '%s'", msg);

        /* A timeout without a message. */
        reset();
        d = add("nvme0n1", SM_CLASS_SSD, SM_PROTO_NVME);
        d->status = SM_READ_TIMEOUT;
        CHECK(verdict(false, msg, sizeof(msg)) == 2, "timeout");
        CHECK(strcmp(msg, "UNKNOWN: nvme0n1 unreadable (timeout); 0 of 1 read") == 0,
              "timeout: '%s'", msg);

        /* Asleep drives are not woken and not counted as problems. */
        reset();
        add_ok("sda", SM_CLASS_SSD, SM_PROTO_ATA);
        d = add("sdb", SM_CLASS_SSD, SM_PROTO_ATA);
        d->status = SM_READ_ASLEEP;
        CHECK(verdict(false, msg, sizeof(msg)) == 0, "asleep");
        CHECK(strcmp(msg, "OK: 1 SSD healthy, 1 asleep") == 0, "asleep: '%s'", msg);
        devs[0] = devs[1];
        snap.n_devices = 1;
        CHECK(verdict(false, msg, sizeof(msg)) == 2, "all asleep");
        CHECK(strcmp(msg, "UNKNOWN: 1 SSD asleep, none read") == 0, "all asleep: '%s'", msg);

        /* HDDs count only with include_hdd. */
        reset();
        add_ok("sda", SM_CLASS_SSD, SM_PROTO_ATA);
        d = add_ok("sdb", SM_CLASS_HDD, SM_PROTO_ATA);
        d->health.has_healthy = true, d->health.healthy = false;
        CHECK(verdict(false, msg, sizeof(msg)) == 0, "hdd ignored: '%s'", msg);
        CHECK(verdict(true, msg, sizeof(msg)) == 1, "hdd included: '%s'", msg);
        CHECK(strcmp(msg, "PROBLEM: sdb: SMART health failing") == 0, "hdd included: '%s'", msg);
}

/* NFD/Kubernetes label rules: prefix a DNS subdomain, name and value <= 63 of [-._a-zA-Z0-9]. */
static bool is_label_part(const char *s, size_t n, bool empty_ok)
{
        if (n == 0)
                return empty_ok;
        if (n > 63)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool alnum =
                        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

                if (!alnum && ((i == 0 || i == n - 1) || (c != '-' && c != '_' && c != '.')))
                        return false;
        }
        return true;
}

static bool is_valid_label_line(const char *line)
{
        const char *slash = strchr(line, '/'), *eq = strchr(line, '=');

        if (slash == NULL || eq == NULL || eq < slash)
                return false;
        if (strncmp(line, "feature.node.kubernetes.io/", 27) != 0)
                return false;
        return is_label_part(slash + 1, (size_t)(eq - slash - 1), false) &&
               is_label_part(eq + 1, strlen(eq + 1), true);
}

static char *render(time_t now, uint64_t expiry)
{
        struct sm_buf b;
        char *s;

        sm_buf_init(&b);
        sm_oneshot_render_features(&b, &snap, false, now, expiry);
        s = sm_buf_steal(&b, NULL);
        CHECK(s != NULL, "render failed");
        return s;
}

static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
                if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
                        return true;
        }
        return false;
}

static void check_all_lines_valid(const char *text)
{
        char *copy = strdup(text), *save = NULL;
        unsigned directives = 0;

        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (l[0] == '#') {
                        /* Only the expiry directive may start with "# +". */
                        if (strncmp(l, "# +", 3) == 0) {
                                directives++;
                                CHECK(strncmp(l, "# +expiry-time=", 15) == 0, "directive '%s'", l);
                        }
                        continue;
                }
                CHECK(is_valid_label_line(l), "invalid label line '%s'", l);
        }
        CHECK(directives == 1, "expected one directive, got %u", directives);
        free(copy);
}

static void test_features(void)
{
        struct sm_device_state *d;
        char *t;

        /* 1700000000 = 2023-11-14T22:13:20Z; + 3600 s = 23:13:20Z. */
        reset();
        d = add_ok("nvme0n1", SM_CLASS_SSD, SM_PROTO_NVME);
        d->health.nvme.smart_log[5] = 12;
        d = add_ok("nvme1n1", SM_CLASS_SSD, SM_PROTO_NVME);
        d->health.nvme.smart_log[5] = 81;
        add_ok("sda", SM_CLASS_SSD, SM_PROTO_ATA);
        add_ok("sdb", SM_CLASS_HDD, SM_PROTO_ATA);
        t = render(1700000000, 3600);
        CHECK(has_line(t, "# +expiry-time=2023-11-14T23:13:20Z"), "expiry:\n%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.present=true"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.count=3"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.nvme=true"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.ata=true"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.healthy=true"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.endurance-used-pct=81"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.endurance=warning"), "%s", t);
        check_all_lines_valid(t);
        free(t);

        /* Thresholds: 79 ok, 80 warning, 94 warning, 95 critical, > 100 allowed. */
        {
                static const struct {
                        int pct;
                        const char *level;
                } cases[] = {{79, "ok"},       {80, "warning"},   {94, "warning"},
                             {95, "critical"}, {255, "critical"}, {0, "ok"}};

                for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                        char want[128];

                        devs[0].health.nvme.smart_log[5] = (uint8_t)cases[i].pct;
                        devs[1].health.nvme.smart_log[5] = 0;
                        t = render(1700000000, 60);
                        snprintf(want, sizeof(want),
                                 "feature.node.kubernetes.io/ssd-monitor.endurance=%s",
                                 cases[i].level);
                        CHECK(has_line(t, want), "pct %d:\n%s", cases[i].pct, t);
                        snprintf(want, sizeof(want),
                                 "feature.node.kubernetes.io/ssd-monitor.endurance-used-pct=%d",
                                 cases[i].pct);
                        CHECK(has_line(t, want), "pct %d:\n%s", cases[i].pct, t);
                        free(t);
                }
        }

        /* A failing SSD: healthy=false. */
        devs[1].health.nvme.smart_log[0] = 0x01;
        t = render(1700000000, 60);
        CHECK(has_line(t, "# +expiry-time=2023-11-14T22:14:20Z"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.healthy=false"), "%s", t);
        free(t);

        /* No SSD: present=false, count=0, healthy=unknown, endurance unknown. */
        reset();
        add_ok("sdb", SM_CLASS_HDD, SM_PROTO_ATA);
        t = render(0, 86400);
        CHECK(has_line(t, "# +expiry-time=1970-01-02T00:00:00Z"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.present=false"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.count=0"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.nvme=false"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.healthy=unknown"), "%s", t);
        CHECK(has_line(t, "feature.node.kubernetes.io/ssd-monitor.endurance=unknown"), "%s", t);
        CHECK(strstr(t, "endurance-used-pct") == NULL, "%s", t);
        check_all_lines_valid(t);
        free(t);
}

static void test_write_atomic(void)
{
        char dir[] = "/tmp/sm-oneshot-XXXXXX", path[128], bad[160], buf[64];
        struct stat st;
        unsigned entries = 0;
        struct dirent *de;
        FILE *f;
        DIR *dp;

        if (mkdtemp(dir) == NULL) {
                CHECK(0, "mkdtemp: %s", strerror(errno));
                return;
        }
        snprintf(path, sizeof(path), "%s/ssd-monitor", dir);
        CHECK(sm_oneshot_write_atomic(path, "old\n", 4) == 0, "first write");
        CHECK(sm_oneshot_write_atomic(path, "a=b\n", 4) == 0, "second write");
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644, "mode %o", st.st_mode & 0777);
        f = fopen(path, "r");
        CHECK(f != NULL && fgets(buf, sizeof(buf), f) && strcmp(buf, "a=b\n") == 0, "content '%s'",
              buf);
        if (f)
                fclose(f);

        /* No temp file is left behind. */
        dp = opendir(dir);
        while (dp && (de = readdir(dp)) != NULL) {
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        entries++;
        }
        if (dp)
                closedir(dp);
        CHECK(entries == 1, "%u entries in %s", entries, dir);

        /* A missing directory is an error, not a crash; nothing is created. */
        snprintf(bad, sizeof(bad), "%s/missing/ssd-monitor", dir);
        CHECK(sm_oneshot_write_atomic(bad, "x", 1) == -ENOENT, "missing dir");
        CHECK(sm_oneshot_write_atomic("/", "x", 1) == -EINVAL, "root");

        unlink(path);
        rmdir(dir);
}

int main(void)
{
        test_check();
        test_features();
        test_write_atomic();
        return check_summary();
}
