/* SPDX-License-Identifier: MIT */
/*
 * sat.c - ATA log reads over SG_IO with libsgutils2 (see sat.h).
 *
 * Why sg_pt_* and not sg_ll_ata_pt(): the same library call, but the pt object
 * tells an OS error (EPERM without CAP_SYS_RAWIO, ENODEV on removal) apart from a
 * transport error (timeout) and from a CHECK CONDITION, and only the first two end
 * the read sequence.
 */
#include "sat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* sg3_utils headers (libsgutils2-dev). */
#include <scsi/sg_lib.h>
#include <scsi/sg_pt.h>

#include "lib/err.h"

#define ATA_READ_LOG_EXT   0x2F
#define ATA_SMART          0xB0
#define SMART_READ_LOG     0xD5
#define SAT_PROTO_PIO_IN   4
#define ATA_STATUS_ERR     0x01
#define ATA_RETURN_DESC    0x09
#define SENSE_LEN          64
#define MAX_PAGES_PER_READ 16

void sm_sat_cdb_read_log(uint8_t cdb[SM_SAT_CDB_LEN], bool gpl, uint8_t log, uint16_t page,
                         uint16_t count)
{
        memset(cdb, 0, SM_SAT_CDB_LEN);
        cdb[0] = 0x85;
        cdb[1] = (uint8_t)((SAT_PROTO_PIO_IN << 1) | (gpl ? 1 : 0));
        cdb[2] = (1u << 3) | (1u << 2) | 2u;
        cdb[5] = (uint8_t)(count >> 8);
        cdb[6] = (uint8_t)count;
        cdb[8] = log;
        if (gpl) {
                cdb[9] = (uint8_t)(page >> 8);
                cdb[10] = (uint8_t)page;
                cdb[14] = ATA_READ_LOG_EXT;
        } else {
                cdb[4] = SMART_READ_LOG;
                cdb[10] = 0x4F;
                cdb[12] = 0xC2;
                cdb[14] = ATA_SMART;
        }
}

static void cmd_name(char *buf, size_t len, bool gpl, uint8_t log, uint16_t page, uint16_t count)
{
        if (gpl)
                snprintf(buf, len, "READ LOG EXT %02Xh/%u", log, page);
        else
                snprintf(buf, len, "SMART READ LOG %02Xh", log);
        (void)count;
}

/* ATA error and status from the sense data: the ATA Status Return descriptor (09h) of
 * descriptor-format sense, or the INFORMATION field of fixed-format sense (SAT-3 12.2.2.6). */
static bool ata_regs(const uint8_t *sense, int len, uint8_t *error, uint8_t *status)
{
        const uint8_t *d;

        if (len < 8)
                return false;
        if ((sense[0] & 0x7F) >= 0x72) {
                d = sg_scsi_sense_desc_find(sense, len, ATA_RETURN_DESC);
                if (!d || d[1] < 12)
                        return false;
                *error = d[3];
                *status = d[13];
                return true;
        }
        *error = sense[3];
        *status = sense[4];
        return true;
}

/* A CHECK CONDITION's sense data: 0 when it is a success after all, else -EREMOTEIO and why. */
static int sense_result(const uint8_t *sense, int slen, const char *what, char *err, size_t errlen)
{
        struct sg_scsi_sense_hdr ssh;
        uint8_t ata_err = 0, ata_st = 0;
        bool have_ata = ata_regs(sense, slen, &ata_err, &ata_st);
        char key[48] = "", asc[96] = "";

        if (!sg_scsi_normalize_sense(sense, slen, &ssh))
                return sm_errf(err, errlen, -EREMOTEIO, "%s: CHECK CONDITION without sense data",
                               what);
        /* NO SENSE / RECOVERED ERROR with a clean ATA status is a success (as
         * smartctl's scsiSimpleSenseFilter); anything else is a refusal. */
        if ((ssh.sense_key == 0x0 || ssh.sense_key == 0x1) &&
            !(have_ata && (ata_st & ATA_STATUS_ERR)))
                return 0;
        sg_get_sense_key_str(ssh.sense_key, sizeof(key), key);
        sg_get_asc_ascq_str(ssh.asc, ssh.ascq, sizeof(asc), asc);
        if (have_ata && ssh.asc == 0 && ssh.ascq == 0)
                return sm_errf(err, errlen, -EREMOTEIO, "%s: ATA status %02Xh error %02Xh (%s)",
                               what, ata_st, ata_err, key);
        if (have_ata)
                return sm_errf(err, errlen, -EREMOTEIO, "%s: ATA status %02Xh error %02Xh (%s, %s)",
                               what, ata_st, ata_err, key, asc);
        return sm_errf(err, errlen, -EREMOTEIO, "%s: %s, %s", what, key, asc);
}

