/* SPDX-License-Identifier: MIT */
/*
 * scsi_pages.c - SCSI log page, INQUIRY and VPD decoding (see scsi_pages.h).
 * Offsets are quoted from SPC-5 / SBC-4 / SPL-4 with the parameter header
 * (4 bytes) included, as sg_logs and smartctl index them.
 */
#include "scsi_pages.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static uint16_t be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be_n(const uint8_t *p, size_t n)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

void sm_scsi_health_init(struct sm_scsi_health *h)
{
        memset(h, 0, sizeof(*h));
}

bool sm_scsi_page_header(const uint8_t *buf, size_t len, struct sm_scsi_page_hdr *ret)
{
        if (!buf || len < 4)
                return false;
        ret->page = buf[0] & 0x3f;
        ret->spf = buf[0] & 0x40;
        ret->ds = buf[0] & 0x80;
        ret->subpage = ret->spf ? buf[1] : 0;
        ret->page_length = be16(buf + 2);
        ret->params_len = ret->page_length;
        ret->truncated = false;
        if (ret->params_len > len - 4) {
                ret->params_len = len - 4;
                ret->truncated = true;
        }
        return true;
}

bool sm_scsi_next_param(const uint8_t *buf, const struct sm_scsi_page_hdr *h, size_t *off,
                        struct sm_scsi_param *ret)
{
        const uint8_t *p = buf + 4 + *off;

        if (*off + 4 > h->params_len)
                return false;
        if (*off + 4 + p[3] > h->params_len)
                return false; /* a parameter cut off by the page (or allocation) length */
        ret->code = be16(p);
        ret->control = p[2];
        ret->len = p[3];
        ret->data = p + 4;
        *off += 4 + (size_t)p[3];
        return true;
}

uint64_t sm_scsi_param_u64(const struct sm_scsi_param *p)
{
        if (p->len > 8)
                return be_n(p->data + p->len - 8, 8);
        return be_n(p->data, p->len);
}

bool sm_scsi_page_listed(const struct sm_scsi_health *h, uint8_t page, uint8_t subpage)
{
        for (unsigned i = 0; i < h->n_pages; i++) {
                if (h->pages[i].page == page && h->pages[i].subpage == subpage)
                        return true;
        }
        return false;
}

static void add_page(struct sm_scsi_health *h, uint8_t page, uint8_t subpage)
{
        if (sm_scsi_page_listed(h, page, subpage) || h->n_pages >= SM_SCSI_MAX_PAGES)
                return;
        h->pages[h->n_pages].page = page;
        h->pages[h->n_pages].subpage = subpage;
        h->n_pages++;
}

/*
 * 00h/00h: one page code per byte. 00h/FFh (SPF=1): (page, subpage) pairs.
 * Both may be decoded into the same h; the lists are merged.
 */
int sm_scsi_decode_supported(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        struct sm_scsi_page_hdr hd;

        if (!sm_scsi_page_header(buf, len, &hd) || hd.page != SM_SCSI_LP_SUPPORTED)
                return -EINVAL;
        if (hd.spf) {
                if (hd.subpage != 0xff)
                        return -EINVAL;
                for (size_t i = 0; i + 1 < hd.params_len; i += 2)
                        add_page(h, buf[4 + i] & 0x3f, buf[5 + i]);
                h->subpages_listed = true;
        } else {
                for (size_t i = 0; i < hd.params_len; i++)
                        add_page(h, buf[4 + i] & 0x3f, 0);
        }
        return 0;
}

/* ---- the pages ---- */

/* The last parameter `code` of a page with at least min bytes (a repeated one: the last wins). */
static bool last_param(const uint8_t *buf, const struct sm_scsi_page_hdr *hd, uint16_t code,
                       uint8_t min, struct sm_scsi_param *ret)
{
        struct sm_scsi_param p;
        bool found = false;

        sm_scsi_foreach_param(p, buf, hd) {
                if (p.code == code && p.len >= min) {
                        *ret = p;
                        found = true;
                }
        }
        return found;
}

/*
 * The parameters that are one value each: the last parameter `code` of page `page` with at
 * least min bytes sets its has_ flag and the value, bytes at..at+width-1 big-endian (width 0:
 * the whole parameter, as sm_scsi_param_u64 reads it). has, value: offsets in struct
 * sm_scsi_health; size: the value field's.
 */
struct value_param {
        uint8_t page;
        uint16_t code;
        uint8_t min, at, width;
        size_t has, value, size;
};

