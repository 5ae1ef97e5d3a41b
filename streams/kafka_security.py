"""Kafka authentication and encryption, from one set of settings to every client churnwatch uses.

Why one module: the worker (Faust, and aiokafka for the topic followers), the CLI tools and the
local stack's probe (kafka-python) each spell the same security options differently. They are
derived here from the `CHURNWATCH_KAFKA_SECURITY_PROTOCOL`, `..._SASL_*` and `..._SSL_*`
settings, so a cluster that needs SASL (PLAIN, SCRAM-SHA-256/512) and/or TLS is reached the same
way by all of them.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.settings import Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
SCRAM_MECHANISMS = MECHANISMS[1:]


def uses_sasl(settings: Settings) -> bool:
    return settings.kafka_security_protocol.startswith("SASL_")


def uses_tls(settings: Settings) -> bool:
    return settings.kafka_security_protocol in ("SSL", "SASL_SSL")


def check(settings: Settings) -> None:
    """Refuse combinations that cannot work, naming the variable to fix."""
    from streams.settings import SettingsError

    protocol = settings.kafka_security_protocol
    if protocol not in PROTOCOLS:
        raise SettingsError(f"CHURNWATCH_KAFKA_SECURITY_PROTOCOL={protocol!r}: expected one of {', '.join(PROTOCOLS)}")
    if uses_sasl(settings):
        if settings.kafka_sasl_mechanism not in MECHANISMS:
            raise SettingsError(f"CHURNWATCH_KAFKA_SASL_MECHANISM={settings.kafka_sasl_mechanism!r}: "
                                f"expected one of {', '.join(MECHANISMS)} with {protocol}")
        if not settings.kafka_sasl_username or not settings.kafka_sasl_password:
            raise SettingsError(f"CHURNWATCH_KAFKA_SASL_USERNAME and CHURNWATCH_KAFKA_SASL_PASSWORD are required with {protocol}")
    if bool(settings.kafka_ssl_certfile) != bool(settings.kafka_ssl_keyfile):
        raise SettingsError("CHURNWATCH_KAFKA_SSL_CERTFILE and CHURNWATCH_KAFKA_SSL_KEYFILE go together (client certificate)")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of SSL / SASL_SSL (system CAs unless a CA file is given), else None."""
    if not uses_tls(settings):
        return None
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile or None)
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for kafka-python's producer, consumer and admin client, and for
    aiokafka's clients (both libraries use these names)."""
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if uses_sasl(settings):
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                       sasl_plain_username=settings.kafka_sasl_username,
                       sasl_plain_password=settings.kafka_sasl_password)
    if uses_tls(settings):
        options["ssl_context"] = ssl_context(settings)
    return options


def faust_credentials(settings: Settings):
    """Faust's `broker_credentials` (None for PLAINTEXT)."""
    import faust

    if uses_sasl(settings):
        return faust.SASLCredentials(username=settings.kafka_sasl_username, password=settings.kafka_sasl_password,
                                     mechanism=settings.kafka_sasl_mechanism, ssl_context=ssl_context(settings))
    if uses_tls(settings):
        return faust.SSLCredentials(ssl_context(settings))
    return None
