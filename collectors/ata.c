/* SPDX-License-Identifier: MIT */
/*
 * ata.c - ATA/SATA SMART through libatasmart, for live devices and for
 * `skdump --save` blobs (replay).
 *
 * Rules this file keeps (each learnt from libatasmart 0.19's source and strace):
 *  - A fresh SkDisk per read: libatasmart caches attribute results in the
 *    SkDisk and never invalidates them.
 *  - Never change drive state. libatasmart's lazy SMART init sends SMART
 *    ENABLE OPERATIONS when IDENTIFY word 85 bit 0 is clear, so we check that
 *    bit ourselves, on the very IDENTIFY data libatasmart will test, before any
 *    SMART call, and refuse the drive ("SMART disabled").
 *  - Never wake a drive: a runtime-suspended device is not opened at all, and a
 *    drive in standby/sleep (CHECK POWER MODE) gets no SMART command.
 *  - sk_disk_open() opens the node O_RDONLY|O_NOCTTY|O_NONBLOCK|O_CLOEXEC (checked
 *    with strace on a loop device and in the umockdev test, which records the
 *    open flags), so closing it cannot trigger udev's "change" on close-after-write.
 *  - Temperature, bad sectors and power cycles are computed here from attribute
 *    IDs, not from libatasmart's helpers (attribute 231 is taken as a temperature
 *    by libatasmart 0.19; smartctl reads raw byte 0 of 194, then 190).
 *  - libatasmart sometimes sets errno to a negative value (-ENODATA for a blob
 *    without IDFY, -ENOTSUP for devices without access method); errno_of() fixes it.
 */
#include "ata.h"

#include <sys/stat.h>

#include <atasmart.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/file.h"
#include "lib/fmt.h"
#include "lib/util.h"

/* Largest blob we accept: skdump writes 1572 bytes; leave room for unknown records. */
#define ATA_BLOB_MAX (64 * 1024)

#define IDENTIFY_SIZE 512

/* Overall states, named like sk_smart_overall_to_string() in lower case. */
static const char *const overall_names[] = {
        [SK_SMART_OVERALL_GOOD] = "good",
        [SK_SMART_OVERALL_BAD_ATTRIBUTE_IN_THE_PAST] = "bad_attribute_in_the_past",
        [SK_SMART_OVERALL_BAD_SECTOR] = "bad_sector",
        [SK_SMART_OVERALL_BAD_ATTRIBUTE_NOW] = "bad_attribute_now",
        [SK_SMART_OVERALL_BAD_SECTOR_MANY] = "bad_sector_many",
        [SK_SMART_OVERALL_BAD_STATUS] = "bad_status",
};

static const char *overall_name(int overall)
{
        if (overall < 0 || (size_t)overall >= ARRAY_SIZE(overall_names))
                return NULL;
        return overall_names[overall];
}

/* libatasmart's errno, made positive and non-zero. */
static int errno_of(void)
{
        int e = errno;

        if (e < 0)
                e = -e;
        return e > 0 ? e : EIO;
}

/* A libatasmart call failed: "what: strerror" into err, and its -errno. */
static int sk_fail(char *err, size_t errlen, const char *what)
{
        int e = errno_of();

        return sm_errf(err, errlen, -e, "%s: %s", what, strerror(e));
}

/* sk_fail(), except that errno `special` means something of its own: return r with msg. */
static int sk_fail_unless(char *err, size_t errlen, const char *what, int special, int r,
                          const char *msg)
{
        if (errno_of() == special)
                return sm_errf(err, errlen, r, "%s", msg);
        return sk_fail(err, errlen, what);
}

static void sk_disk_freep(SkDisk **d)
{
        if (*d)
                sk_disk_free(*d);
}

/* ---- IDENTIFY DEVICE decoding (ATA/ATAPI-8 ACS, words little-endian) ---- */

static unsigned id_word(const uint8_t *id, unsigned w)
{
        return (unsigned)id[2 * w] | ((unsigned)id[2 * w + 1] << 8);
}

/* Word 85 bit 0: SMART feature set enabled (what libatasmart's init_smart() tests). */
static bool id_smart_enabled(const uint8_t *id)
{
        return id_word(id, 85) & 1;
}

/* Word 217: 1 = non-rotating medium, 0401h..FFFEh = nominal rpm, else not reported. */
static int id_rotation_rate(const uint8_t *id)
{
        unsigned w = id_word(id, 217);

        if (w == 1)
                return 0;
        if (w >= 0x0401 && w <= 0xFFFE)
                return (int)w;
        return -1;
}

