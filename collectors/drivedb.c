/* SPDX-License-Identifier: MIT */
/*
 * drivedb.c - parse smartmontools' drivedb.h and match drives against it.
 *
 * The file is a C initializer list: `{ "family", "model regex", "firmware
 * regex", "warning", "presets" },` with C string literals (adjacent literals
 * concatenate), // and block comments. We accept exactly that grammar and
 * nothing else; anything unexpected is an error naming the line.
 *
 * Rules taken from smartmontools 7.3 (knowndrives.cpp, atacmds.cpp):
 *  - entries whose family starts with '$' are ignored, "USB:" entries describe
 *    USB bridges (not drives), "VERSION:" carries the version, "DEFAULT" the
 *    default attribute names;
 *  - the first matching entry wins; model and firmware regexes are POSIX
 *    extended and must match the whole string; an empty firmware regex
 *    matches any firmware;
 *  - presets: `-v ID,FORMAT[:BYTEORDER][,NAME[,HDD|SSD]]`, the legacy forms of
 *    map_old_vendor_opts[] (`-v 9,minutes` ...), `-F BUG` and `-d TYPE`
 *    (ignored here: firmware bug work-arounds concern smartctl's own log
 *    reading, device types concern USB bridges).
 */
#include "drivedb.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { K_DRIVE, K_DEFAULT, K_VERSION, K_USB, K_IGNORED };

struct preset {
        uint32_t name; /* offset into strs, or NO_NAME */
        uint8_t id;
        uint8_t type; /* enum sm_drivedb_type */
};

#define NO_NAME UINT32_MAX

struct entry {
        uint32_t family, model, firmware;
        uint32_t first_preset, n_presets;
        unsigned line;
        enum kind kind;
};

struct sm_drivedb {
        char origin[256]; /* file name for errors */
        char *strs;
        size_t strs_len, strs_cap;
        struct entry *entries;
        size_t n_entries, entries_cap;
        struct preset *presets;
        size_t n_presets, presets_cap;
        int default_entry; /* -1 when the file has no DEFAULT entry */
        int version_entry;
};

/* ---- errors ---- */

/* snprintf that may truncate (vsnprintf: not flagged by -Wformat-truncation). */
static void fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t len, const char *f, ...)
{
        va_list ap;

        if (!buf || len == 0)
                return;
        va_start(ap, f);
        (void)vsnprintf(buf, len, f, ap);
        va_end(ap);
}

struct parser {
        const char *p, *end;
        unsigned line;
        const char *origin;
        char *err;
        size_t errlen;
        struct sm_drivedb *db;
};

static int perr(struct parser *ps, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int perr(struct parser *ps, unsigned line, const char *f, ...)
{
        char msg[160];
        va_list ap;

        va_start(ap, f);
        (void)vsnprintf(msg, sizeof(msg), f, ap);
        va_end(ap);
        if (ps->err && ps->errlen)
                fmt(ps->err, ps->errlen, "%s:%u: %s", ps->origin, line, msg);
        return -EINVAL;
}

/* ---- growable arrays ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
        size_t n = *cap ? *cap : 64;
        void *q;

        if (need <= *cap)
                return 0;
        while (n < need)
                n *= 2;
        q = realloc(*p, n * elem);
        if (!q)
                return -ENOMEM;
        *p = q;
        *cap = n;
        return 0;
}

/* grow() for array a of any element type: room for need elements, or -ENOMEM (a unchanged). */
#define GROW(a, cap, need)                                           \
        ({                                                           \
                void *_g_p = (a);                                    \
                int _g_r = grow(&_g_p, (cap), (need), sizeof(*(a))); \
                (a) = _g_p;                                          \
                _g_r;                                                \
        })

static int str_append(struct sm_drivedb *db, const char *s, size_t n)
{
        int r = GROW(db->strs, &db->strs_cap, db->strs_len + n + 1);

        if (r < 0)
                return r;
        memcpy(db->strs + db->strs_len, s, n);
        db->strs_len += n;
        db->strs[db->strs_len] = '\0';
        return 0;
}

static const char *str_at(const struct sm_drivedb *db, uint32_t off)
{
        return db->strs + off;
}

/* ---- lexer ---- */

/* Skip white space and comments. */
static int skip_ws(struct parser *ps)
{
        while (ps->p < ps->end) {
                char c = *ps->p;

                if (c == '\n') {
                        ps->line++;
                        ps->p++;
                } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
                        ps->p++;
                } else if (c == '/' && ps->end - ps->p >= 2 && ps->p[1] == '/') {
                        while (ps->p < ps->end && *ps->p != '\n')
                                ps->p++;
                } else if (c == '/' && ps->end - ps->p >= 2 && ps->p[1] == '*') {
                        unsigned start = ps->line;

                        ps->p += 2;
                        for (;;) {
                                if (ps->end - ps->p < 2)
                                        return perr(ps, start, "unterminated comment");
                                if (ps->p[0] == '*' && ps->p[1] == '/') {
                                        ps->p += 2;
                                        break;
                                }
                                if (*ps->p == '\n')
                                        ps->line++;
                                ps->p++;
                        }
                } else {
                        break;
                }
        }
        return 0;
}

