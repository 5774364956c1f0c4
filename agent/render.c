/* SPDX-License-Identifier: MIT */
#include "render.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "collectors/collector.h"
#include "lib/util.h"
#include "prom.h"
#include "sm-config.h"

#define GZIP_MIN_BYTES 1024

/* ===== Prometheus ===== */

/* Values are served from a cache: every HELP text says so. */
#define CACHED " (cached from the last collection)"

static bool values_current(const struct sm_device_state *d)
{
        return d->have_data && (d->status == SM_READ_OK || d->status == SM_READ_ASLEEP);
}

static void prom_agent(struct sm_buf *b, const struct sm_snapshot *s)
{
        size_t count[SM_CLASS_COUNT] = {0};

        sm_prom_family(b, "ssdmon_build_info", "gauge",
                       "Version of the ssd-monitor agent (always 1).");
        sm_prom_sample(b, "ssdmon_build_info", 1, "version", SM_VERSION, NULL);

        for (size_t i = 0; i < s->n_devices; i++)
                count[s->devices[i].id.cls]++;
        sm_prom_family(b, "ssdmon_devices", "gauge", "Monitored devices by class.");
        for (int c = 0; c < SM_CLASS_COUNT; c++)
                sm_prom_sample(b, "ssdmon_devices", (double)count[c], "class",
                               sm_class_name((enum sm_class)c), NULL);

        sm_prom_family(b, "ssdmon_ready", "gauge",
                       "1 once the first collection of every device has finished.");
        sm_prom_sample(b, "ssdmon_ready", s->ready ? 1 : 0, NULL);
        sm_prom_family(b, "ssdmon_collections_total", "counter",
                       "Collections run since the agent started.");
        sm_prom_sample_u64(b, "ssdmon_collections_total", s->stats.collections_total, NULL);
        sm_prom_family(b, "ssdmon_collection_duration_seconds", "gauge",
                       "Wall time of the last full collection of all devices.");
        sm_prom_sample(b, "ssdmon_collection_duration_seconds", s->stats.collection_duration_s,
                       NULL);
        sm_prom_family(b, "ssdmon_last_collection_timestamp_seconds", "gauge",
                       "Unix time when the last full collection finished.");
        sm_prom_sample(b, "ssdmon_last_collection_timestamp_seconds", s->stats.collection_ts, NULL);
        sm_prom_family(b, "ssdmon_udev_monitor", "gauge",
                       "1 when udev hotplug events are followed, 0 when the agent only rescans.");
        sm_prom_sample(b, "ssdmon_udev_monitor", s->stats.udev_monitor ? 1 : 0, NULL);
}

static void prom_info(struct sm_buf *b, const struct sm_snapshot *s)
{
        sm_prom_family(b, "ssdmon_device_info", "gauge",
                       "Identity of a monitored device (always 1)" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];
                struct sm_identity ident;

                sm_device_identity(d, &ident);
                sm_prom_sample(b, "ssdmon_device_info", 1, "device", d->id.name, "class",
                               sm_class_name(d->id.cls), "protocol", sm_proto_name(d->id.proto),
                               "bus", d->id.bus, "model", ident.model, "serial", ident.serial,
                               "firmware", ident.firmware, "wwn", ident.wwn, NULL);
        }
}

static void prom_status(struct sm_buf *b, const struct sm_snapshot *s)
{
        sm_prom_family(b, "ssdmon_device_up", "gauge",
                       "1 if the last read of the device succeeded (or found it asleep)" CACHED
                       ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                sm_prom_sample(b, "ssdmon_device_up",
                               d->status == SM_READ_OK || d->status == SM_READ_ASLEEP, "device",
                               d->id.name, NULL);
        }
        sm_prom_family(b, "ssdmon_device_asleep", "gauge",
                       "1 if the drive was in standby and was left alone (values are from the "
                       "last read while awake)" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++)
                sm_prom_sample(b, "ssdmon_device_asleep", s->devices[i].status == SM_READ_ASLEEP,
                               "device", s->devices[i].id.name, NULL);
        sm_prom_family(b, "ssdmon_read_duration_seconds", "gauge",
                       "Time the last read of the device took" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++)
                sm_prom_sample(b, "ssdmon_read_duration_seconds", s->devices[i].read_duration_s,
                               "device", s->devices[i].id.name, NULL);
        sm_prom_family(b, "ssdmon_last_success_timestamp_seconds", "gauge",
                       "Unix time of the last successful read of the device (0: never)" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++)
                sm_prom_sample(b, "ssdmon_last_success_timestamp_seconds",
                               s->devices[i].last_success_ts, "device", s->devices[i].id.name,
                               NULL);
        sm_prom_family(b, "ssdmon_reads_total", "counter",
                       "Read attempts of the device since the agent started" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++)
                sm_prom_sample_u64(b, "ssdmon_reads_total", s->devices[i].reads_total, "device",
                                   s->devices[i].id.name, NULL);
        sm_prom_family(b, "ssdmon_read_errors_total", "counter",
                       "Failed or timed-out reads of the device since the agent started" CACHED
                       ".");
        for (size_t i = 0; i < s->n_devices; i++)
                sm_prom_sample_u64(b, "ssdmon_read_errors_total", s->devices[i].read_errors_total,
                                   "device", s->devices[i].id.name, NULL);
}

