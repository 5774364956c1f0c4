/* SPDX-License-Identifier: MIT */
#include "etag.h"

#include <string.h>

static const char *skip_ows_commas(const char *p)
{
        while (*p == ' ' || *p == '\t' || *p == ',')
                p++;
        return p;
}

bool sm_etag_none_match_hit(const char *h, const char *etag)
{
        size_t want;

        if (strncmp(etag, "W/", 2) == 0)
                etag += 2;
        want = strlen(etag);
        for (const char *p = skip_ows_commas(h); *p; p = skip_ows_commas(p)) {
                const char *end;

                if (*p == '*')
                        return true;
                if (strncmp(p, "W/", 2) == 0)
                        p += 2;
                if (*p != '"')
                        return false; /* not a list of entity tags: no match */
                end = strchr(p + 1, '"');
                if (!end)
                        return false;
                end++;
                if ((size_t)(end - p) == want && memcmp(p, etag, want) == 0)
                        return true;
                p = end;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p && *p != ',')
                        return false;
        }
        return false;
}
