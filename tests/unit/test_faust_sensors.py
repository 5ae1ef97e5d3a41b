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


def test_end_offsets_are_tracked_per_partition_and_again_after_a_rebalance_clears_them() -> None:
    from faust.types import TP

    registry = CollectorRegistry()
    monitor = LeanPrometheusMonitor(metrics=FaustMetrics.create(registry, "faust"))
    tp = TP("orders", 3)

    def end_offset() -> float | None:
        return registry.get_sample_value("faust_topic_partition_end_offset", {"topic": "orders", "partition": "3"})

    for offset in (10, 10, 10, 12):  # Faust calls it for every record of a fetch
        monitor.track_tp_end_offset(tp, offset)
    assert end_offset() == 12.0 and monitor.tp_end_offsets[tp] == 12

    monitor._clear_partition_related_metrics()  # what Faust does at a rebalance
    assert end_offset() is None
    monitor.track_tp_end_offset(tp, 12)
    assert end_offset() == 12.0, "the same offset as before the rebalance is set again"
