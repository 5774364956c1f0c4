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
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ata_attr.h"
#include "ata_log.h"
#include "ata_log_readings.h"
#include "drivedb.h"
#include "endurance.h"
#include "identity.h"
#include "lib/err.h"
#include "lib/file.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "sat.h"

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
/* Word 217: 1 non-rotating, 0401h-FFFEh rpm, else not reported (false). */
static bool id_rotation_rate(const uint8_t *id, unsigned *rpm)
{
        unsigned w = id_word(id, 217);

        *rpm = w == 1 ? 0 : w;
        return w == 1 || (w >= 0x0401 && w <= 0xFFFE);
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
 * An IDENTIFY string (byte-swapped per ATA) as libatasmart decodes it:
 * non-printables become spaces and a NUL ends it; leading and trailing spaces
 * are trimmed; squeeze=true also folds runs of inner spaces into one, which is
 * what sk_disk_identify_parse() returns (used to cross-check identify_of()).
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
 * An IDENTIFY string for export (byte-swapped per ATA, a NUL ends it), through
 * the one identity cleaner (identity.h): inner spaces kept like smartctl
 * ("WDC  WUH721816ALE6L4"), bytes that are not printable UTF-8 replaced and
 * the original kept escaped in raw.
 */
static void id_export(const uint8_t *id, unsigned off, unsigned len, char *out, size_t n, char *raw,
                      size_t rawn)
{
        char tmp[48];

        for (unsigned i = 0; i < len; i += 2) {
                tmp[i] = (char)id[off + i + 1];
                tmp[i + 1] = (char)id[off + i];
        }
        (void)sm_ident_clean(out, n, raw, rawn, tmp, strnlen(tmp, len));
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

/* libatasmart's SkDiskType value for SAT with ATA PASS-THROUGH(16) (atasmart.c enum,
 * 0.19 to upstream: PASSTHROUGH_12 = 0, PASSTHROUGH_16 = 1, LINUX_IDE, SUNPLUS, ...). */
#define SK_TYPE_ATA_PASSTHROUGH_16 1

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

/* The payload of a blob record (4-byte tag, 4-byte big-endian length), or NULL. The
 * chain was validated by sk_disk_set_blob() (replay) or built by sk_disk_get_blob(). */
static const uint8_t *blob_record(const uint8_t *blob, size_t len, const char *tag,
                                  uint32_t *ret_size)
{
        size_t off = 0;

        while (len - off >= 8) {
                uint32_t size = ((uint32_t)blob[off + 4] << 24) | ((uint32_t)blob[off + 5] << 16) |
                                ((uint32_t)blob[off + 6] << 8) | blob[off + 7];

                if (size > len - off - 8)
                        return NULL;
                if (memcmp(blob + off, tag, 4) == 0) {
                        *ret_size = size;
                        return blob + off + 8;
                }
                off += 8 + (size_t)size;
        }
        return NULL;
}

/* The IDFY record of a blob (sk_disk_set_blob() already validated the record chain). */
static const uint8_t *blob_identify(const uint8_t *blob, size_t len)
{
        uint32_t size;
        const uint8_t *p = blob_record(blob, len, "IDFY", &size);

        return p && size == IDENTIFY_SIZE ? p : NULL;
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

/* ---- per-model knowledge, looked up once per model+firmware ---- */

/*
 * What we know about a drive model: libatasmart 0.19's quirk bits (for its
 * verdict and units, test-ata-attr) and the smartmontools database entry
 * (attribute names and family, test-drivedb). Both cost regex compilations, so
 * they are looked up when a model+firmware is first read and kept; the
 * database's regexes themselves are compiled, matched and freed one by one.
 * Entries are never freed while the agent runs (a node has tens of models).
 */
struct drive_info {
        char model[48], firmware[16];
        uint32_t quirks;
        struct sm_drivedb_match match;
};

#define DRIVE_CACHE_MAX 256

static pthread_mutex_t drive_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct sm_drivedb *drive_db;
static struct drive_info *drive_cache[DRIVE_CACHE_MAX];
static size_t n_drive_cache;

void sm_ata_set_drivedb(const struct sm_drivedb *db)
{
        pthread_mutex_lock(&drive_lock);
        drive_db = db;
        for (size_t i = 0; i < n_drive_cache; i++)
                free(drive_cache[i]);
        n_drive_cache = 0;
        pthread_mutex_unlock(&drive_lock);
}

/* model/firmware as sk_disk_identify_parse() gives them (libatasmart's quirks match on
 * these) and as smartctl prints them (the database matches on these). *ret: a copy. */
static void drive_info_of(const char *sk_model, const char *sk_fw, const char *model,
                          const char *fw, struct drive_info *ret, const struct sm_drivedb **ret_db)
{
        static size_t next_evict;
        struct drive_info *di = NULL;
        char err[128];

        pthread_mutex_lock(&drive_lock);
        *ret_db = drive_db;
        for (size_t i = 0; i < n_drive_cache; i++) {
                if (strcmp(drive_cache[i]->model, model) == 0 &&
                    strcmp(drive_cache[i]->firmware, fw) == 0) {
                        di = drive_cache[i];
                        break;
                }
        }
        if (!di) {
                /* first read of this model: match once (under the lock: rare, and it
                 * keeps two workers from matching the same model twice) */
                di = calloc(1, sizeof(*di));
                if (di) {
                        sm_strlcpy(di->model, model, sizeof(di->model));
                        sm_strlcpy(di->firmware, fw, sizeof(di->firmware));
                        di->quirks = sm_sk_quirks(sk_model, sk_fw);
                        if (sm_drivedb_match(drive_db, model, fw, &di->match, err, sizeof(err)) < 0)
                                memset(&di->match, 0, sizeof(di->match)); /* no entry */
                        if (n_drive_cache < DRIVE_CACHE_MAX) {
                                drive_cache[n_drive_cache++] = di;
                        } else {
                                free(drive_cache[next_evict]);
                                drive_cache[next_evict] = di;
                                next_evict = (next_evict + 1) % DRIVE_CACHE_MAX;
                        }
                }
        }
        if (di)
                *ret = *di;
        else
                memset(ret, 0, sizeof(*ret));
        pthread_mutex_unlock(&drive_lock);
}

/* ---- attributes ---- */

/* °C of a temperature attribute: raw byte 0 (smartctl's default for 190/194; upper bytes
 * may hold min/max), or tenths of a degree in the low 16 bits when libatasmart's quirk
 * table says so (smartctl's "temp10x"). Out-of-range values are rejected by the caller. */
static uint8_t temperature_byte(const struct sm_ata_attr_raw *a)
{
        if (a->sk_name && strcmp(a->sk_name, "temperature-centi-celsius") == 0) {
                unsigned t = (((unsigned)a->raw[0] | ((unsigned)a->raw[1] << 8)) + 5) / 10;

                return t > 255 ? 0 : (uint8_t)t;
        }
        return a->raw[0];
}

static bool sk_is(const struct sm_ata_attr_raw *a, const char *name)
{
        return a->sk_name && strcmp(a->sk_name, name) == 0;
}

static bool sk_has(const struct sm_ata_attr_raw *a, const char *part)
{
        return a->sk_name && strstr(a->sk_name, part) != NULL;
}

/*
 * The drive-wide values from the decoded table. First occurrence of an ID wins, like
 * smartctl's attribute lookup. libatasmart's per-model quirks rename attributes whose
 * meaning differs on a model ("attribute-197" on Fujitsu MHY2xxxBH 0085000B,
 * "attribute-5" on MCCOE64GEMPP, "temperature-centi-celsius" for 194 on some Samsungs);
 * sk_name says which.
 */
static void take_values(const struct sm_ata_attr_table *t, struct sm_health *h)
{
        bool have_194 = false, have_190 = false, have_5 = false, have_197 = false;
        bool have_12 = false, have_poh = false;
        uint8_t t194 = 0, t190 = 0;
        uint64_t raw5 = 0, raw197 = 0;

        for (unsigned i = 0; i < t->n; i++) {
                const struct sm_ata_attr_raw *a = &t->a[i];

                switch (a->id) {
                case 5:
                        if (!have_5 && sk_is(a, "reallocated-sector-count")) {
                                have_5 = true;
                                raw5 = a->raw48;
                        }
                        break;
                case 9:
                        /* libatasmart's per-model unit quirks (hours, minutes, half-minutes,
                         * seconds) applied; unit UNKNOWN means its sanity check failed. */
                        if (!have_poh && a->sk_unit == SM_SK_MSECONDS) {
                                have_poh = true;
                                h->has_power_on = true;
                                h->power_on_seconds = a->sk_pretty / 1000;
                        }
                        break;
                case 12:
                        if (!have_12) {
                                have_12 = true;
                                h->has_power_cycles = true;
                                h->power_cycles = a->raw48;
                        }
                        break;
                case 190:
                        if (!have_190 && sk_has(a, "temperature")) {
                                have_190 = true;
                                t190 = temperature_byte(a);
                        }
                        break;
                case 194:
                        if (!have_194 && sk_has(a, "temperature")) {
                                have_194 = true;
                                t194 = temperature_byte(a);
                        }
                        break;
                case 197:
                        if (!have_197 && sk_is(a, "current-pending-sector")) {
                                have_197 = true;
                                raw197 = a->raw48;
                        }
                        break;
                default:
                        break;
                }
        }
        /* Like smartctl: raw byte 0 of 194, else of 190, when it reads 1..127 °C. */
        if (have_194 && t194 > 0 && t194 < 128) {
                h->has_temperature = true;
                h->temperature_c = t194;
        } else if (have_190 && t190 > 0 && t190 < 128) {
                h->has_temperature = true;
                h->temperature_c = t190;
        }
        /*
         * Reallocated (5) + pending (197) sectors: the low 32 bits of each raw value,
         * as libatasmart counts them; vendors keep other data in raw bytes 4-5
         * (Fujitsu: 0x07D0 there on a drive with no bad sector). All-ones means
         * "not available" and counts as unknown.
         */
        {
                uint32_t r5 = (uint32_t)raw5, r197 = (uint32_t)raw197;
                bool ok5 = have_5 && r5 != UINT32_MAX, ok197 = have_197 && r197 != UINT32_MAX;

                if (ok5 || ok197) {
                        h->has_bad_sectors = true;
                        h->bad_sectors = (ok5 ? (uint64_t)r5 : 0) + (ok197 ? (uint64_t)r197 : 0);
                }
        }
}

/* Logical sector size (IDENTIFY words 106, 117-118), 512 when not reported. */
static uint32_t id_sector_size(const uint8_t *id)
{
        unsigned w106 = id_word(id, 106);

        if ((w106 & 0xC000) == 0x4000 && (w106 & (1u << 12))) {
                uint32_t words = id_word(id, 117) | ((uint32_t)id_word(id, 118) << 16);

                if (words >= 256 && words <= 32768)
                        return words * 2;
        }
        return 512;
}

/* The identity, rotation rate and capacity from IDENTIFY (size_bytes: the kernel's, or 0). */
static void decode_identity(const uint8_t *id, uint64_t size_bytes, struct sm_health *h)
{
        /* Our own decoding keeps inner spaces, like smartctl and the kernel's sysfs model. */
        id_export(id, 54, 40, h->ident.model, sizeof(h->ident.model), h->ident.model_raw,
                  sizeof(h->ident.model_raw));
        id_export(id, 20, 20, h->ident.serial, sizeof(h->ident.serial), h->ident.serial_raw,
                  sizeof(h->ident.serial_raw));
        id_export(id, 46, 8, h->ident.firmware, sizeof(h->ident.firmware), h->ident.firmware_raw,
                  sizeof(h->ident.firmware_raw));
        id_wwn(id, h->ident.wwn, sizeof(h->ident.wwn));
        h->has_rotation_rate = id_rotation_rate(id, &h->rotation_rate);
        if (!h->has_rotation_rate)
                h->rotation_rate = 0;
        h->capacity_bytes = size_bytes > 0 ? size_bytes : id_capacity(id);
        h->has_capacity = h->capacity_bytes > 0;
}

/*
 * The parsed attribute table into h, each named by smartmontools' database for
 * this model when we have it (db), else by libatasmart; ea gets what the
 * endurance rules need of each.
 */
static void copy_attrs(const struct sm_ata_attr_table *t, const struct sm_drivedb *db,
                       const struct drive_info *di, unsigned rotation, struct sm_health *h,
                       struct sm_endurance_attr *ea)
{
        h->ata.n_attrs = 0;
        for (unsigned i = 0; i < t->n && i < SM_ATA_MAX_ATTRS; i++) {
                const struct sm_ata_attr_raw *a = &t->a[i];
                struct sm_ata_attr *x = &h->ata.attrs[h->ata.n_attrs++];

                x->id = a->id;
                if (db)
                        sm_strlcpy(x->name, sm_drivedb_attr_name(db, &di->match, a->id, rotation),
                                   sizeof(x->name));
                else if (a->sk_name)
                        sm_strlcpy(x->name, a->sk_name, sizeof(x->name));
                else
                        snprintf(x->name, sizeof(x->name), "attribute-%u", a->id);
                x->flags = a->flags;
                x->prefailure = a->prefailure;
                x->online = a->online;
                x->value = a->value;
                x->worst = a->worst;
                x->threshold = a->threshold;
                x->value_valid = a->value_valid;
                x->worst_valid = a->worst_valid;
                x->threshold_valid = a->threshold_valid;
                x->raw = a->raw48;
                ea[i] = (struct sm_endurance_attr){a->id, x->name, a->value, a->value_valid,
                                                   a->raw48};
        }
}

/*
 * Verdict from SMART RETURN STATUS (st: the blob's SMST record, 4 bytes, or
 * NULL): libatasmart 0.19-5's sk_disk_smart_get_overall() over our parse
 * (sm_sk_overall: BAD_STATUS, BAD_SECTOR_MANY (5 or 197 at/below threshold now),
 * BAD_ATTRIBUTE_NOW, BAD_SECTOR (any reallocated/pending sector),
 * BAD_ATTRIBUTE_IN_THE_PAST, GOOD); test-ata-attr and test-ata-replay compare it
 * with skdump on every capture.
 *
 * healthy = false when the drive says it is failing or a threshold is crossed
 * now (BAD_STATUS, BAD_SECTOR_MANY, BAD_ATTRIBUTE_NOW): that is what the
 * ATA spec calls a threshold-exceeded condition. healthy = true for GOOD,
 * BAD_SECTOR and BAD_ATTRIBUTE_IN_THE_PAST: a few remapped sectors or a
 * past excursion are worth a warning (exported as ssdmon_smart_status and
 * ssdmon_bad_sectors), not a "failing" verdict; one reallocated sector
 * is the classic libatasmart false alarm. has_healthy stays false when there is no
 * verdict (no SMART status, e.g. a blob without SMST, or the command failed).
 */
static void decode_verdict(const struct sm_ata_attr_table *t, const uint8_t *st,
                           struct sm_health *h)
{
        bool good;
        enum sm_sk_overall overall;

        if (!st)
                return;
        good = (st[0] | st[1] | st[2] | st[3]) != 0;
        overall = sm_sk_overall(t, good);
        h->ata.overall = (int)overall;
        h->ata.status_valid = true;
        h->ata.status_good = good;
        h->has_healthy = true;
        h->healthy = !(overall == SM_SK_BAD_STATUS || overall == SM_SK_BAD_SECTOR_MANY ||
                       overall == SM_SK_BAD_ATTRIBUTE_NOW);
}

/*
 * Endurance (life used, host bytes) by the attribute rules and Device
 * Statistics. A solid-state notion: attributes of rotating (or unreported)
 * media are not read for it, and the reason says which.
 */
static void decode_endurance(const uint8_t *id, unsigned rotation,
                             const struct sm_endurance_attr *ea, const struct drive_info *di,
                             const struct sm_drivedb *db, struct sm_health *h)
{
        const struct sm_devstat *ds = &h->ata.logs.devstat;
        struct sm_endurance_devstat eds = {
                .read_ok = ds->read_ok,
                .used_present = ds->percentage_used.present,
                .written_present = ds->logical_sectors_written.present,
                .read_present = ds->logical_sectors_read.present,
                .percentage_used = ds->percentage_used.value,
                .sectors_written = ds->logical_sectors_written.value,
                .sectors_read = ds->logical_sectors_read.value,
        };

        if (rotation != 1) {
                memset(&h->ata.endurance, 0, sizeof(h->ata.endurance));
                sm_strlcpy(h->ata.endurance.why,
                           rotation == 0 ? "rotation rate not reported (IDENTIFY word 217): "
                                           "not known to be a solid-state drive"
                                         : "rotating media: no endurance",
                           sizeof(h->ata.endurance.why));
                return;
        }
        sm_endurance_ata(ea, h->ata.n_attrs, di->match.family, db && di->match.in_db,
                         id_sector_size(id), &eds, &h->ata.endurance);
        if (!db && !h->ata.endurance.used.present)
                snprintf(h->ata.endurance.why, sizeof(h->ata.endurance.why),
                         "%.150s, no drive database",
                         ds->why[0] ? ds->why : "no Device Statistics read");
}

/*
 * Decode a drive's data: id is its IDENTIFY sector, blob the libatasmart blob holding
 * SMART RETURN STATUS (SMST), READ DATA (SMDT) and READ THRESHOLDS (SMTH) as far as the
 * drive gave them (sk_disk_get_blob() of a live device, or the capture itself).
 * size_bytes: the kernel's device size, 0 for captures.
 */
static int decode(const uint8_t *id, const uint8_t *blob, size_t blob_len, uint64_t size_bytes,
                  struct sm_health *h, char *err, size_t errlen)
{
        struct sm_ata_attr_table t;
        struct sm_endurance_attr ea[SM_ATA_ATTR_SLOTS];
        struct drive_info *di;
        const struct sm_drivedb *db;
        const uint8_t *data, *thr, *st;
        uint32_t dlen = 0, tlen = 0, slen = 0;
        char sk_model[48], sk_fw[16];
        unsigned rotation = id_word(id, 217);

        decode_identity(id, size_bytes, h);
        data = blob_record(blob, blob_len, "SMDT", &dlen);
        thr = blob_record(blob, blob_len, "SMTH", &tlen);
        st = blob_record(blob, blob_len, "SMST", &slen);
        if (!data || dlen != SM_ATA_SECTOR)
                return sm_errf(err, errlen, -ENODATA, "no SMART attribute data (no SMDT record)");
        if (thr && tlen != SM_ATA_SECTOR)
                thr = NULL;

        id_string(id, 54, 40, true, sk_model);
        id_string(id, 46, 8, true, sk_fw);
        di = malloc(sizeof(*di)); /* 8.5 KiB: off the worker's stack */
        if (!di)
                return -ENOMEM;
        drive_info_of(sk_model, sk_fw, h->ident.model, h->ident.firmware, di, &db);
        if (sm_ata_attr_decode(data, dlen, thr, tlen, di->quirks, size_bytes, &t) < 0) {
                free(di);
                return sm_errf(err, errlen, -EINVAL, "cannot decode SMART attributes");
        }
        copy_attrs(&t, db, di, rotation, h, ea);
        take_values(&t, h);
        decode_verdict(&t, st && slen == 4 ? st : NULL, h);
        decode_endurance(id, rotation, ea, di, db, h);
        free(di);
        return 0;
}

/* ---- Device Statistics, error and self-test logs ---- */

/*
 * Values the attribute table did not give, from Device Statistics (attributes first:
 * they are what smartctl and skdump print, and what earlier releases exported):
 * temperature (page 05h current, when 1..127 °C like the attribute rule), power-on
 * hours and power cycles (page 01h).
 */
static void devstat_fallbacks(struct sm_health *h)
{
        const struct sm_devstat *ds = &h->ata.logs.devstat;

        if (!h->has_temperature && ds->temp_current.present && ds->temp_current.value > 0) {
                h->has_temperature = true;
                h->temperature_c = ds->temp_current.value;
        }
        if (!h->has_power_on && ds->power_on_hours.present) {
                h->has_power_on = true;
                h->power_on_seconds = ds->power_on_hours.value * 3600;
        }
        if (!h->has_power_cycles && ds->power_cycles.present) {
                h->has_power_cycles = true;
                h->power_cycles = ds->power_cycles.value;
        }
}

/* The protocol-independent view of the error and self-test logs, for the verdict. */
static void logs_to_health(struct sm_health *h)
{
        const struct sm_ata_self_test_log *st = &h->ata.logs.self_tests;
        const struct sm_ata_error_log *el = &h->ata.logs.errors;

        for (unsigned i = 0; st->present && i < st->n_entries && i < SM_ATA_ST_MAX; i++) {
                if (st->entries[i].status == 0xF) /* in progress: not a result */
                        continue;
                h->has_self_test = true;
                h->self_test_failed = sm_ata_self_test_failed(st->entries[i].status);
                h->self_test_power_on_hours = st->entries[i].power_on_hours;
                break;
        }
        h->has_error_log = el->present;
        h->error_log_entries = el->present ? el->n_entries : 0;
        /* the newest entry's error number is the device error count */
        h->error_log_newest_count = el->present && el->n_entries ? el->entries[0].number : 0;
}

/* Largest Device Statistics capture: 256 pages. */
#define DEVSTAT_CAPTURE_MAX (256 * SM_ATA_LOG_SECTOR)

/* Replay: `<capture>.devstat` next to the blob, if there is one. */
static void replay_logs(const char *blob_path, struct sm_ata_logs *l)
{
        static const char none[] = "not in the capture (replay reads Device Statistics only)";
        _cleanup_free_ uint8_t *buf = NULL;
        char path[4096 + 16];
        size_t len = 0;
        int r;

        sm_ata_logs_init(l);
        sm_strlcpy(l->errors.why, none, sizeof(l->errors.why));
        sm_strlcpy(l->self_tests.why, none, sizeof(l->self_tests.why));
        if (snprintf(path, sizeof(path), "%s.devstat", blob_path) >= (int)sizeof(path))
                return;
        buf = malloc(DEVSTAT_CAPTURE_MAX);
        if (!buf)
                return;
        r = sm_read_file(path, buf, DEVSTAT_CAPTURE_MAX, &len, SM_FILE_NONBLOCK);
        if (r == -ENOENT) {
                sm_strlcpy(l->devstat.why, "no Device Statistics capture (<name>.devstat)",
                           sizeof(l->devstat.why));
                return;
        }
        if (r < 0) {
                snprintf(l->devstat.why, sizeof(l->devstat.why),
                         "cannot read the Device Statistics capture: %s", strerror(-r));
                return;
        }
        (void)sm_devstat_decode_capture(buf, len, &l->devstat);
        l->devstat.capture = true;
}

/*
 * Live: through libatasmart's own fd (opened O_RDONLY by sk_disk_open()), only when
 * libatasmart found SAT with 16-byte pass-through, the one our CDBs use. The fd and
 * type come from the same private head identify_of() verified. Called after CHECK
 * POWER MODE said the drive is awake and IDENTIFY said SMART is enabled.
 */
static void live_logs(SkDisk *d, const uint8_t *ident, unsigned timeout_ms, struct sm_ata_logs *l)
{
        const struct sk_disk_head *head = (const struct sk_disk_head *)(const void *)d;

        if (head->type != SK_TYPE_ATA_PASSTHROUGH_16 || head->fd < 0) {
                static const char why[] = "not a SAT device with ATA PASS-THROUGH(16)";

                sm_ata_logs_init(l);
                sm_strlcpy(l->devstat.why, why, sizeof(l->devstat.why));
                sm_strlcpy(l->errors.why, why, sizeof(l->errors.why));
                sm_strlcpy(l->self_tests.why, why, sizeof(l->self_tests.why));
                return;
        }
        (void)sm_sat_read_logs(head->fd, ident, (int)timeout_ms, l);
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
        replay_logs(id->devnode, &h->ata.logs);
        r = decode(ident, blob, len, 0, h, err, errlen);
        if (r < 0)
                return r;
        devstat_fallbacks(h);
        logs_to_health(h);
        return 0;
}

static int read_live(const struct sm_device_id *id, unsigned timeout_ms, struct sm_health *h,
                     char *err, size_t errlen)
{
        _cleanup_(sk_disk_freep) SkDisk *d = NULL;
        const SkIdentifyParsedData *ipd;
        const uint8_t *ident;
        const void *blob = NULL;
        size_t blob_len = 0;
        uint64_t size = 0;
        SkBool avail = 0, awake = 0;
        int r;

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
        /* The logs first (the drive is awake and SMART enabled), so the endurance
         * decode below sees Device Statistics. */
        live_logs(d, ident, timeout_ms, &h->ata.logs);
        /* SMART READ DATA (and READ THRESHOLDS on first use), then the blob of what the
         * drive returned; sk_disk_get_blob() sends SMART RETURN STATUS (once). */
        if (sk_disk_smart_read_data(d) < 0)
                return sk_fail(err, errlen, "SMART READ DATA failed");
        if (sk_disk_get_blob(d, &blob, &blob_len) < 0)
                return sk_fail(err, errlen, "cannot collect SMART data");
        if (sk_disk_get_size(d, &size) < 0)
                size = 0;
        r = decode(ident, blob, blob_len, size, h, err, errlen);
        if (r < 0)
                return r;
        devstat_fallbacks(h);
        logs_to_health(h);
        return 0;
}

static int ata_read(const struct sm_device_id *id, const struct sm_read_opts *opts,
                    struct sm_health *ret, char *err, size_t errlen)
{
        /* Large (struct sm_health is ~1.5 KiB), but read() runs on a worker thread with its
         * own stack; keep it off the caller's *ret until the read succeeded. */
        struct sm_health h;
        int r;

        /* libatasmart hard-codes a 2 s SG_IO timeout per command; ours take opts' */
        if (!id || !ret || !err || errlen == 0)
                return -EINVAL;
        err[0] = '\0';
        if (!id->devnode[0])
                return sm_errf(err, errlen, -EINVAL, "no device node");
        sm_health_init(&h);
        r = id->replay ? read_replay(id, &h, err, errlen)
                       : read_live(id, opts ? opts->timeout_ms : 10000, &h, err, errlen);
        if (r == 0)
                *ret = h;
        return r;
}

/* ---- what the values mean: families and readings ---- */

/* clang-format off */
SM_FAMILY(static, f_smart_status, "ssdmon_smart_status",             SM_GAUGE, "", 0, "libatasmart overall SMART verdict: 1 for the current state, 0 for the others", "status");
SM_FAMILY(static, f_normalized,   "ssdmon_ata_attribute_normalized", SM_GAUGE, "", 0, "ATA SMART attribute normalized current value", "id", "name");
SM_FAMILY(static, f_worst,        "ssdmon_ata_attribute_worst",      SM_GAUGE, "", 0, "ATA SMART attribute worst normalized value", "id", "name");
SM_FAMILY(static, f_threshold,    "ssdmon_ata_attribute_threshold",  SM_GAUGE, "", 0, "ATA SMART attribute failure threshold; absent when the drive reports none", "id", "name");
SM_FAMILY(static, f_raw,          "ssdmon_ata_attribute_raw",        SM_GAUGE, "", 0, "ATA SMART attribute raw value, 48 bits little-endian, vendor specific", "id", "name");
/* clang-format on */

static const struct sm_family *const ata_families[] = {
        &f_smart_status,
        &f_normalized,
        &f_worst,
        &f_threshold,
        &f_raw,
        &sm_family_endurance_used,
        &sm_family_host_read_bytes,
        &sm_family_host_written_bytes,
        &sm_family_endurance_source_info,
        SM_ATA_LOG_FAMILIES,
        NULL,
};

/* clang-format off */
#define ATA_JSON(kind_, k, fl) {.kind = kind_, .section = "ata", .key = k, .flags = fl}
#define ATTR_JSON(kind_, k, fl) \
        {.kind = kind_, .section = "ata", .array = "attributes", .key = k, .flags = fl}
/* clang-format on */

/* clang-format off */
SM_DESC(d_overall,         NULL,                             ATA_JSON(SM_JSON_STRING, "overall", SM_JSON_NULL));
SM_DESC(d_status_passed,   NULL,                             ATA_JSON(SM_JSON_BOOL, "smart_status_passed", SM_JSON_NULL));
SM_DESC(d_smart_status,    &f_smart_status,                  {0});
SM_DESC(d_attr_id,         NULL,                             ATTR_JSON(SM_JSON_NUMBER, "id", 0));
SM_DESC(d_attr_name,       NULL,                             ATTR_JSON(SM_JSON_STRING, "name", 0));
SM_DESC(d_attr_flags,      NULL,                             ATTR_JSON(SM_JSON_NUMBER, "flags", 0));
SM_DESC(d_attr_prefailure, NULL,                             ATTR_JSON(SM_JSON_BOOL, "prefailure", 0));
SM_DESC(d_attr_online,     NULL,                             ATTR_JSON(SM_JSON_BOOL, "online", 0));
/* Normalized and worst are exported only where valid (1..253, as libatasmart and smartctl
 * take them); the JSON says null otherwise. */
SM_DESC(d_attr_value,      &f_normalized,                    ATTR_JSON(SM_JSON_NUMBER, "value", SM_JSON_NULL));
SM_DESC(d_attr_worst,      &f_worst,                         ATTR_JSON(SM_JSON_NUMBER, "worst", SM_JSON_NULL));
/* Endurance (endurance.c): the shared families, the same keys as NVMe's in "ata", where
 * each value came from, and why a value is missing. */
SM_DESC(d_end_used,        &sm_family_endurance_used,        ATA_JSON(SM_JSON_NUMBER, "endurance_used_ratio", SM_JSON_NULL));
SM_DESC(d_end_written,     &sm_family_host_written_bytes,    ATA_JSON(SM_JSON_NUMBER, "host_written_bytes", SM_JSON_NULL | SM_JSON_EXACT));
SM_DESC(d_end_read,        &sm_family_host_read_bytes,       ATA_JSON(SM_JSON_NUMBER, "host_read_bytes", SM_JSON_NULL | SM_JSON_EXACT));
SM_DESC(d_end_source,      &sm_family_endurance_source_info, {0});
SM_DESC(d_end_used_src,    NULL,                             ATA_JSON(SM_JSON_STRING, "endurance_used_source", SM_JSON_NULL));
SM_DESC(d_end_written_src, NULL,                             ATA_JSON(SM_JSON_STRING, "host_written_source", SM_JSON_NULL));
SM_DESC(d_end_read_src,    NULL,                             ATA_JSON(SM_JSON_STRING, "host_read_source", SM_JSON_NULL));
SM_DESC(d_end_why,         NULL,                             ATA_JSON(SM_JSON_STRING, "endurance_missing", SM_JSON_NULL));
SM_DESC(d_attr_threshold,  &f_threshold,                     ATTR_JSON(SM_JSON_NUMBER, "threshold", SM_JSON_NULL));
/* 48-bit raw fits a double exactly; raw_string for consumers that parse to int64. */
SM_DESC(d_attr_raw,        &f_raw,                           ATTR_JSON(SM_JSON_NUMBER, "raw", SM_JSON_EXACT));

/* clang-format on */

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
        const char *ov = a->status_valid ? overall_name(a->overall) : NULL;
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
        r.desc = &d_attr_value, r.value = x->value, r.present = x->value_valid;
        emit(ctx, &r);
        r.desc = &d_attr_worst, r.value = x->worst, r.present = x->worst_valid;
        emit(ctx, &r);
        r.desc = &d_attr_threshold, r.value = x->threshold, r.present = x->threshold_valid;
        emit(ctx, &r);
        r.desc = &d_attr_raw, r.value = (double)x->raw, r.exact = raw, r.present = true;
        emit(ctx, &r);
}

/* One endurance value: its family, its source in the JSON ("attribute 233", "devstat")
 * and ssdmon_endurance_source_info. */
static void emit_end_item(const struct sm_endurance_item *it, const struct sm_desc *d,
                          const struct sm_desc *d_src, double v, const char *exact, sm_emit_fn emit,
                          void *ctx)
{
        const char *src = sm_endurance_source_name(it->source);
        char attr[4] = "", text[24] = "";
        struct sm_reading r = sm_reading_num(d, v, exact);

        r.present = it->present;
        emit(ctx, &r);
        if (it->present && src) {
                if (it->source == SM_ENDURANCE_ATTRIBUTE) {
                        snprintf(attr, sizeof(attr), "%u", it->attr);
                        snprintf(text, sizeof(text), "attribute %u", it->attr);
                } else {
                        snprintf(text, sizeof(text), "%s", src);
                }
        }
        r = (struct sm_reading){.desc = d_src, .str = text, .present = text[0] != '\0'};
        emit(ctx, &r);
        r = sm_reading_num(&d_end_source, 1, NULL);
        r.labels[0] = d->family->name;
        r.labels[1] = src;
        r.labels[2] = attr[0] ? attr : NULL;
        r.present = it->present && src;
        emit(ctx, &r);
}

static void emit_endurance(const struct sm_endurance *e, sm_emit_fn emit, void *ctx)
{
        char w[SM_FMT_MAX], rd[SM_FMT_MAX];
        struct sm_reading r;

        sm_fmt_u64(e->written_bytes, w, sizeof(w));
        sm_fmt_u64(e->read_bytes, rd, sizeof(rd));
        emit_end_item(&e->used, &d_end_used, &d_end_used_src, e->used_ratio, NULL, emit, ctx);
        emit_end_item(&e->written, &d_end_written, &d_end_written_src, (double)e->written_bytes, w,
                      emit, ctx);
        emit_end_item(&e->read, &d_end_read, &d_end_read_src, (double)e->read_bytes, rd, emit, ctx);
        r = (struct sm_reading){.desc = &d_end_why, .str = e->why, .present = e->why[0] != '\0'};
        emit(ctx, &r);
}

static void ata_readings(const struct sm_health *h, sm_emit_fn emit, void *ctx)
{
        const struct sm_ata_health *a = &h->ata;

        emit_verdict(a, emit, ctx);
        emit_endurance(&a->endurance, emit, ctx);
        for (unsigned k = 0; k < a->n_attrs && k < SM_ATA_MAX_ATTRS; k++)
                emit_attr(a, k, emit, ctx);
        sm_ata_logs_readings(&a->logs, emit, ctx);
}

SM_COLLECTOR(sm_ata_collector, "ata", SM_PROTO_ATA, ata_read, ata_readings, ata_families);
