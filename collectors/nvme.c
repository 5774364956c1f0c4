/* SPDX-License-Identifier: MIT */
/*
 * nvme.c - the NVMe collector: SMART / Health Information log (02h) and
 * Identify Controller through libnvme, from a live controller or from
 * `nvme smart-log -b` / `nvme id-ctrl -b` captures, decoded by one field table.
 */
#include "nvme.h"

#include <sys/stat.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libnvme.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "lib/err.h"
#include "lib/file.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "nvme_logs.h"

#define ID_CTRL_SIZE 4096

/* ===== what the values mean: families and the field table ===== */

/* clang-format off */
SM_FAMILY(static, f_critical_warning,    "ssdmon_nvme_critical_warning",                   SM_GAUGE,   "",        0, "NVMe critical warning bits, 1 if set: spare below threshold, temperature out of range, reliability degraded, media read-only, volatile memory backup failed, persistent memory region read-only", "warning");
SM_FAMILY(static, f_available_spare,     "ssdmon_available_spare_ratio",                   SM_GAUGE,   "ratio",   0, "Remaining spare capacity, 0..1 (NVMe available spare / 100)", NULL);
SM_FAMILY(static, f_spare_threshold,     "ssdmon_available_spare_threshold_ratio",         SM_GAUGE,   "ratio",   0, "Available spare below this sets the spare critical warning, 0..1", NULL);
SM_FAMILY(static, f_eg_critical_warning, "ssdmon_nvme_endurance_group_critical_warning",   SM_GAUGE,   "",        0, "NVMe endurance group critical warning summary bits, 1 if set: spare below threshold, reliability degraded, read-only", "warning");
SM_FAMILY(static, f_read_commands,       "ssdmon_nvme_host_read_commands_total",           SM_COUNTER, "",        0, "Read commands the controller completed", NULL);
SM_FAMILY(static, f_write_commands,      "ssdmon_nvme_host_write_commands_total",          SM_COUNTER, "",        0, "Write commands the controller completed", NULL);
SM_FAMILY(static, f_busy,                "ssdmon_nvme_controller_busy_seconds_total",      SM_COUNTER, "seconds", 0, "Time the controller was busy with I/O commands (reported in minutes)", NULL);
SM_FAMILY(static, f_unsafe_shutdowns,    "ssdmon_nvme_unsafe_shutdowns_total",             SM_COUNTER, "",        0, "Shutdowns without a shutdown notification from the host", NULL);
SM_FAMILY(static, f_media_errors,        "ssdmon_nvme_media_errors_total",                 SM_COUNTER, "",        0, "Unrecovered data integrity errors (media and data integrity errors)", NULL);
SM_FAMILY(static, f_error_log_entries,   "ssdmon_nvme_error_log_entries_total",            SM_COUNTER, "",        0, "Error information log entries over the controller's life", NULL);
SM_FAMILY(static, f_warning_temp_time,   "ssdmon_nvme_warning_temperature_seconds_total",  SM_COUNTER, "seconds", 0, "Time the composite temperature was at or above the warning threshold (reported in minutes)", NULL);
SM_FAMILY(static, f_critical_temp_time,  "ssdmon_nvme_critical_temperature_seconds_total", SM_COUNTER, "seconds", 0, "Time the composite temperature was at or above the critical threshold (reported in minutes)", NULL);
SM_FAMILY(static, f_thermal_transitions, "ssdmon_nvme_thermal_transitions_total",          SM_COUNTER, "",        0, "Transitions into host-controlled thermal management at threshold TMT1 or TMT2 (NVMe counters saturate at 2^32-1)", "threshold");
SM_FAMILY(static, f_thermal_seconds,     "ssdmon_nvme_thermal_seconds_total",              SM_COUNTER, "seconds", 0, "Time spent in host-controlled thermal management at threshold TMT1 or TMT2", "threshold");
SM_FAMILY(static, f_temp_threshold,      "ssdmon_nvme_temperature_threshold_celsius",      SM_GAUGE,   "celsius", 0, "Composite temperature thresholds from Identify Controller (WCTEMP, CCTEMP; K - 273)", "threshold");

/* The drive logs (nvme_logs.h): one series each per device, no per-entry labels. */
SM_FAMILY(static, f_errlog_entries, "ssdmon_nvme_error_log_valid_entries",         SM_GAUGE, "",        0, "Valid entries in the NVMe Error Information log as read (its newest, at most 64 of the ELPE+1 the controller keeps)", NULL);
SM_FAMILY(static, f_errlog_newest,  "ssdmon_nvme_error_log_newest_error_id",       SM_GAUGE, "",        0, "Error Count of the newest Error Information log entry: the controller's unique, incrementing number of that error, 0 if none (details in the JSON)", NULL);
SM_FAMILY(static, f_st_running,     "ssdmon_nvme_self_test_running",               SM_GAUGE, "",        0, "1 while a device self-test runs (the agent never starts or aborts one)", NULL);
SM_FAMILY(static, f_st_progress,    "ssdmon_nvme_self_test_progress_ratio",        SM_GAUGE, "ratio",   0, "Completion of the running device self-test, 0..1", NULL);
SM_FAMILY(static, f_st_results,     "ssdmon_nvme_self_test_results",               SM_GAUGE, "",        0, "Results in the NVMe Device Self-test log (at most 20, aborted tests included)", NULL);
SM_FAMILY(static, f_st_last_failed, "ssdmon_nvme_self_test_last_failed",           SM_GAUGE, "",        0, "1 if the newest completed device self-test failed (fatal error or failed segment), 0 if it passed; no sample without a completed test", NULL);
SM_FAMILY(static, f_st_last_result, "ssdmon_nvme_self_test_last_result",           SM_GAUGE, "",        0, "Result code of the newest completed device self-test (NVMe: 0 no error, 5 fatal error, 6 failed segment unknown, 7 failed segment)", NULL);
SM_FAMILY(static, f_st_last_poh,    "ssdmon_nvme_self_test_last_power_on_seconds", SM_GAUGE, "seconds", 0, "Power-on time at which the newest completed device self-test ended (reported in hours)", NULL);
/* clang-format on */

