/* SPDX-License-Identifier: MIT */
/*
 * bench-scrape.c - does a scrape cost depend on the number of disks?
 *
 * Server mode (default): for 1, 10, 100 and 1000 devices it builds a snapshot
 * (sm_snapshot_build: the renders and gzip, once per collection) and serves it
 * with the real HTTP server (sm_http_start on 127.0.0.1:0 with a store). A
 * client process (this program re-executed with --client) makes N keep-alive
 * requests for /metrics, as Prometheus does (Accept-Encoding: gzip) and plain.
 * Server CPU per request is this process's getrusage() delta while the client
 * runs (the main thread only waits, so it is the HTTP thread's work, including
 * the kernel's copy of the bytes). The devices are clones of real captures read
 * through the real collectors (an ATA blob and an NVMe page), renamed.
 *
 * Client mode: bench-scrape --client PORT PATH N gzip|plain
 *   prints "requests=N bytes=B mean_us=M p50_us=P p99_us=Q max_us=X"
 * Collect mode: bench-scrape --collect DIR [REPEATS]
 *   reads every replay capture in DIR through the real collectors, REPEATS times,
 *   and prints CPU and wall time per read for ATA and NVMe.
 *
 * No timing is asserted anywhere; this only measures and prints.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/http.h"
#include "agent/risk.h"
#include "agent/snapshot.h"
#include "agent/track.h"
#include "collectors/collector.h"
#include "collectors/replay.h"
#include "lib/util.h"

static double now_s(clockid_t clk)
{
        struct timespec ts;

        clock_gettime(clk, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* ===== client ===== */

/* Read one HTTP response (Content-Length framed); returns body bytes or -1. */
static long read_response(int fd, char *buf, size_t cap)
{
        size_t have = 0;
        char *end = NULL, *cl;
        long clen = -1;
        size_t hdr;

        while (!end) {
                ssize_t r;

                if (have + 1 >= cap)
                        return -1;
                r = read(fd, buf + have, cap - have - 1);
                if (r <= 0)
                        return -1;
                have += (size_t)r;
                buf[have] = '\0';
                end = strstr(buf, "\r\n\r\n");
        }
        hdr = (size_t)(end - buf) + 4;
        cl = strcasestr(buf, "\r\nContent-Length:");
        if (cl && cl < end)
                clen = strtol(cl + 17, NULL, 10);
        if (clen < 0)
                return -1;
        while (have < hdr + (size_t)clen) {
                /* Discard body bytes beyond the buffer: keep only the count. */
                size_t room = cap - 1 > have ? cap - 1 - have : 0;
                ssize_t r;

                if (room == 0) {
                        char sink[65536];
                        size_t want = hdr + (size_t)clen - have;

                        r = read(fd, sink, want < sizeof(sink) ? want : sizeof(sink));
                } else {
                        r = read(fd, buf + have, room);
                }
                if (r <= 0)
                        return -1;
                have += (size_t)r;
        }
        return clen;
}

static int client(unsigned port, const char *path, unsigned n, bool gz)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        char req[512], *buf;
        size_t cap = 16u << 20;
        double *lat;
        long bytes = 0;
        int fd, one = 1;
        double sum = 0;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                perror("client connect");
                return 1;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\n", path,
                 gz ? "Accept-Encoding: gzip\r\n" : "");
        buf = malloc(cap);
        lat = calloc(n ? n : 1, sizeof(*lat));
        if (!buf || !lat)
                return 1;
        for (unsigned i = 0; i < n + n / 10; i++) { /* the first n/10 warm up */
                double t0 = now_s(CLOCK_MONOTONIC);
                long got;

                if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
                        perror("client write");
                        return 1;
                }
                got = read_response(fd, buf, cap);
                if (got < 0) {
                        fprintf(stderr, "client: bad response on request %u\n", i);
                        return 1;
                }
                if (i >= n / 10) {
                        lat[i - n / 10] = (now_s(CLOCK_MONOTONIC) - t0) * 1e6;
                        sum += lat[i - n / 10];
                        bytes = got;
                }
        }
        qsort(lat, n, sizeof(*lat), cmp_double);
        printf("requests=%u bytes=%ld mean_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f\n", n, bytes,
               sum / n, lat[n / 2], lat[(size_t)(n * 0.99)], lat[n - 1]);
        free(buf);
        free(lat);
        close(fd);
        return 0;
}

