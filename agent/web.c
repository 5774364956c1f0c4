/* SPDX-License-Identifier: MIT */
#include "web.h"

#include <sys/stat.h>

#include <errno.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/auth.h"
#include "agent/tls.h"
#include "agent/webconfig.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/util.h"

#define AUTH_WORKERS   2  /* concurrent bcrypt verifications */
#define AUTH_QUEUE     64 /* waiting verifications (one per connection at most) */
#define RELOAD_POLL_MS 1000

/* One loaded config with its TLS objects; connections hold a reference. */
struct gen {
        atomic_uint refs;
        struct sm_webcfg *cfg;
        struct sm_tls *tls;
};

struct file_sig {
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
        int err;
};

#define N_SIG 4

struct sm_web {
        char *path;
        bool tls;
        pthread_mutex_t lock;
        struct gen *cur;
        struct sm_auth *auth;
        struct sm_ratelimit rl;
        struct file_sig sig[N_SIG];
        uint64_t last_poll_ms;
        char decoy[128];
};

enum { JOB_IDLE, JOB_PENDING, JOB_DONE };

/* Per connection (libmicrohttpd's socket context). */
struct conn {
        struct sm_web *web;
        struct MHD_Connection *c;
        struct gen *gen; /* the config this connection's handshake used */
        bool checked;
        atomic_int state;
        struct sm_auth_job job;
};

/* ===== generations ===== */

static void gen_unref(struct gen *g)
{
        if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
                return;
        sm_tls_free(g->tls);
        sm_webcfg_free(g->cfg);
        free(g);
}

static struct gen *gen_acquire(struct sm_web *w)
{
        struct gen *g;

        pthread_mutex_lock(&w->lock);
        g = w->cur;
        atomic_fetch_add(&g->refs, 1);
        pthread_mutex_unlock(&w->lock);
        return g;
}

static int gen_load(const char *path, struct gen **ret, char *err, size_t errlen)
{
        struct gen *g = calloc(1, sizeof(*g));
        int r;

        if (!g)
                return -ENOMEM;
        atomic_init(&g->refs, 1);
        r = sm_webcfg_load(path, &g->cfg, err, errlen);
        if (r == 0 && g->cfg->tls)
                r = sm_tls_new(g->cfg, &g->tls, err, errlen);
        if (r < 0) {
                gen_unref(g);
                return r;
        }
        *ret = g;
        return 0;
}

/* ===== change detection ===== */

static void sig_of(const char *path, struct file_sig *s)
{
        struct stat st;

        memset(s, 0, sizeof(*s));
        if (!path || !path[0])
                return;
        if (stat(path, &st) < 0) {
                s->err = errno;
                return;
        }
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->size = st.st_size;
        s->mtime = st.st_mtim;
        s->ctime = st.st_ctim;
}

static void sigs_of(struct sm_web *w, const struct sm_webcfg *c, struct file_sig out[N_SIG])
{
        sig_of(w->path, &out[0]);
        sig_of(c->cert_file, &out[1]);
        sig_of(c->key_file, &out[2]);
        sig_of(c->client_ca_file, &out[3]);
}

static bool sig_equal(const struct file_sig *a, const struct file_sig *b)
{
        return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
               a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
               a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec &&
               a->err == b->err;
}

/* ===== open / free ===== */

static void describe(const struct gen *g, const char *path)
{
        const struct sm_webcfg *c = g->cfg;

        sm_log_info("web config %s: TLS %s, %zu basic-auth user%s, %zu extra header%s%s", path,
                    c->tls ? "on" : "off", c->n_users, c->n_users == 1 ? "" : "s", c->n_headers,
                    c->n_headers == 1 ? "" : "s", c->rate_interval_ns ? ", rate limit on" : "");
}

