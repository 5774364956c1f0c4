/* SPDX-License-Identifier: MIT */
/*
 * test-http-server.c - the HTTP server in-process (sm_http_start with a store):
 * a response being sent keeps its snapshot alive while newer snapshots replace
 * it in the store (the body a slow client finally reads is byte for byte the
 * old snapshot's; under ASan a premature free would abort), start errors
 * (unresolvable address, port in use) come back as -errno with a message, and
 * stopping with a client still connected frees everything (LeakSanitizer), and
 * scrapes of the telemetry path share one response per snapshot and representation
 * that holds only the snapshot being served.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/config.h"
#include "agent/http.h"
#include "agent/snapshot.h"
#include "lib/util.h"
#include "test/check.h"

#define N_DEV 6000

static int config(struct sm_config *c, const char *listen)
{
        static char arg[128]; /* the config points into argv */
        char err[256];
        /*
         * A long idle timeout: the body test keeps a connection silent while it
         * builds five 6000-device snapshots, which takes more than the default
         * 10 s on a loaded machine (MHD then closes it).
         */
        char *argv[] = {(char *)(uintptr_t) "test", arg, (char *)(uintptr_t) "--web.timeout=1h",
                        NULL};

        snprintf(arg, sizeof(arg), "--web.listen-address=%s", listen);
        return sm_config_parse(3, argv, c, err, sizeof(err));
}

static struct sm_snapshot *snapshot(uint64_t gen, size_t n)
{
        struct sm_agent_stats st = {.collections_total = gen};
        struct sm_device_state *d = calloc(n, sizeof(*d));
        struct sm_snapshot *s;

        if (!d)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                /* Long names make a big body (several MB) that cannot sit in socket buffers. */
                snprintf(d[i].id.name, sizeof(d[i].id.name), "%055zu-device", i);
                snprintf(d[i].id.ident.model, sizeof(d[i].id.ident.model), "%060zu", i);
                snprintf(d[i].id.ident.serial, sizeof(d[i].id.ident.serial), "G%llu-%zu",
                         (unsigned long long)gen, i);
                sm_health_init(&d[i].health);
                d[i].status = SM_READ_ERROR;
                d[i].reads_total = gen;
                snprintf(d[i].error, sizeof(d[i].error), "generation %llu",
                         (unsigned long long)gen);
        }
        s = sm_snapshot_build(gen, true, &st, d, n);
        free(d);
        return s;
}

static int connect_port(unsigned port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int small = 4096;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0)
                return -1;
        /* A small receive buffer so the server cannot push the whole body at once. */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

static ssize_t read_n(int fd, char *buf, size_t n)
{
        size_t got = 0;

        while (got < n) {
                ssize_t r = read(fd, buf + got, n - got);

                if (r <= 0)
                        return r < 0 ? -1 : (ssize_t)got;
                got += (size_t)r;
        }
        return (ssize_t)got;
}

static void test_body_outlives_publish(void)
{
        struct sm_config cfg;
        struct sm_store *st = sm_store_new();
        struct sm_http *h = NULL;
        struct sm_snapshot *s1 = snapshot(1, N_DEV);
        char err[256] = "", *want = NULL, *got = NULL, head[4096];
        size_t want_len = 0, hlen = 0;
        const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
        int fd = -1;

        CHECK(st && s1, "setup");
        if (!st || !s1)
                return;
        want_len = s1->metrics.len;
        want = malloc(want_len);
        got = malloc(want_len);
        if (!want || !got)
                return;
        memcpy(want, s1->metrics.data, want_len);
        printf("body: %zu bytes\n", want_len);
        sm_store_publish(st, s1); /* the store owns s1 now */
        CHECK(config(&cfg, "127.0.0.1:0") == 0, "config");
        CHECK(sm_http_start(&cfg, st, &h, err, sizeof(err)) == 0, "start: %s", err);
        if (!h)
                goto out;
        CHECK(sm_http_port(h, 0) > 0 && sm_http_port(h, 1) == 0, "port %u", sm_http_port(h, 0));
        fd = connect_port(sm_http_port(h, 0));
        CHECK(fd >= 0, "connect");
        if (fd < 0)
                goto out;
        CHECK(write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1), "send");
        /* Read the headers byte by byte, then stop reading: the body is in flight. */
        while (hlen < sizeof(head) - 1 && read(fd, head + hlen, 1) == 1) {
                hlen++;
                head[hlen] = '\0';
                if (hlen >= 4 && memcmp(head + hlen - 4, "\r\n\r\n", 4) == 0)
                        break;
        }
        CHECK(strstr(head, "200 OK") && strstr(head, "ETag: \"g1\""), "headers: %.60s", head);
        /* Replace the snapshot several times: the store drops its reference to s1. */
        for (uint64_t g = 2; g <= 6; g++) {
                struct sm_snapshot *s = snapshot(g, N_DEV);

                if (s)
                        sm_store_publish(st, s);
        }
        usleep(100000);
        CHECK(read_n(fd, got, want_len) == (ssize_t)want_len, "whole body read");
        CHECK(memcmp(got, want, want_len) == 0, "the body is the old snapshot's, intact");
        CHECK(strstr(want,
                     "ssdmon_reads_total{device=\"0000000000000000000000000000000000000000000000000"
                     "000299-device\"} 1\n") != NULL,
              "old body is generation 1");
        /* The next request on the same connection gets the newest snapshot. */
        CHECK(write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1), "send 2");
        hlen = 0;
        while (hlen < sizeof(head) - 1 && read(fd, head + hlen, 1) == 1) {
                hlen++;
                head[hlen] = '\0';
                if (hlen >= 4 && memcmp(head + hlen - 4, "\r\n\r\n", 4) == 0)
                        break;
        }
        CHECK(strstr(head, "ETag: \"g6\"") != NULL, "second answer from generation 6: %.200s",
              head);