// clang-format off
#define VP(page, code, min, at, width, has, field)                                          \
        {SM_SCSI_LP_##page, code, min, at, width, offsetof(struct sm_scsi_health, has),     \
         offsetof(struct sm_scsi_health, field), sizeof(((struct sm_scsi_health *)0)->field)}
static const struct value_param value_params[] = {
        /* 11h: 0001h percentage used endurance indicator, byte 7 of a 4-byte parameter */
        VP(SOLID_STATE, 0x0001, 4, 3, 1, has_endurance, endurance_used_percent),
        /* 06h: 0000h non-medium error count */
        VP(NON_MEDIUM, 0x0000, 1, 0, 0, has_non_medium, non_medium_errors),
        /* 0Eh: 0003h/0004h specified and accumulated start-stop cycles, 0005h/0006h the same
         * for load-unload; 4 bytes each */
        VP(START_STOP, 0x0003, 4, 0, 4, has_start_stop_specified, start_stop_specified),
        VP(START_STOP, 0x0004, 4, 0, 4, has_start_stop, start_stop_cycles),
        VP(START_STOP, 0x0005, 4, 0, 4, has_load_unload_specified, load_unload_specified),
        VP(START_STOP, 0x0006, 4, 0, 4, has_load_unload, load_unload_cycles),
};

// clang-format on

/* The value parameters of page hd->page (above) into h. */
static void value_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                       struct sm_scsi_health *h)
{
        for (size_t i = 0; i < ARRAY_SIZE(value_params); i++) {
                const struct value_param *v = &value_params[i];
                uint8_t *base = (uint8_t *)h;
                struct sm_scsi_param p;
                uint64_t x;

                if (v->page != hd->page || !last_param(buf, hd, v->code, v->min, &p))
                        continue;
                x = v->width ? be_n(p.data + v->at, v->width) : sm_scsi_param_u64(&p);
                *(bool *)(base + v->has) = true;
                switch (v->size) {
                case 1:
                        *(uint8_t *)(base + v->value) = (uint8_t)x;
                        break;
                case 2:
                        *(uint16_t *)(base + v->value) = (uint16_t)x;
                        break;
                case 4:
                        *(uint32_t *)(base + v->value) = (uint32_t)x;
                        break;
                default:
                        *(uint64_t *)(base + v->value) = x;
                }
        }
}

/* 0Dh: 0000h temperature, 0001h reference temperature; byte 5, FFh = not available. */
static void temperature_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                             struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        sm_scsi_foreach_param(p, buf, hd) {
                if (p.len < 2)
                        continue;
                if (p.code == 0x0000 && p.data[1] != 0xff) {
                        h->has_temperature = true;
                        h->temperature_c = p.data[1];
                } else if (p.code == 0x0001 && p.data[1] != 0xff) {
                        h->has_reference_temperature = true;
                        h->reference_temperature_c = p.data[1];
                }
        }
}

/*
 * 0Dh/01h environmental reporting: temperature reports 0000h..00FFh (12 bytes:
 * byte 4 bit 0 OTV, 5 temperature, 6/7 lifetime max/min, 8/9 max/min since power
 * on, 10/11 max/min other; signed, 80h = not available). Humidity (0100h..) skipped.
 */
static void environmental_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                               struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        sm_scsi_foreach_param(p, buf, hd) {
                struct sm_scsi_env_temp *e;

                if (p.code >= 0x100 || p.len < 8 || h->n_env >= SM_SCSI_MAX_ENV)
                        continue;
                e = &h->env[h->n_env++];
                e->param = p.code;
                e->other_valid = p.data[0] & 1;
                e->current = (int8_t)p.data[1];
                e->lifetime_max = (int8_t)p.data[2];
                e->lifetime_min = (int8_t)p.data[3];
                e->max_since_power_on = (int8_t)p.data[4];
                e->min_since_power_on = (int8_t)p.data[5];
                e->max_other = e->other_valid ? (int8_t)p.data[6] : SM_SCSI_TEMP_NA;
                e->min_other = e->other_valid ? (int8_t)p.data[7] : SM_SCSI_TEMP_NA;
        }
}

/* 2Fh: 0000h byte 4 ASC, 5 ASCQ, 6 most recent temperature (FFh = not available). */
static void ie_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd, struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        sm_scsi_foreach_param(p, buf, hd) {
                if (p.code != 0x0000 || p.len < 2)
                        continue;
                h->has_ie = true;
                h->ie_asc = p.data[0];
                h->ie_ascq = p.data[1];
                if (p.len >= 3 && p.data[2] != 0xff) {
                        h->has_ie_temperature = true;
                        h->ie_temperature_c = p.data[2];
                }
        }
}

