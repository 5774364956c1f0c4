/* SPDX-License-Identifier: MIT */
/*
 * ata_attr.c - the SMART attribute/threshold decoder and libatasmart 0.19's
 * reading of it (see ata_attr.h).
 *
 * What libatasmart 0.19 does per attribute (atasmart.c: the attribute_info[]
 * table, lookup_attribute() with its quirk database, make_pretty(),
 * find_threshold(), the verify_*() checks, fill_cache_cb()) is written here as
 * data: one table of names/units/checks by ID, one table of per-quirk
 * overrides. The model regexes of its quirk database are matched once per
 * drive (sm_sk_quirks), not once per attribute per parse as libatasmart does.
 * test-ata-attr compares every name, unit, pretty value and verdict with
 * skdump on every bundled blob.
 */
#include "ata_attr.h"

#include <errno.h>
#include <regex.h>
#include <string.h>

enum check { CHK_NONE = 0, CHK_TEMP, CHK_SHORT_TIME, CHK_LONG_TIME, CHK_SECTORS };

struct info {
        const char *name;
        enum sm_sk_unit unit;
        enum check check;
};

/* libatasmart 0.19 attribute_info[] (names as Debian's 0.19-5 prints them). */
static const struct info attr_info[256] = {
        [1] = {"raw-read-error-rate", SM_SK_NONE, CHK_NONE},
        [2] = {"throughput-performance", SM_SK_UNKNOWN, CHK_NONE},
        [3] = {"spin-up-time", SM_SK_MSECONDS, CHK_SHORT_TIME},
        [4] = {"start-stop-count", SM_SK_NONE, CHK_NONE},
        [5] = {"reallocated-sector-count", SM_SK_SECTORS, CHK_SECTORS},
        [6] = {"read-channel-margin", SM_SK_UNKNOWN, CHK_NONE},
        [7] = {"seek-error-rate", SM_SK_NONE, CHK_NONE},
        [8] = {"seek-time-performance", SM_SK_UNKNOWN, CHK_NONE},
        [9] = {"power-on-hours", SM_SK_MSECONDS, CHK_LONG_TIME},
        [10] = {"spin-retry-count", SM_SK_NONE, CHK_NONE},
        [11] = {"calibration-retry-count", SM_SK_NONE, CHK_NONE},
        [12] = {"power-cycle-count", SM_SK_NONE, CHK_NONE},
        [13] = {"read-soft-error-rate", SM_SK_NONE, CHK_NONE},
        [170] = {"available-reserved-space", SM_SK_PERCENT, CHK_NONE},
        [171] = {"program-fail-count", SM_SK_NONE, CHK_NONE},
        [172] = {"erase-fail-count", SM_SK_NONE, CHK_NONE},
        [175] = {"program-fail-count-chip", SM_SK_NONE, CHK_NONE},
        [176] = {"erase-fail-count-chip", SM_SK_NONE, CHK_NONE},
        [177] = {"wear-leveling-count", SM_SK_NONE, CHK_NONE},
        [178] = {"used-reserved-blocks-chip", SM_SK_NONE, CHK_NONE},
        [179] = {"used-reserved-blocks-total", SM_SK_NONE, CHK_NONE},
        [180] = {"unused-reserved-blocks", SM_SK_NONE, CHK_NONE},
        [181] = {"program-fail-count-total", SM_SK_NONE, CHK_NONE},
        [182] = {"erase-fail-count-total", SM_SK_NONE, CHK_NONE},
        [183] = {"runtime-bad-block-total", SM_SK_NONE, CHK_NONE},
        [184] = {"end-to-end-error", SM_SK_NONE, CHK_NONE},
        [187] = {"reported-uncorrect", SM_SK_SECTORS, CHK_SECTORS},
        [188] = {"command-timeout", SM_SK_NONE, CHK_NONE},
        [189] = {"high-fly-writes", SM_SK_NONE, CHK_NONE},
        [190] = {"airflow-temperature-celsius", SM_SK_MKELVIN, CHK_TEMP},
        [191] = {"g-sense-error-rate", SM_SK_NONE, CHK_NONE},
        [192] = {"power-off-retract-count", SM_SK_NONE, CHK_NONE},
        [193] = {"load-cycle-count", SM_SK_NONE, CHK_NONE},
        [194] = {"temperature-celsius-2", SM_SK_MKELVIN, CHK_TEMP},
        [195] = {"hardware-ecc-recovered", SM_SK_NONE, CHK_NONE},
        [196] = {"reallocated-event-count", SM_SK_NONE, CHK_NONE},
        [197] = {"current-pending-sector", SM_SK_SECTORS, CHK_SECTORS},
        [198] = {"offline-uncorrectable", SM_SK_SECTORS, CHK_SECTORS},
        [199] = {"udma-crc-error-count", SM_SK_NONE, CHK_NONE},
        [200] = {"multi-zone-error-rate", SM_SK_NONE, CHK_NONE},
        [201] = {"soft-read-error-rate", SM_SK_NONE, CHK_NONE},
        [202] = {"ta-increase-count", SM_SK_NONE, CHK_NONE},
        [203] = {"run-out-cancel", SM_SK_UNKNOWN, CHK_NONE},
        [204] = {"shock-count-write-open", SM_SK_NONE, CHK_NONE},
        [205] = {"shock-rate-write-open", SM_SK_NONE, CHK_NONE},
        [206] = {"flying-height", SM_SK_UNKNOWN, CHK_NONE},
        [207] = {"spin-high-current", SM_SK_UNKNOWN, CHK_NONE},
        [208] = {"spin-buzz", SM_SK_UNKNOWN, CHK_NONE},
        [209] = {"offline-seek-performance", SM_SK_UNKNOWN, CHK_NONE},
        [220] = {"disk-shift", SM_SK_UNKNOWN, CHK_NONE},
        [221] = {"g-sense-error-rate-2", SM_SK_NONE, CHK_NONE},
        [222] = {"loaded-hours", SM_SK_MSECONDS, CHK_LONG_TIME},
        [223] = {"load-retry-count", SM_SK_NONE, CHK_NONE},
        [224] = {"load-friction", SM_SK_UNKNOWN, CHK_NONE},
        [225] = {"load-cycle-count-2", SM_SK_NONE, CHK_NONE},
        [226] = {"load-in-time", SM_SK_MSECONDS, CHK_SHORT_TIME},
        [227] = {"torq-amp-count", SM_SK_NONE, CHK_NONE},
        [228] = {"power-off-retract-count-2", SM_SK_NONE, CHK_NONE},
        [230] = {"head-amplitude", SM_SK_UNKNOWN, CHK_NONE},
        [231] = {"temperature-celsius", SM_SK_MKELVIN, CHK_TEMP},
        [232] = {"endurance-remaining", SM_SK_PERCENT, CHK_NONE},
        [233] = {"power-on-seconds-2", SM_SK_UNKNOWN, CHK_NONE},
        [234] = {"uncorrectable-ecc-count", SM_SK_SECTORS, CHK_NONE},
        [235] = {"good-block-rate", SM_SK_UNKNOWN, CHK_NONE},
        [240] = {"head-flying-hours", SM_SK_MSECONDS, CHK_LONG_TIME},
        [241] = {"total-lbas-written", SM_SK_MB, CHK_NONE},
        [242] = {"total-lbas-read", SM_SK_MB, CHK_NONE},
        [250] = {"read-error-retry-rate", SM_SK_NONE, CHK_NONE},
};

