/* SPDX-License-Identifier: MIT */
/*
 * render_html.c - the landing page (one card per drive, from agent/summary.h)
 * and the per-drive pages (/device/<name>: every reading, from the same
 * declarations the JSON is rendered from). Inline CSS, no JavaScript, no
 * external assets. Every string that is not a literal goes through esc().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/fmt.h"
#include "render.h"
#include "sm-config.h"
#include "summary.h"

/* The one escaping function of all HTML output: text and attribute values alike. */
static void esc(struct sm_buf *b, const char *s)
{
        static const char *const entity[256] = {['<'] = "&lt;",
                                                ['>'] = "&gt;",
                                                ['&'] = "&amp;",
                                                ['"'] = "&quot;",
                                                ['\''] = "&#39;"};

        while (s && *s) {
                size_t run = strcspn(s, "<>&\"'");

                sm_buf_append(b, s, run);
                s += run;
                if (*s)
                        sm_buf_puts(b, entity[(unsigned char)*s++]);
        }
}

/* A path segment of a link: percent-encoded, then escaped. */
static void esc_path(struct sm_buf *b, const char *s)
{
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~')
                        sm_buf_append(b, s, 1);
                else
                        sm_buf_printf(b, "%%%02X", c);
        }
}

static void fmt_time(double ts, char *buf, size_t n)
{
        time_t t = (time_t)ts;
        struct tm tm;

        if (ts <= 0 || !gmtime_r(&t, &tm))
                snprintf(buf, n, "never");
        else
                strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static const char CSS[] =
        ":root{color-scheme:light dark;--bg:#fff;--fg:#111;--mute:#555;--card:#f6f6f6;"
        "--line:#ccc;--ok:#1a7f37;--warn:#9a6700;--crit:#c62828;--unk:#57606a}"
        "@media (prefers-color-scheme:dark){:root{--bg:#111;--fg:#eee;--mute:#aaa;"
        "--card:#1c1c1c;--line:#444;--ok:#4ac26b;--warn:#e3b341;--crit:#ff6b6b;--unk:#9ba3ab}}"
        "*{box-sizing:border-box}body{font-family:sans-serif;margin:0 auto;padding:1em;"
        "max-width:72em;background:var(--bg);color:var(--fg);line-height:1.4}"
        "a{color:inherit}h1{font-size:1.4em;margin:.2em 0}.mute{color:var(--mute)}"
        ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(20em,1fr));gap:.8em}"
        ".card{background:var(--card);border:1px solid var(--line);border-left:.5em solid "
        "var(--unk);border-radius:.4em;padding:.6em .8em;min-width:0;overflow-wrap:anywhere}"
        ".card h2{font-size:1.05em;margin:0 0 .2em}.st{font-weight:bold}"
        ".critical{border-left-color:var(--crit)}.critical .st{color:var(--crit)}"
        ".warning{border-left-color:var(--warn)}.warning .st{color:var(--warn)}"
        ".ok{border-left-color:var(--ok)}.ok .st{color:var(--ok)}"
        "dl{display:grid;grid-template-columns:auto 1fr;gap:.1em .8em;margin:.4em 0}"
        "dt{color:var(--mute)}dd{margin:0}ul{margin:.2em 0;padding-left:1.2em}"
        ".bar{display:inline-block;width:8em;max-width:40%;height:.8em;border:1px solid "
        "var(--line);vertical-align:middle;margin-right:.4em}.bar span{display:block;"
        "height:100%;background:var(--fg)}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid var(--line);"
        "padding:.2em .4em;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
        ".wrap{overflow-x:auto}"
        ".spark{display:block;width:100%;max-width:16em;height:1.6em;color:var(--fg)}"
        ".spark.big{max-width:40em;height:5em}.spark.temp{color:var(--warn)}"
        ".spark polyline{fill:none;stroke:currentColor;stroke-width:1.5;stroke-linejoin:round;"
        "vector-effect:non-scaling-stroke}@media (max-width:30em){.cards{grid-template-columns:1fr}"
        "body{padding:.5em}}";

static void head(struct sm_buf *b, const char *title)
{
        sm_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                       "<title>");
        esc(b, title);
        sm_buf_printf(b, "</title><style>%s</style></head><body>\n", CSS);
}

static void dd_begin(struct sm_buf *b, const char *term)
{
        sm_buf_printf(b, "<dt>%s</dt><dd>", term);
}

