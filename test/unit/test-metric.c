/* SPDX-License-Identifier: MIT */
/*
 * test-metric.c - sm_emit_fields() (collectors/metric.h): every C type read at
 * its offset, presence by a bool or by bits of a byte, negation, scaling (no
 * exact decimal then), strings from char[] and from a code's name, rows. The
 * struct below is filled by hand with values chosen so that a wrong offset,
 * width or sign gives a different number.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "collectors/metric.h"
#include "lib/util.h"
#include "test/check.h"

struct sample {
        uint8_t valid; /* bits 0 and 2 used */
        bool has_b;
        bool b;
        int8_t t;
        uint16_t w;
        uint32_t d;
        uint64_t q;
        uint8_t code;
        char text[16];
};

static const char *code_name(uint8_t code)
{
        return code == 7 ? "seven" : code == 0 ? "" : NULL;
}

#define F(k, m, ty, ...)                                                            \
        {                                                                           \
                .desc.json = {.kind = SM_JSON_NUMBER, .key = k},                    \
                .value = offsetof(struct sample, m), .type = SM_C_##ty, __VA_ARGS__ \
        }

static const struct sm_field fields[] = {
        F("valid", valid, U8),
        F("b", b, BOOL, .has = offsetof(struct sample, has_b), .has_mask = 1),
        F("not_b", b, BOOL, .negate = true),
        F("t", t, I8),
        F("w", w, U16, .has = offsetof(struct sample, valid), .has_mask = 0x2),
        F("d", d, U32, .has = offsetof(struct sample, valid), .has_mask = 0x4),
        F("q", q, U64),
        F("q_scaled", q, U64, .scale = 0.5),
        F("name", code, NAME, .name = code_name),
        F("text", text, CHARS),
};

struct got {
        unsigned n;

        struct {
                const char *key;
                double value;
                char exact[32];
                char str[32];
                unsigned row;
                bool present, has_exact, has_str;
        } r[16];
};

static void collect(void *ctx, const struct sm_reading *r)
{
        struct got *g = ctx;

        if (g->n >= ARRAY_SIZE(g->r))
                return;
        g->r[g->n].key = r->desc->json.key;
        g->r[g->n].value = r->value;
        g->r[g->n].has_exact = r->exact != NULL;
        g->r[g->n].has_str = r->str != NULL;
        snprintf(g->r[g->n].exact, sizeof(g->r[0].exact), "%s", r->exact ? r->exact : "");
        snprintf(g->r[g->n].str, sizeof(g->r[0].str), "%s", r->str ? r->str : "");
        g->r[g->n].row = r->row;
        g->r[g->n].present = r->present;
        g->n++;
}

int main(void)
{
        struct sample s = {.valid = 0x05,
                           .has_b = true,
                           .b = true,
                           .t = -12,
                           .w = 0xBEEF,
                           .d = 0xDEADBEEF,
                           .q = 18446744073709551557ull, /* 2^64 - 59: not a double */
                           .code = 7,
                           .text = "hello"};
        struct got g = {0};

        sm_emit_fields(fields, ARRAY_SIZE(fields), &s, 3, collect, &g);
        CHECK(g.n == ARRAY_SIZE(fields), "one reading per field, got %u", g.n);
        for (unsigned i = 0; i < g.n; i++) {
                CHECK_STR(g.r[i].key, fields[i].desc.json.key, "in table order");
                CHECK(g.r[i].row == 3, "%s: row %u", g.r[i].key, g.r[i].row);
        }
        CHECK(g.r[0].value == 5 && g.r[0].present && strcmp(g.r[0].exact, "5") == 0, "u8");
        CHECK(g.r[1].value == 1 && g.r[1].present, "bool, present by its flag");
        CHECK(g.r[2].value == 0 && g.r[2].present && strcmp(g.r[2].exact, "0") == 0, "negated");
        CHECK(g.r[3].value == -12 && g.r[3].present, "i8 keeps its sign: %g", g.r[3].value);
        CHECK(g.r[4].value == 0xBEEF && !g.r[4].present, "u16, bit 1 of valid clear: absent");
        CHECK(g.r[5].value == 0xDEADBEEF && g.r[5].present &&
                      strcmp(g.r[5].exact, "3735928559") == 0,
              "u32, bit 2 of valid set: present");
        CHECK_STR(g.r[6].exact, "18446744073709551557", "u64 exact decimal");
        CHECK(!g.r[7].has_exact && g.r[7].value == 18446744073709551557.0 * 0.5,
              "scaled: no exact decimal, value %g", g.r[7].value);
        CHECK(g.r[8].present && strcmp(g.r[8].str, "seven") == 0, "code name");
        CHECK(g.r[9].present && strcmp(g.r[9].str, "hello") == 0, "char[]");

        /* absent strings: an empty char[], a code without a name or with an empty one */
        s.has_b = false;
        s.text[0] = '\0';
        s.code = 1;
        memset(&g, 0, sizeof(g));
        sm_emit_fields(fields, ARRAY_SIZE(fields), &s, 0, collect, &g);
        CHECK(!g.r[1].present, "bool absent when its flag is false");
        CHECK(g.r[2].present, "a field without a flag is always present");
        CHECK(!g.r[8].present, "code without a name: absent");
        CHECK(!g.r[9].present, "empty char[]: absent");
        s.code = 0;
        memset(&g, 0, sizeof(g));
        sm_emit_fields(fields, ARRAY_SIZE(fields), &s, 0, collect, &g);
        CHECK(!g.r[8].present, "code with an empty name: absent");
        memset(&g, 0, sizeof(g));
        sm_emit_fields(fields, 0, &s, 0, collect, &g);
        CHECK(g.n == 0, "an empty table emits nothing");
        return check_summary();
}
