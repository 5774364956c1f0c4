/* SPDX-License-Identifier: MIT */
/*
 * poller.c - the collector thread.
 *
 * One event loop (epoll) owns everything that changes: the device table
 * (slots), the discovery handle and the read jobs. Each device read runs
 * on its own detached worker thread with a deadline; a worker that overruns
 * is abandoned (the device is reported as timed out and not read again until
 * the worker returns), so one slow or dead drive never stalls the others.
 * Devices that share a node (NVMe namespaces of one controller) share a job.
 *
 * After every full collection, every hotplug batch and every removal the loop
 * builds an immutable snapshot (rendered once) and publishes it in the store.
 */
#include "poller.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/discovery.h"
#include "collectors/replay.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/util.h"
#include "track.h"

#define DEBOUNCE_MS  250
#define WORKER_STACK (2u << 20)
#define CTL_TRIGGER  1u
#define CTL_STOP     2u

/* Shared by the poller and its workers; outlives the poller while workers run. */
struct hub {
        atomic_int refs;
        int efd; /* a worker writes 1 when it finishes */
};

struct job {
        atomic_int refs;
        struct hub *hub;
        const struct sm_collector *col;
        struct sm_device_id id;
        struct sm_read_opts opts;
        uint64_t started_ms, deadline_ms;
        bool priority; /* a hotplug read: publish as soon as it is done */
        bool abandoned;
        /* Written by the worker before done is set. */
        int ret;
        char err[192];
        double duration_s;
        struct sm_health health;
        atomic_bool done;
};

struct slot {
        struct sm_device_state st;
        struct job *job; /* in flight (not owned), or NULL */
        bool counted;    /* job's attempt already counted (it timed out): not again */
        bool queued;
        bool priority;
        bool seen; /* scratch for rescans */
};

struct sm_poller {
        const struct sm_config *cfg;
        struct sm_store *store;
        struct sm_discovery *disc;
        struct hub *hub;
        int epfd;
        int ctlfd; /* eventfd: trigger/stop from other threads */
        atomic_uint ctl_flags;
        pthread_t thread;
        bool thread_started;
        _Atomic uint64_t heartbeat_ms;

        struct slot *slots;
        size_t n_slots;
        struct job **jobs; /* running and abandoned, owned */
        size_t n_jobs, cap_jobs;

        uint64_t generation;
        bool ready;
        bool cycle_active;
        bool dirty; /* something changed since the last publish */
        bool publish_now;
        uint64_t cycle_started_us;
        uint64_t next_cycle_ms, debounce_at_ms, next_rescan_ms;
        struct sm_agent_stats stats;
        struct sm_tracker *tracker; /* drive histories (docs/health.md) */
        char replay_warned[256];    /* the last replay-scan warning logged */
        bool stuck_limit_logged;    /* the stuck-read limit was hit (logged once) */
};

/* ===== jobs and workers ===== */

static void hub_unref(struct hub *h)
{
        if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
                close(h->efd);
                free(h);
        }
}

static void job_unref(struct job *j)
{
        if (j && atomic_fetch_sub(&j->refs, 1) == 1) {
                hub_unref(j->hub);
                free(j);
        }
}

static void *worker(void *arg)
{
        struct job *j = arg;
        uint64_t one = 1, t0 = sm_now_mono_us();

        sm_health_init(&j->health);
        j->err[0] = '\0';
        j->ret = j->col->read(&j->id, &j->opts, &j->health, j->err, sizeof(j->err));
        if (j->ret < 0 && !j->err[0])
                snprintf(j->err, sizeof(j->err), "read failed: %s", strerror(-j->ret));
        j->duration_s = (double)(sm_now_mono_us() - t0) / 1e6;
        atomic_store(&j->done, true);
        (void)!write(j->hub->efd, &one, sizeof(one));
        job_unref(j);
        return NULL;
}

static int job_start(struct sm_poller *p, struct job *j)
{
        pthread_attr_t attr;
        pthread_t t;
        int r;

        atomic_init(&j->refs, 2); /* the poller's and the worker's */
        atomic_fetch_add(&p->hub->refs, 1);
        j->hub = p->hub;
        j->started_ms = sm_now_mono_ms();
        j->deadline_ms = j->started_ms + p->cfg->timeout_ms;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, WORKER_STACK);
        r = pthread_create(&t, &attr, worker, j);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                atomic_store(&j->refs, 1);
                return -r;
        }
        return 0;
}

