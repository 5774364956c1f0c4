/* SPDX-License-Identifier: MIT */
/*
 * scsi.c - the SCSI read path: libsgutils2 commands (sg_ll_inquiry_v2,
 * sg_ll_log_sense_v2, sg_ll_mode_sense10_v2, READ DEFECT DATA(10) through
 * sg_pt with our timeout) or capture files, decoded by scsi_pages.c.
 */
#include "scsi.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <scsi/sg_cmds_basic.h>
#include <scsi/sg_lib.h>
#include <scsi/sg_pt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"

#define INQUIRY_LEN 96
#define VPD_LEN     252
#define PROBE_LEN   4

struct dev {
        int fd;
        int timeout_s;
        const char *node;
        char *err;
        size_t errlen;
};

/* sm_errf() without the return value: the reason only. */
#define seterr(err, errlen, ...) ((void)sm_errf((err), (errlen), 0, __VA_ARGS__))

void sm_scsi_asc_name(uint8_t asc, uint8_t ascq, char *buf, size_t len)
{
        static const char prefix[] = "Additional sense: ";
        char tmp[160];
        const char *s = tmp;
        size_t n;

        if (len == 0)
                return;
        tmp[0] = '\0';
        sg_get_asc_ascq_str(asc, ascq, (int)sizeof(tmp), tmp);
        if (strncmp(s, prefix, sizeof(prefix) - 1) == 0)
                s += sizeof(prefix) - 1;
        n = strnlen(s, len - 1);
        memcpy(buf, s, n);
        buf[n] = '\0';
}

/* Optional commands and pages the device refused: not an error, the value stays absent. */
static bool is_refusal(int res)
{
        return res == SG_LIB_CAT_INVALID_OP || res == SG_LIB_CAT_ILLEGAL_REQ;
}

/* A libsgutils2 result (negated errno, -1 or a SG_LIB_CAT_*) -> -errno and a reason. */
static int cmd_error(const struct dev *d, const char *what, int res)
{
        char cat[80];
        int e;

        if (res < 0) {
                e = -res;
                if (e == EPERM || e == EACCES)
                        seterr(d->err, d->errlen,
                               "%s on %s refused (%s): SG_IO needs read access to the node "
                               "(and CAP_SYS_RAWIO for commands outside the kernel's read-only "
                               "list)",
                               what, d->node, strerror(e));
                else if (e == ENODEV || e == ENXIO)
                        seterr(d->err, d->errlen, "device %s vanished during %s (%s)", d->node,
                               what, strerror(e));
                else
                        seterr(d->err, d->errlen, "%s on %s failed: %s", what, d->node,
                               strerror(e));
                return e == ENXIO ? -ENODEV : -e;
        }
        if (res > SG_LIB_OS_BASE_ERR && res < SG_LIB_CAT_MALFORMED)
                return cmd_error(d, what, -(res - SG_LIB_OS_BASE_ERR)); /* an errno, shifted */
        sg_get_category_sense_str(res, (int)sizeof(cat), cat, 0);
        seterr(d->err, d->errlen, "%s on %s failed: %s", what, d->node, cat);
        if (res == SG_LIB_CAT_TIMEOUT)
                return -ETIMEDOUT;
        if (res == SG_LIB_CAT_NOT_READY)
                return -EAGAIN;
        return -EIO;
}

/*
 * A UNIT ATTENTION (reset, power on, mode change) is reported once: ask again.
 * libsgutils2 returns -1 both for "other failure" and for -EPERM; the errno the
 * failed ioctl left tells them apart (no errno: -EIO).
 */
#define SG_CALL(call)                                   \
        ({                                              \
                int _r;                                 \
                errno = 0;                              \
                _r = (call);                            \
                if (_r == SG_LIB_CAT_UNIT_ATTENTION) {  \
                        errno = 0;                      \
                        _r = (call);                    \
                }                                       \
                if (_r == -1)                           \
                        _r = errno > 0 ? -errno : -EIO; \
                _r;                                     \
        })

static int inquiry(const struct dev *d, bool evpd, int page, uint8_t *buf, int len, int *ret_len)
{
        int resid = 0, r;

        memset(buf, 0, (size_t)len);
        r = SG_CALL(sg_ll_inquiry_v2(d->fd, evpd, page, buf, len, d->timeout_s, &resid, false, 0));
        if (r != 0)
                return r;
        if (resid < 0 || resid > len)
                resid = 0;
        *ret_len = len - resid;
        return 0;
}

