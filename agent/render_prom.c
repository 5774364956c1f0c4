/* SPDX-License-Identifier: MIT */
/*
 * render_prom.c - the Prometheus text body, generically from the declarations
 * (collectors/metric.h): every reading goes to its family's block, and the
 * blocks come out in the declared order, one HELP/TYPE header each.
 *
 * Order: the agent's own families, then each source's (sources.c: the device
 * state, the shared health families, each collector's families). Two families
 * with the same name are one block (the first declaration's HELP).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "prom.h"
#include "render.h"
#include "sm-config.h"

/* Values are served from a cache: every per-device HELP text says so (here only). */
#define CACHED " (cached from the last collection)"

/* ===== the agent's own families ===== */

SM_FAMILY(static, f_build_info, "ssdmon_build_info", SM_GAUGE, "",
          SM_FAMILY_AGENT | SM_FAMILY_ALWAYS, "Version of the ssd-monitor agent (always 1)",
          "version");
SM_FAMILY(static, f_devices, "ssdmon_devices", SM_GAUGE, "", SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "Monitored devices by class", "class");
SM_FAMILY(static, f_ready, "ssdmon_ready", SM_GAUGE, "", SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "1 once the first collection of every device has finished", NULL);
SM_FAMILY(static, f_collections, "ssdmon_collections_total", SM_COUNTER, "",
          SM_FAMILY_AGENT | SM_FAMILY_ALWAYS, "Collections run since the agent started", NULL);
SM_FAMILY(static, f_collection_duration, "ssdmon_collection_duration_seconds", SM_GAUGE, "seconds",
          SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "Wall time of the last full collection of all devices", NULL);
SM_FAMILY(static, f_last_collection, "ssdmon_last_collection_timestamp_seconds", SM_GAUGE,
          "seconds", SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "Unix time when the last full collection finished", NULL);
SM_FAMILY(static, f_udev_monitor, "ssdmon_udev_monitor", SM_GAUGE, "",
          SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "1 when udev hotplug events are followed, 0 when the agent only rescans", NULL);
SM_FAMILY(static, f_stuck_reads, "ssdmon_stuck_reads", SM_GAUGE, "",
          SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "Device reads past their deadline whose threads have not returned (the kernel has "
          "not answered)",
          NULL);
SM_FAMILY(static, f_stuck_reads_limit, "ssdmon_stuck_reads_limit", SM_GAUGE, "",
          SM_FAMILY_AGENT | SM_FAMILY_ALWAYS,
          "At most this many stuck reads; beyond it devices are reported timed out without a "
          "new read",
          NULL);

static const struct sm_family *const agent_families[] = {
        &f_build_info,
        &f_devices,
        &f_ready,
        &f_collections,
        &f_collection_duration,
        &f_last_collection,
        &f_stuck_reads,
        &f_stuck_reads_limit,
        &f_udev_monitor,
        NULL,
};

static const struct sm_desc d_build_info = {.family = &f_build_info};
static const struct sm_desc d_devices = {.family = &f_devices};
static const struct sm_desc d_ready = {.family = &f_ready};
static const struct sm_desc d_collections = {.family = &f_collections};
static const struct sm_desc d_collection_duration = {.family = &f_collection_duration};
static const struct sm_desc d_last_collection = {.family = &f_last_collection};
static const struct sm_desc d_udev_monitor = {.family = &f_udev_monitor};
static const struct sm_desc d_stuck_reads = {.family = &f_stuck_reads};
static const struct sm_desc d_stuck_reads_limit = {.family = &f_stuck_reads_limit};