/* ===== server side ===== */

struct client_result {
        double mean_us, p50_us, p99_us, max_us;
        long bytes;
};

/* Run the client as a separate process; server CPU is our rusage delta meanwhile. */
static int run_client(const char *self, unsigned port, unsigned n, bool gz,
                      struct client_result *res, double *server_cpu_s)
{
        char sport[16], sn[16], line[512] = "";
        char *argv[] = {(char *)(uintptr_t)self,
                        (char *)(uintptr_t) "--client",
                        sport,
                        (char *)(uintptr_t) "/metrics",
                        sn,
                        (char *)(uintptr_t)(gz ? "gzip" : "plain"),
                        NULL};
        posix_spawn_file_actions_t fa;
        struct rusage r0, r1;
        int pipefd[2], status;
        pid_t pid;
        FILE *f;

        snprintf(sport, sizeof(sport), "%u", port);
        snprintf(sn, sizeof(sn), "%u", n);
        if (pipe(pipefd) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        posix_spawn_file_actions_addclose(&fa, pipefd[0]);
        getrusage(RUSAGE_SELF, &r0);
        if (posix_spawn(&pid, self, &fa, NULL, argv, environ) != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -errno;
        }
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        f = fdopen(pipefd[0], "r");
        if (!f || !fgets(line, sizeof(line), f))
                line[0] = '\0';
        if (f)
                fclose(f);
        waitpid(pid, &status, 0);
        getrusage(RUSAGE_SELF, &r1);
        *server_cpu_s = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                        (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                        (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
                        (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            sscanf(line, "requests=%*u bytes=%ld mean_us=%lf p50_us=%lf p99_us=%lf max_us=%lf",
                   &res->bytes, &res->mean_us, &res->p50_us, &res->p99_us, &res->max_us) != 5) {
                fprintf(stderr, "client failed: %s\n", line);
                return -EIO;
        }
        return 0;
}

static long rss_kib(void)
{
        FILE *f = fopen("/proc/self/status", "r");
        char line[256];
        long kib = -1;

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
                        break;
        }
        fclose(f);
        return kib;
}

/* Two real devices read through the real collectors, used as templates. */
static int read_templates(const char *dir, struct sm_device_state tmpl[2])
{
        static const struct {
                const char *file;
                enum sm_proto proto;
        } src[2] = {{"sda", SM_PROTO_ATA}, {"nvme0n1.smart-log", SM_PROTO_NVME}};

        for (int k = 0; k < 2; k++) {
                struct sm_device_state *d = &tmpl[k];
                const struct sm_collector *c = sm_collector_for(src[k].proto);
                struct sm_read_opts opts = {.timeout_ms = 5000};
                char err[256] = "";
                int r;

                memset(d, 0, sizeof(*d));
                d->id.replay = true;
                d->id.proto = src[k].proto;
                d->id.cls = SM_CLASS_SSD;
                sm_strlcpy(d->id.bus, src[k].proto == SM_PROTO_ATA ? "ata" : "nvme",
                           sizeof(d->id.bus));
                snprintf(d->id.devnode, sizeof(d->id.devnode), "%s/%s", dir, src[k].file);
                sm_health_init(&d->health);
                r = c ? c->read(&d->id, &opts, &d->health, err, sizeof(err)) : -ENOSYS;
                if (r != 0) {
                        fprintf(stderr, "cannot read template %s: %s\n", d->id.devnode, err);
                        return -EIO;
                }
                d->status = SM_READ_OK;
                d->have_data = true;
                d->last_success_ts = d->last_attempt_ts = sm_now_real_s();
                d->read_duration_s = 0.012;
                d->reads_total = 1440;
                d->read_errors_total = 3;
        }
        return 0;
}

static struct sm_device_state *make_devices(const struct sm_device_state tmpl[2], size_t n)
{
        struct sm_device_state *devs = calloc(n, sizeof(*devs));

        if (!devs)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                struct sm_device_state *d = &devs[i];

                *d = tmpl[i % 2];
                if (i % 2 == 0)
                        snprintf(d->id.name, sizeof(d->id.name), "sd%c%c%c", 'a' + (int)(i / 676),
                                 'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26));
                else
                        snprintf(d->id.name, sizeof(d->id.name), "nvme%zun1", i / 2);
                snprintf(d->id.ident.serial, sizeof(d->id.ident.serial), "BENCH%06zu", i);
                d->id.capacity_bytes = 960197124096ULL;
        }
        return devs;
}

static int server(const char *self, const char *data_dir, unsigned requests, unsigned rounds)
{
        static const size_t sizes[] = {1, 10, 100, 1000};
        struct sm_device_state tmpl[2];
        struct sm_agent_stats stats = {.collections_total = 1, .replay = false};
        char *argv[] = {(char *)(uintptr_t) "bench", (char *)(uintptr_t) "--web.listen-address",
                        (char *)(uintptr_t) "127.0.0.1:0", NULL};

        struct {
                size_t n;
                double build_ms, build_wall_ms;
                size_t metrics, metrics_gz, json, json_gz;
                long rss_kib;
                struct client_result gz, plain;
                double cpu_gz_us, cpu_plain_us;
        } row[4];
        struct sm_config cfg;
        struct sm_store *st;
        struct sm_http *h = NULL;
        char err[256];
        long rss0;

        if (read_templates(data_dir, tmpl) < 0)
                return 1;
        if (sm_config_parse(3, argv, &cfg, err, sizeof(err)) < 0) {
                fprintf(stderr, "config: %s\n", err);
                return 1;
        }
        st = sm_store_new();
        if (!st || sm_http_start(&cfg, st, &h, err, sizeof(err)) < 0) {
                fprintf(stderr, "http: %s\n", err);
                return 1;
        }
        rss0 = rss_kib();
        for (size_t k = 0; k < 4; k++) {
                size_t n = sizes[k];
                struct sm_device_state *devs = make_devices(tmpl, n);
                unsigned reps = n >= 1000 ? 5 : n >= 100 ? 20 : 200;
                struct sm_snapshot *s = NULL;
                double c0, w0;

                if (!devs)
                        return 1;
                row[k].n = n;
                c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
                w0 = now_s(CLOCK_MONOTONIC);
                for (unsigned i = 0; i < reps; i++) {
                        sm_snapshot_unref(s);
                        s = sm_snapshot_build(k + 1, true, &stats, devs, n);
                        if (!s) {
                                fprintf(stderr, "build failed\n");
                                return 1;
                        }
                }
                row[k].build_ms = (now_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3 / reps;
                row[k].build_wall_ms = (now_s(CLOCK_MONOTONIC) - w0) * 1e3 / reps;
                row[k].metrics = s->metrics.len;
                row[k].metrics_gz = s->metrics.gz ? s->metrics.gz_len : s->metrics.len;
                row[k].json = s->devices_json.len;
                row[k].json_gz = s->devices_json.gz ? s->devices_json.gz_len : s->devices_json.len;
                sm_store_publish(st, s); /* the previous size's snapshot is freed */
                free(devs);
                row[k].rss_kib = rss_kib();
                /* Best of `rounds`: the machine may be shared; the minimum is the cost. */
                row[k].cpu_gz_us = row[k].cpu_plain_us = (double)INFINITY;
                for (unsigned rd = 0; rd < rounds; rd++) {
                        struct client_result res;
                        double cpu;

                        if (run_client(self, sm_http_port(h, 0), requests, true, &res, &cpu) < 0)
                                return 1;
                        cpu = cpu * 1e6 / (requests + requests / 10);
                        if (cpu < row[k].cpu_gz_us) {
                                row[k].cpu_gz_us = cpu;
                                row[k].gz = res;
                        }
                        if (run_client(self, sm_http_port(h, 0), requests, false, &res, &cpu) < 0)
                                return 1;
                        cpu = cpu * 1e6 / (requests + requests / 10);
                        if (cpu < row[k].cpu_plain_us) {
                                row[k].cpu_plain_us = cpu;
                                row[k].plain = res;
                        }
                }
        }
        sm_http_stop(h);
        sm_store_free(st);

        printf("Scrape cost vs device count: %u keep-alive requests per run on 127.0.0.1 "
               "(+10%% warm-up), one client connection; best of %u runs per row.\n",
               requests, rounds);
        printf("Server CPU = this process's user+sys time while the client ran, per request "
               "(includes the kernel's copy of the bytes).\n\n");
        printf("%7s | %10s %9s | %11s %8s %8s %9s | %11s %8s %8s %9s\n", "devices", "metrics B",
               "gzip B", "gz CPU us", "p50 us", "p99 us", "CPU x1dev", "plain CPU", "p50 us",
               "p99 us", "CPU x1dev");
        for (size_t k = 0; k < 4; k++)
                printf("%7zu | %10zu %9zu | %11.1f %8.1f %8.1f %8.2fx | %11.1f %8.1f %8.1f "
                       "%8.2fx\n",
                       row[k].n, row[k].metrics, row[k].metrics_gz, row[k].cpu_gz_us,
                       row[k].gz.p50_us, row[k].gz.p99_us, row[k].cpu_gz_us / row[0].cpu_gz_us,
                       row[k].cpu_plain_us, row[k].plain.p50_us, row[k].plain.p99_us,
                       row[k].cpu_plain_us / row[0].cpu_plain_us);
        printf("\nServer CPU per KiB sent (gzip responses): ");
        for (size_t k = 0; k < 4; k++)
                printf("%zu dev %.2f us%s", row[k].n,
                       row[k].cpu_gz_us / ((double)row[k].metrics_gz / 1024.0),
                       k < 3 ? ", " : "\n");
        printf("\nRender cost per snapshot (sm_snapshot_build: Prometheus + JSON + landing + "
               "gzip, once per collection) and memory:\n\n");
        printf("%7s | %12s %12s %10s | %10s %9s | %10s\n", "devices", "build CPU ms", "wall ms",
               "ms/device", "JSON B", "JSON gz B", "RSS KiB");
        for (size_t k = 0; k < 4; k++)
                printf("%7zu | %12.3f %12.3f %10.4f | %10zu %9zu | %10ld\n", row[k].n,
                       row[k].build_ms, row[k].build_wall_ms, row[k].build_ms / (double)row[k].n,
                       row[k].json, row[k].json_gz, row[k].rss_kib);
        printf("\nRSS with the HTTP server and no snapshot: %ld KiB; "
               "peak RSS: see the last row.\n",
               rss0);
        return 0;
}

/* CPU per device read through the real collectors, over every capture in dir. */
static int collect(const char *dir, unsigned reps)
{
        struct sm_device_id *ids = NULL;
        size_t n = 0;
        double cpu[3] = {0}, wall[3] = {0};
        unsigned count[3] = {0}, errors = 0;
        char err[256];

        if (sm_replay_scan(dir, &ids, &n, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                const struct sm_collector *c = sm_collector_for(ids[i].proto);
                struct sm_read_opts opts = {.timeout_ms = 5000};

                if (!c)
                        continue;
                for (unsigned k = 0; k < reps; k++) {
                        struct sm_health h;
                        double c0 = now_s(CLOCK_THREAD_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);

                        sm_health_init(&h);
                        if (c->read(&ids[i], &opts, &h, err, sizeof(err)) < 0)
                                errors++;
                        cpu[ids[i].proto] += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
                        wall[ids[i].proto] += now_s(CLOCK_MONOTONIC) - w0;
                        count[ids[i].proto]++;
                }
        }
        for (int p = SM_PROTO_ATA; p <= SM_PROTO_NVME; p++) {
                if (count[p])
                        printf("collect proto=%s captures=%u reads=%u cpu_ms_per_read=%.4f "
                               "wall_ms_per_read=%.4f\n",
                               p == SM_PROTO_ATA ? "ata" : "nvme", count[p] / reps, count[p],
                               cpu[p] * 1e3 / count[p], wall[p] * 1e3 / count[p]);
        }
        printf("collect errors=%u\n", errors);
        free(ids);
        return 0;
}

/*
 * trend: 60 days of history before the read, one sample a day (life used 0.01 % a day
 * lower going back, temperature 0-4 C lower), so every drive that reports either has
 * the 48-point sparklines of agent/trend.h.
 */
static void past_days(struct sm_tracker *t, const struct sm_device_state *d,
                      const struct sm_hist_sample *now, const struct sm_verdict_input *in)
{
        for (int i = 0; i < 60; i++) {
                struct sm_hist_sample s = *now;
                struct sm_risk r;
                int back = 60 - i;

                s.t = now->t - (int64_t)back * 86400;
                s.life_e4 = s.life_e4 > back ? (uint16_t)(s.life_e4 - back) : 0;
                s.temp_max_c = (int8_t)(s.temp_max_c - i % 5);
                s.power_on_s =
                        s.power_on_s > (uint32_t)back * 86400 ? s.power_on_s - back * 86400 : 0;
                sm_tracker_update(t, NULL, d->id.name, &s, 0, in, &r);
        }
}

/* The demo drives (every capture in dir, read through the real collectors, with their
 * forecast and verdict; with a 60-day history when trend), cloned round-robin up to n
 * (0: as many as there are). */
static struct sm_device_state *demo_devices(const char *dir, size_t *n, bool trend)
{
        struct sm_tracker *t = sm_tracker_new(NULL, false);
        struct sm_device_id *ids = NULL;
        struct sm_device_state *base, *devs;
        size_t nb = 0, m = 0;
        char err[256];

        if (!t || sm_replay_scan(dir, &ids, &nb, err, sizeof(err)) < 0 || nb == 0) {
                fprintf(stderr, "%s: %s\n", dir, err);
                return NULL;
        }
        base = calloc(nb, sizeof(*base));
        for (size_t i = 0; base && i < nb; i++) {
                struct sm_device_state *d = &base[m];
                const struct sm_collector *c = sm_collector_for(ids[i].proto);
                struct sm_read_opts opts = {.timeout_ms = 5000};
                struct sm_hist_sample smp;
                struct sm_verdict_input in;

                d->id = ids[i];
                sm_health_init(&d->health);
                if (!c || c->read(&d->id, &opts, &d->health, err, sizeof(err)) < 0)
                        continue;
                d->status = SM_READ_OK;
                d->have_data = true;
                d->last_success_ts = d->last_attempt_ts = sm_now_real_s();
                d->reads_total = 1;
                sm_risk_input(d, (int64_t)d->last_success_ts, &smp, &in);
                if (trend)
                        past_days(t, d, &smp, &in);
                sm_tracker_update(t, NULL, d->id.name, &smp, sm_device_capacity(d), &in, &d->risk);
                m++;
        }
        sm_tracker_free(t);
        free(ids);
        if (*n == 0)
                *n = m;
        devs = base && m ? calloc(*n, sizeof(*devs)) : NULL;
        for (size_t i = 0; devs && i < *n; i++) {
                devs[i] = base[i % m];
                if (i >= m)
                        snprintf(devs[i].id.name, sizeof(devs[i].id.name), "%.40s-%zu",
                                 base[i % m].id.name, i / m);
        }
        free(base);
        return devs;
}

/* Render cost of each body of one snapshot: Prometheus vs the HTML pages (issue #15). */
static int render(const char *dir, unsigned reps, bool trend)
{
        const size_t sizes[2] = {0, 1000};
        struct sm_agent_stats stats = {.collection_ts = sm_now_real_s(), .collections_total = 1};

        printf("trend=%s, snapshot bytes per device: %zu (of which the trend %zu)\n",
               trend ? "60 days" : "none", sizeof(struct sm_device_state), sizeof(struct sm_trend));
        printf("%7s | %10s %10s %10s %10s | %9s %9s | %10s %10s %10s %9s\n", "devices", "prom ms",
               "json ms", "landing ms", "devpage ms", "landing/p", "pages/p", "prom B", "json B",
               "landing B", "page B avg");
        for (int k = 0; k < 2; k++) {
                size_t n = sizes[k];
                struct sm_device_state *devs = demo_devices(dir, &n, trend);
                struct sm_view v = {.generation = 1, .ready = true, .stats = &stats};
                double t[4] = {0};
                size_t bytes[3] = {0}, json_bytes = 0;

                if (!devs)
                        return 1;
                v.devices = devs;
                v.n_devices = n;
                for (unsigned r = 0; r < reps; r++) {
                        struct sm_body b, *dj = calloc(n, sizeof(*dj)), list;
                        double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);

                        if (!dj || sm_render_metrics(&v, &b) < 0)
                                return 1;
                        t[0] += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
                        bytes[0] = b.len;
                        free(b.data);
                        c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
                        if (sm_render_json(&v, dj, &list) < 0)
                                return 1;
                        t[1] += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
                        for (size_t i = 0; i < n; i++)
                                free(dj[i].data);
                        free(dj);
                        json_bytes = list.len;
                        free(list.data);
                        c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
                        if (sm_render_landing(&v, &b) < 0)
                                return 1;
                        t[2] += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
                        bytes[1] = b.len;
                        free(b.data);
                        c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
                        bytes[2] = 0;
                        for (size_t i = 0; i < n; i++) {
                                if (sm_render_device_page(&v, i, &b) < 0)
                                        return 1;
                                bytes[2] += b.len;
                                free(b.data);
                        }
                        t[3] += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
                }
                for (int i = 0; i < 4; i++)
                        t[i] = t[i] * 1e3 / reps;
                printf("%7zu | %10.3f %10.3f %10.3f %10.3f | %8.2fx %8.2fx | %10zu %10zu %10zu "
                       "%9zu\n",
                       n, t[0], t[1], t[2], t[3], t[2] / t[0], t[3] / t[0], bytes[0], json_bytes,
                       bytes[1], bytes[2] / n);
                free(devs);
        }
        return 0;
}

int main(int argc, char **argv)
{
        const char *data = "test/data/http";
        unsigned requests = 2000, rounds = 3;

        if (argc >= 6 && strcmp(argv[1], "--client") == 0)
                return client((unsigned)atoi(argv[2]), argv[3], (unsigned)atoi(argv[4]),
                              strcmp(argv[5], "gzip") == 0);
        if (argc >= 3 && strcmp(argv[1], "--render") == 0)
                return render(argv[2], argc >= 4 ? (unsigned)atoi(argv[3]) : 20,
                              argc >= 5 && strcmp(argv[4], "--trend") == 0);
        if (argc >= 3 && strcmp(argv[1], "--collect") == 0)
                return collect(argv[2], argc >= 4 ? (unsigned)atoi(argv[3]) : 20);
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc)
                        requests = (unsigned)atoi(argv[++i]);
                else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
                        rounds = (unsigned)atoi(argv[++i]);
                else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
                        data = argv[++i];
                else {
                        fprintf(stderr,
                                "usage: %s [--requests N] [--rounds R] [--data DIR]\n"
                                "       %s --client PORT PATH N gzip|plain\n"
                                "       %s --collect DIR [REPEATS]\n"
                                "       %s --render DIR [REPEATS [--trend]]\n",
                                argv[0], argv[0], argv[0], argv[0]);
                        return 2;
                }
        }
        if (requests < 10)
                requests = 10;
        if (rounds < 1)
                rounds = 1;
        return server("/proc/self/exe", data, requests, rounds);
}