static void prom_capacity(struct sm_buf *b, const struct sm_snapshot *s)
{
        sm_prom_family(b, "ssdmon_device_capacity_bytes", "gauge",
                       "Capacity of the device" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];
                uint64_t cap =
                        d->id.capacity_bytes ? d->id.capacity_bytes : d->health.capacity_bytes;

                if (cap)
                        sm_prom_sample_u64(b, "ssdmon_device_capacity_bytes", cap, "device",
                                           d->id.name, NULL);
        }
}

static void prom_health(struct sm_buf *b, const struct sm_snapshot *s)
{
        sm_prom_family(b, "ssdmon_smart_healthy", "gauge",
                       "1 if the drive's own verdict is healthy, 0 if it reports failing (ATA "
                       "SMART status or attribute at threshold; NVMe critical warning)" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (values_current(d) && d->health.healthy >= 0)
                        sm_prom_sample(b, "ssdmon_smart_healthy", d->health.healthy, "device",
                                       d->id.name, NULL);
        }
        sm_prom_family(b, "ssdmon_temperature_celsius", "gauge",
                       "Drive temperature; without a sensor label the drive's own (composite) "
                       "temperature" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (!values_current(d))
                        continue;
                if (d->health.has_temperature)
                        sm_prom_sample(b, "ssdmon_temperature_celsius", d->health.temperature_c,
                                       "device", d->id.name, NULL);
                for (int k = 0; k < 8; k++) {
                        char sensor[4];

                        if (isnan(d->health.sensor_temps_c[k]))
                                continue;
                        snprintf(sensor, sizeof(sensor), "%d", k + 1);
                        sm_prom_sample(b, "ssdmon_temperature_celsius", d->health.sensor_temps_c[k],
                                       "device", d->id.name, "sensor", sensor, NULL);
                }
        }
}

static void prom_counters(struct sm_buf *b, const struct sm_snapshot *s)
{
        sm_prom_family(b, "ssdmon_power_on_seconds_total", "counter",
                       "Time the drive has been powered on, as it reports it" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (values_current(d) && d->health.has_power_on)
                        sm_prom_sample_u64(b, "ssdmon_power_on_seconds_total",
                                           d->health.power_on_seconds, "device", d->id.name, NULL);
        }
        sm_prom_family(b, "ssdmon_power_cycles_total", "counter",
                       "Power cycles the drive reports" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (values_current(d) && d->health.has_power_cycles)
                        sm_prom_sample_u64(b, "ssdmon_power_cycles_total", d->health.power_cycles,
                                           "device", d->id.name, NULL);
        }
        sm_prom_family(b, "ssdmon_bad_sectors", "gauge",
                       "Reallocated plus pending sectors (ATA attributes 5 and 197)" CACHED ".");
        for (size_t i = 0; i < s->n_devices; i++) {
                const struct sm_device_state *d = &s->devices[i];

                if (values_current(d) && d->health.has_bad_sectors)
                        sm_prom_sample_u64(b, "ssdmon_bad_sectors", d->health.bad_sectors, "device",
                                           d->id.name, NULL);
        }
}

static void prom_collectors(struct sm_buf *b, const struct sm_snapshot *s)
{
        const struct sm_collector *const *cs = sm_collectors();
        const struct sm_device_state **devs;

        devs = calloc(s->n_devices ? s->n_devices : 1, sizeof(*devs));
        if (!devs) {
                b->failed = true;
                return;
        }
        for (size_t c = 0; cs[c]; c++) {
                size_t n = 0;

                for (size_t i = 0; i < s->n_devices; i++) {
                        if (s->devices[i].id.proto == cs[c]->proto &&
                            values_current(&s->devices[i]))
                                devs[n++] = &s->devices[i];
                }
                cs[c]->render_prom(b, devs, n);
        }
        free(devs);
}

