/* SPDX-License-Identifier: MIT */
/* track.c - state directory, in-memory histories, background writer (see track.h). */
#include "track.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

#define FLUSH_WAIT_MS 5000u

struct entry {
        char key[SM_HIST_KEY_MAX];
        char owner[64];  /* persisted: the device whose collections it holds */
        bool persist;    /* keyed by a stable identity: may go to disk */
        bool dirty;      /* changed since its last queued write */
        bool shared;     /* persisted: two present devices report this identity */
        unsigned users;  /* shared: the devices kept by name because of it */
        const char *why; /* not persisted: why it stays in memory */
        struct sm_history *h;
};

#define WHY_NO_IDENTITY "the drive has no WWN or serial number"
#define WHY_SHARED      "another drive on this node reports the same identity"

struct job {
        struct job *next;
        char key[SM_HIST_KEY_MAX];
        size_t len;
        uint8_t buf[]; /* the encoded file */
};

struct sm_tracker {
        char dir[512];
        int dirfd; /* -1: memory only */
        bool write;
        char node[SM_HIST_NODE_MAX];
        const char *memory_why; /* set when the whole store is memory only */
        struct entry *e;
        size_t n, cap;

        /* The writer: jobs, newest per key; state shared with the poller under mu. */
        pthread_t thread;
        bool thread_started;
        pthread_mutex_t mu;
        pthread_cond_t cond, idle;
        struct job *jobs;
        bool busy, stop;
        atomic_int write_err; /* the last write's result: 0 or -errno */
};

/* ===== the writer thread ===== */

static void *writer(void *arg)
{
        struct sm_tracker *t = arg;

        pthread_mutex_lock(&t->mu);
        for (;;) {
                struct job *j = t->jobs;
                int r, before;

                if (j == NULL) {
                        t->busy = false;
                        pthread_cond_broadcast(&t->idle);
                        if (t->stop)
                                break;
                        pthread_cond_wait(&t->cond, &t->mu);
                        continue;
                }
                t->jobs = j->next;
                t->busy = true;
                pthread_mutex_unlock(&t->mu);

                r = sm_history_save_bytes(t->dirfd, j->key, j->buf, j->len);
                before = atomic_exchange(&t->write_err, r);
                /* One warning when writing starts failing, one line when it works again. */
                if (r < 0 && before == 0)
                        sm_log_warn("history: cannot write to '%s' (%s): keeping history in "
                                    "memory, retrying every hour",
                                    t->dir, strerror(-r));
                else if (r == 0 && before < 0)
                        sm_log_info("history: writing to '%s' again", t->dir);
                free(j);
                pthread_mutex_lock(&t->mu);
        }
        pthread_mutex_unlock(&t->mu);
        return NULL;
}

static void enqueue(struct sm_tracker *t, struct entry *e)
{
        struct job *j, **p;

        e->dirty = false;
        if (!e->persist || t->dirfd < 0 || !t->write || !t->thread_started)
                return;
        j = malloc(sizeof(*j) + SM_HIST_MAX_FILE);
        if (j == NULL)
                return; /* stays in memory; the next hour tries again */
        memcpy(j->key, e->key, sizeof(j->key));
        j->len = sm_history_encode(e->h, j->buf);
        j->next = NULL;

        pthread_mutex_lock(&t->mu);
        /* A write still queued for the same drive is replaced: only the newest matters. */
        for (p = &t->jobs; *p; p = &(*p)->next) {
                if (strcmp((*p)->key, j->key) == 0) {
                        struct job *old = *p;

                        j->next = old->next;
                        *p = j;
                        free(old);
                        j = NULL;
                        break;
                }
        }
        if (j)
                *p = j;
        pthread_cond_signal(&t->cond);
        pthread_mutex_unlock(&t->mu);
}

bool sm_tracker_sync(struct sm_tracker *t, unsigned timeout_ms)
{
        struct timespec until;
        bool done;

        if (!t->thread_started)
                return true;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&t->mu);
        while ((t->jobs || t->busy) &&
               pthread_cond_timedwait(&t->idle, &t->mu, &until) != ETIMEDOUT)
                ;
        done = !t->jobs && !t->busy;
        pthread_mutex_unlock(&t->mu);
        return done;
}

/* ===== the tracker ===== */

struct sm_tracker *sm_tracker_new(const char *state_dir, bool write)
{
        struct sm_tracker *t = calloc(1, sizeof(*t));
        int r;

