/* SPDX-License-Identifier: MIT */
/*
 * main.c - wires the modules together in dependency order and tears them
 * down in reverse: config, log, store, poller (discovery), listening sockets,
 * privilege drop, HTTP, collector thread; then waits for signals and pings systemd.
 */
#include <sys/signalfd.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/config.h"
#include "agent/http.h"
#include "agent/oneshot.h"
#include "agent/poller.h"
#include "agent/privs.h"
#include "agent/report.h"
#include "agent/snapshot.h"
#include "agent/web.h"
#include "collectors/ata.h"
#include "collectors/drivedb.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/util.h"
#include "sm-config.h"

#if SM_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#else
static int sd_notify(int unset, const char *state)
{
        (void)unset;
        (void)state;
        return 0;
}

static int sd_watchdog_enabled(int unset, uint64_t *usec)
{
        (void)unset;
        (void)usec;
        return 0;
}
#endif

struct daemon_state {
        const struct sm_config *cfg;
        struct sm_store *store;
        struct sm_poller *poller;
        struct sm_http *http;
        struct sm_web *web;
        int sigfd;
        size_t workers_left; /* device reads still running at exit */
};

static int setup_signals(void)
{
        sigset_t set;

        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGHUP);
        /* Blocked here, so every thread created later inherits the mask. */
        if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
                return -EINVAL;
        return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void report_privileges(const struct sm_config *cfg, const struct sm_privs_report *pr)
{
        if (cfg->replay_dir)
                return;
        if (!pr->rawio)
                sm_log_warn("no CAP_SYS_RAWIO: ATA/SATA SMART cannot be read (grant "
                            "CAP_SYS_RAWIO, e.g. AmbientCapabilities= or securityContext)");
        if (!pr->admin)
                sm_log_warn("no CAP_SYS_ADMIN: the NVMe health log cannot be read (grant "
                            "CAP_SYS_ADMIN)");
}

static int start(struct daemon_state *d, char *err, size_t errlen)
{
        struct sm_privs_report pr;
        int r;

        d->store = sm_store_new();
        if (!d->store)
                return -ENOMEM;
        r = sm_poller_new(d->cfg, d->store, &d->poller, err, errlen);
        if (r < 0)
                return r;
        /* Bind while privileged (ports below 1024), serve only after the drop. */
        r = sm_http_bind(d->cfg, &d->http, err, errlen);
        if (r < 0)
                return r;
        if (d->cfg->keep_privileges) {
                sm_privs_current(&pr);
        } else {
                r = sm_privs_drop(!d->cfg->replay_dir, &pr, err, errlen);
                if (r < 0)
                        return r;
        }
        report_privileges(d->cfg, &pr);
        r = sm_http_serve(d->http, d->store, d->web, err, errlen);
        if (r < 0)
                return r;
        r = sm_poller_start(d->poller);
        if (r < 0)
                return sm_errf(err, errlen, r, "cannot start the collector thread: %s",
                               strerror(-r));
        return r;
}

static void stop(struct daemon_state *d)
{
        d->http = sm_http_stop(d->http);
        sm_web_free(d->web);
        d->web = NULL;
        /* A read in flight gets a moment to finish; a stuck one is left running. */
        d->workers_left = sm_poller_drain(d->poller, 2000);
        d->poller = sm_poller_free(d->poller);
        d->store = sm_store_free(d->store);
        if (d->sigfd >= 0)
                close(d->sigfd);
}

/* Returns false on SIGTERM/SIGINT. */
static bool handle_signals(struct daemon_state *d)
{
        struct signalfd_siginfo si;

        while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                switch (si.ssi_signo) {
                case SIGUSR1:
                        sm_log_info("SIGUSR1: collecting now");
                        sm_poller_trigger(d->poller);
                        break;
                case SIGHUP:
                        sm_log_info("SIGHUP: re-reading the web config (if any); collecting now");
                        (void)sm_web_reload(d->web, true);
                        sm_poller_trigger(d->poller);
                        break;
                default:
                        sm_log_info("signal %u: stopping", si.ssi_signo);
                        return false;
                }
        }
        return true;
}

