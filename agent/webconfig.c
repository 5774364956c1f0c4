/* SPDX-License-Identifier: MIT */
#include "webconfig.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "lib/util.h"

#define MAX_FILE (1024 * 1024) /* the config and every file it names */

/* Go's tls.CipherSuites(): the names the toolkit accepts, with their GnuTLS parts. */
static const struct sm_cipher_suite cipher_suites[] = {
        {"TLS_AES_128_GCM_SHA256", 0x1301, true, NULL, "AES-128-GCM", "AEAD"},
        {"TLS_AES_256_GCM_SHA384", 0x1302, true, NULL, "AES-256-GCM", "AEAD"},
        {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, true, NULL, "CHACHA20-POLY1305", "AEAD"},
        {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009, false, "ECDHE-ECDSA", "AES-128-CBC",
         "SHA1"},
        {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a, false, "ECDHE-ECDSA", "AES-256-CBC",
         "SHA1"},
        {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013, false, "ECDHE-RSA", "AES-128-CBC", "SHA1"},
        {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014, false, "ECDHE-RSA", "AES-256-CBC", "SHA1"},
        {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, false, "ECDHE-ECDSA", "AES-128-GCM",
         "AEAD"},
        {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, false, "ECDHE-ECDSA", "AES-256-GCM",
         "AEAD"},
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, false, "ECDHE-RSA", "AES-128-GCM",
         "AEAD"},
        {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, false, "ECDHE-RSA", "AES-256-GCM",
         "AEAD"},
        {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8, false, "ECDHE-RSA",
         "CHACHA20-POLY1305", "AEAD"},
        {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9, false, "ECDHE-ECDSA",
         "CHACHA20-POLY1305", "AEAD"},
};

static const struct sm_curve curves[] = {
        {"CurveP256", 23, "SECP256R1"},
        {"CurveP384", 24, "SECP384R1"},
        {"CurveP521", 25, "SECP521R1"},
        {"X25519", 29, "X25519"},
};

static const struct {
        const char *name;
        uint16_t v;
} versions[] = {{"TLS10", SM_TLS10}, {"TLS11", SM_TLS11}, {"TLS12", SM_TLS12}, {"TLS13", SM_TLS13}};

static const struct {
        const char *name;
        enum sm_client_auth v;
} auth_types[] = {
        {"", SM_CLIENT_NONE},
        {"NoClientCert", SM_CLIENT_NONE},
        {"RequestClientCert", SM_CLIENT_REQUEST},
        {"RequireAnyClientCert", SM_CLIENT_REQUIRE_ANY},
        {"RequireClientCert", SM_CLIENT_REQUIRE_ANY}, /* the toolkit keeps the old name */
        {"VerifyClientCertIfGiven", SM_CLIENT_VERIFY_IF_GIVEN},
        {"RequireAndVerifyClientCert", SM_CLIENT_REQUIRE_VERIFY},
};

/* The toolkit's extraHTTPHeaders: name and, where it is an enumeration, the allowed values. */
struct allowed_header {
        const char *name;
        const char *values[3];
};

static const struct allowed_header allowed_headers[] = {
        {"Strict-Transport-Security", {NULL}},
        {"X-Content-Type-Options", {"nosniff", NULL}},
        {"X-Frame-Options", {"deny", "sameorigin", NULL}},
        {"X-XSS-Protection", {NULL}},
        {"Content-Security-Policy", {NULL}},
};

const struct sm_cipher_suite *sm_webcfg_cipher(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(cipher_suites); i++)
                if (strcmp(cipher_suites[i].name, name) == 0)
                        return &cipher_suites[i];
        return NULL;
}

const struct sm_curve *sm_webcfg_curve(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(curves); i++)
                if (strcmp(curves[i].name, name) == 0)
                        return &curves[i];
        return NULL;
}

/* ===== errors ===== */

struct ctx {
        const char *path;
        yaml_document_t *doc;
        struct sm_webcfg *c;
        char *err;
        size_t errlen;
        char auth_type[64]; /* client_auth_type as written */
};

