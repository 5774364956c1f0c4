/* SPDX-License-Identifier: MIT */
/*
 * test-util.c - number/duration parsing, the sticky-error buffer and the
 * Prometheus text helpers. Expected strings are written by hand from the
 * Prometheus text exposition format 0.0.4 rules.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/prom.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "test/check.h"

static void test_parse_u64(void)
{
        static const struct {
                const char *s;
                uint64_t min, max;
                int ret;
                uint64_t want;
        } t[] = {
                {"0", 0, 10, 0, 0},
                {"10", 0, 10, 0, 10},
                {"11", 0, 10, -ERANGE, 0},
                {"0", 1, 10, -ERANGE, 0},
                {"007", 0, 10, 0, 7},
                {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
                {"18446744073709551616", 0, UINT64_MAX, -ERANGE, 0},
                {"99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0},
                {"", 0, 10, -EINVAL, 0},
                {"-1", 0, 10, -EINVAL, 0},
                {"+1", 0, 10, -EINVAL, 0},
                {" 1", 0, 10, -EINVAL, 0},
                {"1 ", 0, 10, -EINVAL, 0},
                {"1x", 0, 10, -EINVAL, 0},
                {"0x1", 0, 10, -EINVAL, 0},
                {"1.0", 0, 10, -EINVAL, 0},
                {"a", 0, 10, -EINVAL, 0},
        };

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                uint64_t v = 12345;
                int r = sm_parse_u64(t[i].s, t[i].min, t[i].max, &v);

                CHECK(r == t[i].ret, "sm_parse_u64('%s'): %d, want %d", t[i].s, r, t[i].ret);
                if (t[i].ret == 0)
                        CHECK_U64(v, t[i].want, t[i].s);
                else
                        CHECK_U64(v, 12345, "ret untouched on failure");
        }
        CHECK(sm_parse_u64(NULL, 0, 1, &(uint64_t){0}) == -EINVAL, "NULL");
}

static void test_parse_duration(void)
{
        static const struct {
                const char *s;
                int ok; /* 1: parses to want */
                uint64_t want;
        } t[] = {
                {"0", 1, 0},
                {"30", 1, 30000},
                {"30s", 1, 30000},
                {"500ms", 1, 500},
                {"5m", 1, 300000},
                {"2h", 1, 7200000},
                {"0ms", 1, 0},
                {"18446744073709551615ms", 1, UINT64_MAX},
                {"18446744073709551616ms", 0, 0},
                {"18446744073709552s", 0, 0}, /* overflows when scaled */
                {"5124095576030h", 1, 5124095576030ULL * 3600000ULL},
                {"5124095576031h", 0, 0},
                {"", 0, 0},
                {"s", 0, 0},
                {"ms", 0, 0},
                {"-5s", 0, 0},
                {"5 s", 0, 0},
                {"5S", 0, 0},
                {"5d", 0, 0},
                {"5sec", 0, 0},
                {"5mss", 0, 0},
                {"1.5s", 0, 0},
                {"1h30m", 0, 0},
                {"123456789012345678901234567890123", 0, 0}, /* 33 digits */
        };

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                uint64_t v = 777;
                int r = sm_parse_duration_ms(t[i].s, &v);

                if (t[i].ok) {
                        CHECK(r == 0, "duration '%s': %d", t[i].s, r);
                        CHECK_U64(v, t[i].want, t[i].s);
                } else {
                        CHECK(r < 0, "duration '%s' accepted as %llu", t[i].s,
                              (unsigned long long)v);
                        CHECK_U64(v, 777, "ret untouched on failure");
                }
        }
        CHECK(sm_parse_duration_ms(NULL, &(uint64_t){0}) == -EINVAL, "NULL duration");
}

static void test_strlcpy(void)
{
        char d[4];

        CHECK(sm_strlcpy(d, "abc", sizeof(d)) && strcmp(d, "abc") == 0, "fits");
        CHECK(!sm_strlcpy(d, "abcd", sizeof(d)) && strcmp(d, "abc") == 0, "truncated: %s", d);
        CHECK(!sm_strlcpy(d, "x", 0), "n = 0");
}

static void test_buf(void)
{
        struct sm_buf b;
        char *p;
        size_t len = 0;
        char chunk[1000];

        sm_buf_init(&b);
        CHECK(b.data == NULL && b.len == 0 && !sm_buf_failed(&b), "init");
        /* An empty buffer steals as "" (not NULL). */
        p = sm_buf_steal(&b, &len);
        CHECK(p && p[0] == '\0' && len == 0, "steal empty");
        free(p);

        /* Growth across many reallocations keeps every byte. */
        sm_buf_init(&b);
        for (size_t i = 0; i < sizeof(chunk); i++)
                chunk[i] = (char)('a' + i % 26);
        for (int i = 0; i < 1000; i++)
                sm_buf_append(&b, chunk, sizeof(chunk));
        CHECK_U64(b.len, 1000000, "len after 1000 appends");
        CHECK(b.cap >= b.len + 1, "cap %zu", b.cap);
        CHECK(b.data[b.len] == '\0', "NUL-terminated");
        {
                bool same = true;

                for (size_t i = 0; i < b.len; i++)
                        same = same && b.data[i] == (char)('a' + (i % 1000) % 26);
                CHECK(same, "content after growth");
        }
        sm_buf_free(&b);
        CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "free resets");

        /* printf, puts, binary append. */
        sm_buf_init(&b);
        sm_buf_printf(&b, "%d-%s", 42, "x");
        sm_buf_puts(&b, "|");
        sm_buf_append(&b, "a\0b", 3);
        sm_buf_printf(&b, "%s", "");
        CHECK(b.len == 8 && memcmp(b.data, "42-x|a\0b", 8) == 0, "mixed appends (len %zu)", b.len);
        /* A long printf that needs growth. */
        sm_buf_printf(&b, "%5000d", 7);
        CHECK(b.len == 5008 && b.data[5007] == '7' && b.data[5008] == '\0', "long printf");
        p = sm_buf_steal(&b, &len);
        CHECK(p && len == 5008 && b.data == NULL && b.len == 0, "steal");
        free(p);

        /* Sticky failure: an impossible reservation poisons the buffer. */
        sm_buf_init(&b);
        sm_buf_puts(&b, "ok");
        sm_buf_append(&b, "x", SIZE_MAX / 2);
        CHECK(sm_buf_failed(&b), "huge append fails");
        CHECK(b.len == 2, "failed append adds nothing");
        sm_buf_puts(&b, "more");
        sm_buf_printf(&b, "%d", 1);
        CHECK(sm_buf_failed(&b) && b.len == 2, "still failed, nothing added");
        len = 99;
        p = sm_buf_steal(&b, &len);
        CHECK(p == NULL && len == 99, "steal of failed buffer is NULL, len untouched");
        CHECK(b.data == NULL && !sm_buf_failed(&b), "steal of failed buffer frees and resets");

        /* Steal without a length pointer. */
        sm_buf_init(&b);
        sm_buf_puts(&b, "z");
        p = sm_buf_steal(&b, NULL);
        CHECK(p && strcmp(p, "z") == 0, "steal NULL len");
        free(p);
}

