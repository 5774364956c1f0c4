/* SPDX-License-Identifier: MIT */
/*
 * render.c - the landing page (HTML) and gzip of the bodies. The Prometheus
 * text is rendered in render_prom.c, the JSON in render_json.c.
 */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sm-config.h"

#define GZIP_MIN_BYTES 1024

/* ===== Landing page ===== */

static void html_escape(struct sm_buf *b, const char *s)
{
        static const char *const entity[256] = {
                ['<'] = "&lt;", ['>'] = "&gt;", ['&'] = "&amp;", ['"'] = "&quot;"};

        while (*s) {
                size_t run = strcspn(s, "<>&\"");

                sm_buf_append(b, s, run);
                s += run;
                if (*s)
                        sm_buf_puts(b, entity[(unsigned char)*s++]);
        }
}

static const char *health_word(const struct sm_device_state *d)
{
        if (!d->have_data || d->health.healthy < 0)
                return "unknown";
        return d->health.healthy ? "healthy" : "FAILING";
}

/* The agent's verdict (docs/health.md): state, the reasons set, days of endurance left. */
static void landing_verdict(struct sm_buf *b, const struct sm_risk *k)
{
        const char *sep = ": ";
        int m = sm_fc_best(k->fc.life_per_day);

        if (!k->have || !k->verdict.state_known)
                return;
        sm_buf_puts(b, sm_health_state_name(k->verdict.state));
        for (unsigned i = 0; i < SM_REASON_COUNT; i++) {
                if (!(k->verdict.set & (1u << i)))
                        continue;
                sm_buf_printf(b, "%s%s", sep, sm_reasons[i].name);
                sep = ", ";
        }
        if (m >= 0 && k->fc.days_left[m].known)
                sm_buf_printf(b, "; %.0f days of endurance left (%s rate)", k->fc.days_left[m].v,
                              sm_fc_method_name(m));
}

static void landing_row(struct sm_buf *b, const struct sm_device_state *d)
{
        struct sm_identity ident;

        sm_device_identity(d, &ident);
        sm_buf_puts(b, "<tr><td><a href=\"/api/v1/devices/");
        html_escape(b, d->id.name);
        sm_buf_puts(b, "\">");
        html_escape(b, d->id.name);
        sm_buf_printf(b, "</a></td><td>%s</td><td>%s</td><td>", sm_class_name(d->id.cls),
                      sm_proto_name(d->id.proto));
        html_escape(b, ident.model);
        sm_buf_puts(b, "</td><td>");
        html_escape(b, ident.serial);
        sm_buf_printf(b, "</td><td>%s</td><td>%s</td><td>", sm_read_status_name(d->status),
                      health_word(d));
        if (d->have_data && d->health.has_temperature)
                sm_buf_printf(b, "%.0f &deg;C", d->health.temperature_c);
        sm_buf_puts(b, "</td><td>");
        landing_verdict(b, &d->risk);
        sm_buf_puts(b, "</td><td>");
        html_escape(b, d->error);
        sm_buf_puts(b, "</td></tr>\n");
}

int sm_render_landing(const struct sm_view *s, struct sm_body *ret)
{
        struct sm_buf b;

        sm_buf_init(&b);
        sm_buf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                        "<title>ssd-monitor</title><style>body{font-family:sans-serif;margin:2em}"
                        "table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                        "padding:.3em .6em;text-align:left}</style></head><body>\n"
                        "<h1>ssd-monitor</h1>\n<p>Version " SM_VERSION ". ");
        sm_buf_printf(&b, "%zu device(s); %s.</p>\n", s->n_devices,
                      s->ready ? "first collection finished" : "first collection running");
        sm_buf_puts(&b, "<p><a href=\"");
        html_escape(&b, s->stats->telemetry_path[0] ? s->stats->telemetry_path : "/metrics");
        sm_buf_puts(&b, "\">Metrics</a> &middot; <a href=\"/api/v1/devices\">"
                        "Devices (JSON)</a> &middot; <a href=\"/healthz\">/healthz</a> &middot; "
                        "<a href=\"/readyz\">/readyz</a></p>\n<table><tr><th>Device</th>"
                        "<th>Class</th><th>Protocol</th><th>Model</th><th>Serial</th>"
                        "<th>Status</th><th>Health</th><th>Temperature</th><th>Verdict</th>"
                        "<th>Error</th></tr>\n");
        for (size_t i = 0; i < s->n_devices; i++)
                landing_row(&b, &s->devices[i]);
        sm_buf_puts(&b, "</table>\n</body></html>\n");
        *ret = (struct sm_body){0};
        ret->data = sm_buf_steal(&b, &ret->len);
        return ret->data ? 0 : -ENOMEM;
}

/* ===== gzip ===== */

int sm_render_gzip(struct sm_body *b)
{
        z_stream zs = {0};
        uLong bound;
        char *out;
        int r;

        if (b->len < GZIP_MIN_BYTES)
                return 0;
        if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        bound = deflateBound(&zs, (uLong)b->len);
        out = malloc(bound);
        if (!out) {
                deflateEnd(&zs);
                return -ENOMEM;
        }
        zs.next_in = (Bytef *)b->data;
        zs.avail_in = (uInt)b->len;
        zs.next_out = (Bytef *)out;
        zs.avail_out = (uInt)bound;
        r = deflate(&zs, Z_FINISH);
        if (r != Z_STREAM_END) {
                deflateEnd(&zs);
                free(out);
                return -ENOMEM;
        }
        b->gz = out;
        b->gz_len = zs.total_out;
        deflateEnd(&zs);
        return 0;
}