/* One string field: one or more adjacent literals, concatenated into strs.
 * *ret: offset of the NUL-terminated result. */
static int string_field(struct parser *ps, uint32_t *ret)
{
        struct sm_drivedb *db = ps->db;
        size_t start = db->strs_len;
        bool any = false;
        int r;

        if (db->strs_len >= UINT32_MAX / 2)
                return perr(ps, ps->line, "database too large");
        for (;;) {
                r = skip_ws(ps);
                if (r < 0)
                        return r;
                if (ps->p >= ps->end || *ps->p != '"')
                        break;
                any = true;
                ps->p++;
                for (;;) {
                        char c;

                        if (ps->p >= ps->end || *ps->p == '\n')
                                return perr(ps, ps->line, "unterminated string literal");
                        c = *ps->p++;
                        if (c == '"')
                                break;
                        if (c == '\0')
                                return perr(ps, ps->line, "NUL byte in string literal");
                        if (c == '\\') {
                                if (ps->p >= ps->end)
                                        return perr(ps, ps->line, "unterminated string literal");
                                c = *ps->p++;
                                switch (c) {
                                case '\\':
                                case '"':
                                case '\'':
                                case '?':
                                        break;
                                case 'n':
                                        c = '\n';
                                        break;
                                case 't':
                                        c = '\t';
                                        break;
                                default:
                                        return perr(ps, ps->line,
                                                    "unsupported escape sequence '\\%c'",
                                                    (c >= 32 && c < 127) ? c : '?');
                                }
                        }
                        r = str_append(db, &c, 1);
                        if (r < 0)
                                return r;
                }
        }
        if (!any)
                return perr(ps, ps->line, "expected a string literal");
        if (db->strs_len == start) {
                /* empty string: make sure it has its own terminator */
                r = str_append(db, "", 0);
                if (r < 0)
                        return r;
        }
        /* keep the terminator str_append wrote */
        db->strs_len++;
        *ret = (uint32_t)start;
        return 0;
}

static int expect(struct parser *ps, char c)
{
        int r = skip_ws(ps);

        if (r < 0)
                return r;
        if (ps->p >= ps->end)
                return perr(ps, ps->line, "expected '%c', found end of file", c);
        if (*ps->p != c)
                return perr(ps, ps->line, "expected '%c', found '%c'", c,
                            (*ps->p >= 32 && *ps->p < 127) ? *ps->p : '?');
        ps->p++;
        return 0;
}

/* ---- regex guard ---- */

/*
 * glibc's regcomp needs memory exponential in stacked repetitions (see
 * agent/config.c). drivedb regexes are long alternations of literals with a
 * few classes and groups; refuse the shapes that explode: a quantifier right
 * after another, bounded repeats whose bounds multiply past 4096, more than
 * 64 KiB of pattern, or groups nested deeper than 8.
 */