static int jobs_add(struct sm_poller *p, struct job *j)
{
        if (p->n_jobs == p->cap_jobs) {
                size_t cap = p->cap_jobs ? p->cap_jobs * 2 : 16;
                struct job **n = realloc(p->jobs, cap * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                p->jobs = n;
                p->cap_jobs = cap;
        }
        p->jobs[p->n_jobs++] = j;
        return 0;
}

/* Stuck (abandoned) workers allowed at once: past that no new thread is started. */
static size_t stuck_limit(const struct sm_poller *p)
{
        return 4 * (size_t)p->cfg->parallel;
}

static size_t jobs_abandoned(const struct sm_poller *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_jobs; i++)
                n += p->jobs[i]->abandoned;
        return n;
}

static size_t jobs_running(const struct sm_poller *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_jobs; i++)
                n += !p->jobs[i]->abandoned;
        return n;
}

/* ===== applying results ===== */

static void log_transition(const struct sm_device_state *old, const struct sm_device_state *st)
{
        if (old->status == st->status && strcmp(old->error, st->error) == 0)
                return;
        switch (st->status) {
        case SM_READ_OK:
                if (old->status == SM_READ_NEVER)
                        sm_log_debug("device '%s': read ok", st->id.name);
                else
                        sm_log_info("device '%s': readable again", st->id.name);
                break;
        case SM_READ_ASLEEP:
                sm_log_info("device '%s': asleep, not waking it; serving its last values",
                            st->id.name);
                break;
        case SM_READ_ERROR:
        case SM_READ_TIMEOUT:
                sm_log_warn("device '%s': %s", st->id.name, st->error);
                break;
        case SM_READ_UNSUPPORTED:
                sm_log_info("device '%s': not read: %s", st->id.name, st->error);
                break;
        case SM_READ_NEVER:
                break;
        }
}

/* The drive's key in the history, or NULL when it has no stable identity. */
static const char *history_key(const struct sm_device_state *st, char *buf, size_t n)
{
        struct sm_identity ident;

        sm_device_identity(st, &ident);
        return sm_history_key(ident.wwn, ident.model, ident.serial, buf, n) == 0 ? buf : NULL;
}

/* After a successful read: fold it into the drive's history, forecast, verdict. */
static void risk_update(struct sm_poller *p, struct sm_device_state *st)
{
        struct sm_hist_sample sample;
        struct sm_verdict_input in;
        char key[SM_HIST_KEY_MAX];

        if (!p->tracker)
                return;
        sm_risk_input(st, (int64_t)st->last_success_ts, &sample, &in);
        sm_tracker_update(p->tracker, history_key(st, key, sizeof(key)), st->id.name, &sample,
                          sm_device_capacity(st), &in, &st->risk);
}

static void slot_apply(struct sm_poller *p, struct slot *s, const struct job *j)
{
        struct sm_device_state old = s->st;
        struct sm_device_state *st = &s->st;
        bool counted = s->counted; /* a late answer to an attempt counted as timed out */

        s->counted = false;
        st->reads_total += !counted;
        st->last_attempt_ts = sm_now_real_s();
        st->read_duration_s = j->duration_s;
        if (j->ret == 0) {
                st->status = SM_READ_OK;
                st->err = 0;
                st->error[0] = '\0';
                st->have_data = true;
                st->health = j->health;
                st->last_success_ts = st->last_attempt_ts;
                if (st->id.replay &&
                    (st->id.proto == SM_PROTO_ATA || st->id.proto == SM_PROTO_SCSI))
                        st->id.cls = j->health.has_rotation_rate && j->health.rotation_rate == 0
                                             ? SM_CLASS_SSD
                                             : SM_CLASS_HDD;
                risk_update(p, st);
        } else if (j->ret == SM_READ_RET_ASLEEP) {
                st->status = SM_READ_ASLEEP;
                st->err = 0;
                st->error[0] = '\0';
        } else {
                st->status = SM_READ_ERROR;
                st->err = j->ret;
                sm_strlcpy(st->error, j->err, sizeof(st->error));
                st->read_errors_total += !counted;
        }
        log_transition(&old, st);
        p->dirty = true;
        /* A hotplug read, or a stuck drive that answered at last: news worth publishing now. */
        if (j->priority || j->abandoned)
                p->publish_now = true;
}

