/* SPDX-License-Identifier: MIT */
/*
 * test-http.c - http.c's sm_http_accepts_gzip against Accept-Encoding values, with the
 * expected answers taken from RFC 9110 section 12.5.3 (a coding with q=0 is
 * "not acceptable"; "*" matches any coding not listed; names are
 * case-insensitive).
 */
#include <stdbool.h>

#include "agent/http.h"
#include "test/check.h"

int main(void)
{
        static const struct {
                const char *ae;
                bool want;
                /*
                 * Known deviation of the current parser, reported to the lead: it stops at
                 * the first "*" or "gzip" element. Printed as XFAIL (not counted) while it
                 * lasts, as XPASS once fixed (then drop the flag).
                 */
                bool known_bug;
        } t[] = {
                {"gzip", true, false},
                {"GZIP", true, false},
                {"GzIp", true, false},
                {"gzip;q=0", false, false},
                {"gzip; q=0.000", false, false},
                {"gzip;q=0.0", false, false},
                {"gzip;Q=0", false, false},
                {"gzip ;q=0", false, false},
                {"gzip;q=0.001", true, false},
                {"gzip;q=0.5", true, false},
                {"gzip;q=1", true, false},
                {"gzip;q=1.0", true, false},
                {"deflate, gzip;q=0.5", true, false},
                {"deflate, gzip", true, false},
                {"deflate,gzip", true, false},
                {"gzip, deflate, br", true, false},
                {"br;q=1.0, gzip;q=0.8, *;q=0.1", true, false},
                {"deflate, gzip;q=0", false, false},
                {"gzip;q=0, deflate", false, false},
                {"*", true, false},
                {"*;q=0", false, false},
                {"*;q=0.1", true, false},
                {"deflate, *", true, false},
                {"*, gzip;q=0", false, false}, /* an explicit refusal beats the wildcard */
                {"gzip;q=0, *", false, false},
                {"gzip;x=1;q=0", false, false}, /* q is found among several parameters */
                {"gzip; Q=0.000", false, false},
                {"gzip;q=0.001", true, false},
                {"identity", false, false},
                {"identity, deflate", false, false},
                {"", false, false},
                {" ", false, false},
                {",", false, false},
                {"x-gzip", false, false},
                {"gzipx", false, false},
                {"gzip2", false, false},
                {"deflate;q=0.5,gzip", true, false},
                {"  gzip  ", true, false},
                {"\tgzip", true, false},
        };

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                bool got = sm_http_accepts_gzip(t[i].ae);

                if (t[i].known_bug) {
                        printf("%s: Accept-Encoding '%s': got %d, want %d (known bug)\n",
                               got == t[i].want ? "XPASS" : "XFAIL", t[i].ae, got, t[i].want);
                        continue;
                }
                CHECK(got == t[i].want, "Accept-Encoding '%s': got %d, want %d", t[i].ae, got,
                      t[i].want);
        }
        CHECK(!sm_http_accepts_gzip(NULL), "NULL header");
        return check_summary();
}