/* Words 108-111: world wide name (NAA, IEEE OUI, unique id), as udev's ID_WWN spells it. */
static void id_wwn(const uint8_t *id, char *buf, size_t len)
{
        unsigned w[4];
        bool zero = true, ones = true;

        for (unsigned i = 0; i < 4; i++) {
                w[i] = id_word(id, 108 + i);
                zero = zero && w[i] == 0;
                ones = ones && w[i] == 0xFFFF;
        }
        if (zero || ones || len == 0) {
                if (len)
                        buf[0] = '\0';
                return;
        }
        if (len < 19) {
                buf[0] = '\0';
                return;
        }
        /* "0x" and 16 hex digits, written by hand: snprintf trips -Wformat-truncation at -O0. */
        buf[0] = '0';
        buf[1] = 'x';
        for (unsigned i = 0; i < 16; i++)
                buf[2 + i] = "0123456789abcdef"[(w[i / 4] >> (12 - 4 * (i % 4))) & 0xF];
        buf[18] = '\0';
}

/* User-addressable capacity: LBA48 words 100-103 (if supported) or 60-61, times the
 * logical sector size (words 106, 117-118). 0 when the data does not say. */
static uint64_t id_capacity(const uint8_t *id)
{
        uint64_t sectors = 0, sector_size = 512;
        unsigned w106 = id_word(id, 106);

        if (id_word(id, 83) & (1u << 10)) {
                for (unsigned i = 0; i < 4; i++)
                        sectors |= (uint64_t)id_word(id, 100 + i) << (16 * i);
        }
        if (sectors == 0)
                sectors = (uint64_t)id_word(id, 60) | ((uint64_t)id_word(id, 61) << 16);
        if ((w106 & 0xC000) == 0x4000 && (w106 & (1u << 12))) {
                uint64_t words = (uint64_t)id_word(id, 117) | ((uint64_t)id_word(id, 118) << 16);

                if (words >= 256 && words <= 32768)
                        sector_size = words * 2;
        }
        if (sectors > UINT64_MAX / sector_size)
                return 0;
        return sectors * sector_size;
}

/*
 * An IDENTIFY string (byte-swapped per ATA): non-printables become spaces and
 * a NUL ends it, as in libatasmart; leading and trailing spaces are trimmed.
 * squeeze=true also folds runs of inner spaces into one, which is what
 * sk_disk_identify_parse() returns (used to cross-check identify_of()); the
 * identity we export keeps inner spaces like smartctl ("WDC  WUH721816ALE6L4").
 */
static void id_string(const uint8_t *id, unsigned off, unsigned len, bool squeeze, char *out)
{
        char tmp[48];
        const char *s = tmp;
        size_t n = 0;
        unsigned pending = 0;

        for (unsigned i = 0; i < len; i += 2) {
                tmp[i] = (char)id[off + i + 1];
                tmp[i + 1] = (char)id[off + i];
        }
        tmp[len] = '\0';
        for (unsigned i = 0; i < len && tmp[i]; i++) {
                if ((unsigned char)tmp[i] < ' ' || (unsigned char)tmp[i] >= 127)
                        tmp[i] = ' ';
        }
        s += strspn(s, " ");
        for (; *s; s++) {
                if (*s == ' ') {
                        pending++;
                        continue;
                }
                for (unsigned k = squeeze && pending ? 1 : pending; k > 0; k--)
                        out[n++] = ' ';
                pending = 0;
                out[n++] = *s;
        }
        out[n] = '\0';
}

/*
 * The raw IDENTIFY sector libatasmart read at sk_disk_open() and that its
 * init_smart() tests before deciding to send SMART ENABLE. The public API has
 * no getter for it (sk_disk_get_blob() would itself send SMART RETURN STATUS,
 * i.e. run init_smart() first). So we read it from the head of libatasmart's
 * private struct SkDisk, which has been the same from 0.19 (2012) to the 2025
 * upstream: { char *name; int fd; SkDiskType type; uint64_t size; uint8_t identify[512]; }.
 * The result is only trusted if serial, firmware and model decoded from those
 * bytes equal what sk_disk_identify_parse() returns; otherwise the caller fails
 * closed ("cannot verify that SMART is enabled").
 */