static void slot_fail(struct sm_poller *p, struct slot *s, enum sm_read_status status, int err,
                      const char *msg)
{
        struct sm_device_state old = s->st;

        s->st.reads_total++;
        s->st.read_errors_total++;
        s->st.last_attempt_ts = sm_now_real_s();
        s->st.status = status;
        s->st.err = err;
        sm_strlcpy(s->st.error, msg, sizeof(s->st.error));
        log_transition(&old, &s->st);
        p->dirty = true;
}

/* Move finished jobs' results into their slots; abandon jobs past their deadline. */
static void reap(struct sm_poller *p, uint64_t now)
{
        size_t w = 0;

        for (size_t i = 0; i < p->n_jobs; i++) {
                struct job *j = p->jobs[i];
                bool done = atomic_load(&j->done);

                for (size_t k = 0; k < p->n_slots; k++) {
                        struct slot *s = &p->slots[k];

                        if (s->job != j)
                                continue;
                        if (done) {
                                s->job = NULL;
                                slot_apply(p, s, j);
                        } else if (!j->abandoned && now >= j->deadline_ms) {
                                char msg[96];

                                snprintf(msg, sizeof(msg),
                                         "read did not finish within %llu ms; not read again "
                                         "until it returns",
                                         (unsigned long long)p->cfg->timeout_ms);
                                slot_fail(p, s, SM_READ_TIMEOUT, -ETIMEDOUT, msg);
                                s->counted = true;
                                if (j->priority)
                                        p->publish_now = true;
                        }
                }
                if (done) {
                        job_unref(j);
                        continue;
                }
                if (now >= j->deadline_ms)
                        j->abandoned = true;
                p->jobs[w++] = j;
        }
        p->n_jobs = w;
}

/* ===== launching ===== */

static struct job *job_for_node(struct sm_poller *p, const char *devnode)
{
        for (size_t i = 0; i < p->n_jobs; i++) {
                if (strcmp(p->jobs[i]->id.devnode, devnode) == 0)
                        return p->jobs[i];
        }
        return NULL;
}

static void launch_one(struct sm_poller *p, struct slot *s)
{
        const struct sm_collector *col = sm_collector_for(s->st.id.proto);
        struct job *j;
        char msg[96];
        int r;

        s->queued = false;
        j = job_for_node(p, s->st.id.devnode);
        if (j) {
                /* Same controller/node already being read: share its result. */
                s->job = j;
                if (j->abandoned) {
                        /*
                         * Already past its deadline (e.g. the drive dropped off the bus
                         * and came back while its read hung): reap() will not fail this
                         * slot any more, so say so now; the late result still lands here.
                         */
                        slot_fail(p, s, SM_READ_TIMEOUT, -ETIMEDOUT,
                                  "an earlier read of this device is still stuck; not read "
                                  "again until it returns");
                        s->counted = true;
                        p->publish_now |= s->priority;
                }
                return;
        }
        if (!col) {
                /* Not a failing read: nothing can read it. Logged once, never counted. */
                struct sm_device_state old = s->st;

                s->st.status = SM_READ_UNSUPPORTED;
                s->st.err = -ENOTSUP;
                snprintf(s->st.error, sizeof(s->st.error), "no SMART collector for bus %s",
                         s->st.id.bus[0] ? s->st.id.bus : "unknown");
                log_transition(&old, &s->st);
                p->dirty |= old.status != s->st.status;
                return;
        }
        if (jobs_abandoned(p) >= stuck_limit(p)) {
                /* Bounded: threads stuck in the kernel are not left to pile up. */
                if (!p->stuck_limit_logged)
                        sm_log_warn("%zu device reads are stuck (the limit, 4 x "
                                    "--collector.parallel): devices are reported timed out "
                                    "without a new read until one returns",
                                    jobs_abandoned(p));
                p->stuck_limit_logged = true;
                snprintf(msg, sizeof(msg), "not read: %zu earlier reads are stuck (the limit)",
                         jobs_abandoned(p));
                slot_fail(p, s, SM_READ_TIMEOUT, -ETIMEDOUT, msg);
                return;
        }
        if (p->stuck_limit_logged) {
                sm_log_info("stuck device reads below the limit again; reading resumes");
                p->stuck_limit_logged = false;
        }
        j = calloc(1, sizeof(*j));
        if (!j || jobs_add(p, j) < 0) {
                free(j);
                slot_fail(p, s, SM_READ_ERROR, -ENOMEM, "out of memory");
                return;
        }
        j->col = col;
        j->id = s->st.id;
        j->opts.timeout_ms = (unsigned)p->cfg->timeout_ms;
        j->priority = s->priority;
        r = job_start(p, j);
        if (r < 0) {
                p->n_jobs--;
                hub_unref(j->hub);
                free(j);
                snprintf(msg, sizeof(msg), "cannot start a reader thread: %s", strerror(-r));
                slot_fail(p, s, SM_READ_ERROR, r, msg);
                return;
        }
        s->job = j;
        s->priority = false;
}