enum {
        Q_9_POWERONMINUTES = 1u << 0,
        Q_9_POWERONSECONDS = 1u << 1,
        Q_9_POWERONHALFMINUTES = 1u << 2,
        Q_192_EMERGENCYRETRACTCYCLECT = 1u << 3,
        Q_193_LOADUNLOAD = 1u << 4,
        Q_194_10XCELSIUS = 1u << 5,
        Q_194_UNKNOWN = 1u << 6,
        Q_200_WRITEERRORCOUNT = 1u << 7,
        Q_201_DETECTEDTACOUNT = 1u << 8,
        Q_5_UNKNOWN = 1u << 9,
        Q_9_UNKNOWN = 1u << 10,
        Q_197_UNKNOWN = 1u << 11,
        Q_198_UNKNOWN = 1u << 12,
        Q_190_UNKNOWN = 1u << 13,
        Q_232_AVAILABLERESERVEDSPACE = 1u << 14,
        Q_233_MEDIAWEAROUTINDICATOR = 1u << 15,
        Q_225_TOTALLBASWRITTEN = 1u << 16,
        Q_4_UNUSED = 1u << 17,
        Q_226_TIMEWORKLOADMEDIAWEAR = 1u << 18,
        Q_227_TIMEWORKLOADHOSTREADS = 1u << 19,
        Q_228_WORKLOADTIMER = 1u << 20,
        Q_3_UNUSED = 1u << 21,
};

