/* SPDX-License-Identifier: MIT */
#include "metric.h"

#include <string.h>

#include "lib/fmt.h"

void sm_emit_u64(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, uint64_t v, bool present)
{
        char exact[SM_FMT_MAX];
        struct sm_reading r;

        sm_fmt_u64(v, exact, sizeof(exact));
        r = sm_reading_num(desc, (double)v, exact);
        r.present = present;
        emit(ctx, &r);
}

void sm_emit_str(sm_emit_fn emit, void *ctx, const struct sm_desc *desc, const char *s,
                 unsigned row)
{
        struct sm_reading r = {.desc = desc, .str = s, .row = row, .present = s && s[0]};

        emit(ctx, &r);
}

static uint64_t field_u(const void *p, enum sm_ctype t)
{
        switch (t) {
        case SM_C_BOOL:
                return *(const bool *)p;
        case SM_C_U8:
        case SM_C_NAME:
                return *(const uint8_t *)p;
        case SM_C_U16:
                return *(const uint16_t *)p;
        case SM_C_U32:
                return *(const uint32_t *)p;
        case SM_C_U64:
                return *(const uint64_t *)p;
        case SM_C_I8:
        case SM_C_CHARS:
                break;
        }
        return 0;
}

static void emit_field(const struct sm_field *f, const char *s, unsigned row, sm_emit_fn emit,
                       void *ctx)
{
        const void *p = s + f->value;
        char exact[SM_FMT_MAX];
        struct sm_reading r = {.desc = &f->desc, .row = row, .present = true};
        uint64_t v;

        if (f->has_mask)
                r.present = (*(const uint8_t *)(s + f->has) & f->has_mask) != 0;
        switch (f->type) {
        case SM_C_CHARS:
                r.str = p;
                r.present = r.present && r.str[0];
                break;
        case SM_C_NAME:
                r.value = *(const uint8_t *)p;
                r.str = f->name(*(const uint8_t *)p);
                r.present = r.present && r.str && r.str[0];
                break;
        case SM_C_I8:
                r.value = *(const int8_t *)p;
                break;
        default:
                v = field_u(p, f->type);
                if (f->type == SM_C_BOOL && f->negate)
                        v = !v;
                if (f->scale) {
                        r.value = (double)v * f->scale;
                        break;
                }
                sm_fmt_u64(v, exact, sizeof(exact));
                r.value = (double)v;
                r.exact = exact;
        }
        emit(ctx, &r);
}

void sm_emit_fields(const struct sm_field *f, size_t n, const void *s, unsigned row,
                    sm_emit_fn emit, void *ctx)
{
        for (size_t i = 0; i < n; i++)
                emit_field(&f[i], s, row, emit, ctx);
}

const char *sm_reading_label(const struct sm_reading *r, const char *name)
{
        const struct sm_family *f = r->desc->family;

        for (size_t i = 0; i < SM_LABELS_MAX && f->labels[i]; i++)
                if (strcmp(f->labels[i], name) == 0)
                        return r->labels[i] && r->labels[i][0] ? r->labels[i] : NULL;
        return NULL;
}
