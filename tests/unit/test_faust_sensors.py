"""The lean Faust monitor keeps Faust's send counters while looking their labels up once."""

from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry

from streams.faust_sensors import LeanPrometheusMonitor


def test_sends_are_counted_by_topic_and_timed() -> None:
    registry = CollectorRegistry()
    monitor = LeanPrometheusMonitor(metrics=FaustMetrics.create(registry, "faust"))
    started = [monitor.on_send_initiated(None, topic, None, 1, 1) for topic in ("a", "a", "b")]

    def sent(topic: str) -> float | None:
        return registry.get_sample_value("faust_topic_messages_sent_total", {"topic": f"topic.{topic}"})

    assert (sent("a"), sent("b")) == (2.0, 1.0)
    assert monitor.messages_sent == 3 and monitor.messages_sent_by_topic["a"] == 2
    assert all(isinstance(s, float) for s in started)  # the send-latency start Faust hands back