struct sk_disk_head {
        char *name;
        int fd;
        int type;
        uint64_t size;
        uint8_t identify[IDENTIFY_SIZE];
};

static const uint8_t *identify_of(SkDisk *d, const SkIdentifyParsedData *ipd)
{
        const uint8_t *id = ((const struct sk_disk_head *)(const void *)d)->identify;
        char serial[48], firmware[48], model[48];

        id_string(id, 20, 20, true, serial);
        id_string(id, 46, 8, true, firmware);
        id_string(id, 54, 40, true, model);
        if (model[0] == '\0' && serial[0] == '\0')
                return NULL;
        if (strcmp(serial, ipd->serial) != 0 || strcmp(firmware, ipd->firmware) != 0 ||
            strcmp(model, ipd->model) != 0)
                return NULL;
        return id;
}

/* ---- blobs ---- */

static int read_blob(const char *path, uint8_t **ret, size_t *ret_len, char *err, size_t errlen)
{
        _cleanup_free_ uint8_t *buf = malloc(ATA_BLOB_MAX);
        size_t len = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        r = sm_read_file(path, buf, ATA_BLOB_MAX, &len, SM_FILE_NONBLOCK);
        if (r == -EINVAL)
                return sm_errf(err, errlen, r, "ATA capture is not a regular file");
        if (r == -EFBIG)
                return sm_errf(err, errlen, r, "ATA capture larger than %d bytes", ATA_BLOB_MAX);
        if (r < 0)
                return sm_errf(err, errlen, r, "cannot open ATA capture: %s", strerror(-r));
        if (len == 0)
                return sm_errf(err, errlen, -ENODATA, "ATA capture is empty");
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* The IDFY record of a blob (sk_disk_set_blob() already validated the record chain). */
static const uint8_t *blob_identify(const uint8_t *blob, size_t len)
{
        size_t off = 0;

        while (len - off >= 8) {
                uint32_t size = ((uint32_t)blob[off + 4] << 24) | ((uint32_t)blob[off + 5] << 16) |
                                ((uint32_t)blob[off + 6] << 8) | blob[off + 7];

                if (size > len - off - 8)
                        return NULL;
                if (memcmp(blob + off, "IDFY", 4) == 0)
                        return size == IDENTIFY_SIZE ? blob + off + 8 : NULL;
                off += 8 + (size_t)size;
        }
        return NULL;
}

/* ---- runtime PM ---- */

static bool sysfs_equals(const char *dir, const char *file, const char *want)
{
        char path[512], buf[32];
        size_t len = 0;

        if (sm_path_join(path, sizeof(path), dir, file, NULL) < 0 ||
            sm_read_file(path, buf, sizeof(buf) - 1, &len, 0) < 0 || len == 0)
                return false;
        buf[len] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return strcmp(buf, want) == 0;
}

/*
 * Runtime PM: a device with power/control "auto" and power/runtime_status
 * "suspended" would be resumed (spun up) by our open/ioctl. For SCSI disks the
 * state lives on the scsi_device (<syspath>/device/power/), so check both the
 * block device and its parent.
 */
static bool runtime_suspended(const char *syspath)
{
        static const char *const dirs[] = {"power", "device/power"};
        char dir[512];

        if (!syspath || !syspath[0])
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                if (snprintf(dir, sizeof(dir), "%s/%s", syspath, dirs[i]) >= (int)sizeof(dir))
                        continue;
                if (sysfs_equals(dir, "control", "auto") &&
                    sysfs_equals(dir, "runtime_status", "suspended"))
                        return true;
        }
        return false;
}

/* ---- attributes ---- */

struct attr_ctx {
        struct sm_health *h;
        bool have_194, have_190;
        uint8_t t194, t190;
        bool have_5, have_197, have_12;
        uint64_t raw5, raw197, raw12;
        bool have_poh;
        uint64_t poh_ms;
        /* libatasmart's fill_cache() inputs for the overall verdict (see overall_of()) */
        bool bad_attribute_now, bad_attribute_in_the_past;
        bool realloc_found, pending_found, realloc_bad, pending_bad;
        uint64_t realloc, pending;
};

static uint64_t raw48(const uint8_t raw[6])
{
        uint64_t v = 0;

        for (int i = 5; i >= 0; i--)
                v = (v << 8) | raw[i];
        return v;
}

static bool name_is(const SkSmartAttributeParsedData *a, const char *name)
{
        return a->name && strcmp(a->name, name) == 0;
}

