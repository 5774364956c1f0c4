/* SPDX-License-Identifier: MIT */
#include "fmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Decimal digits of v into buf (no NUL); returns how many. */
static size_t u64_digits(uint64_t v, char *buf)
{
        char tmp[20];
        size_t n = 0;

        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        for (size_t i = 0; i < n; i++)
                buf[i] = tmp[n - 1 - i];
        return n;
}

static void put(char *buf, size_t n, const char *out, size_t used)
{
        if (n == 0)
                return;
        if (used >= n)
                used = n - 1;
        memcpy(buf, out, used);
        buf[used] = '\0';
}

void sm_fmt_u64(uint64_t v, char *buf, size_t n)
{
        char out[24];

        put(buf, n, out, u64_digits(v, out));
}

void sm_fmt_u128(sm_u128 v, uint32_t mult, char *buf, size_t n)
{
        /* v * mult < 2^160: six 32-bit limbs, little-endian, then base-10^9 chunks. */
        uint32_t limb[6], chunk[6];
        size_t nchunks = 0, used;
        uint64_t carry = 0;
        char out[64];
        bool zero;

        if (n == 0)
                return;
        if ((v >> 64) == 0 && (uint64_t)v <= UINT64_MAX / mult) {
                used = u64_digits((uint64_t)v * mult, out);
        } else {
                for (int i = 0; i < 4; i++) {
                        uint64_t p = (uint64_t)(uint32_t)(v >> (32 * i)) * mult + carry;

                        limb[i] = (uint32_t)p;
                        carry = p >> 32;
                }
                limb[4] = (uint32_t)carry;
                limb[5] = 0;
                do {
                        uint64_t rem = 0;

                        zero = true;
                        for (int i = 5; i >= 0; i--) {
                                uint64_t cur = (rem << 32) | limb[i];

                                limb[i] = (uint32_t)(cur / 1000000000u);
                                rem = cur % 1000000000u;
                                if (limb[i])
                                        zero = false;
                        }
                        chunk[nchunks++] = (uint32_t)rem;
                } while (!zero && nchunks < ARRAY_SIZE(chunk));
                used = u64_digits(chunk[nchunks - 1], out);
                for (size_t i = nchunks - 1; i-- > 0;) {
                        for (int k = 8; k >= 0; k--) {
                                out[used + (size_t)k] = (char)('0' + chunk[i] % 10);
                                chunk[i] /= 10;
                        }
                        used += 9;
                }
        }
        put(buf, n, out, used);
}

void sm_fmt_double(double v, char *buf, size_t n)
{
        if (isnan(v)) {
                snprintf(buf, n, "NaN");
        } else if (isinf(v)) {
                snprintf(buf, n, "%s", v > 0 ? "+Inf" : "-Inf");
        } else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
                snprintf(buf, n, "%.0f", v);
        } else {
                /* The shortest of %.15g..%.17g that reads back as the same double. */
                for (int prec = 15; prec <= 17; prec++) {
                        snprintf(buf, n, "%.*g", prec, v);
                        if (prec == 17 || strtod(buf, NULL) == v)
                                break;
                }
        }
}
