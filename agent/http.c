/* SPDX-License-Identifier: MIT */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "etag.h"
#include "lib/log.h"
#include "lib/util.h"
#include "listen.h"
#include "web.h"

#define API_DEVICES "/api/v1/devices"

#define CT_TEXT "text/plain; charset=utf-8"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define CT_JSON "application/json"
#define CT_HTML "text/html; charset=utf-8"

/* Responses that never change, created once and queued any number of times. */
struct fixed {
        struct MHD_Response *not_found;
        struct MHD_Response *no_device;
        struct MHD_Response *bad_method;
        struct MHD_Response *not_ready;
        struct MHD_Response *ok;
};

/* Listening sockets: every address of every --web.listen-address. */
#define MAX_SOCKETS (4 * SM_MAX_LISTEN)

/*
 * The 200 answer to a scrape of the telemetry path, made once per snapshot and
 * representation and queued for every scrape of it (an MHD response can be queued any
 * number of times; MHD adds Date and Content-Length when it sends). s is the snapshot
 * it was made from: r holds the reference, so s cannot be freed and reused while cached.
 */
struct cached_response {
        const struct sm_snapshot *s;
        struct MHD_Response *r;
};

struct sm_http {
        const struct sm_config *cfg;
        struct sm_store *store;
        struct sm_web *web; /* --web.config.file, or NULL */
        const char *telemetry_path;
        struct fixed fixed;
        size_t n;
        struct sm_listener socks[MAX_SOCKETS];
        const char *spec[MAX_SOCKETS]; /* the --web.listen-address each came from */
        struct MHD_Daemon *daemons[MAX_SOCKETS];
        /* [0] identity, [1] gzip; one lock for every listener's thread */
        pthread_mutex_t cache_lock;
        struct cached_response cache[2];
};

/* ===== fixed responses ===== */

static struct MHD_Response *fixed_response(const char *body, const char *ctype)
{
        struct MHD_Response *r;

        r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                            MHD_RESPMEM_PERSISTENT);
        if (!r)
                return NULL;
        if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
            MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES) {
                MHD_destroy_response(r);
                return NULL;
        }
        return r;
}

static void fixed_free(struct fixed *f)
{
        struct MHD_Response **all[] = {&f->not_found, &f->no_device, &f->bad_method, &f->not_ready,
                                       &f->ok};

        for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
                if (*all[i])
                        MHD_destroy_response(*all[i]);
                *all[i] = NULL;
        }
}

static const struct {
        size_t off;
        const char *body, *ctype;
} fixed_defs[] = {
        {offsetof(struct fixed, not_found), "404 not found\n", CT_TEXT},
        {offsetof(struct fixed, no_device), "{\"error\":\"no such device\"}\n", CT_JSON},
        {offsetof(struct fixed, bad_method), "405 method not allowed (GET, HEAD)\n", CT_TEXT},
        {offsetof(struct fixed, not_ready), "not ready: first collection still running\n", CT_TEXT},
        {offsetof(struct fixed, ok), "ok\n", CT_TEXT},
};

static struct MHD_Response *fixed_def_response(size_t i)
{
        struct MHD_Response *r = fixed_response(fixed_defs[i].body, fixed_defs[i].ctype);

        if (r && fixed_defs[i].off == offsetof(struct fixed, bad_method) &&
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES) {
                MHD_destroy_response(r);
                return NULL;
        }
        return r;
}

static int fixed_init(struct fixed *f)
{
        for (size_t i = 0; i < ARRAY_SIZE(fixed_defs); i++) {
                struct MHD_Response **slot =
                        (struct MHD_Response **)(void *)((char *)f + fixed_defs[i].off);

                *slot = fixed_def_response(i);
                if (!*slot) {
                        fixed_free(f);
                        return -ENOMEM;
                }
        }
        return 0;
}

/*
 * Queue a fixed response. With a web config its headers are added, so the
 * response is made for this request from the same definition.
 */
static enum MHD_Result queue_fixed(struct sm_http *h, struct MHD_Connection *c, unsigned code,
                                   struct MHD_Response *shared)
{
        enum MHD_Result ret;

        if (!h->web)
                return MHD_queue_response(c, code, shared);
        for (size_t i = 0; i < ARRAY_SIZE(fixed_defs); i++) {
                struct MHD_Response *r;

                if (*(struct MHD_Response **)(void *)((char *)&h->fixed + fixed_defs[i].off) !=
                    shared)
                        continue;
                r = fixed_def_response(i);
                if (!r || sm_web_add_headers(h->web, r) < 0) {
                        if (r)
                                MHD_destroy_response(r);
                        return MHD_NO;
                }
                ret = MHD_queue_response(c, code, r);
                MHD_destroy_response(r);
                return ret;
        }
        return MHD_NO;
}