/* Exposition order of this protocol's families (shared ones where their rows are). */
static const struct sm_family *const nvme_families[] = {
        &f_critical_warning,
        &f_available_spare,
        &f_spare_threshold,
        &sm_family_endurance_used,
        &f_eg_critical_warning,
        &sm_family_host_read_bytes,
        &sm_family_host_written_bytes,
        &sm_family_endurance_source_info,
        &f_read_commands,
        &f_write_commands,
        &f_busy,
        &f_unsafe_shutdowns,
        &f_media_errors,
        &f_error_log_entries,
        &f_warning_temp_time,
        &f_critical_temp_time,
        &f_thermal_transitions,
        &f_thermal_seconds,
        &f_temp_threshold,
        &f_errlog_entries,
        &f_errlog_newest,
        &f_st_running,
        &f_st_progress,
        &f_st_results,
        &f_st_last_failed,
        &f_st_last_result,
        &f_st_last_poh,
        NULL,
};

/* clang-format off */
/* JSON of one value in the "nvme" object: a number (+ "<key>_string" when 64 bits or more). */
#define JNUM(k, w) {.kind = SM_JSON_NUMBER, .section = "nvme", .key = k, \
                    .flags = (w) >= 8 ? SM_JSON_EXACT : 0}
#define FLAG(k, off, b, fam, lab, words_) \
        { .offset = off, .width = 1, .bit = b, .unit = SM_NVME_UNIT_FLAG, \
          .raw = {.family = fam, .json = {.kind = SM_JSON_BOOL, .section = "nvme", .key = k}}, \
          .label_value = lab, .words = words_ }
#define CW(k, b, lab, words_) FLAG(k, 0, b, &f_critical_warning, lab, words_)
#define EGCW(k, b, lab) FLAG(k, 6, b, &f_eg_critical_warning, lab, NULL)
/* A counter exported in base units (si_key) or as stored (si_key NULL). */
#define COUNTER(k, off, w, u, si_key, fam) \
        { .offset = off, .width = w, .unit = u, \
          .raw = {.family = (si_key) ? NULL : (fam), .json = JNUM(k, w)}, \
          .si = {.family = (si_key) ? (fam) : NULL, .json = JNUM(si_key, w)} }
#define RATIO(k, off, si_key, fam) \
        { .offset = off, .width = 1, .unit = SM_NVME_UNIT_PERCENT, .raw = {.json = JNUM(k, 1)}, \
          .si = {.family = fam, .json = JNUM(si_key, 1)} }
#define KELVIN(k, off, si_key, gen, idx, h) \
        { .offset = off, .width = 2, .unit = SM_NVME_UNIT_KELVIN, .raw = {.json = JNUM(k, 2)}, \
          .si = {.json = {.kind = SM_JSON_NUMBER, .section = "nvme", .key = si_key, \
                          .flags = SM_JSON_NULL}}, \
          .help = h, .generic = gen, .index = idx }
#define SENSOR(n) KELVIN("temperature_sensor_" #n, 200 + 2 * ((n) - 1), \
                         "temperature_sensor_" #n "_celsius", SM_NVME_GEN_SENSOR, (n) - 1, \
                         "Temperature sensor " #n " (0 K: not implemented)")
#define THERMAL(k, off, u, fam, lab) \
        { .offset = off, .width = 4, .unit = u, .raw = {.family = fam, .json = JNUM(k, 4)}, \
          .label_value = lab }
/* clang-format on */

/*
 * The SMART / Health Information log page, NVMe Base Specification 2.0 figure 207
 * (libnvme 1.3 struct nvme_smart_log), in page order. Each row: where the field is,
 * its unit, the value as stored (raw: nvme-cli's JSON name) and in base units (si),
 * each with its family when it is exported. Rows with a `generic` role fill
 * struct sm_health and reach Prometheus through the shared families instead.
 */