static bool name_has(const SkSmartAttributeParsedData *a, const char *part)
{
        return a->name && strstr(a->name, part) != NULL;
}

/* °C of a temperature attribute: raw byte 0 (smartctl's default for 190/194; upper bytes
 * may hold min/max), or tenths of a degree in the low 16 bits when libatasmart's quirk
 * table says so (smartctl's "temp10x"). Out-of-range values are rejected by the caller. */
static uint8_t temperature_byte(const SkSmartAttributeParsedData *a)
{
        if (name_is(a, "temperature-centi-celsius")) {
                unsigned t = (((unsigned)a->raw[0] | ((unsigned)a->raw[1] << 8)) + 5) / 10;

                return t > 255 ? 0 : (uint8_t)t;
        }
        return a->raw[0];
}

/* Keep the attribute as the drive reports it (libatasmart's parse) in the health table. */
static void store_attr(struct sm_ata_health *ata, const SkSmartAttributeParsedData *a)
{
        struct sm_ata_attr *x = &ata->attrs[ata->n_attrs++];

        x->id = a->id;
        /* a->name dies after this callback (libatasmart frees "attribute-N"). */
        if (a->name)
                sm_strlcpy(x->name, a->name, sizeof(x->name));
        else
                snprintf(x->name, sizeof(x->name), "attribute-%u", a->id);
        x->flags = a->flags;
        x->prefailure = a->prefailure;
        x->online = a->online;
        x->value = a->current_value;
        x->worst = a->worst_value;
        x->threshold = a->threshold;
        x->value_valid = a->current_value_valid;
        x->worst_valid = a->worst_value_valid;
        x->threshold_valid = a->threshold_valid;
        x->raw = raw48(a->raw);
}

/* Same bookkeeping as libatasmart 0.19's fill_cache_cb(), for overall_of(). */
static void note_verdict_inputs(struct attr_ctx *c, const SkSmartAttributeParsedData *a)
{
        bool bad;

        if (a->prefailure) {
                if (a->good_now_valid && !a->good_now)
                        c->bad_attribute_now = true;
                if (a->good_in_the_past_valid && !a->good_in_the_past)
                        c->bad_attribute_in_the_past = true;
        }
        if (a->pretty_unit != SK_SMART_ATTRIBUTE_UNIT_SECTORS || !a->current_value_valid)
                return;
        bad = a->good_now_valid && !a->good_now;
        if (name_is(a, "reallocated-sector-count")) {
                if (a->pretty_value > c->realloc)
                        c->realloc = a->pretty_value;
                c->realloc_found = true;
                c->realloc_bad = c->realloc_bad || bad;
        }
        if (name_is(a, "current-pending-sector")) {
                if (a->pretty_value > c->pending)
                        c->pending = a->pretty_value;
                c->pending_found = true;
                c->pending_bad = c->pending_bad || bad;
        }
}

/*
 * The attributes behind sm_health's generic values (temperature, power-on, power
 * cycles, bad sectors). First occurrence of an ID wins, like smartctl's attribute
 * lookup. libatasmart's per-model quirk table renames attributes whose meaning
 * differs on a model ("attribute-197" on Fujitsu MHY2xxxBH 0085000B, "attribute-5"
 * on MCCOE64GEMPP, "temperature-centi-celsius" for 194 on some Samsungs); a->name
 * says which.
 */
static void note_generic(struct attr_ctx *c, const SkSmartAttributeParsedData *a)
{
        uint64_t raw = raw48(a->raw);

        switch (a->id) {
        case 5:
                if (!c->have_5 && name_is(a, "reallocated-sector-count")) {
                        c->have_5 = true;
                        c->raw5 = raw;
                }
                break;
        case 9:
                /* libatasmart's per-model unit quirks (hours, minutes, half-minutes,
                 * seconds) already applied; unit UNKNOWN means its sanity check failed. */
                if (!c->have_poh && a->pretty_unit == SK_SMART_ATTRIBUTE_UNIT_MSECONDS) {
                        c->have_poh = true;
                        c->poh_ms = a->pretty_value;
                }
                break;
        case 12:
                if (!c->have_12) {
                        c->have_12 = true;
                        c->raw12 = raw;
                }
                break;
        case 190:
                if (!c->have_190 && name_has(a, "temperature")) {
                        c->have_190 = true;
                        c->t190 = temperature_byte(a);
                }
                break;
        case 194:
                if (!c->have_194 && name_has(a, "temperature")) {
                        c->have_194 = true;
                        c->t194 = temperature_byte(a);
                }
                break;
        case 197:
                if (!c->have_197 && name_is(a, "current-pending-sector")) {
                        c->have_197 = true;
                        c->raw197 = raw;
                }
                break;
        default:
                break;
        }
}