/*
 * LOG SENSE (4Dh) with PC=01b (cumulative values), PPC=0, SP=0, parameter
 * pointer 0: a 4-byte probe for the page length, then the whole page (capped
 * at SM_SCSI_MAX_PAGE_LEN, even length as sg_logs asks for HBAs' sake).
 */
static int log_sense(const struct dev *d, uint8_t page, uint8_t sub, uint8_t *buf, int *ret_len)
{
        int resid = 0, r, want;

        memset(buf, 0, SM_SCSI_MAX_PAGE_LEN);
        r = SG_CALL(sg_ll_log_sense_v2(d->fd, false, false, 1, page, sub, 0, buf, PROBE_LEN,
                                       d->timeout_s, &resid, false, 0));
        if (r != 0)
                return r;
        want = ((buf[2] << 8) | buf[3]) + 4;
        if (want % 2)
                want++;
        if (want > SM_SCSI_MAX_PAGE_LEN)
                want = SM_SCSI_MAX_PAGE_LEN;
        resid = 0;
        r = SG_CALL(sg_ll_log_sense_v2(d->fd, false, false, 1, page, sub, 0, buf, want,
                                       d->timeout_s, &resid, false, 0));
        if (r != 0)
                return r;
        if (resid < 0 || resid > want)
                resid = 0;
        *ret_len = want - resid;
        return 0;
}

/* READ DEFECT DATA(10) (37h), grown list, bytes-from-index format (as smartctl asks), header only.
 */
static int read_defect_header(const struct dev *d, uint8_t *buf, int len, int *ret_len)
{
        uint8_t cdb[10] = {0x37, 0x08 | 0x04, 0, 0, 0, 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0};
        uint8_t sense[32];
        struct sg_pt_base *pt = construct_scsi_pt_obj();
        int r, cat = 0;

        if (!pt)
                return -ENOMEM;
        memset(buf, 0, (size_t)len);
        memset(sense, 0, sizeof(sense));
        set_scsi_pt_cdb(pt, cdb, (int)sizeof(cdb));
        set_scsi_pt_sense(pt, sense, (int)sizeof(sense));
        set_scsi_pt_data_in(pt, buf, len);
        r = do_scsi_pt(pt, d->fd, d->timeout_s, 0);
        r = sg_cmds_process_resp(pt, "read defect data(10)", r, false, 0, &cat);
        destruct_scsi_pt_obj(pt);
        if (r == -2)
                return cat ? cat : -1;
        if (r < 0)
                return r;
        *ret_len = r;
        return 0;
}

/*
 * A SATA drive behind SCSI/ATA translation: INQUIRY vendor "ATA" (what SAT
 * requires and smartctl keys on), or an ATA information VPD page (89h) on a
 * device that answers no LOG SENSE (USB bridges name the drive's vendor). VPD
 * 89h alone is not enough: SCSI targets that read fine list it too (the
 * kernel's scsi_debug does).
 */
static bool is_sat(const struct sm_scsi_health *h)
{
        return strcmp(h->vendor, "ATA") == 0 || (h->vpd_ata && h->n_pages == 0);
}

static int sat_error(const char *node, const struct sm_scsi_health *h, char *err, size_t errlen)
{
        seterr(err, errlen,
               "%s is an ATA drive behind SCSI/ATA translation (%s): the ATA collector reads it",
               node,
               strcmp(h->vendor, "ATA") == 0 ? "INQUIRY vendor \"ATA\""
                                             : "VPD page 89h and no SCSI log pages");
        return -SM_SCSI_ERR_SAT;
}

static int read_identity(const struct dev *d, struct sm_scsi_health *h)
{
        static const uint8_t vpds[] = {SM_SCSI_VPD_SN, SM_SCSI_VPD_DEVID, SM_SCSI_VPD_ATA,
                                       SM_SCSI_VPD_BDC};
        uint8_t buf[VPD_LEN], list[VPD_LEN];
        int n = 0, nlist = 0, r;

        r = inquiry(d, false, 0, buf, INQUIRY_LEN, &n);
        if (r != 0)
                return cmd_error(d, "INQUIRY", r);
        if (sm_scsi_decode_inquiry(buf, (size_t)n, h) < 0) {
                seterr(d->err, d->errlen, "INQUIRY on %s: short response (%d bytes)", d->node, n);
                return -EIO;
        }
        /* VPD 00h lists the VPD pages; the others are asked only if listed. */
        r = inquiry(d, true, 0x00, list, VPD_LEN, &nlist);
        if (r != 0) {
                if (is_refusal(r))
                        return 0;
                return cmd_error(d, "INQUIRY VPD 00h", r);
        }
        if (sm_scsi_decode_vpd(list, (size_t)nlist, h) < 0)
                return 0;
        for (size_t i = 0; i < sizeof(vpds); i++) {
                if (!sm_scsi_vpd_listed(list, (size_t)nlist, vpds[i]))
                        continue;
                if (vpds[i] == SM_SCSI_VPD_ATA)
                        continue; /* listed is all we need to know */
                r = inquiry(d, true, vpds[i], buf, VPD_LEN, &n);
                if (r == 0)
                        (void)sm_scsi_decode_vpd(buf, (size_t)n, h);
                else if (!is_refusal(r))
                        return cmd_error(d, "INQUIRY VPD", r);
        }
        return 0;
}

