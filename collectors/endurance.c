/* SPDX-License-Identifier: MIT */
/*
 * endurance.c - SATA SSD life used and host bytes (see endurance.h).
 *
 * The table below is the whole of our per-attribute knowledge. Every row's
 * source is in docs/ata-endurance.md; test-endurance checks the rules against
 * all 43 real SATA SSDs of the fixtures with values written by hand.
 *
 * Attribute names are smartmontools' drive-database names, and only count
 * for a drive the database knows (in_db): for other drives the names are the
 * DEFAULT entry's guesses, which is no evidence of what a vendor's attribute
 * means.
 */
#include "endurance.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

enum field { NORMALIZED, RAW };

/* Life: an attribute carrying remaining life in percent (used = 100 - remaining). */
static const struct life_rule {
        const char *name;
        uint8_t id;         /* 0: any ID */
        const char *family; /* substring of the database family, NULL: any family */
        enum field field;
} life_rules[] = {
        /* Intel: normalized 100 -> 1 as the NAND wears (DEFAULT name of 233) */
        {"Media_Wearout_Indicator", 233, NULL, NORMALIZED},
        /* Samsung: 177 normalized is remaining life; raw is the average P/E count */
        {"Wear_Leveling_Count", 177, "Samsung", NORMALIZED},
        /* Micron/Crucial: "norm = max(100-raw,0); raw = percent_lifetime_used" */
        {"Percent_Lifetime_Remain", 0, NULL, NORMALIZED},
        /* Phison (Kingston): normalized may stay at 100, raw holds remaining life */
        {"SSD_Life_Left", 231, "Phison", RAW},
        /* Silicon Motion: normalized stays at 100, raw holds remaining life */
        {"Remaining_Lifetime_Perc", 169, "Silicon Motion", RAW},
        /* Dell-certified Intel: 245 */
        {"Percent_Life_Remaining", 245, "Dell Certified Intel", NORMALIZED},
};

/* Host byte counters: attribute name and the bytes one raw unit stands for
 * (0: one logical sector). NAND/flash write counters are not host writes. */
static const struct unit_rule {
        const char *name;
        uint64_t unit;
} write_rules[] =
        {
                {"Host_Writes_32MiB", 32ull << 20},  {"Host_Writes_GiB", 1ull << 30},
                {"Lifetime_Writes_GiB", 1ull << 30}, {"Host_Writes_MiB", 1ull << 20},
                {"Total_LBAs_Written", 0},
},
  read_rules[] = {
          {"Host_Reads_32MiB", 32ull << 20},
          {"Host_Reads_GiB", 1ull << 30},
          {"Lifetime_Reads_GiB", 1ull << 30},
          {"Host_Reads_MiB", 1ull << 20},
          {"Total_LBAs_Read", 0},
};

const char *sm_endurance_source_name(enum sm_endurance_source s)
{
        switch (s) {
        case SM_ENDURANCE_DEVSTAT:
                return "devstat";
        case SM_ENDURANCE_ATTRIBUTE:
                return "attribute";
        case SM_ENDURANCE_NVME:
                return "nvme";
        case SM_ENDURANCE_NONE:
        default:
                return NULL;
        }
}

static bool name_is(const struct sm_endurance_attr *a, const char *name)
{
        return a->name && strcmp(a->name, name) == 0;
}

static bool family_has(const char *family, const char *part)
{
        return !part || (family && strstr(family, part));
}

static const struct sm_endurance_attr *find(const struct sm_endurance_attr *a, size_t n,
                                            const char *name, uint8_t id)
{
        for (size_t i = 0; i < n; i++) {
                if ((id == 0 || a[i].id == id) && name_is(&a[i], name))
                        return &a[i];
        }
        return NULL;
}

static bool mul_ok(uint64_t a, uint64_t b, uint64_t *ret)
{
        if (b && a > UINT64_MAX / b)
                return false;
        *ret = a * b;
        return true;
}

/* A byte counter from the first rule (in table order) that the drive has. *lba_in_32mib:
 * the drive's Total_LBAs_Written equals its Host_Writes_32MiB (OEM Dell Intel firmware),
 * so its "LBA" counters do not count LBAs. */
static bool bytes_from(const struct unit_rule *rules, size_t nrules,
                       const struct sm_endurance_attr *a, size_t n, uint32_t sector_size,
                       bool lba_suspect, uint64_t *ret, uint8_t *attr)
{
        for (size_t r = 0; r < nrules; r++) {
                const struct sm_endurance_attr *x = find(a, n, rules[r].name, 0);
                uint64_t unit = rules[r].unit ? rules[r].unit : sector_size;

                if (!x)
                        continue;
                if (rules[r].unit == 0 && lba_suspect)
                        return false;
                if (!mul_ok(x->raw, unit, ret))
                        return false;
                *attr = x->id;
                return true;
        }
        return false;
}

