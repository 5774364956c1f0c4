/* SPDX-License-Identifier: MIT */
/*
 * metric.h - what a reading means, declared once, as data, next to the code
 * that produces it (the node_exporter Desc pattern).
 *
 *   struct sm_family  one Prometheus family: name, type, unit, HELP, label names.
 *   struct sm_desc    one kind of reading: its family (or none: JSON only) and
 *                     where and how it appears in a device's JSON.
 *   struct sm_reading one value of a device: desc, label values, the number,
 *                     its exact decimal, present or not.
 *
 * A decoder fills plain data (struct sm_health); its readings() function walks
 * that data and hands each reading to an emit callback, in JSON order. The
 * renderers in agent/ (Prometheus text, JSON, HTML) turn any reading into output
 * from these declarations alone; they know nothing about protocols. The
 * "(cached from the last collection)" HELP suffix is added by the Prometheus
 * renderer to every per-device family. See docs/architecture.md, "How to add a
 * reading".
 */
#ifndef SM_METRIC_H
#define SM_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* Labels of a family beyond `device` (which every per-device family has, first). */
#define SM_LABELS_MAX 8

enum sm_metric_type {
        SM_GAUGE = 0,
        SM_COUNTER,
};

/* sm_family.flags */
#define SM_FAMILY_AGENT  (1u << 0) /* about the agent: no device label, no "cached" note */
#define SM_FAMILY_ALWAYS (1u << 1) /* HELP/TYPE even when no device has a sample */

struct sm_family {
        const char *name; /* ssdmon_..., with the unit suffix (_celsius, _bytes, _total, ...) */
        enum sm_metric_type type;
        const char *unit; /* base unit: "celsius", "bytes", "seconds", "ratio", "" */
        const char *help; /* one sentence, no final period */
        const char *labels[SM_LABELS_MAX]; /* label names beyond device, NULL-terminated */
        unsigned flags;
};

/*
 * Define a family in one statement:
 *   SM_FAMILY(static, f_x, "ssdmon_x_total", SM_COUNTER, "", 0, "What it counts", "label");
 */
#define SM_FAMILY(storage, var, name_, type_, unit_, flags_, help_, ...) \
        storage const struct sm_family var = {.name = name_,             \
                                              .type = type_,             \
                                              .unit = unit_,             \
                                              .help = help_,             \
                                              .labels = {__VA_ARGS__},   \
                                              .flags = flags_}

enum sm_json_kind {
        SM_JSON_NONE = 0, /* not in the JSON */
        SM_JSON_NUMBER,
        SM_JSON_BOOL,   /* value != 0 */
        SM_JSON_STRING, /* reading.str */
};

/* sm_json.flags */
#define SM_JSON_EXACT (1u << 0) /* also "<key>_string": the exact decimal (64/128-bit counters) */
#define SM_JSON_NULL  (1u << 1) /* null when absent (without it an absent value is left out) */
#define SM_JSON_SERIES                                                             \
        (1u << 2) /* a point of a drawn series: in the JSON, not a row of the HTML \
                     page's reading table (agent/trend.h) */

/* Where a reading goes in the device's JSON object. */
struct sm_json {
        enum sm_json_kind kind;
        const char *section; /* NULL: the device object itself; else a sub-object ("nvme") */
        const char *array;   /* NULL, or an array in the section: of objects, one per
                                reading.row (key set), or of plain values (key NULL) */
        const char *key;
        unsigned flags;
};

/* One kind of reading: declared once, statically, next to its decoder. */
struct sm_desc {
        const struct sm_family *family; /* NULL: JSON only */
        struct sm_json json;            /* kind SM_JSON_NONE: Prometheus only */
};

/*
 * Declare a reading in one row of a table: SM_DESC(d_x, &f_x, JSON-place);
 * family NULL: JSON only; JSON place {0}: Prometheus only.
 */
#define SM_DESC(var, family_, ...) \
        static const struct sm_desc var = {.family = family_, .json = __VA_ARGS__}