/* libatasmart's per-attribute callback: store, then note what the verdict and sm_health need. */
static void attr_cb(SkDisk *d, const SkSmartAttributeParsedData *a, void *userdata)
{
        struct attr_ctx *c = userdata;

        (void)d;
        if (c->h->ata.n_attrs >= SM_ATA_MAX_ATTRS)
                return;
        store_attr(&c->h->ata, a);
        note_verdict_inputs(c, a);
        note_generic(c, a);
}

/*
 * sk_disk_smart_get_overall() (Debian 0.19-5, with its "drop our own many bad
 * sectors heuristic" patch), computed from our single attribute parse instead
 * of calling it: the call re-parses every attribute, and each parse compiles
 * libatasmart's quirk regexes once per attribute (half of a read's CPU), and it
 * sends a second SMART RETURN STATUS. First match wins. test-ata-replay checks
 * the result against skdump's "Overall Status" on all 136 blobs.
 */
static SkSmartOverall overall_of(const struct attr_ctx *c, bool status_good)
{
        if (!status_good)
                return SK_SMART_OVERALL_BAD_STATUS;
        if ((c->realloc_found || c->pending_found) && (c->realloc_bad || c->pending_bad))
                return SK_SMART_OVERALL_BAD_SECTOR_MANY;
        if (c->bad_attribute_now)
                return SK_SMART_OVERALL_BAD_ATTRIBUTE_NOW;
        if ((c->realloc_found ? c->realloc : 0) + (c->pending_found ? c->pending : 0) > 0)
                return SK_SMART_OVERALL_BAD_SECTOR;
        if (c->bad_attribute_in_the_past)
                return SK_SMART_OVERALL_BAD_ATTRIBUTE_IN_THE_PAST;
        return SK_SMART_OVERALL_GOOD;
}

/* Identity, rotation rate and capacity from the IDENTIFY sector (and the kernel, live). */
static void decode_identify(SkDisk *d, const uint8_t *id, struct sm_health *h)
{
        uint64_t size;

        /* Our own decoding keeps inner spaces, like smartctl and the kernel's sysfs model. */
        id_string(id, 54, 40, false, h->ident.model);
        id_string(id, 20, 20, false, h->ident.serial);
        id_string(id, 46, 8, false, h->ident.firmware);
        id_wwn(id, h->ident.wwn, sizeof(h->ident.wwn));
        h->rotation_rate = id_rotation_rate(id);
        if (sk_disk_get_size(d, &size) == 0 && size > 0)
                h->capacity_bytes = size; /* live: the kernel's BLKGETSIZE64 */
        else
                h->capacity_bytes = id_capacity(id);
}

/* Read and parse the attribute table (SMART READ DATA; a no-op on blobs) through attr_cb(). */
static int decode_attributes(SkDisk *d, struct attr_ctx *c, char *err, size_t errlen)
{
        /* Sends SMART READ DATA (and READ THRESHOLDS on first use); a no-op on blobs. */
        if (sk_disk_smart_read_data(d) < 0)
                return sk_fail(err, errlen, "SMART READ DATA failed");
        if (sk_disk_smart_parse_attributes(d, attr_cb, c) < 0)
                return sk_fail_unless(err, errlen, "cannot parse SMART attributes", ENOENT,
                                      -ENODATA, "no SMART attribute data (no SMDT record)");
        return 0;
}

/*
 * Verdict: SMART RETURN STATUS (one command), then libatasmart's overall
 * classification (overall_of(): BAD_STATUS, BAD_SECTOR_MANY (5 or 197
 * at/below threshold now), BAD_ATTRIBUTE_NOW, BAD_SECTOR (any reallocated/
 * pending sector), BAD_ATTRIBUTE_IN_THE_PAST, GOOD).
 *
 * healthy = 0 when the drive says it is failing or a threshold is crossed
 * now (BAD_STATUS, BAD_SECTOR_MANY, BAD_ATTRIBUTE_NOW): that is what the
 * ATA spec calls a threshold-exceeded condition. healthy = 1 for GOOD,
 * BAD_SECTOR and BAD_ATTRIBUTE_IN_THE_PAST: a few remapped sectors or a
 * past excursion are worth a warning (exported as ssdmon_smart_status and
 * ssdmon_bad_sectors), not a "failing" verdict; one reallocated sector
 * is the classic libatasmart false alarm. healthy = -1 when there is no
 * verdict (no SMART status, e.g. a blob without SMST, or the command failed).
 */
