/* SPDX-License-Identifier: MIT */
#include "metric.h"

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
