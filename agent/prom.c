/* SPDX-License-Identifier: MIT */
#include "prom.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fmt.h"

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

/* name{labels} value: the value already formatted. */
static void sample(struct sm_buf *b, const char *name, const char *value, va_list ap)
{
        labels(b, name, ap);
        sm_buf_printf(b, " %s\n", value);
}

void sm_prom_sample(struct sm_buf *b, const char *name, double v, ...)
{
        char num[SM_FMT_MAX];
        va_list ap;

        sm_fmt_double(v, num, sizeof(num));
        va_start(ap, v);
        sample(b, name, num, ap);
        va_end(ap);
}

void sm_prom_sample_u64(struct sm_buf *b, const char *name, uint64_t v, ...)
{
        char num[SM_FMT_MAX];
        va_list ap;

        va_start(ap, v);
        sm_fmt_u64(v, num, sizeof(num));
        sample(b, name, num, ap);
        va_end(ap);
}
