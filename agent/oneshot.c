/* SPDX-License-Identifier: MIT */
/*
 * oneshot.c - `ssd-monitor check` and `ssd-monitor features`: one synchronous
 * collection, then a node-problem-detector verdict on stdout or a
 * node-feature-discovery feature file written atomically.
 *
 * Both look only at monitored devices (SSDs; HDDs too with
 * --collector.include-hdd), never at virtual ones. A device counts as failing
 * when its collector's verdict is "failing" or, for NVMe, when the SMART log's
 * critical warning byte is non-zero (spare below threshold, temperature,
 * reliability degraded, read-only, volatile backup, PMR read-only).
 */
#include "oneshot.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/poller.h"
#include "collectors/nvme.h"
#include "lib/err.h"
#include "lib/util.h"

/* ===== device predicates ===== */

static bool is_monitored(const struct sm_device_state *d, bool include_hdd)
{
        return d->id.cls == SM_CLASS_SSD || (include_hdd && d->id.cls == SM_CLASS_HDD);
}

static uint8_t nvme_critical_warning(const struct sm_device_state *d)
{
        if (d->id.proto != SM_PROTO_NVME || !d->have_data)
                return 0;
        return sm_nvme_critical_warning(&d->health.nvme);
}

/* The agent's verdict (docs/health.md), or -1 when it has none for d. */
static int verdict_state(const struct sm_device_state *d)
{
        if (!d->have_data || !d->risk.have || !d->risk.verdict.state_known)
                return -1;
        return (int)d->risk.verdict.state;
}

/* The drive's own verdict says failing (not: unknown). */
static bool smart_failing(const struct sm_device_state *d)
{
        return d->health.has_healthy && !d->health.healthy;
}

static bool is_failing(const struct sm_device_state *d)
{
        return d->have_data && (smart_failing(d) || nvme_critical_warning(d) != 0 ||
                                verdict_state(d) == SM_HEALTH_CRITICAL);
}

/* " reason1,reason2" of d's verdict with the given severity. */
static void append_reasons(struct sm_buf *b, const struct sm_device_state *d,
                           enum sm_health_state severity)
{
        const char *sep = " ";

        for (unsigned i = 0; i < SM_REASON_COUNT; i++) {
                if (!sm_verdict_has(&d->risk.verdict, (enum sm_reason)i) ||
                    sm_reasons[i].severity != severity)
                        continue;
                sm_buf_printf(b, "%s%s", sep, sm_reasons[i].name);
                sep = ",";
        }
}

static bool is_asleep(const struct sm_device_state *d)
{
        return !d->have_data && d->status == SM_READ_ASLEEP;
}

/* Percentage of rated endurance used, or -1 when the device does not say. */
static int endurance_used_pct(const struct sm_device_state *d)
{
        if (!d->have_data)
                return -1;
        if (d->id.proto == SM_PROTO_NVME)
                return sm_nvme_percent_used(&d->health.nvme); /* may exceed 100 */
        if (d->id.proto == SM_PROTO_SCSI && d->health.scsi.has_endurance)
                return d->health.scsi.endurance_used_percent; /* log page 11h */
        return -1;
}

/* ===== the verdict ===== */

/* Why d is failing, in a few words. */
static void append_failure_reason(struct sm_buf *b, const struct sm_device_state *d)
{
        uint8_t cw = nvme_critical_warning(d);

        if (cw != 0) {
                const char *sep = " (";

                sm_buf_printf(b, "critical warning 0x%02x", cw);
                for (unsigned i = 0; i < 8; i++) {
                        const char *words = sm_nvme_critical_warning_words(i);

                        if (!(cw & (1u << i)) || !words)
                                continue;
                        sm_buf_printf(b, "%s%s", sep, words);
                        sep = ",";
                }
                if (sep[0] == ',')
                        sm_buf_puts(b, ")");
                return;
        }
        if (d->id.proto == SM_PROTO_ATA && d->health.ata.status_valid &&
            !d->health.ata.status_good) {
                sm_buf_puts(b, "SMART status FAILING");
                return;
        }
        if (d->id.proto == SM_PROTO_SCSI && d->health.scsi.has_ie && d->health.scsi.ie_asc) {
                sm_buf_printf(b, "informational exception %02Xh/%02Xh (%s)", d->health.scsi.ie_asc,
                              d->health.scsi.ie_ascq, d->health.scsi.ie_text);
                return;
        }
        if (!smart_failing(d) && verdict_state(d) == SM_HEALTH_CRITICAL) {
                sm_buf_puts(b, "critical:");
                append_reasons(b, d, SM_HEALTH_CRITICAL);
                return;
        }
        sm_buf_puts(b, "SMART health failing");
}