static int read_logs(const struct dev *d, struct sm_scsi_health *h, uint8_t *buf)
{
        int n = 0, r;

        r = log_sense(d, SM_SCSI_LP_SUPPORTED, 0, buf, &n);
        if (r != 0) {
                if (is_refusal(r))
                        return 0; /* LOG SENSE not supported: nothing to read */
                return cmd_error(d, "LOG SENSE 00h", r);
        }
        if (sm_scsi_decode_supported(buf, (size_t)n, h) < 0) {
                seterr(d->err, d->errlen, "LOG SENSE 00h on %s: not a supported pages page",
                       d->node);
                return -EIO;
        }
        /* Subpages: a device without them refuses 00h/FFh, which is fine. */
        r = log_sense(d, SM_SCSI_LP_SUPPORTED, 0xff, buf, &n);
        if (r == 0)
                (void)sm_scsi_decode_supported(buf, (size_t)n, h);
        else if (!is_refusal(r))
                return cmd_error(d, "LOG SENSE 00h/FFh", r);
        for (size_t i = 0; i < sm_scsi_n_log_pages; i++) {
                const struct sm_scsi_page_id *w = &sm_scsi_log_pages[i].id;

                if (!sm_scsi_page_listed(h, w->page, w->subpage))
                        continue;
                r = log_sense(d, w->page, w->subpage, buf, &n);
                if (r == 0) {
                        (void)sm_scsi_decode_log_page(buf, (size_t)n, h);
                } else if (!is_refusal(r)) {
                        char what[40];

                        snprintf(what, sizeof(what), "LOG SENSE %02Xh/%02Xh", w->page, w->subpage);
                        return cmd_error(d, what, r);
                }
        }
        return 0;
}

static void read_optional(const struct dev *d, struct sm_scsi_health *h, uint8_t *buf)
{
        int resid = 0, n = 0;

        /* Informational exceptions control mode page: is IE reporting enabled? */
        memset(buf, 0, 64);
        if (SG_CALL(sg_ll_mode_sense10_v2(d->fd, false, true, 0, 0x1c, 0, buf, 64, d->timeout_s,
                                          &resid, false, 0)) == 0)
                (void)sm_scsi_decode_ie_mode(buf, (size_t)(64 - (resid > 0 ? resid : 0)), h);
        /* Disks only (peripheral type 0, or 14h host-managed zoned). */
        if ((h->peripheral_type == 0x00 || h->peripheral_type == 0x14) &&
            read_defect_header(d, buf, 4, &n) == 0)
                (void)sm_scsi_decode_defect_header(buf, (size_t)n, h);
}

int sm_scsi_read_device(const char *node, unsigned timeout_ms, struct sm_scsi_health *ret,
                        char *err, size_t errlen)
{
        struct sm_scsi_health *h = malloc(sizeof(*h));
        uint8_t *buf = malloc(SM_SCSI_MAX_PAGE_LEN);
        struct dev d = {
                .fd = -1,
                .timeout_s = (int)(((timeout_ms ? timeout_ms : SM_SCSI_DEFAULT_TIMEOUT_MS) + 999) /
                                   1000),
                .node = node,
                .err = err,
                .errlen = errlen,
        };
        int r;

        if (!h || !buf) {
                seterr(err, errlen, "out of memory");
                r = -ENOMEM;
                goto out;
        }
        sm_scsi_health_init(h);
        d.fd = sg_cmds_open_device(node, true /* read-only */, 0);
        if (d.fd < 0) {
                r = d.fd;
                if (r == -EACCES || r == -EPERM)
                        seterr(err, errlen, "cannot open %s: %s (needs read access)", node,
                               strerror(-r));
                else if (r == -ENOENT || r == -ENODEV || r == -ENXIO)
                        seterr(err, errlen, "cannot open %s: %s (device vanished?)", node,
                               strerror(-r));
                else
                        seterr(err, errlen, "cannot open %s: %s", node, strerror(-r));
                goto out;
        }
        r = read_identity(&d, h);
        if (r < 0)
                goto out;
        if (strcmp(h->vendor, "ATA") == 0) {
                r = sat_error(node, h, err, errlen); /* no LOG SENSE for it */
                goto out;
        }
        r = read_logs(&d, h, buf);
        if (r < 0)
                goto out;
        if (is_sat(h)) {
                r = sat_error(node, h, err, errlen);
                goto out;
        }
        read_optional(&d, h, buf);
        if (h->has_ie)
                sm_scsi_asc_name(h->ie_asc, h->ie_ascq, h->ie_text, sizeof(h->ie_text));
        *ret = *h;
        r = 0;
out:
        if (d.fd >= 0)
                sg_cmds_close_device(d.fd);
        free(buf);
        free(h);
        return r;
}