out:
        /* Stop with the connection still open (and a body half sent). */
        h = sm_http_stop(h);
        CHECK(h == NULL, "stop returns NULL");
        if (fd >= 0)
                close(fd);
        sm_store_free(st);
        free(want);
        free(got);
}

static void test_start_errors(void)
{
        struct sm_config cfg;
        struct sm_store *st = sm_store_new();
        struct sm_http *h1 = NULL, *h2 = (struct sm_http *)&h2;
        char err[256] = "", addr[64];
        int r;

        if (!st)
                return;
        CHECK(config(&cfg, "256.1.1.1:0") == 0, "config accepts any host");
        r = sm_http_start(&cfg, st, &h2, err, sizeof(err));
        CHECK(r < 0 && strstr(err, "256.1.1.1:0"), "unresolvable: %d %s", r, err);
        CHECK(h2 == (struct sm_http *)&h2, "ret untouched on failure");

        CHECK(config(&cfg, "127.0.0.1:0") == 0, "config");
        r = sm_http_start(&cfg, st, &h1, err, sizeof(err));
        CHECK(r == 0 && h1, "first: %s", err);
        if (!h1)
                goto out;
        snprintf(addr, sizeof(addr), "127.0.0.1:%u", sm_http_port(h1, 0));
        CHECK(config(&cfg, addr) == 0, "config 2");
        err[0] = '\0';
        r = sm_http_start(&cfg, st, &h2, err, sizeof(err));
        /* The real errno, not a guess. */
        CHECK(r == -EADDRINUSE && strstr(err, addr) && strstr(err, strerror(EADDRINUSE)),
              "port in use: %d %s", r, err);

        /* No snapshot yet: everything but /healthz is 503. */
        {
                int fd = connect_port(sm_http_port(h1, 0));
                char buf[512] = "";
                const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                                   "";

                if (fd >= 0) {
                        (void)!write(fd, req, sizeof(req) - 1);
                        (void)!read_n(fd, buf, sizeof(buf) - 1);
                        close(fd);
                }
                CHECK(strncmp(buf, "HTTP/1.1 503", 12) == 0, "no snapshot: %.40s", buf);
        }
out:
        sm_http_stop(h1);
        sm_store_free(st);
}

