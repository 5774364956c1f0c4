/* SPDX-License-Identifier: MIT */
#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define MAX_WORKERS 8

struct cache_entry {
        unsigned char key[32];
        bool used, ok;
};

struct sm_auth {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stopping;
        struct sm_auth_job *head, *tail;
        unsigned queued, max_queue;
        pthread_t threads[MAX_WORKERS];
        unsigned n_threads;
        unsigned char secret[32]; /* keys the cache hash: not computable from outside */
        struct cache_entry cache[SM_AUTH_CACHE_SIZE];
        unsigned next_evict;
};

/* ===== bcrypt ===== */

static bool equal_ct(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        unsigned char d = la != lb;

        for (size_t i = 0; i < la && i < lb; i++)
                d |= (unsigned char)(a[i] ^ b[i]);
        return d == 0;
}

bool sm_auth_bcrypt_ok(const char *password, const char *hash)
{
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        const char *out;
        bool ok;

        if (!cd)
                return false;
        out = crypt_r(password, hash, cd);
        /* crypt_r fails with a string starting with '*' (never a valid hash). */
        ok = out && out[0] == '$' && equal_ct(out, hash);
        explicit_bzero(cd, sizeof(*cd));
        free(cd);
        return ok;
}

int sm_auth_decoy_hash(char *buf, size_t n)
{
        char pw[33], rnd[16], setting[CRYPT_GENSALT_OUTPUT_SIZE];
        struct crypt_data *cd;
        const char *out;

        if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0)
                return -EIO;
        for (size_t i = 0; i < sizeof(rnd); i++)
                snprintf(pw + 2 * i, 3, "%02x", (unsigned char)rnd[i]);
        if (!crypt_gensalt_rn("$2b$", 10, NULL, 0, setting, sizeof(setting)))
                return -EIO;
        cd = calloc(1, sizeof(*cd));
        if (!cd)
                return -ENOMEM;
        out = crypt_r(pw, setting, cd);
        if (!out || out[0] != '$' || !sm_strlcpy(buf, out, n)) {
                free(cd);
                return -EIO;
        }
        free(cd);
        return 0;
}

/* ===== cache ===== */

static void put_field(gnutls_hmac_hd_t h, const char *s)
{
        uint64_t len = strlen(s);

        gnutls_hmac(h, &len, sizeof(len));
        gnutls_hmac(h, s, len);
}

static int cache_key(struct sm_auth *a, const char *user, const char *password, const char *hash,
                     unsigned char key[32])
{
        gnutls_hmac_hd_t h;

        if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, a->secret, sizeof(a->secret)) < 0)
                return -EIO;
        put_field(h, user);
        put_field(h, password);
        put_field(h, hash);
        gnutls_hmac_deinit(h, key);
        return 0;
}

int sm_auth_cached(struct sm_auth *a, const char *user, const char *password, const char *hash)
{
        unsigned char key[32];
        int r = -ENOENT;

        if (cache_key(a, user, password, hash, key) < 0)
                return -ENOENT;
        pthread_mutex_lock(&a->lock);
        for (size_t i = 0; i < SM_AUTH_CACHE_SIZE; i++) {
                if (a->cache[i].used && memcmp(a->cache[i].key, key, sizeof(key)) == 0) {
                        r = a->cache[i].ok;
                        break;
                }
        }
        pthread_mutex_unlock(&a->lock);
        return r;
}

static void cache_put(struct sm_auth *a, const unsigned char key[32], bool ok)
{
        size_t slot = SM_AUTH_CACHE_SIZE;

        for (size_t i = 0; i < SM_AUTH_CACHE_SIZE; i++) {
                if (!a->cache[i].used || memcmp(a->cache[i].key, key, 32) == 0) {
                        slot = i;
                        break;
                }
        }
        if (slot == SM_AUTH_CACHE_SIZE) {
                slot = a->next_evict;
                a->next_evict = (a->next_evict + 1) % SM_AUTH_CACHE_SIZE;
        }
        memcpy(a->cache[slot].key, key, 32);
        a->cache[slot].used = true;
        a->cache[slot].ok = ok;
}

/* ===== workers ===== */

void sm_auth_job_clear(struct sm_auth_job *job)
{
        if (job->password)
                explicit_bzero(job->password, strlen(job->password));
        free(job->user);
        free(job->password);
        free(job->hash);
        job->user = job->password = job->hash = NULL;
        job->next = NULL;
}