static void agent_readings(const struct sm_view *v, sm_emit_fn emit, void *ctx)
{
        size_t count[SM_CLASS_COUNT] = {0};
        char total[SM_FMT_MAX];
        struct sm_reading r;

        r = sm_reading_num(&d_build_info, 1, NULL);
        r.labels[0] = SM_VERSION;
        emit(ctx, &r);
        for (size_t i = 0; i < v->n_devices; i++)
                count[v->devices[i].id.cls]++;
        for (int c = 0; c < SM_CLASS_COUNT; c++) {
                r = sm_reading_num(&d_devices, (double)count[c], NULL);
                r.labels[0] = sm_class_name((enum sm_class)c);
                emit(ctx, &r);
        }
        r = sm_reading_num(&d_ready, v->ready ? 1 : 0, NULL);
        emit(ctx, &r);
        sm_fmt_u64(v->stats->collections_total, total, sizeof(total));
        r = sm_reading_num(&d_collections, (double)v->stats->collections_total, total);
        emit(ctx, &r);
        r = sm_reading_num(&d_collection_duration, v->stats->collection_duration_s, NULL);
        emit(ctx, &r);
        r = sm_reading_num(&d_last_collection, v->stats->collection_ts, NULL);
        emit(ctx, &r);
        sm_fmt_u64(v->stats->stuck_reads, total, sizeof(total));
        r = sm_reading_num(&d_stuck_reads, (double)v->stats->stuck_reads, total);
        emit(ctx, &r);
        sm_fmt_u64(v->stats->stuck_reads_limit, total, sizeof(total));
        r = sm_reading_num(&d_stuck_reads_limit, (double)v->stats->stuck_reads_limit, total);
        emit(ctx, &r);
        r = sm_reading_num(&d_udev_monitor, v->stats->udev_monitor ? 1 : 0, NULL);
        emit(ctx, &r);
}

/* ===== the family registry: declared order, computed once ===== */

#define MAX_FAMILIES 256
#define HASH_SLOTS   512 /* power of two, > 2 x MAX_FAMILIES */

static struct {
        const struct sm_family *fam[MAX_FAMILIES]; /* by rank; the first of each name */
        size_t n;
        const struct sm_family *key[HASH_SLOTS]; /* every registered pointer -> rank */
        unsigned rank[HASH_SLOTS];
} reg;

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;

static size_t hash_of(const struct sm_family *f)
{
        return ((uintptr_t)f >> 3) * 2654435761u & (HASH_SLOTS - 1);
}

static long lookup(const struct sm_family *f)
{
        for (size_t h = hash_of(f);; h = (h + 1) & (HASH_SLOTS - 1)) {
                if (reg.key[h] == f)
                        return reg.rank[h];
                if (!reg.key[h])
                        return -1;
        }
}

static void add(const struct sm_family *f)
{
        size_t rank = reg.n, h;

        if (lookup(f) >= 0)
                return;
        for (size_t i = 0; i < reg.n; i++) {
                if (strcmp(reg.fam[i]->name, f->name) == 0) {
                        rank = i; /* same name: one family */
                        break;
                }
        }
        if (rank == reg.n) {
                if (reg.n == MAX_FAMILIES)
                        return;
                reg.fam[reg.n++] = f;
        }
        for (h = hash_of(f); reg.key[h]; h = (h + 1) & (HASH_SLOTS - 1))
                ;
        reg.key[h] = f;
        reg.rank[h] = (unsigned)rank;
}

static void add_all(const struct sm_family *const *list)
{
        for (size_t i = 0; list && list[i]; i++)
                add(list[i]);
}

static void registry_init(void)
{
        const struct sm_collector *const *cs = sm_collectors();

        add_all(agent_families);
        for (size_t i = 0; sm_sources[i]; i++) {
                add_all(sm_sources[i]->families);
                for (size_t c = 0; sm_sources[i]->protocol && cs[c]; c++)
                        add_all(cs[c]->families);
        }
}

/* ===== rendering ===== */

/* The collector's own readings of d (for sm_render_prom_protocol()). */
static void protocol_readings(const struct sm_device_state *d, sm_emit_fn emit, void *ctx)
{
        const struct sm_collector *col = sm_collector_for(d->id.proto);

        if (col && col->readings)
                col->readings(&d->health, emit, ctx);
}

struct block {
        struct sm_buf buf;
        bool sampled;
};

struct prom_ctx {
        struct block *blocks; /* one per registry rank */
        const char *device;   /* the device the readings are of */
        bool failed;          /* a reading of an undeclared family */
};

static void write_value(struct sm_buf *b, const struct sm_reading *r)
{
        char num[SM_FMT_MAX];

        if (!r->exact)
                sm_fmt_double(r->value, num, sizeof(num));
        sm_buf_puts(b, " ");
        sm_buf_puts(b, r->exact ? r->exact : num);
        sm_buf_puts(b, "\n");
}