static bool is_ready(struct sm_store *st)
{
        struct sm_snapshot *s = sm_store_acquire(st);
        bool ready = s && s->ready;

        sm_snapshot_unref(s);
        return ready;
}

/* With --features.file, serve keeps the NFD feature file fresh after each collection. */
static void refresh_features(struct daemon_state *d, uint64_t *last_collection)
{
        struct sm_snapshot *s;
        struct sm_buf b;
        int r;

        if (!d->cfg->features_file_set || strcmp(d->cfg->features_file, "-") == 0)
                return;
        s = sm_store_acquire(d->store);
        if (!s || !s->ready || s->stats.collections_total == *last_collection) {
                sm_snapshot_unref(s);
                return;
        }
        *last_collection = s->stats.collections_total;
        sm_buf_init(&b);
        sm_oneshot_render_features(&b, s, d->cfg->include_hdd, time(NULL),
                                   d->cfg->features_expiry_s);
        sm_snapshot_unref(s);
        r = sm_buf_failed(&b) ? -ENOMEM
                              : sm_oneshot_write_atomic(d->cfg->features_file, b.data, b.len);
        if (r < 0)
                sm_log_warn("cannot write feature file '%s': %s", d->cfg->features_file,
                            strerror(-r));
        sm_buf_free(&b);
}

static void run(struct daemon_state *d)
{
        uint64_t last_features = 0;
        uint64_t wd_usec = 0, last_ping = 0;
        bool notified = false, watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;

        for (;;) {
                struct pollfd pfd = {.fd = d->sigfd, .events = POLLIN};
                uint64_t now;

                (void)poll(&pfd, 1, 500);
                if ((pfd.revents & POLLIN) && !handle_signals(d))
                        return;
                if (!notified && is_ready(d->store)) {
                        sd_notify(0, "READY=1\nSTATUS=serving");
                        notified = true;
                }
                refresh_features(d, &last_features);
                (void)sm_web_reload(d->web, false);
                now = sm_now_mono_ms();
                /* Ping only while the collector loop is turning (it turns at least every 5 s). */
                if (watchdog && now - last_ping >= wd_usec / 2000 &&
                    now - sm_poller_heartbeat(d->poller) < wd_usec / 1000) {
                        sd_notify(0, "WATCHDOG=1");
                        last_ping = now;
                }
        }
}

static int serve(const struct sm_config *cfg, size_t *workers_left)
{
        struct daemon_state d = {.cfg = cfg, .sigfd = -1};
        char err[512] = "";
        int r;

        d.sigfd = setup_signals();
        if (d.sigfd < 0) {
                sm_log_err("cannot set up signal handling");
                return 1;
        }
        /*
         * A bad web config is a usage error: exit 2 before anything is served. After
         * setup_signals: its password workers must inherit the blocked mask, or a
         * SIGTERM/SIGHUP delivered to one of them would kill the process.
         */
        r = sm_web_open(cfg->web_config_file, &d.web, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "ssd-monitor: %s\n", err[0] ? err : strerror(-r));
                close(d.sigfd);
                return 2;
        }
        r = start(&d, err, sizeof(err));
        if (r < 0) {
                sm_log_err("%s", err[0] ? err : strerror(-r));
                stop(&d);
                *workers_left = d.workers_left;
                return 1;
        }
        sm_log_info("ssd-monitor %s started (%s)", SM_VERSION,
                    cfg->replay_dir ? "replaying captures" : "live devices");
        run(&d);
        sd_notify(0, "STOPPING=1");
        stop(&d);
        *workers_left = d.workers_left;
        return 0;
}

/*
 * smartmontools' drive database: --ata.drivedb (an error there is fatal), else the copy
 * update-smart-drivedb keeps fresh, else Debian's; none found or unparsable (default
 * paths only) leaves libatasmart's attribute names and no attribute-based endurance.
 */