/* One GET /healthz on fd (keep-alive); true when it was answered 200. */
static bool healthz(int fd)
{
        const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
        char buf[512] = "";
        ssize_t n;

        if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        return n > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

/*
 * Shutdown stops accepting on every listener first (MHD_quiesce_daemon, which
 * needs MHD_USE_ITC), while connections already open are still answered.
 */
static void test_quiesce(void)
{
        struct sm_config cfg;
        struct sm_store *st = sm_store_new();
        struct sm_http *h = NULL;
        char err[256] = "";
        int before = -1, after;

        CHECK(config(&cfg, "127.0.0.1:0") == 0, "config");
        CHECK(sm_http_start(&cfg, st, &h, err, sizeof(err)) == 0, "start: %s", err);
        if (!h)
                goto out;
        before = connect_port(sm_http_port(h, 0));
        CHECK(before >= 0 && healthz(before), "answers before quiescing");
        sm_http_quiesce(h);
        after = connect_port(sm_http_port(h, 0));
        CHECK(after < 0 && errno == ECONNREFUSED,
              "a new connection after quiescing is refused (%s)",
              after < 0 ? strerror(errno) : "accepted");
        if (after >= 0)
                close(after);
        CHECK(before >= 0 && healthz(before), "an open connection is still answered");
out:
        if (before >= 0)
                close(before);
        sm_http_stop(h);
        sm_store_free(st);
}

/* One keep-alive GET of path with an extra header line (or ""): status head, body in *body. */
static bool get(int fd, const char *path, const char *extra, char *head, size_t cap, char **body,
                size_t *len)
{
        char req[256];
        size_t hlen = 0;
        const char *cl;
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n", path, extra);

        *body = NULL;
        if (n < 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
                return false;
        head[0] = '\0';
        while (hlen < cap - 1 && read(fd, head + hlen, 1) == 1) {
                head[++hlen] = '\0';
                if (hlen >= 4 && memcmp(head + hlen - 4, "\r\n\r\n", 4) == 0)
                        break;
        }
        cl = strstr(head, "Content-Length: ");
        if (!cl)
                return false;
        *len = strtoul(cl + 16, NULL, 10);
        *body = malloc(*len + 1);
        return *body && read_n(fd, *body, *len) == (ssize_t)*len;
}

/* gunzip (RFC 1952) of in into a new buffer, independently of the server's gzip code path. */
static char *gunzip(const char *in, size_t in_len, size_t *out_len)
{
        z_stream zs = {0};
        size_t cap = 1 << 20;
        char *out = malloc(cap);

        if (!out || inflateInit2(&zs, 15 + 16) != Z_OK) {
                free(out);
                return NULL;
        }
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)in_len;
        zs.next_out = (Bytef *)out;
        zs.avail_out = (uInt)cap;
        if (inflate(&zs, Z_FINISH) != Z_STREAM_END) {
                inflateEnd(&zs);
                free(out);
                return NULL;
        }
        *out_len = zs.total_out;
        inflateEnd(&zs);
        return out;
}

static unsigned refs(struct sm_snapshot *s)
{
        return atomic_load(&s->refs);
}

/*
 * GET body of path on fd and check it: ETag etag, gzip or not, and the (gunzipped)
 * bytes equal to want. Then /healthz on the same connection: once that is answered,
 * MHD has let go of the /metrics response (it drops a connection's response before
 * reading the next request), so the snapshot's references count only the store, the
 * test and the server's cache.
 */
static void scrape(int fd, bool gz, const char *etag, const struct sm_body *want)
{
        char head[4096], line[64], *body = NULL, *plain = NULL;
        size_t len = 0, plain_len = 0;
        bool ok = get(fd, "/metrics", gz ? "Accept-Encoding: gzip\r\n" : "", head, sizeof(head),
                      &body, &len);

        snprintf(line, sizeof(line), "ETag: %s\r\n", etag);
        CHECK(ok && strstr(head, "HTTP/1.1 200 ") == head && strstr(head, line),
              "%s scrape answered with %s: %.200s", gz ? "gzip" : "plain", etag, head);
        CHECK(!strstr(head, "Content-Encoding: gzip") == !gz, "Content-Encoding for gz=%d", gz);
        if (ok && gz)
                plain = gunzip(body, len, &plain_len);
        else if (ok)
                plain = body, plain_len = len, body = NULL;
        CHECK(plain && plain_len == want->len && memcmp(plain, want->data, want->len) == 0,
              "the %s body is the snapshot's text (%zu bytes, want %zu)",
              gz ? "gunzipped" : "plain", plain_len, want->len);
        CHECK(healthz(fd), "healthz after the scrape");
        free(body);
        free(plain);
}

static void test_cached_responses(void)
{
        struct sm_config cfg;
        struct sm_store *st = sm_store_new();
        struct sm_http *h = NULL;
        struct sm_snapshot *s1 = sm_snapshot_ref(snapshot(1, 3)), *s2 = NULL;
        char err[256] = "";
        int fd = -1;

        CHECK(st && s1 && s1->metrics.gz, "setup (the body is big enough for gzip)");
        if (!st || !s1 || !s1->metrics.gz)
                goto out;
        sm_store_publish(st, s1); /* the store's reference; the test keeps its own */
        CHECK(config(&cfg, "127.0.0.1:0") == 0, "config");
        CHECK(sm_http_start(&cfg, st, &h, err, sizeof(err)) == 0, "start: %s", err);
        fd = h ? connect_port(sm_http_port(h, 0)) : -1;
        CHECK(fd >= 0, "connect");
        if (fd < 0)
                goto out;
        scrape(fd, false, "\"g1\"", &s1->metrics);
        CHECK(refs(s1) == 3, "store, test and the cached plain response: %u", refs(s1));
        scrape(fd, true, "\"g1-gz\"", &s1->metrics);
        scrape(fd, false, "\"g1\"", &s1->metrics);
        scrape(fd, true, "\"g1-gz\"", &s1->metrics);
        CHECK(refs(s1) == 4, "two scrapes each way made two responses, not four: %u", refs(s1));

        s2 = sm_snapshot_ref(snapshot(2, 3));
        CHECK(s2 != NULL, "snapshot 2");
        if (!s2)
                goto out;
        sm_store_publish(st, s2);
        CHECK(refs(s1) == 3, "the store let go of g1, the cache still holds it: %u", refs(s1));
        scrape(fd, true, "\"g2-gz\"", &s2->metrics);
        CHECK(refs(s1) == 1, "one scrape of g2 dropped both cached responses of g1: %u", refs(s1));
        CHECK(refs(s2) == 3, "store, test and the cached gzip response of g2: %u", refs(s2));
        scrape(fd, false, "\"g2\"", &s2->metrics);
        CHECK(refs(s2) == 4, "and its plain one: %u", refs(s2));
        h = sm_http_stop(h);
        CHECK(refs(s2) == 2, "stopping the server frees its cache: %u", refs(s2));
out:
        if (fd >= 0)
                close(fd);
        sm_http_stop(h);
        sm_store_free(st);
        sm_snapshot_unref(s1);
        sm_snapshot_unref(s2);
}

int main(void)
{
        test_cached_responses();
        test_body_outlives_publish();
        test_start_errors();
        test_quiesce();
        return check_summary();
}
