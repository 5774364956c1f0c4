/* SPDX-License-Identifier: MIT */
/*
 * test-ata-malformed - broken replay captures must give an error with a clear
 * message, never a crash (also run under the ASan/UBSan build): empty,
 * truncated at every record boundary and in between, random bytes, oversized,
 * missing IDFY (libatasmart's negative-errno case), wrong record lengths,
 * duplicate records, mutated real blobs, a directory and a missing file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/ata.h"
#include "test/check.h"

static char tmpdir[] = "/tmp/ssdmon-ata-malformed-XXXXXX";
static char path[4096];

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
        /* xorshift64*: deterministic, so a failure is reproducible */
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        return (uint32_t)((rng * 2685821657736338717ull) >> 32);
}

static void put(const char *name, const void *data, size_t len)
{
        int fd;

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
                perror(path);
                exit(2);
        }
        close(fd);
}

static int do_read(const char *file, struct sm_health *h, char *err, size_t errlen)
{
        struct sm_device_id id;
        struct sm_read_opts opts = {.timeout_ms = 1000};

        memset(&id, 0, sizeof(id));
        id.replay = true;
        id.proto = SM_PROTO_ATA;
        snprintf(id.name, sizeof(id.name), "x");
        snprintf(id.devnode, sizeof(id.devnode), "%s", file);
        err[0] = '\0';
        return sm_ata_collector.read(&id, &opts, h, err, errlen);
}

/* Must fail with a negative errno and a readable one-line message. */
static void expect_error(const char *what, const char *file, int want_errno, const char *want_msg)
{
        struct sm_health h;
        char err[192];
        int r = do_read(file, &h, err, sizeof(err));

        CHECK(r < 0, "%s: read() = %d, expected an error", what, r);
        CHECK(err[0] != '\0' && !strchr(err, '\n'), "%s: error message missing/multi-line", what);
        CHECK(!strstr(err, "Unknown error"), "%s: errno leaked unsanitised: '%s'", what, err);
        if (want_errno)
                CHECK(r == -want_errno, "%s: read() = %d, expected %d (%s)", what, r, -want_errno,
                      err);
        if (want_msg)
                CHECK(strstr(err, want_msg) != NULL, "%s: message '%s' lacks '%s'", what, err,
                      want_msg);
}

/* Either outcome is fine, but an error needs a message and a success sane data. */
static void expect_no_crash(const char *what, const char *file)
{
        struct sm_health h;
        char err[192];
        int r = do_read(file, &h, err, sizeof(err));

        if (r < 0) {
                CHECK(err[0] != '\0', "%s: error %d without message", what, r);
                CHECK(!strstr(err, "Unknown error"), "%s: errno leaked: '%s'", what, err);
        } else {
                CHECK(r == 0, "%s: unexpected positive return %d for a capture", what, r);
                CHECK(h.ata.n_attrs <= SM_ATA_MAX_ATTRS, "%s: %u attributes", what, h.ata.n_attrs);
                CHECK(OPT(h.ata.status_valid, h.ata.overall) >= -1 &&
                              OPT(h.ata.status_valid, h.ata.overall) <= 5,
                      "%s: overall %d", what, OPT(h.ata.status_valid, h.ata.overall));
                CHECK(memchr(h.ident.model, '\0', sizeof(h.ident.model)) != NULL,
                      "%s: model not terminated", what);
        }
}

static size_t load(const char *file, uint8_t *buf, size_t cap)
{
        FILE *f = fopen(file, "re");
        size_t n;

        if (!f) {
                perror(file);
                exit(2);
        }
        n = fread(buf, 1, cap, f);
        fclose(f);
        return n;
}

static void record(uint8_t *p, const char *tag, uint32_t len)
{
        memcpy(p, tag, 4);
        p[4] = (uint8_t)(len >> 24);
        p[5] = (uint8_t)(len >> 16);
        p[6] = (uint8_t)(len >> 8);
        p[7] = (uint8_t)len;
}