static int load_drivedb(const struct sm_config *cfg, struct sm_drivedb **ret)
{
        static const char *const defaults[] = {
                "/var/lib/smartmontools/drivedb/drivedb.h",
                "/usr/share/smartmontools/drivedb.h",
        };
        char err[512];
        int r;

        *ret = NULL;
        if (cfg->ata_drivedb) {
                r = sm_drivedb_load(cfg->ata_drivedb, ret, err, sizeof(err));
                if (r < 0)
                        fprintf(stderr, "ssd-monitor: --ata.drivedb: %s\n", err);
                return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
                if (access(defaults[i], F_OK) != 0)
                        continue;
                r = sm_drivedb_load(defaults[i], ret, err, sizeof(err));
                if (r == 0) {
                        sm_log_debug("drive database %s (%s, %zu entries)", defaults[i],
                                     sm_drivedb_version(*ret), sm_drivedb_entries(*ret));
                        return 0;
                }
                sm_log_warn("drive database not used: %s", err);
        }
        if (!*ret)
                sm_log_info("no smartmontools drive database: ATA attributes keep libatasmart's "
                            "names, no endurance from attributes (--ata.drivedb=PATH)");
        return 0;
}

int main(int argc, char **argv)
{
        struct sm_drivedb *db = NULL;
        size_t workers_left = 0;
        int rc;
        struct sm_config cfg;
        char err[512] = "";

        if (sm_config_parse(argc, argv, &cfg, err, sizeof(err)) < 0) {
                fprintf(stderr, "ssd-monitor: %s\n", err);
                return 2;
        }
        sm_log_set_level(cfg.log_level);
        /* One-shot modes speak through their output and exit code; keep stderr for trouble. */
        if ((cfg.mode == SM_MODE_CHECK || cfg.mode == SM_MODE_FEATURES ||
             cfg.mode == SM_MODE_REPORT) &&
            cfg.log_level == SM_LOG_INFO)
                sm_log_set_level(SM_LOG_WARN);
        switch (cfg.mode) {
        case SM_MODE_HELP:
                fputs(sm_config_usage(), stdout);
                sm_config_free(&cfg);
                return 0;
        case SM_MODE_VERSION:
                printf("ssd-monitor %s\n", SM_VERSION);
                sm_config_free(&cfg);
                return 0;
        default:
                break;
        }
        switch (cfg.mode) {
        case SM_MODE_CHECK:
                /* The one-shot modes report verdicts, which do not depend on attribute
                 * names: no drive database (its first match per model costs regex
                 * compilations a periodic plugin would pay on every run). */
                rc = sm_oneshot_check(&cfg);
                break;
        case SM_MODE_FEATURES:
                rc = sm_oneshot_features(&cfg);
                break;
        case SM_MODE_REPORT:
                /* For people: ATA attribute names and endurance as the daemon has them. */
                if (load_drivedb(&cfg, &db) < 0) {
                        sm_config_free(&cfg);
                        return 2;
                }
                sm_ata_set_drivedb(db);
                rc = sm_report_run(&cfg);
                break;
        default:
                if (load_drivedb(&cfg, &db) < 0) {
                        sm_config_free(&cfg);
                        return 2;
                }
                sm_ata_set_drivedb(db);
                rc = serve(&cfg, &workers_left);
                break;
        }
        if (workers_left > 0) {
                /*
                 * Reads that did not return (a drive stuck in the kernel) still use the
                 * drive database and the collectors' libraries: freeing them or running
                 * the exit handlers under those threads would crash. Leave at once.
                 */
                sm_log_warn("%zu device read(s) still running at exit; leaving them", workers_left);
                fflush(NULL);
                _exit(rc);
        }
        if (cfg.mode == SM_MODE_REPORT) {
                /*
                 * The one-shot collection abandons a read stuck past its deadline; it may
                 * still return and use the drive database, so the database stays (still
                 * referenced by the ATA collector) until the process exits.
                 */
                sm_config_free(&cfg);
                return rc;
        }
        sm_ata_set_drivedb(NULL);
        sm_drivedb_free(db);
        sm_config_free(&cfg);
        return rc;
}
