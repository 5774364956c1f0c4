/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/regex.h"
#include "lib/util.h"
#include "listen.h"

#define DEFAULT_LISTEN        ":9638"
#define DEFAULT_FEATURES_FILE "/etc/kubernetes/node-feature-discovery/features.d/ssd-monitor"
#define DEFAULT_STATE_DIR     "/var/lib/ssd-monitor"

static const char usage[] =
        "Usage: ssd-monitor [serve|check|features|report] [OPTION]...\n"
        "\n"
        "Finds the node's SSDs, reads their SMART/NVMe health on a schedule and serves it\n"
        "as Prometheus metrics and JSON. Scrapes never touch the disks.\n"
        "\n"
        "Modes:\n"
        "  serve (default)   run the daemon\n"
        "  check             one collection; node-problem-detector plugin (exit 0/1/2)\n"
        "  features          one collection; write a node-feature-discovery feature file\n"
        "  report            one collection; every SSD as a table (--json: JSON), exit as\n"
        "                    check\n"
        "\n"
        "Options (\"--opt=value\" or \"--opt value\"):\n"
        "  --web.listen-address=ADDR        [host]:port to listen on, repeatable (default :9638)\n"
        "  --web.telemetry-path=PATH        metrics path (default /metrics)\n"
        "  --web.timeout=DURATION           idle/partial request timeout (default 10s)\n"
        "  --web.max-connections=N          total connection limit (default 64)\n"
        "  --web.max-connections-per-ip=N   per-client connection limit (default 16)\n"
        "  --web.config.file=FILE           exporter-toolkit web config: TLS, client\n"
        "                                   certificates, basic auth, headers, rate limit\n"
        "  --collector.interval=DURATION    time between collections (default 60s)\n"
        "  --collector.timeout=DURATION     bound on one device read (default 10s, or the\n"
        "                                   interval if that is shorter; at most the interval)\n"
        "  --collector.parallel=N           devices read at once (default 4); at most 4 x N\n"
        "                                   reads stuck past their timeout at once\n"
        "  --collector.rescan=DURATION      device rescan period without udev events (default 5m)\n"
        "  --collector.include-hdd          monitor rotational disks too (default: SSDs only)\n"
        "  --collector.device-include=RE    only kernel names matching RE (POSIX extended)\n"
        "  --collector.device-exclude=RE    skip kernel names matching RE\n"
        "  --collector.udev-monitor         follow udev events (the default)\n"
        "  --no-collector.udev-monitor      do not follow udev events (rescan periodically)\n"
        "  --device=PATH                    monitor only the devices named (repeatable; any\n"
        "                                   class; include/exclude do not apply)\n"
        "  --replay=DIR                     serve captures from DIR instead of devices\n"
        "  --features.file=PATH             feature file for 'features' (- for stdout); given to\n"
        "                                   serve, rewritten after every collection\n"
        "                                   (default " DEFAULT_FEATURES_FILE ")\n"
        "  --features.expiry=DURATION       expiry written into the feature file (default 1h)\n"
        "  --ata.drivedb=PATH               smartmontools drive database for ATA attribute names\n"
        "                                   and endurance (default: /var/lib/smartmontools/\n"
        "                                   drivedb/drivedb.h, else /usr/share/smartmontools/)\n"
        "  --state.dir=DIR                  per-drive history (default " DEFAULT_STATE_DIR ";\n"
        "                                   \"\" keeps it in memory, as replay mode does unless\n"
        "                                   given)\n"
        "  --json                           report: print JSON instead of the table\n"
        "  --log.level=LEVEL                error, warn, info or debug (default info)\n"
        "  --no-drop-privileges             keep all capabilities (debugging only)\n"
        "  -h, --help                       this text\n"
        "  --version                        print the version\n"
        "\n"
        "Durations take ms, s, m or h (a bare number is seconds).\n";