const struct sm_nvme_field sm_nvme_fields[] = {
        {.offset = 0,
         .width = 1,
         .unit = SM_NVME_UNIT_COUNT,
         .raw = {.json = JNUM("critical_warning", 1)},
         .help = "Critical warning bitmap; any bit set makes the drive unhealthy",
         .generic = SM_NVME_GEN_HEALTHY},
        CW("critical_warning_spare", 0, "spare", "spare"),
        CW("critical_warning_temperature", 1, "temperature", "temperature"),
        CW("critical_warning_degraded", 2, "degraded", "degraded"),
        CW("critical_warning_readonly", 3, "readonly", "read-only"),
        CW("critical_warning_volatile_memory", 4, "volatile_memory", "volatile-backup"),
        CW("critical_warning_pmr_readonly", 5, "pmr_readonly", "pmr-read-only"),
        KELVIN("temperature", 1, "temperature_celsius", SM_NVME_GEN_TEMPERATURE, 0,
               "Composite temperature"),
        RATIO("avail_spare", 3, "available_spare_ratio", &f_available_spare),
        RATIO("spare_thresh", 4, "available_spare_threshold_ratio", &f_spare_threshold),
        RATIO("percent_used", 5, "endurance_used_ratio", &sm_family_endurance_used),
        {.offset = 6,
         .width = 1,
         .unit = SM_NVME_UNIT_COUNT,
         .raw = {.json = JNUM("endurance_grp_critical_warning_summary", 1)},
         .help = "Endurance group critical warning summary bitmap"},
        EGCW("endurance_grp_critical_warning_spare", 0, "spare"),
        EGCW("endurance_grp_critical_warning_degraded", 2, "degraded"),
        EGCW("endurance_grp_critical_warning_readonly", 3, "readonly"),
        COUNTER("data_units_read", 32, 16, SM_NVME_UNIT_DATA_UNITS, "host_read_bytes",
                &sm_family_host_read_bytes),
        COUNTER("data_units_written", 48, 16, SM_NVME_UNIT_DATA_UNITS, "host_written_bytes",
                &sm_family_host_written_bytes),
        COUNTER("host_read_commands", 64, 16, SM_NVME_UNIT_COUNT, NULL, &f_read_commands),
        COUNTER("host_write_commands", 80, 16, SM_NVME_UNIT_COUNT, NULL, &f_write_commands),
        COUNTER("controller_busy_time", 96, 16, SM_NVME_UNIT_MINUTES, "controller_busy_seconds",
                &f_busy),
        {.offset = 112,
         .width = 16,
         .unit = SM_NVME_UNIT_COUNT,
         .raw = {.json = JNUM("power_cycles", 16)},
         .help = "Power cycles",
         .generic = SM_NVME_GEN_POWER_CYCLES},
        {.offset = 128,
         .width = 16,
         .unit = SM_NVME_UNIT_HOURS,
         .raw = {.json = JNUM("power_on_hours", 16)},
         .si = {.json = JNUM("power_on_seconds", 16)},
         .help = "Power-on time (reported in hours)",
         .generic = SM_NVME_GEN_POWER_ON},
        COUNTER("unsafe_shutdowns", 144, 16, SM_NVME_UNIT_COUNT, NULL, &f_unsafe_shutdowns),
        COUNTER("media_errors", 160, 16, SM_NVME_UNIT_COUNT, NULL, &f_media_errors),
        COUNTER("num_err_log_entries", 176, 16, SM_NVME_UNIT_COUNT, NULL, &f_error_log_entries),
        COUNTER("warning_temp_time", 192, 4, SM_NVME_UNIT_MINUTES, "warning_temperature_seconds",
                &f_warning_temp_time),
        COUNTER("critical_comp_time", 196, 4, SM_NVME_UNIT_MINUTES, "critical_temperature_seconds",
                &f_critical_temp_time),
        SENSOR(1),
        SENSOR(2),
        SENSOR(3),
        SENSOR(4),
        SENSOR(5),
        SENSOR(6),
        SENSOR(7),
        SENSOR(8),
        THERMAL("thm_temp1_trans_count", 216, SM_NVME_UNIT_COUNT, &f_thermal_transitions, "1"),
        THERMAL("thm_temp2_trans_count", 220, SM_NVME_UNIT_COUNT, &f_thermal_transitions, "2"),
        THERMAL("thm_temp1_total_time", 224, SM_NVME_UNIT_SECONDS, &f_thermal_seconds, "1"),
        THERMAL("thm_temp2_total_time", 228, SM_NVME_UNIT_SECONDS, &f_thermal_seconds, "2"),
};

const size_t sm_nvme_n_fields = ARRAY_SIZE(sm_nvme_fields);

/* ===== decoding ===== */

static sm_u128 le_bytes(const uint8_t *p, unsigned width)
{
        sm_u128 v = 0;

        for (unsigned i = width; i-- > 0;)
                v = (v << 8) | p[i];
        return v;
}

static uint32_t unit_mult(enum sm_nvme_unit u)
{
        switch (u) {
        case SM_NVME_UNIT_DATA_UNITS:
                return 512000u;
        case SM_NVME_UNIT_MINUTES:
                return 60u;
        case SM_NVME_UNIT_HOURS:
                return 3600u;
        default:
                return 1u;
        }
}

void sm_nvme_field_decode(const struct sm_nvme_field *f, const uint8_t *log,
                          struct sm_nvme_value *ret)
{
        sm_u128 raw = le_bytes(log + f->offset, f->width);

        memset(ret, 0, sizeof(*ret));
        ret->present = true;
        switch (f->unit) {
        case SM_NVME_UNIT_FLAG:
                raw = (raw >> f->bit) & 1u;
                ret->value = (double)raw;
                break;
        case SM_NVME_UNIT_KELVIN:
                /* Whole °C as smartctl and nvme-cli print them (K - 273). */
                ret->present = raw != 0;
                ret->value = ret->present ? (double)raw - 273.0 : (double)NAN;
                if (ret->present)
                        snprintf(ret->exact, sizeof(ret->exact), "%d", (int)raw - 273);
                break;
        case SM_NVME_UNIT_PERCENT:
                ret->value = (double)raw / 100.0;
                break;
        default:
                ret->value = (double)raw * (double)unit_mult(f->unit);
                break;
        }
        ret->raw = raw;
        sm_fmt_u128(raw, 1, ret->raw_dec, sizeof(ret->raw_dec));
        if (f->unit != SM_NVME_UNIT_KELVIN && f->unit != SM_NVME_UNIT_PERCENT)
                sm_fmt_u128(raw, unit_mult(f->unit), ret->exact, sizeof(ret->exact));
}

const struct sm_nvme_field *sm_nvme_field_by_key(const char *key)
{
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                if (strcmp(sm_nvme_fields[i].raw.json.key, key) == 0)
                        return &sm_nvme_fields[i];
        }
        return NULL;
}