static void launch(struct sm_poller *p)
{
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < p->n_slots; i++) {
                        struct slot *s = &p->slots[i];

                        if (!s->queued || s->job || (pass == 0 && !s->priority))
                                continue;
                        if (jobs_running(p) >= p->cfg->parallel &&
                            !job_for_node(p, s->st.id.devnode))
                                return;
                        launch_one(p, s);
                }
        }
}

static bool work_pending(const struct sm_poller *p)
{
        for (size_t i = 0; i < p->n_slots; i++) {
                if (p->slots[i].queued || (p->slots[i].job && !p->slots[i].job->abandoned))
                        return true;
        }
        return false;
}

/* ===== device table ===== */

static struct slot *slot_find(struct sm_poller *p, const char *name)
{
        for (size_t i = 0; i < p->n_slots; i++) {
                if (strcmp(p->slots[i].st.id.name, name) == 0)
                        return &p->slots[i];
        }
        return NULL;
}

/* The devices there are now; on failure a message in err (the caller logs it). */
static int discover(struct sm_poller *p, struct sm_device_id **ret, size_t *ret_n, char *err,
                    size_t errlen)
{
        int r;

        if (p->cfg->replay_dir) {
                r = sm_replay_scan(p->cfg->replay_dir, ret, ret_n, err, errlen);
                /* Skipped captures: warn once, not on every rescan. */
                if (r == 0 && strcmp(err, p->replay_warned) != 0) {
                        if (err[0])
                                sm_log_warn("%s", err);
                        sm_strlcpy(p->replay_warned, err, sizeof(p->replay_warned));
                }
                if (r == 0)
                        err[0] = '\0';
                return r;
        }
        r = sm_discovery_scan(p->disc, ret, ret_n);
        if (r < 0)
                return sm_errf(err, errlen, r, "device discovery failed: %s", strerror(-r));
        return r;
}

/* Bring the table in line with a fresh scan; new devices are queued with priority. */
static int rescan(struct sm_poller *p, bool initial, char *err, size_t errlen)
{
        _cleanup_free_ struct sm_device_id *ids = NULL;
        size_t n = 0, w = 0;
        struct slot *grown;
        int r = discover(p, &ids, &n, err, errlen);

        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_slots; i++)
                p->slots[i].seen = false;
        grown = realloc(p->slots, (p->n_slots + n + 1) * sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        p->slots = grown;
        for (size_t i = 0; i < n; i++) {
                struct slot *s = slot_find(p, ids[i].name);

                if (s) {
                        /* Known device: refresh identity (node names can move), keep state. */
                        enum sm_class cls = s->st.id.cls;

                        s->st.id = ids[i];
                        if (ids[i].replay)
                                s->st.id.cls = cls;
                        s->seen = true;
                        continue;
                }
                s = &p->slots[p->n_slots++];
                memset(s, 0, sizeof(*s));
                s->st.id = ids[i];
                s->seen = true;
                s->queued = true;
                s->priority = !initial;
                p->dirty = true;
                p->publish_now = !initial;
                if (!initial)
                        sm_log_info("device '%s' (%s, %s) appeared", ids[i].name,
                                    sm_class_name(ids[i].cls), ids[i].devnode);
        }
        for (size_t i = 0; i < p->n_slots; i++) {
                struct slot *s = &p->slots[i];

                if (!s->seen) {
                        char key[SM_HIST_KEY_MAX];

                        sm_log_info("device '%s' disappeared", s->st.id.name);
                        if (p->tracker)
                                sm_tracker_forget(p->tracker, history_key(&s->st, key, sizeof(key)),
                                                  s->st.id.name);
                        p->dirty = true;
                        p->publish_now = true;
                        continue; /* its job, if any, finishes on its own and is discarded */
                }
                p->slots[w++] = *s;
        }
        p->n_slots = w;
        return 0;
}