const char *sm_config_usage(void)
{
        return usage;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

enum opt_kind { OPT_FLAG, OPT_STRING, OPT_DURATION, OPT_UINT };

struct opt {
        const char *name;
        enum opt_kind kind;
        int id;
};

enum {
        O_LISTEN,
        O_PATH,
        O_WEB_TIMEOUT,
        O_MAX_CONNS,
        O_MAX_PER_IP,
        O_WEB_CONFIG,
        O_INTERVAL,
        O_TIMEOUT,
        O_PARALLEL,
        O_RESCAN,
        O_INCLUDE_HDD,
        O_INCLUDE,
        O_EXCLUDE,
        O_UDEV_MONITOR,
        O_NO_UDEV_MONITOR,
        O_DEVICE,
        O_REPLAY,
        O_FEATURES_FILE,
        O_FEATURES_EXPIRY,
        O_STATE_DIR,
        O_LOG_LEVEL,
        O_ATA_DRIVEDB,
        O_NO_DROP,
        O_JSON,
        O_HELP,
        O_VERSION,
};

static const struct opt opts[] = {
        {"web.listen-address", OPT_STRING, O_LISTEN},
        {"web.telemetry-path", OPT_STRING, O_PATH},
        {"web.timeout", OPT_DURATION, O_WEB_TIMEOUT},
        {"web.max-connections", OPT_UINT, O_MAX_CONNS},
        {"web.max-connections-per-ip", OPT_UINT, O_MAX_PER_IP},
        {"web.config.file", OPT_STRING, O_WEB_CONFIG},
        {"collector.interval", OPT_DURATION, O_INTERVAL},
        {"collector.timeout", OPT_DURATION, O_TIMEOUT},
        {"collector.parallel", OPT_UINT, O_PARALLEL},
        {"collector.rescan", OPT_DURATION, O_RESCAN},
        {"collector.include-hdd", OPT_FLAG, O_INCLUDE_HDD},
        {"collector.device-include", OPT_STRING, O_INCLUDE},
        {"collector.device-exclude", OPT_STRING, O_EXCLUDE},
        {"collector.udev-monitor", OPT_FLAG, O_UDEV_MONITOR},
        {"no-collector.udev-monitor", OPT_FLAG, O_NO_UDEV_MONITOR},
        {"device", OPT_STRING, O_DEVICE},
        {"replay", OPT_STRING, O_REPLAY},
        {"features.file", OPT_STRING, O_FEATURES_FILE},
        {"features.expiry", OPT_DURATION, O_FEATURES_EXPIRY},
        {"state.dir", OPT_STRING, O_STATE_DIR},
        {"log.level", OPT_STRING, O_LOG_LEVEL},
        {"ata.drivedb", OPT_STRING, O_ATA_DRIVEDB},
        {"no-drop-privileges", OPT_FLAG, O_NO_DROP},
        {"json", OPT_FLAG, O_JSON},
        {"help", OPT_FLAG, O_HELP},
        {"version", OPT_FLAG, O_VERSION},
};

static const struct opt *find_opt(const char *name, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
                if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
                        return &opts[i];
        }
        return NULL;
}

/* Compile pattern once (lib/regex.h: cost guard + regcomp) into *ret. */
static int compile_regex(const char *re, const char *opt, regex_t **ret, char *err, size_t errlen)
{
        char why[160];
        regex_t *rx = malloc(sizeof(*rx));

        if (!rx)
                return fail(err, errlen, "--%s: out of memory", opt);
        if (sm_regex_compile(rx, re, why, sizeof(why)) < 0) {
                free(rx);
                return fail(err, errlen, "--%s: regular expression '%.40s' %s%s", opt, re,
                            strncmp(why, "too complex", 11) == 0 ? "is " : "is invalid: ", why);
        }
        *ret = rx;
        return 0;
}

void sm_config_free(struct sm_config *c)
{
        regex_t **all[] = {&c->device_include_re, &c->device_exclude_re};

        for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
                if (*all[i]) {
                        regfree(*all[i]);
                        free(*all[i]);
                        *all[i] = NULL;
                }
        }
}

