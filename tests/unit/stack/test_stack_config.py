
import pytest

from churnwatch.stack.config import StackConfig, kafka_server_properties, redis_server_args
from streams.settings import Settings, SettingsError


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_kafka_properties_follow_the_settings(tmp_path):
    cfg = StackConfig.from_settings(Settings(kafka="127.0.0.1:19092"), {"CHURNWATCH_STACK_DIR": str(tmp_path)})
    props = _props(kafka_server_properties(cfg))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["process.roles"] == "broker,controller"
    assert props["log.dirs"] == str(tmp_path / "kafka" / "data")
    assert props["offsets.topic.replication.factor"] == "1"
    assert cfg.kafka_log == tmp_path / "logs" / "kafka.log"


def test_cache_and_stack_dirs_are_separate(tmp_path):
    env = {"CHURNWATCH_STACK_DIR": str(tmp_path / "s"), "CHURNWATCH_CACHE_DIR": str(tmp_path / "c")}
    cfg = StackConfig.from_settings(Settings(), env)
    assert cfg.kafka_libs == tmp_path / "c" / "kafka-3.9.2" / "libs"
    assert cfg.kafka_data.is_relative_to(tmp_path / "s")
    assert cfg.kafka_bootstrap == "127.0.0.1:9092" and cfg.controller_port == 9093


def test_redis_args_carry_port_and_password(tmp_path):
    cfg = StackConfig.from_settings(Settings(redis="redis://:s3cret@127.0.0.1:16379/0"),
                                    {"CHURNWATCH_STACK_DIR": str(tmp_path)})
    args = redis_server_args(cfg)
    assert args[args.index("--port") + 1] == "16379"
    assert args[args.index("--requirepass") + 1] == "s3cret"
    assert args[args.index("--bind") + 1] == "127.0.0.1"


def test_bad_bootstrap_is_named():
    with pytest.raises(SettingsError, match="expected host:port"):
        StackConfig.from_settings(Settings(kafka="nohostport"), {})
