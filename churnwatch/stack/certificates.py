"""A private CA and one server certificate, so the local stack can serve Kafka and Redis over TLS.

Why a fixed place: the clients must trust the CA before the stack first runs, so its path is
known in advance: `<stack dir>/tls/ca.pem` (`CHURNWATCH_STACK_DIR`). The first TLS `stack up`
creates it there and every later one reuses it (`--fresh` keeps it), so
`CHURNWATCH_KAFKA_SSL_CAFILE` and `ssl_ca_certs=` in a `rediss://` `CHURNWATCH_REDIS` can name
that path before it exists. The stack refuses to start a TLS server whose clients are set up to
trust another CA: they could never connect.

Why the `openssl` CLI and a throwaway CA key: `cryptography` is not among churnwatch's
dependencies, while the `openssl` CLI is on practically every Linux machine; the CA's
private key only lives while the server certificate is signed, so nothing else can ever be signed
by a CA the user was told to trust.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from churnwatch.stack.debian import install_for
from churnwatch.stack.errors import StackError

CA_FILE = "ca.pem"
SERVER_FILE = "server.pem"
"""The server's private key, its certificate and the CA certificate in one PEM file: what Kafka's
PEM keystore expects, and what redis-server reads both its key and its certificate from."""

VALID_DAYS = 3650

OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""
"""Our own config (not the system's openssl.cnf), so the extensions are the same everywhere and
strict verifiers accept them: a CA that may only sign, a server certificate for loopback."""


def prepare(tls_dir: Path, client_ca: str, setting: str, fix: str) -> None:
    """Before a TLS server of the stack starts: make the certificates (once), then refuse when its
    clients would not trust them, i.e. when `client_ca` (the CA file their `setting` names) is
    neither the stack's CA nor a copy of it; `fix` says how to set it."""
    _ensure(tls_dir)
    ca = tls_dir / CA_FILE
    path = Path(client_ca).expanduser() if client_ca else None
    if path is None or not path.is_file() or path.read_bytes() != ca.read_bytes():
        raise StackError(
            f"{setting} is {client_ca!r}, but the local stack's TLS certificates are signed by its own CA, "
            f"which clients can only verify with {ca}: {fix}"
        )


def _ensure(tls_dir: Path) -> None:
    """Create the CA and the server certificate in `tls_dir` unless both are there."""
    ca, server = tls_dir / CA_FILE, tls_dir / SERVER_FILE
    if ca.is_file() and server.is_file():
        return
    if install_for("openssl", "openssl") is None:
        raise StackError("openssl not found on PATH: the local stack makes its TLS certificates with it "
                         "(Debian: apt-get install -y openssl)")
    tls_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="churnwatch-tls-") as tmp:
        work = Path(tmp)
        (work / "openssl.cnf").write_text(OPENSSL_CONFIG)
        _openssl(work, "ca", "/CN=churnwatch local stack CA")
        _openssl(work, "server", "/CN=localhost", "-CA", "ca.pem", "-CAkey", "ca-key.pem")
        bundle = b"".join((work / name).read_bytes() for name in ("server-key.pem", "server.pem", "ca.pem"))
        _write_private(server, bundle)
        ca.write_bytes((work / "ca.pem").read_bytes())


def _openssl(work: Path, name: str, subject: str, *signing: str) -> None:
    """A new RSA key `<name>-key.pem` and certificate `<name>.pem` with the `[name]` extensions;
    self-signed unless `signing` names the CA."""
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-noenc", "-days", str(VALID_DAYS),
         "-config", "openssl.cnf", "-extensions", name, "-subj", subject,
         "-keyout", f"{name}-key.pem", "-out", f"{name}.pem", *signing],
        cwd=work, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise StackError(f"openssl could not make the local stack's {name} certificate "
                         f"(OpenSSL 3.0 or newer is needed): {result.stderr.strip()[-300:]}")


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (it holds a private key)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
