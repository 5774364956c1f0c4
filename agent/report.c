/* SPDX-License-Identifier: MIT */
/*
 * report.c - `ssd-monitor report [--json]`: `smartctl -a` for every SSD of the
 * node at once. One synchronous collection (as `check`), the per-drive summaries
 * of agent/summary.c (the landing page's), then a table or a JSON object on
 * stdout. The drives are the ones `check` looks at (SSDs; HDDs too with
 * --collector.include-hdd) and the exit code is check's verdict for the same
 * snapshot.
 *
 * Strings from drives are untrusted: in the table every byte outside printable
 * ASCII (and the backslash) is written as \xNN / \\, so a model string cannot
 * move the cursor, colour the terminal or break a row; in JSON cJSON escapes
 * control characters and bytes >= 0x80 become '?' (identity strings are ASCII
 * by the ATA/NVMe/SCSI specifications; the output stays valid UTF-8).
 */
#include "report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/oneshot.h"
#include "agent/poller.h"
#include "agent/snapshot.h"
#include "agent/verdict.h"
#include "sm-config.h"

/* ===== cells ===== */

#define CELL_MAX 160

/* src as a table cell: printable ASCII kept, the rest \xNN, at most max characters
 * ("..." at the end when cut); "-" for an empty string. */
static void cell_escape(const char *src, size_t max, char *out, size_t outlen)
{
        size_t o = 0;
        bool cut = false;

        if (max + 1 > outlen)
                max = outlen - 1;
        if (src == NULL || src[0] == '\0')
                src = "-";
        for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
                char tmp[5];
                size_t k;

                if (*p == '\\')
                        k = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
                else if (*p < 0x20 || *p >= 0x7f)
                        k = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
                else
                        k = (size_t)snprintf(tmp, sizeof(tmp), "%c", *p);
                if (o + k > max) {
                        cut = true;
                        break;
                }
                memcpy(out + o, tmp, k);
                o += k;
        }
        if (cut && max >= 3) {
                while (o > max - 3)
                        o--;
                memcpy(out + o, "...", 3);
                o += 3;
        }
        out[o] = '\0';
}

/* v rounded to the given decimals (0..2), through integers (finite, |v| < 1e12). */
static void fmt_fixed(double v, int decimals, char *buf, size_t n)
{
        static const long long scale[] = {1, 10, 100};
        long long x;

        if (!isfinite(v) || v >= 1e12 || v <= -1e12) {
                snprintf(buf, n, "%s", v < 0 ? "-inf" : "inf");
                return;
        }
        x = llround(v * (double)scale[decimals]);
        if (decimals == 0)
                snprintf(buf, n, "%lld", x);
        else if (decimals == 1)
                snprintf(buf, n, "%s%lld.%01lld", x < 0 ? "-" : "", llabs(x) / 10, llabs(x) % 10);
        else
                snprintf(buf, n, "%s%lld.%02lld", x < 0 ? "-" : "", llabs(x) / 100, llabs(x) % 100);
}

static void fmt_bytes(uint64_t v, char *buf, size_t n)
{
        static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double x = (double)v;
        size_t u = 0;

        while (x >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
                x /= 1000;
                u++;
        }
        if (u == 0)
                snprintf(buf, n, "%llu B", (unsigned long long)v);
        else {
                char num[48];

                fmt_fixed(x, x < 10 ? 2 : x < 100 ? 1 : 0, num, sizeof(num));
                snprintf(buf, n, "%s %s", num, unit[u]);
        }
}

/* The reasons of s as their labels ("a,b"), else why its state is what it is. */
static void reasons_cell(const struct sm_summary *s, char *cell)
{
        struct sm_buf b;

        sm_buf_init(&b);
        for (unsigned i = 0; i < SM_REASON_COUNT; i++) {
                if (s->reasons & (1u << i))
                        sm_buf_printf(&b, "%s%s", b.len ? "," : "", sm_reasons[i].name);
        }
        if (b.len == 0 && s->state_why)
                sm_buf_puts(&b, s->state_why);
        cell_escape(sm_buf_failed(&b) ? "?" : b.data, 120, cell, CELL_MAX);
        sm_buf_free(&b);
}

enum col {
        C_DEVICE,
        C_MODEL,
        C_SERIAL,
        C_PROTO,
        C_STATE,
        C_LIFE,
        C_DAYS,
        C_WRITTEN,
        C_TEMP,
        C_POWER_ON,
        C_REASONS,
        C_N
};