/* ===== publishing ===== */

static void publish(struct sm_poller *p)
{
        struct sm_device_state *devs = calloc(p->n_slots ? p->n_slots : 1, sizeof(*devs));
        struct sm_snapshot *s;

        if (!devs) {
                sm_log_err("out of memory building a snapshot; serving the previous one");
                return;
        }
        for (size_t i = 0; i < p->n_slots; i++)
                devs[i] = p->slots[i].st;
        p->stats.stuck_reads = jobs_abandoned(p);
        p->stats.stuck_reads_limit = stuck_limit(p);
        s = sm_snapshot_build(++p->generation, p->ready, &p->stats, devs, p->n_slots);
        free(devs);
        if (!s) {
                sm_log_err("out of memory rendering a snapshot; serving the previous one");
                return;
        }
        sm_store_publish(p->store, s);
        p->dirty = false;
        p->publish_now = false;
}

static void cycle_start(struct sm_poller *p)
{
        p->cycle_active = true;
        p->cycle_started_us = sm_now_mono_us();
        for (size_t i = 0; i < p->n_slots; i++) {
                struct slot *s = &p->slots[i];

                if (s->job)
                        continue; /* still reading (or stuck): skip this round */
                s->queued = true;
        }
}

static void cycle_finish(struct sm_poller *p)
{
        p->cycle_active = false;
        p->stats.collections_total++;
        p->stats.collection_duration_s = (double)(sm_now_mono_us() - p->cycle_started_us) / 1e6;
        p->stats.collection_ts = sm_now_real_s();
        if (!p->ready)
                sm_log_info("first collection finished: %zu device(s) in %.3f s", p->n_slots,
                            p->stats.collection_duration_s);
        p->ready = true;
        p->publish_now = true;
}

/* ===== the loop ===== */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static int loop_timeout(const struct sm_poller *p, uint64_t now)
{
        uint64_t t = p->next_cycle_ms;

        if (p->debounce_at_ms)
                t = min_u64(t, p->debounce_at_ms);
        t = min_u64(t, p->next_rescan_ms);
        for (size_t i = 0; i < p->n_jobs; i++) {
                if (!p->jobs[i]->abandoned)
                        t = min_u64(t, p->jobs[i]->deadline_ms);
        }
        if (t <= now)
                return 0;
        return (int)min_u64(t - now, 5000); /* keep the heartbeat fresh */
}

static void drain(int fd)
{
        uint64_t v;

        (void)!read(fd, &v, sizeof(v));
}

static void handle_timers(struct sm_poller *p, uint64_t now)
{
        if ((p->debounce_at_ms && now >= p->debounce_at_ms) || now >= p->next_rescan_ms) {
                char err[256] = "";

                p->debounce_at_ms = 0;
                p->next_rescan_ms = now + p->cfg->rescan_ms;
                /* A failed rescan keeps the devices known so far. */
                if (rescan(p, false, err, sizeof(err)) < 0)
                        sm_log_warn("%s; keeping the devices known so far", err);
        }
        if (now >= p->next_cycle_ms) {
                p->next_cycle_ms = now + p->cfg->interval_ms;
                if (!p->cycle_active)
                        cycle_start(p);
        }
}

