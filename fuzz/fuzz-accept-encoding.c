/* SPDX-License-Identifier: MIT */
/*
 * fuzz-accept-encoding.c - sm_http_accepts_gzip on any header value, plus a
 * few properties that hold whatever the parser's details: a value with no
 * "gzip" (any case) and no "*" never accepts gzip, and prefixing "gzip, " to a
 * value without q-values accepts it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1), *with;
        bool got;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        got = sm_http_accepts_gzip(s);
        if (got && !strcasestr(s, "gzip") && !strchr(s, '*'))
                abort();
        with = malloc(size + 7);
        if (with) {
                memcpy(with, "gzip, ", 6);
                memcpy(with + 6, s, strlen(s) + 1);
                if (!strchr(s, ';') && !sm_http_accepts_gzip(with))
                        abort();
                free(with);
        }
        free(s);
        return 0;
}