/* Store v in *dst if it is acceptable (ok), else say why (what) naming the option. */
static int take(const char **dst, const char *v, bool ok, const struct opt *o, const char *what,
                char *err, size_t errlen)
{
        if (!ok)
                return fail(err, errlen, "--%s: %s", o->name, what);
        *dst = v;
        return 0;
}

/* Append v to a bounded list of an option that may be repeated. */
static int append(const char **list, size_t *n, size_t max, const char *v, const struct opt *o,
                  const char *what, char *err, size_t errlen)
{
        if (*n == max)
                return fail(err, errlen, "--%s: at most %zu %s", o->name, max, what);
        list[(*n)++] = v;
        return 0;
}

static int set_string(struct sm_config *c, int id, const char *v, const struct opt *o, char *err,
                      size_t errlen)
{
        struct sm_listen_spec ls;

        switch (id) {
        case O_LISTEN:
                if (sm_listen_parse(v, &ls) < 0)
                        return fail(err, errlen, "--%s: '%s' is not [host]:port (port 0-65535)",
                                    o->name, v);
                return append(c->listen, &c->n_listen, SM_MAX_LISTEN, v, o, "addresses", err,
                              errlen);
        case O_PATH:
                if (v[0] != '/' || strlen(v) > 128 || strpbrk(v, " ?#") || strcmp(v, "/") == 0 ||
                    strncmp(v, "/api/", 5) == 0 || strcmp(v, "/healthz") == 0 ||
                    strcmp(v, "/readyz") == 0)
                        return fail(err, errlen,
                                    "--%s: '%s' must be an absolute path of at most 128 "
                                    "characters, not /, /api/..., /healthz or /readyz",
                                    o->name, v);
                c->telemetry_path = v;
                return 0;
        case O_WEB_CONFIG:
                return take(&c->web_config_file, v, v[0] && strlen(v) < 4000, o,
                            "needs a file name", err, errlen);
        case O_INCLUDE:
        case O_EXCLUDE:
                /* An empty pattern matches everything: say so instead of ignoring it. */
                if (v[0] == '\0')
                        return fail(err, errlen,
                                    "--%s: empty pattern (leave the option out to monitor "
                                    "every device)",
                                    o->name);
                if (id == O_INCLUDE)
                        c->device_include = v;
                else
                        c->device_exclude = v;
                return 0;
        case O_DEVICE:
                if (v[0] != '/' || strlen(v) >= 256)
                        return fail(err, errlen, "--%s: '%s' is not an absolute device path",
                                    o->name, v);
                return append(c->devices, &c->n_devices, SM_MAX_DEVICES, v, o, "devices", err,
                              errlen);
        case O_ATA_DRIVEDB:
                return take(&c->ata_drivedb, v, v[0], o, "empty path", err, errlen);
        case O_REPLAY:
                return take(&c->replay_dir, v, v[0] && strlen(v) < 200, o, "needs a directory path",
                            err, errlen);
        case O_FEATURES_FILE:
                if ((v[0] != '/' && strcmp(v, "-") != 0) || strlen(v) >= 4000)
                        return fail(err, errlen, "--%s: '%s' is not an absolute path or -", o->name,
                                    v);
                c->features_file = v;
                c->features_file_set = true;
                return 0;
        case O_STATE_DIR:
                if ((v[0] != '/' && v[0] != '\0') || strlen(v) >= 400)
                        return fail(err, errlen, "--%s: '%s' is not an absolute path or \"\"",
                                    o->name, v);
                c->state_dir = v;
                c->state_dir_set = true;
                return 0;
        case O_LOG_LEVEL:
                if (sm_log_parse_level(v, &c->log_level) < 0)
                        return fail(err, errlen,
                                    "--%s: '%s' is not one of error, warn, info, debug", o->name,
                                    v);
                return 0;
        default:
                return fail(err, errlen, "--%s: internal error", o->name);
        }
}

/*
 * The numeric options, declared once: where the value goes, its range and its default.
 * Durations are given in ms (any unit on the command line) and stored in ms, or in whole
 * seconds (div 1000, rounded up where a shorter value must not become 0 s of timeout).
 */
