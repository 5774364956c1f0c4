/* SPDX-License-Identifier: MIT */
/*
 * test-etag.c - If-None-Match against an entity tag. Cases from RFC 9110
 * sections 8.8.3 (syntax, weak vs strong) and 13.1.2 (If-None-Match uses the
 * weak comparison; "*" matches any representation).
 */
#include <stdbool.h>

#include "agent/etag.h"
#include "test/check.h"

int main(void)
{
        static const struct {
                const char *header, *etag;
                bool hit;
        } cases[] = {
                {"\"g5\"", "\"g5\"", true},
                {"W/\"g5\"", "\"g5\"", true}, /* weak comparison */
                {"\"g5\"", "W/\"g5\"", true},
                {"\"xyzzy\", \"r2d2xxxx\", \"c3piozzzz\"", "\"r2d2xxxx\"", true}, /* RFC example */
                {"\"a\",\"g5\"", "\"g5\"", true},
                {" ,\t\"g5\" ", "\"g5\"", true},
                {"*", "\"g5\"", true},
                {"\"g4\"", "\"g5\"", false},
                {"\"g5-gz\"", "\"g5\"", false}, /* another representation */
                {"\"g5\"", "\"g5-gz\"", false},
                {"g5", "\"g5\"", false}, /* not quoted: not an entity tag */
                {"\"g5", "\"g5\"", false},
                {"\"g\"5\"", "\"g5\"", false},
                {"\"a,b\", \"g5\"", "\"g5\"", true}, /* a comma inside a tag */
                {"\"a,\"g5\"\"", "\"g5\"", false},
                {"", "\"g5\"", false},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                CHECK(sm_etag_none_match_hit(cases[i].header, cases[i].etag) == cases[i].hit,
                      "If-None-Match '%s' vs %s: want %d", cases[i].header, cases[i].etag,
                      cases[i].hit);
        return check_summary();
}