static int failv(struct ctx *x, int code, const yaml_node_t *n, const char *key, const char *fmt,
                 va_list ap) __attribute__((format(printf, 5, 0)));

static int failv(struct ctx *x, int code, const yaml_node_t *n, const char *key, const char *fmt,
                 va_list ap)
{
        char msg[384];
        int off;

        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        if (n)
                off = snprintf(x->err, x->errlen, "%s:%zu: ", x->path,
                               (size_t)n->start_mark.line + 1);
        else
                off = snprintf(x->err, x->errlen, "%s: ", x->path);
        if (off < 0 || (size_t)off >= x->errlen)
                return code;
        if (key)
                (void)snprintf(x->err + off, x->errlen - (size_t)off, "%s: %s", key, msg);
        else
                (void)snprintf(x->err + off, x->errlen - (size_t)off, "%s", msg);
        return code;
}

static int fail(struct ctx *x, int code, const yaml_node_t *n, const char *key, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static int fail(struct ctx *x, int code, const yaml_node_t *n, const char *key, const char *fmt,
                ...)
{
        va_list ap;

        va_start(ap, fmt);
        code = failv(x, code, n, key, fmt, ap);
        va_end(ap);
        return code;
}

/* ===== scalars ===== */

static const char *node_kind(const yaml_node_t *n)
{
        switch (n->type) {
        case YAML_SCALAR_NODE:
                return "a scalar";
        case YAML_SEQUENCE_NODE:
                return "a list";
        case YAML_MAPPING_NODE:
                return "a mapping";
        default:
                return "nothing";
        }
}

static const char *scalar(const yaml_node_t *n)
{
        return (const char *)n->data.scalar.value;
}

static bool plain(const yaml_node_t *n)
{
        return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* YAML 1.1 null as yaml.v2 resolves it: an empty plain scalar, ~, null. */
static bool is_null(const yaml_node_t *n)
{
        const char *s;

        if (n->type != YAML_SCALAR_NODE || !plain(n))
                return false;
        s = scalar(n);
        return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
               strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int get_string(struct ctx *x, const yaml_node_t *n, const char *key, char **ret)
{
        if (n->type != YAML_SCALAR_NODE)
                return fail(x, -EINVAL, n, key, "expected a string, got %s", node_kind(n));
        if (n->data.scalar.length != strlen(scalar(n)))
                return fail(x, -EINVAL, n, key, "contains a NUL character");
        free(*ret);
        *ret = strdup(is_null(n) ? "" : scalar(n));
        return *ret ? 0 : -ENOMEM;
}

static int get_bool(struct ctx *x, const yaml_node_t *n, const char *key, bool *ret)
{
        static const char *const yes[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                          "True", "TRUE", "on",  "On",  "ON"};
        static const char *const no[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                         "False", "FALSE", "off", "Off", "OFF"};

        if (n->type == YAML_SCALAR_NODE && is_null(n)) {
                *ret = false;
                return 0;
        }
        if (n->type == YAML_SCALAR_NODE && plain(n)) {
                for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                        if (strcmp(scalar(n), yes[i]) == 0) {
                                *ret = true;
                                return 0;
                        }
                        if (strcmp(scalar(n), no[i]) == 0) {
                                *ret = false;
                                return 0;
                        }
                }
        }
        return fail(x, -EINVAL, n, key, "expected true or false, got '%.40s'",
                    n->type == YAML_SCALAR_NODE ? scalar(n) : node_kind(n));
}

static int get_int(struct ctx *x, const yaml_node_t *n, const char *key, uint64_t *ret)
{
        if (n->type == YAML_SCALAR_NODE && is_null(n)) {
                *ret = 0;
                return 0;
        }
        if (n->type != YAML_SCALAR_NODE || !plain(n) ||
            sm_parse_u64(scalar(n), 0, INT32_MAX, ret) < 0)
                return fail(x, -EINVAL, n, key, "expected a non-negative integer, got '%.40s'",
                            n->type == YAML_SCALAR_NODE ? scalar(n) : node_kind(n));
        return 0;
}

/* time.Duration as yaml.v2 reads it: a Go duration string, or a bare integer of nanoseconds. */
static int get_duration(struct ctx *x, const yaml_node_t *n, const char *key, uint64_t *ret)
{
        if (n->type == YAML_SCALAR_NODE && is_null(n)) {
                *ret = 0;
                return 0;
        }
        if (n->type == YAML_SCALAR_NODE && plain(n) &&
            sm_parse_u64(scalar(n), 0, INT64_MAX, ret) == 0)
                return 0;
        if (n->type != YAML_SCALAR_NODE || sm_webcfg_parse_go_duration(scalar(n), ret) < 0)
                return fail(x, -EINVAL, n, key,
                            "expected a duration such as 1s, 500ms or 1m30s, got '%.40s'",
                            n->type == YAML_SCALAR_NODE ? scalar(n) : node_kind(n));
        return 0;
}

int sm_webcfg_parse_go_duration(const char *s, uint64_t *ret_ns)
{
        static const struct {
                const char *unit;
                uint64_t ns;
        } units[] = {{"ns", 1},
                     {"us", 1000},
                     {"\xc2\xb5s", 1000},
                     {"\xce\xbcs", 1000},
                     {"ms", 1000000},
                     {"s", 1000000000ULL},
                     {"m", 60000000000ULL},
                     {"h", 3600000000000ULL}};

        long double total = 0;
        const char *p = s;

        if (*p == '+')
                p++;
        if (strcmp(p, "0") == 0) {
                *ret_ns = 0;
                return 0;
        }
        if (*p == '\0')
                return -EINVAL;
        while (*p) {
                long double v = 0, frac = 0, scale = 1;
                bool digits = false;
                size_t best = 0, ui = 0;

                for (; *p >= '0' && *p <= '9'; p++, digits = true)
                        v = v * 10 + (*p - '0');
                if (*p == '.') {
                        for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
                                scale /= 10;
                                frac += (*p - '0') * scale;
                        }
                }
                if (!digits)
                        return -EINVAL;
                for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                        size_t l = strlen(units[i].unit);

                        if (strncmp(p, units[i].unit, l) == 0 && l > best) {
                                best = l;
                                ui = i;
                        }
                }
                if (!best)
                        return -EINVAL; /* Go: "missing unit in duration" */
                total += (v + frac) * (long double)units[ui].ns;
                if (total > (long double)INT64_MAX)
                        return -ERANGE;
                p += best;
        }
        *ret_ns = (uint64_t)total;
        return 0;
}

