/* SPDX-License-Identifier: MIT */
/*
 * config.h - the command line, parsed and validated into an immutable
 * struct sm_config. Every list is bounded; every error names the option.
 */
#ifndef SM_CONFIG_H
#define SM_CONFIG_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"

#define SM_MAX_LISTEN  8
#define SM_MAX_DEVICES 256

enum sm_mode {
        SM_MODE_SERVE = 0, /* the daemon */
        SM_MODE_CHECK,     /* one collection, node-problem-detector plugin protocol */
        SM_MODE_FEATURES,  /* one collection, node-feature-discovery feature file */
        SM_MODE_REPORT,    /* one collection, a table (or JSON) of every drive for people */
        SM_MODE_VERSION,
        SM_MODE_HELP,
};

struct sm_config {
        enum sm_mode mode;
        const char *listen[SM_MAX_LISTEN]; /* "host:port", ":port", "[v6]:port" */
        size_t n_listen;
        const char *telemetry_path; /* default "/metrics" */
        uint64_t interval_ms;       /* --collector.interval, default 60 s */
        uint64_t timeout_ms;        /* --collector.timeout: per-device read bound, default 10 s */
        unsigned parallel;          /* --collector.parallel: concurrent device reads, default 4 */
        const char *devices[SM_MAX_DEVICES]; /* --device, repeatable */
        size_t n_devices;
        const char *replay_dir;     /* --replay DIR */
        bool include_hdd;           /* --collector.include-hdd */
        const char *device_include; /* --collector.device-include REGEX */
        const char *device_exclude; /* --collector.device-exclude REGEX */
        regex_t *device_include_re; /* compiled once here (owned; sm_config_free), or NULL */
        regex_t *device_exclude_re;
        bool udev_monitor;  /* --[no-]collector.udev-monitor, default on */
        uint64_t rescan_ms; /* --collector.rescan: periodic rescan without udev events, default 5 m
                             */
        enum sm_log_level log_level; /* --log.level */
        unsigned http_timeout_s;     /* --web.timeout, default 10 */
        unsigned http_max_conns;     /* --web.max-connections, default 64 */
        unsigned http_max_per_ip;    /* --web.max-connections-per-ip, default 16 */
        bool keep_privileges;        /* --no-drop-privileges (tests, debugging) */
        bool report_json;            /* --json: report prints JSON */
        const char *features_file;   /* features: output file (default NFD's features.d path) */
        bool features_file_set;      /* --features.file given: serve also refreshes the file */
        uint64_t features_expiry_s;  /* features: expiry written into the file */
        const char *ata_drivedb;     /* --ata.drivedb: smartmontools drivedb.h (NULL: default) */
        const char *web_config_file; /* --web.config.file: exporter-toolkit TLS/auth YAML */
        const char *state_dir;       /* --state.dir: per-drive history; "" memory only */
        bool state_dir_set;          /* given (replay mode keeps history in memory otherwise) */
};

/*
 * Parse argv (argv[0] is the program; an optional first word "serve", "check" or
 * "features" selects the mode). Strings in *ret point into argv. On failure returns
 * -EINVAL with a one-line message in err.
 */
int sm_config_parse(int argc, char *const *argv, struct sm_config *ret, char *err, size_t errlen);

/* Free what a successful parse allocated (the compiled patterns); c stays parseable. */
void sm_config_free(struct sm_config *c);

/* The --help text. */
const char *sm_config_usage(void);

#endif