        if (t == NULL)
                return NULL;
        t->dirfd = -1;
        t->write = write;
        pthread_mutex_init(&t->mu, NULL);
        pthread_cond_init(&t->cond, NULL);
        pthread_cond_init(&t->idle, NULL);
        sm_history_node_id(t->node, sizeof(t->node));
        if (state_dir == NULL || state_dir[0] == '\0') {
                t->memory_why = "no state directory configured";
                return t;
        }
        snprintf(t->dir, sizeof(t->dir), "%s", state_dir);
        if (write && mkdir(t->dir, 0700) < 0 && errno != EEXIST)
                sm_log_debug("history: cannot create '%s': %s", t->dir, strerror(errno));
        t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t->dirfd < 0 && !write) {
                /* One-shot modes: no history to read is normal (e.g. another unit's directory). */
                sm_log_debug("history: cannot open '%s': %s", t->dir, strerror(errno));
                t->memory_why = "state directory cannot be opened";
                return t;
        }
        if (t->dirfd < 0) {
                sm_log_warn("history: cannot open state directory '%s' (%s): keeping history "
                            "in memory",
                            t->dir, strerror(errno));
                t->memory_why = "state directory cannot be opened";
                return t;
        }
        if (!write)
                return t;
        r = sm_history_clean_dir(t->dirfd);
        if (r > 0)
                sm_log_info("history: removed %d unfinished temp file%s from '%s'", r,
                            r == 1 ? "" : "s", t->dir);
        if (pthread_create(&t->thread, NULL, writer, t) == 0)
                t->thread_started = true;
        else
                t->memory_why = "no writer thread";
        return t;
}

struct sm_tracker *sm_tracker_free(struct sm_tracker *t)
{
        if (t == NULL)
                return NULL;
        for (size_t i = 0; i < t->n; i++)
                if (t->e[i].dirty)
                        enqueue(t, &t->e[i]);
        if (t->thread_started) {
                bool done = sm_tracker_sync(t, FLUSH_WAIT_MS);

                pthread_mutex_lock(&t->mu);
                t->stop = true;
                pthread_cond_signal(&t->cond);
                pthread_mutex_unlock(&t->mu);
                if (!done) {
                        /* A hung state directory: leave the writer (and the tracker) behind. */
                        sm_log_warn("history: writes to '%s' did not finish in %u s; exiting "
                                    "without them",
                                    t->dir, FLUSH_WAIT_MS / 1000);
                        pthread_detach(t->thread);
                        return NULL;
                }
                pthread_join(t->thread, NULL);
        }
        for (size_t i = 0; i < t->n; i++)
                free(t->e[i].h);
        free(t->e);
        if (t->dirfd >= 0)
                close(t->dirfd);
        pthread_cond_destroy(&t->idle);
        pthread_cond_destroy(&t->cond);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return NULL;
}

static void entry_key(char *buf, size_t n, const char *key, const char *name)
{
        if (key)
                snprintf(buf, n, "%s", key);
        else
                snprintf(buf, n, "name:%s", name ? name : "");
}

static struct entry *find(struct sm_tracker *t, const char *k)
{
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->e[i].key, k) == 0)
                        return &t->e[i];
        return NULL;
}

static void load(struct sm_tracker *t, struct entry *e)
{
        char why[160], name[160];
        int r;

        if (!e->persist || t->dirfd < 0)
                return;
        r = sm_history_load(t->dirfd, e->key, t->node, e->h, why, sizeof(why));
        if (r == 0 || r == -ENOENT) {
                if (r < 0)
                        sm_history_init(e->h, e->key, t->node);
                return;
        }
        sm_history_file_name(e->key, name, sizeof(name));
        if (r == -EXDEV)
                sm_log_info("history: '%s/%s' was %s; this node starts a new history", t->dir, name,
                            why);
        else
                sm_log_warn("history: '%s/%s' is unusable (%s); starting a new history", t->dir,
                            name, r == -EBADMSG || r == -ESTALE ? why : strerror(-r));
        sm_history_init(e->h, e->key, t->node);
}

static struct entry *get(struct sm_tracker *t, const char *key, const char *name)
{
        char k[SM_HIST_KEY_MAX];
        struct entry *e;

        entry_key(k, sizeof(k), key, name);
        e = find(t, k);
        if (e)
                return e;
        if (t->n == t->cap) {
                size_t cap = t->cap ? 2 * t->cap : 16;
                struct entry *ne = realloc(t->e, cap * sizeof(*ne));

                if (ne == NULL)
                        return NULL;
                t->e = ne;
                t->cap = cap;
        }
        e = &t->e[t->n];
        memset(e, 0, sizeof(*e));
        e->h = malloc(sizeof(*e->h));
        if (e->h == NULL)
                return NULL;
        t->n++;
        snprintf(e->key, sizeof(e->key), "%s", k);
        e->persist = key != NULL;
        e->why = key ? NULL : WHY_NO_IDENTITY;
        sm_history_init(e->h, e->key, t->node);
        load(t, e);
        return e;
}