int sm_render_metrics(const struct sm_snapshot *s, struct sm_body *ret)
{
        struct sm_buf b;

        sm_buf_init(&b);
        prom_agent(&b, s);
        prom_info(&b, s);
        prom_status(&b, s);
        prom_capacity(&b, s);
        prom_health(&b, s);
        prom_counters(&b, s);
        prom_collectors(&b, s);
        *ret = (struct sm_body){0};
        ret->data = sm_buf_steal(&b, &ret->len);
        return ret->data ? 0 : -ENOMEM;
}

/* ===== JSON ===== */

/* 64-bit counters: a number (a double, so approximate above 2^53) and an exact string. */
static bool json_u64(cJSON *o, const char *key, uint64_t v)
{
        char str[24], skey[64];

        snprintf(str, sizeof(str), "%llu", (unsigned long long)v);
        snprintf(skey, sizeof(skey), "%s_string", key);
        return cJSON_AddNumberToObject(o, key, (double)v) && cJSON_AddStringToObject(o, skey, str);
}

static bool json_str_or_null(cJSON *o, const char *key, const char *v)
{
        if (!v || !v[0])
                return cJSON_AddNullToObject(o, key) != NULL;
        return cJSON_AddStringToObject(o, key, v) != NULL;
}

static bool json_health(cJSON *o, const struct sm_device_state *d)
{
        const struct sm_health *h = &d->health;
        cJSON *hj = cJSON_AddObjectToObject(o, "health");
        cJSON *sensors;
        bool ok;

        if (!hj)
                return false;
        ok = (h->healthy < 0 ? cJSON_AddNullToObject(hj, "healthy")
                             : cJSON_AddBoolToObject(hj, "healthy", h->healthy)) != NULL;
        ok = ok && (h->rotation_rate < 0
                            ? cJSON_AddNullToObject(hj, "rotation_rate_rpm")
                            : cJSON_AddNumberToObject(hj, "rotation_rate_rpm", h->rotation_rate));
        ok = ok && (h->has_temperature
                            ? cJSON_AddNumberToObject(hj, "temperature_celsius", h->temperature_c)
                            : cJSON_AddNullToObject(hj, "temperature_celsius"));
        if (ok && h->has_power_on)
                ok = json_u64(hj, "power_on_seconds", h->power_on_seconds);
        if (ok && h->has_power_cycles)
                ok = json_u64(hj, "power_cycles", h->power_cycles);
        if (ok && h->has_bad_sectors)
                ok = json_u64(hj, "bad_sectors", h->bad_sectors);
        sensors = ok ? cJSON_AddArrayToObject(hj, "sensor_temperatures_celsius") : NULL;
        if (!sensors)
                return false;
        for (int k = 0; k < 8; k++) {
                cJSON *v = isnan(h->sensor_temps_c[k]) ? cJSON_CreateNull()
                                                       : cJSON_CreateNumber(h->sensor_temps_c[k]);

                if (!v || !cJSON_AddItemToArray(sensors, v)) {
                        cJSON_Delete(v);
                        return false;
                }
        }
        return true;
}

static bool json_state(cJSON *o, const struct sm_device_state *d)
{
        bool ok;

        ok = cJSON_AddStringToObject(o, "status", sm_read_status_name(d->status)) &&
             cJSON_AddBoolToObject(o, "up",
                                   d->status == SM_READ_OK || d->status == SM_READ_ASLEEP) &&
             cJSON_AddBoolToObject(o, "asleep", d->status == SM_READ_ASLEEP) &&
             json_str_or_null(o, "error", d->error) &&
             cJSON_AddBoolToObject(o, "stale", d->have_data && d->status != SM_READ_OK) &&
             cJSON_AddNumberToObject(o, "last_success_timestamp", d->last_success_ts) &&
             cJSON_AddNumberToObject(o, "last_attempt_timestamp", d->last_attempt_ts) &&
             cJSON_AddNumberToObject(o, "read_duration_seconds", d->read_duration_s);
        return ok && json_u64(o, "reads_total", d->reads_total) &&
               json_u64(o, "read_errors_total", d->read_errors_total);
}