/* What a finished pass-through command came to: 0, or a negative errno and why. */
static int pt_result(struct sg_pt_base *pt, int r, int timeout_s, int len, const uint8_t *sense,
                     const char *what, char *err, size_t errlen)
{
        char b[96];
        int e, resid;

        if (r < 0)
                return sm_errf(err, errlen, r, "%s: %s", what, strerror(-r));
        if (r == SCSI_PT_DO_TIMEOUT)
                return sm_errf(err, errlen, -ETIMEDOUT, "%s: timed out after %d s", what,
                               timeout_s);
        if (r > 0)
                return sm_errf(err, errlen, -EIO, "%s: cannot submit (sg_pt %d)", what, r);
        switch (get_scsi_pt_result_category(pt)) {
        case SCSI_PT_RESULT_GOOD:
                break;
        case SCSI_PT_RESULT_SENSE:
                r = sense_result(sense, get_scsi_pt_sense_len(pt), what, err, errlen);
                if (r < 0)
                        return r;
                break;
        case SCSI_PT_RESULT_STATUS:
                return sm_errf(err, errlen, -EREMOTEIO, "%s: SCSI status %02Xh", what,
                               (unsigned)get_scsi_pt_status_response(pt));
        case SCSI_PT_RESULT_TRANSPORT_ERR:
                return sm_errf(err, errlen, -ECOMM, "%s: transport error: %s", what,
                               get_scsi_pt_transport_err_str(pt, sizeof(b), b));
        case SCSI_PT_RESULT_OS_ERR:
        default:
                e = get_scsi_pt_os_err(pt);
                e = e > 0 ? e : EIO;
                return sm_errf(err, errlen, -e, "%s: %s", what, strerror(e));
        }
        resid = get_scsi_pt_resid(pt);
        if (resid > 0)
                return sm_errf(err, errlen, -ENODATA, "%s: short transfer (%d of %d bytes)", what,
                               len - resid, len);
        return 0;
}

int sm_sat_read_log(int fd, bool gpl, uint8_t log, uint16_t page, uint16_t count, uint8_t *buf,
                    int timeout_ms, char *err, size_t errlen)
{
        uint8_t cdb[SM_SAT_CDB_LEN], sense[SENSE_LEN];
        struct sg_pt_base *pt;
        int len = count * SM_ATA_LOG_SECTOR,
            timeout_s = timeout_ms > 0 ? (timeout_ms + 999) / 1000 : 1;
        char what[64];
        int r;

        cmd_name(what, sizeof(what), gpl, log, page, count);
        if (count == 0 || count > MAX_PAGES_PER_READ)
                return sm_errf(err, errlen, -EINVAL, "%s: bad page count", what);
        sm_sat_cdb_read_log(cdb, gpl, log, page, count);
        memset(buf, 0, (size_t)len);
        memset(sense, 0, sizeof(sense));
        pt = construct_scsi_pt_obj_with_fd(fd, 0);
        if (!pt)
                return -ENOMEM;
        set_scsi_pt_cdb(pt, cdb, sizeof(cdb));
        set_scsi_pt_sense(pt, sense, sizeof(sense));
        set_scsi_pt_data_in(pt, buf, len);
        r = do_scsi_pt(pt, -1, timeout_s, 0);
        r = pt_result(pt, r, timeout_s, len, sense, what, err, errlen);
        destruct_scsi_pt_obj(pt);
        return r;
}

/* ---- the read sequence ---- */