/* ===== bcrypt ===== */

bool sm_webcfg_is_bcrypt(const char *s, char *why, size_t whylen)
{
        static const char b64[] =
                "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        size_t len = strlen(s);
        unsigned cost;

        if (len < 60) {
                snprintf(why, whylen, "too short to be a bcrypt hash (%zu characters, want 60)",
                         len);
                return false;
        }
        if (len > 60 || s[0] != '$' || s[1] != '2' || !strchr("aby", s[2]) || s[2] == '\0' ||
            s[3] != '$') {
                snprintf(why, whylen, "not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)");
                return false;
        }
        if (s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' || s[6] != '$') {
                snprintf(why, whylen, "bcrypt hash without a two-digit cost");
                return false;
        }
        cost = (unsigned)(s[4] - '0') * 10 + (unsigned)(s[5] - '0');
        if (cost < 4 || cost > 31) {
                snprintf(why, whylen, "bcrypt cost %u outside 4..31", cost);
                return false;
        }
        if (strspn(s + 7, b64) != 53) {
                snprintf(why, whylen, "bcrypt hash with characters outside its alphabet");
                return false;
        }
        return true;
}

/* ===== files ===== */

/*
 * Not lib/file.c's sm_read_file: that refuses what is not a regular file, and the
 * toolkit reads client_ca_file: /dev/null (web_config_noAuth.bad.yml) as empty.
 */