/* ===== sparklines (agent/trend.h) ===== */

/* A sparkline's viewBox: W x H user units (integers), the line PAD units from the top and
 * bottom; the image is stretched to its CSS box (preserveAspectRatio none). */
struct spark_box {
        int w, h, pad;
        const char *cls;
};

static const struct spark_box spark_card = {1000, 240, 20, "spark"},
                              spark_page = {3000, 800, 20, "spark big"};

/* "30 days", "20 hours", "45 minutes" (rounded). */
static void fmt_span(int64_t s, char *buf, size_t n)
{
        if (s >= 2 * 86400)
                snprintf(buf, n, "%lld days", (long long)((s + 43200) / 86400));
        else if (s >= 2 * 3600)
                snprintf(buf, n, "%lld hours", (long long)((s + 1800) / 3600));
        else
                snprintf(buf, n, "%lld minutes", (long long)((s + 30) / 60));
}

/* Life used in 1/10000 (0..32767): "12 %", "12.5 %" (tenths truncated). */
static void fmt_life_e4(int v, char *buf, size_t n)
{
        if (v % 100 == 0)
                snprintf(buf, n, "%d %%", v / 100);
        else
                snprintf(buf, n, "%d.%d %%", v / 100, v % 100 / 10);
}

/* The words of a series: life used first to last, temperature lowest to highest. */
static void spark_words(const struct sm_trend *t, const struct sm_trend_series *s, int lo, int hi,
                        char *buf, size_t n)
{
        char a[24], z[24], span[32];

        fmt_span((int64_t)s->dt[s->n - 1], span, sizeof(span));
        if (s == &t->life) {
                fmt_life_e4(s->v[0], a, sizeof(a));
                fmt_life_e4(s->v[s->n - 1], z, sizeof(z));
                snprintf(buf, n, "life used %s to %s over %s (%s samples)", a, z, span,
                         sm_trend_res_name(t->res));
        } else {
                snprintf(buf, n, "%s maximum temperature %d to %d &deg;C over %s",
                         sm_trend_res_name(t->res), lo, hi, span);
        }
}

/* v (0..99999) in decimal at p; returns the end. */
static char *put_uint(char *p, long v)
{
        char d[8];
        int k = 0;

        do
                d[k++] = (char)('0' + v % 10);
        while ((v /= 10) > 0 && k < (int)sizeof(d));
        while (k > 0)
                *p++ = d[--k];
        return p;
}

/*
 * One series as an inline SVG polyline: x from the first to the last point's time
 * across the width, y from the highest value (top) to the lowest (bottom), both
 * rounded to whole units; a flat series is drawn across the middle. The image's name
 * and the text line after it say the same in words (the text is for text browsers;
 * screen readers read the name).
 */
static void sparkline(struct sm_buf *b, const struct sm_trend *t, const struct sm_trend_series *s,
                      const struct spark_box *box, const char *term)
{
        char words[160], pts[SM_TREND_POINTS * 12], *p = pts;
        int lo = s->v[0], hi = s->v[0];
        double span = s->dt[s->n - 1];

        for (unsigned i = 1; i < s->n; i++) {
                lo = s->v[i] < lo ? s->v[i] : lo;
                hi = s->v[i] > hi ? s->v[i] : hi;
        }
        for (unsigned i = 0; i < s->n; i++) {
                long x = lround(box->w * (s->dt[i] / span)),
                     y = hi == lo ? box->h / 2
                                  : lround(box->pad + (box->h - 2 * box->pad) *
                                                              ((double)(hi - s->v[i]) / (hi - lo)));

                if (i)
                        *p++ = ' ';
                p = put_uint(p, x);
                *p++ = ',';
                p = put_uint(p, y);
        }
        spark_words(t, s, lo, hi, words, sizeof(words));
        dd_begin(b, term);
        sm_buf_printf(b,
                      "<svg class=\"%s%s\" viewBox=\"0 0 %d %d\" preserveAspectRatio=\"none\" "
                      "role=\"img\" aria-label=\"%s\"><title>%s</title><polyline points=\"",
                      box->cls, s == &t->temp ? " temp" : "", box->w, box->h, words, words);
        sm_buf_append(b, pts, (size_t)(p - pts));
        sm_buf_printf(b, "\"/></svg><span class=\"trend mute\" aria-hidden=\"true\">%s</span></dd>",
                      words);
}

