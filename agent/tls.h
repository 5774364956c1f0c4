/* SPDX-License-Identifier: MIT */
/*
 * tls.h - a web config's tls_server_config as GnuTLS objects: the key pair,
 * the priority string (versions, cipher suites, curves, server precedence),
 * the client-certificate policy (request/require, verification against the
 * client CA or the system store, allowed SANs). One struct sm_tls per loaded
 * config; libmicrohttpd's sessions are set up from it connection by
 * connection, so a reloaded file applies to the next handshake.
 */
#ifndef SM_TLS_H
#define SM_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/webconfig.h"

struct sm_tls;

/* The GnuTLS priority string for cfg (exposed for tests). -ENOSPC if n is too small. */
int sm_tls_priority_string(const struct sm_webcfg *cfg, char *buf, size_t n);

/* Load the key pair, priorities and trust; cfg must outlive the result. */
int sm_tls_new(const struct sm_webcfg *cfg, struct sm_tls **ret, char *err, size_t errlen);
void sm_tls_free(struct sm_tls *t);

/* Per connection, before the handshake: priorities, certificate request, checks. */
int sm_tls_session_setup(struct sm_tls *t, gnutls_session_t s);

/* For gnutls_certificate_retrieve_function2: the server's chain and key. */
void sm_tls_server_cert(struct sm_tls *t, gnutls_pcert_st **pcert, unsigned *n,
                        gnutls_privkey_t *key);

/*
 * The client-certificate policy, run inside the handshake (0: continue,
 * otherwise the handshake fails). Also exposed for the verify callback.
 */
int sm_tls_verify_peer(const struct sm_tls *t, gnutls_session_t s);

/* Is a negotiated TLS 1.2 (or older) suite one of cipher_suites? (true when none are listed) */
bool sm_tls_suite_allowed(const struct sm_tls *t, gnutls_session_t s);

#endif