static const char *regex_too_costly(const char *re)
{
        uint64_t product = 1;
        bool prev_quant = false;
        unsigned depth = 0;

        if (strlen(re) > 65536)
                return "longer than 64 KiB";
        for (const char *p = re; *p; p++) {
                bool quant = false;

                if (*p == '\\' && p[1]) {
                        p++;
                } else if (*p == '[') {
                        /* bracket expression: skip to its end ("[]...]" and "[^]...]" too) */
                        const char *q = p + 1;

                        if (*q == '^')
                                q++;
                        if (*q == ']')
                                q++;
                        while (*q && *q != ']')
                                q++;
                        if (!*q)
                                return NULL; /* regcomp reports it */
                        p = q;
                } else if (*p == '(') {
                        if (++depth > 8)
                                return "groups nested deeper than 8";
                } else if (*p == ')') {
                        if (depth)
                                depth--;
                } else if (*p == '*' || *p == '+' || *p == '?') {
                        quant = true;
                } else if (*p == '{') {
                        unsigned long bound = 0;

                        quant = true;
                        for (const char *q = p + 1; *q && *q != '}'; q++) {
                                if (*q >= '0' && *q <= '9') {
                                        char *end;
                                        unsigned long v = strtoul(q, &end, 10);

                                        bound = v > bound ? v : bound;
                                        q = end - 1;
                                }
                        }
                        if (bound > 4096)
                                return "a repeat bound above 4096";
                        product *= bound ? bound : 1;
                        if (product > 4096)
                                return "repeat bounds multiplying past 4096";
                }
                if (quant && prev_quant)
                        return "stacked repetition operators";
                prev_quant = quant;
        }
        return NULL;
}

static int compile(regex_t *rx, const char *re, char *msg, size_t msglen)
{
        const char *why = regex_too_costly(re);
        int r;

        if (why) {
                fmt(msg, msglen, "regular expression too costly (%s)", why);
                return -EINVAL;
        }
        r = regcomp(rx, re, REG_EXTENDED);
        if (r != 0) {
                char e[96];

                regerror(r, rx, e, sizeof(e));
                fmt(msg, msglen, "invalid regular expression: %s", e);
                return -EINVAL;
        }
        return 0;
}

/* ---- presets ---- */

static const struct {
        const char *old, *name; /* name NULL: the legacy form sets only a format */
        uint8_t id;
} legacy[] = {
        /* smartmontools atacmds.cpp map_old_vendor_opts[] */
        {"halfminutes", "Power_On_Half_Minutes", 9},
        {"minutes", "Power_On_Minutes", 9},
        {"seconds", "Power_On_Seconds", 9},
        {"temp", "Temperature_Celsius", 9},
        {"emergencyretractcyclect", "Emerg_Retract_Cycle_Ct", 192},
        {"loadunload", NULL, 193},
        {"10xCelsius", "Temperature_Celsius_x10", 194},
        {"unknown", "Unknown_Attribute", 194},
        {"increasing", "Total_Pending_Sectors", 197},
        {"offlinescanuncsectorct", "Offline_Scan_UNC_SectCt", 198},
        {"increasing", "Total_Offl_Uncorrectabl", 198},
        {"writeerrorcount", "Write_Error_Count", 200},
        {"detectedtacount", "Detected_TA_Count", 201},
        {"temp", "Temperature_Celsius", 220},
};

static bool name_char_ok(char c)
{
        return c > ' ' && c < 127 && c != '"' && c != '\\';
}

