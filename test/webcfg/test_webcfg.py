#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""--web.config.file against exporter-toolkit's own expectations, with real clients.

The reference is prometheus/exporter-toolkit: its web/testdata files (test/data/webcfg,
see the README there) and the outcomes its web/tls_config_test.go and web/handler_test.go
expect. Clients are curl (OpenSSL) and a real Prometheus server. Certificates the toolkit's
data cannot provide are made here with openssl.

usage: test_webcfg.py SSD_MONITOR REPLAY_DIR DATA_DIR [PROMETHEUS]
"""

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

BIN, REPLAY, DATA = (os.path.abspath(a) for a in sys.argv[1:4])
PROM = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else shutil.which("prometheus")

passed = 0
failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}" + (f"\n      {detail}" if detail else ""), flush=True)
    return cond


TMP = tempfile.mkdtemp(prefix="sm-webcfg-")


def path(name):
    return os.path.join(TMP, name)


def sh(*args):
    r = subprocess.run(args, capture_output=True, text=True, cwd=TMP, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"{args}: {r.stderr}")
    return r.stdout


# ---------------------------------------------------------------------------
# Certificates: a CA and a server pair for localhost/127.0.0.1 (digitalSignature, so GnuTLS
# can sign ECDHE and TLS 1.3 handshakes with it), a stranger client certificate from another
# CA carrying the SAN the toolkit's client2 has (test3).

def make_certs():
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
       "-out", "ca.crt", "-days", "3650", "-subj", "/CN=ssd-monitor test CA")
    with open(path("server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n")
    sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
       "-out", "server.csr", "-subj", "/CN=localhost")
    sh("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
       "-CAcreateserial", "-out", "server.crt", "-days", "3650", "-extfile", "server.ext")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "3650",
       "-subj", "/CN=another CA")
    with open(path("stranger.ext"), "w") as f:
        f.write("subjectAltName=DNS:test3\nextendedKeyUsage=clientAuth\n")
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", "stranger.key", "-out", "stranger.csr", "-subj", "/CN=stranger")
    sh("openssl", "x509", "-req", "-in", "stranger.csr", "-CA", "other-ca.crt", "-CAkey",
       "other-ca.key", "-CAcreateserial", "-out", "stranger.pem", "-days", "3650",
       "-extfile", "stranger.ext")


def setup_data():
    for f in os.listdir(DATA):
        if f.endswith((".yml", ".yaml", ".pem")) or f.startswith("client"):
            shutil.copy(os.path.join(DATA, f), path(f))
    # The toolkit's own server pair, under other names, for the keyUsage refusal.
    shutil.copy(os.path.join(DATA, "server.crt"), path("toolkit-server.crt"))
    shutil.copy(os.path.join(DATA, "server.key"), path("toolkit-server.key"))
    make_certs()
    # The inline variant: the toolkit file's layout (cert: | and key: |) with our pair.
    with open(os.path.join(DATA, "web_config_noAuth_tlsInline.good.yml")) as f:
        orig = f.read()
    assert re.search(r"^  cert: \|$", orig, re.M) and re.search(r"^  key: \|$", orig, re.M)

    def block(name):
        with open(path(name)) as f:
            return "".join("    " + line for line in f.read().splitlines(True))
    with open(path("web_config_noAuth_tlsInline.good.yml"), "w") as f:
        f.write("tls_server_config:\n  cert: |\n" + block("server.crt") + "  key: |\n" +
                block("server.key"))
    # The key-inline variant: cert_file plus our key inline, as the toolkit's file has it.
    name = "tls_config_noAuth.requireanyclientcertkeyinline.good.yml"
    with open(os.path.join(DATA, name)) as f:
        orig = f.read()
    assert 'cert_file: "server.crt"' in orig and 'client_auth_type: "RequireAnyClientCert"' in orig
    with open(path(name), "w") as f:
        f.write('tls_server_config:\n  cert_file: "server.crt"\n  key: |\n' + block("server.key") +
                '  client_auth_type: "RequireAnyClientCert"\n')


# ---------------------------------------------------------------------------
# The agent

class Agent:
    def __init__(self, config, *extra, wait=True):
        self.logf = tempfile.NamedTemporaryFile(prefix="agent-", suffix=".log", dir=TMP,
                                                delete=False)
        args = [BIN, "--replay", REPLAY, "--web.listen-address=127.0.0.1:0",
                "--no-drop-privileges", "--log.level=debug", *extra]
        if config is not None:
            args.append("--web.config.file=" + config)
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.logf, cwd=TMP)
        self.port = None
        if wait:
            m = self.wait_log(r"listening on \S+ \(port (\d+)\)", 20)
            self.port = int(m) if m else None

    def log(self):
        with open(self.logf.name, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(pattern, self.log())
            if m:
                return m.group(1) if m.groups() else m.group(0)
            if self.proc.poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def exit_code(self, timeout=20):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def curl(port, *args, scheme="https", url="/metrics", ca="ca.crt"):
    """(curl exit code, HTTP status, response headers, curl -v stderr)."""
    cmd = ["curl", "-sS", "-v", "--max-time", "60", "-o", "/dev/null", "-D", "-",
           "-w", "\nHTTP_CODE=%{http_code}\n"]
    if scheme == "https" and ca:
        cmd += ["--cacert", path(ca)]
    cmd += list(args) + [f"{scheme}://localhost:{port}{url}"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=TMP, timeout=90)
    m = re.search(r"HTTP_CODE=(\d+)", r.stdout)
    return r.returncode, int(m.group(1)) if m else 0, r.stdout, r.stderr


def cert(name):
    return ["--cert", path(name + ".pem"), "--key", path(name + ".key")]


def negotiated(stderr):
    m = re.search(r"SSL connection using (\S+) / (\S+)", stderr)
    return (m.group(1), m.group(2)) if m else (None, None)


# ---------------------------------------------------------------------------
# 1. Loading: TestYAMLFiles. Refused files exit 2 before anything is served and name the
#    reason the toolkit gives (its ErrorMap regexes, our wording).

LOAD = [
    ("somefile", r"no such file"),
    ("web_config_empty.yml", None),
    ("web_config_junk.yml", r"yaml"),
    ("web_config_junk_key.yml", r"web_config_junk_key\.yml:2: tls_server_config\.cert_filse: "
                                r"unknown key"),
    ("web_config_noAuth_certPath_empty.bad.yml", r"missing one of cert or cert_file"),
    ("web_config_noAuth_cert_empty.bad.yml", r"missing one of cert or cert_file"),
    ("web_config_noAuth_keyPath_empty.bad.yml", r"missing one of key or key_file"),
    ("web_config_noAuth_key_empty.bad.yml", r"missing one of key or key_file"),
    ("web_config_noAuth_certPath_keyPath_empty.bad.yml", r"missing one of cert or cert_file"),
    ("web_config_noAuth_certPath_invalid.bad.yml", r"no such file"),
    ("web_config_noAuth_keyPath_invalid.bad.yml", r"no such file"),
    ("web_config_noAuth_certPath_keyPath_invalid.bad.yml", r"no such file"),
    ("web_config_noAuth.bad.yml", r"client CA's have been configured without a Client Auth "
                                  r"Policy"),
    ("web_config_auth_clientCAs_invalid.bad.yml", r"no such file"),
    ("web_config_auth_user_list_invalid.bad.yml", r"basic_auth_users\.john: too short to be a "
                                                  r"bcrypt"),
    ("web_config_noAuth_inventedCiphers.bad.yml", r":6: tls_server_config\.cipher_suites: "
                                                  r"unknown cipher"),
    ("web_config_noAuth_inventedCurves.bad.yml", r":6: tls_server_config\.curve_preferences: "
                                                 r"unknown curve"),
    ("web_config_noAuth_wrongTLSVersion.bad.yml", r":5: tls_server_config\.min_version: "
                                                  r"unknown TLS version"),
    # TestServerBehaviour's refusals at load
    ("web_config_headers_content_type_options.bad.yml", r"invalid value for "
                                                        r"X-Content-Type-Options"),
    ("web_config_headers_frame_options.bad.yml", r"invalid value for X-Frame-Options"),
    ("web_config_headers_extra_header.bad.yml", r"HTTP header \"Content-Type\" can not be "
                                                r"configured"),
    # accepted by the toolkit and here
    ("web_config_noAuth.good.yml", None),
    ("web_config_users.good.yml", None),
    ("web_config_users_noTLS.good.yml", None),
    ("web_config_headers.good.yml", None),
    ("web_config_rate_limiter_one_second.yaml", None),
    ("tls_config_noAuth.requireanyclientcertkeyinline.good.yml", None),
]


def write(name, text):
    with open(path(name), "w") as f:
        f.write(text)
    return name


def test_load():
    for name, want in LOAD:
        a = Agent(name, wait=False)
        port = a.wait_log(r"listening on \S+ \(port (\d+)\)", 20)
        if want is None:
            check(port is not None, f"{name}: accepted and served", a.log()[-600:])
        else:
            rc = a.exit_code()
            log = a.log()
            check(rc == 2 and port is None, f"{name}: refused with exit 2, nothing served",
                  f"rc={rc} {log[-400:]}")
            check(re.search(want, log), f"{name}: error says /{want}/", log[-400:])
        a.stop()
    # More refusals of the issue: wrong types, duplicate keys, a non-bcrypt value,
    # min above max, the toolkit's own server certificate (keyUsage without
    # digitalSignature), a key that is not the certificate's.
    extra = [
        ("tls_server_config:\n  cert_file: [a]\n", r":2: tls_server_config\.cert_file: "
                                                  r"expected a string"),
        ("rate_limit:\n  burst: many\n", r":2: rate_limit\.burst: expected a non-negative "
                                         r"integer"),
        ("rate_limit:\n  interval: 5\n  interval: 6\n", r":3: rate_limit: key 'interval' "
                                                        r"given twice"),
        ("basic_auth_users:\n  ann: $1$abc$def\n", r":2: basic_auth_users\.ann: "),
        ("http_server_config:\n  http2: maybe\n", r":2: http_server_config\.http2: expected "
                                                  r"true or false"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
         "  min_version: TLS13\n  max_version: TLS12\n", r"min_version is above max_version"),
        ("tls_server_config:\n  cert_file: toolkit-server.crt\n  key_file: toolkit-server.key\n",
         r"keyUsage lacks digitalSignature"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: stranger.key\n",
         r"failed to load the key pair"),
        ("tls_server_config: {cert_file: server.crt, key_file: server.key,\n"
         "  client_auth_type: Sometimes}\n", r"invalid ClientAuth: Sometimes"),
        ("- a\n- b\n", r":1: yaml: expected a mapping"),
        ("tls_server_config:\n  cert_file: \"unterminated\n", r"yaml: line"),
    ]
    for i, (text, want) in enumerate(extra):
        name = write(f"extra-{i}.yml", text)
        a = Agent(name, wait=False)
        rc = a.exit_code()
        log = a.log()
        check(rc == 2 and re.search(want, log), f"{text!r}: exit 2 and /{want}/",
              f"rc={rc} {log[-300:]}")
        a.stop()
    # An empty file means plain HTTP, as without the flag.
    with Agent(write("empty.yml", "")) as a:
        rc, code, _, _ = curl(a.port, scheme="http")
        check(code == 200, "empty web config: plain HTTP /metrics 200", f"{rc} {code}")


# ---------------------------------------------------------------------------
# 2. TestServerBehaviour

def test_server():
    with Agent(None) as a:
        rc, code, _, err = curl(a.port)
        check(rc != 0 and code == 0, "no web config, TLS client: fails (plain HTTP server)",
              f"rc={rc}")
    with Agent("web_config_noAuth.good.yml") as a:
        rc, code, _, _ = curl(a.port, scheme="http")
        check(code != 200 and rc != 0, "TLS config, plain HTTP client: refused", f"rc={rc}")
        rc, code, _, _ = curl(a.port)
        check(code == 200, "TLS config, TLS client: 200", f"rc={rc} code={code}")
        rc, code, _, _ = curl(a.port, "--tlsv1", "--tls-max", "1.1", "--ciphers",
                              "DEFAULT@SECLEVEL=0")
        check(rc != 0 and code == 0, "TLS 1.1 client against the default min_version TLS12: "
                                     "handshake fails", f"rc={rc}")
        rc, code, _, err = curl(a.port, "--tls-max", "1.2")
        check(code == 200 and negotiated(err)[0] == "TLSv1.2", "TLS 1.2 client: 200 over 1.2",
              negotiated(err))
        rc, code, _, err = curl(a.port)
        check(negotiated(err)[0] == "TLSv1.3", "default max_version TLS13 is offered",
              negotiated(err))
        rc, code, _, _ = curl(a.port, ca=None)
        check(rc != 0, "a client that does not trust the CA refuses the server", f"rc={rc}")
    # Control for the TLS 1.1 refusal: the same client succeeds when min_version allows it
    # (skipped if this GnuTLS build disables TLS 1.1 system-wide).
    with Agent(write("tls11.yml", "tls_server_config:\n  cert_file: server.crt\n"
                                  "  key_file: server.key\n  min_version: TLS11\n")) as a:
        rc, code, _, err = curl(a.port, "--tlsv1", "--tls-max", "1.1", "--ciphers",
                                "DEFAULT@SECLEVEL=0")
        if code == 200:
            check(negotiated(err)[0] == "TLSv1.1", "min_version TLS11: a TLS 1.1 client gets in",
                  negotiated(err))
        else:
            print(f"note: TLS 1.1 unavailable on this host (curl rc={rc}); control skipped")
    with Agent("web_config_noAuth_tlsInline.good.yml") as a:
        check(curl(a.port)[1] == 200, "cert and key inline: 200")
    with Agent("web_config_noAuth_allCiphers.good.yml") as a:
        check(curl(a.port)[1] == 200, "all ciphers: 200")
        rc, code, _, err = curl(a.port, "--tls-max", "1.2", "--ciphers",
                                "ECDHE-RSA-AES256-SHA")
        check(code == 200 and negotiated(err)[1] == "ECDHE-RSA-AES256-SHA",
              "all ciphers: a CBC suite of the list works over TLS 1.2", negotiated(err))
        rc, code, _, _ = curl(a.port, "--tls-max", "1.2", "--ciphers", "AES128-GCM-SHA256")
        check(rc != 0, "all ciphers: an RSA key exchange suite (not in Go's list) fails",
              f"rc={rc}")
    with Agent("web_config_noAuth_someCiphers.good.yml") as a:
        rc, code, _, err = curl(a.port, "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256")
        check(code == 200, "some ciphers, client offers one of them: 200", f"rc={rc}")
        rc, code, _, err = curl(a.port, "--ciphers", "ECDHE-RSA-AES256-SHA")
        check(rc != 0 and code == 0, "some ciphers, no common cipher: handshake fails",
              f"rc={rc}")
        rc, code, _, err = curl(a.port, "--ciphers",
                                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")
        check(negotiated(err)[1] == "ECDHE-RSA-AES128-GCM-SHA256",
              "some ciphers, client offers both: AES128 (toolkit's ActualCipher)", negotiated(err))
        rc, code, _, err = curl(a.port, "--ciphers",
                                "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")
        check(negotiated(err)[1] == "ECDHE-RSA-AES128-GCM-SHA256",
              "prefer_server_cipher_suites (default true): the server's first suite wins "
              "over the client's order", negotiated(err))
    with Agent("web_config_noAuth_someCiphers_noOrder.good.yml") as a:
        rc, code, _, err = curl(a.port, "--ciphers",
                                "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")
        check(negotiated(err)[1] == "ECDHE-RSA-AES128-GCM-SHA256",
              "prefer_server_cipher_suites false: the client chooses AES128", negotiated(err))
        rc, code, _, err = curl(a.port, "--ciphers",
                                "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")
        check(negotiated(err)[1] == "ECDHE-RSA-AES256-GCM-SHA384",
              "prefer_server_cipher_suites false: the client chooses AES256", negotiated(err))
    with Agent("web_config_noAuth_allCurves.good.yml") as a:
        check(curl(a.port)[1] == 200, "all curves: 200")
        for c in ("P-256", "P-384", "P-521", "X25519"):
            check(curl(a.port, "--curves", c)[1] == 200, f"all curves: client with {c} only")
    with Agent("web_config_noAuth_someCurves.good.yml") as a:
        rc, code, _, _ = curl(a.port, "--curves", "P-521")
        check(code == 200, "some curves (P521), client P-521: 200", f"rc={rc}")
        rc, code, _, _ = curl(a.port, "--curves", "P-384")
        check(rc != 0 and code == 0, "some curves (P521), client P-384: handshake fails",
              f"rc={rc}")
        rc, code, _, _ = curl(a.port, "--tls-max", "1.2")
        check(rc != 0, "min_version TLS13: a TLS 1.2 client fails", f"rc={rc}")
    with Agent("web_config_noAuth_noHTTP2.good.yml") as a:
        rc, code, _, err = curl(a.port)
        check(code == 200 and negotiated(err) == ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"),
              "http2 false, one TLS 1.2 cipher: 200", negotiated(err))
    # Deliberate difference: Go refuses http2 (the default) without an HTTP/2 cipher; this
    # server speaks HTTP/1.1 only, so http2 is ignored and the file is served.
    with Agent("web_config_noAuth_noHTTP2Cipher.bad.yml") as a:
        rc, code, _, err = curl(a.port, "--http2")
        check(code == 200 and "HTTP/1.1 200" in _, "http2 is accepted and ignored (HTTP/1.1)",
              f"rc={rc}")
    with Agent("web_config_headers.good.yml") as a:
        for url in ("/metrics", "/healthz", "/nothing-here", "/api/v1/devices"):
            rc, code, hdrs, _ = curl(a.port, scheme="http", url=url)
            got = {k.lower(): v.strip() for k, v in re.findall(r"^([\w-]+): (.*)$", hdrs, re.M)}
            for k, v in {"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
                         "X-Frame-Options": "deny", "X-Content-Type-Options": "nosniff",
                         "X-XSS-Protection": "1",
                         "Content-Security-Policy": "default-src 'self' *.test.example.net"
                         }.items():
                check(got.get(k.lower()) == v, f"header {k} on {url}", got.get(k.lower()))


def test_client_certs():
    # The toolkit's cases and, for each policy, the two cases it does not list.
    cases = [
        ("tls_config_noAuth.requireanyclientcert.good.yml",
         {"client_selfsigned": True, "stranger": True, None: False}),
        ("tls_config_noAuth.requireanyclientcertkeyinline.good.yml",
         {"client_selfsigned": True, None: False}),
        ("tls_config_noAuth.requireandverifyclientcert.good.yml",
         {"client_selfsigned": True, "client2_selfsigned": False, "stranger": False, None: False}),
        ("web_config_auth_client_san.good.yaml",
         {"client2_selfsigned": True, "client_selfsigned": False, "stranger": False,
          None: False}),
        ("web_config_auth_client_san.bad.yaml", {"client2_selfsigned": False}),
        ("web_config_noAuth.good.yml", {None: True, "client_selfsigned": False}),
    ]
    for mode, want in [("RequestClientCert", {None: True, "stranger": True}),
                       ("VerifyClientCertIfGiven",
                        {None: True, "client_selfsigned": True, "stranger": False})]:
        cases.append((write(f"{mode}.yml", "tls_server_config:\n  cert_file: server.crt\n"
                            f"  key_file: server.key\n  client_auth_type: {mode}\n"
                            "  client_ca_file: client_selfsigned.pem\n"), want))
    # RequireAnyClientCert with allowed SANs: any certificate, but it must carry one of them.
    cases.append((write("any-san.yml", "tls_server_config:\n  cert_file: server.crt\n"
                        "  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n"
                        "  client_allowed_sans: [test3]\n"),
                  {"stranger": True, "client2_selfsigned": True, "client_selfsigned": False}))
    for cfg, want in cases:
        with Agent(cfg) as a:
            for who, ok in want.items():
                args = cert(who) if who else []
                rc, code, _, err = curl(a.port, *args, url="/healthz")
                check((code == 200) == ok, f"{cfg}: client {who or 'without a certificate'} "
                      f"{'accepted' if ok else 'refused'}", f"rc={rc} code={code}")


# ---------------------------------------------------------------------------
# 3. TestUsers, handler_test.go

def test_users():
    with Agent("web_config_users_noTLS.good.yml") as a:
        rc, code, hdrs, _ = curl(a.port, scheme="http")
        check(code == 401 and re.search(r"^WWW-Authenticate: Basic\r?$", hdrs, re.M | re.I),
              "no credentials: 401 with WWW-Authenticate: Basic", hdrs)
        check(curl(a.port, "-u", "dave:dave123", scheme="http")[1] == 200, "dave/dave123: 200")
        # /readyz is 503 until the first collection is published (slow under ASan):
        # wait for it, then both probes answer without credentials.
        a.wait_log(r"first collection finished", 20)
        for _ in range(100):
            if curl(a.port, scheme="http", url="/readyz")[1] == 200:
                break
            time.sleep(0.05)
        for path_ in ("/healthz", "/readyz"):
            check(curl(a.port, scheme="http", url=path_)[1] == 200,
                  f"{path_} without credentials: 200")
        for path_ in ("/", "/api/v1/devices", "/nothing"):
            check(curl(a.port, scheme="http", url=path_)[1] == 401,
                  f"{path_} without credentials: 401")
        # TestBasicAuthCache
        check(curl(a.port, "-u", "alice:alice123", scheme="http")[1] == 200, "alice/alice123: 200")
        check(curl(a.port, "-u", "alice:alice1234", scheme="http")[1] == 401,
              "alice/alice1234: 401")

        def login(u, p):
            return curl(a.port, "-u", f"{u}:{p}", scheme="http")[1]
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            good = [ex.submit(login, "alice", "alice123") for _ in range(40)]
            bad = [ex.submit(login, "alice", "alice1234") for _ in range(40)]
            check(all(f.result() == 200 for f in good), "40 concurrent alice/alice123: all 200")
            check(all(f.result() == 401 for f in bad), "40 concurrent alice/alice1234: all 401")
        # TestBasicAuthWithFakepassword: cold then cached
        check(login("fakeuser", "fakepassword") == 401, "fakeuser (cold cache): 401")
        check(login("fakeuser", "fakepassword") == 401, "fakeuser (cached): 401")
        # TestByPassBasicAuthVuln (CVE-2022-46146)
        check(login("alice$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby",
                    "fakepassword") == 401, "user name carrying a hash: 401")
        check(login("alice", "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"
                    "fakepassword") == 401, "password that is a hash: 401")
        check(login("alice", "$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby")
              == 401, "alice's own stored hash as password: 401")
        check(login("", "") == 401, "empty user and password: 401")
    with Agent("web_config_users.good.yml") as a:
        check(curl(a.port)[1] == 401, "TLS, no credentials: 401")
        check(curl(a.port, "-u", "dave:dave123")[1] == 200, "TLS, dave/dave123: 200")
        check(curl(a.port, "-u", "carol:carol123")[1] == 200, "TLS, carol/carol123: 200")
        check(curl(a.port, "-u", "dave:bad")[1] == 401, "TLS, dave/bad: 401")
        check(curl(a.port, "-u", "nonexistent:nonexistent")[1] == 401, "TLS, nonexistent: 401")
        check(curl(a.port, url="/healthz")[1] == 200, "TLS, /healthz without credentials: 200")
        rc, code, _, _ = curl(a.port, scheme="http", url="/healthz")
        check(code != 200, "TLS on: /healthz is not served over plain HTTP", f"rc={rc}")
        # bob's hash has cost 18 (seconds of CPU). While his login is being verified,
        # scrapes with cached credentials keep being answered: the order of completion is
        # the assertion (bob still pending after they finished), not a duration.
        bob = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                "--max-time", "600", "--cacert", path("ca.crt"), "-u",
                                "bob:bob", f"https://localhost:{a.port}/metrics"],
                               stdout=subprocess.PIPE, text=True)
        a.wait_log(r"never-logged", 0.5)
        codes = [curl(a.port, "-u", "dave:dave123")[1] for _ in range(5)]
        codes += [curl(a.port, url="/healthz")[1]]
        still = bob.poll() is None
        check(all(c == 200 for c in codes) and still,
              "scrapes (cached dave) and probes answered while bob's cost-18 bcrypt runs",
              f"codes={codes} bob pending={still}")
        bob.kill()
        bob.wait()


def test_rate_limit():
    with Agent("web_config_rate_limiter_nonblocking.yaml") as a:
        codes = [curl(a.port, scheme="http")[1] for _ in range(11)]
        check(all(c == 200 for c in codes), "rate limit interval 0: 11 requests all 200", codes)
    with Agent("web_config_rate_limiter_one_second.yaml") as a:
        codes = [curl(a.port, scheme="http")[1] for _ in range(11)]
        check(429 in codes, "rate limit 1s, burst 0: Too Many Requests", codes)
        check(curl(a.port, scheme="http", url="/healthz")[1] == 200,
              "rate limit: probes are not limited")
    # A bucket of 3 refilled every hour: exactly 3 requests pass.
    with Agent(write("bucket.yml", "rate_limit:\n  interval: 1h\n  burst: 3\n")) as a:
        codes = [curl(a.port, scheme="http")[1] for _ in range(6)]
        check(codes == [200, 200, 200, 429, 429, 429], "burst 3, 1h: 3 pass, then 429", codes)


# ---------------------------------------------------------------------------
# 4. TestConfigReloading: start on the blocking file (RequireAndVerifyClientCert), swap in
#    the good one, and the next connection succeeds; a broken file keeps the last good one.

def test_reload():
    cfg = path("reload.yml")
    shutil.copy(path("web_config_noAuth.good.blocking.yml"), cfg)
    with Agent("reload.yml") as a:
        rc, code, _, _ = curl(a.port)
        check(code == 0, "blocking config: a client without certificate fails", f"rc={rc}")
        shutil.copy(path("web_config_noAuth.good.yml"), cfg + ".new")
        os.replace(cfg + ".new", cfg)
        a.wait_log(r"reload\.yml reloaded", 10)
        rc, code, _, _ = curl(a.port)
        check(code == 200, "after the swap: the same client gets in", f"rc={rc}")
        write("reload.yml.new", "tls_server_config:\n  cert_file: server.crt\n  key_fil: x\n")
        os.replace(cfg + ".new", cfg)
        check(a.wait_log(r"not reloaded, the last good one stays in force: .*key_fil", 10),
              "a broken file is logged", a.log()[-300:])
        check(curl(a.port)[1] == 200, "and the last good config stays in force")
        # Certificate rotation: a new server certificate is used by the next handshake.
        write("reload.yml.new", "tls_server_config:\n  cert_file: rotated.crt\n"
                                "  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n")
        sh("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
           "-CAcreateserial", "-out", "rotated.crt", "-days", "20", "-extfile", "server.ext")
        os.replace(cfg + ".new", cfg)
        a.wait_log(r"reload\.yml reloaded(?s:.*)reload\.yml reloaded", 10)
        rc, code, _, err = curl(a.port)
        serial = sh("openssl", "x509", "-in", "rotated.crt", "-noout", "-enddate").strip()
        check(code == 200 and serial.split("=")[1].split()[0] in err,
              "rotated certificate served to the next connection", serial)


# ---------------------------------------------------------------------------
# 5. A real Prometheus: scheme https, tls_config, basic_auth from its own scrape_configs.

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def promql(base, q):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback only
        return json.loads(r.read().decode())["data"]["result"]


def test_prometheus():
    if not PROM:
        check(False, "prometheus binary (Debian package prometheus) available")
        return
    with Agent("web_config_users.good.yml") as a:
        port = free_port()
        jobs = ""
        for job, pw in (("good", "dave123"), ("wrongpw", "dave1234")):
            jobs += (f"  - job_name: {job}\n    scheme: https\n    tls_config:\n"
                     f"      ca_file: {path('ca.crt')}\n      server_name: localhost\n"
                     f"    basic_auth:\n      username: dave\n      password: {pw}\n"
                     f"    static_configs:\n      - targets: ['127.0.0.1:{a.port}']\n")
        jobs += (f"  - job_name: plainhttp\n    static_configs:\n"
                 f"      - targets: ['127.0.0.1:{a.port}']\n")
        write("prometheus.yml", "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                                "scrape_configs:\n" + jobs)
        logf = open(path("prometheus.log"), "wb")
        p = subprocess.Popen([PROM, "--config.file=" + path("prometheus.yml"),
                              "--storage.tsdb.path=" + path("prom-data"),
                              f"--web.listen-address=127.0.0.1:{port}"],
                             stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                             start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            got = {}
            end = time.monotonic() + 60
            while time.monotonic() < end and len(got) < 3:
                with contextlib.suppress(OSError, ValueError, KeyError):
                    for r in promql(base, "up"):
                        got[r["metric"]["job"]] = r["value"][1]
                time.sleep(0.5)
            check(got.get("good") == "1", "Prometheus over TLS + basic_auth: up == 1", got)
            check(got.get("wrongpw") == "0", "Prometheus with a wrong password: up == 0", got)
            check(got.get("plainhttp") == "0", "Prometheus over plain HTTP: up == 0", got)
            n = []
            with contextlib.suppress(OSError, ValueError, KeyError):
                n = promql(base, 'ssdmon_device_info{job="good"}')
            check(len(n) == 3, "Prometheus ingested the agent's series over TLS", len(n))
            with contextlib.suppress(OSError, ValueError, KeyError):
                with urllib.request.urlopen(base + "/api/v1/targets", timeout=5) as r:
                    t = json.loads(r.read().decode())["data"]["activeTargets"]
                errs = {x["labels"]["job"]: x.get("lastError", "") for x in t}
                check("401" in errs.get("wrongpw", ""), "targets API: wrong password is a 401",
                      errs)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
            p.wait(30)
            logf.close()


def test_signals():
    # The password workers must not take SIGTERM/SIGHUP (they are blocked in every
    # thread; signalfd reads them): SIGHUP re-reads the file and the agent keeps
    # serving, SIGTERM stops it cleanly with exit 0.
    with Agent("web_config_users.good.yml") as a:
        check(curl(a.port, "-u", "dave:dave123")[1] == 200, "signals: serving")
        a.proc.send_signal(signal.SIGHUP)
        check(a.wait_log(r"web_config_users\.good\.yml reloaded", 10) is not None,
              "SIGHUP: the web config is re-read", a.log()[-300:])
        check(a.proc.poll() is None and curl(a.port, "-u", "dave:dave123")[1] == 200,
              "SIGHUP: still serving")
        a.proc.send_signal(signal.SIGTERM)
        rc = a.exit_code(60)
        check(rc == 0, "SIGTERM: clean exit 0 (not killed by the signal)", f"rc={rc}")


def main():
    setup_data()
    try:
        for t in (test_load, test_server, test_client_certs, test_users, test_rate_limit,
                  test_reload, test_signals, test_prometheus):
            t()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