/* 02h write, 03h read, 05h verify (h->errors[0..2]): parameter code k is counter k. */
static void error_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                       struct sm_scsi_health *h)
{
        struct sm_scsi_error_counters *e = &h->errors[hd->page == SM_SCSI_LP_WRITE_ERRORS  ? 0
                                                      : hd->page == SM_SCSI_LP_READ_ERRORS ? 1
                                                                                           : 2];
        struct sm_scsi_param p;

        e->present = true;
        sm_scsi_foreach_param(p, buf, hd) {
                if (p.code >= SM_SCSI_EC_COUNT || p.len == 0)
                        continue;
                e->has |= (uint8_t)(1u << p.code);
                e->v[p.code] = sm_scsi_param_u64(&p);
        }
}

static bool ascii_digits(const uint8_t *p, size_t n, unsigned *ret)
{
        unsigned v = 0;

        for (size_t i = 0; i < n; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(p[i] - '0');
        }
        *ret = v;
        return true;
}

/*
 * 0Eh start-stop cycle counter (SPC-5 7.3.24): 0001h date of manufacture
 * (4 ASCII digits year, 2 week; blanks = not set); the cycle counters are value
 * parameters (value_params[]).
 */
static void start_stop_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                            struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        sm_scsi_foreach_param(p, buf, hd) {
                unsigned year, week;

                if (p.code == 0x0001 && p.len >= 6 && ascii_digits(p.data, 4, &year) &&
                    ascii_digits(p.data + 4, 2, &week) && year > 0 && week <= 53) {
                        h->has_manufacture_date = true;
                        h->manufacture_year = (uint16_t)year;
                        h->manufacture_week = (uint8_t)week;
                }
        }
        value_page(buf, hd, h);
}

/*
 * 15h background scan results (SBC-4 6.2.2): 0000h status parameter (bytes 4-7
 * accumulated power-on minutes, 9 status, 10-11 scans performed, 12-13 progress,
 * 14-15 medium scans performed); 0001h..0800h one per medium defect found.
 * The page may be cut at the allocation length: the status comes first.
 */
static void background_scan_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                                 struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        sm_scsi_foreach_param(p, buf, hd) {
                if (p.code == 0x0000 && p.len >= 8) {
                        h->has_background_scan = true;
                        h->power_on_minutes = be32(p.data);
                        h->background_scan_status = p.data[5];
                        h->background_scans = be16(p.data + 6);
                        if (p.len >= 10)
                                h->background_scan_progress = be16(p.data + 8);
                        if (p.len >= 12)
                                h->background_medium_scans = be16(p.data + 10);
                } else if (p.code >= 0x0001 && p.code <= 0x0800) {
                        h->background_scan_defects++;
                }
        }
}

/*
 * 18h protocol-specific port, SAS (SPL-4 9.2.8.1): per target port a parameter
 * (code = relative target port identifier) with byte 4 protocol identifier (6 =
 * SAS), byte 7 number of phys, then SAS phy log descriptors from byte 8, each
 * bytes 3 + 4 long: byte 1 phy identifier, 32-35 invalid dwords, 36-39 running
 * disparity errors, 40-43 loss of dword synchronization, 44-47 phy reset problems.
 */
static void protocol_port_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                               struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        sm_scsi_foreach_param(p, buf, hd) {
                size_t d = 4; /* descriptors start at byte 8 of the parameter */

                if (p.len < 4 || (p.data[0] & 0x0f) != 6)
                        continue;
                h->has_phys = true;
                while (d + 4 <= p.len) {
                        const uint8_t *x = p.data + d;
                        size_t dlen = (size_t)x[3] + 4;
                        struct sm_scsi_phy *ph;

                        if (d + dlen > p.len || dlen < 48)
                                break;
                        if (h->n_phys < SM_SCSI_MAX_PHYS) {
                                ph = &h->phys[h->n_phys++];
                                ph->port = p.code;
                                ph->phy_id = x[1];
                                ph->invalid_dwords = be32(x + 32);
                                ph->disparity_errors = be32(x + 36);
                                ph->loss_of_sync = be32(x + 40);
                                ph->reset_problems = be32(x + 44);
                        }
                        d += dlen;
                }
        }
}

/*
 * 10h self-test results (SPC-5 7.3.22): parameters 0001h..0014h, most recent
 * first; byte 4 self-test code (7..5) and result (3..0), 5 number, 6-7
 * accumulated power-on hours. An entry with hours 0 and byte 4 zero is unused,
 * and (as sg_logs does) ends the list.
 */