static int read_file(const char *path, char **ret, char *why, size_t whylen)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        size_t len = 0, cap = 4096;
        char *buf;

        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = errno;

                snprintf(why, whylen, "%s: %s", path, e == ENOENT ? "no such file" : strerror(e));
                return -e;
        }
        if (S_ISDIR(st.st_mode)) {
                snprintf(why, whylen, "%s: is a directory", path);
                return -EISDIR;
        }
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (len == cap) {
                        char *p;

                        if (cap >= MAX_FILE) {
                                free(buf);
                                snprintf(why, whylen, "%s: larger than %d bytes", path, MAX_FILE);
                                return -EFBIG;
                        }
                        p = realloc(buf, 2 * cap + 1);
                        if (!p) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = p;
                        cap *= 2;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;

                        free(buf);
                        snprintf(why, whylen, "%s: %s", path, strerror(e));
                        return -e;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = buf;
        return 0;
}

/* config_util.JoinDir: relative names are relative to the config file's folder. */
static int join_dir(const char *cfgpath, char **name)
{
        const char *slash = strrchr(cfgpath, '/');
        char *j;

        if (!*name || (*name)[0] == '\0' || (*name)[0] == '/' || !slash)
                return 0;
        if (asprintf(&j, "%.*s/%s", (int)(slash - cfgpath), cfgpath, *name) < 0)
                return -ENOMEM;
        free(*name);
        *name = j;
        return 0;
}

/* ===== the tree ===== */

/* A key of a mapping: a plain value stored by kind at off in struct sm_webcfg, or set(). */
enum field_kind { FIELD_FN, FIELD_STRING, FIELD_BOOL, FIELD_INT, FIELD_DURATION };

struct field {
        const char *name;
        enum field_kind kind;
        size_t off;
        int (*set)(struct ctx *x, const yaml_node_t *v, const char *key); /* FIELD_FN */
};

#define FN(name, fn)                  \
        {                             \
                name, FIELD_FN, 0, fn \
        }

/* A member's C type must be the kind's (char *, bool, uint64_t), or VALUE() does not build. */
#define KIND_FITS(x, k) \
        _Generic((x), char *: (k) == FIELD_STRING, bool: (k) == FIELD_BOOL,       \
                 uint64_t: (k) == FIELD_INT || (k) == FIELD_DURATION, default: 0)
#define CFG_OFF(m, k) \
        (offsetof(struct sm_webcfg, m) + SM_ZERO_UNLESS(KIND_FITS(((struct sm_webcfg *)0)->m, k)))
#define VALUE(name, kind, m)                                       \
        {                                                          \
                name, FIELD_##kind, CFG_OFF(m, FIELD_##kind), NULL \
        }

static const yaml_node_t *node(struct ctx *x, int id)
{
        return yaml_document_get_node(x->doc, id);
}

typedef int (*pair_fn)(struct ctx *x, const yaml_node_t *k, const yaml_node_t *v, const char *key);

/* Whether n is a container of type t to walk: 1, 0 when it is null (empty), or the error. */
static int container(struct ctx *x, const yaml_node_t *n, yaml_node_type_t t, const char *what,
                     const char *key)
{
        if (n->type == YAML_SCALAR_NODE && is_null(n))
                return 0;
        if (n->type != t)
                return fail(x, -EINVAL, n, key, "expected %s, got %s", what, node_kind(n));
        return 1;
}