/* Remove e from memory, queueing its last write. */
static void drop(struct sm_tracker *t, struct entry *e)
{
        if (e->dirty)
                enqueue(t, e);
        free(e->h);
        *e = t->e[--t->n];
}

/*
 * The entry a device's collection goes to: its identity's history; but once a
 * second present device reports the same identity (cheap drives with a blank
 * or constant serial number, clones), neither can be told apart in the state
 * directory: each is kept in memory under its device name from then on, and
 * the file is left as it was. The identity's entry stays, counting those
 * devices, until the last of them leaves.
 */
static struct entry *entry_for(struct sm_tracker *t, const char *key, const char *name)
{
        struct entry *e = get(t, key, name), *own;
        bool first_owner;
        char k[SM_HIST_KEY_MAX];

        if (e == NULL || key == NULL)
                return e;
        if (!e->shared) {
                if (!e->owner[0] || strcmp(e->owner, name) == 0) {
                        snprintf(e->owner, sizeof(e->owner), "%s", name);
                        return e;
                }
                sm_log_warn("history: %s and %s report the same identity '%s'; each one's "
                            "history is kept in memory under its device name",
                            e->owner, name, e->key);
                e->shared = true;
                e->users = 1; /* the owner, whenever it comes next */
        }
        entry_key(k, sizeof(k), NULL, name);
        if (find(t, k))
                return find(t, k);
        first_owner = strcmp(e->owner, name) == 0;
        own = get(t, NULL, name); /* may move the array: e is stale after this */
        if (own == NULL)
                return NULL;
        own->why = WHY_SHARED;
        e = find(t, key);
        if (e && !first_owner)
                e->users++;
        return own;
}

void sm_tracker_update(struct sm_tracker *t, const char *key, const char *name,
                       const struct sm_hist_sample *s, uint64_t capacity,
                       const struct sm_verdict_input *in, struct sm_risk *ret)
{
        struct entry *e = entry_for(t, key, name);
        enum sm_hist_add a;
        bool fresh;

        memset(ret, 0, sizeof(*ret));
        if (e == NULL) {
                /* Out of memory: a verdict without history. */
                sm_verdict_compute(in, NULL, NULL, &ret->verdict);
                ret->have = true;
                ret->memory_why = "out of memory";
                return;
        }
        fresh = e->h->n_hourly == 0;
        a = sm_history_add(e->h, s);
        if (a == SM_HIST_ADD_RESET)
                sm_log_info("history: '%s' reports lower counters than before; its history "
                            "starts over",
                            e->key);
        if (a != SM_HIST_ADD_OLDER)
                e->dirty = true;
        if (fresh || a == SM_HIST_ADD_NEW_HOUR || a == SM_HIST_ADD_RESET)
                enqueue(t, e);

        sm_forecast_compute(e->h, capacity, &ret->fc);
        sm_trend_compute(e->h, &ret->trend);
        sm_verdict_compute(in, e->h, &ret->fc, &ret->verdict);
        ret->have = true;
        if (!e->persist)
                ret->memory_why = e->why;
        else if (t->memory_why)
                ret->memory_why = t->memory_why;
        else if (!t->write)
                ret->memory_why = NULL; /* read from the state directory, written by the daemon */
        else if (atomic_load(&t->write_err) < 0)
                ret->memory_why = "the state directory is not writable";
        ret->persisted = ret->memory_why == NULL;
}

void sm_tracker_forget(struct sm_tracker *t, const char *key, const char *name)
{
        char k[SM_HIST_KEY_MAX];
        struct entry *e;

        e = key ? find(t, key) : NULL;
        if (e && e->shared) {
                /* One of the devices sharing an identity: its own entry goes. */
                bool last = --e->users == 0;

                if (last)
                        drop(t, e);
                entry_key(k, sizeof(k), NULL, name);
                e = find(t, k);
                if (e)
                        drop(t, e);
                return;
        }
        if (e && e->owner[0] && strcmp(e->owner, name) != 0)
                return; /* another device's history (this one was never collected) */
        entry_key(k, sizeof(k), key, name);
        e = find(t, k);
        if (e)
                drop(t, e);
}
