"""Apache Kafka from Maven Central jars: assemble the classpath once, format, start, probe.

Why Maven: no Kafka tarball or image can be fetched on the machines this runs on, but Maven
Central can; `kafka_2.13` plus its runtime dependencies is the whole broker.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path

from churnwatch.stack import certificates, process
from churnwatch.stack.config import StackConfig, kafka_server_properties
from churnwatch.stack.errors import StackError
from streams.kafka_security import SCRAM_MECHANISMS, client_options
from streams.settings import Settings

READY_MARKER = ".complete"


def _template(name: str) -> str:
    return resources.files("churnwatch.stack").joinpath("templates", name).read_text()


def require_java_and_maven() -> None:
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        raise StackError(
            f"{' and '.join(missing)} not found on PATH: Kafka runs on the JVM and is assembled "
            "with Maven; install them (Debian: apt-get install -y openjdk-17-jre-headless maven)"
        )


def ensure_jars(cfg: StackConfig) -> bool:
    """Download the broker's jars into the cache unless already there; True if downloaded now."""
    libs = cfg.kafka_libs
    if (libs / READY_MARKER).exists():
        return False
    require_java_and_maven()
    libs.mkdir(parents=True, exist_ok=True)
    log = cfg.stack_dir / "logs" / "maven.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="churnwatch-mvn-") as tmp:
        pom = Path(tmp) / "pom.xml"
        pom.write_text(_template("pom.xml").replace("@KAFKA_VERSION@", cfg.kafka_version))
        with open(log, "wb") as out:
            result = subprocess.run(
                ["mvn", "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
                 "-DincludeScope=runtime", f"-DoutputDirectory={libs}"],
                stdout=out, stderr=subprocess.STDOUT,
            )
    if result.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
        raise StackError(
            f"Maven could not fetch Apache Kafka {cfg.kafka_version} from Maven Central "
            f"(exit {result.returncode}); check network access to the Maven repository; log: {log}"
        )
    (libs / READY_MARKER).write_text(cfg.kafka_version)
    return True


def _java_base(cfg: StackConfig) -> list[str]:
    log4j = cfg.kafka_dir / "log4j.properties"
    return ["java", f"-Dlog4j.configuration=file:{log4j}", "-cp", f"{cfg.kafka_libs}/*"]


def write_config_and_format(cfg: StackConfig) -> Path:
    """Write server.properties and log4j config; format the storage once (a new cluster id)."""
    cfg.kafka_dir.mkdir(parents=True, exist_ok=True)
    props = cfg.kafka_dir / "server.properties"
    props.write_text(kafka_server_properties(cfg))
    (cfg.kafka_dir / "log4j.properties").write_text(_template("log4j.properties"))
    if (cfg.kafka_data / "meta.properties").exists():
        return props
    cluster_id = subprocess.run(
        _java_base(cfg) + ["kafka.tools.StorageTool", "random-uuid"],
        capture_output=True, text=True, check=False,
    ).stdout.strip().splitlines()[-1:]
    if not cluster_id:
        raise StackError(f"Kafka's StorageTool did not run; is the jar cache complete? ({cfg.kafka_libs})")
    scram = []
    if cfg.kafka_sasl:
        user, password = cfg.kafka_security.kafka_sasl_username, cfg.kafka_security.kafka_sasl_password
        for mechanism in SCRAM_MECHANISMS:
            scram += ["--add-scram", f"{mechanism}=[name={user},password={password}]"]
    result = subprocess.run(
        _java_base(cfg) + ["kafka.tools.StorageTool", "format", "-t", cluster_id[0],
                           "-c", str(props), "--ignore-formatted", *scram],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise StackError(f"formatting Kafka storage in {cfg.kafka_data} failed: {result.stdout[-300:]}{result.stderr[-300:]}")
    return props


def start(cfg: StackConfig) -> int:
    if cfg.kafka_tls:
        certificates.prepare(cfg.tls_dir, cfg.kafka_security.kafka_ssl_cafile, "CHURNWATCH_KAFKA_SSL_CAFILE",
                             f"set CHURNWATCH_KAFKA_SSL_CAFILE={cfg.tls_ca}")
    props = write_config_and_format(cfg)
    argv = (["java", f"-Xms{cfg.kafka_heap}", f"-Xmx{cfg.kafka_heap}", "-XX:+UseG1GC",
             "-Djava.awt.headless=true"] + _java_base(cfg)[1:] + ["kafka.Kafka", str(props)])
    return process.spawn(argv, log_file=cfg.kafka_log, pid_file=cfg.kafka_pid)


def metadata_ok(bootstrap: str, timeout: float = 3.0, security: Settings | None = None) -> bool:
    """A real readiness probe: a Kafka metadata request answered with at least one broker."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    try:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000),
                                 connections_max_idle_ms=int(timeout * 1000) + 2000,
                                 bootstrap_timeout_ms=int(timeout * 1000),  # a refused client: no 30 s wait
                                 **client_options(security or Settings()))
    except (KafkaError, OSError, ValueError):
        return False
    try:
        consumer.topics()
        return bool(consumer._client.cluster.brokers())
    except (KafkaError, OSError):
        return False
    finally:
        consumer.close()


def wait_ready(cfg: StackConfig, pid: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.read_pid(cfg.kafka_pid) is None:
            raise StackError(
                f"the Kafka broker exited during start-up: {process.log_tail(cfg.kafka_log, 1)!s}"
                f" (log: {cfg.kafka_log}; `churnwatch stack up --fresh` wipes its data)"
            )
        if process.port_open(cfg.kafka_host, cfg.kafka_port) and metadata_ok(cfg.kafka_bootstrap, security=cfg.kafka_security):
            return
        time.sleep(0.5)
    raise StackError(f"the Kafka broker (pid {pid}) did not answer a metadata request within {timeout:.0f}s; log: {cfg.kafka_log}")