/*
 * libatasmart 0.19 lookup_attribute(): for an ID, the first quirk bit the
 * drive has wins (in this order); name NULL means "unknown to libatasmart"
 * ("attribute-N", unit unknown).
 */
static const struct {
        uint8_t id;
        uint32_t quirk;
        struct info info;
} overrides[] = {
        {3, Q_3_UNUSED, {"spin-up-time", SM_SK_UNKNOWN, CHK_NONE}},
        {4, Q_4_UNUSED, {"start-stop-count", SM_SK_UNKNOWN, CHK_NONE}},
        {5, Q_5_UNKNOWN, {NULL, SM_SK_UNKNOWN, CHK_NONE}},
        {9, Q_9_POWERONMINUTES, {"power-on-minutes", SM_SK_MSECONDS, CHK_LONG_TIME}},
        {9, Q_9_POWERONSECONDS, {"power-on-seconds", SM_SK_MSECONDS, CHK_LONG_TIME}},
        {9, Q_9_POWERONHALFMINUTES, {"power-on-half-minutes", SM_SK_MSECONDS, CHK_LONG_TIME}},
        {9, Q_9_UNKNOWN, {NULL, SM_SK_UNKNOWN, CHK_NONE}},
        {190, Q_190_UNKNOWN, {NULL, SM_SK_UNKNOWN, CHK_NONE}},
        {192,
         Q_192_EMERGENCYRETRACTCYCLECT,
         {"emergency-retract-cycle-count", SM_SK_NONE, CHK_NONE}},
        {194, Q_194_10XCELSIUS, {"temperature-centi-celsius", SM_SK_MKELVIN, CHK_TEMP}},
        {194, Q_194_UNKNOWN, {NULL, SM_SK_UNKNOWN, CHK_NONE}},
        {197, Q_197_UNKNOWN, {NULL, SM_SK_UNKNOWN, CHK_NONE}},
        {198, Q_198_UNKNOWN, {NULL, SM_SK_UNKNOWN, CHK_NONE}},
        {200, Q_200_WRITEERRORCOUNT, {"write-error-count", SM_SK_NONE, CHK_NONE}},
        {201, Q_201_DETECTEDTACOUNT, {"detected-ta-count", SM_SK_NONE, CHK_NONE}},
        {225, Q_225_TOTALLBASWRITTEN, {"total-lbas-written", SM_SK_MB, CHK_NONE}},
        {226,
         Q_226_TIMEWORKLOADMEDIAWEAR,
         {"timed-workload-media-wear", SM_SK_SMALL_PERCENT, CHK_NONE}},
        {227,
         Q_227_TIMEWORKLOADHOSTREADS,
         {"timed-workload-host-reads", SM_SK_SMALL_PERCENT, CHK_NONE}},
        {228, Q_228_WORKLOADTIMER, {"workload-timer", SM_SK_MSECONDS, CHK_NONE}},
        {232, Q_232_AVAILABLERESERVEDSPACE, {"available-reserved-space", SM_SK_PERCENT, CHK_NONE}},
        {233, Q_233_MEDIAWEAROUTINDICATOR, {"media-wearout-indicator", SM_SK_PERCENT, CHK_NONE}},
};

