/* SPDX-License-Identifier: MIT */
/*
 * nvme_logs.c - NVMe Error Information (01h) and Device Self-test (06h) logs:
 * gating on Identify Controller, the read-only Get Log Page commands, decoding.
 */
#include "nvme_logs.h"

#include <errno.h>
#include <libnvme.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static uint64_t le(const uint8_t *p, unsigned width)
{
        uint64_t v = 0;

        for (unsigned i = width; i-- > 0;)
                v = v << 8 | p[i];
        return v;
}

void sm_nvme_log_caps_from_id(const uint8_t *id_ctrl, struct sm_nvme_log_caps *c)
{
        memset(c, 0, sizeof(*c));
        if (!id_ctrl)
                return;
        c->known = true;
        c->oacs = (uint16_t)le(id_ctrl + 256, 2);
        c->lpa = id_ctrl[261];
        c->elpe = id_ctrl[262];
}

uint32_t sm_nvme_error_log_entries_to_read(const struct sm_nvme_log_caps *c)
{
        uint32_t n;

        if (!c || !c->known)
                return 0;
        n = (uint32_t)c->elpe + 1;
        return n < SM_NVME_ERR_MAX_READ ? n : SM_NVME_ERR_MAX_READ;
}

bool sm_nvme_self_test_log_supported(const struct sm_nvme_log_caps *c)
{
        return c && c->known && (c->oacs & (1u << 4));
}

/* ===== Error Information ===== */

static void decode_error_entry(const uint8_t *p, struct sm_nvme_error_entry *e)
{
        uint16_t sf = (uint16_t)le(p + 12, 2);

        memset(e, 0, sizeof(*e));
        e->error_count = le(p, 8);
        e->sqid = (uint16_t)le(p + 8, 2);
        e->cmdid = (uint16_t)le(p + 10, 2);
        e->status = (uint16_t)(sf >> 1);
        e->sct = (e->status >> 8) & 0x7;
        e->sc = e->status & 0xff;
        e->more = (e->status >> 13) & 1;
        e->dnr = (e->status >> 14) & 1;
        e->phase_tag = sf & 1;
        e->parm_error_location = (uint16_t)le(p + 14, 2);
        e->lba = le(p + 16, 8);
        e->nsid = (uint32_t)le(p + 24, 4);
        e->vs = p[28];
        e->trtype = p[29];
        e->cs = le(p + 32, 8);
        e->trtype_spec_info = (uint16_t)le(p + 40, 2);
        snprintf(e->status_text, sizeof(e->status_text), "%s",
                 nvme_status_to_string(e->status, false));
}

int sm_nvme_decode_error_log(const uint8_t *page, size_t len, struct sm_nvme_error_log *ret)
{
        struct sm_nvme_error_log *l = ret;

        memset(l, 0, sizeof(*l));
        if (!page || len < SM_NVME_ERR_ENTRY_SIZE || len % SM_NVME_ERR_ENTRY_SIZE != 0) {
                snprintf(l->absent_reason, sizeof(l->absent_reason),
                         "error log of %zu bytes: not a multiple of 64", len);
                return -EINVAL;
        }
        l->entries = (uint32_t)(len / SM_NVME_ERR_ENTRY_SIZE);
        for (uint32_t i = 0; i < l->entries; i++) {
                const uint8_t *p = page + (size_t)i * SM_NVME_ERR_ENTRY_SIZE;
                uint64_t count = le(p, 8);
                uint32_t at;

                if (count == 0)
                        continue;
                l->valid_entries++;
                if (count > l->newest_error_count)
                        l->newest_error_count = count;
                /* Insertion into the kept list, highest error count first. */
                for (at = 0; at < l->n_newest && l->newest[at].error_count >= count; at++)
                        ;
                if (at >= SM_NVME_ERR_KEEP)
                        continue;
                if (l->n_newest < SM_NVME_ERR_KEEP)
                        l->n_newest++;
                memmove(&l->newest[at + 1], &l->newest[at],
                        (l->n_newest - 1 - at) * sizeof(l->newest[0]));
                decode_error_entry(p, &l->newest[at]);
        }
        l->present = true;
        return 0;
}

/* ===== Device Self-test ===== */

bool sm_nvme_self_test_result_failed(uint8_t result)
{
        return result == SM_NVME_ST_FATAL_ERROR || result == SM_NVME_ST_FAILED_SEGMENT_UNKNOWN ||
               result == SM_NVME_ST_FAILED_SEGMENT;
}

bool sm_nvme_self_test_result_completed(uint8_t result)
{
        return result == SM_NVME_ST_NO_ERROR || sm_nvme_self_test_result_failed(result);
}

const char *sm_nvme_self_test_code_name(uint8_t code)
{
        /* Self-test Code (Device Self-test log: current operation, result entries) */
        static const char *const names[] = {
                [0x0] = "none", [0x1] = "short", [0x2] = "extended", [0xe] = "vendor_specific"};

        return SM_ENUM_NAME(names, code, "reserved");
}

const char *sm_nvme_self_test_result_name(uint8_t result)
{
        static const char *const names[] = {SM_NVME_ST_RESULT_CODES(SM_ENUM_VALUE_NAME)};

        return SM_ENUM_NAME(names, result, "reserved");
}