static cJSON *json_device(const struct sm_device_state *d)
{
        const struct sm_collector *c = sm_collector_for(d->id.proto);
        struct sm_identity ident;
        uint64_t cap = d->id.capacity_bytes ? d->id.capacity_bytes : d->health.capacity_bytes;
        cJSON *o = cJSON_CreateObject();
        bool ok;

        if (!o)
                return NULL;
        sm_device_identity(d, &ident);
        ok = cJSON_AddStringToObject(o, "device", d->id.name) &&
             cJSON_AddStringToObject(o, "class", sm_class_name(d->id.cls)) &&
             cJSON_AddStringToObject(o, "protocol", sm_proto_name(d->id.proto)) &&
             json_str_or_null(o, "bus", d->id.bus) &&
             cJSON_AddStringToObject(o, "path", d->id.devnode) &&
             json_str_or_null(o, "model", ident.model) &&
             json_str_or_null(o, "serial", ident.serial) &&
             json_str_or_null(o, "firmware", ident.firmware) &&
             json_str_or_null(o, "wwn", ident.wwn) &&
             (cap ? json_u64(o, "capacity_bytes", cap)
                  : cJSON_AddNullToObject(o, "capacity_bytes") != NULL) &&
             json_state(o, d);
        if (ok && d->have_data) {
                ok = json_health(o, d);
                if (ok && c && c->render_json(o, d) < 0)
                        ok = false;
        } else if (ok) {
                ok = cJSON_AddNullToObject(o, "health") != NULL;
        }
        if (!ok) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

static int print_body(cJSON *o, struct sm_body *ret)
{
        char *p = cJSON_PrintUnformatted(o);

        *ret = (struct sm_body){0};
        if (!p)
                return -ENOMEM;
        ret->data = p;
        ret->len = strlen(p);
        return 0;
}

static int json_list(const struct sm_snapshot *s, const struct sm_body *devs, struct sm_body *ret)
{
        struct sm_buf b;

        sm_buf_init(&b);
        sm_buf_printf(&b,
                      "{\"generation\":%llu,\"ready\":%s,\"collection_timestamp\":%.3f,"
                      "\"devices\":[",
                      (unsigned long long)s->generation, s->ready ? "true" : "false",
                      s->stats.collection_ts);
        for (size_t i = 0; i < s->n_devices; i++) {
                if (i > 0)
                        sm_buf_puts(&b, ",");
                sm_buf_append(&b, devs[i].data, devs[i].len);
        }
        sm_buf_puts(&b, "]}");
        *ret = (struct sm_body){0};
        ret->data = sm_buf_steal(&b, &ret->len);
        return ret->data ? 0 : -ENOMEM;
}

int sm_render_json(const struct sm_snapshot *s, struct sm_body *ret_devices,
                   struct sm_body *ret_list)
{
        for (size_t i = 0; i < s->n_devices; i++) {
                cJSON *o = json_device(&s->devices[i]);
                int r;

                if (!o)
                        return -ENOMEM;
                r = print_body(o, &ret_devices[i]);
                cJSON_Delete(o);
                if (r < 0)
                        return r;
        }
        return json_list(s, ret_devices, ret_list);
}

/* ===== Landing page ===== */

static void html_escape(struct sm_buf *b, const char *s)
{
        for (; *s; s++) {
                switch (*s) {
                case '<':
                        sm_buf_puts(b, "&lt;");
                        break;
                case '>':
                        sm_buf_puts(b, "&gt;");
                        break;
                case '&':
                        sm_buf_puts(b, "&amp;");
                        break;
                case '"':
                        sm_buf_puts(b, "&quot;");
                        break;
                default:
                        sm_buf_append(b, s, 1);
                }
        }
}

static const char *health_word(const struct sm_device_state *d)
{
        if (!d->have_data || d->health.healthy < 0)
                return "unknown";
        return d->health.healthy ? "healthy" : "FAILING";
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
        html_escape(b, d->error);
        sm_buf_puts(b, "</td></tr>\n");
}

int sm_render_landing(const struct sm_snapshot *s, struct sm_body *ret)
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
        html_escape(&b, s->stats.telemetry_path[0] ? s->stats.telemetry_path : "/metrics");
        sm_buf_puts(&b, "\">Metrics</a> &middot; <a href=\"/api/v1/devices\">"
                        "Devices (JSON)</a> &middot; <a href=\"/healthz\">/healthz</a> &middot; "
                        "<a href=\"/readyz\">/readyz</a></p>\n<table><tr><th>Device</th>"
                        "<th>Class</th><th>Protocol</th><th>Model</th><th>Serial</th>"
                        "<th>Status</th><th>Health</th><th>Temperature</th><th>Error</th></tr>\n");
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