/*
 * Copy the buffer's text to msg as one printable line of at most
 * SM_NPD_MAX_MESSAGE characters, ending in "..." when cut. Frees the buffer.
 */
static void set_message(char *msg, size_t msglen, struct sm_buf *b, const char *fallback)
{
        const char *src = sm_buf_failed(b) || b->data == NULL ? fallback : b->data;
        size_t max = SM_NPD_MAX_MESSAGE, n = strlen(src), i;

        if (msglen > 0) {
                if (max > msglen - 1)
                        max = msglen - 1;
                for (i = 0; i < n && i < max; i++) {
                        unsigned char c = (unsigned char)src[i];

                        msg[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
                }
                if (n > max && max >= 3)
                        memcpy(msg + max - 3, "...", 3);
                msg[i] = '\0';
        }
        sm_buf_free(b);
}

struct tally {
        size_t monitored, read, failing, asleep, unreadable;
        const struct sm_device_state *first_failing, *first_unreadable;
};

static void count_devices(const struct sm_snapshot *s, bool include_hdd, struct tally *t)
{
        memset(t, 0, sizeof(*t));
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (!is_monitored(d, include_hdd))
                        continue;
                t->monitored++;
                if (d->have_data) {
                        t->read++;
                        if (is_failing(d)) {
                                t->failing++;
                                if (t->first_failing == NULL)
                                        t->first_failing = d;
                        }
                } else if (is_asleep(d)) {
                        t->asleep++;
                } else {
                        t->unreadable++;
                        if (t->first_unreadable == NULL)
                                t->first_unreadable = d;
                }
        }
}

/* "PROBLEM: nvme0n1: critical warning 0x04 (degraded); also sdb sdc" */
static void append_problem(struct sm_buf *b, const struct sm_snapshot *s, bool include_hdd,
                           const struct tally *t)
{
        sm_buf_printf(b, "PROBLEM: %s: ", t->first_failing->id.name);
        append_failure_reason(b, t->first_failing);
        if (t->failing < 2)
                return;
        sm_buf_puts(b, "; also");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (d == t->first_failing || !is_monitored(d, include_hdd) || !is_failing(d))
                        continue;
                sm_buf_printf(b, " %s", d->id.name);
        }
}

enum sm_npd_status sm_oneshot_verdict(const struct sm_snapshot *s, bool include_hdd, char *msg,
                                      size_t msglen)
{
        const char *cls = include_hdd ? "disk" : "SSD";
        enum sm_npd_status st;
        struct sm_buf b;
        struct tally t;

        sm_buf_init(&b);
        count_devices(s, include_hdd, &t);

        if (t.monitored == 0) {
                sm_buf_printf(&b, "UNKNOWN: no %s found", cls);
                st = SM_NPD_UNKNOWN;
        } else if (t.failing > 0) {
                append_problem(&b, s, include_hdd, &t);
                st = SM_NPD_PROBLEM;
        } else if (t.unreadable > 0) {
                const struct sm_device_state *d = t.first_unreadable;

                sm_buf_printf(&b, "UNKNOWN: %s unreadable (%s%s%s); %zu of %zu read", d->id.name,
                              sm_read_status_name(d->status), d->error[0] ? ": " : "", d->error,
                              t.read, t.monitored);
                st = SM_NPD_UNKNOWN;
        } else if (t.read == 0) {
                sm_buf_printf(&b, "UNKNOWN: %zu %s%s asleep, none read", t.asleep, cls,
                              t.asleep == 1 ? "" : "s");
                st = SM_NPD_UNKNOWN;
        } else {
                sm_buf_printf(&b, "OK: %zu %s%s healthy", t.read, cls, t.read == 1 ? "" : "s");
                if (t.asleep > 0)
                        sm_buf_printf(&b, ", %zu asleep", t.asleep);
                /* Warnings do not make a problem; they are named (docs/health.md). */
                for (size_t i = 0; i < s->n_devices; i++) {
                        const struct sm_device_state *d = &s->devices[i];

                        if (!is_monitored(d, include_hdd) || verdict_state(d) != SM_HEALTH_WARNING)
                                continue;
                        sm_buf_printf(&b, "; warning %s:", d->id.name);
                        append_reasons(&b, d, SM_HEALTH_WARNING);
                }
                st = SM_NPD_OK;
        }
        set_message(msg, msglen, &b,
                    st == SM_NPD_PROBLEM ? "PROBLEM: (out of memory)"
                    : st == SM_NPD_OK    ? "OK: (out of memory)"
                                         : "UNKNOWN: (out of memory)");
        return st;
}