static void decode_st_result(const uint8_t *p, struct sm_nvme_self_test_result *r)
{
        memset(r, 0, sizeof(*r));
        r->code = p[0] >> 4;
        r->result = p[0] & 0xf;
        r->segment = p[1];
        r->valid = p[2] & 0xf;
        r->power_on_hours = le(p + 4, 8);
        r->nsid = (uint32_t)le(p + 12, 4);
        r->failing_lba = le(p + 16, 8);
        r->sct = p[24] & 0x7;
        r->sc = p[25];
}

int sm_nvme_decode_self_test_log(const uint8_t *page, size_t len, struct sm_nvme_self_test_log *ret)
{
        struct sm_nvme_self_test_log *l = ret;

        memset(l, 0, sizeof(*l));
        if (!page || len != SM_NVME_ST_LOG_SIZE) {
                snprintf(l->absent_reason, sizeof(l->absent_reason),
                         "self-test log of %zu bytes, expected 564", len);
                return -EINVAL;
        }
        l->current_operation = page[0] & 0xf;
        l->completion_percent = page[1] & 0x7f;
        for (uint32_t i = 0; i < SM_NVME_ST_RESULTS; i++) {
                struct sm_nvme_self_test_result r;

                decode_st_result(page + 4 + 28 * i, &r);
                if (r.result == SM_NVME_ST_NOT_USED)
                        continue;
                l->n_results++;
                if (l->n_newest < SM_NVME_ST_KEEP)
                        l->newest[l->n_newest++] = r;
                if (!l->have_completed && sm_nvme_self_test_result_completed(r.result)) {
                        l->have_completed = true;
                        l->last_completed = r;
                }
        }
        l->present = true;
        return 0;
}

/* ===== reading ===== */

int sm_nvme_get_log(int fd, uint32_t timeout_ms, uint8_t lid, uint32_t len, uint8_t *buf)
{
        struct nvme_get_log_args a = {
                .args_size = sizeof(a),
                .fd = fd,
                .timeout = timeout_ms,
                .lid = (enum nvme_cmd_get_log_lid)lid,
                .len = len,
                .nsid = NVME_NSID_ALL,
                .csi = NVME_CSI_NVM,
                .lsi = NVME_LOG_LSI_NONE,
                .lsp = NVME_LOG_LSP_NONE,
                .uuidx = NVME_UUID_NONE,
                .rae = true, /* never clear a pending asynchronous event */
                .ot = false,
                .lpo = 0, /* never an offset: LPA bit 2 would have to allow it */
                .log = buf,
        };

        memset(buf, 0, len);
        /* One command (transfer length = the whole page: at most 4 KiB). */
        return nvme_get_log(&a);
}

int sm_nvme_get_error_log(int fd, uint32_t timeout_ms, uint32_t entries, uint8_t *buf)
{
        if (entries == 0 || entries > SM_NVME_ERR_MAX_READ) {
                errno = EINVAL;
                return -1;
        }
        return sm_nvme_get_log(fd, timeout_ms, NVME_LOG_LID_ERROR, entries * SM_NVME_ERR_ENTRY_SIZE,
                               buf);
}

int sm_nvme_get_self_test_log(int fd, uint32_t timeout_ms, uint8_t *buf)
{
        return sm_nvme_get_log(fd, timeout_ms, NVME_LOG_LID_DEVICE_SELF_TEST, SM_NVME_ST_LOG_SIZE,
                               buf);
}

static void failed(char *why, size_t n, const char *what, int r, int saved_errno)
{
        if (r > 0)
                snprintf(why, n, "Get Log Page %s failed: NVMe status 0x%04x (%s)", what,
                         (unsigned)r, nvme_status_to_string(r, false));
        else
                snprintf(why, n, "Get Log Page %s failed: %s", what,
                         strerror(saved_errno > 0 ? saved_errno : EIO));
}

void sm_nvme_read_logs(int fd, uint32_t timeout_ms, const struct sm_nvme_log_caps *caps,
                       uint8_t *buf, struct sm_nvme_error_log *err_log,
                       struct sm_nvme_self_test_log *st_log)
{
        uint32_t entries = sm_nvme_error_log_entries_to_read(caps);
        int r;

        memset(err_log, 0, sizeof(*err_log));
        memset(st_log, 0, sizeof(*st_log));
        if (!caps || !caps->known) {
                snprintf(err_log->absent_reason, sizeof(err_log->absent_reason),
                         "not asked: Identify Controller was not read");
                snprintf(st_log->absent_reason, sizeof(st_log->absent_reason),
                         "not asked: Identify Controller was not read");
                return;
        }
        errno = 0;
        r = sm_nvme_get_error_log(fd, timeout_ms, entries, buf);
        if (r != 0)
                failed(err_log->absent_reason, sizeof(err_log->absent_reason), "01h (error log)", r,
                       errno);
        else
                sm_nvme_decode_error_log(buf, (size_t)entries * SM_NVME_ERR_ENTRY_SIZE, err_log);

        if (!sm_nvme_self_test_log_supported(caps)) {
                snprintf(st_log->absent_reason, sizeof(st_log->absent_reason),
                         "not supported: Identify Controller OACS bit 4 (Device Self-test) is "
                         "clear");
                return;
        }
        errno = 0;
        r = sm_nvme_get_self_test_log(fd, timeout_ms, buf);
        if (r != 0)
                failed(st_log->absent_reason, sizeof(st_log->absent_reason), "06h (self-test log)",
                       r, errno);
        else
                sm_nvme_decode_self_test_log(buf, SM_NVME_ST_LOG_SIZE, st_log);
}