/* libatasmart 0.19 quirk_database[]: model regex, firmware regex (NULL: any), quirks. */
static const struct {
        const char *model, *firmware;
        uint32_t quirks;
} quirk_db[] = {
        /* Fujitsu */
        {"^(FUJITSU MHY2120BH|FUJITSU MHY2250BH)$", "^0085000B$",
         Q_9_POWERONMINUTES | Q_197_UNKNOWN | Q_198_UNKNOWN},
        {"^FUJITSU MHR2040AT$", NULL,
         Q_9_POWERONSECONDS | Q_192_EMERGENCYRETRACTCYCLECT | Q_200_WRITEERRORCOUNT},
        {"^FUJITSU MHS20[6432]0AT(  .)?$", NULL,
         Q_9_POWERONSECONDS | Q_192_EMERGENCYRETRACTCYCLECT | Q_200_WRITEERRORCOUNT |
                 Q_201_DETECTEDTACOUNT},
        {"^(FUJITSU M1623TAU|FUJITSU MHG2...ATU?.*|FUJITSU MHH2...ATU?.*|"
         "FUJITSU MHJ2...ATU?.*|FUJITSU MHK2...ATU?.*|FUJITSU MHL2300AT|"
         "FUJITSU MHM2(20|15|10|06)0AT|FUJITSU MHN2...AT|FUJITSU MHR2020AT|"
         "FUJITSU MHT2...(AH|AS|AT|BH)U?.*|FUJITSU MHU2...ATU?.*|"
         "FUJITSU MHV2...(AH|AS|AT|BH|BS|BT).*|FUJITSU MP[A-G]3...A[HTEV]U?.*)$",
         NULL, Q_9_POWERONSECONDS},
        /* Samsung */
        {"^(SAMSUNG SV4012H|SAMSUNG SP(0451|08[0124]2|12[0145]3|16[0145]4)[CN])$", NULL,
         Q_9_POWERONHALFMINUTES},
        {"^(SAMSUNG SV0412H|SAMSUNG SV1204H)$", NULL, Q_9_POWERONHALFMINUTES | Q_194_10XCELSIUS},
        {"^SAMSUNG SP40A2H$", "^RR100-07$", Q_9_POWERONHALFMINUTES},
        {"^SAMSUNG SP80A4H$", "^RT100-06$", Q_9_POWERONHALFMINUTES},
        {"^SAMSUNG SP8004H$", "^QW100-61$", Q_9_POWERONHALFMINUTES},
        /* Maxtor */
        {"^(Maxtor 2B0(0[468]|1[05]|20)H1|Maxtor 4G(120J6|160J[68])|"
         "Maxtor 4D0(20H1|40H2|60H3|80H4))$",
         NULL, Q_9_POWERONMINUTES | Q_194_UNKNOWN},
        {"^(Maxtor 2F0[234]0[JL]0|Maxtor 8(1280A2|2160A4|2560A4|3840A6|4000A6|5120A8)|"
         "Maxtor 8(2160D2|3228D3|3240D3|4320D4|6480D6|8400D8|8455D8)|"
         "Maxtor 9(0510D4|0576D4|0648D5|0720D5|0840D6|0845D6|0864D6|1008D7|1080D8|1152D8)|"
         "Maxtor 9(1(360|350|202)D8|1190D7|10[12]0D6|0840D5|06[48]0D4|0510D3|1(350|202)E8|"
         "1010E6|0840E5|0640E4)|"
         "Maxtor 9(0512D2|0680D3|0750D3|0913D4|1024D4|1360D6|1536D6|1792D7|2048D8)|"
         "Maxtor 9(2732U8|2390U7|204[09]U6|1707U5|1366U4|1024U3|0845U3|0683U2)|"
         "Maxtor 4(R0[68]0[JL]0|R1[26]0L0|A160J0|R120L4)|"
         "Maxtor (91728D8|91512D7|91303D6|91080D5|90845D4|90645D3|90648D[34]|90432D2)|"
         "Maxtor 9(0431U1|0641U2|0871U2|1301U3|1741U4)|"
         "Maxtor (94091U8|93071U6|92561U5|92041U4|91731U4|91531U3|91361U3|91021U2|90841U2|"
         "90651U2)|"
         "Maxtor (33073U4|32049U3|31536U2|30768U1|33073H4|32305H3|31536H2|30768H1)|"
         "Maxtor (93652U8|92739U6|91826U4|91369U3|90913U2|90845U2|90435U1)|"
         "Maxtor 9(0684U2|1024U2|1362U3|1536U3|2049U4|2562U5|3073U6|4098U8)|"
         "Maxtor (54098[UH]8|53073[UH]6|52732[UH]6|52049[UH]4|51536[UH]3|51369[UH]3|"
         "51024[UH]2)|"
         "Maxtor 3(1024H1|1535H2|2049H2|3073H3|4098H4)( B)?|"
         "Maxtor 5(4610H6|4098H6|3073H4|2049H3|1536H2|1369H2|1023H2)|"
         "Maxtor 9(1023U2|1536U2|2049U3|2305U3|3073U4|4610U6|6147U8)|"
         "Maxtor 9(1023H2|1536H2|2049H3|2305H3|3073H4|4098H6|4610H6|6147H8)|"
         "Maxtor 5T0(60H6|40H4|30H3|20H2|10H1)|Maxtor (98196H8|96147H6)|"
         "Maxtor 4W(100H6|080H6|060H4|040H3|030H2)|Maxtor 6(E0[234]|K04)0L0|"
         "Maxtor 6(B(30|25|20|16|12|10|08)0[MPRS]|L(080[MLP]|(100|120)[MP]|160[MP]|"
         "200[MPRS]|250[RS]|300[RS]))0|"
         "Maxtor 6Y((060|080|120|160)L0|(060|080|120|160|200|250)P0|"
         "(060|080|120|160|200|250)M0)|"
         "Maxtor 7Y250[PM]0|Maxtor [45]A(25|30|32)0[JN]0|Maxtor 7L(25|30)0[SR]0)$",
         NULL, Q_9_POWERONMINUTES},
        /* Hitachi */
        {"^(HITACHI_DK14FA-20B|HITACHI_DK23..-..B?|HITACHI_DK23FA-20J|HTA422020F9AT[JN]0|"
         "HE[JN]4230[23]0F9AT00|HTC4260[23]0G5CE00|HTC4260[56]0G8CE00)$",
         NULL, Q_9_POWERONMINUTES | Q_193_LOADUNLOAD},
        {"^HTS541010G9SA00$", "^MBZOC60P$", Q_5_UNKNOWN},
        /* Apple SSD (?) */
        {"^MCCOE64GEMPP$", "^2.9.0[3-9]$", Q_5_UNKNOWN | Q_190_UNKNOWN},
        /* Intel 320 Series */
        {"^INTEL SSDSA2(CT|BT|CW|BW)[0-9]{3}G3.*$", NULL,
         Q_3_UNUSED | Q_4_UNUSED | Q_225_TOTALLBASWRITTEN | Q_226_TIMEWORKLOADMEDIAWEAR |
                 Q_227_TIMEWORKLOADHOSTREADS | Q_228_WORKLOADTIMER | Q_232_AVAILABLERESERVEDSPACE |
                 Q_233_MEDIAWEAROUTINDICATOR},
};

