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

#include "agent/prom.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/util.h"

#define CACHED " (cached from the last collection)"

#define ID_CTRL_SIZE 4096

/* clang-format off */
#define FLAG(k, b, lab, h) \
        { .key = k, .offset = 0, .width = 1, .bit = b, .unit = SM_NVME_UNIT_FLAG, \
          .metric = "ssdmon_nvme_critical_warning", .type = "gauge", .label = "warning", \
          .label_value = lab, .help = h }
#define EGFLAG(k, b, lab, h) \
        { .key = k, .offset = 6, .width = 1, .bit = b, .unit = SM_NVME_UNIT_FLAG, \
          .metric = "ssdmon_nvme_endurance_group_critical_warning", .type = "gauge", \
          .label = "warning", .label_value = lab, .help = h }
#define COUNTER(k, off, w, u, si, m, h) \
        { .key = k, .offset = off, .width = w, .unit = u, .si_key = si, .metric = m, \
          .type = "counter", .help = h }
#define SENSOR(n) \
        { .key = "temperature_sensor_" #n, .offset = 200 + 2 * ((n) - 1), .width = 2, \
          .unit = SM_NVME_UNIT_KELVIN, .si_key = "temperature_sensor_" #n "_celsius", \
          .help = "Temperature sensor " #n " (0 K: not implemented)", \
          .generic = SM_NVME_GEN_SENSOR, .index = (n) - 1 }
/* clang-format on */

/*
 * The SMART / Health Information log page, NVMe Base Specification 2.0 figure 207
 * (libnvme 1.3 struct nvme_smart_log). Rows of one Prometheus family are adjacent;
 * the first row's help is the family's HELP.
 */