static void why_add(struct sm_endurance *e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void why_add(struct sm_endurance *e, const char *fmt, ...)
{
        size_t len = strlen(e->why);
        va_list ap;

        if (len >= sizeof(e->why) - 1)
                return;
        if (len) {
                e->why[len++] = ';';
                if (len < sizeof(e->why) - 1)
                        e->why[len++] = ' ';
                e->why[len] = '\0';
        }
        va_start(ap, fmt);
        (void)vsnprintf(e->why + len, sizeof(e->why) - len, fmt, ap);
        va_end(ap);
}

/* OEM (Dell) Intel firmware: a "Total_LBAs_Written" equal to Host_Writes_32MiB
 * counts 32 MiB units, and so its LBA counters are not LBAs. */
static bool lba_counters_suspect(const struct sm_endurance_attr *attrs, size_t n)
{
        const struct sm_endurance_attr *h32 = find(attrs, n, "Host_Writes_32MiB", 0);

        for (size_t i = 0; h32 && i < n; i++) {
                if (name_is(&attrs[i], "Total_LBAs_Written") && attrs[i].raw == h32->raw &&
                    h32->raw != 0)
                        return true;
        }
        return false;
}

/* Life used from the first life rule of the drive's family that its attributes answer. */
static void life_from_attrs(const struct sm_endurance_attr *attrs, size_t n, const char *family,
                            struct sm_endurance *e)
{
        for (size_t r = 0; r < ARRAY_SIZE(life_rules); r++) {
                const struct life_rule *lr = &life_rules[r];
                const struct sm_endurance_attr *x;
                uint64_t remaining;

                if (!family_has(family, lr->family))
                        continue;
                x = find(attrs, n, lr->name, lr->id);
                if (!x)
                        continue;
                if (lr->field == NORMALIZED && !x->value_valid)
                        continue;
                remaining = lr->field == NORMALIZED ? x->value : x->raw;
                if (remaining > 100)
                        continue; /* not a percentage: no reading */
                e->used = (struct sm_endurance_item){true, SM_ENDURANCE_ATTRIBUTE, x->id};
                e->used_ratio = (double)(100 - remaining) / 100.0;
                return;
        }
}

/* Device Statistics first: vendor-neutral and defined by ACS. */
static void from_devstat(const struct sm_endurance_devstat *ds, uint32_t sector_size,
                         struct sm_endurance *e)
{
        if (!ds || !ds->read_ok)
                return;
        if (ds->used_present) {
                e->used = (struct sm_endurance_item){true, SM_ENDURANCE_DEVSTAT, 0};
                e->used_ratio = (double)ds->percentage_used / 100.0;
        }
        if (ds->written_present && mul_ok(ds->sectors_written, sector_size, &e->written_bytes))
                e->written = (struct sm_endurance_item){true, SM_ENDURANCE_DEVSTAT, 0};
        if (ds->read_present && mul_ok(ds->sectors_read, sector_size, &e->read_bytes))
                e->read = (struct sm_endurance_item){true, SM_ENDURANCE_DEVSTAT, 0};
}

/* Why each missing value is missing. */
static void explain_missing(const struct sm_endurance_devstat *ds, bool in_db, bool lba_suspect,
                            struct sm_endurance *e)
{
        const char *no_ds_used = !ds            ? "Device Statistics not read"
                                 : !ds->read_ok ? "no Device Statistics"
                                                : "no Device Statistics page 07h";
        const char *no_ds_bytes = !ds            ? "Device Statistics not read"
                                  : !ds->read_ok ? "no Device Statistics"
                                                 : "no Device Statistics page 01h";
        const char *no_attr = in_db ? NULL : "model not in the drive database";

        if (!e->used.present)
                why_add(e, "life used: %s, %s", no_ds_used,
                        no_attr ? no_attr : "no life attribute known for this drive family");
        if (!e->written.present)
                why_add(e, "host writes: %s, %s", no_ds_bytes,
                        no_attr ? no_attr : "no host-write attribute known for this drive family");
        if (!e->read.present)
                why_add(e, "host reads: %s, %s", no_ds_bytes,
                        no_attr       ? no_attr
                        : lba_suspect ? "Total_LBAs_Read unit unknown (this firmware's "
                                        "Total_LBAs_Written counts 32 MiB units)"
                                      : "no host-read attribute known for this drive family");
}

void sm_endurance_ata(const struct sm_endurance_attr *attrs, size_t n, const char *family,
                      bool in_db, uint32_t sector_size, const struct sm_endurance_devstat *ds,
                      struct sm_endurance *e)
{
        bool lba_suspect = false;

        memset(e, 0, sizeof(*e));
        if (sector_size == 0)
                sector_size = 512;
        if (!attrs)
                n = 0;
        from_devstat(ds, sector_size, e);
        if (in_db) {
                lba_suspect = lba_counters_suspect(attrs, n);
                if (!e->used.present)
                        life_from_attrs(attrs, n, family, e);
                if (!e->written.present &&
                    bytes_from(write_rules, ARRAY_SIZE(write_rules), attrs, n, sector_size,
                               lba_suspect, &e->written_bytes, &e->written.attr)) {
                        e->written.present = true;
                        e->written.source = SM_ENDURANCE_ATTRIBUTE;
                }
                if (!e->read.present &&
                    bytes_from(read_rules, ARRAY_SIZE(read_rules), attrs, n, sector_size,
                               lba_suspect, &e->read_bytes, &e->read.attr)) {
                        e->read.present = true;
                        e->read.source = SM_ENDURANCE_ATTRIBUTE;
                }
        }
        explain_missing(ds, in_db, lba_suspect, e);
}