static bool matches(const char *re, const char *s)
{
        regex_t rx;
        bool ok;

        if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
                return false;
        ok = regexec(&rx, s, 0, NULL, 0) == 0;
        regfree(&rx);
        return ok;
}

uint32_t sm_sk_quirks(const char *model, const char *firmware)
{
        for (size_t i = 0; i < sizeof(quirk_db) / sizeof(quirk_db[0]); i++) {
                if (!matches(quirk_db[i].model, model ? model : ""))
                        continue;
                if (quirk_db[i].firmware &&
                    !matches(quirk_db[i].firmware, firmware ? firmware : ""))
                        continue;
                return quirk_db[i].quirks;
        }
        return 0;
}

static const struct info *lookup(uint8_t id, uint32_t quirks)
{
        static const struct info unknown = {NULL, SM_SK_UNKNOWN, CHK_NONE};

        if (quirks) {
                for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
                        if (overrides[i].id == id && (quirks & overrides[i].quirk))
                                return &overrides[i].info;
                }
        }
        return attr_info[id].name ? &attr_info[id] : &unknown;
}

static bool is(const char *a, const char *b)
{
        return a && strcmp(a, b) == 0;
}

/* libatasmart make_pretty() */
static uint64_t pretty_of(const struct sm_ata_attr_raw *a)
{
        uint64_t v = a->raw48;
        const char *n = a->sk_name;

        if (!n || a->sk_unit == SM_SK_UNKNOWN)
                return 0;
        if (is(n, "spin-up-time"))
                return v & 0xFFFF;
        if (is(n, "airflow-temperature-celsius") || is(n, "temperature-celsius") ||
            is(n, "temperature-celsius-2"))
                return (v & 0xFFFF) * 1000 + 273150;
        if (is(n, "temperature-centi-celsius"))
                return (v & 0xFFFF) * 100 + 273150;
        if (is(n, "power-on-minutes"))
                return v * 60 * 1000;
        if (is(n, "power-on-seconds") || is(n, "power-on-seconds-2"))
                return v * 1000;
        if (is(n, "power-on-half-minutes"))
                return v * 30 * 1000;
        if (is(n, "power-on-hours") || is(n, "loaded-hours") || is(n, "head-flying-hours"))
                return (v & 0xFFFFFFFFu) * 60 * 60 * 1000;
        if (is(n, "reallocated-sector-count") || is(n, "current-pending-sector"))
                return v & 0xFFFFFFFFu;
        if (is(n, "endurance-remaining") || is(n, "available-reserved-space"))
                return a->value;
        if (is(n, "total-lbas-written") || is(n, "total-lbas-read"))
                return v * 65536ull * 512ull / 1000000ull;
        if (is(n, "timed-workload-media-wear") || is(n, "timed-workload-host-reads"))
                return (uint64_t)((double)v / 1024.0);
        if (is(n, "workload-timer"))
                return v * 60 * 1000;
        return v;
}