/* ===== snapshot-backed responses ===== */

static void release_snapshot(void *cls)
{
        sm_snapshot_unref(cls);
}

/* The q-value of one Accept-Encoding element's parameters (1 when absent); q=0 refuses. */
static bool element_q_positive(const char *params, size_t len)
{
        const char *p = params, *end = params + len;

        while (p < end) {
                const char *semi = memchr(p, ';', (size_t)(end - p));
                const char *stop = semi ? semi : end;

                p += strspn(p, " \t");
                if (stop - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                        p += 2;
                        if (p < stop && *p != '0')
                                return true; /* "1", "1.0", ... */
                        for (p++; p < stop && (*p == '.' || *p == '0'); p++)
                                ;
                        return p < stop && *p >= '1' && *p <= '9';
                }
                p = semi ? semi + 1 : end;
        }
        return true;
}

/*
 * RFC 9110 12.5.3: gzip is acceptable if it is listed with q > 0, or, when it is
 * not listed at all, if "*" is listed with q > 0.
 */
bool sm_http_accepts_gzip(const char *ae)
{
        int gzip = -1, star = -1; /* -1 not listed, else q > 0 */
        const char *p = ae;

        while (p && *p) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p), tok;

                while (len && (*p == ' ' || *p == '\t')) {
                        p++;
                        len--;
                }
                tok = strcspn(p, " \t;,");
                if (tok > len)
                        tok = len;
                if (tok == 4 && strncasecmp(p, "gzip", 4) == 0)
                        gzip = element_q_positive(p + tok, len - tok);
                else if (tok == 1 && p[0] == '*')
                        star = element_q_positive(p + tok, len - tok);
                p = comma ? comma + 1 : NULL;
        }
        return gzip >= 0 ? gzip == 1 : star == 1;
}

/* The headers every snapshot-backed answer carries, 200 and 304 alike. */
static bool add_body_headers(struct sm_http *h, struct MHD_Response *r, const char *etag,
                             const char *ctype, bool gz)
{
        return MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) == MHD_YES &&
               MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding") == MHD_YES &&
               MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") == MHD_YES &&
               MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag) == MHD_YES &&
               (!gz ||
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") == MHD_YES) &&
               sm_web_add_headers(h->web, r) >= 0;
}

/* Add the body headers to r, queue it with status and drop our reference to it. */
static enum MHD_Result queue_with_body_headers(struct sm_http *h, struct MHD_Connection *c,
                                               struct MHD_Response *r, unsigned status,
                                               const char *etag, const char *ctype, bool gz)
{
        enum MHD_Result ret = MHD_NO;

        if (add_body_headers(h, r, etag, ctype, gz))
                ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ret;
}

/* 304 Not Modified: no body, the validator and Vary (RFC 9110 15.4.5). */
static enum MHD_Result queue_not_modified(struct sm_http *h, struct MHD_Connection *c,
                                          const char *etag, const char *ctype, bool gz)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

        if (!r)
                return MHD_NO;
        return queue_with_body_headers(h, c, r, MHD_HTTP_NOT_MODIFIED, etag, ctype, gz);
}

/* A 200 response with body b (or its gzip) of snapshot s; the response holds its own reference. */
static struct MHD_Response *body_response(struct sm_http *h, struct sm_snapshot *s,
                                          const struct sm_body *b, const char *etag,
                                          const char *ctype, bool gz)
{
        struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
                gz ? b->gz_len : b->len, gz ? b->gz : b->data, release_snapshot,
                sm_snapshot_ref(s));

        if (!r) {
                sm_snapshot_unref(s);
                return NULL;
        }
        if (!add_body_headers(h, r, etag, ctype, gz)) {
                MHD_destroy_response(r);
                return NULL;
        }
        return r;
}

/*
 * Queue the cached response for body b of s (made now if the cache holds another
 * snapshot's). The other representation's entry is dropped when it is of an older
 * snapshot, so the cache keeps at most the snapshot being served alive.
 */
static enum MHD_Result queue_cached(struct sm_http *h, struct MHD_Connection *c,
                                    struct sm_snapshot *s, const struct sm_body *b,
                                    const char *etag, const char *ctype, bool gz)
{
        struct cached_response *e = &h->cache[gz], *other = &h->cache[!gz];
        enum MHD_Result ret = MHD_NO;

        pthread_mutex_lock(&h->cache_lock);
        if (e->s != s) {
                struct MHD_Response *r = body_response(h, s, b, etag, ctype, gz);

                if (r) {
                        if (e->r)
                                MHD_destroy_response(e->r);
                        *e = (struct cached_response){.s = s, .r = r};
                }
                if (other->r && other->s != s) {
                        MHD_destroy_response(other->r);
                        *other = (struct cached_response){0};
                }
        }
        if (e->s == s)
                ret = MHD_queue_response(c, MHD_HTTP_OK, e->r);
        pthread_mutex_unlock(&h->cache_lock);
        return ret;
}