/* One -v argument (tok, n bytes, no spaces). Adds a preset with a name, or none. */
static int add_v(struct parser *ps, unsigned line, const char *tok, size_t n)
{
        struct sm_drivedb *db = ps->db;
        char buf[128], legacy_name[SM_DRIVEDB_NAME_MAX + 1];
        char *fields[4] = {NULL, NULL, NULL, NULL};
        unsigned nf = 0;
        unsigned long id;
        char *end, *s;
        struct preset pr = {.name = NO_NAME, .type = SM_DRIVEDB_ANY};
        int r;

        if (n >= sizeof(buf))
                return perr(ps, line, "-v argument longer than %zu characters", sizeof(buf) - 1);
        memcpy(buf, tok, n);
        buf[n] = '\0';
        for (s = buf; nf < 4; nf++) {
                fields[nf] = s;
                s = strchr(s, ',');
                if (!s) {
                        nf++;
                        break;
                }
                *s++ = '\0';
        }
        if (s)
                return perr(ps, line, "-v %s: too many fields", tok[0] ? buf : "");
        if (nf < 2 || !fields[0][0] || !fields[1][0])
                return perr(ps, line, "-v %.60s: expected ID,FORMAT[,NAME[,HDD|SSD]]", buf);
        if (strcmp(fields[0], "N") == 0)
                return 0; /* every attribute's format: no name */
        errno = 0;
        id = strtoul(fields[0], &end, 10);
        if (errno || *end || fields[0][0] < '0' || fields[0][0] > '9' || id < 1 || id > 255)
                return perr(ps, line, "-v %.60s: attribute ID must be 1..255", buf);
        pr.id = (uint8_t)id;
        if (nf == 2) {
                /* format only, or a legacy form that also names the attribute */
                for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
                        if (legacy[i].id == id && strcmp(legacy[i].old, fields[1]) == 0) {
                                if (!legacy[i].name)
                                        return 0;
                                fmt(legacy_name, sizeof(legacy_name), "%s", legacy[i].name);
                                fields[2] = legacy_name;
                                break;
                        }
                }
                if (!fields[2])
                        return 0;
        }
        if (fields[3]) {
                if (strcmp(fields[3], "HDD") == 0)
                        pr.type = SM_DRIVEDB_HDD;
                else if (strcmp(fields[3], "SSD") == 0)
                        pr.type = SM_DRIVEDB_SSD;
                else
                        return perr(ps, line, "-v %.60s: type must be HDD or SSD", tok);
        }
        if (!fields[2][0])
                return 0;
        if (strlen(fields[2]) > SM_DRIVEDB_NAME_MAX)
                return perr(ps, line, "-v %.60s: name longer than %d characters", tok,
                            SM_DRIVEDB_NAME_MAX);
        for (const char *c = fields[2]; *c; c++) {
                if (!name_char_ok(*c))
                        return perr(ps, line, "-v: attribute name with a forbidden character");
        }
        pr.name = (uint32_t)db->strs_len;
        r = str_append(db, fields[2], strlen(fields[2]));
        if (r < 0)
                return r;
        db->strs_len++;
        r = GROW(db->presets, &db->presets_cap, db->n_presets + 1);
        if (r < 0)
                return r;
        db->presets[db->n_presets++] = pr;
        return 0;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Walk the presets string (already in strs at off) and add -v presets. */
static int parse_presets(struct parser *ps, unsigned line, uint32_t off)
{
        const char *s = str_at(ps->db, off);
        size_t len = strlen(s);
        /* copy: add_v() appends to strs, which may move it */
        char *copy = malloc(len + 1);
        const char *p, *end;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        memcpy(copy, s, len + 1);
        p = copy;
        end = copy + len;
        while (p < end) {
                const char *tok, *arg;
                size_t tn, an;

                while (p < end && is_space(*p))
                        p++;
                if (p >= end)
                        break;
                tok = p;
                while (p < end && !is_space(*p))
                        p++;
                tn = (size_t)(p - tok);
                if (tok[0] != '-') {
                        r = perr(ps, line, "presets: '%.*s' is not an option",
                                 (int)(tn > 40 ? 40 : tn), tok);
                        break;
                }
                while (p < end && is_space(*p))
                        p++;
                arg = p;
                while (p < end && !is_space(*p))
                        p++;
                an = (size_t)(p - arg);
                if (an == 0 || arg[0] == '-') {
                        r = perr(ps, line, "presets: option '%.*s' without its argument",
                                 (int)(tn > 40 ? 40 : tn), tok);
                        break;
                }
                if (tn == 2 && tok[1] == 'v') {
                        r = add_v(ps, line, arg, an);
                        if (r < 0)
                                break;
                }
                /* -F (firmware bugs), -d (device type) and anything else: ignored */
        }
        free(copy);
        return r;
}

/* ---- entries ---- */

/* Load time: only the cheap shape check (compiling ~1500 regexes would cost more
 * than matching a drive; a regex that does not compile is reported by the match). */
static int check_regex(struct parser *ps, unsigned line, const char *what, const char *re)
{
        const char *why = regex_too_costly(re);

        if (why)
                return perr(ps, line, "%s: regular expression too costly (%s)", what, why);
        return 0;
}