struct num_opt {
        int id;
        size_t off;        /* offsetof(struct sm_config, field) */
        bool wide;         /* uint64_t field, else unsigned */
        uint64_t min, max; /* ms for durations, else the count */
        uint64_t def;      /* the default, in the same unit */
        unsigned div;
        bool round_up;
};

#define NUM(id, field, min, max, def, div, up)                                              \
        {                                                                                   \
                id, offsetof(struct sm_config, field),                                      \
                        sizeof(((struct sm_config *)0)->field) == 8, min, max, def, div, up \
        }

/* clang-format off */
static const struct num_opt num_opts[] = {
        NUM(O_WEB_TIMEOUT,     http_timeout_s,    1000,  3600000,   10000,   1000, true),
        NUM(O_INTERVAL,        interval_ms,       100,   86400000,  60000,   1,    false),
        NUM(O_TIMEOUT,         timeout_ms,        100,   600000,    10000,   1,    false),
        NUM(O_RESCAN,          rescan_ms,         1000,  86400000,  300000,  1,    false),
        NUM(O_FEATURES_EXPIRY, features_expiry_s, 60000, 604800000, 3600000, 1000, false),
        NUM(O_PARALLEL,        parallel,          1,     64,        4,       1,    false),
        NUM(O_MAX_CONNS,       http_max_conns,    1,     4096,      64,      1,    false),
        NUM(O_MAX_PER_IP,      http_max_per_ip,   1,     4096,      16,      1,    false),
};

/* clang-format on */

static void store_number(struct sm_config *c, const struct num_opt *n, uint64_t v)
{
        char *field = (char *)c + n->off;

        v = n->round_up ? (v + n->div - 1) / n->div : v / n->div;
        if (n->wide)
                *(uint64_t *)(void *)field = v;
        else
                *(unsigned *)(void *)field = (unsigned)v;
}

static void set_defaults(struct sm_config *c)
{
        *c = (struct sm_config){
                .mode = SM_MODE_SERVE,
                .telemetry_path = "/metrics",
                .udev_monitor = true,
                .log_level = SM_LOG_INFO,
                .features_file = DEFAULT_FEATURES_FILE,
                .state_dir = DEFAULT_STATE_DIR,
        };
        for (size_t i = 0; i < ARRAY_SIZE(num_opts); i++)
                store_number(c, &num_opts[i], num_opts[i].def);
}

static int set_number(struct sm_config *c, const char *v, const struct opt *o, char *err,
                      size_t errlen)
{
        const struct num_opt *n = NULL;
        uint64_t x;

        for (size_t i = 0; i < ARRAY_SIZE(num_opts) && !n; i++)
                if (num_opts[i].id == o->id)
                        n = &num_opts[i];
        if (!n)
                return fail(err, errlen, "--%s: internal error", o->name);
        if (o->kind == OPT_UINT) {
                if (sm_parse_u64(v, n->min, n->max, &x) < 0)
                        return fail(err, errlen, "--%s: '%s' is not a number from %llu to %llu",
                                    o->name, v, (unsigned long long)n->min,
                                    (unsigned long long)n->max);
        } else {
                if (sm_parse_duration_ms(v, &x) < 0)
                        return fail(err, errlen,
                                    "--%s: '%s' is not a duration (e.g. 500ms, 30s, 5m, 1h)",
                                    o->name, v);
                if (x < n->min || x > n->max)
                        return fail(err, errlen, "--%s: %s is out of range (%llums..%llums)",
                                    o->name, v, (unsigned long long)n->min,
                                    (unsigned long long)n->max);
        }
        store_number(c, n, x);
        return 0;
}