static uint64_t sat_u64(sm_u128 raw, uint32_t mult)
{
        if (raw > (sm_u128)UINT64_MAX / mult)
                return UINT64_MAX;
        return (uint64_t)(raw * mult);
}

void sm_nvme_decode_health(const uint8_t *log, struct sm_health *h)
{
        memcpy(h->nvme.smart_log, log, SM_NVME_LOG_SIZE);
        h->has_rotation_rate = true;
        h->rotation_rate = 0;
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                const struct sm_nvme_field *f = &sm_nvme_fields[i];
                struct sm_nvme_value v;

                if (f->generic == SM_NVME_GEN_NONE)
                        continue;
                sm_nvme_field_decode(f, log, &v);
                switch (f->generic) {
                case SM_NVME_GEN_HEALTHY:
                        h->has_healthy = true;
                        h->healthy = v.raw == 0;
                        break;
                case SM_NVME_GEN_TEMPERATURE:
                        h->has_temperature = v.present;
                        h->temperature_c = v.present ? v.value : 0;
                        break;
                case SM_NVME_GEN_SENSOR:
                        if (v.present) {
                                h->sensor_temps_present |= (uint8_t)(1u << (f->index & 7));
                                h->sensor_temps_c[f->index & 7] = v.value;
                        }
                        break;
                case SM_NVME_GEN_POWER_ON:
                        h->has_power_on = true;
                        h->power_on_seconds = sat_u64(v.raw, unit_mult(f->unit));
                        break;
                case SM_NVME_GEN_POWER_CYCLES:
                        h->has_power_cycles = true;
                        h->power_cycles = sat_u64(v.raw, unit_mult(f->unit));
                        break;
                case SM_NVME_GEN_NONE:
                        break;
                }
        }
}

void sm_nvme_decode_id_ctrl(const uint8_t *id_ctrl, struct sm_health *h)
{
        struct nvme_id_ctrl id;
        sm_u128 cap;

        _Static_assert(sizeof(id) == ID_CTRL_SIZE, "Identify Controller is 4096 bytes");
        memcpy(&id, id_ctrl, sizeof(id));
        /* Fixed-width, space-padded ASCII by the spec; garbage is cleaned (identity.h). */
        (void)sm_ident_clean(h->ident.model, sizeof(h->ident.model), h->ident.model_raw,
                             sizeof(h->ident.model_raw), id.mn, sizeof(id.mn));
        (void)sm_ident_clean(h->ident.serial, sizeof(h->ident.serial), h->ident.serial_raw,
                             sizeof(h->ident.serial_raw), id.sn, sizeof(id.sn));
        (void)sm_ident_clean(h->ident.firmware, sizeof(h->ident.firmware), h->ident.firmware_raw,
                             sizeof(h->ident.firmware_raw), id.fr, sizeof(id.fr));
        h->nvme.wctemp = le16toh(id.wctemp);
        h->nvme.cctemp = le16toh(id.cctemp);
        cap = le_bytes(id.tnvmcap, sizeof(id.tnvmcap));
        /* TNVMCAP 0: not reported. */
        h->has_capacity = cap > 0 && cap <= UINT64_MAX;
        h->capacity_bytes = h->has_capacity ? (uint64_t)cap : 0;
        h->nvme.have_id = true;
}

/* ===== reading ===== */

static int read_exact_file(const char *path, void *buf, size_t len, const char *what,
                           const char *tool, char *err, size_t errlen)
{
        size_t got = 0;
        int r = sm_read_file(path, buf, len, &got, 0);

        struct stat st;

        if (r == -EINVAL || r == -EFBIG || (r == 0 && got != len))
                return sm_errf(err, errlen, -EINVAL,
                               "%s capture %s is %lld bytes, expected %zu (as `%s` writes)", what,
                               path, stat(path, &st) == 0 ? (long long)st.st_size : -1LL, len,
                               tool);
        if (r < 0)
                return sm_errf(err, errlen, r, "cannot read %s capture %s: %s", what, path,
                               strerror(-r));
        return 0;
}

/* A libnvme return (positive NVMe status, or -1 with errno) -> -errno and a message. */
static int cmd_error(int r, int saved_errno, const char *what, const char *node, char *err,
                     size_t errlen)
{
        if (r > 0)
                return sm_errf(err, errlen, -EIO, "%s on %s failed: NVMe status 0x%04x (%s)", what,
                               node, (unsigned)r, nvme_status_to_string(r, false));
        if (saved_errno <= 0)
                saved_errno = EIO;
        switch (saved_errno) {
        case EPERM:
        case EACCES:
                return sm_errf(err, errlen, -saved_errno,
                               "%s on %s refused (%s): reading the NVMe SMART/Health log needs "
                               "CAP_SYS_ADMIN",
                               what, node, strerror(saved_errno));
        case ENODEV:
        case ENXIO:
                return sm_errf(err, errlen, -ENODEV, "device %s vanished during %s (%s)", node,
                               what, strerror(saved_errno));
        default:
                return sm_errf(err, errlen, -saved_errno, "%s on %s failed: %s", what, node,
                               strerror(saved_errno));
        }
}

static int open_controller(const struct sm_device_id *id, char *node, size_t nodelen, char *err,
                           size_t errlen)
{
        int fd, r;

        sm_strlcpy(node, id->devnode, nodelen);
        fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT && id->name[0]) {
                /* Containers may pass only the namespace node; admin commands work there. */
                snprintf(node, nodelen, "/dev/%s", id->name);
                fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        }
        if (fd >= 0)
                return fd;
        r = -errno;
        if (r == -EACCES || r == -EPERM)
                return sm_errf(err, errlen, r,
                               "cannot open %s: %s (needs read access and CAP_SYS_ADMIN)", node,
                               strerror(-r));
        if (r == -ENOENT || r == -ENODEV || r == -ENXIO)
                return sm_errf(err, errlen, r, "cannot open %s: %s (device vanished?)", node,
                               strerror(-r));
        return sm_errf(err, errlen, r, "cannot open %s: %s", node, strerror(-r));
}

