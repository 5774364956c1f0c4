/* SPDX-License-Identifier: MIT */
/*
 * test-webconfig.c - the --web.config.file pieces that need no server:
 * the loader on every exporter-toolkit testdata file (accepted or refused, and
 * why, as the toolkit's tls_config_test.go expects), file/line/key in errors,
 * the GnuTLS priority strings (checked by GnuTLS itself and for what they
 * enable), Go duration parsing (values from Go's time.ParseDuration docs),
 * bcrypt verification with libxcrypt against the toolkit's hashes
 * (alice/alice123 good, alice/alice1234 bad; carol, dave), the cache (a user
 * name carrying a hash does not hit another pair's entry) and the token
 * bucket (Go's rate.Limiter: starts full, burst 0 never allows).
 */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/auth.h"
#include "agent/tls.h"
#include "agent/webconfig.h"
#include "lib/util.h"
#include "test/check.h"

static char data_dir[512];

static int load(const char *name, struct sm_webcfg **c, char *err, size_t errlen)
{
        char p[1024];

        snprintf(p, sizeof(p), "%s/%s", data_dir, name);
        return sm_webcfg_load(p, c, err, errlen);
}

/* The toolkit's files whose outcome does not depend on certificate contents. */
static void test_toolkit_files(void)
{
        static const struct {
                const char *file, *want; /* want: NULL accepted, else a substring of the error */
        } cases[] = {
                {"somefile", "no such file"},
                {"web_config_empty.yml", NULL},
                {"web_config_junk.yml", "yaml"},
                {"web_config_junk_key.yml",
                 "web_config_junk_key.yml:2: tls_server_config.cert_filse: unknown key"},
                {"web_config_noAuth_certPath_empty.bad.yml", "missing one of cert or cert_file"},
                {"web_config_noAuth_cert_empty.bad.yml", "missing one of cert or cert_file"},
                {"web_config_noAuth_keyPath_empty.bad.yml", "missing one of key or key_file"},
                {"web_config_noAuth_key_empty.bad.yml", "missing one of key or key_file"},
                {"web_config_noAuth_certPath_keyPath_empty.bad.yml",
                 "missing one of cert or cert_file"},
                {"web_config_noAuth_certPath_invalid.bad.yml", "no such file"},
                {"web_config_noAuth_keyPath_invalid.bad.yml", "no such file"},
                {"web_config_noAuth_certPath_keyPath_invalid.bad.yml", "no such file"},
                {"web_config_noAuth.bad.yml",
                 "client CA's have been configured without a Client Auth Policy"},
                {"web_config_auth_clientCAs_invalid.bad.yml", "no such file"},
                {"web_config_auth_user_list_invalid.bad.yml", "basic_auth_users.john: too short"},
                {"web_config_noAuth_inventedCiphers.bad.yml",
                 "unknown cipher: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048"},
                {"web_config_noAuth_inventedCurves.bad.yml", "unknown curve: CurveP257"},
                {"web_config_noAuth_wrongTLSVersion.bad.yml", "unknown TLS version: TLS111"},
                {"web_config_headers_content_type_options.bad.yml",
                 "invalid value for X-Content-Type-Options"},
                {"web_config_headers_frame_options.bad.yml", "invalid value for X-Frame-Options"},
                {"web_config_headers_extra_header.bad.yml",
                 "HTTP header \"Content-Type\" can not be configured"},
                {"web_config_headers.good.yml", NULL},
                {"web_config_users_noTLS.good.yml", NULL},
                {"web_config_rate_limiter_nonblocking.yaml", NULL},
                {"web_config_rate_limiter_one_second.yaml", NULL},
                {"web_config_noAuth.good.yml", NULL},
                {"web_config_noAuth_allCiphers.good.yml", NULL},
                {"web_config_noAuth_allCurves.good.yml", NULL},
                {"web_config_noAuth_someCurves.good.yml", NULL},
                {"web_config_auth_client_san.good.yaml", NULL},
                {"tls_config_noAuth.requireandverifyclientcert.good.yml", NULL},
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct sm_webcfg *c = NULL;
                char err[512] = "";
                int r = load(cases[i].file, &c, err, sizeof(err));

                if (!cases[i].want)
                        CHECK(r == 0 && c, "%s: accepted (%s)", cases[i].file, err);
                else
                        CHECK(r < 0 && strstr(err, cases[i].want),
                              "%s: refused with '%s', got '%s'", cases[i].file, cases[i].want, err);
                sm_webcfg_free(c);
        }
}