#define MKELVIN_MIN ((uint64_t)((-15LL * 1000LL) + 273150LL))
#define MKELVIN_MAX ((uint64_t)((100LL * 1000LL) + 273150LL))
#define MS_MIN      1ull
#define MS_SHORT    (60ull * 60ull * 1000ull)
#define MS_LONG     (30ull * 365ull * 24ull * 60ull * 60ull * 1000ull)

/* libatasmart verify_*(), including verify_sectors() zeroing the value (not the unit). */
static void verify(struct sm_ata_attr_raw *a, enum check c, uint64_t size_bytes, bool *bad)
{
        switch (c) {
        case CHK_NONE:
                break;
        case CHK_TEMP:
                if (a->sk_pretty < MKELVIN_MIN || a->sk_pretty > MKELVIN_MAX) {
                        a->sk_unit = SM_SK_UNKNOWN;
                        *bad = true;
                }
                break;
        case CHK_SHORT_TIME:
        case CHK_LONG_TIME:
                if (a->sk_pretty < MS_MIN ||
                    a->sk_pretty > (c == CHK_SHORT_TIME ? MS_SHORT : MS_LONG)) {
                        a->sk_unit = SM_SK_UNKNOWN;
                        *bad = true;
                }
                break;
        case CHK_SECTORS: {
                /* blobs have no size: libatasmart's (uint64_t)-1 / 512 */
                uint64_t max = size_bytes ? size_bytes / 512 : UINT64_MAX / 512;

                if (a->sk_pretty == 0xFFFFFFFFull || a->sk_pretty == 0xFFFFFFFFFFFFull ||
                    (max > 0 && a->sk_pretty > max)) {
                        a->sk_pretty = 0;
                        *bad = true;
                }
                break;
        }
        }
}