/* The drive's trend rows, where its history has them (two or more points). */
static void trends(struct sm_buf *b, const struct sm_summary *s, const struct spark_box *box,
                   bool life)
{
        const struct sm_trend *t;

        if (!s->d || !s->d->risk.have)
                return;
        t = &s->d->risk.trend;
        if (life && t->life.n >= 2)
                sparkline(b, t, &t->life, box, "Life trend");
        if (!life && t->temp.n >= 2)
                sparkline(b, t, &t->temp, box, "Temp. trend");
}

static void card(struct sm_buf *b, const struct sm_summary *s, const struct spark_box *box)
{
        char t[64], dur[48];

        sm_buf_printf(b, "<article class=\"card %s\" id=\"dev-", sm_sum_state_look(s->state)->css);
        esc_path(b, s->name);
        sm_buf_puts(b, "\"><h2><a href=\"/device/");
        esc_path(b, s->name);
        sm_buf_puts(b, "\">");
        esc(b, s->name);
        sm_buf_printf(b, "</a></h2>\n<p class=\"st\" data-state=\"%s\">%s %s</p>\n",
                      sm_sum_state_name(s->state), sm_sum_state_look(s->state)->icon,
                      sm_sum_state_name(s->state));
        if (s->reasons || s->state_why) {
                sm_buf_puts(b, "<ul class=\"reasons\">");
                for (unsigned i = 0; i < SM_REASON_COUNT; i++)
                        if (s->reasons & (1u << i))
                                sm_buf_printf(b, "<li data-reason=\"%s\">%s</li>",
                                              sm_reasons[i].name, sm_reasons[i].summary);
                if (s->state_why) {
                        sm_buf_puts(b, "<li>");
                        esc(b, s->state_why);
                        sm_buf_puts(b, "</li>");
                }
                sm_buf_puts(b, "</ul>\n");
        }
        sm_buf_puts(b, "<dl>");
        dd_begin(b, "Model");
        esc(b, s->ident.model[0] ? s->ident.model : "unknown");
        sm_buf_puts(b, "</dd>");
        dd_begin(b, "Serial");
        esc(b, s->ident.serial[0] ? s->ident.serial : "unknown");
        sm_buf_printf(b, "</dd><dt>Kind</dt><dd>%s, %s</dd>", s->cls, s->proto);
        if (s->has_life) {
                double pct = s->life_used * 100.0, w = pct > 100 ? 100 : pct < 0 ? 0 : pct;

                dd_begin(b, "Life used");
                sm_buf_printf(
                        b,
                        "<span class=\"bar\" aria-hidden=\"true\"><span style=\"width:%.0f%%\">"
                        "</span></span><span class=\"life\">%.0f %%</span>",
                        w, pct);
                if (s->life_source[0]) {
                        sm_buf_puts(b, " <span class=\"mute\">(");
                        esc(b, s->life_source);
                        sm_buf_puts(b, ")</span>");
                }
                sm_buf_puts(b, "</dd>");
        }
        trends(b, s, box, true);
        if (s->has_days_left) {
                dd_begin(b, "Days left");
                sm_buf_printf(b,
                              "<span class=\"days\">%.0f</span> <span class=\"mute\">(%s "
                              "rate)</span></dd>",
                              s->days_left, s->days_left_method);
        }
        if (s->has_written) {
                dd_begin(b, "Written");
                sm_buf_printf(b, "%.2f TB", (double)s->written_bytes / 1e12);
                if (s->has_dwpd)
                        sm_buf_printf(b, ", %.2f drive writes/day (%s)", s->dwpd, s->dwpd_method);
                sm_buf_puts(b, "</dd>");
        }
        if (s->has_spare) {
                dd_begin(b, "Spare");
                sm_buf_printf(b, "%.0f %%", s->spare * 100.0);
                if (s->has_spare_threshold)
                        sm_buf_printf(b, " (threshold %.0f %%)", s->spare_threshold * 100.0);
                sm_buf_puts(b, "</dd>");
        }
        if (s->has_temp) {
                dd_begin(b, "Temperature");
                sm_buf_printf(b, "%.0f &deg;C", s->temp_c);
                if (s->has_temp_warning)
                        sm_buf_printf(b, " (warning at %.0f &deg;C)", s->temp_warning_c);
                else
                        sm_buf_printf(b, " (warning at %.0f &deg;C, default)",
                                      SM_VERDICT_TEMP_DEFAULT_C);
                sm_buf_puts(b, "</dd>");
        }
        trends(b, s, box, false);
        if (s->has_power_on) {
                sm_summary_fmt_duration((double)s->power_on_s, dur, sizeof(dur));
                dd_begin(b, "Powered on");
                sm_buf_printf(b, "%s</dd>", dur);
        }
        fmt_time(s->last_success_ts, t, sizeof(t));
        dd_begin(b, "Last read");
        sm_buf_puts(b, t);
        if (s->age_s >= 0) {
                sm_summary_fmt_duration(s->age_s, dur, sizeof(dur));
                sm_buf_printf(b, " (%s ago)", dur);
        }
        if (s->stale)
                sm_buf_puts(b, " <strong>stale</strong>");
        sm_buf_puts(b, "</dd>");
        if (s->last_error) {
                dd_begin(b, "Last error");
                esc(b, s->last_error);
                sm_buf_puts(b, "</dd>");
        }
        sm_buf_puts(b, "</dl></article>\n");
}