/* ---- captures ---- */

static int slurp(const char *dir, const char *name, uint8_t **ret, size_t *ret_len, size_t max)
{
        char path[4096];
        struct stat st;
        uint8_t *b;
        size_t got = 0;
        int fd;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
                close(fd);
                return -EFBIG;
        }
        b = malloc((size_t)st.st_size + 1);
        if (!b) {
                close(fd);
                return -ENOMEM;
        }
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        close(fd);
        *ret = b;
        *ret_len = got;
        return 0;
}

/* Walk a concatenation of log pages: first pass page 00h lists, second the listed pages. */
static void each_page(const uint8_t *buf, size_t len, bool only_supported, struct sm_scsi_health *h)
{
        size_t off = 0;

        while (off + 4 <= len) {
                struct sm_scsi_page_hdr hd;
                size_t plen;

                if (!sm_scsi_page_header(buf + off, len - off, &hd))
                        break;
                plen = (size_t)hd.page_length + 4;
                if (plen > len - off)
                        plen = len - off;
                if (hd.page == SM_SCSI_LP_SUPPORTED) {
                        if (only_supported)
                                (void)sm_scsi_decode_supported(buf + off, plen, h);
                } else if (!only_supported && sm_scsi_page_listed(h, hd.page, hd.subpage)) {
                        (void)sm_scsi_decode_log_page(buf + off, plen, h);
                }
                off += (size_t)hd.page_length + 4;
        }
}

int sm_scsi_decode_log_stream(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        struct sm_scsi_page_hdr hd;

        if (!sm_scsi_page_header(buf, len, &hd) || hd.page != SM_SCSI_LP_SUPPORTED)
                return -EINVAL;
        each_page(buf, len, true, h);
        each_page(buf, len, false, h);
        return 0;
}

int sm_scsi_read_capture(const char *dir, struct sm_scsi_health *ret, char *err, size_t errlen)
{
        static const char *const vpds[] = {"vpd-00", "vpd-80", "vpd-83", "vpd-89", "vpd-b1"};
        struct sm_scsi_health *h = malloc(sizeof(*h));
        uint8_t *b = NULL;
        size_t n = 0;
        int r;

        if (!h) {
                seterr(err, errlen, "out of memory");
                return -ENOMEM;
        }
        sm_scsi_health_init(h);
        r = slurp(dir, "inquiry", &b, &n, 4096);
        if (r < 0 || sm_scsi_decode_inquiry(b, n, h) < 0) {
                seterr(err, errlen, "SCSI capture %s: no readable 'inquiry' (sg_inq --raw output)",
                       dir);
                r = r < 0 ? r : -EINVAL;
                goto out;
        }
        for (size_t i = 0; i < sizeof(vpds) / sizeof(vpds[0]); i++) {
                free(b);
                b = NULL;
                if (slurp(dir, vpds[i], &b, &n, 4096) == 0)
                        (void)sm_scsi_decode_vpd(b, n, h);
        }
        free(b);
        b = NULL;
        r = slurp(dir, "logs", &b, &n, 1u << 20);
        if (r < 0 || sm_scsi_decode_log_stream(b, n, h) < 0) {
                seterr(err, errlen,
                       "SCSI capture %s: no readable 'logs' starting with page 00h "
                       "(sg_logs --all --raw output)",
                       dir);
                r = r < 0 ? r : -EINVAL;
                goto out;
        }
        free(b);
        b = NULL;
        if (slurp(dir, "defects", &b, &n, 4096) == 0)
                (void)sm_scsi_decode_defect_header(b, n, h);
        if (is_sat(h)) {
                r = sat_error(dir, h, err, errlen);
                goto out;
        }
        if (h->has_ie)
                sm_scsi_asc_name(h->ie_asc, h->ie_ascq, h->ie_text, sizeof(h->ie_text));
        *ret = *h;
        r = 0;
out:
        free(b);
        free(h);
        return r;
}