static int parse_entry(struct parser *ps)
{
        struct sm_drivedb *db = ps->db;
        struct entry e = {.line = ps->line};
        uint32_t warning, presets;
        const char *family;
        int r;

        r = string_field(ps, &e.family);
        if (r == 0)
                r = expect(ps, ',');
        if (r == 0)
                r = string_field(ps, &e.model);
        if (r == 0)
                r = expect(ps, ',');
        if (r == 0)
                r = string_field(ps, &e.firmware);
        if (r == 0)
                r = expect(ps, ',');
        if (r == 0)
                r = string_field(ps, &warning);
        if (r == 0)
                r = expect(ps, ',');
        if (r == 0)
                r = string_field(ps, &presets);
        if (r < 0)
                return r;
        /* an optional trailing comma after the last field */
        r = skip_ws(ps);
        if (r < 0)
                return r;
        if (ps->p < ps->end && *ps->p == ',')
                ps->p++;
        r = expect(ps, '}');
        if (r < 0)
                return r;

        family = str_at(db, e.family);
        if (family[0] == '$')
                e.kind = K_IGNORED;
        else if (strncmp(family, "USB:", 4) == 0)
                e.kind = K_USB;
        else if (strncmp(family, "VERSION:", 8) == 0)
                e.kind = K_VERSION;
        else if (strcmp(family, "DEFAULT") == 0)
                e.kind = K_DEFAULT;
        else
                e.kind = K_DRIVE;
        if (e.kind == K_DRIVE) {
                if (!str_at(db, e.model)[0])
                        return perr(ps, e.line, "empty model regular expression");
                r = check_regex(ps, e.line, "model", str_at(db, e.model));
                if (r == 0 && str_at(db, e.firmware)[0])
                        r = check_regex(ps, e.line, "firmware", str_at(db, e.firmware));
                if (r < 0)
                        return r;
        }
        e.first_preset = (uint32_t)db->n_presets;
        if (e.kind == K_DRIVE || e.kind == K_DEFAULT) {
                r = parse_presets(ps, e.line, presets);
                if (r < 0)
                        return r;
        }
        e.n_presets = (uint32_t)(db->n_presets - e.first_preset);
        if (e.kind == K_DEFAULT) {
                if (db->default_entry >= 0)
                        return perr(ps, e.line, "a second DEFAULT entry");
                db->default_entry = (int)db->n_entries;
        }
        if (e.kind == K_VERSION && db->version_entry < 0)
                db->version_entry = (int)db->n_entries;
        r = GROW(db->entries, &db->entries_cap, db->n_entries + 1);
        if (r < 0)
                return r;
        db->entries[db->n_entries++] = e;
        return 0;
}

void sm_drivedb_free(struct sm_drivedb *db)
{
        if (!db)
                return;
        free(db->strs);
        free(db->entries);
        free(db->presets);
        free(db);
}

int sm_drivedb_parse(const char *text, size_t len, const char *origin, struct sm_drivedb **ret,
                     char *err, size_t errlen)
{
        struct sm_drivedb *db;
        struct parser ps = {
                .p = text,
                .end = text + len,
                .line = 1,
                .origin = origin ? origin : "drivedb",
                .err = err,
                .errlen = errlen,
        };
        int r = 0;

        if (!ret || (!text && len))
                return -EINVAL;
        if (len > SM_DRIVEDB_MAX_SIZE)
                return perr(&ps, 1, "larger than %u bytes", SM_DRIVEDB_MAX_SIZE);
        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        db->default_entry = -1;
        db->version_entry = -1;
        fmt(db->origin, sizeof(db->origin), "%s", ps.origin);
        ps.db = db;
        for (;;) {
                r = skip_ws(&ps);
                if (r < 0)
                        break;
                if (ps.p >= ps.end)
                        break;
                if (*ps.p != '{') {
                        r = perr(&ps, ps.line, "expected '{' (an entry), found '%c'",
                                 (*ps.p >= 32 && *ps.p < 127) ? *ps.p : '?');
                        break;
                }
                ps.p++;
                r = parse_entry(&ps);
                if (r < 0)
                        break;
                r = skip_ws(&ps);
                if (r < 0)
                        break;
                if (ps.p < ps.end && *ps.p == ',')
                        ps.p++;
        }
        if (r == 0 && db->n_entries == 0)
                r = perr(&ps, ps.line, "no entries");
        if (r < 0) {
                if (r == -ENOMEM && err && errlen)
                        fmt(err, errlen, "%s: out of memory", ps.origin);
                sm_drivedb_free(db);
                return r;
        }
        *ret = db;
        return 0;
}