/* Start what can start, close a finished cycle, publish what is news. */
static void settle(struct sm_poller *p)
{
        launch(p);
        if (p->cycle_active && !work_pending(p))
                cycle_finish(p);
        if (p->publish_now && p->dirty)
                publish(p);
        p->publish_now = false;
}

/* One turn of the loop; returns false when asked to stop. */
static bool loop_once(struct sm_poller *p)
{
        struct epoll_event ev[4];
        uint64_t now = sm_now_mono_ms();
        int n;

        atomic_store(&p->heartbeat_ms, now);
        handle_timers(p, now);
        settle(p); /* a rescan's removals are published before sleeping */
        n = epoll_wait(p->epfd, ev, ARRAY_SIZE(ev), loop_timeout(p, sm_now_mono_ms()));
        now = sm_now_mono_ms();
        for (int i = 0; i < n; i++) {
                int fd = ev[i].data.fd;

                if (fd == p->hub->efd) {
                        drain(fd);
                } else if (fd == p->ctlfd) {
                        unsigned flags;

                        drain(fd);
                        flags = atomic_exchange(&p->ctl_flags, 0);
                        if (flags & CTL_STOP)
                                return false;
                        if (flags & CTL_TRIGGER)
                                p->next_cycle_ms = now;
                } else if (p->disc && sm_discovery_process(p->disc) > 0 && !p->debounce_at_ms) {
                        p->debounce_at_ms = now + DEBOUNCE_MS;
                }
        }
        reap(p, now);
        settle(p);
        return true;
}

static void *poller_main(void *arg)
{
        struct sm_poller *p = arg;

        while (loop_once(p))
                ;
        return NULL;
}

/* ===== lifecycle ===== */

static int epoll_add(int epfd, int fd)
{
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

        return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int setup_fds(struct sm_poller *p)
{
        p->hub = calloc(1, sizeof(*p->hub));
        if (!p->hub)
                return -ENOMEM;
        atomic_init(&p->hub->refs, 1);
        p->hub->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        p->ctlfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        p->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (p->hub->efd < 0 || p->ctlfd < 0 || p->epfd < 0)
                return -errno;
        if (epoll_add(p->epfd, p->hub->efd) < 0 || epoll_add(p->epfd, p->ctlfd) < 0)
                return -errno;
        return 0;
}

static int setup_discovery(struct sm_poller *p, char *err, size_t errlen)
{
        const struct sm_config *c = p->cfg;
        struct sm_discovery_opts o = {
                .include_hdd = c->include_hdd,
                .include = c->device_include_re,
                .exclude = c->device_exclude_re,
                .devices = c->devices,
                .n_devices = c->n_devices,
                .monitor = c->udev_monitor,
        };
        int r, fd;

        r = sm_discovery_new(&o, &p->disc, err, errlen);
        if (r < 0)
                return r;
        fd = sm_discovery_fd(p->disc);
        p->stats.udev_monitor = fd >= 0;
        p->stats.udev_db = sm_discovery_has_udev_db(p->disc);
        if (!p->stats.udev_db)
                sm_log_warn("udev database (/run/udev) not available: identities come from sysfs "
                            "and the drives themselves (mount the host's /run/udev to fix)");
        if (c->udev_monitor && fd < 0)
                sm_log_warn("udev events not available: new and removed disks are found by a "
                            "rescan every %llu s (containers need the host network namespace)",
                            (unsigned long long)(c->rescan_ms / 1000));
        if (fd >= 0)
                return epoll_add(p->epfd, fd);
        return 0;
}

/* --state.dir, unless replay mode was not given one explicitly (demo and tests). */
static const char *state_dir(const struct sm_config *cfg)
{
        if (cfg->replay_dir && !cfg->state_dir_set)
                return NULL;
        return cfg->state_dir;
}

static int poller_new(const struct sm_config *cfg, struct sm_store *store, bool write_history,
                      struct sm_poller **ret, char *err, size_t errlen)
{
        struct sm_poller *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->cfg = cfg;
        p->store = store;
        p->epfd = p->ctlfd = -1;
        p->stats.replay = cfg->replay_dir != NULL;
        sm_strlcpy(p->stats.telemetry_path, cfg->telemetry_path, sizeof(p->stats.telemetry_path));
        p->tracker = sm_tracker_new(state_dir(cfg), write_history);
        r = setup_fds(p);
        if (r < 0) {
                r = sm_errf(err, errlen, r, "cannot set up the collector loop: %s", strerror(-r));
                goto fail;
        }
        if (!cfg->replay_dir) {
                r = setup_discovery(p, err, errlen);
                if (r < 0)
                        goto fail;
        }
        r = rescan(p, true, err, errlen);
        if (r < 0)
                goto fail;
        p->next_rescan_ms = sm_now_mono_ms() + cfg->rescan_ms;
        p->next_cycle_ms = 0;
        publish(p); /* devices known, nothing read yet: ready=0 */
        *ret = p;
        return 0;
fail:
        sm_poller_free(p);
        return r;
}

int sm_poller_new(const struct sm_config *cfg, struct sm_store *store, struct sm_poller **ret,
                  char *err, size_t errlen)
{
        return poller_new(cfg, store, true, ret, err, errlen);
}

int sm_poller_start(struct sm_poller *p)
{
        int r = pthread_create(&p->thread, NULL, poller_main, p);

        if (r != 0)
                return -r;
        p->thread_started = true;
        return 0;
}

static void ctl(struct sm_poller *p, unsigned flag)
{
        uint64_t one = 1;

        atomic_fetch_or(&p->ctl_flags, flag);
        (void)!write(p->ctlfd, &one, sizeof(one));
}

void sm_poller_trigger(struct sm_poller *p)
{
        ctl(p, CTL_TRIGGER);
}

uint64_t sm_poller_heartbeat(const struct sm_poller *p)
{
        return atomic_load(&p->heartbeat_ms);
}

void sm_poller_stop(struct sm_poller *p)
{
        if (!p->thread_started)
                return;
        ctl(p, CTL_STOP);
        pthread_join(p->thread, NULL);
        p->thread_started = false;
}

static size_t workers_alive(const struct sm_poller *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_jobs; i++)
                n += !atomic_load(&p->jobs[i]->done);
        return n;
}

