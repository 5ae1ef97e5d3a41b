"""The local stack over TLS: the broker and redis-server command lines, and the certificates."""

from __future__ import annotations

import ssl

import pytest

from churnwatch.stack import certificates
from churnwatch.stack.config import StackConfig, kafka_server_properties, redis_server_args
from churnwatch.stack.errors import StackError
from streams.settings import Settings

SASL_SSL = {"CHURNWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "CHURNWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "CHURNWATCH_KAFKA_SASL_USERNAME": "cw", "CHURNWATCH_KAFKA_SASL_PASSWORD": "s3cret"}


def _config(tmp_path, env: dict[str, str]) -> StackConfig:
    return StackConfig.from_settings(Settings.from_env(env), {"CHURNWATCH_STACK_DIR": str(tmp_path)})


def _props(cfg: StackConfig) -> dict[str, str]:
    return dict(line.split("=", 1) for line in kafka_server_properties(cfg).splitlines())


@pytest.mark.parametrize("protocol", ["SSL", "SASL_SSL"])
def test_the_client_listener_serves_tls_from_the_stacks_pem_files(tmp_path, protocol):
    props = _props(_config(tmp_path, {**SASL_SSL, "CHURNWATCH_KAFKA_SECURITY_PROTOCOL": protocol}))
    assert props["listeners"] == f"{protocol}://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["listener.security.protocol.map"] == f"CONTROLLER:PLAINTEXT,{protocol}:{protocol}"
    assert props["inter.broker.listener.name"] == protocol
    assert (props["ssl.keystore.type"], props["ssl.truststore.type"]) == ("PEM", "PEM")
    assert props["ssl.keystore.location"] == str(tmp_path / "tls" / "server.pem")
    assert props["ssl.truststore.location"] == str(tmp_path / "tls" / "ca.pem")


def test_sasl_ssl_asks_the_user_on_the_tls_listener(tmp_path):
    props = _props(_config(tmp_path, SASL_SSL))
    assert 'user_cw="s3cret"' in props["listener.name.sasl_ssl.plain.sasl.jaas.config"]
    assert "ScramLoginModule" in props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    assert not [key for key in props if "sasl_plaintext" in key]


def test_plaintext_brokers_have_no_tls_settings(tmp_path):
    assert not [key for key in _props(_config(tmp_path, {})) if key.startswith("ssl.")]


def test_a_rediss_url_closes_the_plaintext_port_and_serves_tls(tmp_path):
    cfg = _config(tmp_path, {"CHURNWATCH_REDIS": f"rediss://:pw@127.0.0.1:16380/0?ssl_ca_certs={tmp_path}/ca.pem"})
    args = redis_server_args(cfg)
    assert (args[args.index("--port") + 1], args[args.index("--tls-port") + 1]) == ("0", "16380")
    assert args[args.index("--tls-cert-file") + 1] == args[args.index("--tls-key-file") + 1] == str(cfg.tls_server)
    assert args[args.index("--tls-ca-cert-file") + 1] == str(cfg.tls_ca)
    assert args[args.index("--tls-auth-clients") + 1] == "no"
    assert cfg.redis_ca_certs == f"{tmp_path}/ca.pem" and cfg.redis_password == "pw"
    plain = redis_server_args(_config(tmp_path, {}))
    assert "--tls-port" not in plain and plain[plain.index("--port") + 1] == "6379"


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stack") / "tls"
    certificates.prepare(directory, str(directory / certificates.CA_FILE), "SETTING", "fix it")
    return directory


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str) -> None:
    """A whole TLS handshake in memory: raises ssl.SSLError when the client rejects the server."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client_end = client.wrap_bio(c_in, c_out, server_hostname=hostname)
    server_end = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, end, out, peer_in in (("client", client_end, c_out, s_in), ("server", server_end, s_out, c_in)):
            try:
                end.do_handshake()
                done[name] = True
            except ssl.SSLWantReadError:
                pass
            peer_in.write(out.read())
        if all(done.values()):
            return
    raise AssertionError("the handshake did not finish")


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost"])
def test_clients_with_the_stacks_ca_accept_the_server_certificate(tls_dir, hostname):
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tls_dir / certificates.SERVER_FILE)
    _handshake(server, ssl.create_default_context(cafile=tls_dir / certificates.CA_FILE), hostname)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(server, ssl.create_default_context(), hostname)


def test_certificates_are_made_once_and_the_key_is_private(tls_dir):
    ca = (tls_dir / certificates.CA_FILE).read_bytes()
    certificates.prepare(tls_dir, str(tls_dir / certificates.CA_FILE), "SETTING", "fix it")
    assert (tls_dir / certificates.CA_FILE).read_bytes() == ca, "a second `stack up` must keep the CA"
    assert (tls_dir / certificates.SERVER_FILE).stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tls_dir.iterdir()) == ["ca.pem", "server.pem"], "the CA key is thrown away"


def test_a_copy_of_the_ca_is_trusted_another_file_or_none_is_refused_naming_the_setting(tls_dir, tmp_path):
    copy = tmp_path / "copy.pem"
    copy.write_bytes((tls_dir / certificates.CA_FILE).read_bytes())
    certificates.prepare(tls_dir, str(copy), "CHURNWATCH_KAFKA_SSL_CAFILE", "set it")
    other = tmp_path / "other.pem"
    other.write_text("not our CA")
    for named in ("", str(other), str(tmp_path / "missing.pem")):
        with pytest.raises(StackError, match=f"CHURNWATCH_KAFKA_SSL_CAFILE is '{named}'.*{tls_dir / 'ca.pem'}: set it"):
            certificates.prepare(tls_dir, named, "CHURNWATCH_KAFKA_SSL_CAFILE", "set it")