static void decode_verdict(SkDisk *d, const struct attr_ctx *c, struct sm_health *h)
{
        SkSmartOverall overall;
        SkBool good;

        if (sk_disk_smart_status(d, &good) != 0)
                return;
        overall = overall_of(c, good);
        h->ata.overall = (int)overall;
        h->ata.status_valid = true;
        h->ata.status_good = good;
        h->healthy = (overall == SK_SMART_OVERALL_BAD_STATUS ||
                      overall == SK_SMART_OVERALL_BAD_SECTOR_MANY ||
                      overall == SK_SMART_OVERALL_BAD_ATTRIBUTE_NOW)
                             ? 0
                             : 1;
}

/* sm_health's generic values from the attributes attr_cb() noted. */
static void decode_generic(const struct attr_ctx *c, struct sm_health *h)
{
        uint32_t r5 = (uint32_t)c->raw5, r197 = (uint32_t)c->raw197;
        bool ok5 = c->have_5 && r5 != UINT32_MAX, ok197 = c->have_197 && r197 != UINT32_MAX;

        /* Like smartctl: raw byte 0 of 194, else of 190, when it reads 1..127 °C. */
        if (c->have_194 && c->t194 > 0 && c->t194 < 128) {
                h->has_temperature = true;
                h->temperature_c = c->t194;
        } else if (c->have_190 && c->t190 > 0 && c->t190 < 128) {
                h->has_temperature = true;
                h->temperature_c = c->t190;
        }
        if (c->have_poh) {
                h->has_power_on = true;
                h->power_on_seconds = c->poh_ms / 1000;
        }
        if (c->have_12) {
                h->has_power_cycles = true;
                h->power_cycles = c->raw12;
        }
        /*
         * Reallocated (5) + pending (197) sectors: the low 32 bits of each raw value,
         * as libatasmart counts them; vendors keep other data in raw bytes 4-5
         * (Fujitsu: 0x07D0 there on a drive with no bad sector). All-ones means
         * "not available" and counts as unknown.
         */
        if (ok5 || ok197) {
                h->has_bad_sectors = true;
                h->bad_sectors = (ok5 ? (uint64_t)r5 : 0) + (ok197 ? (uint64_t)r197 : 0);
        }
}

/*
 * Decode an opened SkDisk (blob or live, awake, SMART enabled) into h.
 * id: the IDENTIFY sector (512 bytes). The attribute table is parsed by
 * libatasmart here (decode_attributes); the rest is ours.
 */
static int decode(SkDisk *d, const uint8_t *id, struct sm_health *h, char *err, size_t errlen)
{
        struct attr_ctx c = {.h = h};
        int r;

        decode_identify(d, id, h);
        r = decode_attributes(d, &c, err, errlen);
        if (r < 0)
                return r;
        decode_verdict(d, &c, h);
        decode_generic(&c, h);
        return 0;
}

static int read_replay(const struct sm_device_id *id, struct sm_health *h, char *err, size_t errlen)
{
        _cleanup_(sk_disk_freep) SkDisk *d = NULL;
        _cleanup_free_ uint8_t *blob = NULL;
        const uint8_t *ident;
        size_t len = 0;
        int r;

        r = read_blob(id->devnode, &blob, &len, err, errlen);
        if (r < 0)
                return r;
        if (sk_disk_open(NULL, &d) < 0)
                return sk_fail(err, errlen, "libatasmart");
        if (sk_disk_set_blob(d, blob, len) < 0)
                return sk_fail_unless(err, errlen, "malformed ATA capture", ENODATA, -EINVAL,
                                      "malformed ATA capture: no IDFY record");
        ident = blob_identify(blob, len);
        if (!ident)
                return sm_errf(err, errlen, -EINVAL, "malformed ATA capture: no IDFY record");
        return decode(d, ident, h, err, errlen);
}