static void cache_free(struct sm_http *h)
{
        for (size_t i = 0; i < ARRAY_SIZE(h->cache); i++) {
                if (h->cache[i].r)
                        MHD_destroy_response(h->cache[i].r);
                h->cache[i] = (struct cached_response){0};
        }
}

/*
 * Queue body (or its gzip) of snapshot s. Each representation has its own strong
 * ETag (RFC 9110 8.8.3): "gN" for the identity body, "gN-gz" for the gzip one;
 * If-None-Match that matches is a 304. Scrapes of the telemetry path share one
 * response per snapshot unless a web config adds headers (they can change on reload).
 */
static enum MHD_Result queue_body(struct sm_http *h, struct MHD_Connection *c,
                                  struct sm_snapshot *s, const struct sm_body *b, const char *ctype)
{
        const char *ae =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        const char *inm =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
        bool gz = b->gz && ae && sm_http_accepts_gzip(ae);
        const char *etag = gz ? s->etag_gz : s->etag;
        struct MHD_Response *r;
        enum MHD_Result ret;

        if (inm && sm_etag_none_match_hit(inm, etag))
                return queue_not_modified(h, c, etag, ctype, gz);
        if (!h->web && b == &s->metrics)
                return queue_cached(h, c, s, b, etag, ctype, gz);
        r = body_response(h, s, b, etag, ctype, gz);
        if (!r)
                return MHD_NO;
        ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
}

/* ===== routing ===== */

static enum MHD_Result route(struct sm_http *h, struct MHD_Connection *c, const char *url)
{
        struct sm_snapshot *s;
        enum MHD_Result ret;

        if (strcmp(url, "/healthz") == 0)
                return queue_fixed(h, c, MHD_HTTP_OK, h->fixed.ok);
        s = sm_store_acquire(h->store);
        if (!s)
                return queue_fixed(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, h->fixed.not_ready);

        if (strcmp(url, "/readyz") == 0)
                ret = s->ready
                              ? queue_fixed(h, c, MHD_HTTP_OK, h->fixed.ok)
                              : queue_fixed(h, c, MHD_HTTP_SERVICE_UNAVAILABLE, h->fixed.not_ready);
        else if (strcmp(url, h->telemetry_path) == 0)
                ret = queue_body(h, c, s, &s->metrics, CT_PROM);
        else if (strcmp(url, API_DEVICES) == 0 || strcmp(url, API_DEVICES "/") == 0)
                ret = queue_body(h, c, s, &s->devices_json, CT_JSON);
        else if (strncmp(url, API_DEVICES "/", strlen(API_DEVICES "/")) == 0) {
                long i = sm_snapshot_find(s, url + strlen(API_DEVICES "/"));

                ret = i < 0 ? queue_fixed(h, c, MHD_HTTP_NOT_FOUND, h->fixed.no_device)
                            : queue_body(h, c, s, &s->device_json[i], CT_JSON);
        } else if (strncmp(url, "/device/", 8) == 0) {
                long i = sm_snapshot_find_name(s, url + 8);
                const struct sm_body *page = i < 0 ? NULL : sm_snapshot_page(s, (size_t)i);

                if (i < 0)
                        ret = queue_fixed(h, c, MHD_HTTP_NOT_FOUND, h->fixed.not_found);
                else
                        ret = page ? queue_body(h, c, s, page, CT_HTML) : MHD_NO;
        } else if (strcmp(url, "/") == 0)
                ret = queue_body(h, c, s, &s->landing, CT_HTML);
        else
                ret = queue_fixed(h, c, MHD_HTTP_NOT_FOUND, h->fixed.not_found);
        sm_snapshot_unref(s);
        return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
        static int seen;
        struct sm_http *h = cls;

        (void)version;
        (void)upload_data;
        /* Answer on the second call: answering on the first makes MHD close keep-alive. */
        if (!*req_cls) {
                *req_cls = &seen;
                return MHD_YES;
        }
        if (*upload_data_size) {
                *upload_data_size = 0; /* no route takes a body: discard it */
                return MHD_YES;
        }
        if (h->web) {
                struct MHD_Response *r = NULL;
                unsigned code = 0;
                enum MHD_Result ret;

                switch (sm_web_gate(h->web, c, url, &r, &code)) {
                case SM_WEB_PASS:
                        break;
                case SM_WEB_SUSPENDED:
                        return MHD_YES;
                case SM_WEB_RESPOND:
                        ret = MHD_queue_response(c, code, r);
                        MHD_destroy_response(r);
                        return ret;
                case SM_WEB_CLOSE:
                default:
                        return MHD_NO;
                }
        }
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return queue_fixed(h, c, MHD_HTTP_METHOD_NOT_ALLOWED, h->fixed.bad_method);
        return route(h, c, url);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        char msg[512];