int main(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        uint8_t good[4096], buf[70000];
        size_t n;
        char name[64], src[4096];

        if (!root)
                root = ".";
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 2;
        }
        snprintf(src, sizeof(src), "%s/test/data/demo/INTEL_SSDSA2CW120G3--4PC10302", root);
        n = load(src, good, sizeof(good));
        CHECK(n == 1572, "Intel 320 blob is %zu bytes, expected 1572", n);

        /* sanity: the untouched blob reads */
        {
                struct sm_health h;
                char err[192];

                put("good", good, n);
                CHECK(do_read(path, &h, err, sizeof(err)) == 0, "good blob: %s", err);
        }

        put("empty", "", 0);
        expect_error("empty file", path, ENODATA, "empty");

        /* truncations: inside the first header, inside IDFY, exactly after IDFY (no SMART
         * data: an error from us), inside later headers/payloads, one byte short */
        {
                static const size_t cuts[] = {1,    4,    7,    8,    9,    100,  519,
                                              521,  527,  528,  531,  600,  1043, 1044,
                                              1051, 1053, 1059, 1060, 1300, 1571};

                for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                        snprintf(name, sizeof(name), "trunc-%zu", cuts[i]);
                        put(name, good, cuts[i]);
                        expect_error(name, path, 0, "capture");
                }
                /* complete records, but no SMART data: IDFY, IDFY+SMST */
                put("idfy-only", good, 520);
                expect_error("IDFY record only", path, ENODATA, "no SMART attribute data");
                put("idfy-smst", good, 532);
                expect_error("IDFY+SMST only", path, ENODATA, "no SMART attribute data");
        }
        /* IDFY+SMST+SMDT without thresholds is a valid capture: attributes without thresholds */
        {
                struct sm_health h;
                char err[192];
                bool any_threshold = false;

                put("no-smth", good, 1052);
                CHECK(do_read(path, &h, err, sizeof(err)) == 0, "no SMTH: %s", err);
                CHECK(h.ata.n_attrs == 19, "no SMTH: %u attributes, skdump lists 19",
                      h.ata.n_attrs);
                for (unsigned i = 0; i < h.ata.n_attrs; i++)
                        any_threshold = any_threshold || h.ata.attrs[i].threshold_valid;
                CHECK(!any_threshold, "no SMTH: a threshold marked valid");
        }

        /* the record chain without IDFY: libatasmart sets errno = -ENODATA */
        put("no-idfy", good + 520, n - 520);
        expect_error("no IDFY record", path, EINVAL, "no IDFY record");

        /* wrong record length, duplicate record, huge length of an unknown record */
        memcpy(buf, good, n);
        record(buf + 520, "SMST", 5);
        put("bad-len", buf, n);
        expect_error("SMST length 5", path, EINVAL, "malformed");
        memcpy(buf, good, 520);
        memcpy(buf + 520, good, 520);
        put("dup-idfy", buf, 1040);
        expect_error("duplicate IDFY", path, EINVAL, "malformed");
        memcpy(buf, good, n);
        record(buf + n, "XXXX", 0xFFFFFFF0u);
        put("huge-unknown", buf, n + 8);
        expect_error("unknown record with huge length", path, EINVAL, "malformed");

        /* unknown records are skipped by libatasmart: still a good read */
        memcpy(buf, good, n);
        record(buf + n, "ZZZZ", 3);
        memcpy(buf + n + 8, "abc", 3);
        put("unknown-record", buf, n + 11);
        expect_no_crash("unknown record", path);

        /* oversized: 64 KiB + 1 */
        memset(buf, 'A', sizeof(buf));
        memcpy(buf, good, n);
        put("oversized", buf, 64 * 1024 + 1);
        expect_error("oversized", path, EFBIG, "larger than");

        /* random files */
        for (int i = 0; i < 200; i++) {
                size_t len = 1 + rnd() % 3000;

                for (size_t k = 0; k < len; k++)
                        buf[k] = (uint8_t)rnd();
                if (i % 4 == 0)
                        memcpy(buf, "IDFY", 4); /* make some get past the first tag */
                snprintf(name, sizeof(name), "random-%d", i);
                put(name, buf, len);
                expect_no_crash(name, path);
        }

        /* mutated real blobs: random bytes flipped anywhere, incl. record headers and the
         * attribute tables (ids, values, raw) */
        {
                static const char *const blobs[] = {"INTEL_SSDSA2CW120G3--4PC10302",
                                                    "Maxtor_96147H8--BAC51KJ0--2",
                                                    "WDC_WD2500JB--00REA0-20.00K20"};

                for (size_t b = 0; b < 3; b++) {
                        uint8_t orig[4096];
                        size_t len;

                        snprintf(src, sizeof(src), "%s/test/data/demo/%s", root, blobs[b]);
                        len = load(src, orig, sizeof(orig));
                        for (int i = 0; i < 150; i++) {
                                unsigned flips = 1 + rnd() % 16;

                                memcpy(buf, orig, len);
                                for (unsigned f = 0; f < flips; f++)
                                        buf[rnd() % len] = (uint8_t)rnd();
                                snprintf(name, sizeof(name), "mut-%zu-%d", b, i);
                                put(name, buf, len);
                                expect_no_crash(name, path);
                                unlink(path);
                        }
                }
        }

        expect_error("directory", tmpdir, 0, "regular file");
        snprintf(path, sizeof(path), "%s/does-not-exist", tmpdir);
        expect_error("missing file", path, ENOENT, "cannot open");

        {
                char cmd[4200];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        fprintf(stderr, "warning: could not remove %s\n", tmpdir);
        }
        return check_summary();
}