static void test_values(void)
{
        struct sm_webcfg *c = NULL;
        char err[512] = "";

        CHECK(load("web_config_headers.good.yml", &c, err, sizeof(err)) == 0, "%s", err);
        if (c) {
                CHECK_U64(c->n_headers, 5, "headers");
                CHECK(!c->tls && c->http2, "defaults: no TLS, http2 true");
                for (size_t i = 0; i < c->n_headers; i++)
                        if (strcmp(c->headers[i].name, "X-XSS-Protection") == 0)
                                CHECK_STR(c->headers[i].value, "1",
                                          "X-XSS-Protection (a YAML int)");
        }
        sm_webcfg_free(c);
        c = NULL;
        CHECK(load("web_config_noAuth_someCiphers_noOrder.good.yml", &c, err, sizeof(err)) == 0,
              "%s", err);
        if (c) {
                CHECK(c->tls && c->client_auth == SM_CLIENT_VERIFY_IF_GIVEN, "auth type");
                CHECK(!c->prefer_server_cipher_suites, "prefer_server_cipher_suites: false");
                CHECK(c->min_version == SM_TLS12 && c->max_version == SM_TLS12, "versions");
                CHECK(c->n_ciphers == 2 && c->ciphers[0]->id == 0xc030 &&
                              c->ciphers[1]->id == 0xc02f,
                      "cipher order kept (IANA 0xc030, 0xc02f)");
                CHECK(strstr(c->cert_file, "/webcfg/server.crt") != NULL,
                      "cert_file relative to the config's folder: %s", c->cert_file);
        }
        sm_webcfg_free(c);
        c = NULL;
        CHECK(load("web_config_rate_limiter_one_second.yaml", &c, err, sizeof(err)) == 0, "%s",
              err);
        if (c)
                CHECK(c->rate_interval_ns == 1000000000ULL && c->rate_burst == 0, "1s, burst 0");
        sm_webcfg_free(c);
        c = NULL;
        CHECK(load("web_config_users.good.yml", &c, err, sizeof(err)) == 0, "%s", err);
        if (c)
                CHECK(c->n_users == 4 && strcmp(c->users[1].name, "bob") == 0 &&
                              strncmp(c->users[1].hash, "$2y$18$", 7) == 0,
                      "users");
        sm_webcfg_free(c);
}

static void test_errors(void)
{
        static const struct {
                const char *yaml, *want;
        } cases[] = {
                {"tls_server_config:\n  min_version: TLS12\n  bogus: 1\n",
                 "t.yml:3: tls_server_config.bogus: unknown key"},
                {"http_server_config:\n  headers:\n    X-Frame-Options: [deny]\n",
                 "t.yml:3: http_server_config.headers.X-Frame-Options: expected a string"},
                {"rate_limit:\n  interval: 1x\n",
                 "t.yml:2: rate_limit.interval: expected a duration"},
                {"rate_limit:\n  burst: -1\n",
                 "t.yml:2: rate_limit.burst: expected a non-negative integer"},
                {"basic_auth_users:\n  u: "
                 "\"$2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmX!\"\n",
                 "t.yml:2: basic_auth_users.u: bcrypt hash with characters outside"},
                {"basic_auth_users:\n  u: "
                 "$2x$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq\n",
                 "basic_auth_users.u: not a bcrypt hash"},
                {"basic_auth_users:\n  u: "
                 "$2y$03$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq\n",
                 "bcrypt cost 3 outside 4..31"},
                {"tls_server_config:\n  client_allowed_sans: {a: b}\n",
                 "t.yml:2: tls_server_config.client_allowed_sans: expected a list"},
                {"tls_server_config: 5\n", "t.yml:1: tls_server_config: expected a mapping"},
                {"tls_server_config:\n  cert: x\n", "missing one of key or key_file"},
                {"{a: [}\n", "t.yml: yaml: line 1"},
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct sm_webcfg *c = NULL;
                char err[512] = "";
                int r = sm_webcfg_parse("t.yml", cases[i].yaml, strlen(cases[i].yaml), &c, err,
                                        sizeof(err));

                CHECK(r < 0 && strstr(err, cases[i].want), "%s: want '%s', got '%s'", cases[i].yaml,
                      cases[i].want, err);
                sm_webcfg_free(c);
        }
}

static void test_durations(void)
{
        /* Values as Go's time.ParseDuration documents and returns them. */
        static const struct {
                const char *s;
                uint64_t ns;
        } ok[] = {
                {"0", 0},
                {"1s", 1000000000ULL},
                {"300ms", 300000000ULL},
                {"1.5h", 5400000000000ULL},
                {"2h45m", 9900000000000ULL},
                {"1m30s", 90000000000ULL},
                {"10us", 10000},
                {"10\xc2\xb5s", 10000},
                {"7ns", 7},
        };

        static const char *const bad[] = {"", "1", "s", "1x", "-1s", "1.s.", "1e3s"};
        uint64_t ns;

        for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
                CHECK(sm_webcfg_parse_go_duration(ok[i].s, &ns) == 0 && ns == ok[i].ns,
                      "duration %s", ok[i].s);
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                CHECK(sm_webcfg_parse_go_duration(bad[i], &ns) < 0, "duration '%s' refused",
                      bad[i]);
}