int sm_web_open(const char *path, struct sm_web **ret, char *err, size_t errlen)
{
        struct sm_web *w;
        int r;

        *ret = NULL;
        if (!path)
                return 0;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->lock, NULL);
        w->path = strdup(path);
        if (!w->path) {
                sm_web_free(w);
                return -ENOMEM;
        }
        r = gen_load(path, &w->cur, err, errlen);
        if (r < 0) {
                sm_web_free(w);
                return r;
        }
        w->tls = w->cur->cfg->tls;
        sigs_of(w, w->cur->cfg, w->sig);
        sm_ratelimit_init(&w->rl, w->cur->cfg->rate_interval_ns, w->cur->cfg->rate_burst);
        r = sm_auth_decoy_hash(w->decoy, sizeof(w->decoy));
        if (r == 0)
                r = sm_auth_new(AUTH_WORKERS, AUTH_QUEUE, &w->auth);
        if (r < 0) {
                sm_web_free(w);
                return sm_errf(err, errlen, r, "cannot start the password workers: %s",
                               strerror(-r));
        }
        describe(w->cur, path);
        *ret = w;
        return 0;
}

void sm_web_stop(struct sm_web *w)
{
        if (w)
                sm_auth_stop(w->auth);
}

void sm_web_free(struct sm_web *w)
{
        if (!w)
                return;
        sm_auth_free(w->auth);
        gen_unref(w->cur);
        pthread_mutex_destroy(&w->lock);
        free(w->path);
        free(w);
}

bool sm_web_tls(const struct sm_web *w)
{
        return w && w->tls;
}

/* ===== reload ===== */

int sm_web_reload(struct sm_web *w, bool force)
{
        struct file_sig now[N_SIG];
        struct gen *g, *old;
        char err[512] = "";
        uint64_t ms = sm_now_mono_ms();
        bool same = true;
        int r;

        if (!w)
                return 0;
        if (!force && ms - w->last_poll_ms < RELOAD_POLL_MS)
                return 0;
        w->last_poll_ms = ms;
        pthread_mutex_lock(&w->lock);
        sigs_of(w, w->cur->cfg, now);
        pthread_mutex_unlock(&w->lock);
        for (size_t i = 0; i < N_SIG; i++)
                same = same && sig_equal(&now[i], &w->sig[i]);
        if (same && !force)
                return 0;
        memcpy(w->sig, now, sizeof(now));
        r = gen_load(w->path, &g, err, sizeof(err));
        if (r < 0) {
                sm_log_err("web config not reloaded, the last good one stays in force: %s", err);
                return r;
        }
        if (g->cfg->tls != w->tls) {
                sm_log_err("web config %s not reloaded: switching TLS %s needs a restart", w->path,
                           w->tls ? "off" : "on");
                gen_unref(g);
                return -EINVAL;
        }
        pthread_mutex_lock(&w->lock);
        old = w->cur;
        w->cur = g;
        if (old->cfg->rate_interval_ns != g->cfg->rate_interval_ns ||
            old->cfg->rate_burst != g->cfg->rate_burst) {
                pthread_mutex_lock(&w->rl.lock);
                w->rl.interval_ns = g->cfg->rate_interval_ns;
                w->rl.burst = g->cfg->rate_burst;
                w->rl.started = false;
                pthread_mutex_unlock(&w->rl.lock);
        }
        sigs_of(w, g->cfg, w->sig);
        pthread_mutex_unlock(&w->lock);
        gen_unref(old);
        sm_log_info("web config %s reloaded", w->path);
        describe(g, w->path);
        return 1;
}

/* ===== libmicrohttpd hooks ===== */