static int set_flag(struct sm_config *c, int id)
{
        const struct {
                int id;
                bool *field;
                bool value;
        } flags[] = {
                {O_INCLUDE_HDD, &c->include_hdd, true},
                {O_UDEV_MONITOR, &c->udev_monitor, true},
                {O_NO_UDEV_MONITOR, &c->udev_monitor, false},
                {O_NO_DROP, &c->keep_privileges, true},
                {O_JSON, &c->report_json, true},
        };

        if (id == O_HELP || id == O_VERSION) {
                c->mode = id == O_HELP ? SM_MODE_HELP : SM_MODE_VERSION;
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
                if (flags[i].id == id) {
                        *flags[i].field = flags[i].value;
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_mode(const char *word, struct sm_config *c)
{
        if (strcmp(word, "serve") == 0)
                c->mode = SM_MODE_SERVE;
        else if (strcmp(word, "check") == 0)
                c->mode = SM_MODE_CHECK;
        else if (strcmp(word, "features") == 0)
                c->mode = SM_MODE_FEATURES;
        else if (strcmp(word, "report") == 0)
                c->mode = SM_MODE_REPORT;
        else
                return -EINVAL;
        return 0;
}

int sm_config_parse(int argc, char *const *argv, struct sm_config *ret, char *err, size_t errlen)
{
        struct sm_config c;
        bool timeout_given = false;
        int i = 1;

        set_defaults(&c);
        if (argc > 1 && argv[1][0] != '-') {
                if (parse_mode(argv[1], &c) < 0)
                        return fail(err, errlen,
                                    "unknown mode '%s' (serve, check, features or report)",
                                    argv[1]);
                i = 2;
        }
        for (; i < argc; i++) {
                const char *arg = argv[i], *name, *eq, *val = NULL;
                const struct opt *o;
                enum sm_mode mode = c.mode;
                int r;

                if (strcmp(arg, "-h") == 0)
                        arg = "--help";
                if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
                        return fail(err, errlen, "unexpected argument '%s' (see --help)", arg);
                name = arg + 2;
                eq = strchr(name, '=');
                o = find_opt(name, eq ? (size_t)(eq - name) : strlen(name));
                if (!o)
                        return fail(err, errlen, "unknown option '%.*s' (see --help)",
                                    (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
                if (o->kind == OPT_FLAG) {
                        if (eq)
                                return fail(err, errlen, "--%s takes no value", o->name);
                        r = set_flag(&c, o->id);
                        if (r < 0)
                                return fail(err, errlen, "--%s: internal error", o->name);
                        if (c.mode == SM_MODE_HELP || c.mode == SM_MODE_VERSION)
                                break;
                        c.mode = mode;
                        continue;
                }
                if (eq)
                        val = eq + 1;
                else if (i + 1 < argc)
                        val = argv[++i];
                else
                        return fail(err, errlen, "--%s needs a value", o->name);
                if (o->kind == OPT_STRING)
                        r = set_string(&c, o->id, val, o, err, errlen);
                else
                        r = set_number(&c, val, o, err, errlen);
                if (r < 0)
                        return r;
                timeout_given |= o->id == O_TIMEOUT;
        }
        if (c.n_listen == 0)
                c.listen[c.n_listen++] = DEFAULT_LISTEN;
        if (c.report_json && c.mode != SM_MODE_REPORT && c.mode != SM_MODE_HELP &&
            c.mode != SM_MODE_VERSION)
                return fail(err, errlen, "--json is for the report mode");
        if (c.replay_dir && c.n_devices > 0)
                return fail(err, errlen, "--replay and --device cannot be combined");
        if (c.timeout_ms > c.interval_ms && c.mode == SM_MODE_SERVE) {
                /* A read may not outlast its cycle. The default follows (see --help). */
                if (timeout_given)
                        return fail(err, errlen,
                                    "--collector.timeout (%llums) is longer than "
                                    "--collector.interval (%llums)",
                                    (unsigned long long)c.timeout_ms,
                                    (unsigned long long)c.interval_ms);
                c.timeout_ms = c.interval_ms;
        }
        /* Last, so nothing else can fail once a pattern is compiled. */
        if (c.device_include && compile_regex(c.device_include, "collector.device-include",
                                              &c.device_include_re, err, errlen) < 0)
                return -EINVAL;
        if (c.device_exclude && compile_regex(c.device_exclude, "collector.device-exclude",
                                              &c.device_exclude_re, err, errlen) < 0) {
                sm_config_free(&c);
                return -EINVAL;
        }
        *ret = c;
        return 0;
}