static void summary_line(struct sm_buf *b, const struct sm_summary *s,
                         const struct sm_node_summary *n)
{
        static const enum sm_sum_state order[] = {SM_SUM_CRITICAL,   SM_SUM_WARNING, SM_SUM_UNKNOWN,
                                                  SM_SUM_NEVER,      SM_SUM_OK,      SM_SUM_ASLEEP,
                                                  SM_SUM_UNSUPPORTED};

        const char *sep = "";

        sm_buf_printf(b, "<p id=\"summary\"><strong>%zu drive(s):</strong> ", n->n);
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
                if (!n->by_state[order[i]])
                        continue;
                sm_buf_printf(b, "%s%zu %s", sep, n->by_state[order[i]],
                              sm_sum_state_name(order[i]));
                sep = ", ";
        }
        sm_buf_puts(b, ".");
        if (n->worst_life >= 0) {
                double left = 100.0 - s[n->worst_life].life_used * 100.0;

                sm_buf_printf(b, " Worst life left: %.0f %% (", left > 0 ? left : 0);
                esc(b, s[n->worst_life].name);
                sm_buf_puts(b, ").");
        }
        if (n->fewest_days >= 0) {
                sm_buf_printf(b, " Fewest days left: %.0f (", s[n->fewest_days].days_left);
                esc(b, s[n->fewest_days].name);
                sm_buf_puts(b, ").");
        }
        if (n->hottest >= 0) {
                sm_buf_printf(b, " Hottest: %.0f &deg;C (", s[n->hottest].temp_c);
                esc(b, s[n->hottest].name);
                sm_buf_puts(b, ").");
        }
        sm_buf_puts(b, "</p>\n");
}

int sm_render_landing(const struct sm_view *v, struct sm_body *ret)
{
        struct sm_summary *sum = calloc(v->n_devices ? v->n_devices : 1, sizeof(*sum));
        struct sm_node_summary node;
        double now = v->stats->collection_ts > 0 ? v->stats->collection_ts : (double)time(NULL);
        char t[64];
        struct sm_buf b;

        *ret = (struct sm_body){0};
        if (!sum)
                return -ENOMEM;
        sm_summary_build(v->devices, v->n_devices, now, sum, &node);
        sm_buf_init(&b);
        head(&b, "ssd-monitor");
        fmt_time(now, t, sizeof(t));
        sm_buf_printf(&b,
                      "<header><h1>ssd-monitor</h1><p class=\"mute\">Version " SM_VERSION
                      ", %s, as of %s. <a href=\"",
                      v->ready ? "first collection finished" : "first collection running", t);
        esc(&b, v->stats->telemetry_path[0] ? v->stats->telemetry_path : "/metrics");
        sm_buf_puts(&b, "\">Metrics</a> &middot; <a href=\"/api/v1/devices\">Devices (JSON)</a>"
                        " &middot; <a href=\"/healthz\">/healthz</a> &middot; "
                        "<a href=\"/readyz\">/readyz</a></p></header>\n");
        summary_line(&b, sum, &node);
        sm_buf_puts(&b, "<main class=\"cards\">\n");
        for (size_t i = 0; i < v->n_devices; i++)
                card(&b, &sum[i], &spark_card);
        sm_buf_puts(&b, "</main>\n</body></html>\n");
        free(sum);
        ret->data = sm_buf_steal(&b, &ret->len);
        return ret->data ? 0 : -ENOMEM;
}

