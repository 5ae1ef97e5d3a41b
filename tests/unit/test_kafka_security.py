"""Kafka security settings reach every client in its own spelling, and bad ones are refused."""

from __future__ import annotations

import ssl

import faust
import pytest

from churnwatch.stack.config import StackConfig, kafka_server_properties
from streams import kafka_security
from streams.settings import Settings, SettingsError

SASL = {"CHURNWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "CHURNWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "CHURNWATCH_KAFKA_SASL_USERNAME": "cw", "CHURNWATCH_KAFKA_SASL_PASSWORD": "s3cret"}


def test_plaintext_by_default():
    settings = Settings.from_env({})
    assert kafka_security.client_options(settings) == {"security_protocol": "PLAINTEXT"}
    assert kafka_security.faust_credentials(settings) is None


def test_sasl_settings_reach_kafka_python_aiokafka_and_faust():
    settings = Settings.from_env(SASL)
    assert kafka_security.client_options(settings) == {
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "cw", "sasl_plain_password": "s3cret"}
    credentials = kafka_security.faust_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password, credentials.mechanism.value) == ("cw", "s3cret", "SCRAM-SHA-512")
    assert "s3cret" not in repr(settings), "the password must not show up in logs of the settings"


def test_sasl_ssl_builds_a_tls_context():
    settings = Settings.from_env({**SASL, "CHURNWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})
    options = kafka_security.client_options(settings)
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert kafka_security.faust_credentials(settings).protocol.value == "SASL_SSL"


@pytest.mark.parametrize("env, names", [
    ({"CHURNWATCH_KAFKA_SECURITY_PROTOCOL": "TLS"}, "CHURNWATCH_KAFKA_SECURITY_PROTOCOL"),
    ({**SASL, "CHURNWATCH_KAFKA_SASL_MECHANISM": "GSSAPI"}, "CHURNWATCH_KAFKA_SASL_MECHANISM"),
    ({**SASL, "CHURNWATCH_KAFKA_SASL_PASSWORD": ""}, "CHURNWATCH_KAFKA_SASL_PASSWORD"),
    ({"CHURNWATCH_KAFKA_SSL_CERTFILE": "/tmp/c.pem"}, "CHURNWATCH_KAFKA_SSL_KEYFILE"),
])
def test_unusable_combinations_are_refused_naming_the_variable(env, names):
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(env)


def test_the_local_stack_broker_asks_the_configured_user():
    props = kafka_server_properties(StackConfig.from_settings(Settings.from_env(SASL), {}))
    assert "listeners=SASL_PLAINTEXT://127.0.0.1:9092," in props
    assert 'user_cw="s3cret"' in props and "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" in props
    assert "SASL" not in kafka_server_properties(StackConfig.from_settings(Settings(), {}))
