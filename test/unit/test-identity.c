/* SPDX-License-Identifier: MIT */
/*
 * test-identity.c - the identity cleaner (collectors/identity.h) on byte
 * strings, and an NVMe Identify Controller with garbage in MN (bytes 63:24,
 * SN 23:04, FR 71:64 per the NVMe base specification). Expected strings follow
 * RFC 3629 (which byte sequences are UTF-8) and Unicode's rule of one U+FFFD
 * per ill-formed byte, written by hand.
 */
#include <stdint.h>
#include <string.h>

#include "collectors/device.h"
#include "collectors/identity.h"
#include "collectors/nvme.h"
#include "test/check.h"

#define FFFD "\xef\xbf\xbd"

static void test_table(void)
{
        static const struct {
                const char *in;
                size_t len;
                const char *out, *raw;
        } cases[] = {
                {"  INTEL SSDSC2KB480G8  ", 23, "INTEL SSDSC2KB480G8", ""},
                {"INTEL SSD\xff\x01\"x", 13, "INTEL SSD" FFFD FFFD "\"x", "INTEL SSD\\xff\\x01\"x"},
                {"caf\xc3\xa9", 5, "caf\xc3\xa9", ""}, /* valid UTF-8 kept */
                {"a\xc0\xaf"
                 "b",
                 4, "a" FFFD FFFD "b", "a\\xc0\\xafb"},                       /* overlong */
                {"a\xed\xa0\x80", 4, "a" FFFD FFFD FFFD, "a\\xed\\xa0\\x80"}, /* surrogate */
                {"a\xf4\x90\x80\x80", 5, "a" FFFD FFFD FFFD FFFD, "a\\xf4\\x90\\x80\\x80"},
                {"\xe2\x82", 2, FFFD FFFD, "\\xe2\\x82"},        /* truncated */
                {"x\xc2\x85y", 4, "x" FFFD "y", "x\\xc2\\x85y"}, /* C1 control NEL */
                {"x\x7fy", 3, "x" FFFD "y", "x\\x7fy"},          /* DEL */
                {"a\\b\x80", 4, "a\\b" FFFD, "a\\x5cb\\x80"},    /* backslash escaped */
                {"SN123\0\0\0\0", 9, "SN123", ""},               /* NUL padding */
                {"", 0, "", ""},
        };

        char out[64], raw[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                bool replaced = sm_ident_clean(out, sizeof(out), raw, sizeof(raw), cases[i].in,
                                               cases[i].len);

                CHECK_STR(out, cases[i].out, cases[i].raw);
                CHECK_STR(raw, cases[i].raw, cases[i].out);
                CHECK(replaced == (cases[i].raw[0] != '\0'), "case %zu: replaced %d", i, replaced);
        }
        /* Truncation never splits a character: 5 bytes of room, "é" twice and a bit. */
        (void)sm_ident_clean(out, 6, raw, sizeof(raw), "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
        CHECK_STR(out, "\xc3\xa9\xc3\xa9", "truncated between characters");
        (void)sm_ident_clean(out, 4, raw, sizeof(raw), "ab\xff", 3);
        CHECK_STR(out, "ab", "a replacement that does not fit is left out");
}

static void test_nvme_identify(void)
{
        uint8_t id[4096];
        struct sm_health h;
        const char mn[] = "Samsung SSD\xff\x80 970\x01";
        const char sn[] = "S4EW\xc3\xa9"; /* valid UTF-8, kept */

        memset(id, 0, sizeof(id));
        memset(id + 4, ' ', 20);
        memset(id + 24, ' ', 40);
        memset(id + 64, ' ', 8);
        memcpy(id + 4, sn, strlen(sn));
        memcpy(id + 24, mn, strlen(mn));
        memcpy(id + 64, "1B2Q", 4);
        sm_health_init(&h);
        sm_nvme_decode_id_ctrl(id, &h);
        CHECK_STR(h.ident.model, "Samsung SSD" FFFD FFFD " 970" FFFD, "NVMe MN cleaned");
        CHECK_STR(h.ident.model_raw, "Samsung SSD\\xff\\x80 970\\x01", "NVMe MN raw");
        CHECK_STR(h.ident.serial, "S4EW\xc3\xa9", "NVMe SN");
        CHECK_STR(h.ident.serial_raw, "", "no SN raw");
        CHECK_STR(h.ident.firmware, "1B2Q", "NVMe FR");
}

int main(void)
{
        test_table();
        test_nvme_identify();
        return check_summary();
}