/* The drive logs: scratch for the reads, and what they came to. */
struct logs {
        uint8_t buf[SM_NVME_ERR_MAX_READ * SM_NVME_ERR_ENTRY_SIZE];
        struct sm_nvme_error_log error_log;
        struct sm_nvme_self_test_log self_test;
};

/* Identify Controller's arguments left at 0 in read_live() are libnvme's "none" values. */
_Static_assert(NVME_CSI_NVM == 0 && NVME_NSID_NONE == 0 && NVME_CNTLID_NONE == 0 &&
                       NVME_CNSSPECID_NONE == 0 && NVME_UUID_NONE == 0,
               "Identify Controller: CSI NVM, no NSID, CNTID, CNS-specific id or UUID index");

static int read_live(const struct sm_device_id *id, const struct sm_read_opts *opts, uint8_t *log,
                     uint8_t *id_ctrl, bool *ret_have_id, struct logs *logs, char *err,
                     size_t errlen)
{
        struct sm_nvme_log_caps caps;
        char node[sizeof(id->devnode) + 8];
        unsigned timeout = opts && opts->timeout_ms ? opts->timeout_ms : SM_NVME_DEFAULT_TIMEOUT_MS;
        _cleanup_close_ int fd = open_controller(id, node, sizeof(node), err, errlen);
        struct nvme_identify_args ia = {
                .args_size = sizeof(ia),
                .fd = fd,
                .timeout = timeout,
                .data = id_ctrl,
                .cns = NVME_IDENTIFY_CNS_CTRL, /* the others are 0: see the assertion above */
        };
        int r;

        if (fd < 0)
                return fd;
        errno = 0;
        /* RAE: never clear a pending SMART/Health asynchronous event. */
        r = sm_nvme_get_log(fd, timeout, NVME_LOG_LID_SMART, SM_NVME_LOG_SIZE, log);
        if (r != 0)
                return cmd_error(r, errno, "Get Log Page (SMART/Health)", node, err, errlen);

        memset(id_ctrl, 0, ID_CTRL_SIZE);
        errno = 0;
        r = nvme_identify(&ia);
        if (r < 0)
                return cmd_error(r, errno, "Identify Controller", node, err, errlen);
        /* Only the logs Identify says are there (ELPE, OACS bit 4); when the controller
         * answered but refused it (r > 0): keep the health log, no identity, and ask for
         * nothing else (what it supports is unknown). A failing log read is reported in
         * that log's place and does not fail the device. */
        *ret_have_id = r == 0;
        sm_nvme_log_caps_from_id(*ret_have_id ? id_ctrl : NULL, &caps);
        sm_nvme_read_logs(fd, timeout, &caps, logs->buf, &logs->error_log, &logs->self_test);
        return 0;
}

/* <stem>.error-log / <stem>.self-test-log beside the <stem>.smart-log capture. */
static bool sibling(const char *smart_path, const char *suffix, char *buf, size_t n)
{
        size_t len = strlen(smart_path), sl = strlen(".smart-log"), xl = strlen(suffix);

        if (len < sl || strcmp(smart_path + len - sl, ".smart-log") != 0 || len - sl + xl >= n)
                return false;
        memcpy(buf, smart_path, len - sl);
        memcpy(buf + len - sl, suffix, xl + 1);
        return true;
}

/*
 * Replayed drive logs: `nvme error-log -b` ((ELPE+1) x 64 bytes) and
 * `nvme get-log --log-id=6 --log-len=564 -b` captures; optional.
 */
static void read_replay_logs(const struct sm_device_id *id, struct logs *logs)
{
        static const uint32_t max_err = 256u * SM_NVME_ERR_ENTRY_SIZE; /* ELPE 255 */
        _cleanup_free_ uint8_t *page = malloc(max_err);
        char path[sizeof(id->devnode) + 16];
        size_t len = 0;
        int r;

        memset(&logs->error_log, 0, sizeof(logs->error_log));
        memset(&logs->self_test, 0, sizeof(logs->self_test));
        if (!page) {
                snprintf(logs->error_log.absent_reason, sizeof(logs->error_log.absent_reason),
                         "out of memory");
                snprintf(logs->self_test.absent_reason, sizeof(logs->self_test.absent_reason),
                         "out of memory");
                return;
        }
        if (!sibling(id->devnode, ".error-log", path, sizeof(path)) ||
            (r = sm_read_file(path, page, max_err, &len, SM_FILE_NONBLOCK)) == -ENOENT) {
                snprintf(logs->error_log.absent_reason, sizeof(logs->error_log.absent_reason),
                         "no capture (<name>.error-log, `nvme error-log -b`)");
        } else if (r < 0) {
                snprintf(logs->error_log.absent_reason, sizeof(logs->error_log.absent_reason),
                         "cannot read the .error-log capture: %s", strerror(-r));
        } else {
                sm_nvme_decode_error_log(page, len, &logs->error_log);
        }
        if (!sibling(id->devnode, ".self-test-log", path, sizeof(path)) ||
            (r = sm_read_file(path, page, max_err, &len, SM_FILE_NONBLOCK)) == -ENOENT) {
                snprintf(logs->self_test.absent_reason, sizeof(logs->self_test.absent_reason),
                         "no capture (<name>.self-test-log, `nvme get-log --log-id=6 "
                         "--log-len=564 -b`)");
        } else if (r < 0) {
                snprintf(logs->self_test.absent_reason, sizeof(logs->self_test.absent_reason),
                         "cannot read the .self-test-log capture: %s", strerror(-r));
        } else {
                sm_nvme_decode_self_test_log(page, len, &logs->self_test);
        }
}