/* Parse cfg's YAML and return its priority string, or NULL. */
static const char *priority(const char *yaml, char *buf, size_t n)
{
        struct sm_webcfg *c = NULL;
        char err[256];
        int r = sm_webcfg_parse("p.yml", yaml, strlen(yaml), &c, err, sizeof(err));

        if (r < 0) {
                fprintf(stderr, "priority: %s\n", err);
                return NULL;
        }
        r = sm_tls_priority_string(c, buf, n);
        sm_webcfg_free(c);
        return r < 0 ? NULL : buf;
}

/* Does GnuTLS accept the string, and does it enable the suite named (GnuTLS name)? */
static bool enables(const char *prio, const char *suite)
{
        gnutls_priority_t p;
        const char *where = NULL;
        bool found = false;

        if (gnutls_priority_init2(&p, prio, &where, 0) < 0)
                return false;
        for (unsigned idx = 0;; idx++) {
                unsigned sidx;
                const char *name;

                if (gnutls_priority_get_cipher_suite_index(p, idx, &sidx) ==
                    GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                name = gnutls_cipher_suite_info(sidx, NULL, NULL, NULL, NULL, NULL);
                if (name && strcmp(name, suite) == 0)
                        found = true;
        }
        gnutls_priority_deinit(p);
        return found;
}

static void test_priority(void)
{
        char buf[2048];
        const char *p;

        p = priority("", buf, sizeof(buf));
        CHECK_STR(p, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE", "defaults");
        CHECK(p && enables(p, "TLS_AES_128_GCM_SHA256") &&
                      enables(p, "TLS_ECDHE_RSA_AES_128_GCM_SHA256"),
              "defaults enable TLS 1.3 and ECDHE-RSA suites");
        p = priority("tls_server_config:\n  min_version: TLS10\n  max_version: TLS11\n"
                     "  prefer_server_cipher_suites: false\n",
                     buf, sizeof(buf));
        CHECK_STR(p, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0", "TLS 1.0-1.1, client order");
        p = priority("tls_server_config:\n  max_version: TLS12\n  cipher_suites:\n"
                     "  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
                     "  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n",
                     buf, sizeof(buf));
        CHECK_STR(p,
                  "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:-KX-ALL:"
                  "+ECDHE-RSA:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE",
                  "the toolkit's someCiphers");
        CHECK(p && enables(p, "TLS_ECDHE_RSA_AES_128_GCM_SHA256") &&
                      enables(p, "TLS_ECDHE_RSA_AES_256_GCM_SHA384") &&
                      !enables(p, "TLS_ECDHE_RSA_AES_256_CBC_SHA1") &&
                      !enables(p, "TLS_ECDHE_ECDSA_AES_128_GCM_SHA256") &&
                      !enables(p, "TLS_RSA_AES_128_GCM_SHA256") &&
                      !enables(p, "TLS_ECDHE_RSA_CHACHA20_POLY1305"),
              "someCiphers enables exactly its two suites: %s", p);
        p = priority(
                "tls_server_config:\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]\n",
                buf, sizeof(buf));
        CHECK(p && enables(p, "TLS_ECDHE_ECDSA_AES_128_CBC_SHA1") &&
                      enables(p, "TLS_AES_256_GCM_SHA384") &&
                      enables(p, "TLS_CHACHA20_POLY1305_SHA256"),
              "a TLS 1.2 list leaves TLS 1.3's suites on, as Go does: %s", p);
        p = priority("tls_server_config:\n  curve_preferences: [CurveP521, X25519]\n", buf,
                     sizeof(buf));
        CHECK(p && strstr(p, ":-GROUP-ALL:+GROUP-SECP521R1:+GROUP-X25519:") &&
                      enables(p, "TLS_AES_128_GCM_SHA256"),
              "curves: %s", p ? p : "(null)");
        CHECK(sm_webcfg_cipher("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256") == NULL &&
                      sm_webcfg_cipher("TLS_RSA_WITH_AES_128_GCM_SHA256") == NULL,
              "suites outside Go's tls.CipherSuites() are unknown");
        CHECK(priority("", buf, 10) == NULL, "a short buffer is -ENOSPC");
}

static void test_bcrypt(void)
{
        /* The toolkit's web_config_users.good.yml and the passwords its tests use. */
        const char *alice = "$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby";
        const char *carol = "$2y$10$qRTBuFoULoYNA7AQ/F3ck.trZBPyjV64.oA4ZsSBCIWvXuvQlQTuu";
        const char *dave = "$2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq";
        char decoy[128], why[128];

        CHECK(sm_auth_bcrypt_ok("alice123", alice), "alice/alice123");
        CHECK(!sm_auth_bcrypt_ok("alice1234", alice), "alice/alice1234 refused");
        CHECK(sm_auth_bcrypt_ok("carol123", carol), "carol/carol123");
        CHECK(sm_auth_bcrypt_ok("dave123", dave), "dave/dave123");
        CHECK(!sm_auth_bcrypt_ok("bad", dave), "dave/bad refused");
        CHECK(!sm_auth_bcrypt_ok(dave, dave), "the hash itself as password refused");
        CHECK(!sm_auth_bcrypt_ok("x", "*0"), "a failing setting refused");
        CHECK(sm_auth_decoy_hash(decoy, sizeof(decoy)) == 0 &&
                      sm_webcfg_is_bcrypt(decoy, why, sizeof(why)) &&
                      strncmp(decoy, "$2b$10$", 7) == 0,
              "decoy hash: %s", decoy);
        CHECK(!sm_auth_bcrypt_ok("fakepassword", decoy), "the decoy takes no guessable password");
}

static void on_done(struct sm_auth_job *job)
{
        int *n = job->cls;

        __atomic_add_fetch(n, 1, __ATOMIC_SEQ_CST);
}

static void test_cache(void)
{
        const char *alice = "$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby";
        struct sm_auth *a = NULL;
        struct sm_auth_job j1 = {0}, j2 = {0};
        int done = 0;

        CHECK(sm_auth_new(2, 4, &a) == 0 && a, "auth workers");
        if (!a)
                return;
        CHECK(sm_auth_cached(a, "alice", "alice123", alice) == -ENOENT, "cold cache");
        j1 = (struct sm_auth_job){strdup("alice"), strdup("alice123"),
                                  strdup(alice),   true,
                                  false,           on_done,
                                  &done,           NULL};
        j2 = (struct sm_auth_job){strdup("alice"), strdup("alice1234"),
                                  strdup(alice),   true,
                                  false,           on_done,
                                  &done,           NULL};
        CHECK(sm_auth_submit(a, &j1) == 0 && sm_auth_submit(a, &j2) == 0, "submit");
        for (int i = 0; i < 3000 && __atomic_load_n(&done, __ATOMIC_SEQ_CST) < 2; i++)
                usleep(10000);
        CHECK(done == 2 && j1.ok && !j2.ok, "workers: alice123 yes, alice1234 no");
        CHECK(sm_auth_cached(a, "alice", "alice123", alice) == 1, "cached yes");
        CHECK(sm_auth_cached(a, "alice", "alice1234", alice) == 0, "cached no");
        /* CVE-2022-46146: concatenations of user and hash must not meet another pair's key. */
        CHECK(sm_auth_cached(a, "alice$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby",
                             "alice123", "") == -ENOENT,
              "user+hash shifted between fields misses");
        CHECK(sm_auth_cached(a, "alic", "ealice123", alice) == -ENOENT,
              "user/password shift misses");
        sm_auth_job_clear(&j1);
        sm_auth_job_clear(&j2);
        sm_auth_free(a);
}

static void test_ratelimit(void)
{
        struct sm_ratelimit rl;
        const uint64_t s = 1000000000ULL;
        unsigned n = 0;

        sm_ratelimit_init(&rl, s, 0);
        for (int i = 0; i < 5; i++)
                n += sm_ratelimit_allow(&rl, (uint64_t)i * 2 * s);
        CHECK(n == 0, "burst 0: never (Go's rate.Limiter with b=0)");
        sm_ratelimit_init(&rl, s, 3);
        n = 0;
        for (int i = 0; i < 5; i++)
                n += sm_ratelimit_allow(&rl, 100 * s);
        CHECK(n == 3, "burst 3 at one instant: 3 allowed, got %u", n);
        CHECK(!sm_ratelimit_allow(&rl, 100 * s + s / 2), "half an interval later: no token");
        CHECK(sm_ratelimit_allow(&rl, 101 * s), "one interval later: one token");
        CHECK(!sm_ratelimit_allow(&rl, 101 * s), "and only one");
        n = 0;
        for (int i = 0; i < 5; i++)
                n += sm_ratelimit_allow(&rl, 1000 * s);
        CHECK(n == 3, "a long pause refills only up to the burst, got %u", n);
        sm_ratelimit_init(&rl, 0, 0);
        CHECK(sm_ratelimit_allow(&rl, 0), "interval 0: no limiter");
}

int main(void)
{
        const char *src = getenv("SM_SOURCE_ROOT");

        snprintf(data_dir, sizeof(data_dir), "%s/test/data/webcfg", src ? src : "..");
        test_toolkit_files();
        test_values();
        test_errors();
        test_durations();
        test_priority();
        test_bcrypt();
        test_cache();
        test_ratelimit();
        return check_summary();
}