const struct sm_nvme_field sm_nvme_fields[] = {
        {.key = "critical_warning",
         .offset = 0,
         .width = 1,
         .unit = SM_NVME_UNIT_COUNT,
         .help = "Critical warning bitmap; any bit set makes the drive unhealthy",
         .generic = SM_NVME_GEN_HEALTHY},
        FLAG("critical_warning_spare", 0, "spare",
             "NVMe critical warning bits, 1 if set: spare below threshold, temperature out of "
             "range, reliability degraded, media read-only, volatile memory backup failed, "
             "persistent memory region read-only"),
        FLAG("critical_warning_temperature", 1, "temperature", NULL),
        FLAG("critical_warning_degraded", 2, "degraded", NULL),
        FLAG("critical_warning_readonly", 3, "readonly", NULL),
        FLAG("critical_warning_volatile_memory", 4, "volatile_memory", NULL),
        FLAG("critical_warning_pmr_readonly", 5, "pmr_readonly", NULL),
        {.key = "temperature",
         .offset = 1,
         .width = 2,
         .unit = SM_NVME_UNIT_KELVIN,
         .si_key = "temperature_celsius",
         .help = "Composite temperature",
         .generic = SM_NVME_GEN_TEMPERATURE},
        {.key = "avail_spare",
         .offset = 3,
         .width = 1,
         .unit = SM_NVME_UNIT_PERCENT,
         .si_key = "available_spare_ratio",
         .metric = "ssdmon_available_spare_ratio",
         .type = "gauge",
         .help = "Remaining spare capacity, 0..1 (NVMe available spare / 100)"},
        {.key = "spare_thresh",
         .offset = 4,
         .width = 1,
         .unit = SM_NVME_UNIT_PERCENT,
         .si_key = "available_spare_threshold_ratio",
         .metric = "ssdmon_available_spare_threshold_ratio",
         .type = "gauge",
         .help = "Available spare below this sets the spare critical warning, 0..1"},
        {.key = "percent_used",
         .offset = 5,
         .width = 1,
         .unit = SM_NVME_UNIT_PERCENT,
         .si_key = "endurance_used_ratio",
         .metric = "ssdmon_endurance_used_ratio",
         .type = "gauge",
         .help = "Vendor estimate of the rated endurance used (NVMe percentage used / 100); "
                 "may exceed 1"},
        {.key = "endurance_grp_critical_warning_summary",
         .offset = 6,
         .width = 1,
         .unit = SM_NVME_UNIT_COUNT,
         .help = "Endurance group critical warning summary bitmap"},
        EGFLAG("endurance_grp_critical_warning_spare", 0, "spare",
               "NVMe endurance group critical warning summary bits, 1 if set: spare below "
               "threshold, reliability degraded, read-only"),
        EGFLAG("endurance_grp_critical_warning_degraded", 2, "degraded", NULL),
        EGFLAG("endurance_grp_critical_warning_readonly", 3, "readonly", NULL),
        COUNTER("data_units_read", 32, 16, SM_NVME_UNIT_DATA_UNITS, "host_read_bytes",
                "ssdmon_host_read_bytes_total",
                "Bytes the host read (NVMe data units read x 512000; rounded up by the drive)"),
        COUNTER("data_units_written", 48, 16, SM_NVME_UNIT_DATA_UNITS, "host_written_bytes",
                "ssdmon_host_written_bytes_total",
                "Bytes the host wrote (NVMe data units written x 512000; rounded up by the "
                "drive)"),
        COUNTER("host_read_commands", 64, 16, SM_NVME_UNIT_COUNT, NULL,
                "ssdmon_nvme_host_read_commands_total", "Read commands the controller completed"),
        COUNTER("host_write_commands", 80, 16, SM_NVME_UNIT_COUNT, NULL,
                "ssdmon_nvme_host_write_commands_total", "Write commands the controller completed"),
        COUNTER("controller_busy_time", 96, 16, SM_NVME_UNIT_MINUTES, "controller_busy_seconds",
                "ssdmon_nvme_controller_busy_seconds_total",
                "Time the controller was busy with I/O commands (reported in minutes)"),
        {.key = "power_cycles",
         .offset = 112,
         .width = 16,
         .unit = SM_NVME_UNIT_COUNT,
         .help = "Power cycles",
         .generic = SM_NVME_GEN_POWER_CYCLES},
        {.key = "power_on_hours",
         .offset = 128,
         .width = 16,
         .unit = SM_NVME_UNIT_HOURS,
         .si_key = "power_on_seconds",
         .help = "Power-on time (reported in hours)",
         .generic = SM_NVME_GEN_POWER_ON},
        COUNTER("unsafe_shutdowns", 144, 16, SM_NVME_UNIT_COUNT, NULL,
                "ssdmon_nvme_unsafe_shutdowns_total",
                "Shutdowns without a shutdown notification from the host"),
        COUNTER("media_errors", 160, 16, SM_NVME_UNIT_COUNT, NULL, "ssdmon_nvme_media_errors_total",
                "Unrecovered data integrity errors (media and data integrity errors)"),
        COUNTER("num_err_log_entries", 176, 16, SM_NVME_UNIT_COUNT, NULL,
                "ssdmon_nvme_error_log_entries_total",
                "Error information log entries over the controller's life"),
        COUNTER("warning_temp_time", 192, 4, SM_NVME_UNIT_MINUTES, "warning_temperature_seconds",
                "ssdmon_nvme_warning_temperature_seconds_total",
                "Time the composite temperature was at or above the warning threshold "
                "(reported in minutes)"),
        COUNTER("critical_comp_time", 196, 4, SM_NVME_UNIT_MINUTES, "critical_temperature_seconds",
                "ssdmon_nvme_critical_temperature_seconds_total",
                "Time the composite temperature was at or above the critical threshold "
                "(reported in minutes)"),
        SENSOR(1),
        SENSOR(2),
        SENSOR(3),
        SENSOR(4),
        SENSOR(5),
        SENSOR(6),
        SENSOR(7),
        SENSOR(8),
        {.key = "thm_temp1_trans_count",
         .offset = 216,
         .width = 4,
         .unit = SM_NVME_UNIT_COUNT,
         .metric = "ssdmon_nvme_thermal_transitions_total",
         .type = "counter",
         .label = "threshold",
         .label_value = "1",
         .help = "Transitions into host-controlled thermal management at threshold TMT1 or "
                 "TMT2 (NVMe counters saturate at 2^32-1)"},
        {.key = "thm_temp2_trans_count",
         .offset = 220,
         .width = 4,
         .unit = SM_NVME_UNIT_COUNT,
         .metric = "ssdmon_nvme_thermal_transitions_total",
         .type = "counter",
         .label = "threshold",
         .label_value = "2"},
        {.key = "thm_temp1_total_time",
         .offset = 224,
         .width = 4,
         .unit = SM_NVME_UNIT_SECONDS,
         .metric = "ssdmon_nvme_thermal_seconds_total",
         .type = "counter",
         .label = "threshold",
         .label_value = "1",
         .help = "Time spent in host-controlled thermal management at threshold TMT1 or TMT2"},
        {.key = "thm_temp2_total_time",
         .offset = 228,
         .width = 4,
         .unit = SM_NVME_UNIT_SECONDS,
         .metric = "ssdmon_nvme_thermal_seconds_total",
         .type = "counter",
         .label = "threshold",
         .label_value = "2"},
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
                if (strcmp(sm_nvme_fields[i].key, key) == 0)
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
        h->rotation_rate = 0;
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                const struct sm_nvme_field *f = &sm_nvme_fields[i];
                struct sm_nvme_value v;

                if (f->generic == SM_NVME_GEN_NONE)
                        continue;
                sm_nvme_field_decode(f, log, &v);
                switch (f->generic) {
                case SM_NVME_GEN_HEALTHY:
                        h->healthy = v.raw == 0;
                        break;
                case SM_NVME_GEN_TEMPERATURE:
                        h->has_temperature = v.present;
                        h->temperature_c = v.present ? v.value : 0;
                        break;
                case SM_NVME_GEN_SENSOR:
                        h->sensor_temps_c[f->index & 7] = v.value; /* NaN when absent */
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

/* Fixed-width, space-padded identify string -> trimmed C string. */
static void id_string(char *dst, size_t n, const char *src, size_t width)
{
        size_t b = 0, e = width, len;

        while (b < e && (src[b] == ' ' || src[b] == '\0'))
                b++;
        while (e > b && (src[e - 1] == ' ' || src[e - 1] == '\0'))
                e--;
        len = e - b < n - 1 ? e - b : n - 1;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)src[b + i];

                dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        dst[len] = '\0';
}

void sm_nvme_decode_id_ctrl(const uint8_t *id_ctrl, struct sm_health *h)
{
        struct nvme_id_ctrl id;
        sm_u128 cap;

        _Static_assert(sizeof(id) == ID_CTRL_SIZE, "Identify Controller is 4096 bytes");
        memcpy(&id, id_ctrl, sizeof(id));
        id_string(h->ident.model, sizeof(h->ident.model), id.mn, sizeof(id.mn));
        id_string(h->ident.serial, sizeof(h->ident.serial), id.sn, sizeof(id.sn));
        id_string(h->ident.firmware, sizeof(h->ident.firmware), id.fr, sizeof(id.fr));
        h->nvme.wctemp = le16toh(id.wctemp);
        h->nvme.cctemp = le16toh(id.cctemp);
        cap = le_bytes(id.tnvmcap, sizeof(id.tnvmcap));
        h->capacity_bytes = cap <= UINT64_MAX ? (uint64_t)cap : 0;
        h->nvme.have_id = true;
}

/* ===== reading ===== */

static int read_exact_file(const char *path, void *buf, size_t len, const char *what,
                           const char *tool, char *err, size_t errlen)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        size_t got = 0;

        if (fd < 0 || fstat(fd, &st) < 0) {
                int r = -errno;

                return sm_errf(err, errlen, r, "cannot read %s capture %s: %s", what, path,
                               strerror(-r));
        }
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
                return sm_errf(err, errlen, -EINVAL,
                               "%s capture %s is %lld bytes, expected %zu (as `%s` writes)", what,
                               path, (long long)st.st_size, len, tool);
        while (got < len) {
                ssize_t n = read(fd, (char *)buf + got, len - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        int r = n < 0 ? -errno : -EIO;

                        return sm_errf(err, errlen, r, "cannot read %s capture %s: %s", what, path,
                                       n < 0 ? strerror(-r) : "short read");
                }
                got += (size_t)n;
        }
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
                snprintf(err, errlen,
                         "%s on %s refused (%s): reading the NVMe SMART/Health log needs "
                         "CAP_SYS_ADMIN",
                         what, node, strerror(saved_errno));
                break;
        case ENODEV:
        case ENXIO:
                snprintf(err, errlen, "device %s vanished during %s (%s)", node, what,
                         strerror(saved_errno));
                saved_errno = ENODEV;
                break;
        default:
                snprintf(err, errlen, "%s on %s failed: %s", what, node, strerror(saved_errno));
        }
        return -saved_errno;
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