/* One value. Everything it points to needs to live only while emit() runs. */
struct sm_reading {
        const struct sm_desc *desc;
        const char
                *labels[SM_LABELS_MAX]; /* values of desc->family->labels; NULL: label left out */
        double value;                   /* in the family's base unit */
        const char *exact;              /* value as an exact decimal, or NULL */
        const char *str;                /* SM_JSON_STRING; NULL or "" is absent */
        unsigned row;                   /* the object in desc->json.array (arrays of objects) */
        bool present;                   /* false: not reported (Prometheus: no sample) */
        bool json_only;                 /* this one is not exported to Prometheus */
};

typedef void (*sm_emit_fn)(void *ctx, const struct sm_reading *r);

/* Emit a 64-bit counter: its double and its exact decimal; absent unless present. */
void sm_emit_u64(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, uint64_t v, bool present);
/* Emit a string reading (SM_JSON_STRING) in row row; absent when s is NULL or "". */
void sm_emit_str(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, const char *s,
                 unsigned row);

/* ---- readings kept in the fields of a plain struct ---- */

/* The C type of a field (struct sm_field.type). */
enum sm_ctype {
        SM_C_BOOL,
        SM_C_U8,
        SM_C_I8,
        SM_C_U16,
        SM_C_U32,
        SM_C_U64,
        SM_C_CHARS, /* char[]: a string reading, absent when empty */
        SM_C_NAME,  /* uint8_t code: the string reading name(code), absent when NULL or "" */
};

/*
 * One reading kept in a field of a decoder's plain struct: what it means and
 * where its value is. A table of these, walked by sm_emit_fields(), stands for
 * a list of emit calls that would name each field again.
 */
struct sm_field {
        struct sm_desc desc;
        size_t value; /* offsetof the value */
        enum sm_ctype type;
        size_t has;       /* offsetof the byte that says whether it is present */
        uint8_t has_mask; /* the bits of that byte that say so (1 for a bool); 0: always */
        double scale;     /* base unit = value * scale (0: as is); scaled: no exact decimal */
        bool negate;      /* SM_C_BOOL: the reading is !value */
        const char *(*name)(uint8_t code); /* SM_C_NAME */
};

/*
 * Designators of a row, checked at compile time: SM_FIELD_VALUE(struct t, m, U16) is
 * .value and .type, and fails to compile unless member m is a uint16_t (char[] for CHARS,
 * uint8_t for NAME); SM_FIELD_IF(struct t, m, mask) is .has and .has_mask, for a
 * one-byte member (a bool, mask 1, or a byte of flag bits).
 */
#define SM_CTYPE_OF(x) \
        _Generic((x), bool: SM_C_BOOL, uint8_t: SM_C_U8, int8_t: SM_C_I8, uint16_t: SM_C_U16, \
                 uint32_t: SM_C_U32, uint64_t: SM_C_U64, char *: SM_C_CHARS, default: -1)
#define SM_CTYPE_FITS(x, t) \
        (SM_CTYPE_OF(x) == (t) || ((t) == SM_C_NAME && SM_CTYPE_OF(x) == SM_C_U8))
#define SM_FIELD_VALUE(T, m, ctype)                                                         \
        .value = offsetof(T, m) + SM_ZERO_UNLESS(SM_CTYPE_FITS(((T *)0)->m, SM_C_##ctype)), \
        .type = SM_C_##ctype
#define SM_FIELD_IF(T, m, mask) \
        .has = offsetof(T, m) + SM_ZERO_UNLESS(sizeof(((T *)0)->m) == 1), .has_mask = (mask)

/* Emit the readings of table f[0..n) from the struct at s, as objects of row row. */
void sm_emit_fields(const struct sm_field *f, size_t n, const void *s, unsigned row,
                    sm_emit_fn emit, void *ctx);

/* The value of label name in reading r, or NULL when the family has no such label or it is empty.
 */
const char *sm_reading_label(const struct sm_reading *r, const char *name);

/* A present numeric reading; exact may be NULL. */
static inline struct sm_reading sm_reading_num(const struct sm_desc *desc, double value,
                                               const char *exact)
{
        return (struct sm_reading){.desc = desc, .value = value, .exact = exact, .present = true};
}

#endif
