/* SPDX-License-Identifier: MIT */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/log.h"
#include "lib/util.h"

#define MAX_CHAIN 16

struct sm_tls {
        const struct sm_webcfg *cfg;
        gnutls_pcert_st pcert[MAX_CHAIN];
        unsigned n_pcert;
        gnutls_privkey_t key;
        gnutls_priority_t prio;
        gnutls_x509_trust_list_t trust; /* client CA, or the system store without one */
};

/* ===== priority string ===== */

struct pbuf {
        char *p;
        size_t n, len;
        bool overflow;
};

static void put(struct pbuf *b, const char *s)
{
        size_t l = strlen(s);

        if (b->len + l + 1 > b->n) {
                b->overflow = true;
                return;
        }
        memcpy(b->p + b->len, s, l + 1);
        b->len += l;
}

/* Add ":+item" unless it is already in the list seen so far (seen: NULL-terminated array). */
static void put_once(struct pbuf *b, const char *item, const char **seen, size_t *n_seen)
{
        for (size_t i = 0; i < *n_seen; i++)
                if (strcmp(seen[i], item) == 0)
                        return;
        seen[(*n_seen)++] = item;
        put(b, ":+");
        put(b, item);
}

int sm_tls_priority_string(const struct sm_webcfg *c, char *buf, size_t n)
{
        static const char *const vers[] = {"VERS-TLS1.0", "VERS-TLS1.1", "VERS-TLS1.2",
                                           "VERS-TLS1.3"};
        static const char *const tls13_ciphers[] = {"AES-128-GCM", "AES-256-GCM",
                                                    "CHACHA20-POLY1305", "AES-128-CCM"};
        struct pbuf b = {.p = buf, .n = n};
        const char *seen[3 * SM_WEB_MAX_LIST + 8];
        size_t n_seen = 0, n12 = 0;

        if (n)
                buf[0] = '\0';
        put(&b, "NORMAL:-VERS-ALL");
        for (unsigned v = c->max_version; v >= c->min_version && v >= SM_TLS10; v--) {
                put(&b, ":+");
                put(&b, vers[v - SM_TLS10]);
        }
        for (size_t i = 0; i < c->n_ciphers; i++)
                n12 += !c->ciphers[i]->tls13;
        /*
         * Go applies cipher_suites to TLS 1.2 and below only; TLS 1.3 keeps all of its
         * suites. GnuTLS has one cipher list for both, so the listed ciphers come first
         * (server order) and TLS 1.3's follow; sm_tls_suite_allowed refuses a TLS 1.2
         * combination that was not listed.
         */
        if (n12) {
                put(&b, ":-CIPHER-ALL");
                for (size_t i = 0; i < c->n_ciphers; i++)
                        if (!c->ciphers[i]->tls13)
                                put_once(&b, c->ciphers[i]->cipher, seen, &n_seen);
                if (c->max_version >= SM_TLS13)
                        for (size_t i = 0; i < ARRAY_SIZE(tls13_ciphers); i++)
                                put_once(&b, tls13_ciphers[i], seen, &n_seen);
                n_seen = 0;
                put(&b, ":-KX-ALL");
                for (size_t i = 0; i < c->n_ciphers; i++)
                        if (!c->ciphers[i]->tls13)
                                put_once(&b, c->ciphers[i]->kx, seen, &n_seen);
                n_seen = 0;
                put(&b, ":-MAC-ALL");
                put_once(&b, "AEAD", seen, &n_seen);
                for (size_t i = 0; i < c->n_ciphers; i++)
                        if (!c->ciphers[i]->tls13)
                                put_once(&b, c->ciphers[i]->mac, seen, &n_seen);
        }
        if (c->n_curves) {
                char grp[64];

                put(&b, ":-GROUP-ALL");
                for (size_t i = 0; i < c->n_curves; i++) {
                        snprintf(grp, sizeof(grp), ":+GROUP-%s", c->curves[i]->group);
                        put(&b, grp);
                }
        }
        if (c->prefer_server_cipher_suites)
                put(&b, ":%SERVER_PRECEDENCE");
        return b.overflow ? -ENOSPC : 0;
}

/* ===== key pair and trust ===== */

void sm_tls_free(struct sm_tls *t)
{
        if (!t)
                return;
        for (unsigned i = 0; i < t->n_pcert; i++)
                gnutls_pcert_deinit(&t->pcert[i]);
        if (t->key)
                gnutls_privkey_deinit(t->key);
        if (t->prio)
                gnutls_priority_deinit(t->prio);
        if (t->trust)
                gnutls_x509_trust_list_deinit(t->trust, 1);
        free(t);
}

static gnutls_datum_t datum(const char *s)
{
        return (gnutls_datum_t){.data = (unsigned char *)(uintptr_t)s, .size = (unsigned)strlen(s)};
}

