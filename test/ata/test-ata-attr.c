/* SPDX-License-Identifier: MIT */
/*
 * test-ata-attr - our SMART attribute/threshold decoder (collectors/ata_attr.c)
 * against libatasmart's own reading of the same bytes: `skdump --load=FILE`
 * on every captured (test/data/demo) and rebuilt (test/data/ata/
 * blobs-from-smartctl) blob. Per attribute: id, name, value/worst/threshold
 * (or "n/a"), skdump's "Pretty" column (unit and value after libatasmart's
 * quirks and sanity checks), raw bytes, type, updates, Good, Good/Past; per
 * drive: "Attribute Parsing Verification" and "Overall Status".
 * The blob's records are split here by hand (IDFY/SMST/SMDT/SMTH, 4-byte tag,
 * big-endian length), independently of the collector.
 */
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/ata_attr.h"
#include "test/check.h"

static char *run_skdump(const char *path)
{
        char arg[8300];
        int pfd[2];
        pid_t pid;
        FILE *f;
        char *out;
        int st;

        snprintf(arg, sizeof(arg), "--load=%s", path);
        if (pipe(pfd) < 0)
                return NULL;
        pid = fork();
        if (pid < 0)
                return NULL;
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                dup2(pfd[1], 1);
                if (null >= 0)
                        dup2(null, 2);
                close(pfd[0]);
                close(pfd[1]);
                execlp("skdump", "skdump", arg, (char *)NULL);
                _exit(127);
        }
        close(pfd[1]);
        f = fdopen(pfd[0], "r");
        out = f ? check_slurp_stream(f, NULL) : NULL;
        if (f)
                fclose(f);
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) {
                free(out);
                return NULL;
        }
        return out;
}

/* The payload of record tag in a blob, or NULL. */
static const uint8_t *record(const uint8_t *b, size_t len, const char *tag, size_t *ret_len)
{
        size_t off = 0;

        while (len - off >= 8) {
                uint32_t n = ((uint32_t)b[off + 4] << 24) | ((uint32_t)b[off + 5] << 16) |
                             ((uint32_t)b[off + 6] << 8) | b[off + 7];

                if (n > len - off - 8)
                        return NULL;
                if (memcmp(b + off, tag, 4) == 0) {
                        *ret_len = n;
                        return b + off + 8;
                }
                off += 8 + (size_t)n;
        }
        return NULL;
}

/* IDENTIFY string as sk_disk_identify_parse() gives it (swapped, trimmed, spaces folded). */
static void id_str(const uint8_t *id, unsigned off, unsigned len, char *out)
{
        char tmp[48];
        size_t n = 0;
        bool sp = false;

        for (unsigned i = 0; i < len; i += 2) {
                tmp[i] = (char)id[off + i + 1];
                tmp[i + 1] = (char)id[off + i];
        }
        tmp[len] = '\0';
        for (unsigned i = 0; i < len && tmp[i]; i++) {
                char c = ((unsigned char)tmp[i] < ' ' || (unsigned char)tmp[i] >= 127) ? ' '
                                                                                       : tmp[i];

                if (c == ' ') {
                        sp = n > 0;
                        continue;
                }
                if (sp)
                        out[n++] = ' ';
                sp = false;
                out[n++] = c;
        }
        out[n] = '\0';
}