static void self_test_page(const uint8_t *buf, const struct sm_scsi_page_hdr *hd,
                           struct sm_scsi_health *h)
{
        struct sm_scsi_param p;

        h->has_self_test = true;
        sm_scsi_foreach_param(p, buf, hd) {
                uint8_t result;

                if (p.code < 0x0001 || p.code > 0x0014 || p.len < 4)
                        continue;
                if (p.data[0] == 0 && be16(p.data + 2) == 0)
                        break;
                result = p.data[0] & 0x0f;
                if (h->self_tests == 0) {
                        h->last_self_test_code = (uint8_t)(p.data[0] >> 5);
                        h->last_self_test_result = result;
                        h->last_self_test_power_on_hours = be16(p.data + 2);
                }
                h->self_tests++;
                if (result >= SM_SCSI_ST_UNKNOWN_ERROR && result <= SM_SCSI_ST_FAILED_OTHER_SEGMENT)
                        h->self_tests_failed++;
        }
}

/* In the order the collector reads them (scsi.c); 00h, the supported pages, aside. */
const struct sm_scsi_log_page sm_scsi_log_pages[] = {
        {{SM_SCSI_LP_TEMPERATURE, 0}, temperature_page},
        {{SM_SCSI_LP_TEMPERATURE, SM_SCSI_SUB_ENVIRONMENTAL}, environmental_page},
        {{SM_SCSI_LP_IE, 0}, ie_page},
        {{SM_SCSI_LP_SOLID_STATE, 0}, value_page},
        {{SM_SCSI_LP_WRITE_ERRORS, 0}, error_page},
        {{SM_SCSI_LP_READ_ERRORS, 0}, error_page},
        {{SM_SCSI_LP_VERIFY_ERRORS, 0}, error_page},
        {{SM_SCSI_LP_NON_MEDIUM, 0}, value_page},
        {{SM_SCSI_LP_START_STOP, 0}, start_stop_page},
        {{SM_SCSI_LP_BACKGROUND_SCAN, 0}, background_scan_page},
        {{SM_SCSI_LP_PROTOCOL_PORT, 0}, protocol_port_page},
        {{SM_SCSI_LP_SELF_TEST, 0}, self_test_page},
};
const size_t sm_scsi_n_log_pages = ARRAY_SIZE(sm_scsi_log_pages);

int sm_scsi_decode_log_page(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        struct sm_scsi_page_hdr hd;

        if (!sm_scsi_page_header(buf, len, &hd))
                return -EINVAL;
        if (hd.page == SM_SCSI_LP_SUPPORTED && hd.subpage == 0)
                return sm_scsi_decode_supported(buf, len, h);
        for (size_t i = 0; i < ARRAY_SIZE(sm_scsi_log_pages); i++) {
                const struct sm_scsi_log_page *lp = &sm_scsi_log_pages[i];

                if (lp->id.page == hd.page && lp->id.subpage == hd.subpage) {
                        lp->decode(buf, &hd, h);
                        return 0;
                }
        }
        return -EINVAL;
}

/* ---- INQUIRY and VPD ---- */

/* Fixed-width, space-padded ASCII -> trimmed C string; non-printables become '?'. */
static void ascii_field(char *dst, size_t n, const uint8_t *src, size_t width)
{
        size_t b = 0, e = width, len;

        while (b < e && (src[b] == ' ' || src[b] == '\0'))
                b++;
        while (e > b && (src[e - 1] == ' ' || src[e - 1] == '\0'))
                e--;
        len = e - b < n - 1 ? e - b : n - 1;
        for (size_t i = 0; i < len; i++)
                dst[i] = src[b + i] >= 0x20 && src[b + i] < 0x7f ? (char)src[b + i] : '?';
        dst[len] = '\0';
}

/* Standard INQUIRY data (SPC-5 6.7.2): type byte 0, version 2, T10 vendor 8-15,
 * product 16-31, revision 32-35. */
int sm_scsi_decode_inquiry(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        if (!buf || len < 36)
                return -EINVAL;
        h->has_inquiry = true;
        h->peripheral_type = buf[0] & 0x1f;
        h->version = buf[2];
        ascii_field(h->vendor, sizeof(h->vendor), buf + 8, 8);
        ascii_field(h->product, sizeof(h->product), buf + 16, 16);
        ascii_field(h->revision, sizeof(h->revision), buf + 32, 4);
        return 0;
}