static int read_live(const struct sm_device_id *id, const struct sm_read_opts *opts, uint8_t *log,
                     uint8_t *id_ctrl, bool *ret_have_id, char *err, size_t errlen)
{
        char node[sizeof(id->devnode) + 8];
        unsigned timeout = opts && opts->timeout_ms ? opts->timeout_ms : SM_NVME_DEFAULT_TIMEOUT_MS;
        _cleanup_close_ int fd = open_controller(id, node, sizeof(node), err, errlen);
        struct nvme_get_log_args la = {
                .args_size = sizeof(la),
                .fd = fd,
                .timeout = timeout,
                .lid = NVME_LOG_LID_SMART,
                .len = SM_NVME_LOG_SIZE,
                .nsid = NVME_NSID_ALL,
                .csi = NVME_CSI_NVM,
                .lsi = NVME_LOG_LSI_NONE,
                .lsp = NVME_LOG_LSP_NONE,
                .uuidx = NVME_UUID_NONE,
                .rae = true, /* never clear a pending SMART/Health asynchronous event */
                .ot = false,
                .log = log,
        };
        struct nvme_identify_args ia = {
                .args_size = sizeof(ia),
                .fd = fd,
                .timeout = timeout,
                .data = id_ctrl,
                .cns = NVME_IDENTIFY_CNS_CTRL,
                .csi = NVME_CSI_NVM,
                .nsid = NVME_NSID_NONE,
                .cntid = NVME_CNTLID_NONE,
                .cns_specific_id = NVME_CNSSPECID_NONE,
                .uuidx = NVME_UUID_NONE,
        };
        int r;

        if (fd < 0)
                return fd;
        memset(log, 0, SM_NVME_LOG_SIZE);
        errno = 0;
        r = nvme_get_log_page(fd, NVME_LOG_PAGE_PDU_SIZE, &la);
        if (r != 0)
                return cmd_error(r, errno, "Get Log Page (SMART/Health)", node, err, errlen);

        memset(id_ctrl, 0, ID_CTRL_SIZE);
        errno = 0;
        r = nvme_identify(&ia);
        if (r > 0) {
                /* The controller answered but refused: keep the health log, no identity. */
                *ret_have_id = false;
                return 0;
        }
        if (r < 0)
                return cmd_error(r, errno, "Identify Controller", node, err, errlen);
        *ret_have_id = true;
        return 0;
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
        bool have_id = false;
        int r;

        if (!id_ctrl || !h)
                return sm_errf(err, errlen, -ENOMEM, "out of memory");
        if (id->replay)
                r = read_replay(id, log, id_ctrl, &have_id, err, errlen);
        else
                r = read_live(id, opts, log, id_ctrl, &have_id, err, errlen);
        if (r < 0)
                return r;

        sm_health_init(h);
        sm_nvme_decode_health(log, h);
        if (have_id)
                sm_nvme_decode_id_ctrl(id_ctrl, h);
        *ret = *h;
        return 0;
}