/* skdump's print_value() (atasmart.c), the reference for the Pretty column. */
static void pretty(char *s, size_t len, uint64_t v, enum sm_sk_unit u)
{
        switch (u) {
        case SM_SK_MSECONDS:
                if (v >= 1000ull * 60 * 60 * 24 * 365)
                        snprintf(s, len, "%0.1f years", (double)v / (1000.0 * 60 * 60 * 24 * 365));
                else if (v >= 1000ull * 60 * 60 * 24 * 30)
                        snprintf(s, len, "%0.1f months", (double)v / (1000.0 * 60 * 60 * 24 * 30));
                else if (v >= 1000ull * 60 * 60 * 24)
                        snprintf(s, len, "%0.1f days", (double)v / (1000.0 * 60 * 60 * 24));
                else if (v >= 1000ull * 60 * 60)
                        snprintf(s, len, "%0.1f h", (double)v / (1000.0 * 60 * 60));
                else if (v >= 1000ull * 60)
                        snprintf(s, len, "%0.1f min", (double)v / (1000.0 * 60));
                else if (v >= 1000ull)
                        snprintf(s, len, "%0.1f s", (double)v / 1000.0);
                else
                        snprintf(s, len, "%llu ms", (unsigned long long)v);
                break;
        case SM_SK_MKELVIN:
                snprintf(s, len, "%0.1f C", ((double)v - 273150) / 1000);
                break;
        case SM_SK_SECTORS:
                snprintf(s, len, "%llu sectors", (unsigned long long)v);
                break;
        case SM_SK_PERCENT:
                snprintf(s, len, "%llu%%", (unsigned long long)v);
                break;
        case SM_SK_SMALL_PERCENT:
                snprintf(s, len, "%0.3f%%", (double)v);
                break;
        case SM_SK_MB:
                if (v >= 1000000ull)
                        snprintf(s, len, "%0.3f TB", (double)v / 1000000ull);
                else if (v >= 1000ull)
                        snprintf(s, len, "%0.3f GB", (double)v / 1000ull);
                else
                        snprintf(s, len, "%llu MB", (unsigned long long)v);
                break;
        case SM_SK_NONE:
                snprintf(s, len, "%llu", (unsigned long long)v);
                break;
        case SM_SK_UNKNOWN:
        default:
                snprintf(s, len, "n/a");
                break;
        }
}

static const char *overall_str(enum sm_sk_overall o)
{
        static const char *const m[] = {"GOOD",
                                        "BAD_ATTRIBUTE_IN_THE_PAST",
                                        "BAD_SECTOR",
                                        "BAD_ATTRIBUTE_NOW",
                                        "BAD_SECTOR_MANY",
                                        "BAD_STATUS"};

        return (unsigned)o < 6 ? m[o] : "?";
}

/* Remove ESC[..m highlighting. */
static void strip_esc(char *s)
{
        char *w = s;

        for (char *r = s; *r;) {
                if (r[0] == '\x1b' && r[1] == '[') {
                        r += 2;
                        while (*r && *r != 'm')
                                r++;
                        if (*r)
                                r++;
                        continue;
                }
                *w++ = *r++;
        }
        *w = '\0';
}

static unsigned n_blobs, n_attrs;

