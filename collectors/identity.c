/* SPDX-License-Identifier: MIT */
#include "identity.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static bool is_space(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
               c == '\0';
}

/* Length of the valid UTF-8 sequence at s (RFC 3629 table), or 0 when ill-formed. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
        unsigned char c = s[0];
        size_t len;
        unsigned char lo = 0x80, hi = 0xbf;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4;
        else
                return 0;
        /* The second byte's range excludes overlongs, surrogates and > U+10FFFF. */
        if (c == 0xe0)
                lo = 0xa0;
        else if (c == 0xed)
                hi = 0x9f;
        else if (c == 0xf0)
                lo = 0x90;
        else if (c == 0xf4)
                hi = 0x8f;
        if (left < len || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++) {
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        }
        return len;
}

/* A valid sequence that is a control character: C0, DEL, or C1 (U+0080..U+009F). */
static bool is_control(const unsigned char *s, size_t len)
{
        return (len == 1 && (s[0] < 0x20 || s[0] == 0x7f)) ||
               (len == 2 && s[0] == 0xc2 && s[1] <= 0x9f);
}

static void escape(char *raw, size_t rawn, const unsigned char *s, size_t len)
{
        size_t w = 0;

        for (size_t i = 0; i < len && w + 5 <= rawn; i++) {
                if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
                        raw[w++] = (char)s[i];
                else
                        w += (size_t)snprintf(raw + w, rawn - w, "\\x%02x", s[i]);
        }
        if (rawn)
                raw[w < rawn ? w : rawn - 1] = '\0';
}

bool sm_ident_clean(char *dst, size_t n, char *raw, size_t rawn, const void *src, size_t len)
{
        const unsigned char *s = src;
        size_t w = 0;
        bool replaced = false;

        if (rawn)
                raw[0] = '\0';
        if (n == 0)
                return false;
        while (len && is_space(s[0])) {
                s++;
                len--;
        }
        while (len && is_space(s[len - 1]))
                len--;
        for (size_t i = 0; i < len;) {
                size_t k = utf8_len(s + i, len - i);
                const char *out = (const char *)s + i;
                size_t outlen = k;

                if (k == 0 || is_control(s + i, k)) {
                        out = replacement;
                        outlen = 3;
                        k = k ? k : 1;
                        replaced = true;
                }
                if (w + outlen >= n)
                        break; /* truncate between characters */
                memcpy(dst + w, out, outlen);
                w += outlen;
                i += k;
        }
        while (w && dst[w - 1] == ' ')
                w--; /* a truncation may end on a space */
        dst[w] = '\0';
        if (replaced)
                escape(raw, rawn, s, len);
        return replaced;
}
