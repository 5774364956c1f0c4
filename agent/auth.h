/* SPDX-License-Identifier: MIT */
/*
 * auth.h - basic_auth_users: bcrypt verification with libxcrypt's crypt_r and
 * a constant-time compare, a cache of verified (user, password, stored hash)
 * triples keyed by a keyed SHA-256 of the three (length-prefixed, so no
 * concatenation of a user name and a hash can collide with another pair), a
 * small pool of worker threads so a slow bcrypt never runs on the HTTP event
 * thread, and the rate_limit token bucket.
 */
#ifndef SM_AUTH_H
#define SM_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SM_AUTH_CACHE_SIZE 100 /* as the toolkit's cache */

/* Does password match a bcrypt hash? (crypt_r, constant-time compare of the result) */
bool sm_auth_bcrypt_ok(const char *password, const char *hash);

struct sm_auth;

/* One verification; filled by the caller, finished by a worker. */
struct sm_auth_job {
        char *user, *password, *hash;          /* owned by the job */
        bool known_user;                       /* false: hash is the decoy, the answer is no */
        bool ok;                               /* the answer, valid once done is called */
        void (*done)(struct sm_auth_job *job); /* called on the worker thread */
        void *cls;
        struct sm_auth_job *next; /* queue */
};

/* Workers threads, at most max_queue jobs waiting. */
int sm_auth_new(unsigned workers, unsigned max_queue, struct sm_auth **ret);
/* Stop: the running verifications finish (and call done), queued ones are dropped unanswered. */
void sm_auth_stop(struct sm_auth *a);
void sm_auth_free(struct sm_auth *a);

/* The cached answer for (user, password, hash): 1 yes, 0 no, -ENOENT not cached. */
int sm_auth_cached(struct sm_auth *a, const char *user, const char *password, const char *hash);
/* Queue a job (its answer goes into the cache before done); -EBUSY when the queue is full. */
int sm_auth_submit(struct sm_auth *a, struct sm_auth_job *job);
void sm_auth_job_clear(struct sm_auth_job *job);

/* A bcrypt hash of a random password (cost 10), for users that do not exist. */
int sm_auth_decoy_hash(char *buf, size_t n);

/* rate_limit: Go's rate.Limiter(Every(interval), burst).Allow(), shared by every client. */
struct sm_ratelimit {
        pthread_mutex_t lock;
        uint64_t interval_ns, burst;
        double tokens;
        uint64_t last_ns;
        bool started;
};

void sm_ratelimit_init(struct sm_ratelimit *rl, uint64_t interval_ns, uint64_t burst);
/* now_ns: a monotonic clock (parameter for tests). */
bool sm_ratelimit_allow(struct sm_ratelimit *rl, uint64_t now_ns);

#endif