static struct conn *conn_of(struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd keeps the MHD connection as the GnuTLS session's pointer. */
static struct conn *conn_of_session(gnutls_session_t s)
{
        struct MHD_Connection *c = gnutls_session_get_ptr(s);
        struct conn *k = c ? conn_of(c) : NULL;

        return k && k->c == c ? k : NULL;
}

static int verify_cb(gnutls_session_t s)
{
        struct conn *k = conn_of_session(s);

        return k && k->gen->tls ? sm_tls_verify_peer(k->gen->tls, s) : -1;
}

static int cert_cb(gnutls_session_t s, const gnutls_datum_t *req_ca_rdn, int nreqs,
                   const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                   gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
        struct conn *k = conn_of_session(s);

        (void)req_ca_rdn;
        (void)nreqs;
        (void)pk_algos;
        (void)pk_algos_length;
        if (!k || !k->gen->tls)
                return -1;
        sm_tls_server_cert(k->gen->tls, pcert, pcert_length, pkey);
        return 0;
}

static void notify_cb(void *cls, struct MHD_Connection *c, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe)
{
        struct sm_web *w = cls;
        struct conn *k = *socket_context;

        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                k = calloc(1, sizeof(*k));
                if (!k)
                        return; /* no context: every request is refused (fail closed) */
                k->web = w;
                k->c = c;
                k->gen = gen_acquire(w);
                atomic_init(&k->state, JOB_IDLE);
                if (k->gen->tls) {
                        const union MHD_ConnectionInfo *ci =
                                MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
                        gnutls_session_t s = ci ? ci->tls_session : NULL;

                        if (!s || sm_tls_session_setup(k->gen->tls, s) < 0) {
                                gen_unref(k->gen);
                                free(k);
                                return;
                        }
                        gnutls_session_set_verify_function(s, verify_cb);
                }
                *socket_context = k;
                return;
        }
        if (toe == MHD_CONNECTION_NOTIFY_CLOSED && k) {
                sm_auth_job_clear(&k->job);
                gen_unref(k->gen);
                free(k);
                *socket_context = NULL;
        }
}

unsigned sm_web_mhd_flags(const struct sm_web *w)
{
        if (!w)
                return 0;
        return MHD_ALLOW_SUSPEND_RESUME | (w->tls ? MHD_USE_TLS : 0);
}

size_t sm_web_mhd_options(struct sm_web *w, struct MHD_OptionItem *o, size_t max)
{
        size_t n = 0;

        if (!w || max < 3)
                goto end;
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_cb, w};
        if (w->tls)
                o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                                 (void *)(uintptr_t)cert_cb};
end:
        if (n < max)
                o[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
        return n;
}

/* ===== requests ===== */

static struct MHD_Response *text_response(struct sm_web *w, const char *body)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(
                strlen(body), (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);

        if (!r)
                return NULL;
        if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") !=
                    MHD_YES ||
            sm_web_add_headers(w, r) < 0) {
                MHD_destroy_response(r);
                return NULL;
        }
        return r;
}

static enum sm_web_verdict respond(struct sm_web *w, unsigned status, struct MHD_Response **resp,
                                   unsigned *code)
{
        const char *body = status == MHD_HTTP_UNAUTHORIZED        ? "Unauthorized\n"
                           : status == MHD_HTTP_TOO_MANY_REQUESTS ? "Too Many Requests\n"
                                                                  : "Service Unavailable\n";
        struct MHD_Response *r = text_response(w, body);

        if (!r)
                return SM_WEB_CLOSE;
        if (status == MHD_HTTP_UNAUTHORIZED &&
            MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic") != MHD_YES) {
                MHD_destroy_response(r);
                return SM_WEB_CLOSE;
        }
        *resp = r;
        *code = status;
        return SM_WEB_RESPOND;
}

int sm_web_add_headers(struct sm_web *w, struct MHD_Response *r)
{
        struct gen *g;
        int ret = 0;

        if (!w)
                return 0;
        g = gen_acquire(w);
        for (size_t i = 0; i < g->cfg->n_headers; i++)
                if (MHD_add_response_header(r, g->cfg->headers[i].name, g->cfg->headers[i].value) !=
                    MHD_YES)
                        ret = -ENOMEM;
        gen_unref(g);
        return ret;
}