static void *worker(void *arg)
{
        struct sm_auth *a = arg;

        pthread_mutex_lock(&a->lock);
        for (;;) {
                struct sm_auth_job *job;
                unsigned char key[32];
                bool ok, keyed;

                while (!a->stopping && !a->head)
                        pthread_cond_wait(&a->cond, &a->lock);
                if (a->stopping)
                        break;
                job = a->head;
                a->head = job->next;
                if (!a->head)
                        a->tail = NULL;
                a->queued--;
                pthread_mutex_unlock(&a->lock);

                ok = sm_auth_bcrypt_ok(job->password, job->hash) && job->known_user;
                keyed = cache_key(a, job->user, job->password, job->hash, key) == 0;
                pthread_mutex_lock(&a->lock);
                if (keyed)
                        cache_put(a, key, ok);
                pthread_mutex_unlock(&a->lock);
                job->ok = ok;
                job->done(job);
                pthread_mutex_lock(&a->lock);
        }
        pthread_mutex_unlock(&a->lock);
        return NULL;
}

int sm_auth_new(unsigned workers, unsigned max_queue, struct sm_auth **ret)
{
        struct sm_auth *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        pthread_mutex_init(&a->lock, NULL);
        pthread_cond_init(&a->cond, NULL);
        a->max_queue = max_queue;
        if (gnutls_rnd(GNUTLS_RND_KEY, a->secret, sizeof(a->secret)) < 0) {
                sm_auth_free(a);
                return -EIO;
        }
        if (workers > MAX_WORKERS)
                workers = MAX_WORKERS;
        for (unsigned i = 0; i < workers; i++) {
                int r = pthread_create(&a->threads[i], NULL, worker, a);

                if (r != 0) {
                        sm_auth_free(a);
                        return -r;
                }
                a->n_threads++;
        }
        *ret = a;
        return 0;
}

int sm_auth_submit(struct sm_auth *a, struct sm_auth_job *job)
{
        int r = 0;

        job->next = NULL;
        pthread_mutex_lock(&a->lock);
        if (a->stopping || a->queued >= a->max_queue) {
                r = -EBUSY;
        } else {
                if (a->tail)
                        a->tail->next = job;
                else
                        a->head = job;
                a->tail = job;
                a->queued++;
                pthread_cond_signal(&a->cond);
        }
        pthread_mutex_unlock(&a->lock);
        return r;
}

void sm_auth_stop(struct sm_auth *a)
{
        if (!a)
                return;
        pthread_mutex_lock(&a->lock);
        a->stopping = true;
        a->head = a->tail = NULL; /* their owners free them */
        a->queued = 0;
        pthread_cond_broadcast(&a->cond);
        pthread_mutex_unlock(&a->lock);
        for (unsigned i = 0; i < a->n_threads; i++)
                pthread_join(a->threads[i], NULL);
        a->n_threads = 0;
}

void sm_auth_free(struct sm_auth *a)
{
        if (!a)
                return;
        sm_auth_stop(a);
        pthread_cond_destroy(&a->cond);
        pthread_mutex_destroy(&a->lock);
        explicit_bzero(a, sizeof(*a));
        free(a);
}

/* ===== rate limit ===== */

void sm_ratelimit_init(struct sm_ratelimit *rl, uint64_t interval_ns, uint64_t burst)
{
        pthread_mutex_init(&rl->lock, NULL);
        rl->interval_ns = interval_ns;
        rl->burst = burst;
        rl->tokens = 0;
        rl->started = false;
}

bool sm_ratelimit_allow(struct sm_ratelimit *rl, uint64_t now_ns)
{
        bool ok;

        if (rl->interval_ns == 0)
                return true;
        pthread_mutex_lock(&rl->lock);
        if (!rl->started) {
                rl->tokens = (double)rl->burst; /* a new limiter starts full */
                rl->started = true;
        } else if (now_ns > rl->last_ns) {
                rl->tokens += (double)(now_ns - rl->last_ns) / (double)rl->interval_ns;
                if (rl->tokens > (double)rl->burst)
                        rl->tokens = (double)rl->burst;
        }
        rl->last_ns = now_ns;
        ok = rl->tokens >= 1.0;
        if (ok)
                rl->tokens -= 1.0;
        pthread_mutex_unlock(&rl->lock);
        return ok;
}