/* Render with f into a fresh buffer and compare with want. */
#define PROM_EQ(want, ...)                                                                         \
        do {                                                                                       \
                struct sm_buf b_;                                                                  \
                sm_buf_init(&b_);                                                                  \
                __VA_ARGS__;                                                                       \
                const char *got_ = b_.data ? b_.data : "";                                         \
                CHECK(!sm_buf_failed(&b_) && strcmp(got_, want) == 0, "got '%s', want '%s'", got_, \
                      want);                                                                       \
                sm_buf_free(&b_);                                                                  \
        } while (0)

static void test_prom(void)
{
        /* Label value escaping: backslash, double quote, newline; nothing else. */
        PROM_EQ("a\\\\b\\\"c\\nd\te", sm_prom_escape(&b_, "a\\b\"c\nd\te"));
        PROM_EQ("", sm_prom_escape(&b_, ""));
        PROM_EQ("\xc3\xa9", sm_prom_escape(&b_, "\xc3\xa9"));

        PROM_EQ("# HELP m Help with \\\\ and \\n and \"q\".\n# TYPE m gauge\n",
                sm_prom_family(&b_, "m", "gauge", "Help with \\ and \n and \"q\"."));

        /* Samples: no labels, one, several, escaped, NULL value. */
        PROM_EQ("m 1\n", sm_prom_sample(&b_, "m", 1, NULL));
        PROM_EQ("m{device=\"sda\"} 0\n", sm_prom_sample(&b_, "m", 0, "device", "sda", NULL));
        PROM_EQ("m{a=\"1\",b=\"x\\\"y\",c=\"\"} -3\n",
                sm_prom_sample(&b_, "m", -3, "a", "1", "b", "x\"y", "c", NULL, NULL));

        /* Integers exactly, fractions round-trip, specials as Prometheus spells them. */
        PROM_EQ("m 42\n", sm_prom_sample(&b_, "m", 42.0, NULL));
        PROM_EQ("m 9007199254740991\n", sm_prom_sample(&b_, "m", 9007199254740991.0, NULL));
        PROM_EQ("m -9007199254740991\n", sm_prom_sample(&b_, "m", -9007199254740991.0, NULL));
        PROM_EQ("m 1795748807\n", sm_prom_sample(&b_, "m", 1795748807.0, NULL));
        PROM_EQ("m 0.5\n", sm_prom_sample(&b_, "m", 0.5, NULL));
        /* Shortest text that reads back as the same double (as Python repr() prints it). */
        PROM_EQ("m 0.1\n", sm_prom_sample(&b_, "m", 0.1, NULL));
        PROM_EQ("m 0.059023\n", sm_prom_sample(&b_, "m", 0.059023, NULL));
        PROM_EQ("m 0.3333333333333333\n", sm_prom_sample(&b_, "m", 1.0 / 3.0, NULL));
        PROM_EQ("m 1795752867.0957882\n", sm_prom_sample(&b_, "m", 1795752867.0957882, NULL));
        PROM_EQ("m 9007199254740992\n", sm_prom_sample(&b_, "m", 9007199254740992.0, NULL));
        PROM_EQ("m 1e+20\n", sm_prom_sample(&b_, "m", 1e20, NULL));
        PROM_EQ("m NaN\n", sm_prom_sample(&b_, "m", (double)NAN, NULL));
        PROM_EQ("m +Inf\n", sm_prom_sample(&b_, "m", (double)INFINITY, NULL));
        PROM_EQ("m -Inf\n", sm_prom_sample(&b_, "m", -(double)INFINITY, NULL));
        /* Negative zero keeps its sign ("-0" is a valid float for Prometheus). */
        PROM_EQ("m -0\n", sm_prom_sample(&b_, "m", -0.0, NULL));

        /* u64 counters exactly, even above 2^53. */
        PROM_EQ("c_total 18446744073709551615\n",
                sm_prom_sample_u64(&b_, "c_total", UINT64_MAX, NULL));
        PROM_EQ("c_total{device=\"nvme0n1\"} 9007199254740993\n",
                sm_prom_sample_u64(&b_, "c_total", 9007199254740993ULL, "device", "nvme0n1", NULL));
}

int main(void)
{
        test_parse_u64();
        test_parse_duration();
        test_strlcpy();
        test_buf();
        test_prom();
        return check_summary();
}