/* Bounded copy, truncating (snprintf "%s" trips -Wformat-truncation on purpose-sized buffers). */
static void put(char *dst, size_t n, const char *a, const char *b)
{
        size_t la = strlen(a), lb = b ? strlen(b) : 0;

        if (n == 0)
                return;
        if (la > n - 1)
                la = n - 1;
        memcpy(dst, a, la);
        if (lb > n - 1 - la)
                lb = n - 1 - la;
        if (lb)
                memcpy(dst + la, b, lb);
        dst[la + lb] = '\0';
}

struct seq {
        int fd, timeout_ms;
        unsigned n_cmds;
        bool dead; /* a transport/OS failure: send nothing more */
        char dead_why[160];
};

static bool fatal(int r)
{
        return r < 0 && r != -EREMOTEIO && r != -ENODATA && r != -EINVAL;
}

static int rd(struct seq *s, bool gpl, uint8_t log, uint16_t page, uint16_t count, uint8_t *buf,
              char *why, size_t whylen)
{
        char err[160];
        int r;

        if (s->dead) {
                put(why, whylen, "not read: ", s->dead_why);
                return -ECANCELED;
        }
        s->n_cmds++;
        r = sm_sat_read_log(s->fd, gpl, log, page, count, buf, s->timeout_ms, err, sizeof(err));
        if (r < 0) {
                put(why, whylen, err, NULL);
                if (fatal(r)) {
                        s->dead = true;
                        put(s->dead_why, sizeof(s->dead_why), err, NULL);
                }
        }
        return r;
}

static void read_devstat(struct seq *s, const struct sm_ata_logdir *gdir,
                         const struct sm_ata_logdir *sdir, struct sm_devstat *ds)
{
        uint8_t page0[SM_ATA_LOG_SECTOR], buf[SM_ATA_LOG_SECTOR * 8];
        bool gpl = gdir->valid && gdir->pages[SM_ATA_LOG_DEVSTAT] > 0;
        unsigned n = gpl ? gdir->pages[SM_ATA_LOG_DEVSTAT]
                         : (sdir->valid ? sdir->pages[SM_ATA_LOG_DEVSTAT] : 0);
        unsigned max_page = 0;

        if (n == 0) {
                snprintf(ds->why, sizeof(ds->why), "no Device Statistics log (04h) in the %s",
                         gdir->valid && sdir->valid ? "GPL or SMART log directory"
                         : gdir->valid              ? "GPL log directory"
                         : sdir->valid              ? "SMART log directory"
                                                    : "log directories (none readable)");
                return;
        }
        ds->gpl = gpl;
        if (rd(s, gpl, SM_ATA_LOG_DEVSTAT, 0, 1, page0, ds->why, sizeof(ds->why)) < 0)
                return;
        if (sm_devstat_decode_list(page0, ds) < 0)
                return;
        for (size_t i = 0; i < sizeof(sm_devstat_wanted); i++) {
                uint8_t p = sm_devstat_wanted[i];

                if (sm_devstat_listed(ds, p) && p < n && p > max_page)
                        max_page = p;
        }
        if (max_page == 0) {
                sm_devstat_note_missing(ds);
                return;
        }
        if (!gpl) {
                /* SMART READ LOG has no page offset: pages 0..max_page in one read */
                if (rd(s, false, SM_ATA_LOG_DEVSTAT, 0, (uint16_t)(max_page + 1), buf, ds->why,
                       sizeof(ds->why)) < 0)
                        return;
        }
        for (size_t i = 0; i < sizeof(sm_devstat_wanted); i++) {
                uint8_t p = sm_devstat_wanted[i];
                const uint8_t *data = buf + (gpl ? 0 : SM_ATA_LOG_SECTOR * p);
                char why[96];

                if (!sm_devstat_listed(ds, p) || p >= n)
                        continue;
                if (gpl && rd(s, true, SM_ATA_LOG_DEVSTAT, p, 1, buf, why, sizeof(why)) < 0) {
                        if (!ds->why[0])
                                put(ds->why, sizeof(ds->why), why, NULL);
                        if (s->dead)
                                return;
                        continue;
                }
                (void)sm_devstat_decode_page(data, p, ds);
        }
        sm_devstat_note_missing(ds);
}