/* ===== the feature file ===== */

static const char *bool_str(bool b)
{
        return b ? "true" : "false";
}

void sm_oneshot_render_features(struct sm_buf *b, const struct sm_snapshot *s, bool include_hdd,
                                time_t now, uint64_t expiry_s)
{
        bool nvme = false, ata = false, scsi = false;
        int worst = -1, state = -1;
        time_t until = now + (time_t)expiry_s;
        struct tm tm_until, tm_now;
        char ts_until[32] = "", ts_now[32] = "";
        const char *health;
        struct tally t;
        char msg[SM_NPD_MAX_MESSAGE + 1];

        count_devices(s, include_hdd, &t);
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];
                int pct;

                if (!is_monitored(d, include_hdd))
                        continue;
                nvme |= d->id.proto == SM_PROTO_NVME;
                ata |= d->id.proto == SM_PROTO_ATA;
                scsi |= d->id.proto == SM_PROTO_SCSI;
                pct = endurance_used_pct(d);
                if (pct > worst)
                        worst = pct;
                if (verdict_state(d) > state)
                        state = verdict_state(d);
        }

        switch (sm_oneshot_verdict(s, include_hdd, msg, sizeof(msg))) {
        case SM_NPD_OK:
                health = "true";
                break;
        case SM_NPD_PROBLEM:
                health = "false";
                break;
        case SM_NPD_UNKNOWN:
        default:
                health = "unknown";
                break;
        }

        if (gmtime_r(&until, &tm_until) != NULL)
                strftime(ts_until, sizeof(ts_until), "%Y-%m-%dT%H:%M:%SZ", &tm_until);
        if (gmtime_r(&now, &tm_now) != NULL)
                strftime(ts_now, sizeof(ts_now), "%Y-%m-%dT%H:%M:%SZ", &tm_now);

        sm_buf_printf(b, "# Written by ssd-monitor features at %s; do not edit.\n", ts_now);
        sm_buf_printf(b, "# +expiry-time=%s\n", ts_until);
        sm_buf_printf(b, SM_FEATURES_PREFIX "present=%s\n", bool_str(t.monitored > 0));
        sm_buf_printf(b, SM_FEATURES_PREFIX "count=%zu\n", t.monitored);
        sm_buf_printf(b, SM_FEATURES_PREFIX "nvme=%s\n", bool_str(nvme));
        sm_buf_printf(b, SM_FEATURES_PREFIX "ata=%s\n", bool_str(ata));
        sm_buf_printf(b, SM_FEATURES_PREFIX "scsi=%s\n", bool_str(scsi));
        sm_buf_printf(b, SM_FEATURES_PREFIX "healthy=%s\n", health);
        /* The worst of the agent's verdicts (ok, warning, critical; docs/health.md). */
        sm_buf_printf(b, SM_FEATURES_PREFIX "health=%s\n",
                      state < 0 ? "unknown" : sm_health_state_name((enum sm_health_state)state));
        if (worst >= 0) {
                const char *level = worst >= SM_ENDURANCE_CRITICAL_PCT ? "critical"
                                    : worst >= SM_ENDURANCE_WARN_PCT   ? "warning"
                                                                       : "ok";

                sm_buf_printf(b, SM_FEATURES_PREFIX "endurance-used-pct=%d\n", worst);
                sm_buf_printf(b, SM_FEATURES_PREFIX "endurance=%s\n", level);
        } else {
                sm_buf_printf(b, SM_FEATURES_PREFIX "endurance=unknown\n");
        }
}