/* The generic (protocol-independent) view of the logs, for the verdict. */
static void logs_to_health(const struct logs *logs, struct sm_health *h)
{
        const struct sm_nvme_self_test_log *st = &logs->self_test;
        const struct sm_nvme_error_log *el = &logs->error_log;

        h->nvme.error_log = *el;
        h->nvme.self_test = *st;
        h->has_self_test = st->present && st->have_completed;
        h->self_test_failed =
                h->has_self_test && sm_nvme_self_test_result_failed(st->last_completed.result);
        h->self_test_power_on_hours = h->has_self_test ? st->last_completed.power_on_hours : 0;
        h->has_error_log = el->present;
        h->error_log_entries = el->present ? el->valid_entries : 0;
        h->error_log_newest_count = el->present ? el->newest_error_count : 0;
}

static int read_replay(const struct sm_device_id *id, uint8_t *log, uint8_t *id_ctrl,
                       bool *ret_have_id, char *err, size_t errlen)
{
        int r = read_exact_file(id->devnode, log, SM_NVME_LOG_SIZE, "NVMe SMART log",
                                "nvme smart-log -b", err, errlen);

        if (r < 0)
                return r;
        if (!id->aux[0]) {
                *ret_have_id = false;
                return 0;
        }
        r = read_exact_file(id->aux, id_ctrl, ID_CTRL_SIZE, "NVMe Identify Controller",
                            "nvme id-ctrl -b", err, errlen);
        if (r < 0)
                return r;
        *ret_have_id = true;
        return 0;
}

static int collect_read(const struct sm_device_id *id, const struct sm_read_opts *opts,
                        struct sm_health *ret, char *err, size_t errlen)
{
        uint8_t log[SM_NVME_LOG_SIZE];
        _cleanup_free_ uint8_t *id_ctrl = malloc(ID_CTRL_SIZE);
        _cleanup_free_ struct sm_health *h = malloc(sizeof(*h));
        _cleanup_free_ struct logs *logs = calloc(1, sizeof(*logs));
        bool have_id = false;
        int r;

        if (!id_ctrl || !h || !logs)
                return sm_errf(err, errlen, -ENOMEM, "out of memory");
        if (id->replay) {
                r = read_replay(id, log, id_ctrl, &have_id, err, errlen);
                if (r >= 0)
                        read_replay_logs(id, logs);
        } else {
                r = read_live(id, opts, log, id_ctrl, &have_id, logs, err, errlen);
        }
        if (r < 0)
                return r;

        sm_health_init(h);
        sm_nvme_decode_health(log, h);
        if (have_id)
                sm_nvme_decode_id_ctrl(id_ctrl, h);
        logs_to_health(logs, h);
        *ret = *h;
        return 0;
}

/* ===== readings ===== */

/* clang-format off */
SM_DESC(d_identify,  NULL,              {.kind = SM_JSON_BOOL, .section = "nvme", .key = "identify_controller"});
SM_DESC(d_wctemp,    NULL,              {.kind = SM_JSON_NUMBER, .section = "nvme", .key = "wctemp", .flags = SM_JSON_NULL});
SM_DESC(d_cctemp,    NULL,              {.kind = SM_JSON_NUMBER, .section = "nvme", .key = "cctemp", .flags = SM_JSON_NULL});
SM_DESC(d_threshold, &f_temp_threshold, {0});

/* clang-format on */

static void emit_field(const struct sm_nvme_field *f, const uint8_t *log, sm_emit_fn emit,
                       void *ctx)
{
        struct sm_nvme_value v;
        struct sm_reading r;

        sm_nvme_field_decode(f, log, &v);
        /* The value as stored: always there (a temperature of 0 K reads 0). */
        r = sm_reading_num(&f->raw, (double)v.raw, v.raw_dec);
        r.labels[0] = f->label_value;
        emit(ctx, &r);
        if (!f->si.json.key && !f->si.family)
                return;
        r = sm_reading_num(&f->si, v.value, v.exact[0] ? v.exact : NULL);
        r.labels[0] = f->label_value;
        r.present = v.present;
        emit(ctx, &r);
}

static void emit_threshold(uint16_t kelvin, bool have_id, const char *which, sm_emit_fn emit,
                           void *ctx)
{
        struct sm_reading r = sm_reading_num(&d_threshold, (double)kelvin - 273.0, NULL);

        r.labels[0] = which;
        r.present = have_id && kelvin != 0;
        emit(ctx, &r);
}

/* ----- the drive logs: JSON sections "nvme_error_log" and "nvme_self_test_log" ----- */

/* clang-format off */
#define EL(k, fl) {.kind = SM_JSON_NUMBER, .section = "nvme_error_log", .key = k, .flags = fl}
#define ELROW(kd, k, fl) {.kind = kd, .section = "nvme_error_log", .array = "newest", .key = k, \
                          .flags = fl}
#define ST(kd, k, fl) {.kind = kd, .section = "nvme_self_test_log", .key = k, .flags = fl}
#define STROW(kd, k, fl) {.kind = kd, .section = "nvme_self_test_log", .array = "newest", \
                          .key = k, .flags = fl}
/* clang-format on */