/* The certificate chain and its key, checked as Go's tls.X509KeyPair does. */
static int load_key_pair(struct sm_tls *t, const struct sm_webcfg *c, char *err, size_t errlen)
{
        gnutls_certificate_credentials_t check = NULL;
        gnutls_datum_t cert = datum(c->cert_pem ? c->cert_pem : ""),
                       key = datum(c->key_pem ? c->key_pem : "");
        int r;

        /* Both parse and the key belongs to the cert. */
        r = gnutls_certificate_allocate_credentials(&check);
        if (r == 0)
                r = gnutls_certificate_set_x509_key_mem2(check, &cert, &key, GNUTLS_X509_FMT_PEM,
                                                         NULL, 0);
        if (check)
                gnutls_certificate_free_credentials(check);
        if (r < 0)
                return sm_errf(err, errlen, -EINVAL, "%s: failed to load the key pair: %s", c->path,
                               gnutls_strerror(r));
        t->n_pcert = MAX_CHAIN;
        r = gnutls_pcert_list_import_x509_raw(t->pcert, &t->n_pcert, &cert, GNUTLS_X509_FMT_PEM, 0);
        if (r < 0) {
                t->n_pcert = 0;
                return sm_errf(err, errlen, -EINVAL, "%s: certificate: %s", c->path,
                               gnutls_strerror(r));
        }
        r = gnutls_privkey_init(&t->key);
        if (r == 0)
                r = gnutls_privkey_import_x509_raw(t->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
        if (r < 0)
                return sm_errf(err, errlen, -EINVAL, "%s: key: %s", c->path, gnutls_strerror(r));
        return 0;
}

/* Go ignores its own certificate's keyUsage; GnuTLS signs only with digitalSignature. */
static int check_key_usage(const struct sm_tls *t, const struct sm_webcfg *c, char *err,
                           size_t errlen)
{
        unsigned ku = 0;
        gnutls_x509_crt_t leaf;
        bool unusable;

        if (gnutls_x509_crt_init(&leaf) != 0)
                return 0;
        unusable = gnutls_x509_crt_import(leaf, &t->pcert[0].cert, GNUTLS_X509_FMT_DER) == 0 &&
                   gnutls_x509_crt_get_key_usage(leaf, &ku, NULL) == 0 &&
                   !(ku & GNUTLS_KEY_DIGITAL_SIGNATURE);
        gnutls_x509_crt_deinit(leaf);
        if (unusable)
                return sm_errf(err, errlen, -EINVAL,
                               "%s: the certificate's keyUsage lacks digitalSignature: no TLS "
                               "1.2 ECDHE or TLS 1.3 handshake can use it (GnuTLS enforces it; "
                               "reissue it with keyUsage=digitalSignature)",
                               c->path);
        return 0;
}

/* The CAs client certificates are checked against (client_ca_file, else the system's). */
static int load_trust(struct sm_tls *t, const struct sm_webcfg *c, char *err, size_t errlen)
{
        int r = gnutls_x509_trust_list_init(&t->trust, 0);

        if (r < 0)
                return sm_errf(err, errlen, -ENOMEM, "%s: trust list: %s", c->path,
                               gnutls_strerror(r));
        if (c->client_ca_set) {
                gnutls_datum_t ca = datum(c->client_ca_pem ? c->client_ca_pem : "");

                /* Like Go's AppendCertsFromPEM: what does not parse is skipped. */
                if (ca.size)
                        (void)gnutls_x509_trust_list_add_trust_mem(t->trust, &ca, NULL,
                                                                   GNUTLS_X509_FMT_PEM, 0, 0);
        } else if (c->client_auth >= SM_CLIENT_VERIFY_IF_GIVEN) {
                (void)gnutls_x509_trust_list_add_system_trust(t->trust, 0, 0);
        }
        return 0;
}

int sm_tls_new(const struct sm_webcfg *c, struct sm_tls **ret, char *err, size_t errlen)
{
        struct sm_tls *t = calloc(1, sizeof(*t));
        char prio[2048];
        const char *where = NULL;
        int r;

        if (!t)
                return -ENOMEM;
        t->cfg = c;
        r = load_key_pair(t, c, err, errlen);
        if (r == 0)
                r = check_key_usage(t, c, err, errlen);
        if (r == 0 && (sm_tls_priority_string(c, prio, sizeof(prio)) < 0 ||
                       gnutls_priority_init2(&t->prio, prio, &where, 0) < 0))
                r = sm_errf(err, errlen, -EINVAL, "%s: TLS settings give no usable priority (%s)",
                            c->path, where ? where : prio);
        if (r == 0)
                r = load_trust(t, c, err, errlen);
        if (r < 0) {
                sm_tls_free(t);
                return r;
        }
        *ret = t;
        return 0;
}

void sm_tls_server_cert(struct sm_tls *t, gnutls_pcert_st **pcert, unsigned *n,
                        gnutls_privkey_t *key)
{
        *pcert = t->pcert;
        *n = t->n_pcert;
        *key = t->key;
}

int sm_tls_session_setup(struct sm_tls *t, gnutls_session_t s)
{
        static const gnutls_certificate_request_t req[] = {
                [SM_CLIENT_NONE] = GNUTLS_CERT_IGNORE,
                [SM_CLIENT_REQUEST] = GNUTLS_CERT_REQUEST,
                [SM_CLIENT_REQUIRE_ANY] = GNUTLS_CERT_REQUIRE,
                [SM_CLIENT_VERIFY_IF_GIVEN] = GNUTLS_CERT_REQUEST,
                [SM_CLIENT_REQUIRE_VERIFY] = GNUTLS_CERT_REQUIRE,
        };
        int r = gnutls_priority_set(s, t->prio);

        if (r < 0)
                return r;
        gnutls_certificate_server_set_request(s, req[t->cfg->client_auth]);
        return 0;
}

/* ===== client certificates ===== */

/* Go's VerifyPeerCertificate in the toolkit: DNS, email, IP and URI SANs of the leaf. */
static bool has_allowed_san(const struct sm_webcfg *c, const gnutls_datum_t *der)
{
        gnutls_x509_crt_t crt;
        bool ok = false;

        if (gnutls_x509_crt_init(&crt) < 0)
                return false;
        if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
                gnutls_x509_crt_deinit(crt);
                return false;
        }
        for (unsigned seq = 0; !ok; seq++) {
                char val[1024], ip[INET6_ADDRSTRLEN];
                size_t len = sizeof(val) - 1;
                unsigned critical;
                int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, val, &len, &critical);
                const char *text = NULL;

                if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
                        continue;
                if (type < 0)
                        break;
                switch (type) {
                case GNUTLS_SAN_DNSNAME:
                case GNUTLS_SAN_RFC822NAME:
                case GNUTLS_SAN_URI:
                        val[len] = '\0';
                        if (strlen(val) == len)
                                text = val;
                        break;
                case GNUTLS_SAN_IPADDRESS:
                        if (len == 4 || len == 16)
                                text = inet_ntop(len == 4 ? AF_INET : AF_INET6, val, ip,
                                                 sizeof(ip));
                        break;
                default:
                        break;
                }
                for (size_t i = 0; text && i < c->n_sans; i++)
                        if (strcmp(c->sans[i], text) == 0)
                                ok = true;
        }
        gnutls_x509_crt_deinit(crt);
        return ok;
}