        (void)cls;
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        msg[strcspn(msg, "\n")] = '\0';
        sm_log_debug("http: %s", msg);
}

/* ===== listeners ===== */

static struct MHD_Daemon *start_daemon(struct sm_http *h, int fd)
{
        /* MHD_USE_ITC: without it MHD_quiesce_daemon cannot stop the accept loop. */
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                         MHD_USE_ITC | sm_web_mhd_flags(h->web);
        struct MHD_OptionItem web_opts[4];

        (void)sm_web_mhd_options(h->web, web_opts, ARRAY_SIZE(web_opts));
        /* The logger first: MHD reports problems with later options through it. */
        return MHD_start_daemon(
                flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT,
                (unsigned)h->cfg->http_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
                (unsigned)h->cfg->http_max_conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                (unsigned)h->cfg->http_max_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                (size_t)32768, MHD_OPTION_ARRAY, web_opts, MHD_OPTION_END);
}

int sm_http_bind(const struct sm_config *cfg, struct sm_http **ret, char *err, size_t errlen)
{
        struct sm_http *h = calloc(1, sizeof(*h));
        int r;

        if (!h) {
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        h->cfg = cfg;
        h->telemetry_path = cfg->telemetry_path;
        pthread_mutex_init(&h->cache_lock, NULL);
        for (size_t i = 0; i < cfg->n_listen; i++) {
                size_t before = h->n;

                r = sm_listen_open(cfg->listen[i], h->socks, ARRAY_SIZE(h->socks), &h->n, err,
                                   errlen);
                if (r < 0) {
                        sm_http_stop(h);
                        return r;
                }
                for (size_t k = before; k < h->n; k++)
                        h->spec[k] = cfg->listen[i];
        }
        *ret = h;
        return 0;
}

int sm_http_serve(struct sm_http *h, struct sm_store *store, struct sm_web *web, char *err,
                  size_t errlen)
{
        int r = fixed_init(&h->fixed);

        if (r < 0) {
                snprintf(err, errlen, "out of memory");
                return r;
        }
        h->store = store;
        h->web = web;
        for (size_t i = 0; i < h->n; i++) {
                h->daemons[i] = start_daemon(h, h->socks[i].fd);
                if (!h->daemons[i]) {
                        snprintf(err, errlen, "cannot serve on '%s' (%s): %s", h->spec[i],
                                 h->socks[i].addr, strerror(errno ? errno : EINVAL));
                        return errno ? -errno : -EINVAL;
                }
                h->socks[i].fd = -1; /* the daemon owns it now */
                sm_log_info("listening on %s (port %u) at %s", h->spec[i], h->socks[i].port,
                            h->socks[i].addr);
        }
        return 0;
}

int sm_http_start(const struct sm_config *cfg, struct sm_store *store, struct sm_http **ret,
                  char *err, size_t errlen)
{
        return sm_http_start_web(cfg, store, NULL, ret, err, errlen);
}

int sm_http_start_web(const struct sm_config *cfg, struct sm_store *store, struct sm_web *web,
                      struct sm_http **ret, char *err, size_t errlen)
{
        struct sm_http *h = NULL;
        int r = sm_http_bind(cfg, &h, err, errlen);

        if (r < 0)
                return r;
        r = sm_http_serve(h, store, web, err, errlen);
        if (r < 0) {
                sm_http_stop(h);
                return r;
        }
        *ret = h;
        return 0;
}

void sm_http_quiesce(struct sm_http *h)
{
        for (size_t i = 0; i < h->n; i++) {
                MHD_socket fd;

                if (!h->daemons[i])
                        continue;
                fd = MHD_quiesce_daemon(h->daemons[i]);
                if (fd != MHD_INVALID_SOCKET)
                        close(fd); /* no longer MHD's: new clients are refused */
                else
                        sm_log_debug("http: cannot stop accepting on %s", h->socks[i].addr);
        }
}

struct sm_http *sm_http_stop(struct sm_http *h)
{
        if (!h)
                return NULL;
        sm_http_quiesce(h); /* every listener stops accepting before any is torn down */
        /* Running password checks finish and resume their connections while the daemons live. */
        sm_web_stop(h->web);
        for (size_t i = 0; i < h->n; i++) {
                if (h->daemons[i])
                        MHD_stop_daemon(h->daemons[i]);
                if (h->socks[i].fd >= 0)
                        close(h->socks[i].fd);
        }
        fixed_free(&h->fixed);
        cache_free(h);
        pthread_mutex_destroy(&h->cache_lock);
        free(h);
        return NULL;
}

unsigned sm_http_port(const struct sm_http *h, size_t i)
{
        return i < h->n ? h->socks[i].port : 0;
}