/* Walk a mapping whose keys must be unique scalars. */
static int each_pair(struct ctx *x, const yaml_node_t *m, const char *key, pair_fn fn)
{
        int c = container(x, m, YAML_MAPPING_NODE, "a mapping", key);

        if (c <= 0)
                return c;
        for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
             p++) {
                const yaml_node_t *k = node(x, p->key), *v = node(x, p->value);
                char full[160];
                int r;

                if (!k || !v)
                        return fail(x, -EINVAL, m, key, "broken mapping");
                if (k->type != YAML_SCALAR_NODE)
                        return fail(x, -EINVAL, k, key, "keys must be strings, got %s",
                                    node_kind(k));
                for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
                        const yaml_node_t *k2 = node(x, q->key);

                        if (k2 && k2->type == YAML_SCALAR_NODE &&
                            strcmp(scalar(k2), scalar(k)) == 0)
                                return fail(x, -EINVAL, k, key, "key '%.60s' given twice",
                                            scalar(k));
                }
                if (key)
                        snprintf(full, sizeof(full), "%s.%.80s", key, scalar(k));
                else
                        snprintf(full, sizeof(full), "%.80s", scalar(k));
                r = fn(x, k, v, full);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dispatch(struct ctx *x, const yaml_node_t *k, const yaml_node_t *v, const char *key,
                    const struct field *fields, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct field *f = &fields[i];
                void *p = (char *)x->c + f->off;

                if (strcmp(f->name, scalar(k)) != 0)
                        continue;
                switch (f->kind) {
                case FIELD_FN:
                        return f->set(x, v, key);
                case FIELD_STRING:
                        return get_string(x, v, key, p);
                case FIELD_BOOL:
                        return get_bool(x, v, key, p);
                case FIELD_INT:
                        return get_int(x, v, key, p);
                case FIELD_DURATION:
                        return get_duration(x, v, key, p);
                }
        }
        return fail(x, -EINVAL, k, key, "unknown key");
}

