/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

bool sm_streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

void sm_copy_trimmed(char *dst, size_t n, const char *src)
{
        size_t len;

        if (n == 0)
                return;
        dst[0] = '\0';
        if (!src)
                return;
        while (isspace((unsigned char)*src))
                src++;
        len = strlen(src);
        while (len && isspace((unsigned char)src[len - 1]))
                len--;
        if (len >= n)
                len = n - 1;
        memcpy(dst, src, len);
        dst[len] = '\0';
}

bool sm_strlcpy(char *dst, const char *src, size_t n)
{
        size_t len;

        if (n == 0)
                return false;
        len = strnlen(src, n);
        if (len == n) {
                memcpy(dst, src, n - 1);
                dst[n - 1] = '\0';
                return false;
        }
        memcpy(dst, src, len + 1);
        return true;
}

int sm_path_join(char *dst, size_t n, const char *a, const char *b, const char *suffix)
{
        size_t la = strlen(a), lb = strlen(b), ls = suffix ? strlen(suffix) : 0;

        if (n == 0 || la + 1 + lb + ls >= n)
                return -ENAMETOOLONG;
        memcpy(dst, a, la);
        dst[la] = '/';
        memcpy(dst + la + 1, b, lb);
        memcpy(dst + la + 1 + lb, suffix ? suffix : "", ls);
        dst[la + 1 + lb + ls] = '\0';
        return 0;
}

int sm_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
        unsigned long long v;
        char *end = NULL;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || !end || *end != '\0')
                return -EINVAL;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int sm_parse_duration_ms(const char *s, uint64_t *ret_ms)
{
        static const struct {
                const char *suffix;
                uint64_t ms;
        } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};

        char num[32];
        size_t digits;

        if (!s)
                return -EINVAL;
        digits = strspn(s, "0123456789");
        if (digits == 0 || digits >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, digits);
        num[digits] = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                uint64_t v;
                int r;

                if (strcmp(s + digits, units[i].suffix) != 0)
                        continue;
                r = sm_parse_u64(num, 0, UINT64_MAX / units[i].ms, &v);
                if (r < 0)
                        return r;
                *ret_ms = v * units[i].ms;
                return 0;
        }
        return -EINVAL;
}

uint64_t sm_now_mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t sm_now_mono_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double sm_now_real_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
