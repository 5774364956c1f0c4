/* SPDX-License-Identifier: MIT */
/*
 * webconfig.h - the --web.config.file of prometheus/exporter-toolkit, parsed
 * with libyaml and validated into a plain struct: the same keys, defaults and
 * refusals as the toolkit (unknown keys, wrong types, a CA without a verifying
 * client_auth_type, unknown cipher/curve/version names, headers outside the
 * allowed set, non-bcrypt passwords, unreadable files). Certificate, key and
 * CA files are read here (relative paths are relative to the config file's
 * folder); whether they parse as PEM is checked by tls.c. Every error names
 * the file, the line and the key.
 */
#ifndef SM_WEBCONFIG_H
#define SM_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SM_WEB_MAX_LIST    64 /* cipher_suites, curve_preferences, client_allowed_sans */
#define SM_WEB_MAX_USERS   256
#define SM_WEB_MAX_HEADERS 5

enum sm_client_auth {
        SM_CLIENT_NONE = 0,        /* NoClientCert (or empty) */
        SM_CLIENT_REQUEST,         /* RequestClientCert */
        SM_CLIENT_REQUIRE_ANY,     /* RequireAnyClientCert (RequireClientCert) */
        SM_CLIENT_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
        SM_CLIENT_REQUIRE_VERIFY,  /* RequireAndVerifyClientCert */
};

/* TLS versions as on the wire: 0x0301 (TLS 1.0) .. 0x0304 (TLS 1.3). */
enum { SM_TLS10 = 0x0301, SM_TLS11 = 0x0302, SM_TLS12 = 0x0303, SM_TLS13 = 0x0304 };

/* One cipher suite the toolkit accepts by name (Go's tls.CipherSuites()). */
struct sm_cipher_suite {
        const char *name;   /* Go/IANA name */
        uint16_t id;        /* IANA value */
        bool tls13;         /* a TLS 1.3 suite (Go does not let these be configured) */
        const char *kx;     /* GnuTLS key exchange ("ECDHE-RSA"), NULL for TLS 1.3 */
        const char *cipher; /* GnuTLS cipher ("AES-128-GCM") */
        const char *mac;    /* GnuTLS MAC ("AEAD", "SHA1") */
};

struct sm_curve {
        const char *name;  /* CurveP256, ... */
        uint16_t id;       /* TLS named group */
        const char *group; /* GnuTLS group ("SECP256R1") */
};

struct sm_web_header {
        char *name, *value;
};

struct sm_web_user {
        char *name, *hash;
};

struct sm_webcfg {
        char *path; /* as given */

        /* tls_server_config */
        bool tls; /* any of cert(_file), key(_file), client_ca(_file), client_auth_type set */
        char *cert_file, *key_file, *client_ca_file; /* resolved against the file's folder */
        char *cert_pem, *key_pem, *client_ca_pem;    /* inline values or the files' contents */
        bool client_ca_set;
        enum sm_client_auth client_auth;
        uint16_t min_version, max_version;
        const struct sm_cipher_suite *ciphers[SM_WEB_MAX_LIST];
        size_t n_ciphers;
        const struct sm_curve *curves[SM_WEB_MAX_LIST];
        size_t n_curves;
        bool prefer_server_cipher_suites;
        char *sans[SM_WEB_MAX_LIST];
        size_t n_sans;
        bool sans_set; /* client_allowed_sans present: a client certificate must carry one */

        /* http_server_config */
        bool http2; /* accepted and ignored: libmicrohttpd speaks HTTP/1.1 */
        struct sm_web_header headers[SM_WEB_MAX_HEADERS];
        size_t n_headers;

        /* rate_limit */
        uint64_t rate_interval_ns; /* 0: no limiter */
        uint64_t rate_burst;

        /* basic_auth_users */
        struct sm_web_user users[SM_WEB_MAX_USERS];
        size_t n_users;
};

/*
 * Parse and validate the YAML text of a web config. path names the file in
 * messages and anchors relative file names; files are read through it.
 * Returns 0 and a config to free with sm_webcfg_free, or -EINVAL/-ENOENT/...
 * with one line in err ("FILE:LINE: KEY: what is wrong").
 */
int sm_webcfg_parse(const char *path, const char *text, size_t len, struct sm_webcfg **ret,
                    char *err, size_t errlen);
/* Read the file and parse it. */
int sm_webcfg_load(const char *path, struct sm_webcfg **ret, char *err, size_t errlen);
void sm_webcfg_free(struct sm_webcfg *c);

/* Is s a bcrypt hash as htpasswd -B and Go's bcrypt make them ($2a$/$2b$/$2y$, cost 4..31)? */
bool sm_webcfg_is_bcrypt(const char *s, char *why, size_t whylen);

/* Go's time.ParseDuration ("1s", "1m30s", "250ms", "1.5h"); nanoseconds. */
int sm_webcfg_parse_go_duration(const char *s, uint64_t *ret_ns);

/* Name tables (exposed for tests and the priority builder). */
const struct sm_cipher_suite *sm_webcfg_cipher(const char *name);
const struct sm_curve *sm_webcfg_curve(const char *name);

#endif