/*
 * A log with an extended (GPL) and a SMART copy, the IDENTIFY feature it needs, and the
 * decoder of its one-sector SMART copy (log: the sm_ata_error_log or sm_ata_self_test_log).
 */
struct log_copies {
        uint8_t ext, smart;
        const char *name, *feature;
        bool (*supported)(const uint8_t *identify);
        void (*decode_smart)(const uint8_t *sector, void *log);
};

static void decode_summary_error_log(const uint8_t *sector, void *log)
{
        (void)sm_ata_summary_error_log_decode(sector, log);
}

static void decode_self_test_log(const uint8_t *sector, void *log)
{
        (void)sm_ata_self_test_log_decode(sector, log);
}

// clang-format off
static const struct log_copies error_logs = {
        SM_ATA_LOG_EXT_ERROR, SM_ATA_LOG_SUMMARY_ERROR, "error log", "error logging",
        sm_ata_id_error_logging, decode_summary_error_log,
};
static const struct log_copies self_test_logs = {
        SM_ATA_LOG_EXT_SELF_TEST, SM_ATA_LOG_SELF_TEST, "self-test log", "self-test",
        sm_ata_id_self_test, decode_self_test_log,
};

// clang-format on

/*
 * The common start of reading a log: the number of pages of its GPL copy when the GPL
 * directory lists it, for the caller to read; else 0 and the log is done: the one-sector
 * SMART copy read into buf and decoded into log, or why set (the feature not supported,
 * neither directory lists the log, or the SMART read failed).
 */
static unsigned pick_log(struct seq *s, const struct log_copies *l, const uint8_t *id,
                         const struct sm_ata_logdir *gdir, const struct sm_ata_logdir *sdir,
                         uint8_t *buf, void *log, char *why, size_t whylen)
{
        unsigned n = gdir->valid ? gdir->pages[l->ext] : 0;

        if (!l->supported(id)) {
                snprintf(why, whylen, "IDENTIFY: SMART %s not supported", l->feature);
                return 0;
        }
        if (n > 0)
                return n;
        if (!(sdir->valid && sdir->pages[l->smart] > 0)) {
                snprintf(why, whylen, "no %s (%02Xh, %02Xh) in the log directories", l->name,
                         l->ext, l->smart);
                return 0;
        }
        if (rd(s, false, l->smart, 0, 1, buf, why, whylen) < 0)
                return 0;
        l->decode_smart(buf, log);
        return 0;
}

static void read_error_log(struct seq *s, const uint8_t *id, const struct sm_ata_logdir *gdir,
                           const struct sm_ata_logdir *sdir, struct sm_ata_error_log *log)
{
        uint8_t page0[SM_ATA_LOG_SECTOR], other[SM_ATA_LOG_SECTOR];
        unsigned n =
                pick_log(s, &error_logs, id, gdir, sdir, page0, log, log->why, sizeof(log->why));
        uint32_t count;
        uint16_t index;
        int other_page = -1;

        if (n == 0)
                return;
        if (rd(s, true, SM_ATA_LOG_EXT_ERROR, 0, 1, page0, log->why, sizeof(log->why)) < 0)
                return;
        if (sm_ata_ext_error_log_header(page0, &count, &index) < 0) {
                snprintf(log->why, sizeof(log->why), "error log 03h: checksum mismatch");
                return;
        }
        if (index > 4 * n) {
                snprintf(log->why, sizeof(log->why), "error log 03h: invalid index %u", index);
                return;
        }
        log->present = true;
        log->extended = true;
        log->count = count;
        if (!count || !index)
                return;
        /* newest entry index-1, then backwards around the circular buffer of 4n entries */
        for (unsigned k = 0; k < 4 * n && k < count && log->n_entries < SM_ATA_ERR_MAX; k++) {
                unsigned i = (index - 1 + 4 * n - k) % (4 * n), pg = i / 4;
                const uint8_t *p = page0;
                struct sm_ata_error *e = &log->entries[log->n_entries];

                if (pg != 0) {
                        if ((int)pg != other_page) {
                                char why[96];

                                if (rd(s, true, SM_ATA_LOG_EXT_ERROR, (uint16_t)pg, 1, other, why,
                                       sizeof(why)) < 0 ||
                                    !sm_ata_log_checksum_ok(other)) {
                                        snprintf(log->why, sizeof(log->why), "%s",
                                                 s->dead ? why : "error log 03h: page unreadable");
                                        return;
                                }
                                other_page = (int)pg;
                        }
                        p = other;
                }
                if (sm_ata_ext_error_entry(p, i % 4, e)) {
                        e->number = count - k;
                        log->n_entries++;
                }
        }
}