static int read_live(const struct sm_device_id *id, struct sm_health *h, char *err, size_t errlen)
{
        _cleanup_(sk_disk_freep) SkDisk *d = NULL;
        const SkIdentifyParsedData *ipd;
        const uint8_t *ident;
        SkBool avail = 0, awake = 0;

        if (runtime_suspended(id->aux))
                return SM_READ_RET_ASLEEP;

        /* Opens read-only and sends IDENTIFY DEVICE (which does not wake a drive). */
        if (sk_disk_open(id->devnode, &d) < 0) {
                int e = errno_of();

                return sm_errf(err, errlen, -e, "cannot open %s: %s", id->devnode, strerror(e));
        }
        if (sk_disk_identify_is_available(d, &avail) < 0 || !avail)
                return sm_errf(err, errlen, -EIO,
                               "IDENTIFY DEVICE failed: no working ATA pass-through");
        if (sk_disk_check_sleep_mode(d, &awake) < 0)
                return sk_fail(err, errlen, "CHECK POWER MODE failed");
        if (!awake)
                return SM_READ_RET_ASLEEP;
        if (sk_disk_smart_is_available(d, &avail) < 0 || !avail)
                return sm_errf(err, errlen, -ENOTSUP, "SMART not supported");
        if (sk_disk_identify_parse(d, &ipd) < 0)
                return sk_fail(err, errlen, "cannot parse IDENTIFY data");
        ident = identify_of(d, ipd);
        if (!ident)
                return sm_errf(
                        err, errlen, -ENOTSUP,
                        "cannot verify that SMART is enabled (unexpected libatasmart layout)");
        if (!id_smart_enabled(ident)) {
                /* libatasmart would send SMART ENABLE OPERATIONS: leave the drive alone. */
                return sm_errf(err, errlen, -ENOTSUP, "SMART disabled");
        }
        return decode(d, ident, h, err, errlen);
}

static int ata_read(const struct sm_device_id *id, const struct sm_read_opts *opts,
                    struct sm_health *ret, char *err, size_t errlen)
{
        /* Large (struct sm_health is ~1.5 KiB), but read() runs on a worker thread with its
         * own stack; keep it off the caller's *ret until the read succeeded. */
        struct sm_health h;
        int r;

        (void)opts; /* libatasmart hard-codes a 2 s SG_IO timeout per command */
        if (!id || !ret || !err || errlen == 0)
                return -EINVAL;
        err[0] = '\0';
        if (!id->devnode[0])
                return sm_errf(err, errlen, -EINVAL, "no device node");
        sm_health_init(&h);
        r = id->replay ? read_replay(id, &h, err, errlen) : read_live(id, &h, err, errlen);
        if (r == 0)
                *ret = h;
        return r;
}

/* ---- what the values mean: families and readings ---- */

SM_FAMILY(static, f_smart_status, "ssdmon_smart_status", SM_GAUGE, "", 0,
          "libatasmart overall SMART verdict: 1 for the current state, 0 for the others", "status");
SM_FAMILY(static, f_normalized, "ssdmon_ata_attribute_normalized", SM_GAUGE, "", 0,
          "ATA SMART attribute normalized current value", "id", "name");
SM_FAMILY(static, f_worst, "ssdmon_ata_attribute_worst", SM_GAUGE, "", 0,
          "ATA SMART attribute worst normalized value", "id", "name");
SM_FAMILY(static, f_threshold, "ssdmon_ata_attribute_threshold", SM_GAUGE, "", 0,
          "ATA SMART attribute failure threshold; absent when the drive reports none", "id",
          "name");
SM_FAMILY(static, f_raw, "ssdmon_ata_attribute_raw", SM_GAUGE, "", 0,
          "ATA SMART attribute raw value, 48 bits little-endian, vendor specific", "id", "name");

static const struct sm_family *const ata_families[] = {
        &f_smart_status, &f_normalized, &f_worst, &f_threshold, &f_raw, NULL,
};

/* clang-format off */
#define ATA_JSON(kind_, k, fl) {.kind = kind_, .section = "ata", .key = k, .flags = fl}
#define ATTR_JSON(kind_, k, fl) \
        {.kind = kind_, .section = "ata", .array = "attributes", .key = k, .flags = fl}
/* clang-format on */

static const struct sm_desc d_overall = {.json = ATA_JSON(SM_JSON_STRING, "overall", SM_JSON_NULL)};
static const struct sm_desc d_status_passed = {
        .json = ATA_JSON(SM_JSON_BOOL, "smart_status_passed", SM_JSON_NULL)};