int sm_ata_attr_decode(const uint8_t *data, size_t len, const uint8_t *thr, size_t thr_len,
                       uint32_t quirks, uint64_t size_bytes, struct sm_ata_attr_table *t)
{
        if (!t)
                return -EINVAL;
        memset(t, 0, sizeof(*t));
        if (!data || len < SM_ATA_SECTOR)
                return -EINVAL;
        if (thr && thr_len < SM_ATA_SECTOR)
                thr = NULL;
        for (unsigned n = 0; n < SM_ATA_ATTR_SLOTS; n++) {
                const uint8_t *p = data + 2 + 12 * n;
                struct sm_ata_attr_raw *a;
                const struct info *info;

                if (p[0] == 0)
                        continue;
                a = &t->a[t->n++];
                a->id = p[0];
                a->flags = (uint16_t)(p[1] | (p[2] << 8));
                a->prefailure = p[1] & 1;
                a->online = (p[1] >> 1) & 1;
                a->value = p[3];
                a->value_valid = p[3] >= 1 && p[3] <= 0xFD;
                a->worst = p[4];
                a->worst_valid = p[4] >= 1 && p[4] <= 0xFD;
                memcpy(a->raw, p + 5, 6);
                for (int i = 5; i >= 0; i--)
                        a->raw48 = (a->raw48 << 8) | a->raw[i];

                info = lookup(a->id, quirks);
                a->sk_name = info->name;
                a->sk_unit = info->unit;
                a->sk_pretty = pretty_of(a);

                /* find_threshold(): the first slot with the same ID */
                if (thr) {
                        for (unsigned k = 0; k < SM_ATA_ATTR_SLOTS; k++) {
                                const uint8_t *q = thr + 2 + 12 * k;

                                if (q[0] != a->id)
                                        continue;
                                a->threshold_found = true;
                                a->threshold = q[1];
                                a->threshold_valid = q[1] != 0xFE;
                                a->good_now = a->good_past = true;
                                /* always-fail (0) and always-pass (FEh, FFh) thresholds
                                 * say nothing */
                                if (q[1] >= 1 && q[1] <= 0xFD) {
                                        if (a->worst_valid) {
                                                a->good_past = a->worst > a->threshold;
                                                a->good_past_valid = true;
                                        }
                                        if (a->value_valid) {
                                                a->good_now = a->value > a->threshold;
                                                a->good_now_valid = true;
                                        }
                                }
                                break;
                        }
                }
                verify(a, info->check, size_bytes, &t->verification_bad);
        }
        return 0;
}

/* fill_cache_cb() inputs, plus the Debian patch's "at/below threshold now" test. */
struct cache {
        bool bad_now, bad_past;
        bool realloc_found, pending_found, realloc_bad, pending_bad;
        uint64_t realloc, pending;
};

static void fill_cache(const struct sm_ata_attr_table *t, struct cache *c)
{
        memset(c, 0, sizeof(*c));
        for (unsigned i = 0; i < t->n && i < SM_ATA_ATTR_SLOTS; i++) {
                const struct sm_ata_attr_raw *a = &t->a[i];
                bool bad = a->good_now_valid && !a->good_now;

                if (a->prefailure) {
                        if (bad)
                                c->bad_now = true;
                        if (a->good_past_valid && !a->good_past)
                                c->bad_past = true;
                }
                if (a->sk_unit != SM_SK_SECTORS || !a->value_valid)
                        continue;
                if (is(a->sk_name, "reallocated-sector-count")) {
                        if (a->sk_pretty > c->realloc)
                                c->realloc = a->sk_pretty;
                        c->realloc_found = true;
                        c->realloc_bad = c->realloc_bad || bad;
                }
                if (is(a->sk_name, "current-pending-sector")) {
                        if (a->sk_pretty > c->pending)
                                c->pending = a->sk_pretty;
                        c->pending_found = true;
                        c->pending_bad = c->pending_bad || bad;
                }
        }
}

enum sm_sk_overall sm_sk_overall(const struct sm_ata_attr_table *t, bool status_good)
{
        struct cache c;

        if (!status_good)
                return SM_SK_BAD_STATUS;
        fill_cache(t, &c);
        if ((c.realloc_found || c.pending_found) && (c.realloc_bad || c.pending_bad))
                return SM_SK_BAD_SECTOR_MANY;
        if (c.bad_now)
                return SM_SK_BAD_ATTRIBUTE_NOW;
        if ((c.realloc_found ? c.realloc : 0) + (c.pending_found ? c.pending : 0) > 0)
                return SM_SK_BAD_SECTOR;
        if (c.bad_past)
                return SM_SK_BAD_ATTRIBUTE_IN_THE_PAST;
        return SM_SK_GOOD;
}
