/* SPDX-License-Identifier: MIT */
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sm_prom_family(struct sm_buf *b, const char *name, const char *type, const char *help)
{
        sm_buf_printf(b, "# HELP %s ", name);
        /* HELP text escaping: backslash and newline; plain runs are copied whole. */
        for (const char *p = help; *p;) {
                size_t run = strcspn(p, "\\\n");

                sm_buf_append(b, p, run);
                p += run;
                if (*p) {
                        sm_buf_puts(b, *p == '\\' ? "\\\\" : "\\n");
                        p++;
                }
        }
        sm_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void sm_prom_escape(struct sm_buf *b, const char *value)
{
        for (const char *p = value; *p;) {
                size_t run = strcspn(p, "\\\"\n");

                sm_buf_append(b, p, run);
                p += run;
                if (!*p)
                        break;
                sm_buf_puts(b, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n");
                p++;
        }
}

static void labels(struct sm_buf *b, const char *name, va_list ap)
{
        const char *key;
        bool first = true;

        sm_buf_puts(b, name);
        while ((key = va_arg(ap, const char *)) != NULL) {
                const char *val = va_arg(ap, const char *);

                sm_buf_puts(b, first ? "{" : ",");
                sm_buf_printf(b, "%s=\"", key);
                sm_prom_escape(b, val ? val : "");
                sm_buf_puts(b, "\"");
                first = false;
        }
        if (!first)
                sm_buf_puts(b, "}");
}

/* The shortest of %.15g..%.17g that reads back as the same double (0.059023, not 0.0590229...). */
static void shortest(struct sm_buf *b, double v)
{
        char tmp[40];

        for (int prec = 15; prec <= 17; prec++) {
                snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
                if (prec == 17 || strtod(tmp, NULL) == v)
                        break;
        }
        sm_buf_printf(b, " %s\n", tmp);
}

static void value(struct sm_buf *b, double v)
{
        if (isnan(v))
                sm_buf_puts(b, " NaN\n");
        else if (isinf(v))
                sm_buf_puts(b, v > 0 ? " +Inf\n" : " -Inf\n");
        else if (v == floor(v) && fabs(v) < 9007199254740992.0)
                sm_buf_printf(b, " %.0f\n", v);
        else
                shortest(b, v);
}

void sm_prom_sample(struct sm_buf *b, const char *name, double v, ...)
{
        va_list ap;

        va_start(ap, v);
        labels(b, name, ap);
        va_end(ap);
        value(b, v);
}

void sm_prom_sample_u64(struct sm_buf *b, const char *name, uint64_t v, ...)
{
        va_list ap;

        va_start(ap, v);
        labels(b, name, ap);
        va_end(ap);
        sm_buf_printf(b, " %llu\n", (unsigned long long)v);
}