bool sm_scsi_vpd_listed(const uint8_t *vpd00, size_t len, uint8_t page)
{
        size_t n;

        if (!vpd00 || len < 4 || vpd00[1] != 0x00)
                return false;
        n = be16(vpd00 + 2);
        if (n > len - 4)
                n = len - 4;
        for (size_t i = 0; i < n; i++) {
                if (vpd00[4 + i] == page)
                        return true;
        }
        return false;
}

/* 83h: the NAA designator (type 3) associated with the logical unit (association 0). */
static void devid_page(const uint8_t *buf, size_t n, struct sm_scsi_health *h)
{
        size_t off = 0;

        while (off + 4 <= n) {
                const uint8_t *d = buf + 4 + off;
                size_t dl = d[3];
                unsigned assoc = (d[1] >> 4) & 3, type = d[1] & 0x0f, codeset = d[0] & 0x0f;

                if (off + 4 + dl > n)
                        break;
                if (type == 3 && assoc == 0 && codeset == 1 && (dl == 8 || dl == 16)) {
                        char *w = h->wwn;

                        w += sprintf(w, "0x");
                        for (size_t i = 0; i < dl; i++)
                                w += sprintf(w, "%02x", d[4 + i]);
                        return;
                }
                off += 4 + dl;
        }
}

int sm_scsi_decode_vpd(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        size_t n;

        if (!buf || len < 4)
                return -EINVAL;
        n = be16(buf + 2);
        if (n > len - 4)
                n = len - 4;
        switch (buf[1]) {
        case 0x00:
                h->has_vpd_list = true;
                h->vpd_ata = sm_scsi_vpd_listed(buf, len, SM_SCSI_VPD_ATA);
                break;
        case SM_SCSI_VPD_SN:
                ascii_field(h->serial, sizeof(h->serial), buf + 4, n < 63 ? n : 63);
                break;
        case SM_SCSI_VPD_DEVID:
                devid_page(buf, n, h);
                break;
        case SM_SCSI_VPD_ATA:
                h->vpd_ata = true;
                break;
        case SM_SCSI_VPD_BDC:
                /* MEDIUM ROTATION RATE: 0 not reported, 1 non-rotating, 0401h..FFFEh rpm. */
                if (n >= 2) {
                        uint16_t r = be16(buf + 4);

                        if (r == 1 || (r >= 0x0401 && r <= 0xfffe)) {
                                h->has_rotation_rate = true;
                                h->rotation_rate = r == 1 ? 0 : r;
                        }
                }
                break;
        default:
                return -EINVAL;
        }
        return 0;
}

/*
 * MODE SENSE(10) response with the informational exceptions control mode page
 * (1Ch, SPC-5 7.5.13): 8-byte header (block descriptor length in bytes 6-7),
 * then the page: byte 2 bit 3 DEXCPT, byte 3 bits 3..0 MRIE.
 */
int sm_scsi_decode_ie_mode(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        size_t bd, p;

        if (!buf || len < 8)
                return -EINVAL;
        bd = be16(buf + 6);
        p = 8 + bd;
        if (p + 4 > len || (buf[p] & 0x3f) != 0x1c || (buf[p] & 0x40))
                return -EINVAL;
        h->has_ie_mode = true;
        h->ie_dexcpt = buf[p + 2] & 0x08;
        h->ie_mrie = buf[p + 3] & 0x0f;
        return 0;
}

/*
 * READ DEFECT DATA(10) header (SBC-4 5.7.2): byte 1 PLISTV (4), GLISTV (3),
 * format (2..0); bytes 2-3 defect list length in bytes. The number of entries
 * follows from the format's descriptor size (short block 4, others 8), as
 * smartctl counts them.
 */
int sm_scsi_decode_defect_header(const uint8_t *buf, size_t len, struct sm_scsi_health *h)
{
        unsigned fmt, size;

        if (!buf || len < 4 || !(buf[1] & 0x08))
                return -EINVAL;
        fmt = buf[1] & 0x07;
        switch (fmt) {
        case 0: /* short block */
                size = 4;
                break;
        case 3: /* long block */
        case 4: /* bytes from index */
        case 5: /* physical sector */
                size = 8;
                break;
        default:
                return -EINVAL;
        }
        h->has_grown_defects = true;
        h->grown_defects = be16(buf + 2) / size;
        return 0;
}

const char *sm_scsi_self_test_result_name(uint8_t result)
{
        static const char *const names[] = {SM_SCSI_ST_RESULT_CODES(SM_ENUM_VALUE_NAME)};

        return SM_ENUM_NAME(names, result, "reserved");
}
