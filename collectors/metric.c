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

const char *sm_reading_label(const struct sm_reading *r, const char *name)
{
        const struct sm_family *f = r->desc->family;

        for (size_t i = 0; i < SM_LABELS_MAX && f->labels[i]; i++)
                if (strcmp(f->labels[i], name) == 0)
                        return r->labels[i] && r->labels[i][0] ? r->labels[i] : NULL;
        return NULL;
}