/* clang-format off */
SM_DESC(d_el_read,         NULL,              {.kind = SM_JSON_BOOL, .section = "nvme_error_log", .key = "read"});
SM_DESC(d_el_absent,       NULL,              {.kind = SM_JSON_STRING, .section = "nvme_error_log", .key = "absent_reason"});
SM_DESC(d_el_entries_read, NULL,              EL("entries_read", 0));
SM_DESC(d_el_valid,        &f_errlog_entries, EL("valid_entries", 0));
SM_DESC(d_el_newest,       &f_errlog_newest,  EL("newest_error_count", SM_JSON_EXACT));
/* clang-format on */

/* One object of "newest" per error entry (struct sm_nvme_error_entry). */
#define ELE(kd, k, fl, m, t)                                                                    \
        {                                                                                       \
                .desc.json = ELROW(kd, k, fl), SM_FIELD_VALUE(struct sm_nvme_error_entry, m, t) \
        }

static const struct sm_field error_entry[] = {
        ELE(SM_JSON_NUMBER, "error_count", SM_JSON_EXACT, error_count, U64),
        ELE(SM_JSON_NUMBER, "sqid", 0, sqid, U16),
        ELE(SM_JSON_NUMBER, "cmdid", 0, cmdid, U16),
        ELE(SM_JSON_NUMBER, "status", 0, status, U16),
        ELE(SM_JSON_STRING, "status_text", 0, status_text, CHARS),
        ELE(SM_JSON_NUMBER, "status_code_type", 0, sct, U8),
        ELE(SM_JSON_NUMBER, "status_code", 0, sc, U8),
        ELE(SM_JSON_BOOL, "do_not_retry", 0, dnr, BOOL),
        ELE(SM_JSON_BOOL, "more", 0, more, BOOL),
        ELE(SM_JSON_NUMBER, "phase_tag", 0, phase_tag, BOOL),
        ELE(SM_JSON_NUMBER, "parm_error_location", 0, parm_error_location, U16),
        ELE(SM_JSON_NUMBER, "lba", SM_JSON_EXACT, lba, U64),
        ELE(SM_JSON_NUMBER, "nsid", 0, nsid, U32),
        ELE(SM_JSON_NUMBER, "vs", 0, vs, U8),
        ELE(SM_JSON_NUMBER, "trtype", 0, trtype, U8),
        ELE(SM_JSON_NUMBER, "cs", SM_JSON_EXACT, cs, U64),
        ELE(SM_JSON_NUMBER, "trtype_spec_info", 0, trtype_spec_info, U16),
};

/* clang-format off */
SM_DESC(d_st_read,        NULL,              ST(SM_JSON_BOOL, "read", 0));
SM_DESC(d_st_absent,      NULL,              ST(SM_JSON_STRING, "absent_reason", 0));
SM_DESC(d_st_op,          NULL,              ST(SM_JSON_STRING, "current_operation", 0));
SM_DESC(d_st_running,     &f_st_running,     ST(SM_JSON_BOOL, "running", 0));
SM_DESC(d_st_progress,    &f_st_progress,    {0});
SM_DESC(d_st_percent,     NULL,              ST(SM_JSON_NUMBER, "completion_percent", SM_JSON_NULL));
SM_DESC(d_st_results,     &f_st_results,     ST(SM_JSON_NUMBER, "results", 0));
SM_DESC(d_st_last_failed, &f_st_last_failed, ST(SM_JSON_BOOL, "last_completed_failed", SM_JSON_NULL));
SM_DESC(d_st_last_result, &f_st_last_result, ST(SM_JSON_STRING, "last_completed_result", SM_JSON_NULL));
SM_DESC(d_st_last_poh,    &f_st_last_poh,    {0});
SM_DESC(d_st_last_hours,  NULL,              ST(SM_JSON_NUMBER, "last_completed_power_on_hours", SM_JSON_NULL));
/* clang-format on */

/* One object of "newest" per self-test result (struct sm_nvme_self_test_result); the
 * last four only where its Valid Diagnostic Information byte says so. */
#define STR(kd, k, fl, m, t, ...)                                                  \
        {                                                                          \
                .desc.json = STROW(kd, k, fl),                                     \
                SM_FIELD_VALUE(struct sm_nvme_self_test_result, m, t), __VA_ARGS__ \
        }
#define IF_VALID(bit) SM_FIELD_IF(struct sm_nvme_self_test_result, valid, bit)

static const struct sm_field self_test_result[] = {
        STR(SM_JSON_STRING, "test", 0, code, NAME, .name = sm_nvme_self_test_code_name),
        STR(SM_JSON_STRING, "result", 0, result, NAME, .name = sm_nvme_self_test_result_name),
        STR(SM_JSON_NUMBER, "result_code", 0, result, U8),
        STR(SM_JSON_NUMBER, "segment", 0, segment, U8),
        STR(SM_JSON_NUMBER, "valid_diagnostic_information", 0, valid, U8),
        STR(SM_JSON_NUMBER, "power_on_hours", SM_JSON_EXACT, power_on_hours, U64),
        STR(SM_JSON_NUMBER, "nsid", SM_JSON_NULL, nsid, U32, IF_VALID(SM_NVME_ST_VALID_NSID)),
        STR(SM_JSON_NUMBER, "failing_lba", SM_JSON_NULL | SM_JSON_EXACT, failing_lba, U64,
            IF_VALID(SM_NVME_ST_VALID_FLBA)),
        STR(SM_JSON_NUMBER, "status_code_type", SM_JSON_NULL, sct, U8,
            IF_VALID(SM_NVME_ST_VALID_SCT)),
        STR(SM_JSON_NUMBER, "status_code", SM_JSON_NULL, sc, U8, IF_VALID(SM_NVME_ST_VALID_SC)),
};