static void write_sample(struct sm_buf *b, const struct sm_family *f, const char *device,
                         const struct sm_reading *r)
{
        const char *sep = "{";

        sm_buf_puts(b, f->name);
        if (!(f->flags & SM_FAMILY_AGENT)) {
                sm_buf_puts(b, "{device=\"");
                sm_prom_escape(b, device);
                sm_buf_puts(b, "\"");
                sep = ",";
        }
        for (size_t i = 0; i < SM_LABELS_MAX && f->labels[i]; i++) {
                if (!r->labels[i])
                        continue;
                sm_buf_puts(b, sep);
                sm_buf_puts(b, f->labels[i]);
                sm_buf_puts(b, "=\"");
                sm_prom_escape(b, r->labels[i]);
                sm_buf_puts(b, "\"");
                sep = ",";
        }
        if (sep[0] == ',')
                sm_buf_puts(b, "}");
        write_value(b, r);
}

static void prom_emit(void *opaque, const struct sm_reading *r)
{
        struct prom_ctx *c = opaque;
        const struct sm_family *f = r->desc->family;
        struct block *blk;
        long rank;

        if (!f || !r->present || r->json_only)
                return;
        rank = lookup(f);
        if (rank < 0) {
                c->failed = true; /* not in any families list: a declaration bug */
                return;
        }
        blk = &c->blocks[rank];
        blk->sampled = true;
        write_sample(&blk->buf, f, c->device, r);
}

static void write_header(struct sm_buf *b, const struct sm_family *f)
{
        char help[1024];

        snprintf(help, sizeof(help), "%s%s", f->help ? f->help : "",
                 f->flags & SM_FAMILY_AGENT ? "." : CACHED ".");
        sm_prom_family(b, f->name, f->type == SM_COUNTER ? "counter" : "gauge", help);
}

static int assemble(struct prom_ctx *c, struct sm_buf *out)
{
        for (size_t i = 0; i < reg.n; i++) {
                struct block *blk = &c->blocks[i];

                if (blk->sampled || (reg.fam[i]->flags & SM_FAMILY_ALWAYS))
                        write_header(out, reg.fam[i]);
                if (blk->buf.len)
                        sm_buf_append(out, blk->buf.data, blk->buf.len);
                if (sm_buf_failed(&blk->buf))
                        out->failed = true;
                sm_buf_free(&blk->buf);
        }
        free(c->blocks);
        return c->failed ? -EINVAL : 0;
}

static int ctx_init(struct prom_ctx *c)
{
        pthread_once(&reg_once, registry_init);
        *c = (struct prom_ctx){0};
        c->blocks = calloc(reg.n ? reg.n : 1, sizeof(*c->blocks));
        if (!c->blocks)
                return -ENOMEM;
        for (size_t i = 0; i < reg.n; i++)
                sm_buf_init(&c->blocks[i].buf);
        return 0;
}

int sm_render_metrics(const struct sm_view *v, struct sm_body *ret)
{
        struct prom_ctx c;
        struct sm_buf b;
        int r = ctx_init(&c);

        *ret = (struct sm_body){0};
        if (r < 0)
                return r;
        agent_readings(v, prom_emit, &c);
        for (size_t i = 0; i < v->n_devices; i++) {
                const struct sm_device_state *d = &v->devices[i];

                c.device = d->id.name;
                for (size_t k = 0; sm_sources[k]; k++) {
                        if (!sm_sources[k]->needs_data || sm_device_values_current(d))
                                sm_sources[k]->readings(d, prom_emit, &c);
                }
        }
        sm_buf_init(&b);
        r = assemble(&c, &b);
        ret->data = sm_buf_steal(&b, &ret->len);
        if (r < 0) {
                free(ret->data);
                *ret = (struct sm_body){0};
                return r;
        }
        return ret->data ? 0 : -ENOMEM;
}

int sm_render_prom_protocol(struct sm_buf *b, enum sm_proto proto,
                            const struct sm_device_state *const *devs, size_t n)
{
        struct prom_ctx c;
        int r = ctx_init(&c);

        if (r < 0) {
                b->failed = true;
                return r;
        }
        for (size_t i = 0; i < n; i++) {
                if (!devs[i]->have_data || devs[i]->id.proto != proto)
                        continue;
                c.device = devs[i]->id.name;
                protocol_readings(devs[i], prom_emit, &c);
        }
        /* Only what was sampled: the ALWAYS headers belong to the whole body. */
        for (size_t i = 0; i < reg.n; i++) {
                if (!c.blocks[i].sampled)
                        continue;
                write_header(b, reg.fam[i]);
                sm_buf_append(b, c.blocks[i].buf.data, c.blocks[i].buf.len);
        }
        for (size_t i = 0; i < reg.n; i++)
                sm_buf_free(&c.blocks[i].buf);
        free(c.blocks);
        return c.failed ? -EINVAL : 0;
}