/* ===== Prometheus ===== */

/* Shortest decimal that reads back as v (ratios such as 0.7, not 0.69999999999999996). */
static void format_double(char *buf, size_t n, double v)
{
        if (isnan(v)) {
                snprintf(buf, n, "NaN");
                return;
        }
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, n, "%.*g", prec, v);
                if (strtod(buf, NULL) == v)
                        return;
        }
}

static void prom_line(struct sm_buf *b, const char *name, const char *device, const char *label,
                      const char *label_value, const char *value)
{
        sm_buf_puts(b, name);
        sm_buf_puts(b, "{device=\"");
        sm_prom_escape(b, device);
        if (label) {
                sm_buf_puts(b, "\",");
                sm_buf_puts(b, label);
                sm_buf_puts(b, "=\"");
                sm_prom_escape(b, label_value);
        }
        sm_buf_puts(b, "\"} ");
        sm_buf_puts(b, value);
        sm_buf_puts(b, "\n");
}

static void prom_value(const struct sm_nvme_value *v, char *buf, size_t n)
{
        if (v->exact[0])
                sm_strlcpy(buf, v->exact, n);
        else
                format_double(buf, n, v->value);
}

static void prom_thresholds(struct sm_buf *b, const struct sm_device_state *const *devs, size_t n)
{
        bool any = false;

        for (size_t i = 0; i < n; i++)
                any = any || (devs[i]->health.nvme.have_id &&
                              (devs[i]->health.nvme.wctemp || devs[i]->health.nvme.cctemp));
        if (!any)
                return;
        sm_prom_family(b, "ssdmon_nvme_temperature_threshold_celsius", "gauge",
                       "Composite temperature thresholds from Identify Controller (WCTEMP, "
                       "CCTEMP; K - 273)" CACHED ".");
        for (size_t i = 0; i < n; i++) {
                const struct sm_nvme_health *nh = &devs[i]->health.nvme;
                char val[16];

                if (!nh->have_id)
                        continue;
                if (nh->wctemp) {
                        snprintf(val, sizeof(val), "%d", (int)nh->wctemp - 273);
                        prom_line(b, "ssdmon_nvme_temperature_threshold_celsius", devs[i]->id.name,
                                  "threshold", "warning", val);
                }
                if (nh->cctemp) {
                        snprintf(val, sizeof(val), "%d", (int)nh->cctemp - 273);
                        prom_line(b, "ssdmon_nvme_temperature_threshold_celsius", devs[i]->id.name,
                                  "threshold", "critical", val);
                }
        }
}