static void emit_error_log(const struct sm_nvme_error_log *el, sm_emit_fn emit, void *ctx)
{
        sm_emit_u64(emit, ctx, &d_el_read, el->present, true);
        if (!el->present) {
                sm_emit_str(emit, ctx, &d_el_absent, el->absent_reason, 0);
                return;
        }
        sm_emit_u64(emit, ctx, &d_el_entries_read, el->entries, true);
        sm_emit_u64(emit, ctx, &d_el_valid, el->valid_entries, true);
        sm_emit_u64(emit, ctx, &d_el_newest, el->newest_error_count, true);
        for (unsigned i = 0; i < el->n_newest; i++) {
                sm_emit_fields(error_entry, ARRAY_SIZE(error_entry), &el->newest[i], i, emit, ctx);
        }
}

static void emit_self_test(const struct sm_nvme_self_test_log *st, sm_emit_fn emit, void *ctx)
{
        const struct sm_nvme_self_test_result *c = &st->last_completed;
        bool running = st->current_operation != 0;
        struct sm_reading r;

        sm_emit_u64(emit, ctx, &d_st_read, st->present, true);
        if (!st->present) {
                sm_emit_str(emit, ctx, &d_st_absent, st->absent_reason, 0);
                return;
        }
        sm_emit_str(emit, ctx, &d_st_op, sm_nvme_self_test_code_name(st->current_operation), 0);
        sm_emit_u64(emit, ctx, &d_st_running, running, true);
        /* Prometheus: a ratio; JSON: the percent as the drive says it. */
        r = sm_reading_num(&d_st_progress, st->completion_percent / 100.0, NULL);
        r.present = running;
        emit(ctx, &r);
        sm_emit_u64(emit, ctx, &d_st_percent, st->completion_percent, running);
        sm_emit_u64(emit, ctx, &d_st_results, st->n_results, true);
        sm_emit_u64(emit, ctx, &d_st_last_failed, sm_nvme_self_test_result_failed(c->result),
                    st->have_completed);
        r = sm_reading_num(&d_st_last_result, c->result, NULL);
        r.str = st->have_completed ? sm_nvme_self_test_result_name(c->result) : NULL;
        r.present = st->have_completed;
        emit(ctx, &r);
        r = sm_reading_num(&d_st_last_poh, (double)c->power_on_hours * 3600.0, NULL);
        r.present = st->have_completed;
        emit(ctx, &r);
        sm_emit_u64(emit, ctx, &d_st_last_hours, c->power_on_hours, st->have_completed);
        for (unsigned i = 0; i < st->n_newest; i++) {
                sm_emit_fields(self_test_result, ARRAY_SIZE(self_test_result), &st->newest[i], i,
                               emit, ctx);
        }
}

SM_DESC(d_end_source, &sm_family_endurance_source_info, {0});

static void nvme_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx)
{
        static const struct sm_family *const endurance[] = {&sm_family_endurance_used,
                                                            &sm_family_host_read_bytes,
                                                            &sm_family_host_written_bytes};
        const struct sm_nvme_health *nh = &h->nvme;
        struct sm_reading r;

        for (size_t i = 0; i < sm_nvme_n_fields; i++)
                emit_field(&sm_nvme_fields[i], nh->smart_log, emit, ctx);
        /* the three endurance values always come from the SMART/Health log */
        for (size_t i = 0; i < ARRAY_SIZE(endurance); i++) {
                r = sm_reading_num(&d_end_source, 1, NULL);
                r.labels[0] = endurance[i]->name;
                r.labels[1] = "nvme";
                emit(ctx, &r);
        }
        r = sm_reading_num(&d_identify, nh->have_id, NULL);
        emit(ctx, &r);
        r = sm_reading_num(&d_wctemp, nh->wctemp, NULL);
        r.present = nh->have_id && nh->wctemp;
        emit(ctx, &r);
        r = sm_reading_num(&d_cctemp, nh->cctemp, NULL);
        r.present = nh->have_id && nh->cctemp;
        emit(ctx, &r);
        emit_threshold(nh->wctemp, nh->have_id, "warning", emit, ctx);
        emit_threshold(nh->cctemp, nh->have_id, "critical", emit, ctx);
        emit_error_log(&nh->error_log, emit, ctx);
        emit_self_test(&nh->self_test, emit, ctx);
}

/* ===== what other modules ask of the page ===== */

/* The row exported as this family (in base units). */
static const struct sm_nvme_field *field_of(const struct sm_family *family)
{
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                if (sm_nvme_fields[i].si.family == family)
                        return &sm_nvme_fields[i];
        }
        return NULL;
}

uint8_t sm_nvme_critical_warning(const struct sm_nvme_health *nh)
{
        struct sm_nvme_value v;

        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                if (sm_nvme_fields[i].generic == SM_NVME_GEN_HEALTHY) {
                        sm_nvme_field_decode(&sm_nvme_fields[i], nh->smart_log, &v);
                        return (uint8_t)v.raw;
                }
        }
        return 0;
}

const char *sm_nvme_critical_warning_words(unsigned bit)
{
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                const struct sm_nvme_field *f = &sm_nvme_fields[i];

                if (f->raw.family == &f_critical_warning && f->bit == bit)
                        return f->words;
        }
        return NULL;
}

int sm_nvme_percent_used(const struct sm_nvme_health *nh)
{
        const struct sm_nvme_field *f = field_of(&sm_family_endurance_used);
        struct sm_nvme_value v;

        if (!f)
                return -1;
        sm_nvme_field_decode(f, nh->smart_log, &v);
        return (int)v.raw;
}

SM_COLLECTOR(sm_nvme_collector, "nvme", SM_PROTO_NVME, collect_read, nvme_readings, nvme_families);