static void check_blob(const char *name, const char *path)
{
        uint8_t buf[65536];
        size_t len, idlen = 0, dlen = 0, tlen = 0, slen = 0;
        const uint8_t *id, *data, *thr, *st;
        struct sm_ata_attr_table t;
        char model[48], fw[16], *out, *line, *save = NULL;
        bool in_table = false;
        unsigned k = 0;
        FILE *f = fopen(path, "rb");

        CHECK(f != NULL, "%s: cannot open", name);
        if (!f)
                return;
        len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        id = record(buf, len, "IDFY", &idlen);
        data = record(buf, len, "SMDT", &dlen);
        thr = record(buf, len, "SMTH", &tlen);
        st = record(buf, len, "SMST", &slen);
        if (!id || idlen != 512 || !data || dlen != 512)
                return; /* skdump prints no attribute table either */
        id_str(id, 54, 40, model);
        id_str(id, 46, 8, fw);
        CHECK(sm_ata_attr_decode(data, dlen, thr, tlen, sm_sk_quirks(model, fw), 0, &t) == 0,
              "%s: decode", name);
        out = run_skdump(path);
        CHECK(out != NULL, "%s: skdump failed", name);
        if (!out)
                return;
        strip_esc(out);
        n_blobs++;
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *tok[32];
                unsigned nt = 0;
                char pr[64] = "", want[400], exp_name[40];
                const struct sm_ata_attr_raw *a;

                if (strncmp(line, "Attribute Parsing Verification: ", 32) == 0) {
                        CHECK(strcmp(line + 32, t.verification_bad ? "Bad" : "Good") == 0,
                              "%s: verification %s vs skdump %s", name,
                              t.verification_bad ? "Bad" : "Good", line + 32);
                        continue;
                }
                if (strncmp(line, "Overall Status: ", 16) == 0) {
                        if (st && slen == 4) {
                                bool good = st[0] | st[1] | st[2] | st[3];

                                CHECK(strcmp(line + 16, overall_str(sm_sk_overall(&t, good))) == 0,
                                      "%s: overall %s vs skdump %s", name,
                                      overall_str(sm_sk_overall(&t, good)), line + 16);
                        }
                        continue;
                }
                if (strncmp(line, "ID# ", 4) == 0) {
                        in_table = true;
                        continue;
                }
                if (!in_table)
                        continue;
                for (char *s2 = NULL, *p = strtok_r(line, " ", &s2); p && nt < 32;
                     p = strtok_r(NULL, " ", &s2))
                        tok[nt++] = p;
                CHECK(nt >= 11, "%s: short skdump line", name);
                if (nt < 11)
                        continue;
                for (unsigned i = 5; i < nt - 5; i++) {
                        if (i > 5)
                                strcat(pr, " ");
                        strncat(pr, tok[i], sizeof(pr) - strlen(pr) - 2);
                }
                CHECK(k < t.n, "%s: skdump has more attributes than our %u", name, t.n);
                if (k >= t.n)
                        break;
                a = &t.a[k++];
                n_attrs++;
                CHECK(a->id == (unsigned)atoi(tok[0]), "%s: #%u id %u vs %s", name, k, a->id,
                      tok[0]);
                if (a->sk_name)
                        snprintf(exp_name, sizeof(exp_name), "%s", a->sk_name);
                else
                        snprintf(exp_name, sizeof(exp_name), "attribute-%u", a->id);
                CHECK(strcmp(exp_name, tok[1]) == 0, "%s: attr %u name %s vs skdump %s", name,
                      a->id, exp_name, tok[1]);
                snprintf(want, sizeof(want), "%u", a->value);
                CHECK(strcmp(a->value_valid ? want : "n/a", tok[2]) == 0,
                      "%s: attr %u value %s vs %s", name, a->id, want, tok[2]);
                snprintf(want, sizeof(want), "%u", a->worst);
                CHECK(strcmp(a->worst_valid ? want : "n/a", tok[3]) == 0,
                      "%s: attr %u worst %s vs %s", name, a->id, want, tok[3]);
                snprintf(want, sizeof(want), "%u", a->threshold);
                CHECK(strcmp(a->threshold_valid ? want : "n/a", tok[4]) == 0,
                      "%s: attr %u threshold %s vs %s", name, a->id, want, tok[4]);
                pretty(want, sizeof(want), a->sk_pretty, a->sk_unit);
                CHECK(strcmp(want, pr) == 0, "%s: attr %u pretty '%s' vs skdump '%s'", name, a->id,
                      want, pr);
                snprintf(want, sizeof(want), "0x%02x%02x%02x%02x%02x%02x", a->raw[0], a->raw[1],
                         a->raw[2], a->raw[3], a->raw[4], a->raw[5]);
                CHECK(strcmp(want, tok[nt - 5]) == 0, "%s: attr %u raw", name, a->id);
                CHECK(strcmp(a->prefailure ? "prefail" : "old-age", tok[nt - 4]) == 0,
                      "%s: attr %u type", name, a->id);
                CHECK(strcmp(a->online ? "online" : "offline", tok[nt - 3]) == 0,
                      "%s: attr %u updates", name, a->id);
                CHECK(strcmp(a->good_now_valid ? (a->good_now ? "yes" : "no") : "n/a",
                             tok[nt - 2]) == 0,
                      "%s: attr %u good %s", name, a->id, tok[nt - 2]);
                CHECK(strcmp(a->good_past_valid ? (a->good_past ? "yes" : "no") : "n/a",
                             tok[nt - 1]) == 0,
                      "%s: attr %u good/past %s", name, a->id, tok[nt - 1]);
        }
        CHECK(k == t.n, "%s: %u attributes vs skdump %u", name, t.n, k);
        free(out);
}

static int cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_dir(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        char *names[512];
        size_t n = 0;

        CHECK(d != NULL, "cannot open %s", dir);
        if (!d)
                return;
        while ((de = readdir(d)) && n < 512) {
                if (de->d_name[0] != '.')
                        names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(*names), cmp);
        for (size_t i = 0; i < n; i++) {
                char path[8192], head[4] = {0};
                FILE *f;

                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                f = fopen(path, "rb");
                if (f && fread(head, 1, 4, f) == 4 &&
                    (!memcmp(head, "IDFY", 4) || !memcmp(head, "SMST", 4) ||
                     !memcmp(head, "SMDT", 4) || !memcmp(head, "SMTH", 4)))
                        check_blob(names[i], path);
                if (f)
                        fclose(f);
                free(names[i]);
        }
}