int sm_drivedb_load(const char *path, struct sm_drivedb **ret, char *err, size_t errlen)
{
        struct stat st;
        char *buf = NULL;
        size_t len = 0;
        int fd, r;

        if (!path || !ret)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                fmt(err, errlen, "%s: %s", path, strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                fmt(err, errlen, "%s: not a regular file", path);
                return -EINVAL;
        }
        if ((uint64_t)st.st_size > SM_DRIVEDB_MAX_SIZE) {
                close(fd);
                fmt(err, errlen, "%s: larger than %u bytes", path, SM_DRIVEDB_MAX_SIZE);
                return -EFBIG;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        for (;;) {
                ssize_t k = read(fd, buf + len, (size_t)st.st_size + 1 - len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        close(fd);
                        free(buf);
                        fmt(err, errlen, "%s: %s", path, strerror(-r));
                        return r;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
                if (len > (size_t)st.st_size) {
                        close(fd);
                        free(buf);
                        fmt(err, errlen, "%s: grew while being read", path);
                        return -EIO;
                }
        }
        close(fd);
        r = sm_drivedb_parse(buf, len, path, ret, err, errlen);
        free(buf);
        return r;
}

size_t sm_drivedb_entries(const struct sm_drivedb *db)
{
        return db ? db->n_entries : 0;
}

const char *sm_drivedb_version(const struct sm_drivedb *db)
{
        const char *f;

        if (!db || db->version_entry < 0)
                return "";
        f = str_at(db, db->entries[db->version_entry].family) + 8;
        while (*f == ' ')
                f++;
        return f;
}

/* Whole-string match (smartctl: "^FULLSTRING$" is the same as "FULLSTRING"). */
static int full_match(const struct sm_drivedb *db, const struct entry *e, const char *what,
                      const char *re, const char *s, bool *ret, char *err, size_t errlen)
{
        regex_t rx;
        regmatch_t m;
        char msg[128];
        int r;

        *ret = false;
        if (compile(&rx, re, msg, sizeof(msg)) < 0) {
                fmt(err, errlen, "%s:%u: %s: %s", db->origin, e->line, what, msg);
                return -EINVAL;
        }
        r = regexec(&rx, s, 1, &m, 0);
        regfree(&rx);
        if (r == 0)
                *ret = m.rm_so == 0 && (size_t)m.rm_eo == strlen(s);
        else if (r != REG_NOMATCH) {
                fmt(err, errlen, "drivedb: regexec failed");
                return -EINVAL;
        }
        return 0;
}

int sm_drivedb_match(const struct sm_drivedb *db, const char *model, const char *firmware,
                     struct sm_drivedb_match *m, char *err, size_t errlen)
{
        if (!m)
                return -EINVAL;
        memset(m, 0, sizeof(*m));
        m->entry = -1;
        if (!db || !model)
                return 0;
        if (!firmware)
                firmware = "";
        for (size_t i = 0; i < db->n_entries; i++) {
                const struct entry *e = &db->entries[i];
                bool ok;
                int r;

                if (e->kind != K_DRIVE)
                        continue;
                r = full_match(db, e, "model", str_at(db, e->model), model, &ok, err, errlen);
                if (r < 0)
                        return r;
                if (!ok)
                        continue;
                if (str_at(db, e->firmware)[0]) {
                        r = full_match(db, e, "firmware", str_at(db, e->firmware), firmware, &ok,
                                       err, errlen);
                        if (r < 0)
                                return r;
                        if (!ok)
                                continue;
                }
                m->in_db = true;
                m->entry = (int)i;
                fmt(m->family, sizeof(m->family), "%s", str_at(db, e->family));
                for (uint32_t k = 0; k < e->n_presets; k++) {
                        const struct preset *p = &db->presets[e->first_preset + k];

                        /* later presets override earlier ones, as in smartctl */
                        fmt(m->names[p->id], sizeof(m->names[p->id]), "%s", str_at(db, p->name));
                }
                return 0;
        }
        return 0;
}

const char *sm_drivedb_attr_name(const struct sm_drivedb *db, const struct sm_drivedb_match *m,
                                 uint8_t id, unsigned rotation)
{
        const char *name = NULL;
        uint8_t type = SM_DRIVEDB_ANY;

        if (m && m->names[id][0])
                return m->names[id];
        if (db && db->default_entry >= 0) {
                const struct entry *e = &db->entries[db->default_entry];

                for (uint32_t k = 0; k < e->n_presets; k++) {
                        const struct preset *p = &db->presets[e->first_preset + k];

                        if (p->id == id) {
                                name = str_at(db, p->name);
                                type = p->type;
                        }
                }
        }
        if (!name)
                return "Unknown_Attribute";
        if (type == SM_DRIVEDB_HDD && rotation == 1)
                return "Unknown_SSD_Attribute";
        if (type == SM_DRIVEDB_SSD && rotation > 1)
                return "Unknown_HDD_Attribute";
        return name;
}