/* A mapping of the keys in fields[]: set_fn walks it, each key to its field's setter. */
#define SECTION(set_fn, fields)                                                             \
        static int set_fn##_pair(struct ctx *x, const yaml_node_t *k, const yaml_node_t *v, \
                                 const char *key)                                           \
        {                                                                                   \
                return dispatch(x, k, v, key, fields, ARRAY_SIZE(fields));                  \
        }                                                                                   \
                                                                                            \
        static int set_fn(struct ctx *x, const yaml_node_t *v, const char *key)             \
        {                                                                                   \
                return each_pair(x, v, key, set_fn##_pair);                                 \
        }

/* A list of strings: each element through fn. */
static int each_item(struct ctx *x, const yaml_node_t *s, const char *key,
                     int (*fn)(struct ctx *x, const yaml_node_t *item, const char *key))
{
        int c = container(x, s, YAML_SEQUENCE_NODE, "a list", key);

        if (c <= 0)
                return c;
        for (yaml_node_item_t *i = s->data.sequence.items.start; i < s->data.sequence.items.top;
             i++) {
                const yaml_node_t *it = node(x, *i);
                int r;

                if (!it)
                        return fail(x, -EINVAL, s, key, "broken list");
                if (it->type != YAML_SCALAR_NODE)
                        return fail(x, -EINVAL, it, key, "expected a string, got %s",
                                    node_kind(it));
                r = fn(x, it, key);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * A (name, string value) entry of a list: the name copied and the entry counted (so
 * that freeing the list frees the name) before the value v is read. -ENOMEM, or
 * -EINVAL when the value is not a string (the reason in x).
 */
static int add_named(struct ctx *x, const char *name, const yaml_node_t *v, const char *key,
                     char **ret_name, char **ret_value, size_t *count)
{
        *ret_name = strdup(name);
        if (!*ret_name)
                return -ENOMEM;
        (*count)++;
        return get_string(x, v, key, ret_value) < 0 ? -EINVAL : 0;
}

/* --- tls_server_config --- */

static int set_client_auth(struct ctx *x, const yaml_node_t *v, const char *key)
{
        char *s = NULL;
        int r = get_string(x, v, key, &s);

        if (r < 0)
                return r;
        snprintf(x->auth_type, sizeof(x->auth_type), "%s", s);
        free(s);
        return 0;
}

/*
 * A list of names, each looked up in a table (lookup: name -> entry or NULL): set_fn
 * replaces x->c->member (count x->c->n) with the sequence's entries, add_fn adds one.
 */
#define NAMED_LIST(set_fn, add_fn, lookup, member, n, what)                                      \
        static int add_fn(struct ctx *x, const yaml_node_t *it, const char *key)                 \
        {                                                                                        \
                __typeof__(x->c->member[0]) e = lookup(scalar(it));                              \
                                                                                                 \
                if (!e)                                                                          \
                        return fail(x, -EINVAL, it, key, "unknown " what ": %.80s", scalar(it)); \
                if (x->c->n == SM_WEB_MAX_LIST)                                                  \
                        return fail(x, -EINVAL, it, key, "at most %d entries", SM_WEB_MAX_LIST); \
                x->c->member[x->c->n++] = e;                                                     \
                return 0;                                                                        \
        }                                                                                        \
                                                                                                 \
        static int set_fn(struct ctx *x, const yaml_node_t *v, const char *key)                  \
        {                                                                                        \
                x->c->n = 0;                                                                     \
                return each_item(x, v, key, add_fn);                                             \
        }

NAMED_LIST(set_ciphers, add_cipher, sm_webcfg_cipher, ciphers, n_ciphers, "cipher")
NAMED_LIST(set_curves, add_curve, sm_webcfg_curve, curves, n_curves, "curve")

static int get_version(struct ctx *x, const yaml_node_t *v, const char *key, uint16_t *ret)
{
        if (v->type == YAML_SCALAR_NODE) {
                for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
                        if (strcmp(scalar(v), versions[i].name) == 0) {
                                *ret = versions[i].v;
                                return 0;
                        }
                }
        }
        return fail(x, -EINVAL, v, key, "unknown TLS version: %.40s (TLS10, TLS11, TLS12, TLS13)",
                    v->type == YAML_SCALAR_NODE ? scalar(v) : node_kind(v));
}

static int set_min_version(struct ctx *x, const yaml_node_t *v, const char *key)
{
        return get_version(x, v, key, &x->c->min_version);
}

static int set_max_version(struct ctx *x, const yaml_node_t *v, const char *key)
{
        return get_version(x, v, key, &x->c->max_version);
}

static int add_san(struct ctx *x, const yaml_node_t *it, const char *key)
{
        if (x->c->n_sans == SM_WEB_MAX_LIST)
                return fail(x, -EINVAL, it, key, "at most %d entries", SM_WEB_MAX_LIST);
        x->c->sans[x->c->n_sans] = NULL;
        if (get_string(x, it, key, &x->c->sans[x->c->n_sans]) < 0)
                return -EINVAL;
        x->c->n_sans++;
        return 0;
}

static int set_sans(struct ctx *x, const yaml_node_t *v, const char *key)
{
        x->c->sans_set = !is_null(v);
        return each_item(x, v, key, add_san);
}

/* Each inline PEM (cert, key, client_ca) next to its file alternative. */
static const struct field tls_fields[] = {
        VALUE("cert", STRING, cert_pem),
        VALUE("cert_file", STRING, cert_file),
        VALUE("key", STRING, key_pem),
        VALUE("key_file", STRING, key_file),
        FN("client_auth_type", set_client_auth),
        VALUE("client_ca", STRING, client_ca_pem),
        VALUE("client_ca_file", STRING, client_ca_file),
        FN("cipher_suites", set_ciphers),
        FN("curve_preferences", set_curves),
        FN("min_version", set_min_version),
        FN("max_version", set_max_version),
        VALUE("prefer_server_cipher_suites", BOOL, prefer_server_cipher_suites),
        FN("client_allowed_sans", set_sans),
};

SECTION(set_tls, tls_fields)

/* --- http_server_config --- */

static const struct allowed_header *allowed_header(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(allowed_headers); i++)
                if (strcmp(allowed_headers[i].name, name) == 0)
                        return &allowed_headers[i];
        return NULL;
}

/* A header's value: one line, and one of the allowed values where the header has a list. */
static int check_header_value(struct ctx *x, const struct allowed_header *a,
                              const struct sm_web_header *h, const yaml_node_t *v, const char *key)
{
        if (strpbrk(h->value, "\r\n"))
                return fail(x, -EINVAL, v, key, "a header value cannot contain a line break");
        if (!a->values[0])
                return 0;
        for (size_t j = 0; a->values[j]; j++)
                if (strcmp(a->values[j], h->value) == 0)
                        return 0;
        return fail(x, -EINVAL, v, key, "invalid value for %s: expected %s%s%s, got \"%.60s\"",
                    h->name, a->values[0], a->values[1] ? " or " : "",
                    a->values[1] ? a->values[1] : "", h->value);
}

static int header_pair(struct ctx *x, const yaml_node_t *k, const yaml_node_t *v, const char *key)
{
        const struct allowed_header *a = allowed_header(scalar(k));
        struct sm_web_header *h = &x->c->headers[x->c->n_headers];
        int r;

        if (!a)
                return fail(x, -EINVAL, k, key,
                            "HTTP header \"%.60s\" can not be configured (only "
                            "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
                            "X-XSS-Protection, Content-Security-Policy)",
                            scalar(k));
        r = add_named(x, scalar(k), v, key, &h->name, &h->value, &x->c->n_headers);
        if (r < 0)
                return r;
        return check_header_value(x, a, h, v, key);
}

static int set_headers(struct ctx *x, const yaml_node_t *v, const char *key)
{
        return each_pair(x, v, key, header_pair);
}

static const struct field http_fields[] = {
        VALUE("http2", BOOL, http2),
        FN("headers", set_headers),
};

SECTION(set_http, http_fields)

/* --- rate_limit --- */

static const struct field rate_fields[] = {
        VALUE("burst", INT, rate_burst),
        VALUE("interval", DURATION, rate_interval_ns),
};

SECTION(set_rate, rate_fields)

/* --- basic_auth_users --- */

static int user_pair(struct ctx *x, const yaml_node_t *k, const yaml_node_t *v, const char *key)
{
        struct sm_webcfg *c = x->c;
        struct sm_web_user *u;
        char why[128];
        int r;

        if (c->n_users == SM_WEB_MAX_USERS)
                return fail(x, -EINVAL, k, key, "at most %d users", SM_WEB_MAX_USERS);
        u = &c->users[c->n_users];
        r = add_named(x, is_null(k) ? "" : scalar(k), v, key, &u->name, &u->hash, &c->n_users);
        if (r < 0)
                return r;
        if (!sm_webcfg_is_bcrypt(u->hash, why, sizeof(why)))
                return fail(x, -EINVAL, v, key, "%s", why);
        return 0;
}

static int set_users(struct ctx *x, const yaml_node_t *v, const char *key)
{
        return each_pair(x, v, key, user_pair);
}

/* --- top level --- */

static const struct field top_fields[] = {
        FN("tls_server_config", set_tls),
        FN("http_server_config", set_http),
        FN("rate_limit", set_rate),
        FN("basic_auth_users", set_users),
};

SECTION(set_top, top_fields)

/* ===== validation (the toolkit's order: YAML, headers, users, then TLS) ===== */

static bool set(const char *s)
{
        return s && s[0];
}

static int load_pem(struct ctx *x, const char *key, const char *file, char **pem)
{
        char why[300];
        int r;

        if (!set(file))
                return 0;
        free(*pem);
        *pem = NULL;
        r = read_file(file, pem, why, sizeof(why));
        if (r < 0)
                return fail(x, r, NULL, key, "%s", why);
        return 0;
}

static int validate_tls(struct ctx *x, const yaml_node_t *root)
{
        struct sm_webcfg *c = x->c;
        int r;

        c->client_ca_set = set(c->client_ca_file) || set(c->client_ca_pem);
        c->tls = set(c->cert_file) || set(c->cert_pem) || set(c->key_file) || set(c->key_pem) ||
                 c->client_ca_set || x->auth_type[0];
        if (!c->tls)
                return 0;
        if (!set(c->cert_file) && !set(c->cert_pem))
                return fail(x, -EINVAL, root, "tls_server_config",
                            "missing one of cert or cert_file");
        if (!set(c->key_file) && !set(c->key_pem))
                return fail(x, -EINVAL, root, "tls_server_config",
                            "missing one of key or key_file");
        if (join_dir(c->path, &c->cert_file) < 0 || join_dir(c->path, &c->key_file) < 0 ||
            join_dir(c->path, &c->client_ca_file) < 0)
                return -ENOMEM;
        r = load_pem(x, "tls_server_config.cert_file", c->cert_file, &c->cert_pem);
        if (r == 0)
                r = load_pem(x, "tls_server_config.key_file", c->key_file, &c->key_pem);
        if (r == 0)
                r = load_pem(x, "tls_server_config.client_ca_file", c->client_ca_file,
                             &c->client_ca_pem);
        if (r < 0)
                return r;
        for (size_t i = 0;; i++) {
                if (i == ARRAY_SIZE(auth_types))
                        return fail(x, -EINVAL, root, "tls_server_config.client_auth_type",
                                    "invalid ClientAuth: %s (NoClientCert, RequestClientCert, "
                                    "RequireAnyClientCert, VerifyClientCertIfGiven, "
                                    "RequireAndVerifyClientCert)",
                                    x->auth_type);
                if (strcmp(auth_types[i].name, x->auth_type) == 0) {
                        c->client_auth = auth_types[i].v;
                        break;
                }
        }
        if (c->client_ca_set && c->client_auth == SM_CLIENT_NONE)
                return fail(x, -EINVAL, root, "tls_server_config",
                            "client CA's have been configured without a Client Auth Policy "
                            "(set client_auth_type)");
        if (c->min_version > c->max_version)
                return fail(x, -EINVAL, root, "tls_server_config",
                            "min_version is above max_version: no TLS version is left");
        return 0;
}

void sm_webcfg_free(struct sm_webcfg *c)
{
        if (!c)
                return;
        free(c->path);
        free(c->cert_file);
        free(c->key_file);
        free(c->client_ca_file);
        free(c->cert_pem);
        free(c->key_pem);
        free(c->client_ca_pem);
        for (size_t i = 0; i < c->n_sans; i++)
                free(c->sans[i]);
        for (size_t i = 0; i < c->n_headers; i++) {
                free(c->headers[i].name);
                free(c->headers[i].value);
        }
        for (size_t i = 0; i < c->n_users; i++) {
                free(c->users[i].name);
                free(c->users[i].hash);
        }
        free(c);
}

int sm_webcfg_parse(const char *path, const char *text, size_t len, struct sm_webcfg **ret,
                    char *err, size_t errlen)
{
        struct sm_webcfg *c = calloc(1, sizeof(*c));
        yaml_parser_t parser;
        yaml_document_t doc;
        struct ctx x = {.path = path, .doc = &doc, .c = c, .err = err, .errlen = errlen};
        const yaml_node_t *root;
        int r = 0;

        if (!c)
                return -ENOMEM;
        *c = (struct sm_webcfg){
                .min_version = SM_TLS12,
                .max_version = SM_TLS13,
                .prefer_server_cipher_suites = true,
                .http2 = true,
        };
        c->path = strdup(path);
        if (!c->path || !yaml_parser_initialize(&parser)) {
                sm_webcfg_free(c);
                return -ENOMEM;
        }
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, &doc)) {
                r = fail(&x, -EINVAL, NULL, NULL, "yaml: line %zu: %s%s%s",
                         (size_t)parser.problem_mark.line + 1,
                         parser.problem ? parser.problem : "syntax error",
                         parser.context ? " " : "", parser.context ? parser.context : "");
                yaml_parser_delete(&parser);
                sm_webcfg_free(c);
                return r;
        }
        yaml_parser_delete(&parser);
        root = yaml_document_get_root_node(&doc);
        if (root && !(root->type == YAML_SCALAR_NODE && is_null(root))) {
                if (root->type != YAML_MAPPING_NODE)
                        r = fail(&x, -EINVAL, root, NULL,
                                 "yaml: expected a mapping of tls_server_config, "
                                 "http_server_config, rate_limit, basic_auth_users; got %s",
                                 node_kind(root));
                else
                        r = set_top(&x, root, NULL);
                if (r == 0)
                        r = validate_tls(&x, root);
        }
        yaml_document_delete(&doc);
        if (r < 0) {
                sm_webcfg_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int sm_webcfg_load(const char *path, struct sm_webcfg **ret, char *err, size_t errlen)
{
        char why[300];
        _cleanup_free_ char *text = NULL;
        int r = read_file(path, &text, why, sizeof(why));

        if (r < 0) {
                snprintf(err, errlen, "web config %s", why);
                return r;
        }
        return sm_webcfg_parse(path, text, strlen(text), ret, err, errlen);
}