int sm_tls_verify_peer(const struct sm_tls *t, gnutls_session_t s)
{
        const struct sm_webcfg *c = t->cfg;
        unsigned n = 0;
        const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);

        if (!certs || n == 0) {
                if (c->client_auth == SM_CLIENT_REQUIRE_ANY ||
                    c->client_auth == SM_CLIENT_REQUIRE_VERIFY || c->sans_set) {
                        sm_log_debug("tls: client sent no certificate");
                        return -1;
                }
                return 0;
        }
        if (c->client_auth >= SM_CLIENT_VERIFY_IF_GIVEN) {
                gnutls_x509_crt_t crts[MAX_CHAIN];
                unsigned nc = n > MAX_CHAIN ? MAX_CHAIN : n, status = 0;
                gnutls_typed_vdata_st purpose = {
                        .type = GNUTLS_DT_KEY_PURPOSE_OID,
                        .data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_CLIENT,
                };
                int r;

                for (unsigned i = 0; i < nc; i++) {
                        if (gnutls_x509_crt_init(&crts[i]) < 0 ||
                            gnutls_x509_crt_import(crts[i], &certs[i], GNUTLS_X509_FMT_DER) < 0) {
                                for (unsigned j = 0; j <= i; j++)
                                        gnutls_x509_crt_deinit(crts[j]);
                                return -1;
                        }
                }
                r = gnutls_x509_trust_list_verify_crt2(t->trust, crts, nc, &purpose, 1, 0, &status,
                                                       NULL);
                for (unsigned i = 0; i < nc; i++)
                        gnutls_x509_crt_deinit(crts[i]);
                if (r < 0 || status != 0) {
                        gnutls_datum_t why = {0};

                        if (r == 0 && gnutls_certificate_verification_status_print(
                                              status, GNUTLS_CRT_X509, &why, 0) == 0) {
                                sm_log_debug("tls: client certificate refused: %s", why.data);
                                gnutls_free(why.data);
                        }
                        return -1;
                }
        }
        if (c->sans_set && !has_allowed_san(c, &certs[0])) {
                sm_log_debug("tls: client certificate has none of client_allowed_sans");
                return -1;
        }
        return 0;
}

bool sm_tls_suite_allowed(const struct sm_tls *t, gnutls_session_t s)
{
        const struct sm_webcfg *c = t->cfg;
        const char *kx, *cipher, *mac;
        bool any12 = false;

        if (gnutls_protocol_get_version(s) == GNUTLS_TLS1_3)
                return true;
        kx = gnutls_kx_get_name(gnutls_kx_get(s));
        cipher = gnutls_cipher_get_name(gnutls_cipher_get(s));
        mac = gnutls_mac_get_name(gnutls_mac_get(s));
        for (size_t i = 0; i < c->n_ciphers; i++) {
                const struct sm_cipher_suite *cs = c->ciphers[i];

                if (cs->tls13)
                        continue;
                any12 = true;
                if (kx && cipher && mac && strcmp(cs->kx, kx) == 0 &&
                    strcmp(cs->cipher, cipher) == 0 && strcmp(cs->mac, mac) == 0)
                        return true;
        }
        return !any12;
}