size_t sm_poller_drain(struct sm_poller *p, unsigned max_ms)
{
        uint64_t until;

        if (!p)
                return 0;
        sm_poller_stop(p);
        until = sm_now_mono_ms() + max_ms;
        while (workers_alive(p) > 0 && sm_now_mono_ms() < until) {
                struct pollfd pfd = {.fd = p->hub->efd, .events = POLLIN};
                uint64_t one;

                if (poll(&pfd, 1, 20) > 0)
                        (void)!read(p->hub->efd, &one, sizeof(one));
        }
        return workers_alive(p);
}

struct sm_poller *sm_poller_free(struct sm_poller *p)
{
        if (!p)
                return NULL;
        sm_poller_stop(p);
        for (size_t i = 0; i < p->n_jobs; i++)
                job_unref(p->jobs[i]); /* a still-running worker keeps its own reference */
        free(p->jobs);
        free(p->slots);
        sm_discovery_free(p->disc);
        sm_tracker_free(p->tracker); /* writes what changed since the last hour */
        if (p->epfd >= 0)
                close(p->epfd);
        if (p->ctlfd >= 0)
                close(p->ctlfd);
        hub_unref(p->hub);
        free(p);
        return NULL;
}

int sm_poller_collect_once(const struct sm_config *cfg, struct sm_snapshot **ret, char *err,
                           size_t errlen)
{
        struct sm_store *store = sm_store_new();
        struct sm_poller *p = NULL;
        struct sm_config once = *cfg;
        int r;

        if (!store)
                return -ENOMEM;
        once.udev_monitor = false; /* one collection: no events to follow */
        /* Histories are read (the verdict's "growing" reasons), never written: the daemon owns
         * them. */
        r = poller_new(&once, store, false, &p, err, errlen);
        if (r < 0)
                goto out;
        while (!p->ready)
                (void)loop_once(p);
        *ret = sm_store_acquire(store);
        r = *ret ? 0 : -ENOMEM;
out:
        sm_poller_free(p);
        sm_store_free(store);
        return r;
}