static const struct sm_desc d_smart_status = {.family = &f_smart_status};
static const struct sm_desc d_attr_id = {.json = ATTR_JSON(SM_JSON_NUMBER, "id", 0)};
static const struct sm_desc d_attr_name = {.json = ATTR_JSON(SM_JSON_STRING, "name", 0)};
static const struct sm_desc d_attr_flags = {.json = ATTR_JSON(SM_JSON_NUMBER, "flags", 0)};
static const struct sm_desc d_attr_prefailure = {.json = ATTR_JSON(SM_JSON_BOOL, "prefailure", 0)};
static const struct sm_desc d_attr_online = {.json = ATTR_JSON(SM_JSON_BOOL, "online", 0)};
static const struct sm_desc d_attr_value = {.family = &f_normalized,
                                            .json = ATTR_JSON(SM_JSON_NUMBER, "value", 0)};
static const struct sm_desc d_attr_worst = {.family = &f_worst,
                                            .json = ATTR_JSON(SM_JSON_NUMBER, "worst", 0)};
static const struct sm_desc d_attr_threshold = {
        .family = &f_threshold, .json = ATTR_JSON(SM_JSON_NUMBER, "threshold", SM_JSON_NULL)};
/* 48-bit raw fits a double exactly; raw_string for consumers that parse to int64. */
static const struct sm_desc d_attr_raw = {.family = &f_raw,
                                          .json = ATTR_JSON(SM_JSON_NUMBER, "raw", SM_JSON_EXACT)};

/* An attribute ID seen earlier in the same table (a corrupt table may repeat IDs). */
static bool dup_id(const struct sm_ata_health *a, unsigned i)
{
        for (unsigned j = 0; j < i; j++) {
                if (a->attrs[j].id == a->attrs[i].id)
                        return true;
        }
        return false;
}

static void emit_verdict(const struct sm_ata_health *a, sm_emit_fn emit, void *ctx)
{
        const char *ov = overall_name(a->overall);
        struct sm_reading r = {.desc = &d_overall, .str = ov, .present = ov != NULL};

        emit(ctx, &r);
        r = sm_reading_num(&d_status_passed, a->status_good, NULL);
        r.present = a->status_valid;
        emit(ctx, &r);
        for (size_t s = 0; ov && s < ARRAY_SIZE(overall_names); s++) {
                r = sm_reading_num(&d_smart_status, (int)s == a->overall ? 1 : 0, NULL);
                r.labels[0] = overall_names[s];
                emit(ctx, &r);
        }
}

static void emit_attr(const struct sm_ata_health *a, unsigned k, sm_emit_fn emit, void *ctx)
{
        const struct sm_ata_attr *x = &a->attrs[k];
        /* A repeated ID stays in the JSON table but would be a duplicate series. */
        bool json_only = dup_id(a, k);
        char id[4], raw[SM_FMT_MAX];
        struct sm_reading r = {.row = k, .labels = {id, x->name}, .present = true};

        snprintf(id, sizeof(id), "%u", x->id);
        sm_fmt_u64(x->raw, raw, sizeof(raw));
        r.desc = &d_attr_id, r.value = x->id;
        emit(ctx, &r);
        r.desc = &d_attr_name, r.str = x->name;
        emit(ctx, &r);
        r.desc = &d_attr_flags, r.value = x->flags;
        emit(ctx, &r);
        r.desc = &d_attr_prefailure, r.value = x->prefailure;
        emit(ctx, &r);
        r.desc = &d_attr_online, r.value = x->online;
        emit(ctx, &r);
        r.json_only = json_only;
        r.desc = &d_attr_value, r.value = x->value;
        emit(ctx, &r);
        r.desc = &d_attr_worst, r.value = x->worst;
        emit(ctx, &r);
        r.desc = &d_attr_threshold, r.value = x->threshold, r.present = x->threshold_valid;
        emit(ctx, &r);
        r.desc = &d_attr_raw, r.value = (double)x->raw, r.exact = raw, r.present = true;
        emit(ctx, &r);
}

static void ata_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx)
{
        const struct sm_ata_health *a = &h->ata;

        emit_verdict(a, emit, ctx);
        for (unsigned k = 0; k < a->n_attrs && k < SM_ATA_MAX_ATTRS; k++)
                emit_attr(a, k, emit, ctx);
}

SM_COLLECTOR(sm_ata_collector, "ata", SM_PROTO_ATA, ata_read, ata_readings, ata_families);