static void read_self_test_log(struct seq *s, const uint8_t *id, const struct sm_ata_logdir *gdir,
                               const struct sm_ata_logdir *sdir, struct sm_ata_self_test_log *log)
{
        uint8_t buf[SM_ATA_LOG_SECTOR * 4];
        unsigned n =
                pick_log(s, &self_test_logs, id, gdir, sdir, buf, log, log->why, sizeof(log->why));

        if (n == 0)
                return;
        if (n > 4) {
                /* 4 pages = 76 descriptors; larger logs are rare and not read */
                snprintf(log->why, sizeof(log->why),
                         "extended self-test log 07h has %u pages (at most 4 read)", n);
                return;
        }
        if (rd(s, true, SM_ATA_LOG_EXT_SELF_TEST, 0, (uint16_t)n, buf, log->why, sizeof(log->why)) <
            0)
                return;
        (void)sm_ata_ext_self_test_log_decode(buf, n, log);
}

unsigned sm_sat_read_logs(int fd, const uint8_t *identify, int timeout_ms, struct sm_ata_logs *out)
{
        struct seq s = {.fd = fd, .timeout_ms = timeout_ms};
        struct sm_ata_logdir gdir, sdir;
        uint8_t sector[SM_ATA_LOG_SECTOR];
        bool gpl = sm_ata_id_gpl(identify);
        bool smart_logging =
                gpl || sm_ata_id_error_logging(identify) || sm_ata_id_self_test(identify);
        char why[96] = "";

        sm_ata_logs_init(out);
        memset(&gdir, 0, sizeof(gdir));
        memset(&sdir, 0, sizeof(sdir));
        if (gpl && rd(&s, true, SM_ATA_LOG_DIRECTORY, 0, 1, sector, why, sizeof(why)) == 0)
                sm_ata_logdir_decode(sector, &gdir);
        /* The SMART directory only when a log is not in the GPL one (smartctl reads it
         * for the same logs), and only from a drive that does SMART logging at all. */
        if (smart_logging && !s.dead &&
            (!gdir.valid || !gdir.pages[SM_ATA_LOG_DEVSTAT] ||
             (sm_ata_id_error_logging(identify) && !gdir.pages[SM_ATA_LOG_EXT_ERROR]) ||
             (sm_ata_id_self_test(identify) && !gdir.pages[SM_ATA_LOG_EXT_SELF_TEST]))) {
                char w2[96] = "";

                if (rd(&s, false, SM_ATA_LOG_DIRECTORY, 0, 1, sector, w2, sizeof(w2)) == 0)
                        sm_ata_logdir_decode(sector, &sdir);
                else if (!why[0])
                        put(why, sizeof(why), w2, NULL);
        }
        if (!smart_logging) {
                static const char none[] =
                        "IDENTIFY: neither General Purpose Logging nor SMART logging supported";

                put(out->devstat.why, sizeof(out->devstat.why), none, NULL);
                put(out->errors.why, sizeof(out->errors.why), none, NULL);
                put(out->self_tests.why, sizeof(out->self_tests.why), none, NULL);
                return s.n_cmds;
        }
        if (!gdir.valid && !sdir.valid && why[0]) {
                put(out->devstat.why, sizeof(out->devstat.why), why, NULL);
                put(out->errors.why, sizeof(out->errors.why), why, NULL);
                put(out->self_tests.why, sizeof(out->self_tests.why), why, NULL);
                return s.n_cmds;
        }
        read_devstat(&s, &gdir, &sdir, &out->devstat);
        read_error_log(&s, identify, &gdir, &sdir, &out->errors);
        read_self_test_log(&s, identify, &gdir, &sdir, &out->self_tests);
        return s.n_cmds;
}