static const char *const heads[C_N] = {
        "DEVICE",    "MODEL",   "SERIAL", "PROTO",    "STATE",   "LIFE USED",
        "DAYS LEFT", "WRITTEN", "TEMP",   "POWER-ON", "REASONS",
};

/* Columns whose numbers are right-aligned. */
static bool right_aligned(enum col c)
{
        return c == C_DAYS || c == C_WRITTEN || c == C_TEMP;
}

static void row_cells(const struct sm_summary *s, char cells[C_N][CELL_MAX])
{
        char tmp[CELL_MAX];

        cell_escape(s->name, 64, cells[C_DEVICE], CELL_MAX);
        cell_escape(s->ident.model, 40, cells[C_MODEL], CELL_MAX);
        cell_escape(s->ident.serial, 24, cells[C_SERIAL], CELL_MAX);
        cell_escape(s->proto, 8, cells[C_PROTO], CELL_MAX);
        cell_escape(sm_sum_state_name(s->state), 16, cells[C_STATE], CELL_MAX);
        tmp[0] = '\0';
        if (s->has_life) {
                char pct[48];

                fmt_fixed(s->life_used * 100, 0, pct, sizeof(pct));
                snprintf(tmp, sizeof(tmp), "%s%% (%.24s)", pct,
                         s->life_source[0] ? s->life_source : "?");
        }
        cell_escape(tmp, 40, cells[C_LIFE], CELL_MAX);
        tmp[0] = '\0';
        if (s->has_days_left && isfinite(s->days_left))
                fmt_fixed(s->days_left, 0, tmp, sizeof(tmp));
        cell_escape(tmp, 16, cells[C_DAYS], CELL_MAX);
        tmp[0] = '\0';
        if (s->has_written)
                fmt_bytes(s->written_bytes, tmp, sizeof(tmp));
        cell_escape(tmp, 16, cells[C_WRITTEN], CELL_MAX);
        tmp[0] = '\0';
        if (s->has_temp) {
                char t[48];

                fmt_fixed(s->temp_c, 0, t, sizeof(t));
                snprintf(tmp, sizeof(tmp), "%s C", t);
        }
        cell_escape(tmp, 12, cells[C_TEMP], CELL_MAX);
        tmp[0] = '\0';
        if (s->has_power_on)
                sm_summary_fmt_duration((double)s->power_on_s, tmp, sizeof(tmp));
        cell_escape(tmp, 20, cells[C_POWER_ON], CELL_MAX);
        reasons_cell(s, cells[C_REASONS]);
}

static void put_cell(struct sm_buf *b, const char *text, size_t width, bool right, bool last,
                     const char *colour)
{
        size_t len = strlen(text), pad = width > len ? width - len : 0;

        if (right)
                sm_buf_printf(b, "%*s", (int)pad, "");
        if (colour)
                sm_buf_puts(b, colour);
        sm_buf_puts(b, text);
        if (colour)
                sm_buf_puts(b, "\033[0m");
        if (last)
                return;
        if (!right)
                sm_buf_printf(b, "%*s", (int)pad, "");
        sm_buf_puts(b, "  ");
}

void sm_report_text(struct sm_buf *b, const struct sm_summary *s, size_t n,
                    const struct sm_report_opts *o)
{
        char(*cells)[C_N][CELL_MAX] = n ? calloc(n, sizeof(*cells)) : NULL;
        size_t width[C_N];
        size_t by_state[SM_SUM_N] = {0};
        const char *sep = "";

        if (n && !cells) {
                sm_buf_puts(b, "ssd-monitor report: out of memory\n");
                return;
        }
        for (size_t c = 0; c < C_N; c++)
                width[c] = strlen(heads[c]);
        for (size_t i = 0; i < n; i++) {
                row_cells(&s[i], cells[i]);
                by_state[s[i].state]++;
                for (size_t c = 0; c < C_N; c++) {
                        size_t l = strlen(cells[i][c]);

                        if (l > width[c])
                                width[c] = l;
                }
        }
        for (size_t c = 0; c < C_N; c++)
                put_cell(b, heads[c], width[c], right_aligned((enum col)c), c + 1 == C_N,
                         o->colour ? "\033[1m" : NULL);
        sm_buf_puts(b, "\n");
        for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < C_N; c++)
                        put_cell(b, cells[i][c], width[c], right_aligned((enum col)c), c + 1 == C_N,
                                 o->colour && c == C_STATE ? sm_sum_state_look(s[i].state)->colour
                                                           : NULL);
                sm_buf_puts(b, "\n");
        }
        free(cells);

        sm_buf_printf(b, "\n%zu drive%s", n, n == 1 ? "" : "s");
        for (int st = 0; st < SM_SUM_N; st++) {
                if (!by_state[st])
                        continue;
                sm_buf_printf(b, "%s %zu %s", *sep ? "," : ":", by_state[st],
                              sm_sum_state_name((enum sm_sum_state)st));
                sep = ",";
        }
        if (o->not_monitored)
                sm_buf_printf(b,
                              "; %zu other device%s not monitored (rotational: "
                              "--collector.include-hdd)",
                              o->not_monitored, o->not_monitored == 1 ? "" : "s");
        sm_buf_puts(b, "\n");
        if (o->message) {
                char msg[CELL_MAX];

                cell_escape(o->message, 120, msg, sizeof(msg));
                sm_buf_printf(b, "check: %s\n", msg);
        }
}