static void collect_prom(struct sm_buf *b, const struct sm_device_state *const *devs, size_t n)
{
        const char *family = NULL;

        if (n == 0)
                return;
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                const struct sm_nvme_field *f = &sm_nvme_fields[i];

                if (!f->metric || f->generic != SM_NVME_GEN_NONE)
                        continue;
                if (!family || strcmp(family, f->metric) != 0) {
                        char help[512];

                        family = f->metric;
                        snprintf(help, sizeof(help), "%s" CACHED ".", f->help ? f->help : "");
                        sm_prom_family(b, f->metric, f->type, help);
                }
                for (size_t d = 0; d < n; d++) {
                        struct sm_nvme_value v;
                        char val[64];

                        if (devs[d]->id.proto != SM_PROTO_NVME || !devs[d]->have_data)
                                continue;
                        sm_nvme_field_decode(f, devs[d]->health.nvme.smart_log, &v);
                        if (!v.present)
                                continue;
                        prom_value(&v, val, sizeof(val));
                        prom_line(b, f->metric, devs[d]->id.name, f->label, f->label_value, val);
                }
        }
        prom_thresholds(b, devs, n);
}

/* ===== JSON ===== */

static bool json_number_string(cJSON *o, const char *key, double v, const char *exact)
{
        char skey[96];

        snprintf(skey, sizeof(skey), "%s_string", key);
        return cJSON_AddNumberToObject(o, key, v) && cJSON_AddStringToObject(o, skey, exact);
}

static bool json_field(cJSON *o, const struct sm_nvme_field *f, const uint8_t *log)
{
        struct sm_nvme_value v;

        sm_nvme_field_decode(f, log, &v);
        switch (f->unit) {
        case SM_NVME_UNIT_FLAG:
                return cJSON_AddBoolToObject(o, f->key, v.raw != 0) != NULL;
        case SM_NVME_UNIT_KELVIN:
                /* Raw kelvin as nvme-cli prints it (0 = not reported), and °C or null. */
                if (!cJSON_AddNumberToObject(o, f->key, (double)v.raw))
                        return false;
                return (v.present ? cJSON_AddNumberToObject(o, f->si_key, v.value)
                                  : cJSON_AddNullToObject(o, f->si_key)) != NULL;
        default:
                break;
        }
        if (f->width >= 8) {
                if (!json_number_string(o, f->key, (double)v.raw, v.raw_dec))
                        return false;
        } else if (!cJSON_AddNumberToObject(o, f->key, (double)v.raw)) {
                return false;
        }
        if (!f->si_key)
                return true;
        if (f->unit == SM_NVME_UNIT_PERCENT)
                return cJSON_AddNumberToObject(o, f->si_key, v.value) != NULL;
        if (f->width >= 8)
                return json_number_string(o, f->si_key, v.value, v.exact);
        return cJSON_AddNumberToObject(o, f->si_key, v.value) != NULL;
}

static int collect_json(cJSON *obj, const struct sm_device_state *d)
{
        const struct sm_nvme_health *nh = &d->health.nvme;
        cJSON *o;
        bool ok;

        if (!d->have_data || d->id.proto != SM_PROTO_NVME)
                return 0;
        o = cJSON_AddObjectToObject(obj, "nvme");
        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < sm_nvme_n_fields; i++) {
                if (!json_field(o, &sm_nvme_fields[i], nh->smart_log))
                        return -ENOMEM;
        }
        ok = cJSON_AddBoolToObject(o, "identify_controller", nh->have_id) &&
             (nh->have_id && nh->wctemp ? cJSON_AddNumberToObject(o, "wctemp", nh->wctemp)
                                        : cJSON_AddNullToObject(o, "wctemp")) &&
             (nh->have_id && nh->cctemp ? cJSON_AddNumberToObject(o, "cctemp", nh->cctemp)
                                        : cJSON_AddNullToObject(o, "cctemp"));
        return ok ? 0 : -ENOMEM;
}

const struct sm_collector sm_nvme_collector = {
        .name = "nvme",
        .proto = SM_PROTO_NVME,
        .read = collect_read,
        .render_prom = collect_prom,
        .render_json = collect_json,
};