static void job_done(struct sm_auth_job *job)
{
        struct conn *k = job->cls;

        atomic_store(&k->state, JOB_DONE);
        MHD_resume_connection(k->c);
}

static bool is_probe(const char *url)
{
        return strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0;
}

static enum sm_web_verdict check_user(struct sm_web *w, struct conn *k, struct gen *g,
                                      struct MHD_Connection *c, struct MHD_Response **resp,
                                      unsigned *code)
{
        char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
        const char *hash = NULL;
        int cached;

        if (!user || !pass) {
                MHD_free(user);
                MHD_free(pass);
                return respond(w, MHD_HTTP_UNAUTHORIZED, resp, code);
        }
        for (size_t i = 0; i < g->cfg->n_users; i++)
                if (strcmp(g->cfg->users[i].name, user) == 0)
                        hash = g->cfg->users[i].hash;
        k->job.known_user = hash != NULL;
        if (!hash)
                hash = w->decoy; /* same work as for a real user: no user enumeration by timing */
        cached = sm_auth_cached(w->auth, user, pass, hash);
        if (cached >= 0) {
                explicit_bzero(pass, strlen(pass));
                MHD_free(user);
                MHD_free(pass);
                return cached && k->job.known_user ? SM_WEB_PASS
                                                   : respond(w, MHD_HTTP_UNAUTHORIZED, resp, code);
        }
        k->job.user = strdup(user);
        k->job.password = strdup(pass);
        k->job.hash = strdup(hash);
        explicit_bzero(pass, strlen(pass));
        MHD_free(user);
        MHD_free(pass);
        if (!k->job.user || !k->job.password || !k->job.hash) {
                sm_auth_job_clear(&k->job);
                return respond(w, MHD_HTTP_SERVICE_UNAVAILABLE, resp, code);
        }
        k->job.done = job_done;
        k->job.cls = k;
        atomic_store(&k->state, JOB_PENDING);
        /* Suspend first: the worker may resume the connection before submit returns. */
        MHD_suspend_connection(c);
        if (sm_auth_submit(w->auth, &k->job) < 0) {
                MHD_resume_connection(c);
                atomic_store(&k->state, JOB_IDLE);
                sm_auth_job_clear(&k->job);
                return respond(w, MHD_HTTP_SERVICE_UNAVAILABLE, resp, code);
        }
        return SM_WEB_SUSPENDED;
}

enum sm_web_verdict sm_web_gate(struct sm_web *w, struct MHD_Connection *c, const char *url,
                                struct MHD_Response **resp, unsigned *code)
{
        struct conn *k = conn_of(c);
        enum sm_web_verdict v;
        struct gen *g;

        if (!k)
                return SM_WEB_CLOSE;
        if (!k->checked) {
                const union MHD_ConnectionInfo *ci =
                        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);

                /* GnuTLS cannot restrict TLS 1.2 suites one by one: refuse unlisted ones here. */
                if (k->gen->tls && (!ci || !ci->tls_session ||
                                    !sm_tls_suite_allowed(k->gen->tls, ci->tls_session)))
                        return SM_WEB_CLOSE;
                k->checked = true;
        }
        if (atomic_load(&k->state) == JOB_DONE) {
                bool ok = k->job.ok;

                atomic_store(&k->state, JOB_IDLE);
                sm_auth_job_clear(&k->job);
                return ok ? SM_WEB_PASS : respond(w, MHD_HTTP_UNAUTHORIZED, resp, code);
        }
        if (is_probe(url))
                return SM_WEB_PASS;
        if (!sm_ratelimit_allow(&w->rl, sm_now_mono_us() * 1000))
                return respond(w, MHD_HTTP_TOO_MANY_REQUESTS, resp, code);
        g = gen_acquire(w);
        v = g->cfg->n_users ? check_user(w, k, g, c, resp, code) : SM_WEB_PASS;
        gen_unref(g);
        return v;
}