/* ===== /device/<name> ===== */

struct row_ctx {
        struct sm_buf *b;
};

static void where(struct sm_buf *b, const struct sm_json *j)
{
        if (j->kind == SM_JSON_NONE)
                return;
        if (j->section) {
                esc(b, j->section);
                sm_buf_puts(b, ".");
        }
        if (j->array) {
                esc(b, j->array);
                sm_buf_puts(b, "[].");
        }
        esc(b, j->key ? j->key : "");
}

static void row_emit(void *opaque, const struct sm_reading *r)
{
        struct row_ctx *c = opaque;
        struct sm_buf *b = c->b;
        const struct sm_family *f = r->desc->family;
        const struct sm_json *j = &r->desc->json;
        char num[64];

        if (!r->present || (j->flags & SM_JSON_SERIES))
                return;
        if (j->kind == SM_JSON_STRING && (!r->str || !r->str[0]))
                return;
        sm_buf_puts(b, "<tr><td>");
        if (f) {
                esc(b, f->name);
                for (size_t i = 0; i < SM_LABELS_MAX && f->labels[i]; i++) {
                        if (!r->labels[i])
                                continue;
                        sm_buf_puts(b, i ? "," : "{");
                        esc(b, f->labels[i]);
                        sm_buf_puts(b, "=&quot;");
                        esc(b, r->labels[i]);
                        sm_buf_puts(b, "&quot;");
                }
                for (size_t i = 0; i < SM_LABELS_MAX && f->labels[i]; i++)
                        if (r->labels[i]) {
                                sm_buf_puts(b, "}");
                                break;
                        }
        }
        sm_buf_puts(b, "</td><td>");
        where(b, j);
        if (j->array && j->key)
                sm_buf_printf(b, " (row %u)", r->row);
        sm_buf_puts(b, "</td><td>");
        if (j->kind == SM_JSON_STRING)
                esc(b, r->str);
        else if (j->kind == SM_JSON_BOOL)
                sm_buf_puts(b, r->value != 0 ? "true" : "false");
        else if (r->exact)
                esc(b, r->exact);
        else {
                sm_fmt_double(r->value, num, sizeof(num));
                esc(b, num);
        }
        sm_buf_puts(b, "</td><td>");
        if (f && f->unit)
                esc(b, f->unit);
        sm_buf_puts(b, "</td><td>");
        if (f)
                esc(b, f->help);
        sm_buf_puts(b, "</td></tr>\n");
}

int sm_render_device_page(const struct sm_view *v, size_t i, struct sm_body *ret)
{
        const struct sm_device_state *d = &v->devices[i];
        double now = v->stats->collection_ts > 0 ? v->stats->collection_ts : (double)time(NULL);
        struct sm_summary s;
        struct sm_buf b;
        struct row_ctx c = {.b = &b};
        char title[128];

        *ret = (struct sm_body){0};
        sm_summary_device(d, now, &s);
        sm_buf_init(&b);
        snprintf(title, sizeof(title), "%s - ssd-monitor", d->id.name);
        head(&b, title);
        sm_buf_puts(&b,
                    "<p><a href=\"/\">&larr; all drives</a> &middot; <a href=\"/api/v1/devices/");
        esc_path(&b, d->id.name);
        sm_buf_puts(&b, "\">this drive as JSON</a></p>\n<main class=\"cards\">\n");
        card(&b, &s, &spark_page);
        sm_buf_puts(&b, "</main>\n<h2>Every reading</h2>\n<div class=\"wrap\"><table>"
                        "<thead><tr><th>Metric</th><th>JSON</th><th>Value</th><th>Unit</th>"
                        "<th>Meaning</th></tr></thead><tbody>\n");
        for (size_t k = 0; sm_sources[k]; k++)
                if (!sm_sources[k]->needs_data || d->have_data)
                        sm_sources[k]->readings(d, row_emit, &c);
        sm_buf_puts(&b, "</tbody></table></div>\n</body></html>\n");
        ret->data = sm_buf_steal(&b, &ret->len);
        return ret->data ? 0 : -ENOMEM;
}