/* ===== JSON ===== */

/* A string for JSON: bytes >= 0x80 as '?' (cJSON escapes control characters). */
static cJSON *jstr(const char *s)
{
        char buf[256];
        size_t i;

        if (s == NULL)
                return cJSON_CreateNull();
        for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
                buf[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
        buf[i] = '\0';
        return cJSON_CreateString(buf);
}

static cJSON *jnum(bool have, double v)
{
        return have && isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *json_drive(const struct sm_summary *s)
{
        cJSON *o = cJSON_CreateObject(), *reasons = cJSON_CreateArray(),
              *words = cJSON_CreateArray();

        if (!o || !reasons || !words) {
                cJSON_Delete(o);
                cJSON_Delete(reasons);
                cJSON_Delete(words);
                return NULL;
        }
        for (unsigned i = 0; i < SM_REASON_COUNT; i++) {
                if (s->reasons & (1u << i)) {
                        cJSON_AddItemToArray(reasons, jstr(sm_reasons[i].name));
                        cJSON_AddItemToArray(words, jstr(sm_reasons[i].summary));
                }
        }
        cJSON_AddItemToObject(o, "device", jstr(s->name));
        cJSON_AddItemToObject(o, "model", jstr(s->ident.model));
        cJSON_AddItemToObject(o, "serial", jstr(s->ident.serial));
        cJSON_AddItemToObject(o, "firmware", jstr(s->ident.firmware));
        cJSON_AddItemToObject(o, "protocol", jstr(s->proto));
        cJSON_AddItemToObject(o, "class", jstr(s->cls));
        cJSON_AddItemToObject(o, "capacity_bytes",
                              jnum(s->capacity_bytes != 0, (double)s->capacity_bytes));
        cJSON_AddItemToObject(o, "state", jstr(sm_sum_state_name(s->state)));
        cJSON_AddItemToObject(o, "reasons", reasons);
        cJSON_AddItemToObject(o, "reasons_text", words);
        cJSON_AddItemToObject(o, "state_why", jstr(s->state_why));
        cJSON_AddItemToObject(o, "last_error", jstr(s->last_error));
        cJSON_AddBoolToObject(o, "stale", s->stale);
        cJSON_AddItemToObject(o, "life_used_ratio", jnum(s->has_life, s->life_used));
        cJSON_AddItemToObject(o, "life_used_source",
                              s->has_life && s->life_source[0] ? jstr(s->life_source)
                                                               : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "days_left", jnum(s->has_days_left, s->days_left));
        cJSON_AddItemToObject(o, "days_left_method",
                              s->has_days_left ? jstr(s->days_left_method) : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "written_bytes", jnum(s->has_written, (double)s->written_bytes));
        cJSON_AddItemToObject(o, "dwpd", jnum(s->has_dwpd, s->dwpd));
        cJSON_AddItemToObject(o, "spare_ratio", jnum(s->has_spare, s->spare));
        cJSON_AddItemToObject(o, "spare_threshold_ratio",
                              jnum(s->has_spare_threshold, s->spare_threshold));
        cJSON_AddItemToObject(o, "temperature_celsius", jnum(s->has_temp, s->temp_c));
        cJSON_AddItemToObject(o, "temperature_warning_celsius",
                              jnum(s->has_temp_warning, s->temp_warning_c));
        cJSON_AddItemToObject(o, "power_on_seconds", jnum(s->has_power_on, (double)s->power_on_s));
        cJSON_AddItemToObject(o, "last_success_timestamp",
                              jnum(s->last_success_ts > 0, s->last_success_ts));
        return o;
}

void sm_report_json(struct sm_buf *b, const struct sm_summary *s, size_t n,
                    const struct sm_report_opts *o)
{
        static const char *const status[] = {"ok", "problem", "unknown"};
        cJSON *root = cJSON_CreateObject(), *drives = cJSON_CreateArray();
        char *text;

        if (!root || !drives) {
                cJSON_Delete(root);
                cJSON_Delete(drives);
                sm_buf_puts(b, "{}\n");
                return;
        }
        cJSON_AddItemToObject(root, "version", jstr(SM_VERSION));
        cJSON_AddNumberToObject(root, "time", o->now);
        cJSON_AddItemToObject(
                root, "status",
                jstr(o->exit_code >= 0 && o->exit_code <= 2 ? status[o->exit_code] : "unknown"));
        cJSON_AddNumberToObject(root, "exit_code", o->exit_code);
        cJSON_AddItemToObject(root, "message", jstr(o->message));
        cJSON_AddNumberToObject(root, "not_monitored", (double)o->not_monitored);
        for (size_t i = 0; i < n; i++)
                cJSON_AddItemToArray(drives, json_drive(&s[i]));
        cJSON_AddItemToObject(root, "devices", drives);
        text = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        if (!text) {
                sm_buf_puts(b, "{}\n");
                return;
        }
        sm_buf_puts(b, text);
        sm_buf_puts(b, "\n");
        free(text);
}

/* ===== the mode ===== */

/* The devices check looks at (oneshot.c is_monitored). */
static bool monitored(const struct sm_device_state *d, bool include_hdd)
{
        return d->id.cls == SM_CLASS_SSD || (include_hdd && d->id.cls == SM_CLASS_HDD);
}

int sm_report_run(const struct sm_config *cfg)
{
        struct sm_snapshot *snap = NULL;
        struct sm_report_opts o = {.now = (double)time(NULL)};
        struct sm_device_state *devs = NULL;
        struct sm_summary *sum = NULL;
        struct sm_node_summary node;
        char err[256] = "", msg[SM_NPD_MAX_MESSAGE + 1];
        const char *nc = getenv("NO_COLOR");
        struct sm_buf b;
        size_t n = 0;
        int r;

        r = sm_poller_collect_once(cfg, &snap, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "ssd-monitor report: collection failed: %s\n",
                        err[0] ? err : "error");
                return SM_NPD_UNKNOWN;
        }
        o.exit_code = (int)sm_oneshot_verdict(snap, cfg->include_hdd, msg, sizeof(msg));
        o.message = msg;
        o.colour = !cfg->report_json && isatty(STDOUT_FILENO) && !(nc && nc[0]);
        if (snap->n_devices) {
                devs = calloc(snap->n_devices, sizeof(*devs));
                sum = calloc(snap->n_devices, sizeof(*sum));
        }
        if (snap->n_devices && (!devs || !sum)) {
                fputs("ssd-monitor report: out of memory\n", stderr);
                free(devs);
                free(sum);
                sm_snapshot_unref(snap);
                return SM_NPD_UNKNOWN;
        }
        /* Shallow copies: the summaries point into the snapshot, kept until printed. */
        for (size_t i = 0; i < snap->n_devices; i++) {
                if (monitored(&snap->devices[i], cfg->include_hdd))
                        devs[n++] = snap->devices[i];
                else
                        o.not_monitored++;
        }
        sm_summary_build(devs, n, o.now, sum, &node);
        sm_buf_init(&b);
        if (cfg->report_json)
                sm_report_json(&b, sum, n, &o);
        else
                sm_report_text(&b, sum, n, &o);
        free(sum);
        free(devs);
        sm_snapshot_unref(snap);
        if (sm_buf_failed(&b) || b.data == NULL) {
                sm_buf_free(&b);
                fputs("ssd-monitor report: out of memory\n", stderr);
                return SM_NPD_UNKNOWN;
        }
        r = fwrite(b.data, 1, b.len, stdout) == b.len && fflush(stdout) == 0;
        sm_buf_free(&b);
        return r ? o.exit_code : SM_NPD_UNKNOWN;
}