static int write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

int sm_oneshot_write_atomic(const char *path, const char *data, size_t len)
{
        _cleanup_free_ char *dcopy = strdup(path), *bcopy = strdup(path), *tmp = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        const char *dir, *base;
        int r;

        if (dcopy == NULL || bcopy == NULL)
                return -ENOMEM;
        dir = dirname(dcopy);
        base = basename(bcopy);
        if (base[0] == '\0' || strcmp(base, "/") == 0 || strcmp(base, ".") == 0 ||
            strcmp(base, "..") == 0)
                return -EINVAL;
        if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0 || (r = write_all(fd, data, len)) < 0 || fsync(fd) < 0) {
                r = errno > 0 ? -errno : -EIO;
                goto out_unlink;
        }
        r = close(TAKE_FD(fd));
        if (r < 0) {
                r = -errno;
                goto out_unlink;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto out_unlink;
        }
        /* Make the rename itself durable; failure here does not undo the write. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        return 0;

out_unlink:
        (void)unlink(tmp);
        return r;
}

/* ===== entry points ===== */

static int collect(const struct sm_config *cfg, struct sm_snapshot **ret, char *err, size_t errlen)
{
        int r;

        err[0] = '\0';
        r = sm_poller_collect_once(cfg, ret, err, errlen);
        if (r < 0 && err[0] == '\0')
                return sm_errf(err, errlen, r, "%s", strerror(-r));
        return r;
}

int sm_oneshot_check(const struct sm_config *cfg)
{
        struct sm_snapshot *snap = NULL;
        char err[256], msg[SM_NPD_MAX_MESSAGE + 1];
        enum sm_npd_status st;

        if (collect(cfg, &snap, err, sizeof(err)) < 0) {
                struct sm_buf b;

                sm_buf_init(&b);
                sm_buf_printf(&b, "UNKNOWN: collection failed: %s", err);
                set_message(msg, sizeof(msg), &b, "UNKNOWN: collection failed");
                st = SM_NPD_UNKNOWN;
        } else {
                st = sm_oneshot_verdict(snap, cfg->include_hdd, msg, sizeof(msg));
                sm_snapshot_unref(snap);
        }
        if (printf("%s\n", msg) < 0 || fflush(stdout) != 0)
                return SM_NPD_UNKNOWN;
        return (int)st;
}

int sm_oneshot_features(const struct sm_config *cfg)
{
        const char *path = cfg->features_file;
        uint64_t expiry =
                cfg->features_expiry_s ? cfg->features_expiry_s : SM_FEATURES_DEFAULT_EXPIRY_S;
        struct sm_snapshot *snap = NULL;
        struct sm_buf b;
        char err[256];
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        if (path == NULL || path[0] == '\0') {
                fputs("ssd-monitor features: no feature file given\n", stderr);
                return 1;
        }
        if (collect(cfg, &snap, err, sizeof(err)) < 0) {
                fprintf(stderr, "ssd-monitor features: collection failed: %s\n", err);
                return 1;
        }

        sm_buf_init(&b);
        sm_oneshot_render_features(&b, snap, cfg->include_hdd, time(NULL), expiry);
        sm_snapshot_unref(snap);
        data = sm_buf_steal(&b, &len);
        sm_buf_free(&b);
        if (data == NULL) {
                fputs("ssd-monitor features: out of memory\n", stderr);
                return 1;
        }

        if (strcmp(path, "-") == 0) {
                if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
                        return 1;
                return 0;
        }
        r = sm_oneshot_write_atomic(path, data, len);
        if (r < 0) {
                fprintf(stderr, "ssd-monitor features: cannot write '%s': %s\n", path,
                        strerror(-r));
                return 1;
        }
        return 0;
}