int main(void)
{
        const char *root = getenv("SM_SOURCE_ROOT");
        char dir[4096];
        uint8_t zero[512] = {0};
        struct sm_ata_attr_table t;
        char *probe = run_skdump("/nonexistent");

        if (!root)
                root = ".";
        if (!probe) {
                printf("skdump (libatasmart-bin) not installed: skipping\n");
                return 77;
        }
        free(probe);
        snprintf(dir, sizeof(dir), "%s/test/data/demo", root);
        check_dir(dir);
        snprintf(dir, sizeof(dir), "%s/test/data/ata/blobs-from-smartctl", root);
        check_dir(dir);
        /* 19 captured + the rebuilt 860 EVO in demo/, 117 rebuilt */
        CHECK(n_blobs == 137, "expected 137 blobs with SMART data, checked %u", n_blobs);

        /* Edge values skdump must judge too: in a real capture, every attribute with a
         * threshold gets value = threshold, worst = threshold, value = threshold + 1 and
         * value = 0 / 254 (invalid), one at a time. */
        {
                char path[8192], tmp[] = "/tmp/ssdmon-ata-attr-XXXXXX";
                uint8_t blob[4096];
                size_t len, dlen = 0, tlen = 0;
                uint8_t *data, *thr;
                FILE *f;
                int fd;

                snprintf(path, sizeof(path), "%s/test/data/demo/WDC_WD2500JS-75NCB3--10.02E04",
                         root);
                f = fopen(path, "rb");
                CHECK(f != NULL, "cannot open %s", path);
                len = f ? fread(blob, 1, sizeof(blob), f) : 0;
                if (f)
                        fclose(f);
                {
                        const uint8_t *d0 = record(blob, len, "SMDT", &dlen),
                                      *t0 = record(blob, len, "SMTH", &tlen);

                        data = d0 ? blob + (d0 - blob) : NULL;
                        thr = t0 ? blob + (t0 - blob) : NULL;
                }
                fd = mkstemp(tmp);
                CHECK(fd >= 0 && data && thr, "temp file / records");
                for (unsigned slot = 0; fd >= 0 && data && thr && slot < SM_ATA_ATTR_SLOTS;
                     slot++) {
                        uint8_t *p = data + 2 + 12 * slot, *q = NULL, save[2];
                        const int variants = 5;

                        for (unsigned k = 0; k < SM_ATA_ATTR_SLOTS; k++) {
                                if (thr[2 + 12 * k] == p[0])
                                        q = thr + 2 + 12 * k;
                        }
                        if (!p[0] || !q || q[1] < 1 || q[1] > 0xFD)
                                continue;
                        memcpy(save, p + 3, 2);
                        for (int v = 0; v < variants; v++) {
                                char name[64];

                                memcpy(p + 3, save, 2);
                                if (v == 0)
                                        p[3] = q[1];
                                else if (v == 1)
                                        p[4] = q[1];
                                else if (v == 2)
                                        p[3] = (uint8_t)(q[1] + 1);
                                else if (v == 3)
                                        p[3] = 0;
                                else
                                        p[3] = 254;
                                if (pwrite(fd, blob, len, 0) != (ssize_t)len ||
                                    ftruncate(fd, (off_t)len) < 0)
                                        break;
                                snprintf(name, sizeof(name), "WDC attr %u variant %d", p[0], v);
                                check_blob(name, tmp);
                        }
                        memcpy(p + 3, save, 2);
                }
                if (fd >= 0) {
                        close(fd);
                        unlink(tmp);
                }
        }

        printf("%u blobs, %u attributes compared with skdump\n", n_blobs, n_attrs);

        /* short input is refused, an empty table decodes to nothing */
        CHECK(sm_ata_attr_decode(zero, 511, NULL, 0, 0, 0, &t) == -EINVAL, "short data");
        CHECK(sm_ata_attr_decode(zero, 512, NULL, 0, 0, 0, &t) == 0 && t.n == 0, "empty table");
        return check_summary();
}
